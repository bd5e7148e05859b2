/**
 * @file media.h  Audio media of a conference: per-participant RTP/SRTP
 * streams, and the per-conference mixer that feeds them.
 *
 * The focus owns one struct mixer per conference and one struct
 * audio per participant audio stream.  Sockets live in audio.c; mixing
 * arithmetic (mix.c), the jitter buffer (jb.c) and G.711 are pure code.
 */

struct mixer;
struct audio;

enum audio_codec {
	AUDIO_PCMU = 0,
	AUDIO_PCMA = 8,
};

#define AUDIO_SRATE   8000
#define AUDIO_PTIME   20
#define AUDIO_FRAME   160      /* samples per 20 ms at 8 kHz */

struct audio_stats {
	uint64_t rx_packets;       /* accepted into the jitter buffer */
	uint64_t rx_dropped;       /* garbage, undecryptable, late, dup */
	uint64_t tx_packets;
	uint64_t telev_events;
};

struct mixer_stats {
	uint64_t ticks;
	uint64_t late_ticks;       /* ticks that ran more than a frame late */
	uint64_t max_tick_us;      /* worst time spent mixing one tick */
};

/* One mixer per conference; it runs its own 20 ms clock. */
int  mixer_alloc(struct mixer **mxp);
void mixer_stats(const struct mixer *mx, struct mixer_stats *st);
/* The sum over every mixer since start (max_tick_us: the worst). */
void mixer_totals(struct mixer_stats *st);

/* A participant's audio stream.  Binds an RTP port (even) and RTCP
 * (port + 1) on laddr within [port_min, port_max] (0, 0: 16384-32767),
 * starting at a random pair.  Joins the mixer at once but neither sends
 * nor receives until audio_start().  mx may be NULL.  The mixer and its
 * streams may be freed in any order: neither holds a reference to the
 * other, whichever goes first unlinks itself. */
int  audio_alloc(struct audio **ap, struct mixer *mx, const struct sa *laddr,
		 uint16_t port_min, uint16_t port_max, const char *cname);
uint16_t audio_lport(const struct audio *a);

/* The negotiated parameters; may be called again on re-INVITE and is
 * applied atomically (on error nothing changed).  RTCP is sent to rtcp
 * (from the RTP socket when rtcp equals rtp: rtcp-mux) and received on
 * both ports.  Received packets are accepted from any source address;
 * with SRTP only authenticated ones count, with plain RTP the first
 * SSRC is locked on until it has been silent for 200 ms.  Keys are
 * copied (wiped on free); a key that did not change keeps its SRTP
 * context, so rollover counters and replay windows carry on. */
struct audio_params {
	struct sa rtp;             /* remote RTP address */
	struct sa rtcp;            /* remote RTCP address */
	enum audio_codec codec;
	uint8_t pt;                /* payload type for codec */
	int telev_pt;              /* telephone-event PT, -1 when none */
	bool send;                 /* we send to them (not on hold) */
	bool recv;                 /* they send to us */
	/* SRTP: both keys NULL means plain RTP */
	enum srtp_suite suite;
	const uint8_t *tx_key; size_t tx_key_len;   /* our key||salt */
	const uint8_t *rx_key; size_t rx_key_len;   /* their key||salt */
	uint8_t rx_mki_len;        /* MKI bytes on their packets, stripped */
	bool srtcp_unencrypted;
};
int  audio_start(struct audio *a, const struct audio_params *prm);

/* Include/exclude this stream's voice from the mix (moderated floor). */
void audio_set_mixed(struct audio *a, bool mixed);
void audio_stats(const struct audio *a, struct audio_stats *st);
uint32_t audio_ssrc(const struct audio *a);

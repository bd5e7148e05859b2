/**
 * @file media.h  The media of a conference, media/'s public face: the
 * port pool, per-participant RTP/SRTP audio streams, the per-conference
 * mixer that feeds them.  The video relay has its own header, video.h.
 *
 * The daemon owns the port pools (one per configured range), the focus
 * one struct mixer per conference and one struct audio per participant.
 * Sockets live in portpool.c (bound there, owned by the lease), audio.c
 * and video.c use them; SRTP
 * (srtp.c, srtcp.c, replay.c), RTP parsing (rtpp.c), the receive path
 * (rtprx.c), the jitter buffer (jb.c), mixing arithmetic and G.711
 * (mix.c) are pure code behind media/'s _int.h headers.
 */

struct mixer;
struct audio;


/* ---- the port pool (portpool.c) ----
 *
 * One pool per configured range (rtp_ports, tcp_ports).  Each user takes
 * a lease, struct media_port, which owns the bound socket(s); freeing it
 * closes them and gives the port(s) back.  Users of one pool never get
 * the same port: BFCP and MSRP both take their listeners from the
 * tcp_ports pool (floor/ and msrp/ get media_portpool_tcp_listen() and
 * the pool as a function pointer, so they do not include media/).
 * When every port of the range is leased, the take functions log a line
 * naming the range and return ENOSPC; EADDRINUSE means the free ones are
 * all held by other processes. */
struct media_portpool;
struct media_port;

int  media_portpool_alloc(struct media_portpool **poolp, const char *name,
			  uint16_t min, uint16_t max);
uint32_t media_portpool_used(const struct media_portpool *pool);
uint32_t media_portpool_size(const struct media_portpool *pool);
int  media_portpool_take_rtp(struct media_port **mpp,
			     struct media_portpool *pool,
			     const struct sa *laddr, udp_recv_h *rtph,
			     udp_recv_h *rtcph, void *arg);
int  media_portpool_take_tcp(struct media_port **mpp,
			     struct media_portpool *pool,
			     const struct sa *laddr, tcp_conn_h *connh,
			     void *arg);
int  media_portpool_tcp_listen(void **leasep, struct tcp_sock **tsp,
			       uint16_t *portp, const struct sa *laddr,
			       tcp_conn_h *connh, void *conn_arg,
			       void *pool);
uint16_t media_port_num(const struct media_port *mp);
struct udp_sock *media_port_udp(const struct media_port *mp, bool rtcp);
struct tcp_sock *media_port_tcp(const struct media_port *mp);


/* ---- audio ---- */

/* The value of a static codec is its RFC 3551 payload type; Opus has
 * none (dynamic), its value is only a name. */
enum audio_codec {
	AUDIO_PCMU = 0,
	AUDIO_PCMA = 8,
	AUDIO_G722 = 9,
	AUDIO_OPUS = 1000,
};

#define AUDIO_SRATE   8000
#define AUDIO_PTIME   20
#define AUDIO_FRAME   160      /* samples per 20 ms at 8 kHz */
#define AUDIO_WB_SRATE 16000   /* the wideband mix, see mixer.c */

struct audio_stats {
	uint64_t rx_packets;       /* accepted into the jitter buffer */
	uint64_t rx_dropped;       /* garbage, undecryptable, late, dup */
	uint64_t tx_packets;
	uint64_t telev_events;
	uint64_t rx_consent;       /* authenticated RTP + RTCP (consent.c) */
};

struct mixer_stats {
	uint64_t ticks;
	uint64_t encodes;          /* payloads encoded (mixer groups share) */
	uint64_t shared_sends;     /* packets sent with a group's payload */
	uint64_t late_ticks;       /* ticks that ran more than a frame late */
	uint64_t max_tick_us;      /* worst time spent mixing one tick */
};

/* RTCP (RFC 3550 6.4): every stream sends an SR or RR with one
 * reception report block about what it receives, and reads the
 * participant's blocks about what it sends (rtcpstat.c). */
struct media_rtcp_stats {
	uint64_t sent;             /* SR/RR compounds sent */
	uint64_t blocks_sent;      /* report blocks in them */
	uint64_t blocks_received;  /* participants' blocks about us */
};
void media_rtcp_totals(struct media_rtcp_stats *st);
/* Called for each report block a participant sends about our stream:
 * fraction lost (/256) and interarrival jitter.  One observer for the
 * process (the daemon's metrics). */
typedef void (media_rtcp_h)(uint8_t fraction_lost, uint32_t jitter_us,
			    void *arg);
void media_rtcp_observer(media_rtcp_h *h, void *arg);

/* Both directions of one stream, for confctl status */
struct audio_rtcp {
	/* what we measure on their RTP (what our RR says) */
	bool     rx_valid;
	uint8_t  rx_fraction;      /* /256, over the last report interval */
	int32_t  rx_lost;          /* cumulative */
	uint32_t rx_jitter_us;
	/* what they last reported about ours */
	bool     peer_valid;
	uint8_t  peer_fraction;
	int32_t  peer_lost;
	uint32_t peer_jitter_us;
	uint32_t rtt_us;           /* 0: unknown */
	uint64_t peer_reports;
};

/* One mixer per conference; it runs its own 20 ms clock. */
int  mixer_alloc(struct mixer **mxp);
void mixer_stats(const struct mixer *mx, struct mixer_stats *st);
/* The sum over every mixer since start (max_tick_us: the worst). */
void mixer_totals(struct mixer_stats *st);

/* A participant's audio stream.  Leases an RTP port (even) and RTCP
 * (port + 1) on laddr from pool.  Joins the mixer at once but neither
 * sends nor receives until audio_start().  mx may be NULL.  The mixer
 * and its streams may be freed in any order: neither holds a reference
 * to the other, whichever goes first unlinks itself. */
int  audio_alloc(struct audio **ap, struct mixer *mx,
		 struct media_portpool *pool, const struct sa *laddr,
		 const char *cname);
uint16_t audio_lport(const struct audio *a);

/* The negotiated parameters; may be called again on re-INVITE and is
 * applied atomically (on error nothing changed).  Received packets are
 * accepted from any source address; with SRTP only authenticated ones
 * count, with plain RTP the first SSRC is locked on until it has been
 * silent for 200 ms.  Nothing is sent to rtp/rtcp as such: RTP goes to
 * where the participant's authenticated RTP came from, RTCP to where
 * its RTCP came from (symmetric RTP, RFC 4961; media/consent_int.h),
 * and before the first such packet nothing is sent at all.  Keys are
 * copied (wiped on free); a key that did not change keeps its SRTP
 * context, so rollover counters and replay windows carry on. */
struct tlsfp;

/* DTLS-SRTP (RFC 5763, RFC 5764; media/dtls_int.h): the SRTP profiles
 * confd accepts, best first (for keying/tlsfp.h tlsfp_alloc_dtls()) */
#define MEDIA_DTLS_SRTP_PROFILES \
	"SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:" \
	"SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"

/* How a DTLS-keyed stream's handshake ended: err 0 and reason NULL when
 * its keys are in place, else the deadline passed without a good
 * association and reason says why (a static string).  Called once per
 * DTLS association, from the main loop. */
typedef void (audio_dtls_h)(int err, const char *reason, void *arg);

struct audio_params {
	struct sa rtp;             /* remote RTP address (SDP: a claim) */
	struct sa rtcp;            /* remote RTCP address (SDP: a claim) */
	enum audio_codec codec;
	uint8_t pt;                /* payload type for codec */
	const char *fmtp;          /* their a=fmtp for pt (Opus), or NULL */
	unsigned ptime;            /* their a=ptime, 0: the default 20 ms */
	int telev_pt;              /* telephone-event PT, -1 when none */
	bool send;                 /* we send to them (not on hold) */
	bool recv;                 /* they send to us */
	/* SRTP: both keys NULL means plain RTP */
	enum srtp_suite suite;
	const uint8_t *tx_key; size_t tx_key_len;   /* our key||salt */
	const uint8_t *rx_key; size_t rx_key_len;   /* their key||salt */
	uint8_t rx_mki_len;        /* MKI bytes on their packets, stripped */
	bool srtcp_unencrypted;
	/* DTLS-SRTP instead of the keys above: the context pinned to their
	 * a=fingerprint (keying/tlsfp.h, referenced).  The handshake runs
	 * on our RTP port (and on the RTCP port too unless rtcp_mux), we
	 * are the client iff dtls_active (we answered a=setup:active) and
	 * then connect to rtp/rtcp.  Nothing is sent or accepted before its
	 * keys are in.  A later call with the same pin and role keeps the
	 * association and its keys; another pin starts a new one. */
	struct tlsfp *dtls_pin;
	bool dtls_active;
	bool rtcp_mux;             /* RTCP only on the RTP port (RFC 5761) */
	uint32_t dtls_timeout_ms;  /* no association by then: dtlsh(err) */
	audio_dtls_h *dtlsh;
	void *dtls_arg;
	/* ICE-lite (RFC 8445 2.5): our ufrag and password (answered in
	 * SDP) and theirs; all three set: Binding requests on our ports are
	 * answered, and a successful check is consent to send to its
	 * source (media/stun_int.h).  NULL: no ICE, STUN is dropped. */
	const char *ice_ufrag, *ice_pwd, *ice_rufrag;
};
int  audio_start(struct audio *a, const struct audio_params *prm);

/* Include/exclude this stream's voice from the mix (moderated floor). */
void audio_set_mixed(struct audio *a, bool mixed);
/* Muted by the creator: never mixed, whatever the floor says */
void audio_set_muted(struct audio *a, bool muted);
bool audio_muted(const struct audio *a);
/* How loud the participant is, in -dBov (RFC 6464: 0 loudest, 127
 * silence), with fast attack and slow release (media_level.c) */
uint8_t audio_level(const struct audio *a);
#define MEDIA_LEVEL_SILENT 127
#define MEDIA_LEVEL_TALKING 50    /* louder than -50 dBov: talking */
void audio_stats(const struct audio *a, struct audio_stats *st);
void audio_rtcp(const struct audio *a, struct audio_rtcp *r);
uint32_t audio_ssrc(const struct audio *a);
/* ms since the last authenticated RTP or RTCP packet, or since the
 * stream was answered or came back from hold; 0 while on hold (we do
 * not send) or before audio_start().  The focus ends the call on it
 * (media_timeout). */
uint64_t audio_idle_ms(const struct audio *a);
/* Where RTP goes now (latched), or NULL: nothing is sent. */
const struct sa *audio_rtp_dst(const struct audio *a);
/* How loud the participant is: mean |sample| of what it sent, averaged
 * over about 300 ms (0..32767); the video relay's active speaker. */
int  audio_loudness(const struct audio *a);

/* ---- timers off libre's list (tmrheap.c) ----
 *
 * libre 1.1.0 keeps every timer of a thread in one sorted list and
 * inserts by walking it from the end, so a short timer costs a step per
 * longer-lived timer pending: with SIP's 32 s transaction timers (64*T1)
 * of thousands of recent calls, each 20 ms mixer tick and each per-call
 * timer of our own walked tens of thousands of entries.  These timers
 * live in a binary heap instead (O(log n) start and cancel), one per
 * thread, woken by one timerfd in that thread's libre main loop; the
 * same semantics as struct tmr (one-shot, ms from tmr_jiffies(), a
 * handler may start or cancel any timer, equal deadlines run in start
 * order). */
typedef void (media_tmr_h)(void *arg);
struct media_tmr {
	size_t ix;                 /* 1-based heap slot, 0: not queued */
	uint64_t jfs;              /* deadline, tmr_jiffies() ms */
	uint64_t seq;              /* start order, for ties */
	media_tmr_h *th;           /* NULL: not running */
	void *arg;
};

void media_tmr_init(struct media_tmr *t);
void media_tmr_start(struct media_tmr *t, uint64_t delay_ms,
		     media_tmr_h *th, void *arg);
void media_tmr_cancel(struct media_tmr *t);
/* timers queued in this thread (for tests and status) */
size_t media_tmr_count(void);

static inline bool media_tmr_isrunning(const struct media_tmr *t)
{
	return t && t->th;
}

/**
 * @file ua.h  confd-ua: the project's scriptable test user agent.
 *
 * The UA plays conference participants against confd.  It follows the
 * RFCs, never confd's own code: it is built from libre (SIP, SDP, SRTP,
 * UDP) and OpenSSL alone, and includes nothing from confd/, focus/,
 * keying/ or media/, so that a shared misreading of an RFC cannot make
 * both ends agree on something wrong.
 *
 * One file per job:
 *   main.c        subcommand dispatch, libre set-up, shared helpers
 *   sdes.c        RFC 4568 a=crypto: generate and parse (SRTP suites)
 *   g711.c        G.711 mu-law and the tone tables
 *   wav.c         WAV (8 kHz 16-bit mono) recorder
 *   wbcodec.c     pre-encoded Opus and G.722 tone frames (load)
 *   rtp_stream.c  one RTP/RTCP socket pair with SRTP and receive stats
 *   video.c       one VP8 video m-line: tagged payloads, RTCP feedback
 *   mclock.c      the one 20 ms media clock that drives every stream
 *   sip_call.c    one outgoing SIP call with an SDES offer
 *   call.c        `confd-ua call` (optionally with BFCP and MIKEY)
 *   answer.c      `confd-ua answer`: be dialled (MIKEY responder)
 *   bfcp_client.c `confd-ua bfcp`: BFCP client over TCP/TLS/TLS-PSK
 *   mikey_ua.c    `confd-ua mikey`: MIKEY-TICKET initiator
 *   load.c        `confd-ua load`
 *   selftest.c    `confd-ua selftest`: the UA's codecs against the RFCs
 *
 * Later issues add clients (BFCP, MSRP, MIKEY-TICKET) as new files and
 * new subcommands in main.c's table.
 */

#define UA_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ua_sdes_suite;

/* ---- main.c: shared helpers ---- */

uint64_t ua_now_us(void);              /* CLOCK_MONOTONIC, microseconds */
int  ua_parse_dur(const char *s, double *secp);
/* Prints key=value; values go through %s so callers pass plain text. */
void ua_kv(const char *key, const char *fmt, ...);
/* "MIN-MAX" with MIN < MAX. */
int  ua_parse_range(const char *s, uint16_t *minp, uint16_t *maxp);
/* Adds one suite by name, or every suite for "all". */
int  ua_parse_suite(const char *s, const struct ua_sdes_suite **v, size_t *n,
		    size_t max);

/* ---- sdes.c: RFC 4568 Security Descriptions for SRTP ---- */

enum { UA_SDES_MAX_KEY = 32, UA_SDES_MAX_SALT = 14 };

struct ua_sdes_suite {
	const char *name;        /* as in the a=crypto crypto-suite field */
	enum srtp_suite srtp;    /* libre's suite */
	size_t key_len;          /* master key, bytes */
	size_t salt_len;         /* master salt, bytes */
};

/* One crypto attribute: a=crypto:<tag> <suite> inline:<key||salt>... */
struct ua_sdes_crypto {
	uint32_t tag;
	const struct ua_sdes_suite *suite;
	uint8_t key[UA_SDES_MAX_KEY + UA_SDES_MAX_SALT];  /* key || salt */
	size_t keylen;                              /* key_len + salt_len */
	bool has_lifetime;
	uint64_t lifetime;       /* packets */
	bool has_mki;
	uint32_t mki;
	uint32_t mki_len;
	bool unencrypted_srtp;
	bool unencrypted_srtcp;
	bool unauthenticated_srtp;
	char b64[96];            /* key-salt as it appeared on the wire */
};

const struct ua_sdes_suite *ua_sdes_suite_find(const char *name, size_t len);
/* The i-th known suite, NULL past the end. */
const struct ua_sdes_suite *ua_sdes_suite_at(size_t i);
/* Fresh key and salt from OpenSSL's RNG. */
int  ua_sdes_crypto_new(struct ua_sdes_crypto *c, uint32_t tag,
		     const struct ua_sdes_suite *suite);
/* Encodes the attribute value (no "a=crypto:") into buf. */
int  ua_sdes_crypto_encode(char *buf, size_t sz,
			  const struct ua_sdes_crypto *c);
/* Parses an attribute value.  Returns 0, EINVAL for a malformed line,
 * ENOTSUP for a well-formed line with an unknown suite.  On error *why
 * says what was wrong. */
int  ua_sdes_crypto_decode(struct ua_sdes_crypto *c, const char *val,
			  size_t len, const char **why);
/* libre SRTP context for this key (MKI is not supported by libre). */
int  ua_sdes_crypto_srtp(struct srtp **srtpp, const struct ua_sdes_crypto *c);
void ua_sdes_crypto_wipe(struct ua_sdes_crypto *c);

/* ---- g711.c ---- */

uint8_t ua_ulaw_enc(int16_t pcm);
int16_t ua_ulaw_dec(uint8_t u);

/* One second (8000 samples) of mu-law tone; an integer frequency repeats
 * exactly within it, so frame n starts at (n * 160) % 8000.  hz 0 gives
 * silence. */
enum { TONE_LEN = 8000, FRAME_SAMPLES = 160, PTIME_US = 20000 };
struct ua_tone;
int  ua_tone_alloc(struct ua_tone **tp, unsigned hz, int amplitude);
const uint8_t *ua_tone_frame(const struct ua_tone *t, uint32_t n);

/* ---- wbcodec.c: one second of a tone, pre-encoded ---- */

struct ua_frames;
/* codec "opus" (48 kHz RTP clock) or "G722" (8 kHz clock); hz 0 gives
 * silence; fec: Opus in-band FEC; swell: the level swells and fades
 * twice a second, as speech does (SILK codes FEC only for frames its
 * VAD deems active, and it soon files a steady tone as noise) */
int  ua_frames_alloc(struct ua_frames **fp, const char *codec, unsigned hz,
		     int amplitude, bool fec, bool swell);
const uint8_t *ua_frames_get(const struct ua_frames *f, uint32_t n,
			     size_t *lenp);
uint32_t ua_frames_clock(const struct ua_frames *f);

/* ---- wav.c ---- */

struct ua_wav;
int  ua_wav_open(struct ua_wav **wp, const char *path);
/* Writes samples at position pos (in samples from the start); gaps are
 * filled with silence, data before the current end is dropped. */
void ua_wav_put(struct ua_wav *w, uint64_t pos, const int16_t *s, size_t n);

/* ---- rtp_stream.c ---- */

struct ua_stream;

/* Receive statistics; reset at the start of a measuring window. */
struct ua_rxstats {
	uint64_t pkts;           /* good RTP packets */
	uint64_t bytes;
	uint64_t decrypt_fail;   /* SRTP authentication/decrypt failures */
	uint64_t bad;            /* not RTP, wrong PT or too short */
	uint64_t missing;        /* sequence gaps (computed by stats_get) */
	uint64_t dup;            /* duplicate or reordered */
	uint64_t late;           /* transit more than 20 ms above the best */
	uint64_t silent;         /* frames of pure mu-law silence */
	uint32_t max_late_us;    /* worst transit above the best */
	uint32_t max_gap_us;     /* worst inter-arrival gap */
	uint32_t jitter_us;      /* RFC 3550 A.8 interarrival jitter */
	uint64_t rtcp;           /* RTCP/SRTCP packets that checked out */
	uint64_t rtcp_fail;
	uint64_t energy;         /* sum of |sample| over decoded payloads */
	uint64_t samples;
};

typedef void (ua_stream_audio_h)(uint32_t ts, const uint8_t *pcmu,
				  size_t n, void *arg);

/* Allocates a pair of UDP sockets on laddr: RTP on an even port in
 * [port_min, port_max], RTCP on the next.  Ports are handed out from a
 * shared cursor so many streams do not retry the same ones. */
int  ua_stream_alloc(struct ua_stream **rsp, const struct sa *laddr,
		      uint16_t port_min, uint16_t port_max);
uint16_t ua_stream_port(const struct ua_stream *rs);
/* Sends with this SSRC (MIKEY announces it in the CS map); before
 * ua_stream_start. */
void ua_stream_set_ssrc(struct ua_stream *rs, uint32_t ssrc);
/* Starts media: tx/rx may be NULL for plain RTP.  Takes references. */
void ua_stream_start(struct ua_stream *rs, const struct sa *rtp_dst,
		      const struct sa *rtcp_dst, struct srtp *tx,
		      struct srtp *rx, uint8_t pt);
void ua_stream_set_tone(struct ua_stream *rs, const struct ua_tone *t);
/* Send these pre-encoded frames instead of PCMU (NULL: back to PCMU);
 * every_n > 1 sends one frame in every_n (a DTX talker's updates),
 * keeping sequence numbers contiguous (RFC 7587 3.1.3).  Also sets the
 * clock the receive statistics use. */
void ua_stream_set_frames(struct ua_stream *rs, const struct ua_frames *f,
			  unsigned every_n);
void ua_stream_set_audioh(struct ua_stream *rs, ua_stream_audio_h *ah,
			   void *arg);
/* Called by the media clock: sends frame number n (one 20 ms frame). */
void ua_stream_send(struct ua_stream *rs, uint32_t n);
/* Drop pct percent of the frames ua_stream_send() would send, by a
 * seeded pseudo-random draw (the same frames on every run). */
void ua_stream_set_loss(struct ua_stream *rs, unsigned pct, uint32_t seed);
uint64_t ua_stream_lost(const struct ua_stream *rs);
/* Sends an RTCP SR + SDES compound (SRTCP when keyed). */
void ua_stream_send_rtcp(struct ua_stream *rs);
void ua_stream_stats_reset(struct ua_stream *rs);
void ua_stream_stats(const struct ua_stream *rs, struct ua_rxstats *st);
uint64_t ua_stream_txcount(const struct ua_stream *rs);

/* ---- video.c: one VP8 m-line (RFC 7741) ---- */

enum srtp_mode;
struct ua_video;
/* A socket pair on laddr in [pmin, pmax]; slides: a=content:slides.
 * Payloads carry tag; kbps is the rate sent when send is true. */
int  ua_video_alloc(struct ua_video **vp, const struct sa *laddr,
		    uint16_t pmin, uint16_t pmax, bool slides, uint8_t tag,
		    unsigned kbps, bool send);
int  ua_video_offer(struct ua_video *v, struct sdp_session *sdp,
		    enum srtp_mode mode, const struct ua_sdes_suite *suite);
/* After the answer is decoded; a rejected line (port 0) is no error. */
int  ua_video_answer(struct ua_video *v, const char **why);
void ua_video_report(const struct ua_video *v);

/* ---- mclock.c: one timer drives all streams ---- */

struct ua_clock;
typedef void (ua_clock_h)(uint32_t slot, uint32_t frame, void *arg);
/* Calls h every 20 ms / slots with slot = 0..slots-1 in turn; frame
 * counts whole 20 ms periods.  Deadlines are absolute, so the clock
 * does not drift; a handler run later than one slot counts as late. */
int  ua_clock_alloc(struct ua_clock **mcp, uint32_t slots, ua_clock_h *h,
		  void *arg);
uint64_t ua_clock_late(const struct ua_clock *mc);
uint64_t ua_clock_skipped(const struct ua_clock *mc);

/* ---- sip_call.c: one outgoing call with an SDES (or plain) offer ---- */

enum srtp_mode { SRTP_OFF, SRTP_BESTEFFORT, SRTP_MAND };
enum ua_bfcp_mode { UA_BFCP_NONE = 0, UA_BFCP_TLS, UA_BFCP_TCP };
enum ua_msrp_mode { UA_MSRP_NONE = 0, UA_MSRP_TLS, UA_MSRP_TCP };

struct ua_mikey;

struct ua_call_prm {
	const char *codec;       /* "PCMU" (NULL), "opus" or "G722" */
	const char *to;          /* request URI */
	const char *from;        /* From URI */
	const char *cuser;       /* Contact user part */
	enum srtp_mode srtp;
	const struct ua_sdes_suite *suites[8];  /* offered, in order */
	size_t suitec;
	struct sa media;         /* local media address, port ignored */
	uint16_t port_min, port_max;
	/* an m=application TCP/TLS/BFCP or TCP/BFCP stream (RFC 8856) */
	enum ua_bfcp_mode bfcp;
	const char *bfcp_fp;     /* "sha-256 AB:.." for TLS without MIKEY */
	/* an m=message TCP/TLS/MSRP or TCP/MSRP chat stream (RFC 4975) */
	enum ua_msrp_mode msrp;
	const char *msrp_fp;     /* "sha-256 AB:.." for TLS without MIKEY */
	bool msrp_first;         /* m=message before m=application */
	/* MIKEY-TICKET instead of SDES: a ticket must already be held;
	 * the call takes a reference */
	struct ua_mikey *mikey;
	const char *mikey_peer;  /* the responder's identity (IDRr) */
	uint8_t mikey_prot_tls;  /* Prot Type of TLS CSs (DESIGN.md: 241) */
	/* SIP digest credentials (RFC 3261 22.2), answered when the
	 * INVITE is challenged with 401/407; NULL: a challenge fails */
	const char *auth_user;
	const char *auth_pass;
	/* video m-lines (video.c), SDES or plain only: main, slides */
	bool video_main, video_slides;
	uint8_t video_tag;       /* in every payload we send */
	unsigned video_kbps;
	bool video_send;
};

/* What the answer said about the BFCP stream (RFC 8856). */
struct ua_bfcp_ans {
	bool answered;
	uint16_t port;           /* 0: declined */
	struct sa addr;          /* c= of the m-line */
	char proto[24];
	uint32_t confid;
	uint16_t userid;
	char setup[16];
	char connection[16];
	char floorctrl[24];
	char bfcpver[16];
	char fingerprint[128];
	char floorid[8][64];     /* a=floorid values as sent */
	size_t floorc;
	char audio_label[32];    /* a=label of the audio m-line */
};

/* What the answer said about the MSRP stream (RFC 4975 8). */
struct ua_msrp_ans {
	bool answered;
	uint16_t port;           /* 0: declined */
	struct sa addr;          /* c= of the m-line */
	char proto[24];
	char path[512];          /* a=path: our To-Path */
	char setup[16];
	char fingerprint[128];
	char accept_types[128];
};

struct ua_call;
typedef void (ua_call_estab_h)(struct ua_call *call, void *arg);
/* err is 0 for a final non-2xx or a BYE from the peer. */
typedef void (ua_call_close_h)(struct ua_call *call, int err,
			       uint16_t scode, void *arg);

int  ua_call_alloc(struct ua_call **callp, struct sipsess_sock *sock,
		   const struct ua_call_prm *prm, ua_call_estab_h *estabh,
		   ua_call_close_h *closeh, void *arg);
/* Ends the SIP session (BYE or CANCEL); the stream and results stay. */
void ua_call_hangup(struct ua_call *call);
struct ua_stream *ua_call_stream(const struct ua_call *call);
uint16_t ua_call_scode(const struct ua_call *call);
const char *ua_call_reason(const struct ua_call *call);
/* The a=crypto the answer chose, or NULL (plain RTP / not answered). */
const struct ua_sdes_crypto *ua_call_crypto_rx(const struct ua_call *call);
const struct ua_sdes_crypto *ua_call_crypto_tx(const struct ua_call *call);
const char *ua_call_proto(const struct ua_call *call);
/* The answer's BFCP stream, NULL when none was offered or answered. */
const struct ua_bfcp_ans *ua_call_bfcp(const struct ua_call *call);
/* The answer's MSRP stream, NULL when none was offered or answered. */
const struct ua_msrp_ans *ua_call_msrp(const struct ua_call *call);
/* The session-id of our a=path (RFC 4975 9), "" without MSRP. */
const char *ua_call_msrp_sid(const struct ua_call *call);
/* MIKEY CS ID of the TLS crypto session of the BFCP / MSRP m-line, in
 * the offer's m-line order (DESIGN.md); 0 when there is none. */
uint8_t ua_call_cs_bfcp(const struct ua_call *call);
uint8_t ua_call_cs_msrp(const struct ua_call *call);
const struct sa *ua_call_raddr(const struct ua_call *call);
/* The main (0) or slides (1) video line, or NULL. */
const struct ua_video *ua_call_video(const struct ua_call *call, int i);
const char *ua_call_error(const struct ua_call *call);   /* or NULL */
bool ua_call_established(const struct ua_call *call);
bool ua_call_closed(const struct ua_call *call);

/* A SIP stack on laddr (ephemeral ports) with UDP and TCP transports;
 * exith runs once sip_close(sip, false) has seen every transaction end. */
int  ua_sip_open(struct sip **sipp, struct sipsess_sock **sockp,
		 const struct sa *laddr, sip_exit_h *exith, void *arg);
void ua_sip_shutdown(void);

/* ---- subcommands ---- */

int ua_cmd_call(int argc, char *argv[]);
int ua_cmd_load(int argc, char *argv[]);
int ua_cmd_answer(int argc, char *argv[]);
int ua_cmd_selftest(int argc, char *argv[]);

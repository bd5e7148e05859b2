/**
 * @file video_int.h  Between the video relay's files (internal to
 * media/): video.c (one participant's stream: sockets, SRTP, RTCP),
 * vrelay.c (the conference's channels: who gets whose packets, the
 * active speaker, bandwidth) and videopkt.c (pure payload and header
 * code).  Include after re.h, media/media.h, media/video.h and
 * media/consent_int.h.
 */

enum {
	VIDEO_MAX_PKT    = 1500,   /* bigger is not video from a sane peer */
	VIDEO_KEY_WAIT   = 2000,   /* ms: a new source's key frame */
	VIDEO_SSRC_IDLE  = 500,    /* ms before another SSRC may take over */
	VIDEO_KEYREQ_MIN = 300,    /* ms between key frame requests */
	VIDEO_NACK_MIN   = 20,     /* ms between NACKs forwarded to one source */
	VIDEO_LIVE       = 1000,   /* ms: a source without packets is not */
};

/* ---- videopkt.c ---- */

bool media_video_keyframe(enum video_codec codec, const uint8_t *p,
			  size_t n);

/* One receiver's outgoing numbering (RFC 3550 5.1): its SSRC is fixed
 * elsewhere; this keeps seq and ts running across sources. */
struct media_vrw {
	const void *src;           /* the source the offsets belong to */
	uint32_t gen;              /* its SSRC generation */
	bool started;              /* anything sent yet */
	bool waiting;              /* new source: waiting for a key frame */
	uint64_t wait_since;
	uint16_t seq;              /* highest sequence number sent */
	uint32_t ts;               /* its timestamp */
	uint64_t last;             /* ms when it went */
	uint16_t seq_off;
	uint32_t ts_off;
	uint16_t base;             /* the source's first forwarded seq */
};

void media_vrw_init(struct media_vrw *w, uint16_t seq, uint32_t ts);
void media_vrw_reset(struct media_vrw *w);
/* 0 and the outgoing numbers, or ENOENT: not to be sent (waiting for a
 * key frame, or from before the switch). */
int  media_vrw_map(struct media_vrw *w, const void *src, uint32_t gen,
		   uint16_t seq, uint32_t ts, bool key, uint64_t now,
		   uint16_t *oseq, uint32_t *ots);
bool media_vrw_unmap(const struct media_vrw *w, const void *src,
		     uint16_t oseq, uint16_t *seq);

/* ---- video.c: one stream, as vrelay.c sees it ---- */

struct video {
	struct le le;              /* in the channel's list */
	struct video_relay *vr;    /* no reference; NULL once it is gone */
	enum video_chan ch;
	void *arg;                 /* for the level handler */
	struct media_port *port;
	struct udp_sock *rtp_us, *rtcp_us;
	char *cname;

	bool started, send, recv;
	struct media_consent consent;
	enum video_codec codec;
	uint8_t pt;
	unsigned fb;
	uint64_t sdp_bps;          /* b=TIAS / b=AS */

	/* receive (as a source) */
	struct media_srtprx *srx;
	enum srtp_suite rx_suite;
	uint8_t rx_key[46];
	size_t rx_key_len;
	uint8_t rx_mki_len;
	bool rx_locked;            /* rx_ssrc is the source's SSRC */
	uint32_t rx_ssrc;
	uint32_t rx_gen;           /* changes with rx_ssrc */
	uint64_t rx_last;          /* ms of the last accepted packet */
	uint64_t rate_t0, rate_bytes, rx_bps;
	uint64_t keyreq_last;      /* ms: last PLI/FIR sent to it */
	bool keyreq_pending;       /* one is due when the limit allows */
	uint8_t fir_seq;
	uint64_t nack_last;

	/* send (as a receiver) */
	struct srtp *stx;
	enum srtp_suite tx_suite;
	uint8_t tx_key[46];
	size_t tx_key_len;
	bool tx_srtcp_unenc;
	uint32_t ssrc;             /* ours towards them, stable */
	struct media_vrw rw;
	struct video *sel;         /* whose packets they get (vrelay.c) */
	uint64_t limit_bps;        /* REMB / TMMBR, 0: none */
	uint64_t limit_t;
	bool paused;
	uint32_t psent, osent;
	uint64_t rtcp_last;

	struct video_stats st;
};

/* video.c */
int  video_send_rtcp(struct video *v, unsigned fbkind, uint32_t media,
		     uint64_t val, uint16_t pid, uint16_t blp);
void video_forward(struct video *r, struct mbuf *mb, size_t pld_len);
enum { VIDEO_RTCP_REPORT, VIDEO_RTCP_PLI, VIDEO_RTCP_FIR,
       VIDEO_RTCP_NACK, VIDEO_RTCP_REMB, VIDEO_RTCP_TMMBR,
       VIDEO_RTCP_TMMBN };

/* vrelay.c: called by video.c */
void vrelay_attach(struct video_relay *vr, struct video *v);
void vrelay_detach(struct video_relay *vr, struct video *v);
void vrelay_rtp(struct video_relay *vr, struct video *src, uint8_t *p,
		size_t len, uint64_t t_us);
void vrelay_keyreq(struct video_relay *vr, struct video *from);
void vrelay_nack(struct video_relay *vr, struct video *from, uint16_t pid,
		 uint16_t blp);
void vrelay_limits(struct video_relay *vr);
void vrelay_started(struct video_relay *vr, struct video *v);

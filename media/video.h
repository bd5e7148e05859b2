/**
 * @file video.h  media/'s video relay, a selective forwarding unit: no
 * transcoding, each receiver keyed on its own.  Include after re.h and
 * media/media.h.
 *
 * The focus owns one struct video_relay per conference and one struct
 * video per negotiated m=video of a participant, in one of two
 * channels:
 *   - VIDEO_SLIDES (a=content:slides, RFC 4796): the source is whoever
 *     the focus names with video_relay_set_source() (the holder of the
 *     BFCP presentation floor), forwarded to every other slides stream;
 *     nobody else's packets leave confd.
 *   - VIDEO_MAIN: each receiver gets the active speaker's video (the
 *     speaker gets the previous speaker's).  The speaker follows the
 *     audio levels the focus reports through video_level_h, with
 *     hysteresis, or is pinned by the focus (a moderated audio floor).
 *
 * Each receiver sees one stream: its own SSRC, and sequence numbers and
 * timestamps that run on across a change of source (the new source is
 * asked for a key frame, RTCP PLI or FIR, and forwarding starts there).
 * Receivers' PLI/FIR/NACK go to their source, rate-limited; REMB/TMMBR
 * and b=AS/b=TIAS bound what a receiver gets (a receiver whose limit is
 * below the source's rate is paused, not flooded), and the lowest limit
 * goes back to the source.  Send: only where the receiver's
 * authenticated packets came from (consent_int.h), as for audio.
 */

struct video;
struct video_relay;

enum video_chan {
	VIDEO_MAIN = 0,
	VIDEO_SLIDES,
	VIDEO_NCHAN,
};

enum video_codec {
	VIDEO_NONE = 0,
	VIDEO_VP8,                 /* RFC 7741 */
	VIDEO_H264,                /* RFC 6184, packetization-mode 1 */
};

/* The audio level (0..32767, mean |sample| over ~300 ms) of the
 * participant whose video stream has this arg, or -1 for none. */
typedef int (video_level_h)(void *arg);

int  video_relay_alloc(struct video_relay **vrp, video_level_h *levelh);
/* Slides: the source (the floor holder's stream), NULL: nobody's. */
void video_relay_set_source(struct video_relay *vr, enum video_chan ch,
			    struct video *src);
/* Main: pinned, the speaker is src (NULL: keep the last one) and audio
 * levels are not looked at; unpinned, they are. */
void video_relay_pin_speaker(struct video_relay *vr, bool pinned,
			     struct video *src);
const struct video *video_relay_speaker(const struct video_relay *vr);
/* The codec the channel's streams share; VIDEO_NONE while it has none. */
enum video_codec video_relay_codec(const struct video_relay *vr,
				   enum video_chan ch, const char **fmtp);
int  video_relay_set_codec(struct video_relay *vr, enum video_chan ch,
			   enum video_codec codec, const char *fmtp);

struct video_relay_stats {
	uint64_t forwarded;        /* packets sent to receivers */
	uint64_t lat_n;            /* arrival-to-departure samples */
	uint32_t lat_p50_us, lat_p99_us, lat_max_us;
	uint64_t switches;         /* changes of source seen by receivers */
	uint64_t pli_sent, fir_sent;
};
void video_relay_stats(const struct video_relay *vr,
		       struct video_relay_stats *st);

/* A stream of channel ch: an RTP/RTCP pair leased from pool on laddr.
 * arg goes to the level handler.  Idle until video_start(). */
int  video_alloc(struct video **vp, struct video_relay *vr,
		 enum video_chan ch, struct media_portpool *pool,
		 const struct sa *laddr, const char *cname, void *arg);
uint16_t video_lport(const struct video *v);
uint32_t video_ssrc(const struct video *v);

/* What the participant offered for feedback (a=rtcp-fb, RFC 4585). */
enum {
	VIDEO_FB_NACK  = 1 << 0,
	VIDEO_FB_PLI   = 1 << 1,
	VIDEO_FB_FIR   = 1 << 2,   /* ccm fir, RFC 5104 */
	VIDEO_FB_TMMBR = 1 << 3,   /* ccm tmmbr */
	VIDEO_FB_REMB  = 1 << 4,   /* goog-remb */
};

struct video_params {
	struct sa rtp, rtcp;       /* SDP: claims only (consent_int.h) */
	enum video_codec codec;
	uint8_t pt;                /* their payload type for codec */
	unsigned fb;               /* VIDEO_FB_* they accept */
	uint64_t max_bps;          /* b=TIAS or b=AS, 0: none */
	bool send, recv;           /* we send to them / they send to us */
	enum srtp_suite suite;     /* both keys NULL: plain RTP */
	const uint8_t *tx_key; size_t tx_key_len;
	const uint8_t *rx_key; size_t rx_key_len;
	uint8_t rx_mki_len;
	bool srtcp_unencrypted;
};
int  video_start(struct video *v, const struct video_params *prm);

struct video_stats {
	uint64_t rx_packets;       /* accepted from this participant */
	uint64_t rx_dropped;       /* malformed, unauthenticated, other SSRC,
				      too big, wrong PT */
	uint64_t rx_rtcp, rx_rtcp_bad;
	uint64_t tx_packets;       /* forwarded to this participant */
	uint64_t pli_rx, fir_rx, nack_rx;   /* feedback from them */
	uint64_t pli_tx, fir_tx;   /* key frame requests sent to them */
	uint64_t rx_bps;           /* what they send, last second */
	uint64_t limit_bps;        /* what they may get (b=, REMB, TMMBR) */
	bool paused;               /* limit below the source's rate */
};
void video_stats(const struct video *v, struct video_stats *st);

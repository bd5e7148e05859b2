/**
 * @file rtprx_int.h  Receive path of one audio stream, after SRTP (pure code)
 *
 * RTP parse, source selection, telephone-event, decoding (codec.c),
 * jitter buffer; and the RTCP compound checks.  No sockets, so it can be
 * fuzzed.
 *
 * The jitter buffer runs at the codec's PCM rate (8 or 16 kHz); RTP
 * timestamps are mapped onto it (Opus: 48 kHz clock / 3, G.722: 8 kHz
 * clock x 2, RFC 3551 4.5.2).  Opus is decoded in sequence order: a gap
 * in sequence numbers is a loss, and the lost packet just before the
 * one that arrived is decoded from that one's in-band FEC (RFC 7587
 * 3.3), up to MEDIA_OPUS_PLC_MAX frames before it are concealed, the
 * rest stays silent.  A timestamp jump with no gap in sequence numbers
 * is DTX (RFC 7587 3.1.3): nothing is concealed, the jitter buffer runs
 * dry and the silent participant is simply not mixed.
 *
 * Source selection: the first SSRC is locked on.  Another SSRC takes over
 * only after the current one has been silent for RTPRX_SSRC_IDLE ticks
 * (a restarted phone, a transfer); then the jitter buffer restarts.
 *
 * Include after re.h and media/media.h.
 */

enum {
	RTPRX_SSRC_IDLE  = 10,   /* ticks: 200 ms */
	RTPRX_TELEV_IDLE = 10,   /* ticks without an event packet: ended */
};

struct media_rtprx_stats {
	uint64_t accepted;       /* audio packets into the jitter buffer */
	uint64_t dropped;        /* anything else, except telephone-event */
	uint64_t telev_packets;
	uint64_t telev_events;
	uint64_t rtcp;           /* valid RTCP compounds */
	uint64_t bye;
	uint64_t fec_frames;     /* lost Opus frames rebuilt from FEC */
	uint64_t plc_frames;     /* lost Opus frames concealed (PLC) */
	uint64_t dtx_gaps;       /* timestamp jumps without loss */
};

struct media_rtprx;

int  media_rtprx_alloc(struct media_rtprx **rxp);
int  media_rtprx_set(struct media_rtprx *rx, uint8_t pt, enum audio_codec codec,
		     int telev_pt);
/* The PCM rate media_rtprx_pull() fills frames at (20 ms: srate / 50). */
uint32_t media_rtprx_srate(const struct media_rtprx *rx);
int  media_rtprx_input(struct media_rtprx *rx, const uint8_t *p, size_t len);
bool media_rtprx_pull(struct media_rtprx *rx, int16_t *frame);
int  media_rtprx_rtcp(struct media_rtprx *rx, const uint8_t *p, size_t len);
void media_rtprx_dropped(struct media_rtprx *rx);
void media_rtprx_stats(const struct media_rtprx *rx,
		       struct media_rtprx_stats *st);

/* RTCP (rtcpstat_int.h, before this header for the block) */
struct media_rtpp_rb;
void media_rtprx_own_ssrc(struct media_rtprx *rx, uint32_t ssrc);
bool media_rtprx_block(struct media_rtprx *rx, struct media_rtpp_rb *rb);
void media_rtprx_rtcp_info(const struct media_rtprx *rx,
			   struct audio_rtcp *r);

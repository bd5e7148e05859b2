/**
 * @file rtprx_int.h  Receive path of one audio stream, after SRTP (pure code)
 *
 * RTP parse, source selection, telephone-event, G.711 decode, jitter
 * buffer; and the RTCP compound checks.  No sockets, so it can be fuzzed.
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
};

struct media_rtprx;

int  media_rtprx_alloc(struct media_rtprx **rxp);
void media_rtprx_set(struct media_rtprx *rx, uint8_t pt, enum audio_codec codec,
		     int telev_pt);
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

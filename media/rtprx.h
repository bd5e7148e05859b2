/**
 * @file rtprx.h  Receive path of one audio stream, after SRTP (pure code)
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

struct rtprx_stats {
	uint64_t accepted;       /* audio packets into the jitter buffer */
	uint64_t dropped;        /* anything else, except telephone-event */
	uint64_t telev_packets;
	uint64_t telev_events;
	uint64_t rtcp;           /* valid RTCP compounds */
	uint64_t bye;
};

struct rtprx;

int  rtprx_alloc(struct rtprx **rxp);
void rtprx_set(struct rtprx *rx, uint8_t pt, enum audio_codec codec,
	       int telev_pt);
int  rtprx_input(struct rtprx *rx, const uint8_t *p, size_t len);
bool rtprx_pull(struct rtprx *rx, int16_t *frame);
int  rtprx_rtcp(struct rtprx *rx, const uint8_t *p, size_t len);
void rtprx_dropped(struct rtprx *rx);
void rtprx_stats(const struct rtprx *rx, struct rtprx_stats *st);

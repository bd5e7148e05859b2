/**
 * @file rtprx.c  Receive path of one audio stream, after SRTP
 */
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/jb_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "media/rtcpstat_int.h"


#define DEBUG_MODULE "rtcp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


struct media_rtprx {
	struct media_jb *jb;
	enum audio_codec codec;
	uint8_t pt;
	int telev_pt;
	uint32_t ssrc;
	bool ssrc_set;
	unsigned idle;           /* ticks since the locked SSRC sent */
	/* telephone-event, RFC 4733 */
	bool ev_active;
	bool ev_ended;
	uint32_t ev_ts;
	unsigned ev_idle;
	struct media_rtprx_stats st;
	/* RTCP (rtcpstat.c): the locked source's statistics, and what
	 * the peer reports about our stream (SSRC own_ssrc) */
	struct media_rxstat rs;
	struct media_rtcp_peer peer;
	uint32_t own_ssrc;
	struct media_rtpp_rb last_rb;  /* what our last report said */
	bool has_last_rb;
	uint64_t (*clock)(void);
};


static uint64_t mono_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void destructor(void *arg)
{
	struct media_rtprx *rx = arg;

	mem_deref(rx->jb);
}


int media_rtprx_alloc(struct media_rtprx **rxp)
{
	struct media_rtprx *rx;
	int err;

	if (!rxp)
		return EINVAL;

	rx = mem_zalloc(sizeof(*rx), destructor);
	if (!rx)
		return ENOMEM;

	err = media_jb_alloc(&rx->jb);
	if (err) {
		mem_deref(rx);
		return err;
	}

	rx->pt = AUDIO_PCMU;
	rx->codec = AUDIO_PCMU;
	rx->telev_pt = -1;
	rx->clock = mono_us;

	*rxp = rx;
	return 0;
}


/* Decoding happens before buffering, so a codec change needs no reset. */
void media_rtprx_set(struct media_rtprx *rx, uint8_t pt, enum audio_codec codec,
		     int telev_pt)
{
	if (!rx)
		return;

	rx->pt = pt;
	rx->codec = codec;
	rx->telev_pt = telev_pt;
}


static bool source_ok(struct media_rtprx *rx, uint32_t ssrc)
{
	if (rx->ssrc_set && ssrc == rx->ssrc)
		return true;

	if (rx->ssrc_set && rx->idle < RTPRX_SSRC_IDLE)
		return false;

	rx->ssrc = ssrc;
	rx->ssrc_set = true;
	rx->ev_active = false;
	rx->ev_ended = false;
	return true;
}


static int telev(struct media_rtprx *rx, const struct media_rtpp *pkt)
{
	struct media_rtpp_telev ev;

	if (media_rtpp_telev_decode(&ev, pkt->pld, pkt->pld_len))
		return EBADMSG;

	++rx->st.telev_packets;
	rx->ev_idle = 0;

	/* One event shares one timestamp; its end is sent 3 times. */
	if (ev.end) {
		if (!(rx->ev_ended && rx->ev_ts == pkt->ts))
			++rx->st.telev_events;
		rx->ev_ended = true;
		rx->ev_active = false;
	}
	else if (!(rx->ev_ended && rx->ev_ts == pkt->ts)) {
		rx->ev_active = true;
		rx->ev_ended = false;
	}

	rx->ev_ts = pkt->ts;
	return 0;
}


/* RFC 3550 A.1/A.8 for the locked source; duplicates and late packets
 * count as received, as A.3 says they do.  G.711's clock is 8 kHz. */
static void rxstat(struct media_rtprx *rx, const struct media_rtpp *pkt)
{
	media_rxstat_rtp(&rx->rs, pkt->ssrc, pkt->seq, pkt->ts, rx->clock(),
			 AUDIO_SRATE);
}


/**
 * Take one plain RTP packet.
 *
 * @return 0 if it was audio stored in the jitter buffer or a
 *         telephone-event, otherwise an errno (and counted as dropped)
 */
int media_rtprx_input(struct media_rtprx *rx, const uint8_t *p, size_t len)
{
	int16_t pcm[JB_MAXPKT];
	struct media_rtpp pkt;
	int err;

	if (!rx || !p)
		return EINVAL;

	err = media_rtpp_decode(&pkt, p, len);
	if (err)
		goto drop;

	if (rx->telev_pt >= 0 && pkt.pt == rx->telev_pt &&
	    pkt.pt != rx->pt) {
		if (!source_ok(rx, pkt.ssrc)) {
			err = EPERM;
			goto drop;
		}
		rxstat(rx, &pkt);
		err = telev(rx, &pkt);
		if (err)
			goto drop;
		rx->idle = 0;
		return 0;
	}

	if (pkt.pt != rx->pt) {
		err = EPROTO;
		goto drop;
	}

	/* G.711: one byte per sample */
	if (pkt.pld_len == 0 || pkt.pld_len > JB_MAXPKT) {
		err = EMSGSIZE;
		goto drop;
	}

	if (!source_ok(rx, pkt.ssrc)) {
		err = EPERM;
		goto drop;
	}
	rxstat(rx, &pkt);

	media_mix_decode(pcm, pkt.pld, pkt.pld_len, rx->codec);

	err = media_jb_put(rx->jb, pkt.ssrc, pkt.seq, pkt.ts, pcm, pkt.pld_len);
	if (err)
		goto drop;

	rx->idle = 0;
	++rx->st.accepted;
	return 0;

 drop:
	++rx->st.dropped;
	return err;
}


/**
 * Once per tick: the sender's next 20 ms, if it has something to say.
 *
 * @return true with frame (AUDIO_FRAME samples) filled, false for none
 */
bool media_rtprx_pull(struct media_rtprx *rx, int16_t *frame)
{
	bool got;

	if (!rx || !frame)
		return false;

	if (rx->idle < UINT32_MAX)
		++rx->idle;

	if (rx->ev_active && ++rx->ev_idle > RTPRX_TELEV_IDLE) {
		/* the end packets were lost */
		rx->ev_active = false;
		++rx->st.telev_events;
	}

	got = media_jb_get(rx->jb, frame, AUDIO_FRAME);

	/* During a key press the voice path carries the tone or noise:
	 * keep the buffer moving but mix nothing. */
	if (rx->ev_active)
		return false;

	return got;
}


/* NTP time now, middle 32 bits (RFC 3550 4), for the RTT */
static uint32_t ntp32_now(void)
{
	struct timeval tv;
	uint32_t sec, frac;

	gettimeofday(&tv, NULL);
	sec  = (uint32_t)(tv.tv_sec + 2208988800ULL);
	frac = (uint32_t)(((uint64_t)tv.tv_usec << 32) / 1000000);

	return sec << 16 | frac >> 16;
}


/* The participant's report blocks: only the one about our stream */
static void peer_blocks(struct media_rtprx *rx, const struct rtcp_rr *rrv,
			unsigned n)
{
	unsigned i;

	for (i = 0; rrv && i < n; i++) {
		const struct rtcp_rr *rr = &rrv[i];
		struct media_rtcp_peer *pr = &rx->peer;

		if (!rx->own_ssrc || rr->ssrc != rx->own_ssrc)
			continue;

		pr->valid = true;
		pr->fraction = (uint8_t)rr->fraction;
		pr->lost = rr->lost;
		/* our stream's clock: G.711, 8 kHz */
		pr->jitter_us = (uint32_t)((uint64_t)rr->jitter * 1000000 /
					   AUDIO_SRATE);
		pr->rtt_us = media_rtcp_rtt_us(ntp32_now(), rr->lsr,
					       rr->dlsr);
		++pr->reports;

		media_rtcpstat_peer(pr->fraction, pr->jitter_us);
		DEBUG_INFO("report on %08x: lost %u/256 (%d in all), "
			   "jitter %u us, rtt %u us\n", rr->ssrc,
			   pr->fraction, pr->lost, pr->jitter_us, pr->rtt_us);
	}
}


struct rtcp_ctx {
	struct media_rtprx *rx;
};


static void rtcp_handler(uint8_t pt, const uint8_t *p, size_t len,
			 void *arg)
{
	struct rtcp_ctx *ctx = arg;
	struct rtcp_msg *msg = NULL;
	struct mbuf mb;

	/* Only what we use goes through the full decoder. */
	if (pt != RTCP_SR && pt != RTCP_RR && pt != RTCP_BYE)
		return;

	mb.buf  = (uint8_t *)p;
	mb.size = len;
	mb.pos  = 0;
	mb.end  = len;

	if (rtcp_decode(&msg, &mb))
		return;

	/* BYE is ignored: the SIP dialog, not RTCP, ends a participant. */
	if (msg->hdr.pt == RTCP_BYE)
		++ctx->rx->st.bye;
	else if (msg->hdr.pt == RTCP_SR) {
		if (ctx->rx->rs.init && msg->r.sr.ssrc == ctx->rx->rs.ssrc)
			media_rxstat_sr(&ctx->rx->rs, msg->r.sr.ntp_sec,
					msg->r.sr.ntp_frac, ctx->rx->clock());
		peer_blocks(ctx->rx, msg->r.sr.rrv, msg->hdr.count);
	}
	else
		peer_blocks(ctx->rx, msg->r.rr.rrv, msg->hdr.count);

	mem_deref(msg);
}


/* One plain RTCP compound packet; malformed ones are dropped whole. */
int media_rtprx_rtcp(struct media_rtprx *rx, const uint8_t *p, size_t len)
{
	struct rtcp_ctx ctx;
	int err;

	if (!rx || !p)
		return EINVAL;

	ctx.rx = rx;

	err = media_rtpp_rtcp_walk(p, len, NULL, NULL);
	if (err) {
		++rx->st.dropped;
		return err;
	}

	(void)media_rtpp_rtcp_walk(p, len, rtcp_handler, &ctx);
	++rx->st.rtcp;

	return 0;
}


/* A packet dropped before it got here (undecryptable, not started). */
void media_rtprx_dropped(struct media_rtprx *rx)
{
	if (rx)
		++rx->st.dropped;
}


void media_rtprx_stats(const struct media_rtprx *rx,
		       struct media_rtprx_stats *st)
{
	if (!rx || !st)
		return;

	*st = rx->st;
}


/* Our SSRC on this stream: the peer's blocks about it are kept */
void media_rtprx_own_ssrc(struct media_rtprx *rx, uint32_t ssrc)
{
	if (rx)
		rx->own_ssrc = ssrc;
}


/* The block for our next report (A.3); false before any packet */
bool media_rtprx_block(struct media_rtprx *rx, struct media_rtpp_rb *rb)
{
	if (!rx || !rb)
		return false;

	if (!media_rxstat_block(&rx->rs, rb, rx->clock()))
		return false;

	rx->last_rb = *rb;
	rx->has_last_rb = true;
	return true;
}


void media_rtprx_rtcp_info(const struct media_rtprx *rx,
			   struct audio_rtcp *r)
{
	if (!rx || !r)
		return;

	memset(r, 0, sizeof(*r));
	r->rx_valid = rx->has_last_rb;
	r->rx_fraction = rx->last_rb.fraction;
	r->rx_lost = rx->last_rb.lost;
	r->rx_jitter_us = (uint32_t)((uint64_t)rx->last_rb.jitter * 1000000 /
				     AUDIO_SRATE);
	r->peer_valid = rx->peer.valid;
	r->peer_fraction = rx->peer.fraction;
	r->peer_lost = rx->peer.lost;
	r->peer_jitter_us = rx->peer.jitter_us;
	r->rtt_us = rx->peer.rtt_us;
	r->peer_reports = rx->peer.reports;
}

/**
 * @file rtprx.c  Receive path of one audio stream, after SRTP
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/jb_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"


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
};


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

/**
 * @file rtprx.c  Receive path of one audio stream, after SRTP
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/codec_int.h"
#include "media/jb_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"


struct media_rtprx {
	struct media_jb *jb;
	struct media_dec *dec;
	enum audio_codec codec;
	uint32_t clock, srate;   /* RTP clock, PCM (jitter buffer) rate */
	uint8_t pt;
	/* RTP timestamp -> jitter buffer timestamp, linear from an anchor */
	bool map_set;
	uint32_t map_rtp, map_jb;
	/* Opus: decoding order, for loss detection and FEC */
	bool dseq_set;
	uint16_t dseq;           /* last decoded sequence number */
	uint32_t dnext;          /* jb timestamp just after it */
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
	mem_deref(rx->dec);
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

	err  = media_jb_alloc(&rx->jb);
	err |= media_dec_alloc(&rx->dec, AUDIO_PCMU);
	if (err) {
		mem_deref(rx);
		return ENOMEM;
	}

	rx->pt = AUDIO_PCMU;
	rx->codec = AUDIO_PCMU;
	rx->clock = rx->srate = 8000;
	rx->telev_pt = -1;

	*rxp = rx;
	return 0;
}


/* Decoding happens before buffering, so a change between codecs of the
 * same PCM rate needs no reset; another rate restarts the buffer. */
int media_rtprx_set(struct media_rtprx *rx, uint8_t pt, enum audio_codec codec,
		    int telev_pt)
{
	const struct media_codec_info *ci = media_codec_info(codec);
	struct media_dec *dec = NULL;
	int err;

	if (!rx || !ci)
		return EINVAL;

	if (codec != rx->codec) {
		err = media_dec_alloc(&dec, codec);
		if (err)
			return err;
		mem_deref(rx->dec);
		rx->dec = dec;
		if (ci->srate != rx->srate)
			(void)media_jb_set_rate(rx->jb, ci->srate);
		rx->map_set = false;
		rx->dseq_set = false;
	}

	rx->pt = pt;
	rx->codec = codec;
	rx->clock = ci->clock;
	rx->srate = ci->srate;
	rx->telev_pt = telev_pt;

	return 0;
}


uint32_t media_rtprx_srate(const struct media_rtprx *rx)
{
	return rx ? rx->srate : AUDIO_SRATE;
}


/* RTP timestamp onto the jitter buffer's sample clock.  The anchor
 * moves along so the 32-bit difference never wraps. */
static uint32_t ts_map(struct media_rtprx *rx, uint32_t ts)
{
	int64_t d;
	uint32_t jts;

	if (rx->clock == rx->srate)
		return ts;

	if (!rx->map_set) {
		rx->map_set = true;
		rx->map_rtp = ts;
		rx->map_jb = ts;
		return ts;
	}

	d = (int32_t)(ts - rx->map_rtp);
	jts = rx->map_jb + (uint32_t)(int32_t)(d * rx->srate / rx->clock);

	if (d > (1 << 28) || d < -(1 << 28)) {
		rx->map_rtp = ts;
		rx->map_jb = jts;
	}

	return jts;
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
	rx->map_set = false;
	rx->dseq_set = false;
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


/*
 * Opus, before decoding the packet at jts (n samples): frames lost since
 * the last one decoded.  Returns false for a packet the decoder has
 * gone past (reordered or duplicated): it is dropped.
 */
static bool opus_gap(struct media_rtprx *rx, const struct media_rtpp *pkt,
		     uint32_t jts, size_t n)
{
	int16_t pcm[MEDIA_FRAME_MAX * 3];
	int32_t miss;
	int16_t dseq;
	unsigned k, frames;

	if (!rx->dseq_set)
		return true;

	dseq = (int16_t)(pkt->seq - rx->dseq);
	if (dseq <= 0)
		return false;

	miss = (int32_t)(jts - rx->dnext);
	if (dseq == 1) {
		if (miss > 0)
			++rx->st.dtx_gaps;   /* DTX: no loss, nothing to hide */
		return true;
	}

	/* dseq - 1 packets lost, covering miss samples (those of a DTX
	 * pause in between are not worth concealing either) */
	if (miss <= 0 || (size_t)miss < n || n > sizeof(pcm) / sizeof(*pcm))
		return true;

	/* the one just before: from this packet's FEC data */
	if (!media_dec_conceal(rx->dec, pkt->pld, pkt->pld_len, pcm, n)) {
		/* media_jb_put before: that one was decoded first, so
		 * PLC frames before it (below) are written after it;
		 * the buffer places samples by timestamp anyway */
		if (!media_jb_put(rx->jb, pkt->ssrc, (uint16_t)(pkt->seq - 1),
				  jts - (uint32_t)n, pcm, n))
			++rx->st.fec_frames;
	}

	/* further back: a few frames of PLC, then silence */
	frames = (unsigned)min((uint32_t)(dseq - 2),
			       (uint32_t)MEDIA_OPUS_PLC_MAX);
	for (k = 0; k < frames; k++) {
		const uint32_t at = rx->dnext + (uint32_t)(k * n);

		if ((int32_t)(jts - (uint32_t)n - at) < (int32_t)n)
			break;
		if (media_dec_conceal(rx->dec, NULL, 0, pcm, n))
			break;
		if (!media_jb_put(rx->jb, pkt->ssrc,
				  (uint16_t)(rx->dseq + 1 + k), at, pcm, n))
			++rx->st.plc_frames;
	}

	return true;
}


/**
 * Take one plain RTP packet.
 *
 * @return 0 if it was audio stored in the jitter buffer or a
 *         telephone-event, otherwise an errno (and counted as dropped)
 */
int media_rtprx_input(struct media_rtprx *rx, const uint8_t *p, size_t len)
{
	int16_t pcm[JB_MAXPKT * 2];
	struct media_rtpp pkt;
	size_t n;
	uint32_t jts;
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

	/* at most 60 ms (JB_MAXPKT at 8 kHz) at the codec's rate */
	n = media_dec_samples(rx->dec, pkt.pld, pkt.pld_len);
	if (n == 0 || n > JB_MAXPKT * rx->srate / AUDIO_SRATE) {
		err = EMSGSIZE;
		goto drop;
	}

	if (!source_ok(rx, pkt.ssrc)) {
		err = EPERM;
		goto drop;
	}

	jts = ts_map(rx, pkt.ts);

	if (rx->codec == AUDIO_OPUS) {
		if (!opus_gap(rx, &pkt, jts, n)) {
			err = ETIMEDOUT;
			goto drop;
		}
	}

	err = media_dec_decode(rx->dec, pkt.pld, pkt.pld_len, pcm,
			       ARRAY_SIZE(pcm), &n);
	if (err)
		goto drop;

	if (rx->codec == AUDIO_OPUS) {
		rx->dseq = pkt.seq;
		rx->dseq_set = true;
		rx->dnext = jts + (uint32_t)n;
	}

	err = media_jb_put(rx->jb, pkt.ssrc, pkt.seq, jts, pcm, n);
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
 * @return true with frame (media_rtprx_srate() / 50 samples) filled,
 *         false for none
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

	got = media_jb_get(rx->jb, frame, rx->srate / 50);

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

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
#include "media/codec_int.h"
#include "media/jb_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "media/rtcpstat_int.h"


#define DEBUG_MODULE "rtcp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


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
	/* RTCP (rtcpstat.c): the locked source's statistics, and what
	 * the peer reports about our stream (SSRC own_ssrc) */
	struct media_rxstat rs;
	struct media_rtcp_peer peer;
	uint32_t own_ssrc;
	struct media_rtpp_rb last_rb;  /* what our last report said */
	bool has_last_rb;
	uint64_t (*now)(void);           /* arrival time, us (RFC 3550 A.8) */
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
	rx->now = mono_us;

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

	/* libopus keeps one timeline: every lost frame it is told about
	 * must come in order, and the FEC decode of the frame just before
	 * this packet must be the last call before decoding the packet
	 * itself (opus.h, opus_decode: frame_size "exactly the duration
	 * of audio that is missing").  So first a few frames of PLC for
	 * the older ones (oldest first; further back stays silent)... */
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

	/* ...then the one just before, from this packet's FEC data (a
	 * packet's LBRR covers a frame as long as the packet's own) */
	if (!media_dec_conceal(rx->dec, pkt->pld, pkt->pld_len, pcm, n)) {
		if (!media_jb_put(rx->jb, pkt->ssrc, (uint16_t)(pkt->seq - 1),
				  jts - (uint32_t)n, pcm, n))
			++rx->st.fec_frames;
	}

	return true;
}


/* RFC 3550 A.1/A.8 for the locked source; duplicates and late packets
 * count as received, as A.3 says they do.  Jitter in the codec's RTP
 * clock (8 kHz for G.711 and G.722, 48 kHz for Opus). */
static void rxstat(struct media_rtprx *rx, const struct media_rtpp *pkt)
{
	media_rxstat_rtp(&rx->rs, pkt->ssrc, pkt->seq, pkt->ts, rx->now(),
			 rx->clock);
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
	rxstat(rx, &pkt);

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
		/* our stream's clock: the codec's, as for what we receive */
		pr->jitter_us = (uint32_t)((uint64_t)rr->jitter * 1000000 /
					   (rx->clock ? rx->clock : AUDIO_SRATE));
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
					msg->r.sr.ntp_frac, ctx->rx->now());
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

	if (!media_rxstat_block(&rx->rs, rb, rx->now()))
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

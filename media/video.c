/**
 * @file video.c  One participant's video stream in the relay: its
 * RTP/RTCP pair (leased from the port pool), SRTP both ways, media
 * consent, the checks every received packet passes before vrelay.c
 * may forward it, and the RTCP confd sends on the stream.
 *
 * Receive: RTP on the even port, RTCP on port + 1 or multiplexed on the
 * RTP port (RFC 5761).  A packet is dropped unless it is at most
 * VIDEO_MAX_PKT bytes, authenticates (SRTP), parses as RTP, carries the
 * negotiated payload type and a payload, and comes from the stream's
 * locked SSRC (another SSRC takes over only after VIDEO_SSRC_IDLE ms of
 * silence: a restarted client).  Only then does consent move and
 * vrelay.c see it.  RTCP is parsed whole (rtcpfb_int.h) before any of
 * it counts.
 *
 * Send: RTP only to the consent's latched address (consent_int.h), as
 * audio.c does.  RTCP to where the participant's RTCP came from; before
 * any came, to the SDP's RTCP address only when the latched RTP source
 * is exactly the SDP's RTP address (the participant has shown it is
 * where its SDP says), so that a key frame request can reach a new
 * presenter before its first report.
 */
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/consent_int.h"
#include "media/rtcpfb_int.h"
#include "media/video_int.h"


enum {
	MAX_KEYSALT = 46,
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


static void destructor(void *arg)
{
	struct video *v = arg;

	if (v->vr)
		vrelay_detach(v->vr, v);

	mem_deref(v->port);
	mem_deref(v->srx);
	mem_deref(v->stx);
	mem_deref(v->cname);

	OPENSSL_cleanse(v->rx_key, sizeof(v->rx_key));
	OPENSSL_cleanse(v->tx_key, sizeof(v->tx_key));
}


static uint32_t rand32(void)
{
	uint8_t b[4];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return rand_u32();

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		(uint32_t)b[2] << 8 | b[3];
}


static const struct sa *rtcp_dst(const struct video *v, bool *mux)
{
	const struct sa *dst = media_consent_rtcp_dst(&v->consent, mux);
	const struct sa *rtp;

	if (dst)
		return dst;

	rtp = media_consent_rtp_dst(&v->consent);
	if (rtp && sa_isset(&v->consent.sdp_rtcp, SA_ALL) &&
	    sa_cmp(rtp, &v->consent.sdp_rtp, SA_ALL)) {
		*mux = false;
		return &v->consent.sdp_rtcp;
	}

	return NULL;
}


/* An RTCP compound from us on this stream: a report (SR when we sent
 * anything, else RR; RFC 4585 3.1 wants one first), SDES CNAME, and
 * one feedback message when kind asks for it. */
int video_send_rtcp(struct video *v, unsigned kind, uint32_t media,
		    uint64_t val, uint16_t pid, uint16_t blp)
{
	struct mbuf *mb;
	const struct sa *dst;
	struct media_rtpp_sr sr;
	struct timeval tv;
	bool mux = false;
	int err = 0;

	if (!v->started)
		return ENOTCONN;

	dst = rtcp_dst(v, &mux);
	if (!dst)
		return ENOTCONN;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	gettimeofday(&tv, NULL);
	memset(&sr, 0, sizeof(sr));
	sr.ssrc     = v->ssrc;
	sr.ntp_sec  = (uint32_t)(tv.tv_sec + 2208988800ULL);
	sr.ntp_frac = (uint32_t)(((uint64_t)tv.tv_usec << 32) / 1000000);
	sr.rtp_ts   = v->rw.ts;
	sr.psent    = v->psent;
	sr.osent    = v->osent;

	err = media_rtpp_rtcp_encode(mb, &sr, v->psent > 0, v->cname);

	switch (kind) {

	case VIDEO_RTCP_PLI:
		err |= media_rtcpfb_pli(mb, v->ssrc, media);
		break;

	case VIDEO_RTCP_FIR:
		err |= media_rtcpfb_fir(mb, v->ssrc, media, ++v->fir_seq);
		break;

	case VIDEO_RTCP_NACK:
		err |= media_rtcpfb_nack(mb, v->ssrc, media, pid, blp);
		break;

	case VIDEO_RTCP_REMB:
		err |= media_rtcpfb_remb(mb, v->ssrc, val, media);
		break;

	case VIDEO_RTCP_TMMBR:
	case VIDEO_RTCP_TMMBN:
		err |= media_rtcpfb_tmmbr(mb, v->ssrc, media, val, 40,
					  kind == VIDEO_RTCP_TMMBN);
		break;

	default:
		break;
	}

	if (err)
		goto out;

	mb->pos = 0;
	if (v->stx) {
		err = srtcp_encrypt(v->stx, mb);
		if (err)
			goto out;
	}

	err = udp_send(mux ? v->rtp_us : v->rtcp_us, dst, mb);

 out:
	mem_deref(mb);
	return err;
}


/* mb holds a whole RTP packet for r (header rewritten by vrelay.c) */
void video_forward(struct video *r, struct mbuf *mb, size_t pld_len)
{
	const struct sa *dst = media_consent_rtp_dst(&r->consent);

	if (!dst)
		return;

	mb->pos = 0;
	if (r->stx && srtp_encrypt(r->stx, mb))
		return;

	if (udp_send(r->rtp_us, dst, mb))
		return;

	++r->psent;
	r->osent += (uint32_t)pld_len;
	++r->st.tx_packets;
}


struct fbctx {
	struct video *v;
	uint64_t now;
};


static void fb_handler(const struct media_fb *fb, void *arg)
{
	struct fbctx *c = arg;
	struct video *v = c->v;

	switch (fb->kind) {

	case MEDIA_FB_PLI:
		++v->st.pli_rx;
		if (v->vr)
			vrelay_keyreq(v->vr, v);
		break;

	case MEDIA_FB_FIR:
		/* RFC 5104 4.3.1.2: addressed by the FCI's SSRC */
		if (fb->ssrc != v->ssrc)
			break;
		++v->st.fir_rx;
		if (v->vr)
			vrelay_keyreq(v->vr, v);
		break;

	case MEDIA_FB_NACK:
		++v->st.nack_rx;
		if (v->vr && fb->media == v->ssrc)
			vrelay_nack(v->vr, v, fb->pid, fb->blp);
		break;

	case MEDIA_FB_REMB:
		v->limit_bps = fb->bitrate ? fb->bitrate : 1;
		v->limit_t = c->now;
		break;

	case MEDIA_FB_TMMBR:
		if (fb->ssrc != v->ssrc)
			break;
		v->limit_bps = fb->bitrate ? fb->bitrate : 1;
		v->limit_t = c->now;
		/* RFC 5104 4.2.2: the media sender answers with TMMBN */
		(void)video_send_rtcp(v, VIDEO_RTCP_TMMBN, v->ssrc,
				      fb->bitrate, 0, 0);
		break;

	default:
		break;
	}
}


static void rtcp_input(struct video *v, const struct sa *src, bool mux,
		       uint8_t *p, size_t len)
{
	struct fbctx c;

	if (!v->started || len > VIDEO_MAX_PKT) {
		++v->st.rx_rtcp_bad;
		return;
	}

	if (v->srx && media_srtprx_rtcp(v->srx, p, &len)) {
		++v->st.rx_rtcp_bad;
		return;
	}

	/* checked whole before anything counts */
	c.v = v;
	c.now = tmr_jiffies();
	if (media_rtcpfb_parse(p, len, NULL, NULL)) {
		++v->st.rx_rtcp_bad;
		return;
	}

	++v->st.rx_rtcp;
	media_consent_rtcp(&v->consent, src, mux, c.now);
	(void)media_rtcpfb_parse(p, len, fb_handler, &c);

	if (v->vr)
		vrelay_limits(v->vr);
}


static void rtp_recv_handler(const struct sa *src, struct mbuf *mb,
			     void *arg)
{
	struct video *v = arg;
	const uint64_t t_us = now_us();
	uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	struct media_rtpp pkt;
	uint64_t now;

	if (media_rtpp_is_rtcp(p, len)) {
		rtcp_input(v, src, true, p, len);
		return;
	}

	if (!v->started || len > VIDEO_MAX_PKT) {
		++v->st.rx_dropped;
		return;
	}

	if (v->srx && media_srtprx_rtp(v->srx, p, &len)) {
		++v->st.rx_dropped;
		return;
	}

	if (media_rtpp_decode(&pkt, p, len) || pkt.pt != v->pt ||
	    pkt.pld_len == 0) {
		++v->st.rx_dropped;
		return;
	}

	now = tmr_jiffies();

	if (!v->recv) {
		/* not a source (they said so), but consent all the same */
		++v->st.rx_dropped;
		media_consent_rtp(&v->consent, src, now);
		return;
	}

	/* one source per stream: the first SSRC, until it goes quiet */
	if (!v->rx_locked ||
	    (pkt.ssrc != v->rx_ssrc && now - v->rx_last > VIDEO_SSRC_IDLE)) {
		v->rx_locked = true;
		v->rx_ssrc = pkt.ssrc;
		++v->rx_gen;
	}
	if (pkt.ssrc != v->rx_ssrc) {
		++v->st.rx_dropped;
		return;
	}

	/* RFC 3550 8.2: they use the SSRC we send them; ours moves */
	if (pkt.ssrc == v->ssrc) {
		do {
			v->ssrc = rand32();
		} while (v->ssrc == pkt.ssrc);
	}

	media_consent_rtp(&v->consent, src, now);
	v->rx_last = now;
	v->rate_bytes += len;
	++v->st.rx_packets;

	if (v->vr)
		vrelay_rtp(v->vr, v, p, len, t_us);
}


static void rtcp_recv_handler(const struct sa *src, struct mbuf *mb,
			      void *arg)
{
	rtcp_input(arg, src, false, mbuf_buf(mb), mbuf_get_left(mb));
}


int video_alloc(struct video **vp, struct video_relay *vr,
		enum video_chan ch, struct media_portpool *pool,
		const struct sa *laddr, const char *cname, void *arg)
{
	struct video *v;
	uint32_t r;
	int err;

	if (!vp || !vr || !pool || !laddr || ch >= VIDEO_NCHAN)
		return EINVAL;

	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;

	v->ch = ch;
	v->arg = arg;
	media_consent_init(&v->consent, tmr_jiffies());

	/* RFC 3550 5.1: random SSRC, initial sequence number and
	 * timestamp; they stay the receiver's across sources */
	v->ssrc = rand32();
	r = rand32();
	media_vrw_init(&v->rw, (uint16_t)r, rand32());

	err = str_dup(&v->cname, cname ? cname : "confd");
	if (err)
		goto out;

	err = media_portpool_take_rtp(&v->port, pool, laddr,
				      rtp_recv_handler, rtcp_recv_handler, v);
	if (err)
		goto out;
	v->rtp_us = media_port_udp(v->port, false);
	v->rtcp_us = media_port_udp(v->port, true);

	vrelay_attach(vr, v);

 out:
	if (err)
		mem_deref(v);
	else
		*vp = v;

	return err;
}


uint16_t video_lport(const struct video *v)
{
	return v ? media_port_num(v->port) : 0;
}


uint32_t video_ssrc(const struct video *v)
{
	return v ? v->ssrc : 0;
}


static bool same_key(const uint8_t *old, size_t old_len,
		     const uint8_t *key, size_t key_len)
{
	return old_len && old_len == key_len &&
		CRYPTO_memcmp(old, key, key_len) == 0;
}


/* As audio_start(): prepared first, committed whole; an unchanged key
 * keeps its context (rollover counter, replay window). */
int video_start(struct video *v, const struct video_params *prm)
{
	struct srtp *stx = NULL;
	struct media_srtprx *srx = NULL;
	bool srtp, keep_tx = false, keep_rx = false;
	int err = 0;

	if (!v || !prm)
		return EINVAL;
	if (prm->codec == VIDEO_NONE || prm->pt > 127)
		return EINVAL;

	srtp = prm->tx_key || prm->rx_key;
	if (srtp) {
		if (!prm->tx_key || !prm->rx_key ||
		    prm->tx_key_len > MAX_KEYSALT ||
		    prm->rx_key_len > MAX_KEYSALT)
			return EINVAL;

		keep_tx = v->stx && v->tx_suite == prm->suite &&
			v->tx_srtcp_unenc == prm->srtcp_unencrypted &&
			same_key(v->tx_key, v->tx_key_len,
				 prm->tx_key, prm->tx_key_len);
		keep_rx = v->srx && v->rx_suite == prm->suite &&
			v->rx_mki_len == prm->rx_mki_len &&
			same_key(v->rx_key, v->rx_key_len,
				 prm->rx_key, prm->rx_key_len);

		if (!keep_tx) {
			err = srtp_alloc(&stx, prm->suite, prm->tx_key,
					 prm->tx_key_len,
					 prm->srtcp_unencrypted ?
					 SRTP_UNENCRYPTED_SRTCP : 0);
			if (err)
				goto out;
		}
		if (!keep_rx) {
			err = media_srtprx_alloc(&srx, prm->suite,
						 prm->rx_key, prm->rx_key_len,
						 prm->rx_mki_len);
			if (err)
				goto out;
		}
	}

	if (!keep_tx) {
		mem_deref(v->stx);
		v->stx = stx;
		stx = NULL;
		OPENSSL_cleanse(v->tx_key, sizeof(v->tx_key));
		v->tx_key_len = 0;
		if (srtp) {
			memcpy(v->tx_key, prm->tx_key, prm->tx_key_len);
			v->tx_key_len = prm->tx_key_len;
		}
	}
	if (!keep_rx) {
		mem_deref(v->srx);
		v->srx = srx;
		srx = NULL;
		OPENSSL_cleanse(v->rx_key, sizeof(v->rx_key));
		v->rx_key_len = 0;
		if (srtp) {
			memcpy(v->rx_key, prm->rx_key, prm->rx_key_len);
			v->rx_key_len = prm->rx_key_len;
		}
	}
	v->tx_suite = v->rx_suite = prm->suite;
	v->tx_srtcp_unenc = prm->srtcp_unencrypted;
	v->rx_mki_len = prm->rx_mki_len;

	media_consent_answer(&v->consent, &prm->rtp, &prm->rtcp, !prm->send,
			     tmr_jiffies());
	v->codec = prm->codec;
	v->pt = prm->pt;
	v->fb = prm->fb;
	v->sdp_bps = prm->max_bps;
	v->send = prm->send;
	v->recv = prm->recv;
	v->started = true;

	if (v->vr)
		vrelay_started(v->vr, v);

 out:
	mem_deref(stx);
	mem_deref(srx);
	return err;
}


void video_stats(const struct video *v, struct video_stats *st)
{
	if (!v || !st)
		return;

	*st = v->st;
	st->rx_bps = v->rx_bps;
	st->paused = v->paused;
	st->limit_bps = v->limit_bps;
	if (v->sdp_bps && (!st->limit_bps || v->sdp_bps < st->limit_bps))
		st->limit_bps = v->sdp_bps;
}

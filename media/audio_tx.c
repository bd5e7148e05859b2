/**
 * @file audio_tx.c  The send side of one participant's audio: RTP
 * packets of the mix (a payload shared by a listener group, or our own
 * encoding for a talker), protected with the participant's own SRTP
 * key (srtp_tx.c) and sent only where media consent allows
 * (consent.c); and the RTCP sender report with its reception block.
 */
#include <string.h>
#include <sys/time.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/media_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "media/srtp_int.h"
#include "media/consent_int.h"
#include "media/codec_int.h"
#include "media/talk_int.h"
#include "media/rtcpstat_int.h"
#include "media/dtls_int.h"
#include "media/stun_int.h"


#include "media/audio_int.h"


#define DEBUG_MODULE "audio"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


/* SRTP/SRTCP in place in mb's buffer (srtp_tx.c) */
static int tx_protect(struct media_srtptx *stx, struct mbuf *mb, bool rtcp)
{
	size_t len = mb->end;
	int err;

	/* mbuf_resize() reallocates whatever the size: only when short */
	if (mb->size < len + MEDIA_SRTP_TX_OVERHEAD) {
		err = mbuf_resize(mb, len + MEDIA_SRTP_TX_OVERHEAD);
		if (err)
			return err;
	}

	err = rtcp ? media_srtptx_rtcp(stx, mb->buf, &len, mb->size) :
		media_srtptx_rtp(stx, mb->buf, &len, mb->size);
	if (err)
		return err;

	mb->end = len;
	return 0;
}


static void send_pld(struct audio *a, const uint8_t *pld, size_t n,
		     unsigned frames)
{
	const struct sa *dst = media_consent_rtp_dst(&a->consent);
	struct mbuf *mb = a->txmb;
	/* the packet's first sample: ptime ends with this tick */
	const uint32_t ts = a->ts - (frames - 1) * (a->ci->clock / 50);
	int err;

	if (!dst)
		return;

	mbuf_rewind(mb);

	err  = mbuf_write_u8(mb, RTP_VERSION << 6);
	err |= mbuf_write_u8(mb, (uint8_t)((a->marker ? 0x80 : 0) | a->pt));
	err |= mbuf_write_u16(mb, htons(a->seq));
	err |= mbuf_write_u32(mb, htonl(ts));
	err |= mbuf_write_u32(mb, htonl(a->ssrc));
	err |= mbuf_write_mem(mb, pld, n);
	if (err)
		return;

	mb->pos = 0;

	if (a->stx && tx_protect(a->stx, mb, false))
		return;

	if (udp_send(a->rtp_us, dst, mb))
		return;

	a->marker = false;
	++a->seq;
	++a->psent;
	a->osent += (uint32_t)n;
	++a->tx_packets;
}


/* A payload shared with the others of its group: n == 0 when the group's
 * encoder chose DTX.  The next packet after a pause starts a talkspurt
 * (RFC 3551 4.1: marker). */
void audio_mix_send(struct audio *a, const uint8_t *pld, size_t n)
{
	a->enc_used = false;

	if (!n) {
		a->marker = true;
		return;
	}

	send_pld(a, pld, n, 1);
}


/* Our own encoding of pcm (20 ms at srate): a talker hears everyone but
 * themselves, and a ptime above 20 ms is never shared. */
int audio_mix_encode(struct audio *a, const int16_t *pcm, uint32_t srate)
{
	size_t n;
	bool dtx;
	int err;

	if (!a->enc) {
		err = media_enc_alloc(&a->enc, &a->ecfg);
		if (err)
			return err;
	}
	else if (!a->enc_used) {
		/* coming from a shared payload: start a fresh packet */
		media_enc_restart(a->enc);
	}
	a->enc_used = true;

	err = media_enc_frame(a->enc, pcm, srate, a->pld, &n, &dtx);
	if (err)
		return err;

	if (dtx)
		a->marker = true;
	if (n)
		send_pld(a, a->pld, n, media_enc_frames(a->enc));

	return 0;
}


static void send_rtcp(struct audio *a)
{
	struct mbuf *mb = a->rtcpmb;
	struct media_srtptx *stx;
	const struct sa *dst;
	struct media_rtpp_sr sr;
	struct timeval tv;
	bool mux = false;

	/* where their RTCP came from, through the port it came in on
	 * (rtcp-mux when that was the RTP port); none before it came */
	dst = media_consent_rtcp_dst(&a->consent, &mux);
	if (!dst)
		return;

	gettimeofday(&tv, NULL);
	memset(&sr, 0, sizeof(sr));
	sr.ssrc     = a->ssrc;
	sr.ntp_sec  = (uint32_t)(tv.tv_sec + 2208988800ULL);
	sr.ntp_frac = (uint32_t)(((uint64_t)tv.tv_usec << 32) / 1000000);
	sr.rtp_ts   = a->ts;
	sr.psent    = a->psent;
	sr.osent    = a->osent;
	/* RFC 3550 6.4: one block about the source we receive, once it
	 * has sent (A.3) */
	sr.has_rb   = a->recv && media_rtprx_block(a->rx, &sr.rb);

	mbuf_rewind(mb);
	if (media_rtpp_rtcp_encode(mb, &sr, a->psent > 0 && a->send, a->cname))
		return;
	mb->pos = 0;

	stx = (!mux && a->stx_rtcp) ? a->stx_rtcp : a->stx;
	if (a->dtls && !stx)
		return;
	if (stx && tx_protect(stx, mb, true))
		return;

	if (!udp_send(mux ? a->rtp_us : a->rtcp_us, dst, mb))
		media_rtcpstat_sent(sr.has_rb);
}


void audio_mix_tick(struct audio *a)
{
	/* The media clock runs on during hold, so that a resumed stream
	 * has timestamps that match the time that passed. */
	a->ts += a->ci->clock / 50;

	if (!a->started)
		return;

	if (--a->rtcp_due == 0) {
		/* RFC 3550 6.3.1: randomised over [0.5, 1.5] intervals */
		a->rtcp_due = RTCP_INTERVAL / 2 + rand_u32() % RTCP_INTERVAL;
		send_rtcp(a);
	}
}

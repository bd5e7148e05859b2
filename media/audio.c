/**
 * @file audio.c  One participant's audio stream: sockets, SRTP, RTP/RTCP
 *
 * Receive: RTP on an even port, RTCP on port + 1 (a pair leased from the
 * port pool, portpool.c), and RTCP multiplexed on the RTP port
 * (RFC 5761).  Packets are accepted from any source address (NAT): with
 * SRTP only those that authenticate count, with plain RTP the first SSRC
 * is locked on (see rtprx_int.h).  Send: never to the negotiated
 * addresses as such, only where authenticated packets came from
 * (symmetric RTP, consent.c); until then nothing is sent, and the mixer
 * spends no encoding or encryption on the stream.
 *
 * SRTP: our own receiver (srtp.c, srtcp.c) and sender (srtp_tx.c).  Each direction has its own key.  Copies of the master keys are
 * kept only to tell a re-INVITE that keeps a key from one that changes
 * it, and are wiped when replaced or freed.
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






static void destructor(void *arg)
{
	struct audio *a = arg;

	if (a->mx)
		mixer_detach(a->mx, &a->le);

	/* the DTLS sockets hold references to the port's UDP sockets */
	mem_deref(a->dtls_rtp);
	mem_deref(a->dtls_rtcp);
	mem_deref(a->stx_rtcp);
	mem_deref(a->srx_rtcp);
	mem_deref(a->ice);
	mem_deref(a->port);
	mem_deref(a->rx);
	mem_deref(a->srx);
	mem_deref(a->stx);
	mem_deref(a->txmb);
	mem_deref(a->rtcpmb);
	mem_deref(a->cname);
	mem_deref(a->enc);
	mem_deref(a->rx_rs);

	OPENSSL_cleanse(a->rx_key, sizeof(a->rx_key));
	OPENSSL_cleanse(a->tx_key, sizeof(a->tx_key));
}


static void rtcp_input(struct audio *a, const struct sa *src, bool mux,
		       uint8_t *p, size_t len)
{
	struct media_srtprx *srx = (!mux && a->srx_rtcp) ? a->srx_rtcp :
		a->srx;

	if (!a->started)
		return;

	/* DTLS-SRTP before its keys: nothing is accepted in the clear */
	if (a->dtls && !srx) {
		media_rtprx_dropped(a->rx);
		return;
	}

	if (srx) {
		if (media_srtprx_rtcp(srx, p, &len)) {
			media_rtprx_dropped(a->rx);
			return;
		}
	}

	/* consent only from a compound that authenticated and parsed */
	if (!media_rtprx_rtcp(a->rx, p, len))
		media_consent_rtcp(&a->consent, src, mux, tmr_jiffies());
}


/* RFC 5764 5.1.2: a first byte of 0-3 is STUN.  Answered only on an
 * ICE stream; a successful check is consent (consent_int.h). */
static void stun_input(struct audio *a, const struct sa *src, bool rtcp,
		       const uint8_t *p, size_t len)
{
	uint8_t out[256];
	struct mbuf mb;
	size_t n = 0;
	bool nominated = false;
	enum media_ice_verdict v;

	if (!a->started || !a->ice)
		return;

	v = media_ice_input(a->ice, p, len, src, out, sizeof(out), &n,
			    &nominated);
	if (v == MEDIA_ICE_DROP)
		return;

	if (v == MEDIA_ICE_CHECKED) {
		++a->ice_checks;
		if (rtcp)
			media_consent_rtcp(&a->consent, src, false,
					   tmr_jiffies());
		else if (nominated || !media_consent_rtp_dst(&a->consent))
			media_consent_rtp(&a->consent, src, tmr_jiffies());
	}

	mb.buf = out;
	mb.size = sizeof(out);
	mb.pos = 0;
	mb.end = n;
	(void)udp_send(rtcp ? a->rtcp_us : a->rtp_us, src, &mb);
}


static void rtp_recv_handler(const struct sa *src, struct mbuf *mb,
			     void *arg)
{
	struct audio *a = arg;
	uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	struct media_rtpp pkt;

	if (len && p[0] < 4) {
		stun_input(a, src, false, p, len);
		return;
	}

	if (media_rtpp_is_rtcp(p, len)) {
		rtcp_input(a, src, true, p, len);
		return;
	}

	if (!a->started) {
		media_rtprx_dropped(a->rx);
		return;
	}

	if ((a->dtls && !a->srx) ||
	    (a->srx && media_srtprx_rtp(a->srx, p, &len))) {
		media_rtprx_dropped(a->rx);
		return;
	}

	if (a->recv) {
		if (media_rtprx_input(a->rx, p, len))
			return;
	}
	else {
		/* they said they would not send: not mixed, but a valid
		 * (with SRTP: authenticated) packet still shows consent */
		media_rtprx_dropped(a->rx);
		if (!a->srx && media_rtpp_decode(&pkt, p, len))
			return;
	}

	media_consent_rtp(&a->consent, src, tmr_jiffies());
}


static void rtcp_recv_handler(const struct sa *src, struct mbuf *mb,
			      void *arg)
{
	uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);

	if (len && p[0] < 4) {
		stun_input(arg, src, true, p, len);
		return;
	}

	rtcp_input(arg, src, false, p, len);
}


int audio_alloc(struct audio **ap, struct mixer *mx,
		struct media_portpool *pool, const struct sa *laddr,
		const char *cname)
{
	struct audio *a;
	uint8_t rnd[10];
	int err;

	if (!ap || !pool || !laddr)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;

	a->mixed = true;
	a->level = MEDIA_LEVEL_SILENT;
	a->codec = AUDIO_PCMU;
	media_consent_init(&a->consent, tmr_jiffies());
	a->ci = media_codec_info(AUDIO_PCMU);
	(void)media_enc_cfg_make(&a->ecfg, AUDIO_PCMU, NULL, 0);

	/* RFC 3550 5.1: random SSRC, initial sequence and timestamp */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		err = EIO;
		goto out;
	}
	a->ssrc = (uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
		(uint32_t)rnd[2] << 8 | rnd[3];
	a->seq  = (uint16_t)(rnd[4] << 8 | rnd[5]);
	a->ts   = (uint32_t)rnd[6] << 24 | (uint32_t)rnd[7] << 16 |
		(uint32_t)rnd[8] << 8 | rnd[9];
	a->marker = true;
	a->rtcp_due = RTCP_INTERVAL / 2 + rand_u32() % RTCP_INTERVAL;

	err = str_dup(&a->cname, cname ? cname : "confd");
	if (err)
		goto out;

	err = media_rtprx_alloc(&a->rx);
	if (err)
		goto out;
	media_rtprx_own_ssrc(a->rx, a->ssrc);

	a->txmb = mbuf_alloc(TX_SIZE);
	a->rtcpmb = mbuf_alloc(256);
	if (!a->txmb || !a->rtcpmb) {
		err = ENOMEM;
		goto out;
	}

	err = media_portpool_take_rtp(&a->port, pool, laddr,
				      rtp_recv_handler, rtcp_recv_handler, a);
	if (err)
		goto out;
	a->rtp_us = media_port_udp(a->port, false);
	a->rtcp_us = media_port_udp(a->port, true);

	if (mx) {
		a->mx = mx;
		mixer_attach(mx, &a->le, a);
	}

 out:
	if (err)
		mem_deref(a);
	else
		*ap = a;

	return err;
}


uint16_t audio_lport(const struct audio *a)
{
	return a ? media_port_num(a->port) : 0;
}


static bool same_key(const uint8_t *old, size_t old_len,
		     const uint8_t *key, size_t key_len)
{
	return old_len && old_len == key_len &&
		CRYPTO_memcmp(old, key, key_len) == 0;
}


/* Keys from a DTLS-SRTP association into SRTP contexts (both or none) */
static int dtls_install(struct media_srtptx **stxp,
			struct media_srtprx **srxp,
			const struct media_dtls_keys *k)
{
	struct media_srtptx *stx = NULL;
	struct media_srtprx *srx = NULL;
	int err;

	err = media_srtptx_alloc(&stx, k->suite, k->tx, k->len, false);
	if (!err)
		err = media_srtprx_alloc(&srx, k->suite, k->rx, k->len, 0);
	if (err) {
		mem_deref(stx);
		mem_deref(srx);
		return err;
	}

	mem_deref(*stxp);
	mem_deref(*srxp);
	*stxp = stx;
	*srxp = srx;
	return 0;
}


static void dtls_rtp_h(int err, const struct media_dtls_keys *k,
		       const char *reason, void *arg)
{
	struct audio *a = arg;

	if (!err) {
		err = dtls_install(&a->stx, &a->srx, k);
		if (err)
			reason = "SRTP set-up failed";
		else
			a->tx_suite = a->rx_suite = k->suite;
	}

	if (a->dtlsh)
		a->dtlsh(err, err ? reason : NULL, a->dtls_arg);
}


/* RTCP is not what the call stands on: its failure is only logged */
static void dtls_rtcp_h(int err, const struct media_dtls_keys *k,
			const char *reason, void *arg)
{
	struct audio *a = arg;

	if (!err)
		err = dtls_install(&a->stx_rtcp, &a->srx_rtcp, k);
	if (err)
		DEBUG_NOTICE("%s: RTCP component without DTLS-SRTP: %s\n",
			     a->cname, reason ? reason : "SRTP set-up failed");
}


static void dtls_drop(struct audio *a)
{
	a->dtls_rtp = mem_deref(a->dtls_rtp);
	a->dtls_rtcp = mem_deref(a->dtls_rtcp);
	a->stx_rtcp = mem_deref(a->stx_rtcp);
	a->srx_rtcp = mem_deref(a->srx_rtcp);
}


/**
 * Apply negotiated parameters.  Everything that can fail is prepared
 * first; the stream changes only when all of it succeeded.  A key that
 * did not change keeps its crypto context, so rollover counters and
 * replay windows carry on (a fresh context on the same key would reuse
 * keystream).  A DTLS association that did not change likewise keeps
 * its keys.
 */
int audio_start(struct audio *a, const struct audio_params *prm)
{
	struct media_srtptx *stx = NULL;
	struct media_srtprx *srx = NULL;
	struct media_dtls *drtp = NULL, *drtcp = NULL;
	struct media_ice *ice = NULL;
	bool ice_on, keep_ice = false;
	struct media_enc_cfg ecfg;
	bool srtp, keep_tx = false, keep_rx = false, keep_dtls = false;
	const bool dtls = prm && prm->dtls_pin;
	int err = 0;

	if (!a || !prm)
		return EINVAL;

	if (!media_codec_info(prm->codec))
		return ENOTSUP;
	if (prm->pt > 127 || prm->telev_pt > 127)
		return EINVAL;
	err = media_enc_cfg_make(&ecfg, prm->codec, prm->fmtp, prm->ptime);
	if (err)
		return err;

	srtp = !dtls && (prm->tx_key || prm->rx_key);
	if (srtp) {
		if (!prm->tx_key || !prm->rx_key ||
		    prm->tx_key_len > MAX_KEYSALT ||
		    prm->rx_key_len > MAX_KEYSALT)
			return EINVAL;

		keep_tx = a->stx && a->tx_suite == prm->suite &&
			a->tx_srtcp_unenc == prm->srtcp_unencrypted &&
			same_key(a->tx_key, a->tx_key_len,
				 prm->tx_key, prm->tx_key_len);
		keep_rx = a->srx && a->rx_suite == prm->suite &&
			a->rx_mki_len == prm->rx_mki_len &&
			same_key(a->rx_key, a->rx_key_len,
				 prm->rx_key, prm->rx_key_len);

		if (!keep_tx) {
			err = media_srtptx_alloc(&stx, prm->suite,
						 prm->tx_key,
						 prm->tx_key_len,
						 prm->srtcp_unencrypted);
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
	else if (dtls) {
		keep_dtls = a->dtls && a->dtls_rtp &&
			media_dtls_pin(a->dtls_rtp) == prm->dtls_pin &&
			media_dtls_active(a->dtls_rtp) == prm->dtls_active;

		if (!keep_dtls) {
			err = media_dtls_alloc(&drtp, a->rtp_us, prm->dtls_pin,
					       prm->dtls_active, &prm->rtp,
					       prm->dtls_timeout_ms, a->cname,
					       dtls_rtp_h, a);
			if (!err && !prm->rtcp_mux)
				err = media_dtls_alloc(&drtcp, a->rtcp_us,
						       prm->dtls_pin,
						       prm->dtls_active,
						       &prm->rtcp,
						       prm->dtls_timeout_ms,
						       a->cname,
						       dtls_rtcp_h, a);
			if (err)
				goto out;
		}
	}

	ice_on = prm->ice_ufrag && prm->ice_pwd && prm->ice_rufrag;
	if (ice_on) {
		keep_ice = media_ice_same(a->ice, prm->ice_ufrag,
					  prm->ice_pwd, prm->ice_rufrag);
		if (!keep_ice) {
			err = media_ice_alloc(&ice, prm->ice_ufrag,
					      prm->ice_pwd, prm->ice_rufrag);
			if (err)
				goto out;
		}
	}

	/* the decoder first: the one step of the commit that can fail */
	err = media_rtprx_set(a->rx, prm->pt, prm->codec, prm->telev_pt);
	if (err)
		goto out;

	/* commit */
	if (dtls) {
		if (!keep_dtls) {
			/* keys only from the new association */
			dtls_drop(a);
			a->dtls_rtp = drtp;
			a->dtls_rtcp = drtcp;
			drtp = drtcp = NULL;
			a->stx = mem_deref(a->stx);
			a->srx = mem_deref(a->srx);
			OPENSSL_cleanse(a->tx_key, sizeof(a->tx_key));
			OPENSSL_cleanse(a->rx_key, sizeof(a->rx_key));
			a->tx_key_len = a->rx_key_len = 0;
		}
		a->tx_srtcp_unenc = false;
		a->rx_mki_len = 0;
	}
	else {
		if (a->dtls) {
			dtls_drop(a);
			/* the SDES/MIKEY keys below are new by definition */
			a->tx_key_len = a->rx_key_len = 0;
		}
		if (!keep_tx) {
			mem_deref(a->stx);
			a->stx = stx;
			stx = NULL;
			OPENSSL_cleanse(a->tx_key, sizeof(a->tx_key));
			a->tx_key_len = 0;
			if (srtp) {
				memcpy(a->tx_key, prm->tx_key,
				       prm->tx_key_len);
				a->tx_key_len = prm->tx_key_len;
			}
		}
		if (!keep_rx) {
			mem_deref(a->srx);
			a->srx = srx;
			srx = NULL;
			OPENSSL_cleanse(a->rx_key, sizeof(a->rx_key));
			a->rx_key_len = 0;
			if (srtp) {
				memcpy(a->rx_key, prm->rx_key,
				       prm->rx_key_len);
				a->rx_key_len = prm->rx_key_len;
			}
		}
		a->tx_suite = a->rx_suite = prm->suite;
		a->tx_srtcp_unenc = prm->srtcp_unencrypted;
		a->rx_mki_len = prm->rx_mki_len;
	}
	if (!keep_ice) {
		mem_deref(a->ice);
		a->ice = ice;
		ice = NULL;
	}
	a->dtls = dtls;
	a->dtlsh = prm->dtlsh;
	a->dtls_arg = prm->dtls_arg;

	/* coming back from hold starts a new talkspurt */
	if (prm->send && !(a->started && a->send))
		a->marker = true;

	/* the SDP's addresses are a claim, kept only to recognise the
	 * participant's RTCP (consent.c) */
	media_consent_answer(&a->consent, &prm->rtp, &prm->rtcp, !prm->send,
			     tmr_jiffies());
	a->codec = prm->codec;
	a->ci = media_codec_info(prm->codec);
	if (!media_enc_cfg_eq(&a->ecfg, &ecfg))
		a->enc = mem_deref(a->enc);
	a->ecfg = ecfg;
	a->pt = prm->pt;
	a->send = prm->send;
	a->recv = prm->recv;
	a->started = true;

 out:
	mem_deref(stx);
	mem_deref(srx);
	mem_deref(drtp);
	mem_deref(drtcp);
	mem_deref(ice);
	return err;
}


void audio_set_mixed(struct audio *a, bool mixed)
{
	if (a)
		a->mixed = mixed;
}


void audio_set_muted(struct audio *a, bool muted)
{
	if (a)
		a->muted = muted;
}


bool audio_muted(const struct audio *a)
{
	return a && a->muted;
}


uint8_t audio_level(const struct audio *a)
{
	return a && a->started ? a->level : MEDIA_LEVEL_SILENT;
}


void audio_stats(const struct audio *a, struct audio_stats *st)
{
	struct media_rtprx_stats rs;

	if (!a || !st)
		return;

	media_rtprx_stats(a->rx, &rs);

	st->rx_packets   = rs.accepted;
	st->rx_dropped   = rs.dropped;
	st->tx_packets   = a->tx_packets;
	st->telev_events = rs.telev_events;
	st->rx_consent   = a->consent.packets;
}


void audio_rtcp(const struct audio *a, struct audio_rtcp *r)
{
	if (!r)
		return;

	memset(r, 0, sizeof(*r));
	if (a)
		media_rtprx_rtcp_info(a->rx, r);
}


uint64_t audio_idle_ms(const struct audio *a)
{
	if (!a || !a->started)
		return 0;

	return media_consent_idle(&a->consent, tmr_jiffies());
}


const struct sa *audio_rtp_dst(const struct audio *a)
{
	return a ? media_consent_rtp_dst(&a->consent) : NULL;
}


/* --- called by the mixer ------------------------------------------- */


/* One frame's mean |sample| into an average over ~16 frames (320 ms),
 * for the video relay's active speaker; a frame not heard counts 0. */
static void level_feed(struct audio *a, const int16_t *pcm, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; pcm && i < n; i++)
		sum += (uint32_t)(pcm[i] < 0 ? -(int32_t)pcm[i] : pcm[i]);

	a->loud = a->loud - a->loud / 16 + sum / n;
}


int audio_loudness(const struct audio *a)
{
	return a ? (int)MIN(a->loud / 16, 32767u) : -1;
}


/* The PCM rate this stream's codec codes at: the mixer runs wideband
 * when any stream's is. */
uint32_t audio_mix_srate(const struct audio *a)
{
	return a->started ? a->ci->srate : AUDIO_SRATE;
}


struct media_talk *audio_mix_talk(struct audio *a)
{
	return &a->talk;
}


/* 20 ms of their voice at the mix's rate, or NULL */
const int16_t *audio_mix_pull(struct audio *a, uint32_t srate)
{
	const uint32_t crate = media_rtprx_srate(a->rx);

	a->has_pcm = false;

	if (!a->started || !a->recv) {
		level_feed(a, NULL, 1);
		return NULL;
	}

	/* Always drain, so an unmixed voice is not stale once mixed. */
	if (!media_rtprx_pull(a->rx, crate == srate ? a->pcm : a->raw)) {
		a->level = media_level_update(a->level, NULL, 0);
		level_feed(a, NULL, 1);
		return NULL;
	}
	if (crate != srate) {
		if (!a->rx_rs || a->rx_rs_rate != srate) {
			a->rx_rs = mem_deref(a->rx_rs);
			if (media_resamp_alloc(&a->rx_rs, crate, srate))
				return NULL;
			a->rx_rs_rate = srate;
		}
		media_resamp_frame(a->rx_rs, a->raw, a->pcm);
	}

	/* the levels show who talks, muted or not mixed as well: the
	 * roster's (-dBov) and the video relay's active speaker */
	a->level = media_level_update(a->level, a->pcm, srate / 50);
	level_feed(a, a->pcm, srate / 50);
	if (!a->mixed || a->muted)
		return NULL;

	a->has_pcm = true;
	return a->pcm;
}


const int16_t *audio_mix_own(const struct audio *a)
{
	return a->has_pcm ? a->pcm : NULL;
}


/* Whether we send this tick, and what the payload must be like: equal
 * configurations may share one encoding (mixer.c).  Not before
 * consent: the mixer then neither encodes nor encrypts for a stream
 * nobody has asked for. */
bool audio_mix_sending(const struct audio *a, const struct media_enc_cfg **cfg)
{
	if (!a->started || !a->send || !media_consent_rtp_dst(&a->consent))
		return false;
	if (a->dtls && !a->stx)
		return false;

	*cfg = &a->ecfg;
	return true;
}


void audio_mixer_gone(struct audio *a)
{
	if (a)
		a->mx = NULL;
}


/* Our SSRC on this stream: MIKEY names it in TRANSFER_RESP (RFC 3830
 * 6.1.1 crypto session maps). */
uint32_t audio_ssrc(const struct audio *a)
{
	return a ? a->ssrc : 0;
}

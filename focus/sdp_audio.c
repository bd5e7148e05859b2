/**
 * @file sdp_audio.c  A participant's audio stream: its m-line in SDP
 * offer/answer, keyed by SDES-SRTP (RFC 3264, RFC 4568) under the
 * conference's SRTP policy, or by MIKEY-TICKET.
 *
 * Codecs, in our order of preference (we offer them so, and answer with
 * the first of them that the offer has, whatever its order): Opus
 * (RFC 7587), G.722, PCMU, PCMA; telephone-event (RFC 4733) at 48 kHz
 * and 8 kHz, answered at the chosen codec's RTP clock when offered so.
 */
#include <string.h>
#include <stdlib.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/sdes.h"
#include "keying/tcpsetup.h"
#include "media/media.h"
#include "floor/sdp.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"
#include "focus/stream_int.h"
#include "focus/sdp_crypto_int.h"
#include "focus/sdp_dtls_int.h"
#include "focus/sdp_ice_int.h"


#define DEBUG_MODULE "audio-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum {
	WATCH_INTERVAL = 1000,         /* ms between media_timeout checks */
	DTLS_TIMEOUT   = 10000,        /* ms: no DTLS-SRTP association, BYE */
};

/* RFC 7587 6.1, what we want to receive: nothing above our 16 kHz mix,
 * FEC welcome, and silence not sent at all (DTX) */
#define OPUS_FMTP "maxplaybackrate=16000;sprop-maxcapturerate=16000;" \
	"useinbandfec=1;usedtx=1"

static const struct {
	const char *name;
	uint32_t srate;
	enum audio_codec codec;
} codec_pref[] = {
	{"opus", 48000, AUDIO_OPUS},
	{"G722",  8000, AUDIO_G722},
	{"PCMU",  8000, AUDIO_PCMU},
	{"PCMA",  8000, AUDIO_PCMA},
};

/* PCMU and PCMA rank alike */
static unsigned codec_rank(size_t i)
{
	return codec_pref[i].codec == AUDIO_PCMA ? (unsigned)i - 1 : (unsigned)i;
}


struct stream_audio {
	struct sdp_media *m;
	struct audio *audio;           /* RTP/SRTP into the mixer */
	struct media_tmr watch;        /* media_timeout (off libre's list) */
	struct participant *p;         /* owner (for the watch) */
	struct sdes_crypto tx;         /* our SDES key for this stream */
	bool tx_valid;
	/* as offerer (dial-out): one fresh key per suite offered, until
	 * the answer picks one of them (RFC 4568 5.1.1) */
	struct sdes_crypto offered[SDES_SUITE_COUNT];
	size_t offeredc;

	/* chosen by take_offer for make_answer; pointers into m */
	const struct sdp_format *codec, *telev;
	enum audio_codec acodec;
	struct cryptopick pick;
	struct mikeyin_rtp_keys mk;
	bool mikey;
	struct dtlspick dtls;          /* DTLS-SRTP offered (sdp_dtls.c) */
	struct icepick ice;            /* ICE offered (sdp_ice.c) */
	struct iceours ice_ours;       /* our ICE-lite credentials */
	struct tlsfp *pin;             /* pinned to their a=fingerprint */
	struct tmr dtls_tmr;           /* hang up outside media's handler */
	const char *dtls_fail;
	const char *keying;            /* "mikey", "sdes", "dtls", "none" */
};


static void choice_wipe(struct stream_audio *sa)
{
	cryptopick_wipe(&sa->pick);
	OPENSSL_cleanse(&sa->mk, sizeof(sa->mk));
	sa->codec = sa->telev = NULL;
}


static void offered_wipe(struct stream_audio *sa)
{
	size_t i;

	for (i = 0; i < sa->offeredc; i++)
		sdes_wipe(&sa->offered[i]);
	sa->offeredc = 0;
}


static void destructor(void *arg)
{
	struct stream_audio *sa = arg;

	media_tmr_cancel(&sa->watch);
	offered_wipe(sa);

	tmr_cancel(&sa->dtls_tmr);
	mem_deref(sa->audio);
	mem_deref(sa->pin);
	mem_deref(sa->m);
	sdes_wipe(&sa->tx);
	iceours_wipe(&sa->ice_ours);
	choice_wipe(sa);
}


static int formats_reset(struct sdp_media *m)
{
	const struct list *lst = sdp_media_format_lst(m, true);
	int err;

	while (list_head(lst))
		mem_deref(list_head(lst)->data);

	err  = sdp_format_add(NULL, m, false, "111", "opus", 48000, 2,
			      NULL, NULL, NULL, false, "%s", OPUS_FMTP);
	err |= sdp_format_add(NULL, m, false, "9", "G722", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "0", "PCMU", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "8", "PCMA", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "110", "telephone-event",
			      48000, 1, NULL, NULL, NULL, false, "0-15");
	err |= sdp_format_add(NULL, m, false, "101", "telephone-event", 8000,
			      1, NULL, NULL, NULL, false, "0-15");
	/* answered only: nobody's 16 kHz RTP clock is ours, but an offer
	 * may carry it and costs nothing to accept */
	err |= sdp_format_add(NULL, m, false, "102", "telephone-event",
			      16000, 1, NULL, NULL, NULL, false, "0-15");

	return err ? ENOMEM : 0;
}


static int setup(struct participant *p)
{
	const struct focus *f = p->conf->focus;
	const struct confdef *def = p->conf->def;
	struct stream_audio *sa;
	const char *proto;
	char cname[64];
	int err;

	sa = mem_zalloc(sizeof(*sa), destructor);
	if (!sa)
		return ENOMEM;
	p->audio = sa;
	sa->p = p;
	media_tmr_init(&sa->watch);
	tmr_init(&sa->dtls_tmr);
	cryptopick_init(&sa->pick);

	re_snprintf(cname, sizeof(cname), "confd-%p", p);
	err = audio_alloc(&sa->audio, p->conf->mixer, f->rtp_pool,
			  &p->maddr, cname);
	if (err)
		return err;

	/* a MIKEY dial-out offers SRTP whatever the policy */
	proto = def->srtp == CONFDEF_SRTP_REQUIRED || dialout_uses_mikey(p) ?
		"RTP/SAVP" : "RTP/AVP";
	err = sdp_media_add(&sa->m, p->sdp, "audio", audio_lport(sa->audio),
			    proto);
	if (err)
		return err;

	err = sdp_media_set_alt_protos(sa->m, 4, "RTP/AVP", "RTP/SAVP",
				       "UDP/TLS/RTP/SAVP",
				       "UDP/TLS/RTP/SAVPF");
	if (err)
		return err;

	return formats_reset(sa->m);
}


/* answering narrowed the formats to the one codec chosen */
static int restore_formats(struct participant *p)
{
	return formats_reset(p->audio->m);
}


/* Suites we offer, in our order of preference (tags 1..4) */
static const enum sdes_suite offer_suites[] = {
	SDES_AEAD_AES_256_GCM,
	SDES_AEAD_AES_128_GCM,
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
};


/* Our own offer (dial-out, an offerless INVITE or re-INVITE): both
 * codecs and, unless SRTP is off, an a=crypto line with a fresh key for
 * every suite we support.  A session that already has a key offers
 * only that one again, so the media keys do not change under a
 * re-offer. */
static int make_offer(struct participant *p)
{
	struct stream_audio *sa = p->audio;
	size_t i;
	int err;

	err = formats_reset(sa->m);
	if (err)
		return err;

	sdp_media_del_lattr(sa->m, "crypto");
	offered_wipe(sa);
	if (p->conf->def->srtp == CONFDEF_SRTP_OFF)
		return 0;

	/* keyed by MIKEY-TICKET (a=key-mgmt, mikey_out.c): no a=crypto */
	if (dialout_uses_mikey(p))
		return 0;

	if (sa->tx_valid) {
		sa->offered[0] = sa->tx;
		sa->offeredc = 1;
		return sdp_media_set_lattr(sa->m, false, "crypto", "%H",
					   sdes_encode, &sa->tx);
	}

	for (i = 0; i < ARRAY_SIZE(offer_suites); i++) {
		struct sdes_crypto *c = &sa->offered[i];

		err = sdes_generate(c, (uint32_t)(i + 1), offer_suites[i]);
		if (err)
			return err;
		sa->offeredc = i + 1;
		err = sdp_media_set_lattr(sa->m, false, "crypto", "%H",
					  sdes_encode, c);
		if (err)
			return err;
	}

	return 0;
}


static int take_offer(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct stream_audio *sa = p->audio;
	const struct list *lst;
	struct le *le;
	unsigned best = UINT_MAX;
	size_t i;
	int err = 0;

	choice_wipe(sa);
	cryptopick_init(&sa->pick);
	sa->mikey = false;

	if (!sdp_media_rport(sa->m) || sdp_media_disabled(sa->m)) {
		ne->scode = 488;
		ne->warn_code = 304;
		ne->warn_text = "No audio stream offered";
		return EPROTO;
	}

	/* RFC 4566 5.7: c= at session level or in every m-line; without
	 * it there is nowhere to send this participant's mix.  0.0.0.0 in
	 * a re-INVITE is legacy hold (sdp_addr.c let it through). */
	if (!sa_isset(sdp_media_raddr(sa->m), SA_ADDR) && !p->hold0) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "No connection address (c=) for audio";
		return EPROTO;
	}

	/* our sockets are bound in one family (media_af.c); a re-INVITE
	 * may not move the call to the other */
	if (sa_af(sdp_media_raddr(sa->m)) != sa_af(&p->maddr)) {
		ne->scode = 488;
		ne->warn_code = 301;
		ne->warn_text = "Audio address family differs from ours";
		return EPROTO;
	}

	/* the best codec the offer has, by our preference; between equals
	 * (PCMU and PCMA) the offerer's order decides */
	lst = sdp_media_format_lst(sa->m, false);
	for (le = list_head(lst); le; le = le->next) {
		const struct sdp_format *rf = le->data, *lf;

		/* the local twin carries the name (static PTs may come
		 * without a=rtpmap) and, after libre aligned them, the
		 * offerer's PT */
		lf = rf->sup ? sdp_media_lformat(sa->m, rf->pt) : NULL;
		if (!lf || !lf->sup)
			continue;
		for (i = 0; i < ARRAY_SIZE(codec_pref); i++) {
			if (lf->srate == codec_pref[i].srate &&
			    !str_casecmp(lf->name, codec_pref[i].name))
				break;
		}
		if (i >= ARRAY_SIZE(codec_pref) || codec_rank(i) >= best)
			continue;
		best = codec_rank(i);
		sa->codec = lf;
		sa->acodec = codec_pref[i].codec;
	}
	lst = sdp_media_format_lst(sa->m, true);

	if (!sa->codec) {
		ne->scode = 488;
		ne->warn_code = 305;
		ne->warn_text = "Incompatible media format: Opus, G722, PCMU "
			"or PCMA needed";
		return EPROTO;
	}

	/* RFC 4733 2.1: events on the codec's RTP clock when offered so */
	for (le = list_head(lst); le; le = le->next) {
		const struct sdp_format *fmt = le->data;

		if (!fmt->sup || str_casecmp(fmt->name, "telephone-event"))
			continue;
		if (!sa->telev || fmt->srate == sa->codec->srate)
			sa->telev = fmt;
		if (fmt->srate == sa->codec->srate)
			break;
	}

	err = dtlspick_offer(&sa->dtls, p, sa->m, ne);
	if (!err)
		err = icepick_offer(&sa->ice, p, sa->m, ne);
	if (err)
		goto out;

	if (sa->dtls.offered) {
		/* keyed by DTLS-SRTP: a=crypto does not apply (RFC 5763 5) */
		if (!(def->keying & CONFDEF_KEY_DTLS)) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "DTLS-SRTP keying is not allowed in "
				"this conference";
			err = EPROTO;
			goto out;
		}
		if (def->srtp == CONFDEF_SRTP_OFF || mikeyin_keyed(p) ||
		    !p->conf->focus->tls) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = def->srtp == CONFDEF_SRTP_OFF ?
				"SRTP is switched off for this conference" :
				mikeyin_keyed(p) ?
				"Both MIKEY and DTLS-SRTP offered" :
				"DTLS-SRTP not available (no certificate)";
			err = EPROTO;
			goto out;
		}
	}
	else if (mikeyin_keyed(p)) {
		/* keyed by MIKEY-TICKET: the TEKs, not a=crypto */
		if (!(def->keying & CONFDEF_KEY_MIKEY)) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "MIKEY keying is not allowed in this "
				"conference";
			err = EPROTO;
			goto out;
		}
		if (def->srtp == CONFDEF_SRTP_OFF) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "SRTP is switched off for this "
				"conference";
			err = EPROTO;
			goto out;
		}
		err = mikeyin_rtp_keys(p, sa->m, &sa->mk);
		if (err) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "MIKEY: no usable SRTP crypto sessions"
				" for the audio stream";
			goto out;
		}
		sa->mikey = true;
	}
	else {
		/* SDES not allowed: a=crypto is as good as absent, which
		 * the SRTP policy then judges (plain RTP where optional) */
		if (def->srtp != CONFDEF_SRTP_OFF &&
		    (def->keying & CONFDEF_KEY_SDES))
			cryptopick_offer(&sa->pick, sa->m);

		err = cryptopick_policy(&sa->pick, sa->m, def->srtp, ne);
		if (err && !(def->keying & CONFDEF_KEY_SDES) &&
		    sdp_media_rattr(sa->m, "crypto"))
			ne->warn_text = "SDES keying is not allowed in this "
				"conference";
	}

 out:
	if (err)
		choice_wipe(sa);
	return err;
}


/* A call that sends no authenticated media for media_timeout seconds
 * (from the answer, or mid-call; never while on hold) ends with BYE:
 * confd sends it nothing (consent), and it should not hold a port and
 * a roster entry either. */
static void watch_handler(void *arg)
{
	struct stream_audio *sa = arg;
	struct participant *p = sa->p;
	const uint64_t limit = (uint64_t)p->conf->focus->media_timeout * 1000;
	uint64_t idle = audio_idle_ms(sa->audio);

	if (idle >= limit) {
		DEBUG_NOTICE("%s: no media for %llu s (media_timeout), "
			     "hanging up\n", p->uri,
			     (unsigned long long)(idle / 1000));
		calllog_media_timeout(p->conf->focus);
		participant_hangup(p, 408, "no media");
		return;
	}

	media_tmr_start(&sa->watch, MIN(limit - idle + 1, WATCH_INTERVAL),
			watch_handler, sa);
}


static void watch_start(struct participant *p)
{
	struct stream_audio *sa = p->audio;

	if (!p->conf->focus->media_timeout ||
	    media_tmr_isrunning(&sa->watch))
		return;

	media_tmr_start(&sa->watch, WATCH_INTERVAL, watch_handler, sa);
}


/* Media refused: BYE with the reason (RFC 3326), which the roster also
 * shows (disconnection-info).  Only this participant is affected. */
static void dtls_fail_tmr(void *arg)
{
	struct stream_audio *sa = arg;
	struct participant *p = sa->p;

	DEBUG_WARNING("%s: media refused: %s\n", p->uri, sa->dtls_fail);
	p->disc_reason = sa->dtls_fail;
	participant_hangup(p, 488, sa->dtls_fail);
}


static void dtls_handler(int err, const char *reason, void *arg)
{
	struct stream_audio *sa = arg;

	if (!err) {
		DEBUG_INFO("%s: DTLS-SRTP keys in place\n", sa->p->uri);
		return;
	}

	sa->dtls_fail = reason ? reason : "DTLS-SRTP failed";
	tmr_start(&sa->dtls_tmr, 0, dtls_fail_tmr, sa);
}


static int make_answer(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct stream_audio *sa = p->audio;
	const struct cryptopick *pick = &sa->pick;
	struct audio_params prm;
	const char *ptime;
	struct le *le;
	int err;

	/* Drop the codec we did not pick, so the answer names one. */
	le = list_head(sdp_media_format_lst(sa->m, true));
	while (le) {
		struct sdp_format *fmt = le->data;
		le = le->next;
		if (fmt != sa->codec && fmt != sa->telev)
			mem_deref(fmt);
	}

	err = cryptopick_answer(sa->m, &sa->tx, &sa->tx_valid, pick);
	if (!err)
		err = dtlspick_answer(sa->m, p->conf->focus, &sa->dtls);
	if (!err && sa->dtls.offered)
		err = dtlspick_pin(&sa->pin, p->conf->focus, &sa->dtls);
	if (!err)
		err = icepick_answer(&sa->ice_ours, p->sdp, sa->m, &sa->ice,
				     &p->maddr, audio_lport(sa->audio),
				     sa->dtls.mux);
	if (err)
		goto out;
	if (!sa->dtls.offered)
		sa->pin = mem_deref(sa->pin);

	memset(&prm, 0, sizeof(prm));
	prm.rtp = *sdp_media_raddr(sa->m);
	sdp_media_raddr_rtcp(sa->m, &prm.rtcp);
	prm.codec = sa->acodec;
	prm.pt = (uint8_t)sa->codec->pt;
	prm.fmtp = sa->codec->rparams;
	ptime = oa_rattr(p, sa->m, "ptime");
	prm.ptime = ptime ? (unsigned)atoi(ptime) : 0;
	prm.telev_pt = sa->telev ? sa->telev->pt : -1;
	/* RFC 3264 8.4 legacy hold (c=0.0.0.0): we send nothing, and the
	 * answer says so (recvonly); the next offer restores sendrecv */
	sdp_media_set_ldir(sa->m, p->hold0 ? SDP_RECVONLY : SDP_SENDRECV);
	prm.send = (sdp_media_dir(sa->m) & SDP_SENDONLY) != 0;
	prm.recv = (sdp_media_dir(sa->m) & SDP_RECVONLY) != 0;
	prm.rtcp_mux = sa->dtls.mux;
	if (sa->ice.offered) {
		prm.ice_ufrag = sa->ice_ours.ufrag;
		prm.ice_pwd = sa->ice_ours.pwd;
		prm.ice_rufrag = sa->ice.rufrag;
	}
	if (sa->dtls.offered) {
		prm.dtls_pin = sa->pin;
		prm.dtls_active = sa->dtls.ours == TCPSETUP_ACTIVE;
		prm.dtls_timeout_ms = DTLS_TIMEOUT;
		prm.dtlsh = dtls_handler;
		prm.dtls_arg = sa;
	}
	else if (sa->mikey) {
		prm.suite = sa->mk.suite;
		prm.tx_key = sa->mk.tx;
		prm.tx_key_len = sa->mk.len;
		prm.rx_key = sa->mk.rx;
		prm.rx_key_len = sa->mk.len;
	}
	else if (pick->rank >= 0) {
		const struct sdes_key *rk = &pick->best.keys[0];

		prm.suite = sdes_srtp_suite(pick->best.suite);
		prm.tx_key = sa->tx.keys[0].keysalt;
		prm.tx_key_len = sa->tx.keys[0].keysalt_len;
		prm.rx_key = rk->keysalt;
		prm.rx_key_len = rk->keysalt_len;
		prm.rx_mki_len = rk->mki_len;
		prm.srtcp_unencrypted = pick->best.unencrypted_srtcp;
	}

	sa->keying = sa->dtls.offered ? "dtls" : sa->mikey ? "mikey" :
		pick->rank >= 0 ? "sdes" : "none";

	err = audio_start(sa->audio, &prm);
	if (err) {
		ne->scode = 500;
		ne->warn_code = 399;
		ne->warn_text = "Media setup failed";
		goto out;
	}

	watch_start(p);

	if (sa->mikey) {
		err = mikeyin_set_ssrc(p, sa->mk.tx_cs,
				       audio_ssrc(sa->audio));
		if (err)
			goto out;
	}

	if (def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF)
		err = sdp_media_set_lattr(sa->m, true, "label", "%s",
					  floor_sdp_label_answer(
						  sdp_media_rattr(sa->m,
								  "label"),
						  FOCUS_LABEL_AUDIO));
	else
		sdp_media_del_lattr(sa->m, "label");

 out:
	choice_wipe(sa);
	return err;
}


/* The answer to our offer: it must take one of our a=crypto lines,
 * by tag and suite (RFC 4568 5.1.2); our key for it is the one we
 * offered with that tag. */
static int take_answer(struct participant *p, struct negotiation_error *ne)
{
	struct stream_audio *sa = p->audio;
	const struct sdes_crypto *ours = NULL;
	size_t i;
	int err;

	err = take_offer(p, ne);
	if (err)
		goto out;

	if (!sa->mikey && sa->pick.rank >= 0) {
		for (i = 0; i < sa->offeredc; i++) {
			if (sa->offered[i].tag == sa->pick.best.tag &&
			    sa->offered[i].suite == sa->pick.best.suite)
				ours = &sa->offered[i];
		}
		if (!ours) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "Answer's a=crypto matches no offered "
				"tag and suite";
			choice_wipe(sa);
			err = EPROTO;
			goto out;
		}
		if (sa->tx_valid && &sa->tx != ours)
			sdes_wipe(&sa->tx);
		if (&sa->tx != ours)
			sa->tx = *ours;
		sa->tx_valid = true;
	}

	err = make_answer(p, ne);

 out:
	/* the keys not chosen are never used */
	offered_wipe(sa);
	return err;
}


const struct stream_ops stream_audio_ops = {
	.name        = "audio",
	.optional    = false,
	.setup       = setup,
	.rewind      = restore_formats,
	.make_offer  = make_offer,
	.take_offer  = take_offer,
	.make_answer = make_answer,
	.take_answer = take_answer,
};


const struct sdp_media *stream_audio_m(const struct stream_audio *sa)
{
	return sa ? sa->m : NULL;
}


uint32_t stream_audio_ssrc(const struct stream_audio *sa)
{
	return sa ? audio_ssrc(sa->audio) : 0;
}


enum sdp_dir stream_audio_dir(const struct stream_audio *sa)
{
	return sa ? sdp_media_dir(sa->m) : SDP_INACTIVE;
}


const char *stream_audio_keying(const struct stream_audio *sa)
{
	return sa ? sa->keying : NULL;
}


void stream_audio_set_muted(struct stream_audio *sa, bool muted)
{
	if (sa)
		audio_set_muted(sa->audio, muted);
}


bool stream_audio_muted(const struct stream_audio *sa)
{
	return sa && audio_muted(sa->audio);
}


uint8_t stream_audio_level(const struct stream_audio *sa)
{
	return sa ? audio_level(sa->audio) : MEDIA_LEVEL_SILENT;
}


void stream_audio_set_mixed(struct stream_audio *sa, bool mixed)
{
	if (sa && sa->audio)
		audio_set_mixed(sa->audio, mixed);
}


/* How this stream is keyed, for confctl status (never the key): "SDES
 * suite", "MIKEY-TICKET suite" or "none" (plain RTP/AVP). */
int stream_audio_keying_print(struct re_printf *pf,
			       const struct stream_audio *sa)
{
	if (!sa || !sdp_media_rport(sa->m) ||
	    !str_casecmp(sdp_media_proto(sa->m), "RTP/AVP"))
		return re_hprintf(pf, "none");

	if (sa->mikey)
		return re_hprintf(pf, "MIKEY-TICKET");

	if (sa->pin)
		return re_hprintf(pf, "DTLS-SRTP");

	if (sa->tx_valid)
		return re_hprintf(pf, "SDES %s",
				  sdes_suite_name(sa->tx.suite));

	return re_hprintf(pf, "none");
}


/* The participant's audio level, for the video relay's active speaker
 * (media/video.h video_level_h); -1 without audio. */
int stream_audio_loudness(const struct stream_audio *sa)
{
	return sa ? audio_loudness(sa->audio) : -1;
}


/* The mechanism alone, for logs and metrics (calllog.c). */
enum focus_keying stream_audio_mech(const struct stream_audio *sa)
{
	if (!sa || !sdp_media_rport(sa->m) ||
	    !str_casecmp(sdp_media_proto(sa->m), "RTP/AVP"))
		return FOCUS_KEYING_NONE;

	if (sa->mikey)
		return FOCUS_KEYING_MIKEY;

	if (sa->tx_valid)
		return FOCUS_KEYING_SDES;

	return FOCUS_KEYING_NONE;
}


/* RTCP of this stream for confctl status (RFC 3550 6.4): what our
 * reports say about their RTP, what theirs say about ours.  Nothing
 * before the first report either way. */
int stream_audio_rtcp(struct re_printf *pf, const struct stream_audio *sa)
{
	struct audio_rtcp r;
	int err = 0;

	if (!sa || !sa->audio)
		return 0;

	audio_rtcp(sa->audio, &r);
	if (!r.rx_valid && !r.peer_valid)
		return 0;

	err |= re_hprintf(pf, "      rtcp");
	if (r.rx_valid)
		err |= re_hprintf(pf, " received: loss %u.%u%% (%d lost) "
				  "jitter %u.%u ms;",
				  r.rx_fraction * 1000 / 256 / 10,
				  r.rx_fraction * 1000 / 256 % 10, r.rx_lost,
				  r.rx_jitter_us / 1000,
				  r.rx_jitter_us / 100 % 10);
	if (r.peer_valid) {
		err |= re_hprintf(pf, " they report: loss %u.%u%% (%d lost) "
				  "jitter %u.%u ms",
				  r.peer_fraction * 1000 / 256 / 10,
				  r.peer_fraction * 1000 / 256 % 10,
				  r.peer_lost, r.peer_jitter_us / 1000,
				  r.peer_jitter_us / 100 % 10);
		if (r.rtt_us)
			err |= re_hprintf(pf, " rtt %u.%u ms",
					  r.rtt_us / 1000,
					  r.rtt_us / 100 % 10);
	}

	return err | re_hprintf(pf, "\n");
}

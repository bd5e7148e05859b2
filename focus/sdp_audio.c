/**
 * @file sdp_audio.c  SDP offer/answer for a participant's audio, with
 * SDES-SRTP (RFC 3264, RFC 4568) under the conference's SRTP policy.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "keying/sdes.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "media/media.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "eventpkg/eventpkg.h"
#include "msrp/msrp.h"
#include "focus/core.h"


#define DEBUG_MODULE "sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static int formats_reset(struct sdp_media *m)
{
	const struct list *lst = sdp_media_format_lst(m, true);
	int err;

	while (list_head(lst))
		mem_deref(list_head(lst)->data);

	err  = sdp_format_add(NULL, m, false, "0", "PCMU", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "8", "PCMA", 8000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "101", "telephone-event", 8000,
			      1, NULL, NULL, NULL, false, "0-15");

	return err ? ENOMEM : 0;
}


int sdpa_setup(struct participant *p, const struct focus *f)
{
	const struct confdef *def = p->conf->def;
	const char *proto;
	char cname[64];
	int err;

	err = sdp_session_alloc(&p->sdp, &f->media_addr);
	if (err)
		return err;

	re_snprintf(cname, sizeof(cname), "confd-%p", p);
	err = audio_alloc(&p->audio, p->conf->mixer, f->rtp_pool,
			  &f->media_addr, cname);
	if (err)
		return err;

	proto = def->srtp == CONFDEF_SRTP_REQUIRED ? "RTP/SAVP" : "RTP/AVP";
	err = sdp_media_add(&p->am, p->sdp, "audio", audio_lport(p->audio),
			    proto);
	if (err)
		return err;

	err = sdp_media_set_alt_protos(p->am, 2, "RTP/AVP", "RTP/SAVP");
	if (err)
		return err;

	err = formats_reset(p->am);
	if (err)
		return err;

	/* m-lines in the order we offer them ourselves: audio, slides,
	 * floor control; answers follow the offer's order */
	err = sdpv_setup(p);
	if (err)
		return err;

	err = sdpm_setup(p);
	if (err)
		return err;

	return sdpb_setup(p);
}


static int negotiate(struct participant *p, struct negotiation_error *ne,
		     bool answer_to_offer)
{
	const struct confdef *def = p->conf->def;
	struct sdes_pick pick;
	struct mikey_rtp_keys mk;
	const struct list *lst;
	const struct sdp_format *codec = NULL, *telev = NULL;
	struct audio_params prm;
	struct le *le;
	int err = 0;

	memset(&pick, 0, sizeof(pick));
	memset(&mk, 0, sizeof(mk));
	pick.rank = -1;

	if (!sdp_media_rport(p->am) || sdp_media_disabled(p->am)) {
		ne->scode = 488;
		ne->warn_code = 304;
		ne->warn_text = "No audio stream offered";
		return EPROTO;
	}

	/* RFC 4566 5.7: c= at session level or in every m-line; without
	 * it there is nowhere to send this participant's mix */
	if (!sa_isset(sdp_media_raddr(p->am), SA_ADDR)) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "No connection address (c=) for audio";
		return EPROTO;
	}

	lst = sdp_media_format_lst(p->am, true);
	for (le = list_head(lst); le; le = le->next) {
		const struct sdp_format *fmt = le->data;

		if (!fmt->sup)
			continue;
		if (!codec && (!str_casecmp(fmt->name, "PCMU") ||
			       !str_casecmp(fmt->name, "PCMA")))
			codec = fmt;
		else if (!telev && !str_casecmp(fmt->name, "telephone-event"))
			telev = fmt;
	}

	if (!codec) {
		ne->scode = 488;
		ne->warn_code = 305;
		ne->warn_text = "Incompatible media format: PCMU or PCMA needed";
		return EPROTO;
	}

	if (p->mr) {
		/* keyed by MIKEY-TICKET: the TEKs, not a=crypto */
		if (def->srtp == CONFDEF_SRTP_OFF) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "SRTP is switched off for this "
				"conference";
			err = EPROTO;
			goto out;
		}
		err = mikeyin_rtp_keys(p, p->am, &mk);
		if (err) {
			ne->scode = 488;
			ne->warn_code = 399;
			ne->warn_text = "MIKEY: no usable SRTP crypto sessions"
				" for the audio stream";
			goto out;
		}
	}
	else {
		if (def->srtp != CONFDEF_SRTP_OFF)
			sdes_pick_offer(&pick, p->am);

		err = sdes_pick_policy(&pick, p->am, def->srtp, ne);
		if (err)
			goto out;
	}

	/* Drop the codec we did not pick, so the answer names one. */
	le = list_head(lst);
	while (le) {
		struct sdp_format *fmt = le->data;
		le = le->next;
		if (fmt != codec && fmt != telev)
			mem_deref(fmt);
	}

	err = sdes_pick_answer(p->am, &p->tx, &p->tx_valid, &pick);
	if (err)
		goto out;

	memset(&prm, 0, sizeof(prm));
	prm.rtp = *sdp_media_raddr(p->am);
	sdp_media_raddr_rtcp(p->am, &prm.rtcp);
	prm.codec = codec->pt == 8 ? AUDIO_PCMA : AUDIO_PCMU;
	prm.pt = (uint8_t)codec->pt;
	prm.telev_pt = telev ? telev->pt : -1;
	prm.send = (sdp_media_dir(p->am) & SDP_SENDONLY) != 0;
	prm.recv = (sdp_media_dir(p->am) & SDP_RECVONLY) != 0;
	if (p->mr) {
		prm.suite = mk.suite;
		prm.tx_key = mk.tx;
		prm.tx_key_len = mk.len;
		prm.rx_key = mk.rx;
		prm.rx_key_len = mk.len;
	}
	else if (pick.rank >= 0) {
		const struct sdes_key *rk = &pick.best.keys[0];

		prm.suite = sdes_srtp_suite(pick.best.suite);
		prm.tx_key = p->tx.keys[0].keysalt;
		prm.tx_key_len = p->tx.keys[0].keysalt_len;
		prm.rx_key = rk->keysalt;
		prm.rx_key_len = rk->keysalt_len;
		prm.rx_mki_len = rk->mki_len;
		prm.srtcp_unencrypted = pick.best.unencrypted_srtcp;
	}

	(void)answer_to_offer;
	err = audio_start(p->audio, &prm);
	if (err) {
		ne->scode = 500;
		ne->warn_code = 399;
		ne->warn_text = "Media setup failed";
		goto out;
	}

	if (p->mr) {
		err = mikey_resp_set_ssrc(p->mr, mk.tx_cs,
					  audio_ssrc(p->audio));
		if (err)
			goto out;
	}

	if (def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF)
		err = sdp_media_set_lattr(p->am, true, "label", "%s",
					  floor_sdp_label_answer(
						  sdp_media_rattr(p->am,
								  "label"),
						  SDP_LABEL_AUDIO));
	else
		sdp_media_del_lattr(p->am, "label");
	if (err)
		goto out;

	/* the slides first: the BFCP answer names their label */
	err = sdpv_negotiate(p, ne);
	if (!err)
		err = sdpm_negotiate(p);
	if (!err)
		err = sdpb_negotiate(p);
	if (err) {
		ne->scode = 500;
		ne->warn_code = 399;
		ne->warn_text = "Media setup failed";
		goto out;
	}

	conference_audio_update(p->conf);

 out:
	sdes_wipe(&pick.best);
	OPENSSL_cleanse(&mk, sizeof(mk));
	return err;
}


int sdpa_decode(struct participant *p, struct mbuf *offer,
		struct negotiation_error *ne)
{
	int err;

	err = formats_reset(p->am);
	if (err)
		return err;

	err = sdp_decode(p->sdp, offer, true);
	if (err) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "Malformed SDP";
	}

	return err;
}


int sdpa_negotiate(struct participant *p, struct negotiation_error *ne)
{
	return negotiate(p, ne, true);
}


int sdpa_offer_received(struct participant *p, struct mbuf *offer,
			struct negotiation_error *ne)
{
	int err = sdpa_decode(p, offer, ne);

	return err ? err : negotiate(p, ne, true);
}


int sdpa_answer_received(struct participant *p, struct mbuf *answer,
			 struct negotiation_error *ne)
{
	int err;

	err = sdp_decode(p->sdp, answer, false);
	if (err) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "Malformed SDP";
		return err;
	}

	return negotiate(p, ne, false);
}


/* Our own offer (to an offerless INVITE): both codecs, and one
 * AES_CM_128_HMAC_SHA1_80 key unless SRTP is off. */
int sdpa_encode(struct participant *p, struct mbuf **mbp, bool offer)
{
	int err;

	if (offer) {
		err = formats_reset(p->am);
		if (err)
			return err;

		sdp_media_del_lattr(p->am, "crypto");
		if (p->conf->def->srtp != CONFDEF_SRTP_OFF) {
			if (!p->tx_valid) {
				err = sdes_generate(&p->tx, 1,
					      SDES_AES_CM_128_HMAC_SHA1_80);
				if (err)
					return err;
				p->tx_valid = true;
			}
			err = sdp_media_set_lattr(p->am, false, "crypto",
						  "%H", sdes_encode, &p->tx);
			if (err)
				return err;
		}
	}

	return sdp_encode(mbp, p->sdp, offer);
}

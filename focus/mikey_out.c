/**
 * @file mikey_out.c  Dial-out keyed by MIKEY-TICKET (RFC 6043, TS 33.328
 * G.2 / Annex H): the focus is the initiator.
 *
 * Before the INVITE: REQUEST_INIT at the KMS for a ticket naming the
 * participant's KMS UID from the list (not blocking the main loop).  The
 * offer then carries TRANSFER_INIT in a session-level a=key-mgmt:mikey
 * (RFC 4567), with crypto sessions following our offered m-lines: two
 * SRTP CSs per RTP m-line, ours first with our SSRC (RFC 4567 7.1), one
 * TLS CS per TCP/TLS m-line.  The answer must carry a TRANSFER_RESP
 * whose MAC verifies and whose responder is that KMS UID; the TEKs then
 * key the streams through mikey_in.c's plumbing, the roles swapped.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"


#define DEBUG_MODULE "mikey-out"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { TICKET_LIFETIME = 3600 };


struct mikeyout {
	struct kmsc_req *kreq;
	struct mikey_init *mi;
	char *uid;                     /* the responder, as on the list */
	mikeyout_ready_h *readyh;
	void *arg;
	bool keyed;                    /* TRANSFER_RESP verified */
};


static void destructor(void *arg)
{
	struct mikeyout *mo = arg;

	mem_deref(mo->kreq);
	mem_deref(mo->mi);
	mem_deref(mo->uid);
}


/* The KMS UID the list gives target, when the focus can key by MIKEY:
 * a focus with a KMS keys every listed participant it dials that way
 * (every member has a KMS UID; it defaults to the SIP URI). */
const char *mikeyout_uid(const struct conference *conf, const char *target)
{
	const struct confdef_member *m;

	if (!conf->focus->kms || conf->def->srtp == CONFDEF_SRTP_OFF)
		return NULL;

	m = confdef_member_find(conf->def, target);
	return m && m->kms_uid && m->kms_uid[0] ? m->kms_uid : NULL;
}


static void request_handler(int err, uint8_t merr, struct mikey_init *mi,
			    void *arg)
{
	struct mikeyout *mo = arg;
	char why[96];

	if (!err && !mi)
		err = EPROTO;
	if (err) {
		re_snprintf(why, sizeof(why), "KMS refused the ticket: %m "
			    "(%s)", err, mikey_err_name(merr));
		mo->readyh(err, why, mo->arg);
		return;
	}

	mo->mi = mem_ref(mi);
	mo->readyh(0, NULL, mo->arg);
}


int mikeyout_alloc(struct mikeyout **mop, struct focus *f, const char *uid,
		   mikeyout_ready_h *readyh, void *arg)
{
	struct mikeyout *mo;
	const char *resp[1];
	int err;

	mo = mem_zalloc(sizeof(*mo), destructor);
	if (!mo)
		return ENOMEM;

	mo->readyh = readyh;
	mo->arg = arg;
	err = str_dup(&mo->uid, uid);
	if (err)
		goto out;

	resp[0] = uid;
	err = kmsc_request(&mo->kreq, f->kms, resp, 1, TICKET_LIFETIME,
			   request_handler, mo);

 out:
	if (err)
		mem_deref(mo);
	else
		*mop = mo;
	return err;
}


/* a=key-mgmt:mikey with TRANSFER_INIT, on our SDP before it is encoded
 * as an offer.  Only audio is offered by dial-out today: CS 1 carries
 * our stream (our SSRC), CS 2 the participant's. */
int mikeyout_offer(struct mikeyout *mo, struct participant *p)
{
	struct mikey_csdesc csv[2];
	struct mbuf *mb = NULL;
	char *b64 = NULL;
	size_t len;
	int err;

	memset(csv, 0, sizeof(csv));
	csv[0].prot = MIKEY_PROT_SRTP;
	csv[0].has_ssrc = true;
	csv[0].ssrc = stream_audio_ssrc(p->audio);
	csv[1].prot = MIKEY_PROT_SRTP;

	err = mikey_init_transfer(mo->mi, mo->uid, csv, ARRAY_SIZE(csv),
				  "mikey", &mb);
	if (err)
		return err;

	len = mb->end * 4 / 3 + 5;
	b64 = mem_zalloc(len, NULL);
	if (!b64) {
		err = ENOMEM;
		goto out;
	}
	err = base64_encode(mb->buf, mb->end, b64, &len);
	if (err)
		goto out;
	b64[len] = '\0';

	err = sdp_session_set_lattr(p->sdp, true, "key-mgmt", "mikey %s",
				    b64);

 out:
	mem_deref(b64);
	mem_deref(mb);
	return err;
}


/* The answer, before the streams take it: TRANSFER_RESP at session or
 * media level, its MAC, and who answered. */
int mikeyout_answer(struct mikeyout *mo, struct participant *p,
		    struct mbuf *answer, char *why, size_t whysz)
{
	const char *v = NULL, *peer;
	uint8_t merr = MIKEY_ERR_UNSPEC;
	uint8_t *tr = NULL;
	size_t pos = answer->pos, len = 0;
	struct le *le;
	int err;

	err = sdp_decode(p->sdp, answer, false);
	answer->pos = pos;
	if (err) {
		re_snprintf(why, whysz, "malformed SDP answer");
		return err;
	}

	v = sdp_session_rattr(p->sdp, "key-mgmt");
	for (le = list_head(sdp_session_medial(p->sdp, false)); !v && le;
	     le = le->next)
		v = sdp_media_rattr(le->data, "key-mgmt");
	if (!v) {
		re_snprintf(why, whysz, "no a=key-mgmt in the answer");
		return EPROTO;
	}

	err = mikeyin_attr_decode(v, &tr, &len);
	if (err) {
		re_snprintf(why, whysz, "malformed a=key-mgmt in the answer");
		return err;
	}

	err = mikey_init_transfer_resp(mo->mi, tr, len, &merr);
	mem_deref(tr);
	if (err) {
		re_snprintf(why, whysz, "TRANSFER_RESP refused: %m (%s)", err,
			    mikey_err_name(merr));
		return err;
	}

	/* Only the responder the ticket names can resolve it and MAC the
	 * answer; when it names itself, that must be the list's UID too */
	peer = mikey_init_peer_id(mo->mi);
	if (peer && strcmp(peer, mo->uid)) {
		re_snprintf(why, whysz, "answered by KMS UID %s, not %s",
			    peer, mo->uid);
		return EPERM;
	}

	mo->keyed = true;
	DEBUG_INFO("%s: MIKEY-TICKET keyed, KMS UID %s\n", p->uri, mo->uid);
	return 0;
}


const struct mikey_init *mikeyout_keys(const struct mikeyout *mo)
{
	return mo && mo->keyed ? mo->mi : NULL;
}

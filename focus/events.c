/**
 * @file events.c  The focus's side of the conference event package
 * (RFC 4575): who may subscribe, and what the roster says.
 *
 * Subscribers must be authenticated (auth_int.h) and on the
 * conference's list or be its creator.  A
 * SUBSCRIBE carrying an application/mikey TRANSFER_INIT (one crypto
 * session of Prot Type PSK S/MIME) is resolved at the KMS like a MIKEY
 * dial-in; the KMS UID must then be on the list, and the TEK becomes the
 * KEK of every NOTIFY (DESIGN.md, PSK S/MIME profile).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"
#include "eventpkg/eventpkg.h"
#include "msrp/msrp.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/digest.h"
#include "focus/auth_int.h"


#define DEBUG_MODULE "events"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


/* A SUBSCRIBE waiting for the KMS */
struct evsub {
	struct eventpkg_sub *sub;
	struct conference *conf;
	struct kmsc_req *req;
};


static void evsub_destructor(void *arg)
{
	struct evsub *es = arg;

	mem_deref(es->req);
	mem_deref(es->sub);
	mem_deref(es->conf);
}


static bool on_list(const struct confdef *def, const char *uri)
{
	if (def->creator && def->creator[0] &&
	    confdef_uri_match(def->creator, uri))
		return true;

	return confdef_member_find(def, uri) != NULL;
}


static void resolve_handler(int err, uint8_t merr, struct mikey_resp *mr,
			    void *arg)
{
	struct evsub *es = arg;
	const struct confdef *def = es->conf->def;
	const struct mikey_tek *tek = NULL;
	struct mbuf *mb = NULL;
	const char *uid;
	size_t i;

	if (err) {
		DEBUG_NOTICE("SUBSCRIBE to %s: MIKEY refused: %m (%s)\n",
			     def->uri, err, mikey_err_name(merr));
		(void)eventpkg_sub_reject(es->sub, 403,
					  "MIKEY Keying Not Accepted");
		goto out;
	}

	uid = mikey_resp_initiator_id(mr);
	if (!uid || (!confdef_member_find_kms(def, uid) &&
		     !(def->creator && !strcmp(def->creator, uid)))) {
		DEBUG_NOTICE("SUBSCRIBE to %s: KMS UID %s not on the list\n",
			     def->uri, uid ? uid : "?");
		(void)eventpkg_sub_reject(es->sub, 403,
					  "KMS UID Not Authorized");
		goto out;
	}

	for (i = 0; i < mikey_resp_tek_count(mr); i++) {
		const struct mikey_tek *t = mikey_resp_tek(mr, i);

		if (t && t->prot == es->conf->focus->mikey_prot_smime &&
		    t->key_len == 16) {
			tek = t;
			break;
		}
	}

	if (!tek || mikey_resp_transfer_resp(mr, &mb)) {
		(void)eventpkg_sub_reject(es->sub, 403,
					  "No PSK S/MIME Crypto Session");
		goto out;
	}

	if (eventpkg_sub_set_psk(es->sub, tek->key, tek->key_len,
				 mikey_resp_csb_id(mr), tek->cs_id) ||
	    eventpkg_sub_accept(es->sub, es->conf->evc, "application/mikey",
				mb->buf, mb->end)) {
		(void)eventpkg_sub_reject(es->sub, 500, "Server Error");
		goto out;
	}

	DEBUG_INFO("SUBSCRIBE to %s by KMS UID %s: PSK S/MIME\n", def->uri,
		   uid);
 out:
	mem_deref(mb);
	/* not from inside the request's own handler */
	mem_deref(es);
}


static void auth_handler(struct eventpkg_sub *sub, const struct sip_msg *msg,
			 void *arg)
{
	struct focus *f = arg;
	struct conference *conf;
	struct identity id;
	struct auth_reply rep;
	const uint8_t *ti;
	size_t tilen;
	uint8_t merr = MIKEY_ERR_UNSPEC;
	struct evsub *es;

	conf = conference_find(f, &msg->uri);
	if (!conf || conf->removed || !conf->evc) {
		(void)eventpkg_sub_reject(sub, 404, "Conference Not Found");
		return;
	}

	if (!eventpkg_sub_mikey(sub, &ti, &tilen)) {
		if (!f->kms) {
			(void)eventpkg_sub_reject(sub, 403, "MIKEY-TICKET Not "
						  "Configured");
			return;
		}

		es = mem_zalloc(sizeof(*es), evsub_destructor);
		if (!es) {
			(void)eventpkg_sub_reject(sub, 500, "Server Error");
			return;
		}
		es->sub = mem_ref(sub);
		es->conf = mem_ref(conf);

		if (kmsc_resolve(&es->req, f->kms, ti, tilen, NULL,
				 resolve_handler, es, &merr)) {
			DEBUG_NOTICE("SUBSCRIBE to %s: TRANSFER_INIT refused "
				     "(%s)\n", conf->def->uri,
				     mikey_err_name(merr));
			(void)eventpkg_sub_reject(sub, 403, "MIKEY Keying Not "
						  "Accepted");
			mem_deref(es);
		}
		return;
	}

	if (identity_get(&id, f, msg)) {
		(void)eventpkg_sub_reject(sub, 400, "Bad Identity");
		return;
	}

	/* the roster is for authenticated members only, in open
	 * conferences too: 401 with a challenge, or 403 */
	if (auth_check(f, conf, msg, &id, false, true, &rep)) {
		(void)eventpkg_sub_reject_hdrs(sub, rep.scode, rep.reason,
					       rep.hdrs);
		return;
	}

	if (!id.authenticated || id.anonymous ||
	    !on_list(conf->def, id.uri)) {
		(void)eventpkg_sub_reject(sub, 403, "Not On The Conference "
					  "List");
		return;
	}

	/* eventpkg refuses with 403 itself when the conference requires
	 * PSK S/MIME and the SUBSCRIBE brought no keying */
	(void)eventpkg_sub_accept(sub, conf->evc, NULL, NULL, 0);
}


/* confd.conf's 0 is "no cap"; eventpkg's 0 is "its default". */
static uint32_t cap(uint32_t v)
{
	return v ? v : EVENTPKG_UNLIMITED;
}


int events_alloc(struct focus *f, const struct focus_limits *lim)
{
	struct eventpkg_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cuser = "conf";
	cfg.max_per_identity = cap(lim->sub_max_per_identity);
	cfg.max_per_source = cap(lim->sub_max_per_source);
	cfg.max_total = cap(lim->sub_max_total);
	cfg.retry_after = lim->sub_retry_after;
	cfg.notify_rate = cap(lim->notify_rate);
	cfg.notify_burst = lim->notify_burst;

	return eventpkg_alloc(&f->ep, f->sip, &cfg, auth_handler, f);
}


/* conference-description and host-info from the definition */
int events_conf_update(struct conference *conf)
{
	const struct confdef *def = conf->def;
	struct cinfo *ci;
	int err = 0;

	focus_roster_changed(conf);   /* the web roster: same points */
	if (!conf->focus->ep)
		return 0;

	if (!conf->evc) {
		err = eventpkg_conf_alloc(&conf->evc, conf->focus->ep,
					  def->uri);
		if (err)
			return err;

		ci = eventpkg_conf_info(conf->evc);
		err |= cinfo_add_conf_uri(ci, def->uri, "participation",
					  def->subject);
		err |= cinfo_add_avail_media(ci, FOCUS_LABEL_AUDIO, "audio",
					     CINFO_MS_SENDRECV);
		err |= cinfo_add_avail_media(ci, FOCUS_LABEL_SLIDES, "video",
					     CINFO_MS_SENDRECV);
		err |= cinfo_set_host(ci, "confd", def->uri);
	}

	ci = eventpkg_conf_info(conf->evc);
	err |= cinfo_set_subject(ci, def->subject ? def->subject : "");
	cinfo_set_active(ci, !list_isempty(&conf->parts));
	eventpkg_conf_require_smime(conf->evc, def->notify_smime);
	eventpkg_conf_publish(conf->evc);

	return err ? ENOMEM : 0;
}


static enum cinfo_mstatus mstatus(enum sdp_dir dir)
{
	switch (dir) {
	case SDP_SENDRECV: return CINFO_MS_SENDRECV;
	case SDP_SENDONLY: return CINFO_MS_SENDONLY;
	case SDP_RECVONLY: return CINFO_MS_RECVONLY;
	default:           return CINFO_MS_INACTIVE;
	}
}


/* The participant's row in the roster: joined, on hold, media changed. */
void events_part_update(struct participant *p)
{
	struct conference *conf = p->conf;
	const struct confdef_member *m;
	enum sdp_dir dir;
	struct cinfo *ci;

	focus_roster_changed(conf);
	if (!conf || !conf->evc || !p->estab)
		return;

	ci = eventpkg_conf_info(conf->evc);
	m = confdef_member_find(conf->def, p->uri);
	dir = stream_audio_dir(p->audio);

	/* RFC 4575 display-text marks who only claimed their name */
	(void)cinfo_user_set(ci, p->uri,
			     p->authenticated ? NULL : "unauthenticated",
			     p->authenticated && m &&
			     m->role == CONFDEF_CHAIR ? "chair"
			     : "participant");
	(void)cinfo_ep_set(ci, p->uri, p->ep_id,
			   dir == SDP_INACTIVE || dir == SDP_RECVONLY ?
			   CINFO_EP_ON_HOLD : CINFO_EP_CONNECTED,
			   p->dialout ? CINFO_JOIN_DIALED_OUT
			   : CINFO_JOIN_DIALED_IN, dialout_by(p->dialout));
	(void)cinfo_media_set(ci, p->uri, p->ep_id, "1", "audio",
			      FOCUS_LABEL_AUDIO, NULL, mstatus(dir));
	if (stream_video_slides(p->video))
		(void)cinfo_media_set(ci, p->uri, p->ep_id, "2", "video",
				      FOCUS_LABEL_SLIDES, NULL,
				      mstatus(stream_video_dir(p->video)));
	else
		(void)cinfo_media_remove(ci, p->uri, p->ep_id, "2");

	cinfo_set_active(ci, true);
	eventpkg_conf_publish(conf->evc);
}


/* A dial-out before its answer (dialout.c): dialing-out, alerting. */
void events_part_progress(struct participant *p, int epstatus)
{
	struct conference *conf = p->conf;
	const struct confdef_member *m;
	struct cinfo *ci;

	focus_roster_changed(conf);
	if (!conf || !conf->evc)
		return;

	ci = eventpkg_conf_info(conf->evc);
	m = confdef_member_find(conf->def, p->uri);
	(void)cinfo_user_set(ci, p->uri, NULL,
			     m && m->role == CONFDEF_CHAIR ? "chair"
			     : "participant");
	(void)cinfo_ep_set(ci, p->uri, p->ep_id, (enum cinfo_epstatus)epstatus,
			   CINFO_JOIN_DIALED_OUT, dialout_by(p->dialout));
	eventpkg_conf_publish(conf->evc);
}


/* A dial-out's row stays a moment as disconnected, with the reason
 * (RFC 4575 5.7.x disconnection-info), before the user goes: in the
 * same document as the deletion nobody would see why. */
enum { DIALOUT_LINGER_MS = 2000 };

struct roster_linger {
	struct tmr tmr;
	struct conference *conf;
	char *uri;
};


static void linger_destructor(void *arg)
{
	struct roster_linger *lg = arg;

	tmr_cancel(&lg->tmr);
	mem_deref(lg->uri);
	mem_deref(lg->conf);
}


static void linger_tmr(void *arg)
{
	struct roster_linger *lg = arg;
	struct conference *conf = lg->conf;

	/* not if they are back (dialled again) meanwhile */
	if (conf->evc && !participant_find(conf, lg->uri)) {
		(void)cinfo_user_remove(eventpkg_conf_info(conf->evc),
					lg->uri);
		eventpkg_conf_publish(conf->evc);
	}

	mem_deref(lg);
}


static bool linger_start(struct participant *p)
{
	struct roster_linger *lg;

	lg = mem_zalloc(sizeof(*lg), linger_destructor);
	if (!lg)
		return false;

	if (str_dup(&lg->uri, p->uri)) {
		mem_deref(lg);
		return false;
	}

	lg->conf = mem_ref(p->conf);
	tmr_start(&lg->tmr, DIALOUT_LINGER_MS, linger_tmr, lg);
	return true;
}


void events_part_left(struct participant *p, bool booted)
{
	struct conference *conf = p->conf;
	enum cinfo_disc dm = booted ? CINFO_DISC_BOOTED : CINFO_DISC_DEPARTED;
	const char *info = NULL;
	struct cinfo *ci;
	int d;

	/* a dial-out is on the roster from its first INVITE */
	if (!conf || !conf->evc || (!p->estab && !p->dialout))
		return;

	d = dialout_disc(p->dialout, &info);
	if (d != CINFO_DISC_NONE) {
		dm = (enum cinfo_disc)d;
	}
	else if (!booted && p->disc_reason) {
		/* we ended it, e.g. no DTLS handshake (media/dtls.c) */
		dm = CINFO_DISC_FAILED;
		info = p->disc_reason;
	}

	ci = eventpkg_conf_info(conf->evc);
	(void)cinfo_ep_disconnect(ci, p->uri, p->ep_id, dm, info);
	if (!p->dialout || conf->focus->closing || !linger_start(p))
		(void)cinfo_user_remove(ci, p->uri);
	/* conf->parts still holds p: it is the last one when alone */
	cinfo_set_active(ci, list_count(&conf->parts) > 1);
	eventpkg_conf_publish(conf->evc);
}

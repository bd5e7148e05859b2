/**
 * @file dialout.c  The focus INVITEs a participant (TS 33.328 G.1 way 3,
 * RFC 4579 5.2): dial-out, its call progress, and the G.2 check of who
 * answered.
 *
 * A dialled participant is an ordinary struct participant (it joins the
 * conference at once, so that nobody dials it twice) with a struct
 * dialout that remembers who asked, where the call went and why it
 * ended.  The offer is the focus's own (offer_answer.c, each stream's
 * make_offer: fresh keys per stream); the answer comes in the 2xx.
 *
 * Redirection: libre's sipsess follows every 3xx to its first Contact,
 * up to 16 times and to any scheme, with no hook.  The only place to
 * see a 3xx before it does is the SIP stack's trace handler, so the
 * focus installs one (it is a single slot per struct sip: confd/main.c
 * takes it over at shutdown, when no dial-out matters any more).  It
 * counts the hops of each unanswered dial-out and ends the call on the
 * fourth 3xx or on a Contact that is not sip:/sips:, before libre sends
 * the next INVITE.  The Contact it followed is the identity the answer
 * is then checked against.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "eventpkg/eventpkg.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"


#define DEBUG_MODULE "dialout"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { DIALOUT_MAX_HOPS = 3 };    /* 3xx redirections followed */


struct dialout {
	struct le le;                  /* in dialouts while unanswered */
	struct participant *p;
	char *target;                  /* as dialled */
	char *current;                 /* where the last 3xx sent us */
	char *by;                      /* who asked */
	char callid[128];
	struct tmr tmr;                /* ringing: dialout_timeout */
	dialout_progress_h *progh;     /* a REFER's NOTIFYs */
	void *arg;
	unsigned hops;
	struct mikeyout *mikey;        /* keyed by MIKEY-TICKET, or NULL */
	enum cinfo_disc disc;          /* why it ended, for the roster */
	char info[128];
	bool answered;
};


/* The dial-outs that may still see a 3xx: the trace handler has no
 * argument of its own (sip_set_trace_handler), hence file scope. */
static struct list dialouts;


static void final(struct dialout *d, uint16_t scode, const char *reason)
{
	dialout_progress_h *h = d->progh;

	d->progh = NULL;
	if (h)
		h(scode, reason, d->arg);
}


static void destructor(void *arg)
{
	struct dialout *d = arg;

	list_unlink(&d->le);
	tmr_cancel(&d->tmr);
	final(d, 487, "Request Terminated");
	mem_deref(d->mikey);
	mem_deref(d->target);
	mem_deref(d->current);
	mem_deref(d->by);
}


const struct mikey_init *dialout_mikey(const struct dialout *d)
{
	return d ? mikeyout_keys(d->mikey) : NULL;
}


bool dialout_uses_mikey(const struct participant *p)
{
	return p && p->dialout && p->dialout->mikey;
}


static void set_disc(struct dialout *d, enum cinfo_disc dm,
		     const char *fmt, ...)
{
	va_list ap;

	if (d->disc != CINFO_DISC_NONE)
		return;             /* the first reason is the reason */

	d->disc = dm;
	va_start(ap, fmt);
	(void)re_vsnprintf(d->info, sizeof(d->info), fmt, ap);
	va_end(ap);
}


int dialout_disc(const struct dialout *d, const char **info)
{
	if (!d || d->disc == CINFO_DISC_NONE)
		return CINFO_DISC_NONE;

	*info = d->info[0] ? d->info : NULL;
	return d->disc;
}


const char *dialout_by(const struct dialout *d)
{
	return d && d->by && d->by[0] ? d->by : NULL;
}


/* The user part of a sip:/sips: URI ("" when it has none) */
static struct pl user_of(const char *uri)
{
	const char *c = strchr(uri, ':');
	const char *at = c ? strchr(c, '@') : NULL;
	struct pl pl = PL_INIT;

	if (at) {
		pl.p = c + 1;
		pl.l = (size_t)(at - c - 1);
	}
	return pl;
}


struct participant *participant_find(struct conference *conf,
				     const char *uri)
{
	const struct pl user = user_of(uri);
	struct le *le;

	for (le = conf->parts.head; le; le = le->next) {
		struct participant *p = le->data;
		struct pl pu;

		if (!p->uri)
			continue;

		/* user parts are case-sensitive (RFC 3261 19.1.4): a cheap
		 * first look before the full comparison, which parses both
		 * URIs (every dial-out walks the whole conference) */
		pu = user_of(p->uri);
		if (pl_cmp(&pu, &user))
			continue;

		if (confdef_uri_match(p->uri, uri))
			return p;
	}

	return NULL;
}


void dialout_forget(struct participant *p, void *arg)
{
	if (p && p->dialout && p->dialout->arg == arg)
		p->dialout->progh = NULL;
}


/* End the call now (CANCEL before the answer, BYE after). */
static void end(struct dialout *d)
{
	DEBUG_NOTICE("%s: dial-out ended: %s\n", d->target, d->info);
	participant_hangup(d->p, 0, NULL);
}


static void timeout_tmr(void *arg)
{
	struct dialout *d = arg;

	set_disc(d, CINFO_DISC_FAILED, "no answer within %u s",
		 d->p->conf->focus->dialout_timeout_ms / 1000);
	final(d, 408, "Request Timeout");
	end(d);
}


/* The canonical form the list uses: scheme:user@host[:port] */
static int uri_canon(char *buf, size_t sz, const struct uri *u)
{
	int n;

	if (pl_isset(&u->user))
		n = u->port ? re_snprintf(buf, sz, "%r:%r@%r:%u", &u->scheme,
					  &u->user, &u->host, u->port)
			: re_snprintf(buf, sz, "%r:%r@%r", &u->scheme,
				      &u->user, &u->host);
	else
		n = u->port ? re_snprintf(buf, sz, "%r:%r:%u", &u->scheme,
					  &u->host, u->port)
			: re_snprintf(buf, sz, "%r:%r", &u->scheme, &u->host);

	return n < 0 ? ENOMEM : 0;
}


static bool sip_scheme(const struct pl *scheme)
{
	return !pl_strcasecmp(scheme, "sip") || !pl_strcasecmp(scheme, "sips");
}


/* A 3xx to one of our unanswered INVITEs, seen before libre follows it
 * (file comment). */
static void redirect(struct dialout *d, const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr addr;
	char uri[256];

	if (++d->hops > DIALOUT_MAX_HOPS) {
		set_disc(d, CINFO_DISC_FAILED, "more than %u redirections",
			 DIALOUT_MAX_HOPS);
		goto refuse;
	}

	if (!h || sip_addr_decode(&addr, &h->val)) {
		set_disc(d, CINFO_DISC_FAILED, "%u without a usable Contact",
			 msg->scode);
		goto refuse;
	}

	if (!sip_scheme(&addr.uri.scheme) ||
	    uri_canon(uri, sizeof(uri), &addr.uri)) {
		set_disc(d, CINFO_DISC_FAILED, "redirected to a non-SIP URI "
			 "(%r)", &addr.uri.scheme);
		goto refuse;
	}

	DEBUG_INFO("%s: %u redirects to %s (hop %u)\n", d->target,
		   msg->scode, uri, d->hops);
	d->current = mem_deref(d->current);
	(void)str_dup(&d->current, uri);
	return;

 refuse:
	final(d, msg->scode, "Redirection Refused");
	/* freeing the session now cancels the request: libre then takes
	 * the 3xx as the end of a cancelled INVITE and sends nothing */
	end(d);
}


static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt,
			  size_t len, void *arg)
{
	struct sip_msg *msg = NULL;
	struct mbuf mb;
	struct le *le;
	(void)tp; (void)src; (void)dst; (void)arg;

	if (tx || list_isempty(&dialouts) || len < 12 ||
	    memcmp(pkt, "SIP/2.0 3", 9))
		return;

	mbuf_init(&mb);
	mb.buf = (uint8_t *)pkt;
	mb.size = mb.end = len;
	if (sip_msg_decode(&msg, &mb))
		return;

	if (msg->scode < 300 || msg->scode > 399 ||
	    pl_strcmp(&msg->cseq.met, "INVITE"))
		goto out;

	for (le = dialouts.head; le; le = le->next) {
		struct dialout *d = le->data;

		if (!pl_strcmp(&msg->callid, d->callid)) {
			redirect(d, msg);
			break;
		}
	}

 out:
	mem_deref(msg);
}


/* Privacy: id (RFC 3323, RFC 3325 9.3) or the anonymous URI hides who
 * answered. */
static bool hidden(const struct sip_msg *msg, const struct sip_addr *pai)
{
	const struct sip_hdr *pr = sip_msg_hdr(msg, SIP_HDR_PRIVACY);

	if (pr && re_regex(pr->val.p, pr->val.l, "id") == 0)
		return true;

	return !pl_strcasecmp(&pai->uri.host, "anonymous.invalid") ||
		!pl_strcasecmp(&pai->uri.user, "anonymous");
}


/* TS 33.328 G.2: who answered must be who was dialled, or someone the
 * list allows.  The identity is the P-Asserted-Identity of a trusted
 * peer; from anyone else it is where the focus itself sent the INVITE
 * (the dialled URI, or the Contact of the last 3xx). */
static int answer_identity(struct dialout *d, const struct sip_msg *msg)
{
	struct participant *p = d->p;
	const struct confdef *def = p->conf->def;
	char uri[256];

	if (identity_peer_trusted(p->conf->focus, &msg->src)) {
		const struct sip_hdr *h;
		struct sip_addr pai;

		h = sip_msg_hdr(msg, SIP_HDR_P_ASSERTED_IDENTITY);
		if (!h) {
			set_disc(d, CINFO_DISC_FAILED, "answered without "
				 "P-Asserted-Identity (identity hidden)");
			return EPERM;
		}
		if (sip_addr_decode(&pai, &h->val) ||
		    uri_canon(uri, sizeof(uri), &pai.uri)) {
			set_disc(d, CINFO_DISC_FAILED, "malformed "
				 "P-Asserted-Identity in the answer");
			return EPERM;
		}
		if (hidden(msg, &pai)) {
			set_disc(d, CINFO_DISC_FAILED, "answering identity "
				 "hidden (Privacy: id)");
			return EPERM;
		}
	}
	else {
		str_ncpy(uri, d->current ? d->current : d->target,
			 sizeof(uri));
	}

	if (confdef_uri_match(uri, d->target))
		return 0;

	if (confdef_member_find(def, uri)) {
		/* retargeted to someone the list allows: they are who is
		 * in the conference now */
		char *u = NULL;

		DEBUG_INFO("%s: answered by %s (on the list)\n", d->target,
			   uri);
		if (!participant_find(p->conf, uri) && !str_dup(&u, uri)) {
			mem_deref(p->uri);
			p->uri = u;
			return 0;
		}
	}

	set_disc(d, CINFO_DISC_FAILED, "answered by %s, not %s", uri,
		 d->target);
	return EPERM;
}


static bool is_sdp(const struct sip_msg *msg)
{
	return msg_ctype_cmp(&msg->ctyp, "application", "sdp");
}


static void progress_handler(const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	struct dialout *d = p->dialout;

	if (msg->scode != 180 && msg->scode != 183)
		return;

	/* early media (183 with SDP) is not taken: nothing of this
	 * participant is mixed before the answer */
	DEBUG_INFO("%s: %u %r\n", d->target, msg->scode, &msg->reason);
	events_part_progress(p, CINFO_EP_ALERTING);

	if (d->progh) {
		char reason[64];

		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
		d->progh(msg->scode, reason, d->arg);
	}
}


/* The 2xx: who answered first (no media for the wrong party), then the
 * SDP answer.  An error here makes libre ACK, send BYE and call
 * close_handler. */
static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	struct dialout *d = p->dialout;
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	int err;

	list_unlink(&d->le);

	err = answer_identity(d, msg);
	if (err) {
		DEBUG_NOTICE("%s: answer refused (G.2): %s\n", d->target,
			     d->info);
		final(d, 403, "Answering Identity Not Accepted");
		return err;
	}

	if (!is_sdp(msg)) {
		set_disc(d, CINFO_DISC_FAILED, "answer without SDP");
		final(d, 488, "Not Acceptable Here");
		return EPROTO;
	}

	if (d->mikey) {
		char why[128];

		err = mikeyout_answer(d->mikey, p, msg->mb, why, sizeof(why));
		if (err) {
			DEBUG_NOTICE("%s: answer refused: %s\n", d->target,
				     why);
			set_disc(d, CINFO_DISC_FAILED, "%s", why);
			final(d, 488, "MIKEY Answer Not Accepted");
			return err;
		}
	}

	err = oa_answer_received(p, msg->mb, &ne);
	if (err) {
		set_disc(d, CINFO_DISC_FAILED, "unacceptable answer: %s",
			 ne.warn_text);
		final(d, 488, "Not Acceptable Here");
		return err;
	}

	return 0;
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	struct dialout *d = p->dialout;
	(void)msg;

	tmr_cancel(&d->tmr);
	d->answered = true;
	p->estab = true;
	DEBUG_INFO("%s: dialled into %s by %s\n", p->uri, p->conf->def->uri,
		   d->by ? d->by : "the focus");
	events_part_update(p);
	final(d, 200, "OK");
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	struct dialout *d = p->dialout;

	if (d->answered) {
		set_disc(d, CINFO_DISC_DEPARTED, "hung up");
	}
	else if (msg && msg->scode >= 300) {
		char reason[64];

		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
		if (msg->scode == 486 || msg->scode == 600)
			set_disc(d, CINFO_DISC_BUSY, "%u %s", msg->scode,
				 reason);
		else
			set_disc(d, CINFO_DISC_FAILED, "%u %s", msg->scode,
				 reason);
		final(d, msg->scode, reason);
	}
	else if (err) {
		set_disc(d, CINFO_DISC_FAILED, "%m", err);
		final(d, 503, "Service Unavailable");
	}

	DEBUG_INFO("%s: dial-out closed: %s\n", d->target, d->info);
	mem_deref(p);
}


/* libre prints a URI cuser as "Contact: <%s>"; RFC 4579 wants
 * ;isfocus as a header parameter: the same trick as participant.c's
 * contact_print (docs/libre.md). */
static int contact_cuser(char *buf, size_t sz, const struct focus *f,
			 const struct confdef *def)
{
	enum sip_transp tp = SIP_TRANSP_UDP;
	const char *user = strchr(def->uri, ':');
	const char *at = strchr(def->uri, '@');
	struct sa laddr;

	if (f->dialout_route && strstr(f->dialout_route, "transport=tcp"))
		tp = SIP_TRANSP_TCP;
	else if (f->dialout_route && strstr(f->dialout_route,
					    "transport=tls"))
		tp = SIP_TRANSP_TLS;

	if (!user || !at || at < user || sip_transp_laddr(f->sip, &laddr, tp,
							   NULL))
		return EINVAL;

	return re_snprintf(buf, sz, "sip:%b@%J%s>;isfocus\r\n"
			   "X-Conference: <%s", user + 1,
			   (size_t)(at - user - 1), &laddr,
			   sip_transp_param(tp), def->uri) < 0 ? ENOMEM : 0;
}


/* The INVITE itself, with our offer (keyed already when MIKEY). */
static int invite(struct dialout *d, char *errbuf, size_t errsz)
{
	struct participant *p = d->p;
	struct focus *f = p->conf->focus;
	const struct confdef *def = p->conf->def;
	struct mbuf *desc = NULL;
	const char *routev[1];
	char cuser[512];
	int err;

	if (d->mikey) {
		err = mikeyout_offer(d->mikey, p);
		if (err) {
			re_snprintf(errbuf, errsz, "TRANSFER_INIT: %m", err);
			return err;
		}
	}

	err = oa_encode(p, &desc, true);
	if (err) {
		re_snprintf(errbuf, errsz, "SDP offer: %m", err);
		return err;
	}

	err = contact_cuser(cuser, sizeof(cuser), f, def);
	if (err) {
		re_snprintf(errbuf, errsz, "no local SIP address");
		goto out;
	}

	routev[0] = f->dialout_route;
	err = sipsess_connect(&p->sess, f->sock, d->target, NULL, def->uri,
			      cuser, routev, f->dialout_route ? 1 : 0,
			      "application/sdp", desc, NULL, NULL, false,
			      participant_offer, answer_handler,
			      progress_handler, estab_handler, NULL,
			      refer_in_dialog, close_handler, p,
			      "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			      "REFER\r\n"
			      "%s%s%s",
			      d->by ? "Referred-By: <" : "",
			      d->by ? d->by : "", d->by ? ">\r\n" : "");
	if (err) {
		re_snprintf(errbuf, errsz, "INVITE to %s failed: %m",
			    d->target, err);
		goto out;
	}

	str_ncpy(d->callid, sip_dialog_callid(sipsess_dialog(p->sess)),
		 sizeof(d->callid));
	list_append(&dialouts, &d->le, d);
	sip_set_trace_handler(f->sip, trace_handler);

 out:
	mem_deref(desc);
	return err;
}


/* The KMS gave the ticket (or did not): INVITE now, or give up. */
static void ticket_handler(int err, const char *why, void *arg)
{
	struct dialout *d = arg;
	char errbuf[128];

	if (!err)
		err = invite(d, errbuf, sizeof(errbuf));
	else
		str_ncpy(errbuf, why, sizeof(errbuf));

	if (err) {
		DEBUG_NOTICE("%s: dial-out failed: %s\n", d->target, errbuf);
		set_disc(d, CINFO_DISC_FAILED, "%s", errbuf);
		final(d, 503, "Service Unavailable");
		/* not from inside the KMS client's handler */
		participant_drop(d->p);
	}
}


int dialout_start(struct conference *conf, const char *target,
		  const char *by, dialout_progress_h *progh, void *arg,
		  struct participant **pp, char *errbuf, size_t errsz)
{
	struct focus *f = conf->focus;
	const struct confdef *def = conf->def;
	struct participant *p = NULL;
	struct dialout *d;
	const char *uid;
	int err;

	if (!confdef_uri_valid(target)) {
		re_snprintf(errbuf, errsz, "not a sip:/sips: URI: %s", target);
		return EINVAL;
	}
	if (f->closing || conf->removed) {
		re_snprintf(errbuf, errsz, "conference %s is gone", def->uri);
		return ENOENT;
	}
	if (!def->open && !confdef_member_find(def, target)) {
		re_snprintf(errbuf, errsz, "%s is not on the list of %s",
			    target, def->uri);
		return EPERM;
	}
	if (participant_find(conf, target)) {
		re_snprintf(errbuf, errsz, "%s is already in %s or being "
			    "dialled", target, def->uri);
		return EALREADY;
	}

	p = participant_alloc();
	if (!p)
		return ENOMEM;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d) {
		mem_deref(p);
		return ENOMEM;
	}
	p->dialout = d;
	d->p = p;

	err  = str_dup(&p->uri, target);
	err |= str_dup(&d->target, target);
	if (by)
		err |= str_dup(&d->by, by);
	if (err)
		goto out;

	err = conference_join(conf, p);
	if (err)
		goto out;
	str_ncpy(p->ep_id, target, sizeof(p->ep_id));
	str_ncpy(p->ruri, def->uri, sizeof(p->ruri));

	/* with a KMS, the ticket first; the INVITE follows when it came */
	uid = mikeyout_uid(conf, target);
	if (uid) {
		err = mikeyout_alloc(&d->mikey, f, uid, ticket_handler, d);
		if (err) {
			re_snprintf(errbuf, errsz, "KMS request: %m", err);
			goto out;
		}
	}

	err = oa_setup(p);
	if (err) {
		re_snprintf(errbuf, errsz, "media set-up failed: %m", err);
		goto out;
	}

	if (!d->mikey) {
		err = invite(d, errbuf, errsz);
		if (err)
			goto out;
	}

	tmr_start(&d->tmr, f->dialout_timeout_ms, timeout_tmr, d);
	d->progh = progh;
	d->arg = arg;

	DEBUG_NOTICE("dialling %s into %s%s%s%s\n", target, def->uri,
		     by ? " for " : "", by ? by : "",
		     d->mikey ? " (MIKEY-TICKET)" : "");
	events_part_progress(p, CINFO_EP_DIALING_OUT);

	if (pp)
		*pp = p;

 out:
	if (err)
		mem_deref(p);
	return err;
}


void dialout_kick(struct participant *p, const char *reason)
{
	if (p->dialout) {
		set_disc(p->dialout, CINFO_DISC_BOOTED, "%s",
			 reason ? reason : "removed");
		if (!p->dialout->answered)
			final(p->dialout, 487, "Request Terminated");
	}
	else {
		/* a dial-in: booted now, the destructor's departure is
		 * then no news */
		events_part_left(p, true);
		p->estab = false;
	}

	DEBUG_NOTICE("%s removed from %s: %s\n", p->uri, p->conf->def->uri,
		     reason ? reason : "");
	participant_hangup(p, 0, NULL);
}


static struct conference *conf_by_uri(struct focus *f, const char *uri)
{
	struct le *le;

	for (le = f->confs.head; le; le = le->next) {
		struct conference *conf = le->data;

		if (!conf->removed && confdef_uri_match(conf->def->uri, uri))
			return conf;
	}

	return NULL;
}


int focus_dialout(struct focus *f, const char *conf_uri,
		  const char *target_uri, const char *by,
		  char *err, size_t errsz)
{
	struct conference *conf;
	char dummy[1];

	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';

	if (!f || !conf_uri || !target_uri) {
		re_snprintf(err, errsz, "missing argument");
		return EINVAL;
	}

	conf = conf_by_uri(f, conf_uri);
	if (!conf) {
		re_snprintf(err, errsz, "no conference %s", conf_uri);
		return ENOENT;
	}

	return dialout_start(conf, target_uri, by, NULL, NULL, NULL, err,
			     errsz);
}


int focus_kick(struct focus *f, const char *conf_uri,
	       const char *target_uri, const char *reason)
{
	struct conference *conf;
	struct participant *p;
	unsigned n = 0;

	if (!f || !conf_uri || !target_uri)
		return EINVAL;

	conf = conf_by_uri(f, conf_uri);
	if (!conf)
		return ENOENT;

	/* every device of that URI (dialout_kick may free conf when the
	 * last one goes: look it up again each time) */
	while ((conf = conf_by_uri(f, conf_uri)) &&
	       (p = participant_find(conf, target_uri)) && n < 64) {
		dialout_kick(p, reason);
		++n;
	}

	return n ? 0 : ESRCH;
}

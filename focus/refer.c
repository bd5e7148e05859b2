/**
 * @file refer.c  REFER to the conference (RFC 3515, RFC 4579 5.5 and
 * 5.11; TS 33.328 G.1 ways 2 and 3), and the focus REFERring someone to
 * the conference.
 *
 * Refer-To: <sip:bob@...> asks the focus to dial bob (dialout.c);
 * Refer-To: <sip:bob@...;method=BYE> asks it to remove bob.  Only a
 * chair of the conference or its creator may ask (403 otherwise).  The
 * REFER is answered 202 and its implicit subscription gets NOTIFYs with
 * message/sipfrag bodies: 100 Trying, then what the INVITE saw (180),
 * then its final status with Subscription-State: terminated.  With
 * Refer-Sub: false (RFC 4488) there is no subscription and no NOTIFY.
 *
 * The NOTIFYs go one at a time (the next after the previous was
 * answered), so that the subscriber sees them in order.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/digest.h"
#include "focus/auth_int.h"


#define DEBUG_MODULE "refer"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { REFER_EXPIRES = 60, FRAG_QUEUE_MAX = 8 };


/* One REFER's implicit subscription */
struct refersub {
	struct sip *sip;
	struct sip_dialog *dlg;
	struct sip_request *req;       /* the NOTIFY in flight */
	struct participant *p;         /* the dial-out it follows */
	char *frags[FRAG_QUEUE_MAX];   /* sipfrag status lines to send */
	size_t fragc;
	bool final_queued;
	bool done;                     /* the final one was sent */
};


static void refersub_destructor(void *arg)
{
	struct refersub *rs = arg;
	size_t i;

	if (rs->p)
		dialout_forget(rs->p, rs);
	mem_deref(rs->req);
	mem_deref(rs->dlg);
	for (i = 0; i < rs->fragc; i++)
		mem_deref(rs->frags[i]);
}


static int send_handler(enum sip_transp tp, const struct sa *src,
			const struct sa *dst, struct mbuf *mb, void *arg)
{
	(void)dst;
	(void)arg;

	return mbuf_printf(mb, "Contact: <sip:conf@%J%s>\r\n", src,
			   sip_transp_param(tp));
}


static void notify_next(struct refersub *rs);


static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct refersub *rs = arg;

	if (err || (msg && msg->scode >= 300)) {
		/* the subscriber is gone: nothing more to tell */
		DEBUG_INFO("refer NOTIFY failed: %m %u\n", err,
			   msg ? msg->scode : 0);
		rs->fragc = 0;
		if (rs->final_queued || !rs->p)
			rs->done = true;
	}

	if (rs->done && !rs->fragc) {
		mem_deref(rs);
		return;
	}

	notify_next(rs);
}


static void notify_next(struct refersub *rs)
{
	char *frag;
	bool last;
	size_t i;
	int err;

	if (rs->req || !rs->fragc)
		return;

	frag = rs->frags[0];
	for (i = 1; i < rs->fragc; i++)
		rs->frags[i - 1] = rs->frags[i];
	--rs->fragc;
	last = rs->final_queued && rs->fragc == 0;

	err = sip_drequestf(&rs->req, rs->sip, true, "NOTIFY", rs->dlg, 0,
			    NULL, send_handler, resp_handler, rs,
			    "Event: refer\r\n"
			    "Subscription-State: %s\r\n"
			    "Content-Type: message/sipfrag;version=2.0\r\n"
			    "Content-Length: %zu\r\n"
			    "\r\n"
			    "%s",
			    last ? "terminated;reason=noresource"
			    : "active;expires=60",
			    strlen(frag), frag);
	mem_deref(frag);
	if (last)
		rs->done = true;
	if (err) {
		DEBUG_WARNING("refer NOTIFY: %m\n", err);
		if (rs->done)
			mem_deref(rs);
	}
}


static void queue(struct refersub *rs, uint16_t scode, const char *reason,
		  bool fin)
{
	char *frag = NULL;

	if (rs->final_queued)
		return;

	if (rs->fragc >= FRAG_QUEUE_MAX) {
		if (!fin)
			return;     /* provisional ones may be dropped */
		--rs->fragc;
		rs->frags[rs->fragc] = mem_deref(rs->frags[rs->fragc]);
	}

	if (re_sdprintf(&frag, "SIP/2.0 %u %s\r\n", scode, reason))
		return;

	rs->frags[rs->fragc++] = frag;
	if (fin) {
		rs->final_queued = true;
		rs->p = NULL;
	}

	notify_next(rs);
}


/* dialout.c tells how the INVITE is going */
static void progress_handler(uint16_t scode, const char *reason, void *arg)
{
	struct refersub *rs = arg;

	queue(rs, scode, reason && reason[0] ? reason : "Unknown",
	      scode >= 200);
}


static void reply(struct focus *f, const struct sip_msg *msg, uint16_t scode,
		  const char *reason)
{
	DEBUG_NOTICE("REFER from %r to %r: %u %s\n", &msg->from.auri,
		     &msg->uri.user, scode, reason);
	(void)sip_treplyf(NULL, NULL, f->sip, msg, false, scode, reason,
			  "Content-Length: 0\r\n\r\n");
}


/* RFC 4579 5.5/5.11: who may add or remove others. */
static bool may_refer(const struct conference *conf, const struct identity *id)
{
	const struct confdef *def = conf->def;
	const struct confdef_member *m;

	/* TS 33.328 G.2 and issue 18: the right to add or remove others
	 * rests on an authenticated identity, never on From alone */
	if (id->anonymous || !id->authenticated)
		return false;

	if (def->creator && def->creator[0] &&
	    confdef_uri_match(def->creator, id->uri))
		return true;

	m = confdef_member_find(def, id->uri);
	return m && m->role == CONFDEF_CHAIR;
}


static bool refer_sub_false(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_REFER_SUB);

	return h && !pl_strcasecmp(&h->val, "false");
}


/* "<a>, <b>" in one header is two Refer-To values too: a comma
 * outside the angle brackets (RFC 3261 7.3.1). */
static bool two_values(const struct pl *v)
{
	bool in = false;
	size_t i;

	for (i = 0; i < v->l; i++) {
		if (v->p[i] == '<')
			in = true;
		else if (v->p[i] == '>')
			in = false;
		else if (v->p[i] == ',' && !in)
			return true;
	}

	return false;
}


/* One Refer-To with a sip:/sips: URI (RFC 3515 2.1), its target in the
 * list's canonical form, and its method (RFC 3261 19.1.1). */
static int parse_refer_to(const struct sip_msg *msg, char *target,
			  size_t sz, struct pl *method,
			  const char **why)
{
	static const struct pl pname = PL("method");
	const struct sip_hdr *h;
	struct sip_addr addr;
	const struct uri *u;
	int n;

	if (sip_msg_hdr_count(msg, SIP_HDR_REFER_TO) != 1) {
		*why = "Exactly One Refer-To Needed";
		return EBADMSG;
	}

	h = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	if (sip_addr_decode(&addr, &h->val) || two_values(&h->val)) {
		*why = "Malformed Refer-To";
		return EBADMSG;
	}

	u = &addr.uri;
	if (pl_strcasecmp(&u->scheme, "sip") &&
	    pl_strcasecmp(&u->scheme, "sips")) {
		*why = "Refer-To Is Not A SIP URI";
		return EBADMSG;
	}

	if (pl_isset(&u->user))
		n = u->port ? re_snprintf(target, sz, "%r:%r@%r:%u",
					  &u->scheme, &u->user, &u->host,
					  u->port)
			: re_snprintf(target, sz, "%r:%r@%r", &u->scheme,
				      &u->user, &u->host);
	else
		n = re_snprintf(target, sz, "%r:%r", &u->scheme, &u->host);
	if (n < 0 || !confdef_uri_valid(target)) {
		*why = "Malformed Refer-To";
		return EBADMSG;
	}

	if (uri_param_get(&u->params, &pname, method))
		pl_set_str(method, "INVITE");

	return 0;
}


/* The REFER is good: 202, and the subscription unless refused. */
static int accept_refer(struct focus *f, const struct sip_msg *msg,
			struct sip_dialog *dlg, struct refersub **rsp)
{
	struct refersub *rs = NULL;
	bool nosub = refer_sub_false(msg);
	int err;

	if (!nosub) {
		rs = mem_zalloc(sizeof(*rs), refersub_destructor);
		if (!rs)
			return ENOMEM;
		rs->sip = f->sip;
		if (dlg)
			rs->dlg = mem_ref(dlg);
		else {
			err = sip_dialog_accept(&rs->dlg, msg);
			if (err) {
				mem_deref(rs);
				return err;
			}
		}
	}

	/* the To tag libre adds is the one sip_dialog_accept() took */
	err = sip_treplyf(NULL, NULL, f->sip, msg, true, 202, "Accepted",
			  "Contact: <sip:conf@%J%s>\r\n"
			  "%s"
			  "Content-Length: 0\r\n\r\n",
			  &msg->dst, sip_transp_param(msg->tp),
			  nosub ? "Refer-Sub: false\r\n" : "");
	if (err) {
		mem_deref(rs);
		return err;
	}

	*rsp = rs;
	return 0;
}


static void handle(struct focus *f, struct conference *conf,
		   const struct sip_msg *msg, struct sip_dialog *dlg,
		   const struct participant *by)
{
	struct auth_reply rep;
	struct refersub *rs = NULL;
	struct participant *p;
	struct identity id;
	struct pl method;
	char target[256], err_text[160];
	const char *why = NULL;
	int err;

	if (f->closing) {
		reply(f, msg, 503, "Shutting Down");
		return;
	}

	if (parse_refer_to(msg, target, sizeof(target), &method, &why)) {
		reply(f, msg, 400, why);
		return;
	}

	if (pl_strcasecmp(&method, "INVITE") &&
	    pl_strcasecmp(&method, "BYE")) {
		reply(f, msg, 501, "Refer-To Method Not Implemented");
		return;
	}

	if (by) {
		/* inside a participant's dialog: the identity that dialog
		 * was admitted with (digest, trusted PAI or MIKEY) */
		memset(&id, 0, sizeof(id));
		str_ncpy(id.uri, by->uri, sizeof(id.uri));
		id.anonymous = by->anonymous;
		id.authenticated = by->authenticated;
	}
	else {
		if (identity_get(&id, f, msg)) {
			reply(f, msg, 400, "Bad Identity");
			return;
		}
		/* From alone proves nothing: challenge as for an INVITE to
		 * a closed conference (focus/auth.c) */
		if (auth_check(f, conf, msg, &id, false, true, &rep)) {
			(void)sip_treplyf(NULL, NULL, f->sip, msg, false,
					  rep.scode, rep.reason,
					  "%sContent-Length: 0\r\n\r\n",
					  rep.hdrs);
			return;
		}
	}
	if (!may_refer(conf, &id)) {
		DEBUG_NOTICE("%s may not REFER in %s\n", id.uri,
			     conf->def->uri);
		reply(f, msg, 403, "Only A Chair Or The Creator May Refer");
		return;
	}

	if (!pl_strcasecmp(&method, "BYE")) {
		p = participant_find(conf, target);
		if (!p) {
			reply(f, msg, 404, "Not In The Conference");
			return;
		}
		if (accept_refer(f, msg, dlg, &rs)) {
			reply(f, msg, 500, "Server Internal Error");
			return;
		}
		DEBUG_NOTICE("%s removes %s from %s\n", id.uri, target,
			     conf->def->uri);
		(void)re_snprintf(err_text, sizeof(err_text),
				  "removed by %s", id.uri);
		dialout_kick(p, err_text);
		if (rs) {
			queue(rs, 100, "Trying", false);
			queue(rs, 200, "OK", true);
		}
		return;
	}

	/* validate before answering 202, so that a request we cannot
	 * carry out gets its precise error */
	if (!conf->def->open && !confdef_member_find(conf->def, target)) {
		reply(f, msg, 403, "Target Not On The Conference List");
		return;
	}
	if (participant_find(conf, target)) {
		reply(f, msg, 403, "Target Already In The Conference");
		return;
	}

	if (accept_refer(f, msg, dlg, &rs)) {
		reply(f, msg, 500, "Server Internal Error");
		return;
	}

	if (rs)
		queue(rs, 100, "Trying", false);

	err = dialout_start(conf, target, id.uri, rs ? progress_handler
			    : NULL, rs, &p, err_text, sizeof(err_text));
	if (err) {
		DEBUG_NOTICE("REFER by %s: %s\n", id.uri, err_text);
		if (rs)
			queue(rs, 500, "Server Internal Error", true);
		return;
	}

	if (rs)
		rs->p = p;
}


/* Out of dialog: the Request-URI names the conference. */
void refer_request(struct focus *f, const struct sip_msg *msg)
{
	struct conference *conf = conference_find(f, &msg->uri);

	if (!conf || conf->removed) {
		reply(f, msg, 404, "Conference Not Found");
		return;
	}

	handle(f, conf, msg, NULL, NULL);
}


/* In a participant's dialog (libre's sipsess refer handler). */
void refer_in_dialog(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	(void)sip;

	if (!p->conf) {
		(void)sip_treply(NULL, sip, msg, 481, "Call Does Not Exist");
		return;
	}

	handle(p->conf->focus, p->conf, msg, sipsess_dialog(p->sess), p);
}


/* The focus REFERs target to the conference (G.1 way 2): the target
 * then INVITEs the conference URI itself.  Refer-Sub: false, so that no
 * subscription is left to answer (RFC 4488). */
static void refer_out_resp(int err, const struct sip_msg *msg, void *arg)
{
	char *target = arg;

	if (err)
		DEBUG_NOTICE("REFER to %s: %m\n", target, err);
	else
		DEBUG_INFO("REFER to %s: %u %r\n", target, msg->scode,
			   &msg->reason);
	mem_deref(target);
}


static int refer_out_send(enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, struct mbuf *mb, void *arg)
{
	(void)dst;
	(void)arg;

	return mbuf_printf(mb, "Contact: <sip:conf@%J%s>;isfocus\r\n", src,
			   sip_transp_param(tp));
}


int focus_refer_to_conf(struct focus *f, const char *conf_uri,
			const char *target_uri, const char *by,
			char *err, size_t errsz)
{
	struct conference *conf = NULL;
	struct uri route;
	struct pl pl;
	char *arg = NULL;
	struct le *le;
	char dummy[1];
	int e;

	if (!err || !errsz) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';

	if (!f || !conf_uri || !target_uri) {
		re_snprintf(err, errsz, "missing argument");
		return EINVAL;
	}
	if (!confdef_uri_valid(target_uri)) {
		re_snprintf(err, errsz, "not a sip:/sips: URI: %s",
			    target_uri);
		return EINVAL;
	}

	for (le = f->confs.head; le; le = le->next) {
		struct conference *c = le->data;

		if (!c->removed && confdef_uri_match(c->def->uri, conf_uri))
			conf = c;
	}
	if (!conf) {
		re_snprintf(err, errsz, "no conference %s", conf_uri);
		return ENOENT;
	}
	if (!conf->def->open && !confdef_member_find(conf->def, target_uri)) {
		re_snprintf(err, errsz, "%s is not on the list of %s",
			    target_uri, conf->def->uri);
		return EPERM;
	}
	if (participant_find(conf, target_uri)) {
		re_snprintf(err, errsz, "%s is already in %s", target_uri,
			    conf->def->uri);
		return EALREADY;
	}

	if (str_dup(&arg, target_uri))
		return ENOMEM;

	if (f->dialout_route) {
		pl_set_str(&pl, f->dialout_route);
		e = uri_decode(&route, &pl);
	}
	else {
		pl_set_str(&pl, target_uri);
		e = uri_decode(&route, &pl);
	}
	if (!e)
		e = sip_requestf(NULL, f->sip, true, "REFER", target_uri,
				 &route, NULL, refer_out_send, refer_out_resp,
				 arg,
				 "From: <%s>;tag=%016llx\r\n"
				 "To: <%s>\r\n"
				 "Call-ID: %016llx@%s\r\n"
				 "CSeq: 1 REFER\r\n"
				 "Max-Forwards: 70\r\n"
				 "Refer-To: <%s>\r\n"
				 "%s%s%s"
				 "Refer-Sub: false\r\n"
				 "Content-Length: 0\r\n\r\n",
				 conf->def->uri, rand_u64(), target_uri,
				 rand_u64(), f->domain, conf->def->uri,
				 by ? "Referred-By: <" : "", by ? by : "",
				 by ? ">\r\n" : "");
	if (e) {
		re_snprintf(err, errsz, "REFER to %s failed: %m", target_uri,
			    e);
		mem_deref(arg);
		return e;
	}

	DEBUG_NOTICE("REFERring %s to %s%s%s\n", target_uri, conf->def->uri,
		     by ? " for " : "", by ? by : "");
	return 0;
}

/**
 * @file eventpkg.c  Conference event package notifier (RFC 6665 4.2,
 * RFC 4575 3)
 *
 * One struct eventpkg_sub per subscription dialog.  At most one NOTIFY
 * is in flight per subscription; while it is, changes only mark the
 * subscription, and when the NOTIFY is answered the next document is
 * built from the roster's change log since the last document sent.  So
 * a burst of changes costs one NOTIFY, loses nothing, and every version
 * is the previous plus one.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "eventpkg/smime_int.h"
#include "eventpkg/subreq_int.h"
#include "eventpkg/eventpkg.h"


#define XML_CTYPE "application/conference-info+xml"

enum {
	SUBS_HTSIZE    = 1024,
	PENDING_MAX_MS = 30000,
};

struct eventpkg {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct hash *subs;             /* established, by Call-ID */
	struct list pending;           /* waiting for authorization */
	struct list expl;              /* active subs by expiry deadline */
	struct tmr tmr_exp;            /* fires at the head's deadline */
	bool closing;
	struct eventpkg_cfg cfg;
	char *cuser;
	eventpkg_auth_h *authh;
	void *arg;
};

struct eventpkg_conf {
	struct eventpkg *ep;
	struct cinfo *ci;
	struct list subs;              /* struct eventpkg_sub */
	bool smime_required;
	bool ended;
};

enum sub_state {
	SUB_PENDING = 0,
	SUB_ACTIVE,
	SUB_TERMINATING,               /* final NOTIFY queued or in flight */
	SUB_CLOSED,
};

struct eventpkg_sub {
	struct le he;                  /* eventpkg.subs */
	struct le le;                  /* eventpkg.pending or conf.subs */
	struct eventpkg *ep;
	struct eventpkg_conf *conf;
	enum sub_state state;

	/* while pending */
	struct sip_msg *msg;
	struct sip_strans *st;
	struct eventpkg_subreq sr;
	struct tmr tmr_pending;

	/* once accepted */
	struct sip_dialog *dlg;
	struct sip_request *req;       /* the NOTIFY in flight */
	struct le le_exp;              /* eventpkg.expl */
	uint64_t deadline;             /* tmr_jiffies() of expiry */
	char *event_id;
	uint32_t version;              /* of the last document sent */
	uint64_t since;                /* roster seq it reflected */
	bool want_full;
	bool final_full;               /* final NOTIFY carries full state */
	bool final_sent;
	enum sipevent_reason reason;

	uint8_t kek[EVENTPKG_SMIME_KEK_LEN];
	uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN];
	bool has_kek;
};


static void sub_kick(struct eventpkg_sub *s);


/*
 * Expiry.  One libre timer for all subscriptions, not one each: libre
 * keeps its timers in one sorted list, so thousands of hour-long
 * subscription timers would make every transaction timer insertion
 * walk past them.  Our list is sorted by deadline; a new deadline is
 * almost always the latest, so insertion walks from the tail.
 */
static void exp_handler(void *arg);


static void exp_arm(struct eventpkg *ep)
{
	const struct eventpkg_sub *h = list_ledata(list_head(&ep->expl));
	uint64_t now = tmr_jiffies();

	if (!h || ep->closing) {
		tmr_cancel(&ep->tmr_exp);
		return;
	}

	tmr_start(&ep->tmr_exp, h->deadline > now ? h->deadline - now : 0,
		  exp_handler, ep);
}


static void exp_clear(struct eventpkg_sub *s)
{
	struct eventpkg *ep = s->ep;
	bool head;

	if (!ep || !s->le_exp.list)
		return;

	head = (ep->expl.head == &s->le_exp);
	list_unlink(&s->le_exp);
	if (head)
		exp_arm(ep);
}


static void exp_set(struct eventpkg_sub *s, uint32_t expires)
{
	struct eventpkg *ep = s->ep;
	struct le *le;

	exp_clear(s);
	s->deadline = tmr_jiffies() + expires * 1000ULL;

	for (le = list_tail(&ep->expl); le; le = le->prev) {
		const struct eventpkg_sub *o = le->data;
		if (o->deadline <= s->deadline)
			break;
	}

	if (le)
		list_insert_after(&ep->expl, le, &s->le_exp, s);
	else
		list_prepend(&ep->expl, &s->le_exp, s);

	if (ep->expl.head == &s->le_exp)
		exp_arm(ep);
}


static uint64_t exp_left(const struct eventpkg_sub *s)
{
	uint64_t now = tmr_jiffies();

	return s->deadline > now ? (s->deadline - now) / 1000 : 0;
}


static void sub_destructor(void *arg)
{
	struct eventpkg_sub *s = arg;

	hash_unlink(&s->he);
	list_unlink(&s->le);
	tmr_cancel(&s->tmr_pending);
	exp_clear(s);

	if (s->st && s->ep) {
		/* never answered: do not leave the subscriber hanging */
		(void)sip_treply(&s->st, s->ep->sip, s->msg, 500,
				 "Server Shutting Down");
	}
	mem_deref(s->st);
	mem_deref(s->msg);
	mem_deref(s->req);
	mem_deref(s->dlg);
	mem_deref(s->event_id);
	OPENSSL_cleanse(s->kek, sizeof(s->kek));
}


/* Drop our reference: no more NOTIFYs, out of every list. */
static void sub_close(struct eventpkg_sub *s)
{
	s->state = SUB_CLOSED;
	hash_unlink(&s->he);
	list_unlink(&s->le);
	exp_clear(s);
	s->conf = NULL;
	s->req = mem_deref(s->req);
	mem_deref(s);
}


static const char *reason_name(enum sipevent_reason r)
{
	return sipevent_reason_name(r);
}


static int send_handler(enum sip_transp tp, const struct sa *src,
			const struct sa *dst, struct mbuf *mb, void *arg)
{
	struct eventpkg_sub *s = arg;
	struct sip_contact contact;
	(void)dst;

	sip_contact_set(&contact, s->ep->cuser, src, tp);

	return mbuf_printf(mb, "%H", sip_contact_print, &contact);
}


static void resp_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct eventpkg_sub *s = arg;

	if (!err && msg && msg->scode < 200)
		return;

	/* RFC 6665 4.2.2: a failed NOTIFY (481, timeout, any error)
	 * removes the subscription; we do not retry with credentials */
	if (err || !msg || msg->scode >= 300 || s->final_sent) {
		sub_close(s);
		return;
	}

	sub_kick(s);
}


static int print_event(struct re_printf *pf, const struct eventpkg_sub *s)
{
	if (s->event_id)
		return re_hprintf(pf, "conference;id=%s", s->event_id);

	return re_hprintf(pf, "conference");
}


static int print_substate(struct re_printf *pf,
			  const struct eventpkg_sub *s)
{
	if (s->state == SUB_TERMINATING)
		return re_hprintf(pf, "terminated;reason=%s",
				  reason_name(s->reason));

	return re_hprintf(pf, "active;expires=%llu",
			  (unsigned long long)exp_left(s));
}


/* The body of the next NOTIFY, or ENODATA when nothing changed. */
static int sub_body(struct eventpkg_sub *s, bool full, struct mbuf **mbp)
{
	struct mbuf *xml = NULL;
	bool isfull = full;
	int err;

	if (!s->conf)
		return ENODATA;

	err = cinfo_encode(&xml, s->conf->ci, full ? 0 : s->since,
			   s->version + 1, &isfull);
	if (err)
		return err;

	if (s->has_kek) {
		err = eventpkg_smime_conference_info(mbp, s->kek, s->kekid,
						xml->buf, xml->end);
		mem_deref(xml);
	}
	else {
		*mbp = xml;
	}

	return err;
}


static int sub_notify(struct eventpkg_sub *s, struct mbuf *body)
{
	const char *ctype = s->has_kek ? EVENTPKG_SMIME_CTYPE : XML_CTYPE;

	return sip_drequestf(&s->req, s->ep->sip, true, "NOTIFY", s->dlg, 0,
			     NULL, send_handler, resp_handler, s,
			     "Event: %H\r\n"
			     "Subscription-State: %H\r\n"
			     "%s%s%s"
			     "Content-Length: %zu\r\n"
			     "\r\n"
			     "%b",
			     print_event, s,
			     print_substate, s,
			     body ? "Content-Type: " : "",
			     body ? ctype : "",
			     body ? "\r\n" : "",
			     body ? body->end : (size_t)0,
			     body ? body->buf : (const uint8_t *)"",
			     body ? body->end : (size_t)0);
}


/* Send what is due, unless a NOTIFY is in flight: its response handler
 * calls us again. */
static void sub_kick(struct eventpkg_sub *s)
{
	struct mbuf *body = NULL;
	bool full;
	int err;

	if (s->req)
		return;

	switch (s->state) {

	case SUB_ACTIVE:
		full = (s->version == 0 || s->want_full);
		err = sub_body(s, full, &body);
		if (err == ENODATA)
			return;
		if (err)
			break;

		s->want_full = false;
		s->version++;
		s->since = cinfo_seq(s->conf->ci);
		err = sub_notify(s, body);
		break;

	case SUB_TERMINATING:
		if (s->final_sent)
			return;
		if (s->final_full && !sub_body(s, true, &body)) {
			s->version++;
			s->since = cinfo_seq(s->conf->ci);
		}
		s->final_sent = true;
		err = sub_notify(s, body);
		break;

	default:
		return;
	}

	mem_deref(body);

	if (err)
		sub_close(s);
}


static void sub_terminate(struct eventpkg_sub *s, enum sipevent_reason r,
			  bool full)
{
	if (s->state != SUB_ACTIVE)
		return;

	s->state = SUB_TERMINATING;
	s->reason = r;
	s->final_full = full && s->conf;
	exp_clear(s);
	sub_kick(s);
}


static void exp_handler(void *arg)
{
	struct eventpkg *ep = arg;
	uint64_t now = tmr_jiffies();
	struct eventpkg_sub *s;

	while ((s = list_ledata(list_head(&ep->expl))) &&
	       s->deadline <= now) {
		list_unlink(&s->le_exp);
		sub_terminate(s, SIPEVENT_TIMEOUT, false);
	}

	exp_arm(ep);
}


static uint32_t expires_grant(const struct eventpkg *ep,
			      const struct eventpkg_subreq *sr)
{
	if (!sr->has_expires)
		return ep->cfg.expires_dfl;

	return min(sr->expires, ep->cfg.expires_max);
}


static int reply_423(struct eventpkg *ep, const struct sip_msg *msg)
{
	return sip_treplyf(NULL, NULL, ep->sip, msg, false, 423,
			   "Interval Too Brief",
			   "Min-Expires: %u\r\n"
			   "Content-Length: 0\r\n"
			   "\r\n", ep->cfg.expires_min);
}


static void pending_timeout(void *arg)
{
	struct eventpkg_sub *s = arg;

	(void)eventpkg_sub_reject(s, 480, "Authorization Timed Out");
}


static void new_subscription(struct eventpkg *ep, const struct sip_msg *msg)
{
	struct eventpkg_sub *s;
	const char *reason;
	uint16_t scode;
	struct eventpkg_subreq sr;
	int err;

	if (eventpkg_subreq_parse(&sr, msg, &scode, &reason)) {
		if (scode == 489)
			(void)sip_treplyf(NULL, NULL, ep->sip, msg, false,
					  scode, reason,
					  "Allow-Events: conference\r\n"
					  "Content-Length: 0\r\n\r\n");
		else
			(void)sip_treply(NULL, ep->sip, msg, scode, reason);
		return;
	}

	if (sr.has_expires && sr.expires && sr.expires < ep->cfg.expires_min) {
		(void)reply_423(ep, msg);
		return;
	}

	s = mem_zalloc(sizeof(*s), sub_destructor);
	if (!s) {
		(void)sip_treply(NULL, ep->sip, msg, 500, "No Memory");
		return;
	}

	s->ep  = ep;
	s->msg = mem_ref((void *)msg);
	s->sr  = sr;                   /* points into s->msg */
	err = sip_strans_alloc(&s->st, ep->sip, msg, NULL, NULL);
	if (err) {
		(void)sip_treply(NULL, ep->sip, msg, 500, "No Memory");
		s->ep = NULL;
		mem_deref(s);
		return;
	}

	list_append(&ep->pending, &s->le, s);
	tmr_start(&s->tmr_pending, PENDING_MAX_MS, pending_timeout, s);

	/* the handler may answer (and so free s) before returning */
	ep->authh(s, msg, ep->arg);
}


static bool sub_cmp(struct le *le, void *arg)
{
	const struct eventpkg_sub *s = le->data;

	return sip_dialog_cmp(s->dlg, arg);
}


static void refresh(struct eventpkg *ep, struct eventpkg_sub *s,
		    const struct sip_msg *msg)
{
	struct sip_contact contact;
	const char *reason;
	uint16_t scode;
	struct eventpkg_subreq sr;
	uint32_t expires;

	if (!sip_dialog_rseq_valid(s->dlg, msg)) {
		(void)sip_reply(ep->sip, msg, 500, "Bad CSeq");
		return;
	}

	if (s->state != SUB_ACTIVE) {
		(void)sip_reply(ep->sip, msg, 481,
				"Subscription Does Not Exist");
		return;
	}

	/* a refresh may carry a new MIKEY body; the keys stay as set */
	if (eventpkg_subreq_parse(&sr, msg, &scode, &reason) && scode != 415) {
		(void)sip_treply(NULL, ep->sip, msg, scode, reason);
		return;
	}

	if (sr.has_expires && sr.expires && sr.expires < ep->cfg.expires_min) {
		(void)reply_423(ep, msg);
		return;
	}

	(void)sip_dialog_update(s->dlg, msg);

	expires = expires_grant(ep, &sr);
	sip_contact_set(&contact, ep->cuser, &msg->dst, msg->tp);
	(void)sip_treplyf(NULL, NULL, ep->sip, msg, false, 200, "OK",
			  "%H"
			  "Expires: %u\r\n"
			  "Content-Length: 0\r\n"
			  "\r\n",
			  sip_contact_print, &contact, expires);

	if (expires == 0) {
		/* unsubscribe: a last NOTIFY with the state (RFC 6665
		 * 4.2.1.4) */
		sub_terminate(s, SIPEVENT_TIMEOUT, true);
		return;
	}

	exp_set(s, expires);

	/* a refresh asks for full state (RFC 4575 4.6) */
	s->want_full = true;
	sub_kick(s);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct eventpkg *ep = arg;
	struct eventpkg_sub *s;

	if (pl_strcmp(&msg->met, "SUBSCRIBE"))
		return false;

	if (!pl_isset(&msg->to.tag)) {
		if (!eventpkg_subreq_is_conference(msg))
			return false;
		new_subscription(ep, msg);
		return true;
	}

	s = list_ledata(hash_lookup(ep->subs, hash_joaat_pl(&msg->callid),
				    sub_cmp, (void *)msg));
	if (!s)
		return false;          /* someone else's dialog */

	refresh(ep, s, msg);

	return true;
}


static void ep_destructor(void *arg)
{
	struct eventpkg *ep = arg;
	struct le *le;

	mem_deref(ep->lsnr);
	ep->closing = true;
	tmr_cancel(&ep->tmr_exp);

	/* subscriptions may outlive us (the focus may hold a reference):
	 * cut them loose */
	while ((le = list_head(&ep->pending))) {
		struct eventpkg_sub *s = le->data;
		(void)eventpkg_sub_reject(s, 503, "Service Unavailable");
	}
	hash_flush(ep->subs);
	mem_deref(ep->subs);
	mem_deref(ep->cuser);
}


int eventpkg_alloc(struct eventpkg **epp, struct sip *sip,
		   const struct eventpkg_cfg *cfg,
		   eventpkg_auth_h *authh, void *arg)
{
	struct eventpkg *ep;
	int err;

	if (!epp || !sip || !authh)
		return EINVAL;

	ep = mem_zalloc(sizeof(*ep), ep_destructor);
	if (!ep)
		return ENOMEM;

	ep->sip = sip;
	ep->authh = authh;
	ep->arg = arg;
	ep->cfg.expires_min = cfg && cfg->expires_min ? cfg->expires_min : 60;
	ep->cfg.expires_dfl = cfg && cfg->expires_dfl ? cfg->expires_dfl
		: 3600;
	ep->cfg.expires_max = cfg && cfg->expires_max ? cfg->expires_max
		: 86400;
	if (ep->cfg.expires_dfl < ep->cfg.expires_min ||
	    ep->cfg.expires_max < ep->cfg.expires_dfl) {
		err = EINVAL;
		goto out;
	}

	err = str_dup(&ep->cuser, cfg && cfg->cuser ? cfg->cuser : "conf");
	if (err)
		goto out;

	err = hash_alloc(&ep->subs, SUBS_HTSIZE);
	if (err)
		goto out;

	err = sip_listen(&ep->lsnr, sip, true, request_handler, ep);

 out:
	if (err)
		mem_deref(ep);
	else
		*epp = ep;

	return err;
}


/* conferences */

static void conf_destructor(void *arg)
{
	struct eventpkg_conf *conf = arg;

	eventpkg_conf_end(conf);
	mem_deref(conf->ci);
}


int eventpkg_conf_alloc(struct eventpkg_conf **confp, struct eventpkg *ep,
			const char *conf_uri)
{
	struct eventpkg_conf *conf;
	int err;

	if (!confp || !ep || !conf_uri)
		return EINVAL;

	conf = mem_zalloc(sizeof(*conf), conf_destructor);
	if (!conf)
		return ENOMEM;

	conf->ep = ep;
	err = cinfo_alloc(&conf->ci, conf_uri);
	if (err) {
		mem_deref(conf);
		return err;
	}

	*confp = conf;

	return 0;
}


struct cinfo *eventpkg_conf_info(struct eventpkg_conf *conf)
{
	return conf ? conf->ci : NULL;
}


void eventpkg_conf_require_smime(struct eventpkg_conf *conf, bool req)
{
	if (conf)
		conf->smime_required = req;
}


uint32_t eventpkg_conf_sub_count(const struct eventpkg_conf *conf)
{
	return conf ? list_count(&conf->subs) : 0;
}


void eventpkg_conf_publish(struct eventpkg_conf *conf)
{
	struct le *le;

	if (!conf)
		return;

	le = list_head(&conf->subs);
	while (le) {
		struct eventpkg_sub *s = le->data;
		le = le->next;         /* s may close on a send error */
		sub_kick(s);
	}
}


void eventpkg_conf_end(struct eventpkg_conf *conf)
{
	struct le *le;

	if (!conf || conf->ended)
		return;

	conf->ended = true;

	while ((le = list_head(&conf->subs))) {
		struct eventpkg_sub *s = le->data;

		list_unlink(&s->le);
		sub_terminate(s, SIPEVENT_NORESOURCE, false);
		s->conf = NULL;
	}
}


/* subscriptions */

int eventpkg_sub_mikey(const struct eventpkg_sub *sub,
		       const uint8_t **p, size_t *n)
{
	if (!sub || !p || !n)
		return EINVAL;
	if (sub->state != SUB_PENDING || !sub->sr.mikey)
		return ENOENT;

	*p = sub->sr.mikey;
	*n = sub->sr.mikey_len;

	return 0;
}


int eventpkg_sub_set_psk(struct eventpkg_sub *sub, const uint8_t *kek,
			 size_t kek_len, uint32_t csb_id, uint8_t cs_id)
{
	if (!sub || !kek || kek_len != EVENTPKG_SMIME_KEK_LEN)
		return EINVAL;
	if (sub->state != SUB_PENDING)
		return EALREADY;

	memcpy(sub->kek, kek, EVENTPKG_SMIME_KEK_LEN);
	eventpkg_smime_kekid(sub->kekid, csb_id, cs_id);
	sub->has_kek = true;

	return 0;
}


int eventpkg_sub_reject(struct eventpkg_sub *sub, uint16_t scode,
			const char *reason)
{
	int err;

	if (!sub || scode < 300 || !reason)
		return EINVAL;
	if (sub->state != SUB_PENDING || !sub->ep)
		return EALREADY;

	err = sip_treply(&sub->st, sub->ep->sip, sub->msg, scode, reason);
	sub->st = NULL;
	sub->msg = mem_deref(sub->msg);
	tmr_cancel(&sub->tmr_pending);
	sub_close(sub);

	return err;
}


int eventpkg_sub_accept(struct eventpkg_sub *sub, struct eventpkg_conf *conf,
			const char *ctype, const uint8_t *body, size_t len)
{
	struct sip_contact contact;
	struct eventpkg *ep;
	uint32_t expires;
	int err;

	if (!sub || !conf || (len && (!body || !ctype)))
		return EINVAL;
	if (sub->state != SUB_PENDING || !sub->ep)
		return EALREADY;

	ep = sub->ep;

	if (conf->ended)
		return eventpkg_sub_reject(sub, 480, "Conference Ended");

	if (conf->smime_required && !sub->has_kek) {
		(void)eventpkg_sub_reject(sub, 403,
					  "PSK S/MIME Keying Required");
		return EACCES;
	}

	if ((sub->has_kek && !sub->sr.accept_smime) ||
	    (!sub->has_kek && !sub->sr.accept_xml))
		return eventpkg_sub_reject(sub, 406, "Not Acceptable");

	if (pl_isset(&sub->sr.event_id)) {
		err = pl_strdup(&sub->event_id, &sub->sr.event_id);
		if (err)
			goto fail;
	}

	err = sip_dialog_accept(&sub->dlg, sub->msg);
	if (err)
		goto fail;

	expires = expires_grant(ep, &sub->sr);
	sip_contact_set(&contact, ep->cuser, &sub->msg->dst, sub->msg->tp);

	err = sip_treplyf(&sub->st, NULL, ep->sip, sub->msg, true, 200, "OK",
			  "%H"
			  "Expires: %u\r\n"
			  "%s%s%s"
			  "Content-Length: %zu\r\n"
			  "\r\n"
			  "%b",
			  sip_contact_print, &contact, expires,
			  len ? "Content-Type: " : "", len ? ctype : "",
			  len ? "\r\n" : "",
			  len, len ? body : (const uint8_t *)"", len);
	sub->st = NULL;
	if (err)
		goto fail;

	tmr_cancel(&sub->tmr_pending);
	sub->msg = mem_deref(sub->msg);
	memset(&sub->sr, 0, sizeof(sub->sr));

	list_unlink(&sub->le);
	list_append(&conf->subs, &sub->le, sub);
	hash_append(ep->subs, hash_joaat_str(sip_dialog_callid(sub->dlg)),
		    &sub->he, sub);
	sub->conf = conf;
	sub->state = SUB_ACTIVE;

	if (expires == 0) {
		/* a fetch: one NOTIFY with the state, then done */
		sub_terminate(sub, SIPEVENT_TIMEOUT, true);
		return 0;
	}

	exp_set(sub, expires);
	sub_kick(sub);

	return 0;

 fail:
	if (sub->st || sub->msg) {
		(void)sip_treply(&sub->st, ep->sip, sub->msg, 500,
				 "Server Error");
		sub->st = NULL;
	}
	sub->msg = mem_deref(sub->msg);
	tmr_cancel(&sub->tmr_pending);
	sub_close(sub);

	return err;
}

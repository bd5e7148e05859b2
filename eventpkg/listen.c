/**
 * @file listen.c  The SUBSCRIBE listener of the conference event package
 * (RFC 6665 4.2.1, RFC 4575 3)
 *
 * Admits new subscriptions (well formed, within the limits of
 * eventpkg.h), keeps them pending while the focus authorizes them,
 * answers the SUBSCRIBE with the 2xx (which may carry TRANSFER_RESP:
 * why libre's sipevent_accept() is not used is in eventpkg.h) and
 * handles refreshes and unsubscribes in the dialog.  What is sent
 * afterwards is notify.c's business.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "eventpkg/smime_int.h"
#include "eventpkg/subreq_int.h"
#include "eventpkg/eventpkg.h"
#include "eventpkg/eventpkg_int.h"


enum {
	SUBS_HTSIZE    = 1024,
	SLOTS_HTSIZE   = 256,
	PENDING_MAX_MS = 30000,

	DFL_MAX_PER_IDENTITY = 4,
	DFL_MAX_PER_SOURCE   = 16,
	DFL_MAX_TOTAL        = 1000,
	DFL_RETRY_AFTER      = 60,
	DFL_NOTIFY_RATE      = 200,
	DFL_NOTIFY_BURST     = 50,
};


/*
 * Limits.  A slot counts the live subscriptions under one key; it
 * exists while that count is above zero, so the tables hold no more
 * entries than there are subscriptions.
 */

static void slot_destructor(void *arg)
{
	struct eventpkg_slot *sl = arg;

	hash_unlink(&sl->he);
	mem_deref(sl->key);
}


static bool slot_cmp(struct le *le, void *arg)
{
	const struct eventpkg_slot *sl = le->data;

	return 0 == strcmp(sl->key, arg);
}


static struct eventpkg_slot *slot_find(struct hash *ht, const char *key)
{
	return list_ledata(hash_lookup(ht, hash_joaat_str(key), slot_cmp,
				       (void *)key));
}


static int slot_take(struct eventpkg_slot **slp, struct hash *ht,
		     const char *key)
{
	struct eventpkg_slot *sl = slot_find(ht, key);
	int err;

	if (!sl) {
		sl = mem_zalloc(sizeof(*sl), slot_destructor);
		if (!sl)
			return ENOMEM;
		err = str_dup(&sl->key, key);
		if (err) {
			mem_deref(sl);
			return err;
		}
		hash_append(ht, hash_joaat_str(key), &sl->he, sl);
	}

	++sl->n;
	*slp = sl;

	return 0;
}


static void slot_put(struct eventpkg_slot **slp)
{
	struct eventpkg_slot *sl = *slp;

	*slp = NULL;
	if (sl && --sl->n == 0)
		mem_deref(sl);
}


static uint32_t slot_count(struct hash *ht, const char *key)
{
	const struct eventpkg_slot *sl = slot_find(ht, key);

	return sl ? sl->n : 0;
}


/* The claimed identity: the From URI without parameters, lower-cased.
 * Folding the user part's case makes the cap a little stricter than
 * SIP URI equality; this is a cap, not an authorization. */
static int ident_key(char *buf, size_t sz, const struct sip_msg *msg)
{
	const struct uri *u = &msg->from.uri;
	size_t i;
	int n;

	n = re_snprintf(buf, sz, "%r:%r@%r", &u->scheme, &u->user, &u->host);
	if (n < 0 || (size_t)n >= sz)
		return EOVERFLOW;

	for (i = 0; buf[i]; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');

	return 0;
}


/* The source address, without its port. */
static int src_key(char *buf, size_t sz, const struct sip_msg *msg)
{
	int n = re_snprintf(buf, sz, "%j", &msg->src);

	return (n < 0 || (size_t)n >= sz) ? EOVERFLOW : 0;
}


static int reply_503(struct eventpkg *ep, const struct sip_msg *msg,
		     const char *reason)
{
	++ep->stats.refused_limit;

	return sip_treplyf(NULL, NULL, ep->sip, msg, false, 503, reason,
			   "Retry-After: %u\r\n"
			   "Content-Length: 0\r\n"
			   "\r\n", ep->cfg.retry_after);
}


/* Count the new subscription under its identity and source, or answer
 * 503 when a cap is reached (the reason phrase names which). */
static int limits_take(struct eventpkg_sub *s, const struct sip_msg *msg)
{
	struct eventpkg *ep = s->ep;
	char ik[512], sk[64];
	int err;

	if (ident_key(ik, sizeof(ik), msg) || src_key(sk, sizeof(sk), msg)) {
		(void)sip_treply(NULL, ep->sip, msg, 400, "Bad From URI");
		return EINVAL;
	}

	if (ep->nsubs >= ep->cfg.max_total) {
		(void)reply_503(ep, msg, "Too Many Subscriptions");
		return EOVERFLOW;
	}

	if (slot_count(ep->by_src, sk) >= ep->cfg.max_per_source) {
		(void)reply_503(ep, msg,
				"Too Many Subscriptions From This Address");
		return EOVERFLOW;
	}

	if (slot_count(ep->by_ident, ik) >= ep->cfg.max_per_identity) {
		(void)reply_503(ep, msg,
				"Too Many Subscriptions For This Subscriber");
		return EOVERFLOW;
	}

	err  = slot_take(&s->ident, ep->by_ident, ik);
	err |= slot_take(&s->src, ep->by_src, sk);
	if (err) {
		slot_put(&s->ident);
		slot_put(&s->src);
		(void)sip_treply(NULL, ep->sip, msg, 500, "No Memory");
		return ENOMEM;
	}

	list_append(&ep->all, &s->le_all, s);
	++ep->nsubs;

	return 0;
}


static void limits_put(struct eventpkg_sub *s, struct eventpkg *ep)
{
	slot_put(&s->ident);
	slot_put(&s->src);
	if (ep && s->le_all.list) {
		list_unlink(&s->le_all);
		--ep->nsubs;
	}
}


static void sub_destructor(void *arg)
{
	struct eventpkg_sub *s = arg;

	hash_unlink(&s->he);
	list_unlink(&s->le);
	tmr_cancel(&s->tmr_pending);
	if (s->ep) {
		eventpkg_exp_clear(s);
		eventpkg_sub_unqueue(s);
	}
	limits_put(s, s->ep);

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


/* Drop our reference: no more NOTIFYs, out of every list and count.  A
 * reference the focus still holds sees a closed subscription. */
void eventpkg_sub_close(struct eventpkg_sub *s)
{
	s->state = SUB_CLOSED;
	hash_unlink(&s->he);
	list_unlink(&s->le);
	if (s->ep) {
		eventpkg_exp_clear(s);
		eventpkg_sub_unqueue(s);
	}
	limits_put(s, s->ep);
	s->conf = NULL;
	s->req = mem_deref(s->req);
	s->ep = NULL;
	mem_deref(s);
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

	s->ep = ep;
	if (limits_take(s, msg)) {
		s->ep = NULL;
		mem_deref(s);
		return;
	}

	s->msg = mem_ref((void *)msg);
	s->sr  = sr;                   /* points into s->msg */
	err = sip_strans_alloc(&s->st, ep->sip, msg, NULL, NULL);
	if (err) {
		(void)sip_treply(NULL, ep->sip, msg, 500, "No Memory");
		limits_put(s, ep);
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
	if (eventpkg_subreq_parse(&sr, msg, &scode, &reason) &&
	    scode != 415) {
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
		eventpkg_sub_terminate(s, SIPEVENT_TIMEOUT, true);
		return;
	}

	eventpkg_exp_set(s, expires);

	/* a refresh asks for full state (RFC 4575 4.6) */
	s->want_full = true;
	eventpkg_sub_kick(s);
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
	eventpkg_notifier_close(ep);

	/* subscriptions may outlive us (the focus may hold a reference):
	 * cut them loose */
	while ((le = list_head(&ep->pending))) {
		struct eventpkg_sub *s = le->data;
		(void)eventpkg_sub_reject(s, 503, "Service Unavailable");
	}
	while ((le = list_head(&ep->all)))
		eventpkg_sub_close(le->data);

	mem_deref(ep->subs);
	mem_deref(ep->by_ident);
	mem_deref(ep->by_src);
	mem_deref(ep->cuser);
}


static uint32_t or_dfl(uint32_t v, uint32_t dfl)
{
	return v ? v : dfl;
}


int eventpkg_alloc(struct eventpkg **epp, struct sip *sip,
		   const struct eventpkg_cfg *cfg,
		   eventpkg_auth_h *authh, void *arg)
{
	static const struct eventpkg_cfg dfl_cfg;
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
	if (!cfg)
		cfg = &dfl_cfg;
	ep->cfg.expires_min  = or_dfl(cfg->expires_min, 60);
	ep->cfg.expires_dfl  = or_dfl(cfg->expires_dfl, 3600);
	ep->cfg.expires_max  = or_dfl(cfg->expires_max, 86400);
	ep->cfg.max_per_identity = or_dfl(cfg->max_per_identity,
					  DFL_MAX_PER_IDENTITY);
	ep->cfg.max_per_source = or_dfl(cfg->max_per_source,
					DFL_MAX_PER_SOURCE);
	ep->cfg.max_total    = or_dfl(cfg->max_total, DFL_MAX_TOTAL);
	ep->cfg.retry_after  = or_dfl(cfg->retry_after, DFL_RETRY_AFTER);
	ep->cfg.notify_rate  = or_dfl(cfg->notify_rate, DFL_NOTIFY_RATE);
	ep->cfg.notify_burst = or_dfl(cfg->notify_burst, DFL_NOTIFY_BURST);
	if (ep->cfg.expires_dfl < ep->cfg.expires_min ||
	    ep->cfg.expires_max < ep->cfg.expires_dfl ||
	    ep->cfg.retry_after == EVENTPKG_UNLIMITED ||
	    (ep->cfg.notify_burst == EVENTPKG_UNLIMITED &&
	     ep->cfg.notify_rate != EVENTPKG_UNLIMITED)) {
		err = EINVAL;
		goto out;
	}

	err = str_dup(&ep->cuser, cfg->cuser ? cfg->cuser : "conf");
	if (err)
		goto out;

	err  = hash_alloc(&ep->subs, SUBS_HTSIZE);
	err |= hash_alloc(&ep->by_ident, SLOTS_HTSIZE);
	err |= hash_alloc(&ep->by_src, SLOTS_HTSIZE);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	eventpkg_notifier_init(ep);

	err = sip_listen(&ep->lsnr, sip, true, request_handler, ep);

 out:
	if (err)
		mem_deref(ep);
	else
		*epp = ep;

	return err;
}


void eventpkg_stats(const struct eventpkg *ep, struct eventpkg_stats *st)
{
	if (!st)
		return;

	memset(st, 0, sizeof(*st));
	if (!ep)
		return;

	*st = ep->stats;
	st->subs = ep->nsubs;
	st->queued = list_count(&ep->readyq);
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
	return eventpkg_sub_reject_hdrs(sub, scode, reason, "");
}


int eventpkg_sub_reject_hdrs(struct eventpkg_sub *sub, uint16_t scode,
			     const char *reason, const char *hdrs)
{
	int err;

	if (!sub || scode < 300 || !reason || !hdrs)
		return EINVAL;
	if (sub->state != SUB_PENDING || !sub->ep)
		return EALREADY;

	err = sip_treplyf(&sub->st, NULL, sub->ep->sip, sub->msg, false,
			  scode, reason, "%sContent-Length: 0\r\n\r\n",
			  hdrs);
	sub->st = NULL;
	sub->msg = mem_deref(sub->msg);
	tmr_cancel(&sub->tmr_pending);
	eventpkg_sub_close(sub);

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
		eventpkg_sub_terminate(sub, SIPEVENT_TIMEOUT, true);
		return 0;
	}

	eventpkg_exp_set(sub, expires);
	eventpkg_sub_kick(sub);

	return 0;

 fail:
	if (sub->st || sub->msg) {
		(void)sip_treply(&sub->st, ep->sip, sub->msg, 500,
				 "Server Error");
		sub->st = NULL;
	}
	sub->msg = mem_deref(sub->msg);
	tmr_cancel(&sub->tmr_pending);
	eventpkg_sub_close(sub);

	return err;
}

/**
 * @file notify.c  The notifier of the conference event package
 * (RFC 6665 4.2.2, RFC 4575 3)
 *
 * At most one NOTIFY is in flight per subscription; while it is,
 * changes only mark the subscription, and when the NOTIFY is answered
 * the next document is built from the roster's change log since the
 * last document sent.  So a burst of changes costs one NOTIFY, loses
 * nothing, and every version is the previous plus one.
 *
 * Across subscriptions NOTIFYs are paced by one token bucket (eventpkg.h,
 * "Limits"): a publish to a thousand subscribers, or a thousand
 * SUBSCRIBEs naming one victim as Contact, leaves as a steady stream,
 * not as one burst from one loop iteration.  A subscription waiting
 * for a token sits in a FIFO and its body is built when it leaves.
 */
#include <string.h>
#include <re.h>
#include "eventpkg/smime_int.h"
#include "eventpkg/subreq_int.h"
#include "eventpkg/eventpkg.h"
#include "eventpkg/eventpkg_int.h"


enum {
	TOKEN       = 1000,            /* one NOTIFY, in tokens' units */
	PACE_MIN_MS = 5,               /* shortest wait between drains */
};


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


void eventpkg_exp_clear(struct eventpkg_sub *s)
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


void eventpkg_exp_set(struct eventpkg_sub *s, uint32_t expires)
{
	struct eventpkg *ep = s->ep;
	struct le *le;

	eventpkg_exp_clear(s);
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


static void exp_handler(void *arg)
{
	struct eventpkg *ep = arg;
	uint64_t now = tmr_jiffies();
	struct eventpkg_sub *s;

	while ((s = list_ledata(list_head(&ep->expl))) &&
	       s->deadline <= now) {
		list_unlink(&s->le_exp);
		eventpkg_sub_terminate(s, SIPEVENT_TIMEOUT, false);
	}

	exp_arm(ep);
}


/*
 * Pacing: a token bucket refilled at notify_rate a second up to
 * notify_burst, counted in thousandths so that any rate refills
 * exactly per millisecond.
 */
static void pace_handler(void *arg);


static bool pace_unlimited(const struct eventpkg *ep)
{
	return ep->cfg.notify_rate == EVENTPKG_UNLIMITED;
}


static void pace_refill(struct eventpkg *ep)
{
	uint64_t now = tmr_jiffies();
	uint64_t cap = (uint64_t)ep->cfg.notify_burst * TOKEN;

	if (now > ep->refilled) {
		ep->tokens += (now - ep->refilled) * ep->cfg.notify_rate;
		if (ep->tokens > cap)
			ep->tokens = cap;
	}
	ep->refilled = now;
}


static bool pace_avail(struct eventpkg *ep)
{
	if (pace_unlimited(ep))
		return true;

	pace_refill(ep);

	return ep->tokens >= TOKEN;
}


static void pace_spend(struct eventpkg *ep)
{
	if (!pace_unlimited(ep))
		ep->tokens -= TOKEN;
}


static void pace_arm(struct eventpkg *ep)
{
	uint64_t wait;

	if (list_isempty(&ep->readyq) || ep->closing) {
		tmr_cancel(&ep->tmr_pace);
		return;
	}
	if (tmr_isrunning(&ep->tmr_pace))
		return;

	wait = ep->tokens >= TOKEN ? 0 :
		(TOKEN - ep->tokens + ep->cfg.notify_rate - 1) /
		ep->cfg.notify_rate;

	tmr_start(&ep->tmr_pace, max(wait, (uint64_t)PACE_MIN_MS),
		  pace_handler, ep);
}


void eventpkg_notifier_init(struct eventpkg *ep)
{
	tmr_init(&ep->tmr_exp);
	tmr_init(&ep->tmr_pace);
	ep->refilled = tmr_jiffies();
	if (!pace_unlimited(ep))
		ep->tokens = (uint64_t)ep->cfg.notify_burst * TOKEN;
}


void eventpkg_notifier_close(struct eventpkg *ep)
{
	tmr_cancel(&ep->tmr_exp);
	tmr_cancel(&ep->tmr_pace);
}


void eventpkg_sub_unqueue(struct eventpkg_sub *s)
{
	list_unlink(&s->le_q);
}


/*
 * Sending
 */

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

	/* RFC 6665 4.2.2: a failed NOTIFY (481, Timer F, any error)
	 * removes the subscription at once, with no final NOTIFY to a
	 * subscriber that does not answer; we do not retry with
	 * credentials either */
	if (err || !msg || msg->scode >= 300) {
		++s->ep->stats.notify_failed;
		eventpkg_sub_close(s);
		return;
	}

	if (s->final_sent) {
		eventpkg_sub_close(s);
		return;
	}

	eventpkg_sub_kick(s);
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
				  sipevent_reason_name(s->reason));

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
	const char *ctype = s->has_kek ? EVENTPKG_SMIME_CTYPE
		: EVENTPKG_XML_CTYPE;
	int err;

	err = sip_drequestf(&s->req, s->ep->sip, true, "NOTIFY", s->dlg, 0,
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
	if (!err)
		++s->ep->stats.notify_sent;

	return err;
}


/* Is a NOTIFY due (something to say and none in flight)? */
static bool sub_due(const struct eventpkg_sub *s)
{
	if (s->req)
		return false;

	switch (s->state) {

	case SUB_ACTIVE:
		return s->conf && (s->version == 0 || s->want_full ||
				   cinfo_seq(s->conf->ci) != s->since);

	case SUB_TERMINATING:
		return !s->final_sent;

	default:
		return false;
	}
}


/* Send what is due now.  0 when a NOTIFY left, ENODATA when there was
 * nothing to say after all; on any other error the subscription is
 * closed (and may be gone). */
static int sub_send(struct eventpkg_sub *s)
{
	struct mbuf *body = NULL;
	bool full;
	int err;

	switch (s->state) {

	case SUB_ACTIVE:
		full = (s->version == 0 || s->want_full);
		err = sub_body(s, full, &body);
		if (err == ENODATA) {
			s->since = s->conf ? cinfo_seq(s->conf->ci) : s->since;
			return ENODATA;
		}
		if (err)
			break;

		s->want_full = false;
		s->version++;
		s->since = cinfo_seq(s->conf->ci);
		err = sub_notify(s, body);
		break;

	case SUB_TERMINATING:
		if (s->final_sent)
			return ENODATA;
		if (s->final_full && !sub_body(s, true, &body)) {
			s->version++;
			s->since = cinfo_seq(s->conf->ci);
		}
		s->final_sent = true;
		err = sub_notify(s, body);
		break;

	default:
		return ENODATA;
	}

	mem_deref(body);

	if (err)
		eventpkg_sub_close(s);

	return err;
}


static void pace_handler(void *arg)
{
	struct eventpkg *ep = arg;
	struct eventpkg_sub *s;

	while ((s = list_ledata(list_head(&ep->readyq))) && pace_avail(ep)) {
		list_unlink(&s->le_q);
		if (sub_due(s) && sub_send(s) != ENODATA)
			pace_spend(ep);
	}

	pace_arm(ep);
}


/* Send what is due, at once if a token is free and nobody waits for
 * one, otherwise in turn.  With a NOTIFY in flight, its response
 * handler calls us again. */
void eventpkg_sub_kick(struct eventpkg_sub *s)
{
	struct eventpkg *ep = s->ep;

	if (!ep || s->le_q.list || !sub_due(s))
		return;

	if (list_isempty(&ep->readyq) && pace_avail(ep)) {
		if (sub_send(s) != ENODATA)
			pace_spend(ep);
		return;
	}

	list_append(&ep->readyq, &s->le_q, s);
	pace_arm(ep);
}


void eventpkg_sub_terminate(struct eventpkg_sub *s, enum sipevent_reason r,
			    bool full)
{
	if (s->state != SUB_ACTIVE)
		return;

	s->state = SUB_TERMINATING;
	s->reason = r;
	s->final_full = full && s->conf;
	eventpkg_exp_clear(s);
	eventpkg_sub_kick(s);
}


/*
 * Conferences
 */

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
		eventpkg_sub_kick(s);
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

		/* conf first: a failed send may free s */
		list_unlink(&s->le);
		s->conf = NULL;
		eventpkg_sub_terminate(s, SIPEVENT_NORESOURCE, false);
	}
}

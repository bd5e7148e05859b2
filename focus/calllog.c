/**
 * @file calllog.c  Joins, leaves and refusals: one line each, the same
 * counters for metrics (issue 14, "Operating confd").
 *
 * The daemon usually takes the events (focus_cfg.eventh) and writes the
 * line itself, as text or JSON (confd/log.c); without a handler the
 * focus writes the text line through libre's dbg.  Neither ever carries
 * a key: the fields are URIs, a mechanism name, a status and a reason.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"


#define DEBUG_MODULE "conference"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


struct calllog {
	focus_event_h *eh;
	void *arg;
	uint64_t joins[FOCUS_KEYING_N];
	uint64_t leaves;
	struct { uint16_t scode; uint64_t n; } refusals[FOCUS_STATUS_MAX];
	size_t refusalc;
	uint64_t media_timeouts;
};


static const char *const keying_names[FOCUS_KEYING_N] = {
	"none", "sdes", "mikey", "dtls",
};


const char *focus_keying_name(enum focus_keying k)
{
	return (unsigned)k < FOCUS_KEYING_N ? keying_names[k] : "none";
}


int calllog_alloc(struct calllog **clp, focus_event_h *eh, void *arg)
{
	struct calllog *cl;

	if (!clp)
		return EINVAL;

	cl = mem_zalloc(sizeof(*cl), NULL);
	if (!cl)
		return ENOMEM;

	cl->eh = eh;
	cl->arg = arg;
	*clp = cl;
	return 0;
}


enum focus_keying calllog_keying(const struct participant *p)
{
	return p ? stream_audio_mech(p->audio) : FOCUS_KEYING_NONE;
}


/* A line of the SDP starts with s (case-sensitive, as RFC 4566 is). */
static bool sdp_has(const struct pl *sdp, const char *s)
{
	const size_t n = strlen(s);
	size_t i;

	for (i = 0; i + n <= sdp->l; i++) {
		if ((i == 0 || sdp->p[i - 1] == '\n') &&
		    !memcmp(sdp->p + i, s, n))
			return true;
	}

	return false;
}


static bool sdp_contains(const struct pl *sdp, const char *s)
{
	const size_t n = strlen(s);
	size_t i;

	for (i = 0; i + n <= sdp->l; i++) {
		if (!memcmp(sdp->p + i, s, n))
			return true;
	}

	return false;
}


/* What the offer proposes, read from its text: it may be what could
 * not be decoded.  MIKEY first (it keys the whole session), then
 * DTLS-SRTP (its profile), then SDES. */
enum focus_keying calllog_offer_keying(const struct mbuf *body)
{
	struct pl sdp;

	if (!body || !mbuf_get_left(body))
		return FOCUS_KEYING_NONE;

	sdp.p = (const char *)mbuf_buf(body);
	sdp.l = mbuf_get_left(body);

	if (sdp_has(&sdp, "a=key-mgmt:mikey"))
		return FOCUS_KEYING_MIKEY;
	if (sdp_contains(&sdp, "UDP/TLS/RTP/SAVP"))
		return FOCUS_KEYING_DTLS;
	if (sdp_has(&sdp, "a=crypto:"))
		return FOCUS_KEYING_SDES;

	return FOCUS_KEYING_NONE;
}


static void emit(const struct calllog *cl, const struct focus_event *ev)
{
	if (cl && cl->eh) {
		cl->eh(ev, cl->arg);
		return;
	}

	switch (ev->type) {

	case FOCUS_EV_JOIN:
		DEBUG_INFO("%s joined %s (%u in; keying %s)\n",
			   ev->participant, ev->conf, ev->count,
			   focus_keying_name(ev->keying));
		break;

	case FOCUS_EV_LEAVE:
		DEBUG_INFO("%s left %s (%u in; keying %s; %s)\n",
			   ev->participant, ev->conf, ev->count,
			   focus_keying_name(ev->keying), ev->reason);
		break;

	case FOCUS_EV_REFUSE:
		if (ev->scode == 401 || ev->scode == 407)
			DEBUG_INFO("%s refused from %s: %u %s (keying %s)\n",
				   ev->participant, ev->conf, ev->scode,
				   ev->reason, focus_keying_name(ev->keying));
		else
			DEBUG_NOTICE("%s refused from %s: %u %s "
				     "(keying %s)\n", ev->participant,
				     ev->conf, ev->scode, ev->reason,
				     focus_keying_name(ev->keying));
		break;
	}
}


void calllog_joined(struct participant *p, uint32_t count)
{
	struct calllog *cl = p->conf->focus->log;
	struct focus_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = FOCUS_EV_JOIN;
	ev.conf = p->conf->def->uri;
	ev.participant = p->uri;
	ev.keying = calllog_keying(p);
	ev.reason = "";
	ev.count = count;

	if (cl)
		++cl->joins[ev.keying];
	emit(cl, &ev);
}


void calllog_left(struct participant *p, uint32_t count)
{
	struct calllog *cl;
	struct focus_event ev;

	if (!p->conf)
		return;

	cl = p->conf->focus->log;
	memset(&ev, 0, sizeof(ev));
	ev.type = FOCUS_EV_LEAVE;
	ev.conf = p->conf->def->uri;
	ev.participant = p->uri;
	ev.keying = calllog_keying(p);
	ev.reason = p->why_left[0] ? p->why_left : "ended";
	ev.count = count;

	if (cl)
		++cl->leaves;
	emit(cl, &ev);
}


static void count_status(struct calllog *cl, uint16_t scode)
{
	size_t i;

	for (i = 0; i < cl->refusalc; i++) {
		if (cl->refusals[i].scode == scode) {
			++cl->refusals[i].n;
			return;
		}
	}

	/* a bounded table: an odd code past the end shares the last
	 * slot's count rather than grow it */
	if (cl->refusalc < FOCUS_STATUS_MAX) {
		cl->refusals[cl->refusalc].scode = scode;
		cl->refusals[cl->refusalc].n = 1;
		++cl->refusalc;
	}
	else {
		cl->refusals[FOCUS_STATUS_MAX - 1].scode = 0;
		++cl->refusals[FOCUS_STATUS_MAX - 1].n;
	}
}


void calllog_refused(struct focus *f, const char *conf, const char *who,
		     enum focus_keying keying, uint16_t scode,
		     const char *reason)
{
	struct focus_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = FOCUS_EV_REFUSE;
	ev.conf = conf ? conf : "";
	ev.participant = who ? who : "";
	ev.keying = keying;
	ev.scode = scode;
	ev.reason = reason ? reason : "";

	if (f && f->log)
		count_status(f->log, scode);
	emit(f ? f->log : NULL, &ev);
}


void calllog_media_timeout(struct focus *f)
{
	if (f && f->log)
		++f->log->media_timeouts;
}


void calllog_stats(const struct calllog *cl, struct focus_stats *st)
{
	size_t i;

	if (!cl || !st)
		return;

	for (i = 0; i < FOCUS_KEYING_N; i++)
		st->joins[i] = cl->joins[i];
	st->leaves = cl->leaves;
	for (i = 0; i < cl->refusalc; i++) {
		st->refusals[i].scode = cl->refusals[i].scode;
		st->refusals[i].n = cl->refusals[i].n;
	}
	st->refusalc = cl->refusalc;
	st->media_timeouts = cl->media_timeouts;
}

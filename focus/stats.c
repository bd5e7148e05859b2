/**
 * @file stats.c  The focus's counters in one struct, for metrics
 * (confd/metrics.c reads them when scraped; nothing is pushed).
 */
#include <string.h>
#include <re.h>
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"
#include "focus/admission_int.h"
#include "eventpkg/eventpkg.h"


void focus_stats(const struct focus *f, struct focus_stats *st)
{
	struct admission_stats as;
	struct eventpkg_stats es;
	const struct le *le;

	if (!st)
		return;

	memset(st, 0, sizeof(*st));
	if (!f)
		return;

	/* live calls by keying: a walk, as cheap as confctl status */
	for (le = f->confs.head; le; le = le->next) {
		const struct conference *conf = le->data;
		const struct le *pe;

		for (pe = conf->parts.head; pe; pe = pe->next) {
			const struct participant *p = pe->data;
			const enum focus_keying k = calllog_keying(p);

			++st->calls[k];
			if (p->joined)
				++st->participants[k];
		}
	}

	calllog_stats(f->log, st);

	admission_stats(f->adm, &as);
	st->adm_calls = as.calls;
	st->adm_pending = as.pending;
	st->adm_sources = as.sources;
	st->adm_admitted = as.admitted;
	st->adm_refused = as.refused;
	st->adm_dropped = as.dropped;
	st->adm_ack_timeouts = as.ack_timeouts;

	memset(&es, 0, sizeof(es));
	if (f->ep)
		eventpkg_stats(f->ep, &es);
	st->subscriptions = es.subs;
	st->sub_refused = es.refused_limit;
	st->notify_sent = es.notify_sent;
	st->notify_failed = es.notify_failed;
}

/**
 * @file metrics.c  Prometheus metrics at /metrics (text exposition
 * format 0.0.4), on a plain-HTTP listener of its own (metrics_listen).
 *
 * Names follow Prometheus conventions: a confd_ prefix, _total on
 * counters, base units (_seconds, _bytes), snake_case labels, one
 * HELP and one TYPE line per family.  Label values come from fixed
 * sets (keying mechanism, SIP status, KMS outcome), never from a
 * peer, so the number of series is bounded and nothing a caller sends
 * can break the format.  Per-participant figures are not metrics
 * (too many series): RTCP loss and jitter are histograms over every
 * report received; `confctl status` shows them per participant.
 *
 * The modules keep their own counters and confd reads them when
 * scraped (the dependency runs confd -> focus -> modules, never back);
 * only the two latency/quality histograms are fed by observers.
 */
#include <string.h>
#include <re.h>
#include "focus/focus.h"
#include "media/media.h"
#include "floor/floor.h"
#include "msrp/msrp.h"
#include "confd/metrics.h"


#define DEBUG_MODULE "metrics"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { HIST_MAX = 16 };

struct hist {
	const double *le;        /* upper bounds, ascending; +Inf implied */
	size_t n;
	uint64_t bucket[HIST_MAX];   /* not cumulative: [i-1] < v <= [i] */
	uint64_t inf;            /* above the last bound */
	double sum;
	uint64_t count;
};

/* KMS round trips on loopback take a few ms; kms_timeout is 3 s */
static const double kms_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				0.1, 0.25, 0.5, 1, 2.5, 5};
/* RFC 3550 6.4.1 fraction lost, as a ratio */
static const double loss_le[] = {0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
/* interarrival jitter, seconds */
static const double jitter_le[] = {0.001, 0.0025, 0.005, 0.01, 0.02,
				   0.04, 0.08, 0.16, 0.32};

static struct {
	struct hist kms;
	uint64_t kms_ok, kms_timeout, kms_error;
	struct hist loss;
	struct hist jitter;
} reg = {
	.kms    = {kms_le, ARRAY_SIZE(kms_le), {0}, 0, 0, 0},
	.loss   = {loss_le, ARRAY_SIZE(loss_le), {0}, 0, 0, 0},
	.jitter = {jitter_le, ARRAY_SIZE(jitter_le), {0}, 0, 0, 0},
};

struct metrics {
	struct http_sock *sock;
	const struct focus *focus;
};


static void hist_observe(struct hist *h, double v)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (v <= h->le[i]) {
			++h->bucket[i];
			break;
		}
	}
	if (i == h->n)
		++h->inf;

	h->sum += v;
	++h->count;
}


void metrics_kms_observe(int err, uint64_t usec, void *arg)
{
	(void)arg;

	if (!err)
		++reg.kms_ok;
	else if (err == ETIMEDOUT)
		++reg.kms_timeout;
	else
		++reg.kms_error;

	hist_observe(&reg.kms, (double)usec / 1e6);
}


void metrics_rtcp_observe(uint8_t fraction_lost, uint32_t jitter_us,
			  void *arg)
{
	(void)arg;

	hist_observe(&reg.loss, fraction_lost / 256.0);
	hist_observe(&reg.jitter, jitter_us / 1e6);
}


static int family(struct re_printf *pf, const char *name, const char *type,
		  const char *help)
{
	return re_hprintf(pf, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			  name, type);
}


static int counter(struct re_printf *pf, const char *name, const char *help,
		   uint64_t v)
{
	return family(pf, name, "counter", help) |
		re_hprintf(pf, "%s %llu\n", name, (unsigned long long)v);
}


static int gauge(struct re_printf *pf, const char *name, const char *help,
		 uint64_t v)
{
	return family(pf, name, "gauge", help) |
		re_hprintf(pf, "%s %llu\n", name, (unsigned long long)v);
}


/* Bounds and sums print with %g-like precision through snprintf:
 * libre's printf has no %g. */
static int num(struct re_printf *pf, double v)
{
	char b[32];

	(void)snprintf(b, sizeof(b), "%.6g", v);
	return re_hprintf(pf, "%s", b);
}


static int histogram(struct re_printf *pf, const char *name,
		     const char *help, const struct hist *h)
{
	uint64_t cum = 0;
	size_t i;
	int err;

	err = family(pf, name, "histogram", help);
	for (i = 0; i < h->n; i++) {
		cum += h->bucket[i];
		err |= re_hprintf(pf, "%s_bucket{le=\"", name);
		err |= num(pf, h->le[i]);
		err |= re_hprintf(pf, "\"} %llu\n", (unsigned long long)cum);
	}
	err |= re_hprintf(pf, "%s_bucket{le=\"+Inf\"} %llu\n", name,
			  (unsigned long long)h->count);
	err |= re_hprintf(pf, "%s_sum ", name);
	err |= num(pf, h->sum);
	err |= re_hprintf(pf, "\n%s_count %llu\n", name,
			  (unsigned long long)h->count);

	return err;
}


static int by_keying(struct re_printf *pf, const char *name,
		     const char *type, const char *help, const uint64_t *v)
{
	int err = family(pf, name, type, help);
	size_t k;

	for (k = 0; k < FOCUS_KEYING_N; k++)
		err |= re_hprintf(pf, "%s{keying=\"%s\"} %llu\n", name,
				  focus_keying_name((enum focus_keying)k),
				  (unsigned long long)v[k]);

	return err;
}


int metrics_print(struct re_printf *pf, const struct focus *f)
{
	struct focus_stats fs;
	struct mixer_stats ms;
	struct floor_stats bs;
	struct msrp_conf_stats cs;
	struct media_rtcp_stats rs;
	uint64_t v[FOCUS_KEYING_N];
	uint64_t s503 = 0;
	bool had503 = false;
	size_t i;
	int err;

	focus_stats(f, &fs);
	mixer_totals(&ms);
	floor_totals(&bs);
	msrp_totals(&cs);
	media_rtcp_totals(&rs);

	err = family(pf, "confd_build_info", "gauge",
		     "Version of the running confd (always 1).");
	err |= re_hprintf(pf, "confd_build_info{version=\"%s\"} 1\n",
			  CONFD_VERSION);

	/* calls and participants by keying mechanism */
	for (i = 0; i < FOCUS_KEYING_N; i++)
		v[i] = fs.calls[i];
	err |= by_keying(pf, "confd_calls", "gauge",
			 "Dial-in calls (SIP dialogs) now, answered or not, "
			 "by keying mechanism.", v);
	for (i = 0; i < FOCUS_KEYING_N; i++)
		v[i] = fs.participants[i];
	err |= by_keying(pf, "confd_participants", "gauge",
			 "Participants in a conference now (answered 200), "
			 "by keying mechanism.", v);
	err |= by_keying(pf, "confd_joins_total", "counter",
			 "Participants that joined, by keying mechanism.",
			 fs.joins);
	err |= counter(pf, "confd_leaves_total",
		       "Joined participants that left.", fs.leaves);

	/* failures by SIP status; admission's 503s are in 503 too */
	err |= family(pf, "confd_invite_failures_total", "counter",
		      "Dial-in INVITEs answered with a final error, by SIP "
		      "status (401 includes digest challenges; status 0: "
		      "other codes past the table).");
	for (i = 0; i < fs.refusalc; i++) {
		uint64_t n = fs.refusals[i].n;

		if (fs.refusals[i].scode == 503) {
			n += fs.adm_refused;
			had503 = true;
		}
		err |= re_hprintf(pf, "confd_invite_failures_total{status=\""
				  "%u\"} %llu\n", fs.refusals[i].scode,
				  (unsigned long long)n);
	}
	if (!had503) {
		s503 = fs.adm_refused;
		err |= re_hprintf(pf, "confd_invite_failures_total{status=\""
				  "503\"} %llu\n", (unsigned long long)s503);
	}

	/* admission control (focus/admission.c) */
	err |= counter(pf, "confd_admission_admitted_total",
		       "INVITEs admitted by the limits.", fs.adm_admitted);
	err |= counter(pf, "confd_admission_refused_total",
		       "Requests answered 503 with Retry-After for a limit.",
		       fs.adm_refused);
	err |= counter(pf, "confd_admission_dropped_total",
		       "Requests left unanswered (a source ignoring 503s).",
		       fs.adm_dropped);
	err |= counter(pf, "confd_admission_ack_timeouts_total",
		       "Calls ended for want of their ACK (ack_timeout).",
		       fs.adm_ack_timeouts);
	err |= gauge(pf, "confd_admission_pending_calls",
		     "Calls answered but not yet ACKed.", fs.adm_pending);
	err |= gauge(pf, "confd_admission_sources",
		     "Source addresses tracked by the per-source limits.",
		     fs.adm_sources);
	err |= counter(pf, "confd_media_timeouts_total",
		       "Calls ended after media_timeout without "
		       "authenticated media (consent).", fs.media_timeouts);

	/* KMS */
	err |= family(pf, "confd_kms_requests_total", "counter",
		      "MIKEY-TICKET requests to the KMS, by outcome.");
	err |= re_hprintf(pf, "confd_kms_requests_total{result=\"ok\"} "
			  "%llu\n", (unsigned long long)reg.kms_ok);
	err |= re_hprintf(pf, "confd_kms_requests_total{result=\"timeout\"} "
			  "%llu\n", (unsigned long long)reg.kms_timeout);
	err |= re_hprintf(pf, "confd_kms_requests_total{result=\"error\"} "
			  "%llu\n", (unsigned long long)reg.kms_error);
	err |= histogram(pf, "confd_kms_request_duration_seconds",
			 "KMS request latency, connect to answer or failure.",
			 &reg.kms);

	/* the mixer */
	err |= counter(pf, "confd_mixer_ticks_total",
		       "20 ms mixer ticks, over every conference.", ms.ticks);
	err |= counter(pf, "confd_mixer_late_ticks_total",
		       "Mixer ticks that ran more than a frame late.",
		       ms.late_ticks);
	err |= family(pf, "confd_mixer_tick_max_seconds", "gauge",
		      "Worst time spent mixing one tick since start.");
	err |= re_hprintf(pf, "confd_mixer_tick_max_seconds ");
	err |= num(pf, ms.max_tick_us / 1e6);
	err |= re_hprintf(pf, "\n");

	/* RTCP (RFC 3550 6.4) */
	err |= counter(pf, "confd_rtcp_reports_sent_total",
		       "RTCP SR/RR compounds sent.", rs.sent);
	err |= counter(pf, "confd_rtcp_report_blocks_sent_total",
		       "Reception report blocks sent (one per received "
		       "stream per report).", rs.blocks_sent);
	err |= counter(pf, "confd_rtcp_report_blocks_received_total",
		       "Reception report blocks received about our streams.",
		       rs.blocks_received);
	err |= histogram(pf, "confd_rtcp_peer_fraction_lost",
			 "Fraction lost reported by participants about our "
			 "streams (ratio).", &reg.loss);
	err |= histogram(pf, "confd_rtcp_peer_jitter_seconds",
			 "Interarrival jitter reported by participants about "
			 "our streams.", &reg.jitter);

	/* BFCP, MSRP, the event package */
	err |= counter(pf, "confd_bfcp_transactions_total",
		       "BFCP requests received from clients.",
		       bs.transactions);
	err |= counter(pf, "confd_msrp_messages_total",
		       "MSRP messages started by senders.", cs.msgs_in);
	err |= counter(pf, "confd_msrp_relayed_bytes_total",
		       "MSRP body bytes queued to recipients.", cs.bytes_out);
	err |= counter(pf, "confd_notifies_sent_total",
		       "Conference event package NOTIFYs sent.",
		       fs.notify_sent);
	err |= counter(pf, "confd_notify_failures_total",
		       "Subscriptions ended by a failed NOTIFY.",
		       fs.notify_failed);
	err |= gauge(pf, "confd_subscriptions",
		     "Conference event package subscriptions now.",
		     fs.subscriptions);
	err |= counter(pf, "confd_subscriptions_refused_total",
		       "SUBSCRIBEs answered 503 over a limit.",
		       fs.sub_refused);

	return err;
}


static void http_req_handler(struct http_conn *conn,
			     const struct http_msg *msg, void *arg)
{
	struct metrics *m = arg;
	struct mbuf *mb;
	int err;

	if (pl_strcmp(&msg->path, "/metrics")) {
		(void)http_ereply(conn, 404, "Not Found");
		return;
	}

	if (pl_strcmp(&msg->met, "GET") && pl_strcmp(&msg->met, "HEAD")) {
		(void)http_reply(conn, 405, "Method Not Allowed",
				 "Allow: GET, HEAD\r\n"
				 "Content-Length: 0\r\n\r\n");
		return;
	}

	mb = mbuf_alloc(8192);
	if (!mb) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		return;
	}

	err = mbuf_printf(mb, "%H", metrics_print, m->focus);
	if (err) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		mem_deref(mb);
		return;
	}

	(void)http_creply(conn, 200, "OK",
			  "text/plain; version=0.0.4; charset=utf-8", "%b",
			  mb->buf, pl_strcmp(&msg->met, "HEAD") ? mb->end
			  : (size_t)0);
	mem_deref(mb);
}


static void destructor(void *arg)
{
	struct metrics *m = arg;

	mem_deref(m->sock);
}


int metrics_alloc(struct metrics **mp, const struct sa *laddr,
		  const struct focus *f)
{
	struct metrics *m;
	int err;

	if (!mp || !laddr)
		return EINVAL;

	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;

	m->focus = f;

	err = http_listen(&m->sock, laddr, http_req_handler, m);
	if (err) {
		mem_deref(m);
		return err;
	}

	*mp = m;
	return 0;
}

/**
 * @file metrics.h  Prometheus metrics (text exposition format 0.0.4) at
 * GET /metrics on metrics_listen (confd/metrics.c).
 *
 * Plain HTTP on a listener of its own: meant for loopback or a
 * management network; the figures name no participant and no key.
 * Nearly everything is read from the modules' own counters when
 * scraped (focus_stats, mixer_totals, floor_totals, msrp_totals);
 * only the latency histograms are fed as events happen, through the
 * two observers below, which main.c hands to the KMS client and media.
 */

struct metrics;
struct focus;

int  metrics_alloc(struct metrics **mp, const struct sa *laddr,
		   const struct focus *f);

/* kmsc_observe_h: one KMS POST, its outcome and latency */
void metrics_kms_observe(int err, uint64_t usec, void *arg);
/* media_rtcp_h: one reception report about one of our streams */
void metrics_rtcp_observe(uint8_t fraction_lost, uint32_t jitter_us,
			  void *arg);

/* The whole exposition (a %H print handler); f may be NULL. */
int  metrics_print(struct re_printf *pf, const struct focus *f);

/**
 * @file msrp_harness.c  A chat conference without SIP, for tests and
 * benchmarks: what the focus would do, from the command line.
 *
 *   msrp_harness -c CERT.pem -u CONF-URI [-l 127.0.0.1] [-r 42000-42999]
 *                [-q QMAX] [-t] -p IDENTITY[=FINGERPRINT] ...
 *
 * -P FILE: participants from a file, one "identity=fingerprint" a line.
 * -t: plain TCP/MSRP (no fingerprints).  Prints "FP <ours>", then
 * "PART <identity> <port> <path>" per participant and "READY"; then a
 * "STATS ..." line every second (RSS, peak RSS, queues).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <re.h>
#include "keying/cert.h"
#include "msrp/msrp.h"
#include "media/media.h"


enum { PARTS_MAX = 256 };

static struct msrp_conf *conf;
static struct media_portpool *pool;   /* listening ports, as the focus */
static struct msrp_part *parts[PARTS_MAX];
static size_t nparts;
static struct tmr stats_tmr;


static long proc_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, strlen(key))) {
			v = atol(line + strlen(key) + 1);
			break;
		}
	}
	fclose(f);
	return v;
}


static void stats(void *arg)
{
	struct msrp_conf_stats cs;
	size_t i, queued = 0, peak = 0, connected = 0;
	uint64_t overflows = 0, bad = 0;
	(void)arg;

	msrp_conf_stats(conf, &cs);
	for (i = 0; i < nparts; i++) {
		struct msrp_part_stats ps;

		msrp_part_stats(parts[i], &ps);
		queued += ps.queued;
		if (ps.queued_peak > peak)
			peak = ps.queued_peak;
		overflows += ps.queue_overflows;
		bad += ps.bad_frames;
		connected += ps.connected;
	}

	printf("STATS rss_kb=%ld hwm_kb=%ld queued=%zu queue_peak=%zu "
	       "overflows=%llu bad_frames=%llu connected=%zu msgs_in=%llu "
	       "chunks_out=%llu bytes_out=%llu failed=%llu rejected=%llu\n",
	       proc_kb("VmRSS:"), proc_kb("VmHWM:"), queued, peak,
	       (unsigned long long)overflows, (unsigned long long)bad,
	       connected, (unsigned long long)cs.msgs_in,
	       (unsigned long long)cs.chunks_out,
	       (unsigned long long)cs.bytes_out,
	       (unsigned long long)cs.deliveries_failed,
	       (unsigned long long)cs.rejected);
	fflush(stdout);
	tmr_start(&stats_tmr, 1000, stats, NULL);
}


static void part_closed(struct msrp_part *p, int err, void *arg)
{
	(void)arg;
	printf("CLOSED %s %d\n", msrp_part_identity(p), err);
	fflush(stdout);
}


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


int main(int argc, char *argv[])
{
	const char *certfile = NULL, *uri = NULL, *laddr_s = "127.0.0.1";
	const char *pspec[PARTS_MAX];
	unsigned pmin = 42000, pmax = 42999;
	size_t qmax = 0, npspec = 0, i;
	struct tls *tls = NULL;
	bool plain = false;
	struct sa laddr;
	char fp[128];
	int c, err;

	static char lines[PARTS_MAX][640];
	FILE *pf;

	while ((c = getopt(argc, argv, "c:u:l:r:q:tp:P:")) != -1) {
		switch (c) {
		case 'c': certfile = optarg; break;
		case 'u': uri = optarg; break;
		case 'l': laddr_s = optarg; break;
		case 'r': sscanf(optarg, "%u-%u", &pmin, &pmax); break;
		case 'q': qmax = strtoul(optarg, NULL, 10); break;
		case 't': plain = true; break;
		case 'p':
			if (npspec < PARTS_MAX)
				pspec[npspec++] = optarg;
			break;
		case 'P':   /* a file of "identity=fingerprint" lines */
			pf = fopen(optarg, "r");
			while (pf && npspec < PARTS_MAX &&
			       fgets(lines[npspec], sizeof(lines[0]), pf)) {
				lines[npspec][strcspn(lines[npspec], "\r\n")] = 0;
				pspec[npspec] = lines[npspec];
				++npspec;
			}
			if (pf)
				fclose(pf);
			break;
		default:
			return 2;
		}
	}
	if (!certfile || !uri || !npspec) {
		fprintf(stderr, "usage: msrp_harness -c cert.pem -u conf-uri "
			"-p identity[=fingerprint] ...\n");
		return 2;
	}

	err = libre_init();
	if (err)
		return 1;

	err = cert_ensure(certfile, "confd");
	err |= cert_tls_alloc(&tls, certfile);
	err |= cert_fingerprint(tls, fp, sizeof(fp));
	err |= sa_set_str(&laddr, laddr_s, 0);
	if (err) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	printf("FP sha-256 %s\n", fp);

	{
		struct msrp_conf_prm cp = { .uri = uri, .qmax = qmax };
		err = msrp_conf_alloc(&conf, &cp);
		err |= media_portpool_alloc(&pool, "-r", (uint16_t)pmin,
					    (uint16_t)pmax);
		if (err)
			return 1;
	}

	for (i = 0; i < npspec; i++) {
		char id[512], *eq;
		struct msrp_tls_cfg tcfg = { .cert = tls };
		struct msrp_part_prm pp = {
			.laddr = &laddr,
			.listenh = media_portpool_tcp_listen,
			.listen_arg = pool,
			.closeh = part_closed,
		};

		str_ncpy(id, pspec[i], sizeof(id));
		eq = strchr(id, '=');
		if (eq)
			*eq++ = '\0';
		pp.identity = id;
		if (!plain) {
			if (!eq) {
				fprintf(stderr, "%s: no fingerprint\n", id);
				return 2;
			}
			tcfg.fingerprint = eq;
			pp.tls = &tcfg;
		}

		err = msrp_part_alloc(&parts[nparts], conf, &pp);
		if (err) {
			fprintf(stderr, "part %s: %s\n", id, strerror(err));
			return 1;
		}
		printf("PART %s %u %s\n", id, msrp_part_port(parts[nparts]),
		       msrp_part_path(parts[nparts]));
		++nparts;
	}
	printf("READY\n");
	fflush(stdout);

	tmr_init(&stats_tmr);
	tmr_start(&stats_tmr, 1000, stats, NULL);

	re_main(signal_handler);

	stats(NULL);
	tmr_cancel(&stats_tmr);
	for (i = 0; i < nparts; i++)
		mem_deref(parts[i]);
	mem_deref(conf);
	mem_deref(pool);
	mem_deref(tls);
	libre_close();
	return 0;
}

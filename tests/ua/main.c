/**
 * @file main.c  confd-ua: subcommand dispatch and shared helpers.
 *
 *   confd-ua call ...   one participant (see call.c)
 *   confd-ua load ...   many SDES-SRTP participants (see load.c)
 *
 * New clients (BFCP, MSRP, MIKEY-TICKET) add a row to cmds[].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>
#include <sys/resource.h>
#include <re.h>
#include "tests/ua/ua.h"
#include "tests/ua/bfcp_client.h"
#include "tests/ua/mikey_ua.h"
#include "tests/ua/msrp_client.h"
#include "tests/ua/subscribe.h"


static const struct {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *help;
} cmds[] = {
	{"call", ua_cmd_call, "dial one participant, send a tone, report"},
	{"load", ua_cmd_load, "run many SRTP participants, measure audio"},
	{"answer", ua_cmd_answer, "be dialled: answer one INVITE (MIKEY)"},
	{"selftest", ua_cmd_selftest, "check the UA's SDES/SRTP/G.711 codecs"},
	{"bfcp", ua_bfcp_cmd, "BFCP client over TCP/TLS (RFC 8855)"},
	{"msrp", ua_msrp_cmd, "MSRP client over TCP/TLS (RFC 4975)"},
	{"mikey", ua_mikey_cmd, "MIKEY-TICKET: ticket + TRANSFER_INIT"},
	{"subscribe", ua_cmd_subscribe, "conference event package subscriber"},
};


uint64_t ua_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


int ua_parse_dur(const char *s, double *secp)
{
	char *end;
	double v;

	if (!s || !*s)
		return EINVAL;
	v = strtod(s, &end);
	if (end == s || *end || v < 0 || v > 86400)
		return EINVAL;
	*secp = v;
	return 0;
}


void ua_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}


int ua_parse_range(const char *s, uint16_t *minp, uint16_t *maxp)
{
	unsigned a, b;
	char c;

	if (!s || 2 != sscanf(s, "%u-%u%c", &a, &b, &c) ||
	    a == 0 || a >= b || b > 65535)
		return EINVAL;
	*minp = (uint16_t)a;
	*maxp = (uint16_t)b;
	return 0;
}


int ua_parse_suite(const char *s, const struct ua_sdes_suite **v, size_t *n,
		   size_t max)
{
	const struct ua_sdes_suite *su;

	if (0 == strcmp(s, "all")) {
		for (size_t i = 0; (su = ua_sdes_suite_at(i)); i++) {
			if (*n >= max)
				return E2BIG;
			v[(*n)++] = su;
		}
		return 0;
	}
	su = ua_sdes_suite_find(s, strlen(s));
	if (!su)
		return ENOTSUP;
	if (*n >= max)
		return E2BIG;
	v[(*n)++] = su;
	return 0;
}


static void usage(void)
{
	fprintf(stderr, "usage: confd-ua COMMAND [options]\n");
	for (size_t i = 0; i < UA_ARRAY_SIZE(cmds); i++)
		fprintf(stderr, "  %-9s %s\n", cmds[i].name, cmds[i].help);
	fprintf(stderr, "`confd-ua COMMAND --help` lists its options.\n");
}


int main(int argc, char *argv[])
{
	struct rlimit rl;
	int err, ret = 2;

	if (argc < 2) {
		usage();
		return 2;
	}

	/* A load run holds two sockets per participant: raise the soft
	 * descriptor limit and size libre's poll set to match, before
	 * anything is listened on (libre fixes the size at first use). */
	if (0 == getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (0 != getrlimit(RLIMIT_NOFILE, &rl))
		rl.rlim_cur = 1024;

	err = libre_init();
	if (err) {
		fprintf(stderr, "confd-ua: libre_init: %s\n", strerror(err));
		return 1;
	}
	(void)fd_setsize((int)min(rl.rlim_cur, (rlim_t)65536));
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (size_t i = 0; i < UA_ARRAY_SIZE(cmds); i++) {
		if (0 == strcmp(argv[1], cmds[i].name)) {
			ret = cmds[i].run(argc - 1, argv + 1);
			goto out;
		}
	}
	usage();
 out:
	ua_sip_shutdown();
	libre_close();
	return ret;
}

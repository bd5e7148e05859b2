/**
 * @file test_tcpguard.c  Listeners that cannot be squatted (issue 18):
 * the pending-connection policy of the BFCP and MSRP listeners
 * (keying/tcpguard.h) and the participant's addresses the focus gives
 * them (focus/tcppeers_int.h).  No sockets.
 */
#include <string.h>
#include <re.h>
#include "keying/tcpguard.h"
#include "focus/tcppeers_int.h"
#include "tests/unit/check.h"


static struct sa ip(const char *s)
{
	struct sa a;

	if (sa_set_str(&a, s, 0))
		sa_init(&a, AF_UNSPEC);
	return a;
}


static struct sa ipp(const char *s, uint16_t port)
{
	struct sa a = ip(s);

	sa_set_port(&a, port);
	return a;
}


static int test_allowed(void)
{
	struct tcpguard *g = NULL;
	struct sa v[3], p;
	struct tcpguard_cfg cfg;

	/* no list: anyone (the handshake still decides) */
	CHECK_EQ(tcpguard_alloc(&g, NULL), 0);
	p = ipp("192.0.2.9", 4000);
	CHECK(tcpguard_allowed(g, &p));
	CHECK_EQ(tcpguard_timeout(g), TCPGUARD_TIMEOUT_MS);
	g = mem_deref(g);

	v[0] = ipp("127.0.0.1", 5060);     /* ports are ignored */
	v[1] = ip("::1");
	v[2] = ip("127.0.0.1");            /* a duplicate */
	memset(&cfg, 0, sizeof(cfg));
	cfg.peerv = v;
	cfg.peerc = 3;
	CHECK_EQ(tcpguard_alloc(&g, &cfg), 0);

	p = ipp("127.0.0.1", 33333);
	CHECK(tcpguard_allowed(g, &p));
	p = ipp("::1", 1);
	CHECK(tcpguard_allowed(g, &p));
	/* the squatter on another loopback address */
	p = ipp("127.0.0.2", 33333);
	CHECK(!tcpguard_allowed(g, &p));
	p = ipp("::2", 1);
	CHECK(!tcpguard_allowed(g, &p));
	/* a dual-stack listener sees IPv4 as v4-mapped */
	p = ipp("::ffff:127.0.0.1", 9);
	CHECK(tcpguard_allowed(g, &p));
	p = ipp("::ffff:127.0.0.2", 9);
	CHECK(!tcpguard_allowed(g, &p));
	CHECK(!tcpguard_allowed(g, NULL));
	g = mem_deref(g);

	return 0;
}


struct drops {
	unsigned timeouts, overflows;
	struct tcpguard_pend *pv[16];
	int order[16];
	unsigned n;
};

struct ent {
	struct drops *d;
	int id;
	struct tcpguard_pend *p;
};


static void drop_h(int err, void *arg)
{
	struct ent *e = arg;

	if (err == ETIMEDOUT)
		e->d->timeouts++;
	else if (err == EOVERFLOW)
		e->d->overflows++;
	e->d->order[e->d->n++] = e->id;
	/* the owner may free its entry from the handler */
	e->p = mem_deref(e->p);
}


static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static int test_pending(void)
{
	struct tcpguard *g = NULL;
	struct tcpguard_cfg cfg;
	static struct drops d;
	static struct ent ev[5];
	struct tmr t;
	int i;

	CHECK_EQ(libre_init(), 0);
	memset(&d, 0, sizeof(d));
	memset(&cfg, 0, sizeof(cfg));
	cfg.pending_max = 3;
	cfg.timeout_ms = 50;
	CHECK_EQ(tcpguard_alloc(&g, &cfg), 0);

	/* four arrive on a listener that keeps three: the oldest goes */
	for (i = 0; i < 4; i++) {
		ev[i].d = &d;
		ev[i].id = i;
		CHECK_EQ(tcpguard_pending(&ev[i].p, g, drop_h, &ev[i]), 0);
	}
	CHECK_EQ(d.overflows, 1);
	CHECK_EQ(d.order[0], 0);
	CHECK(ev[0].p == NULL);
	CHECK_EQ(tcpguard_pending_count(g), 3);

	/* one authenticates: it leaves the set, and is never dropped */
	ev[2].p = mem_deref(ev[2].p);
	CHECK_EQ(tcpguard_pending_count(g), 2);

	/* the others did not in time */
	tmr_init(&t);
	tmr_start(&t, 500, stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
	CHECK_EQ(d.timeouts, 2);
	CHECK_EQ(d.n, 3);
	CHECK_EQ(d.order[1], 1);
	CHECK_EQ(d.order[2], 3);
	CHECK_EQ(tcpguard_pending_count(g), 0);

	/* the guard may go first: its entries stay the owners' */
	ev[4].d = &d;
	ev[4].id = 4;
	CHECK_EQ(tcpguard_pending(&ev[4].p, g, drop_h, &ev[4]), 0);
	g = mem_deref(g);
	ev[4].p = mem_deref(ev[4].p);
	CHECK_EQ(d.n, 3);

	libre_close();
	return 0;
}


static int test_peers_collect(void)
{
	struct sa v[TCPGUARD_PEERS_MAX];
	struct sa sig = ipp("127.0.0.1", 5070), media = ip("127.0.0.3");
	struct sa any = ip("0.0.0.0"), x;
	size_t n;

	/* BFCP: the INVITE's source and c= */
	n = tcppeers_collect(v, 8, &sig, &media, NULL);
	CHECK_EQ(n, 2);
	CHECK(sa_cmp(&v[0], &sig, SA_ADDR));
	CHECK_EQ(sa_port(&v[0]), 0);
	CHECK(sa_cmp(&v[1], &media, SA_ADDR));

	/* the same address once; c=0.0.0.0 says nothing */
	n = tcppeers_collect(v, 8, &sig, &sig, NULL);
	CHECK_EQ(n, 1);
	n = tcppeers_collect(v, 8, &sig, &any, NULL);
	CHECK_EQ(n, 1);
	n = tcppeers_collect(v, 8, NULL, NULL, NULL);
	CHECK_EQ(n, 0);

	/* MSRP: an endpoint's own path names a host, not a new address */
	n = tcppeers_collect(v, 8, &sig, &media,
			    "msrp://alice.example.com:7394/2s93i9ek2a;tcp");
	CHECK_EQ(n, 2);
	/* ... or an IP, which may connect too */
	n = tcppeers_collect(v, 8, &sig, &media,
			    "msrps://127.0.0.4:7394/2s93i9ek2a;tcp");
	CHECK_EQ(n, 3);
	x = ip("127.0.0.4");
	CHECK(sa_cmp(&v[2], &x, SA_ADDR));

	/* RFC 4976: a relay first, by IP (with userinfo and IPv6 too) */
	n = tcppeers_collect(v, 8, &sig, &media,
			    "msrps://relay@[2001:db8::5]:2855/aa;tcp "
			    "msrps://127.0.0.4:7394/bb;tcp");
	CHECK_EQ(n, 4);
	x = ip("2001:db8::5");
	CHECK(sa_cmp(&v[2], &x, SA_ADDR));

	/* a relay by name: where it connects from cannot be known, so
	 * any address may (the TLS handshake still decides) */
	n = tcppeers_collect(v, 8, &sig, &media,
			    "msrps://relay.example.net:2855/aa;tcp "
			    "msrps://127.0.0.4:7394/bb;tcp");
	CHECK_EQ(n, 0);

	/* bounded by max */
	n = tcppeers_collect(v, 2, &sig, &media,
			    "msrp://127.0.0.4:1/a;tcp msrp://127.0.0.5:1/b;tcp");
	CHECK_EQ(n, 2);

	return 0;
}


TEST_MAIN("tcpguard",
	  CASE(test_allowed),
	  CASE(test_pending),
	  CASE(test_peers_collect))

/**
 * @file test_authz_msrp.c  The chat relay's CPIM From check (RFC 7701
 * 6.1-6.3): a sender may only speak as itself.
 *
 * The check is in msrp/chat.c route(), static; it is reached here
 * through the public relay (msrp_conf_alloc, msrp_part_alloc) with two
 * participants connected over loopback TCP: alice sends a message whose
 * CPIM From is her own identity (relayed to bob, 200) and one whose
 * CPIM From is bob's (403, and bob gets nothing).
 */
#include <string.h>
#include <re.h>
#include "msrp/msrp.h"
#include "media/media.h"
#include "tests/unit/check.h"


struct peer {
	struct tcp_conn *tc;
	const char *name;
	char rx[8192];
	size_t rxn;
	bool estab;
};

static const char *want;      /* re_cancel() once this arrives */
static struct peer *want_at;


static void check_want(void)
{
	if (want && want_at && strstr(want_at->rx, want))
		re_cancel();
}


static void estab_h(void *arg)
{
	struct peer *p = arg;

	p->estab = true;
	if (!want)
		re_cancel();
}


static void recv_h(struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	size_t n = mbuf_get_left(mb);

	if (n > sizeof(p->rx) - 1 - p->rxn)
		n = sizeof(p->rx) - 1 - p->rxn;
	memcpy(p->rx + p->rxn, mbuf_buf(mb), n);
	p->rxn += n;
	p->rx[p->rxn] = '\0';
	check_want();
}


static void close_h(int err, void *arg)
{
	(void)err;
	(void)arg;
	re_cancel();
}


static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}


/* Run the loop until `s` has arrived at p, or ms have passed. */
static bool wait_for(struct peer *p, const char *s, uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	want = s;
	want_at = p;
	if (!strstr(p->rx, s)) {
		tmr_start(&t, ms, timeout_h, NULL);
		(void)re_main(NULL);
		tmr_cancel(&t);
	}
	want = NULL;
	want_at = NULL;
	return strstr(p->rx, s) != NULL;
}


static int peer_connect(struct peer *p, const char *name,
			const struct msrp_part *part)
{
	struct sa dst;
	struct tmr t;

	memset(p, 0, sizeof(*p));
	p->name = name;
	sa_set_str(&dst, "127.0.0.1", msrp_part_port(part));
	if (tcp_connect(&p->tc, &dst, estab_h, recv_h, close_h, p))
		return EIO;
	tmr_init(&t);
	tmr_start(&t, 3000, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
	return p->estab ? 0 : ETIMEDOUT;
}


static int peer_send(struct peer *p, const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(1024);
	va_list ap;
	int err;

	if (!mb)
		return ENOMEM;
	va_start(ap, fmt);
	err = mbuf_vprintf(mb, fmt, ap);
	va_end(ap);
	mb->pos = 0;
	if (!err)
		err = tcp_send(p->tc, mb);
	mem_deref(mb);
	return err;
}


/* A SEND of one chunk, Message/CPIM with the given CPIM From */
static int send_cpim(struct peer *p, const struct msrp_part *part,
		     const char *tid, const char *cpim_from)
{
	char body[512];
	int n;

	n = re_snprintf(body, sizeof(body),
			"From: <%s>\r\n"
			"To: <sip:room@example.org>\r\n"
			"\r\n"
			"Content-Type: text/plain\r\n"
			"\r\n"
			"hello from %s",
			cpim_from, tid);
	return peer_send(p,
		"MSRP %s SEND\r\n"
		"To-Path: %s\r\n"
		"From-Path: msrp://127.0.0.1:9/%sc;tcp\r\n"
		"Message-ID: m%s\r\n"
		"Byte-Range: 1-%d/%d\r\n"
		"Content-Type: message/cpim\r\n"
		"\r\n"
		"%s\r\n"
		"-------%s$\r\n",
		tid, msrp_part_path(part), p->name, tid, n, n, body, tid);
}


/* The binding SEND (RFC 4975 5.4): no body, To-Path our session. */
static int bind_sess(struct peer *p, const struct msrp_part *part,
		     const char *tid)
{
	char ok[64];

	re_snprintf(ok, sizeof(ok), "MSRP %s 200", tid);
	if (peer_send(p,
		      "MSRP %s SEND\r\n"
		      "To-Path: %s\r\n"
		      "From-Path: msrp://127.0.0.1:9/%sc;tcp\r\n"
		      "Message-ID: b%s\r\n"
		      "Byte-Range: 1-0/0\r\n"
		      "-------%s$\r\n",
		      tid, msrp_part_path(part), p->name, tid, tid))
		return EIO;
	return wait_for(p, ok, 3000) ? 0 : ETIMEDOUT;
}


static int test_cpim_from(void)
{
	struct msrp_conf_prm cprm;
	struct msrp_part_prm pprm;
	struct msrp_conf *conf = NULL;
	struct msrp_part *pa = NULL, *pb = NULL;
	static struct peer a, b;
	struct msrp_conf_stats st;
	struct media_portpool *pool = NULL;
	struct sa laddr;
	uint16_t base = (uint16_t)(42000 + rand_u16() % 2000);
	int err = 0;

	memset(&cprm, 0, sizeof(cprm));
	cprm.uri = "sip:room@example.org";
	CHECK_EQ(msrp_conf_alloc(&conf, &cprm), 0);

	sa_set_str(&laddr, "127.0.0.1", 0);
	memset(&pprm, 0, sizeof(pprm));
	pprm.laddr = &laddr;
	CHECK_EQ(media_portpool_alloc(&pool, "tcp_ports", base, base + 99), 0);
	pprm.listenh = media_portpool_tcp_listen;
	pprm.listen_arg = pool;
	pprm.active = false;
	pprm.identity = "sip:alice@example.org";
	CHECK_EQ(msrp_part_alloc(&pa, conf, &pprm), 0);
	pprm.identity = "sip:bob@example.org";
	CHECK_EQ(msrp_part_alloc(&pb, conf, &pprm), 0);

	CHECK_EQ(peer_connect(&a, "alice", pa), 0);
	CHECK_EQ(peer_connect(&b, "bob", pb), 0);
	CHECK_EQ(bind_sess(&a, pa, "bnda0001"), 0);
	CHECK_EQ(bind_sess(&b, pb, "bndb0001"), 0);

	/* authorized: alice as herself; relayed to bob under her name */
	CHECK_EQ(send_cpim(&a, pa, "okay0001", "sip:alice@example.org"), 0);
	if (!wait_for(&a, "MSRP okay0001 200", 3000) ||
	    !wait_for(&b, "hello from okay0001", 3000) ||
	    !strstr(b.rx, "From: <sip:alice@example.org>")) {
		fprintf(stderr, "alice as alice: a=[%s]\nb=[%s]\n", a.rx,
			b.rx);
		err = EINVAL;
	}

	/* unauthorized: alice claims to be bob */
	CHECK_EQ(send_cpim(&a, pa, "spof0001", "sip:bob@example.org"), 0);
	if (!wait_for(&a, "MSRP spof0001 403", 3000)) {
		fprintf(stderr, "alice as bob: a=[%s]\n", a.rx);
		err = EINVAL;
	}
	/* nothing of it reached bob (give it time to arrive if it would) */
	(void)wait_for(&b, "hello from spof0001", 300);
	if (strstr(b.rx, "spof0001")) {
		fprintf(stderr, "spoof relayed: b=[%s]\n", b.rx);
		err = EINVAL;
	}

	msrp_conf_stats(conf, &st);
	CHECK(st.rejected >= 1);

	a.tc = mem_deref(a.tc);
	b.tc = mem_deref(b.tc);
	mem_deref(pa);
	mem_deref(pb);
	mem_deref(conf);
	mem_deref(pool);
	return err;
}


int main(void)
{
	static const struct check_case cases[] = {
		CASE(test_cpim_from),
	};
	int err;

	if (libre_init())
		return 1;
	err = check_run("authz_msrp", cases, ARRAY_SIZE(cases));
	libre_close();
	return err;
}

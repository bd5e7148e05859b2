/**
 * @file test_eventpkg.c  The notifier's limits (issue 18): caps per
 * identity, per source address and in total, NOTIFY pacing, and the end
 * of a subscription whose NOTIFY fails.
 *
 * eventpkg runs on libre's SIP stack on 127.0.0.1; the subscribers are
 * bare UDP sockets (on 127.0.0.1 and 127.0.0.2, so that they have two
 * source addresses) that write SUBSCRIBEs by hand and answer NOTIFYs
 * as each test tells them.  They share nothing with eventpkg beyond
 * libre's message parser.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <re.h>
#include "eventpkg/eventpkg.h"
#include "tests/unit/check.h"


enum answer {
	ANSWER_200 = 0,
	ANSWER_481,
	ANSWER_NONE,                   /* a dead subscriber */
};

enum { MAXPEERS = 2, MAXREC = 256 };

struct peer {
	int fd;
	struct sockaddr_in sin;
	enum answer answer;
};

/* a NOTIFY transaction seen (retransmissions counted in `copies`) */
struct nrec {
	char callid[32];
	uint32_t cseq;
	uint64_t t;                    /* tmr_jiffies() at arrival */
	uint32_t copies;
	bool terminated;
};

/* the final response to a SUBSCRIBE */
struct srec {
	char callid[32];
	uint16_t scode;
	char reason[64];
	uint32_t retry_after;          /* 0: none */
};

static struct {
	struct sip *sip;
	struct eventpkg *ep;
	struct eventpkg_conf *conf;
	struct sockaddr_in srv;
	struct peer peers[MAXPEERS];
	struct nrec n[MAXREC];
	size_t nn;
	struct srec s[MAXREC];
	size_t ns;
	uint32_t callids;
	struct tmr tmr_poll, tmr_deadline;
	bool (*cond)(void);
	bool timed_out;
} t;


static void auth_handler(struct eventpkg_sub *sub, const struct sip_msg *msg,
			 void *arg)
{
	(void)msg;
	(void)arg;

	(void)eventpkg_sub_accept(sub, t.conf, NULL, NULL, 0);
}


static void pl_cpy(char *dst, size_t sz, const struct pl *pl)
{
	(void)pl_strcpy(pl, dst, sz);
}


static void answer(struct peer *p, const struct sip_msg *msg, uint16_t sc,
		   const char *reason)
{
	char buf[1024];
	int n;

	n = re_snprintf(buf, sizeof(buf),
			"SIP/2.0 %u %s\r\n"
			"Via: %r\r\nFrom: %r\r\nTo: %r\r\n"
			"Call-ID: %r\r\nCSeq: %u %r\r\n"
			"Content-Length: 0\r\n\r\n",
			sc, reason, &msg->via.val, &msg->from.val,
			&msg->to.val, &msg->callid, msg->cseq.num,
			&msg->cseq.met);
	(void)sendto(p->fd, buf, (size_t)n, 0, (struct sockaddr *)&t.srv,
		     sizeof(t.srv));
}


static void on_notify(struct peer *p, const struct sip_msg *msg)
{
	const struct sip_hdr *ss = sip_msg_hdr(msg, SIP_HDR_SUBSCRIPTION_STATE);
	struct nrec *r = NULL;
	size_t i;

	for (i = 0; i < t.nn; i++) {
		if (!pl_strcmp(&msg->callid, t.n[i].callid) &&
		    t.n[i].cseq == msg->cseq.num) {
			r = &t.n[i];
			break;
		}
	}

	if (!r && t.nn < MAXREC) {
		r = &t.n[t.nn++];
		memset(r, 0, sizeof(*r));
		pl_cpy(r->callid, sizeof(r->callid), &msg->callid);
		r->cseq = msg->cseq.num;
		r->t = tmr_jiffies();
		r->terminated = ss && !re_regex(ss->val.p, ss->val.l,
						"terminated");
	}
	if (r)
		++r->copies;

	switch (p->answer) {

	case ANSWER_200:
		answer(p, msg, 200, "OK");
		break;

	case ANSWER_481:
		answer(p, msg, 481, "Call/Transaction Does Not Exist");
		break;

	default:
		break;
	}
}


static void on_response(const struct sip_msg *msg)
{
	const struct sip_hdr *ra;
	struct srec *r;

	if (msg->scode < 200 || pl_strcmp(&msg->cseq.met, "SUBSCRIBE") ||
	    t.ns >= MAXREC)
		return;

	r = &t.s[t.ns++];
	memset(r, 0, sizeof(*r));
	pl_cpy(r->callid, sizeof(r->callid), &msg->callid);
	pl_cpy(r->reason, sizeof(r->reason), &msg->reason);
	r->scode = msg->scode;
	ra = sip_msg_xhdr(msg, "Retry-After");
	if (ra)
		r->retry_after = pl_u32(&ra->val);
}


static void fd_handler(int flags, void *arg)
{
	struct peer *p = arg;
	uint8_t buf[8192];
	(void)flags;

	for (;;) {
		struct sip_msg *msg = NULL;
		struct mbuf *mb;
		ssize_t r = recv(p->fd, buf, sizeof(buf), 0);

		if (r <= 0)
			break;

		mb = mbuf_alloc((size_t)r);
		if (!mb)
			break;
		(void)mbuf_write_mem(mb, buf, (size_t)r);
		mb->pos = 0;
		if (!sip_msg_decode(&msg, mb)) {
			if (!msg->req)
				on_response(msg);
			else if (!pl_strcmp(&msg->met, "NOTIFY"))
				on_notify(p, msg);
		}
		mem_deref(msg);
		mem_deref(mb);
	}
}


/* SUBSCRIBE from peer pi as sip:USER@example.org; returns its Call-ID
 * number. */
static uint32_t subscribe(unsigned pi, const char *user)
{
	struct peer *p = &t.peers[pi];
	char buf[1024], ip[32];
	uint32_t id = ++t.callids;
	int n;

	inet_ntop(AF_INET, &p->sin.sin_addr, ip, sizeof(ip));
	n = re_snprintf(buf, sizeof(buf),
			"SUBSCRIBE sip:room@127.0.0.1:%u SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bKt%u\r\n"
			"From: <sip:%s@example.org>;tag=f%u\r\n"
			"To: <sip:room@example.org>\r\n"
			"Call-ID: t-%u\r\n"
			"CSeq: 1 SUBSCRIBE\r\n"
			"Contact: <sip:%s@%s:%u>\r\n"
			"Max-Forwards: 70\r\n"
			"Event: conference\r\n"
			"Expires: 600\r\n"
			"Content-Length: 0\r\n\r\n",
			ntohs(t.srv.sin_port), ip, ntohs(p->sin.sin_port),
			id, user, id, id, user, ip, ntohs(p->sin.sin_port));
	(void)sendto(p->fd, buf, (size_t)n, 0, (struct sockaddr *)&t.srv,
		     sizeof(t.srv));

	return id;
}


static const struct srec *sresp(uint32_t id)
{
	char cid[32];
	size_t i;

	re_snprintf(cid, sizeof(cid), "t-%u", id);
	for (i = 0; i < t.ns; i++)
		if (!strcmp(t.s[i].callid, cid))
			return &t.s[i];

	return NULL;
}


/* NOTIFY transactions seen for one subscription */
static uint32_t notifies(uint32_t id)
{
	char cid[32];
	uint32_t c = 0;
	size_t i;

	re_snprintf(cid, sizeof(cid), "t-%u", id);
	for (i = 0; i < t.nn; i++)
		if (!strcmp(t.n[i].callid, cid))
			++c;

	return c;
}


static void poll_handler(void *arg)
{
	(void)arg;

	if (t.cond && t.cond()) {
		re_cancel();
		return;
	}
	tmr_start(&t.tmr_poll, 2, poll_handler, NULL);
}


static void deadline_handler(void *arg)
{
	(void)arg;
	t.timed_out = true;
	re_cancel();
}


/* Run the main loop until cond() holds (or for ms when cond is NULL);
 * true if cond held. */
static bool run(bool (*cond)(void), uint32_t ms)
{
	t.cond = cond;
	t.timed_out = false;
	tmr_start(&t.tmr_poll, 1, poll_handler, NULL);
	tmr_start(&t.tmr_deadline, ms, deadline_handler, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t.tmr_poll);
	tmr_cancel(&t.tmr_deadline);

	return cond ? !t.timed_out || cond() : true;
}


static size_t want_resp;
static bool have_resp(void)
{
	return t.ns >= want_resp;
}


static int peer_open(struct peer *p, const char *ip)
{
	int big = 1024 * 1024;

	memset(&p->sin, 0, sizeof(p->sin));
	p->sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &p->sin.sin_addr);
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p->fd < 0)
		return errno;
	(void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(p->fd, (struct sockaddr *)&p->sin, sizeof(p->sin)) ||
	    getsockname(p->fd, (struct sockaddr *)&p->sin,
			&(socklen_t){sizeof(p->sin)}) ||
	    fcntl(p->fd, F_SETFL, O_NONBLOCK))
		return errno;

	return fd_listen(p->fd, FD_READ, fd_handler, p);
}


static int setup(const struct eventpkg_cfg *cfg)
{
	struct sa laddr;
	unsigned i;
	int err;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < MAXPEERS; i++)
		t.peers[i].fd = -1;

	err = libre_init();
	if (err)
		return err;

	sa_set_str(&laddr, "127.0.0.1", 0);
	err = sip_alloc(&t.sip, NULL, 64, 64, 32, "test", NULL, NULL);
	err |= sip_transp_add(t.sip, SIP_TRANSP_UDP, &laddr);
	err |= sip_transp_laddr(t.sip, &laddr, SIP_TRANSP_UDP, NULL);
	if (err)
		return err;

	err = eventpkg_alloc(&t.ep, t.sip, cfg, auth_handler, NULL);
	err |= eventpkg_conf_alloc(&t.conf, t.ep, "sip:room@example.org");
	if (err)
		return err;

	memset(&t.srv, 0, sizeof(t.srv));
	t.srv.sin_family = AF_INET;
	t.srv.sin_port = htons(sa_port(&laddr));
	t.srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	err = peer_open(&t.peers[0], "127.0.0.1");
	err |= peer_open(&t.peers[1], "127.0.0.2");

	return err;
}


static void teardown(void)
{
	unsigned i;

	for (i = 0; i < MAXPEERS; i++) {
		if (t.peers[i].fd >= 0) {
			fd_close(t.peers[i].fd);
			close(t.peers[i].fd);
		}
	}
	t.conf = mem_deref(t.conf);
	t.ep = mem_deref(t.ep);
	if (t.sip)
		sip_close(t.sip, true);
	t.sip = mem_deref(t.sip);
	tmr_cancel(&t.tmr_poll);
	tmr_cancel(&t.tmr_deadline);
	libre_close();
}


/* SUBSCRIBE and wait for its final response */
static const struct srec *sub_wait(unsigned pi, const char *user)
{
	uint32_t id = subscribe(pi, user);

	want_resp = t.ns + 1;
	(void)run(have_resp, 2000);

	return sresp(id);
}


/* The 5th SUBSCRIBE of one identity gets 503 with Retry-After, also
 * from another address; another identity is still welcome. */
static int body_identity(void)
{
	struct eventpkg_stats st;
	const struct srec *r;
	int i;

	for (i = 0; i < 4; i++) {
		r = sub_wait(i % 2, "alice");
		CHECK(r);
		CHECK_EQ(r->scode, 200);
	}

	r = sub_wait(1, "Alice");
	CHECK(r);
	CHECK_EQ(r->scode, 503);
	CHECK_STR(r->reason, "Too Many Subscriptions For This Subscriber");
	CHECK_EQ(r->retry_after, 60);

	r = sub_wait(0, "bob");
	CHECK(r);
	CHECK_EQ(r->scode, 200);

	eventpkg_stats(t.ep, &st);
	CHECK_EQ(st.subs, 5);
	CHECK_EQ(st.refused_limit, 1);
	CHECK_EQ(eventpkg_conf_sub_count(t.conf), 5);

	return 0;
}


/* Per source address (3 here): the 4th from 127.0.0.1 is refused,
 * 127.0.0.2 is not affected. */
static int body_source(void)
{
	const struct srec *r;
	char u[16];
	int i;

	for (i = 0; i < 3; i++) {
		re_snprintf(u, sizeof(u), "u%d", i);
		r = sub_wait(0, u);
		CHECK(r);
		CHECK_EQ(r->scode, 200);
	}

	r = sub_wait(0, "u3");
	CHECK(r);
	CHECK_EQ(r->scode, 503);
	CHECK_STR(r->reason, "Too Many Subscriptions From This Address");
	CHECK_EQ(r->retry_after, 7);

	r = sub_wait(1, "u4");
	CHECK(r);
	CHECK_EQ(r->scode, 200);

	return 0;
}


/* In total (3 here), whatever the address and identity. */
static int body_total(void)
{
	const struct srec *r;

	CHECK_EQ(sub_wait(0, "a")->scode, 200);
	CHECK_EQ(sub_wait(1, "b")->scode, 200);
	CHECK_EQ(sub_wait(0, "c")->scode, 200);

	r = sub_wait(1, "d");
	CHECK(r);
	CHECK_EQ(r->scode, 503);
	CHECK_STR(r->reason, "Too Many Subscriptions");
	CHECK(r->retry_after > 0);

	return 0;
}


static uint32_t dead_id;
static bool dead_gone(void)
{
	struct eventpkg_stats st;

	eventpkg_stats(t.ep, &st);
	return st.notify_failed == 1 && notifies(dead_id) == 1;
}


/* A subscriber that answers its NOTIFY with 481 is dropped at once: no
 * more NOTIFYs for later changes, and its place under the caps is free
 * again (max 1 per identity here). */
static int body_failed_notify(void)
{
	struct eventpkg_stats st;
	const struct srec *r;
	uint32_t live;

	t.peers[1].answer = ANSWER_481;
	dead_id = subscribe(1, "mallory");
	CHECK(run(dead_gone, 2000));

	live = subscribe(0, "alice");
	want_resp = 2;
	CHECK(run(have_resp, 2000));
	CHECK_EQ(sresp(live)->scode, 200);

	eventpkg_stats(t.ep, &st);
	CHECK_EQ(st.subs, 1);
	CHECK_EQ(eventpkg_conf_sub_count(t.conf), 1);

	/* changes reach the live subscriber only */
	cinfo_ep_set(eventpkg_conf_info(t.conf), "sip:bob@example.org",
		     "sip:bob@10.0.0.2", CINFO_EP_CONNECTED,
		     CINFO_JOIN_DIALED_IN, NULL);
	eventpkg_conf_publish(t.conf);
	(void)run(NULL, 300);
	CHECK_EQ(notifies(live), 2);
	CHECK_EQ(notifies(dead_id), 1);

	/* the slot under "mallory" was given back */
	t.peers[1].answer = ANSWER_200;
	r = sub_wait(1, "mallory");
	CHECK(r);
	CHECK_EQ(r->scode, 200);

	return 0;
}


static uint32_t want_notifies;
static bool have_notifies(void)
{
	return t.nn >= want_notifies;
}


static int cmp_rec(const void *a, const void *b)
{
	const struct nrec *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}


/* 12 subscriptions at once with 20 NOTIFYs/s and a burst of 5: the
 * first 5 NOTIFYs leave at once, the others one per 50 ms.  A change
 * published meanwhile is merged into the first document of those still
 * waiting (no extra NOTIFY for them), and those already served get one
 * partial each, behind the others: 12 + 5 NOTIFYs, none lost, never
 * more than the bucket allows in any window. */
static int body_pacing(void)
{
	struct eventpkg_stats st;
	size_t i, j, k, two;
	char u[16];

	for (i = 0; i < 12; i++) {
		re_snprintf(u, sizeof(u), "p%zu", i);
		(void)subscribe(i % 2, u);
	}

	want_resp = 12;
	CHECK(run(have_resp, 2000));
	for (i = 0; i < 12; i++)
		CHECK_EQ(sresp((uint32_t)i + 1)->scode, 200);

	/* the ones served before the change (5, or a few more if the
	 * bucket refilled meanwhile) */
	k = t.nn;
	eventpkg_stats(t.ep, &st);
	CHECK(k >= 5 && k <= 7);
	CHECK_EQ(st.queued, 12 - k);

	cinfo_set_subject(eventpkg_conf_info(t.conf), "changed");
	eventpkg_conf_publish(t.conf);

	want_notifies = 12 + k;
	CHECK(run(have_notifies, 4000));
	(void)run(NULL, 300);
	CHECK_EQ(t.nn, 12 + k);
	for (i = 0, two = 0; i < 12; i++) {
		uint32_t c = notifies((uint32_t)i + 1);
		CHECK(c == 1 || c == 2);
		two += (c == 2);
	}
	CHECK_EQ(two, k);

	qsort(t.n, t.nn, sizeof(t.n[0]), cmp_rec);

	/* every token beyond the burst takes 50 ms at 20/s */
	CHECK(t.n[t.nn - 1].t - t.n[0].t >= (12 + k - 5 - 1) * 50 - 20);

	/* in any 100 ms: at most the burst plus 2 refills (+1 for the
	 * millisecond clock) */
	for (i = 0; i < t.nn; i++) {
		size_t c = 0;
		for (j = i; j < t.nn && t.n[j].t - t.n[i].t < 100; j++)
			++c;
		CHECK(c <= 8);
	}

	eventpkg_stats(t.ep, &st);
	CHECK_EQ(st.queued, 0);
	CHECK_EQ(st.notify_sent, 12 + k);

	return 0;
}


#define WITH(cfgexpr, body)						\
	static int test_##body(void)					\
	{								\
		struct eventpkg_cfg cfg = cfgexpr;			\
		int err = setup(&cfg);					\
		if (!err)						\
			err = body_##body();				\
		teardown();						\
		return err;						\
	}

#define CFG(...) { __VA_ARGS__ }

WITH(CFG(.max_per_identity = 0), identity)
WITH(CFG(.max_per_source = 3, .retry_after = 7), source)
WITH(CFG(.max_total = 3), total)
WITH(CFG(.max_per_identity = 1), failed_notify)
WITH(CFG(.max_per_source = 100, .notify_rate = 20, .notify_burst = 5),
     pacing)


TEST_MAIN("eventpkg",
	  CASE(test_identity),
	  CASE(test_source),
	  CASE(test_total),
	  CASE(test_failed_notify),
	  CASE(test_pacing))

/**
 * @file test_msrp_sess.c  MSRP endpoint rules (RFC 4975 s.5.4, 7.1-7.3)
 * over an in-memory transport: bytes in, bytes out, no sockets.
 */
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "msrp/sess_int.h"
#include "tests/unit/check.h"


#define OURS "msrp://127.0.0.1:40000/ours123;tcp"
#define PEER "msrp://127.0.0.1:50000/peer456;tcp"

struct cap {
	char out[8192];
	size_t n;
	unsigned sends, bodies, ends, fails;
	char body[256];
};


static int cap_send(struct mbuf *mb, void *arg)
{
	struct cap *c = arg;
	size_t n = mbuf_get_left(mb);

	if (c->n + n >= sizeof(c->out))
		return ENOMEM;
	memcpy(c->out + c->n, mbuf_buf(mb), n);
	c->n += n;
	c->out[c->n] = '\0';
	return 0;
}


static uint16_t up_send(struct msrp_sess *s, const struct msrp_hdrs *h,
			void *arg)
{
	struct cap *c = arg;
	c->sends++;
	/* the upper layer turns text/html down, as the relay does */
	return pl_strcmp(&h->ctype, "text/html") ? 0 : 415;
}


static uint16_t up_body(struct msrp_sess *s, const struct msrp_hdrs *h,
			const uint8_t *p, size_t n, void *arg)
{
	struct cap *c = arg;
	size_t l = strlen(c->body);

	if (l + n < sizeof(c->body))
		memcpy(c->body + l, p, n), c->body[l + n] = '\0';
	c->bodies++;
	return 0;
}


static uint16_t up_end(struct msrp_sess *s, const struct msrp_hdrs *h,
		       char flag, void *arg)
{
	struct cap *c = arg;
	c->ends++;
	return 200;
}


static void up_fail(struct msrp_sess *s, int err, void *arg)
{
	struct cap *c = arg;
	c->fails++;
}


static int setup(struct msrp_sess **s, struct msrp_conn **conn,
		 struct cap *c, struct cap *tc)
{
	struct msrp_sess_handlers h = {
		.sendh = up_send, .bodyh = up_body, .endh = up_end,
		.failh = up_fail, .arg = c,
	};
	struct msrp_transport t = { .sendh = cap_send, .arg = tc };
	int err;

	memset(c, 0, sizeof(*c));
	err = msrp_sess_alloc(s, OURS, NULL, 65536, &h);
	if (!err)
		err = msrp_conn_alloc(conn, *s, &t);
	return err;
}


static void feed(struct msrp_conn *conn, const char *s)
{
	msrp_conn_recv(conn, (const uint8_t *)s, strlen(s));
}


static int test_send_200_and_report(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn;
	static struct cap c, t;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	feed(conn, "MSRP tx000001 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00001\r\n"
	     "Byte-Range: 1-5/5\r\nSuccess-Report: yes\r\n"
	     "Content-Type: text/plain\r\n\r\nhello\r\n-------tx000001$\r\n");
	CHECK_EQ(c.sends, 1);
	CHECK_STR(c.body, "hello");
	CHECK(strstr(t.out, "MSRP tx000001 200 OK\r\nTo-Path: " PEER "\r\n"
		     "From-Path: " OURS "\r\n-------tx000001$\r\n"));
	/* s.7.1.3: REPORT with the original Message-ID and the range */
	CHECK(strstr(t.out, " REPORT\r\nTo-Path: " PEER "\r\nFrom-Path: "
		     OURS "\r\nMessage-ID: msg00001\r\nByte-Range: 1-5/5\r\n"
		     "Status: 000 200 OK\r\n"));
	CHECK(msrp_sess_bound(s));
	mem_deref(conn);
	CHECK_EQ(c.fails, 1);        /* the bound connection went */
	mem_deref(s);
	return 0;
}


static int test_481_wrong_to_path(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn;
	static struct cap c, t;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	feed(conn, "MSRP tx000002 SEND\r\n"
	     "To-Path: msrp://127.0.0.1:40000/other99;tcp\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00002\r\n"
	     "Content-Type: text/plain\r\n\r\nx\r\n-------tx000002$\r\n");
	CHECK(strstr(t.out, "MSRP tx000002 481 "));
	CHECK_EQ(c.sends, 0);
	CHECK(!msrp_sess_bound(s));  /* a 481 binds nothing */

	/* session-id is case-sensitive (s.6.1) */
	t.n = 0;
	feed(conn, "MSRP tx000003 SEND\r\n"
	     "To-Path: msrp://127.0.0.1:40000/OURS123;tcp\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00003\r\n"
	     "-------tx000003$\r\n");
	CHECK(strstr(t.out, "MSRP tx000003 481 "));

	/* To-Path through a relay: only its last URI must be ours */
	t.n = 0;
	feed(conn, "MSRP tx000004 SEND\r\n"
	     "To-Path: msrp://relay:1/r;tcp " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00004\r\n"
	     "-------tx000004$\r\n");
	CHECK(strstr(t.out, "MSRP tx000004 200 "));
	mem_deref(conn);
	mem_deref(s);
	return 0;
}


static int test_400_and_goes_on(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn;
	static struct cap c, t;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	feed(conn, "MSRP tx000005 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00005\r\n"
	     "Byte-Range: nonsense\r\nContent-Type: text/plain\r\n\r\n"
	     "x\r\n-------tx000005$\r\n"
	     "MSRP tx000006 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00006\r\n"
	     "Content-Type: text/plain\r\n\r\nok\r\n-------tx000006$\r\n");
	CHECK(strstr(t.out, "MSRP tx000005 400 Bad Request\r\nTo-Path: "
		     PEER "\r\n"));
	CHECK(strstr(t.out, "MSRP tx000006 200 OK"));
	CHECK_STR(c.body, "ok");
	mem_deref(conn);
	mem_deref(s);
	return 0;
}


static int test_failure_report_modes(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn;
	static struct cap c, t;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	/* "no": nothing at all, not even for an error */
	feed(conn, "MSRP tx000007 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00007\r\n"
	     "Failure-Report: no\r\nSuccess-Report: no\r\n"
	     "Content-Type: text/plain\r\n\r\na\r\n-------tx000007$\r\n"
	     "MSRP tx000008 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00008\r\n"
	     "Failure-Report: no\r\n"
	     "Content-Type: text/html\r\n\r\n<b>\r\n-------tx000008$\r\n");
	CHECK_EQ(t.n, 0);
	CHECK_EQ(c.sends, 2);
	/* "partial": no 200, but the 415 */
	feed(conn, "MSRP tx000009 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00009\r\n"
	     "Failure-Report: partial\r\n"
	     "Content-Type: text/plain\r\n\r\na\r\n-------tx000009$\r\n"
	     "MSRP tx000010 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00010\r\n"
	     "Failure-Report: partial\r\n"
	     "Content-Type: text/html\r\n\r\n<b>\r\n-------tx000010$\r\n");
	CHECK(!strstr(t.out, "tx000009 200"));
	CHECK(strstr(t.out, "MSRP tx000010 415 "));
	/* REPORTs never get responses; unknown methods get 501 */
	t.n = 0;
	feed(conn, "MSRP tx000011 REPORT\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00011\r\n"
	     "Status: 000 200 OK\r\n-------tx000011$\r\n"
	     "MSRP tx000012 FOO\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\n-------tx000012$\r\n");
	CHECK(!strstr(t.out, "tx000011"));
	CHECK(strstr(t.out, "MSRP tx000012 501 "));
	mem_deref(conn);
	mem_deref(s);
	return 0;
}


static int test_506_second_connection(void)
{
	struct msrp_sess *s;
	struct msrp_conn *c1, *c2;
	static struct cap c, t1, t2;
	struct msrp_transport t = { .sendh = cap_send, .arg = &t2 };

	memset(&t1, 0, sizeof(t1));
	memset(&t2, 0, sizeof(t2));
	CHECK_EQ(setup(&s, &c1, &c, &t1), 0);
	CHECK_EQ(msrp_conn_alloc(&c2, s, &t), 0);
	feed(c1, "MSRP tx000013 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00013\r\n"
	     "-------tx000013$\r\n");
	feed(c2, "MSRP tx000014 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00014\r\n"
	     "-------tx000014$\r\n");
	CHECK(strstr(t1.out, "MSRP tx000013 200 "));
	CHECK(strstr(t2.out, "MSRP tx000014 506 "));
	/* unframeable input closes only that connection */
	mem_deref(c2);
	CHECK(msrp_sess_bound(s));
	mem_deref(c1);
	mem_deref(s);
	return 0;
}


static int test_queue_bound(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn;
	static struct cap c, t;
	struct mbuf *body = mbuf_alloc(40000);
	int err;

	memset(&t, 0, sizeof(t));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	feed(conn, "MSRP tx000015 SEND\r\nTo-Path: " OURS "\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00015\r\n"
	     "-------tx000015$\r\n");
	mbuf_fill(body, 'z', 40000);
	/* the capture transport holds 8 KiB: sends fail, so frames stay
	 * queued and the 64 KiB bound is hit on the second one */
	CHECK_EQ(msrp_sess_send(s, "out00001", 1, body, 0, 40000, 80000,
				'+', "message/cpim"), 0);
	err = msrp_sess_send(s, "out00001", 40001, body, 0, 40000, 80000,
			     '$', "message/cpim");
	CHECK_EQ(err, ENOSPC);
	mem_deref(body);
	mem_deref(conn);
	mem_deref(s);
	return 0;
}


/* What authenticates a plain TCP connection (net.c): a request whose
 * To-Path ends with our URI, whose session-id only the SDP told. */
static int test_addressed(void)
{
	struct msrp_sess *s;
	struct msrp_conn *conn, *conn2;
	struct msrp_transport tr;
	static struct cap c, t, t2;

	memset(&t, 0, sizeof(t));
	memset(&t2, 0, sizeof(t2));
	CHECK_EQ(setup(&s, &conn, &c, &t), 0);
	CHECK(!msrp_conn_addressed(conn));

	/* half a header: nothing known yet */
	feed(conn, "MSRP tx000011 SEND\r\nTo-Path: " OURS "\r\n");
	CHECK(!msrp_conn_addressed(conn));
	feed(conn, "From-Path: " PEER "\r\nMessage-ID: msg00011\r\n"
	     "-------tx000011$\r\n");
	CHECK(msrp_conn_addressed(conn));

	/* a wrong session-id (or a guessed one) does not */
	memset(&tr, 0, sizeof(tr));
	tr.sendh = cap_send;
	tr.arg = &t2;
	CHECK_EQ(msrp_conn_alloc(&conn2, s, &tr), 0);
	feed(conn2, "MSRP tx000012 SEND\r\n"
	     "To-Path: msrp://127.0.0.1:40000/ours124;tcp\r\n"
	     "From-Path: " PEER "\r\nMessage-ID: msg00012\r\n"
	     "-------tx000012$\r\n");
	CHECK(strstr(t2.out, "MSRP tx000012 481 "));
	CHECK(!msrp_conn_addressed(conn2));
	/* garbage neither */
	feed(conn2, "GET / HTTP/1.0\r\n\r\n");
	CHECK(!msrp_conn_addressed(conn2));

	mem_deref(conn2);
	mem_deref(conn);
	mem_deref(s);
	return 0;
}


TEST_MAIN("msrp_sess",
	  CASE(test_addressed),
	  CASE(test_send_200_and_report),
	  CASE(test_481_wrong_to_path),
	  CASE(test_400_and_goes_on),
	  CASE(test_failure_report_modes),
	  CASE(test_506_second_connection),
	  CASE(test_queue_bound))

/**
 * @file test_msrp_parse.c  Unit tests for the streaming MSRP parser
 *
 * Frames come from RFC 4975 s.11 (examples) and from the ABNF of s.9.
 * Every frame is fed whole, split at every byte, and byte by byte; the
 * parser must report the same events every time.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "tests/unit/check.h"


struct rec {
	char log[70000];
	size_t n;
	bool in_body;
	unsigned hdrs, ends, errs;
	struct msrp_hdrs last;
	char flag;
	char comment[64];
};


static void rlog(struct rec *r, const char *s, size_t n)
{
	if (r->n + n >= sizeof(r->log))
		n = sizeof(r->log) - r->n - 1;
	memcpy(r->log + r->n, s, n);
	r->n += n;
	r->log[r->n] = '\0';
}


static void hdr_h(const struct msrp_hdrs *h, void *arg)
{
	struct rec *r = arg;
	char buf[256];
	int n;

	n = re_snprintf(buf, sizeof(buf), "[H %s %s %u %r|%r|%r ct=%r]",
			h->tid, h->kind == MSRP_REQUEST ? "req" : "resp",
			h->kind == MSRP_REQUEST ? h->method : h->scode,
			&h->to_path, &h->from_path, &h->msgid, &h->ctype);
	rlog(r, buf, n);
	r->hdrs++;
	r->last = *h;
	pl_strcpy(&h->comment, r->comment, sizeof(r->comment));
	r->in_body = false;
}


static void body_h(const struct msrp_hdrs *h, const uint8_t *p, size_t n,
		   void *arg)
{
	struct rec *r = arg;

	if (!r->in_body)
		rlog(r, "[B ", 3);
	r->in_body = true;
	rlog(r, (const char *)p, n);
}


static void end_h(const struct msrp_hdrs *h, char flag, void *arg)
{
	struct rec *r = arg;
	char buf[8];

	if (r->in_body)
		rlog(r, "]", 1);
	r->in_body = false;
	re_snprintf(buf, sizeof(buf), "[E%c]", flag);
	rlog(r, buf, 4);
	r->ends++;
	r->flag = flag;
}


static void err_h(const struct msrp_hdrs *h, const char *reason, void *arg)
{
	struct rec *r = arg;
	char buf[128];
	int n;

	n = re_snprintf(buf, sizeof(buf), "[X %s %s]", h->tid, reason);
	rlog(r, buf, n);
	r->errs++;
}


/* Feed s in pieces of at most step bytes (0: all at once). */
static int feed(struct rec *r, const char *s, size_t len, size_t step)
{
	struct msrp_parser *p;
	size_t off = 0;
	int err;

	memset(r, 0, sizeof(*r));
	err = msrp_parser_alloc(&p, hdr_h, body_h, end_h, err_h, r);
	if (err)
		return err;

	while (off < len) {
		size_t n = step ? step : len;
		uint8_t *copy;

		if (n > len - off)
			n = len - off;
		/* a heap copy of exactly n bytes: ASan sees over-reads */
		copy = malloc(n);
		memcpy(copy, s + off, n);
		err = msrp_parser_feed(p, copy, n);
		free(copy);
		if (err)
			break;
		off += n;
	}

	mem_deref(p);
	return err;
}


/* Same events whole, split in two at every byte, and byte by byte. */
static int all_splits(const char *s, struct rec *whole)
{
	static struct rec r;
	size_t len = strlen(s), cut;
	int err0, err;

	err0 = feed(whole, s, len, 0);

	for (cut = 1; cut < len; cut++) {
		struct msrp_parser *p;
		memset(&r, 0, sizeof(r));
		CHECK(!msrp_parser_alloc(&p, hdr_h, body_h, end_h, err_h, &r));
		err = msrp_parser_feed(p, (const uint8_t *)s, cut);
		if (!err)
			err = msrp_parser_feed(p, (const uint8_t *)s + cut,
					       len - cut);
		mem_deref(p);
		CHECK_EQ(err, err0);
		if (strcmp(r.log, whole->log)) {
			fprintf(stderr, "cut %zu:\n%s\n!=\n%s\n", cut, r.log,
				whole->log);
			return EINVAL;
		}
	}

	err = feed(&r, s, len, 1);
	CHECK_EQ(err, err0);
	CHECK_STR(r.log, whole->log);
	return err0;
}


static const char rfc_send[] =
	"MSRP a786hjs2 SEND\r\n"
	"To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
	"From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
	"Message-ID: 87652491\r\n"
	"Byte-Range: 1-25/25\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"Hey Bob, are you there?\r\n"
	"-------a786hjs2$\r\n";

static const char rfc_resp[] =
	"MSRP a786hjs2 200 OK\r\n"
	"To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
	"From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
	"-------a786hjs2$\r\n";

static const char rfc_report[] =
	"MSRP dkei38sd REPORT\r\n"
	"To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
	"From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
	"Message-ID: 12339sdqwer\r\n"
	"Byte-Range: 1-106/106\r\n"
	"Status: 000 200 OK\r\n"
	"-------dkei38sd$\r\n";


static int test_send(void)
{
	static struct rec r;

	CHECK_EQ(all_splits(rfc_send, &r), 0);
	CHECK_EQ(r.hdrs, 1);
	CHECK_EQ(r.ends, 1);
	CHECK_EQ(r.flag, '$');
	CHECK(strstr(r.log, "[B Hey Bob, are you there?][E$]"));
	CHECK_EQ(r.last.range.start, 1);
	CHECK_EQ(r.last.range.end, 25);
	CHECK_EQ(r.last.range.total, 25);
	CHECK_EQ(r.last.method, MSRP_SEND);
	return 0;
}


static int test_response_report(void)
{
	static struct rec r;

	CHECK_EQ(all_splits(rfc_resp, &r), 0);
	CHECK_EQ(r.last.kind, MSRP_RESPONSE);
	CHECK_EQ(r.last.scode, 200);
	CHECK_STR(r.comment, "OK");
	CHECK_EQ(r.ends, 1);

	CHECK_EQ(all_splits(rfc_report, &r), 0);
	CHECK_EQ(r.last.method, MSRP_REPORT);
	CHECK(r.last.has_status);
	CHECK_EQ(r.last.status_ns, 0);
	CHECK_EQ(r.last.status_code, 200);
	return 0;
}


/* Three frames back to back, with + # $ and a body that contains
 * near-misses of the end-line (wrong tid, no flag, CR CR LF). */
static int test_flags_and_nearmiss(void)
{
	static struct rec r;
	const char *s =
		"MSRP abcd1 SEND\r\n"
		"To-Path: msrp://a.example:1/s1;tcp\r\n"
		"From-Path: msrp://b.example:2/s2;tcp\r\n"
		"Message-ID: m1234\r\n"
		"Byte-Range: 1-*/*\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"x\r\n-------abcd2$\r\n-------abcd1\r\n-------abcd1X\r\r\n"
		"-------abcd1$\r-------abcd\r\n"
		"-------abcd1+\r\n"
		"MSRP abcd3 SEND\r\n"
		"To-Path: msrp://a.example:1/s1;tcp\r\n"
		"From-Path: msrp://b.example:2/s2;tcp\r\n"
		"Message-ID: m1234\r\n"
		"Byte-Range: 100-*/*\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"\r\n-------abcd3#\r\n"
		"MSRP abcd4 SEND\r\n"
		"To-Path: msrp://a.example:1/s1;tcp\r\n"
		"From-Path: msrp://b.example:2/s2;tcp\r\n"
		"Message-ID: m1235\r\n"
		"-------abcd4$\r\n";

	CHECK_EQ(all_splits(s, &r), 0);
	CHECK_EQ(r.hdrs, 3);
	CHECK_EQ(r.ends, 3);
	CHECK(strstr(r.log, "[B x\r\n-------abcd2$\r\n-------abcd1\r\n"
		      "-------abcd1X\r\r\n-------abcd1$\r-------abcd][E+]"));
	/* an empty body ends with the end-line at once: no body event */
	CHECK(strstr(r.log, "ct=text/plain][E#]"));
	CHECK(strstr(r.log, "abcd4 req 0") && strstr(r.log, "ct=][E$]"));
	return 0;
}


static int test_malformed_recovers(void)
{
	static struct rec r;
	/* a bad Byte-Range: 400 material; the parser skips the frame
	 * (whose body holds something that looks like a start line) and
	 * reads the next frame */
	const char *s =
		"MSRP bad111 SEND\r\n"
		"To-Path: msrp://a.example:1/s1;tcp\r\n"
		"From-Path: msrp://b.example:2/s2;tcp\r\n"
		"Message-ID: m1234\r\n"
		"Byte-Range: 9-3/2\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"MSRP fake SEND\r\n"
		"\r\n-------bad111$\r\n"
		"MSRP good11 SEND\r\n"
		"To-Path: msrp://a.example:1/s1;tcp\r\n"
		"From-Path: msrp://b.example:2/s2;tcp\r\n"
		"Message-ID: m1234\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"ok\r\n-------good11$\r\n";

	CHECK_EQ(all_splits(s, &r), 0);
	CHECK_EQ(r.errs, 1);
	CHECK(strstr(r.log, "[X bad111 bad Byte-Range]"));
	CHECK_EQ(r.hdrs, 1);
	CHECK(strstr(r.log, "[B ok][E$]"));
	return 0;
}


static int frame_err(const char *s, const char *reason)
{
	static struct rec r;

	CHECK_EQ(all_splits(s, &r), 0);
	CHECK_EQ(r.errs, 1);
	CHECK_EQ(r.hdrs, 0);
	if (!strstr(r.log, reason)) {
		fprintf(stderr, "want %s in %s\n", reason, r.log);
		return EINVAL;
	}
	return 0;
}


#define TP "To-Path: msrp://a.example:1/s1;tcp\r\n"
#define FP "From-Path: msrp://b.example:2/s2;tcp\r\n"

static int test_malformed_headers(void)
{
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" FP "Message-ID: m1234\r\n"
			   "-------t1234$\r\n", "no To-Path"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP "Message-ID: m1234\r\n"
			   "-------t1234$\r\n", "no From-Path"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP
			   "-------t1234$\r\n", "without Message-ID"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\nTo-Path: http://x/;tcp\r\n"
			   FP "-------t1234$\r\n", "bad To-Path"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP TP FP
			   "-------t1234$\r\n", "bad To-Path"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP "Message-ID: m1\r\n"
			   "-------t1234$\r\n", "bad Message-ID"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP "Message-ID: m1234\r\n"
			   "Success-Report: maybe\r\n-------t1234$\r\n",
			   "bad Success-Report"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP "Message-ID: m1234\r\n"
			   "\r\nbody\r\n-------t1234$\r\n",
			   "without Content-Type"), 0);
	CHECK_EQ(frame_err("MSRP t1234 REPORT\r\n" TP FP "Message-ID: m1234\r\n"
			   "-------t1234$\r\n", "without Status"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP "No Colon\r\n"
			   "-------t1234$\r\n", "bad header"), 0);
	CHECK_EQ(frame_err("MSRP t1234 send\r\n" TP FP
			   "-------t1234$\r\n", "bad method"), 0);
	CHECK_EQ(frame_err("MSRP t1234 200 OK\r\n" TP FP "Content-Type: a/b"
			   "\r\n\r\nx\r\n-------t1234$\r\n",
			   "response with a body"), 0);
	CHECK_EQ(frame_err("MSRP t1234 SEND\r\n" TP FP "X: a\rb\r\n"
			   "-------t1234$\r\n", "control character"), 0);
	return 0;
}


static int test_bounds(void)
{
	static struct rec r;
	char *s, *q;
	size_t i;

	/* a header line over MSRP_LINE_MAX: error, skip, next frame ok */
	s = malloc(MSRP_HDR_MAX * 4);
	CHECK(s);
	q = s + sprintf(s, "MSRP long1234 SEND\r\n" TP FP "X-Long: ");
	for (i = 0; i < MSRP_LINE_MAX + 10; i++)
		*q++ = 'a';
	q += sprintf(q, "\r\n-------long1234$\r\n"
		     "MSRP next1234 SEND\r\n" TP FP "Message-ID: m1234\r\n"
		     "-------next1234$\r\n");
	CHECK_EQ(feed(&r, s, q - s, 0), 0);
	CHECK_EQ(r.errs, 1);
	CHECK(strstr(r.log, "header line too long"));
	CHECK_EQ(r.hdrs, 1);
	CHECK_EQ(feed(&r, s, q - s, 7), 0);
	CHECK_EQ(r.hdrs, 1);

	/* a header block over MSRP_HDR_MAX made of legal lines */
	q = s + sprintf(s, "MSRP many1234 SEND\r\n" TP FP);
	for (i = 0; i < 30; i++)
		q += sprintf(q, "X-%02zu: %0400d\r\n", i, 0);
	q += sprintf(q, "-------many1234$\r\n");
	CHECK_EQ(feed(&r, s, q - s, 0), 0);
	CHECK_EQ(r.errs, 1);
	CHECK(strstr(r.log, "header block too large"));

	/* too many header fields */
	q = s + sprintf(s, "MSRP many1234 SEND\r\n" TP FP);
	for (i = 0; i < MSRP_HDRS_MAX + 1; i++)
		q += sprintf(q, "X-%02zu: a\r\n", i);
	q += sprintf(q, "-------many1234$\r\n");
	CHECK_EQ(feed(&r, s, q - s, 3), 0);
	CHECK(strstr(r.log, "too many header fields"));

	/* a start line that never ends is unframeable */
	memset(s, 'A', MSRP_HDR_MAX * 2);
	memcpy(s, "MSRP ", 5);
	CHECK_EQ(feed(&r, s, MSRP_HDR_MAX * 2, 100), EBADMSG);

	free(s);
	return 0;
}


static int test_unframeable(void)
{
	static struct rec r;

	CHECK_EQ(feed(&r, "GET / HTTP/1.1\r\n", 16, 0), EBADMSG);
	CHECK_EQ(feed(&r, "MSRP x SEND\r\n", 13, 0), EBADMSG);   /* tid */
	CHECK_EQ(feed(&r, "MSRP abcd\r\n", 11, 1), EBADMSG);
	CHECK_EQ(feed(&r, "MSRP abcd1 SEND\n", 16, 0), EBADMSG);
	CHECK_EQ(r.hdrs, 0);
	return 0;
}


static int test_uri(void)
{
	struct pl a, b;
	struct msrp_uri u;

	pl_set_str(&a, "msrp://Host.Example.com:8493/asfd34;tcp");
	pl_set_str(&b, "MSRP://host.example.com:8493/asfd34;TCP");
	CHECK(msrp_uri_equal(&a, &b));
	pl_set_str(&b, "msrp://host.example.com:8493/ASFD34;tcp");
	CHECK(!msrp_uri_equal(&a, &b));           /* session-id case */
	pl_set_str(&b, "msrp://host.example.com/asfd34;tcp");
	CHECK(!msrp_uri_equal(&a, &b));           /* port */
	pl_set_str(&b, "msrps://host.example.com:8493/asfd34;tcp");
	CHECK(!msrp_uri_equal(&a, &b));           /* scheme */
	pl_set_str(&b, "msrp://user@host.example.com:8493/asfd34;tcp");
	CHECK(msrp_uri_equal(&a, &b));            /* userinfo ignored */

	pl_set_str(&a, "msrps://[::1]:2855/abc;tcp");
	CHECK_EQ(msrp_uri_decode(&u, &a), 0);
	CHECK(u.secure);
	CHECK(!pl_strcmp(&u.host, "::1"));
	CHECK_EQ(u.port, 2855);
	CHECK(!pl_strcmp(&u.session, "abc"));

	pl_set_str(&a, "msrp://h:0/abc;tcp");
	CHECK(msrp_uri_decode(&u, &a));
	pl_set_str(&a, "msrp://h:1/abc");
	CHECK(msrp_uri_decode(&u, &a));
	pl_set_str(&a, "msrp://h:1/a c;tcp");
	CHECK(msrp_uri_decode(&u, &a));

	pl_set_str(&a, "msrp://r1:1;tcp msrp://r2:2/x;tcp");
	CHECK_EQ(msrp_path_count(&a), 2);
	CHECK_EQ(msrp_path_last(&a, &b), 0);
	CHECK(!pl_strcmp(&b, "msrp://r2:2/x;tcp"));
	CHECK_EQ(msrp_path_first(&a, &b), 0);
	CHECK(!pl_strcmp(&b, "msrp://r1:1;tcp"));
	return 0;
}


TEST_MAIN("msrp_parse",
	  CASE(test_send),
	  CASE(test_response_report),
	  CASE(test_flags_and_nearmiss),
	  CASE(test_malformed_recovers),
	  CASE(test_malformed_headers),
	  CASE(test_bounds),
	  CASE(test_unframeable),
	  CASE(test_uri))

/**
 * @file test_bounds_msrp.c  The MSRP parser's limits, each tried one
 * unit under, exactly at, and one unit over.
 *
 * Limits (msrp/msrp_parse.h): MSRP_HDR_MAX bytes of header block (start
 * line through the blank line, or through the end-line of a frame
 * without body), MSRP_LINE_MAX bytes of one line with its CRLF,
 * MSRP_HDRS_MAX header fields, and 4..MSRP_TID_MAX characters of
 * transaction id (RFC 4975 s.9 ident).  At the limit a frame is
 * accepted; one over, it is refused with a frame error and the next
 * frame still parses.  Every frame is fed whole, in 7-byte pieces and
 * byte by byte, as heap copies of exactly the bytes fed.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "tests/unit/check.h"


struct rec {
	unsigned hdrs, ends, errs;
	size_t body;
	char reason[64];
	char lasttid[MSRP_TID_MAX + 1];
};


static void hdr_h(const struct msrp_hdrs *h, void *arg)
{
	struct rec *r = arg;

	r->hdrs++;
	str_ncpy(r->lasttid, h->tid, sizeof(r->lasttid));
}


static void body_h(const struct msrp_hdrs *h, const uint8_t *p, size_t n,
		   void *arg)
{
	struct rec *r = arg;

	(void)h;
	(void)p;
	r->body += n;
}


static void end_h(const struct msrp_hdrs *h, char flag, void *arg)
{
	struct rec *r = arg;

	(void)h;
	(void)flag;
	r->ends++;
}


static void err_h(const struct msrp_hdrs *h, const char *reason, void *arg)
{
	struct rec *r = arg;

	(void)h;
	r->errs++;
	str_ncpy(r->reason, reason, sizeof(r->reason));
}


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
		copy = malloc(n);
		if (!copy) {
			err = ENOMEM;
			break;
		}
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


#define TP "To-Path: msrp://a.example:1/s1;tcp\r\n"
#define FP "From-Path: msrp://b.example:2/s2;tcp\r\n"
#define NEXT "MSRP next1234 SEND\r\n" TP FP "Message-ID: n1234\r\n" \
	"-------next1234$\r\n"


/* Append padding header lines "X-PN: aaa..\r\n" to buf at *q so that
 * exactly `want` bytes are added; each line stays within
 * MSRP_LINE_MAX.  Returns the number of lines written. */
static unsigned pad_lines(char **q, size_t want)
{
	unsigned n = 0;

	while (want) {
		/* "X-Pnn: " + value + CRLF; the smallest line is 10 bytes */
		size_t line = want;
		size_t i, v;

		if (line > 2000)
			line = 2000;
		if (want - line > 0 && want - line < 10)
			line -= 10;
		v = line - 9;
		*q += sprintf(*q, "X-P%02u: ", n);
		for (i = 0; i < v; i++)
			*(*q)++ = 'a';
		*(*q)++ = '\r';
		*(*q)++ = '\n';
		want -= line;
		++n;
	}

	return n;
}


/* A SEND whose header block (start line .. blank line) is exactly hlen
 * bytes, with body "hi", then a well-formed frame. */
static size_t frame_hdr(char *buf, size_t hlen)
{
	char *q = buf;
	size_t fixed;

	q += sprintf(q, "MSRP bnd12345 SEND\r\n" TP FP "Message-ID: m1234\r\n"
		     "Content-Type: text/plain\r\n");
	fixed = (size_t)(q - buf) + 2;   /* + the blank line */
	(void)pad_lines(&q, hlen - fixed);
	q += sprintf(q, "\r\n");
	if ((size_t)(q - buf) != hlen)
		return 0;
	q += sprintf(q, "hi\r\n-------bnd12345$\r\n" NEXT);
	return (size_t)(q - buf);
}


/* A SEND without body whose header block including its end-line is
 * exactly hlen bytes (the end-line is read into the header buffer). */
static size_t frame_nobody(char *buf, size_t hlen)
{
	static const char endl[] = "-------bnd12345$\r\n";
	char *q = buf;
	size_t fixed;

	q += sprintf(q, "MSRP bnd12345 SEND\r\n" TP FP "Message-ID: m1234\r\n");
	fixed = (size_t)(q - buf) + strlen(endl);
	(void)pad_lines(&q, hlen - fixed);
	q += sprintf(q, "%s", endl);
	if ((size_t)(q - buf) != hlen)
		return 0;
	q += sprintf(q, NEXT);
	return (size_t)(q - buf);
}


static int expect_ok(const char *s, size_t len, size_t body)
{
	static const size_t steps[] = {0, 7, 1};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		struct rec r;

		CHECK_EQ(feed(&r, s, len, steps[i]), 0);
		CHECK_EQ(r.errs, 0);
		CHECK_EQ(r.hdrs, 2);
		CHECK_EQ(r.ends, 2);
		CHECK_EQ(r.body, body);
	}
	return 0;
}


static int expect_refused(const char *s, size_t len, const char *reason)
{
	static const size_t steps[] = {0, 7, 1};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		struct rec r;

		CHECK_EQ(feed(&r, s, len, steps[i]), 0);
		CHECK_EQ(r.errs, 1);
		CHECK_STR(r.reason, reason);
		/* only the next frame got through */
		CHECK_EQ(r.hdrs, 1);
		CHECK_STR(r.lasttid, "next1234");
		CHECK_EQ(r.body, 0);
	}
	return 0;
}


static int test_hdr_block_with_body(void)
{
	char *buf = malloc(MSRP_HDR_MAX * 2);
	size_t len;
	int err = 0;

	CHECK(buf);

	len = frame_hdr(buf, MSRP_HDR_MAX - 1);
	if (!len || expect_ok(buf, len, 2))
		err = EINVAL;

	len = frame_hdr(buf, MSRP_HDR_MAX);
	if (!len || expect_ok(buf, len, 2))
		err = EINVAL;

	len = frame_hdr(buf, MSRP_HDR_MAX + 1);
	if (!len || expect_refused(buf, len, "header block too large"))
		err = EINVAL;

	free(buf);
	return err;
}


static int test_hdr_block_endline(void)
{
	char *buf = malloc(MSRP_HDR_MAX * 2);
	size_t len;
	int err = 0;

	CHECK(buf);

	len = frame_nobody(buf, MSRP_HDR_MAX - 1);
	if (!len || expect_ok(buf, len, 0))
		err = EINVAL;

	len = frame_nobody(buf, MSRP_HDR_MAX);
	if (!len || expect_ok(buf, len, 0))
		err = EINVAL;

	len = frame_nobody(buf, MSRP_HDR_MAX + 1);
	if (!len || expect_refused(buf, len, "header block too large"))
		err = EINVAL;

	free(buf);
	return err;
}


/* One header line of exactly n bytes, CRLF included. */
static size_t frame_line(char *buf, size_t n)
{
	char *q = buf;
	size_t i;

	q += sprintf(q, "MSRP bnd12345 SEND\r\n" TP FP "Message-ID: m1234\r\n"
		     "X-Long: ");
	for (i = 0; i < n - 10; i++)
		*q++ = 'b';
	q += sprintf(q, "\r\n-------bnd12345$\r\n" NEXT);
	return (size_t)(q - buf);
}


static int test_line_max(void)
{
	char *buf = malloc(MSRP_HDR_MAX);
	int err = 0;

	CHECK(buf);

	if (expect_ok(buf, frame_line(buf, MSRP_LINE_MAX - 1), 0) ||
	    expect_ok(buf, frame_line(buf, MSRP_LINE_MAX), 0) ||
	    expect_refused(buf, frame_line(buf, MSRP_LINE_MAX + 1),
			   "header line too long"))
		err = EINVAL;

	free(buf);
	return err;
}


/* n header fields in all: To-Path, From-Path, Message-ID and n - 3
 * extension fields. */
static size_t frame_fields(char *buf, unsigned n)
{
	char *q = buf;
	unsigned i;

	q += sprintf(q, "MSRP bnd12345 SEND\r\n" TP FP "Message-ID: m1234\r\n");
	for (i = 3; i < n; i++)
		q += sprintf(q, "X-%02u: v\r\n", i);
	q += sprintf(q, "-------bnd12345$\r\n" NEXT);
	return (size_t)(q - buf);
}


static int test_fields_max(void)
{
	char buf[4096];

	CHECK_EQ(expect_ok(buf, frame_fields(buf, MSRP_HDRS_MAX - 1), 0), 0);
	CHECK_EQ(expect_ok(buf, frame_fields(buf, MSRP_HDRS_MAX), 0), 0);
	CHECK_EQ(expect_refused(buf, frame_fields(buf, MSRP_HDRS_MAX + 1),
				"too many header fields"), 0);
	return 0;
}


/* A transaction id of n characters (RFC 4975: ALPHANUM 3*31ident-char). */
static int tid_frame(char *buf, size_t n)
{
	char tid[64];
	size_t i;

	for (i = 0; i < n; i++)
		tid[i] = (char)('a' + i % 26);
	tid[n] = '\0';
	return sprintf(buf, "MSRP %s SEND\r\n" TP FP "Message-ID: m1234\r\n"
		       "-------%s$\r\n" NEXT, tid, tid);
}


static int test_tid_length(void)
{
	char buf[512];
	struct rec r;
	int len;

	/* 4 and 32 characters are ident; 3 and 33 are not, and a start
	 * line without a usable tid cannot be framed at all */
	len = tid_frame(buf, 4);
	CHECK_EQ(expect_ok(buf, len, 0), 0);
	len = tid_frame(buf, MSRP_TID_MAX);
	CHECK_EQ(expect_ok(buf, len, 0), 0);

	len = tid_frame(buf, 3);
	CHECK_EQ(feed(&r, buf, len, 0), EBADMSG);
	CHECK_EQ(r.hdrs, 0);
	len = tid_frame(buf, MSRP_TID_MAX + 1);
	CHECK_EQ(feed(&r, buf, len, 0), EBADMSG);
	CHECK_EQ(r.hdrs, 0);
	return 0;
}


TEST_MAIN("bounds_msrp",
	  CASE(test_hdr_block_with_body),
	  CASE(test_hdr_block_endline),
	  CASE(test_line_max),
	  CASE(test_fields_max),
	  CASE(test_tid_length))

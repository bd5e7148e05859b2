/**
 * @file test_bounds_sip.c  The size caps confd itself puts on SIP and
 * SDP input, one unit under, exactly at and one unit over.
 *
 *  - CONFDEF_URI_MAX (focus/confdef.c, 1024): the longest SIP URI that
 *    names anyone (From, P-Asserted-Identity, the conference list);
 *  - EVENTPKG_SUBREQ_MIKEY_MAX (eventpkg/subreq_int.h, 8192): the application/mikey
 *    body of a SUBSCRIBE, else 413;
 *  - PARAM_MAX (focus/digest.c, 1024): one Authorization parameter;
 *  - TI_MAX (focus/mikey_in.c, 8192 bytes): the base64 a=key-mgmt:mikey
 *    data of an offer, checked on its text (TI_MAX * 4 / 3 + 4 chars)
 *    before anything is decoded.
 * Whole SIP messages are bounded by libre, not by confd.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/digest.h"
#include "focus/focus.h"
#include "keying/sdes.h"
#include "media/media.h"
#include "floor/floor.h"
#include "msrp/msrp.h"
#include "focus/focus_int.h"
#include "eventpkg/subreq_int.h"
#include "tests/unit/check.h"


enum {
	URI_MAX = 1024,                  /* CONFDEF_URI_MAX, confdef.c */
	PARAM_MAX = 1024,                /* digest.c */
	TI_MAX = 8192,                   /* mikey_in.c */
	TI_B64_MAX = TI_MAX * 4 / 3 + 4,
};


/* "sip:" + user + "@example.org", len characters in all */
static char *uri_of_len(size_t len)
{
	static const char host[] = "@example.org";
	char *s = malloc(len + 1);
	size_t user = len - 4 - (sizeof(host) - 1);

	if (!s)
		return NULL;
	memcpy(s, "sip:", 4);
	memset(s + 4, 'u', user);
	memcpy(s + 4 + user, host, sizeof(host));
	return s;
}


static int test_uri_max(void)
{
	char *a = uri_of_len(URI_MAX - 1);
	char *b = uri_of_len(URI_MAX);
	char *c = uri_of_len(URI_MAX + 1);
	int err = 0;

	CHECK(a && b && c);
	CHECK_EQ(strlen(b), URI_MAX);

	if (!confdef_uri_valid(a) || !confdef_uri_valid(b) ||
	    confdef_uri_valid(c) ||
	    !confdef_uri_match(b, b) || confdef_uri_match(c, c))
		err = EINVAL;

	free(a);
	free(b);
	free(c);
	return err;
}


/* A member whose URI is at the cap can be listed and found; one over
 * cannot be listed. */
static int test_member_uri_max(void)
{
	struct confdef *cd = NULL;
	char *b = uri_of_len(URI_MAX);
	char *c = uri_of_len(URI_MAX + 1);
	int err = 0;

	CHECK(b && c);
	CHECK_EQ(confdef_alloc(&cd, "sip:room@example.org"), 0);
	if (confdef_member_add(cd, b, NULL, CONFDEF_PARTICIPANT) ||
	    !confdef_member_find(cd, b))
		err = EINVAL;
	(void)confdef_member_add(cd, c, NULL, CONFDEF_PARTICIPANT);
	if (confdef_member_find(cd, c))
		err = EINVAL;
	mem_deref(cd);
	free(b);
	free(c);
	return err;
}


static int subscribe(size_t body, uint16_t *scode, size_t *mikey_len)
{
	struct sip_msg *msg = NULL;
	struct eventpkg_subreq sr;
	const char *reason = NULL;
	struct mbuf *mb = mbuf_alloc(body + 512);
	int err;

	if (!mb)
		return ENOMEM;
	(void)mbuf_printf(mb,
		"SUBSCRIBE sip:room@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"
		"From: <sip:carol@example.org>;tag=1\r\n"
		"To: <sip:room@example.org>\r\n"
		"Call-ID: x\r\n"
		"CSeq: 1 SUBSCRIBE\r\n"
		"Event: conference\r\n"
		"Accept: application/pkcs7-mime\r\n"
		"Content-Type: application/mikey\r\n"
		"Content-Length: %zu\r\n"
		"\r\n", body);
	(void)mbuf_fill(mb, 0x01, body);
	mb->pos = 0;

	err = sip_msg_decode(&msg, mb);
	if (!err) {
		*scode = 0;
		err = eventpkg_subreq_parse(&sr, msg, scode, &reason);
		*mikey_len = err ? 0 : sr.mikey_len;
	}
	mem_deref(msg);
	mem_deref(mb);
	return err;
}


static int test_subscribe_mikey_max(void)
{
	uint16_t scode = 0;
	size_t len = 0;

	CHECK_EQ(subscribe(EVENTPKG_SUBREQ_MIKEY_MAX - 1, &scode, &len), 0);
	CHECK_EQ(len, EVENTPKG_SUBREQ_MIKEY_MAX - 1);
	CHECK_EQ(subscribe(EVENTPKG_SUBREQ_MIKEY_MAX, &scode, &len), 0);
	CHECK_EQ(len, EVENTPKG_SUBREQ_MIKEY_MAX);
	CHECK_EQ(subscribe(EVENTPKG_SUBREQ_MIKEY_MAX + 1, &scode, &len), EPROTO);
	CHECK_EQ(scode, 413);
	return 0;
}


/* Authorization: Digest with a username of n characters */
static int digest_user(size_t n)
{
	struct digest_resp r;
	enum digest_alg alg;
	struct pl pl;
	char *s = malloc(n + 256), *q;
	int err;

	if (!s)
		return ENOMEM;
	q = s + sprintf(s, "Digest username=\"");
	memset(q, 'u', n);
	q += n;
	q += sprintf(q, "\", realm=\"example.org\", nonce=\"abc\", "
		     "uri=\"sip:room@example.org\", "
		     "response=\"0123456789abcdef0123456789abcdef\"");
	pl.p = s;
	pl.l = (size_t)(q - s);
	err = digest_resp_decode(&r, &alg, &pl);
	if (!err && r.username.l != n)
		err = EINVAL;
	free(s);
	return err;
}


static int test_digest_param_max(void)
{
	CHECK_EQ(digest_user(PARAM_MAX - 1), 0);
	CHECK_EQ(digest_user(PARAM_MAX), 0);
	CHECK_EQ(digest_user(PARAM_MAX + 1), EBADMSG);
	return 0;
}


/* An a=key-mgmt:mikey value of n base64 characters (all 'A', then
 * '=' padding to make up n when needed), as an offer carries it. */
static int key_mgmt(size_t n, size_t *tilen)
{
	char *v = mem_alloc(n + 8, NULL);
	uint8_t *ti = NULL;
	int err;

	if (!v)
		return ENOMEM;
	memcpy(v, "mikey ", 6);
	memset(v + 6, 'A', n - n % 4 == n ? n : n - n % 4);
	memset(v + 6 + (n - n % 4 == n ? n : n - n % 4), '=',
	       n - n % 4 == n ? 0 : n % 4);
	v[6 + n] = '\0';

	err = mikeyin_attr_decode(v, &ti, tilen);
	mem_deref(ti);
	mem_deref(v);
	return err;
}


static int test_key_mgmt_max(void)
{
	size_t len = 0;
	int err;

	/* 8192 bytes in base64 (10924 chars) are taken */
	CHECK_EQ(key_mgmt(TI_MAX / 3 * 4 + 4, &len), 0);
	CHECK(len >= TI_MAX);
	/* at the text cap: not refused for its size */
	err = key_mgmt(TI_B64_MAX, &len);
	CHECK(err != EMSGSIZE);
	/* one character more: refused before decoding */
	CHECK_EQ(key_mgmt(TI_B64_MAX + 1, &len), EMSGSIZE);
	return 0;
}


TEST_MAIN("bounds_sip",
	  CASE(test_uri_max),
	  CASE(test_member_uri_max),
	  CASE(test_subscribe_mikey_max),
	  CASE(test_digest_param_max),
	  CASE(test_key_mgmt_max))

/**
 * @file test_digest.c  SIP digest authentication, server side.
 *
 * The vectors are the published examples: RFC 2617 section 3.5 (MD5,
 * qop=auth) and RFC 7616 section 3.9.1 (the same request in MD5 and
 * SHA-256), which RFC 8760 carries over to SIP.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "focus/digest.h"
#include "tests/unit/check.h"


static int verify_str(const char *hval, const char *user, const char *realm,
		      const char *pw, const char *method)
{
	struct digest_resp r;
	enum digest_alg alg;
	uint8_t ha1[DIGEST_HA1_MAX];
	struct pl v, m;
	int err;

	pl_set_str(&v, hval);
	pl_set_str(&m, method);
	err = digest_resp_decode(&r, &alg, &v);
	if (err)
		return err;
	err = digest_ha1(ha1, alg, user, realm, pw);
	if (err)
		return err;

	return digest_verify(&r, alg, ha1, &m);
}


static int test_rfc2617(void)
{
	const char *h =
		"Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\","
		" nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
		" uri=\"/dir/index.html\", qop=auth, nc=00000001,"
		" cnonce=\"0a4f113b\","
		" response=\"6629fae49393a05397450978507c4ef1\","
		" opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

	CHECK_EQ(verify_str(h, "Mufasa", "testrealm@host.com",
			    "Circle Of Life", "GET"), 0);
	/* wrong password, wrong method */
	CHECK_EQ(verify_str(h, "Mufasa", "testrealm@host.com",
			    "Circle of Life", "GET"), EAUTH);
	CHECK_EQ(verify_str(h, "Mufasa", "testrealm@host.com",
			    "Circle Of Life", "INVITE"), EAUTH);
	return 0;
}


static int test_rfc7616(void)
{
	const char *md5 =
		"Digest username=\"Mufasa\", realm=\"http-auth@example.org\","
		" uri=\"/dir/index.html\", algorithm=MD5,"
		" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		" nc=00000001,"
		" cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\","
		" qop=auth, response=\"8ca523f5e9506fed4657c9700eebdbec\","
		" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	const char *sha =
		"Digest username=\"Mufasa\", realm=\"http-auth@example.org\","
		" uri=\"/dir/index.html\", algorithm=SHA-256,"
		" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		" nc=00000001,"
		" cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\","
		" qop=auth, response=\"753927fa0e85d155564e2e272a28d180"
		"2ca10daf4496794697cf8db5856cb6c1\","
		" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

	CHECK_EQ(verify_str(md5, "Mufasa", "http-auth@example.org",
			    "Circle of Life", "GET"), 0);
	CHECK_EQ(verify_str(sha, "Mufasa", "http-auth@example.org",
			    "Circle of Life", "GET"), 0);
	CHECK_EQ(verify_str(sha, "Mufasa", "http-auth@example.org",
			    "Circle of life", "GET"), EAUTH);
	return 0;
}


static int test_decode_errors(void)
{
	static const char *bad[] = {
		"",
		"Basic dXNlcjpwdw==",
		"Digest",
		"Digest username=\"a\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\"",
		("Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"u\","
		 " response=\"x\", username=\"b\""),
		"Digest username=\"a, realm=\"r\"",
		"Digest username=a realm=r",
		"Digest =x",
	};
	struct digest_resp r;
	enum digest_alg alg;
	struct pl v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pl_set_str(&v, bad[i]);
		if (!v.l) {
			CHECK_EQ(digest_resp_decode(&r, &alg, &v), EINVAL);
			continue;
		}
		if (digest_resp_decode(&r, &alg, &v) != EBADMSG) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			return EINVAL;
		}
	}

	pl_set_str(&v, "Digest username=\"a\", realm=\"r\", nonce=\"n\","
		   " uri=\"u\", response=\"x\", algorithm=SHA-512-256");
	CHECK_EQ(digest_resp_decode(&r, &alg, &v), EPROTO);

	/* qop=auth without cnonce is malformed */
	pl_set_str(&v, "Digest username=\"a\", realm=\"r\", nonce=\"n\","
		   " uri=\"u\", response=\"00\", qop=auth");
	CHECK_EQ(digest_resp_decode(&r, &alg, &v), 0);
	{
		uint8_t ha1[16] = {0};
		struct pl m = PL("INVITE");
		CHECK_EQ(digest_verify(&r, alg, ha1, &m), EBADMSG);
	}
	return 0;
}


static int test_nonce(void)
{
	uint8_t key[DIGEST_KEY_LEN], key2[DIGEST_KEY_LEN];
	char n[DIGEST_NONCE_MAX];
	struct sa a, b, a2;
	struct pl p;

	memset(key, 7, sizeof(key));
	memset(key2, 8, sizeof(key2));
	sa_set_str(&a, "127.0.0.1", 5060);
	sa_set_str(&a2, "127.0.0.1", 40000);
	sa_set_str(&b, "127.0.0.2", 5060);

	CHECK_EQ(digest_nonce_make(n, sizeof(n), key, 1000, &a), 0);
	pl_set_str(&p, n);
	CHECK_EQ(digest_nonce_check(&p, key, 1000, &a, 300), 0);
	CHECK_EQ(digest_nonce_check(&p, key, 1300, &a, 300), 0);
	/* another port of the same host is the same client */
	CHECK_EQ(digest_nonce_check(&p, key, 1010, &a2, 300), 0);
	CHECK_EQ(digest_nonce_check(&p, key, 1301, &a, 300), ETIMEDOUT);
	CHECK_EQ(digest_nonce_check(&p, key, 1000, &b, 300), EAUTH);
	CHECK_EQ(digest_nonce_check(&p, key2, 1000, &a, 300), EAUTH);
	/* from the future */
	CHECK_EQ(digest_nonce_check(&p, key, 900, &a, 300), EAUTH);

	/* a flipped character is not ours */
	n[3] = n[3] == 'A' ? 'B' : 'A';
	pl_set_str(&p, n);
	CHECK_EQ(digest_nonce_check(&p, key, 1000, &a, 300), EAUTH);
	pl_set_str(&p, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	CHECK_EQ(digest_nonce_check(&p, key, 1000, &a, 300), EAUTH);

	/* IPv6 too */
	sa_set_str(&a, "::1", 5060);
	CHECK_EQ(digest_nonce_make(n, sizeof(n), key, 50, &a), 0);
	pl_set_str(&p, n);
	CHECK_EQ(digest_nonce_check(&p, key, 60, &a, 300), 0);
	CHECK_EQ(digest_nonce_check(&p, key, 60, &b, 300), EAUTH);
	return 0;
}


static int test_challenge(void)
{
	struct httpauth_digest_chall ch;
	char buf[256];
	struct pl v;

	/* libre's own client-side parser must read what we send */
	CHECK_EQ(digest_challenge_encode(buf, sizeof(buf), "example.org",
					 "abc+/=", DIGEST_SHA256, true), 0);
	pl_set_str(&v, buf);
	CHECK_EQ(httpauth_digest_challenge_decode(&ch, &v), 0);
	CHECK_EQ(pl_strcmp(&ch.realm, "example.org"), 0);
	CHECK_EQ(pl_strcmp(&ch.nonce, "abc+/="), 0);
	CHECK_EQ(pl_strcmp(&ch.algorithm, "SHA-256"), 0);
	CHECK_EQ(pl_strcmp(&ch.qop, "auth"), 0);
	CHECK_EQ(pl_strcmp(&ch.stale, "true"), 0);

	CHECK_EQ(digest_challenge_encode(buf, sizeof(buf), "r", "n",
					 DIGEST_MD5, false), 0);
	CHECK(strstr(buf, "algorithm=MD5") != NULL);
	CHECK(strstr(buf, "stale") == NULL);
	CHECK_EQ(digest_challenge_encode(buf, 10, "r", "n", DIGEST_MD5,
					 false), ENOMEM);
	return 0;
}


TEST_MAIN("digest",
	  CASE(test_rfc2617),
	  CASE(test_rfc7616),
	  CASE(test_decode_errors),
	  CASE(test_nonce),
	  CASE(test_challenge))

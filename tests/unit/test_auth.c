/**
 * @file test_auth.c  The authentication decision of focus/auth.c: who
 * gets in, who gets 401 and who 403, for every way a request can
 * (fail to) prove its identity.
 *
 * The expected digest responses are computed here with OpenSSL's
 * hashes straight from RFC 7616 3.4.1 (not with focus/digest.c), so a
 * mistake there cannot hide a mistake in the decision.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/digest.h"
#include "focus/auth_int.h"
#include "tests/unit/check.h"


#define ROOM  "sip:room@conf.test"
#define REALM "conf.test"
#define RURI  "sip:room@conf.test"


static void hexh(char *out, const char *md, const char *s)
{
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(s, strlen(s), h, &n, EVP_get_digestbyname(md), NULL);
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}


/* An Authorization value for user/password, as an RFC 7616 client makes
 * it (qop=auth) */
static void authz(char *buf, size_t sz, const char *alg, const char *user,
		  const char *pw, const char *nonce, const char *nc,
		  const char *cnonce, const char *uri)
{
	const char *md = strcmp(alg, "SHA-256") ? "MD5" : "SHA256";
	char a[512], ha1[65], ha2[65], resp[65];

	snprintf(a, sizeof(a), "%s:%s:%s", user, REALM, pw);
	hexh(ha1, md, a);
	snprintf(a, sizeof(a), "INVITE:%s", uri);
	hexh(ha2, md, a);
	snprintf(a, sizeof(a), "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce,
		 ha2);
	hexh(resp, md, a);

	snprintf(buf, sz, "Digest username=\"%s\", realm=\"%s\", "
		 "nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=%s, "
		 "qop=auth, nc=%s, cnonce=\"%s\"", user, REALM, nonce, uri,
		 resp, alg, nc, cnonce);
}


static int member(struct confdef *cd, const char *uri, const char *user,
		  const char *pw, enum confdef_role role)
{
	struct confdef_member *m;
	uint8_t md5[16], sha[32];
	int err;

	err = confdef_member_add(cd, uri, NULL, role);
	if (err || !user)
		return err;

	m = list_ledata(list_tail(&cd->members));
	err  = digest_ha1(md5, DIGEST_MD5, user, REALM, pw);
	err |= digest_ha1(sha, DIGEST_SHA256, user, REALM, pw);
	return err ? err : confdef_member_set_digest(m, user, REALM, md5,
						     sha);
}


static void req_init(struct auth_req *r, const char *claimed, bool closed,
		     uint64_t now)
{
	memset(r, 0, sizeof(*r));
	pl_set_str(&r->met, "INVITE");
	pl_set_str(&r->ruri, RURI);
	(void)sa_set_str(&r->src, "127.0.0.1", 5070);
	r->claimed = claimed;
	r->closed = closed;
	r->now = now;
}


/* A nonce as the focus hands it out: from the challenge it prints */
static int nonce_of(struct auth *a, const struct confdef *cd,
		    const struct sa *src, uint64_t now, char *nonce,
		    size_t sz, bool *stale)
{
	char hdrs[768];
	struct pl n;
	int err;

	err = auth_challenge_print(a, hdrs, sizeof(hdrs), cd, src, now,
				   false);
	if (err)
		return err;
	if (re_regex(hdrs, strlen(hdrs), "nonce=\"[^\"]+\"", &n))
		return EBADMSG;
	*stale = strstr(hdrs, "stale=true") != NULL;

	return pl_strcpy(&n, nonce, sz);
}


struct fixture {
	struct auth *a;
	struct confdef *cd;
};


static int setup(struct fixture *fx, const char *algs, size_t replay_max,
		 bool open)
{
	struct auth_cfg cfg;
	int err;

	memset(fx, 0, sizeof(*fx));
	memset(&cfg, 0, sizeof(cfg));
	if (algs && !strcmp(algs, "SHA-256,MD5")) {
		cfg.algv[0] = DIGEST_SHA256;
		cfg.algv[1] = DIGEST_MD5;
		cfg.algc = 2;
	}
	cfg.nonce_lifetime = 300;
	cfg.replay_max = replay_max;

	err = auth_alloc(&fx->a, &cfg);
	err |= confdef_alloc(&fx->cd, ROOM);
	if (err)
		return err;
	fx->cd->open = open;

	err  = member(fx->cd, "sip:alice@conf.test", "alice", "wonderland",
		      CONFDEF_CHAIR);
	err |= member(fx->cd, "sip:bob@conf.test", NULL, NULL,
		      CONFDEF_PARTICIPANT);
	return err;
}


static void teardown(struct fixture *fx)
{
	mem_deref(fx->a);
	mem_deref(fx->cd);
}


static int decide(struct fixture *fx, struct auth_req *r,
		  struct auth_verdict *v, const char *hval)
{
	if (hval)
		pl_set_str(&r->authz, hval);
	return auth_decide(fx->a, fx->cd, r, v);
}


/* Without credentials: never From alone */
static int test_no_credentials(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	struct confdef *bare;
	int err;

	err = setup(&fx, NULL, 0, false);
	if (err)
		return err;

	/* From names a member with credentials: prove it */
	req_init(&r, "sip:alice@conf.test", true, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);
	CHECK_EQ(v.scode, 401);
	CHECK(!v.stale);

	/* a listed member without credentials, or a stranger: a closed
	 * conference where some member can answer a challenge asks */
	req_init(&r, "sip:bob@conf.test", true, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);
	req_init(&r, "sip:mallory@conf.test", true, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);

	/* nobody has credentials: a challenge could not help, 403 */
	CHECK_EQ(confdef_alloc(&bare, ROOM), 0);
	CHECK_EQ(confdef_member_add(bare, "sip:alice@conf.test", NULL,
				    CONFDEF_CHAIR), 0);
	req_init(&r, "sip:alice@conf.test", true, 1000);
	CHECK_EQ(auth_decide(fx.a, bare, &r, &v), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);
	CHECK_EQ(v.scode, 403);
	CHECK_STR(v.reason, "Authentication Required");
	mem_deref(bare);

	/* trusted PAI and MIKEY need no digest */
	req_init(&r, "sip:alice@conf.test", true, 1000);
	r.asserted = true;
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);
	CHECK(v.m == NULL);
	req_init(&r, "sip:alice@conf.test", true, 1000);
	r.mikey = true;
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_MIKEY);

	teardown(&fx);
	return 0;
}


/* An open conference admits strangers unauthenticated, but nobody may
 * borrow the name of a member who has credentials */
static int test_open(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	int err;

	err = setup(&fx, NULL, 0, true);
	if (err)
		return err;

	req_init(&r, "sip:mallory@conf.test", false, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_UNAUTHENTICATED);

	req_init(&r, "sip:bob@conf.test", false, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_UNAUTHENTICATED);

	req_init(&r, "sip:alice@conf.test", false, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);

	/* the event package treats every conference as closed */
	req_init(&r, "sip:mallory@conf.test", true, 1000);
	CHECK_EQ(decide(&fx, &r, &v, NULL), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);

	teardown(&fx);
	return 0;
}


static int test_digest_md5(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	char nonce[DIGEST_NONCE_MAX], h[1024];
	bool stale;
	int err;

	err = setup(&fx, NULL, 0, false);
	if (err)
		return err;

	req_init(&r, "sip:mallory@conf.test", true, 1000);
	CHECK_EQ(nonce_of(fx.a, fx.cd, &r.src, 1000, nonce, sizeof(nonce),
			  &stale), 0);
	CHECK(!stale);

	/* the right password: authenticated as the member the username
	 * names, whatever From claimed */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000001",
	      "c1", RURI);
	req_init(&r, "sip:mallory@conf.test", true, 1010);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);
	CHECK(v.m != NULL);
	CHECK_STR(v.m->sip_uri, "sip:alice@conf.test");

	/* the same (nonce, nc, cnonce) again: a replay, a new challenge */
	req_init(&r, "sip:alice@conf.test", true, 1011);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);
	CHECK(!v.stale);

	/* the next nc of the same nonce is fine (RFC 7616 3.4.3) */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000002",
	      "c1", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1012);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);

	/* wrong password, unknown user: the same 403 */
	authz(h, sizeof(h), "MD5", "alice", "looking-glass", nonce,
	      "00000003", "c1", RURI);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);
	CHECK_EQ(v.scode, 403);
	CHECK_STR(v.reason, "Wrong Credentials");
	authz(h, sizeof(h), "MD5", "carol", "wonderland", nonce,
	      "00000003", "c1", RURI);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);
	CHECK_STR(v.reason, "Wrong Credentials");

	/* a response made for another Request-URI */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000004",
	      "c1", "sip:other@conf.test");
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);
	CHECK_STR(v.reason, "Digest URI Mismatch");

	/* a nonce handed to another address is not ours to accept */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000005",
	      "c1", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1012);
	(void)sa_set_str(&r.src, "127.0.0.2", 5070);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);
	CHECK(!v.stale);

	/* SHA-256 is not offered by default: challenged again */
	authz(h, sizeof(h), "SHA-256", "alice", "wonderland", nonce,
	      "00000006", "c1", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1012);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);

	teardown(&fx);
	return 0;
}


static int test_stale(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	char nonce[DIGEST_NONCE_MAX], h[1024];
	bool stale;
	int err;

	err = setup(&fx, NULL, 0, false);
	if (err)
		return err;

	req_init(&r, NULL, true, 1000);
	CHECK_EQ(nonce_of(fx.a, fx.cd, &r.src, 1000, nonce, sizeof(nonce),
			  &stale), 0);

	/* past the 300 s lifetime: the right password gets stale=true */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000001",
	      "c", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1301);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_CHALLENGE);
	CHECK(v.stale);

	/* ... and a wrong one 403, not a hint */
	authz(h, sizeof(h), "MD5", "alice", "guess", nonce, "00000001", "c",
	      RURI);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);

	/* within the lifetime it is accepted */
	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, "00000001",
	      "c", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1300);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);

	teardown(&fx);
	return 0;
}


/* digest_algorithms SHA-256,MD5: both challenges, SHA-256 first
 * (RFC 8760 2.4), and both answers accepted */
static int test_sha256(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	char hdrs[768], nonce[DIGEST_NONCE_MAX], h[1024];
	const char *s, *m;
	bool stale;
	int err;

	err = setup(&fx, "SHA-256,MD5", 0, false);
	if (err)
		return err;

	req_init(&r, NULL, true, 1000);
	CHECK_EQ(auth_challenge_print(fx.a, hdrs, sizeof(hdrs), fx.cd,
				      &r.src, 1000, false), 0);
	s = strstr(hdrs, "algorithm=SHA-256");
	m = strstr(hdrs, "algorithm=MD5");
	CHECK(s && m && s < m);
	CHECK(strstr(hdrs, "WWW-Authenticate: Digest realm=\"conf.test\"")
	      == hdrs);

	CHECK_EQ(nonce_of(fx.a, fx.cd, &r.src, 1000, nonce, sizeof(nonce),
			  &stale), 0);
	authz(h, sizeof(h), "SHA-256", "alice", "wonderland", nonce,
	      "00000001", "s", RURI);
	req_init(&r, "sip:alice@conf.test", true, 1001);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);

	authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce,
	      "00000002", "s", RURI);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_AUTHENTICATED);

	authz(h, sizeof(h), "SHA-256", "alice", "wrong", nonce,
	      "00000003", "s", RURI);
	CHECK_EQ(decide(&fx, &r, &v, h), 0);
	CHECK_EQ(v.res, AUTH_REFUSE);

	teardown(&fx);
	return 0;
}


/* When the replay cache is full, what it forgot can no longer be
 * checked: nonces from before the forgotten entry are refused (stale),
 * never accepted twice. */
static int test_replay_bound(void)
{
	struct fixture fx;
	struct auth_req r;
	struct auth_verdict v;
	char nonce[DIGEST_NONCE_MAX], h1[1024], h[1024];
	char nc[16];
	bool stale;
	int i, err;

	err = setup(&fx, NULL, 2, false);
	if (err)
		return err;

	req_init(&r, NULL, true, 1000);
	CHECK_EQ(nonce_of(fx.a, fx.cd, &r.src, 1000, nonce, sizeof(nonce),
			  &stale), 0);

	for (i = 1; i <= 3; i++) {
		snprintf(nc, sizeof(nc), "%08x", i);
		authz(h, sizeof(h), "MD5", "alice", "wonderland", nonce, nc,
		      "c", RURI);
		if (i == 1)
			memcpy(h1, h, sizeof(h1));
		req_init(&r, "sip:alice@conf.test", true, 1000 + i);
		CHECK_EQ(decide(&fx, &r, &v, h), 0);
		CHECK_EQ(v.res, AUTH_AUTHENTICATED);
	}

	/* the first entry was evicted: its replay must still fail */
	req_init(&r, "sip:alice@conf.test", true, 1004);
	CHECK_EQ(decide(&fx, &r, &v, h1), 0);
	CHECK(v.res != AUTH_AUTHENTICATED);

	teardown(&fx);
	return 0;
}


TEST_MAIN("auth",
	  CASE(test_no_credentials),
	  CASE(test_open),
	  CASE(test_digest_md5),
	  CASE(test_stale),
	  CASE(test_sha256),
	  CASE(test_replay_bound))

/**
 * @file auth.c  Authenticating the requests that act on a conference:
 * SIP digest challenges and their answers (RFC 3261 section 22,
 * RFC 7616, RFC 8760), on top of the pure functions of digest.c.
 *
 * The rules are in auth_int.h.  The state kept here is small: a random
 * nonce key per focus (nonces are stateless, digest.h) and a bounded
 * cache of the (nonce, nc, cnonce) triples already accepted, so that a
 * captured Authorization cannot be played again while its nonce lives.
 */
#include <string.h>
#include <time.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/digest.h"
#include "focus/focus_int.h"
#include "focus/auth_int.h"


#define DEBUG_MODULE "auth"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum {
	NONCE_LIFETIME = 300,
	REPLAY_MAX     = 4096,
	NC_MAX         = 8,            /* nc is 8 hex digits */
	CNONCE_MAX     = 128,
};


/* One accepted (nonce, nc, cnonce) */
struct seen {
	struct le le;
	uint64_t t;                    /* when it was accepted */
	char nonce[DIGEST_NONCE_MAX];
	char nc[NC_MAX + 1];
	char cnonce[CNONCE_MAX + 1];
};

struct auth {
	uint8_t key[DIGEST_KEY_LEN];   /* nonce MAC key, this process only */
	enum digest_alg algv[AUTH_ALG_MAX];
	size_t algc;
	uint32_t lifetime;
	struct list seen;              /* oldest first */
	size_t seenc, seen_max;
	/* Nonces issued up to here may have lost their cache entry to the
	 * size bound: they are no longer accepted (answered stale). */
	uint64_t horizon;
	bool evicted;
};


static void auth_destructor(void *arg)
{
	struct auth *a = arg;

	list_flush(&a->seen);
	OPENSSL_cleanse(a->key, sizeof(a->key));
}


uint64_t auth_now(void)
{
	struct timespec ts;

	/* monotonic: nonce ages must not jump with the wall clock */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec + 1;
}


int auth_alloc(struct auth **ap, const struct auth_cfg *cfg)
{
	struct auth *a;
	size_t i;

	if (!ap || !cfg || cfg->algc > AUTH_ALG_MAX)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), auth_destructor);
	if (!a)
		return ENOMEM;

	if (RAND_bytes(a->key, sizeof(a->key)) != 1) {
		mem_deref(a);
		return EIO;
	}

	for (i = 0; i < cfg->algc; i++)
		a->algv[i] = cfg->algv[i];
	a->algc = cfg->algc;
	if (!a->algc) {
		/* libre's client (baresip) gives up on any non-MD5
		 * challenge: docs/libre.md */
		a->algv[0] = DIGEST_MD5;
		a->algc = 1;
	}
	a->lifetime = cfg->nonce_lifetime ? cfg->nonce_lifetime
		: NONCE_LIFETIME;
	a->seen_max = cfg->replay_max ? cfg->replay_max : REPLAY_MAX;

	*ap = a;
	return 0;
}


int auth_realm(char *buf, size_t sz, const struct confdef *def)
{
	const char *u = def ? def->uri : NULL;
	struct pl host;

	if (!buf || !u)
		return EINVAL;

	/* as confd/store.c computed it when the HA1s were stored */
	if (re_regex(u, strlen(u), "@[^;:>?]+", &host) &&
	    re_regex(u, strlen(u), "sip[s]*:[^;:>?@]+", NULL, &host))
		return EINVAL;

	return pl_strcpy(&host, buf, sz) ? ENOMEM : 0;
}


static bool alg_allowed(const struct auth *a, enum digest_alg alg)
{
	size_t i;

	for (i = 0; i < a->algc; i++) {
		if (a->algv[i] == alg)
			return true;
	}

	return false;
}


static void seen_expire(struct auth *a, uint64_t now)
{
	struct le *le;

	while ((le = list_head(&a->seen))) {
		struct seen *s = le->data;

		if (s->t + a->lifetime >= now)
			break;
		list_unlink(le);
		mem_deref(s);
		--a->seenc;
	}
}


static bool seen_find(const struct auth *a, const struct digest_resp *r)
{
	struct le *le;

	for (le = a->seen.head; le; le = le->next) {
		const struct seen *s = le->data;

		if (!pl_strcmp(&r->nonce, s->nonce) &&
		    !pl_strcmp(&r->nc, s->nc) &&
		    !pl_strcmp(&r->cnonce, s->cnonce))
			return true;
	}

	return false;
}


static int seen_add(struct auth *a, const struct digest_resp *r,
		    uint64_t now)
{
	struct seen *s;

	if (a->seenc >= a->seen_max) {
		struct seen *old = list_head(&a->seen)->data;

		/* nonces issued until the evicted one was accepted can no
		 * longer be checked for replay */
		a->horizon = old->t;
		a->evicted = true;
		list_unlink(&old->le);
		mem_deref(old);
		--a->seenc;
	}

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;

	s->t = now;
	(void)pl_strcpy(&r->nonce, s->nonce, sizeof(s->nonce));
	(void)pl_strcpy(&r->nc, s->nc, sizeof(s->nc));
	(void)pl_strcpy(&r->cnonce, s->cnonce, sizeof(s->cnonce));
	list_append(&a->seen, &s->le, s);
	++a->seenc;

	return 0;
}


/* The nonce's age limit: its lifetime, shortened past the replay
 * cache's horizon. 0: nothing is accepted now. */
static uint32_t max_age(const struct auth *a, uint64_t now)
{
	uint64_t lim = a->lifetime;

	if (a->evicted) {
		if (now <= a->horizon + 1)
			return 0;
		if (now - a->horizon - 1 < lim)
			lim = now - a->horizon - 1;
	}

	return (uint32_t)lim;
}


/* RFC 7616 3.4.6: the digest's uri is the Request-URI, as sent.
 * Case is forgiven (scheme and host are case-insensitive, and clients
 * that copy the URI never change the case of the rest); nothing else
 * is, so that a response made for one URI serves no other. */
static bool uri_matches(const struct pl *duri, const struct pl *ruri)
{
	return !pl_casecmp(duri, ruri);
}


static void refuse(struct auth_verdict *v, uint16_t scode,
		   const char *reason, const char *why)
{
	v->res = AUTH_REFUSE;
	v->scode = scode;
	v->reason = reason;
	v->why = why;
}


static void challenge(struct auth_verdict *v, bool stale, const char *why)
{
	v->res = AUTH_CHALLENGE;
	v->scode = 401;
	v->reason = "Unauthorized";
	v->stale = stale;
	v->why = why;
}


static bool any_digest(const struct confdef *def)
{
	struct le *le;

	for (le = def->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		if (m->has_digest)
			return true;
	}

	return false;
}


/* An Authorization value: AUTH_AUTHENTICATED, a new challenge, or 403 */
static int decide_digest(struct auth *a, const struct confdef *def,
			 const struct auth_req *r, struct auth_verdict *v)
{
	const struct confdef_member *m;
	struct digest_resp dr;
	enum digest_alg alg;
	char realm[256];
	const uint8_t *ha1;
	bool stale = false;
	int err;

	err = digest_resp_decode(&dr, &alg, &r->authz);
	if (err == EPROTO || (!err && !alg_allowed(a, alg))) {
		/* a client may answer an algorithm we did not offer:
		 * offer ours again */
		challenge(v, false, "digest algorithm not offered");
		return 0;
	}
	if (err) {
		refuse(v, 403, "Malformed Credentials", "bad Authorization");
		return 0;
	}

	err = auth_realm(realm, sizeof(realm), def);
	if (err)
		return err;

	if (pl_strcasecmp(&dr.realm, realm)) {
		/* credentials for another realm: say which one is ours */
		challenge(v, false, "credentials for another realm");
		return 0;
	}

	if (!uri_matches(&dr.uri, &r->ruri)) {
		refuse(v, 403, "Digest URI Mismatch",
		       "digest uri is not the Request-URI");
		return 0;
	}

	if (dr.nc.l > NC_MAX || dr.cnonce.l > CNONCE_MAX) {
		refuse(v, 403, "Malformed Credentials", "nc or cnonce size");
		return 0;
	}

	err = digest_nonce_check(&dr.nonce, a->key, r->now, &r->src,
				 max_age(a, r->now));
	if (err == ETIMEDOUT) {
		stale = true;
	}
	else if (err) {
		/* not ours (another process, another source): a fresh
		 * challenge, never a verdict on the password */
		challenge(v, false, "nonce not issued here");
		return 0;
	}

	m = confdef_member_find_auth(def, &dr.username);
	if (!m || !m->realm || str_casecmp(m->realm, realm)) {
		refuse(v, 403, "Wrong Credentials", "unknown username");
		return 0;
	}

	ha1 = alg == DIGEST_SHA256 ? m->ha1_sha256 : m->ha1_md5;
	err = digest_verify(&dr, alg, ha1, &r->met);
	if (err) {
		refuse(v, 403, "Wrong Credentials",
		       err == EBADMSG ? "qop without nc or cnonce"
		       : "wrong password");
		return 0;
	}

	if (stale) {
		/* the password was right: RFC 7616 3.3, retry silently */
		challenge(v, true, "nonce expired");
		return 0;
	}

	seen_expire(a, r->now);
	if (seen_find(a, &dr)) {
		challenge(v, false, "replayed nonce, nc and cnonce");
		return 0;
	}

	err = seen_add(a, &dr, r->now);
	if (err)
		return err;

	v->res = AUTH_AUTHENTICATED;
	v->m = m;
	v->why = digest_alg_name(alg);
	return 0;
}


int auth_decide(struct auth *a, const struct confdef *def,
		const struct auth_req *r, struct auth_verdict *v)
{
	const struct confdef_member *claimed;

	if (!a || !def || !r || !v)
		return EINVAL;

	memset(v, 0, sizeof(*v));

	if (r->asserted) {
		v->res = AUTH_AUTHENTICATED;
		v->why = "P-Asserted-Identity from a trusted peer";
		return 0;
	}

	if (r->mikey) {
		v->res = AUTH_MIKEY;
		v->why = "MIKEY-TICKET";
		return 0;
	}

	if (pl_isset(&r->authz))
		return decide_digest(a, def, r, v);

	claimed = r->claimed ? confdef_member_find(def, r->claimed) : NULL;
	if (claimed && claimed->has_digest) {
		challenge(v, false, "From names a member with credentials");
		return 0;
	}

	if (!r->closed) {
		v->res = AUTH_UNAUTHENTICATED;
		v->why = "open conference";
		return 0;
	}

	if (any_digest(def)) {
		challenge(v, false, "no credentials");
		return 0;
	}

	refuse(v, 403, "Authentication Required",
	       "no credentials, and none could be checked");
	return 0;
}


int auth_challenge_print(struct auth *a, char *buf, size_t sz,
			 const struct confdef *def, const struct sa *src,
			 uint64_t now, bool stale)
{
	char realm[256], nonce[DIGEST_NONCE_MAX], ch[512];
	size_t i, off = 0;
	int err;

	if (!a || !buf || !sz || !def || !src)
		return EINVAL;

	buf[0] = '\0';

	err  = auth_realm(realm, sizeof(realm), def);
	err |= digest_nonce_make(nonce, sizeof(nonce), a->key, now, src);
	if (err)
		return err;

	/* RFC 8760 2.4: one challenge per algorithm, the preferred first;
	 * one nonce serves them all */
	for (i = 0; i < a->algc; i++) {
		int n;

		err = digest_challenge_encode(ch, sizeof(ch), realm, nonce,
					      a->algv[i], stale);
		if (err)
			return err;

		n = re_snprintf(buf + off, sz - off,
				"WWW-Authenticate: %s\r\n", ch);
		if (n < 0 || (size_t)n >= sz - off)
			return ENOMEM;
		off += n;
	}

	return 0;
}


int auth_check(struct focus *f, const struct conference *conf,
	       const struct sip_msg *msg, struct identity *id, bool mikey,
	       bool closed, struct auth_reply *rep)
{
	const struct sip_hdr *h;
	struct auth_verdict v;
	struct auth_req r;
	int err;

	if (!f || !conf || !msg || !id || !rep)
		return EINVAL;

	memset(rep, 0, sizeof(*rep));
	id->authenticated = false;

	/* identity_authorize() answers for a conference that is gone */
	if (conf->removed)
		return 0;

	memset(&r, 0, sizeof(r));
	r.met = msg->met;
	r.ruri = msg->ruri;
	r.src = msg->src;
	r.claimed = id->uri;
	r.asserted = id->asserted;
	r.mikey = mikey;
	r.closed = closed;
	r.now = auth_now();

	/* RFC 3261 22.2: a UAS reads Authorization; a Proxy-Authorization
	 * is for a proxy's realm, not ours */
	h = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
	if (h)
		r.authz = h->val;

	err = auth_decide(f->auth, conf->def, &r, &v);
	if (err) {
		rep->scode = 500;
		rep->reason = "Server Internal Error";
		return EACCES;
	}

	switch (v.res) {

	case AUTH_AUTHENTICATED:
		if (v.m) {
			str_ncpy(id->uri, v.m->sip_uri, sizeof(id->uri));
			id->anonymous = false;
		}
		id->authenticated = true;
		DEBUG_INFO("%r from %J: %s authenticated (%s)\n", &msg->met,
			   &msg->src, id->uri, v.why);
		return 0;

	case AUTH_MIKEY:
		/* mikey_in.c / events.c decide once the KMS has spoken */
		return 0;

	case AUTH_UNAUTHENTICATED:
		DEBUG_NOTICE("%r from %J to %s: %s unauthenticated (%s)\n",
			     &msg->met, &msg->src, conf->def->uri, id->uri,
			     v.why);
		return 0;

	case AUTH_CHALLENGE:
		err = auth_challenge_print(f->auth, rep->hdrs,
					   sizeof(rep->hdrs), conf->def,
					   &msg->src, r.now, v.stale);
		if (err) {
			rep->scode = 500;
			rep->reason = "Server Internal Error";
			return EACCES;
		}
		break;

	case AUTH_REFUSE:
		break;
	}

	rep->scode = v.scode;
	rep->reason = v.reason;
	DEBUG_NOTICE("%r from %J to %s as %s: %u %s (%s)\n", &msg->met,
		     &msg->src, conf->def->uri, id->uri, v.scode, v.reason,
		     v.why);
	return EACCES;
}

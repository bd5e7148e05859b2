/**
 * @file digest.c  SIP digest authentication, server side.
 *
 * libre 1.1.0 has httpauth_digest_response_decode(), but it drops the
 * algorithm parameter and its httpauth_digest_response_auth() knows
 * only MD5, so RFC 8760's SHA-256 needs our own parse and check.
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/digest.h"


enum {
	NONCE_TS_LEN  = 8,
	NONCE_MAC_LEN = 16,        /* truncated HMAC-SHA-256 */
	NONCE_RAW_LEN = NONCE_TS_LEN + NONCE_MAC_LEN,
	PARAM_MAX     = 1024,      /* longest parameter value we look at */
};


size_t digest_len(enum digest_alg alg)
{
	return alg == DIGEST_SHA256 ? DIGEST_SHA256_LEN : DIGEST_MD5_LEN;
}


const char *digest_alg_name(enum digest_alg alg)
{
	return alg == DIGEST_SHA256 ? "SHA-256" : "MD5";
}


static const EVP_MD *alg_md(enum digest_alg alg)
{
	return alg == DIGEST_SHA256 ? EVP_sha256() : EVP_md5();
}


/* Skips linear white space and returns false at the end. */
static bool skip_lws(const char **pp, const char *end)
{
	while (*pp < end && (**pp == ' ' || **pp == '\t' || **pp == '\r' ||
			     **pp == '\n'))
		++*pp;

	return *pp < end;
}


static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("-.!%*_+`'~/:@=?", c);
}


/* One auth-param: token "=" ( token / quoted-string ).  A quoted value
 * is returned without its quotes; escaped characters stay escaped, and
 * the fields we compare never legitimately contain any. */
static int next_param(const char **pp, const char *end, struct pl *name,
		      struct pl *val)
{
	const char *p = *pp;

	if (!skip_lws(&p, end))
		return ENOENT;

	name->p = p;
	while (p < end && is_tchar(*p) && *p != '=')
		++p;
	name->l = p - name->p;
	if (!name->l)
		return EBADMSG;

	if (!skip_lws(&p, end) || *p != '=')
		return EBADMSG;
	++p;
	if (!skip_lws(&p, end))
		return EBADMSG;

	if (*p == '"') {
		++p;
		val->p = p;
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 1 < end)
				++p;
			++p;
		}
		if (p >= end)
			return EBADMSG;
		val->l = p - val->p;
		++p;
	}
	else {
		val->p = p;
		while (p < end && is_tchar(*p))
			++p;
		val->l = p - val->p;
		if (!val->l)
			return EBADMSG;
	}

	if (val->l > PARAM_MAX)
		return EBADMSG;

	skip_lws(&p, end);
	if (p < end) {
		if (*p != ',')
			return EBADMSG;
		++p;
	}

	*pp = p;
	return 0;
}


int digest_resp_decode(struct digest_resp *r, enum digest_alg *alg,
		       const struct pl *hval)
{
	const char *p, *end;
	struct pl name, val;
	int err;

	if (!r || !alg || !pl_isset(hval))
		return EINVAL;

	memset(r, 0, sizeof(*r));
	p = hval->p;
	end = hval->p + hval->l;

	if (!skip_lws(&p, end) || (size_t)(end - p) < 7 ||
	    strncasecmp(p, "Digest", 6) || (p[6] != ' ' && p[6] != '\t'))
		return EBADMSG;
	p += 6;

	while ((err = next_param(&p, end, &name, &val)) == 0) {
		struct pl *dst = NULL;

		if (!pl_strcasecmp(&name, "username"))  dst = &r->username;
		else if (!pl_strcasecmp(&name, "realm"))  dst = &r->realm;
		else if (!pl_strcasecmp(&name, "nonce"))  dst = &r->nonce;
		else if (!pl_strcasecmp(&name, "uri"))    dst = &r->uri;
		else if (!pl_strcasecmp(&name, "response")) dst = &r->response;
		else if (!pl_strcasecmp(&name, "algorithm")) dst = &r->algorithm;
		else if (!pl_strcasecmp(&name, "cnonce")) dst = &r->cnonce;
		else if (!pl_strcasecmp(&name, "qop"))    dst = &r->qop;
		else if (!pl_strcasecmp(&name, "nc"))     dst = &r->nc;
		else if (!pl_strcasecmp(&name, "opaque")) dst = &r->opaque;

		if (dst) {
			/* a repeated parameter is ambiguous: refuse it */
			if (dst->p)
				return EBADMSG;
			*dst = val;
		}
	}
	if (err != ENOENT)
		return err;

	if (!pl_isset(&r->username) || !r->realm.p || !pl_isset(&r->nonce) ||
	    !pl_isset(&r->uri) || !pl_isset(&r->response))
		return EBADMSG;

	if (!pl_isset(&r->algorithm) ||
	    !pl_strcasecmp(&r->algorithm, "MD5"))
		*alg = DIGEST_MD5;
	else if (!pl_strcasecmp(&r->algorithm, "SHA-256"))
		*alg = DIGEST_SHA256;
	else
		return EPROTO;

	return 0;
}


/* H() over the pieces joined by ':' */
static int hash_join(uint8_t *out, enum digest_alg alg,
		     const struct pl *parts, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;
	int ok;

	if (!ctx)
		return ENOMEM;

	ok = EVP_DigestInit_ex(ctx, alg_md(alg), NULL);
	for (i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok && parts[i].l)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].l);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, NULL);

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : EIO;
}


static void hex_lower(char *out, const uint8_t *in, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i]     = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}


int digest_ha1(uint8_t *ha1, enum digest_alg alg, const char *user,
	       const char *realm, const char *password)
{
	struct pl parts[3];

	if (!ha1 || !user || !realm || !password)
		return EINVAL;

	pl_set_str(&parts[0], user);
	pl_set_str(&parts[1], realm);
	pl_set_str(&parts[2], password);

	return hash_join(ha1, alg, parts, 3);
}


int digest_verify(const struct digest_resp *r, enum digest_alg alg,
		  const uint8_t *ha1, const struct pl *method)
{
	uint8_t ha2[DIGEST_HA1_MAX], exp[DIGEST_HA1_MAX];
	char ha1x[2 * DIGEST_HA1_MAX + 1], ha2x[2 * DIGEST_HA1_MAX + 1];
	char expx[2 * DIGEST_HA1_MAX + 1];
	const size_t len = digest_len(alg);
	struct pl parts[6];
	int err;

	if (!r || !ha1 || !method)
		return EINVAL;

	/* qop=auth-int would need the body hash: not offered, refused */
	if (pl_isset(&r->qop) && pl_strcasecmp(&r->qop, "auth"))
		return EAUTH;
	if (pl_isset(&r->qop) && (!pl_isset(&r->cnonce) || !pl_isset(&r->nc)))
		return EBADMSG;

	parts[0] = *method;
	parts[1] = r->uri;
	err = hash_join(ha2, alg, parts, 2);
	if (err)
		return err;

	hex_lower(ha1x, ha1, len);
	hex_lower(ha2x, ha2, len);

	pl_set_str(&parts[0], ha1x);
	parts[1] = r->nonce;
	if (pl_isset(&r->qop)) {
		parts[2] = r->nc;
		parts[3] = r->cnonce;
		parts[4] = r->qop;
		pl_set_str(&parts[5], ha2x);
		err = hash_join(exp, alg, parts, 6);
	}
	else {
		/* RFC 2069 compatibility, which RFC 3261 22.4 still allows */
		pl_set_str(&parts[2], ha2x);
		err = hash_join(exp, alg, parts, 3);
	}
	if (err)
		return err;

	hex_lower(expx, exp, len);

	if (r->response.l != 2 * len)
		return EAUTH;

	/* case-insensitive hex: compare lowered copies in constant time */
	{
		char got[2 * DIGEST_HA1_MAX];
		size_t i;
		int diff;

		for (i = 0; i < 2 * len; i++) {
			char c = r->response.p[i];
			got[i] = (c >= 'A' && c <= 'F') ? (char)(c + 32) : c;
		}
		diff = CRYPTO_memcmp(got, expx, 2 * len);
		OPENSSL_cleanse(ha1x, sizeof(ha1x));
		return diff ? EAUTH : 0;
	}
}


static int nonce_mac(uint8_t *mac, const uint8_t *key, const uint8_t *ts,
		     const struct sa *src)
{
	uint8_t buf[NONCE_TS_LEN + 16 + 1], full[32];
	unsigned int flen = sizeof(full);
	size_t n = NONCE_TS_LEN;

	memcpy(buf, ts, NONCE_TS_LEN);

	/* bind to the source address, not its port: a client's port may
	 * change between the challenge and its retry (TCP reconnect) */
	if (sa_af(src) == AF_INET) {
		uint32_t a = sa_in(src);
		buf[n++] = 4;
		memcpy(buf + n, &a, 4);
		n += 4;
	}
	else if (sa_af(src) == AF_INET6) {
		buf[n++] = 6;
		sa_in6(src, buf + n);
		n += 16;
	}

	if (!HMAC(EVP_sha256(), key, DIGEST_KEY_LEN, buf, n, full, &flen))
		return EIO;

	memcpy(mac, full, NONCE_MAC_LEN);
	return 0;
}


int digest_nonce_make(char *buf, size_t sz, const uint8_t *key,
		      uint64_t now, const struct sa *src)
{
	uint8_t raw[NONCE_RAW_LEN];
	size_t olen = sz ? sz - 1 : 0;
	int i, err;

	if (!buf || !key || !src)
		return EINVAL;

	for (i = 0; i < NONCE_TS_LEN; i++)
		raw[i] = (uint8_t)(now >> (8 * (NONCE_TS_LEN - 1 - i)));

	err = nonce_mac(raw + NONCE_TS_LEN, key, raw, src);
	if (err)
		return err;

	err = base64_encode(raw, sizeof(raw), buf, &olen);
	if (err)
		return err;
	buf[olen] = '\0';

	return 0;
}


int digest_nonce_check(const struct pl *nonce, const uint8_t *key,
		       uint64_t now, const struct sa *src, uint32_t max_age)
{
	uint8_t raw[NONCE_RAW_LEN + 4], mac[NONCE_MAC_LEN];
	size_t rlen = sizeof(raw);
	uint64_t ts = 0;
	int i;

	if (!pl_isset(nonce) || !key || !src)
		return EINVAL;

	if (nonce->l > DIGEST_NONCE_MAX ||
	    base64_decode(nonce->p, nonce->l, raw, &rlen) ||
	    rlen != NONCE_RAW_LEN)
		return EAUTH;

	if (nonce_mac(mac, key, raw, src))
		return EAUTH;
	if (CRYPTO_memcmp(mac, raw + NONCE_TS_LEN, NONCE_MAC_LEN))
		return EAUTH;

	for (i = 0; i < NONCE_TS_LEN; i++)
		ts = (ts << 8) | raw[i];

	if (ts > now + 5)
		return EAUTH;
	if (now - ts > max_age)
		return ETIMEDOUT;

	return 0;
}


int digest_challenge_encode(char *buf, size_t sz, const char *realm,
			    const char *nonce, enum digest_alg alg, bool stale)
{
	int n;

	if (!buf || !realm || !nonce)
		return EINVAL;

	n = re_snprintf(buf, sz, "Digest realm=\"%s\", nonce=\"%s\","
			" algorithm=%s, qop=\"auth\"%s",
			realm, nonce, digest_alg_name(alg),
			stale ? ", stale=true" : "");

	return (n < 0 || (size_t)n >= sz) ? ENOMEM : 0;
}

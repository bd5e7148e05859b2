/**
 * @file sdes.c  RFC 4568 a=crypto for SRTP, written from the RFC text for
 *               the test UA (independent of confd's keying/sdes.c).
 *
 *   crypto-attribute = tag 1*WSP crypto-suite 1*WSP key-params
 *                      *(1*WSP session-param)          (RFC 4568 9.1)
 *   key-params       = key-param *(";" key-param)
 *   key-param        = "inline:" key-salt ["|" lifetime] ["|" mki]
 *
 * AEAD suites are RFC 7714 (12-byte salt), AES-256 CM is RFC 6188.
 */
#include <string.h>
#include <stdlib.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "tests/ua/ua.h"


static const struct ua_sdes_suite suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", SRTP_AES_CM_128_HMAC_SHA1_80, 16, 14},
	{"AES_CM_128_HMAC_SHA1_32", SRTP_AES_CM_128_HMAC_SHA1_32, 16, 14},
	{"AEAD_AES_128_GCM",        SRTP_AES_128_GCM,             16, 12},
	{"AEAD_AES_256_GCM",        SRTP_AES_256_GCM,             32, 12},
	{"AES_256_CM_HMAC_SHA1_80", SRTP_AES_256_CM_HMAC_SHA1_80, 32, 14},
	{"AES_256_CM_HMAC_SHA1_32", SRTP_AES_256_CM_HMAC_SHA1_32, 32, 14},
};


const struct ua_sdes_suite *ua_sdes_suite_at(size_t i)
{
	return i < UA_ARRAY_SIZE(suites) ? &suites[i] : NULL;
}


const struct ua_sdes_suite *ua_sdes_suite_find(const char *name, size_t len)
{
	for (size_t i = 0; i < UA_ARRAY_SIZE(suites); i++) {
		if (strlen(suites[i].name) == len &&
		    0 == memcmp(suites[i].name, name, len))
			return &suites[i];
	}
	return NULL;
}


int ua_sdes_crypto_new(struct ua_sdes_crypto *c, uint32_t tag,
		    const struct ua_sdes_suite *suite)
{
	size_t olen;
	int err;

	if (!c || !suite || tag == 0 || tag > 999999999)
		return EINVAL;

	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = suite;
	c->keylen = suite->key_len + suite->salt_len;
	if (1 != RAND_bytes(c->key, (int)c->keylen))
		return EIO;

	olen = sizeof(c->b64) - 1;
	err = base64_encode(c->key, c->keylen, c->b64, &olen);
	if (err)
		return err;
	c->b64[olen] = '\0';
	return 0;
}


int ua_sdes_crypto_encode(char *buf, size_t sz, const struct ua_sdes_crypto *c)
{
	int n;

	if (!buf || !c || !c->suite)
		return EINVAL;

	n = re_snprintf(buf, sz, "%u %s inline:%s", c->tag, c->suite->name,
			c->b64);
	return (n < 0 || (size_t)n >= sz) ? ENOMEM : 0;
}


/* Decimal of at most maxd digits into *v; advances *p. */
static bool get_num(const char **p, const char *end, unsigned maxd,
		    uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	unsigned d = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		if (++d > maxd)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		++s;
	}
	if (d == 0)
		return false;
	*v = x;
	*p = s;
	return true;
}


static bool is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}


static bool is_b64(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		(ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		ch == '=';
}


/* One key-param: inline:key-salt[|lifetime][|mki:len]; [p, end). */
static int parse_key_param(struct ua_sdes_crypto *c, const char *p,
			   const char *end, const char **why)
{
	const char *ks;
	size_t kslen, olen;
	uint8_t tmp[96];
	uint64_t v;
	int err;

	if ((size_t)(end - p) < 7 || 0 != strncasecmp(p, "inline:", 7)) {
		*why = "key-method is not inline";
		return EINVAL;
	}
	p += 7;
	ks = p;
	while (p < end && is_b64(*p))
		++p;
	kslen = (size_t)(p - ks);
	if (kslen == 0 || kslen >= sizeof(c->b64)) {
		*why = "bad key-salt length";
		return EINVAL;
	}
	olen = sizeof(tmp);
	err = base64_decode(ks, kslen, tmp, &olen);
	if (err || olen != c->keylen) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		*why = "key-salt does not decode to the suite's key||salt";
		return EINVAL;
	}
	memcpy(c->key, tmp, olen);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	memcpy(c->b64, ks, kslen);
	c->b64[kslen] = '\0';

	/* Optional lifetime, then optional MKI; the MKI has a ':'. */
	while (p < end && *p == '|') {
		const char *q = ++p;
		bool colon = false;

		while (q < end && *q != '|') {
			if (*q == ':')
				colon = true;
			++q;
		}
		if (!colon) {
			if (c->has_lifetime || c->has_mki) {
				*why = "lifetime out of place";
				return EINVAL;
			}
			if (end - p >= 2 && p[0] == '2' && p[1] == '^') {
				p += 2;
				if (!get_num(&p, q, 2, &v) || v > 63) {
					*why = "bad lifetime";
					return EINVAL;
				}
				c->lifetime = (uint64_t)1 << v;
			}
			else if (!get_num(&p, q, 19, &c->lifetime)) {
				*why = "bad lifetime";
				return EINVAL;
			}
			c->has_lifetime = true;
		}
		else {
			uint64_t len;

			if (c->has_mki ||
			    !get_num(&p, q, 10, &v) || p >= q || *p != ':') {
				*why = "bad MKI";
				return EINVAL;
			}
			++p;
			if (!get_num(&p, q, 3, &len) || len < 1 || len > 128) {
				*why = "bad MKI length";
				return EINVAL;
			}
			/* The MKI value must fit in its declared length. */
			if (len < 8 && v >> (8 * len)) {
				*why = "MKI value exceeds its length";
				return EINVAL;
			}
			c->has_mki = true;
			c->mki = (uint32_t)v;
			c->mki_len = (uint32_t)len;
		}
		if (p != q) {
			*why = "trailing characters in key-info";
			return EINVAL;
		}
	}
	if (p != end) {
		*why = "trailing characters in key-param";
		return EINVAL;
	}
	return 0;
}


int ua_sdes_crypto_decode(struct ua_sdes_crypto *c, const char *val, size_t len,
		       const char **why)
{
	const char *p = val, *end = val + len, *s, *kp_end;
	const char *dummy;
	uint64_t tag;
	int err;

	if (!why)
		why = &dummy;
	*why = "";
	if (!c || !val) {
		*why = "no input";
		return EINVAL;
	}
	memset(c, 0, sizeof(*c));

	if (!get_num(&p, end, 9, &tag)) {
		*why = "bad tag";
		return EINVAL;
	}
	c->tag = (uint32_t)tag;
	if (p >= end || !is_wsp(*p)) {
		*why = "missing crypto-suite";
		return EINVAL;
	}
	while (p < end && is_wsp(*p))
		++p;
	s = p;
	while (p < end && !is_wsp(*p))
		++p;
	c->suite = ua_sdes_suite_find(s, (size_t)(p - s));
	if (!c->suite) {
		*why = "unknown crypto-suite";
		return ENOTSUP;
	}
	c->keylen = c->suite->key_len + c->suite->salt_len;
	while (p < end && is_wsp(*p))
		++p;
	if (p >= end) {
		*why = "missing key-params";
		return EINVAL;
	}

	/* key-params: the first key-param is the one we use; further ones
	 * (several master keys, told apart by MKI) are checked for form. */
	kp_end = p;
	while (kp_end < end && !is_wsp(*kp_end))
		++kp_end;
	s = p;
	while (s < kp_end && *s != ';')
		++s;
	err = parse_key_param(c, p, s, why);
	if (err)
		goto out;
	while (s < kp_end) {
		struct ua_sdes_crypto extra;
		const char *n = ++s;

		memset(&extra, 0, sizeof(extra));
		extra.suite = c->suite;
		extra.keylen = c->keylen;

		while (s < kp_end && *s != ';')
			++s;
		bool mki;

		err = parse_key_param(&extra, n, s, why);
		mki = extra.has_mki;
		ua_sdes_crypto_wipe(&extra);
		if (err)
			goto out;
		/* RFC 4568 6.1: several keys need an MKI each */
		if (!c->has_mki || !mki) {
			*why = "several keys without MKI";
			err = EINVAL;
			goto out;
		}
	}
	p = kp_end;

	/* session-params */
	while (p < end) {
		while (p < end && is_wsp(*p))
			++p;
		if (p >= end)
			break;
		s = p;
		while (p < end && !is_wsp(*p))
			++p;
		len = (size_t)(p - s);
#define IS(lit) (len == sizeof(lit) - 1 && 0 == memcmp(s, lit, len))
		if (IS("UNENCRYPTED_SRTP"))
			c->unencrypted_srtp = true;
		else if (IS("UNENCRYPTED_SRTCP"))
			c->unencrypted_srtcp = true;
		else if (IS("UNAUTHENTICATED_SRTP"))
			c->unauthenticated_srtp = true;
		else if (len > 4 && 0 == memcmp(s, "KDR=", 4)) {
			const char *q = s + 4;
			uint64_t kdr;

			if (!get_num(&q, p, 2, &kdr) || q != p || kdr > 24) {
				*why = "bad KDR";
				err = EINVAL;
				goto out;
			}
			/* libre's SRTP derives keys once: KDR 0 only. */
			if (kdr != 0) {
				*why = "KDR not supported";
				err = ENOTSUP;
				goto out;
			}
		}
		else if (len > 4 && 0 == memcmp(s, "WSH=", 4)) {
			const char *q = s + 4;
			uint64_t wsh;

			if (!get_num(&q, p, 9, &wsh) || q != p || wsh < 64) {
				*why = "bad WSH";
				err = EINVAL;
				goto out;
			}
		}
		else if (IS("FEC_ORDER=FEC_SRTP") ||
			 IS("FEC_ORDER=SRTP_FEC") ||
			 (len > 8 && 0 == memcmp(s, "FEC_KEY=", 8))) {
			/* Only matter when FEC is used, which we never do. */
		}
		else if (*s == '-') {
			/* RFC 4568 6.3.7 style: a leading dash marks a
			 * parameter that may be ignored. */
		}
		else {
			*why = "unknown session parameter";
			err = ENOTSUP;
			goto out;
		}
#undef IS
	}

 out:
	if (err)
		OPENSSL_cleanse(c->key, sizeof(c->key));
	return err;
}


int ua_sdes_crypto_srtp(struct srtp **srtpp, const struct ua_sdes_crypto *c)
{
	if (!srtpp || !c || !c->suite)
		return EINVAL;
	if (c->has_mki || c->unencrypted_srtp || c->unauthenticated_srtp)
		return ENOTSUP;

	return srtp_alloc(srtpp, c->suite->srtp, c->key, c->keylen,
			  c->unencrypted_srtcp ? SRTP_UNENCRYPTED_SRTCP : 0);
}


void ua_sdes_crypto_wipe(struct ua_sdes_crypto *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
}

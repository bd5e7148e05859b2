/**
 * @file digest.h  SIP digest authentication, server side (RFC 3261
 * section 22, RFC 7616 for the algorithms, RFC 8760 for SHA-256 in
 * SIP).  Pure functions over buffers: no sockets, no store, no clock;
 * the caller passes the time and the stored HA1.
 *
 * Only HA1 = H(username:realm:password) is ever stored: it is all the
 * server needs, and it is useless outside that realm.  It is still
 * password-equivalent inside it, so callers keep it in memory they
 * wipe.
 *
 * Nonces are stateless: time || HMAC-SHA-256(key, time || source
 * address).  A nonce from another source, a forged one, or an expired
 * one is refused; an expired genuine one gets stale=true so that the
 * client retries without asking its user (RFC 7616 3.3).
 */

enum digest_alg {
	DIGEST_MD5 = 0,
	DIGEST_SHA256,
};

enum {
	DIGEST_MD5_LEN    = 16,
	DIGEST_SHA256_LEN = 32,
	DIGEST_HA1_MAX    = 32,
	DIGEST_KEY_LEN    = 32,
	DIGEST_NONCE_MAX  = 96,     /* printed nonce, with its NUL */
};

/* The fields of an Authorization / Proxy-Authorization value that the
 * server needs (RFC 7616 3.4).  Unset fields have p == NULL. */
struct digest_resp {
	struct pl username;
	struct pl realm;
	struct pl nonce;
	struct pl uri;
	struct pl response;
	struct pl algorithm;
	struct pl cnonce;
	struct pl qop;
	struct pl nc;
	struct pl opaque;
};

/* EBADMSG unless the value is a "Digest" credential with username,
 * realm, nonce, uri and response; EPROTO for an unknown algorithm. */
int  digest_resp_decode(struct digest_resp *r, enum digest_alg *alg,
			const struct pl *hval);

size_t digest_len(enum digest_alg alg);
const char *digest_alg_name(enum digest_alg alg);

/* HA1 for a user; ha1 must hold digest_len(alg) bytes. */
int  digest_ha1(uint8_t *ha1, enum digest_alg alg, const char *user,
		const char *realm, const char *password);

/* 0 when the response matches HA1 for this method; EAUTH when it
 * does not, EBADMSG when qop=auth lacks cnonce or nc.  Compares in
 * constant time. */
int  digest_verify(const struct digest_resp *r, enum digest_alg alg,
		   const uint8_t *ha1, const struct pl *method);

/* The nonce for a challenge sent now to src. */
int  digest_nonce_make(char *buf, size_t sz, const uint8_t *key,
		       uint64_t now, const struct sa *src);
/* 0: ours, for this source, not older than max_age seconds (and not
 * from the future).  ETIMEDOUT: ours but too old (answer stale=true).
 * EAUTH: not ours, or for another source. */
int  digest_nonce_check(const struct pl *nonce, const uint8_t *key,
			uint64_t now, const struct sa *src, uint32_t max_age);

/* One challenge value, "Digest realm=..., nonce=..., algorithm=...,
 * qop=\"auth\"[, stale=true]"; ENOMEM when buf is too small */
int  digest_challenge_encode(char *buf, size_t sz, const char *realm,
			     const char *nonce, enum digest_alg alg,
			     bool stale);

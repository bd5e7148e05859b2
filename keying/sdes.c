/**
 * @file sdes.c  SDP Security Descriptions for media streams (RFC 4568)
 *
 * The a=crypto value comes from the peer's SDP, so every field is
 * parsed against the RFC 4568 section 9 grammar with explicit bounds:
 * nothing here reads past the end of the pl it was handed, and a
 * partly parsed key never survives a failed decode.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include "keying/sdes.h"


enum {
	TAG_MAX      = 999999999,
	TAG_DIGITS   = 9,
	MKI_LEN_MAX  = 128,        /* RFC 4568 6.1 */
	MKI_LEN_KEEP = 4,          /* we store the MKI value in a uint32_t */
	KDR_MAX      = 24,         /* RFC 4568 6.3.1 */
	WSH_MIN      = 64,         /* RFC 4568 9.2, RFC 3711 3.3.2 */
	LIFETIME_LOG2_MAX = 48,    /* every suite here: 2^48 SRTP packets */
	KEY_FIELDS_MAX = 3,        /* key||salt, lifetime, MKI:length */
};

/* Longest base64 text that can still decode to SDES_KEYSALT_MAX bytes,
 * checked before decoding so the output buffer cannot overflow. */
#define B64_MAX (((SDES_KEYSALT_MAX + 2) / 3) * 4)


static const struct suite_info {
	const char *name;
	size_t key_len;
	size_t salt_len;
	size_t tag_len;
	enum srtp_suite srtp;
} suitev[SDES_SUITE_COUNT] = {
	/* RFC 4568 6.2.1, 6.2.2 */
	[SDES_AES_CM_128_HMAC_SHA1_80] = {"AES_CM_128_HMAC_SHA1_80",
					  16, 14, 10,
					  SRTP_AES_CM_128_HMAC_SHA1_80},
	[SDES_AES_CM_128_HMAC_SHA1_32] = {"AES_CM_128_HMAC_SHA1_32",
					  16, 14,  4,
					  SRTP_AES_CM_128_HMAC_SHA1_32},
	/* RFC 7714 12 and 14.1: 96-bit salt, 128-bit tag */
	[SDES_AEAD_AES_128_GCM]        = {"AEAD_AES_128_GCM",
					  16, 12, 16, SRTP_AES_128_GCM},
	[SDES_AEAD_AES_256_GCM]        = {"AEAD_AES_256_GCM",
					  32, 12, 16, SRTP_AES_256_GCM},
};


static inline bool suite_valid(enum sdes_suite suite)
{
	return (unsigned)suite < SDES_SUITE_COUNT;
}


const char *sdes_suite_name(enum sdes_suite suite)
{
	return suite_valid(suite) ? suitev[suite].name : NULL;
}


int sdes_suite_decode(enum sdes_suite *suite, const struct pl *name)
{
	size_t i;

	if (!suite || !name)
		return EINVAL;

	/* RFC 4568 4: field values are case-insensitive */
	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if (!pl_strcasecmp(name, suitev[i].name)) {
			*suite = (enum sdes_suite)i;
			return 0;
		}
	}

	return ENOTSUP;
}


size_t sdes_keysalt_len(enum sdes_suite suite)
{
	if (!suite_valid(suite))
		return 0;

	return suitev[suite].key_len + suitev[suite].salt_len;
}


size_t sdes_key_len(enum sdes_suite suite)
{
	return suite_valid(suite) ? suitev[suite].key_len : 0;
}


/* An out-of-range value maps to no libre suite at all, so that
 * srtp_alloc() refuses it instead of silently keying a default. */
enum srtp_suite sdes_srtp_suite(enum sdes_suite suite)
{
	return suite_valid(suite) ? suitev[suite].srtp : (enum srtp_suite)-1;
}


size_t sdes_auth_tag_len(enum sdes_suite suite)
{
	return suite_valid(suite) ? suitev[suite].tag_len : 0;
}


/* --- lexical helpers --- */

static inline bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}


static inline bool is_vchar(char c)
{
	return c >= 0x21 && c <= 0x7e;
}


static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}


static inline bool is_word(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') ||
		(c >= 'a' && c <= 'z') || c == '_';
}


/* 1*(ALPHA / DIGIT / "_"): crypto-suite and key-method */
static bool pl_is_word(const struct pl *pl)
{
	size_t i;

	if (!pl->l)
		return false;

	for (i = 0; i < pl->l; i++) {
		if (!is_word(pl->p[i]))
			return false;
	}

	return true;
}


/*
 * Take the next token (1*VCHAR) off the front of s and skip the 1*WSP
 * after it.  Trailing white space at the very end is tolerated, since
 * SDP producers leave it there; anything else that is neither VCHAR
 * nor WSP is a syntax error.
 */
static int token_next(struct pl *tok, struct pl *s)
{
	size_t i = 0, j = 0;

	while (i < s->l && is_vchar(s->p[i]))
		++i;
	if (!i)
		return EPROTO;

	tok->p = s->p;
	tok->l = i;
	pl_advance(s, (ssize_t)i);

	while (j < s->l && is_wsp(s->p[j]))
		++j;
	if (s->l && !j)
		return EPROTO;

	pl_advance(s, (ssize_t)j);

	return 0;
}


/* Split pl at the first c: head before it, tail after it.  Returns
 * false (head = pl, tail empty) when c does not occur. */
static bool pl_split(const struct pl *pl, char c, struct pl *head,
		     struct pl *tail)
{
	const char *p = pl_strchr(pl, c);

	if (!p) {
		*head = *pl;
		tail->p = pl->p + pl->l;
		tail->l = 0;
		return false;
	}

	head->p = pl->p;
	head->l = (size_t)(p - pl->p);
	tail->p = p + 1;
	tail->l = pl->l - head->l - 1;
	return true;
}


/*
 * Strict decimal: 1..maxdig digits, no leading zero (RFC 4568 forbids
 * them for tag, MKI, lifetime, KDR and WSH alike), value <= max.
 */
static int dec_u64(uint64_t *v, const struct pl *pl, size_t maxdig,
		   uint64_t max)
{
	uint64_t n = 0;
	size_t i;

	if (!pl->l || pl->l > maxdig)
		return EPROTO;
	if (pl->l > 1 && pl->p[0] == '0')
		return EPROTO;

	for (i = 0; i < pl->l; i++) {
		unsigned d;

		if (!is_digit(pl->p[i]))
			return EPROTO;

		d = (unsigned)(pl->p[i] - '0');
		if (d > max || n > (max - d) / 10)
			return EPROTO;

		n = n * 10 + d;
	}

	*v = n;
	return 0;
}


/* 20 digits hold any uint64_t; the max argument does the real bound */
#define DIGITS_ANY 20


/* --- base64 (RFC 3548 section 3) --- */

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}


/*
 * libre's base64_decode() maps stray characters to zero and drops a
 * short tail, which would let a malformed key through as a different
 * key.  This decoder accepts only the canonical alphabet, padding at
 * the end and nowhere else (or none, since RFC 4568 6.1 says padding
 * is discarded), and zero bits in the unused tail.
 */
static int key_b64_decode(uint8_t *out, size_t size, size_t *olen,
			  const struct pl *in)
{
	size_t n = in->l, pad = 0, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	int err = 0;

	while (n && in->p[n - 1] == '=') {
		--n;
		++pad;
	}

	if (!n || n % 4 == 1 || pad > 2)
		return EPROTO;
	if (pad && (in->l % 4))
		return EPROTO;
	if (in->l > B64_MAX)
		return EPROTO;
	if ((n / 4) * 3 + (n % 4 ? n % 4 - 1 : 0) > size)
		return EPROTO;

	for (i = 0; i < n; i++) {
		int v = b64_val(in->p[i]);

		if (v < 0) {
			err = EPROTO;
			goto out;
		}

		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}

	/* non-zero leftover bits: not what any encoder would produce */
	if (acc)
		err = EPROTO;
	else
		*olen = o;

 out:
	OPENSSL_cleanse(&acc, sizeof(acc));
	return err;
}


/* --- key-params (RFC 4568 6.1, 9.2) --- */

static int lifetime_decode(uint64_t *lt, const struct pl *pl)
{
	const uint64_t max = (uint64_t)1 << LIFETIME_LOG2_MAX;
	uint64_t v;
	int err;

	if (pl->l >= 2 && pl->p[0] == '2' && pl->p[1] == '^') {
		struct pl e = {pl->p + 2, pl->l - 2};

		err = dec_u64(&v, &e, 2, LIFETIME_LOG2_MAX);
		if (err)
			return err;

		*lt = (uint64_t)1 << v;
		return 0;
	}

	/* "non-zero, positive", and within the suite's maximum */
	err = dec_u64(&v, pl, DIGITS_ANY, max);
	if (err)
		return err;
	if (!v)
		return EPROTO;

	*lt = v;
	return 0;
}


static int mki_decode(struct sdes_key *k, const struct pl *pl)
{
	struct pl val, len;
	uint64_t v, n;
	int err;

	if (!pl_split(pl, ':', &val, &len))
		return EPROTO;

	/* mki-length = 1*3DIGIT, 1..128 */
	err = dec_u64(&n, &len, 3, MKI_LEN_MAX);
	if (err)
		return err;
	if (!n)
		return EPROTO;

	/* Legal, but longer than the uint32_t we keep the value in:
	 * let the caller try another a=crypto line. */
	if (n > MKI_LEN_KEEP)
		return ENOTSUP;

	err = dec_u64(&v, &val, DIGITS_ANY, UINT32_MAX);
	if (err)
		return err;

	/* The value has to fit the MKI field it is sent in */
	if (n < 4 && v >= ((uint64_t)1 << (8 * n)))
		return EPROTO;

	k->mki     = (uint32_t)v;
	k->mki_len = (uint8_t)n;

	return 0;
}


static int key_param_decode(struct sdes_key *k, enum sdes_suite suite,
			    const struct pl *kp)
{
	struct pl method, info, f[KEY_FIELDS_MAX], rest;
	size_t fc = 0, i;
	int err;

	if (!pl_split(kp, ':', &method, &info) || !pl_is_word(&method))
		return EPROTO;

	/* key-info = 1*(%x21-3A / %x3C-7E); ';' never reaches here */
	if (!info.l)
		return EPROTO;

	/* The only key method defined for SRTP (RFC 4568 6.1) */
	if (pl_strcasecmp(&method, "inline"))
		return ENOTSUP;

	rest = info;
	for (;;) {
		struct pl tail;
		bool more;

		if (fc >= KEY_FIELDS_MAX)
			return EPROTO;

		more = pl_split(&rest, '|', &f[fc], &tail);
		if (!f[fc].l)
			return EPROTO;

		++fc;
		if (!more)
			break;
		rest = tail;
	}

	err = key_b64_decode(k->keysalt, sizeof(k->keysalt), &k->keysalt_len,
			     &f[0]);
	if (err)
		return err;

	/* RFC 4568 6.1: a length mismatch invalidates the attribute */
	if (k->keysalt_len != sdes_keysalt_len(suite))
		return EPROTO;

	/* The lifetime never holds a colon, the MKI always does, so one
	 * optional field alone can be told apart. */
	for (i = 1; i < fc; i++) {
		bool is_mki = pl_strchr(&f[i], ':') != NULL;

		if (is_mki) {
			if (i != fc - 1)
				return EPROTO;
			err = mki_decode(k, &f[i]);
		}
		else {
			if (i != 1)
				return EPROTO;
			err = lifetime_decode(&k->lifetime, &f[i]);
		}

		if (err)
			return err;
	}

	return 0;
}


static int key_params_decode(struct sdes_key *keyv, size_t *keyc,
			     enum sdes_suite suite, const struct pl *pl)
{
	struct pl rest = *pl;
	size_t n = 0, i, j;
	int err;

	for (;;) {
		struct pl kp, tail;
		bool more = pl_split(&rest, ';', &kp, &tail);

		if (n >= SDES_KEYS_MAX)
			return ENOTSUP;

		err = key_param_decode(&keyv[n], suite, &kp);
		if (err)
			return err;

		++n;
		if (!more)
			break;
		rest = tail;
	}

	/* RFC 4568 6.1 and 4.3: with several keys each carries an MKI of
	 * one common length, and a packet must name its key unambiguously */
	if (n > 1) {
		for (i = 0; i < n; i++) {
			if (!keyv[i].mki_len ||
			    keyv[i].mki_len != keyv[0].mki_len)
				return EPROTO;

			for (j = 0; j < i; j++) {
				if (keyv[i].mki == keyv[j].mki)
					return EPROTO;
				if (!CRYPTO_memcmp(keyv[i].keysalt,
						   keyv[j].keysalt,
						   keyv[i].keysalt_len))
					return EPROTO;
			}
		}
	}

	*keyc = n;
	return 0;
}


/* --- session parameters (RFC 4568 6.3) --- */

enum {
	SEEN_KDR       = 1 << 0,
	SEEN_UNENC_RTP = 1 << 1,
	SEEN_UNENC_RTCP = 1 << 2,
	SEEN_UNAUTH    = 1 << 3,
	SEEN_FEC_ORDER = 1 << 4,
	SEEN_FEC_KEY   = 1 << 5,
	SEEN_WSH       = 1 << 6,
};


/* Name "=" value, name compared without case */
static bool param_split(const struct pl *tok, const char *name,
			struct pl *val)
{
	size_t nl = strlen(name);
	struct pl head = {tok->p, nl};

	if (tok->l <= nl || tok->p[nl] != '=')
		return false;
	if (pl_strcasecmp(&head, name))
		return false;

	val->p = tok->p + nl + 1;
	val->l = tok->l - nl - 1;
	return true;
}


static int once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return EPROTO;

	*seen |= bit;
	return 0;
}


static int session_param_decode(struct sdes_crypto *c, unsigned *seen,
				const struct pl *tok)
{
	struct pl val;
	uint64_t v;
	int err;

	if (!pl_strcasecmp(tok, "UNENCRYPTED_SRTP")) {
		c->unencrypted_srtp = true;
		return once(seen, SEEN_UNENC_RTP);
	}
	if (!pl_strcasecmp(tok, "UNENCRYPTED_SRTCP")) {
		c->unencrypted_srtcp = true;
		return once(seen, SEEN_UNENC_RTCP);
	}
	if (!pl_strcasecmp(tok, "UNAUTHENTICATED_SRTP")) {
		c->unauthenticated_srtp = true;
		return once(seen, SEEN_UNAUTH);
	}

	if (param_split(tok, "KDR", &val)) {
		/* kdr = 1*2DIGIT; 0 is the same as no KDR (RFC 3711 4.3.1) */
		err = dec_u64(&v, &val, 2, KDR_MAX);
		if (err)
			return err;
		c->kdr = (uint32_t)v;
		return once(seen, SEEN_KDR);
	}

	if (param_split(tok, "WSH", &val)) {
		/* wsh = "WSH=" 2*DIGIT, minimum 64 */
		err = dec_u64(&v, &val, DIGITS_ANY, UINT32_MAX);
		if (err)
			return err;
		if (v < WSH_MIN)
			return EPROTO;
		c->wsh = (uint32_t)v;
		return once(seen, SEEN_WSH);
	}

	if (param_split(tok, "FEC_ORDER", &val)) {
		if (!pl_strcasecmp(&val, "SRTP_FEC"))
			c->fec_order_srtp_fec = true;
		else if (pl_strcasecmp(&val, "FEC_SRTP"))
			return EPROTO;
		return once(seen, SEEN_FEC_ORDER);
	}

	if (param_split(tok, "FEC_KEY", &val)) {
		/* We send no separate FEC stream, so the key is checked for
		 * validity (RFC 4568 6.3.5 rules as for the SRTP key) and
		 * then dropped. */
		struct sdes_key fecv[SDES_KEYS_MAX];
		size_t fecc = 0;

		err = key_params_decode(fecv, &fecc, c->suite, &val);
		OPENSSL_cleanse(fecv, sizeof(fecv));
		if (err)
			return err;
		return once(seen, SEEN_FEC_KEY);
	}

	/* RFC 4568 6.3.7: a leading dash marks an optional extension */
	if (tok->p[0] == '-')
		return 0;

	c->unknown_mandatory = true;
	return 0;
}


int sdes_decode(struct sdes_crypto *c, const struct pl *val)
{
	struct pl s, tok;
	unsigned seen = 0;
	uint64_t v;
	int err;

	if (!c || !val)
		return EINVAL;

	OPENSSL_cleanse(c, sizeof(*c));

	if (!val->p || !val->l)
		return EPROTO;

	s = *val;

	/* tag = 1*9DIGIT */
	err = token_next(&tok, &s);
	if (err)
		goto out;
	err = dec_u64(&v, &tok, TAG_DIGITS, TAG_MAX);
	if (err)
		goto out;
	if (!v) {
		err = EPROTO;
		goto out;
	}
	c->tag = (uint32_t)v;

	err = token_next(&tok, &s);
	if (err)
		goto out;
	if (!pl_is_word(&tok)) {
		err = EPROTO;
		goto out;
	}
	err = sdes_suite_decode(&c->suite, &tok);
	if (err)
		goto out;

	err = token_next(&tok, &s);
	if (err)
		goto out;
	err = key_params_decode(c->keys, &c->keyc, c->suite, &tok);
	if (err)
		goto out;

	while (s.l) {
		err = token_next(&tok, &s);
		if (err)
			goto out;

		err = session_param_decode(c, &seen, &tok);
		if (err)
			goto out;
	}

 out:
	if (err)
		OPENSSL_cleanse(c, sizeof(*c));

	return err;
}


static bool is_pow2(uint64_t v, unsigned *log2)
{
	unsigned n = 0;

	if (v < 2 || (v & (v - 1)))
		return false;

	while (v >>= 1)
		++n;

	*log2 = n;
	return true;
}


/* Through a local buffer rather than base64_print(), so the key text
 * left on our stack can be wiped. */
static int key_encode(struct re_printf *pf, const struct sdes_key *k)
{
	char b64[B64_MAX + 1];
	size_t sz = sizeof(b64);
	unsigned e;
	int err;

	err = base64_encode(k->keysalt, k->keysalt_len, b64, &sz);
	if (!err)
		err = re_hprintf(pf, "inline:%b", b64, sz);
	OPENSSL_cleanse(b64, sizeof(b64));
	if (err)
		return err;

	if (k->lifetime) {
		if (is_pow2(k->lifetime, &e))
			err = re_hprintf(pf, "|2^%u", e);
		else
			err = re_hprintf(pf, "|%llu",
					 (unsigned long long)k->lifetime);
		if (err)
			return err;
	}

	if (k->mki_len)
		err = re_hprintf(pf, "|%u:%u", k->mki, (unsigned)k->mki_len);

	return err;
}


static int flag_encode(struct re_printf *pf, bool set, const char *name)
{
	return set ? re_hprintf(pf, " %s", name) : 0;
}


int sdes_encode(struct re_printf *pf, const struct sdes_crypto *c)
{
	size_t i;
	int err;

	if (!pf || !c)
		return EINVAL;

	/* Refuse to print what sdes_decode() would refuse to read */
	if (!suite_valid(c->suite) || !c->tag || c->tag > TAG_MAX ||
	    !c->keyc || c->keyc > SDES_KEYS_MAX)
		return EINVAL;

	for (i = 0; i < c->keyc; i++) {
		const struct sdes_key *k = &c->keys[i];

		if (k->keysalt_len != sdes_keysalt_len(c->suite) ||
		    k->mki_len > MKI_LEN_KEEP ||
		    k->lifetime > ((uint64_t)1 << LIFETIME_LOG2_MAX))
			return EINVAL;
		if (k->mki_len && k->mki_len < 4 &&
		    k->mki >= (1u << (8 * k->mki_len)))
			return EINVAL;
		if (c->keyc > 1 && !k->mki_len)
			return EINVAL;
	}

	if (c->kdr > KDR_MAX || (c->wsh && c->wsh < WSH_MIN))
		return EINVAL;

	err = re_hprintf(pf, "%u %s ", c->tag, suitev[c->suite].name);

	for (i = 0; i < c->keyc && !err; i++) {
		if (i)
			err = re_hprintf(pf, ";");
		if (!err)
			err = key_encode(pf, &c->keys[i]);
	}

	if (!err && c->kdr)
		err = re_hprintf(pf, " KDR=%u", c->kdr);
	if (!err)
		err = flag_encode(pf, c->unencrypted_srtp, "UNENCRYPTED_SRTP");
	if (!err)
		err = flag_encode(pf, c->unencrypted_srtcp,
				  "UNENCRYPTED_SRTCP");
	if (!err)
		err = flag_encode(pf, c->unauthenticated_srtp,
				  "UNAUTHENTICATED_SRTP");
	if (!err)
		err = flag_encode(pf, c->fec_order_srtp_fec,
				  "FEC_ORDER=SRTP_FEC");
	if (!err && c->wsh)
		err = re_hprintf(pf, " WSH=%u", c->wsh);

	return err;
}


int sdes_generate(struct sdes_crypto *c, uint32_t tag,
		  enum sdes_suite suite)
{
	size_t len;

	if (!c || !suite_valid(suite) || !tag || tag > TAG_MAX)
		return EINVAL;

	OPENSSL_cleanse(c, sizeof(*c));

	len = sdes_keysalt_len(suite);

	/* The private DRBG: these bytes are secret and never published
	 * the way nonces are. */
	if (RAND_priv_bytes(c->keys[0].keysalt, (int)len) != 1) {
		OPENSSL_cleanse(c, sizeof(*c));
		return EIO;
	}

	c->tag = tag;
	c->suite = suite;
	c->keys[0].keysalt_len = len;
	c->keyc = 1;

	return 0;
}


void sdes_wipe(struct sdes_crypto *c)
{
	if (!c)
		return;

	OPENSSL_cleanse(c, sizeof(*c));
}

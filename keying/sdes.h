/**
 * @file sdes.h  SDP Security Descriptions for media streams (RFC 4568)
 *
 * A pure codec for the value of an "a=crypto" attribute, and the key
 * generator that draws each participant's own key from OpenSSL's RNG.
 */

enum sdes_suite {
	SDES_AES_CM_128_HMAC_SHA1_80 = 0,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_AEAD_AES_128_GCM,
	SDES_AEAD_AES_256_GCM,
	SDES_SUITE_COUNT
};

/* Room for master key || salt: AEAD_AES_256_GCM needs 32 + 12 bytes;
 * 46 leaves room for AES_256_CM's 32 + 14 should it be added. */
#define SDES_KEYSALT_MAX 46
/* RFC 4568 allows several key-params; we keep this many. */
#define SDES_KEYS_MAX 4

struct sdes_key {
	uint8_t keysalt[SDES_KEYSALT_MAX];
	size_t keysalt_len;
	uint64_t lifetime;      /* packets; 0 when not given */
	uint32_t mki;           /* MKI value */
	uint8_t mki_len;        /* MKI length in bytes, 1..4; 0 when absent.
				 * RFC 4568 allows up to 128, but the value
				 * is kept in a uint32_t, so sdes_decode()
				 * answers ENOTSUP for 5..128. */
};

struct sdes_crypto {
	uint32_t tag;                     /* 1 .. 999999999 */
	enum sdes_suite suite;
	struct sdes_key keys[SDES_KEYS_MAX];
	size_t keyc;
	/* session parameters (RFC 4568 6.3) */
	bool unencrypted_srtp;
	bool unencrypted_srtcp;
	bool unauthenticated_srtp;
	uint32_t kdr;                     /* log2 key derivation rate; 0 = unset */
	uint32_t wsh;                     /* replay window hint, 0 = unset */
	bool fec_order_srtp_fec;
	bool unknown_mandatory;           /* unknown param not prefixed '-':
					   * RFC 4568 6.3.7 says the line is
					   * then invalid; the caller must
					   * check this and skip the line */
};

/* The helpers below answer NULL / 0 / (enum srtp_suite)-1 for a suite
 * out of range. */
const char *sdes_suite_name(enum sdes_suite suite);
int  sdes_suite_decode(enum sdes_suite *suite, const struct pl *name);
size_t sdes_keysalt_len(enum sdes_suite suite);
size_t sdes_key_len(enum sdes_suite suite);
enum srtp_suite sdes_srtp_suite(enum sdes_suite suite);
size_t sdes_auth_tag_len(enum sdes_suite suite);

/* Parse one a=crypto value: "tag suite key-params [session-params]".
 * Returns EPROTO for bad syntax, ENOTSUP for a suite we do not know
 * (or a well-formed line we cannot hold: a key method other than
 * inline, MKI longer than 4 bytes, more than SDES_KEYS_MAX keys), so the
 * caller can try the next line.  FEC_KEY is validated, then dropped.
 * On error *c is wiped. */
int  sdes_decode(struct sdes_crypto *c, const struct pl *val);

/* Print an a=crypto value (without "a=crypto:"), for %H.  Returns
 * EINVAL for a struct that sdes_decode() would not have produced. */
int  sdes_encode(struct re_printf *pf, const struct sdes_crypto *c);

/* Fill c with one fresh key from RAND_priv_bytes(), no MKI/lifetime. */
int  sdes_generate(struct sdes_crypto *c, uint32_t tag,
		   enum sdes_suite suite);

/* Wipe all key material with OPENSSL_cleanse(). */
void sdes_wipe(struct sdes_crypto *c);

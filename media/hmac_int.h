/**
 * @file hmac_int.h  HMAC-SHA1 with the keyed pads absorbed once
 * (RFC 2104); internal to media/ (the SRTP sender and receiver).
 *
 * SRTP authenticates every packet with one fixed key per direction.
 * HMAC's first two SHA-1 blocks, (K ^ ipad) and (K ^ opad), depend on
 * the key alone, so they are hashed once when the key is set and each
 * packet starts from a copy of those two states: a plain struct copy,
 * no allocation.  OpenSSL 3.0's HMAC and EVP_MAC re-initialise through
 * EVP_MD_CTX_copy_ex, which frees and allocates a digest context per
 * packet (what the issue 15 profile showed as most of libcrypto's
 * share); an EVP_MAC_CTX_dup of a keyed template allocates as well.
 *
 * Include after re.h.
 */

struct media_hmac;

int  media_hmac_alloc(struct media_hmac **hp, const uint8_t *key,
		      size_t key_len);
/* HMAC-SHA1(key, a || b), all 20 bytes; b may be NULL */
void media_hmac_sha1(const struct media_hmac *h,
		     const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen, uint8_t md[20]);

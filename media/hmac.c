/**
 * @file hmac.c  HMAC-SHA1 on precomputed pads (see hmac_int.h)
 *
 * SHA-1's low-level API (SHA1_Init/Update/Final) is deprecated in
 * OpenSSL 3 but still built into Debian's libcrypto, with the same
 * SHA-NI/AVX2 code as EVP; it is the one interface of 3.0 whose state
 * (SHA_CTX) can be copied as a value.  Hence the suppression below,
 * for this file only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <re.h>
#include "media/hmac_int.h"


enum {
	BLOCK = SHA_CBLOCK,          /* 64 */
};

struct media_hmac {
	SHA_CTX inner;               /* after (K ^ ipad) */
	SHA_CTX outer;               /* after (K ^ opad) */
};


static void destructor(void *arg)
{
	struct media_hmac *h = arg;

	OPENSSL_cleanse(h, sizeof(*h));
}


int media_hmac_alloc(struct media_hmac **hp, const uint8_t *key,
		     size_t key_len)
{
	uint8_t k[BLOCK], pad[BLOCK];
	struct media_hmac *h;
	size_t i;

	if (!hp || (!key && key_len))
		return EINVAL;

	h = mem_zalloc(sizeof(*h), destructor);
	if (!h)
		return ENOMEM;

	/* RFC 2104 2: a key longer than a block is hashed first */
	memset(k, 0, sizeof(k));
	if (key_len > BLOCK)
		SHA1(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);

	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	SHA1_Init(&h->inner);
	SHA1_Update(&h->inner, pad, BLOCK);

	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA1_Init(&h->outer);
	SHA1_Update(&h->outer, pad, BLOCK);

	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));

	*hp = h;
	return 0;
}


void media_hmac_sha1(const struct media_hmac *h,
		     const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen, uint8_t md[20])
{
	SHA_CTX c = h->inner;

	SHA1_Update(&c, a, alen);
	if (b && blen)
		SHA1_Update(&c, b, blen);
	SHA1_Final(md, &c);

	c = h->outer;
	SHA1_Update(&c, md, SHA_DIGEST_LENGTH);
	SHA1_Final(md, &c);

	/* c now holds the tag itself and a padded block of the inner
	 * digest, nothing that leads back to the key: no cleanse on this
	 * per-packet path */
}

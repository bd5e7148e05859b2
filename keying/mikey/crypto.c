/**
 * @file crypto.c  MIKEY PRFs, key derivation labels, MAC, AES-CM
 *
 * The PRF of RFC 3830 4.1.2 with HMAC-SHA-1 (MIKEY-1) or HMAC-SHA-256
 * (PRF-HMAC-SHA-256, RFC 6043 6.1): the inkey is cut into 256-bit
 * blocks s_i, each expanded by P(s_i, label, m), and the expansions are
 * XORed.  Intermediate buffers holding key material are cleansed.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <re.h>
#include "keying/mikey/mikey.h"


static const char *prf_md(uint8_t prf, size_t *hlen)
{
	switch (prf) {
	case MIKEY_PRF_MIKEY1:      *hlen = 20; return "SHA1";
	case MIKEY_PRF_HMAC_SHA256: *hlen = 32; return "SHA256";
	default:                    return NULL;
	}
}


static EVP_MAC *hmac_fetched;


static void hmac_free(void)
{
	EVP_MAC_free(hmac_fetched);
	hmac_fetched = NULL;
}


static EVP_MAC *hmac_alg(void)
{
	if (!hmac_fetched) {
		hmac_fetched = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (hmac_fetched)
			atexit(hmac_free);
	}
	return hmac_fetched;
}


/* HMAC(key, v[0] || ... || v[n-1]) with OpenSSL 3's EVP_MAC */
static int hmac(const char *md, const uint8_t *key, size_t kl,
		const struct mikey_span *v, size_t n, uint8_t *out)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;
	size_t i, ol;
	int err = 0;

	/* fetched once: an EVP_MAC_fetch() per HMAC dominates otherwise */
	mac = hmac_alg();
	if (!mac)
		return ENOSYS;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		return ENOMEM;

	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();

	if (!EVP_MAC_init(ctx, key, kl, params))
		err = EIO;
	for (i = 0; !err && i < n; i++) {
		if (v[i].l && !EVP_MAC_update(ctx, v[i].p, v[i].l))
			err = EIO;
	}
	if (!err && !EVP_MAC_final(ctx, out, &ol, 64))
		err = EIO;

	EVP_MAC_CTX_free(ctx);
	return err;
}


/* out ^= P(s, label, m), truncated to outlen */
static int p_xor(const char *md, size_t hlen, const uint8_t *s, size_t sl,
		 const uint8_t *label, size_t ll, uint8_t *out, size_t outlen)
{
	uint8_t a[32], blk[32];
	size_t done = 0, i;
	int err;

	/* A_1 = HMAC(s, A_0) with A_0 = label */
	{
		struct mikey_span v[1] = {{label, ll}};
		err = hmac(md, s, sl, v, 1, a);
	}

	while (!err && done < outlen) {
		struct mikey_span v[2] = {{a, hlen}, {label, ll}};
		size_t take;

		/* block = HMAC(s, A_i || label) */
		err = hmac(md, s, sl, v, 2, blk);
		if (err)
			break;
		take = min(hlen, outlen - done);
		for (i = 0; i < take; i++)
			out[done + i] ^= blk[i];
		done += take;

		if (done < outlen)      /* A_(i+1) = HMAC(s, A_i) */
			err = hmac(md, s, sl, v, 1, a);
	}

	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(blk, sizeof(blk));
	return err;
}


int mikey_prf(uint8_t prf, const uint8_t *inkey, size_t inkey_len,
	      const uint8_t *label, size_t label_len,
	      uint8_t *out, size_t outlen)
{
	const char *md;
	size_t hlen, off;
	int err;

	if (!inkey || !inkey_len || !label || !out || !outlen)
		return EINVAL;

	md = prf_md(prf, &hlen);
	if (!md)
		return ENOTSUP;

	memset(out, 0, outlen);

	/* n = ceil(inkey_len / 256 bits); s_n may be shorter */
	for (off = 0; off < inkey_len; off += 32) {
		err = p_xor(md, hlen, inkey + off, min((size_t)32,
						      inkey_len - off),
			    label, label_len, out, outlen);
		if (err) {
			OPENSSL_cleanse(out, outlen);
			return err;
		}
	}

	return 0;
}


int mikey_kdf(uint8_t prf, const uint8_t *inkey, size_t inkey_len,
	      uint32_t constant, const uint8_t *tail, size_t tail_len,
	      uint8_t *out, size_t outlen)
{
	uint8_t label[4 + MIKEY_TAIL_MAX];

	if (tail_len > MIKEY_TAIL_MAX || (!tail && tail_len))
		return EINVAL;

	label[0] = (uint8_t)(constant >> 24);
	label[1] = (uint8_t)(constant >> 16);
	label[2] = (uint8_t)(constant >> 8);
	label[3] = (uint8_t)constant;
	if (tail_len)
		memcpy(label + 4, tail, tail_len);

	return mikey_prf(prf, inkey, inkey_len, label, 4 + tail_len,
			 out, outlen);
}


/* A small bounded writer for label tails */
struct tw {
	uint8_t *p;
	size_t size;
	size_t n;
	bool ovf;
};


static void tw_put(struct tw *w, const void *d, size_t l)
{
	if (w->ovf || w->size - w->n < l) {
		w->ovf = true;
		return;
	}
	if (l)
		memcpy(w->p + w->n, d, l);
	w->n += l;
}


static void tw_u8(struct tw *w, uint8_t v)
{
	tw_put(w, &v, 1);
}


static void tw_u16(struct tw *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	tw_put(w, b, 2);
}


static void tw_u32(struct tw *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	tw_put(w, b, 4);
}


static size_t tw_end(const struct tw *w)
{
	return w->ovf ? 0 : w->n;
}


/* length RAND (8 bits) || RAND */
static void tw_rand(struct tw *w, const uint8_t *r, size_t rl)
{
	if (rl > 255 || (!r && rl)) {
		w->ovf = true;
		return;
	}
	tw_u8(w, (uint8_t)rl);
	tw_put(w, r, rl);
}


size_t mikey_tail_3830_tgk(uint8_t *buf, size_t size, uint8_t cs_id,
			   uint32_t csb_id, const uint8_t *rand, size_t rl)
{
	struct tw w = {buf, size, 0, false};

	tw_u8(&w, cs_id);
	tw_u32(&w, csb_id);
	tw_put(&w, rand, rl);
	return tw_end(&w);
}


size_t mikey_tail_3830_psk(uint8_t *buf, size_t size, uint32_t csb_id,
			   const uint8_t *rand, size_t rl)
{
	struct tw w = {buf, size, 0, false};

	tw_u8(&w, 0xff);
	tw_u32(&w, csb_id);
	tw_put(&w, rand, rl);
	return tw_end(&w);
}


size_t mikey_tail_msg(uint8_t *buf, size_t size, uint32_t csb_id,
		      uint8_t dir, const uint8_t *ri, size_t ril,
		      const uint8_t *rr, size_t rrl)
{
	struct tw w = {buf, size, 0, false};

	tw_u8(&w, 0xff);
	tw_u32(&w, csb_id);
	tw_u8(&w, dir);
	tw_rand(&w, ri, ril);
	tw_rand(&w, rr, rrl);
	return tw_end(&w);
}


size_t mikey_tail_fork(uint8_t *buf, size_t size, const uint8_t *id,
		       size_t idl, const uint8_t *rkms, size_t rkl)
{
	struct tw w = {buf, size, 0, false};

	if (idl > 0xffff)
		return 0;
	tw_u8(&w, 0xff);
	tw_u32(&w, 0xffffffff);
	tw_u8(&w, 0x00);
	tw_u16(&w, (uint16_t)idl);
	tw_put(&w, id, idl);
	tw_rand(&w, rkms, rkl);
	return tw_end(&w);
}


size_t mikey_tail_tek(uint8_t *buf, size_t size, uint8_t cs_id,
		      const uint8_t *ri, size_t ril,
		      const uint8_t *rr, size_t rrl)
{
	struct tw w = {buf, size, 0, false};

	tw_u8(&w, cs_id);
	tw_u32(&w, 0xffffffff);
	tw_u8(&w, 0x03);
	tw_rand(&w, ri, ril);
	tw_rand(&w, rr, rrl);
	return tw_end(&w);
}


size_t mikey_tail_ticket(uint8_t *buf, size_t size, uint8_t type,
			 const uint8_t *rand, size_t rl)
{
	struct tw w = {buf, size, 0, false};

	tw_u8(&w, 0xff);
	tw_u32(&w, 0xffffffff);
	tw_u8(&w, type);
	if (type != 0x04)         /* the Vr key label has no RAND */
		tw_rand(&w, rand, rl);
	return tw_end(&w);
}


const struct mikey_suite *mikey_suite(uint8_t prf)
{
	static const struct mikey_suite s128 = {
		MIKEY_PRF_MIKEY1, MIKEY_ENCR_AES_CM_128,
		MIKEY_MAC_HMAC_SHA1_160, 16
	};
	static const struct mikey_suite s256 = {
		MIKEY_PRF_HMAC_SHA256, MIKEY_ENCR_AES_CM_256,
		MIKEY_MAC_HMAC_SHA256_256, 32
	};

	switch (prf) {
	case MIKEY_PRF_MIKEY1:      return &s128;
	case MIKEY_PRF_HMAC_SHA256: return &s256;
	default:                    return NULL;
	}
}


bool mikey_suite_check(uint8_t prf, const struct mikey_msg *m)
{
	const struct mikey_suite *s = mikey_suite(prf);
	size_t i;

	if (!s || !m)
		return false;
	for (i = 0; i < m->vc; i++) {
		if (m->vv[i].alg != s->mac)
			return false;
	}
	/* the KEMAC's own MAC field is NULL: V carries the MAC
	 * (RFC 6043 4.2.1.5) */
	if (m->has_kemac && (m->kemac.encr != s->encr ||
			     m->kemac.mac_alg != MIKEY_MAC_NULL))
		return false;
	return true;
}


static size_t encr_key_len(uint8_t alg)
{
	switch (alg) {
	case MIKEY_ENCR_NULL:       return 0;
	case MIKEY_ENCR_AES_CM_128: return 16;
	case MIKEY_ENCR_AES_CM_256: return 32;
	default:                    return (size_t)-1;
	}
}


int mikey_msgkeys_derive(struct mikey_msgkeys *k, uint8_t prf,
			 uint8_t encr_alg, uint8_t mac_alg,
			 const uint8_t *inkey, size_t inkey_len,
			 const uint8_t *tail, size_t tail_len)
{
	size_t el = encr_key_len(encr_alg);
	size_t al = mikey_mac_len(mac_alg);
	int err = 0;

	if (!k)
		return EINVAL;
	memset(k, 0, sizeof(*k));
	if (el == (size_t)-1 || al == (size_t)-1)
		return ENOTSUP;

	k->encr_len = el;
	k->auth_len = al;
	if (el) {
		err |= mikey_kdf(prf, inkey, inkey_len, MIKEY_C_ENCR,
				 tail, tail_len, k->encr, el);
		err |= mikey_kdf(prf, inkey, inkey_len, MIKEY_C_SALT,
				 tail, tail_len, k->salt, sizeof(k->salt));
	}
	if (al)
		err |= mikey_kdf(prf, inkey, inkey_len, MIKEY_C_AUTH,
				 tail, tail_len, k->auth, al);
	if (err) {
		mikey_msgkeys_wipe(k);
		return EINVAL;
	}
	return 0;
}


void mikey_msgkeys_wipe(struct mikey_msgkeys *k)
{
	if (k)
		OPENSSL_cleanse(k, sizeof(*k));
}


int mikey_mac(uint8_t alg, const uint8_t *key, size_t key_len,
	      const struct mikey_span *v, size_t n, uint8_t *out)
{
	const char *md;

	switch (alg) {
	case MIKEY_MAC_HMAC_SHA1_160:   md = "SHA1";   break;
	case MIKEY_MAC_HMAC_SHA256_256: md = "SHA256"; break;
	default:                        return ENOTSUP;
	}

	if (!key || !out || (!v && n))
		return EINVAL;

	return hmac(md, key, key_len, v, n, out);
}


bool mikey_mac_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}


int mikey_aes_cm(uint8_t encr, const uint8_t *key, const uint8_t *salt,
		 uint32_t csb_id, uint64_t t, const uint8_t *in,
		 uint8_t *out, size_t len)
{
	const EVP_CIPHER *c;
	EVP_CIPHER_CTX *ctx;
	uint8_t iv[16], x[14];
	int ol, err = 0;
	size_t i;

	switch (encr) {
	case MIKEY_ENCR_AES_CM_128: c = EVP_aes_128_ctr(); break;
	case MIKEY_ENCR_AES_CM_256: c = EVP_aes_256_ctr(); break;
	default:                    return ENOTSUP;
	}

	if (!key || !salt || (len && (!in || !out)))
		return EINVAL;
	/* RFC 3711 4.1.1: at most 2^16 blocks per IV */
	if (len > (size_t)65536 * 16)
		return EINVAL;
	if (!len)
		return 0;

	/* 0x0000 || CSB ID || T, 112 bits */
	x[0] = 0;
	x[1] = 0;
	for (i = 0; i < 4; i++)
		x[2 + i] = (uint8_t)(csb_id >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		x[6 + i] = (uint8_t)(t >> (56 - 8 * i));
	for (i = 0; i < 14; i++)
		iv[i] = salt[i] ^ x[i];
	iv[14] = 0;
	iv[15] = 0;

	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return ENOMEM;
	if (!EVP_EncryptInit_ex(ctx, c, NULL, key, iv) ||
	    !EVP_EncryptUpdate(ctx, out, &ol, in, (int)len) ||
	    (size_t)ol != len)
		err = EIO;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(iv, sizeof(iv));

	return err;
}

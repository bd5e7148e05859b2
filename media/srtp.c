/**
 * @file srtp.c  SRTP receive side (RFC 3711, RFC 7714): key derivation,
 * the receive context and its per-SSRC streams, and SRTP packets.
 * SRTCP packets are in srtcp.c, the replay window in replay.c.
 *
 * Packets are processed in place.  Order for each packet: parse, estimate
 * the index (RFC 3711 3.3.1 / Appendix A), reject replays (3.3.2), verify
 * the tag, decrypt, and only then update the stream state.
 *
 * Key derivation follows RFC 3711 4.3 with key_derivation_rate 0.  A
 * 96-bit GCM master salt is aligned like libsrtp and libre do it (left,
 * zero padded), which is what every deployed peer does.
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/hmac_int.h"


enum {
	MAX_KEY   = 32,
	SALT_CM   = MEDIA_SRTP_SALT_CM,
	SALT_GCM  = 12,
	AUTH_KEY  = 20,     /* HMAC-SHA1, RFC 3711 4.2.1 */
	GCM_TAG   = MEDIA_SRTP_GCM_TAG,
	NSTREAMS  = MEDIA_SRTP_STREAMS,
};


void media_srtp_comp_free(struct media_srtp_comp *c)
{
	EVP_CIPHER_CTX_free(c->cipher);
	c->cipher = NULL;
	c->hmac = mem_deref(c->hmac);
	OPENSSL_cleanse(c->salt, sizeof(c->salt));
}


static void destructor(void *arg)
{
	struct media_srtprx *rx = arg;

	media_srtp_comp_free(&rx->rtp);
	media_srtp_comp_free(&rx->rtcp);
}


static const EVP_CIPHER *ctr_cipher(size_t key_len)
{
	return key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
}


/* RFC 3711 4.3.1 and 4.3.3: AES-CM PRF over the master salt ^ label */
static int derive(uint8_t *out, size_t out_len, uint8_t label,
		  const uint8_t *mkey, size_t key_len,
		  const uint8_t *msalt, size_t salt_len)
{
	static const uint8_t zero[32];
	uint8_t iv[16];
	EVP_CIPHER_CTX *ctx;
	int n, ok;

	if (out_len > sizeof(zero) || salt_len > SALT_CM)
		return EINVAL;

	memset(iv, 0, sizeof(iv));
	memcpy(iv, msalt, salt_len);
	iv[7] ^= label;

	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return ENOMEM;

	ok = EVP_EncryptInit_ex(ctx, ctr_cipher(key_len), NULL, mkey, iv) &&
		EVP_EncryptUpdate(ctx, out, &n, zero, (int)out_len);

	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(iv, sizeof(iv));

	return ok ? 0 : EPROTO;
}


int media_srtp_comp_init(struct media_srtp_comp *c, uint8_t label0,
			 bool gcm, bool enc,
			 const uint8_t *mkey, size_t key_len,
			 const uint8_t *msalt, size_t salt_len)
{
	uint8_t k_e[MAX_KEY], k_a[AUTH_KEY];
	const EVP_CIPHER *ciph;
	int err;

	if (key_len > MAX_KEY)
		return EINVAL;

	err  = derive(k_e, key_len, label0 + 0, mkey, key_len,
		      msalt, salt_len);
	err |= derive(c->salt, salt_len, label0 + 2, mkey, key_len,
		      msalt, salt_len);
	if (!gcm)
		err |= derive(k_a, sizeof(k_a), label0 + 1, mkey, key_len,
			      msalt, salt_len);
	if (err) {
		err = EPROTO;
		goto out;
	}

	if (gcm)
		ciph = key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	else
		ciph = ctr_cipher(key_len);

	c->cipher = EVP_CIPHER_CTX_new();
	if (!c->cipher ||
	    !EVP_CipherInit_ex(c->cipher, ciph, NULL, k_e, NULL, enc)) {
		err = ENOMEM;
		goto out;
	}

	if (!gcm)
		err = media_hmac_alloc(&c->hmac, k_a, sizeof(k_a));

 out:
	OPENSSL_cleanse(k_e, sizeof(k_e));
	OPENSSL_cleanse(k_a, sizeof(k_a));
	return err;
}


int media_srtp_suite(enum srtp_suite suite, size_t *ck, size_t *tag,
		     bool *gcm)
{
	*gcm = false;

	switch (suite) {

	case SRTP_AES_CM_128_HMAC_SHA1_32: *ck = 16; *tag = 4;  break;
	case SRTP_AES_CM_128_HMAC_SHA1_80: *ck = 16; *tag = 10; break;
	case SRTP_AES_256_CM_HMAC_SHA1_32: *ck = 32; *tag = 4;  break;
	case SRTP_AES_256_CM_HMAC_SHA1_80: *ck = 32; *tag = 10; break;
	case SRTP_AES_128_GCM: *ck = 16; *tag = 0; *gcm = true; break;
	case SRTP_AES_256_GCM: *ck = 32; *tag = 0; *gcm = true; break;
	default:
		return ENOTSUP;
	}

	return 0;
}


int media_srtprx_alloc(struct media_srtprx **rxp, enum srtp_suite suite,
		       const uint8_t *key, size_t key_len, uint8_t mki_len)
{
	struct media_srtprx *rx;
	size_t ck, sl, tag, rtcp_tag;
	bool gcm = false;
	int err;

	if (!rxp || !key)
		return EINVAL;

	err = media_srtp_suite(suite, &ck, &tag, &gcm);
	if (err)
		return err;

	sl = gcm ? SALT_GCM : SALT_CM;
	/* RFC 4568 6.2: SRTCP keeps an 80-bit tag with the _32 suites */
	rtcp_tag = gcm ? 0 : 10;

	if (key_len != ck + sl)
		return EINVAL;

	rx = mem_zalloc(sizeof(*rx), destructor);
	if (!rx)
		return ENOMEM;

	rx->gcm = gcm;
	rx->tag_len = tag;
	rx->rtcp_tag_len = rtcp_tag;
	rx->salt_len = sl;
	rx->mki_len = mki_len;

	err  = media_srtp_comp_init(&rx->rtp, 0, gcm, false,
				    key, ck, key + ck, sl);
	err |= media_srtp_comp_init(&rx->rtcp, 3, gcm, false,
				    key, ck, key + ck, sl);
	if (err) {
		mem_deref(rx);
		return err;
	}

	*rxp = rx;
	return 0;
}


struct media_srtp_stream *media_srtp_stream_find(struct media_srtprx *rx,
						 uint32_t ssrc)
{
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		if (rx->strm[i].used && rx->strm[i].ssrc == ssrc)
			return &rx->strm[i];
	}

	return NULL;
}


/* Only called for an authenticated packet: take a free or the least
 * recently used slot. */
struct media_srtp_stream *media_srtp_stream_new(struct media_srtprx *rx,
						uint32_t ssrc)
{
	struct media_srtp_stream *s = &rx->strm[0];
	size_t i;

	for (i = 0; i < NSTREAMS; i++) {
		if (!rx->strm[i].used) {
			s = &rx->strm[i];
			break;
		}
		if (rx->strm[i].last_use < s->last_use)
			s = &rx->strm[i];
	}

	memset(s, 0, sizeof(*s));
	s->used = true;
	s->ssrc = ssrc;

	return s;
}


bool media_srtp_hmac_ok(struct media_srtp_comp *c,
			const uint8_t *p, size_t len,
			const uint8_t *trailer, size_t tlen,
			const uint8_t *tag, size_t tag_len)
{
	uint8_t md[20];

	if (!c->hmac || tag_len > sizeof(md))
		return false;

	media_hmac_sha1(c->hmac, p, len, trailer, tlen, md);

	return CRYPTO_memcmp(md, tag, tag_len) == 0;
}


bool media_srtp_ctr(struct media_srtp_comp *c, const uint8_t iv[16],
		    uint8_t *p, size_t len)
{
	int n;

	if (!len)
		return true;

	return EVP_DecryptInit_ex(c->cipher, NULL, NULL, NULL, iv) &&
		EVP_DecryptUpdate(c->cipher, p, &n, p, (int)len);
}


/* AAD a (and b), then ciphertext p in place, then the tag */
bool media_srtp_gcm_open(struct media_srtp_comp *c, const uint8_t iv[12],
			 const uint8_t *a, size_t alen,
			 const uint8_t *b, size_t blen,
			 uint8_t *p, size_t len, const uint8_t *tag)
{
	uint8_t t[GCM_TAG];
	int n;

	memcpy(t, tag, sizeof(t));

	if (!EVP_DecryptInit_ex(c->cipher, NULL, NULL, NULL, iv))
		return false;
	if (alen && !EVP_DecryptUpdate(c->cipher, NULL, &n, a, (int)alen))
		return false;
	if (blen && !EVP_DecryptUpdate(c->cipher, NULL, &n, b, (int)blen))
		return false;
	if (len && !EVP_DecryptUpdate(c->cipher, p, &n, p, (int)len))
		return false;
	if (!EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_GCM_SET_TAG,
				 sizeof(t), t))
		return false;

	return EVP_DecryptFinal_ex(c->cipher, t, &n) > 0;
}


/* RFC 3711 3.3.1 / Appendix A */
static uint32_t guess_roc(const struct media_srtp_stream *s, uint16_t seq)
{
	if (!s)
		return 0;

	if (s->s_l < 32768) {
		if ((int)seq - (int)s->s_l > 32768)
			return s->roc - 1;
	}
	else if ((int)s->s_l - 32768 > (int)seq) {
		return s->roc + 1;
	}

	return s->roc;
}


/**
 * Authenticate and decrypt one SRTP packet in place.
 *
 * @param rx   Receive context
 * @param p    Packet; on success holds the plain RTP packet
 * @param lenp In: datagram length, out: RTP packet length
 *
 * @return 0 if success, EBADMSG, EAUTH or EALREADY (replay) otherwise
 */
int media_srtprx_rtp(struct media_srtprx *rx, uint8_t *p, size_t *lenp)
{
	size_t len, hl, trail, clen;
	struct media_srtp_stream *s;
	uint32_t ssrc, roc;
	uint16_t seq;
	uint64_t ix;
	bool ok;

	if (!rx || !p || !lenp)
		return EINVAL;

	len = *lenp;
	if (media_rtpp_hdr_len(p, len, &hl))
		return EBADMSG;

	trail = rx->mki_len + (rx->gcm ? GCM_TAG : rx->tag_len);
	if (len < hl + trail)
		return EBADMSG;

	seq  = (uint16_t)(p[2] << 8 | p[3]);
	ssrc = media_srtp_rd32(p + 8);

	s = media_srtp_stream_find(rx, ssrc);
	if (s && !s->rtp.seen)
		s = NULL;
	roc = guess_roc(s, seq);
	ix = (uint64_t)roc << 16 | seq;

	if (s && !media_replay_check(&s->rtp, ix))
		return EALREADY;

	if (rx->gcm) {
		/* RFC 7714 8: hdr | cipher | tag | MKI */
		uint8_t iv[12];
		size_t i;

		clen = len - hl - trail;

		memset(iv, 0, sizeof(iv));
		media_srtp_wr32(iv + 2, ssrc);
		media_srtp_wr32(iv + 6, roc);
		iv[10] = seq >> 8;
		iv[11] = seq & 0xff;
		for (i = 0; i < sizeof(iv); i++)
			iv[i] ^= rx->rtp.salt[i];

		ok = media_srtp_gcm_open(&rx->rtp, iv, p, hl, NULL, 0,
					 p + hl, clen, p + hl + clen);
	}
	else {
		/* RFC 3711 3.1: hdr | cipher | MKI | tag */
		uint8_t rocb[4], iv[16];
		size_t i;

		clen = len - hl - trail;
		media_srtp_wr32(rocb, roc);

		ok = media_srtp_hmac_ok(&rx->rtp, p, hl + clen,
					rocb, sizeof(rocb),
					p + hl + clen + rx->mki_len,
					rx->tag_len);
		if (!ok)
			return EAUTH;

		/* 4.1.1: IV = (k_s * 2^16) ^ (SSRC * 2^64) ^ (i * 2^16) */
		memset(iv, 0, sizeof(iv));
		memcpy(iv, rx->rtp.salt, SALT_CM);
		for (i = 0; i < 4; i++)
			iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
		for (i = 0; i < 6; i++)
			iv[8 + i] ^= (uint8_t)(ix >> (40 - 8 * i));

		ok = media_srtp_ctr(&rx->rtp, iv, p + hl, clen);
	}

	if (!ok)
		return EAUTH;

	/* authenticated: now, and only now, update the state */
	if (!s) {
		s = media_srtp_stream_find(rx, ssrc);
		if (!s)
			s = media_srtp_stream_new(rx, ssrc);
		s->roc = roc;
		s->s_l = seq;
		media_replay_update(&s->rtp, ix);
	}
	else {
		if (roc == s->roc + 1) {
			s->roc = roc;
			s->s_l = seq;
		}
		else if (roc == s->roc && seq > s->s_l) {
			s->s_l = seq;
		}
		media_replay_update(&s->rtp, ix);
	}
	s->last_use = ++rx->use;

	*lenp = hl + clen;
	return 0;
}

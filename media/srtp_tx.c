/**
 * @file srtp_tx.c  SRTP/SRTCP send side (RFC 3711, RFC 7714)
 *
 * Replaces libre's srtp_encrypt()/srtcp_encrypt(), which re-initialise
 * HMAC for every packet (libre's hmac_digest: HMAC_Init_ex, in OpenSSL
 * 3.0 a digest context copy with an allocation), look the SSRC up in a
 * list and go through an mbuf.  Here the session keys come from the
 * same derivation as the receiver's (srtp.c), the HMAC pads are hashed
 * once (hmac.c), and a packet is protected in place in the caller's
 * buffer.  The wire format follows libre 1.1.0 byte for byte (see
 * srtp_int.h for the one deliberate difference), so peers see nothing
 * change; test_srtp checks it against libre's output and RFC 3711
 * Appendix B.
 */
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/hmac_int.h"


enum {
	GCM_TAG = MEDIA_SRTP_GCM_TAG,
	SALT_CM = MEDIA_SRTP_SALT_CM,
};

struct media_srtptx {
	struct media_srtp_comp rtp, rtcp;
	bool gcm;
	bool rtcp_enc;               /* SRTCP encrypted (the E flag) */
	size_t tag_len;              /* SRTP and (as libre) SRTCP tag */
	/* the one stream: RFC 3711 3.3.1 as libre's sender keeps it */
	bool have;
	uint32_t ssrc;
	uint32_t roc;
	uint16_t s_l;
	uint32_t rtcp_ix;            /* last SRTCP index sent */
};


static void destructor(void *arg)
{
	struct media_srtptx *tx = arg;

	media_srtp_comp_free(&tx->rtp);
	media_srtp_comp_free(&tx->rtcp);
}


int media_srtptx_alloc(struct media_srtptx **txp, enum srtp_suite suite,
		       const uint8_t *key, size_t key_len,
		       bool srtcp_unencrypted)
{
	struct media_srtptx *tx;
	size_t ck, tag, sl;
	bool gcm;
	int err;

	if (!txp || !key)
		return EINVAL;

	err = media_srtp_suite(suite, &ck, &tag, &gcm);
	if (err)
		return err;

	sl = gcm ? 12 : SALT_CM;
	if (key_len != ck + sl)
		return EINVAL;

	tx = mem_zalloc(sizeof(*tx), destructor);
	if (!tx)
		return ENOMEM;

	tx->gcm = gcm;
	tx->tag_len = tag;
	tx->rtcp_enc = !srtcp_unencrypted;

	err  = media_srtp_comp_init(&tx->rtp, 0, gcm, true,
				    key, ck, key + ck, sl);
	err |= media_srtp_comp_init(&tx->rtcp, 3, gcm, true,
				    key, ck, key + ck, sl);
	if (err) {
		mem_deref(tx);
		return EPROTO;
	}

	*txp = tx;
	return 0;
}


/* AAD a and b, then p in place, then the 16-byte tag into tag */
static bool gcm_seal(struct media_srtp_comp *c, const uint8_t iv[12],
		     const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen,
		     uint8_t *p, size_t len, uint8_t *tag)
{
	uint8_t fin[16];
	int n;

	if (!EVP_EncryptInit_ex(c->cipher, NULL, NULL, NULL, iv))
		return false;
	if (alen && !EVP_EncryptUpdate(c->cipher, NULL, &n, a, (int)alen))
		return false;
	if (blen && !EVP_EncryptUpdate(c->cipher, NULL, &n, b, (int)blen))
		return false;
	if (len && !EVP_EncryptUpdate(c->cipher, p, &n, p, (int)len))
		return false;
	if (EVP_EncryptFinal_ex(c->cipher, fin, &n) <= 0)
		return false;

	return EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_GCM_GET_TAG,
				   GCM_TAG, tag) > 0;
}


/* RFC 7714 8.1 / 9.1: salt ^ (0 | SSRC | 48-bit index) */
static void gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc,
		   uint64_t ix)
{
	size_t i;

	memset(iv, 0, 12);
	media_srtp_wr32(iv + 2, ssrc);
	for (i = 0; i < 6; i++)
		iv[6 + i] = (uint8_t)(ix >> (40 - 8 * i));
	for (i = 0; i < 12; i++)
		iv[i] ^= salt[i];
}


/* RFC 3711 4.1.1: (k_s * 2^16) ^ (SSRC * 2^64) ^ (i * 2^16) */
static void cm_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc,
		  uint64_t ix)
{
	size_t i;

	memset(iv, 0, 16);
	memcpy(iv, salt, SALT_CM);
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 6; i++)
		iv[8 + i] ^= (uint8_t)(ix >> (40 - 8 * i));
}


/**
 * Protect one RTP packet in place (RFC 3711 3.1, RFC 7714 8).
 *
 * @return 0, EBADMSG (no RTP header), ENOBUFS (cap too small), EPROTO
 *         (another SSRC than the context's) or EIO (crypto failed)
 */
int media_srtptx_rtp(struct media_srtptx *tx, uint8_t *p, size_t *lenp,
		     size_t cap)
{
	size_t len, hl;
	uint32_t ssrc;
	uint16_t seq;
	uint64_t ix;

	if (!tx || !p || !lenp)
		return EINVAL;

	len = *lenp;
	if (media_rtpp_hdr_len(p, len, &hl))
		return EBADMSG;
	if (cap < len + (tx->gcm ? GCM_TAG : tx->tag_len))
		return ENOBUFS;

	seq  = (uint16_t)(p[2] << 8 | p[3]);
	ssrc = media_srtp_rd32(p + 8);

	if (!tx->have) {
		tx->have = true;
		tx->ssrc = ssrc;
		tx->s_l = seq;
	}
	else if (ssrc != tx->ssrc) {
		return EPROTO;
	}

	/* the rollover counter as libre's sender moves it */
	if ((int)seq - (int)tx->s_l <= -32768) {
		++tx->roc;
		tx->s_l = 0;
	}
	ix = (uint64_t)tx->roc << 16 | seq;

	if (tx->gcm) {
		uint8_t iv[12];

		gcm_iv(iv, tx->rtp.salt, ssrc, ix);
		if (!gcm_seal(&tx->rtp, iv, p, hl, NULL, 0,
			      p + hl, len - hl, p + len))
			return EIO;
		len += GCM_TAG;
	}
	else {
		uint8_t iv[16], rocb[4], md[20];

		cm_iv(iv, tx->rtp.salt, ssrc, ix);
		if (!media_srtp_ctr(&tx->rtp, iv, p + hl, len - hl))
			return EIO;

		/* 4.2: the tag covers the packet and the ROC */
		media_srtp_wr32(rocb, tx->roc);
		media_hmac_sha1(tx->rtp.hmac, p, len, rocb, sizeof(rocb), md);
		memcpy(p + len, md, tx->tag_len);
		len += tx->tag_len;
	}

	if (seq > tx->s_l)
		tx->s_l = seq;

	*lenp = len;
	return 0;
}


/**
 * Protect one (compound) RTCP packet in place (RFC 3711 3.4,
 * RFC 7714 9).
 */
int media_srtptx_rtcp(struct media_srtptx *tx, uint8_t *p, size_t *lenp,
		      size_t cap)
{
	uint8_t eix[4];
	uint32_t ssrc, ix;
	size_t len;

	if (!tx || !p || !lenp)
		return EINVAL;

	len = *lenp;
	if (len < 8)
		return EBADMSG;
	if (cap < len + 4 + (tx->gcm ? GCM_TAG : tx->tag_len))
		return ENOBUFS;

	ssrc = media_srtp_rd32(p + 4);
	ix = tx->rtcp_ix = (tx->rtcp_ix + 1) & 0x7fffffff;
	media_srtp_wr32(eix, (tx->rtcp_enc ? 1u << 31 : 0) | ix);

	if (tx->gcm) {
		uint8_t iv[12];
		bool ok;

		gcm_iv(iv, tx->rtcp.salt, ssrc, ix);
		if (tx->rtcp_enc) {
			/* 9.2: header and E+index are AAD */
			ok = gcm_seal(&tx->rtcp, iv, p, 8, eix, 4,
				      p + 8, len - 8, p + len);
		}
		else {
			/* 9.3: all of it is AAD, the tag alone is
			 * "cipher text" */
			ok = gcm_seal(&tx->rtcp, iv, p, len, eix, 4,
				      NULL, 0, p + len);
		}
		if (!ok)
			return EIO;
		len += GCM_TAG;
		memcpy(p + len, eix, 4);
		len += 4;
	}
	else {
		uint8_t md[20];

		if (tx->rtcp_enc) {
			uint8_t iv[16];

			cm_iv(iv, tx->rtcp.salt, ssrc, ix);
			if (!media_srtp_ctr(&tx->rtcp, iv, p + 8, len - 8))
				return EIO;
		}
		memcpy(p + len, eix, 4);
		len += 4;

		media_hmac_sha1(tx->rtcp.hmac, p, len, NULL, 0, md);
		memcpy(p + len, md, tx->tag_len);
		len += tx->tag_len;
	}

	*lenp = len;
	return 0;
}

/**
 * @file test_srtp_tx.c  The SRTP send side (media/srtp_tx.c) and the
 * HMAC it shares with the receiver (media/hmac.c):
 *  - HMAC-SHA1 against RFC 2202's vectors;
 *  - key derivation against RFC 3711 B.3, AES-CM against B.2;
 *  - byte for byte what libre 1.1.0's srtp_encrypt()/srtcp_encrypt()
 *    send, for every suite, across a sequence number wrap (ROC);
 *  - what our receiver (media/srtp.c, srtcp.c) makes of it, a flipped
 *    bit refused; RFC 7714 9.3 for GCM with unencrypted SRTCP;
 *  - a second SSRC on one context refused, short buffers refused.
 */
#include <string.h>
#include <openssl/evp.h>
#include <re.h>
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/hmac_int.h"
#include "check.h"


static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1]) {
		unsigned v;

		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}

	return n;
}


/* RFC 2202 3: test cases 1, 2 and 6 (a key longer than a block) */
static int test_hmac_rfc2202(void)
{
	static const struct {
		const char *key;   /* hex, or NULL: 80 x 0xaa */
		const char *data;
		const char *md;
	} v[] = {
		{"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
		 "b617318655057264e28bc0b6fb378c8ef146be00"},
		{"4a656665", "what do ya want for nothing?",
		 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
		 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct media_hmac *h = NULL;
		uint8_t key[80], want[20], md[20];
		size_t klen, dl = strlen(v[i].data);

		if (v[i].key) {
			klen = unhex(key, v[i].key);
		}
		else {
			memset(key, 0xaa, sizeof(key));
			klen = sizeof(key);
		}
		CHECK_EQ(unhex(want, v[i].md), 20);
		CHECK_EQ(media_hmac_alloc(&h, key, klen), 0);

		media_hmac_sha1(h, (const uint8_t *)v[i].data, dl, NULL, 0, md);
		CHECK_MEM(md, want, 20);

		/* split input: same tag, and the state is reusable */
		media_hmac_sha1(h, (const uint8_t *)v[i].data, 3,
				(const uint8_t *)v[i].data + 3, dl - 3, md);
		CHECK_MEM(md, want, 20);

		mem_deref(h);
	}

	return 0;
}


/* RFC 3711 B.3: cipher key, cipher salt and auth key of the master key
 * and salt given there */
static int test_kdf_rfc3711(void)
{
	struct media_srtp_comp c;
	struct media_hmac *h = NULL;
	uint8_t mkey[16], msalt[14], ck[16], cs[14], ak[20];
	uint8_t zero[16], ks[16], want_ks[16], md[20], want_md[20];
	static const uint8_t msg[] = "RFC 3711 B.3";
	EVP_CIPHER_CTX *e;
	uint8_t iv[16];
	int n;

	unhex(mkey, "E1F97A0D3E018BE0D64FA32C06DE4139");
	unhex(msalt, "0EC675AD498AFEEBB6960B3AABE6");
	unhex(ck, "C61E7A93744F39EE10734AFE3FF7A087");
	unhex(cs, "30CBBC08863D8C85D49DB34A9AE1");
	unhex(ak, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");

	memset(&c, 0, sizeof(c));
	CHECK_EQ(media_srtp_comp_init(&c, 0, false, true, mkey, 16,
				      msalt, 14), 0);

	/* the salt directly */
	CHECK_MEM(c.salt, cs, 14);

	/* the cipher key: same keystream as AES-CTR under ck */
	memset(zero, 0, sizeof(zero));
	memset(iv, 0x5a, sizeof(iv));
	memcpy(ks, zero, sizeof(ks));
	CHECK(media_srtp_ctr(&c, iv, ks, sizeof(ks)));
	e = EVP_CIPHER_CTX_new();
	CHECK(e != NULL);
	CHECK(EVP_EncryptInit_ex(e, EVP_aes_128_ctr(), NULL, ck, iv));
	CHECK(EVP_EncryptUpdate(e, want_ks, &n, zero, sizeof(zero)));
	EVP_CIPHER_CTX_free(e);
	CHECK_MEM(ks, want_ks, 16);

	/* the auth key (first 160 bits): same HMAC as under ak */
	CHECK_EQ(media_hmac_alloc(&h, ak, sizeof(ak)), 0);
	media_hmac_sha1(h, msg, sizeof(msg), NULL, 0, want_md);
	media_hmac_sha1(c.hmac, msg, sizeof(msg), NULL, 0, md);
	CHECK_MEM(md, want_md, 20);

	mem_deref(h);
	media_srtp_comp_free(&c);
	return 0;
}


/* RFC 3711 B.2: the AES-CM keystream, first blocks */
static int test_aes_cm_rfc3711(void)
{
	struct media_srtp_comp c;
	uint8_t key[16], iv[16], ks[48], want[48];

	unhex(key, "2B7E151628AED2A6ABF7158809CF4F3C");
	unhex(iv, "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
	unhex(want, "E03EAD0935C95E80E166B16DD92B4EB4"
	      "D23513162B02D0F72A43A2FE4A5F97AB"
	      "41E95B3BB0A2E8DD477901E4FCA894C0");

	memset(&c, 0, sizeof(c));
	c.cipher = EVP_CIPHER_CTX_new();
	CHECK(c.cipher != NULL);
	CHECK(EVP_EncryptInit_ex(c.cipher, EVP_aes_128_ctr(), NULL, key,
				 NULL));

	memset(ks, 0, sizeof(ks));
	CHECK(media_srtp_ctr(&c, iv, ks, sizeof(ks)));
	CHECK_MEM(ks, want, sizeof(want));

	media_srtp_comp_free(&c);
	return 0;
}


static size_t rtp_packet(uint8_t *p, uint16_t seq, uint32_t ssrc,
			 size_t plen)
{
	size_t i;

	p[0] = 0x80;
	p[1] = 0;
	p[2] = seq >> 8;
	p[3] = seq & 0xff;
	media_srtp_wr32(p + 4, 160u * seq);
	media_srtp_wr32(p + 8, ssrc);
	for (i = 0; i < plen; i++)
		p[12 + i] = (uint8_t)(seq + i * 3);

	return 12 + plen;
}


static int rtcp_packet(struct mbuf *mb, uint32_t ssrc)
{
	struct media_rtpp_sr sr;

	memset(&sr, 0, sizeof(sr));
	sr.ssrc = ssrc;
	sr.psent = 1234;
	mbuf_rewind(mb);
	if (media_rtpp_rtcp_encode(mb, &sr, true, "t@example.org"))
		return ENOMEM;
	mb->pos = 0;
	return 0;
}


/* Every suite, SRTCP encrypted or not: our packets are libre's packets,
 * across a sequence wrap; our receiver takes them, each once, and
 * refuses a flipped bit. */
static int test_tx_libre_kat(void)
{
	static const enum srtp_suite suites[] = {
		SRTP_AES_CM_128_HMAC_SHA1_32, SRTP_AES_CM_128_HMAC_SHA1_80,
		SRTP_AES_256_CM_HMAC_SHA1_32, SRTP_AES_256_CM_HMAC_SHA1_80,
		SRTP_AES_128_GCM, SRTP_AES_256_GCM,
	};
	uint8_t key[46];
	size_t i, j, u;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 11 + 5);

	for (j = 0; j < ARRAY_SIZE(suites); j++)
	for (u = 0; u < 2; u++) {
		const enum srtp_suite s = suites[j];
		const bool gcm = s == SRTP_AES_128_GCM || s == SRTP_AES_256_GCM;
		const bool big = s == SRTP_AES_256_CM_HMAC_SHA1_32 ||
			s == SRTP_AES_256_CM_HMAC_SHA1_80 ||
			s == SRTP_AES_256_GCM;
		const size_t klen = (big ? 32 : 16) + (gcm ? 12 : 14);
		struct mbuf *mb = mbuf_alloc(512);
		struct srtp *ref = NULL;
		struct media_srtptx *tx = NULL;
		struct media_srtprx *rx = NULL;
		uint8_t p[512], q[512];
		uint16_t seq;
		size_t len, k;

		CHECK(mb != NULL);
		CHECK_EQ(srtp_alloc(&ref, s, key, klen,
				    u ? SRTP_UNENCRYPTED_SRTCP : 0), 0);
		CHECK_EQ(media_srtptx_alloc(&tx, s, key, klen, u), 0);
		CHECK_EQ(media_srtprx_alloc(&rx, s, key, klen, 0), 0);

		/* 65530 .. 65535, 0 .. 9: the ROC moves to 1 */
		for (k = 0, seq = 65530; k < 16; k++, seq++) {
			const size_t plen = 20 + k * 9;

			len = rtp_packet(p, seq, 0x11223344, plen);
			memcpy(q, p, len);

			mbuf_rewind(mb);
			CHECK_EQ(mbuf_write_mem(mb, p, len), 0);
			mb->pos = 0;
			CHECK_EQ(srtp_encrypt(ref, mb), 0);

			CHECK_EQ(media_srtptx_rtp(tx, p, &len, sizeof(p)), 0);
			CHECK_EQ(len, mb->end);
			CHECK_MEM(p, mb->buf, len);

			/* the receiver gets the plain packet back */
			memcpy(mb->buf, p, len);
			CHECK_EQ(media_srtprx_rtp(rx, p, &len), 0);
			CHECK_EQ(len, 12 + plen);
			CHECK_MEM(p, q, len);

			/* a replay is refused, a flipped bit too */
			len = mb->end;
			memcpy(p, mb->buf, len);
			CHECK_EQ(media_srtprx_rtp(rx, p, &len), EALREADY);
		}
		len = rtp_packet(p, seq, 0x11223344, 40);
		CHECK_EQ(media_srtptx_rtp(tx, p, &len, sizeof(p)), 0);
		p[20] ^= 1;
		CHECK_EQ(media_srtprx_rtp(rx, p, &len), EAUTH);

		/* SRTCP: libre's bytes but for GCM unencrypted (libre
		 * sends no tag there; we follow RFC 7714 9.3) */
		for (k = 0; k < 4; k++) {
			CHECK_EQ(rtcp_packet(mb, 0x11223344), 0);
			len = mb->end;
			memcpy(p, mb->buf, len);
			memcpy(q, p, len);
			CHECK_EQ(srtcp_encrypt(ref, mb), 0);

			CHECK_EQ(media_srtptx_rtcp(tx, p, &len, sizeof(p)),
				 0);
			if (!(gcm && u)) {
				CHECK_EQ(len, mb->end);
				CHECK_MEM(p, mb->buf, len);
			}

			memcpy(mb->buf, p, len);
			mb->end = len;
			CHECK_EQ(media_srtprx_rtcp(rx, p, &len), 0);
			CHECK_MEM(p, q, len);

			memcpy(p, mb->buf, mb->end);
			p[9] ^= 0x80;
			len = mb->end;
			CHECK_EQ(media_srtprx_rtcp(rx, p, &len), EAUTH);
		}

		/* one SSRC per context; no room, no packet */
		len = rtp_packet(p, 100, 0x55667788, 40);
		CHECK_EQ(media_srtptx_rtp(tx, p, &len, sizeof(p)), EPROTO);
		len = rtp_packet(p, seq + 1, 0x11223344, 40);
		CHECK_EQ(media_srtptx_rtp(tx, p, &len, len + 3), ENOBUFS);

		mem_deref(rx);
		mem_deref(tx);
		mem_deref(ref);
		mem_deref(mb);
	}

	return 0;
}


/* A bad suite or key length is refused */
static int test_tx_args(void)
{
	struct media_srtptx *tx = NULL;
	uint8_t key[46] = {0};

	CHECK_EQ(media_srtptx_alloc(&tx, SRTP_AES_CM_128_HMAC_SHA1_80,
				    key, 29, false), EINVAL);
	CHECK_EQ(media_srtptx_alloc(&tx, SRTP_AES_128_GCM, key, 30, false),
		 EINVAL);
	CHECK_EQ(media_srtptx_alloc(&tx, (enum srtp_suite)99, key, 30,
				    false), ENOTSUP);
	CHECK(tx == NULL);

	return 0;
}


TEST_MAIN("srtp_tx",
	  CASE(test_hmac_rfc2202),
	  CASE(test_kdf_rfc3711),
	  CASE(test_aes_cm_rfc3711),
	  CASE(test_tx_libre_kat),
	  CASE(test_tx_args))

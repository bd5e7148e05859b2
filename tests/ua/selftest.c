/**
 * @file selftest.c  `confd-ua selftest`: checks the UA's own codecs
 *                   against the RFC text, so a failing interop test can
 *                   be told apart from a broken test UA.
 *
 *   - RFC 4568 a=crypto examples (sections 4, 6.1, 8) parse as the RFC
 *     describes them; malformed lines are refused;
 *   - generated lines parse back to the same key, for every suite;
 *   - an SRTP packet protected with a generated key opens with the key
 *     parsed from its line, and fails with another key;
 *   - G.711 mu-law round trip within the segment's step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "tests/ua/ua.h"


static unsigned fails, checks;

#define CHECK(cond, ...) do {                                     \
		++checks;                                          \
		if (!(cond)) {                                     \
			++fails;                                   \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                       \
			putchar('\n');                             \
		}                                                  \
	} while (0)


static int dec(struct ua_sdes_crypto *c, const char *line)
{
	const char *why = "";
	int err = ua_sdes_crypto_decode(c, line, strlen(line), &why);
	if (err && getenv("UA_SELFTEST_VERBOSE"))
		printf("  %s -> %s\n", line, why);
	return err;
}


static void test_rfc_examples(void)
{
	struct ua_sdes_crypto c;
	int err;

	/* RFC 4568 section 4 */
	err = dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32");
	CHECK(!err, "section 4 example: %d", err);
	CHECK(c.tag == 1 && c.suite &&
	      !strcmp(c.suite->name, "AES_CM_128_HMAC_SHA1_80"), "suite");
	CHECK(c.has_lifetime && c.lifetime == (1u << 20), "lifetime 2^20");
	CHECK(c.has_mki && c.mki == 1 && c.mki_len == 32, "MKI 1:32");
	CHECK(c.keylen == 30, "key||salt is 30 bytes");

	/* 6.1: MKI without lifetime */
	err = dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4");
	CHECK(!err, "6.1 example: %d", err);
	CHECK(!c.has_lifetime && c.has_mki && c.mki == 1066 &&
	      c.mki_len == 4, "MKI 1066:4, no lifetime");

	/* 8.1 offer: session parameter, and F8 (which libre lacks) */
	err = dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
		  "FEC_ORDER=FEC_SRTP");
	CHECK(!err, "8.1 tag 1: %d", err);
	err = dec(&c, "2 F8_128_HMAC_SHA1_80 "
		  "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
		  "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 "
		  "FEC_ORDER=FEC_SRTP");
	CHECK(err == ENOTSUP, "F8 suite is unsupported, not malformed");

	/* two keys told apart by MKI */
	err = dec(&c, "2 AES_CM_128_HMAC_SHA1_80 "
		  "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
		  "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4");
	CHECK(!err, "two MKI keys: %d", err);

	/* refusals */
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=") == EINVAL,
	      "short key");
	CHECK(dec(&c, "x AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR") == EINVAL,
	      "bad tag");
	CHECK(dec(&c, "1234567890 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR") == EINVAL,
	      "tag over 9 digits");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:200")
	      == EINVAL, "MKI length over 128");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1")
	      == EINVAL, "MKI value wider than its length");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR FOO")
	      == ENOTSUP, "unknown session parameter");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR -FOO") == 0,
	      "dash parameter may be ignored (6.3.7)");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=0 "
		  "UNENCRYPTED_SRTCP") == 0 && c.unencrypted_srtcp,
	      "KDR=0, UNENCRYPTED_SRTCP");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=25")
	      == EINVAL, "KDR out of range");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80") == EINVAL, "no key");
	CHECK(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 "
		  "key:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR") == EINVAL,
	      "key method other than inline");
	ua_sdes_crypto_wipe(&c);
}


static void test_roundtrip_srtp(void)
{
	const struct ua_sdes_suite *su;

	for (size_t i = 0; (su = ua_sdes_suite_at(i)); i++) {
		struct ua_sdes_crypto a, b, other;
		struct srtp *tx = NULL, *rx = NULL, *bad = NULL;
		struct mbuf *mb = mbuf_alloc(256), *mb2 = mbuf_alloc(256);
		char line[160];
		uint8_t pkt[12 + 160];
		int err;

		err = ua_sdes_crypto_new(&a, 7, su);
		err |= ua_sdes_crypto_encode(line, sizeof(line), &a);
		err |= dec(&b, line);
		CHECK(!err, "%s: generate/parse: %d", su->name, err);
		CHECK(b.tag == 7 && b.suite == su && b.keylen == a.keylen &&
		      !memcmp(a.key, b.key, a.keylen), "%s: same key",
		      su->name);

		err = ua_sdes_crypto_new(&other, 7, su);
		err |= ua_sdes_crypto_srtp(&tx, &a);
		err |= ua_sdes_crypto_srtp(&rx, &b);
		err |= ua_sdes_crypto_srtp(&bad, &other);
		CHECK(!err, "%s: srtp_alloc: %d", su->name, err);

		memset(pkt, 0xd5, sizeof(pkt));
		pkt[0] = 0x80; pkt[1] = 0; pkt[2] = 0; pkt[3] = 1;
		mbuf_write_mem(mb, pkt, sizeof(pkt));
		mb->pos = 0;
		err = tx ? srtp_encrypt(tx, mb) : EINVAL;
		mb->pos = 0;
		CHECK(!err && mb->end > sizeof(pkt) &&
		      memcmp(mb->buf + 12, pkt + 12, 160),
		      "%s: protect", su->name);
		mbuf_write_mem(mb2, mb->buf, mb->end);
		mb2->pos = 0;
		err = rx ? srtp_decrypt(rx, mb) : EINVAL;
		CHECK(!err && mb->end - mb->pos == sizeof(pkt) &&
		      !memcmp(mbuf_buf(mb), pkt, sizeof(pkt)),
		      "%s: open with the parsed key", su->name);
		err = bad ? srtp_decrypt(bad, mb2) : 0;
		CHECK(err, "%s: another key must fail", su->name);

		mem_deref(tx);
		mem_deref(rx);
		mem_deref(bad);
		mem_deref(mb);
		mem_deref(mb2);
		ua_sdes_crypto_wipe(&a);
		ua_sdes_crypto_wipe(&b);
		ua_sdes_crypto_wipe(&other);
	}
}


static void test_g711(void)
{
	int worst = 0;

	for (int v = -32768; v <= 32767; v += 7) {
		int16_t r = ua_ulaw_dec(ua_ulaw_enc((int16_t)v));
		int d = r - (v > 32635 ? 32635 : v < -32635 ? -32635 : v);
		int tol = (v < 0 ? -v : v) / 16 + 8;

		if (d < 0)
			d = -d;
		if (d > tol && d > worst)
			worst = d;
	}
	CHECK(worst == 0, "mu-law round trip error %d", worst);
	CHECK(ua_ulaw_enc(0) == 0xff, "mu-law zero is 0xFF");
	CHECK(ua_ulaw_dec(0xff) == 0 && ua_ulaw_dec(0x7f) == 0,
	      "0xFF and 0x7F decode to zero");
	CHECK(ua_ulaw_dec(0x00) == -32124 && ua_ulaw_dec(0x80) == 32124,
	      "mu-law full scale");
}


int ua_cmd_selftest(int argc, char *argv[])
{
	(void)argc;
	(void)argv;

	test_rfc_examples();
	test_roundtrip_srtp();
	test_g711();
	printf("%s ua_selftest (%u checks, %u failed)\n",
	       fails ? "FAIL" : "PASS", checks, fails);
	return fails ? 1 : 0;
}

/**
 * @file test_sdes.c  Unit tests for the RFC 4568 a=crypto codec
 *
 * The expected key bytes of the RFC examples were decoded outside this
 * code (coreutils `base64 -d | xxd -i`), so a decoder bug cannot agree
 * with itself.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "keying/sdes.h"
#include "tests/unit/check.h"


/* Decode from a heap copy of exactly strlen(s) bytes with no NUL after
 * it, so ASan catches any read past the pl. */
static int dec_n(struct sdes_crypto *c, const char *s, size_t n)
{
	struct pl pl;
	char *buf;
	int err;

	buf = malloc(n ? n : 1);
	if (!buf)
		return ENOMEM;
	memcpy(buf, s, n);
	pl.p = buf;
	pl.l = n;
	err = sdes_decode(c, &pl);
	free(buf);
	return err;
}


static int dec(struct sdes_crypto *c, const char *s)
{
	return dec_n(c, s, strlen(s));
}


static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}


static bool crypto_equal(const struct sdes_crypto *a,
			 const struct sdes_crypto *b)
{
	size_t i;

	if (a->tag != b->tag || a->suite != b->suite || a->keyc != b->keyc)
		return false;

	for (i = 0; i < a->keyc; i++) {
		const struct sdes_key *ka = &a->keys[i], *kb = &b->keys[i];

		if (ka->keysalt_len != kb->keysalt_len ||
		    memcmp(ka->keysalt, kb->keysalt, ka->keysalt_len) ||
		    ka->lifetime != kb->lifetime || ka->mki != kb->mki ||
		    ka->mki_len != kb->mki_len)
			return false;
	}

	return a->unencrypted_srtp == b->unencrypted_srtp &&
		a->unencrypted_srtcp == b->unencrypted_srtcp &&
		a->unauthenticated_srtp == b->unauthenticated_srtp &&
		a->kdr == b->kdr && a->wsh == b->wsh &&
		a->fec_order_srtp_fec == b->fec_order_srtp_fec;
}


/* Encode c, decode the text, require the same fields back */
static int roundtrip(const struct sdes_crypto *c, char *out, size_t sz)
{
	struct sdes_crypto d;
	int err;

	if (re_snprintf(out, sz, "%H", sdes_encode, c) < 0)
		return EINVAL;

	err = dec(&d, out);
	if (err) {
		fprintf(stderr, "roundtrip: decode \"%s\": %d\n", out, err);
		return err;
	}

	if (!crypto_equal(c, &d)) {
		fprintf(stderr, "roundtrip: \"%s\" differs\n", out);
		return EINVAL;
	}

	return 0;
}


/* base64 -d of PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR */
static const uint8_t key_ps1u[30] = {
	0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a,
	0x75, 0x66, 0x72, 0x39, 0x29, 0x3f, 0x2c, 0x23, 0x35, 0x68,
	0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51
};

/* base64 -d of YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2 */
static const uint8_t key_yujd[30] = {
	0x61, 0x42, 0x43, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x4a,
	0x4b, 0x4c, 0x6d, 0x6f, 0x50, 0x51, 0x72, 0x73, 0x54, 0x75,
	0x56, 0x77, 0x79, 0x7a, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36
};

/* base64 -d of MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm */
static const uint8_t key_mtiz[30] = {
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41,
	0x42, 0x43, 0x44, 0x45, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
	0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x63, 0x64, 0x65, 0x66
};

/* base64 -d of QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5 */
static const uint8_t key_qujj[30] = {
	0x41, 0x42, 0x63, 0x64, 0x65, 0x66, 0x31, 0x32, 0x33, 0x34,
	0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39
};

#define K80 "1 AES_CM_128_HMAC_SHA1_80 inline:"
#define KPS1U "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
/* bytes 0x00..0x1b, from python + base64 */
#define K28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="
/* bytes 0x80..0xab */
#define K44 "gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqs="


/* RFC 4568 6.1 and 7.1.5 (answer) */
static int test_rfc_example_6_1(void)
{
	struct sdes_crypto c;

	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|1:4"), 0);
	CHECK_EQ(c.tag, 1);
	CHECK_EQ(c.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	CHECK_EQ(c.keyc, 1);
	CHECK_EQ(c.keys[0].keysalt_len, 30);
	CHECK_MEM(c.keys[0].keysalt, key_ps1u, 30);
	CHECK_EQ(c.keys[0].lifetime, 1u << 20);
	CHECK_EQ(c.keys[0].mki, 1);
	CHECK_EQ(c.keys[0].mki_len, 4);
	CHECK(!c.unknown_mandatory);

	/* RFC 4568 6.1, the default-lifetime example */
	CHECK_EQ(dec(&c, "7 AES_CM_128_HMAC_SHA1_80 inline:"
		     "YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4"), 0);
	CHECK_EQ(c.tag, 7);
	CHECK_MEM(c.keys[0].keysalt, key_yujd, 30);
	CHECK_EQ(c.keys[0].lifetime, 0);
	CHECK_EQ(c.keys[0].mki, 1066);
	CHECK_EQ(c.keys[0].mki_len, 4);

	/* key alone */
	CHECK_EQ(dec(&c, K80 KPS1U), 0);
	CHECK_MEM(c.keys[0].keysalt, key_ps1u, 30);
	CHECK_EQ(c.keys[0].lifetime, 0);
	CHECK_EQ(c.keys[0].mki_len, 0);

	return 0;
}


/* RFC 4568 4 and 4.5: MKI length 32 is legal but more than we keep */
static int test_rfc_example_4_5(void)
{
	struct sdes_crypto c;

	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|1:32"), ENOTSUP);
	CHECK_EQ(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
		     "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32"),
		 ENOTSUP);
	CHECK(all_zero(&c, sizeof(c)));

	CHECK_EQ(dec(&c, "1 AES_CM_128_HMAC_SHA1_32 inline:"
		     "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:4"), 0);
	CHECK_EQ(c.suite, SDES_AES_CM_128_HMAC_SHA1_32);
	CHECK_EQ(c.keys[0].keysalt_len, 30);

	return 0;
}


/* RFC 4568 7.1.5 offer: FEC_ORDER, and two keys told apart by MKI */
static int test_rfc_example_7_1_5(void)
{
	struct sdes_crypto c;
	static const char two[] =
		"inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
		"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4"
		" FEC_ORDER=FEC_SRTP";
	char buf[512];

	CHECK_EQ(dec(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:"
		     "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4"
		     " FEC_ORDER=FEC_SRTP"), 0);
	CHECK(!c.fec_order_srtp_fec);
	CHECK(!c.unknown_mandatory);

	/* F8 is not a suite we offer: skip the line */
	re_snprintf(buf, sizeof(buf), "2 F8_128_HMAC_SHA1_80 %s", two);
	CHECK_EQ(dec(&c, buf), ENOTSUP);

	/* the same key-params under a suite we do know */
	re_snprintf(buf, sizeof(buf), "2 AES_CM_128_HMAC_SHA1_80 %s", two);
	CHECK_EQ(dec(&c, buf), 0);
	CHECK_EQ(c.tag, 2);
	CHECK_EQ(c.keyc, 2);
	CHECK_MEM(c.keys[0].keysalt, key_mtiz, 30);
	CHECK_MEM(c.keys[1].keysalt, key_qujj, 30);
	CHECK_EQ(c.keys[0].mki, 1);
	CHECK_EQ(c.keys[1].mki, 2);
	CHECK_EQ(c.keys[0].mki_len, 4);
	CHECK_EQ(c.keys[1].mki_len, 4);
	CHECK_EQ(c.keys[0].lifetime, 1u << 20);
	CHECK_EQ(c.keys[1].lifetime, 1u << 20);

	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);

	return 0;
}


static int test_suites(void)
{
	static const struct {
		const char *name;
		enum sdes_suite s;
		size_t key, keysalt, tag;
		enum srtp_suite srtp;
	} v[] = {
		{"AES_CM_128_HMAC_SHA1_80", SDES_AES_CM_128_HMAC_SHA1_80,
		 16, 30, 10, SRTP_AES_CM_128_HMAC_SHA1_80},
		{"AES_CM_128_HMAC_SHA1_32", SDES_AES_CM_128_HMAC_SHA1_32,
		 16, 30, 4, SRTP_AES_CM_128_HMAC_SHA1_32},
		{"AEAD_AES_128_GCM", SDES_AEAD_AES_128_GCM,
		 16, 28, 16, SRTP_AES_128_GCM},
		{"AEAD_AES_256_GCM", SDES_AEAD_AES_256_GCM,
		 32, 44, 16, SRTP_AES_256_GCM},
	};
	enum sdes_suite s;
	struct pl pl;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_STR(sdes_suite_name(v[i].s), v[i].name);
		pl_set_str(&pl, v[i].name);
		CHECK_EQ(sdes_suite_decode(&s, &pl), 0);
		CHECK_EQ(s, v[i].s);
		CHECK_EQ(sdes_key_len(v[i].s), v[i].key);
		CHECK_EQ(sdes_keysalt_len(v[i].s), v[i].keysalt);
		CHECK_EQ(sdes_auth_tag_len(v[i].s), v[i].tag);
		CHECK_EQ(sdes_srtp_suite(v[i].s), v[i].srtp);
	}

	/* RFC 4568 4: values are case-insensitive */
	pl_set_str(&pl, "aead_aes_256_gcm");
	CHECK_EQ(sdes_suite_decode(&s, &pl), 0);
	CHECK_EQ(s, SDES_AEAD_AES_256_GCM);

	pl_set_str(&pl, "AES_CM_128_HMAC_SHA1_8");
	CHECK_EQ(sdes_suite_decode(&s, &pl), ENOTSUP);
	pl_set_str(&pl, "AES_CM_128_HMAC_SHA1_800");
	CHECK_EQ(sdes_suite_decode(&s, &pl), ENOTSUP);

	CHECK(sdes_suite_name(SDES_SUITE_COUNT) == NULL);
	CHECK_EQ(sdes_keysalt_len(SDES_SUITE_COUNT), 0);
	CHECK_EQ(sdes_key_len(SDES_SUITE_COUNT), 0);
	CHECK_EQ(sdes_auth_tag_len(SDES_SUITE_COUNT), 0);

	return 0;
}


static int test_gcm(void)
{
	struct sdes_crypto c;
	uint8_t want[44];
	char buf[256];
	size_t i;

	CHECK_EQ(dec(&c, "3 AEAD_AES_128_GCM inline:" K28), 0);
	CHECK_EQ(c.suite, SDES_AEAD_AES_128_GCM);
	CHECK_EQ(c.keys[0].keysalt_len, 28);
	for (i = 0; i < 28; i++)
		want[i] = (uint8_t)i;
	CHECK_MEM(c.keys[0].keysalt, want, 28);
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "3 AEAD_AES_128_GCM inline:" K28);

	/* RFC 4568 6.1: padding may be left off */
	CHECK_EQ(dec(&c, "3 AEAD_AES_128_GCM inline:"
		     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw"), 0);
	CHECK_MEM(c.keys[0].keysalt, want, 28);

	CHECK_EQ(dec(&c, "4 aead_aes_256_gcm inline:" K44 "|2^31"), 0);
	CHECK_EQ(c.suite, SDES_AEAD_AES_256_GCM);
	CHECK_EQ(c.keys[0].keysalt_len, 44);
	for (i = 0; i < 44; i++)
		want[i] = (uint8_t)(0x80 + i);
	CHECK_MEM(c.keys[0].keysalt, want, 44);
	CHECK_EQ(c.keys[0].lifetime, 1ull << 31);
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);

	/* A key of the wrong suite's length is invalid (RFC 4568 6.1) */
	CHECK_EQ(dec(&c, "3 AEAD_AES_128_GCM inline:" KPS1U), EPROTO);
	CHECK_EQ(dec(&c, "3 AEAD_AES_256_GCM inline:" K28), EPROTO);
	CHECK_EQ(dec(&c, "3 AES_CM_128_HMAC_SHA1_80 inline:" K28), EPROTO);
	CHECK_EQ(dec(&c, "3 AES_CM_128_HMAC_SHA1_80 inline:" K44), EPROTO);

	return 0;
}


static int test_lifetime(void)
{
	static const struct {
		const char *lt;
		int err;
		uint64_t v;
	} v[] = {
		{"1000",            0,      1000},
		{"1",               0,      1},
		{"2^0",             0,      1},
		{"2^1",             0,      2},
		{"2^48",            0,      1ull << 48},
		{"281474976710656", 0,      1ull << 48},
		{"281474976710657", EPROTO, 0},
		{"2^49",            EPROTO, 0},
		{"2^64",            EPROTO, 0},
		{"2^100",           EPROTO, 0},
		{"99999999999999999999999", EPROTO, 0},
		{"0",               EPROTO, 0},
		{"01",              EPROTO, 0},
		{"2^05",            EPROTO, 0},
		{"2^",              EPROTO, 0},
		{"2^x",             EPROTO, 0},
		{"3^4",             EPROTO, 0},
		{"-1",              EPROTO, 0},
		{"1e6",             EPROTO, 0},
		{"",                EPROTO, 0},
	};
	struct sdes_crypto c;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		re_snprintf(buf, sizeof(buf), K80 KPS1U "|%s|1:4", v[i].lt);
		CHECK_EQ(dec(&c, buf), v[i].err);
		if (v[i].err)
			continue;
		CHECK_EQ(c.keys[0].lifetime, v[i].v);
		CHECK_EQ(c.keys[0].mki, 1);
		CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	}

	/* powers of two are printed as 2^N, others in decimal */
	CHECK_EQ(dec(&c, K80 KPS1U "|1048576"), 0);
	re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c);
	CHECK_STR(buf, K80 KPS1U "|2^20");
	CHECK_EQ(dec(&c, K80 KPS1U "|1000"), 0);
	re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c);
	CHECK_STR(buf, K80 KPS1U "|1000");

	return 0;
}


static int test_mki(void)
{
	static const struct {
		const char *f;
		int err;
		uint32_t mki;
		uint8_t len;
	} v[] = {
		{"1:1",          0,       1, 1},
		{"0:1",          0,       0, 1},
		{"255:1",        0,     255, 1},
		{"256:1",        EPROTO,  0, 0},
		{"65535:2",      0,   65535, 2},
		{"65536:2",      EPROTO,  0, 0},
		{"16777215:3",   0, 16777215, 3},
		{"4294967295:4", 0, 4294967295u, 4},
		{"4294967296:4", EPROTO,  0, 0},
		{"1:0",          EPROTO,  0, 0},
		{"1:129",        EPROTO,  0, 0},
		{"1:1000",       EPROTO,  0, 0},
		{"1:5",          ENOTSUP, 0, 0},
		{"1:128",        ENOTSUP, 0, 0},
		{"1:",           EPROTO,  0, 0},
		{":4",           EPROTO,  0, 0},
		{"01:4",         EPROTO,  0, 0},
		{"1:04",         EPROTO,  0, 0},
		{"1:4:4",        EPROTO,  0, 0},
		{"x:4",          EPROTO,  0, 0},
		{"1:4junk",      EPROTO,  0, 0},
	};
	struct sdes_crypto c;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		re_snprintf(buf, sizeof(buf), K80 KPS1U "|%s", v[i].f);
		if (dec(&c, buf) != v[i].err) {
			fprintf(stderr, "mki \"%s\"\n", v[i].f);
			return EINVAL;
		}
		if (v[i].err)
			continue;
		CHECK_EQ(c.keys[0].mki, v[i].mki);
		CHECK_EQ(c.keys[0].mki_len, v[i].len);
		CHECK_EQ(c.keys[0].lifetime, 0);
		CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	}

	/* field order: key, lifetime, MKI; no repeats, no extras */
	CHECK_EQ(dec(&c, K80 KPS1U "|1:4|2^20"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|2^20"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "|1:4|2:4"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|1:4|x"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "||1:4"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "|"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|"), EPROTO);

	return 0;
}


static int test_multikey(void)
{
	struct sdes_crypto c;
	char buf[1024];

#define KA "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm"
#define KB "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5"
#define KC "inline:" KPS1U
#define KD "inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2"
#define KE "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"
#define S80 "5 AES_CM_128_HMAC_SHA1_80 "

	CHECK_EQ(dec(&c, S80 KA "|1:2;" KB "|2:2;" KC "|3:2;" KD "|4:2"), 0);
	CHECK_EQ(c.keyc, 4);
	CHECK_MEM(c.keys[2].keysalt, key_ps1u, 30);
	CHECK_MEM(c.keys[3].keysalt, key_yujd, 30);
	CHECK_EQ(c.keys[3].mki, 4);
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);

	/* more keys than we keep: valid, but not for us */
	CHECK_EQ(dec(&c, S80 KA "|1:2;" KB "|2:2;" KC "|3:2;" KD "|4:2;"
		     KE "|5:2"), ENOTSUP);

	/* RFC 4568 6.1: every key has an MKI, all of one length */
	CHECK_EQ(dec(&c, S80 KA ";" KB), EPROTO);
	CHECK_EQ(dec(&c, S80 KA "|1:4;" KB), EPROTO);
	CHECK_EQ(dec(&c, S80 KA "|1:4;" KB "|2:2"), EPROTO);
	/* RFC 4568 4.3: a packet's MKI must name one key */
	CHECK_EQ(dec(&c, S80 KA "|1:4;" KB "|1:4"), EPROTO);
	/* RFC 4568 6.1: keys unique */
	CHECK_EQ(dec(&c, S80 KA "|1:4;" KA "|2:4"), EPROTO);

	/* empty key-params around ';' */
	CHECK_EQ(dec(&c, S80 KA "|1:4;"), EPROTO);
	CHECK_EQ(dec(&c, S80 ";" KA "|1:4"), EPROTO);
	CHECK_EQ(dec(&c, S80 KA "|1:4;;" KB "|2:4"), EPROTO);

	return 0;
}


static int test_session_params(void)
{
	struct sdes_crypto c;
	char buf[512];

	CHECK_EQ(dec(&c, K80 KPS1U " KDR=24 UNENCRYPTED_SRTP"
		     " UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP"
		     " FEC_ORDER=SRTP_FEC WSH=128"), 0);
	CHECK_EQ(c.kdr, 24);
	CHECK(c.unencrypted_srtp);
	CHECK(c.unencrypted_srtcp);
	CHECK(c.unauthenticated_srtp);
	CHECK(c.fec_order_srtp_fec);
	CHECK_EQ(c.wsh, 128);
	CHECK(!c.unknown_mandatory);
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	CHECK_STR(buf, K80 KPS1U " KDR=24 UNENCRYPTED_SRTP"
		  " UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP"
		  " FEC_ORDER=SRTP_FEC WSH=128");

	/* case-insensitive names, any order */
	CHECK_EQ(dec(&c, K80 KPS1U " wsh=64 unencrypted_srtcp kdr=1"), 0);
	CHECK_EQ(c.kdr, 1);
	CHECK_EQ(c.wsh, 64);
	CHECK(c.unencrypted_srtcp);
	CHECK(!c.unencrypted_srtp);

	/* KDR=0 is the grammar's floor and means what no KDR means */
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=0"), 0);
	CHECK_EQ(c.kdr, 0);

	/* FEC_KEY is checked, then dropped */
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_KEY=" KB "|2^20|1:4"), 0);
	CHECK(!c.unknown_mandatory);
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_KEY=" KA "|1:4;" KB "|2:4"), 0);
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_KEY=inline:AAAA"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_KEY="), EPROTO);

	/* RFC 4568 6.3.7: '-' marks an optional extension */
	CHECK_EQ(dec(&c, K80 KPS1U " -FOO=bar -"), 0);
	CHECK(!c.unknown_mandatory);
	CHECK_EQ(dec(&c, K80 KPS1U " FOO=bar"), 0);
	CHECK(c.unknown_mandatory);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR"), 0);
	CHECK(c.unknown_mandatory);

	CHECK_EQ(dec(&c, K80 KPS1U " KDR=25"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=05"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=100"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR="), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=x"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " WSH=63"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " WSH=0"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " WSH=0128"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " WSH=4294967296"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " WSH=4294967295"), 0);
	CHECK_EQ(c.wsh, 4294967295u);
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_ORDER=FEC"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " FEC_ORDER="), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=1 KDR=1"), EPROTO);
	CHECK_EQ(dec(&c, K80 KPS1U " UNENCRYPTED_SRTP UNENCRYPTED_SRTP"),
		 EPROTO);

	return 0;
}


static int test_reject(void)
{
	static const struct {
		const char *s;
		int err;
	} v[] = {
		{"",                                        EPROTO},
		{" ",                                       EPROTO},
		{"1",                                       EPROTO},
		{"1 ",                                      EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80",               EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 ",              EPROTO},
		{" " K80 KPS1U,                             EPROTO},
		{"0 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"01 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"-1 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"a AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"1 AES-CM AES_CM_128_HMAC_SHA1_80 inline:" KPS1U, EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 " KPS1U,        EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:",       EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 inline",        EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 :" KPS1U,       EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 in-line:" KPS1U, EPROTO},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U "\r\n", EPROTO},
		{"1\tAES_CM_128_HMAC_SHA1_80\x01inline:" KPS1U, EPROTO},
		{K80 KPS1U " \x80",                         EPROTO},
		/* a different key method: well-formed, but not for SRTP */
		{"1 AES_CM_128_HMAC_SHA1_80 url:" KPS1U,    ENOTSUP},
		{"1 AES_256_CM_HMAC_SHA1_80 inline:" KPS1U, ENOTSUP},
		{"1 FOO inline:" KPS1U,                     ENOTSUP},
		/* base64 */
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB-", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB_", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkp=ywjNWhcYD0mXXtxaVBR", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR=", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR==", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR===", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaV", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRA", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRAA", EPROTO},
		{K80 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRAAAA", EPROTO},
		{K80 "====",                                EPROTO},
		{K80 "=",                                   EPROTO},
		/* 29 and 31 bytes for a 30-byte suite */
		{K80 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=", EPROTO},
		{K80 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", EPROTO},
		/* non-zero bits past the last byte (canonical is ...Gw==) */
		{"1 AEAD_AES_128_GCM inline:"
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==", EPROTO},
		/* padding in the wrong amount */
		{"1 AEAD_AES_128_GCM inline:"
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=", EPROTO},
		/* far too long: must not overflow the key buffer */
		{K80 KPS1U KPS1U KPS1U KPS1U KPS1U KPS1U,   EPROTO},
		{"1 AEAD_AES_256_GCM inline:" K44 "AAAA",   EPROTO},
		/* trailing garbage */
		{K80 KPS1U "|2^20|1:4junk",                 EPROTO},
		{K80 KPS1U "|2^20|1:4|",                    EPROTO},
		{K80 KPS1U "|2^20|1:4;",                    EPROTO},
		{K80 KPS1U "junk|2^20|1:4",                 EPROTO},
	};
	struct sdes_crypto c;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int err = dec(&c, v[i].s);

		if (err != v[i].err) {
			fprintf(stderr, "reject[%zu] \"%s\": %d, want %d\n",
				i, v[i].s, err, v[i].err);
			return EINVAL;
		}
		CHECK(all_zero(&c, sizeof(c)));
	}

	CHECK_EQ(sdes_decode(&c, NULL), EINVAL);
	CHECK_EQ(sdes_decode(NULL, &pl_null), EINVAL);
	CHECK_EQ(sdes_decode(&c, &pl_null), EPROTO);

	return 0;
}


/* Separators and the end of the pl are honoured exactly */
static int test_bounds(void)
{
	static const char s[] = K80 KPS1U "|2^20|1:4";
	const size_t keyend = strlen(K80 KPS1U);
	struct sdes_crypto c;
	size_t n;

	/* any cut through the key or its fields except at '|' boundaries
	 * and digit ends changes the meaning or fails; never crashes */
	for (n = 0; n <= sizeof(s) - 1; n++)
		(void)dec_n(&c, s, n);

	CHECK_EQ(dec_n(&c, s, keyend), 0);
	CHECK_EQ(c.keys[0].lifetime, 0);
	CHECK_EQ(dec_n(&c, s, keyend + 4), 0);          /* "|2^2" */
	CHECK_EQ(c.keys[0].lifetime, 4);
	CHECK_EQ(dec_n(&c, s, keyend + 5), 0);          /* "|2^20" */
	CHECK_EQ(c.keys[0].lifetime, 1u << 20);
	CHECK_EQ(dec_n(&c, s, keyend + 6), EPROTO);     /* "|2^20|" */
	CHECK_EQ(dec_n(&c, s, keyend + 8), EPROTO);     /* "|1:" */
	CHECK_EQ(dec_n(&c, s, keyend + 9), 0);
	CHECK_EQ(c.keys[0].mki_len, 4);
	CHECK_EQ(dec_n(&c, s, keyend - 1), EPROTO);

	/* several spaces and tabs separate; trailing white space is ok */
	CHECK_EQ(dec(&c, "1  AES_CM_128_HMAC_SHA1_80\t inline:" KPS1U
		     "\tKDR=2 "), 0);
	CHECK_EQ(c.kdr, 2);
	CHECK_EQ(dec(&c, "999999999 AES_CM_128_HMAC_SHA1_80 inline:" KPS1U),
		 0);
	CHECK_EQ(c.tag, 999999999);

	/* a NUL inside the pl is not the end of it */
	CHECK_EQ(dec_n(&c, K80 KPS1U "\0 KDR=1", keyend + 7), EPROTO);

	return 0;
}


static int test_encode(void)
{
	struct sdes_crypto c;
	char buf[512];

	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|1:4"), 0);
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	CHECK_STR(buf, K80 KPS1U "|2^20|1:4");

	/* MKI without lifetime */
	c.keys[0].lifetime = 0;
	c.keys[0].mki = 1066;
	CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
	CHECK_STR(buf, K80 KPS1U "|1066:4");

	/* what decode would refuse, encode refuses to print */
	c.keys[0].keysalt_len = 28;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.keys[0].keysalt_len = 30;
	c.keys[0].mki_len = 1;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.keys[0].mki_len = 4;
	c.tag = 0;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.tag = 1;
	c.keyc = 0;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.keyc = 1;
	c.suite = SDES_SUITE_COUNT;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.suite = SDES_AES_CM_128_HMAC_SHA1_80;
	c.wsh = 10;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) < 0);
	c.wsh = 0;
	CHECK(re_snprintf(buf, sizeof(buf), "%H", sdes_encode, &c) > 0);

	return 0;
}


enum { GEN_N = 1000 };

static int test_generate(void)
{
	static struct sdes_crypto g[GEN_N];
	enum sdes_suite s;
	char buf[256];
	size_t i, j;

	for (s = 0; s < SDES_SUITE_COUNT; s++) {
		struct sdes_crypto c;

		CHECK_EQ(sdes_generate(&c, 9, s), 0);
		CHECK_EQ(c.tag, 9);
		CHECK_EQ(c.suite, s);
		CHECK_EQ(c.keyc, 1);
		CHECK_EQ(c.keys[0].keysalt_len, sdes_keysalt_len(s));
		CHECK_EQ(c.keys[0].mki_len, 0);
		CHECK_EQ(c.keys[0].lifetime, 0);
		CHECK(!all_zero(c.keys[0].keysalt, c.keys[0].keysalt_len));
		/* nothing written past the suite's length */
		CHECK(all_zero(c.keys[0].keysalt + c.keys[0].keysalt_len,
			       SDES_KEYSALT_MAX - c.keys[0].keysalt_len));
		CHECK_EQ(roundtrip(&c, buf, sizeof(buf)), 0);
		sdes_wipe(&c);
	}

	for (i = 0; i < GEN_N; i++)
		CHECK_EQ(sdes_generate(&g[i], 1, SDES_AES_CM_128_HMAC_SHA1_80),
			 0);

	for (i = 0; i < GEN_N; i++) {
		for (j = 0; j < i; j++)
			CHECK(memcmp(g[i].keys[0].keysalt,
				     g[j].keys[0].keysalt, 30));
	}

	for (i = 0; i < GEN_N; i++)
		sdes_wipe(&g[i]);

	CHECK_EQ(sdes_generate(&g[0], 0, SDES_AEAD_AES_128_GCM), EINVAL);
	CHECK_EQ(sdes_generate(&g[0], 1000000000, SDES_AEAD_AES_128_GCM),
		 EINVAL);
	CHECK_EQ(sdes_generate(&g[0], 1, SDES_SUITE_COUNT), EINVAL);
	CHECK_EQ(sdes_generate(NULL, 1, SDES_AEAD_AES_128_GCM), EINVAL);

	return 0;
}


static int test_wipe(void)
{
	struct sdes_crypto c;

	CHECK_EQ(dec(&c, K80 KPS1U "|2^20|1:4 KDR=3 WSH=100"), 0);
	CHECK(!all_zero(&c, sizeof(c)));
	sdes_wipe(&c);
	CHECK(all_zero(&c, sizeof(c)));

	CHECK_EQ(sdes_generate(&c, 1, SDES_AEAD_AES_256_GCM), 0);
	sdes_wipe(&c);
	CHECK(all_zero(&c, sizeof(c)));

	sdes_wipe(NULL);

	/* a failed decode leaves no trace of an earlier key */
	CHECK_EQ(dec(&c, K80 KPS1U), 0);
	CHECK_EQ(dec(&c, K80 KPS1U " KDR=99"), EPROTO);
	CHECK(all_zero(&c, sizeof(c)));

	return 0;
}


/* The suite mapping and key length fit what libre's SRTP expects:
 * protect with one context, unprotect with another from the same
 * decoded a=crypto line. */
static int test_srtp_interop(void)
{
	enum sdes_suite s;

	for (s = 0; s < SDES_SUITE_COUNT; s++) {
		struct srtp *tx = NULL, *rx = NULL;
		struct sdes_crypto c, d;
		struct mbuf *mb = NULL;
		char line[256];
		static const uint8_t rtp[] = {
			0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01,
			0xde, 0xad, 0xbe, 0xef, 'h', 'e', 'l', 'l', 'o'
		};
		int err;

		CHECK_EQ(sdes_generate(&c, 1, s), 0);
		re_snprintf(line, sizeof(line), "%H", sdes_encode, &c);
		CHECK_EQ(dec(&d, line), 0);

		err = srtp_alloc(&tx, sdes_srtp_suite(c.suite),
				 c.keys[0].keysalt, c.keys[0].keysalt_len, 0);
		err |= srtp_alloc(&rx, sdes_srtp_suite(d.suite),
				  d.keys[0].keysalt, d.keys[0].keysalt_len, 0);
		mb = mbuf_alloc(64);
		if (!err && mb) {
			err = mbuf_write_mem(mb, rtp, sizeof(rtp));
			mb->pos = 0;
			if (!err)
				err = srtp_encrypt(tx, mb);
			if (!err && mb->end != sizeof(rtp) +
			    sdes_auth_tag_len(s))
				err = EBADMSG;
			mb->pos = 0;
			if (!err)
				err = srtp_decrypt(rx, mb);
			if (!err && (mb->end != sizeof(rtp) ||
				     memcmp(mb->buf, rtp, sizeof(rtp))))
				err = EBADMSG;
		}
		mem_deref(mb);
		mem_deref(tx);
		mem_deref(rx);
		sdes_wipe(&c);
		sdes_wipe(&d);
		if (err) {
			fprintf(stderr, "srtp %s: %d\n", sdes_suite_name(s),
				err);
			return err;
		}
	}

	return 0;
}


TEST_MAIN("sdes",
	  CASE(test_rfc_example_6_1),
	  CASE(test_rfc_example_4_5),
	  CASE(test_rfc_example_7_1_5),
	  CASE(test_suites),
	  CASE(test_gcm),
	  CASE(test_lifetime),
	  CASE(test_mki),
	  CASE(test_multikey),
	  CASE(test_session_params),
	  CASE(test_reject),
	  CASE(test_bounds),
	  CASE(test_encode),
	  CASE(test_generate),
	  CASE(test_wipe),
	  CASE(test_srtp_interop))

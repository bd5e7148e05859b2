/**
 * @file test_mikey.c  MIKEY codec, PRFs, derivations and the three roles
 *
 * Known-answer values come from tests/tools/mikey_kat.py (Python's
 * hmac/hashlib and `openssl enc`), not from this code.
 */
#include <string.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"
#include "check.h"


static int hex2bin(uint8_t *out, size_t size, const char *hex)
{
	size_t n = strlen(hex) / 2, i;

	if (n > size)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}


#define CHECK_HEX(buf, len, hex) do {					\
		uint8_t _e[512];					\
		int _n = hex2bin(_e, sizeof(_e), hex);			\
		CHECK_EQ(_n, (int)(len));				\
		CHECK_MEM(buf, _e, len);				\
	} while (0)


/* ---- known answers (tests/tools/mikey_kat.py) ---- */
#include "test_mikey_kat.h"


static int test_prf_kat(void)
{
	uint8_t key[80], label[300], out[128];
	int kl, ll;

	kl = hex2bin(key, sizeof(key), KAT_PRF_KEY);
	ll = hex2bin(label, sizeof(label), KAT_PRF_LABEL);
	CHECK(kl > 0 && ll > 0);

	/* 80-byte inkey: three s_i blocks, XORed (RFC 3830 4.1.2) */
	CHECK_EQ(mikey_prf(MIKEY_PRF_MIKEY1, key, kl, label, ll, out, 50), 0);
	CHECK_HEX(out, 50, KAT_PRF1_OUT50);
	CHECK_EQ(mikey_prf(MIKEY_PRF_HMAC_SHA256, key, kl, label, ll, out,
			   70), 0);
	CHECK_HEX(out, 70, KAT_PRF256_OUT70);
	/* 16-byte inkey, one block */
	CHECK_EQ(mikey_prf(MIKEY_PRF_MIKEY1, key, 16, label, ll, out, 16), 0);
	CHECK_HEX(out, 16, KAT_PRF1_K16_OUT16);
	CHECK_EQ(mikey_prf(7, key, 16, label, ll, out, 16), ENOTSUP);
	return 0;
}


static int test_labels_kat(void)
{
	uint8_t key[32], r1[16], r2[16], id[64], tail[MIKEY_TAIL_MAX];
	uint8_t out[64];
	size_t tl;
	int idl;

	hex2bin(key, sizeof(key), KAT_TGK);
	hex2bin(r1, sizeof(r1), KAT_RAND_I);
	hex2bin(r2, sizeof(r2), KAT_RAND_R);
	idl = hex2bin(id, sizeof(id), KAT_ID_HEX);

	/* RFC 3830 4.1.3 TEK from TGK, MIKEY-1 */
	tl = mikey_tail_3830_tgk(tail, sizeof(tail), 1, 0x11223344, r1, 16);
	CHECK_EQ(tl, 1 + 4 + 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 32, MIKEY_C_TEK, tail, tl,
			   out, 16), 0);
	CHECK_HEX(out, 16, KAT_3830_TEK);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 32, MIKEY_C_SALT_T, tail,
			   tl, out, 14), 0);
	CHECK_HEX(out, 14, KAT_3830_SALT);

	/* RFC 3830 4.1.4 from a PSK */
	tl = mikey_tail_3830_psk(tail, sizeof(tail), 0x11223344, r1, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 32, MIKEY_C_AUTH, tail, tl,
			   out, 20), 0);
	CHECK_HEX(out, 20, KAT_3830_AUTH);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 32, MIKEY_C_ENCR, tail, tl,
			   out, 16), 0);
	CHECK_HEX(out, 16, KAT_3830_ENCR);

	/* RFC 6043 5.1.2 initial and response messages */
	tl = mikey_tail_msg(tail, sizeof(tail), 0x11223344, 1, r1, 16,
			    NULL, 0);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_AUTH,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_AUTH_INIT);
	tl = mikey_tail_msg(tail, sizeof(tail), 0x11223344, 2, r1, 16,
			    r2, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_AUTH,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_AUTH_RESP);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_SALT,
			   tail, tl, out, 14), 0);
	CHECK_HEX(out, 14, KAT_6043_SALT_RESP);

	/* RFC 6043 5.1.1 forking */
	tl = mikey_tail_fork(tail, sizeof(tail), id, idl, r2, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_MPKR_F,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_MPKR_F);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_TGK_F,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_TGK_F);

	/* RFC 6043 5.1.3 TEK */
	tl = mikey_tail_tek(tail, sizeof(tail), 2, r1, 16, r2, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_TEK, tail,
			   tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_TEK);

	/* RFC 6043 A.2.1 TPK, A.2.2 MPKi/MPKr, and the Vr key */
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x05, r1, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_ENCR,
			   tail, tl, out, 16), 0);
	CHECK_HEX(out, 16, KAT_6043_TPK_ENCR);
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x06, r1, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_MPKI,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_MPKI);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_MPKR,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_MPKR);
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x04, NULL, 0);
	CHECK_EQ(tl, 6);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_HMAC_SHA256, key, 32, MIKEY_C_AUTH,
			   tail, tl, out, 32), 0);
	CHECK_HEX(out, 32, KAT_6043_VR);
	return 0;
}


static int test_aes_cm_kat(void)
{
	uint8_t key[32], salt[14], pt[40], ct[40];

	hex2bin(key, sizeof(key), KAT_TGK);
	hex2bin(salt, sizeof(salt), KAT_CM_SALT);
	memset(pt, 0xa5, sizeof(pt));
	CHECK_EQ(mikey_aes_cm(MIKEY_ENCR_AES_CM_128, key, salt, 0x11223344,
			      KAT_CM_T, pt, ct, sizeof(ct)), 0);
	CHECK_HEX(ct, sizeof(ct), KAT_CM_CT);
	return 0;
}


/* RFC 6043 12.1: the two suites, each with its own known answers */
static int test_suite_kat(void)
{
	uint8_t key[32], r1[16], r2[16], salt[14], tail[MIKEY_TAIL_MAX];
	uint8_t msg[64], idi[64], idk[64], out[64], pt[40];
	const struct mikey_suite *s128, *s256;
	struct mikey_msgkeys mk;
	struct mikey_span v[3];
	int ml, il, kl;
	size_t tl;

	hex2bin(key, sizeof(key), KAT_TGK);
	hex2bin(r1, sizeof(r1), KAT_RAND_I);
	hex2bin(r2, sizeof(r2), KAT_RAND_R);
	ml = hex2bin(msg, sizeof(msg), KAT_MSG);
	il = hex2bin(idi, sizeof(idi), KAT_IDI);
	kl = hex2bin(idk, sizeof(idk), KAT_IDK);
	v[0] = (struct mikey_span){msg, (size_t)ml};
	v[1] = (struct mikey_span){idi, (size_t)il};
	v[2] = (struct mikey_span){idk, (size_t)kl};

	s128 = mikey_suite(MIKEY_PRF_MIKEY1);
	s256 = mikey_suite(MIKEY_PRF_HMAC_SHA256);
	CHECK(s128 && s256);
	CHECK(mikey_suite(2) == NULL);
	CHECK_EQ(s128->mac, MIKEY_MAC_HMAC_SHA1_160);
	CHECK_EQ(s128->encr, MIKEY_ENCR_AES_CM_128);
	CHECK_EQ(s128->key_len, 16);
	CHECK_EQ(s256->mac, MIKEY_MAC_HMAC_SHA256_256);
	CHECK_EQ(s256->encr, MIKEY_ENCR_AES_CM_256);
	CHECK_EQ(s256->key_len, 32);

	tl = mikey_tail_msg(tail, sizeof(tail), 0x11223344, 2, r1, 16,
			    r2, 16);

	/* 128-bit: MIKEY-1 from a 128-bit key, HMAC-SHA-1-160 V */
	CHECK_EQ(mikey_msgkeys_derive(&mk, s128->prf, s128->encr, s128->mac,
				      key, 16, tail, tl), 0);
	CHECK_EQ(mk.auth_len, 20);
	CHECK_EQ(mk.encr_len, 16);
	CHECK_HEX(mk.auth, 20, KAT_S128_AUTH);
	CHECK_HEX(mk.encr, 16, KAT_S128_ENCR);
	CHECK_HEX(mk.salt, 14, KAT_S128_SALT);
	CHECK_EQ(mikey_mac(s128->mac, mk.auth, mk.auth_len, v, 3, out), 0);
	CHECK_HEX(out, 20, KAT_S128_MAC);

	/* 256-bit: PRF-HMAC-SHA-256, HMAC-SHA-256-256, AES-CM-256 keys */
	CHECK_EQ(mikey_msgkeys_derive(&mk, s256->prf, s256->encr, s256->mac,
				      key, 32, tail, tl), 0);
	CHECK_EQ(mk.auth_len, 32);
	CHECK_EQ(mk.encr_len, 32);
	CHECK_HEX(mk.auth, 32, KAT_6043_AUTH_RESP);
	CHECK_HEX(mk.encr, 32, KAT_S256_ENCR);
	CHECK_HEX(mk.salt, 14, KAT_6043_SALT_RESP);
	CHECK_EQ(mikey_mac(s256->mac, mk.auth, mk.auth_len, v, 3, out), 0);
	CHECK_HEX(out, 32, KAT_S256_MAC);
	mikey_msgkeys_wipe(&mk);

	/* AES-CM-256 (RFC 6043 6.2): RFC 3830 4.2.3 with a 256-bit key */
	hex2bin(salt, sizeof(salt), KAT_CM_SALT);
	memset(pt, 0xa5, sizeof(pt));
	CHECK_EQ(mikey_aes_cm(MIKEY_ENCR_AES_CM_256, key, salt, 0x11223344,
			      KAT_CM_T, pt, out, sizeof(pt)), 0);
	CHECK_HEX(out, sizeof(pt), KAT_CM256_CT);

	/* 128-bit TEK and MPKi */
	tl = mikey_tail_tek(tail, sizeof(tail), 2, r1, 16, r2, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 16, MIKEY_C_TEK, tail, tl,
			   out, 16), 0);
	CHECK_HEX(out, 16, KAT_S128_TEK);
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x06, r1, 16);
	CHECK_EQ(mikey_kdf(MIKEY_PRF_MIKEY1, key, 16, MIKEY_C_MPKI, tail, tl,
			   out, 16), 0);
	CHECK_HEX(out, 16, KAT_S128_MPKI);
	return 0;
}


static int test_suite_check(void)
{
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	uint8_t merr = 0xff;

	CHECK(m);
	m->vc = 1;
	m->vv[0].alg = MIKEY_MAC_HMAC_SHA1_160;
	CHECK(mikey_suite_check(MIKEY_PRF_MIKEY1, m));
	CHECK(!mikey_suite_check(MIKEY_PRF_HMAC_SHA256, m));
	CHECK_EQ(mikey_suite_verify(MIKEY_PRF_HMAC_SHA256, m, &merr),
		 ENOTSUP);
	CHECK_EQ(merr, MIKEY_ERR_MAC);

	/* the case of issue 14: MIKEY-1 with HMAC-SHA-256-256 */
	m->vv[0].alg = MIKEY_MAC_HMAC_SHA256_256;
	CHECK(!mikey_suite_check(MIKEY_PRF_MIKEY1, m));
	CHECK(mikey_suite_check(MIKEY_PRF_HMAC_SHA256, m));

	/* a KEMAC of the other suite */
	m->has_kemac = true;
	m->kemac.encr = MIKEY_ENCR_AES_CM_128;
	CHECK(!mikey_suite_check(MIKEY_PRF_HMAC_SHA256, m));
	CHECK_EQ(mikey_suite_verify(MIKEY_PRF_HMAC_SHA256, m, &merr),
		 ENOTSUP);
	CHECK_EQ(merr, MIKEY_ERR_EA);
	m->kemac.encr = MIKEY_ENCR_AES_CM_256;
	CHECK(mikey_suite_check(MIKEY_PRF_HMAC_SHA256, m));

	/* Vi and Vr both count */
	m->vc = 2;
	m->vv[1].alg = MIKEY_MAC_HMAC_SHA1_160;
	CHECK(!mikey_suite_check(MIKEY_PRF_HMAC_SHA256, m));
	CHECK(!mikey_suite_check(9, m));
	mem_deref(m);
	return 0;
}


/* ---- codec ---- */

static int test_codec_roundtrip(void)
{
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	struct mikey_hdr *h = mem_zalloc(sizeof(*h), NULL);
	struct mbuf *mb = mbuf_alloc(256);
	struct mikey_enc e;
	uint8_t r[16] = {1, 2, 3};
	uint32_t ssrc, roc;
	uint16_t seq;
	size_t mo;
	int err = 0;

	CHECK(m && h && mb);
	h->version = 1;
	h->dt = MIKEY_DT_TRANSFER_INIT;
	h->prf = 1;
	h->v = true;
	h->csb_id = 0xdeadbeef;
	h->ncs = 2;
	h->map = MIKEY_MAP_GENERIC_ID;
	h->cs[0].id = 1;
	h->cs[0].np = 1;
	h->cs[0].pv[0] = 1;
	mikey_cs_srtp_set(&h->cs[0], 0x01020304, 5, 6, true);
	h->cs[1].id = 2;
	h->cs[1].prot = 241;
	h->cs[1].spi_len = 2;

	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC, 0x0102030405060708ull);
	err |= mikey_enc_rand(&e, MIKEY_RAND_I, r, sizeof(r));
	err |= mikey_enc_id(&e, MIKEY_ROLE_I, MIKEY_ID_URI,
			    (const uint8_t *)"sip:a@b", 7);
	err |= mikey_enc_sp(&e, 1, 0, (const uint8_t *)"\x00\x01\x01", 3);
	err |= mikey_enc_gext(&e, MIKEY_GEXT_SDP_IDS,
			      (const uint8_t *)"mikey", 5);
	err |= mikey_enc_err(&e, 3);
	err |= mikey_enc_v(&e, MIKEY_MAC_HMAC_SHA256_256, &mo);
	CHECK_EQ(err, 0);
	CHECK_EQ(mo + 32, mb->end);

	CHECK_EQ(mikey_decode(m, mb->buf, mb->end), 0);
	CHECK_EQ(m->hdr.dt, MIKEY_DT_TRANSFER_INIT);
	CHECK(m->hdr.v);
	CHECK_EQ(m->hdr.prf, 1);
	CHECK_EQ(m->hdr.csb_id, 0xdeadbeef);
	CHECK_EQ(m->hdr.ncs, 2);
	CHECK_EQ(mikey_cs_srtp_get(&m->hdr.cs[0], &ssrc, &roc, &seq), 0);
	CHECK_EQ(ssrc, 0x01020304);
	CHECK_EQ(roc, 5);
	CHECK_EQ(seq, 6);
	CHECK(m->hdr.cs[0].s);
	CHECK_EQ(m->hdr.cs[1].prot, 241);
	CHECK_EQ(m->hdr.cs[1].np, 0);
	CHECK_EQ(m->hdr.cs[1].spi_len, 2);
	CHECK(m->has_t);
	CHECK_EQ(m->t.ntp, 0x0102030405060708ull);
	CHECK_EQ(m->randc, 1);
	CHECK_EQ(m->idc, 1);
	CHECK_EQ(m->idv[0].type, MIKEY_ID_URI);
	CHECK_EQ(m->spc, 1);
	CHECK_EQ(m->gextc, 1);
	CHECK_EQ(m->errc, 1);
	CHECK_EQ(m->errv[0], 3);
	CHECK_EQ(m->vc, 1);
	CHECK_EQ(m->vv[0].mac_off, mo);

	/* every truncation fails, none reads past the end */
	for (size_t n = 0; n < mb->end; n++) {
		uint8_t *cp = mem_alloc(n ? n : 1, NULL);
		memcpy(cp, mb->buf, n);
		CHECK(mikey_decode(m, cp, n) != 0);
		mem_deref(cp);
	}
	/* a trailing byte is overlong */
	mbuf_write_u8(mb, 0);
	CHECK_EQ(mikey_decode(m, mb->buf, mb->end), EPROTO);
	/* bad version, bad map, payload after V */
	mb->end--;
	mb->buf[0] = 2;
	CHECK_EQ(mikey_decode(m, mb->buf, mb->end), ENOTSUP);
	mb->buf[0] = 1;
	mb->buf[9] = 7;
	CHECK_EQ(mikey_decode(m, mb->buf, mb->end), ENOTSUP);

	mem_deref(m);
	mem_deref(h);
	mem_deref(mb);
	return 0;
}


static int test_codec_keys(void)
{
	struct mikey_key k[3], d[MIKEY_KEYS_MAX];
	struct mbuf *mb = mbuf_alloc(128);
	size_t n;

	memset(k, 0, sizeof(k));
	k[0].type = MIKEY_KEY_MPK;
	k[0].kv = MIKEY_KV_SPI;
	k[0].key_len = 32;
	k[0].spi_len = 4;
	memset(k[0].key, 7, 32);
	k[1].type = MIKEY_KEY_TGK_SALT;
	k[1].key_len = 16;
	k[1].salt_len = 14;
	k[1].salt[13] = 9;
	k[2].type = MIKEY_KEY_TEK;
	k[2].key_len = 1;

	CHECK_EQ(mikey_keys_encode(mb, k, 3), 0);
	CHECK_EQ(mikey_keys_decode(d, MIKEY_KEYS_MAX, &n, mb->buf, mb->end),
		 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(d[0].type, MIKEY_KEY_MPK);
	CHECK_MEM(d[0].key, k[0].key, 32);
	CHECK_EQ(d[1].salt_len, 14);
	CHECK_EQ(d[1].salt[13], 9);
	CHECK_EQ(mikey_keys_decode(d, 2, &n, mb->buf, mb->end), ENOTSUP);
	CHECK_EQ(mikey_keys_decode(d, 8, &n, mb->buf, mb->end - 1), EPROTO);
	mb->buf[1] = 0x70;                  /* key type 7: unknown */
	CHECK_EQ(mikey_keys_decode(d, 8, &n, mb->buf, mb->end), EPROTO);
	mem_deref(mb);
	return 0;
}


static int test_id_match(void)
{
	const uint8_t *w = (const uint8_t *)"?@?";

	CHECK(mikey_id_match(w, 3, (const uint8_t *)"sip:a@b.c", 9));
	CHECK(!mikey_id_match(w, 3, (const uint8_t *)"nobody", 6));
	CHECK(mikey_id_match((const uint8_t *)"sip:?@ex.org", 12,
			     (const uint8_t *)"sip:bob@ex.org", 14));
	CHECK(!mikey_id_match((const uint8_t *)"sip:?@ex.org", 12,
			      (const uint8_t *)"sip:bob@ex.orgx", 15));
	CHECK(mikey_id_match((const uint8_t *)"a", 1, (const uint8_t *)"a",
			     1));
	CHECK_EQ(mikey_id_type("sip:a@b"), MIKEY_ID_URI);
	CHECK_EQ(mikey_id_type("alice"), MIKEY_ID_BYTES);
	CHECK_EQ(mikey_id_type("1x:y"), MIKEY_ID_BYTES);
	return 0;
}


static int test_replay(void)
{
	struct mikey_replay *rc;
	struct mikey_ts t;

	CHECK_EQ(mikey_replay_alloc(&rc, 300, 2), 0);
	CHECK_EQ(mikey_replay_add(rc, (const uint8_t *)"abc", 3, 1000), 0);
	CHECK_EQ(mikey_replay_add(rc, (const uint8_t *)"abc", 3, 1100),
		 EALREADY);
	CHECK_EQ(mikey_replay_add(rc, (const uint8_t *)"abd", 3, 1100), 0);
	CHECK_EQ(mikey_replay_add(rc, (const uint8_t *)"abe", 3, 1100),
		 ENOSPC);
	/* after two windows the entry is gone */
	CHECK_EQ(mikey_replay_add(rc, (const uint8_t *)"abc", 3, 1602), 0);
	mem_deref(rc);

	t.type = MIKEY_TS_NTP_UTC;
	t.ntp = mikey_ntp_from_unix(1700000000);
	CHECK_EQ(mikey_ntp_to_unix(t.ntp), 1700000000);
	CHECK_EQ(mikey_ts_check(&t, 1700000300, 300), 0);
	CHECK_EQ(mikey_ts_check(&t, 1700000301, 300), ETIMEDOUT);
	CHECK_EQ(mikey_ts_check(&t, 1699999699, 300), ETIMEDOUT);
	/* 2040 wraps the 32-bit seconds (RFC 4330 era 1) */
	t.ntp = mikey_ntp_from_unix(2208988800ull);
	CHECK_EQ(mikey_ntp_to_unix(t.ntp), 2208988800ull);
	return 0;
}


/* ---- the three roles in-process ---- */

static const uint8_t psk_alice[] = "alice-psk-0123456789abcdef";
static const uint8_t psk_focus[] = "focus-psk-0123456789abcdef";
static const uint8_t psk_mallory[] = "mallory-psk-0123456789abcde";
static const uint8_t tpk[32] = {0x42};

static const struct mikey_kms_user users[] = {
	{"sip:alice@example.org", psk_alice, sizeof(psk_alice) - 1},
	{"sip:focus@conf.example.org", psk_focus, sizeof(psk_focus) - 1},
	{"sip:mallory@example.org", psk_mallory, sizeof(psk_mallory) - 1},
};


static const struct mikey_kms_user *user_h(const uint8_t *id, size_t len,
					   void *arg)
{
	size_t i;
	(void)arg;

	for (i = 0; i < ARRAY_SIZE(users); i++) {
		if (strlen(users[i].uid) == len &&
		    !memcmp(users[i].uid, id, len))
			return &users[i];
	}
	return NULL;
}


struct flow {
	struct mikey_cfg cfg;            /* the initiator's */
	struct mikey_cfg rcfg;           /* the responder's */
	struct mikey_kms kms;
	struct mikey_replay *krc, *frc;
	struct mikey_init *mi;
	struct mikey_resp *mr;
	struct mbuf *ti;
	/* every other message of the last exchange, as sent */
	struct mbuf *req, *rresp, *ri, *rr, *tr;
};


static void flow_reset(struct flow *f)
{
	f->mi = mem_deref(f->mi);
	f->mr = mem_deref(f->mr);
	f->ti = mem_deref(f->ti);
	f->krc = mem_deref(f->krc);
	f->frc = mem_deref(f->frc);
	f->req = mem_deref(f->req);
	f->rresp = mem_deref(f->rresp);
	f->ri = mem_deref(f->ri);
	f->rr = mem_deref(f->rr);
	f->tr = mem_deref(f->tr);
}


/* Initiator in suite iprf, KMS and responder configured with kprf and
 * rprf: these last two must not matter (RFC 6043 12.1, issue 14) */
static int flow_setup_suites(struct flow *f, const char *responder,
			     uint8_t iprf, uint8_t kprf, uint8_t rprf)
{
	struct mikey_csdesc cs[3] = {
		{MIKEY_PROT_SRTP, true, 0x11111111}, {MIKEY_PROT_SRTP, false,
						      0}, {241, false, 0}};
	const char *rv[1] = {responder};
	uint8_t merr = 0xff;
	int err;

	memset(f, 0, sizeof(*f));
	mikey_cfg_default(&f->cfg);
	f->cfg.prf = iprf;
	mikey_cfg_default(&f->rcfg);
	f->rcfg.prf = rprf;
	err = mikey_replay_alloc(&f->krc, 300, 1000);
	err |= mikey_replay_alloc(&f->frc, 300, 1000);
	if (err)
		return err;
	mikey_cfg_default(&f->kms.cfg);
	f->kms.cfg.prf = kprf;
	f->kms.kms_id = "kms.example.org";
	f->kms.tpk = tpk;
	f->kms.tpk_len = sizeof(tpk);
	f->kms.max_lifetime = 3600;
	f->kms.userh = user_h;
	f->kms.rc = f->krc;

	err = mikey_init_alloc(&f->mi, &f->cfg, "sip:alice@example.org",
			       psk_alice, sizeof(psk_alice) - 1,
			       "kms.example.org");
	if (!err)
		err = mikey_init_request(f->mi, rv, 1, 600, &f->req);
	if (!err)
		err = mikey_kms_handle(&f->kms, f->req->buf, f->req->end,
				       &f->rresp);
	if (!err)
		err = mikey_init_request_resp(f->mi, f->rresp->buf,
					      f->rresp->end, &merr);
	if (!err)
		err = mikey_init_transfer(f->mi, "sip:conf@conf.example.org",
					  cs, 3, "mikey", &f->ti);
	return err;
}


static int flow_setup(struct flow *f, const char *responder)
{
	return flow_setup_suites(f, responder, MIKEY_PRF_HMAC_SHA256,
				 MIKEY_PRF_HMAC_SHA256,
				 MIKEY_PRF_HMAC_SHA256);
}


/* responder side: TRANSFER_INIT -> RESOLVE -> TRANSFER_RESP */
static int flow_resolve(struct flow *f, const char *me, const uint8_t *psk,
			size_t pl, const uint8_t *ti, size_t tl, uint8_t *merr,
			struct mbuf **trp)
{
	int err;

	f->mr = mem_deref(f->mr);
	f->ri = mem_deref(f->ri);
	f->rr = mem_deref(f->rr);
	err = mikey_resp_alloc(&f->mr, &f->rcfg, me, psk, pl, NULL, f->frc,
			       ti, tl, "mikey", merr);
	if (!err)
		err = mikey_resp_resolve_init(f->mr, &f->ri);
	if (!err && mikey_kms_handle(&f->kms, f->ri->buf, f->ri->end,
				     &f->rr) && !f->rr)
		err = EIO;
	if (!err)
		err = mikey_resp_resolve_resp(f->mr, f->rr->buf, f->rr->end,
					      merr);
	if (!err)
		err = mikey_resp_set_ssrc(f->mr, 2, 0x22222222);
	if (!err)
		err = mikey_resp_transfer_resp(f->mr, trp);
	return err;
}


/* One message in one suite: its HDR PRF, every V (and the KEMAC) of
 * it, and for a TICKET the Ticket Data (in the ticket's PRF) and the
 * Initiator Data's Vi and Vr. */
static int check_msg_suite(const struct mbuf *mb, uint8_t prf, uint8_t dt)
{
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	struct mikey_msg *td = mem_zalloc(sizeof(*td), NULL);

	CHECK(m && td && mb);
	CHECK_EQ(mikey_decode(m, mb->buf, mb->end), 0);
	CHECK_EQ(m->hdr.dt, dt);
	CHECK_EQ(m->hdr.prf, prf);
	CHECK(m->vc >= 1);
	CHECK_EQ(m->vv[0].alg, mikey_suite(prf)->mac);
	CHECK(mikey_suite_check(prf, m));
	if (m->has_kemac)
		CHECK_EQ(m->kemac.encr, mikey_suite(prf)->encr);
	if (m->has_tp && m->tp.ticket) {
		CHECK_EQ(m->tp.prf, prf);
		CHECK_EQ(mikey_decode_ticket_data(td, m->tp.ticket_data.p,
						  m->tp.ticket_data.l), 0);
		CHECK(mikey_suite_check(m->tp.prf, td));
		CHECK(td->has_kemac && td->vc == 1);
		if (m->tp.init_data.l) {
			CHECK_EQ(mikey_decode_chain(td, m->tp.init_data.p,
						    m->tp.init_data.l), 0);
			CHECK_EQ(td->vc, 2);
			CHECK(mikey_suite_check(prf, td));
		}
	}
	mem_deref(td);
	mem_deref(m);
	return 0;
}


/* Both roles and the KMS, in either suite, whatever the responder
 * and the KMS are configured with */
static int flow_suites(uint8_t iprf, uint8_t kprf, uint8_t rprf)
{
	const struct mikey_suite *su = mikey_suite(iprf);
	struct flow f;
	struct mbuf *tr = NULL;
	uint8_t merr = 0xff;
	size_t i;

	CHECK_EQ(flow_setup_suites(&f, "?@?", iprf, kprf, rprf), 0);
	CHECK_EQ(flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			      sizeof(psk_focus) - 1, f.ti->buf, f.ti->end,
			      &merr, &tr), 0);
	CHECK_EQ(mikey_init_transfer_resp(f.mi, tr->buf, tr->end, &merr), 0);

	/* one suite per message, every message (RFC 6043 12.1) */
	CHECK_EQ(check_msg_suite(f.req, iprf, MIKEY_DT_REQUEST_INIT_PSK), 0);
	CHECK_EQ(check_msg_suite(f.rresp, iprf, MIKEY_DT_REQUEST_RESP), 0);
	CHECK_EQ(check_msg_suite(f.ti, iprf, MIKEY_DT_TRANSFER_INIT), 0);
	CHECK_EQ(check_msg_suite(f.ri, iprf, MIKEY_DT_RESOLVE_INIT_PSK), 0);
	CHECK_EQ(check_msg_suite(f.rr, iprf, MIKEY_DT_RESOLVE_RESP), 0);
	CHECK_EQ(check_msg_suite(tr, iprf, MIKEY_DT_TRANSFER_RESP), 0);
	CHECK_EQ(mikey_resp_prf(f.mr), iprf);

	/* both ends hold the same keys, of the suite's length */
	CHECK_EQ(mikey_init_tek_count(f.mi), 3);
	CHECK_EQ(mikey_resp_tek_count(f.mr), 3);
	for (i = 0; i < 3; i++) {
		const struct mikey_tek *a = mikey_init_tek(f.mi, i);
		const struct mikey_tek *b = mikey_resp_tek(f.mr, i);

		CHECK_EQ(a->key_len, b->key_len);
		CHECK_MEM(a->key, b->key, a->key_len);
		CHECK_MEM(a->salt, b->salt, a->salt_len);
	}
	CHECK_EQ(mikey_init_tek(f.mi, 0)->key_len, 16);     /* SRTP SP */
	CHECK_EQ(mikey_init_tek(f.mi, 2)->key_len, su->key_len); /* TLS */

	mem_deref(tr);
	flow_reset(&f);
	return 0;
}


static int test_suite_128(void)
{
	/* a UE on RFC 3830's defaults, the focus and KMS on 256 bits */
	CHECK_EQ(flow_suites(MIKEY_PRF_MIKEY1, MIKEY_PRF_HMAC_SHA256,
			     MIKEY_PRF_HMAC_SHA256), 0);
	CHECK_EQ(flow_suites(MIKEY_PRF_MIKEY1, MIKEY_PRF_MIKEY1,
			     MIKEY_PRF_MIKEY1), 0);
	return 0;
}


static int test_suite_256(void)
{
	CHECK_EQ(flow_suites(MIKEY_PRF_HMAC_SHA256, MIKEY_PRF_HMAC_SHA256,
			     MIKEY_PRF_HMAC_SHA256), 0);
	CHECK_EQ(flow_suites(MIKEY_PRF_HMAC_SHA256, MIKEY_PRF_MIKEY1,
			     MIKEY_PRF_MIKEY1), 0);
	return 0;
}


static void set_prf(struct mbuf *mb, uint8_t prf)
{
	mb->buf[3] = (uint8_t)((mb->buf[3] & 0x80) | prf);
}


/* A mixed message (MIKEY-1 PRF, HMAC-SHA-256-256 V) is refused with
 * Invalid MAC by the KMS, the responder and the initiator alike */
static int test_suite_mixed_refused(void)
{
	struct flow f128, f256;
	struct mbuf *tr = NULL, *err = NULL;
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	struct mikey_resp *mr = NULL;
	uint8_t merr;

	CHECK(m);
	CHECK_EQ(flow_setup_suites(&f128, "?@?", MIKEY_PRF_MIKEY1,
				   MIKEY_PRF_MIKEY1, MIKEY_PRF_MIKEY1), 0);
	CHECK_EQ(flow_setup_suites(&f256, "?@?", MIKEY_PRF_HMAC_SHA256,
				   MIKEY_PRF_HMAC_SHA256,
				   MIKEY_PRF_HMAC_SHA256), 0);

	/* KMS: a REQUEST_INIT whose PRF says 128 bits, its V 256 */
	set_prf(f256.req, MIKEY_PRF_MIKEY1);
	CHECK_EQ(mikey_kms_handle(&f256.kms, f256.req->buf, f256.req->end,
				  &err), ENOTSUP);
	CHECK_EQ(mikey_decode(m, err->buf, err->end), 0);
	CHECK_EQ(m->hdr.dt, MIKEY_DT_ERROR);
	CHECK_EQ(m->errv[0], MIKEY_ERR_MAC);
	err = mem_deref(err);

	/* responder: such a TRANSFER_INIT, before the KMS is asked */
	set_prf(f256.ti, MIKEY_PRF_MIKEY1);
	merr = 0xff;
	CHECK_EQ(mikey_resp_alloc(&mr, &f256.rcfg, "sip:focus@conf.example.org",
				  psk_focus, sizeof(psk_focus) - 1, NULL,
				  NULL, f256.ti->buf, f256.ti->end, NULL,
				  &merr), ENOTSUP);
	CHECK_EQ(merr, MIKEY_ERR_MAC);
	set_prf(f256.ti, MIKEY_PRF_HMAC_SHA256);

	/* initiator (a strict UE): a TRANSFER_RESP with the PRF and CSB
	 * of its exchange but an HMAC-SHA-256-256 V, which is what the
	 * focus used to send a 128-bit UE */
	CHECK_EQ(flow_resolve(&f256, "sip:focus@conf.example.org",
			      psk_focus, sizeof(psk_focus) - 1, f256.ti->buf,
			      f256.ti->end, &merr, &tr), 0);
	set_prf(tr, MIKEY_PRF_MIKEY1);
	memcpy(tr->buf + 4, f128.ti->buf + 4, 4);          /* CSB ID */
	merr = 0xff;
	CHECK_EQ(mikey_init_transfer_resp(f128.mi, tr->buf, tr->end, &merr),
		 ENOTSUP);
	CHECK_EQ(merr, MIKEY_ERR_MAC);
	CHECK_EQ(mikey_init_tek_count(f128.mi), 0);

	mem_deref(tr);
	mem_deref(m);
	flow_reset(&f128);
	flow_reset(&f256);
	return 0;
}


static int test_flow_ok(void)
{
	struct flow f;
	struct mbuf *tr = NULL;
	uint8_t merr = 0xff;
	size_t i;
	int err;

	err = flow_setup(&f, "?@?");
	CHECK_EQ(err, 0);
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, f.ti->buf, f.ti->end, &merr,
			   &tr);
	CHECK_EQ(err, 0);
	CHECK_STR(mikey_resp_initiator_id(f.mr), "sip:alice@example.org");
	CHECK_EQ(mikey_init_transfer_resp(f.mi, tr->buf, tr->end, &merr), 0);
	CHECK_STR(mikey_init_peer_id(f.mi), "sip:focus@conf.example.org");

	CHECK_EQ(mikey_init_tek_count(f.mi), 3);
	CHECK_EQ(mikey_resp_tek_count(f.mr), 3);
	for (i = 0; i < 3; i++) {
		const struct mikey_tek *a = mikey_init_tek(f.mi, i);
		const struct mikey_tek *b = mikey_resp_tek(f.mr, i);

		CHECK_EQ(a->cs_id, i + 1);
		CHECK_EQ(a->key_len, b->key_len);
		CHECK_MEM(a->key, b->key, a->key_len);
		CHECK_EQ(a->salt_len, b->salt_len);
		CHECK_MEM(a->salt, b->salt, a->salt_len);
	}
	CHECK_EQ(mikey_init_tek(f.mi, 0)->key_len, 16);
	CHECK_EQ(mikey_init_tek(f.mi, 0)->salt_len, 14);
	CHECK_EQ(mikey_init_tek(f.mi, 0)->ssrc, 0x11111111);
	CHECK_EQ(mikey_init_tek(f.mi, 1)->ssrc, 0x22222222);
	CHECK_EQ(mikey_init_tek(f.mi, 2)->key_len, 32);   /* TLS: TGK */
	CHECK(memcmp(mikey_init_tek(f.mi, 0)->key,
		     mikey_init_tek(f.mi, 1)->key, 16));

	/* the same TRANSFER_INIT again: replay */
	mem_deref(tr);
	tr = NULL;
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, f.ti->buf, f.ti->end, &merr,
			   &tr);
	CHECK_EQ(err, EALREADY);
	CHECK_EQ(merr, MIKEY_ERR_TS);

	flow_reset(&f);
	return 0;
}


static int test_flow_unauthorized(void)
{
	struct flow f;
	struct mbuf *tr = NULL;
	uint8_t merr = 0xff;
	int err;

	/* the ticket names only the focus: mallory may not resolve it */
	CHECK_EQ(flow_setup(&f, "sip:focus@conf.example.org"), 0);
	err = flow_resolve(&f, "sip:mallory@example.org", psk_mallory,
			   sizeof(psk_mallory) - 1, f.ti->buf, f.ti->end,
			   &merr, &tr);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(merr, MIKEY_ERR_AUTH);

	/* a resolver with the wrong PSK */
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_mallory,
			   sizeof(psk_mallory) - 1, f.ti->buf, f.ti->end,
			   &merr, &tr);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(merr, MIKEY_ERR_AUTH);

	/* the named focus can */
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, f.ti->buf, f.ti->end,
			   &merr, &tr);
	CHECK_EQ(err, 0);
	mem_deref(tr);
	flow_reset(&f);
	return 0;
}


static int test_flow_tamper(void)
{
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	struct flow f;
	struct mbuf *tr = NULL;
	uint8_t merr, *cp;
	size_t off;
	int err;

	CHECK(m);
	CHECK_EQ(flow_setup(&f, "?@?"), 0);
	CHECK_EQ(mikey_decode(m, f.ti->buf, f.ti->end), 0);
	cp = mem_alloc(f.ti->end, NULL);

	/* a bit flipped inside the Ticket Data: the KMS refuses it */
	memcpy(cp, f.ti->buf, f.ti->end);
	off = (size_t)(m->tp.ticket_data.p - f.ti->buf) + 20;
	cp[off] ^= 1;
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, cp, f.ti->end, &merr, &tr);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(merr, MIKEY_ERR_AUTH);

	/* the TRANSFER_INIT MAC flipped: caught after the resolve */
	memcpy(cp, f.ti->buf, f.ti->end);
	cp[f.ti->end - 1] ^= 1;
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, cp, f.ti->end, &merr, &tr);
	CHECK_EQ(err, EACCES);

	/* a CS SSRC changed: the MAC no longer matches */
	memcpy(cp, f.ti->buf, f.ti->end);
	cp[MIKEY_HDR_LEN + 6] ^= 1;
	err = flow_resolve(&f, "sip:focus@conf.example.org", psk_focus,
			   sizeof(psk_focus) - 1, cp, f.ti->end, &merr, &tr);
	CHECK(err == EACCES);

	mem_deref(cp);
	mem_deref(m);
	flow_reset(&f);
	return 0;
}


static int test_flow_distinct(void)
{
	struct flow f1, f2;
	struct mbuf *t1 = NULL, *t2 = NULL;
	uint8_t merr;

	CHECK_EQ(flow_setup(&f1, "?@?"), 0);
	CHECK_EQ(flow_setup(&f2, "?@?"), 0);
	CHECK_EQ(flow_resolve(&f1, "sip:focus@conf.example.org", psk_focus,
			      sizeof(psk_focus) - 1, f1.ti->buf, f1.ti->end,
			      &merr, &t1), 0);
	CHECK_EQ(flow_resolve(&f2, "sip:focus@conf.example.org", psk_focus,
			      sizeof(psk_focus) - 1, f2.ti->buf, f2.ti->end,
			      &merr, &t2), 0);
	CHECK(memcmp(mikey_resp_tek(f1.mr, 0)->key,
		     mikey_resp_tek(f2.mr, 0)->key, 16));
	CHECK(memcmp(mikey_resp_tek(f1.mr, 2)->key,
		     mikey_resp_tek(f2.mr, 2)->key, 32));
	mem_deref(t1);
	mem_deref(t2);
	flow_reset(&f1);
	flow_reset(&f2);
	return 0;
}


static int test_kms_errors(void)
{
	struct flow f;
	struct mbuf *resp = NULL;
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	const uint8_t junk[] = {1, 11, 0, 0, 0, 0, 0, 1, 0, 1};

	CHECK(m);
	CHECK_EQ(flow_setup(&f, "?@?"), 0);
	/* a header alone: an Error message with the same CSB ID */
	CHECK(mikey_kms_handle(&f.kms, junk, sizeof(junk), &resp) != 0);
	CHECK(resp != NULL);
	CHECK_EQ(mikey_decode(m, resp->buf, resp->end), 0);
	CHECK_EQ(m->hdr.dt, MIKEY_DT_ERROR);
	CHECK_EQ(m->hdr.csb_id, 1);
	CHECK_EQ(m->errc, 1);
	mem_deref(resp);
	mem_deref(m);
	flow_reset(&f);
	return 0;
}


TEST_MAIN("mikey",
	  CASE(test_prf_kat),
	  CASE(test_labels_kat),
	  CASE(test_aes_cm_kat),
	  CASE(test_suite_kat),
	  CASE(test_suite_check),
	  CASE(test_codec_roundtrip),
	  CASE(test_codec_keys),
	  CASE(test_id_match),
	  CASE(test_replay),
	  CASE(test_flow_ok),
	  CASE(test_flow_unauthorized),
	  CASE(test_flow_tamper),
	  CASE(test_flow_distinct),
	  CASE(test_kms_errors),
	  CASE(test_suite_128),
	  CASE(test_suite_256),
	  CASE(test_suite_mixed_refused))

/**
 * @file test_bounds_mikey.c  MIKEY length fields and counts at their
 * limits (keying/mikey/mikey.h).
 *
 * MIKEY payloads have no common length: each variable field carries its
 * own length (RFC 3830 6.2 KEMAC, 6.7 ID, 6.10 SP, 6.11 RAND, 6.13 Key
 * data, 6.15 General Extension; RFC 6043 6.4 RANDR, 6.6 IDR, 6.10 TP,
 * 6.11 TICKET).  A chain must be consumed exactly, so a length one
 * under the bytes sent leaves a byte over (refused), exactly at is
 * accepted, and one over runs past the end (refused, EPROTO).  The
 * caps of what we keep (MIKEY_*_MAX) are accepted at the cap and
 * refused one over.  Messages are written byte by byte from the RFC
 * layouts, not with keying/mikey's encoder.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "tests/unit/check.h"


struct bb {
	uint8_t b[16384];
	size_t n;
};


static void u8(struct bb *bb, unsigned v)
{
	bb->b[bb->n++] = (uint8_t)v;
}


static void u16(struct bb *bb, unsigned v)
{
	u8(bb, v >> 8);
	u8(bb, v);
}


static void u32(struct bb *bb, uint32_t v)
{
	u16(bb, v >> 16);
	u16(bb, v & 0xffff);
}


static void fill(struct bb *bb, unsigned v, size_t n)
{
	memset(bb->b + bb->n, (int)v, n);
	bb->n += n;
}


/* HDR (RFC 3830 6.1) of a TRANSFER_INIT with the Empty map. */
static void hdr(struct bb *bb, unsigned next)
{
	bb->n = 0;
	u8(bb, MIKEY_VERSION);
	u8(bb, MIKEY_DT_TRANSFER_INIT);
	u8(bb, next);
	u8(bb, MIKEY_PRF_MIKEY1);
	u32(bb, 0x11223344);
	u8(bb, 0);                       /* #CS */
	u8(bb, MIKEY_MAP_EMPTY);
}


/* Decoded from a heap copy of exactly the message: under ASan a read
 * one byte past it is caught even where the decoder's final position
 * check would refuse the message anyway. */
static int dec(const struct bb *bb)
{
	static struct mikey_msg m;
	uint8_t *copy = malloc(bb->n);
	int err;

	if (!copy)
		return ENOMEM;
	memcpy(copy, bb->b, bb->n);
	err = mikey_decode(&m, copy, bb->n);
	free(copy);
	return err;
}


/* One payload, last in the message, whose length field says `len` for
 * `real` bytes of data. */
static int one(unsigned pt, size_t len, size_t real)
{
	static struct bb bb;

	hdr(&bb, pt);
	u8(&bb, MIKEY_PT_LAST);
	switch (pt) {

	case MIKEY_PT_RAND:
		u8(&bb, (unsigned)len);
		fill(&bb, 0x5a, real);
		break;

	case MIKEY_PT_RANDR:
		u8(&bb, MIKEY_RAND_I);
		u8(&bb, (unsigned)len);
		fill(&bb, 0x5a, real);
		break;

	case MIKEY_PT_ID:
		u8(&bb, MIKEY_ID_URI);
		u16(&bb, (unsigned)len);
		fill(&bb, 'a', real);
		break;

	case MIKEY_PT_IDR:
		u8(&bb, MIKEY_ROLE_I);
		u8(&bb, MIKEY_ID_URI);
		u16(&bb, (unsigned)len);
		fill(&bb, 'a', real);
		break;

	case MIKEY_PT_KEMAC:
		/* encrypted data of zeros, then MAC alg NULL (no MAC) */
		u8(&bb, MIKEY_ENCR_AES_CM_128);
		u16(&bb, (unsigned)len);
		fill(&bb, 0, real);
		u8(&bb, MIKEY_MAC_NULL);
		break;

	case MIKEY_PT_SP:
		u8(&bb, 0);                      /* policy no */
		u8(&bb, MIKEY_PROT_SRTP);
		u16(&bb, (unsigned)len);
		fill(&bb, 0, real);
		break;

	case MIKEY_PT_GENEXT:
		u8(&bb, MIKEY_GEXT_VENDOR);
		u16(&bb, (unsigned)len);
		fill(&bb, 0, real);
		break;

	case MIKEY_PT_CERT:
		u8(&bb, 0);
		u16(&bb, (unsigned)len);
		fill(&bb, 0, real);
		break;

	case MIKEY_PT_TP:
		u16(&bb, MIKEY_TICKET_BASE);
		u8(&bb, 1);                      /* subtype */
		u8(&bb, 1);                      /* version */
		u8(&bb, 0);
		u8(&bb, 0);
		u8(&bb, 0);
		u16(&bb, (unsigned)len);
		fill(&bb, 0, real);
		break;

	default:
		return EINVAL;
	}

	return dec(&bb);
}


static int test_payload_lengths(void)
{
	static const unsigned pts[] = {
		MIKEY_PT_RAND, MIKEY_PT_RANDR, MIKEY_PT_ID, MIKEY_PT_IDR,
		MIKEY_PT_KEMAC, MIKEY_PT_SP, MIKEY_PT_GENEXT, MIKEY_PT_CERT,
		MIKEY_PT_TP,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		const unsigned pt = pts[i];
		int err;

		/* 16 bytes sent: a length of 15 leaves one over, 17 runs
		 * one past the end */
		err = one(pt, 15, 16);
		if (err != EPROTO) {
			fprintf(stderr, "payload %u: one under: %d\n", pt,
				err);
			return EINVAL;
		}
		err = one(pt, 16, 16);
		if (err) {
			fprintf(stderr, "payload %u: at: %d\n", pt, err);
			return EINVAL;
		}
		err = one(pt, 17, 16);
		if (err != EPROTO) {
			fprintf(stderr, "payload %u: one over: %d\n", pt, err);
			return EINVAL;
		}
	}

	/* 8-bit RAND lengths at the top of their range */
	CHECK_EQ(one(MIKEY_PT_RAND, 254, 255), EPROTO);
	CHECK_EQ(one(MIKEY_PT_RAND, 255, 255), 0);
	/* a RAND carries at least one byte */
	CHECK_EQ(one(MIKEY_PT_RAND, 0, 0), EPROTO);
	CHECK_EQ(one(MIKEY_PT_RAND, 1, 1), 0);
	/* 16-bit lengths too */
	CHECK_EQ(one(MIKEY_PT_ID, 4095, 4096), EPROTO);
	CHECK_EQ(one(MIKEY_PT_ID, 4096, 4096), 0);
	CHECK_EQ(one(MIKEY_PT_ID, 4097, 4096), EPROTO);
	return 0;
}


/* The TICKET payload has three lengths in a row: TP data, Ticket Data,
 * Initiator Data (RFC 6043 6.11). */
static int ticket(size_t l1, size_t r1, size_t l2, size_t r2, size_t l3,
		  size_t r3)
{
	static struct bb bb;

	hdr(&bb, MIKEY_PT_TICKET);
	u8(&bb, MIKEY_PT_LAST);
	u16(&bb, MIKEY_TICKET_BASE);
	u8(&bb, 1);
	u8(&bb, 1);
	u8(&bb, 0);
	u8(&bb, 0);
	u8(&bb, 0);
	u16(&bb, (unsigned)l1);
	fill(&bb, 0, r1);
	u16(&bb, (unsigned)l2);
	fill(&bb, 0, r2);
	u16(&bb, (unsigned)l3);
	fill(&bb, 0, r3);
	return dec(&bb);
}


static int test_ticket_lengths(void)
{
	CHECK_EQ(ticket(4, 4, 8, 8, 2, 2), 0);
	/* the last length: under leaves a byte, over runs past the end */
	CHECK_EQ(ticket(4, 4, 8, 8, 1, 2), EPROTO);
	CHECK_EQ(ticket(4, 4, 8, 8, 3, 2), EPROTO);
	/* Initiator Data may be empty */
	CHECK_EQ(ticket(4, 4, 8, 8, 0, 0), 0);
	/* Ticket Data one over eats the Initiator Data length */
	CHECK_EQ(ticket(4, 4, 9, 8, 0, 0), EPROTO);
	return 0;
}


/* Key data sub-payloads (RFC 3830 6.13) as decrypted from a KEMAC. */
static void keydata(struct bb *bb, unsigned next, unsigned type,
		    unsigned kv, size_t klen, size_t slen, size_t spilen)
{
	u8(bb, next);
	u8(bb, type << 4 | kv);
	u16(bb, (unsigned)klen);
	fill(bb, 0x11, klen);
	if (type == MIKEY_KEY_TEK_SALT || type == MIKEY_KEY_TGK_SALT) {
		u16(bb, (unsigned)slen);
		fill(bb, 0x22, slen);
	}
	if (kv == MIKEY_KV_SPI) {
		u8(bb, (unsigned)spilen);
		fill(bb, 0x33, spilen);
	}
}


static int keys(unsigned type, unsigned kv, size_t klen, size_t slen,
		size_t spilen)
{
	static struct bb bb;
	struct mikey_key kv_out[MIKEY_KEYS_MAX];
	uint8_t *copy;
	size_t n = 0;
	int err;

	bb.n = 0;
	keydata(&bb, MIKEY_PT_LAST, type, kv, klen, slen, spilen);
	copy = malloc(bb.n);
	if (!copy)
		return ENOMEM;
	memcpy(copy, bb.b, bb.n);
	err = mikey_keys_decode(kv_out, ARRAY_SIZE(kv_out), &n, copy, bb.n);
	free(copy);
	if (!err && (n != 1 || kv_out[0].key_len != klen ||
		     kv_out[0].salt_len != (type == MIKEY_KEY_TEK_SALT ?
					    slen : 0) ||
		     kv_out[0].spi_len != (kv == MIKEY_KV_SPI ? spilen : 0)))
		err = EINVAL;
	mikey_keys_wipe(kv_out, ARRAY_SIZE(kv_out));
	return err;
}


static int test_key_data_caps(void)
{
	/* key length: 1..MIKEY_KEY_MAX kept, more is not supported */
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_NULL, 0, 0, 0), EPROTO);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_NULL, 1, 0, 0), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_NULL, MIKEY_KEY_MAX - 1, 0, 0),
		 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_NULL, MIKEY_KEY_MAX, 0, 0), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_NULL, MIKEY_KEY_MAX + 1, 0, 0),
		 ENOTSUP);

	/* salt */
	CHECK_EQ(keys(MIKEY_KEY_TEK_SALT, MIKEY_KV_NULL, 16,
		      MIKEY_SALT_MAX - 1, 0), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK_SALT, MIKEY_KV_NULL, 16,
		      MIKEY_SALT_MAX, 0), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK_SALT, MIKEY_KV_NULL, 16,
		      MIKEY_SALT_MAX + 1, 0), ENOTSUP);

	/* SPI */
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_SPI, 16, 0,
		      MIKEY_SPI_MAX - 1), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_SPI, 16, 0, MIKEY_SPI_MAX), 0);
	CHECK_EQ(keys(MIKEY_KEY_TEK, MIKEY_KV_SPI, 16, 0,
		      MIKEY_SPI_MAX + 1), ENOTSUP);
	return 0;
}


static int test_key_data_count(void)
{
	static struct bb bb;
	struct mikey_key kv[MIKEY_KEYS_MAX];
	size_t n = 0, i, c;

	for (c = MIKEY_KEYS_MAX - 1; c <= MIKEY_KEYS_MAX + 1; c++) {
		int err;

		bb.n = 0;
		for (i = 0; i < c; i++)
			keydata(&bb, i + 1 < c ? MIKEY_PT_KEYDATA :
				MIKEY_PT_LAST, MIKEY_KEY_TEK, MIKEY_KV_NULL,
				16, 0, 0);
		err = mikey_keys_decode(kv, MIKEY_KEYS_MAX, &n, bb.b, bb.n);
		if (c <= MIKEY_KEYS_MAX) {
			CHECK_EQ(err, 0);
			CHECK_EQ(n, c);
		}
		else {
			CHECK_EQ(err, ENOTSUP);
		}
		mikey_keys_wipe(kv, MIKEY_KEYS_MAX);
	}

	/* the sub-payload's key length against the bytes decrypted */
	bb.n = 0;
	keydata(&bb, MIKEY_PT_LAST, MIKEY_KEY_TEK, MIKEY_KV_NULL, 16, 0, 0);
	CHECK_EQ(mikey_keys_decode(kv, MIKEY_KEYS_MAX, &n, bb.b, bb.n - 1),
		 EPROTO);
	bb.b[bb.n++] = 0;
	CHECK_EQ(mikey_keys_decode(kv, MIKEY_KEYS_MAX, &n, bb.b, bb.n),
		 EPROTO);
	mikey_keys_wipe(kv, MIKEY_KEYS_MAX);
	return 0;
}


/* HDR with a GENERIC-ID map of ncs crypto sessions, each with np
 * policies, sd_len bytes of session data and spi_len of SPI. */
static int map(size_t ncs, size_t np, size_t sd_len, size_t spi_len)
{
	static struct bb bb;
	size_t i;

	bb.n = 0;
	u8(&bb, MIKEY_VERSION);
	u8(&bb, MIKEY_DT_TRANSFER_INIT);
	u8(&bb, MIKEY_PT_LAST);
	u8(&bb, 0);
	u32(&bb, 1);
	u8(&bb, (unsigned)ncs);
	u8(&bb, MIKEY_MAP_GENERIC_ID);
	for (i = 0; i < ncs; i++) {
		u8(&bb, (unsigned)i + 1);        /* CS ID */
		u8(&bb, MIKEY_PROT_SRTP);
		u8(&bb, (unsigned)np);           /* S = 0, #P */
		fill(&bb, 0, np);
		u16(&bb, (unsigned)sd_len);
		fill(&bb, 0, sd_len);
		u8(&bb, (unsigned)spi_len);
		fill(&bb, 0, spi_len);
	}
	return dec(&bb);
}


/* SRTP-ID map of ncs crypto sessions (RFC 3830 6.1.1). */
static int srtp_map(size_t ncs)
{
	static struct bb bb;
	size_t i;

	bb.n = 0;
	u8(&bb, MIKEY_VERSION);
	u8(&bb, MIKEY_DT_PSK_INIT);
	u8(&bb, MIKEY_PT_LAST);
	u8(&bb, 0);
	u32(&bb, 1);
	u8(&bb, (unsigned)ncs);
	u8(&bb, MIKEY_MAP_SRTP_ID);
	for (i = 0; i < ncs; i++) {
		u8(&bb, 0);
		u32(&bb, (uint32_t)i);
		u32(&bb, 0);
	}
	return dec(&bb);
}


static int test_map_caps(void)
{
	CHECK_EQ(map(MIKEY_CS_MAX - 1, 1, 4, 0), 0);
	CHECK_EQ(map(MIKEY_CS_MAX, 1, 4, 0), 0);
	CHECK_EQ(map(MIKEY_CS_MAX + 1, 1, 4, 0), ENOTSUP);
	CHECK_EQ(srtp_map(MIKEY_CS_MAX), 0);
	CHECK_EQ(srtp_map(MIKEY_CS_MAX + 1), ENOTSUP);

	CHECK_EQ(map(1, MIKEY_P_MAX - 1, 4, 0), 0);
	CHECK_EQ(map(1, MIKEY_P_MAX, 4, 0), 0);
	CHECK_EQ(map(1, MIKEY_P_MAX + 1, 4, 0), ENOTSUP);

	CHECK_EQ(map(1, 1, MIKEY_SD_MAX - 1, 0), 0);
	CHECK_EQ(map(1, 1, MIKEY_SD_MAX, 0), 0);
	CHECK_EQ(map(1, 1, MIKEY_SD_MAX + 1, 0), ENOTSUP);

	CHECK_EQ(map(1, 1, 4, MIKEY_SPI_MAX - 1), 0);
	CHECK_EQ(map(1, 1, 4, MIKEY_SPI_MAX), 0);
	CHECK_EQ(map(1, 1, 4, MIKEY_SPI_MAX + 1), ENOTSUP);
	return 0;
}


/* count payloads of one kind in a row */
static int many(unsigned pt, size_t count)
{
	static struct bb bb;
	size_t i;

	hdr(&bb, pt);
	for (i = 0; i < count; i++) {
		u8(&bb, i + 1 < count ? pt : MIKEY_PT_LAST);
		switch (pt) {

		case MIKEY_PT_IDR:
			u8(&bb, MIKEY_ROLE_I);
			u8(&bb, MIKEY_ID_BYTES);
			u16(&bb, 1);
			u8(&bb, 'a');
			break;

		case MIKEY_PT_RAND:
			u8(&bb, 1);
			u8(&bb, 0x5a);
			break;

		case MIKEY_PT_SP:
			u8(&bb, (unsigned)i);
			u8(&bb, MIKEY_PROT_SRTP);
			u16(&bb, 0);
			break;

		case MIKEY_PT_TR:
			u8(&bb, MIKEY_TR_I);
			u8(&bb, MIKEY_TS_NTP_UTC);
			u32(&bb, 1);
			u32(&bb, 2);
			break;

		case MIKEY_PT_GENEXT:
			u8(&bb, MIKEY_GEXT_VENDOR);
			u16(&bb, 0);
			break;

		case MIKEY_PT_ERR:
			u8(&bb, MIKEY_ERR_UNSPEC);
			u16(&bb, 0);
			break;
		}
	}
	return dec(&bb);
}


static int test_payload_counts(void)
{
	static const struct {
		unsigned pt;
		size_t max;
	} c[] = {
		{MIKEY_PT_IDR,    MIKEY_ID_MAX},
		{MIKEY_PT_RAND,   MIKEY_RAND_MAXN},
		{MIKEY_PT_SP,     MIKEY_SP_MAXN},
		{MIKEY_PT_TR,     MIKEY_TR_MAX},
		{MIKEY_PT_GENEXT, MIKEY_GEXT_MAX},
		/* Error payloads are not kept beyond MIKEY_ERR_MAXN, but
		 * the chain itself stops at 128 payloads */
		{MIKEY_PT_ERR,    128},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		int e0 = many(c[i].pt, c[i].max - 1);
		int e1 = many(c[i].pt, c[i].max);
		int e2 = many(c[i].pt, c[i].max + 1);

		if (e0 || e1 || e2 != EPROTO) {
			fprintf(stderr, "payload %u x %zu/%zu/%zu: %d %d %d\n",
				c[i].pt, c[i].max - 1, c[i].max,
				c[i].max + 1, e0, e1, e2);
			return EINVAL;
		}
	}
	return 0;
}


/* Timestamps: 8 bytes for NTP forms, 4 for COUNTER and NTP-UTC-32. */
static int ts(unsigned type, size_t real)
{
	static struct bb bb;

	hdr(&bb, MIKEY_PT_T);
	u8(&bb, MIKEY_PT_LAST);
	u8(&bb, type);
	fill(&bb, 1, real);
	return dec(&bb);
}


static int test_timestamp_lengths(void)
{
	CHECK_EQ(ts(MIKEY_TS_NTP_UTC, 7), EPROTO);
	CHECK_EQ(ts(MIKEY_TS_NTP_UTC, 8), 0);
	CHECK_EQ(ts(MIKEY_TS_NTP_UTC, 9), EPROTO);
	CHECK_EQ(ts(MIKEY_TS_COUNTER, 3), EPROTO);
	CHECK_EQ(ts(MIKEY_TS_COUNTER, 4), 0);
	CHECK_EQ(ts(MIKEY_TS_COUNTER, 5), EPROTO);
	return 0;
}


/* The header alone: MIKEY_HDR_LEN bytes with the Empty map. */
static int test_header_length(void)
{
	static struct bb bb;
	static struct mikey_msg m;

	hdr(&bb, MIKEY_PT_LAST);
	CHECK_EQ(bb.n, MIKEY_HDR_LEN);
	CHECK_EQ(mikey_decode(&m, bb.b, bb.n - 1), EPROTO);
	CHECK_EQ(mikey_decode(&m, bb.b, bb.n), 0);
	bb.b[bb.n++] = 0;
	CHECK_EQ(mikey_decode(&m, bb.b, bb.n), EPROTO);
	return 0;
}


/* SRTP policy parameters (RFC 3830 6.10.1): type, length, value. */
static int test_srtp_policy_lengths(void)
{
	struct mikey_srtp_pol pol;
	uint8_t p[8] = {1, 1, 32, 4, 1, 14};
	struct mikey_bytes b = {p, 3};

	/* key length 32 (AES-256), salt length 14 */
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), 0);
	CHECK_EQ(pol.encr_len, 32);
	b.l = 2;                    /* length says 1, no value */
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), EPROTO);
	b.l = 4;                    /* a second parameter's type alone */
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), EPROTO);
	b.l = 6;
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), 0);
	CHECK_EQ(pol.salt_len, 14);

	/* the key and salt lengths we can hold */
	p[2] = MIKEY_KEY_MAX;
	b.l = 3;
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), 0);
	p[2] = MIKEY_KEY_MAX + 1;
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), ENOTSUP);
	p[2] = 16;
	p[5] = MIKEY_SALT_MAX;
	b.l = 6;
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), 0);
	p[5] = MIKEY_SALT_MAX + 1;
	CHECK_EQ(mikey_srtp_pol_decode(&pol, &b), ENOTSUP);
	return 0;
}


TEST_MAIN("bounds_mikey",
	  CASE(test_header_length),
	  CASE(test_payload_lengths),
	  CASE(test_ticket_lengths),
	  CASE(test_timestamp_lengths),
	  CASE(test_key_data_caps),
	  CASE(test_key_data_count),
	  CASE(test_map_caps),
	  CASE(test_payload_counts),
	  CASE(test_srtp_policy_lengths))

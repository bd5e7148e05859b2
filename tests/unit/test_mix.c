/**
 * @file test_mix.c  Mixing arithmetic and G.711
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "check.h"


static int test_sat16(void)
{
	CHECK_EQ(media_mix_sat16(0), 0);
	CHECK_EQ(media_mix_sat16(32767), 32767);
	CHECK_EQ(media_mix_sat16(32768), 32767);
	CHECK_EQ(media_mix_sat16(1000000), 32767);
	CHECK_EQ(media_mix_sat16(-32768), -32768);
	CHECK_EQ(media_mix_sat16(-32769), -32768);
	CHECK_EQ(media_mix_sat16(-1000000), -32768);
	CHECK_EQ(media_mix_sat16(INT32_MAX), 32767);
	CHECK_EQ(media_mix_sat16(INT32_MIN), -32768);
	return 0;
}


static int test_sum_and_minus(void)
{
	int16_t a[4] = {100, -200, 300, 0};
	int16_t b[4] = {10, 20, -30, 0};
	int16_t c[4] = {1, 2, 3, 4};
	int32_t sum[4] = {0};
	int16_t out[4];

	media_mix_acc(sum, a, 4);
	media_mix_acc(sum, b, 4);
	media_mix_acc(sum, c, 4);
	CHECK_EQ(sum[0], 111);
	CHECK_EQ(sum[1], -178);
	CHECK_EQ(sum[2], 273);
	CHECK_EQ(sum[3], 4);

	/* each hears the others, never itself */
	media_mix_minus(out, sum, a, 4);
	CHECK_EQ(out[0], 11);
	CHECK_EQ(out[1], 22);
	CHECK_EQ(out[2], -27);
	CHECK_EQ(out[3], 4);

	media_mix_minus(out, sum, c, 4);
	CHECK_EQ(out[0], 110);
	CHECK_EQ(out[1], -180);
	CHECK_EQ(out[2], 270);
	CHECK_EQ(out[3], 0);

	/* a listener that contributed nothing hears everybody */
	media_mix_minus(out, sum, NULL, 4);
	CHECK_EQ(out[0], 111);
	CHECK_EQ(out[3], 4);

	return 0;
}


static int test_saturation(void)
{
	int16_t hi[3] = {32767, 32767, -32768};
	int16_t lo[3] = {-32768, -32768, -32768};
	int16_t one[3] = {1, -1, 0};
	int32_t sum[3] = {0};
	int16_t out[3];
	int i;

	/* 100 loud talkers: int32 never wraps, output clips */
	for (i = 0; i < 100; i++)
		media_mix_acc(sum, hi, 3);
	media_mix_minus(out, sum, hi, 3);
	CHECK_EQ(out[0], 32767);
	CHECK_EQ(out[1], 32767);
	CHECK_EQ(out[2], -32768);

	memset(sum, 0, sizeof(sum));
	media_mix_acc(sum, hi, 3);
	media_mix_acc(sum, one, 3);
	media_mix_minus(out, sum, NULL, 3);
	CHECK_EQ(out[0], 32767);       /* 32768 clips */
	CHECK_EQ(out[1], 32766);
	CHECK_EQ(out[2], -32768);

	memset(sum, 0, sizeof(sum));
	media_mix_acc(sum, lo, 3);
	media_mix_acc(sum, one, 3);
	media_mix_minus(out, sum, NULL, 3);
	CHECK_EQ(out[0], -32767);
	CHECK_EQ(out[1], -32768);      /* -32769 clips */
	CHECK_EQ(out[2], -32768);

	/* exact edges survive mix-minus */
	memset(sum, 0, sizeof(sum));
	media_mix_acc(sum, hi, 3);
	media_mix_acc(sum, lo, 3);
	media_mix_minus(out, sum, lo, 3);
	CHECK_EQ(out[0], 32767);
	CHECK_EQ(out[2], -32768);

	return 0;
}


/* A voice left out of the sum (audio_set_mixed(false)) is heard by
 * nobody, and that listener still hears everyone else. */
static int test_exclusion(void)
{
	int16_t a[2] = {1000, 1000}, b[2] = {200, 200}, c[2] = {30, 30};
	int32_t sum[2] = {0};
	int16_t out[2];

	media_mix_acc(sum, a, 2);
	media_mix_acc(sum, b, 2);
	/* c is muted: not accumulated, and has no own to subtract */

	media_mix_minus(out, sum, a, 2);
	CHECK_EQ(out[0], 200);
	media_mix_minus(out, sum, b, 2);
	CHECK_EQ(out[0], 1000);
	media_mix_minus(out, sum, NULL, 2);
	CHECK_EQ(out[0], 1200);
	(void)c;

	return 0;
}


static int roundtrip(enum audio_codec codec)
{
	static const int16_t v[] = {0, 1, -1, 100, -100, 1000, -1000, 8000,
				    -8000, 20000, -20000, 32767, -32767,
				    -32768};
	int16_t back[sizeof(v) / sizeof(v[0])];
	uint8_t enc[sizeof(v) / sizeof(v[0])];
	size_t i, n = sizeof(v) / sizeof(v[0]);

	media_mix_encode(enc, v, n, codec);
	media_mix_decode(back, enc, n, codec);

	for (i = 0; i < n; i++) {
		const int err = abs(back[i] - v[i]);
		/* G.711 keeps ~4 bits of mantissa: error within 1/16 of
		 * the magnitude (plus the quantum near zero) */
		if (err > abs(v[i]) / 16 + 16) {
			fprintf(stderr, "codec %d: %d -> %d\n",
				codec, v[i], back[i]);
			return EINVAL;
		}
		/* the sign survives (zero may come back as +-tiny) */
		if (abs(v[i]) > 16)
			CHECK((back[i] > 0) == (v[i] > 0));
	}

	/* every code word decodes and re-encodes to itself, except the
	 * ulaw negative zero */
	for (i = 0; i < 256; i++) {
		const uint8_t cw = (uint8_t)i;
		int16_t s;
		uint8_t e;

		media_mix_decode(&s, &cw, 1, codec);
		media_mix_encode(&e, &s, 1, codec);
		if (codec == AUDIO_PCMU && i == 0x7f)
			continue;
		CHECK_EQ(e, i);
	}

	return 0;
}


static int test_g711(void)
{
	int16_t full[AUDIO_FRAME];
	int32_t sum[AUDIO_FRAME];
	uint8_t a[AUDIO_FRAME], b[AUDIO_FRAME];
	size_t i;
	int err;

	err = roundtrip(AUDIO_PCMU);
	if (err)
		return err;
	err = roundtrip(AUDIO_PCMA);
	if (err)
		return err;

	/* the fused mix-minus encoder equals minus + encode */
	for (i = 0; i < AUDIO_FRAME; i++) {
		sum[i] = (int32_t)(i * 997 % 90000) - 45000;
		full[i] = (int16_t)(i * 31 - 2000);
	}
	media_mix_minus_encode(a, sum, full, AUDIO_FRAME, AUDIO_PCMA);
	{
		int16_t tmp[AUDIO_FRAME];
		media_mix_minus(tmp, sum, full, AUDIO_FRAME);
		media_mix_encode(b, tmp, AUDIO_FRAME, AUDIO_PCMA);
	}
	CHECK_MEM(a, b, AUDIO_FRAME);

	/* silence is the codec's zero */
	memset(sum, 0, sizeof(sum));
	media_mix_minus_encode(a, sum, NULL, 1, AUDIO_PCMU);
	CHECK_EQ(a[0], 0xff);
	media_mix_minus_encode(a, sum, NULL, 1, AUDIO_PCMA);
	CHECK_EQ(a[0], 0xd5);

	return 0;
}


TEST_MAIN("mix",
	  CASE(test_sat16),
	  CASE(test_sum_and_minus),
	  CASE(test_saturation),
	  CASE(test_exclusion),
	  CASE(test_g711))

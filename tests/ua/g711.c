/**
 * @file g711.c  G.711 mu-law (ITU-T G.711, the usual segment/bias form)
 *               and precomputed tone frames for the test UA.
 */
#include <string.h>
#include <math.h>
#include <re.h>
#include "tests/ua/ua.h"


enum { ULAW_BIAS = 0x84, ULAW_CLIP = 32635 };


uint8_t ua_ulaw_enc(int16_t pcm)
{
	int s = pcm, sign = 0, exp, mant;

	if (s < 0) {
		s = -s;
		sign = 0x80;
	}
	if (s > ULAW_CLIP)
		s = ULAW_CLIP;
	s += ULAW_BIAS;

	/* exponent = position of the highest set bit above bit 7 */
	for (exp = 7; exp > 0 && !(s & (0x80 << exp)); exp--)
		;
	mant = (s >> (exp + 3)) & 0x0f;

	return (uint8_t)~(sign | (exp << 4) | mant);
}


int16_t ua_ulaw_dec(uint8_t u)
{
	int exp, mant, s;

	u = (uint8_t)~u;
	exp = (u >> 4) & 0x07;
	mant = u & 0x0f;
	s = (((mant << 3) + ULAW_BIAS) << exp) - ULAW_BIAS;

	return (int16_t)((u & 0x80) ? -s : s);
}


struct ua_tone {
	uint8_t pcmu[TONE_LEN + FRAME_SAMPLES];
};


int ua_tone_alloc(struct ua_tone **tp, unsigned hz, int amplitude)
{
	struct ua_tone *t;

	if (!tp || hz >= 4000)
		return EINVAL;

	t = mem_alloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;

	for (size_t i = 0; i < TONE_LEN; i++) {
		double v = hz ? amplitude * sin(2.0 * M_PI * hz * (double)i /
						 8000.0) : 0.0;
		t->pcmu[i] = ua_ulaw_enc((int16_t)lrint(v));
	}
	/* A frame never needs to wrap: 8000 is a multiple of 160. */
	memcpy(t->pcmu + TONE_LEN, t->pcmu, FRAME_SAMPLES);

	*tp = t;
	return 0;
}


const uint8_t *ua_tone_frame(const struct ua_tone *t, uint32_t n)
{
	return t->pcmu + ((uint64_t)n * FRAME_SAMPLES) % TONE_LEN;
}

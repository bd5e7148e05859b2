/**
 * @file mix.c  Mixing arithmetic and G.711 framing
 *
 * The conference sum is kept in int32 so that N voices never wrap; each
 * listener gets sat16(sum - own), i.e. everybody but itself, clipped.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"


/*
 * librem's encoders negate their input: -32768 has no positive int16
 * counterpart, so ulaw would encode it as (almost) zero and alaw would
 * index its table out of bounds.  Nudge it by one LSB, inaudible.
 */
static inline int16_t g711_safe(int16_t s)
{
	return s == INT16_MIN ? -INT16_MAX : s;
}


static inline uint8_t enc1(int16_t s, enum audio_codec codec)
{
	s = g711_safe(s);
	return codec == AUDIO_PCMA ? g711_pcm2alaw(s) : g711_pcm2ulaw(s);
}


void media_mix_acc(int32_t *sum, const int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum[i] += pcm[i];
}


/* own may be NULL: the listener contributed nothing this tick. */
void media_mix_minus(int16_t *out, const int32_t *sum, const int16_t *own,
		     size_t n)
{
	size_t i;

	if (own) {
		for (i = 0; i < n; i++)
			out[i] = media_mix_sat16(sum[i] - own[i]);
	}
	else {
		for (i = 0; i < n; i++)
			out[i] = media_mix_sat16(sum[i]);
	}
}


void media_mix_minus_encode(uint8_t *out, const int32_t *sum,
			    const int16_t *own, size_t n,
			    enum audio_codec codec)
{
	size_t i;

	if (codec == AUDIO_PCMA) {
		for (i = 0; i < n; i++) {
			int32_t v = own ? sum[i] - own[i] : sum[i];
			out[i] = g711_pcm2alaw(g711_safe(media_mix_sat16(v)));
		}
	}
	else {
		for (i = 0; i < n; i++) {
			int32_t v = own ? sum[i] - own[i] : sum[i];
			out[i] = g711_pcm2ulaw(g711_safe(media_mix_sat16(v)));
		}
	}
}


void media_mix_encode(uint8_t *out, const int16_t *pcm, size_t n,
		      enum audio_codec codec)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = enc1(pcm[i], codec);
}


void media_mix_decode(int16_t *pcm, const uint8_t *in, size_t n,
		      enum audio_codec codec)
{
	const int16_t *tab = codec == AUDIO_PCMA ? g711_A2l : g711_u2l;
	size_t i;

	for (i = 0; i < n; i++)
		pcm[i] = tab[in[i]];
}

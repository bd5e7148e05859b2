/**
 * @file mix_int.h  Mixing arithmetic and G.711 framing (pure code)
 *
 * Include after re.h, rem.h and media/media.h.
 */

/* Clip a mixed sample into int16 range. */
static inline int16_t media_mix_sat16(int32_t v)
{
	if (v > INT16_MAX)
		return INT16_MAX;
	if (v < INT16_MIN)
		return INT16_MIN;
	return (int16_t)v;
}

void media_mix_acc(int32_t *sum, const int16_t *pcm, size_t n);
void media_mix_minus(int16_t *out, const int32_t *sum, const int16_t *own,
		     size_t n);
void media_mix_minus_encode(uint8_t *out, const int32_t *sum,
			    const int16_t *own, size_t n,
			    enum audio_codec codec);
void media_mix_encode(uint8_t *out, const int16_t *pcm, size_t n,
		      enum audio_codec codec);
void media_mix_decode(int16_t *pcm, const uint8_t *in, size_t n,
		      enum audio_codec codec);

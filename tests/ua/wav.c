/**
 * @file wav.c  Records what the UA hears: WAV, 8 kHz 16-bit mono.
 *
 * Samples are placed by RTP timestamp, so a lost packet leaves silence
 * of the right length instead of shortening the recording.  The header
 * sizes are patched on close (a killed UA leaves a file whose data size
 * is 0, which wav readers that trust the file length still read).
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "tests/ua/ua.h"


struct ua_wav {
	FILE *f;
	uint64_t nsamp;
};


static void put16(FILE *f, uint16_t v)
{
	fputc(v & 0xff, f);
	fputc(v >> 8, f);
}


static void put32(FILE *f, uint32_t v)
{
	put16(f, (uint16_t)(v & 0xffff));
	put16(f, (uint16_t)(v >> 16));
}


static void header(struct ua_wav *w)
{
	uint32_t data = (uint32_t)(w->nsamp * 2);

	rewind(w->f);
	fwrite("RIFF", 1, 4, w->f);
	put32(w->f, 36 + data);
	fwrite("WAVEfmt ", 1, 8, w->f);
	put32(w->f, 16);
	put16(w->f, 1);          /* PCM */
	put16(w->f, 1);          /* mono */
	put32(w->f, 8000);
	put32(w->f, 16000);      /* byte rate */
	put16(w->f, 2);          /* block align */
	put16(w->f, 16);
	fwrite("data", 1, 4, w->f);
	put32(w->f, data);
}


static void destructor(void *arg)
{
	struct ua_wav *w = arg;

	if (w->f) {
		header(w);
		fclose(w->f);
	}
}


int ua_wav_open(struct ua_wav **wp, const char *path)
{
	struct ua_wav *w;

	w = mem_zalloc(sizeof(*w), destructor);
	if (!w)
		return ENOMEM;
	w->f = fopen(path, "wb");
	if (!w->f) {
		int err = errno;
		mem_deref(w);
		return err;
	}
	header(w);
	*wp = w;
	return 0;
}


void ua_wav_put(struct ua_wav *w, uint64_t pos, const int16_t *s, size_t n)
{
	static const int16_t zero[160];

	if (!w || !w->f)
		return;
	if (pos + n <= w->nsamp)
		return;
	if (pos < w->nsamp) {
		size_t skip = (size_t)(w->nsamp - pos);
		s += skip;
		n -= skip;
		pos = w->nsamp;
	}
	/* Cap the silence a timestamp jump can insert: one minute. */
	if (pos - w->nsamp > 8000 * 60)
		pos = w->nsamp;
	while (w->nsamp < pos) {
		size_t k = (size_t)min(pos - w->nsamp, UA_ARRAY_SIZE(zero));
		for (size_t i = 0; i < k; i++)
			put16(w->f, 0);
		w->nsamp += k;
	}
	for (size_t i = 0; i < n; i++)
		put16(w->f, (uint16_t)s[i]);
	w->nsamp += n;
}

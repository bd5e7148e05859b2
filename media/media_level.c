/**
 * @file media_level.c  The audio level of a participant, for the live
 * roster's "talking" (issue 11): RFC 6464's measure, -dBov of a frame's
 * RMS, 0 loudest and 127 silence.  Fast attack (a loud frame counts at
 * once) and slow release (6 dB per 20 ms frame), so a word's short
 * pauses do not flicker.  Pure: tests/unit/test_web.c checks it.
 */
#include <math.h>
#include <re.h>
#include "media/media.h"
#include "media/media_int.h"


enum { RELEASE_DB = 6 };


uint8_t media_level_update(uint8_t prev, const int16_t *pcm, size_t n)
{
	double sum = 0, rms, db;
	unsigned now, fall;
	size_t i;

	fall = (unsigned)prev + RELEASE_DB;
	if (fall > MEDIA_LEVEL_SILENT)
		fall = MEDIA_LEVEL_SILENT;

	if (!pcm || !n)
		return (uint8_t)fall;

	for (i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];

	rms = sqrt(sum / (double)n);
	if (rms < 1.0)
		now = MEDIA_LEVEL_SILENT;
	else {
		db = -20.0 * log10(rms / 32768.0);
		now = db < 0 ? 0 : db > MEDIA_LEVEL_SILENT ?
			MEDIA_LEVEL_SILENT : (unsigned)db;
	}

	return (uint8_t)(now < fall ? now : fall);
}

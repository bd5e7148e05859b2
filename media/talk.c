/**
 * @file talk.c  Who is talking: audio levels with hysteresis, and the
 * choice of the loudest few to mix
 *
 * Mixing every open microphone adds up their noise, and in a big room
 * makes every listener a "talker" who needs an encoding of their own.
 * So only streams that talk are mixed, at most MEDIA_TALK_MAX of them:
 *   - a stream starts talking on the first 20 ms frame whose RMS level
 *     reaches MEDIA_TALK_ON (about -40 dBov: quiet speech, well above
 *     line noise); no attack delay, so no clipped onsets;
 *   - it stops only after MEDIA_TALK_HANG frames (300 ms) in a row
 *     below MEDIA_TALK_OFF (about -46 dBov): the gap in level and the
 *     hangover keep pauses between words from toggling it;
 *   - of the talking streams, the loudest MEDIA_TALK_MAX by smoothed
 *     level are mixed, where a stream mixed on the last tick counts
 *     twice as loud (6 dB), so two voices of similar level do not swap
 *     places every frame.
 * Four: a conversation rarely has more than two or three voices at a
 * time, a fifth adds noise rather than words, and every mixed talker
 * costs one more encoding per tick.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/talk_int.h"


/* RMS of one frame, from its mean square (no sqrt needed: the
 * thresholds are compared squared). */
static uint32_t mean_square(const int16_t *pcm, size_t n)
{
	uint64_t acc = 0;
	size_t i;

	if (!n)
		return 0;

	for (i = 0; i < n; i++)
		acc += (uint64_t)((int32_t)pcm[i] * pcm[i]);

	return (uint32_t)(acc / n);
}


void media_talk_update(struct media_talk *t, const int16_t *pcm, size_t n)
{
	uint32_t ms;

	if (!t)
		return;

	if (!pcm) {
		/* nothing arrived: silent (DTX, loss, hold) */
		ms = 0;
	}
	else {
		ms = mean_square(pcm, n);
	}

	/* fast attack, slow release */
	if (ms > t->level)
		t->level = ms;
	else
		t->level -= (t->level - ms) / 8;

	if (ms >= (uint32_t)MEDIA_TALK_ON * MEDIA_TALK_ON) {
		t->talking = true;
		t->quiet = 0;
	}
	else if (ms < (uint32_t)MEDIA_TALK_OFF * MEDIA_TALK_OFF) {
		if (t->talking && ++t->quiet >= MEDIA_TALK_HANG)
			t->talking = false;
	}
	else {
		t->quiet = 0;
	}
}


static uint64_t rank(const struct media_talk *t)
{
	return (uint64_t)t->level * (t->mixed ? 2 : 1);
}


/**
 * Choose which of n streams are mixed this tick: sets each one's
 * mixed flag.  Only talking streams with audio (has[i]) qualify.
 *
 * @return the number mixed (<= MEDIA_TALK_MAX)
 */
unsigned media_talk_select(struct media_talk **tv, const bool *has, size_t n)
{
	struct media_talk *best[MEDIA_TALK_MAX];
	unsigned nb = 0, j;
	size_t i;

	for (i = 0; i < n; i++) {
		struct media_talk *t = tv[i];

		if (!has[i] || !t->talking)
			continue;

		if (nb < MEDIA_TALK_MAX) {
			best[nb++] = t;
			continue;
		}

		/* replace the weakest if this one ranks above it */
		{
			unsigned w = 0;

			for (j = 1; j < nb; j++)
				if (rank(best[j]) < rank(best[w]))
					w = j;
			if (rank(t) > rank(best[w]))
				best[w] = t;
		}
	}

	for (i = 0; i < n; i++)
		tv[i]->mixed = false;
	for (j = 0; j < nb; j++)
		best[j]->mixed = true;

	return nb;
}

/**
 * @file replay.c  SRTP/SRTCP replay window (RFC 3711 3.3.2)
 *
 * A window of MEDIA_REPLAY_WINDOW indices below the highest index
 * authenticated so far.  media_replay_check() is asked before the tag
 * is verified (a replay costs no crypto); media_replay_update() only
 * after it verified, so forged packets never move the window.
 */
#include <re.h>
#include "media/srtp_int.h"


/* true: ix was not seen and is not too old */
bool media_replay_check(const struct media_replay *r, uint64_t ix)
{
	uint64_t delta;

	if (!r->seen || ix > r->top)
		return true;

	delta = r->top - ix;
	if (delta >= MEDIA_REPLAY_WINDOW)
		return false;

	return !(r->mask & (1ULL << delta));
}


void media_replay_update(struct media_replay *r, uint64_t ix)
{
	if (!r->seen) {
		r->top = ix;
		r->mask = 1;
		r->seen = true;
	}
	else if (ix > r->top) {
		const uint64_t sh = ix - r->top;

		r->mask = sh >= MEDIA_REPLAY_WINDOW ? 1 : (r->mask << sh) | 1;
		r->top = ix;
	}
	else {
		r->mask |= 1ULL << (r->top - ix);
	}
}

/**
 * @file talk_int.h  Talker detection and selection (talk.c, pure code)
 *
 * Include after re.h.
 */

enum {
	MEDIA_TALK_ON   = 330,     /* RMS, about -40 dBov */
	MEDIA_TALK_OFF  = 165,     /* RMS, about -46 dBov */
	MEDIA_TALK_HANG = 15,      /* frames below OFF before it stops */
	MEDIA_TALK_MAX  = 4,       /* voices mixed at once */
};

struct media_talk {
	uint32_t level;            /* smoothed mean square */
	unsigned quiet;            /* frames below OFF in a row */
	bool talking;
	bool mixed;                /* chosen on the last tick */
};

void media_talk_update(struct media_talk *t, const int16_t *pcm, size_t n);
unsigned media_talk_select(struct media_talk **tv, const bool *has, size_t n);

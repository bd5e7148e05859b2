/**
 * @file mixer.c  Per-conference audio clock and mix-minus
 *
 * Every 20 ms: pull one frame per stream, sum the contributors in int32,
 * and send each listener sat16(sum - own).  Listeners that contributed
 * nothing all hear the same full mix, so it is encoded once per codec
 * and shared: a tick is O(N), and mostly-silent conferences are cheap.
 *
 * The clock is a chain of one-shot timers aimed at absolute deadlines,
 * so processing time and timer slack never accumulate into drift.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/media_int.h"


enum {
	RESYNC_FRAMES = 5,   /* further behind than this: skip, no burst */
};

struct mixer {
	struct list audiol;          /* struct audio, no references */
	struct tmr tmr;
	uint64_t next;               /* deadline of the next tick, ms */
	int32_t sum[AUDIO_FRAME];
	uint8_t full[2][AUDIO_FRAME];
	struct mixer_stats st;
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


static void destructor(void *arg)
{
	struct mixer *mx = arg;
	struct le *le;

	tmr_cancel(&mx->tmr);

	le = mx->audiol.head;
	while (le) {
		struct le *cur = le;

		le = le->next;
		list_unlink(cur);
		audio_mixer_gone(cur->data);
	}
}


int mixer_alloc(struct mixer **mxp)
{
	struct mixer *mx;

	if (!mxp)
		return EINVAL;

	mx = mem_zalloc(sizeof(*mx), destructor);
	if (!mx)
		return ENOMEM;

	list_init(&mx->audiol);
	tmr_init(&mx->tmr);

	*mxp = mx;
	return 0;
}


static void mix(struct mixer *mx)
{
	bool full_ok[2] = {false, false};
	struct le *le;

	memset(mx->sum, 0, sizeof(mx->sum));

	for (le = mx->audiol.head; le; le = le->next) {
		const int16_t *pcm = audio_mix_pull(le->data);

		if (pcm)
			media_mix_acc(mx->sum, pcm, AUDIO_FRAME);
	}

	for (le = mx->audiol.head; le; le = le->next) {
		struct audio *a = le->data;
		enum audio_codec codec;
		uint8_t pld[AUDIO_FRAME];
		const int16_t *own;

		if (!audio_mix_sending(a, &codec)) {
			audio_mix_tick(a);
			continue;
		}

		own = audio_mix_own(a);
		if (own) {
			media_mix_minus_encode(pld, mx->sum, own, AUDIO_FRAME,
					       codec);
			audio_mix_send(a, pld, sizeof(pld));
		}
		else {
			const int c = codec == AUDIO_PCMA;

			if (!full_ok[c]) {
				media_mix_minus_encode(mx->full[c], mx->sum,
						       NULL, AUDIO_FRAME,
						       codec);
				full_ok[c] = true;
			}
			audio_mix_send(a, mx->full[c], AUDIO_FRAME);
		}

		audio_mix_tick(a);
	}
}


/* Every mixer's ticks, for the daemon's report and the benchmarks. */
static struct mixer_stats totals;


void mixer_totals(struct mixer_stats *st)
{
	if (st)
		*st = totals;
}


static void tick(void *arg)
{
	struct mixer *mx = arg;
	uint64_t now = tmr_jiffies(), t0, dt;

	if (now > mx->next + AUDIO_PTIME) {
		++mx->st.late_ticks;
		++totals.late_ticks;
	}

	if (now > mx->next + RESYNC_FRAMES * AUDIO_PTIME)
		mx->next = now;

	t0 = now_us();
	mix(mx);
	dt = now_us() - t0;

	++mx->st.ticks;
	++totals.ticks;
	if (dt > mx->st.max_tick_us)
		mx->st.max_tick_us = dt;
	if (dt > totals.max_tick_us)
		totals.max_tick_us = dt;

	mx->next += AUDIO_PTIME;
	now = tmr_jiffies();
	tmr_start(&mx->tmr, mx->next > now ? mx->next - now : 0, tick, mx);
}


void mixer_attach(struct mixer *mx, struct le *le, struct audio *a)
{
	if (!mx || !le)
		return;

	list_append(&mx->audiol, le, a);

	if (!tmr_isrunning(&mx->tmr)) {
		mx->next = tmr_jiffies() + AUDIO_PTIME;
		tmr_start(&mx->tmr, AUDIO_PTIME, tick, mx);
	}
}


/* Called from a stream's destructor.  A tick never frees a stream (its
 * send path calls no user handler), so the list is not walked here. */
void mixer_detach(struct mixer *mx, struct le *le)
{
	if (!mx || !le)
		return;

	list_unlink(le);

	/* An empty conference costs no timer wake-ups. */
	if (list_isempty(&mx->audiol))
		tmr_cancel(&mx->tmr);
}


void mixer_stats(const struct mixer *mx, struct mixer_stats *st)
{
	if (!mx || !st)
		return;

	*st = mx->st;
}

/**
 * @file mixer.c  Per-conference audio clock and mix-minus
 *
 * Every 20 ms: pull one frame per stream, choose who is talking (at most
 * MEDIA_TALK_MAX, talk.c), sum those in int32, and send each listener
 * sat16(sum - own).
 *
 * Encode once per distinct mix: listeners who are not mixed all hear the
 * same full mix, so it is encoded once per group of equal encoder
 * configurations (codec, ptime, bitrate, bandwidth, FEC, DTX: struct
 * media_enc_cfg) and the same payload goes to each, encrypted with each
 * one's own keys (audio.c).  Only mixed talkers, who hear everyone but
 * themselves, get an encoding of their own; so do streams with a ptime
 * above 20 ms (rare), whose packets span several ticks across which a
 * listener may turn talker.  A tick costs O(N) copies and SRTP, plus
 * (talkers + groups) encodings.
 *
 * The mix rate: 16 kHz as soon as one stream codes wideband (G.722,
 * Opus), else 8 kHz, so a G.711-only room costs what it did (no
 * resampling) and is bit-exact.  16 kHz rather than 48: G.722 is 16 kHz,
 * Opus encodes and decodes at 16 kHz natively, speech has little above
 * 8 kHz, and a 48 kHz mix would triple the arithmetic and force a
 * resampler onto every stream.  Tones up to 7 kHz reach wideband
 * listeners; G.711 listeners get the mix low-passed to 3.4 kHz
 * (resamp.c).
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
#include "media/codec_int.h"
#include "media/talk_int.h"
#include "media/media_int.h"


enum {
	RESYNC_FRAMES = 5,   /* further behind than this: skip, no burst */
	GROUP_IDLE    = 50,  /* ticks unused before a group is freed (1 s) */
	TALK_CHUNK    = 64,  /* streams ranked per pass (see choose()) */
};

/* One shared encoding: the full mix in one encoder configuration. */
struct mixgrp {
	struct le le;
	struct media_enc *enc;
	uint8_t pld[MEDIA_PLD_MAX];
	size_t len;                  /* 0: DTX */
	bool done;                   /* encoded this tick */
	unsigned idle;               /* ticks without a listener */
};

struct mixer {
	struct list audiol;          /* struct audio, no references */
	struct list grpl;            /* struct mixgrp */
	struct media_tmr tmr;          /* off libre's list (tmrheap.c) */
	uint64_t next;               /* deadline of the next tick, ms */
	uint32_t srate;              /* of the last tick */
	int32_t sum[MEDIA_FRAME_MAX];
	int16_t full[MEDIA_FRAME_MAX];
	int16_t out[MEDIA_FRAME_MAX];
	struct mixer_stats st;
};


/* Every mixer's ticks, for the daemon's report and the benchmarks. */
static struct mixer_stats totals;


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

	media_tmr_cancel(&mx->tmr);
	list_flush(&mx->grpl);

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
	list_init(&mx->grpl);
	media_tmr_init(&mx->tmr);

	*mxp = mx;
	return 0;
}


static void grp_destructor(void *arg)
{
	struct mixgrp *g = arg;

	list_unlink(&g->le);
	mem_deref(g->enc);
}


static struct mixgrp *group(struct mixer *mx, const struct media_enc_cfg *cfg)
{
	struct mixgrp *g;
	struct le *le;

	for (le = mx->grpl.head; le; le = le->next) {
		g = le->data;
		if (media_enc_cfg_eq(media_enc_cfg(g->enc), cfg))
			return g;
	}

	g = mem_zalloc(sizeof(*g), grp_destructor);
	if (!g)
		return NULL;
	if (media_enc_alloc(&g->enc, cfg)) {
		mem_deref(g);
		return NULL;
	}
	list_append(&mx->grpl, &g->le, g);

	return g;
}


/*
 * Pull every stream and decide who is mixed.  The ranking needs arrays;
 * they are filled in chunks from the stack, the talk.c state itself
 * lives in each stream, so a room of any size is handled without
 * allocating.
 */
static void choose(struct mixer *mx, uint32_t srate)
{
	const size_t n = srate / 50;
	struct media_talk *tv[TALK_CHUNK + MEDIA_TALK_MAX];
	bool has[TALK_CHUNK + MEDIA_TALK_MAX];
	struct audio *av[TALK_CHUNK + MEDIA_TALK_MAX];
	size_t k = 0, i;
	struct le *le;

	for (le = mx->audiol.head; le; le = le->next) {
		struct audio *a = le->data;
		const int16_t *pcm = audio_mix_pull(a, srate);
		struct media_talk *t = audio_mix_talk(a);

		media_talk_update(t, pcm, n);

		/* candidates: the winners so far plus the next chunk */
		av[k] = a;
		tv[k] = t;
		has[k] = pcm != NULL;
		++k;

		if (k == ARRAY_SIZE(tv) || !le->next) {
			size_t w = 0;

			(void)media_talk_select(tv, has, k);
			for (i = 0; i < k; i++) {
				if (!tv[i]->mixed)
					continue;
				av[w] = av[i];
				tv[w] = tv[i];
				has[w] = true;
				++w;
			}
			k = w;
		}
	}

	for (i = 0; i < k; i++)
		media_mix_acc(mx->sum, audio_mix_own(av[i]), n);
}


static void mix(struct mixer *mx)
{
	uint32_t srate = AUDIO_SRATE;
	bool full_ok = false;
	size_t n;
	struct le *le;

	for (le = mx->audiol.head; le; le = le->next) {
		if (audio_mix_srate(le->data) > srate)
			srate = audio_mix_srate(le->data);
	}
	mx->srate = srate;
	n = srate / 50;

	memset(mx->sum, 0, sizeof(mx->sum));
	choose(mx, srate);

	for (le = mx->grpl.head; le; le = le->next) {
		struct mixgrp *g = le->data;

		g->done = false;
	}

	for (le = mx->audiol.head; le; le = le->next) {
		struct audio *a = le->data;
		const struct media_enc_cfg *cfg;
		const struct media_talk *t = audio_mix_talk(a);
		struct mixgrp *g;

		if (!audio_mix_sending(a, &cfg)) {
			audio_mix_tick(a);
			continue;
		}

		if (t->mixed || cfg->ptime != AUDIO_PTIME) {
			media_mix_minus(mx->out, mx->sum,
					t->mixed ? audio_mix_own(a) : NULL, n);
			if (!audio_mix_encode(a, mx->out, srate)) {
				++mx->st.encodes;
				++totals.encodes;
			}
			audio_mix_tick(a);
			continue;
		}

		g = group(mx, cfg);
		if (!g) {
			audio_mix_tick(a);
			continue;
		}
		g->idle = 0;

		if (!g->done) {
			bool dtx;

			if (!full_ok) {
				media_mix_minus(mx->full, mx->sum, NULL, n);
				full_ok = true;
			}
			if (media_enc_frame(g->enc, mx->full, srate, g->pld,
					    &g->len, &dtx))
				g->len = 0;
			g->done = true;
			++mx->st.encodes;
			++totals.encodes;
		}

		audio_mix_send(a, g->pld, g->len);
		++mx->st.shared_sends;
		++totals.shared_sends;
		audio_mix_tick(a);
	}

	/* a group nobody used for a while goes */
	le = mx->grpl.head;
	while (le) {
		struct mixgrp *g = le->data;

		le = le->next;
		if (!g->done && ++g->idle > GROUP_IDLE)
			mem_deref(g);
	}
}


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
	media_tmr_start(&mx->tmr, mx->next > now ? mx->next - now : 0,
			tick, mx);
}


void mixer_attach(struct mixer *mx, struct le *le, struct audio *a)
{
	if (!mx || !le)
		return;

	list_append(&mx->audiol, le, a);

	if (!media_tmr_isrunning(&mx->tmr)) {
		mx->next = tmr_jiffies() + AUDIO_PTIME;
		media_tmr_start(&mx->tmr, AUDIO_PTIME, tick, mx);
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
		media_tmr_cancel(&mx->tmr);
}


void mixer_stats(const struct mixer *mx, struct mixer_stats *st)
{
	if (!mx || !st)
		return;

	*st = mx->st;
}

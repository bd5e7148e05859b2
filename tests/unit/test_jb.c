/**
 * @file test_jb.c  Jitter buffer
 */
#include <string.h>
#include <re.h>
#include "media/jb_int.h"
#include "check.h"


enum { F = 160 };

/* a packet whose samples all carry one value */
static int put(struct media_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
	       int16_t val, size_t n)
{
	int16_t pcm[JB_MAXPKT];
	size_t i;

	for (i = 0; i < n && i < JB_MAXPKT; i++)
		pcm[i] = val;

	return media_jb_put(jb, ssrc, seq, ts, pcm, n);
}


/* the frame is constant v */
static bool frame_is(const int16_t *f, int16_t v)
{
	size_t i;

	for (i = 0; i < F; i++)
		if (f[i] != v)
			return false;
	return true;
}


static int test_order(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	int i, err = 0;

	CHECK(media_jb_alloc(&jb) == 0);

	/* nothing yet: none */
	CHECK(!media_jb_get(jb, f, F));

	CHECK_EQ(put(jb, 1, 100, 1000, 1, F), 0);
	CHECK(!media_jb_get(jb, f, F));          /* prebuffering (2 frames) */
	CHECK_EQ(put(jb, 1, 101, 1000 + F, 2, F), 0);

	for (i = 0; i < 10; i++) {
		CHECK_EQ(put(jb, 1, (uint16_t)(102 + i),
			     1000 + (uint32_t)(2 + i) * F,
			     (int16_t)(3 + i), F), 0);
		if (!media_jb_get(jb, f, F) || !frame_is(f, (int16_t)(1 + i))) {
			err = EINVAL;
			goto out;
		}
	}

 out:
	mem_deref(jb);
	return err;
}


static int test_reorder(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	int err = 0;

	CHECK(media_jb_alloc(&jb) == 0);

	/* 1 3 2 4 0: the late first packet still plays first */
	CHECK_EQ(put(jb, 7, 11, 1 * F, 1, F), 0);
	CHECK_EQ(put(jb, 7, 13, 3 * F, 3, F), 0);
	CHECK_EQ(put(jb, 7, 12, 2 * F, 2, F), 0);
	CHECK_EQ(put(jb, 7, 14, 4 * F, 4, F), 0);
	CHECK_EQ(put(jb, 7, 10, 0 * F, 9, F), 0);

	CHECK(media_jb_get(jb, f, F) && frame_is(f, 9));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 1));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 2));
	/* 4 arrives before 3 is played: fine */
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 3));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 4));

	mem_deref(jb);
	return err;
}


static int test_dup_late(void)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;
	int16_t f[F];

	CHECK(media_jb_alloc(&jb) == 0);

	CHECK_EQ(put(jb, 7, 1, 0, 1, F), 0);
	CHECK_EQ(put(jb, 7, 1, 0, 5, F), EALREADY);      /* duplicate */
	CHECK_EQ(put(jb, 7, 2, F, 2, F), 0);
	CHECK_EQ(put(jb, 7, 3, 2 * F, 3, F), 0);

	CHECK(media_jb_get(jb, f, F) && frame_is(f, 1));       /* not 5 */
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 2));

	/* already played: too late */
	CHECK_EQ(put(jb, 7, 1, 0, 1, F), ETIMEDOUT);
	CHECK_EQ(put(jb, 7, 2, F, 1, F), ETIMEDOUT);

	/* a packet half behind the playout point keeps its tail */
	CHECK_EQ(put(jb, 7, 4, 3 * F - 80, 4, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 3));
	CHECK(media_jb_get(jb, f, F));
	CHECK(f[0] == 4 && f[79] == 4 && f[80] == 0);

	media_jb_stats(jb, &st);
	CHECK_EQ(st.dup, 1);
	CHECK_EQ(st.late, 2);

	mem_deref(jb);
	return 0;
}


static int test_wrap(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	uint16_t seq = 65533;
	uint32_t ts = 0xffffffffu - 2 * F + 1;   /* ts wraps too */
	int i;

	CHECK(media_jb_alloc(&jb) == 0);

	CHECK_EQ(put(jb, 9, seq, ts, 100, F), 0);
	for (i = 1; i < 8; i++) {
		CHECK_EQ(put(jb, 9, (uint16_t)(seq + i), ts + (uint32_t)i * F,
			     (int16_t)(100 + i), F), 0);
		CHECK(media_jb_get(jb, f, F) && frame_is(f, (int16_t)(99 + i)));
	}

	/* a duplicate across the wrap is still a duplicate */
	CHECK_EQ(put(jb, 9, (uint16_t)(seq + 7), ts + 7 * F, 1, F), EALREADY);

	mem_deref(jb);
	return 0;
}


static int test_ssrc_change(void)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;
	int16_t f[F];

	CHECK(media_jb_alloc(&jb) == 0);

	CHECK_EQ(put(jb, 1, 10, 5000, 1, F), 0);
	CHECK_EQ(put(jb, 1, 11, 5000 + F, 1, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 1));

	/* new source, unrelated numbers: old audio is gone */
	CHECK_EQ(put(jb, 2, 60000, 77, 2, F), 0);
	CHECK(!media_jb_get(jb, f, F));
	CHECK_EQ(put(jb, 2, 60001, 77 + F, 2, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 2));

	media_jb_stats(jb, &st);
	CHECK_EQ(st.resets, 1);

	mem_deref(jb);
	return 0;
}


static int test_jumps(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	int i;

	CHECK(media_jb_alloc(&jb) == 0);

	CHECK_EQ(put(jb, 1, 1, 0, 1, F), 0);
	CHECK_EQ(put(jb, 1, 2, F, 1, F), 0);
	CHECK(media_jb_get(jb, f, F));

	/* timestamp leaps forward (silence suppression): followed */
	CHECK_EQ(put(jb, 1, 3, 1000000, 3, F), 0);
	CHECK_EQ(put(jb, 1, 4, 1000000 + F, 3, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 3));

	/* timestamp restarts backwards, sequence continues */
	CHECK_EQ(put(jb, 1, 5, 50, 4, F), 0);
	CHECK_EQ(put(jb, 1, 6, 50 + F, 4, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 4));

	/* sequence jumps, timestamps continue: just loss */
	CHECK_EQ(put(jb, 1, 30000, 50 + 2 * F, 5, F), 0);
	CHECK_EQ(put(jb, 1, 30001, 50 + 3 * F, 5, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 4));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 5));

	/* backwards jump with a sequence gap: dropped as late at first,
	 * then followed after JB_RESYNC packets */
	for (i = 0; i < JB_RESYNC - 1; i++)
		CHECK_EQ(put(jb, 1, (uint16_t)(40000 + i * 7),
			     (uint32_t)(10 + (i % 3) * F), 6, F), ETIMEDOUT);
	CHECK_EQ(put(jb, 1, 50000, 10, 6, F), 0);
	CHECK_EQ(put(jb, 1, 50001, 10 + F, 7, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 6));

	mem_deref(jb);
	return 0;
}


static int test_sizes(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	uint32_t ts = 0;
	int i;

	CHECK(media_jb_alloc(&jb) == 0);

	/* 10 ms packets */
	for (i = 0; i < 6; i++, ts += 80)
		CHECK_EQ(put(jb, 1, (uint16_t)i, ts, (int16_t)(i / 2 + 1), 80),
			 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 1));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 2));

	/* 30 ms packets across frame boundaries */
	media_jb_reset(jb);
	ts = 0;
	CHECK_EQ(put(jb, 1, 0, 0, 7, 240), 0);
	CHECK_EQ(put(jb, 1, 1, 240, 8, 240), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 7));
	CHECK(media_jb_get(jb, f, F));
	CHECK(f[0] == 7 && f[79] == 7 && f[80] == 8 && f[159] == 8);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 8));

	/* empty and oversized are refused */
	CHECK_EQ(put(jb, 1, 2, 480, 1, 0), EINVAL);
	CHECK_EQ(put(jb, 1, 2, 480, 1, JB_MAXPKT + 1), EINVAL);

	mem_deref(jb);
	return 0;
}


static int test_underrun(void)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;
	int16_t f[F];

	CHECK(media_jb_alloc(&jb) == 0);

	CHECK_EQ(put(jb, 1, 1, 0, 1, F), 0);
	CHECK_EQ(put(jb, 1, 2, F, 2, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 1));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 2));
	CHECK(!media_jb_get(jb, f, F));                /* none, not noise */
	CHECK(!media_jb_get(jb, f, F));

	/* a lost packet in the middle plays as silence */
	CHECK_EQ(put(jb, 1, 3, 2 * F, 3, F), 0);
	CHECK_EQ(put(jb, 1, 5, 4 * F, 5, F), 0);
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 3));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 0));
	CHECK(media_jb_get(jb, f, F) && frame_is(f, 5));

	media_jb_stats(jb, &st);
	CHECK_EQ(st.underruns, 1);
	CHECK_EQ(st.concealed, F);

	mem_deref(jb);
	return 0;
}


/* A flood (fast clock, burst, random garbage) never grows the delay
 * beyond the bound, nor memory beyond the fixed ring. */
static int test_flood(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	uint32_t ts = 0, rnd = 12345;
	int i;

	CHECK(media_jb_alloc(&jb) == 0);

	for (i = 0; i < 5000; i++, ts += F)
		(void)put(jb, 1, (uint16_t)i, ts, 1, F);
	CHECK(media_jb_depth(jb) <= JB_CAP);
	CHECK(media_jb_get(jb, f, F));
	CHECK(media_jb_depth(jb) <= JB_MAXDEPTH);

	for (i = 0; i < 100000; i++) {
		rnd = rnd * 1103515245 + 12345;
		(void)put(jb, 1 + (rnd >> 30), (uint16_t)(rnd >> 7), rnd,
			  (int16_t)rnd, (rnd >> 3) % (JB_MAXPKT + 2));
		if (!(i % 7))
			(void)media_jb_get(jb, f, F);
		CHECK(media_jb_depth(jb) <= JB_CAP);
	}

	mem_deref(jb);
	return 0;
}


TEST_MAIN("jb",
	  CASE(test_order),
	  CASE(test_reorder),
	  CASE(test_dup_late),
	  CASE(test_wrap),
	  CASE(test_ssrc_change),
	  CASE(test_jumps),
	  CASE(test_sizes),
	  CASE(test_underrun),
	  CASE(test_flood))

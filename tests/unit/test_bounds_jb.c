/**
 * @file test_bounds_jb.c  The jitter buffer's limits, each tried one
 * sample under, exactly at, and one sample over (media/jb_int.h).
 *
 * The invariant behind them (media/jb.c): the ring holds the window
 * [play_ts, play_ts + JB_CAP) and nothing is written outside it, so a
 * packet may never land on a ring slot that is still to be played.
 */
#include <string.h>
#include <re.h>
#include "media/jb_int.h"
#include "tests/unit/check.h"


enum { F = 160, TS0 = 100000 };


static int put(struct media_jb *jb, uint16_t seq, uint32_t ts, int16_t val,
	       size_t n)
{
	int16_t pcm[JB_MAXPKT + 1];
	size_t i;

	for (i = 0; i < n && i < ARRAY_SIZE(pcm); i++)
		pcm[i] = val;

	return media_jb_put(jb, 1, seq, ts, pcm, n);
}


static uint64_t resets(const struct media_jb *jb)
{
	struct media_jb_stats st;

	media_jb_stats(jb, &st);
	return st.resets;
}


static int test_maxpkt(void)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	CHECK_EQ(put(jb, 1, TS0, 1, JB_MAXPKT - 1), 0);
	CHECK_EQ(put(jb, 2, TS0 + JB_MAXPKT - 1, 1, JB_MAXPKT), 0);
	CHECK_EQ(put(jb, 3, TS0 + 2 * JB_MAXPKT - 1, 1, JB_MAXPKT + 1),
		 EINVAL);
	media_jb_stats(jb, &st);
	CHECK_EQ(st.put, 2);
	CHECK_EQ(st.bad, 1);
	CHECK_EQ(media_jb_depth(jb), 2 * JB_MAXPKT - 1);
	mem_deref(jb);
	return 0;
}


/* A packet d samples ahead of the playout point with n samples: held
 * while d + n <= JB_CAP; one sample more and its last sample would sit
 * on the slot of play_ts, so the buffer follows the sender instead. */
static int ahead(size_t d, size_t n, uint64_t *rs, unsigned *depth)
{
	struct media_jb *jb = NULL;
	int16_t f[F];

	CHECK_EQ(media_jb_alloc(&jb), 0);
	/* anchor at TS0 and start playing: play_ts moves to TS0 + F */
	CHECK_EQ(put(jb, 1, TS0, 1, F), 0);
	CHECK_EQ(put(jb, 2, TS0 + F, 2, F), 0);
	CHECK(media_jb_get(jb, f, F));
	CHECK_EQ(f[0], 1);

	CHECK_EQ(put(jb, 3, (uint32_t)(TS0 + F + d), 9, n), 0);
	*rs = resets(jb);
	*depth = media_jb_depth(jb);

	/* the window invariant, whatever happened */
	CHECK(*depth <= JB_CAP);
	mem_deref(jb);
	return 0;
}


static int test_cap_ahead(void)
{
	const size_t n = F;
	unsigned depth = 0;
	uint64_t rs = 0;

	/* one under and exactly at: kept, nothing restarts */
	CHECK_EQ(ahead(JB_CAP - n - 1, n, &rs, &depth), 0);
	CHECK_EQ(rs, 0);
	CHECK_EQ(depth, JB_CAP - 1);
	CHECK_EQ(ahead(JB_CAP - n, n, &rs, &depth), 0);
	CHECK_EQ(rs, 0);
	CHECK_EQ(depth, JB_CAP);

	/* one over: the buffer restarts at the new packet */
	CHECK_EQ(ahead(JB_CAP - n + 1, n, &rs, &depth), 0);
	CHECK_EQ(rs, 1);
	CHECK_EQ(depth, n);

	/* the same with the longest packet */
	CHECK_EQ(ahead(JB_CAP - JB_MAXPKT, JB_MAXPKT, &rs, &depth), 0);
	CHECK_EQ(rs, 0);
	CHECK_EQ(ahead(JB_CAP - JB_MAXPKT + 1, JB_MAXPKT, &rs, &depth), 0);
	CHECK_EQ(rs, 1);
	return 0;
}


/* Before playout starts, a packet older than the first may move the
 * start back while the buffered span stays within JB_CAP - JB_MAXPKT. */
static int test_reorder_window(void)
{
	const uint32_t lim = JB_CAP - JB_MAXPKT;
	struct media_jb *jb = NULL;
	uint32_t end = TS0 + F;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	CHECK_EQ(put(jb, 10, TS0, 1, F), 0);
	/* one-sample packets, so that none overlaps another */
	CHECK_EQ(put(jb, 9, end - (lim - 1), 1, 1), 0);
	CHECK_EQ(media_jb_depth(jb), lim - 1);
	CHECK_EQ(put(jb, 8, end - lim, 1, 1), 0);
	CHECK_EQ(media_jb_depth(jb), lim);
	CHECK_EQ(put(jb, 7, end - (lim + 1), 1, 1), ETIMEDOUT);
	CHECK_EQ(media_jb_depth(jb), lim);
	CHECK_EQ(resets(jb), 0);
	mem_deref(jb);
	return 0;
}


/* Once playing, a packet is late when its last sample is before
 * play_ts; one sample at play_ts is still in time. */
static int test_late_edge(void)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;
	int16_t f[F];
	uint32_t play;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	CHECK_EQ(put(jb, 1, TS0, 1, F), 0);
	CHECK_EQ(put(jb, 2, TS0 + 2 * F, 3, F), 0);   /* TS0+F is lost */
	CHECK(media_jb_get(jb, f, F));
	play = TS0 + F;

	/* ends one before play_ts: late */
	CHECK_EQ(put(jb, 3, play - F, 2, F), ETIMEDOUT);
	/* its last sample is play_ts: that sample is stored */
	CHECK_EQ(put(jb, 4, play - F + 1, 2, F), 0);
	media_jb_stats(jb, &st);
	CHECK_EQ(st.late, 1);
	CHECK(media_jb_get(jb, f, F));
	CHECK_EQ(f[0], 2);
	CHECK_EQ(f[1], 0);       /* concealed */
	mem_deref(jb);
	return 0;
}


/* A timestamp that restarts with the next sequence number is a new
 * timeline when it goes back at least JB_CAP; less is only late. */
static int test_restart_edge(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];
	uint32_t play = TS0 + F;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	CHECK_EQ(put(jb, 1, TS0, 1, F), 0);
	CHECK_EQ(put(jb, 2, TS0 + F, 1, F), 0);
	CHECK(media_jb_get(jb, f, F));

	CHECK_EQ(put(jb, 3, play - (JB_CAP - 1), 5, F), ETIMEDOUT);
	CHECK_EQ(resets(jb), 0);
	/* late packets do not move last_seq: 3 again is "next" */
	CHECK_EQ(put(jb, 3, play - JB_CAP, 5, F), 0);
	CHECK_EQ(resets(jb), 1);
	CHECK_EQ(media_jb_depth(jb), F);
	mem_deref(jb);
	return 0;
}


/* Depth above JB_MAXDEPTH is trimmed back to JB_TARGET; at it, not. */
static int maxdepth(unsigned depth, uint64_t *trimmed)
{
	struct media_jb *jb = NULL;
	struct media_jb_stats st;
	int16_t f[F];
	uint32_t ts = TS0;
	uint16_t seq = 1;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	while (depth) {
		size_t n = depth > F ? F : depth;

		CHECK_EQ(put(jb, seq++, ts, 1, n), 0);
		ts += (uint32_t)n;
		depth -= (unsigned)n;
	}
	CHECK(media_jb_get(jb, f, F));
	media_jb_stats(jb, &st);
	*trimmed = st.trimmed;
	mem_deref(jb);
	return 0;
}


static int test_maxdepth(void)
{
	uint64_t t = 0;

	CHECK_EQ(maxdepth(JB_MAXDEPTH - 1, &t), 0);
	CHECK_EQ(t, 0);
	CHECK_EQ(maxdepth(JB_MAXDEPTH, &t), 0);
	CHECK_EQ(t, 0);
	CHECK_EQ(maxdepth(JB_MAXDEPTH + 1, &t), 0);
	CHECK_EQ(t, JB_MAXDEPTH + 1 - JB_TARGET);
	return 0;
}


/* Playout starts at JB_TARGET samples buffered, not before. */
static int test_target(void)
{
	struct media_jb *jb = NULL;
	int16_t f[F];

	CHECK_EQ(media_jb_alloc(&jb), 0);
	CHECK_EQ(put(jb, 1, TS0, 1, JB_TARGET - 1), 0);
	CHECK(!media_jb_get(jb, f, F));
	CHECK_EQ(put(jb, 2, TS0 + JB_TARGET - 1, 1, 1), 0);
	CHECK(media_jb_get(jb, f, F));
	mem_deref(jb);
	return 0;
}


/* media_jb_get() plays at most JB_CAP / 4 samples at once. */
static int test_get_size(void)
{
	static int16_t f[JB_CAP / 4 + 1];
	struct media_jb *jb = NULL;
	uint32_t ts = TS0;
	uint16_t seq;

	CHECK_EQ(media_jb_alloc(&jb), 0);
	for (seq = 0; seq < 6; seq++, ts += F)
		CHECK_EQ(put(jb, seq, ts, 1, F), 0);
	CHECK(!media_jb_get(jb, f, JB_CAP / 4 + 1));
	CHECK(media_jb_get(jb, f, JB_CAP / 4));
	CHECK(media_jb_get(jb, f, JB_CAP / 4 - 1));
	mem_deref(jb);
	return 0;
}


TEST_MAIN("bounds_jb",
	  CASE(test_maxpkt),
	  CASE(test_cap_ahead),
	  CASE(test_reorder_window),
	  CASE(test_late_edge),
	  CASE(test_restart_edge),
	  CASE(test_maxdepth),
	  CASE(test_target),
	  CASE(test_get_size))

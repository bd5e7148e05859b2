/**
 * @file test_tmrheap.c  media_tmr (media/tmrheap.c) in a real libre
 * main loop: deadlines in order, ties in start order, cancel and
 * restart, handlers that start and cancel timers, a zero delay from a
 * handler waits for the next round, many timers with random cancels,
 * and the heap empty at the end.
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include "media/media.h"
#include "check.h"


enum { NT = 2000 };

static struct media_tmr tv[NT];
static uint64_t due[NT];
static int order[NT];
static size_t nfired;
static bool cancelled[NT];
static bool late;
static int self_restarts;


static void fire(void *arg)
{
	const int i = (int)(intptr_t)arg;

	if (tmr_jiffies() < due[i])
		late = true;            /* early: the flag covers both */
	order[nfired++] = i;
}


static void stop(void *arg)
{
	(void)arg;
	re_cancel();
}


static int run_ms(uint64_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
	return 0;
}


/* Deadlines in order, equal ones in start order, cancel, restart */
static int test_order(void)
{
	static const uint64_t d[] = {30, 10, 20, 10, 0, 50, 10};
	size_t i;

	nfired = 0;
	late = false;
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		media_tmr_init(&tv[i]);
		due[i] = tmr_jiffies() + d[i];
		media_tmr_start(&tv[i], d[i], fire, (void *)(intptr_t)i);
	}
	CHECK_EQ(media_tmr_count(), ARRAY_SIZE(d));
	CHECK(media_tmr_isrunning(&tv[5]));

	/* 5 cancelled, 0 restarted later than 2 */
	media_tmr_cancel(&tv[5]);
	CHECK(!media_tmr_isrunning(&tv[5]));
	media_tmr_cancel(&tv[5]);                 /* twice is fine */
	due[0] = tmr_jiffies() + 40;
	media_tmr_start(&tv[0], 40, fire, (void *)(intptr_t)0);

	run_ms(120);

	CHECK_EQ(nfired, 6);
	CHECK_EQ(order[0], 4);
	CHECK_EQ(order[1], 1);
	CHECK_EQ(order[2], 3);
	CHECK_EQ(order[3], 6);
	CHECK_EQ(order[4], 2);
	CHECK_EQ(order[5], 0);
	CHECK(!late);
	CHECK_EQ(media_tmr_count(), 0);

	return 0;
}


static struct media_tmr ta, tb;

static void zero_again(void *arg)
{
	(void)arg;

	/* a zero delay from a handler: the next round, not this loop */
	if (++self_restarts < 5)
		media_tmr_start(&ta, 0, zero_again, NULL);
	/* a handler cancels another timer */
	media_tmr_cancel(&tb);
}


static void never(void *arg)
{
	(void)arg;
	late = true;
}


static int test_handlers(void)
{
	self_restarts = 0;
	late = false;
	media_tmr_init(&ta);
	media_tmr_init(&tb);
	media_tmr_start(&ta, 5, zero_again, NULL);
	media_tmr_start(&tb, 30, never, NULL);

	run_ms(60);

	CHECK_EQ(self_restarts, 5);
	CHECK(!late);
	CHECK(!media_tmr_isrunning(&ta));
	CHECK(!media_tmr_isrunning(&tb));
	CHECK_EQ(media_tmr_count(), 0);

	return 0;
}


/* Many timers, a third cancelled: the others fire in deadline order,
 * none early, none twice */
static int test_many(void)
{
	uint64_t prev = 0;
	size_t i, expect = 0;

	srand(7);
	nfired = 0;
	late = false;
	for (i = 0; i < NT; i++) {
		const uint64_t d = (uint64_t)(rand() % 150);

		media_tmr_init(&tv[i]);
		due[i] = tmr_jiffies() + d;
		cancelled[i] = false;
		media_tmr_start(&tv[i], d, fire, (void *)(intptr_t)i);
	}
	for (i = 0; i < NT; i += 3) {
		media_tmr_cancel(&tv[i]);
		cancelled[i] = true;
	}
	for (i = 0; i < NT; i++)
		expect += !cancelled[i];

	run_ms(250);

	CHECK_EQ(nfired, expect);
	CHECK(!late);
	for (i = 0; i < nfired; i++) {
		const int k = order[i];

		CHECK(!cancelled[k]);
		CHECK(tv[k].jfs >= prev);
		prev = tv[k].jfs;
		cancelled[k] = true;      /* a second firing would fail */
	}
	CHECK_EQ(media_tmr_count(), 0);

	return 0;
}


static int setup_all(void)
{
	return libre_init();
}


static int test_all(void)
{
	int err;

	err = setup_all();
	if (err)
		return err;

	err = test_order();
	if (!err)
		err = test_handlers();
	if (!err)
		err = test_many();

	libre_close();
	return err;
}


TEST_MAIN("tmrheap",
	  CASE(test_all))

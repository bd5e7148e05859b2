/**
 * @file tmrheap.c  Timers in a binary heap on a timerfd (media.h says
 * why: libre 1.1.0's sorted timer list is O(n) per insert).
 *
 * One heap per thread (thread-local), so a worker thread's timers stay
 * with its own libre main loop.  The timerfd is created on first use
 * and registered with fd_listen() in the calling thread; it is armed
 * relative to tmr_jiffies() (libre's clock, gettimeofday-based in
 * 1.1.0), for the earliest deadline only.  When the heap empties, its
 * array is freed and the timerfd closed.
 */
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <re.h>
#include "media/media.h"


#define DEBUG_MODULE "tmrheap"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


struct heap {
	struct media_tmr **v;        /* v[0] is the earliest */
	size_t n, cap;
	uint64_t seq;
	int fd;                      /* timerfd, -1 before first use */
	bool listening;
	bool running;                /* in fd_handler: it arms at the end */
};

static __thread struct heap hp = { .fd = -1 };


static bool before(const struct media_tmr *a, const struct media_tmr *b)
{
	return a->jfs < b->jfs || (a->jfs == b->jfs && a->seq < b->seq);
}


static void put(size_t i, struct media_tmr *t)
{
	hp.v[i] = t;
	t->ix = i + 1;
}


static void sift_up(size_t i)
{
	struct media_tmr *t = hp.v[i];

	while (i > 0) {
		const size_t up = (i - 1) / 2;

		if (!before(t, hp.v[up]))
			break;
		put(i, hp.v[up]);
		i = up;
	}
	put(i, t);
}


static void sift_down(size_t i)
{
	struct media_tmr *t = hp.v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hp.n)
			break;
		if (c + 1 < hp.n && before(hp.v[c + 1], hp.v[c]))
			++c;
		if (!before(hp.v[c], t))
			break;
		put(i, hp.v[c]);
		i = c;
	}
	put(i, t);
}


static void heap_remove(struct media_tmr *t)
{
	const size_t i = t->ix - 1;
	struct media_tmr *last;

	t->ix = 0;
	last = hp.v[--hp.n];
	if (i == hp.n)
		return;

	put(i, last);
	if (i > 0 && before(last, hp.v[(i - 1) / 2]))
		sift_up(i);
	else
		sift_down(i);
}


static void arm(void)
{
	struct itimerspec its;
	uint64_t now, d;

	if (hp.fd < 0 || hp.running)
		return;

	memset(&its, 0, sizeof(its));

	if (hp.n) {
		now = tmr_jiffies();
		d = hp.v[0]->jfs > now ? hp.v[0]->jfs - now : 0;
		its.it_value.tv_sec  = (time_t)(d / 1000);
		/* zero would disarm: "now" is 1 ns */
		its.it_value.tv_nsec = d ? (long)(d % 1000) * 1000000 : 1;
	}
	else {
		/* nothing queued: give the array and the descriptor back,
		 * so that an idle thread (or libre_close()) finds no fd */
		hp.v = mem_deref(hp.v);
		hp.cap = 0;
		fd_close(hp.fd);
		(void)close(hp.fd);
		hp.fd = -1;
		return;
	}

	if (timerfd_settime(hp.fd, 0, &its, NULL))
		DEBUG_WARNING("timerfd_settime: %m\n", errno);
}


static void fd_handler(int flags, void *arg)
{
	uint64_t now, limit, exp;
	(void)flags;
	(void)arg;

	if (read(hp.fd, &exp, sizeof(exp)) < 0) {
		/* EAGAIN: woken for nothing, the heap decides */
	}

	/* what was started before this round; a timer a handler starts
	 * with no delay runs in the next round, as with libre */
	limit = hp.seq;
	now = tmr_jiffies();
	hp.running = true;

	while (hp.n) {
		struct media_tmr *t = hp.v[0];
		media_tmr_h *th;

		if (t->jfs > now || t->seq >= limit)
			break;

		heap_remove(t);
		th = t->th;
		t->th = NULL;
		th(t->arg);
	}

	hp.running = false;
	arm();
}


static int setup(void)
{
	int err;

	if (hp.fd >= 0)
		return 0;

	hp.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (hp.fd < 0)
		return errno;

	err = fd_listen(hp.fd, FD_READ, fd_handler, NULL);
	if (err) {
		close(hp.fd);
		hp.fd = -1;
		return err;
	}

	return 0;
}


void media_tmr_init(struct media_tmr *t)
{
	if (t)
		memset(t, 0, sizeof(*t));
}


void media_tmr_cancel(struct media_tmr *t)
{
	if (!t)
		return;

	t->th = NULL;
	if (!t->ix)
		return;

	heap_remove(t);
	arm();
}


void media_tmr_start(struct media_tmr *t, uint64_t delay_ms,
		     media_tmr_h *th, void *arg)
{
	if (!t)
		return;

	if (t->ix)
		heap_remove(t);
	t->th = NULL;

	if (!th) {
		arm();
		return;
	}

	if (setup()) {
		DEBUG_WARNING("no timerfd: timer not started\n");
		return;
	}

	if (hp.n == hp.cap) {
		const size_t cap = hp.cap ? hp.cap * 2 : 64;
		struct media_tmr **v;

		/* libre 1.1.0's mem_realloc() does not take NULL */
		v = hp.v ? mem_realloc(hp.v, cap * sizeof(*v)) :
			mem_alloc(cap * sizeof(*v), NULL);
		if (!v) {
			DEBUG_WARNING("no memory: timer not started\n");
			return;
		}
		hp.v = v;
		hp.cap = cap;
	}

	t->th  = th;
	t->arg = arg;
	t->jfs = tmr_jiffies() + delay_ms;
	t->seq = hp.seq++;

	hp.v[hp.n] = t;
	t->ix = ++hp.n;
	sift_up(hp.n - 1);

	/* only a new earliest deadline moves the timerfd */
	if (t->ix == 1)
		arm();
}


size_t media_tmr_count(void)
{
	return hp.n;
}

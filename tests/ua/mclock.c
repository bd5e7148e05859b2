/**
 * @file mclock.c  The media clock: one libre timer drives every stream.
 *
 * A timer per stream would put a thousand timers in libre's sorted list
 * and let each drift on its own.  Here one timer runs on absolute
 * deadlines (CLOCK_MONOTONIC, microseconds), so the 20 ms period does
 * not accumulate rounding; the 20 ms are cut into slots so streams are
 * spread over the period rather than sent as one burst.
 */
#include <re.h>
#include "tests/ua/ua.h"


/* A slot run more than LATE_US after its deadline counts as late: a
 * quarter of a frame, well inside what a jitter buffer absorbs. */
enum { MAX_BEHIND_US = 200000, LATE_US = 5000 };

struct ua_clock {
	struct tmr tmr;
	uint32_t slots;
	uint32_t slot;
	uint32_t frame;
	uint64_t period;        /* us per slot */
	uint64_t next;          /* deadline of the next slot */
	uint64_t late;
	uint64_t skipped;
	ua_clock_h *h;
	void *arg;
};


static void destructor(void *arg)
{
	struct ua_clock *mc = arg;

	tmr_cancel(&mc->tmr);
}


static void tick(void *arg)
{
	struct ua_clock *mc = arg;
	uint64_t now = ua_now_us(), wait;

	/* Too far behind (the process was stopped): skip, don't burst. */
	if (now > mc->next + MAX_BEHIND_US) {
		uint64_t n = (now - mc->next) / mc->period;
		mc->skipped += n;
		for (uint64_t i = 0; i < n; i++) {
			if (++mc->slot == mc->slots) {
				mc->slot = 0;
				++mc->frame;
			}
		}
		mc->next += n * mc->period;
	}

	while (now >= mc->next) {
		if (now - mc->next > LATE_US)
			++mc->late;
		mc->h(mc->slot, mc->frame, mc->arg);
		if (++mc->slot == mc->slots) {
			mc->slot = 0;
			++mc->frame;
		}
		mc->next += mc->period;
	}

	/* libre's timers count whole milliseconds: round up, so we are
	 * never early and at most 1 ms late. */
	wait = (mc->next - now + 999) / 1000;
	tmr_start(&mc->tmr, wait, tick, mc);
}


int ua_clock_alloc(struct ua_clock **mcp, uint32_t slots, ua_clock_h *h,
		 void *arg)
{
	struct ua_clock *mc;

	if (!mcp || !h || slots == 0 || slots > 20)
		return EINVAL;
	mc = mem_zalloc(sizeof(*mc), destructor);
	if (!mc)
		return ENOMEM;
	mc->slots = slots;
	mc->period = PTIME_US / slots;
	mc->h = h;
	mc->arg = arg;
	mc->next = ua_now_us() + mc->period;
	tmr_init(&mc->tmr);
	tmr_start(&mc->tmr, mc->period / 1000, tick, mc);
	*mcp = mc;
	return 0;
}


uint64_t ua_clock_late(const struct ua_clock *mc)
{
	return mc ? mc->late : 0;
}


uint64_t ua_clock_skipped(const struct ua_clock *mc)
{
	return mc ? mc->skipped : 0;
}

/**
 * @file jb.c  Jitter buffer for one RTP source
 *
 * A ring of cap samples (JB_CAP at 8 kHz) indexed by timestamp, with a flag per
 * sample telling whether it was received.  The window is
 * [play_ts, play_ts + cap): nothing is ever written outside it, and
 * flags are cleared as the playout point moves, so the ring never holds
 * stale samples.  Every input is bounded: memory is fixed at alloc time
 * whatever a flood of packets looks like.
 */
#include <string.h>
#include <re.h>
#include "media/jb_int.h"


struct media_jb {
	int16_t pcm[JB_RING];
	uint8_t have[JB_RING];
	uint32_t mult;        /* rate / 8000: scales every limit */
	uint32_t cap, maxpkt, target, maxdepth;
	uint32_t ssrc;
	uint32_t play_ts;     /* timestamp of the next sample to play */
	uint32_t end_ts;      /* one past the newest sample held */
	uint16_t last_seq;
	bool ssrc_set;
	bool anchored;        /* play_ts is meaningful */
	bool playing;         /* false while (re)buffering */
	bool seq_set;
	unsigned late_run;
	struct media_jb_stats st;
};


int media_jb_alloc(struct media_jb **jbp)
{
	struct media_jb *jb;

	if (!jbp)
		return EINVAL;

	jb = mem_zalloc(sizeof(*jb), NULL);
	if (!jb)
		return ENOMEM;

	(void)media_jb_set_rate(jb, 8000);

	*jbp = jb;
	return 0;
}


/* 8 or 16 kHz.  Restarts the buffer: what it holds is at the old rate. */
int media_jb_set_rate(struct media_jb *jb, uint32_t srate)
{
	if (!jb || (srate != 8000 && srate != 16000))
		return EINVAL;

	jb->mult     = srate / 8000;
	jb->cap      = JB_CAP * jb->mult;
	jb->maxpkt   = JB_MAXPKT * jb->mult;
	jb->target   = JB_TARGET * jb->mult;
	jb->maxdepth = JB_MAXDEPTH * jb->mult;
	memset(jb->have, 0, sizeof(jb->have));
	jb->anchored = false;
	jb->playing = false;
	jb->seq_set = false;
	jb->late_run = 0;

	return 0;
}


uint32_t media_jb_rate(const struct media_jb *jb)
{
	return jb ? jb->mult * 8000 : 0;
}


static void clear(struct media_jb *jb)
{
	memset(jb->have, 0, sizeof(jb->have));
	jb->anchored = false;
	jb->playing = false;
	jb->seq_set = false;
	jb->late_run = 0;
}


void media_jb_reset(struct media_jb *jb)
{
	if (!jb)
		return;

	clear(jb);
	jb->ssrc_set = false;
}


static void anchor(struct media_jb *jb, uint32_t ts)
{
	if (jb->anchored)
		++jb->st.resets;
	clear(jb);
	jb->anchored = true;
	jb->play_ts = ts;
	jb->end_ts = ts;
}


/* Write samples [from, n) of a packet whose first sample is ts.
 * Returns the number of samples not already held. */
static size_t store(struct media_jb *jb, uint32_t ts, const int16_t *pcm,
		    size_t from, size_t n)
{
	size_t i, fresh = 0;

	for (i = from; i < n; i++) {
		const size_t ix = (ts + (uint32_t)i) & (jb->cap - 1);

		if (jb->have[ix])
			continue;
		jb->pcm[ix] = pcm[i];
		jb->have[ix] = 1;
		++fresh;
	}

	return fresh;
}


/**
 * Store one decoded packet.
 *
 * @return 0 if stored, EALREADY for a duplicate, ETIMEDOUT when too late,
 *         EINVAL for an empty or oversized packet
 */
int media_jb_put(struct media_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
		 const int16_t *pcm, size_t n)
{
	size_t from = 0;
	int32_t d;

	if (!jb || !pcm)
		return EINVAL;

	if (n == 0 || n > jb->maxpkt) {
		++jb->st.bad;
		return EINVAL;
	}

	if (!jb->ssrc_set || ssrc != jb->ssrc) {
		if (jb->ssrc_set)
			++jb->st.resets;
		clear(jb);
		jb->ssrc = ssrc;
		jb->ssrc_set = true;
	}

	if (!jb->anchored)
		anchor(jb, ts);

	d = (int32_t)(ts - jb->play_ts);

	if (d < 0 && !jb->playing &&
	    (int64_t)(int32_t)(jb->end_ts - ts) <= jb->cap - jb->maxpkt) {
		/* Reordered ahead of the first packet, before playout
		 * started: just start earlier. */
		jb->play_ts = ts;
		d = 0;
	}

	if (d < 0) {
		/* A sender that restarted its timestamps while its
		 * sequence runs on is a new timeline, not a late packet. */
		bool restart = jb->seq_set &&
			(uint16_t)(seq - jb->last_seq) == 1 &&
			d <= -(int32_t)jb->cap;

		if (-(int64_t)d >= (int64_t)n && !restart &&
		    ++jb->late_run < JB_RESYNC) {
			++jb->st.late;
			return ETIMEDOUT;
		}

		if (-(int64_t)d >= (int64_t)n) {
			anchor(jb, ts);
			d = 0;
		}
		else {
			from = (size_t)-d;   /* only the tail is in time */
		}
	}
	else if ((int64_t)d + (int64_t)n > jb->cap) {
		/* Too far ahead to hold: the sender jumped (silence
		 * suppression, hold, restart).  Follow it. */
		anchor(jb, ts);
		d = 0;
	}

	jb->late_run = 0;

	if (!store(jb, ts, pcm, from, n)) {
		++jb->st.dup;
		return EALREADY;
	}

	if ((int32_t)(ts + (uint32_t)n - jb->end_ts) > 0)
		jb->end_ts = ts + (uint32_t)n;

	jb->last_seq = seq;
	jb->seq_set = true;
	++jb->st.put;

	return 0;
}


static void drop(struct media_jb *jb, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++)
		jb->have[(jb->play_ts + i) & (jb->cap - 1)] = 0;

	jb->play_ts += count;
}


/**
 * Play out one frame of n samples (n <= JB_CAP / 4).
 *
 * @return true with the frame filled (gaps as silence), false when
 *         there is nothing to play (empty or still buffering)
 */
bool media_jb_get(struct media_jb *jb, int16_t *frame, size_t n)
{
	int32_t depth;
	size_t i;

	if (!jb || !frame || n == 0 || n > jb->cap / 4 || !jb->anchored)
		return false;

	depth = (int32_t)(jb->end_ts - jb->play_ts);

	if (depth <= 0) {
		if (jb->playing)
			++jb->st.underruns;
		/* Re-anchor on the next packet: after a gap (silence
		 * suppression, loss) play it as soon as it is buffered. */
		clear(jb);
		return false;
	}

	if (!jb->playing) {
		if (depth < (int32_t)jb->target)
			return false;
		jb->playing = true;
	}

	if (depth > (int32_t)jb->maxdepth) {
		/* The sender's clock runs faster than ours, or a burst
		 * arrived: keep the delay bounded. */
		const uint32_t excess = (uint32_t)depth - jb->target;

		drop(jb, excess);
		jb->st.trimmed += excess;
	}

	for (i = 0; i < n; i++) {
		const size_t ix = (jb->play_ts + (uint32_t)i) & (jb->cap - 1);

		if (jb->have[ix]) {
			frame[i] = jb->pcm[ix];
			jb->have[ix] = 0;
		}
		else {
			frame[i] = 0;
			++jb->st.concealed;
		}
	}

	jb->play_ts += (uint32_t)n;

	return true;
}


unsigned media_jb_depth(const struct media_jb *jb)
{
	int32_t depth;

	if (!jb || !jb->anchored)
		return 0;

	depth = (int32_t)(jb->end_ts - jb->play_ts);

	return depth > 0 ? (unsigned)depth : 0;
}


void media_jb_stats(const struct media_jb *jb, struct media_jb_stats *st)
{
	if (!jb || !st)
		return;

	*st = jb->st;
}

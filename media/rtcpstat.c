/**
 * @file rtcpstat.c  Receiver statistics and reception report blocks,
 * RFC 3550 appendix A.1 (sequence numbers), A.3 (expected and lost
 * packets), A.8 (interarrival jitter), with LSR/DLSR from 6.4.1.
 *
 * Pure arithmetic; the caller gives the times.  Written from the RFC's
 * text and pseudo-code (the formulas, not any implementation).
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/rtpp_int.h"
#include "media/rtcpstat_int.h"


enum {
	MAX_DROPOUT    = 3000,
	MAX_MISORDER   = 100,
	MIN_SEQUENTIAL = 2,
};

#define RTP_SEQ_MOD (1u << 16)


static struct media_rtcp_stats totals;
static media_rtcp_h *observer;
static void *observer_arg;


void media_rtcp_totals(struct media_rtcp_stats *st)
{
	if (st)
		*st = totals;
}


void media_rtcp_observer(media_rtcp_h *h, void *arg)
{
	observer = h;
	observer_arg = arg;
}


void media_rtcpstat_sent(bool with_block)
{
	++totals.sent;
	if (with_block)
		++totals.blocks_sent;
}


void media_rtcpstat_peer(uint8_t fraction, uint32_t jitter_us)
{
	++totals.blocks_received;
	if (observer)
		observer(fraction, jitter_us, observer_arg);
}


/* A.1 init_seq */
static void init_seq(struct media_rxstat *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;   /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}


void media_rxstat_reset(struct media_rxstat *s, uint32_t ssrc, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	s->init = true;
	s->ssrc = ssrc;
	init_seq(s, seq);
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = MIN_SEQUENTIAL;
}


/* A.1 update_seq, as the RFC gives it */
bool media_rxstat_seq(struct media_rxstat *s, uint16_t seq)
{
	const uint16_t udelta = (uint16_t)(seq - s->max_seq);

	/* Source is not valid until MIN_SEQUENTIAL packets with
	 * sequential sequence numbers have been received. */
	if (s->probation) {
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				return true;
			}
		}
		else {
			s->probation = MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	}
	else if (udelta < MAX_DROPOUT) {
		/* in order, with permissible gap */
		if (seq < s->max_seq) {
			/* sequence number wrapped: another 64K cycle */
			s->cycles += RTP_SEQ_MOD;
		}
		s->max_seq = seq;
	}
	else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* the sequence number made a very large jump */
		if (seq == s->bad_seq) {
			/* two sequential packets: the other side restarted
			 * without telling us, so just re-sync */
			init_seq(s, seq);
		}
		else {
			s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return false;
		}
	}
	else {
		/* duplicate or reordered packet */
	}

	s->received++;
	return true;
}


/* A.8: D(i-1,i) from transit times, J += (|D| - J) / 16, kept
 * scaled by 16 in integers as the RFC's second form does */
void media_rxstat_jitter(struct media_rxstat *s, uint32_t ts,
			 uint32_t arrival)
{
	const uint32_t transit = arrival - ts;
	int32_t d;

	if (!s->transit_set) {
		s->transit = transit;
		s->transit_set = true;
		return;
	}

	d = (int32_t)(transit - s->transit);
	s->transit = transit;
	if (d < 0)
		d = -d;

	s->jitter_q4 += (uint32_t)d - ((s->jitter_q4 + 8) >> 4);
}


void media_rxstat_rtp(struct media_rxstat *s, uint32_t ssrc, uint16_t seq,
		      uint32_t ts, uint64_t now_us, uint32_t rate)
{
	uint32_t arrival;

	if (!s->init || s->ssrc != ssrc)
		media_rxstat_reset(s, ssrc, seq);

	if (!media_rxstat_seq(s, seq))
		return;

	/* arrival on the sender's RTP clock; only differences matter */
	arrival = (uint32_t)(now_us * rate / 1000000);
	media_rxstat_jitter(s, ts, arrival);
}


void media_rxstat_sr(struct media_rxstat *s, uint32_t ntp_sec,
		     uint32_t ntp_frac, uint64_t now_us)
{
	s->lsr = (ntp_sec << 16) | (ntp_frac >> 16);
	s->lsr_at_us = now_us;
}


/* A.3 */
bool media_rxstat_block(struct media_rxstat *s, struct media_rtpp_rb *rb,
			uint64_t now_us)
{
	uint32_t extended_max, expected, expected_interval;
	uint32_t received_interval;
	int64_t lost, lost_interval;

	if (!s->init || s->probation)
		return false;

	extended_max = s->cycles + s->max_seq;
	expected = extended_max - s->base_seq + 1;
	lost = (int64_t)expected - s->received;

	/* clamp to the 24-bit signed field (6.4.1) */
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	else if (lost < -0x800000)
		lost = -0x800000;

	expected_interval = expected - s->expected_prior;
	s->expected_prior = expected;
	received_interval = s->received - s->received_prior;
	s->received_prior = s->received;
	lost_interval = (int64_t)expected_interval - received_interval;

	memset(rb, 0, sizeof(*rb));
	rb->ssrc = s->ssrc;
	if (expected_interval == 0 || lost_interval <= 0)
		rb->fraction = 0;
	else
		rb->fraction = (uint8_t)((lost_interval << 8) /
					 expected_interval);
	rb->lost = (int32_t)lost;
	rb->ext_max_seq = extended_max;
	rb->jitter = s->jitter_q4 >> 4;

	if (s->lsr) {
		rb->lsr = s->lsr;
		rb->dlsr = (uint32_t)((now_us - s->lsr_at_us) * 65536 /
				      1000000);
	}

	return true;
}


uint32_t media_rtcp_rtt_us(uint32_t arrival_ntp32, uint32_t lsr,
			   uint32_t dlsr)
{
	uint32_t rtt;

	if (!lsr)
		return 0;

	rtt = arrival_ntp32 - lsr - dlsr;

	/* negative (clock trouble) or implausible (> 1 min): unknown */
	if ((int32_t)rtt < 0 || rtt > 60u * 65536)
		return 0;

	return (uint32_t)((uint64_t)rtt * 1000000 / 65536);
}

/**
 * @file test_rtcp.c  Reception statistics and report blocks: RFC 3550
 * A.1 (sequence validation, wrap), A.3 (expected, lost, fraction),
 * A.8 (jitter), 6.4.1 (LSR/DLSR and the RTT example), and the encoded
 * SR/RR read back by libre's own RTCP decoder.
 *
 * Expected values are worked out here from the RFC's formulas, by
 * hand or in floating point, not taken from the code under test.
 */
#include <string.h>
#include <math.h>
#include <re.h>
#include "media/media.h"
#include "media/rtpp_int.h"
#include "media/rtcpstat_int.h"
#include "check.h"


/* RFC 3550 6.4.1, the example in the text: LSR 0xb705:2000
 * (46853.125 s), DLSR 0x0005:4000 (5.25 s), arrival 0xb710:8000
 * (46864.500 s): the round trip is 0x0006:2000, 6.125 s. */
static int test_rtt_example(void)
{
	CHECK_EQ(media_rtcp_rtt_us(0xb7108000, 0xb7052000, 0x00054000),
		 6125000);
	/* no SR seen yet: LSR 0, unknown */
	CHECK_EQ(media_rtcp_rtt_us(0xb7108000, 0, 0x00054000), 0);
	/* "negative" round trip (clocks): unknown, not 4 billion */
	CHECK_EQ(media_rtcp_rtt_us(0xb7050000, 0xb7052000, 0), 0);
	return 0;
}


/* A.1: a source is valid after MIN_SEQUENTIAL (2) in-order packets;
 * base_seq is the packet that completed probation. */
static int test_probation(void)
{
	struct media_rxstat s;
	struct media_rtpp_rb rb;

	media_rxstat_reset(&s, 0x11, 1000);
	CHECK(!media_rxstat_block(&s, &rb, 0));   /* nothing valid yet */
	CHECK(!media_rxstat_seq(&s, 1000));       /* first: probation */
	CHECK(media_rxstat_seq(&s, 1001));        /* second: valid */
	CHECK(media_rxstat_seq(&s, 1002));

	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.ssrc, 0x11);
	CHECK_EQ(rb.ext_max_seq, 1002);
	/* expected 1002 - 1001 + 1 = 2, received 2 */
	CHECK_EQ(rb.lost, 0);
	CHECK_EQ(rb.fraction, 0);

	/* out of order during probation restarts it */
	media_rxstat_reset(&s, 0x12, 5);
	CHECK(!media_rxstat_seq(&s, 5));
	CHECK(!media_rxstat_seq(&s, 9));
	CHECK(media_rxstat_seq(&s, 10));
	return 0;
}


/* A.1 wrap and A.3 loss: seq 65530..65535, 0..9 with 3 and 4 lost */
static int test_wrap_loss(void)
{
	struct media_rxstat s;
	struct media_rtpp_rb rb;
	uint32_t seq;

	media_rxstat_reset(&s, 7, 65529);
	(void)media_rxstat_seq(&s, 65529);
	for (seq = 65530; seq < 65536 + 10; seq++) {
		if (seq == 65536 + 3 || seq == 65536 + 4)
			continue;
		(void)media_rxstat_seq(&s, (uint16_t)seq);
	}

	CHECK(media_rxstat_block(&s, &rb, 0));
	/* one cycle: extended highest = 65536 + 9 */
	CHECK_EQ(rb.ext_max_seq, 65536 + 9);
	/* expected = 65545 - 65530 + 1 = 16, received 14 */
	CHECK_EQ(rb.lost, 2);
	/* fraction = floor(2 * 256 / 16) = 32 */
	CHECK_EQ(rb.fraction, 32);

	/* the next interval: 10 more, none lost -> fraction 0, cumulative
	 * still 2 */
	for (seq = 10; seq < 20; seq++)
		(void)media_rxstat_seq(&s, (uint16_t)seq);
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.fraction, 0);
	CHECK_EQ(rb.lost, 2);
	CHECK_EQ(rb.ext_max_seq, 65536 + 19);

	/* 100 expected, 5 lost: floor(5 * 256 / 100) = 12 */
	for (seq = 20; seq < 120; seq++) {
		if (seq % 20 == 7)
			continue;
		(void)media_rxstat_seq(&s, (uint16_t)seq);
	}
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.fraction, 12);
	CHECK_EQ(rb.lost, 7);

	/* duplicates: more received than expected; fraction is 0, not
	 * a negative number cast to 8 bits (6.4.1) */
	for (seq = 120; seq < 130; seq++) {
		(void)media_rxstat_seq(&s, (uint16_t)seq);
		(void)media_rxstat_seq(&s, (uint16_t)seq);
	}
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.fraction, 0);
	CHECK_EQ(rb.lost, 7 - 10);
	return 0;
}


/* A.1: a jump beyond MAX_DROPOUT is not believed until a second
 * packet follows it; then the sequence restarts there */
static int test_jump(void)
{
	struct media_rxstat s;
	struct media_rtpp_rb rb;

	media_rxstat_reset(&s, 9, 100);
	(void)media_rxstat_seq(&s, 100);
	CHECK(media_rxstat_seq(&s, 101));
	CHECK(!media_rxstat_seq(&s, 30000));
	CHECK(media_rxstat_seq(&s, 30001));
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.ext_max_seq, 30001);
	CHECK_EQ(rb.lost, 0);
	return 0;
}


/* A.8: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1)) / 16 */
static int test_jitter(void)
{
	struct media_rxstat s;
	struct media_rtpp_rb rb;
	double j = 0;
	uint32_t i;

	memset(&s, 0, sizeof(s));
	media_rxstat_reset(&s, 1, 0);

	/* constant transit: no jitter */
	for (i = 0; i < 50; i++)
		media_rxstat_jitter(&s, i * 160, 1000 + i * 160);
	CHECK_EQ(s.jitter_q4 >> 4, 0);

	/* transit alternating +0 / +160 units: |D| = 160 every packet */
	media_rxstat_reset(&s, 1, 0);
	media_rxstat_jitter(&s, 0, 5000);
	media_rxstat_jitter(&s, 160, 5000 + 160 + 160);
	CHECK_EQ(s.jitter_q4 >> 4, 10);          /* 160 / 16 */
	media_rxstat_jitter(&s, 320, 5000 + 320);
	CHECK_EQ(s.jitter_q4 >> 4, 19);          /* 10 + 150/16 = 19.375 */

	media_rxstat_reset(&s, 1, 0);
	for (i = 0; i < 200; i++) {
		media_rxstat_jitter(&s, i * 160, 7 + i * 160 +
				    (i % 2 ? 160 : 0));
		if (i)
			j += (160 - j) / 16;
		/* the integer form tracks the real one within rounding */
		CHECK(fabs(s.jitter_q4 / 16.0 - j) <= 0.5);
	}

	/* the block reports J in timestamp units */
	s.probation = 0;
	s.received = 1;
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK(rb.jitter >= 158 && rb.jitter <= 160);
	return 0;
}


/* 6.4.1: LSR is the middle 32 bits of the SR's NTP timestamp, DLSR
 * the delay since it arrived in 1/65536 s */
static int test_lsr_dlsr(void)
{
	struct media_rxstat s;
	struct media_rtpp_rb rb;

	media_rxstat_reset(&s, 5, 10);
	(void)media_rxstat_seq(&s, 10);
	(void)media_rxstat_seq(&s, 11);
	CHECK(media_rxstat_block(&s, &rb, 0));
	CHECK_EQ(rb.lsr, 0);                /* no SR yet: both 0 */
	CHECK_EQ(rb.dlsr, 0);

	media_rxstat_sr(&s, 0x0000b705, 0x20000000, 1000000);
	CHECK(media_rxstat_block(&s, &rb, 3500000));
	CHECK_EQ(rb.lsr, 0xb7052000);
	CHECK_EQ(rb.dlsr, 163840);          /* 2.5 s * 65536 */
	return 0;
}


/* RFC 3550 6.4.1/6.4.2 layout, read by libre's decoder */
static int test_encode(void)
{
	struct media_rtpp_sr sr;
	struct rtcp_msg *msg = NULL;
	struct mbuf *mb = mbuf_alloc(256);
	int k;

	CHECK(mb != NULL);

	for (k = 0; k < 2; k++) {
		memset(&sr, 0, sizeof(sr));
		sr.ssrc = 0xdeadbeef;
		sr.psent = 5;
		sr.has_rb = true;
		sr.rb.ssrc = 0x01020304;
		sr.rb.fraction = 32;
		sr.rb.lost = -3;
		sr.rb.ext_max_seq = 0x00010009;
		sr.rb.jitter = 159;
		sr.rb.lsr = 0xb7052000;
		sr.rb.dlsr = 163840;

		mbuf_rewind(mb);
		CHECK_EQ(media_rtpp_rtcp_encode(mb, &sr, k == 1, "c@x"), 0);
		/* RR: 8 + 24; SR: 28 + 24; then the SDES chunk */
		CHECK_EQ(mb->buf[0], 0x81);
		CHECK_EQ(mb->buf[1], k ? RTCP_SR : RTCP_RR);
		CHECK_EQ(media_rtpp_rtcp_walk(mb->buf, mb->end, NULL, NULL),
			 0);

		mb->pos = 0;
		CHECK_EQ(rtcp_decode(&msg, mb), 0);
		CHECK_EQ(msg->hdr.count, 1);
		{
			const struct rtcp_rr *rr = k ? msg->r.sr.rrv
				: msg->r.rr.rrv;

			CHECK_EQ(k ? msg->r.sr.ssrc : msg->r.rr.ssrc,
				 0xdeadbeef);
			CHECK_EQ(rr->ssrc, 0x01020304);
			CHECK_EQ(rr->fraction, 32);
			CHECK_EQ(rr->lost, -3);
			CHECK_EQ(rr->last_seq, 0x00010009);
			CHECK_EQ(rr->jitter, 159);
			CHECK_EQ(rr->lsr, 0xb7052000);
			CHECK_EQ(rr->dlsr, 163840);
		}
		msg = mem_deref(msg);
	}

	/* without a block: RC 0, as before */
	memset(&sr, 0, sizeof(sr));
	mbuf_rewind(mb);
	CHECK_EQ(media_rtpp_rtcp_encode(mb, &sr, false, "c@x"), 0);
	CHECK_EQ(mb->buf[0], 0x80);
	CHECK_EQ(mb->buf[3], 1);

	mem_deref(mb);
	return 0;
}


TEST_MAIN("rtcp",
	  CASE(test_rtt_example),
	  CASE(test_probation),
	  CASE(test_wrap_loss),
	  CASE(test_jump),
	  CASE(test_jitter),
	  CASE(test_lsr_dlsr),
	  CASE(test_encode))

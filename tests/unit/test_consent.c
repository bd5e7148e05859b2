/**
 * @file test_consent.c  Media consent (media/consent.c: symmetric RTP
 * latching and the idle clock) and the SDP address checks that run
 * before libre's decoder (focus/sdp_addr.c).
 */
#include <string.h>
#include <re.h>
#include "media/consent_int.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "check.h"


static struct sa addr(const char *ip, uint16_t port)
{
	struct sa sa;

	(void)sa_set_str(&sa, ip, port);
	return sa;
}


static bool is(const struct sa *sa, const char *ip, uint16_t port)
{
	struct sa x = addr(ip, port);

	return sa && sa_cmp(sa, &x, SA_ALL);
}


/* Nothing is sent before a packet came, whatever the SDP said. */
static int test_nothing_before_media(void)
{
	struct media_consent c;
	struct sa rtp = addr("192.0.2.9", 4000), rtcp = addr("192.0.2.9", 4001);
	bool mux = true;

	media_consent_init(&c, 1000);
	CHECK(media_consent_rtp_dst(&c) == NULL);
	CHECK(media_consent_rtcp_dst(&c, &mux) == NULL);

	media_consent_answer(&c, &rtp, &rtcp, false, 1000);
	CHECK(media_consent_rtp_dst(&c) == NULL);
	CHECK(media_consent_rtcp_dst(&c, &mux) == NULL);
	CHECK_EQ(c.packets, 0);

	return 0;
}


/* RTP goes where authenticated RTP came from, not to the SDP port. */
static int test_latch_and_relatch(void)
{
	struct media_consent c;
	struct sa sdp = addr("127.0.0.1", 4000), sdpc = addr("127.0.0.1", 4001);
	struct sa y = addr("127.0.0.1", 5002), z = addr("127.0.0.1", 6000);

	media_consent_init(&c, 0);
	media_consent_answer(&c, &sdp, &sdpc, false, 0);

	media_consent_rtp(&c, &y, 10);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 5002));
	CHECK_EQ(c.latches, 1);

	/* the same source again: no new latch */
	media_consent_rtp(&c, &y, 20);
	CHECK_EQ(c.latches, 1);
	CHECK_EQ(c.packets, 2);

	/* a re-INVITE does not move the latch, packets do */
	media_consent_answer(&c, &sdp, &sdpc, false, 30);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 5002));
	media_consent_rtp(&c, &z, 40);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 6000));
	CHECK_EQ(c.latches, 2);

	/* RTP alone gives no RTCP destination */
	CHECK(media_consent_rtcp_dst(&c, NULL) == NULL);

	media_consent_revoke(&c);
	CHECK(media_consent_rtp_dst(&c) == NULL);

	/* no source: ignored */
	media_consent_rtp(&c, NULL, 50);
	CHECK(media_consent_rtp_dst(&c) == NULL);

	return 0;
}


static int test_rtcp(void)
{
	struct media_consent c;
	struct sa sdp = addr("127.0.0.1", 4000), sdpc = addr("127.0.0.1", 4001);
	struct sa other = addr("127.0.0.1", 7001);
	bool mux;

	/* RTCP on the RTCP port: back there, not muxed */
	media_consent_init(&c, 0);
	media_consent_answer(&c, &sdp, &sdpc, false, 0);
	media_consent_rtcp(&c, &other, false, 5);
	mux = true;
	CHECK(is(media_consent_rtcp_dst(&c, &mux), "127.0.0.1", 7001));
	CHECK(!mux);
	/* ... but from elsewhere than the SDP's RTCP address, it gives no
	 * RTP destination */
	CHECK(media_consent_rtp_dst(&c) == NULL);

	/* RTCP from exactly the SDP's RTCP address: a listener that sends
	 * no RTP gets RTP at the SDP's RTP address */
	media_consent_rtcp(&c, &sdpc, false, 6);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 4000));

	/* rtcp-mux: RTCP on the RTP port; RTP may follow it there */
	media_consent_init(&c, 0);
	media_consent_answer(&c, &sdp, &sdpc, false, 0);
	media_consent_rtcp(&c, &other, true, 5);
	mux = false;
	CHECK(is(media_consent_rtcp_dst(&c, &mux), "127.0.0.1", 7001));
	CHECK(mux);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 7001));

	/* latched RTP wins over the RTCP source */
	media_consent_rtp(&c, &sdp, 7);
	CHECK(is(media_consent_rtp_dst(&c), "127.0.0.1", 4000));

	return 0;
}


/* The idle clock: from the answer, reset by packets, stopped on hold,
 * restarted when coming back from hold but not by another re-INVITE. */
static int test_idle(void)
{
	struct media_consent c;
	struct sa sdp = addr("127.0.0.1", 4000), src = addr("127.0.0.1", 4000);

	media_consent_init(&c, 100);
	CHECK_EQ(media_consent_idle(&c, 5000), 0);   /* not answered yet */

	media_consent_answer(&c, &sdp, NULL, false, 1000);
	CHECK_EQ(media_consent_idle(&c, 1000), 0);
	CHECK_EQ(media_consent_idle(&c, 4000), 3000);

	media_consent_rtp(&c, &src, 4000);
	CHECK_EQ(media_consent_idle(&c, 4500), 500);

	/* a re-INVITE that is not a resume keeps the clock running */
	media_consent_answer(&c, &sdp, NULL, false, 9000);
	CHECK_EQ(media_consent_idle(&c, 9000), 5000);

	/* RTCP counts too */
	media_consent_rtcp(&c, &src, true, 9000);
	CHECK_EQ(media_consent_idle(&c, 9100), 100);

	/* hold: no idle time however long */
	media_consent_answer(&c, &sdp, NULL, true, 10000);
	CHECK_EQ(media_consent_idle(&c, 100000), 0);

	/* resume: counted from the resume */
	media_consent_answer(&c, &sdp, NULL, false, 200000);
	CHECK_EQ(media_consent_idle(&c, 203000), 3000);

	/* a clock that went backwards gives 0, not a huge value */
	CHECK_EQ(media_consent_idle(&c, 1), 0);

	return 0;
}


/* ---- focus/sdp_addr.c --------------------------------------------- */


static int check_sdp(const char *sdp, bool hold_ok, bool *hold,
		     struct negotiation_error *ne)
{
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	memset(ne, 0, sizeof(*ne));
	(void)mbuf_write_str(mb, sdp);
	mb->pos = 0;
	err = sdp_addr_check(mb, hold_ok, hold, ne);
	/* the body is not consumed */
	if (mb->pos != 0)
		err = EFAULT;
	mem_deref(mb);
	return err;
}


#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"


static int test_sdp_good(void)
{
	struct negotiation_error ne;
	bool hold = true;

	CHECK_EQ(check_sdp(HEAD "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n", false, &hold, &ne), 0);
	CHECK(!hold);
	/* the edges of the port range, a declined stream, a port count */
	CHECK_EQ(check_sdp(HEAD "c=IN IP4 127.0.0.1\r\n"
			   "m=audio 65535 RTP/AVP 0\r\n"
			   "m=video 0 RTP/AVP 96\r\n"
			   "m=audio 1/2 RTP/AVP 0\r\n", false, NULL, &ne), 0);
	CHECK_EQ(check_sdp(HEAD "c=IN IP6 ::1\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n"
			   "a=rtcp:65535 IN IP6 ::1\r\n", false, NULL, &ne), 0);
	/* a bad address on a declined stream is never used */
	CHECK_EQ(check_sdp(HEAD "m=audio 4000 RTP/AVP 0\r\n"
			   "c=IN IP4 127.0.0.1\r\n"
			   "m=video 0 RTP/AVP 96\r\n"
			   "c=IN IP4 224.0.0.1\r\n", false, NULL, &ne), 0);
	/* a bad session c= that every active m-line overrides */
	CHECK_EQ(check_sdp(HEAD "c=IN IP4 255.255.255.255\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n"
			   "c=IN IP4 127.0.0.1\r\n", false, NULL, &ne), 0);
	/* LF only, and garbage left to libre's decoder */
	CHECK_EQ(check_sdp("v=0\nc=IN IP4 127.0.0.1\nm=audio 7x0z RTP/AVP 0\n",
			   false, NULL, &ne), 0);

	return 0;
}


static int test_sdp_bad(void)
{
	static const struct {
		const char *sdp;
		uint16_t warn;
	} bad[] = {
		{HEAD "c=IN IP4 255.255.255.255\r\nm=audio 4000 RTP/AVP 0\r\n",
		 399},
		{HEAD "c=IN IP4 224.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n", 330},
		{HEAD "c=IN IP4 239.1.2.3/127\r\nm=audio 4000 RTP/AVP 0\r\n",
		 330},
		{HEAD "c=IN IP4 10.0.0.1/16\r\nm=audio 4000 RTP/AVP 0\r\n",
		 330},
		{HEAD "c=IN IP6 ff02::1\r\nm=audio 4000 RTP/AVP 0\r\n", 330},
		{HEAD "c=IN IP6 ::\r\nm=audio 4000 RTP/AVP 0\r\n", 399},
		{HEAD "c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 70000 RTP/AVP 0\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 65536 RTP/AVP 0\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 99999999999 RTP/AVP 0\r\n",
		 399},
		/* a declined stream's port is still range-checked: libre
		 * would make 65536 a port 0 and 65537 a port 1 */
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		 "m=video 65537 RTP/AVP 96\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		 "a=rtcp:70001\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		 "a=rtcp:0\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		 "a=rtcp:4001 IN IP4 255.255.255.255\r\n", 399},
		{HEAD "c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		 "c=IN IP4 224.0.0.1\r\n", 330},
	};
	struct negotiation_error ne;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = check_sdp(bad[i].sdp, false, NULL, &ne);

		if (err != EPROTO || ne.scode != 488 ||
		    ne.warn_code != bad[i].warn || !ne.warn_text) {
			fprintf(stderr, "case %zu: err %d scode %u warn %u\n",
				i, err, ne.scode, ne.warn_code);
			return EINVAL;
		}
	}

	return 0;
}


/* c=0.0.0.0 is legacy hold (RFC 3264 8.4): only where a call exists. */
static int test_sdp_hold(void)
{
	static const char sdp[] =
		HEAD "c=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n";
	struct negotiation_error ne;
	bool hold = false;

	CHECK_EQ(check_sdp(sdp, true, &hold, &ne), 0);
	CHECK(hold);
	CHECK_EQ(check_sdp(sdp, false, &hold, &ne), EPROTO);
	CHECK_EQ(ne.scode, 488);

	/* :: is never hold */
	CHECK_EQ(check_sdp(HEAD "c=IN IP6 ::\r\nm=audio 4000 RTP/AVP 0\r\n",
			   true, &hold, &ne), EPROTO);

	return 0;
}


TEST_MAIN("consent",
	  CASE(test_nothing_before_media),
	  CASE(test_latch_and_relatch),
	  CASE(test_rtcp),
	  CASE(test_idle),
	  CASE(test_sdp_good),
	  CASE(test_sdp_bad),
	  CASE(test_sdp_hold))

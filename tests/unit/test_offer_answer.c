/**
 * @file test_offer_answer.c  The focus's SDP offer/answer over all its
 * streams (focus/offer_answer.c and the sdp_*.c stream files): answers
 * to offers, refusals with their SIP codes, re-offers, and the focus's
 * own offer with the answer to it.  No SIP: a participant is built by
 * hand, as the fuzz target does.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "media/media.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "tests/unit/check.h"


static struct focus tf;
static struct conference tconf;


static void part_destructor(void *arg)
{
	struct participant *p = arg;

	mem_deref(p->bfcp);
	mem_deref(p->msrp);
	mem_deref(p->video);
	mem_deref(p->audio);
	mem_deref(p->sdp);
}


static int part_new(struct participant **pp, enum confdef_srtp srtp)
{
	struct participant *p;
	int err;

	p = mem_zalloc(sizeof(*p), part_destructor);
	if (!p)
		return ENOMEM;

	tconf.def->srtp = srtp;
	p->conf = &tconf;
	p->uri = "sip:alice@example.org";
	err = oa_setup(p);
	if (err) {
		mem_deref(p);
		return err;
	}

	*pp = p;
	return 0;
}


static struct mbuf *mb_str(const char *s)
{
	struct mbuf *mb = mbuf_alloc(strlen(s) + 1);

	if (!mb)
		return NULL;
	(void)mbuf_write_str(mb, s);
	mb->pos = 0;
	return mb;
}


/* Our SDP as a string (answer or offer), for strstr. */
static int encode(struct participant *p, bool offer, char *buf, size_t sz)
{
	struct mbuf *mb = NULL;
	int err;

	err = oa_encode(p, &mb, offer);
	if (err)
		return err;

	if (re_snprintf(buf, sz, "%b", mb->buf, mb->end) < 0)
		err = ENOSPC;
	mem_deref(mb);
	return err;
}


#define KEY "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"

#define HDR "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n" \
	"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"

#define AUDIO_SAVP(fmts) "m=audio 5000 RTP/SAVP " fmts "\r\n" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n"

#define SLIDES "m=video 5002 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n" \
	"a=content:slides\r\n" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n"

#define CHAT "m=message 5004 TCP/MSRP *\r\n" \
	"a=path:msrp://127.0.0.1:5004/s1;tcp\r\na=accept-types:*\r\n"

#define BFCP "m=application 5006 TCP/BFCP *\r\na=floorctrl:c-only\r\n" \
	"a=setup:active\r\n"


static int offer(struct participant *p, const char *sdp,
		 struct negotiation_error *ne)
{
	struct mbuf *mb = mb_str(sdp);
	int err;

	if (!mb)
		return ENOMEM;
	memset(ne, 0, sizeof(*ne));
	err = oa_offer_received(p, mb, ne);
	mem_deref(mb);
	return err;
}


/* Every stream answered in the offer's order: one codec, our own keys,
 * the slides labelled, the chat on a port of its own; BFCP without a
 * floor server declined with port 0 (RFC 3264 6), the call goes on. */
static int test_answer_all_streams(void)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	char ans[4096];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);

	err = offer(p, HDR AUDIO_SAVP("8 0 101")
		    "a=rtpmap:101 telephone-event/8000\r\n"
		    SLIDES CHAT BFCP, &ne);
	if (err)
		goto out;
	err = encode(p, false, ans, sizeof(ans));
	if (err)
		goto out;

	err = EINVAL;
	if (!strstr(ans, "m=audio ") || strstr(ans, "m=audio 0 ") ||
	    !strstr(ans, " RTP/SAVP 8 101\r\n") || strstr(ans, "PCMU") ||
	    !strstr(ans, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"))
		goto out;
	/* a fresh key of ours, never the offerer's */
	if (strstr(ans, KEY))
		goto out;
	if (!strstr(ans, "m=video ") || strstr(ans, "m=video 0 ") ||
	    !strstr(ans, "a=content:slides") ||
	    !strstr(ans, "a=label:slides"))
		goto out;
	if (!strstr(ans, "m=message ") || strstr(ans, "m=message 0 ") ||
	    !strstr(ans, "a=path:msrp://"))
		goto out;
	if (!strstr(ans, "m=application 0 TCP/BFCP"))
		goto out;
	/* m-lines in the offer's order */
	if (!(strstr(ans, "m=audio") < strstr(ans, "m=video") &&
	      strstr(ans, "m=video") < strstr(ans, "m=message") &&
	      strstr(ans, "m=message") < strstr(ans, "m=application")))
		goto out;

	if (!stream_video_slides(p->video) ||
	    stream_audio_dir(p->audio) != SDP_SENDRECV)
		goto out;
	err = 0;

 out:
	if (err)
		fprintf(stderr, "answer:\n%s\n", ans);
	mem_deref(p);
	return err;
}


static int refused(enum confdef_srtp srtp, const char *sdp,
		   uint16_t scode, uint16_t warn, const char *text)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	int err;

	CHECK_EQ(part_new(&p, srtp), 0);
	err = offer(p, sdp, &ne);
	mem_deref(p);

	CHECK(err != 0);
	CHECK_EQ(ne.scode, scode);
	CHECK_EQ(ne.warn_code, warn);
	CHECK_STR(ne.warn_text, text);
	return 0;
}


/* The audio stream decides the call; its refusals carry RFC 3261 codes */
static int test_refusals(void)
{
	int err;

	err = refused(CONFDEF_SRTP_OPTIONAL, HDR SLIDES, 488, 304,
		      "No audio stream offered");
	err |= refused(CONFDEF_SRTP_OPTIONAL,
		       HDR "m=audio 5000 RTP/AVP 9\r\n", 488, 305,
		       "Incompatible media format: PCMU or PCMA needed");
	err |= refused(CONFDEF_SRTP_REQUIRED,
		       HDR "m=audio 5000 RTP/AVP 0\r\n", 488, 399,
		       "SRTP required: no a=crypto offered");
	err |= refused(CONFDEF_SRTP_OFF, HDR AUDIO_SAVP("0"), 488, 399,
		       "SRTP is switched off for this conference");
	err |= refused(CONFDEF_SRTP_OPTIONAL,
		       "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
		       "m=audio 5000 RTP/AVP 0\r\n", 488, 399,
		       "No connection address (c=) for audio");

	return err;
}


/* A slides stream that cannot be keyed is declined, not the call. */
static int test_slides_declined(void)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	char ans[4096];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_REQUIRED), 0);
	err = offer(p, HDR AUDIO_SAVP("0")
		    "m=video 5002 RTP/AVP 96\r\na=content:slides\r\n", &ne);
	if (!err)
		err = encode(p, false, ans, sizeof(ans));
	if (!err && (!strstr(ans, "m=video 0 ") ||
		     stream_video_slides(p->video)))
		err = EINVAL;
	mem_deref(p);
	return err;
}


/* A re-offer may use any codec we support, not only the one the last
 * answer kept (RFC 3264 8): the audio stream's rewind. */
static int test_reoffer(void)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	char ans[4096];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);
	err = offer(p, HDR AUDIO_SAVP("8"), &ne);
	if (!err)
		err = offer(p, HDR AUDIO_SAVP("0")
			    "a=sendonly\r\n", &ne);
	if (!err)
		err = encode(p, false, ans, sizeof(ans));
	if (!err && (!strstr(ans, " RTP/SAVP 0\r\n") ||
		     !strstr(ans, "a=recvonly") ||
		     stream_audio_dir(p->audio) != SDP_RECVONLY))
		err = EINVAL;
	mem_deref(p);
	return err;
}


/* An offerless INVITE: our offer, then the answer in the ACK. */
static int test_our_offer(void)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	struct mbuf *mb;
	char off[4096];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);
	err = encode(p, true, off, sizeof(off));
	if (err)
		goto out;

	/* one fresh key per suite (dial-out offers them all), tags 1..4
	 * in our order of preference; no other stream offered yet */
	err = EINVAL;
	if (!strstr(off, "a=rtpmap:0 PCMU/8000") ||
	    !strstr(off, "a=rtpmap:8 PCMA/8000") ||
	    !strstr(off, "a=crypto:1 AEAD_AES_256_GCM inline:") ||
	    !strstr(off, "a=crypto:2 AEAD_AES_128_GCM inline:") ||
	    !strstr(off, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:") ||
	    !strstr(off, "a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:") ||
	    !strstr(off, "m=video 0 ") || !strstr(off, "m=message 0 ") ||
	    !strstr(off, "m=application 0 "))
		goto out;

	/* RFC 4568 5.1.2: an answer must take an offered tag with its
	 * suite; tag 1 was AEAD_AES_256_GCM */
	mb = mb_str(HDR AUDIO_SAVP("0"));
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	memset(&ne, 0, sizeof(ne));
	err = oa_answer_received(p, mb, &ne);
	mem_deref(mb);
	if (err != EPROTO || ne.scode != 488) {
		err = EINVAL;
		goto out;
	}

	/* a new offer (keys again), answered with tag 3 */
	err = encode(p, true, off, sizeof(off));
	if (err)
		goto out;
	mb = mb_str(HDR "m=audio 5000 RTP/SAVP 0\r\n"
		    "a=crypto:3 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n");
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	memset(&ne, 0, sizeof(ne));
	err = oa_answer_received(p, mb, &ne);
	mem_deref(mb);
	if (!err && stream_audio_dir(p->audio) != SDP_SENDRECV)
		err = EINVAL;

 out:
	if (err)
		fprintf(stderr, "offer:\n%s\n", off);
	mem_deref(p);
	return err;
}


static int setup(void)
{
	int err;

	err = libre_init();
	if (err)
		return err;

	sa_set_str(&tf.media_addr, "127.0.0.1", 0);
	err  = media_portpool_alloc(&tf.rtp_pool, "rtp_ports", 42000, 42999);
	err |= media_portpool_alloc(&tf.tcp_pool, "tcp_ports", 43000, 43999);
	if (err)
		return err;

	err = confdef_alloc(&tconf.def, "sip:room@example.org");
	if (err)
		return err;
	tconf.focus = &tf;

	return mixer_alloc(&tconf.mixer);
}


static const struct check_case cases[] = {
	CASE(test_answer_all_streams),
	CASE(test_refusals),
	CASE(test_slides_declined),
	CASE(test_reoffer),
	CASE(test_our_offer),
};


int main(void)
{
	int r;

	if (setup()) {
		printf("FAIL offer_answer.setup\n");
		return 1;
	}

	r = check_run("offer_answer", cases, ARRAY_SIZE(cases));

	mem_deref(tconf.chat);
	mem_deref(tconf.mixer);
	mem_deref(tconf.def);
	mem_deref(tf.rtp_pool);
	mem_deref(tf.tcp_pool);
	libre_close();
	return r;
}

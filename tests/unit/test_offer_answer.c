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
#include "media/video.h"
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
	"a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n" \
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


/* The best codec the offer has, by our preference whatever the offer's
 * order (Opus > G.722 > G.711), under the offerer's payload type;
 * telephone-event at that codec's clock; then G.722 when Opus is not
 * offered; our fmtp asks for FEC and DTX at 16 kHz at most. */
static int wideband_answer(const char *sdp, const char *want1,
			   const char *want2, const char *absent)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	char ans[4096];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);
	err = offer(p, sdp, &ne);
	if (!err)
		err = encode(p, false, ans, sizeof(ans));
	if (!err && (!strstr(ans, want1) || !strstr(ans, want2) ||
		     strstr(ans, absent)))
		err = EINVAL;
	if (err)
		fprintf(stderr, "answer:\n%s\n", ans);
	mem_deref(p);
	return err;
}


static int test_wideband_choice(void)
{
	int err;

	err = wideband_answer(HDR AUDIO_SAVP("0 8 9 96 101 97")
			      "a=rtpmap:96 opus/48000/2\r\n"
			      "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
			      "a=rtpmap:101 telephone-event/8000\r\n"
			      "a=rtpmap:97 telephone-event/48000\r\n",
			      " RTP/SAVP 96 97\r\n",
			      "a=fmtp:96 maxplaybackrate=16000;"
			      "sprop-maxcapturerate=16000;useinbandfec=1;"
			      "usedtx=1", "PCMU");
	err |= wideband_answer(HDR AUDIO_SAVP("0 9 101")
			       "a=rtpmap:101 telephone-event/8000\r\n",
			       " RTP/SAVP 9 101\r\n", "a=rtpmap:9 G722/8000",
			       "opus");
	/* telephone-event at another clock only: still answered */
	err |= wideband_answer(HDR AUDIO_SAVP("111 100")
			       "a=rtpmap:111 opus/48000/2\r\n"
			       "a=rtpmap:100 telephone-event/8000\r\n",
			       " RTP/SAVP 111 100\r\n",
			       "a=rtpmap:111 opus/48000/2", "G722");

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
		       HDR "m=audio 5000 RTP/AVP 3\r\n", 488, 305,
		       "Incompatible media format: Opus, G722, PCMU or PCMA "
		       "needed");
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


/* Two video m-lines: the main video (no a=content) and the slides, each
 * answered with one codec under the offer's payload type, the feedback
 * the offer asked for, a port and a key of its own. */
static int test_video_two_lines(void)
{
	struct participant *p = NULL;
	struct negotiation_error ne;
	char ans[4096], *v1, *v2;
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);
	err = offer(p, HDR AUDIO_SAVP("0")
		    "m=video 5008 RTP/SAVPF 100 101\r\n"
		    "b=AS:500\r\n"
		    "a=rtpmap:100 VP8/90000\r\n"
		    "a=rtpmap:101 H264/90000\r\n"
		    "a=fmtp:101 packetization-mode=1\r\n"
		    "a=rtcp-fb:* nack pli\r\n"
		    "a=rtcp-fb:100 ccm fir\r\n"
		    "a=rtcp-fb:101 goog-remb\r\n"
		    "a=rtcp-fb:100 transport-cc\r\n"
		    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " KEY "\r\n"
		    SLIDES, &ne);
	if (!err)
		err = encode(p, false, ans, sizeof(ans));
	if (err)
		goto out;

	err = EINVAL;
	v1 = strstr(ans, "m=video ");
	v2 = v1 ? strstr(v1 + 1, "m=video ") : NULL;
	if (!v1 || !v2 || strstr(ans, "m=video 0 "))
		goto out;
	if (!strstr(v2, " RTP/SAVP 96\r\n") ||
	    !strstr(v2, "a=fmtp:96 packetization-mode=1;"
		    "profile-level-id=42e01f") ||
	    !strstr(v2, "a=content:slides") || strstr(v2, "VP8"))
		goto out;
	if (!strstr(v2, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") ||
	    strstr(ans, KEY))
		goto out;
	/* main: VP8 as 100, nack pli and ccm fir (transport-cc is not
	 * produced by confd, goog-remb was offered for H.264 only) */
	v2[-1] = '\0';
	if (!strstr(v1, " RTP/SAVPF 100\r\n") ||
	    !strstr(v1, "a=rtpmap:100 VP8/90000") ||
	    !strstr(v1, "a=rtcp-fb:100 nack pli") ||
	    !strstr(v1, "a=rtcp-fb:100 ccm fir") ||
	    strstr(ans, "goog-remb") || strstr(ans, "transport-cc") ||
	    strstr(v1, "a=content:main") || strstr(v1, "H264") ||
	    !strstr(v1, "a=crypto:1 "))
		goto out;
	if (!stream_video_slides(p->video))
		goto out;
	err = 0;

 out:
	if (err)
		fprintf(stderr, "answer:\n%s\n", ans);
	mem_deref(p);
	return err;
}


/* The conference's main video is VP8 (the first participant chose it):
 * a participant offering only H.264, or H.264 without
 * packetization-mode 1, gets the line rejected with a Warning 305 and
 * keeps its audio. */
static int test_video_codec_refused(void)
{
	struct participant *p = NULL, *q = NULL;
	struct negotiation_error ne;
	char ans[4096], warn[256];
	int err;

	CHECK_EQ(part_new(&p, CONFDEF_SRTP_OPTIONAL), 0);
	CHECK_EQ(part_new(&q, CONFDEF_SRTP_OPTIONAL), 0);
	err = offer(p, HDR AUDIO_SAVP("0")
		    "m=video 5008 RTP/AVP 100 101\r\n"
		    "a=rtpmap:100 VP8/90000\r\n"
		    "a=rtpmap:101 H264/90000\r\n"
		    "a=fmtp:101 packetization-mode=1\r\n", &ne);
	if (!err)
		err = offer(q, HDR AUDIO_SAVP("0")
			    "m=video 5008 RTP/AVP 101\r\n"
			    "a=rtpmap:101 H264/90000\r\n"
			    "a=fmtp:101 packetization-mode=1\r\n", &ne);
	if (!err)
		err = encode(q, false, ans, sizeof(ans));
	if (err)
		goto out;

	err = EINVAL;
	if (re_snprintf(warn, sizeof(warn), "%H", stream_video_warning,
			q->video) < 0)
		goto out;
	if (!strstr(ans, "m=video 0 ") || strstr(ans, "m=audio 0 ") ||
	    !strstr(warn, "Warning: 305 ") || !strstr(warn, "VP8"))
		goto out;

	/* and H.264 in packetization-mode 0 alone is no codec of ours */
	err = offer(q, HDR AUDIO_SAVP("0")
		    "m=video 5008 RTP/AVP 101\r\n"
		    "a=rtpmap:101 H264/90000\r\n"
		    "a=content:slides\r\n", &ne);
	if (!err)
		err = encode(q, false, ans, sizeof(ans));
	if (!err && (!strstr(ans, "m=video 0 ") ||
		     stream_video_slides(q->video)))
		err = EINVAL;

 out:
	if (err)
		fprintf(stderr, "answer:\n%s\nwarning: %s\n", ans, warn);
	mem_deref(q);
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
	CASE(test_wideband_choice),
	CASE(test_slides_declined),
	CASE(test_reoffer),
	CASE(test_our_offer),
	CASE(test_video_two_lines),
	CASE(test_video_codec_refused),
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
	mem_deref(tconf.video);
	mem_deref(tconf.mixer);
	mem_deref(tconf.def);
	mem_deref(tf.rtp_pool);
	mem_deref(tf.tcp_pool);
	libre_close();
	return r;
}

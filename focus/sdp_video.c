/**
 * @file sdp_video.c  A floor-controlled presentation stream (m=video
 * with a=content:slides, RFC 4796).  Until a video relay exists it is
 * answered, keyed like any RTP stream, and its packets are received and
 * dropped (media/video.c owns the sockets); other video is declined.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/sdes.h"
#include "floor/sdp.h"
#include "media/media.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/sdp_crypto_int.h"


#define DEBUG_MODULE "video-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static int formats_add(struct sdp_media *m)
{
	static const char *const names[] = {
		"H264", "VP8", "VP9", "H265", "AV1", "H263-1998"
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char id[8];

		re_snprintf(id, sizeof(id), "%zu", 96 + i);
		err |= sdp_format_add(NULL, m, false, id, names[i], 90000, 1,
				      NULL, NULL, NULL, false, NULL);
	}

	return err ? ENOMEM : 0;
}


struct stream_video {
	struct sdp_media *m;
	struct video_sink *sink;       /* slides: received and dropped */
	bool slides;                   /* answered as the slides stream */
	struct sdes_crypto tx;         /* our SDES key for the slides */
	bool tx_valid;
	struct cryptopick pick;        /* take_offer's choice */
	bool accept;                   /* ... to be answered */
};


static void destructor(void *arg)
{
	struct stream_video *sv = arg;

	mem_deref(sv->sink);
	mem_deref(sv->m);
	sdes_wipe(&sv->tx);
	cryptopick_wipe(&sv->pick);
}


static int setup(struct participant *p)
{
	struct stream_video *sv;
	int err;

	sv = mem_zalloc(sizeof(*sv), destructor);
	if (!sv)
		return ENOMEM;
	p->video = sv;
	cryptopick_init(&sv->pick);

	err = sdp_media_add(&sv->m, p->sdp, "video", 9, "RTP/AVP");
	if (err)
		return err;

	err = sdp_media_set_alt_protos(sv->m, 2, "RTP/AVP", "RTP/SAVP");
	if (err)
		return err;

	return formats_add(sv->m);
}


static bool is_slides(const char *name, const char *value, void *arg)
{
	(void)name;
	(void)arg;

	/* a=content:slides or a list that names it (RFC 4796 5) */
	return value && strstr(value, "slides") != NULL;
}


static void decline(struct stream_video *sv)
{
	sv->sink = mem_deref(sv->sink);
	sv->slides = false;
	sv->accept = false;
	sdp_media_set_lport(sv->m, 0);
	sdp_media_del_lattr(sv->m, "crypto");
	if (sv->tx_valid)
		sdes_wipe(&sv->tx);
	sv->tx_valid = false;
}


static int take_offer(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct stream_video *sv = p->video;

	sv->accept = false;
	cryptopick_wipe(&sv->pick);
	cryptopick_init(&sv->pick);

	if (!sdp_media_rport(sv->m)) {
		decline(sv);
		return 0;
	}

	if (!sdp_media_rattr_apply(sv->m, "content", is_slides, NULL)) {
		DEBUG_INFO("%s: video without a=content:slides declined\n",
			   p->uri);
		decline(sv);
		return 0;
	}

	if (def->srtp != CONFDEF_SRTP_OFF)
		cryptopick_offer(&sv->pick, sv->m);

	/* an unkeyable slides stream is declined, not the whole call */
	if (cryptopick_policy(&sv->pick, sv->m, def->srtp, ne)) {
		DEBUG_INFO("%s: slides declined: %s\n", p->uri,
			   ne->warn_text);
		memset(ne, 0, sizeof(*ne));
		decline(sv);
		cryptopick_wipe(&sv->pick);
		return 0;
	}

	sv->accept = true;
	return 0;
}


static int make_answer(struct participant *p, struct negotiation_error *ne)
{
	struct stream_video *sv = p->video;
	int err;
	(void)ne;

	if (!sv->accept)
		return 0;

	if (!sv->sink) {
		err = video_sink_alloc(&sv->sink, p->conf->focus->rtp_pool,
				       &p->conf->focus->media_addr);
		if (err) {
			decline(sv);
			err = 0;
			goto out;
		}
	}

	sv->slides = true;
	sdp_media_set_lport(sv->m, video_sink_port(sv->sink));
	err  = sdp_media_set_lattr(sv->m, true, "content", "slides");
	err |= sdp_media_set_lattr(sv->m, true, "label", "%s",
				   floor_sdp_label_answer(
					   sdp_media_rattr(sv->m, "label"),
					   FOCUS_LABEL_SLIDES));
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = cryptopick_answer(sv->m, &sv->tx, &sv->tx_valid, &sv->pick);

 out:
	sv->accept = false;
	cryptopick_wipe(&sv->pick);
	return err;
}


/* As offerer (dial-out, an offerless INVITE) the focus does not offer
 * this stream yet: port 0 (RFC 3264 5.1), and the answer's m-line is
 * then declined like an offer's. */
static int make_offer(struct participant *p)
{
	sdp_media_set_lport(p->video->m, 0);
	return 0;
}


const struct stream_ops stream_video_ops = {
	.name        = "video",
	.optional    = true,
	.setup       = setup,
	.rewind      = NULL,
	.make_offer  = make_offer,
	.take_offer  = take_offer,
	.make_answer = make_answer,
	.take_answer = NULL,
};


bool stream_video_slides(const struct stream_video *sv)
{
	return sv && sv->slides;
}


const struct sdp_media *stream_video_m(const struct stream_video *sv)
{
	return sv ? sv->m : NULL;
}


enum sdp_dir stream_video_dir(const struct stream_video *sv)
{
	return sv ? sdp_media_dir(sv->m) : SDP_INACTIVE;
}

/**
 * @file sdp_video.c  A floor-controlled presentation stream (m=video
 * with a=content:slides, RFC 4796).  Until a video relay exists it is
 * answered, keyed like any RTP stream, and its packets are received and
 * dropped (media/video.c owns the sockets); other video is declined.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "keying/sdes.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "eventpkg/eventpkg.h"
#include "msrp/msrp.h"
#include "media/media.h"
#include "focus/core.h"


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


int sdpv_setup(struct participant *p)
{
	int err;

	err = sdp_media_add(&p->vm, p->sdp, "video", 9, "RTP/AVP");
	if (err)
		return err;

	err = sdp_media_set_alt_protos(p->vm, 2, "RTP/AVP", "RTP/SAVP");
	if (err)
		return err;

	return formats_add(p->vm);
}


static bool is_slides(const char *name, const char *value, void *arg)
{
	(void)name;
	(void)arg;

	/* a=content:slides or a list that names it (RFC 4796 5) */
	return value && strstr(value, "slides") != NULL;
}


static void decline(struct participant *p)
{
	p->vsink = mem_deref(p->vsink);
	p->video_slides = false;
	sdp_media_set_lport(p->vm, 0);
	sdp_media_del_lattr(p->vm, "crypto");
	if (p->vtx_valid)
		sdes_wipe(&p->vtx);
	p->vtx_valid = false;
}


int sdpv_negotiate(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct sdes_pick pick;
	int err;

	if (!sdp_media_rport(p->vm)) {
		decline(p);
		return 0;
	}

	if (!sdp_media_rattr_apply(p->vm, "content", is_slides, NULL)) {
		DEBUG_INFO("%s: video without a=content:slides declined\n",
			   p->uri);
		decline(p);
		return 0;
	}

	memset(&pick, 0, sizeof(pick));
	pick.rank = -1;
	if (def->srtp != CONFDEF_SRTP_OFF)
		sdes_pick_offer(&pick, p->vm);

	/* an unkeyable slides stream is declined, not the whole call */
	if (sdes_pick_policy(&pick, p->vm, def->srtp, ne)) {
		DEBUG_INFO("%s: slides declined: %s\n", p->uri,
			   ne->warn_text);
		memset(ne, 0, sizeof(*ne));
		decline(p);
		err = 0;
		goto out;
	}

	if (!p->vsink) {
		err = video_sink_alloc(&p->vsink, p->conf->focus->rtp_pool,
				       &p->conf->focus->media_addr);
		if (err) {
			decline(p);
			err = 0;
			goto out;
		}
	}

	p->video_slides = true;
	sdp_media_set_lport(p->vm, video_sink_port(p->vsink));
	err  = sdp_media_set_lattr(p->vm, true, "content", "slides");
	err |= sdp_media_set_lattr(p->vm, true, "label", "%s",
				   floor_sdp_label_answer(
					   sdp_media_rattr(p->vm, "label"),
					   SDP_LABEL_SLIDES));
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = sdes_pick_answer(p->vm, &p->vtx, &p->vtx_valid, &pick);

 out:
	sdes_wipe(&pick.best);
	return err;
}

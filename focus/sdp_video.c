/**
 * @file sdp_video.c  A participant's video m-lines (up to two): the
 * presentation (a=content:slides, RFC 4796), forwarded from the holder
 * of the BFCP presentation floor, and the main video (no a=content, or
 * a=content:main), which follows the active speaker.  media/vrelay.c
 * forwards; this file negotiates and keys each line, and tells the
 * relay who holds which floor.
 *
 * Codecs are passed through, never transcoded, so a channel (slides,
 * main) carries one codec for the whole conference: the first
 * participant to negotiate the channel fixes it from what it offers
 * (VP8, RFC 7741, before H.264, RFC 6184 packetization-mode 1 with its
 * profile-level-id), and it stays while anyone has that channel.  A
 * later participant that cannot receive it gets the line rejected
 * (port 0) and a Warning in the 200 (stream_video_warning); its audio
 * is not affected.  Payload types are the offerer's (RFC 3264 6.1):
 * the relay rewrites them per receiver.
 *
 * Keying as for audio: SDES per participant and line (a fresh key of
 * ours each), or the line's MIKEY-TICKET TEKs.  RTCP feedback: what the
 * offer has of nack, nack pli, ccm fir, ccm tmmbr, goog-remb is
 * answered and used; transport-cc is not (confd does not produce its
 * feedback).
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/sdes.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "media/media.h"
#include "media/video.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/sdp_crypto_int.h"


#define DEBUG_MODULE "video-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { NLINES = 2 };

#define H264_DEFAULT "packetization-mode=1;profile-level-id=42e01f"

struct vline {
	struct sdp_media *m;
	struct video *v;               /* the relay's stream, when answered */
	enum video_chan ch;
	struct sdes_crypto tx;         /* our SDES key for this line */
	bool tx_valid;

	/* take_offer's choice, for make_answer */
	bool accept;
	enum video_codec codec;
	const struct sdp_format *fmt;  /* the offer's format for codec */
	char fmtp[128];                /* ... and the answer's fmtp */
	unsigned fb;
	uint64_t bps;
	struct cryptopick pick;
	struct mikeyin_rtp_keys mk;
	bool mikey;
};

struct stream_video {
	struct participant *p;
	struct vline line[NLINES];
	const char *warn;              /* why a line was rejected (305) */
};


static void choice_wipe(struct vline *l)
{
	cryptopick_wipe(&l->pick);
	OPENSSL_cleanse(&l->mk, sizeof(l->mk));
	l->fmt = NULL;
	l->mikey = false;
}


static void destructor(void *arg)
{
	struct stream_video *sv = arg;
	size_t i;

	for (i = 0; i < NLINES; i++) {
		struct vline *l = &sv->line[i];

		mem_deref(l->v);
		mem_deref(l->m);
		sdes_wipe(&l->tx);
		choice_wipe(l);
	}
}


static int formats_reset(struct sdp_media *m)
{
	const struct list *lst = sdp_media_format_lst(m, true);
	int err;

	while (list_head(lst))
		mem_deref(list_head(lst)->data);

	err  = sdp_format_add(NULL, m, false, "96", "VP8", 90000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "97", "H264", 90000, 1,
			      NULL, NULL, NULL, false, "%s", H264_DEFAULT);

	return err ? ENOMEM : 0;
}


static int setup(struct participant *p)
{
	struct stream_video *sv;
	size_t i;
	int err;

	sv = mem_zalloc(sizeof(*sv), destructor);
	if (!sv)
		return ENOMEM;
	p->video = sv;
	sv->p = p;

	for (i = 0; i < NLINES; i++) {
		struct vline *l = &sv->line[i];

		cryptopick_init(&l->pick);
		l->ch = i == 0 ? VIDEO_SLIDES : VIDEO_MAIN;

		err = sdp_media_add(&l->m, p->sdp, "video", 0, "RTP/AVP");
		if (err)
			return err;

		err = sdp_media_set_alt_protos(l->m, 4, "RTP/AVP", "RTP/SAVP",
					       "RTP/AVPF", "RTP/SAVPF");
		if (err)
			return err;

		err = formats_reset(l->m);
		if (err)
			return err;
	}

	return 0;
}


/* a new offer may use any codec we support (RFC 3264 8) */
static int rewind_lines(struct participant *p)
{
	struct stream_video *sv = p->video;
	size_t i;
	int err = 0;

	for (i = 0; i < NLINES; i++)
		err |= formats_reset(sv->line[i].m);

	return err ? ENOMEM : 0;
}


/* As offerer (an offerless INVITE or re-INVITE): a line in use is
 * offered as it stands; video is not started from our side. */
static int make_offer(struct participant *p)
{
	struct stream_video *sv = p->video;
	size_t i;

	for (i = 0; i < NLINES; i++) {
		if (!sv->line[i].v)
			sdp_media_set_lport(sv->line[i].m, 0);
	}

	return 0;
}


static void decline(struct vline *l)
{
	l->v = mem_deref(l->v);
	l->accept = false;
	sdp_media_set_lport(l->m, 0);
	sdp_media_del_lattr(l->m, "crypto");
	if (l->tx_valid)
		sdes_wipe(&l->tx);
	l->tx_valid = false;
	choice_wipe(l);
}


/* RFC 4796 5: slides, main, or a role we do not relay (-1) */
static int content_of(const struct sdp_media *m)
{
	const char *c = sdp_media_rattr(m, "content");

	if (!c)
		return VIDEO_MAIN;
	if (strstr(c, "slides"))
		return VIDEO_SLIDES;
	if (strstr(c, "main"))
		return VIDEO_MAIN;

	return -1;
}


static bool fmtp_param(const char *params, const char *name, struct pl *val)
{
	struct pl pl;

	if (!params)
		return false;

	pl_set_str(&pl, params);
	return fmt_param_get(&pl, name, val);
}


/* RFC 6184 8.1: packetization-mode absent means 0 */
static bool h264_mode1(const struct sdp_format *f)
{
	struct pl v;

	return fmtp_param(f->params, "packetization-mode", &v) &&
		pl_u32(&v) == 1;
}


/* profile_idc and level_idc (RFC 6184 8.1); the default is 42000a */
static void h264_profile(const char *params, uint8_t *idc, uint8_t *level)
{
	struct pl v;
	uint32_t x = 0x42000a;

	if (fmtp_param(params, "profile-level-id", &v) && v.l == 6)
		x = (uint32_t)pl_x32(&v);

	*idc = (uint8_t)(x >> 16);
	*level = (uint8_t)x;
}


/* The offer's format for the channel's codec, or for the codec we would
 * pick for a channel that has none yet. */
static const struct sdp_format *pick_format(const struct sdp_media *m,
					    enum video_codec conf,
					    const char *conf_fmtp,
					    enum video_codec *codec)
{
	const struct sdp_format *h264 = NULL, *vp8 = NULL;
	struct le *le;

	for (le = list_head(sdp_media_format_lst(m, false)); le;
	     le = le->next) {
		const struct sdp_format *f = le->data;

		if (!f->name || f->srate != 90000 || f->pt < 96 || f->pt > 127)
			continue;

		if (!vp8 && !str_casecmp(f->name, "VP8"))
			vp8 = f;
		else if (!h264 && !str_casecmp(f->name, "H264") &&
			 h264_mode1(f)) {
			uint8_t idc, lvl, cidc, clvl;

			/* the conference's profile, at its level or above */
			if (conf == VIDEO_H264) {
				h264_profile(f->params, &idc, &lvl);
				h264_profile(conf_fmtp, &cidc, &clvl);
				if (idc != cidc || lvl < clvl)
					continue;
			}
			h264 = f;
		}
	}

	if (conf == VIDEO_VP8 || (conf == VIDEO_NONE && vp8)) {
		*codec = VIDEO_VP8;
		return vp8;
	}

	*codec = VIDEO_H264;
	return h264;
}


struct fbscan {
	int pt;
	unsigned fb;
};


/* a=rtcp-fb:<pt>|* <type> [<param>] (RFC 4585 4.2) */
static bool fb_handler(const char *name, const char *value, void *arg)
{
	struct fbscan *s = arg;
	struct pl pt, type, param;
	(void)name;

	if (!value || re_regex(value, strlen(value), "[^ ]+ [^ ]+[ ]*[^]*",
			       &pt, &type, NULL, &param))
		return false;

	if (pl_strcmp(&pt, "*") && (int)pl_u32(&pt) != s->pt)
		return false;

	if (!pl_strcasecmp(&type, "nack") && !pl_isset(&param))
		s->fb |= VIDEO_FB_NACK;
	else if (!pl_strcasecmp(&type, "nack") &&
		 !pl_strcasecmp(&param, "pli"))
		s->fb |= VIDEO_FB_PLI;
	else if (!pl_strcasecmp(&type, "ccm") &&
		 !pl_strcasecmp(&param, "fir"))
		s->fb |= VIDEO_FB_FIR;
	else if (!pl_strcasecmp(&type, "ccm") &&
		 !pl_strcasecmp(&param, "tmmbr"))
		s->fb |= VIDEO_FB_TMMBR;
	else if (!pl_strcasecmp(&type, "goog-remb"))
		s->fb |= VIDEO_FB_REMB;

	return false;
}


static struct video_relay *relay_of(struct conference *conf);


static void take_line(struct participant *p, struct stream_video *sv,
		      struct vline *l, bool *taken)
{
	const struct confdef *def = p->conf->def;
	struct negotiation_error ne;
	enum video_codec conf_codec;
	const char *conf_fmtp = NULL;
	struct fbscan scan;
	int ch, bw;

	l->accept = false;
	choice_wipe(l);
	cryptopick_init(&l->pick);

	if (!sdp_media_rport(l->m) || sdp_media_disabled(l->m)) {
		decline(l);
		return;
	}

	ch = content_of(l->m);
	if (ch < 0 || taken[ch]) {
		DEBUG_INFO("%s: video (%s) declined\n", p->uri,
			   ch < 0 ? "a=content we do not relay"
			   : "a second line of one kind");
		decline(l);
		return;
	}

	if (sa_af(sdp_media_raddr(l->m)) != sa_af(&p->maddr)) {
		decline(l);
		return;
	}

	conf_codec = video_relay_codec(p->conf->video, ch, &conf_fmtp);
	l->fmt = pick_format(l->m, conf_codec, conf_fmtp, &l->codec);
	if (!l->fmt) {
		sv->warn = conf_codec == VIDEO_H264
			? "Incompatible video format: the conference sends "
			  "H.264 (packetization-mode 1, its profile)"
			: conf_codec == VIDEO_VP8
			? "Incompatible video format: the conference sends VP8"
			: "Incompatible video format: VP8 or H.264 "
			  "packetization-mode 1 needed";
		DEBUG_INFO("%s: video declined: %s\n", p->uri, sv->warn);
		decline(l);
		return;
	}

	if (l->codec == VIDEO_H264)
		str_ncpy(l->fmtp, conf_codec == VIDEO_H264 ? conf_fmtp
			 : l->fmt->params, sizeof(l->fmtp));
	else
		l->fmtp[0] = '\0';

	scan.pt = l->fmt->pt;
	scan.fb = 0;
	sdp_media_rattr_apply(l->m, "rtcp-fb", fb_handler, &scan);
	l->fb = scan.fb;

	/* RFC 3890 TIAS (bit/s) before RFC 4566 AS (kbit/s) */
	bw = sdp_media_rbandwidth(l->m, SDP_BANDWIDTH_TIAS);
	if (bw > 0)
		l->bps = (uint64_t)bw;
	else {
		bw = sdp_media_rbandwidth(l->m, SDP_BANDWIDTH_AS);
		l->bps = bw > 0 ? (uint64_t)bw * 1000 : 0;
	}

	memset(&ne, 0, sizeof(ne));
	if (mikeyin_keyed(p)) {
		if (def->srtp == CONFDEF_SRTP_OFF ||
		    mikeyin_rtp_keys(p, l->m, &l->mk)) {
			DEBUG_INFO("%s: video declined: no MIKEY keys\n",
				   p->uri);
			decline(l);
			return;
		}
		l->mikey = true;
	}
	else {
		const bool savp = strstr(sdp_media_proto(l->m), "SAVP");

		if (def->srtp != CONFDEF_SRTP_OFF)
			cryptopick_offer(&l->pick, l->m);

		/* an unkeyable line is declined, not the whole call */
		if (cryptopick_policy(&l->pick, l->m, def->srtp, &ne) ||
		    (savp && l->pick.rank < 0)) {
			DEBUG_INFO("%s: video declined: %s\n", p->uri,
				   ne.warn_text ? ne.warn_text
				   : "no usable a=crypto");
			decline(l);
			return;
		}
	}

	/* a line that changes role starts over */
	if (l->v && l->ch != (enum video_chan)ch)
		l->v = mem_deref(l->v);
	l->ch = ch;
	taken[ch] = true;
	l->accept = true;
}


static int take_offer(struct participant *p, struct negotiation_error *ne)
{
	struct stream_video *sv = p->video;
	bool taken[VIDEO_NCHAN] = {false, false};
	size_t i;
	(void)ne;

	sv->warn = NULL;

	if (!relay_of(p->conf))
		return ENOMEM;

	for (i = 0; i < NLINES; i++)
		take_line(p, sv, &sv->line[i], taken);

	return 0;
}


static int set_fb_attrs(struct vline *l)
{
	static const struct {
		unsigned bit;
		const char *txt;
	} fbs[] = {
		{VIDEO_FB_NACK,  "nack"},
		{VIDEO_FB_PLI,   "nack pli"},
		{VIDEO_FB_FIR,   "ccm fir"},
		{VIDEO_FB_TMMBR, "ccm tmmbr"},
		{VIDEO_FB_REMB,  "goog-remb"},
	};
	size_t i;
	int err = 0;

	sdp_media_del_lattr(l->m, "rtcp-fb");
	for (i = 0; i < ARRAY_SIZE(fbs); i++) {
		if (l->fb & fbs[i].bit)
			err |= sdp_media_set_lattr(l->m, false, "rtcp-fb",
						   "%s %s", l->fmt->id,
						   fbs[i].txt);
	}

	return err;
}


static int answer_line(struct participant *p, struct vline *l)
{
	struct conference *conf = p->conf;
	struct video_params prm;
	enum video_codec cc;
	const char *name, *id;
	char cname[64];
	int err;

	cc = video_relay_codec(conf->video, l->ch, NULL);
	if (cc != VIDEO_NONE && cc != l->codec) {
		decline(l);
		return 0;
	}

	if (!l->v) {
		re_snprintf(cname, sizeof(cname), "confd-%s-%p",
			    l->ch == VIDEO_SLIDES ? "slides" : "video", p);
		err = video_alloc(&l->v, conf->video, l->ch,
				  conf->focus->rtp_pool, &p->maddr, cname, p);
		if (err) {
			DEBUG_WARNING("%s: video port: %m\n", p->uri, err);
			decline(l);
			return 0;
		}
	}

	if (cc == VIDEO_NONE) {
		err = video_relay_set_codec(conf->video, l->ch, l->codec,
					    l->fmtp);
		if (err)
			return err;
	}

	/* the answer names one format: the offer's PT for the codec */
	name = l->codec == VIDEO_VP8 ? "VP8" : "H264";
	id = l->fmt->id;
	prm.pt = (uint8_t)l->fmt->pt;
	while (list_head(sdp_media_format_lst(l->m, true)))
		mem_deref(list_head(sdp_media_format_lst(l->m, true))->data);
	err = sdp_format_add(NULL, l->m, false, id, name, 90000, 1, NULL,
			     NULL, NULL, false,
			     l->fmtp[0] ? "%s" : NULL, l->fmtp);
	if (err)
		return err;

	sdp_media_set_lport(l->m, video_lport(l->v));
	sdp_media_set_ldir(l->m, SDP_SENDRECV);

	sdp_media_del_lattr(l->m, "content");
	sdp_media_del_lattr(l->m, "label");
	if (l->ch == VIDEO_SLIDES) {
		err  = sdp_media_set_lattr(l->m, true, "content", "slides");
		err |= sdp_media_set_lattr(l->m, true, "label", "%s",
					   floor_sdp_label_answer(
						   sdp_media_rattr(l->m,
								   "label"),
						   FOCUS_LABEL_SLIDES));
	}
	else if (sdp_media_rattr(l->m, "content"))
		err = sdp_media_set_lattr(l->m, true, "content", "main");
	err |= set_fb_attrs(l);
	if (err)
		return ENOMEM;

	err = cryptopick_answer(l->m, &l->tx, &l->tx_valid, &l->pick);
	if (err)
		return err;

	memset(&prm.rtp, 0, sizeof(prm) - offsetof(struct video_params, rtp));
	prm.rtp = *sdp_media_raddr(l->m);
	sdp_media_raddr_rtcp(l->m, &prm.rtcp);
	prm.codec = l->codec;
	prm.pt = (uint8_t)l->fmt->pt;
	prm.fb = l->fb;
	prm.max_bps = l->bps;
	prm.send = (sdp_media_dir(l->m) & SDP_SENDONLY) != 0;
	prm.recv = (sdp_media_dir(l->m) & SDP_RECVONLY) != 0;
	if (l->mikey) {
		prm.suite = l->mk.suite;
		prm.tx_key = l->mk.tx;
		prm.tx_key_len = l->mk.len;
		prm.rx_key = l->mk.rx;
		prm.rx_key_len = l->mk.len;
	}
	else if (l->pick.rank >= 0) {
		const struct sdes_key *rk = &l->pick.best.keys[0];

		prm.suite = sdes_srtp_suite(l->pick.best.suite);
		prm.tx_key = l->tx.keys[0].keysalt;
		prm.tx_key_len = l->tx.keys[0].keysalt_len;
		prm.rx_key = rk->keysalt;
		prm.rx_key_len = rk->keysalt_len;
		prm.rx_mki_len = rk->mki_len;
		prm.srtcp_unencrypted = l->pick.best.unencrypted_srtcp;
	}

	err = video_start(l->v, &prm);
	if (err) {
		DEBUG_WARNING("%s: video start: %m\n", p->uri, err);
		decline(l);
		return 0;
	}

	if (l->mikey) {
		err = mikeyin_set_ssrc(p, l->mk.tx_cs, video_ssrc(l->v));
		if (err)
			return err;
	}

	DEBUG_INFO("%s: %s video %s pt %u on port %u (ssrc %08x)\n", p->uri,
		   l->ch == VIDEO_SLIDES ? "slides" : "main", name, prm.pt,
		   video_lport(l->v), video_ssrc(l->v));
	return 0;
}


static int make_answer(struct participant *p, struct negotiation_error *ne)
{
	struct stream_video *sv = p->video;
	size_t i;
	int err = 0;
	(void)ne;

	for (i = 0; i < NLINES && !err; i++) {
		struct vline *l = &sv->line[i];

		if (l->accept)
			err = answer_line(p, l);
		l->accept = false;
		choice_wipe(l);
	}

	return err;
}


const struct stream_ops stream_video_ops = {
	.name        = "video",
	.optional    = true,
	.setup       = setup,
	.rewind      = rewind_lines,
	.make_offer  = make_offer,
	.take_offer  = take_offer,
	.make_answer = make_answer,
	.take_answer = NULL,
};


static const struct vline *line_of(const struct stream_video *sv,
				   enum video_chan ch)
{
	size_t i;

	for (i = 0; sv && i < NLINES; i++) {
		if (sv->line[i].v && sv->line[i].ch == ch)
			return &sv->line[i];
	}

	return NULL;
}


bool stream_video_slides(const struct stream_video *sv)
{
	return line_of(sv, VIDEO_SLIDES) != NULL;
}


const struct sdp_media *stream_video_m(const struct stream_video *sv)
{
	const struct vline *l = line_of(sv, VIDEO_SLIDES);

	return l ? l->m : NULL;
}


/* How the slides line was keyed, for the live roster (web), or NULL
 * when there is none: "mikey", "sdes" or "none" (plain RTP). */
const char *stream_video_keying(const struct stream_video *sv)
{
	const struct vline *l = line_of(sv, VIDEO_SLIDES);

	if (!l || !l->v)
		return NULL;
	if (l->mikey)
		return "mikey";

	return l->tx_valid ? "sdes" : "none";
}


enum sdp_dir stream_video_dir(const struct stream_video *sv)
{
	const struct vline *l = line_of(sv, VIDEO_SLIDES);

	return l ? sdp_media_dir(l->m) : SDP_INACTIVE;
}


/* A Warning for the 200 when a video line was rejected for its codec
 * (RFC 3261 20.43, code 305 Incompatible media format). */
int stream_video_warning(struct re_printf *pf, const struct stream_video *sv)
{
	if (!sv || !sv->warn)
		return 0;

	return re_hprintf(pf, "Warning: 305 %s \"%s\"\r\n",
			  sv->p->conf ? sv->p->conf->focus->domain : "confd",
			  sv->warn);
}


/* ---- the conference's relay ---- */


static int level_handler(void *arg)
{
	const struct participant *p = arg;

	return stream_audio_loudness(p->audio);
}


static struct video_relay *relay_of(struct conference *conf)
{
	if (!conf->video &&
	    video_relay_alloc(&conf->video, level_handler))
		return NULL;

	return conf->video;
}


static bool holds(const struct conference *conf, const struct participant *p,
		  uint16_t floorid)
{
	uint16_t userid;

	return conf->floor && stream_bfcp_userid(p->bfcp, &userid) &&
		floor_conf_holds(conf->floor, floorid, userid);
}


/* Who holds which floor changed (or a participant's streams did): the
 * presentation floor's holder is the slides source, nobody else; with
 * a moderated audio floor its holder is the speaker. */
void stream_video_floor_update(struct conference *conf)
{
	struct video *slides = NULL, *speaker = NULL;
	const bool afloor =
		conf->def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF;
	struct le *le;

	if (!conf->video)
		return;

	for (le = conf->parts.head; le; le = le->next) {
		const struct participant *p = le->data;
		const struct vline *l;

		l = line_of(p->video, VIDEO_SLIDES);
		if (l && !slides && holds(conf, p, FLOOR_ID_PRES))
			slides = l->v;

		l = line_of(p->video, VIDEO_MAIN);
		if (l && afloor && !speaker && holds(conf, p, FLOOR_ID_AUDIO))
			speaker = l->v;
	}

	video_relay_set_source(conf->video, VIDEO_SLIDES, slides);
	video_relay_pin_speaker(conf->video, afloor, speaker);
}

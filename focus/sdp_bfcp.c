/**
 * @file sdp_bfcp.c  The participant's BFCP stream: SDP per RFC 8856
 * (and RFC 4583's m-stream form), a floor_part for the connection.
 *
 * confd is the floor control server.  It answers an offered
 * m=application TCP/TLS/BFCP (or TCP/BFCP where the conference does not
 * require security) with a port of the participant's own, so that the
 * connection arriving there can only be that participant's.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/tlspsk.h"
#include "keying/tcpsetup.h"
#include "keying/tcpguard.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/tcppeers_int.h"


#define DEBUG_MODULE "bfcp-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


struct stream_bfcp {
	struct sdp_media *m;
	struct floor_part *fp;         /* BFCP connection, when negotiated */
	struct tlspsk *psk;            /* its TLS-PSK context (MIKEY) */
	bool tls, active, pskmode;     /* how fp was made */

	/* take_offer's choice, for make_answer */
	bool accept;
	bool offer_tls, we_connect;
	enum tcpsetup ans_setup;
	const char *floorctrl;
};


static void destructor(void *arg)
{
	struct stream_bfcp *sb = arg;

	mem_deref(sb->fp);
	mem_deref(sb->psk);
	mem_deref(sb->m);
}


static int setup(struct participant *p)
{
	struct stream_bfcp *sb;
	int err;

	sb = mem_zalloc(sizeof(*sb), destructor);
	if (!sb)
		return ENOMEM;
	p->bfcp = sb;

	err = sdp_media_add(&sb->m, p->sdp, "application", 9,
			    floor_sdp_proto(true));
	if (err)
		return err;

	err = sdp_media_set_alt_protos(sb->m, 2, floor_sdp_proto(true),
				       floor_sdp_proto(false));
	if (err)
		return err;

	return sdp_format_add(NULL, sb->m, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
}


static void decline(struct participant *p, const char *why)
{
	struct stream_bfcp *sb = p->bfcp;

	DEBUG_NOTICE("%s: BFCP stream declined: %s\n", p->uri, why);
	sb->fp = mem_deref(sb->fp);
	sdp_media_set_lport(sb->m, 0);
}


static void holders_handler(uint16_t floorid, const uint16_t *userv,
			    size_t userc, void *arg)
{
	struct conference *conf = arg;

	if (floorid == FLOOR_ID_AUDIO)
		conference_gate_audio(conf, userv, userc);
	stream_video_floor_update(conf);
}


static int conf_floor(struct conference *conf)
{
	const struct confdef_floor *fl = &conf->def->floor;
	struct floor_conf_cfg cfg;

	if (conf->floor)
		return 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.pres_chair = fl->pres_chair;
	cfg.pres_max = fl->pres_max;
	cfg.audio = fl->audio != CONFDEF_AUDIO_FLOOR_OFF;
	cfg.audio_chair = fl->audio == CONFDEF_AUDIO_FLOOR_CHAIR;
	cfg.audio_max = 1;

	if (floor_conf_alloc(&conf->floor, conf->focus->floor, &cfg,
			     holders_handler, conf))
		return ENOMEM;

	/* the live roster shows holders and queue (control.c) */
	floor_conf_set_change_handler(conf->floor, focus_roster_floor, conf);
	return 0;
}


/* The label our answer gives a floor-controlled m= line, as
 * sdp_video.c and sdp_audio.c write it there too (RFC 8856 section
 * 11: the offerer's own label when it gave one). */
static const char *label_of(const struct sdp_media *m, const char *own)
{
	return floor_sdp_label_answer(m ? sdp_media_rattr(m, "label") : NULL,
				      own);
}


static int set_attrs(struct participant *p, enum tcpsetup setup,
		     bool tls, const char *floorctrl)
{
	const struct conference *conf = p->conf;
	struct stream_bfcp *sb = p->bfcp;
	char buf[128];
	int err = 0;

	sdp_media_del_lattr(sb->m, "floorid");

	err |= sdp_media_set_lattr(sb->m, true, "setup", "%s",
				   tcpsetup_name(setup));
	err |= sdp_media_set_lattr(sb->m, true, "connection", "new");
	if (tls && !sb->pskmode)
		err |= sdp_media_set_lattr(sb->m, true, "fingerprint",
					   "sha-256 %s",
					   conf->focus->fingerprint);
	else
		sdp_media_del_lattr(sb->m, "fingerprint");
	err |= sdp_media_set_lattr(sb->m, true, "floorctrl", "%s", floorctrl);
	err |= sdp_media_set_lattr(sb->m, true, "confid", "%u",
				   floor_conf_id(conf->floor));
	err |= sdp_media_set_lattr(sb->m, true, "userid", "%u",
				   floor_part_userid(sb->fp));

	/* the presentation floor controls the slides stream, when there
	 * is one (answered before us); RFC 8856 makes mstrm optional */
	if (stream_video_slides(p->video))
		err |= floor_sdp_floorid_encode(buf, sizeof(buf),
						FLOOR_ID_PRES,
						label_of(stream_video_m(p->video),
							 FOCUS_LABEL_SLIDES));
	else
		err |= re_snprintf(buf, sizeof(buf), "%u", FLOOR_ID_PRES) < 0;
	err |= sdp_media_set_lattr(sb->m, false, "floorid", "%s", buf);

	if (conf->def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF) {
		err |= floor_sdp_floorid_encode(buf, sizeof(buf),
						FLOOR_ID_AUDIO,
						label_of(stream_audio_m(p->audio),
							 FOCUS_LABEL_AUDIO));
		err |= sdp_media_set_lattr(sb->m, false, "floorid", "%s",
					   buf);
	}

	err |= sdp_media_set_lattr(sb->m, true, "bfcpver", "1");

	return err ? ENOMEM : 0;
}


/* After the offer is decoded.  A BFCP stream we cannot serve is
 * declined with port 0 (RFC 3264 6): the call itself goes on. */
static int take_offer(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct stream_bfcp *sb = p->bfcp;
	enum tcpsetup offer_setup;
	unsigned roles = FLOOR_ROLE_C_ONLY;
	const char *v;
	struct pl pl;
	bool has_v1 = true;
	(void)ne;

	sb->accept = false;
	sb->we_connect = false;

	if (!sdp_media_rport(sb->m)) {
		sb->fp = mem_deref(sb->fp);
		return 0;
	}

	if (sa_af(&p->maddr) != p->conf->focus->floor_af) {
		decline(p, "BFCP listens in the other address family");
		return 0;
	}

	pl_set_str(&pl, sdp_media_proto(sb->m));
	if (floor_sdp_proto_decode(&pl, &sb->offer_tls)) {
		decline(p, "unknown proto");
		return 0;
	}
	if (!sb->offer_tls && def->srtp == CONFDEF_SRTP_REQUIRED) {
		decline(p, "plain TCP/BFCP not allowed by policy");
		return 0;
	}

	v = oa_rattr(p, sb->m, "floorctrl");
	if (v) {
		pl_set_str(&pl, v);
		if (floor_sdp_floorctrl_decode(&pl, &roles)) {
			decline(p, "bad a=floorctrl");
			return 0;
		}
	}
	if (floor_sdp_floorctrl_answer(roles, &sb->floorctrl)) {
		decline(p, "offerer cannot be a floor control client");
		return 0;
	}

	v = oa_rattr(p, sb->m, "bfcpver");
	if (v) {
		pl_set_str(&pl, v);
		if (floor_sdp_bfcpver_decode(&pl, &has_v1) || !has_v1) {
			decline(p, "BFCP version 1 not offered");
			return 0;
		}
	}

	if (tcpsetup_decode(sdp_media_rattr(sb->m, "setup"), &offer_setup)) {
		decline(p, "bad a=setup");
		return 0;
	}
	if (tcpsetup_answer(offer_setup, &sb->ans_setup)) {
		decline(p, "a=setup cannot be answered");
		return 0;
	}
	sb->we_connect = sb->ans_setup == TCPSETUP_ACTIVE;

	sb->accept = true;
	return 0;
}


static int make_answer(struct participant *p, struct negotiation_error *ne)
{
	const struct confdef *def = p->conf->def;
	struct stream_bfcp *sb = p->bfcp;
	struct floor_part_cfg cfg;
	const struct confdef_member *mb;
	const uint8_t *psk = NULL;
	size_t psk_len = 0;
	bool keyed;
	const bool tls = sb->offer_tls;
	struct sa peer;
	struct tcpguard_cfg guard;
	struct sa guardv[TCPGUARD_PEERS_MAX];
	int err;
	(void)ne;

	if (!sb->accept)
		return 0;
	sb->accept = false;

	keyed = !mikeyin_tls_psk(p, sb->m, &psk, &psk_len);

	/* the conference's keying policy (confdef.h) */
	if (tls && !(def->keying & (keyed ? CONFDEF_KEY_MIKEY :
				     CONFDEF_KEY_TLS))) {
		sb->fp = mem_deref(sb->fp);
		decline(p, keyed ? "MIKEY keying not allowed" :
			"TLS fingerprint keying not allowed");
		return 0;
	}

	/* An existing connection stays as it is across re-INVITEs. */
	if (sb->fp && sb->tls == tls && sb->active == sb->we_connect &&
	    sb->pskmode == keyed)
		return set_attrs(p, sb->ans_setup, tls, sb->floorctrl);

	sb->fp = mem_deref(sb->fp);

	err = conf_floor(p->conf);
	if (err) {
		decline(p, "no floor control for this conference");
		return 0;
	}

	memset(&cfg, 0, sizeof(cfg));
	mb = confdef_member_find(def, p->uri);
	/* a claimed identity is never chair (auth_int.h) */
	cfg.chair = p->authenticated && mb && mb->role == CONFDEF_CHAIR;
	cfg.uri = p->uri;
	cfg.sec.mode = tls ? FLOOR_SEC_FINGERPRINT : FLOOR_SEC_NONE;

	if (tls && keyed) {
		/* Annex H: the TEK of the m-line's TLS crypto session is the
		 * PSK of this participant's own TLS-PSK listener */
		sb->psk = mem_deref(sb->psk);
		if (tlspsk_alloc(&sb->psk, psk, psk_len)) {
			decline(p, "TLS-PSK context");
			return 0;
		}
		cfg.sec.mode = FLOOR_SEC_PSK;
		cfg.sec.psk_tls = tlspsk_tls(sb->psk);
	}
	else if (tls) {
		cfg.sec.fingerprint = oa_rattr(p, sb->m, "fingerprint");
		if (!cfg.sec.fingerprint) {
			decline(p, "TCP/TLS/BFCP without a=fingerprint");
			return 0;
		}
	}

	if (sb->we_connect) {
		peer = *sdp_media_raddr(sb->m);
		cfg.peer = &peer;
		cfg.active = true;
	}
	else {
		tcppeers_guard(&guard, guardv, ARRAY_SIZE(guardv), p, sb->m,
			       NULL);
		cfg.guard = &guard;
	}

	err = floor_part_alloc(&sb->fp, p->conf->floor, &cfg);
	if (err) {
		decline(p, err == EBADMSG || err == ENOTSUP ?
			"bad a=fingerprint" : "no BFCP listener");
		return 0;
	}

	sb->tls = tls;
	sb->active = sb->we_connect;
	sb->pskmode = cfg.sec.mode == FLOOR_SEC_PSK;
	sdp_media_set_lport(sb->m,
			    sb->we_connect ? 9 : floor_part_port(sb->fp));

	DEBUG_INFO("%s: BFCP %s user %u on port %u%s\n", p->uri,
		   sb->pskmode ? "TLS-PSK" : tls ? "TLS" : "TCP",
		   floor_part_userid(sb->fp), floor_part_port(sb->fp),
		   cfg.chair ? " (chair)" : "");

	return set_attrs(p, sb->ans_setup, tls, sb->floorctrl);
}


/* As offerer (dial-out, an offerless INVITE) the focus does not offer
 * this stream yet: port 0 (RFC 3264 5.1), and the answer's m-line is
 * then declined like an offer's. */
static int make_offer(struct participant *p)
{
	sdp_media_set_lport(p->bfcp->m, 0);
	return 0;
}


const struct stream_ops stream_bfcp_ops = {
	.name        = "bfcp",
	.optional    = true,
	.setup       = setup,
	.rewind      = NULL,
	.make_offer  = make_offer,
	.take_offer  = take_offer,
	.make_answer = make_answer,
	.take_answer = NULL,
};


const char *stream_bfcp_keying(const struct stream_bfcp *sb)
{
	if (!sb || !sb->fp)
		return NULL;

	return sb->pskmode ? "tls-psk" : sb->tls ? "tls-fingerprint" : "none";
}


bool stream_bfcp_userid(const struct stream_bfcp *sb, uint16_t *useridp)
{
	if (!sb || !sb->fp)
		return false;

	*useridp = floor_part_userid(sb->fp);
	return true;
}

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
#include "focus/focus.h"
#include "keying/sdes.h"
#include "media/media.h"
#include "floor/floor.h"
#include "floor/sdp.h"
#include "keying/tlspsk.h"
#include "keying/tcpsetup.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "eventpkg/eventpkg.h"
#include "msrp/msrp.h"
#include "focus/core.h"


#define DEBUG_MODULE "bfcp-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


int sdpb_setup(struct participant *p)
{
	int err;

	err = sdp_media_add(&p->bm, p->sdp, "application", 9,
			    floor_sdp_proto(true));
	if (err)
		return err;

	err = sdp_media_set_alt_protos(p->bm, 2, floor_sdp_proto(true),
				       floor_sdp_proto(false));
	if (err)
		return err;

	return sdp_format_add(NULL, p->bm, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
}


static void decline(struct participant *p, const char *why)
{
	DEBUG_NOTICE("%s: BFCP stream declined: %s\n", p->uri, why);
	p->fp = mem_deref(p->fp);
	sdp_media_set_lport(p->bm, 0);
}


static void holders_handler(uint16_t floorid, const uint16_t *userv,
			    size_t userc, void *arg)
{
	struct conference *conf = arg;

	if (floorid == FLOOR_ID_AUDIO)
		conference_gate_audio(conf, userv, userc);
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

	return floor_conf_alloc(&conf->floor, conf->focus->floor, &cfg,
				holders_handler, conf);
}


/* The label our answer gives a floor-controlled m= line, as
 * sdp_video.c and sdp_audio.c write it there too. */
static const char *label_of(const struct sdp_media *m, const char *own)
{
	return floor_sdp_label_answer(m ? sdp_media_rattr(m, "label") : NULL,
				      own);
}


static int set_attrs(struct participant *p, enum tcpsetup setup,
		     bool tls, const char *floorctrl)
{
	const struct conference *conf = p->conf;
	char buf[128];
	int err = 0;

	sdp_media_del_lattr(p->bm, "floorid");

	err |= sdp_media_set_lattr(p->bm, true, "setup", "%s",
				   tcpsetup_name(setup));
	err |= sdp_media_set_lattr(p->bm, true, "connection", "new");
	if (tls && !p->bfcp_pskmode)
		err |= sdp_media_set_lattr(p->bm, true, "fingerprint",
					   "sha-256 %s",
					   conf->focus->fingerprint);
	else
		sdp_media_del_lattr(p->bm, "fingerprint");
	err |= sdp_media_set_lattr(p->bm, true, "floorctrl", "%s", floorctrl);
	err |= sdp_media_set_lattr(p->bm, true, "confid", "%u",
				   floor_conf_id(conf->floor));
	err |= sdp_media_set_lattr(p->bm, true, "userid", "%u",
				   floor_part_userid(p->fp));

	/* the presentation floor controls the slides stream, when there
	 * is one; RFC 8856 makes mstrm optional.  The label is the
	 * offerer's own when it gave one (RFC 8856 section 11). */
	if (p->vm && sdp_media_rport(p->vm) && p->video_slides)
		err |= floor_sdp_floorid_encode(buf, sizeof(buf),
						FLOOR_ID_PRES,
						label_of(p->vm,
							 SDP_LABEL_SLIDES));
	else
		err |= re_snprintf(buf, sizeof(buf), "%u", FLOOR_ID_PRES) < 0;
	err |= sdp_media_set_lattr(p->bm, false, "floorid", "%s", buf);

	if (conf->def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF) {
		err |= floor_sdp_floorid_encode(buf, sizeof(buf),
						FLOOR_ID_AUDIO,
						label_of(p->am,
							 SDP_LABEL_AUDIO));
		err |= sdp_media_set_lattr(p->bm, false, "floorid", "%s",
					   buf);
	}

	err |= sdp_media_set_lattr(p->bm, true, "bfcpver", "1");

	return err ? ENOMEM : 0;
}


static const char *rattr(const struct participant *p, const char *name)
{
	const char *v = sdp_media_rattr(p->bm, name);

	return v ? v : sdp_media_session_rattr(p->bm, p->sdp, name);
}


/* After the offer is decoded.  A BFCP stream we cannot serve is
 * declined with port 0 (RFC 3264 6): the call itself goes on. */
int sdpb_negotiate(struct participant *p)
{
	const struct confdef *def = p->conf->def;
	struct floor_part_cfg cfg;
	const struct confdef_member *mb;
	enum tcpsetup offer_setup, ans_setup;
	const char *v, *floorctrl;
	unsigned roles = FLOOR_ROLE_C_ONLY;
	struct pl pl;
	bool tls, we_connect = false, has_v1 = true;
	struct sa peer;
	int err;

	if (!sdp_media_rport(p->bm)) {
		p->fp = mem_deref(p->fp);
		return 0;
	}

	pl_set_str(&pl, sdp_media_proto(p->bm));
	if (floor_sdp_proto_decode(&pl, &tls)) {
		decline(p, "unknown proto");
		return 0;
	}
	if (!tls && def->srtp == CONFDEF_SRTP_REQUIRED) {
		decline(p, "plain TCP/BFCP not allowed by policy");
		return 0;
	}

	v = rattr(p, "floorctrl");
	if (v) {
		pl_set_str(&pl, v);
		if (floor_sdp_floorctrl_decode(&pl, &roles)) {
			decline(p, "bad a=floorctrl");
			return 0;
		}
	}
	if (floor_sdp_floorctrl_answer(roles, &floorctrl)) {
		decline(p, "offerer cannot be a floor control client");
		return 0;
	}

	v = rattr(p, "bfcpver");
	if (v) {
		pl_set_str(&pl, v);
		if (floor_sdp_bfcpver_decode(&pl, &has_v1) || !has_v1) {
			decline(p, "BFCP version 1 not offered");
			return 0;
		}
	}

	if (tcpsetup_decode(sdp_media_rattr(p->bm, "setup"), &offer_setup)) {
		decline(p, "bad a=setup");
		return 0;
	}
	if (tcpsetup_answer(offer_setup, &ans_setup)) {
		decline(p, "a=setup cannot be answered");
		return 0;
	}
	we_connect = ans_setup == TCPSETUP_ACTIVE;

	/* An existing connection stays as it is across re-INVITEs. */
	if (p->fp && p->bfcp_tls == tls && p->bfcp_active == we_connect &&
	    p->bfcp_pskmode == (p->mr && mikeyin_tls_psk(p, p->bm)))
		return set_attrs(p, ans_setup, tls, floorctrl);

	p->fp = mem_deref(p->fp);

	err = conf_floor(p->conf);
	if (err) {
		decline(p, "no floor control for this conference");
		return 0;
	}

	memset(&cfg, 0, sizeof(cfg));
	mb = confdef_member_find(def, p->uri);
	cfg.chair = mb && mb->role == CONFDEF_CHAIR;
	cfg.uri = p->uri;
	cfg.sec.mode = tls ? FLOOR_SEC_FINGERPRINT : FLOOR_SEC_NONE;

	if (tls && p->mr && mikeyin_tls_psk(p, p->bm)) {
		const struct mikey_tek *t = mikeyin_tls_psk(p, p->bm);

		/* Annex H: the TEK of the m-line's TLS crypto session is the
		 * PSK of this participant's own TLS-PSK listener */
		p->bfcp_psk = mem_deref(p->bfcp_psk);
		if (tlspsk_alloc(&p->bfcp_psk, t->key, t->key_len)) {
			decline(p, "TLS-PSK context");
			return 0;
		}
		cfg.sec.mode = FLOOR_SEC_PSK;
		cfg.sec.psk_tls = tlspsk_tls(p->bfcp_psk);
	}
	else if (tls) {
		cfg.sec.fingerprint = rattr(p, "fingerprint");
		if (!cfg.sec.fingerprint) {
			decline(p, "TCP/TLS/BFCP without a=fingerprint");
			return 0;
		}
	}

	if (we_connect) {
		peer = *sdp_media_raddr(p->bm);
		cfg.peer = &peer;
		cfg.active = true;
	}

	err = floor_part_alloc(&p->fp, p->conf->floor, &cfg);
	if (err) {
		decline(p, err == EBADMSG || err == ENOTSUP ?
			"bad a=fingerprint" : "no BFCP listener");
		return 0;
	}

	p->bfcp_tls = tls;
	p->bfcp_active = we_connect;
	p->bfcp_pskmode = cfg.sec.mode == FLOOR_SEC_PSK;
	sdp_media_set_lport(p->bm, we_connect ? 9 : floor_part_port(p->fp));

	DEBUG_INFO("%s: BFCP %s user %u on port %u\n", p->uri,
		   p->bfcp_pskmode ? "TLS-PSK" : tls ? "TLS" : "TCP", floor_part_userid(p->fp),
		   floor_part_port(p->fp));

	return set_attrs(p, ans_setup, tls, floorctrl);
}

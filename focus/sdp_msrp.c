/**
 * @file sdp_msrp.c  The participant's chat stream: m=message with MSRP
 * (RFC 4975, RFC 6135 setup), a msrp_part in the conference's relay.
 *
 * Like BFCP, each participant's MSRP stream listens on a port of its
 * own, so its TLS context can pin that participant's certificate from
 * a=fingerprint, or use its MIKEY TEK as the TLS-PSK (Annex H).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/tlspsk.h"
#include "keying/tcpsetup.h"
#include "keying/tcpguard.h"
#include "media/media.h"
#include "msrp/msrp.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/tcppeers_int.h"


#define DEBUG_MODULE "msrp-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


struct stream_msrp {
	struct sdp_media *m;
	struct msrp_part *part;        /* chat session, when negotiated */
	struct tlspsk *tlspsk;         /* its TLS-PSK context (MIKEY) */
	bool psk;

	/* take_offer's choice, for make_answer; pointers into the
	 * decoded offer and the MIKEY keys */
	enum { CHOICE_NONE = 0, CHOICE_KEEP, CHOICE_NEW } choice;
	bool secure;
	const char *path;
	const char *fingerprint;
	const uint8_t *psk_key;
	size_t psk_len;
};


static void destructor(void *arg)
{
	struct stream_msrp *sm = arg;

	mem_deref(sm->part);
	mem_deref(sm->tlspsk);
	mem_deref(sm->m);
}


static int setup(struct participant *p)
{
	struct stream_msrp *sm;
	int err;

	sm = mem_zalloc(sizeof(*sm), destructor);
	if (!sm)
		return ENOMEM;
	p->msrp = sm;

	err = sdp_media_add(&sm->m, p->sdp, "message", 9, "TCP/TLS/MSRP");
	if (err)
		return err;

	err = sdp_media_set_alt_protos(sm->m, 2, "TCP/TLS/MSRP", "TCP/MSRP");
	if (err)
		return err;

	return sdp_format_add(NULL, sm->m, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
}


static void decline(struct participant *p, const char *why)
{
	struct stream_msrp *sm = p->msrp;

	DEBUG_NOTICE("%s: MSRP stream declined: %s\n", p->uri, why);
	sm->part = mem_deref(sm->part);
	sdp_media_set_lport(sm->m, 0);
}


static void close_handler(struct msrp_part *mp, int err, void *arg)
{
	struct participant *p = arg;
	(void)mp;

	DEBUG_INFO("%s: MSRP session ended: %m\n", p->uri, err);
}


static int conf_chat(struct conference *conf)
{
	struct msrp_conf_prm prm;

	if (conf->chat)
		return 0;

	memset(&prm, 0, sizeof(prm));
	prm.uri = conf->def->uri;

	return msrp_conf_alloc(&conf->chat, &prm);
}


/* RFC 6135 4.2.1: holdconn (and a value we do not know) counts as no
 * a=setup at all; the answer rule is keying/tcpsetup.h's. */
static enum tcpsetup setup_answer(const struct stream_msrp *sm)
{
	enum tcpsetup offer, ans;

	if (tcpsetup_decode(sdp_media_rattr(sm->m, "setup"), &offer) ||
	    offer == TCPSETUP_HOLDCONN)
		offer = TCPSETUP_ACTIVE;
	if (tcpsetup_answer(offer, &ans))
		ans = TCPSETUP_PASSIVE;
	return ans;
}


/* After the offer is decoded.  A chat stream we cannot serve is
 * declined with port 0 (RFC 3264 6); the call goes on. */
static int take_offer(struct participant *p, struct negotiation_error *ne)
{
	const struct focus *f = p->conf->focus;
	const struct confdef *def = p->conf->def;
	struct stream_msrp *sm = p->msrp;
	const char *proto;
	(void)ne;

	sm->choice = CHOICE_NONE;
	sm->path = sm->fingerprint = NULL;
	sm->psk_key = NULL;
	sm->psk_len = 0;

	if (!sdp_media_rport(sm->m)) {
		sm->part = mem_deref(sm->part);
		return 0;
	}

	/* an existing session stays as it is across re-INVITEs */
	if (sm->part) {
		sm->choice = CHOICE_KEEP;
		return 0;
	}

	proto = sdp_media_proto(sm->m);
	sm->secure = !str_casecmp(proto, "TCP/TLS/MSRP");
	if (!sm->secure && str_casecmp(proto, "TCP/MSRP")) {
		decline(p, "unknown proto");
		return 0;
	}
	if (!sm->secure && def->srtp == CONFDEF_SRTP_REQUIRED) {
		decline(p, "plain TCP/MSRP not allowed by policy");
		return 0;
	}

	sm->path = sdp_media_rattr(sm->m, "path");
	if (!sm->path) {
		decline(p, "no a=path");
		return 0;
	}

	if (sm->secure) {
		if (!f->tls) {
			decline(p, "no TLS certificate");
			return 0;
		}
		/* Annex H: the TEK is this participant's TLS-PSK */
		if (!mikeyin_tls_psk(p, sm->m, &sm->psk_key, &sm->psk_len)) {
			if (!(p->conf->def->keying & CONFDEF_KEY_MIKEY)) {
				decline(p, "MIKEY keying not allowed");
				return 0;
			}
		}
		else {
			if (!(p->conf->def->keying & CONFDEF_KEY_TLS)) {
				decline(p, "TLS fingerprint keying not "
					"allowed");
				return 0;
			}
			sm->fingerprint = oa_rattr(p, sm->m, "fingerprint");
			if (!sm->fingerprint) {
				decline(p, "TCP/TLS/MSRP without "
					"a=fingerprint");
				return 0;
			}
		}
	}

	sm->choice = CHOICE_NEW;
	return 0;
}


static int make_answer(struct participant *p, struct negotiation_error *ne)
{
	const struct focus *f = p->conf->focus;
	struct stream_msrp *sm = p->msrp;
	struct msrp_part_prm prm;
	struct msrp_tls_cfg tls;
	struct sa peer;
	struct tcpguard_cfg guard;
	struct sa guardv[TCPGUARD_PEERS_MAX];
	int err;
	(void)ne;

	switch (sm->choice) {
	case CHOICE_KEEP: goto answer;
	case CHOICE_NEW:  break;
	default:          return 0;
	}

	memset(&tls, 0, sizeof(tls));
	if (sm->secure) {
		tls.cert = f->tls;
		tls.fingerprint = sm->fingerprint;
		if (sm->psk_key) {
			sm->tlspsk = mem_deref(sm->tlspsk);
			if (tlspsk_alloc(&sm->tlspsk, sm->psk_key,
					 sm->psk_len)) {
				decline(p, "TLS-PSK context");
				return 0;
			}
			tls.psk_tls = tlspsk_tls(sm->tlspsk);
		}
	}

	err = conf_chat(p->conf);
	if (err) {
		decline(p, "no chat relay");
		return 0;
	}

	memset(&prm, 0, sizeof(prm));
	prm.identity = p->uri;
	prm.room_alias = p->ruri[0] ? p->ruri : NULL;
	prm.laddr = &p->maddr;
	prm.listenh = media_portpool_tcp_listen;
	prm.listen_arg = f->tcp_pool;
	prm.tls = sm->secure ? &tls : NULL;
	prm.peer_path = sm->path;
	prm.active = setup_answer(sm) == TCPSETUP_ACTIVE;
	if (prm.active) {
		peer = *sdp_media_raddr(sm->m);
		prm.peer = &peer;
	}
	else {
		tcppeers_guard(&guard, guardv, ARRAY_SIZE(guardv), p, sm->m,
			       sm->path);
		prm.guard = &guard;
	}
	prm.closeh = close_handler;
	prm.arg = p;

	err = msrp_part_alloc(&sm->part, p->conf->chat, &prm);
	if (err) {
		decline(p, "no MSRP listener");
		return 0;
	}
	sm->psk = sm->psk_key != NULL;

	DEBUG_INFO("%s: MSRP %s on port %u\n", p->uri,
		   !sm->secure ? "TCP" : sm->psk ? "TLS-PSK" : "TLS",
		   msrp_part_port(sm->part));

 answer:
	sm->choice = CHOICE_NONE;
	sm->psk_key = NULL;
	sdp_media_set_lport(sm->m, msrp_part_port(sm->part));
	err  = sdp_media_set_lattr(sm->m, true, "path", "%s",
				   msrp_part_path(sm->part));
	err |= sdp_media_set_lattr(sm->m, true, "accept-types",
				   "message/cpim text/plain");
	err |= sdp_media_set_lattr(sm->m, true, "accept-wrapped-types", "*");
	err |= sdp_media_set_lattr(sm->m, true, "setup", "%s",
				   tcpsetup_name(setup_answer(sm)));
	if (!str_casecmp(sdp_media_proto(sm->m), "TCP/TLS/MSRP") &&
	    !sm->psk)
		err |= sdp_media_set_lattr(sm->m, true, "fingerprint",
					   "sha-256 %s", f->fingerprint);
	else
		sdp_media_del_lattr(sm->m, "fingerprint");

	return err ? ENOMEM : 0;
}


const char *stream_msrp_keying(const struct stream_msrp *sm)
{
	if (!sm || !sm->part)
		return NULL;

	return sm->psk ? "tls-psk" : sm->secure ? "tls-fingerprint" : "none";
}


/* As offerer (dial-out, an offerless INVITE) the focus does not offer
 * this stream yet: port 0 (RFC 3264 5.1), and the answer's m-line is
 * then declined like an offer's. */
static int make_offer(struct participant *p)
{
	sdp_media_set_lport(p->msrp->m, 0);
	return 0;
}


const struct stream_ops stream_msrp_ops = {
	.name        = "msrp",
	.optional    = true,
	.setup       = setup,
	.rewind      = NULL,
	.make_offer  = make_offer,
	.take_offer  = take_offer,
	.make_answer = make_answer,
	.take_answer = NULL,
};

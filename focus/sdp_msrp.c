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
#include "focus/focus.h"
#include "keying/sdes.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/tlspsk.h"
#include "keying/tcpsetup.h"
#include "media/media.h"
#include "msrp/msrp.h"
#include "focus/core.h"


#define DEBUG_MODULE "msrp-sdp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


int sdpm_setup(struct participant *p)
{
	int err;

	err = sdp_media_add(&p->mm, p->sdp, "message", 9, "TCP/TLS/MSRP");
	if (err)
		return err;

	err = sdp_media_set_alt_protos(p->mm, 2, "TCP/TLS/MSRP", "TCP/MSRP");
	if (err)
		return err;

	return sdp_format_add(NULL, p->mm, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
}


static void decline(struct participant *p, const char *why)
{
	DEBUG_NOTICE("%s: MSRP stream declined: %s\n", p->uri, why);
	p->msrp = mem_deref(p->msrp);
	sdp_media_set_lport(p->mm, 0);
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


static const char *rattr(const struct participant *p, const char *name)
{
	const char *v = sdp_media_rattr(p->mm, name);

	return v ? v : sdp_media_session_rattr(p->mm, p->sdp, name);
}


/* RFC 6135 4.2.1: holdconn (and a value we do not know) counts as no
 * a=setup at all; the answer rule is keying/tcpsetup.h's. */
static enum tcpsetup setup_answer(const struct participant *p)
{
	enum tcpsetup offer, ans;

	if (tcpsetup_decode(sdp_media_rattr(p->mm, "setup"), &offer) ||
	    offer == TCPSETUP_HOLDCONN)
		offer = TCPSETUP_ACTIVE;
	if (tcpsetup_answer(offer, &ans))
		ans = TCPSETUP_PASSIVE;
	return ans;
}


/* After the offer is decoded.  A chat stream we cannot serve is
 * declined with port 0 (RFC 3264 6); the call goes on. */
int sdpm_negotiate(struct participant *p)
{
	const struct focus *f = p->conf->focus;
	const struct confdef *def = p->conf->def;
	const struct mikey_tek *tek = NULL;
	struct msrp_part_prm prm;
	struct msrp_tls_cfg tls;
	const char *proto, *path;
	struct sa peer;
	bool secure;
	int err;

	if (!sdp_media_rport(p->mm)) {
		p->msrp = mem_deref(p->msrp);
		return 0;
	}

	/* an existing session stays as it is across re-INVITEs */
	if (p->msrp)
		goto answer;

	proto = sdp_media_proto(p->mm);
	secure = !str_casecmp(proto, "TCP/TLS/MSRP");
	if (!secure && str_casecmp(proto, "TCP/MSRP")) {
		decline(p, "unknown proto");
		return 0;
	}
	if (!secure && def->srtp == CONFDEF_SRTP_REQUIRED) {
		decline(p, "plain TCP/MSRP not allowed by policy");
		return 0;
	}

	path = sdp_media_rattr(p->mm, "path");
	if (!path) {
		decline(p, "no a=path");
		return 0;
	}

	memset(&tls, 0, sizeof(tls));
	if (secure) {
		if (!f->tls) {
			decline(p, "no TLS certificate");
			return 0;
		}
		tls.cert = f->tls;
		if (p->mr)
			tek = mikeyin_tls_psk(p, p->mm);
		if (tek) {
			/* Annex H: the TEK is this participant's TLS-PSK */
			p->msrp_tlspsk = mem_deref(p->msrp_tlspsk);
			if (tlspsk_alloc(&p->msrp_tlspsk, tek->key,
					 tek->key_len)) {
				decline(p, "TLS-PSK context");
				return 0;
			}
			tls.psk_tls = tlspsk_tls(p->msrp_tlspsk);
		}
		else {
			tls.fingerprint = rattr(p, "fingerprint");
			if (!tls.fingerprint) {
				decline(p, "TCP/TLS/MSRP without a=fingerprint");
				return 0;
			}
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
	prm.laddr = &f->media_addr;
	prm.listenh = media_portpool_tcp_listen;
	prm.listen_arg = f->tcp_pool;
	prm.tls = secure ? &tls : NULL;
	prm.peer_path = path;
	prm.active = setup_answer(p) == TCPSETUP_ACTIVE;
	if (prm.active) {
		peer = *sdp_media_raddr(p->mm);
		prm.peer = &peer;
	}
	prm.closeh = close_handler;
	prm.arg = p;

	err = msrp_part_alloc(&p->msrp, p->conf->chat, &prm);
	if (err) {
		decline(p, "no MSRP listener");
		return 0;
	}
	p->msrp_psk = tek != NULL;

	DEBUG_INFO("%s: MSRP %s on port %u\n", p->uri,
		   !secure ? "TCP" : p->msrp_psk ? "TLS-PSK" : "TLS",
		   msrp_part_port(p->msrp));

 answer:
	sdp_media_set_lport(p->mm, msrp_part_port(p->msrp));
	err  = sdp_media_set_lattr(p->mm, true, "path", "%s",
				   msrp_part_path(p->msrp));
	err |= sdp_media_set_lattr(p->mm, true, "accept-types",
				   "message/cpim text/plain");
	err |= sdp_media_set_lattr(p->mm, true, "accept-wrapped-types", "*");
	err |= sdp_media_set_lattr(p->mm, true, "setup", "%s",
				   tcpsetup_name(setup_answer(p)));
	if (!str_casecmp(sdp_media_proto(p->mm), "TCP/TLS/MSRP") &&
	    !p->msrp_psk)
		err |= sdp_media_set_lattr(p->mm, true, "fingerprint",
					   "sha-256 %s", f->fingerprint);
	else
		sdp_media_del_lattr(p->mm, "fingerprint");

	return err ? ENOMEM : 0;
}

/**
 * @file focus.c  The focus: SIP listeners and request dispatch.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "keying/cert.h"
#include "media/media.h"
#include "floor/floor.h"
#include "focus/focus_int.h"
#include "focus/digest.h"
#include "focus/auth_int.h"
#include "focus/admission_int.h"
#include "focus/calllog_int.h"
#include "focus/sipcheck_int.h"


#define DEBUG_MODULE "focus"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static void focus_destructor(void *arg)
{
	struct focus *f = arg;

	focus_shutdown(f);
	mem_deref(f->lsnr);
	mem_deref(f->check_lsnr);
	mem_deref(f->reinvite_lsnr);
	mem_deref(f->sock);
	list_flush(&f->confs);
	mem_deref(f->ep);
	mem_deref(f->auth);
	mem_deref(f->adm);
	mem_deref(f->log);
	mem_deref(f->floor);
	mem_deref(f->tcp_pool);
	mem_deref(f->rtp_pool);
	mem_deref(f->kms);
	mem_deref(f->tls);
	mem_deref(f->domain);
	mem_deref(f->trusted);
	mem_deref(f->dialout_route);
	mem_deref(f->factory);
}


static void connect_handler(const struct sip_msg *msg, void *arg)
{
	if (factory_invite(arg, msg))
		return;

	participant_connect(arg, msg);
}


static void reply_options(struct focus *f, const struct sip_msg *msg)
{
	if (pl_isset(&msg->uri.user) && !conference_find(f, &msg->uri)) {
		(void)sip_treply(NULL, f->sip, msg, 404,
				 "Conference Not Found");
		return;
	}

	(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 200, "OK",
			  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			  "SUBSCRIBE, REFER\r\n"
			  "Allow-Events: conference\r\n"
			  "Accept: application/sdp\r\n"
			  "Accept-Language: en\r\n"
			  "Content-Length: 0\r\n\r\n");
}


/* Runs after libre's session layer has taken what belongs to it. */
bool focus_request(const struct sip_msg *msg, void *arg)
{
	struct focus *f = arg;

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		reply_options(f, msg);
		return true;
	}

	if (!pl_strcmp(&msg->met, "ACK"))
		return true;          /* never answered; stray ones vanish */

	if (!pl_strcmp(&msg->met, "REFER") && !pl_isset(&msg->to.tag)) {
		refer_request(f, msg);
		return true;
	}

	if (pl_isset(&msg->to.tag)) {
		(void)sip_treply(NULL, f->sip, msg, 481,
				 "Call/Transaction Does Not Exist");
		return true;
	}

	(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 405,
			  "Method Not Allowed",
			  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, "
			  "SUBSCRIBE, REFER\r\n"
			  "Content-Length: 0\r\n\r\n");
	return true;
}


static int auth_setup(struct focus *f, const struct focus_cfg *cfg)
{
	struct auth_cfg ac;
	size_t i;

	memset(&ac, 0, sizeof(ac));
	for (i = 0; i < cfg->digest_algc && i < AUTH_ALG_MAX; i++)
		ac.algv[ac.algc++] = cfg->digest_algv[i] == DIGEST_SHA256 ?
			DIGEST_SHA256 : DIGEST_MD5;
	ac.nonce_lifetime = cfg->digest_nonce_lifetime;

	return auth_alloc(&f->auth, &ac);
}


int focus_alloc(struct focus **fp, struct sip *sip,
		const struct focus_cfg *cfg)
{
	struct focus *f;
	int err;

	if (!fp || !sip || !cfg || !cfg->domain || !cfg->rtp_pool ||
	    !cfg->tcp_pool)
		return EINVAL;

	f = mem_zalloc(sizeof(*f), focus_destructor);
	if (!f)
		return ENOMEM;

	f->sip = sip;
	f->media_addr = cfg->media_addr;
	f->media_addr6 = cfg->media_addr6;
	/* unset is AF_UNSPEC; 0.0.0.0 is set (bind on every address) */
	if (sa_af(&f->media_addr) != AF_INET &&
	    sa_af(&f->media_addr6) != AF_INET6) {
		err = EINVAL;
		goto out;
	}
	/* BFCP listens in one family (floor/server.c): IPv4 when there is
	 * an IPv4 media address; sdp_bfcp.c declines it in the other */
	f->floor_af = sa_af(&f->media_addr) == AF_INET ? AF_INET : AF_INET6;
	f->rtp_pool = mem_ref(cfg->rtp_pool);
	f->kms = mem_ref(cfg->kms);
	f->mikey_prot_tls = cfg->mikey_prot_tls;
	f->media_timeout = cfg->media_timeout;
	f->handshake_ms = cfg->handshake_ms;
	f->tcp_peers_any = cfg->tcp_peers_any;

	err = str_dup(&f->domain, cfg->domain);
	if (!err)
		err = calllog_alloc(&f->log, cfg->eventh, cfg->event_arg);
	if (err)
		goto out;

	if (cfg->trustedc) {
		f->trusted = mem_alloc(cfg->trustedc * sizeof(*f->trusted),
				       NULL);
		if (!f->trusted) {
			err = ENOMEM;
			goto out;
		}
		memcpy(f->trusted, cfg->trusted,
		       cfg->trustedc * sizeof(*f->trusted));
		f->trustedc = cfg->trustedc;
	}

	/* RFC 3261 8.1.2: the outbound proxy as a loose route (libre
	 * adds the ;lr); libre then sends the INVITE there with the
	 * target as Request-URI */
	if (sa_isset(&cfg->outbound_proxy, SA_PORT)) {
		err = re_sdprintf(&f->dialout_route, "sip:%J%s",
				  &cfg->outbound_proxy,
				  sip_transp_param(cfg->outbound_tp));
		if (err)
			goto out;
	}
	f->dialout_timeout_ms = 1000 * (cfg->dialout_timeout_s ?
					cfg->dialout_timeout_s : 60);

	err = factory_alloc(&f->factory, cfg);
	if (err)
		goto out;

	f->tls = mem_ref(cfg->tls);
	f->tcp_pool = mem_ref(cfg->tcp_pool);

	err = auth_setup(f, cfg);
	if (err)
		goto out;

	if (cfg->tls) {
		err = cert_fingerprint(cfg->tls, f->fingerprint,
				       sizeof(f->fingerprint));
		if (!err)
			err = floor_server_alloc(&f->floor, cfg->tls,
						 f->floor_af == AF_INET ?
						 &cfg->media_addr :
						 &cfg->media_addr6,
						 media_portpool_tcp_listen,
						 f->tcp_pool);
		if (err)
			goto out;
	}

	/* first of all listeners: it sees every request (admission.c) */
	err = admission_alloc(&f->adm, sip, &cfg->limits, cfg->rtp_pool,
			      cfg->trusted, cfg->trustedc);
	if (err)
		goto out;

	/* RFC 3261 8.2 checks, for every request the listeners below get */
	err = sipcheck_listen(&f->check_lsnr, sip);
	if (err)
		goto out;

	/* before libre's session and event listeners (eventpkg.h) */
	f->mikey_prot_smime = cfg->mikey_prot_smime;
	err = events_alloc(f, &cfg->limits);
	if (err)
		goto out;

	err = reinvite_listen(f);
	if (err)
		goto out;

	err = sipsess_listen(&f->sock, sip, 4096, connect_handler, f);
	if (err)
		goto out;

	err = sip_listen(&f->lsnr, sip, true, focus_request, f);

 out:
	if (err)
		mem_deref(f);
	else
		*fp = f;

	return err;
}


void focus_shutdown(struct focus *f)
{
	struct le *le;

	if (!f || f->closing)
		return;

	f->closing = true;

	le = f->confs.head;
	while (le) {
		struct conference *conf = le->data;
		le = le->next;

		mem_ref(conf);
		while (!list_isempty(&conf->parts))
			participant_hangup(list_head(&conf->parts)->data,
					   0, NULL);
		conference_gc(conf);
		mem_deref(conf);
	}
}


/* Here rather than in conference.c: the roster (events.c) follows each
 * definition, and events.c finds conferences through conference.c. */
int focus_set_confdefs(struct focus *f, struct list *defs)
{
	struct le *le;

	if (!f || !defs)
		return EINVAL;

	/* mark all; those still defined get unmarked below */
	for (le = f->confs.head; le; le = le->next) {
		struct conference *conf = le->data;
		conf->removed = true;
	}

	while ((le = list_head(defs))) {
		struct confdef *def = le->data;
		struct conference *conf = NULL;
		struct le *ce;

		list_unlink(&def->le);

		for (ce = f->confs.head; ce; ce = ce->next) {
			struct conference *c = ce->data;
			if (confdef_uri_match(c->def->uri, def->uri)) {
				conf = c;
				break;
			}
		}

		if (conf) {
			conference_redefine(conf, def);
			(void)events_conf_update(conf);
			continue;
		}

		if (conference_alloc(&conf, f, def)) {
			mem_deref(def);
			return ENOMEM;
		}
		(void)events_conf_update(conf);
	}

	le = f->confs.head;
	while (le) {
		struct conference *conf = le->data;
		le = le->next;
		if (conf->removed)
			conference_gc(conf);
	}

	return 0;
}


/* One conference changed in the store (another node wrote it): def is
 * its new definition, moved in, or NULL when it was deleted.  As
 * focus_set_confdefs does for the whole set. */
int focus_set_confdef(struct focus *f, const char *uri, struct confdef *def)
{
	struct conference *conf = NULL;
	struct le *le;

	if (!f || !uri || (def && !confdef_uri_match(def->uri, uri)))
		return EINVAL;

	for (le = f->confs.head; le; le = le->next) {
		struct conference *c = le->data;
		if (confdef_uri_match(c->def->uri, uri)) {
			conf = c;
			break;
		}
	}

	if (!def) {
		if (conf) {
			conf->removed = true;
			conference_gc(conf);
		}
		return 0;
	}

	if (conf) {
		conference_redefine(conf, def);
		(void)events_conf_update(conf);
		return 0;
	}

	if (conference_alloc(&conf, f, def)) {
		mem_deref(def);
		return ENOMEM;
	}
	(void)events_conf_update(conf);

	return 0;
}


uint32_t focus_conference_count(const struct focus *f)
{
	return f ? list_count(&f->confs) : 0;
}


uint32_t focus_participant_count(const struct focus *f)
{
	struct le *le;
	uint32_t n = 0;

	if (!f)
		return 0;

	for (le = f->confs.head; le; le = le->next) {
		const struct conference *conf = le->data;
		n += list_count(&conf->parts);
	}

	return n;
}


int focus_admission_print(struct re_printf *pf, const struct focus *f)
{
	struct admission_stats st;

	admission_stats(f ? f->adm : NULL, &st);
	return re_hprintf(pf, "%llu admitted, %llu refused (503), %llu "
			  "dropped, %llu not ACKed in time",
			  (unsigned long long)st.admitted,
			  (unsigned long long)st.refused,
			  (unsigned long long)st.dropped,
			  (unsigned long long)st.ack_timeouts);
}

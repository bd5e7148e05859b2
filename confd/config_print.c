/**
 * @file config_print.c  `confd -t`: the configuration as confd reads it,
 * defaults included; secrets (the KMS PSK, a store URL's password) are
 * never printed.
 */
#include <string.h>
#include <re.h>
#include "confd/config.h"
#include "confd/config_int.h"
#include "focus/digest.h"


/* The store, with the password of a database URL
 * (postgresql://user:PASSWORD@host/db) shown as "***" */
static int store_print(struct re_printf *pf, const char *store)
{
	const char *p = strstr(store, "://"), *at, *colon;

	if (!p || !(at = strchr(p + 3, '@')))
		return re_hprintf(pf, "%s", store);

	colon = memchr(p + 3, ':', (size_t)(at - (p + 3)));
	if (!colon)
		return re_hprintf(pf, "%s", store);

	return re_hprintf(pf, "%b***%s", store, (size_t)(colon + 1 - store),
			  at);
}


int config_print(struct re_printf *pf, const struct config *cfg)
{
	static const char *const levels[] = {"error", "warn", "info",
					     "debug"};
	size_t i;
	int err;

	if (!cfg)
		return 0;

	err  = re_hprintf(pf, "sip_listen      %J\n", &cfg->sip_listen);
	if (sa_isset(&cfg->sip_tls_listen, SA_PORT))
		err |= re_hprintf(pf, "sip_tls_listen  %J\n",
				  &cfg->sip_tls_listen);
	else
		err |= re_hprintf(pf, "sip_tls_listen  off\n");
	err |= re_hprintf(pf, "domain          %s\n", cfg->domain);
	err |= re_hprintf(pf, "store           %H\n", store_print, cfg->store);
	err |= re_hprintf(pf, "tls_cert        %s\n", cfg->tls_cert);
	err |= re_hprintf(pf, "rtp_ports       %u-%u\n",
			  cfg->rtp_port_min, cfg->rtp_port_max);
	err |= re_hprintf(pf, "tcp_ports       %u-%u\n",
			  cfg->tcp_port_min, cfg->tcp_port_max);
	/* kms_psk is a secret: never printed */
	err |= re_hprintf(pf, "kms_url         %s\n", cfg->kms_url);
	err |= re_hprintf(pf, "kms_uid         %s\n", cfg->kms_uid);
	err |= re_hprintf(pf, "kms_psk         %s\n",
			  cfg->kms_psk_len ? "(set)" : "");
	err |= re_hprintf(pf, "mikey_prot_tls  %u\n", cfg->mikey_prot_tls);
	err |= re_hprintf(pf, "mikey_prot_psk_smime %u\n",
			  cfg->mikey_prot_psk_smime);
	if (sa_af(&cfg->media_addr) == AF_INET)
		err |= re_hprintf(pf, "media_addr      %j\n", &cfg->media_addr);
	else
		err |= re_hprintf(pf, "media_addr      off\n");
	if (sa_af(&cfg->media_addr6) == AF_INET6)
		err |= re_hprintf(pf, "media_addr6     %j\n", &cfg->media_addr6);
	else
		err |= re_hprintf(pf, "media_addr6     off\n");
	err |= re_hprintf(pf, "trusted_peers  ");
	for (i = 0; i < cfg->trustedc; i++) {
		if (sa_port(&cfg->trusted[i]))
			err |= re_hprintf(pf, " %J", &cfg->trusted[i]);
		else
			err |= re_hprintf(pf, " %j", &cfg->trusted[i]);
	}
	err |= re_hprintf(pf, "\n");
	err |= re_hprintf(pf, "log_level       %s\n",
			  cfg->log_level >= 0 && cfg->log_level <= 3 ?
			  levels[cfg->log_level] : "?");
	err |= re_hprintf(pf, "log_format      %s\n",
			  cfg->log_json ? "json" : "text");
	if (sa_isset(&cfg->metrics_listen, SA_PORT))
		err |= re_hprintf(pf, "metrics_listen  %J\n",
				  &cfg->metrics_listen);
	else
		err |= re_hprintf(pf, "metrics_listen  off\n");
	err |= re_hprintf(pf, "wipe_memory     %s\n",
			  cfg->wipe_memory ? "yes" : "no");
	err |= re_hprintf(pf, "shutdown_wait   %u\n", cfg->shutdown_wait_ms);
	if (sa_isset(&cfg->http_listen, SA_PORT))
		err |= re_hprintf(pf, "http_listen     %J\n",
				  &cfg->http_listen);
	else
		err |= re_hprintf(pf, "http_listen     off\n");
	err |= re_hprintf(pf, "http_root       %s\n", cfg->http_root);
	err |= re_hprintf(pf, "http_session_idle %u\n",
			  cfg->http_session_idle_s);
	err |= re_hprintf(pf, "http_session_max %u\n",
			  cfg->http_session_max_s);
	err |= re_hprintf(pf, "handshake_timeout %u\n",
			  cfg->handshake_timeout_ms);
	err |= re_hprintf(pf, "tcp_peer_check  %s\n",
			  cfg->tcp_peer_check ? "yes" : "no");
	if (sa_isset(&cfg->outbound_proxy, SA_PORT))
		err |= re_hprintf(pf, "outbound_proxy  %J;transport=%s\n",
				  &cfg->outbound_proxy,
				  cfg->outbound_tp == SIP_TRANSP_TCP ? "tcp" :
				  cfg->outbound_tp == SIP_TRANSP_TLS ? "tls" :
				  "udp");
	err |= re_hprintf(pf, "dialout_timeout %u\n",
			  cfg->dialout_timeout_s);
	if (cfg->factory_uri[0])
		err |= re_hprintf(pf, "factory_uri     %s (open %s, anonymous"
				  " %s, srtp %s)\n", cfg->factory_uri,
				  cfg->factory_open ? "yes" : "no",
				  cfg->factory_anonymous ? "yes" : "no",
				  cfg->factory_srtp);
	err |= re_hprintf(pf, "media_timeout   %u\n", cfg->media_timeout);
	err |= re_hprintf(pf, "digest_algorithms ");
	for (i = 0; i < cfg->digest_algc; i++)
		err |= re_hprintf(pf, "%s%s", i ? "," : "",
				  digest_alg_name(cfg->digest_algv[i]));
	err |= re_hprintf(pf, "\n");
	err |= re_hprintf(pf, "digest_nonce_lifetime %u\n",
			  cfg->digest_nonce_lifetime);
	err |= config_print_limits(pf, cfg);
	err |= re_hprintf(pf, "state_dir       %s\n",
			  cfg->state_dir[0] ? cfg->state_dir : ".");
	err |= re_hprintf(pf, "control_socket  %s\n",
			  cfg->control_socket[0] ? cfg->control_socket : "off");
	err |= re_hprintf(pf, "pid_file        %s\n",
			  cfg->pid_file[0] ? cfg->pid_file : "off");

	return err;
}

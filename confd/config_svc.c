/**
 * @file config_svc.c  The confd.conf keys of the services around the
 * focus: the KMS (MIKEY-TICKET), shutdown and logging, metrics, digest, media timeout, the
 * admission limits, the BFCP/MSRP listeners, the web interface,
 * dial-out and the conference factory.  config.c scans the file and
 * owns the network, store, media and KMS keys; both tables share its
 * rules (config_int.h).
 */
#include <string.h>
#include <stddef.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <re.h>
#include "confd/config.h"
#include "confd/config_int.h"
#include "focus/digest.h"


enum {
	SHUTDOWN_WAIT_MAX = 600000,   /* ten minutes, in ms */
	MEDIA_TIMEOUT_MAX = 86400,    /* a day, in s */
	HANDSHAKE_MAX = 60000,        /* BFCP/MSRP handshake, in ms */
};


/* ---- MIKEY-TICKET and the KMS (issue 5) ---- */

static int h_kms_url(struct parser *p, const char *key, const struct pl *val)
{
	if (val->l < 8 || strncasecmp(val->p, "https://", 8)) {
		config_perr(p, key, val, "expected https://IP:PORT/PATH");
		return EINVAL;
	}

	return config_set_str(p, key, p->cfg->kms_url, sizeof(p->cfg->kms_url), val);
}


static int h_kms_uid(struct parser *p, const char *key, const struct pl *val)
{
	return config_set_str(p, key, p->cfg->kms_uid, sizeof(p->cfg->kms_uid), val);
}


static int h_kms_id(struct parser *p, const char *key, const struct pl *val)
{
	return config_set_str(p, key, p->cfg->kms_id, sizeof(p->cfg->kms_id), val);
}


static int h_kms_psk(struct parser *p, const char *key, const struct pl *val)
{
	size_t i;

	if (val->l < 32 || val->l % 2 || val->l / 2 > sizeof(p->cfg->kms_psk)) {
		config_perr(p, key, val, "expected 16 to 64 bytes in hex");
		return EINVAL;
	}

	for (i = 0; i < val->l; i++) {
		if (!isxdigit((unsigned char)val->p[i])) {
			config_perr(p, key, val, "expected hex digits");
			return EINVAL;
		}
	}

	for (i = 0; i < val->l / 2; i++)
		p->cfg->kms_psk[i] = (uint8_t)(ch_hex(val->p[2 * i]) << 4 |
					       ch_hex(val->p[2 * i + 1]));
	p->cfg->kms_psk_len = val->l / 2;

	return 0;
}


static int h_kms_ca(struct parser *p, const char *key, const struct pl *val)
{
	return config_set_str(p, key, p->cfg->kms_ca, sizeof(p->cfg->kms_ca), val);
}


static int h_kms_fingerprint(struct parser *p, const char *key,
			     const struct pl *val)
{
	/* SHA-256: 32 bytes as "AB:CD:..." */
	if (val->l != 95) {
		config_perr(p, key, val, "expected a SHA-256 fingerprint AB:CD:...");
		return EINVAL;
	}

	return config_set_str(p, key, p->cfg->kms_fingerprint,
		       sizeof(p->cfg->kms_fingerprint), val);
}


static int h_kms_timeout(struct parser *p, const char *key,
			 const struct pl *val)
{
	if (config_parse_u32(&p->cfg->kms_timeout_ms, val, 60000) ||
	    !p->cfg->kms_timeout_ms) {
		config_perr(p, key, val, "expected milliseconds, 1-60000");
		return EINVAL;
	}

	return 0;
}


static int prot_type(struct parser *p, const char *key, const struct pl *val,
		     uint8_t *dst)
{
	uint32_t v;

	/* 0-3 are SRTP, the RFC 3830 ones; IANA never assigned TLS or PSK
	 * S/MIME, so the private-use values are configurable */
	if (config_parse_u32(&v, val, 255) || v < 4) {
		config_perr(p, key, val, "expected a Prot Type, 4-255");
		return EINVAL;
	}

	*dst = (uint8_t)v;
	return 0;
}


static int h_prot_tls(struct parser *p, const char *key,
		      const struct pl *val)
{
	return prot_type(p, key, val, &p->cfg->mikey_prot_tls);
}


static int h_prot_smime(struct parser *p, const char *key,
			const struct pl *val)
{
	return prot_type(p, key, val, &p->cfg->mikey_prot_psk_smime);
}


static int h_prot_app(struct parser *p, const char *key,
		      const struct pl *val)
{
	return prot_type(p, key, val, &p->cfg->mikey_prot_app);
}



/* Plain HTTP: loopback is the intended place (main.c warns when not) */
static int h_metrics_listen(struct parser *p, const char *key,
			    const struct pl *val)
{
	bool has_port = false;

	if (!pl_strcasecmp(val, "off")) {
		sa_init(&p->cfg->metrics_listen, AF_UNSPEC);
		return 0;
	}

	if (config_parse_addr(&p->cfg->metrics_listen, val, 0, &has_port) ||
	    !has_port || !sa_port(&p->cfg->metrics_listen)) {
		config_perr(p, key, val, "expected IP:port (e.g. 127.0.0.1:9090) "
		     "or off");
		return EINVAL;
	}

	return 0;
}


static int h_log_format(struct parser *p, const char *key,
			const struct pl *val)
{
	if (!pl_strcasecmp(val, "text"))
		p->cfg->log_json = false;
	else if (!pl_strcasecmp(val, "json"))
		p->cfg->log_json = true;
	else {
		config_perr(p, key, val, "expected text or json");
		return EINVAL;
	}

	return 0;
}


static int h_wipe_memory(struct parser *p, const char *key,
			 const struct pl *val)
{
	if (!pl_strcasecmp(val, "yes"))
		p->cfg->wipe_memory = true;
	else if (!pl_strcasecmp(val, "no"))
		p->cfg->wipe_memory = false;
	else {
		config_perr(p, key, val, "expected yes or no");
		return EINVAL;
	}

	return 0;
}


static int h_shutdown_wait(struct parser *p, const char *key,
			   const struct pl *val)
{
	if (config_parse_u32(&p->cfg->shutdown_wait_ms, val, SHUTDOWN_WAIT_MAX)) {
		config_perr(p, key, val, "expected milliseconds, 0-600000");
		return EINVAL;
	}

	return 0;
}


/* seconds without authenticated media before a call ends; 0: never */
static int h_media_timeout(struct parser *p, const char *key,
			   const struct pl *val)
{
	if (config_parse_u32(&p->cfg->media_timeout, val, MEDIA_TIMEOUT_MAX)) {
		config_perr(p, key, val, "expected seconds, 0-86400");
		return EINVAL;
	}

	return 0;
}


/* "SHA-256,MD5": the digest challenges, preferred first (RFC 8760
 * 2.4).  Each algorithm at most once. */
static int h_digest_algorithms(struct parser *p, const char *key,
			       const struct pl *val)
{
	struct config *cfg = p->cfg;
	struct pl rest = *val;

	cfg->digest_algc = 0;
	if (val->l && val->p[val->l - 1] == ',') {
		config_perr(p, key, val, "empty item");
		return EINVAL;
	}
	while (rest.l) {
		struct pl item = rest;
		const char *c = pl_strchr(&rest, ',');
		unsigned alg;
		size_t i;

		if (c) {
			item.l = c - rest.p;
			pl_advance(&rest, item.l + 1);
		}
		else {
			pl_advance(&rest, rest.l);
		}

		if (!pl_strcasecmp(&item, "MD5"))
			alg = DIGEST_MD5;
		else if (!pl_strcasecmp(&item, "SHA-256"))
			alg = DIGEST_SHA256;
		else {
			config_perr(p, key, &item, "expected SHA-256 and/or MD5, "
			     "comma-separated");
			return EINVAL;
		}

		for (i = 0; i < cfg->digest_algc; i++) {
			if (cfg->digest_algv[i] == alg) {
				config_perr(p, key, &item, "listed twice");
				return EINVAL;
			}
		}
		cfg->digest_algv[cfg->digest_algc++] = alg;
	}

	if (!cfg->digest_algc) {
		config_perr(p, key, val, "expected SHA-256 and/or MD5");
		return EINVAL;
	}

	return 0;
}


static int h_digest_nonce_lifetime(struct parser *p, const char *key,
				   const struct pl *val)
{
	if (config_parse_u32(&p->cfg->digest_nonce_lifetime, val, 3600) ||
	    !p->cfg->digest_nonce_lifetime) {
		config_perr(p, key, val, "expected seconds, 1-3600");
		return EINVAL;
	}

	return 0;
}


/* ---- limits (issues 14, 18): focus/admission.c and eventpkg ----
 * Plain counts; 0 lifts a cap, except where min says otherwise. */
struct limit {
	const char *name;
	size_t off;                   /* in struct config */
	uint32_t min, max;
	const char *unit;             /* for the message */
};

#define LIM(n, lo, hi, u) {#n, offsetof(struct config, n), lo, hi, u}
static const struct limit limitv[] = {
	LIM(max_calls,                   0, 1000000, "calls"),
	LIM(max_participants,            0, 1000000, "calls"),
	LIM(max_pending,                 0, 1000000, "calls"),
	LIM(max_pending_per_source,      0, 1000000, "calls"),
	LIM(max_transactions_per_source, 0, 1000000, "requests/s"),
	LIM(flood_drop_per_source,       0, 1000000, "responses/s"),
	LIM(open_conf_share,             1, 100,     "percent"),
	LIM(fd_reserve,                  0, 65536,   "descriptors"),
	/* beyond 64*T1 libre ends the call itself */
	LIM(ack_timeout,                 0, 32,      "seconds"),
	LIM(retry_after,                 1, 3600,    "seconds"),
	LIM(sub_max_per_identity,        0, 1000000, "subscriptions"),
	LIM(sub_max_per_source,          0, 1000000, "subscriptions"),
	LIM(sub_max_total,               0, 1000000, "subscriptions"),
	LIM(sub_retry_after,             1, 3600,    "seconds"),
	LIM(notify_rate,                 0, 1000000, "NOTIFYs/s"),
	LIM(notify_burst,                1, 1000000, "NOTIFYs"),
};
#undef LIM


static int h_limit(struct parser *p, const char *key, const struct pl *val)
{
	const struct limit *l = NULL;
	uint32_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(limitv); i++) {
		if (!strcmp(limitv[i].name, key))
			l = &limitv[i];
	}
	if (!l)
		return EINVAL;

	if (config_parse_u32(&v, val, l->max) || v < l->min) {
		re_fprintf(stderr, "%s:%u: %s: bad value '%r': expected "
			   "%u-%u %s\n", p->name, p->line, key, val,
			   l->min, l->max, l->unit);
		return EINVAL;
	}

	*(uint32_t *)(void *)((uint8_t *)p->cfg + l->off) = v;
	return 0;
}


static int h_handshake_timeout(struct parser *p, const char *key,
			       const struct pl *val)
{
	/* below 100 ms a loaded machine would close honest clients */
	if (config_parse_u32(&p->cfg->handshake_timeout_ms, val, HANDSHAKE_MAX) ||
	    p->cfg->handshake_timeout_ms < 100) {
		config_perr(p, key, val, "expected milliseconds, 100-60000");
		return EINVAL;
	}

	return 0;
}


static int h_tcp_peer_check(struct parser *p, const char *key,
			    const struct pl *val)
{
	if (!pl_strcasecmp(val, "yes") || !pl_strcasecmp(val, "on")) {
		p->cfg->tcp_peer_check = true;
		return 0;
	}
	if (!pl_strcasecmp(val, "no") || !pl_strcasecmp(val, "off")) {
		p->cfg->tcp_peer_check = false;
		return 0;
	}

	config_perr(p, key, val, "expected yes or no");
	return EINVAL;
}


static int h_http_listen(struct parser *p, const char *key,
			 const struct pl *val)
{
	if (!pl_strcasecmp(val, "off")) {
		sa_init(&p->cfg->http_listen, AF_UNSPEC);
		return 0;
	}

	if (config_parse_addr(&p->cfg->http_listen, val, 8443, NULL)) {
		config_perr(p, key, val, "expected IP, IP:port or off");
		return EINVAL;
	}

	return 0;
}


static int h_http_root(struct parser *p, const char *key,
		       const struct pl *val)
{
	return config_set_str(p, key, p->cfg->http_root, sizeof(p->cfg->http_root),
		       val);
}


static int h_http_session_idle(struct parser *p, const char *key,
			       const struct pl *val)
{
	if (config_parse_u32(&p->cfg->http_session_idle_s, val, 86400) ||
	    !p->cfg->http_session_idle_s) {
		config_perr(p, key, val, "expected seconds, 1-86400");
		return EINVAL;
	}

	return 0;
}


static int h_http_session_max(struct parser *p, const char *key,
			      const struct pl *val)
{
	if (config_parse_u32(&p->cfg->http_session_max_s, val, 604800) ||
	    !p->cfg->http_session_max_s) {
		config_perr(p, key, val, "expected seconds, 1-604800");
		return EINVAL;
	}

	return 0;
}


/* outbound_proxy IP:port[;transport=udp|tcp|tls]: no DNS, like
 * kms_url, so that where dial-outs go is what the file says */
static int h_outbound_proxy(struct parser *p, const char *key,
			    const struct pl *val)
{
	struct pl addr = *val, tp = PL_INIT;
	const char *semi = pl_strchr(val, ';');

	if (semi) {
		addr.l = (size_t)(semi - val->p);
		tp.p = semi + 1;
		tp.l = val->l - addr.l - 1;
		if (tp.l < 10 || strncasecmp(tp.p, "transport=", 10))
			goto bad;
		tp.p += 10;
		tp.l -= 10;
	}

	if (config_parse_addr(&p->cfg->outbound_proxy, &addr, 5060, NULL))
		goto bad;

	if (!pl_isset(&tp) || !pl_strcasecmp(&tp, "udp"))
		p->cfg->outbound_tp = SIP_TRANSP_UDP;
	else if (!pl_strcasecmp(&tp, "tcp"))
		p->cfg->outbound_tp = SIP_TRANSP_TCP;
	else if (!pl_strcasecmp(&tp, "tls"))
		p->cfg->outbound_tp = SIP_TRANSP_TLS;
	else
		goto bad;

	return 0;

 bad:
	config_perr(p, key, val, "expected IP:port[;transport=udp|tcp|tls]");
	return EINVAL;
}


static int h_dialout_timeout(struct parser *p, const char *key,
			     const struct pl *val)
{
	if (config_parse_u32(&p->cfg->dialout_timeout_s, val, 3600) ||
	    !p->cfg->dialout_timeout_s) {
		config_perr(p, key, val, "expected seconds, 1-3600");
		return EINVAL;
	}

	return 0;
}


static int pl_strncasecmp_prefix(const struct pl *pl, const char *pfx)
{
	size_t n = strlen(pfx);

	return pl->l > n && !strncasecmp(pl->p, pfx, n) ? 0 : 1;
}


static int h_factory_uri(struct parser *p, const char *key,
			 const struct pl *val)
{
	/* a bare sip:user@host[:port], as confdef_uri_valid() wants */
	if (pl_strncasecmp_prefix(val, "sip:") || !pl_strchr(val, '@') ||
	    pl_strchr(val, '<') || pl_strchr(val, ';')) {
		config_perr(p, key, val, "expected sip:user@host");
		return EINVAL;
	}

	return config_set_str(p, key, p->cfg->factory_uri,
		       sizeof(p->cfg->factory_uri), val);
}


static int yes_no(struct parser *p, const char *key, const struct pl *val,
		  bool *dst)
{
	if (!pl_strcasecmp(val, "yes") || !pl_strcasecmp(val, "on"))
		*dst = true;
	else if (!pl_strcasecmp(val, "no") || !pl_strcasecmp(val, "off"))
		*dst = false;
	else {
		config_perr(p, key, val, "expected yes or no");
		return EINVAL;
	}

	return 0;
}


static int h_factory_open(struct parser *p, const char *key,
			  const struct pl *val)
{
	return yes_no(p, key, val, &p->cfg->factory_open);
}


static int h_factory_anonymous(struct parser *p, const char *key,
			       const struct pl *val)
{
	return yes_no(p, key, val, &p->cfg->factory_anonymous);
}


static int h_factory_srtp(struct parser *p, const char *key,
			  const struct pl *val)
{
	if (pl_strcmp(val, "required") && pl_strcmp(val, "optional") &&
	    pl_strcmp(val, "off")) {
		config_perr(p, key, val, "expected required, optional or off");
		return EINVAL;
	}

	return config_set_str(p, key, p->cfg->factory_srtp,
		       sizeof(p->cfg->factory_srtp), val);
}


int config_print_limits(struct re_printf *pf, const struct config *cfg)
{
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(limitv); i++)
		err |= re_hprintf(pf, "%-15s %u\n", limitv[i].name,
				  *(const uint32_t *)(const void *)
				  ((const uint8_t *)cfg + limitv[i].off));

	return err;
}


const struct config_key config_keyv_svc[] = {
	{"kms_url",        h_kms_url,        false, false},
	{"kms_uid",        h_kms_uid,        false, false},
	{"kms_id",         h_kms_id,         false, false},
	{"kms_psk",        h_kms_psk,        false, false},
	{"kms_ca",         h_kms_ca,         false, false},
	{"kms_fingerprint", h_kms_fingerprint, false, false},
	{"kms_timeout",    h_kms_timeout,    false, false},
	{"mikey_prot_tls", h_prot_tls,       false, false},
	{"mikey_prot_psk_smime", h_prot_smime, false, false},
	{"mikey_prot_app", h_prot_app,       false, false},
	{"log_format",     h_log_format,     false, false},
	{"metrics_listen", h_metrics_listen, false, false},
	{"wipe_memory",    h_wipe_memory,    false, false},
	{"shutdown_wait",  h_shutdown_wait,  false, false},
	{"http_listen",    h_http_listen,    false, false},
	{"http_root",      h_http_root,      false, false},
	{"http_session_idle", h_http_session_idle, false, false},
	{"http_session_max", h_http_session_max, false, false},
	{"handshake_timeout", h_handshake_timeout, false, false},
	{"tcp_peer_check", h_tcp_peer_check, false, false},
	{"outbound_proxy", h_outbound_proxy, false, false},
	{"dialout_timeout", h_dialout_timeout, false, false},
	{"factory_uri",    h_factory_uri,    false, false},
	{"factory_open",   h_factory_open,   false, false},
	{"factory_anonymous", h_factory_anonymous, false, false},
	{"factory_srtp",   h_factory_srtp,   false, false},
	{"media_timeout",  h_media_timeout,  false, false},
	{"digest_algorithms", h_digest_algorithms, false, false},
	{"digest_nonce_lifetime", h_digest_nonce_lifetime, false, false},
	{"max_calls",                   h_limit, false, false},
	{"max_participants",            h_limit, false, false},
	{"max_pending",                 h_limit, false, false},
	{"max_pending_per_source",      h_limit, false, false},
	{"max_transactions_per_source", h_limit, false, false},
	{"flood_drop_per_source",       h_limit, false, false},
	{"open_conf_share",             h_limit, false, false},
	{"fd_reserve",                  h_limit, false, false},
	{"ack_timeout",                 h_limit, false, false},
	{"retry_after",                 h_limit, false, false},
	{"sub_max_per_identity",        h_limit, false, false},
	{"sub_max_per_source",          h_limit, false, false},
	{"sub_max_total",               h_limit, false, false},
	{"sub_retry_after",             h_limit, false, false},
	{"notify_rate",                 h_limit, false, false},
	{"notify_burst",                h_limit, false, false},
};

const size_t config_keyv_svc_n = ARRAY_SIZE(config_keyv_svc);

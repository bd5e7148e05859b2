/**
 * @file config.h  confd.conf: libre's conf format, one "key value" a line.
 *
 * '#' starts a comment at the start of a line or after a blank.  Every
 * key takes one value word, except trusted_peers, which takes a comma-
 * or blank-separated list and may be repeated.  Unknown keys draw a
 * warning on stderr; a bad value, or a key given twice, is EINVAL with
 * a message on stderr naming the key and line.
 *
 * Defaults: sip_listen 127.0.0.1:5060, sip_tls_listen = the IP of
 * sip_listen, port 5061 ("off" or empty disables it), domain = the IP
 * of sip_listen ("localhost" when that is a wildcard or loopback
 * address), store confd.db, tls_cert confd.pem, rtp_ports 10000-20000,
 * tcp_ports 30000-39999 (each becomes one media_portpool in main.c),
 * media_addr = the IP of sip_listen when IPv4 (else none), media_addr6
 * = the IP of sip_listen when IPv6 (else none), no trusted_peers,
 * log_level info, shutdown_wait 2000 ms, state_dir none (relative paths
 * are relative to where confd runs; with state_dir, confd works there),
 * control_socket confd.ctl in the store's directory ("off": none),
 * pid_file none, metrics_listen off, log_format text, wipe_memory yes.
 * media_timeout 30 s, digest_algorithms MD5, digest_nonce_lifetime
 * 300 s.  The limits (focus/focus.h struct focus_limits) default as
 * config_defaults() sets them; 0 lifts a cap;
 * handshake_timeout 5000 ms, tcp_peer_check yes, no outbound_proxy,
 * dialout_timeout 60 s,
 * http_listen 127.0.0.1:8443 ("off" disables the web interface),
 * http_root CONFD_WEBROOT (where `make install` puts the page),
 * http_session_idle 1800 s, http_session_max 43200 s.
 */

#ifndef CONFD_WEBROOT
#define CONFD_WEBROOT "/usr/local/share/confd/web"
#endif

#define CONFIG_TRUSTED_MAX 16

struct config {
	struct sa sip_listen;        /* UDP + TCP */
	struct sa sip_tls_listen;    /* TLS; unset (port 0) to disable */
	char domain[128];
	char store[256];
	char tls_cert[256];
	uint16_t rtp_port_min;
	uint16_t rtp_port_max;
	uint16_t tcp_port_min;       /* BFCP and MSRP listeners */
	uint16_t tcp_port_max;
	struct sa media_addr;        /* IPv4 for RTP and in SDP c=, or unset */
	struct sa media_addr6;       /* the same for IPv6 offers, or unset */
	struct sa trusted[CONFIG_TRUSTED_MAX];  /* port 0 = any port */
	size_t trustedc;
	/* MIKEY-TICKET: the focus's KMS identity and the KMS */
	char kms_url[256];           /* https://IP:PORT/mikey; empty: none */
	char kms_uid[256];           /* our KMS UID (IDRr / IDRi) */
	char kms_id[256];            /* IDRkms; empty: from the ticket */
	uint8_t kms_psk[64];         /* our PSK shared with the KMS */
	size_t kms_psk_len;
	char kms_ca[256];            /* CA file for the KMS's certificate */
	char kms_fingerprint[96];    /* or its SHA-256 fingerprint */
	uint32_t kms_timeout_ms;
	uint8_t mikey_prot_tls;      /* Prot Type values (DESIGN.md) */
	uint8_t mikey_prot_psk_smime;
	uint8_t mikey_prot_app;
	int log_level;               /* 0 error .. 3 debug */
	uint32_t shutdown_wait_ms;   /* how long to wait for BYE replies */
	uint32_t media_timeout;      /* s without media: BYE; 0: never */
	/* SIP digest (focus/auth_int.h): enum digest_alg values, in
	 * challenge order; default MD5 only */
	unsigned digest_algv[2];
	size_t digest_algc;
	uint32_t digest_nonce_lifetime;  /* seconds, default 300 */
	/* limits (focus/admission.c, eventpkg); 0 = no cap */
	uint32_t max_calls;
	uint32_t max_participants;
	uint32_t max_pending;
	uint32_t max_pending_per_source;
	uint32_t max_transactions_per_source;
	uint32_t flood_drop_per_source;
	uint32_t open_conf_share;    /* percent, 1-100 */
	uint32_t fd_reserve;
	uint32_t ack_timeout;        /* seconds, 0 = libre's 32 s */
	uint32_t retry_after;        /* seconds */
	uint32_t sub_max_per_identity;
	uint32_t sub_max_per_source;
	uint32_t sub_max_total;
	uint32_t sub_retry_after;
	uint32_t notify_rate;
	uint32_t notify_burst;
	char state_dir[256];         /* empty: the current directory */
	char control_socket[108];    /* Unix socket for confctl; empty: none */
	char pid_file[256];          /* empty: none */
	/* BFCP/MSRP listeners (keying/tcpguard.h): how long a connection
	 * has to authenticate, and whether only the participant's own
	 * addresses may connect */
	uint32_t handshake_timeout_ms;
	bool tcp_peer_check;
	/* dial-out: every INVITE the focus sends goes to outbound_proxy
	 * when set (its address and transport); else RFC 3263 */
	struct sa outbound_proxy;    /* port 0: none */
	enum sip_transp outbound_tp;
	uint32_t dialout_timeout_s;  /* ringing, then CANCEL */
	/* conference factory (RFC 4579 5.4): off unless factory_uri is
	 * set; the template of the conferences it makes */
	char factory_uri[256];
	bool factory_open;
	bool factory_anonymous;
	char factory_srtp[16];       /* required, optional or off */
	/* the creator web interface (confd/web/) */
	struct sa http_listen;       /* HTTPS; unset (port 0): off */
	char http_root[256];         /* index.html, app.js, style.css */
	uint32_t http_session_idle_s;
	uint32_t http_session_max_s;
	/* operating (issue 14): Prometheus /metrics over plain HTTP on
	 * its own listener (confd/metrics.c), unset: off; the log line
	 * format (confd/log.c); wiping freed memory (confd/wipe.c) */
	struct sa metrics_listen;
	bool log_json;               /* log_format json */
	bool wipe_memory;            /* wipe_memory yes (default) */
};

/* Fills cfg with the defaults, then applies FILE when path != NULL. */
int config_load(struct config *cfg, const char *path);
/* Fills cfg with the defaults, then applies the len bytes at buf (the
 * contents of a config file; need not be NUL-terminated). */
int config_parse_buf(struct config *cfg, const uint8_t *buf, size_t len);
int config_print(struct re_printf *pf, const struct config *cfg);
/* The default control_socket for a store path: confd.ctl beside it. */
void config_ctl_default(char *buf, size_t size, const char *store);
bool config_trusted(const struct config *cfg, const struct sa *peer);

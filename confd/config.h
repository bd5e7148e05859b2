/**
 * @file config.h  confd.conf: libre's conf format, one "key value" a line.
 *
 * '#' starts a comment at the start of a line or after a blank.  Every
 * key takes one value word, except trusted_peers, which takes a comma-
 * or blank-separated list and may be repeated.  Unknown keys draw a
 * warning on stderr; a bad value, or a key given twice, is EINVAL with
 * a message on stderr naming the key and line.
 *
 * Defaults: sip_listen 127.0.0.1:5060, sip_tls_listen 127.0.0.1:5061
 * ("off" or empty disables it), domain = the IP of sip_listen
 * ("localhost" when that is a wildcard address), store confd.db,
 * tls_cert confd.pem, rtp_ports 10000-20000, tcp_ports 30000-39999
 * (each becomes one media_portpool in main.c), media_addr = the IP of
 * sip_listen, no trusted_peers, log_level info, shutdown_wait 2000 ms,
 * no outbound_proxy, dialout_timeout 60 s.
 */

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
	struct sa media_addr;        /* address for RTP and in SDP c= */
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
	int log_level;               /* 0 error .. 3 debug */
	uint32_t shutdown_wait_ms;   /* how long to wait for BYE replies */
};

/* Fills cfg with the defaults, then applies FILE when path != NULL. */
int config_load(struct config *cfg, const char *path);
/* Fills cfg with the defaults, then applies the len bytes at buf (the
 * contents of a config file; need not be NUL-terminated). */
int config_parse_buf(struct config *cfg, const uint8_t *buf, size_t len);
int config_print(struct re_printf *pf, const struct config *cfg);
bool config_trusted(const struct config *cfg, const struct sa *peer);

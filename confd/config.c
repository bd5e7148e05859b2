/**
 * @file config.c  confd.conf: "key value" lines, '#' comments.
 *
 * The format is libre's conf format, but the file is read by this
 * scanner rather than conf_get(): libre's lookup silently truncates
 * long values, takes only the first word of a line, and cannot tell a
 * misspelt key from an absent one.  Here every line is checked against
 * the known keys, a value that does not fit is an error naming its key,
 * and an unknown key gets a warning.
 *
 * Syntax: a line is a key, blanks, then one value word; '#' at the start
 * of a line or after a blank begins a comment.  trusted_peers alone
 * takes a list (comma- or blank-separated) and may be repeated.
 */
#include <string.h>
#include <stddef.h>
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <errno.h>
#include <sys/un.h>
#include <re.h>
#include "confd/config.h"
#include "focus/digest.h"


enum {
	CONFIG_FILE_MAX = 65536,
	ADDR_MAX        = 64,
	SHUTDOWN_WAIT_MAX = 600000,   /* ten minutes, in ms */
	MEDIA_TIMEOUT_MAX = 86400,    /* a day, in s */
	HANDSHAKE_MAX = 60000,        /* BFCP/MSRP handshake, in ms */
};


struct parser {
	struct config *cfg;
	const char *name;             /* file name, for messages */
	unsigned line;
	uint64_t seen;                /* bit per key in keyv[] */
	bool domain_set;
	bool media_set;
	bool media6_set;
	bool tls_set;
	bool ctl_set;
};


static void perr(const struct parser *p, const char *key,
		 const struct pl *val, const char *why)
{
	if (val)
		re_fprintf(stderr, "%s:%u: %s: bad value '%r': %s\n",
			   p->name, p->line, key, val, why);
	else
		re_fprintf(stderr, "%s:%u: %s: %s\n",
			   p->name, p->line, key, why);
}


static bool is_digits(const struct pl *pl)
{
	size_t i;

	if (!pl->l)
		return false;

	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}

	return true;
}


/* Decimal, no sign, no overflow. */
static int parse_u32(uint32_t *v, const struct pl *pl, uint32_t max)
{
	uint64_t n = 0;
	size_t i;

	if (!is_digits(pl) || pl->l > 10)
		return EINVAL;

	for (i = 0; i < pl->l; i++)
		n = n * 10 + (uint64_t)(pl->p[i] - '0');

	if (n > max)
		return ERANGE;

	*v = (uint32_t)n;
	return 0;
}


/*
 * An IP address with an optional port: "1.2.3.4", "1.2.3.4:5060",
 * "::1", "[::1]", "[::1]:5060".  Host names are refused: confd binds
 * and compares addresses, and a name would need DNS at startup.
 */
static int parse_addr(struct sa *sa, const struct pl *val, uint16_t defport,
		      bool *has_port)
{
	char host[ADDR_MAX];
	struct pl h = *val, port = PL_INIT;
	uint32_t n = 0;
	const char *c;

	if (!val->l || val->l >= ADDR_MAX)
		return EINVAL;

	if (val->p[0] == '[') {
		c = pl_strchr(val, ']');
		if (!c)
			return EINVAL;
		h.p = val->p + 1;
		h.l = (size_t)(c - h.p);
		if (c + 1 < val->p + val->l) {
			if (c[1] != ':')
				return EINVAL;
			port.p = c + 2;
			port.l = (size_t)(val->p + val->l - port.p);
			if (!port.l)
				return EINVAL;
		}
	}
	else {
		const char *first = pl_strchr(val, ':');
		const char *last  = pl_strrchr(val, ':');

		/* more than one colon and no brackets: a bare IPv6 */
		if (first && first == last) {
			h.l = (size_t)(first - val->p);
			port.p = first + 1;
			port.l = (size_t)(val->p + val->l - port.p);
			if (!port.l)
				return EINVAL;
		}
	}

	if (!h.l || pl_strcpy(&h, host, sizeof(host)))
		return EINVAL;

	if (pl_isset(&port)) {
		if (parse_u32(&n, &port, 65535) || n == 0)
			return EINVAL;
	}
	else {
		n = defport;
	}

	if (sa_set_str(sa, host, (uint16_t)n))
		return EINVAL;

	if (has_port)
		*has_port = pl_isset(&port);

	return 0;
}


static bool domain_ok(const struct pl *val)
{
	size_t i;

	if (!val->l)
		return false;

	/* an IPv6 reference, as it would stand in a URI */
	if (val->p[0] == '[') {
		struct sa sa;
		char buf[ADDR_MAX];
		struct pl h;

		if (val->l < 3 || val->p[val->l - 1] != ']' ||
		    val->l - 2 >= sizeof(buf))
			return false;
		h.p = val->p + 1;
		h.l = val->l - 2;
		return 0 == pl_strcpy(&h, buf, sizeof(buf)) &&
			0 == sa_set_str(&sa, buf, 0) &&
			sa_af(&sa) == AF_INET6;
	}

	for (i = 0; i < val->l; i++) {
		char c = val->p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}

	return true;
}


static int set_str(struct parser *p, const char *key, char *dst,
		   size_t size, const struct pl *val)
{
	if (val->l >= size) {
		perr(p, key, val, "too long");
		return EINVAL;
	}

	return pl_strcpy(val, dst, size);
}


static int h_sip_listen(struct parser *p, const char *key,
			const struct pl *val)
{
	if (parse_addr(&p->cfg->sip_listen, val, 5060, NULL)) {
		perr(p, key, val, "expected IP or IP:port");
		return EINVAL;
	}

	return 0;
}


static int h_sip_tls_listen(struct parser *p, const char *key,
			    const struct pl *val)
{
	p->tls_set = true;
	if (!val->l || !pl_strcasecmp(val, "off")) {
		sa_init(&p->cfg->sip_tls_listen, AF_UNSPEC);
		return 0;
	}

	if (parse_addr(&p->cfg->sip_tls_listen, val, 5061, NULL)) {
		perr(p, key, val, "expected IP, IP:port or off");
		return EINVAL;
	}

	return 0;
}


static int h_domain(struct parser *p, const char *key, const struct pl *val)
{
	if (!domain_ok(val)) {
		perr(p, key, val, "expected a host name or IP address");
		return EINVAL;
	}

	p->domain_set = true;
	return set_str(p, key, p->cfg->domain, sizeof(p->cfg->domain), val);
}


static int h_store(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->store, sizeof(p->cfg->store), val);
}


static int h_tls_cert(struct parser *p, const char *key,
		      const struct pl *val)
{
	return set_str(p, key, p->cfg->tls_cert, sizeof(p->cfg->tls_cert),
		       val);
}


static int parse_range(struct parser *p, const char *key,
		       const struct pl *val, uint16_t *minp, uint16_t *maxp,
		       bool even)
{
	struct pl lo, hi;
	uint32_t min, max;
	const char *dash = pl_strchr(val, '-');

	if (!dash) {
		perr(p, key, val, "expected MIN-MAX");
		return EINVAL;
	}

	lo.p = val->p;
	lo.l = (size_t)(dash - val->p);
	hi.p = dash + 1;
	hi.l = (size_t)(val->p + val->l - hi.p);

	if (parse_u32(&min, &lo, 65535) || parse_u32(&max, &hi, 65535) ||
	    min == 0) {
		perr(p, key, val, "expected MIN-MAX, ports 1-65535");
		return EINVAL;
	}

	if (even && (min & 1)) {
		perr(p, key, val, "MIN must be even");
		return EINVAL;
	}
	if (min >= max) {
		perr(p, key, val, "MIN must be below MAX");
		return EINVAL;
	}

	*minp = (uint16_t)min;
	*maxp = (uint16_t)max;
	return 0;
}


/* RTP takes the even port and RTCP the odd one above it (RFC 3550 11),
 * so the range must start even. */
static int h_rtp_ports(struct parser *p, const char *key,
		       const struct pl *val)
{
	return parse_range(p, key, val, &p->cfg->rtp_port_min,
			   &p->cfg->rtp_port_max, true);
}


/* TCP listeners of BFCP and MSRP streams: one port per participant. */
static int h_tcp_ports(struct parser *p, const char *key,
		       const struct pl *val)
{
	return parse_range(p, key, val, &p->cfg->tcp_port_min,
			   &p->cfg->tcp_port_max, false);
}


/* ---- MIKEY-TICKET and the KMS (issue 5) ---- */

static int h_kms_url(struct parser *p, const char *key, const struct pl *val)
{
	if (val->l < 8 || strncasecmp(val->p, "https://", 8)) {
		perr(p, key, val, "expected https://IP:PORT/PATH");
		return EINVAL;
	}

	return set_str(p, key, p->cfg->kms_url, sizeof(p->cfg->kms_url), val);
}


static int h_kms_uid(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->kms_uid, sizeof(p->cfg->kms_uid), val);
}


static int h_kms_id(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->kms_id, sizeof(p->cfg->kms_id), val);
}


static int h_kms_psk(struct parser *p, const char *key, const struct pl *val)
{
	size_t i;

	if (val->l < 32 || val->l % 2 || val->l / 2 > sizeof(p->cfg->kms_psk)) {
		perr(p, key, val, "expected 16 to 64 bytes in hex");
		return EINVAL;
	}

	for (i = 0; i < val->l; i++) {
		if (!isxdigit((unsigned char)val->p[i])) {
			perr(p, key, val, "expected hex digits");
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
	return set_str(p, key, p->cfg->kms_ca, sizeof(p->cfg->kms_ca), val);
}


static int h_kms_fingerprint(struct parser *p, const char *key,
			     const struct pl *val)
{
	/* SHA-256: 32 bytes as "AB:CD:..." */
	if (val->l != 95) {
		perr(p, key, val, "expected a SHA-256 fingerprint AB:CD:...");
		return EINVAL;
	}

	return set_str(p, key, p->cfg->kms_fingerprint,
		       sizeof(p->cfg->kms_fingerprint), val);
}


static int h_kms_timeout(struct parser *p, const char *key,
			 const struct pl *val)
{
	if (parse_u32(&p->cfg->kms_timeout_ms, val, 60000) ||
	    !p->cfg->kms_timeout_ms) {
		perr(p, key, val, "expected milliseconds, 1-60000");
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
	if (parse_u32(&v, val, 255) || v < 4) {
		perr(p, key, val, "expected a Prot Type, 4-255");
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


/* media_addr is IPv4, media_addr6 IPv6: confd answers an offer in its
 * own family (focus/media_af.c).  "off": no media in that family. */
static int media_key(struct parser *p, const char *key, const struct pl *val,
		     struct sa *sa, int af)
{
	bool has_port = false;

	if (!pl_strcasecmp(val, "off")) {
		sa_init(sa, AF_UNSPEC);
		return 0;
	}

	if (parse_addr(sa, val, 0, &has_port) || has_port) {
		perr(p, key, val, "expected an IP address without port");
		return EINVAL;
	}

	if (sa_af(sa) != af) {
		perr(p, key, val, af == AF_INET
		     ? "expected an IPv4 address (IPv6 goes in media_addr6)"
		     : "expected an IPv6 address (IPv4 goes in media_addr)");
		return EINVAL;
	}

	return 0;
}


static int h_media_addr(struct parser *p, const char *key,
			const struct pl *val)
{
	p->media_set = true;
	return media_key(p, key, val, &p->cfg->media_addr, AF_INET);
}


static int h_media_addr6(struct parser *p, const char *key,
			 const struct pl *val)
{
	p->media6_set = true;
	return media_key(p, key, val, &p->cfg->media_addr6, AF_INET6);
}


/* A path; "off" leaves it empty (no control socket, no pid file). */
static int h_path_off(struct parser *p, const char *key,
		      const struct pl *val, char *dst, size_t size)
{
	if (!pl_strcasecmp(val, "off")) {
		dst[0] = '\0';
		return 0;
	}

	return set_str(p, key, dst, size, val);
}


static int h_control_socket(struct parser *p, const char *key,
			    const struct pl *val)
{
	struct sockaddr_un un;

	p->ctl_set = true;
	/* sun_path holds the name with its NUL */
	if (val->l >= sizeof(un.sun_path)) {
		perr(p, key, val, "too long for a Unix socket name");
		return EINVAL;
	}

	return h_path_off(p, key, val, p->cfg->control_socket,
			  sizeof(p->cfg->control_socket));
}


static int h_pid_file(struct parser *p, const char *key,
		      const struct pl *val)
{
	return h_path_off(p, key, val, p->cfg->pid_file,
			  sizeof(p->cfg->pid_file));
}


static int h_state_dir(struct parser *p, const char *key,
		       const struct pl *val)
{
	return set_str(p, key, p->cfg->state_dir, sizeof(p->cfg->state_dir),
		       val);
}


static int h_trusted_peers(struct parser *p, const char *key,
			   const struct pl *val)
{
	struct config *cfg = p->cfg;
	struct pl rest = *val;

	/* The value is the whole rest of the line: split on ',' and
	 * blanks, skipping empty items */
	while (rest.l) {
		struct pl item = rest;
		size_t i;

		for (i = 0; i < rest.l; i++) {
			char c = rest.p[i];
			if (c == ',' || c == ' ' || c == '\t')
				break;
		}

		item.l = i;
		pl_advance(&rest, i < rest.l ? (ssize_t)i + 1 : (ssize_t)i);

		if (!item.l)
			continue;

		if (cfg->trustedc >= CONFIG_TRUSTED_MAX) {
			perr(p, key, &item, "too many trusted peers");
			return EINVAL;
		}

		/* port 0 means any port */
		if (parse_addr(&cfg->trusted[cfg->trustedc], &item, 0,
			       NULL)) {
			perr(p, key, &item, "expected IP or IP:port");
			return EINVAL;
		}

		++cfg->trustedc;
	}

	return 0;
}


static int h_log_level(struct parser *p, const char *key,
		       const struct pl *val)
{
	static const char *const names[] = {"error", "warn", "info",
					     "debug"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!pl_strcasecmp(val, names[i]) ||
		    (val->l == 1 && val->p[0] == (char)('0' + i))) {
			p->cfg->log_level = (int)i;
			return 0;
		}
	}

	if (!pl_strcasecmp(val, "warning")) {
		p->cfg->log_level = 1;
		return 0;
	}

	perr(p, key, val, "expected error, warn, info, debug or 0-3");
	return EINVAL;
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

	if (parse_addr(&p->cfg->metrics_listen, val, 0, &has_port) ||
	    !has_port || !sa_port(&p->cfg->metrics_listen)) {
		perr(p, key, val, "expected IP:port (e.g. 127.0.0.1:9090) "
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
		perr(p, key, val, "expected text or json");
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
		perr(p, key, val, "expected yes or no");
		return EINVAL;
	}

	return 0;
}


static int h_shutdown_wait(struct parser *p, const char *key,
			   const struct pl *val)
{
	if (parse_u32(&p->cfg->shutdown_wait_ms, val, SHUTDOWN_WAIT_MAX)) {
		perr(p, key, val, "expected milliseconds, 0-600000");
		return EINVAL;
	}

	return 0;
}


/* seconds without authenticated media before a call ends; 0: never */
static int h_media_timeout(struct parser *p, const char *key,
			   const struct pl *val)
{
	if (parse_u32(&p->cfg->media_timeout, val, MEDIA_TIMEOUT_MAX)) {
		perr(p, key, val, "expected seconds, 0-86400");
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
		perr(p, key, val, "empty item");
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
			perr(p, key, &item, "expected SHA-256 and/or MD5, "
			     "comma-separated");
			return EINVAL;
		}

		for (i = 0; i < cfg->digest_algc; i++) {
			if (cfg->digest_algv[i] == alg) {
				perr(p, key, &item, "listed twice");
				return EINVAL;
			}
		}
		cfg->digest_algv[cfg->digest_algc++] = alg;
	}

	if (!cfg->digest_algc) {
		perr(p, key, val, "expected SHA-256 and/or MD5");
		return EINVAL;
	}

	return 0;
}


static int h_digest_nonce_lifetime(struct parser *p, const char *key,
				   const struct pl *val)
{
	if (parse_u32(&p->cfg->digest_nonce_lifetime, val, 3600) ||
	    !p->cfg->digest_nonce_lifetime) {
		perr(p, key, val, "expected seconds, 1-3600");
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

	if (parse_u32(&v, val, l->max) || v < l->min) {
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
	if (parse_u32(&p->cfg->handshake_timeout_ms, val, HANDSHAKE_MAX) ||
	    p->cfg->handshake_timeout_ms < 100) {
		perr(p, key, val, "expected milliseconds, 100-60000");
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

	perr(p, key, val, "expected yes or no");
	return EINVAL;
}


static int h_http_listen(struct parser *p, const char *key,
			 const struct pl *val)
{
	if (!pl_strcasecmp(val, "off")) {
		sa_init(&p->cfg->http_listen, AF_UNSPEC);
		return 0;
	}

	if (parse_addr(&p->cfg->http_listen, val, 8443, NULL)) {
		perr(p, key, val, "expected IP, IP:port or off");
		return EINVAL;
	}

	return 0;
}


static int h_http_root(struct parser *p, const char *key,
		       const struct pl *val)
{
	return set_str(p, key, p->cfg->http_root, sizeof(p->cfg->http_root),
		       val);
}


static int h_http_session_idle(struct parser *p, const char *key,
			       const struct pl *val)
{
	if (parse_u32(&p->cfg->http_session_idle_s, val, 86400) ||
	    !p->cfg->http_session_idle_s) {
		perr(p, key, val, "expected seconds, 1-86400");
		return EINVAL;
	}

	return 0;
}


static int h_http_session_max(struct parser *p, const char *key,
			      const struct pl *val)
{
	if (parse_u32(&p->cfg->http_session_max_s, val, 604800) ||
	    !p->cfg->http_session_max_s) {
		perr(p, key, val, "expected seconds, 1-604800");
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

	if (parse_addr(&p->cfg->outbound_proxy, &addr, 5060, NULL))
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
	perr(p, key, val, "expected IP:port[;transport=udp|tcp|tls]");
	return EINVAL;
}


static int h_dialout_timeout(struct parser *p, const char *key,
			     const struct pl *val)
{
	if (parse_u32(&p->cfg->dialout_timeout_s, val, 3600) ||
	    !p->cfg->dialout_timeout_s) {
		perr(p, key, val, "expected seconds, 1-3600");
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
		perr(p, key, val, "expected sip:user@host");
		return EINVAL;
	}

	return set_str(p, key, p->cfg->factory_uri,
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
		perr(p, key, val, "expected yes or no");
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
		perr(p, key, val, "expected required, optional or off");
		return EINVAL;
	}

	return set_str(p, key, p->cfg->factory_srtp,
		       sizeof(p->cfg->factory_srtp), val);
}


struct key {
	const char *name;
	int (*h)(struct parser *p, const char *key, const struct pl *val);
	bool list;         /* whole line, may repeat */
	bool may_be_empty;
};

static const struct key keyv[] = {
	{"sip_listen",     h_sip_listen,     false, false},
	{"sip_tls_listen", h_sip_tls_listen, false, true},
	{"domain",         h_domain,         false, false},
	{"store",          h_store,          false, false},
	{"tls_cert",       h_tls_cert,       false, false},
	{"rtp_ports",      h_rtp_ports,      false, false},
	{"tcp_ports",      h_tcp_ports,      false, false},
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
	{"media_addr",     h_media_addr,     false, false},
	{"media_addr6",    h_media_addr6,    false, false},
	{"control_socket", h_control_socket, false, false},
	{"pid_file",       h_pid_file,       false, false},
	{"state_dir",      h_state_dir,      false, false},
	{"trusted_peers",  h_trusted_peers,  true,  true},
	{"log_level",      h_log_level,      false, false},
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


static bool blank(char c)
{
	return c == ' ' || c == '\t';
}


/* One line, without its end-of-line. */
static int parse_line(struct parser *p, struct pl line)
{
	struct pl key, val;
	const struct key *k = NULL;
	const char *kname;
	size_t i;

	/* cut the comment: '#' first on the line or after a blank */
	for (i = 0; i < line.l; i++) {
		if (line.p[i] == '#' && (i == 0 || blank(line.p[i - 1]))) {
			line.l = i;
			break;
		}
	}

	while (line.l && blank(line.p[0]))
		pl_advance(&line, 1);
	while (line.l && blank(line.p[line.l - 1]))
		--line.l;

	if (!line.l)
		return 0;

	key.p = line.p;
	for (key.l = 0; key.l < line.l && !blank(line.p[key.l]); key.l++)
		;

	val.p = line.p + key.l;
	val.l = line.l - key.l;
	while (val.l && blank(val.p[0]))
		pl_advance(&val, 1);

	for (i = 0; i < ARRAY_SIZE(keyv); i++) {
		if (!pl_strcmp(&key, keyv[i].name)) {
			k = &keyv[i];
			break;
		}
	}

	if (!k) {
		re_fprintf(stderr, "%s:%u: warning: unknown key '%r'"
			   " ignored\n", p->name, p->line, &key);
		return 0;
	}

	kname = k->name;

	if (!k->list) {
		if (p->seen & (1ull << i)) {
			perr(p, kname, NULL, "given more than once");
			return EINVAL;
		}
		for (i = 0; i < val.l; i++) {
			if (blank(val.p[i])) {
				perr(p, kname, &val, "one value expected");
				return EINVAL;
			}
		}
	}

	p->seen |= 1ull << (k - keyv);

	if (!val.l && !k->may_be_empty) {
		perr(p, kname, NULL, "missing value");
		return EINVAL;
	}

	return k->h(p, kname, &val);
}


static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));

	(void)sa_set_str(&cfg->sip_listen, "127.0.0.1", 5060);
	str_ncpy(cfg->store, "confd.db", sizeof(cfg->store));
	str_ncpy(cfg->tls_cert, "confd.pem", sizeof(cfg->tls_cert));
	cfg->rtp_port_min = 10000;
	cfg->rtp_port_max = 20000;
	cfg->tcp_port_min = 30000;
	cfg->tcp_port_max = 39999;
	cfg->kms_timeout_ms = 3000;
	cfg->mikey_prot_tls = 241;
	cfg->mikey_prot_psk_smime = 242;
	cfg->mikey_prot_app = 243;
	cfg->log_level = 2;
	cfg->wipe_memory = true;
	cfg->shutdown_wait_ms = 2000;
	(void)sa_set_str(&cfg->http_listen, "127.0.0.1", 8443);
	str_ncpy(cfg->http_root, CONFD_WEBROOT, sizeof(cfg->http_root));
	cfg->http_session_idle_s = 1800;
	cfg->http_session_max_s = 43200;
	cfg->handshake_timeout_ms = 5000;
	cfg->tcp_peer_check = true;
	cfg->dialout_timeout_s = 60;
	str_ncpy(cfg->factory_srtp, "required", sizeof(cfg->factory_srtp));
	cfg->media_timeout = 30;
	/* MD5 alone: libre 1.1.0's client (baresip) abandons the whole
	 * authentication at any other algorithm (docs/libre.md) */
	cfg->digest_algv[0] = DIGEST_MD5;
	cfg->digest_algc = 1;
	cfg->digest_nonce_lifetime = 300;
	/* limits: docs/threat-model.md says why these numbers */
	cfg->max_calls = 2000;
	cfg->max_participants = 500;
	cfg->max_pending = 256;
	cfg->max_pending_per_source = 32;
	cfg->max_transactions_per_source = 400;
	cfg->flood_drop_per_source = 50;
	cfg->open_conf_share = 80;
	cfg->fd_reserve = 128;
	cfg->ack_timeout = 8;
	cfg->retry_after = 10;
	cfg->sub_max_per_identity = 4;
	cfg->sub_max_per_source = 16;
	cfg->sub_max_total = 1000;
	cfg->sub_retry_after = 60;
	cfg->notify_rate = 200;
	cfg->notify_burst = 50;
	/* domain, media_addr(6), sip_tls_listen and control_socket follow
	 * other keys: see config_finish() */
}


/*
 * Defaults that depend on other keys.  domain: the IP of sip_listen,
 * which SIP peers can reach without DNS; "localhost" when sip_listen
 * is a loopback or wildcard address (the README's examples, and what
 * SIP clients on the same host write).  media_addr: the IP of
 * sip_listen.
 */
static void config_finish(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (!p->domain_set) {
		if (sa_is_any(&cfg->sip_listen) ||
		    sa_is_loopback(&cfg->sip_listen))
			str_ncpy(cfg->domain, "localhost",
				 sizeof(cfg->domain));
		else if (sa_af(&cfg->sip_listen) == AF_INET6)
			(void)re_snprintf(cfg->domain, sizeof(cfg->domain),
					  "[%j]", &cfg->sip_listen);
		else
			(void)re_snprintf(cfg->domain, sizeof(cfg->domain),
					  "%j", &cfg->sip_listen);
	}

	/* each media address follows sip_listen when it is in its family */
	if (!p->media_set && sa_af(&cfg->sip_listen) == AF_INET) {
		sa_cpy(&cfg->media_addr, &cfg->sip_listen);
		sa_set_port(&cfg->media_addr, 0);
	}
	if (!p->media6_set && sa_af(&cfg->sip_listen) == AF_INET6) {
		sa_cpy(&cfg->media_addr6, &cfg->sip_listen);
		sa_set_port(&cfg->media_addr6, 0);
	}

	/* SIP over TLS on the address of sip_listen, port 5061 */
	if (!p->tls_set) {
		sa_cpy(&cfg->sip_tls_listen, &cfg->sip_listen);
		sa_set_port(&cfg->sip_tls_listen, 5061);
	}

	/* the control socket lives next to the store, so that confctl
	 * finds it from the store's path alone (confctl -d) */
	if (!p->ctl_set)
		config_ctl_default(cfg->control_socket,
				   sizeof(cfg->control_socket), cfg->store);
}


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


/* DIR/confd.ctl for the store at DIR/NAME; "confd.ctl" for a bare NAME
 * or a database URL (postgresql://...: the socket is then relative to
 * state_dir, and confctl needs -s) */
void config_ctl_default(char *buf, size_t size, const char *store)
{
	const char *slash = strrchr(store, '/');

	if (!slash || strstr(store, "://"))
		(void)re_snprintf(buf, size, "confd.ctl");
	else
		(void)re_snprintf(buf, size, "%b/confd.ctl", store,
				  (size_t)(slash - store));
}


static int parse(struct config *cfg, const char *name,
		 const uint8_t *buf, size_t len)
{
	struct parser p;
	size_t pos = 0;
	int err = 0;

	memset(&p, 0, sizeof(p));
	p.cfg  = cfg;
	p.name = name;

	config_defaults(cfg);

	if (len && !buf)
		return EINVAL;

	while (pos < len) {
		struct pl line;
		size_t end = pos;

		while (end < len && buf[end] != '\n' && buf[end] != '\r')
			++end;

		++p.line;
		line.p = (const char *)buf + pos;
		line.l = end - pos;

		if (memchr(line.p, '\0', line.l)) {
			re_fprintf(stderr, "%s:%u: NUL byte\n", name, p.line);
			return EINVAL;
		}

		err = parse_line(&p, line);
		if (err)
			return err;

		/* "\r\n" is one line end */
		if (end < len && buf[end] == '\r' && end + 1 < len &&
		    buf[end + 1] == '\n')
			++end;
		pos = end + 1;
	}

	config_finish(&p);

	/* a MIKEY join waits for the KMS before its 200: the ACK timer
	 * (from the INVITE) must outlast the KMS request */
	if (cfg->ack_timeout && cfg->kms_url[0] &&
	    (uint64_t)cfg->ack_timeout * 1000 <= cfg->kms_timeout_ms) {
		re_fprintf(stderr, "%s: ack_timeout (%u s) must exceed "
			   "kms_timeout (%u ms)\n", name, cfg->ack_timeout,
			   cfg->kms_timeout_ms);
		return EINVAL;
	}

	if (sa_af(&cfg->media_addr) != AF_INET &&
	    sa_af(&cfg->media_addr6) != AF_INET6) {
		re_fprintf(stderr, "%s: no media address: set media_addr or"
			   " media_addr6\n", name);
		return EINVAL;
	}
	return 0;
}


int config_parse_buf(struct config *cfg, const uint8_t *buf, size_t len)
{
	if (!cfg)
		return EINVAL;

	return parse(cfg, "config", buf, len);
}


int config_load(struct config *cfg, const char *path)
{
	uint8_t *buf;
	size_t n;
	FILE *f;
	int err;

	if (!cfg)
		return EINVAL;

	if (!path)
		return parse(cfg, "config", NULL, 0);

	f = fopen(path, "r");
	if (!f) {
		err = errno;
		re_fprintf(stderr, "%s: %m\n", path, err);
		return err;
	}

	buf = mem_alloc(CONFIG_FILE_MAX + 1, NULL);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}

	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		err = EIO;
		re_fprintf(stderr, "%s: read error\n", path);
	}
	else if (n > CONFIG_FILE_MAX) {
		err = EFBIG;
		re_fprintf(stderr, "%s: larger than %u bytes\n", path,
			   (unsigned)CONFIG_FILE_MAX);
	}
	else {
		err = parse(cfg, path, buf, n);
	}

	fclose(f);
	mem_deref(buf);
	return err;
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
	for (i = 0; i < ARRAY_SIZE(limitv); i++)
		err |= re_hprintf(pf, "%-15s %u\n", limitv[i].name,
				  *(const uint32_t *)(const void *)
				  ((const uint8_t *)cfg + limitv[i].off));
	err |= re_hprintf(pf, "state_dir       %s\n",
			  cfg->state_dir[0] ? cfg->state_dir : ".");
	err |= re_hprintf(pf, "control_socket  %s\n",
			  cfg->control_socket[0] ? cfg->control_socket : "off");
	err |= re_hprintf(pf, "pid_file        %s\n",
			  cfg->pid_file[0] ? cfg->pid_file : "off");

	return err;
}


/* A v4-mapped IPv6 peer (from a dual-stack socket) compares as IPv4. */
static void unmap(struct sa *out, const struct sa *in)
{
	if (sa_af(in) == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&in->u.in6.sin6_addr)) {
		uint32_t a;

		memcpy(&a, &in->u.in6.sin6_addr.s6_addr[12], 4);
		sa_set_in(out, ntohl(a), sa_port(in));
		return;
	}

	sa_cpy(out, in);
}


bool config_trusted(const struct config *cfg, const struct sa *peer)
{
	struct sa p;
	size_t i;

	if (!cfg || !peer || !sa_isset(peer, SA_ADDR))
		return false;

	unmap(&p, peer);

	for (i = 0; i < cfg->trustedc && i < CONFIG_TRUSTED_MAX; i++) {
		const struct sa *t = &cfg->trusted[i];

		if (!sa_cmp(t, &p, SA_ADDR))
			continue;

		if (sa_port(t) == 0 || sa_port(t) == sa_port(&p))
			return true;
	}

	return false;
}

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
#include "confd/config_int.h"
#include "focus/digest.h"


enum {
	CONFIG_FILE_MAX = 65536,
	ADDR_MAX        = 64,
};





void config_perr(const struct parser *p, const char *key,
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
int config_parse_u32(uint32_t *v, const struct pl *pl, uint32_t max)
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
int config_parse_addr(struct sa *sa, const struct pl *val, uint16_t defport,
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
		if (config_parse_u32(&n, &port, 65535) || n == 0)
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


int config_set_str(struct parser *p, const char *key, char *dst,
		   size_t size, const struct pl *val)
{
	if (val->l >= size) {
		config_perr(p, key, val, "too long");
		return EINVAL;
	}

	return pl_strcpy(val, dst, size);
}


static int h_sip_listen(struct parser *p, const char *key,
			const struct pl *val)
{
	if (config_parse_addr(&p->cfg->sip_listen, val, 5060, NULL)) {
		config_perr(p, key, val, "expected IP or IP:port");
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

	if (config_parse_addr(&p->cfg->sip_tls_listen, val, 5061, NULL)) {
		config_perr(p, key, val, "expected IP, IP:port or off");
		return EINVAL;
	}

	return 0;
}


static int h_domain(struct parser *p, const char *key, const struct pl *val)
{
	if (!domain_ok(val)) {
		config_perr(p, key, val, "expected a host name or IP address");
		return EINVAL;
	}

	p->domain_set = true;
	return config_set_str(p, key, p->cfg->domain, sizeof(p->cfg->domain), val);
}


static int h_store(struct parser *p, const char *key, const struct pl *val)
{
	return config_set_str(p, key, p->cfg->store, sizeof(p->cfg->store), val);
}


static int h_tls_cert(struct parser *p, const char *key,
		      const struct pl *val)
{
	return config_set_str(p, key, p->cfg->tls_cert, sizeof(p->cfg->tls_cert),
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
		config_perr(p, key, val, "expected MIN-MAX");
		return EINVAL;
	}

	lo.p = val->p;
	lo.l = (size_t)(dash - val->p);
	hi.p = dash + 1;
	hi.l = (size_t)(val->p + val->l - hi.p);

	if (config_parse_u32(&min, &lo, 65535) || config_parse_u32(&max, &hi, 65535) ||
	    min == 0) {
		config_perr(p, key, val, "expected MIN-MAX, ports 1-65535");
		return EINVAL;
	}

	if (even && (min & 1)) {
		config_perr(p, key, val, "MIN must be even");
		return EINVAL;
	}
	if (min >= max) {
		config_perr(p, key, val, "MIN must be below MAX");
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

	if (config_parse_addr(sa, val, 0, &has_port) || has_port) {
		config_perr(p, key, val, "expected an IP address without port");
		return EINVAL;
	}

	if (sa_af(sa) != af) {
		config_perr(p, key, val, af == AF_INET
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

	return config_set_str(p, key, dst, size, val);
}


static int h_control_socket(struct parser *p, const char *key,
			    const struct pl *val)
{
	struct sockaddr_un un;

	p->ctl_set = true;
	/* sun_path holds the name with its NUL */
	if (val->l >= sizeof(un.sun_path)) {
		config_perr(p, key, val, "too long for a Unix socket name");
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
	return config_set_str(p, key, p->cfg->state_dir, sizeof(p->cfg->state_dir),
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
			config_perr(p, key, &item, "too many trusted peers");
			return EINVAL;
		}

		/* port 0 means any port */
		if (config_parse_addr(&cfg->trusted[cfg->trustedc], &item, 0,
			       NULL)) {
			config_perr(p, key, &item, "expected IP or IP:port");
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

	config_perr(p, key, val, "expected error, warn, info, debug or 0-3");
	return EINVAL;
}




static const struct config_key keyv[] = {
	{"sip_listen",     h_sip_listen,     false, false},
	{"sip_tls_listen", h_sip_tls_listen, false, true},
	{"domain",         h_domain,         false, false},
	{"store",          h_store,          false, false},
	{"tls_cert",       h_tls_cert,       false, false},
	{"rtp_ports",      h_rtp_ports,      false, false},
	{"tcp_ports",      h_tcp_ports,      false, false},
	{"media_addr",     h_media_addr,     false, false},
	{"media_addr6",    h_media_addr6,    false, false},
	{"control_socket", h_control_socket, false, false},
	{"pid_file",       h_pid_file,       false, false},
	{"state_dir",      h_state_dir,      false, false},
	{"trusted_peers",  h_trusted_peers,  true,  true},
	{"log_level",      h_log_level,      false, false},
};


static bool blank(char c)
{
	return c == ' ' || c == '\t';
}


/* One line, without its end-of-line. */
static int parse_line(struct parser *p, struct pl line)
{
	struct pl key, val;
	const struct config_key *k = NULL;
	const char *kname;
	size_t i, j, ki;

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
	/* then the service keys (config_svc.c), numbered after ours */
	for (j = 0; !k && j < config_keyv_svc_n; j++) {
		if (!pl_strcmp(&key, config_keyv_svc[j].name)) {
			k = &config_keyv_svc[j];
			i = ARRAY_SIZE(keyv) + j;
		}
	}
	ki = i;

	if (!k) {
		re_fprintf(stderr, "%s:%u: warning: unknown key '%r'"
			   " ignored\n", p->name, p->line, &key);
		return 0;
	}

	kname = k->name;

	if (!k->list) {
		if (p->seen[ki / 64] & (1ull << (ki % 64))) {
			config_perr(p, kname, NULL, "given more than once");
			return EINVAL;
		}
		for (i = 0; i < val.l; i++) {
			if (blank(val.p[i])) {
				config_perr(p, kname, &val, "one value expected");
				return EINVAL;
			}
		}
	}

	p->seen[ki / 64] |= 1ull << (ki % 64);

	if (!val.l && !k->may_be_empty) {
		config_perr(p, kname, NULL, "missing value");
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

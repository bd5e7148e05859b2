/**
 * @file kmsd_conf.c  kmsd.conf scanner
 *
 * The format is libre's conf format, but the file is read here rather
 * than with conf_get()/conf_get_str(), for the reasons confd/config.c
 * gives: libre's lookup silently truncates a value longer than the
 * caller's buffer (a long cert or users path would open another file),
 * takes only the first word of a line, and cannot tell a misspelt key
 * from an absent one (a misspelt "master_key" would be "missing", a
 * misspelt "skew" silently the default).  confd's scanner is bound to
 * confd's own keys, so kmsd has this small one with the same rules:
 * each line is checked against the known keys, a value that does not
 * fit is an error naming its key, a key given twice is an error, and
 * an unknown key gets a warning.  The file itself is bounded too.
 */
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <re.h>
#include "kms/kmsd_conf.h"


enum {
	CONF_FILE_MAX    = 65536,
	MASTER_MIN       = 16,            /* bytes: a 128-bit TPK at least */
	LIFETIME_MAX     = 31536000,      /* a year */
	SKEW_MAX         = 3600,
};


struct parser {
	struct kmsd_conf *cfg;
	const char *name;
	unsigned line;
	uint32_t seen;
};

typedef int (key_h)(struct parser *p, const char *key,
		    const struct pl *val);

struct key {
	const char *name;
	key_h *h;
	bool required;
};


static void perr(const struct parser *p, const char *key,
		 const struct pl *val, const char *why)
{
	if (val)
		re_fprintf(stderr, "%s:%u: %s: bad value '%r': %s\n",
			   p->name, p->line, key, val, why);
	else
		re_fprintf(stderr, "%s:%u: %s: %s\n", p->name, p->line, key,
			   why);
}


int kmsd_hex_decode(uint8_t *out, size_t size, size_t *n,
		    const struct pl *hex)
{
	size_t i;

	if (!out || !n || !hex || !hex->l || hex->l % 2 ||
	    hex->l / 2 > size)
		return EINVAL;
	for (i = 0; i < hex->l; i++) {
		char c = hex->p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return EINVAL;
	}
	for (i = 0; i < hex->l / 2; i++)
		out[i] = (uint8_t)(ch_hex(hex->p[2 * i]) << 4 |
				   ch_hex(hex->p[2 * i + 1]));
	*n = hex->l / 2;
	return 0;
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


/* Decimal, no sign, no overflow, at most max */
static int set_u32(struct parser *p, const char *key, uint32_t *dst,
		   uint32_t max, const struct pl *val)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < val->l; i++) {
		if (val->p[i] < '0' || val->p[i] > '9' || i >= 10) {
			perr(p, key, val, "not a number");
			return EINVAL;
		}
		n = n * 10 + (uint64_t)(val->p[i] - '0');
	}
	if (n > max) {
		perr(p, key, val, "too large");
		return EINVAL;
	}
	*dst = (uint32_t)n;
	return 0;
}


static int h_listen(struct parser *p, const char *key, const struct pl *val)
{
	struct sa sa;

	if (set_str(p, key, p->cfg->listen, sizeof(p->cfg->listen), val))
		return EINVAL;
	if (sa_decode(&sa, val->p, val->l) || !sa_port(&sa)) {
		perr(p, key, val, "expected IP:PORT");
		return EINVAL;
	}
	return 0;
}


static int h_cert(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->cert, sizeof(p->cfg->cert), val);
}


static int h_kms_id(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->kms_id, sizeof(p->cfg->kms_id), val);
}


static int h_users(struct parser *p, const char *key, const struct pl *val)
{
	return set_str(p, key, p->cfg->users, sizeof(p->cfg->users), val);
}


static int h_master(struct parser *p, const char *key, const struct pl *val)
{
	struct kmsd_conf *cfg = p->cfg;

	if (kmsd_hex_decode(cfg->master_key, sizeof(cfg->master_key),
			    &cfg->master_key_len, val) ||
	    cfg->master_key_len < MASTER_MIN) {
		/* the value is a secret: name the key, not the value */
		perr(p, key, NULL, "expected 32 to 128 hex digits");
		return EINVAL;
	}
	return 0;
}


static int h_lifetime(struct parser *p, const char *key,
		      const struct pl *val)
{
	int err = set_u32(p, key, &p->cfg->ticket_lifetime, LIFETIME_MAX,
			  val);

	if (!err && !p->cfg->ticket_lifetime) {
		perr(p, key, val, "must be positive");
		err = EINVAL;
	}
	return err;
}


static int h_skew(struct parser *p, const char *key, const struct pl *val)
{
	return set_u32(p, key, &p->cfg->skew, SKEW_MAX, val);
}


static const struct key keyv[] = {
	{"listen",          h_listen,   false},
	{"cert",            h_cert,     false},
	{"kms_id",          h_kms_id,   true},
	{"master_key",      h_master,   true},
	{"users",           h_users,    true},
	{"ticket_lifetime", h_lifetime, false},
	{"skew",            h_skew,     false},
};


static bool blank(char c)
{
	return c == ' ' || c == '\t';
}


static int parse_line(struct parser *p, struct pl line)
{
	const struct key *k = NULL;
	struct pl key, val;
	size_t i;

	/* '#' first on the line or after a blank begins a comment */
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
		re_fprintf(stderr, "%s:%u: warning: unknown key '%r' "
			   "ignored\n", p->name, p->line, &key);
		return 0;
	}
	if (p->seen & (1u << i)) {
		perr(p, k->name, NULL, "given more than once");
		return EINVAL;
	}
	p->seen |= 1u << i;
	if (!val.l) {
		perr(p, k->name, NULL, "missing value");
		return EINVAL;
	}
	for (i = 0; i < val.l; i++) {
		if (blank(val.p[i])) {
			perr(p, k->name, NULL, "one value expected");
			return EINVAL;
		}
	}

	return k->h(p, k->name, &val);
}


static void defaults(struct kmsd_conf *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_ncpy(cfg->listen, "127.0.0.1:8443", sizeof(cfg->listen));
	str_ncpy(cfg->cert, "kmsd.pem", sizeof(cfg->cert));
	cfg->ticket_lifetime = 86400;
	cfg->skew = 300;
}


int kmsd_conf_parse(struct kmsd_conf *cfg, const char *name,
		    const uint8_t *buf, size_t len)
{
	struct parser p;
	size_t pos = 0, i;
	int err;

	if (!cfg || (len && !buf))
		return EINVAL;

	defaults(cfg);
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.name = name ? name : "kmsd.conf";

	while (pos < len) {
		struct pl line;
		size_t end = pos;

		while (end < len && buf[end] != '\n' && buf[end] != '\r')
			++end;
		++p.line;
		line.p = (const char *)buf + pos;
		line.l = end - pos;
		if (memchr(line.p, '\0', line.l)) {
			re_fprintf(stderr, "%s:%u: NUL byte\n", p.name,
				   p.line);
			err = EINVAL;
			goto out;
		}
		err = parse_line(&p, line);
		if (err)
			goto out;
		if (end < len && buf[end] == '\r' && end + 1 < len &&
		    buf[end + 1] == '\n')
			++end;
		pos = end + 1;
	}

	for (i = 0; i < ARRAY_SIZE(keyv); i++) {
		if (keyv[i].required && !(p.seen & (1u << i))) {
			re_fprintf(stderr, "%s: %s is required\n", p.name,
				   keyv[i].name);
			err = EINVAL;
			goto out;
		}
	}
	err = 0;

 out:
	if (err)
		kmsd_conf_wipe(cfg);
	return err;
}


int kmsd_conf_load(struct kmsd_conf *cfg, const char *path)
{
	uint8_t *buf;
	size_t n;
	FILE *f;
	int err;

	if (!cfg || !path)
		return EINVAL;

	f = fopen(path, "r");
	if (!f) {
		err = errno;
		re_fprintf(stderr, "%s: %m\n", path, err);
		return err;
	}
	buf = mem_alloc(CONF_FILE_MAX + 1, NULL);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}

	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		re_fprintf(stderr, "%s: read error\n", path);
		err = EIO;
	}
	else if (n > CONF_FILE_MAX) {
		re_fprintf(stderr, "%s: larger than %u bytes\n", path,
			   (unsigned)CONF_FILE_MAX);
		err = EFBIG;
	}
	else {
		err = kmsd_conf_parse(cfg, path, buf, n);
	}

	fclose(f);
	OPENSSL_cleanse(buf, CONF_FILE_MAX + 1);   /* held the master key */
	mem_deref(buf);
	return err;
}


void kmsd_conf_wipe(struct kmsd_conf *cfg)
{
	if (cfg)
		OPENSSL_cleanse(cfg->master_key, sizeof(cfg->master_key));
}

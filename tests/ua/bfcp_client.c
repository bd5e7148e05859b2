/**
 * @file bfcp_client.c  Scriptable BFCP client for tests (RFC 8855).
 *
 * Blocking sockets and OpenSSL directly; no code shared with floor/.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/crypto.h>
#include "tests/ua/bfcp_client.h"


enum { HDR = 12, WAIT_MS = 5000, MAXQ = 256 };

struct cli {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint32_t confid;
	uint16_t userid;
	uint16_t tid;
	uint8_t ver;
	uint16_t last_frid;     /* the latest FLOOR-REQUEST-INFORMATION */
	uint8_t psk[64];        /* TLS-PSK (RFC 4279), identity empty */
	size_t psk_len;
	uint8_t rx[70000];
	size_t rxlen;
	char *q[MAXQ];          /* received, not yet matched by "wait" */
	size_t qn;
	bool closed;
};

static const char *prim_names[] = {
	"0", "FloorRequest", "FloorRelease", "FloorRequestQuery",
	"FloorRequestStatus", "UserQuery", "UserStatus", "FloorQuery",
	"FloorStatus", "ChairAction", "ChairActionAck", "Hello", "HelloAck",
	"Error", "FloorRequestStatusAck", "FloorStatusAck", "Goodbye",
	"GoodbyeAck",
};

static const char *status_names[] = {
	"0", "Pending", "Accepted", "Granted", "Denied", "Cancelled",
	"Released", "Revoked",
};


static const char *prim_name(unsigned p)
{
	static char b[8];

	if (p < sizeof(prim_names) / sizeof(prim_names[0]))
		return prim_names[p];
	snprintf(b, sizeof(b), "%u", p);
	return b;
}


static const char *status_name(unsigned s)
{
	if (s < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[s];
	return "?";
}


/* ---- encoding (RFC 8855 5.1, 5.2) ---- */

struct enc {
	uint8_t b[1024];
	size_t n;
	size_t grp[4];
	int depth;
};

static void e_u8(struct enc *e, uint8_t v)
{
	if (e->n < sizeof(e->b))
		e->b[e->n++] = v;
}

static void e_u16(struct enc *e, uint16_t v)
{
	e_u8(e, v >> 8);
	e_u8(e, v & 0xff);
}

static void e_hdr(struct cli *c, struct enc *e, uint8_t prim)
{
	e->n = 0;
	e->depth = 0;
	e_u8(e, (uint8_t)(c->ver << 5));
	e_u8(e, prim);
	e_u16(e, 0);
	e_u16(e, c->confid >> 16);
	e_u16(e, c->confid & 0xffff);
	e_u16(e, ++c->tid ? c->tid : ++c->tid);   /* 0 is for the server */
	e_u16(e, c->userid);
}

static void e_attr16(struct enc *e, uint8_t type, bool m, uint16_t v)
{
	e_u8(e, (uint8_t)(type << 1 | m));
	e_u8(e, 4);
	e_u16(e, v);
}

static void e_octets(struct enc *e, uint8_t type, bool m, const void *p,
		     size_t len)
{
	size_t i;

	if (len > 253)
		len = 253;
	e_u8(e, (uint8_t)(type << 1 | m));
	e_u8(e, (uint8_t)(2 + len));
	for (i = 0; i < len; i++)
		e_u8(e, ((const uint8_t *)p)[i]);
	while ((2 + len) % 4) {
		e_u8(e, 0);
		++len;
	}
}

static void e_group(struct enc *e, uint8_t type, uint16_t hdr)
{
	e->grp[e->depth++] = e->n;
	e_u8(e, (uint8_t)(type << 1 | 1));
	e_u8(e, 0);
	e_u16(e, hdr);
}

static void e_group_end(struct enc *e)
{
	size_t s = e->grp[--e->depth];

	e->b[s + 1] = (uint8_t)(e->n - s);
}

static void e_finish(struct enc *e)
{
	size_t words = (e->n - HDR) / 4;

	e->b[2] = (uint8_t)(words >> 8);
	e->b[3] = (uint8_t)(words & 0xff);
}


/* ---- I/O ---- */

static int io_write(struct cli *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k;

		if (c->ssl)
			k = SSL_write(c->ssl, b, (int)n);
		else
			k = send(c->fd, b, n, MSG_NOSIGNAL);
		if (k <= 0)
			return EPIPE;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_enc(struct cli *c, struct enc *e)
{
	e_finish(e);
	printf("SENT %s tid=%u\n", prim_name(e->b[1]),
	       (unsigned)(e->b[8] << 8 | e->b[9]));
	fflush(stdout);
	return io_write(c, e->b, e->n);
}


/* ---- decoding, printed as tokens ---- */

static void put(char *out, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(char *out, size_t sz, const char *fmt, ...)
{
	size_t l = strlen(out);
	va_list ap;

	if (l + 1 >= sz)
		return;
	va_start(ap, fmt);
	vsnprintf(out + l, sz - l, fmt, ap);
	va_end(ap);
}

static void put_text(char *out, size_t sz, const char *key,
		     const uint8_t *p, size_t n)
{
	size_t i;

	put(out, sz, " %s=\"", key);
	for (i = 0; i < n; i++)
		put(out, sz, "%c", p[i] >= 0x20 && p[i] < 0x7f &&
		    p[i] != '"' ? p[i] : '.');
	put(out, sz, "\"");
}

/* parent: the grouped attribute type we are inside (0 at top level) */
static int dec_attrs(const uint8_t *p, size_t n, int parent, char *out,
		     size_t sz, int depth)
{
	size_t off = 0, i;

	if (depth > 4)
		return -1;

	while (off < n) {
		uint8_t type, len;
		size_t plen;
		const uint8_t *v;

		if (n - off < 2)
			return -1;
		type = p[off] >> 1;
		len = p[off + 1];
		if (len < 2 || len > n - off)
			return -1;
		plen = (len + 3u) & ~3u;
		if (plen > n - off)
			return -1;
		v = p + off + 2;

		switch (type) {

		case 1: /* BENEFICIARY-ID */
			put(out, sz, " benid=%u", v[0] << 8 | v[1]);
			break;
		case 2:
			put(out, sz, " floor=%u", v[0] << 8 | v[1]);
			break;
		case 3:
			put(out, sz, " frid=%u", v[0] << 8 | v[1]);
			break;
		case 4:
			put(out, sz, " prio=%u", v[0] >> 5);
			break;
		case 5: /* REQUEST-STATUS */
			if (parent == 18)
				put(out, sz, " status=%s qpos=%u",
				    status_name(v[0]), v[1]);
			else
				put(out, sz, ":%s/%u", status_name(v[0]),
				    v[1]);
			break;
		case 6:
			put(out, sz, " error=%u", v[0]);
			if (len > 3) {
				put(out, sz, " unknown=");
				for (i = 1; i < (size_t)len - 2; i++)
					put(out, sz, "%s%u", i > 1 ? "," : "",
					    v[i] >> 1);
			}
			break;
		case 7:
			put_text(out, sz, "info", v, len - 2);
			break;
		case 8:
			put_text(out, sz, "ppi", v, len - 2);
			break;
		case 9:
			put_text(out, sz, "statusinfo", v, len - 2);
			break;
		case 10:
			put(out, sz, " attrs=");
			for (i = 0; i < (size_t)len - 2; i++)
				put(out, sz, "%s%u", i ? "," : "", v[i] >> 1);
			break;
		case 11:
			put(out, sz, " prims=");
			for (i = 0; i < (size_t)len - 2; i++)
				put(out, sz, "%s%u", i ? "," : "", v[i]);
			break;
		case 12:
			put_text(out, sz, "dname", v, len - 2);
			break;
		case 13:
			put_text(out, sz, "uri", v, len - 2);
			break;
		case 14: case 15: case 16: case 17: case 18: {
			static const char *k[] = {"ben", "fri", "by", "frs",
						  "ors"};
			if (len < 4)
				return -1;
			put(out, sz, " %s=%u", k[type - 14], v[0] << 8 | v[1]);
			if (dec_attrs(v + 2, len - 4, type, out, sz,
				      depth + 1))
				return -1;
			break;
		}
		default:
			put(out, sz, " attr%u", type);
			break;
		}

		off += plen;
	}
	return 0;
}


static void queue_line(struct cli *c, const char *line)
{
	if (c->qn == MAXQ) {
		free(c->q[0]);
		memmove(c->q, c->q + 1, (MAXQ - 1) * sizeof(*c->q));
		--c->qn;
	}
	c->q[c->qn++] = strdup(line);
}


static void on_msg(struct cli *c, const uint8_t *m, size_t n)
{
	char line[4096] = "";

	put(line, sizeof(line), "RECV %s ver=%u conf=%u tid=%u user=%u",
	    prim_name(m[1]), m[0] >> 5,
	    (unsigned)((uint32_t)m[4] << 24 | m[5] << 16 | m[6] << 8 | m[7]),
	    (unsigned)(m[8] << 8 | m[9]), (unsigned)(m[10] << 8 | m[11]));

	if (dec_attrs(m + HDR, n - HDR, 0, line, sizeof(line), 0))
		put(line, sizeof(line), " MALFORMED");

	/* "release" without an ID releases the latest request we heard of
	 * (the server picks FLOOR-REQUEST-IDs, RFC 8855 13.1.2) */
	{
		const char *f = strstr(line, " fri=");

		if (f)
			c->last_frid = (uint16_t)atoi(f + 5);
	}

	/* the time of arrival on a line of its own (CLOCK_MONOTONIC, as
	 * the call's VIDEO-PLI lines): tests set events against it */
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%s\nRECV-AT %s at_us=%llu\n", line, prim_name(m[1]),
		       (unsigned long long)ts.tv_sec * 1000000ULL +
		       (unsigned long long)ts.tv_nsec / 1000);
	}
	fflush(stdout);
	queue_line(c, line);
}


/* Read what is there (one read), frame by the COMMON-HEADER length. */
static int rx(struct cli *c)
{
	ssize_t k;

	if (c->ssl)
		k = SSL_read(c->ssl, c->rx + c->rxlen,
			     (int)(sizeof(c->rx) - c->rxlen));
	else
		k = recv(c->fd, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen,
			 0);
	if (k <= 0) {
		if (!c->closed) {
			printf("CLOSED\n");
			fflush(stdout);
		}
		c->closed = true;
		return EPIPE;
	}
	c->rxlen += (size_t)k;

	for (;;) {
		size_t len;

		if (c->rxlen < HDR)
			break;
		len = HDR + 4u * (c->rx[2] << 8 | c->rx[3]);
		if (len > sizeof(c->rx)) {
			printf("RECV-ERROR oversize\n");
			c->closed = true;
			return EPROTO;
		}
		if (c->rxlen < len)
			break;
		on_msg(c, c->rx, len);
		memmove(c->rx, c->rx + len, c->rxlen - len);
		c->rxlen -= len;
	}
	return 0;
}


static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}


/* Wait up to ms for input on the connection and process it. */
static void pump(struct cli *c, int ms)
{
	struct pollfd pfd = {c->fd, POLLIN, 0};

	if (c->closed)
		return;

	if (c->ssl && SSL_pending(c->ssl)) {
		(void)rx(c);
		return;
	}

	if (poll(&pfd, 1, ms) > 0)
		(void)rx(c);
}


static bool line_matches(const char *line, char **tok, int ntok)
{
	int i;

	for (i = 0; i < ntok; i++) {
		char pat[256];

		snprintf(pat, sizeof(pat), " %s", tok[i]);
		/* a token must match whole: followed by space or end */
		const char *s = line;
		bool ok = false;

		while ((s = strstr(s, pat))) {
			char after = s[strlen(pat)];

			if (!after || after == ' ') {
				ok = true;
				break;
			}
			++s;
		}
		if (!ok)
			return false;
	}
	return true;
}


static int cmd_wait(struct cli *c, char **tok, int ntok)
{
	long end = now_ms() + WAIT_MS;
	char prim[64];
	char *t2[32];
	int i;

	if (ntok < 1)
		return EINVAL;

	snprintf(prim, sizeof(prim), "RECV %s", tok[0]);
	for (i = 1; i < ntok && i < 32; i++)
		t2[i - 1] = tok[i];

	for (;;) {
		size_t j;

		for (j = 0; j < c->qn; j++) {
			const char *l = c->q[j];

			if (strncmp(l, prim, strlen(prim)) ||
			    (l[strlen(prim)] && l[strlen(prim)] != ' '))
				continue;
			if (!line_matches(l, t2, ntok - 1))
				continue;

			printf("MATCH %s\n", l);
			fflush(stdout);
			free(c->q[j]);
			memmove(c->q + j, c->q + j + 1,
				(c->qn - j - 1) * sizeof(*c->q));
			--c->qn;
			return 0;
		}

		if (now_ms() >= end || c->closed) {
			printf("TIMEOUT wait");
			for (i = 0; i < ntok; i++)
				printf(" %s", tok[i]);
			printf("\n");
			fflush(stdout);
			return ETIMEDOUT;
		}
		pump(c, 50);
	}
}


static int status_from(const char *s)
{
	unsigned i;

	for (i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (!strcasecmp(s, status_names[i]))
			return (int)i;
	return atoi(s);
}


static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}


/* Returns 0, an errno, or -1 for quit. */
static int run_cmd(struct cli *c, char *line)
{
	char *tok[32];
	int ntok = 0, i;
	struct enc e;
	char *s, *save = NULL;

	for (s = strtok_r(line, " \t\r\n", &save); s && ntok < 32;
	     s = strtok_r(NULL, " \t\r\n", &save))
		tok[ntok++] = s;

	if (!ntok || tok[0][0] == '#')
		return 0;

	if (!strcmp(tok[0], "quit"))
		return -1;

	if (!strcmp(tok[0], "wait"))
		return cmd_wait(c, tok + 1, ntok - 1);

	if (!strcmp(tok[0], "sleep")) {
		long end = now_ms() + (ntok > 1 ? atol(tok[1]) : 100);

		while (now_ms() < end && !c->closed)
			pump(c, (int)(end - now_ms()));
		if (c->closed)
			usleep(1000 * (end > now_ms() ? end - now_ms() : 0));
		return 0;
	}

	if (!strcmp(tok[0], "closed")) {
		long end = now_ms() + WAIT_MS;

		while (!c->closed && now_ms() < end)
			pump(c, 50);
		if (!c->closed) {
			printf("TIMEOUT closed\n");
			return ETIMEDOUT;
		}
		return 0;
	}

	if (!strcmp(tok[0], "conf") && ntok > 1) {
		c->confid = (uint32_t)strtoul(tok[1], NULL, 0);
		return 0;
	}
	if (!strcmp(tok[0], "user") && ntok > 1) {
		c->userid = (uint16_t)atoi(tok[1]);
		return 0;
	}
	if (!strcmp(tok[0], "version") && ntok > 1) {
		c->ver = (uint8_t)atoi(tok[1]);
		return 0;
	}

	if (!strcmp(tok[0], "hello")) {
		e_hdr(c, &e, 11);
		return send_enc(c, &e);
	}

	if (!strcmp(tok[0], "goodbye")) {
		e_hdr(c, &e, 16);
		return send_enc(c, &e);
	}

	if (!strcmp(tok[0], "req") && ntok > 1) {
		char *f, *fs = NULL;

		e_hdr(c, &e, 1);
		for (f = strtok_r(tok[1], ",", &fs); f;
		     f = strtok_r(NULL, ",", &fs))
			e_attr16(&e, 2, true, (uint16_t)atoi(f));
		for (i = 2; i < ntok; i++) {
			if (!strncmp(tok[i], "ben=", 4))
				e_attr16(&e, 1, true,
					 (uint16_t)atoi(tok[i] + 4));
			else if (!strncmp(tok[i], "prio=", 5)) {
				uint8_t pr[2] = {(uint8_t)(atoi(tok[i] + 5)
							   << 5), 0};
				e_octets(&e, 4, true, pr, 2);
			}
			else if (!strncmp(tok[i], "ppi=", 4))
				e_octets(&e, 8, true, tok[i] + 4,
					 strlen(tok[i] + 4));
			else if (!strncmp(tok[i], "mand=", 5)) {
				uint8_t x[2] = {0, 0};
				e_octets(&e, (uint8_t)atoi(tok[i] + 5), true,
					 x, 2);
			}
		}
		return send_enc(c, &e);
	}

	if (!strcmp(tok[0], "release") || !strcmp(tok[0], "frq")) {
		uint16_t frid = c->last_frid;

		if (ntok > 1 && strcmp(tok[1], "last"))
			frid = (uint16_t)atoi(tok[1]);
		e_hdr(c, &e, tok[0][0] == 'r' ? 2 : 3);
		e_attr16(&e, 3, true, frid);
		return send_enc(c, &e);
	}

	if (!strcmp(tok[0], "uq")) {
		e_hdr(c, &e, 5);
		if (ntok > 1)
			e_attr16(&e, 1, true, (uint16_t)atoi(tok[1]));
		return send_enc(c, &e);
	}

	if (!strcmp(tok[0], "fq")) {
		e_hdr(c, &e, 7);
		for (i = 1; i < ntok; i++)
			e_attr16(&e, 2, true, (uint16_t)atoi(tok[i]));
		return send_enc(c, &e);
	}

	/* chair FRID FLOOR STATUS [QPOS]  (RFC 8855 11.1) */
	if (!strcmp(tok[0], "chair") && ntok > 3) {
		e_hdr(c, &e, 9);
		e_group(&e, 15, (uint16_t)atoi(tok[1]));
		e_group(&e, 17, (uint16_t)atoi(tok[2]));
		e_u8(&e, 5 << 1 | 1);
		e_u8(&e, 4);
		e_u8(&e, (uint8_t)status_from(tok[3]));
		e_u8(&e, (uint8_t)(ntok > 4 ? atoi(tok[4]) : 0));
		e_group_end(&e);
		e_group_end(&e);
		return send_enc(c, &e);
	}

	/* a header that promises an attribute whose length runs past the
	 * message: cannot be parsed */
	if (!strcmp(tok[0], "garbage")) {
		e_hdr(c, &e, 1);
		e_u8(&e, 2 << 1 | 1);
		e_u8(&e, 40);
		e_u16(&e, 0xdead);
		e_finish(&e);
		printf("SENT garbage\n");
		fflush(stdout);
		return io_write(c, e.b, e.n);
	}

	if (!strcmp(tok[0], "raw") && ntok > 1) {
		uint8_t b[1024];
		size_t n = 0, l = strlen(tok[1]);

		for (i = 0; (size_t)i + 1 < l && n < sizeof(b); i += 2) {
			int hi = hexval(tok[1][i]), lo = hexval(tok[1][i + 1]);
			if (hi < 0 || lo < 0)
				return EINVAL;
			b[n++] = (uint8_t)(hi << 4 | lo);
		}
		printf("SENT raw %zu bytes\n", n);
		fflush(stdout);
		return io_write(c, b, n);
	}

	fprintf(stderr, "unknown command: %s\n", tok[0]);
	return EINVAL;
}


/* ---- TLS identity ---- */

static int load_or_make_cert(SSL_CTX *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int ok = 0;

	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		rewind(f);
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	else {
		X509_NAME *nm;
		int fd;

		pk = EVP_EC_gen("P-256");
		x = X509_new();
		if (!pk || !x)
			goto out;
		ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
		X509_gmtime_adj(X509_getm_notBefore(x), -3600);
		X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
		X509_set_pubkey(x, pk);
		nm = X509_get_subject_name(x);
		X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
					   (const unsigned char *)"confd-ua",
					   -1, -1, 0);
		X509_set_issuer_name(x, nm);
		X509_sign(x, pk, EVP_sha256());
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			f = fdopen(fd, "w");
			PEM_write_X509(f, x);
			PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
					     NULL);
			fclose(f);
		}
	}

	if (x && pk && SSL_CTX_use_certificate(ctx, x) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, pk) == 1)
		ok = 1;
 out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return ok ? 0 : EINVAL;
}


static void print_fp(const char *tag, X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!x || !X509_digest(x, EVP_sha256(), md, &n))
		return;
	printf("%s sha-256 ", tag);
	for (i = 0; i < n; i++)
		printf("%02X%s", md[i], i + 1 < n ? ":" : "");
	printf("\n");
	fflush(stdout);
}


/* "sha-256 AB:CD:..." of the certificate in PEM (made when missing), as
 * a=fingerprint wants it (RFC 8122 5). */
int ua_bfcp_cert_fp(const char *pem, char *buf, int isz)
{
	size_t sz = isz > 0 ? (size_t)isz : 0;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t l;
	int err = EINVAL;

	if (!ctx || !pem || !buf || sz < 8 || load_or_make_cert(ctx, pem) ||
	    !X509_digest(SSL_CTX_get0_certificate(ctx), EVP_sha256(), md,
			 &n))
		goto out;
	l = (size_t)snprintf(buf, sz, "sha-256 ");
	for (i = 0; i < n && l + 3 < sz; i++)
		l += (size_t)snprintf(buf + l, sz - l, "%02X%s", md[i],
				      i + 1 < n ? ":" : "");
	err = i == n ? 0 : ENOMEM;
 out:
	SSL_CTX_free(ctx);
	return err;
}


/* RFC 4279 2: the client names an identity and uses the shared key.
 * TS 33.328 Annex H: the identity is empty, the PSK is the TEK. */
static unsigned int psk_cb(SSL *ssl, const char *hint, char *identity,
			   unsigned int max_identity_len, unsigned char *psk,
			   unsigned int max_psk_len)
{
	const struct cli *c = SSL_get_app_data(ssl);
	(void)hint;

	if (!c || max_identity_len < 1 || c->psk_len > max_psk_len)
		return 0;
	identity[0] = '\0';
	memcpy(psk, c->psk, c->psk_len);
	return (unsigned int)c->psk_len;
}


static int parse_hex(const char *s, uint8_t *b, size_t max, size_t *lenp)
{
	size_t l = strlen(s), i;

	if (l == 0 || l % 2 || l / 2 > max)
		return EINVAL;
	for (i = 0; i < l / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return EINVAL;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*lenp = l / 2;
	return 0;
}


/* "sha-256 AB:CD:.." (hash name case-insensitive, RFC 8122 5) */
static bool fp_matches(X509 *x, const char *want)
{
	char got[200];
	const char *sp = strchr(want, ' ');
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	size_t l = 0;

	if (!x || !sp || (size_t)(sp - want) != 7 ||
	    strncasecmp(want, "sha-256", 7) ||
	    !X509_digest(x, EVP_sha256(), md, &n))
		return false;
	for (i = 0; i < n; i++)
		l += (size_t)snprintf(got + l, sizeof(got) - l, "%02X%s",
				      md[i], i + 1 < n ? ":" : "");
	return !strcasecmp(got, sp + 1);
}


static int parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return EINVAL;
	/* tests talk to loopback only */
	if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		return EACCES;
	return 0;
}


int ua_bfcp_cmd(int argc, char *argv[])
{
	struct cli c;
	struct sockaddr_in sin;
	const char *addr = NULL, *cert = NULL, *script = NULL, *psk = NULL;
	const char *ciphers = "PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384";
	const char *peer_fp = NULL;
	bool tls = false, printfp = false;
	int i, err = 0, one = 1;
	char line[2048];

	memset(&c, 0, sizeof(c));
	c.ver = 1;
	c.fd = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc)
			addr = argv[++i];
		else if (!strcmp(argv[i], "--conf") && i + 1 < argc)
			c.confid = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			c.userid = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tls"))
			tls = true;
		else if (!strcmp(argv[i], "--cert") && i + 1 < argc)
			cert = argv[++i];
		else if (!strcmp(argv[i], "--psk") && i + 1 < argc)
			psk = argv[++i];
		else if (!strcmp(argv[i], "--psk-cipher") && i + 1 < argc)
			ciphers = argv[++i];
		else if (!strcmp(argv[i], "--peer-fp") && i + 1 < argc)
			peer_fp = argv[++i];
		else if (!strcmp(argv[i], "--print-fp"))
			printfp = true;
		else if (!strcmp(argv[i], "--script") && i + 1 < argc)
			script = argv[++i];
		else {
			fprintf(stderr, "bfcp: bad argument %s\n", argv[i]);
			return 2;
		}
	}

	if (psk) {
		/* TLS-PSK (Annex H): TLS 1.2 only, PSK suites without
		 * (EC)DHE and never a null cipher */
		if (parse_hex(psk, c.psk, sizeof(c.psk), &c.psk_len)) {
			fprintf(stderr, "bfcp: --psk wants hex\n");
			return 2;
		}
		c.ctx = SSL_CTX_new(TLS_client_method());
		if (!c.ctx ||
		    !SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION) ||
		    !SSL_CTX_set_max_proto_version(c.ctx, TLS1_2_VERSION) ||
		    !SSL_CTX_set_cipher_list(c.ctx, ciphers)) {
			fprintf(stderr, "bfcp: TLS-PSK context (%s)\n",
				ciphers);
			SSL_CTX_free(c.ctx);
			return 2;
		}
		SSL_CTX_set_psk_client_callback(c.ctx, psk_cb);
		tls = true;
	}
	else if (tls) {
		c.ctx = SSL_CTX_new(TLS_client_method());
		if (!c.ctx || !cert || load_or_make_cert(c.ctx, cert)) {
			fprintf(stderr, "bfcp: need --cert PEM for TLS\n");
			return 2;
		}
		SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
		if (printfp)
			print_fp("FINGERPRINT", SSL_CTX_get0_certificate(
					 c.ctx));
	}

	if (!addr) {
		SSL_CTX_free(c.ctx);
		return printfp ? 0 : 2;
	}

	if (parse_addr(addr, &sin)) {
		fprintf(stderr, "bfcp: bad address %s\n", addr);
		return 2;
	}

	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sin,
				sizeof(sin)) < 0) {
		printf("CONNECT-FAILED %s\n", strerror(errno));
		return 1;
	}
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	if (tls) {
		c.ssl = SSL_new(c.ctx);
		SSL_set_app_data(c.ssl, &c);
		SSL_set_fd(c.ssl, c.fd);
		if (SSL_connect(c.ssl) != 1) {
			char eb[256];

			ERR_error_string_n(ERR_peek_error(), eb, sizeof(eb));
			printf("TLS-FAILED %s\n", eb);
			ERR_clear_error();
			err = 1;
			goto out;
		}
		printf("TLS %s %s\n", SSL_get_version(c.ssl),
		       SSL_get_cipher_name(c.ssl));
		if (!psk) {
			X509 *peer = SSL_get1_peer_certificate(c.ssl);
			print_fp("SERVER-FP", peer);
			/* RFC 8856 / RFC 8122: the certificate must match
			 * the a=fingerprint of the server's SDP */
			if (peer_fp && !fp_matches(peer, peer_fp)) {
				printf("TLS-PEER-MISMATCH\n");
				X509_free(peer);
				err = 1;
				goto out;
			}
			X509_free(peer);
		}
	}

	printf("CONNECTED\n");
	fflush(stdout);

	if (script) {
		char *copy = strdup(script), *cmd, *sv = NULL;

		for (cmd = strtok_r(copy, ";", &sv); cmd && !err;
		     cmd = strtok_r(NULL, ";", &sv)) {
			err = run_cmd(&c, cmd);
		}
		free(copy);
		if (err == -1)
			err = 0;
		goto out;
	}

	/* stdin, interleaved with what arrives */
	for (;;) {
		struct pollfd p[2] = {{0, POLLIN, 0}, {c.fd, POLLIN, 0}};
		int n = c.closed ? 1 : 2;

		if (c.ssl && SSL_pending(c.ssl)) {
			(void)rx(&c);
			continue;
		}

		if (poll(p, (nfds_t)n, -1) < 0)
			break;

		if (n > 1 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			(void)rx(&c);

		if (p[0].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin))
				break;
			err = run_cmd(&c, line);
			if (err == -1) {
				err = 0;
				break;
			}
			if (err && err != ETIMEDOUT) {
				printf("CMD-ERROR %d\n", err);
				fflush(stdout);
			}
			err = 0;
		}
	}

 out:
	for (i = 0; (size_t)i < c.qn; i++)
		free(c.q[i]);
	if (c.ssl) {
		SSL_shutdown(c.ssl);
		SSL_free(c.ssl);
	}
	SSL_CTX_free(c.ctx);
	OPENSSL_cleanse(c.psk, sizeof(c.psk));
	if (c.fd >= 0)
		close(c.fd);
	fflush(stdout);
	return err ? 1 : 0;
}

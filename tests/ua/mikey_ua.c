/**
 * @file mikey_ua.c  Test UA: MIKEY-TICKET initiator, written from the RFCs
 *
 * Compact on purpose: one byte-writer, one payload walker, the PRF of
 * RFC 3830 4.1.2 with HMAC-SHA-1 (MIKEY-1) or HMAC-SHA-256 (RFC 6043
 * 6.1), and the exchange rules of RFC 6043 4.2 / 5.1 / 5.5 / Appendix A.
 *
 * Suites (RFC 6043 12.1): the UA speaks one, the 256-bit one unless
 * told otherwise (ua_mikey_set_prf(), or UA_MIKEY_PRF=0 in the
 * environment for the 128-bit one), and like a strict UE it refuses an
 * answer whose PRF, V MAC or KEMAC encryption is not of that suite.
 */
#include <string.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/crypto.h>
#include <re.h>
#include "tests/ua/mikey_ua.h"


#define MAXCS 16

struct ua_mikey {
	const struct ua_suite *su;          /* the one suite we speak */
	char uid[256], kms_id[256];
	uint8_t psk[64];
	size_t psk_len;
	uint8_t *req; size_t req_len;       /* REQUEST_INIT sent */
	uint8_t ticket[4096]; size_t ticket_len;  /* TICKET body */
	uint8_t tflags[3];                  /* TP bytes 5..7 */
	uint8_t mpki[64], mpkr[64], tgk[64], tgk_spi[8];
	size_t mpk_len, tgk_len, tgk_spi_len;
	uint8_t *ti; size_t ti_len;         /* TRANSFER_INIT sent */
	uint32_t csb;
	uint8_t ri[16];
	unsigned ncs;
	uint8_t prot[MAXCS];
	uint32_t ssrc[MAXCS];               /* announced in the CS map */
	uint8_t tek[MAXCS][32], salt[MAXCS][14];
	size_t tek_len[MAXCS];
	size_t tek_want[MAXCS];             /* fixed TEK length, 0: rule */
	bool keyed;
	int last_err;
};


/* ---- bytes ---- */

struct w { uint8_t *p; size_t n, cap; int err; };

static void put(struct w *w, const void *d, size_t l)
{
	if (w->err || w->n + l > w->cap) { w->err = 1; return; }
	if (l)
		memcpy(w->p + w->n, d, l);
	w->n += l;
}
static void p8(struct w *w, unsigned v)  { uint8_t b = (uint8_t)v; put(w, &b, 1); }
static void p16(struct w *w, unsigned v) { p8(w, v >> 8); p8(w, v); }
static void p32(struct w *w, uint32_t v) { p16(w, v >> 16); p16(w, v & 0xffff); }
static uint32_t g32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static unsigned g16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }


/* RFC 6043 12.1: PRF, V MAC and KEMAC encryption of one suite */
static const struct ua_suite suites[2] = {
	{0, 1, 1, 20, 20, 16},   /* MIKEY-1, HMAC-SHA-1-160, AES-CM-128 */
	{1, 2, 3, 32, 32, 32},   /* PRF-HMAC-SHA-256, HMAC-SHA-256-256,
				  * AES-CM-256 */
};


const struct ua_suite *ua_mikey_suite(uint8_t prf)
{
	return prf < 2 ? &suites[prf] : NULL;
}


/* HMAC-SHA-1 (hl 20) or HMAC-SHA-256 (hl 32) over a || b */
static void hmac2(size_t hl, const uint8_t *k, size_t kl, const uint8_t *a,
		  size_t al, const uint8_t *b, size_t bl, uint8_t *out)
{
	uint8_t *buf = malloc(al + bl + 1);
	unsigned ol = (unsigned)hl;

	memcpy(buf, a, al);
	if (bl)
		memcpy(buf + al, b, bl);
	HMAC(hl == 20 ? EVP_sha1() : EVP_sha256(), k, (int)kl, buf,
	     al + bl, out, &ol);
	free(buf);
}


/* RFC 3830 4.1.2 with SHA-1 (MIKEY-1) or SHA-256 (RFC 6043 6.1): the
 * inkey in 256-bit pieces, each run through P() and XORed */
static void prf(const struct ua_suite *su, const uint8_t *key, size_t kl,
		const uint8_t *label, size_t ll, uint8_t *out, size_t ol)
{
	size_t off, i, j, hl = su->hash_len;

	memset(out, 0, ol);
	for (off = 0; off < kl; off += 32) {
		size_t sl = kl - off < 32 ? kl - off : 32;
		uint8_t a[32], blk[32];

		hmac2(hl, key + off, sl, label, ll, NULL, 0, a);
		for (i = 0; i < ol; i += hl) {
			hmac2(hl, key + off, sl, a, hl, label, ll, blk);
			for (j = 0; j < hl && i + j < ol; j++)
				out[i + j] ^= blk[j];
			hmac2(hl, key + off, sl, a, hl, NULL, 0, a);
		}
	}
}


static void derive(const struct ua_suite *su, const uint8_t *key,
		   size_t kl, uint32_t c, const uint8_t *tail, size_t tl,
		   uint8_t *out, size_t ol)
{
	uint8_t lab[1024];

	lab[0] = c >> 24; lab[1] = c >> 16; lab[2] = c >> 8; lab[3] = c;
	memcpy(lab + 4, tail, tl);
	prf(su, key, kl, lab, 4 + tl, out, ol);
}


/* the V MAC of the suite, with an auth key as long as the MAC */
static void vmac(const struct ua_suite *su, const uint8_t *k,
		 const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		 uint8_t *out)
{
	hmac2(su->mac_len, k, su->mac_len, a, al, b, bl, out);
}


/* RFC 6043 5.1.2 label tail */
static size_t tail_msg(uint8_t *t, uint32_t csb, uint8_t dir,
		       const uint8_t *ri, size_t ril, const uint8_t *rr,
		       size_t rrl)
{
	struct w w = {t, 0, 600, 0};

	p8(&w, 0xff); p32(&w, csb); p8(&w, dir);
	p8(&w, ril); put(&w, ri, ril);
	p8(&w, rrl); put(&w, rr, rrl);
	return w.n;
}


/* RFC 3830 4.2.3 AES-CM; AES-CM-256 (RFC 6043 6.2) with a 32-byte key */
static void aes_cm(const struct ua_suite *su, const uint8_t *k,
		   const uint8_t *s, uint32_t csb, uint64_t t, uint8_t *buf,
		   size_t len)
{
	uint8_t iv[16] = {0};
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ol, i;

	for (i = 0; i < 4; i++) iv[2 + i] = csb >> (24 - 8 * i);
	for (i = 0; i < 8; i++) iv[6 + i] = t >> (56 - 8 * i);
	for (i = 0; i < 14; i++) iv[i] ^= s[i];
	EVP_EncryptInit_ex(c, su->key_len == 32 ? EVP_aes_256_ctr() :
			   EVP_aes_128_ctr(), NULL, k, iv);
	EVP_EncryptUpdate(c, buf, &ol, buf, (int)len);
	EVP_CIPHER_CTX_free(c);
}


static uint64_t ntp_now(void)
{
	return (uint64_t)((uint32_t)(time(NULL) + 2208988800u)) << 32;
}


static void idr(struct w *w, uint8_t *np, unsigned role, const char *id)
{
	size_t l = strlen(id);

	*np = 14;
	p8(w, 0); p8(w, role);
	p8(w, strchr(id, ':') ? 1 : 2);       /* URI when it has a scheme */
	p16(w, l); put(w, id, l);
}


/* ---- payload walk ---- */

struct pl8 { const uint8_t *p; size_t l; };
struct msg {
	uint8_t dt, prf, valg, kmac;
	uint32_t csb;
	uint64_t t;
	struct pl8 kemac, mac, randr, randkms, idr, ticket, tp_hdr;
	size_t mac_off;
	const uint8_t *cs; size_t cs_len; unsigned ncs;
	uint8_t err;
};


/* Walk payloads from pt at p[0..len); fills m; -1 on any bound error */
static int walk(struct msg *m, const uint8_t *base, size_t pos, size_t len,
		unsigned pt)
{
	while (pt) {
		const uint8_t *p = base + pos;
		size_t left = len - pos, n;

		if (left < 2)
			return -1;
		switch (pt) {
		case 5:  /* T */
			n = 2 + (p[1] <= 1 ? 8 : 4);
			if (left < n) return -1;
			m->t = p[1] <= 1 ? (uint64_t)g32(p + 2) << 32 | g32(p + 6) : (uint64_t)g32(p + 2) << 32;
			break;
		case 15: /* RANDR */
			if (left < 3 || left < 3u + p[2]) return -1;
			n = 3 + p[2];
			if (p[1] == 2) m->randr = (struct pl8){p + 3, p[2]};
			if (p[1] == 3) m->randkms = (struct pl8){p + 3, p[2]};
			break;
		case 14: /* IDR */
			if (left < 5 || left < 5 + g16(p + 3)) return -1;
			n = 5 + g16(p + 3);
			if (p[1] == 2) m->idr = (struct pl8){p + 5, g16(p + 3)};
			break;
		case 1:  /* KEMAC */
			if (left < 5 || left < 5 + g16(p + 2)) return -1;
			n = 4 + g16(p + 2);
			m->kmac = p[n];                    /* NULL: V has it */
			m->kemac = (struct pl8){p + 4, g16(p + 2)};
			m->tp_hdr.l = p[1];                /* Encr alg */
			n += 1;
			break;
		case 9:  /* V: HMAC-SHA-1-160 or HMAC-SHA-256-256 */
			if (p[1] != 1 && p[1] != 2) return -1;
			n = 2 + (p[1] == 1 ? 20 : 32);
			if (left < n) return -1;
			m->valg = p[1];
			m->mac = (struct pl8){p + 2, n - 2};
			m->mac_off = pos + 2;
			break;
		case 10: /* SP */
			if (left < 5 || left < 5 + g16(p + 3)) return -1;
			n = 5 + g16(p + 3);
			break;
		case 12: /* ERR */
			if (left < 4) return -1;
			m->err = p[1];
			n = 4;
			break;
		case 17: { /* TICKET */
			size_t a, b, c;
			if (left < 10) return -1;
			a = 10 + g16(p + 8);
			if (left < a + 2) return -1;
			b = a + 2 + g16(p + a);
			if (left < b + 2) return -1;
			c = b + 2 + g16(p + b);
			if (left < c) return -1;
			m->ticket = (struct pl8){p + 1, b - 1};  /* to idlen */
			n = c;
			break;
		}
		case 21: /* General Extension */
			if (left < 4 || left < 4 + g16(p + 2)) return -1;
			n = 4 + g16(p + 2);
			break;
		default:
			return -1;
		}
		pt = p[0];
		pos += n;
	}
	return pos == len ? 0 : -1;
}


static int parse(struct msg *m, const uint8_t *b, size_t len)
{
	size_t hl = 10;

	memset(m, 0, sizeof(*m));
	if (len < 10 || b[0] != 1)
		return -1;
	m->dt = b[1];
	m->prf = b[3] & 0x7f;
	m->csb = g32(b + 4);
	m->ncs = b[8];
	if (b[9] == 2) {       /* GENERIC-ID */
		unsigned i;
		for (i = 0; i < m->ncs; i++) {
			size_t q;
			if (len < hl + 3) return -1;
			q = hl + 3 + (b[hl + 2] & 0x7f);
			if (len < q + 2) return -1;
			q += 2 + g16(b + q);
			if (len < q + 1) return -1;
			q += 1 + b[q];
			if (len < q) return -1;
			hl = q;
		}
		m->cs = b + 10;
		m->cs_len = hl - 10;
	}
	else if (b[9] != 1 || m->ncs)
		return -1;
	return walk(m, b, hl, len, b[2]);
}


/* ---- HTTPS POST (blocking, OpenSSL BIO) ---- */

static int https_post(const char *ip, uint16_t port, const uint8_t *fp,
		      const uint8_t *body, size_t len, uint8_t **resp,
		      size_t *rlen)
{
	static SSL_CTX *ctx;
	char host[300], hdr[512];
	uint8_t *buf = malloc(65536);
	size_t n = 0;
	BIO *bio;
	SSL *ssl;
	int r, err = EIO;
	char *p;

	if (!ctx) {      /* one context for the process: it is costly */
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}
	snprintf(host, sizeof(host), "%s:%u", ip, port);
	bio = BIO_new_ssl_connect(ctx);
	BIO_get_ssl(bio, &ssl);
	BIO_set_conn_hostname(bio, host);
	if (BIO_do_connect(bio) <= 0 || BIO_do_handshake(bio) <= 0) {
		err = ECONNREFUSED;
		goto out;
	}
	if (fp) {
		X509 *x = SSL_get1_peer_certificate(ssl);
		uint8_t md[32];
		unsigned ml = 32;

		if (!x || !X509_digest(x, EVP_sha256(), md, &ml) ||
		    memcmp(md, fp, 32)) {
			X509_free(x);
			err = EAUTH;
			goto out;
		}
		X509_free(x);
	}
	snprintf(hdr, sizeof(hdr), "POST /mikey HTTP/1.1\r\nHost: %s\r\n"
		 "Content-Type: application/mikey\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n", host, len);
	if (BIO_write(bio, hdr, (int)strlen(hdr)) <= 0 ||
	    BIO_write(bio, body, (int)len) <= 0)
		goto out;
	while (n < 65535 && (r = BIO_read(bio, buf + n, 65535 - (int)n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	if (strncmp((char *)buf, "HTTP/1.1 200", 12) ||
	    !strstr((char *)buf, "application/mikey"))
		goto out;
	p = strstr((char *)buf, "\r\n\r\n");
	if (!p)
		goto out;
	p += 4;
	*rlen = n - (size_t)((uint8_t *)p - buf);
	*resp = malloc(*rlen + 1);
	memcpy(*resp, p, *rlen);
	err = 0;
 out:
	BIO_free_all(bio);
	free(buf);
	return err;
}


/* ---- the initiator ---- */

static void destructor(void *arg)
{
	struct ua_mikey *u = arg;

	free(u->req);
	free(u->ti);
	OPENSSL_cleanse(u, sizeof(*u));
}


int ua_mikey_alloc(struct ua_mikey **up, const char *uid, const uint8_t *psk,
		   size_t psk_len, const char *kms_id)
{
	struct ua_mikey *u;

	if (!up || !uid || !psk || psk_len > 64 || !kms_id)
		return EINVAL;
	u = mem_zalloc(sizeof(*u), destructor);
	if (!u)
		return ENOMEM;
	str_ncpy(u->uid, uid, sizeof(u->uid));
	str_ncpy(u->kms_id, kms_id, sizeof(u->kms_id));
	memcpy(u->psk, psk, psk_len);
	u->psk_len = psk_len;
	u->last_err = -1;
	u->su = &suites[1];
	{
		const char *e = getenv("UA_MIKEY_PRF");

		if (e && ua_mikey_suite((uint8_t)atoi(e)))
			u->su = ua_mikey_suite((uint8_t)atoi(e));
	}
	*up = u;
	return 0;
}


int ua_mikey_set_prf(struct ua_mikey *u, uint8_t prf)
{
	if (!u || !ua_mikey_suite(prf))
		return EINVAL;
	u->su = ua_mikey_suite(prf);
	return 0;
}


int ua_mikey_ticket(struct ua_mikey *u, const char *ip, uint16_t port,
		    const uint8_t *fp, const char *responder)
{
	uint8_t buf[2048], tp[512], ri[16], tail[600], auth[32], mac[32];
	uint8_t enc[32], salt[14], mpk[64], rnd[64], *resp = NULL;
	const struct ua_suite *su = u->su;
	size_t ml = su->mac_len;
	struct w w = {buf, 0, sizeof(buf), 0}, t = {tp, 0, sizeof(tp), 0};
	uint8_t *np, dummy;
	struct msg m;
	size_t tl, rl = 0, i;
	uint32_t csb;
	int err;

	RAND_bytes((uint8_t *)&csb, 4);
	RAND_bytes(ri, sizeof(ri));

	/* TP Data: first payload, IDRr (the rest is the KMS's to fill) */
	p8(&t, 14);
	idr(&t, &dummy, 2, responder);

	/* HDR: REQUEST_INIT_PSK, V=1, our PRF, Empty map */
	p8(&w, 1); p8(&w, 11); np = &buf[w.n]; p8(&w, 0); p8(&w, 0x80 | su->prf);
	p32(&w, csb); p8(&w, 0); p8(&w, 1);
	*np = 5; np = &buf[w.n];                       /* T */
	p8(&w, 0); p8(&w, 0); p32(&w, ntp_now() >> 32); p32(&w, 0);
	*np = 15; np = &buf[w.n];                      /* RANDRi */
	p8(&w, 0); p8(&w, 1); p8(&w, 16); put(&w, ri, 16);
	idr(&w, np, 1, u->uid); np = &buf[w.n - 5 - strlen(u->uid)];
	idr(&w, np, 3, u->kms_id); np = &buf[w.n - 5 - strlen(u->kms_id)];
	*np = 16; np = &buf[w.n];                      /* TP */
	p8(&w, 0); p16(&w, 1); p8(&w, 1); p8(&w, 1);
	/* TP: PRF (ours) and D, then E..I, N, O */
	p8(&w, su->prf << 1 | 1); p8(&w, 0xf8); p8(&w, 0x60);
	p16(&w, t.n); put(&w, tp, t.n);
	*np = 9;                                       /* V */
	p8(&w, 0); p8(&w, su->mac); put(&w, mac, ml);
	if (w.err)
		return ENOMEM;

	/* MAC: REQUEST_INIT || ID_i || ID_kms (RFC 6043 5.5) */
	tl = tail_msg(tail, csb, 1, ri, 16, NULL, 0);
	derive(su, u->psk, u->psk_len, 0x2D22AC75, tail, tl, auth, ml);
	{
		uint8_t ids[600];
		struct w x = {ids, 0, sizeof(ids), 0};
		put(&x, u->uid, strlen(u->uid));
		put(&x, u->kms_id, strlen(u->kms_id));
		vmac(su, auth, buf, w.n - ml, ids, x.n, buf + w.n - ml);
	}
	free(u->req);
	u->req = malloc(w.n);
	memcpy(u->req, buf, w.n);
	u->req_len = w.n;

	err = https_post(ip, port, fp, buf, w.n, &resp, &rl);
	if (err)
		return err;

	err = EPROTO;
	if (parse(&m, resp, rl))
		goto out;
	if (m.dt == 6) {
		u->last_err = m.err;
		err = ECONNREFUSED;
		goto out;
	}
	if (m.dt != 13 || m.csb != csb || !m.mac.p || !m.kemac.p ||
	    !m.ticket.p || m.ticket.l > sizeof(u->ticket) || m.kmac != 0)
		goto out;
	/* a strict UE: the answer, and the ticket, in our suite only
	 * (RFC 6043 12.1) */
	if (m.prf != su->prf || m.valg != su->mac || m.tp_hdr.l != su->encr ||
	    (m.ticket.p[4] >> 1) != su->prf) {
		err = ENOTSUP;
		goto out;
	}

	/* MAC: REQUEST_RESP || REQUEST_INIT */
	tl = tail_msg(tail, csb, 2, ri, 16, NULL, 0);
	derive(su, u->psk, u->psk_len, 0x2D22AC75, tail, tl, auth, ml);
	vmac(su, auth, resp, m.mac_off, u->req, u->req_len, mac);
	if (CRYPTO_memcmp(mac, m.mac.p, ml)) {
		err = EACCES;
		goto out;
	}
	derive(su, u->psk, u->psk_len, 0x150533E1, tail, tl, enc,
	       su->key_len);
	derive(su, u->psk, u->psk_len, 0x29B88916, tail, tl, salt, 14);
	if (m.kemac.l > sizeof(rnd) * 4)
		goto out;
	{
		uint8_t kd[256];
		size_t pos = 0;
		int k = 0;

		memcpy(kd, m.kemac.p, m.kemac.l);
		aes_cm(su, enc, salt, csb, m.t, kd, m.kemac.l);
		/* Key data: MPKi, MPKr, TGK; each: np, type|kv, len, key,
		 * (KV SPI) spilen, spi */
		while (pos + 4 <= m.kemac.l && k < 3) {
			unsigned kl = g16(kd + pos + 2), kv = kd[pos + 1] & 15;
			size_t q = pos + 4 + kl;

			/* keys longer than the suite's SHALL NOT go with
			 * its algorithms (RFC 6043 12.1) */
			if (q > m.kemac.l || kl > su->key_len)
				goto out;
			if (k == 0) memcpy(u->mpki, kd + pos + 4, kl);
			if (k == 1) memcpy(u->mpkr, kd + pos + 4, kl);
			if (k == 2) {
				memcpy(u->tgk, kd + pos + 4, kl);
				u->tgk_len = kl;
			}
			if (k < 2) u->mpk_len = kl;
			if (kv == 1) {
				if (q + 1 > m.kemac.l || kd[q] > 8)
					goto out;
				if (k == 2) {
					memcpy(u->tgk_spi, kd + q + 1, kd[q]);
					u->tgk_spi_len = kd[q];
				}
				q += 1 + kd[q];
			}
			pos = q;
			++k;
		}
		OPENSSL_cleanse(kd, sizeof(kd));
		if (k != 3)
			goto out;
	}
	memcpy(u->ticket, m.ticket.p, m.ticket.l);
	u->ticket_len = m.ticket.l;
	memcpy(u->tflags, m.ticket.p + 4, 3);
	(void)mpk; (void)i;
	err = 0;
 out:
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(enc, sizeof(enc));
	free(resp);
	return err;
}


int ua_mikey_transfer_init(struct ua_mikey *u, const char *peer,
			   unsigned nsrtp, unsigned ntls, uint8_t prot_tls,
			   uint8_t **msgp, size_t *lenp)
{
	uint8_t buf[4096], tail[600], auth[32], vr[32], *np;
	struct w w = {buf, 0, sizeof(buf), 0};
	const struct ua_suite *su = u->su;
	size_t tl, idoff, i, ml = su->mac_len, vl = 2 + ml;
	static const uint8_t sp[] = {0, 1, 1, 1, 1, 16, 2, 1, 1, 4, 1, 14,
				     11, 1, 10};

	if (!u->ticket_len || nsrtp + ntls == 0 || nsrtp + ntls > MAXCS)
		return EINVAL;
	memset(vr, 0, sizeof(vr));
	RAND_bytes((uint8_t *)&u->csb, 4);
	RAND_bytes(u->ri, 16);
	u->ncs = nsrtp + ntls;
	u->keyed = false;

	/* HDR: TRANSFER_INIT, V = F flag, our PRF, GENERIC-ID */
	p8(&w, 1); p8(&w, 14); np = &buf[w.n]; p8(&w, 0);
	p8(&w, (u->tflags[1] & 0x40 ? 0x80 : 0) | su->prf);
	p32(&w, u->csb); p8(&w, u->ncs); p8(&w, 2);
	for (i = 0; i < u->ncs; i++) {
		bool srtp = i < nsrtp;

		u->prot[i] = srtp ? 0 : prot_tls;
		u->ssrc[i] = 0;
		u->tek_want[i] = 0;
		p8(&w, i + 1); p8(&w, u->prot[i]);
		p8(&w, srtp ? 1 : 0);                  /* S=0, #P */
		if (srtp) p8(&w, 1);                   /* policy 1 */
		if (srtp && i % 2 == 0) {              /* our SSRC */
			/* random (RFC 3550 8.1); the stream sends with it */
			while (!u->ssrc[i])
				RAND_bytes((uint8_t *)&u->ssrc[i], 4);
			p16(&w, 4); p32(&w, u->ssrc[i]);
		}
		else
			p16(&w, 0);
		p8(&w, u->tgk_spi_len); put(&w, u->tgk_spi, u->tgk_spi_len);
	}
	*np = 5; np = &buf[w.n];
	p8(&w, 0); p8(&w, 0); p32(&w, ntp_now() >> 32); p32(&w, 0);
	*np = 15; np = &buf[w.n];
	p8(&w, 0); p8(&w, 1); p8(&w, 16); put(&w, u->ri, 16);
	idr(&w, np, 1, u->uid); np = &buf[w.n - 5 - strlen(u->uid)];
	idr(&w, np, 2, peer); np = &buf[w.n - 5 - strlen(peer)];
	if (nsrtp) {
		*np = 10; np = &buf[w.n];
		p8(&w, 0); p8(&w, 1); p8(&w, 0); p16(&w, sizeof(sp));
		put(&w, sp, sizeof(sp));
	}
	*np = 17; np = &buf[w.n];                       /* TICKET */
	p8(&w, 0); put(&w, u->ticket, u->ticket_len);
	idoff = w.n;
	p16(&w, 1 + 2 * vl);                           /* Initiator Data */
	p8(&w, 9); p8(&w, 9); p8(&w, su->mac); put(&w, vr, ml);
	p8(&w, 0); p8(&w, su->mac); put(&w, vr, ml);
	*np = 21; np = &buf[w.n];                       /* SDP IDs */
	p8(&w, 0); p8(&w, 1); p16(&w, 5); put(&w, "mikey", 5);
	*np = 9;
	p8(&w, 0); p8(&w, su->mac); put(&w, vr, ml);
	if (w.err)
		return ENOMEM;

	/* V over TRANSFER_INIT minus Initiator Data length and data,
	 * || ID_i || ID_r */
	tl = tail_msg(tail, u->csb, 1, u->ri, 16, NULL, 0);
	derive(su, u->mpki, u->mpk_len, 0x2D22AC75, tail, tl, auth, ml);
	{
		size_t after = idoff + 2 + 1 + 2 * vl, n = 0;
		uint8_t *cov = malloc(w.n + 600);

		memcpy(cov, buf, idoff); n = idoff;
		memcpy(cov + n, buf + after, w.n - ml - after);
		n += w.n - ml - after;
		memcpy(cov + n, u->uid, strlen(u->uid)); n += strlen(u->uid);
		memcpy(cov + n, peer, strlen(peer)); n += strlen(peer);
		vmac(su, auth, cov, n, NULL, 0, buf + w.n - ml);
		free(cov);
	}
	/* Vi = V; Vr by a key from MPKr (label per DESIGN.md) */
	memcpy(buf + idoff + 2 + 3, buf + w.n - ml, ml);
	{
		static const uint8_t t4[] = {0xff, 0xff, 0xff, 0xff, 0xff, 4};
		derive(su, u->mpkr, u->mpk_len, 0x2D22AC75, t4, sizeof(t4),
		       vr, ml);
		vmac(su, vr, buf + idoff + 2, 1 + vl + 2, NULL, 0,
		     buf + idoff + 2 + 1 + vl + 2);
	}

	free(u->ti);
	u->ti = malloc(w.n);
	memcpy(u->ti, buf, w.n);
	u->ti_len = w.n;
	*msgp = malloc(w.n);
	memcpy(*msgp, buf, w.n);
	*lenp = w.n;
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(vr, sizeof(vr));
	return 0;
}


int ua_mikey_transfer_init_smime(struct ua_mikey *u, const char *peer,
				 uint8_t prot_smime, uint8_t **msgp,
				 size_t *lenp)
{
	int err = ua_mikey_transfer_init(u, peer, 0, 1, prot_smime, msgp,
					 lenp);

	/* the TEKs are derived from the answer: the length counts then */
	if (!err)
		u->tek_want[0] = 16;
	return err;
}


int ua_mikey_transfer_resp(struct ua_mikey *u, const uint8_t *msg, size_t len)
{
	uint8_t tail[600], mpkr_f[64], tgk_f[64], auth[32], mac[32];
	const struct ua_suite *su = u->su;
	struct msg m;
	size_t tl, i, ml = su->mac_len;
	struct w w;
	int err = 0;

	if (!u->ti || parse(&m, msg, len))
		return EPROTO;
	if (m.dt == 6) {
		u->last_err = m.err;
		return ECONNREFUSED;
	}
	if (m.dt != 15 || m.csb != u->csb || !m.mac.p || !m.idr.p ||
	    !m.randkms.p || !m.randr.p || m.ncs < u->ncs)
		return EPROTO;
	/* a strict UE refuses the 256-bit MAC under MIKEY-1, and any
	 * other mix (RFC 6043 12.1; the bug of issue 14) */
	if (m.prf != su->prf || m.valg != su->mac)
		return ENOTSUP;
	if (m.t + ((uint64_t)300 << 32) < ntp_now() ||
	    m.t > ntp_now() + ((uint64_t)300 << 32))
		return ETIMEDOUT;

	/* fork MPKr and TGK with IDRr and RANDRkms (RFC 6043 5.1.1) */
	w = (struct w){tail, 0, sizeof(tail), 0};
	p8(&w, 0xff); p32(&w, 0xffffffff); p8(&w, 0);
	p16(&w, m.idr.l); put(&w, m.idr.p, m.idr.l);
	p8(&w, m.randkms.l); put(&w, m.randkms.p, m.randkms.l);
	if (w.err)
		return EPROTO;
	derive(su, u->mpkr, u->mpk_len, 0x2B288856, tail, w.n, mpkr_f,
	       u->mpk_len);
	derive(su, u->tgk, u->tgk_len, 0x1512B54A, tail, w.n, tgk_f,
	       u->tgk_len);

	/* V over TRANSFER_RESP || TRANSFER_INIT, key from MPKr' */
	tl = tail_msg(tail, u->csb, 2, u->ri, 16, m.randr.p, m.randr.l);
	derive(su, mpkr_f, u->mpk_len, 0x2D22AC75, tail, tl, auth, ml);
	vmac(su, auth, msg, m.mac_off, u->ti, u->ti_len, mac);
	if (CRYPTO_memcmp(mac, m.mac.p, ml))
		return EACCES;

	/* TEKs (RFC 6043 5.1.3): H and G set: both RANDs */
	for (i = 0; i < u->ncs; i++) {
		w = (struct w){tail, 0, sizeof(tail), 0};
		p8(&w, i + 1); p32(&w, 0xffffffff); p8(&w, 3);
		p8(&w, 16); put(&w, u->ri, 16);
		p8(&w, m.randr.l); put(&w, m.randr.p, m.randr.l);
		/* SRTP: the SP's key length; PSK S/MIME: 16 (AES-128
		 * key wrap); TLS: as long as the TGK (DESIGN.md).  The
		 * PRF output is a prefix of any longer one, but say it. */
		if (u->prot[i] == 0)
			u->tek_len[i] = 16;
		else if (u->tek_want[i])
			u->tek_len[i] = u->tek_want[i];
		else
			u->tek_len[i] = u->tgk_len;
		if (u->tek_len[i] > sizeof(u->tek[i])) {
			err = EPROTO;        /* a TGK longer than we hold */
			break;
		}
		derive(su, tgk_f, u->tgk_len, 0x2AD01C64, tail, w.n, u->tek[i],
		       u->tek_len[i]);
		derive(su, tgk_f, u->tgk_len, 0x39A2C14B, tail, w.n, u->salt[i],
		       14);
	}
	u->keyed = !err;
	OPENSSL_cleanse(mpkr_f, sizeof(mpkr_f));
	OPENSSL_cleanse(tgk_f, sizeof(tgk_f));
	OPENSSL_cleanse(auth, sizeof(auth));
	return err;
}


int ua_mikey_tek(const struct ua_mikey *u, uint8_t cs_id, uint8_t *key,
		 size_t *key_len, uint8_t *salt, size_t *salt_len)
{
	if (!u || !u->keyed || cs_id < 1 || cs_id > u->ncs)
		return ENOENT;
	memcpy(key, u->tek[cs_id - 1], u->tek_len[cs_id - 1]);
	*key_len = u->tek_len[cs_id - 1];
	if (salt) {
		memcpy(salt, u->salt[cs_id - 1], 14);
		*salt_len = u->prot[cs_id - 1] == 0 ? 14 : 0;
	}
	return 0;
}


uint32_t ua_mikey_ssrc(const struct ua_mikey *u, uint8_t cs_id)
{
	if (!u || cs_id < 1 || cs_id > u->ncs)
		return 0;
	return u->ssrc[cs_id - 1];
}


int ua_mikey_last_error(const struct ua_mikey *u)
{
	return u ? u->last_err : -1;
}


int ua_mikey_cmd(int argc, char *argv[])
{
	struct ua_mikey *u = NULL;
	uint8_t psk[64], *ti = NULL;
	size_t pl = 0, tl = 0, i;
	char b64[8192];
	size_t bl = sizeof(b64);
	int err;

	if (argc != 8 || strcmp(argv[1], "ticket")) {
		re_fprintf(stderr, "usage: mikey ticket UID PSKHEX KMSID IP "
			   "PORT RESPONDER\n");
		return EINVAL;
	}
	for (i = 0; argv[3][2 * i] && argv[3][2 * i + 1] && i < 64; i++) {
		char h[3] = {argv[3][2 * i], argv[3][2 * i + 1], 0};
		psk[i] = (uint8_t)strtoul(h, NULL, 16);
	}
	pl = i;
	err = ua_mikey_alloc(&u, argv[2], psk, pl, argv[4]);
	if (!err)
		err = ua_mikey_ticket(u, argv[5], (uint16_t)atoi(argv[6]),
				      NULL, argv[7]);
	if (!err)
		err = ua_mikey_transfer_init(u, argv[7], 2, 1, 241, &ti, &tl);
	if (!err)
		err = base64_encode(ti, tl, b64, &bl);
	if (!err)
		re_printf("%b\n", b64, bl);
	else
		re_fprintf(stderr, "mikey: %m\n", err);
	free(ti);
	mem_deref(u);
	return err;
}


/* ---- primitives the responder role (mikey_resp.c) shares ---- */

int ua_mikey_https_post(const char *ip, uint16_t port, const uint8_t *fp,
			const uint8_t *body, size_t len, uint8_t **resp,
			size_t *rlen)
{
	return https_post(ip, port, fp, body, len, resp, rlen);
}


int ua_mikey_kdf(const struct ua_suite *su, const uint8_t *key, size_t kl,
		 uint32_t c, const uint8_t *tail, size_t tl, uint8_t *out,
		 size_t ol)
{
	/* derive() holds the label on the stack */
	if (!su || !key || !kl || !out || tl > 1024 - 4)
		return EINVAL;
	derive(su, key, kl, c, tail, tl, out, ol);
	return 0;
}


void ua_mikey_hmac(const struct ua_suite *su, const uint8_t *k,
		   const uint8_t *a, size_t al, uint8_t *out)
{
	vmac(su, k, a, al, NULL, 0, out);
}


void ua_mikey_aes_cm(const struct ua_suite *su, const uint8_t *key,
		     const uint8_t salt[14], uint32_t csb, uint64_t t,
		     uint8_t *buf, size_t len)
{
	aes_cm(su, key, salt, csb, t, buf, len);
}


/*
 * "--mikey UID:PSKHEX:KMSID:KMSIP:KMSPORT:RESPONDER" as the call and
 * subscribe commands take it: a UA with a ticket for RESPONDER (written
 * to peer).  UID and RESPONDER are usually URIs with colons of their
 * own, so the fields are found as the first hex token followed by a KMS
 * ID, an IPv4 address and a port.  kms_fp may be NULL.
 */
int ua_mikey_from_spec(struct ua_mikey **up, const char *spec,
		       const uint8_t *kms_fp, char *peer, size_t peer_sz)
{
	char *buf = NULL, *tok[32], *t, *save = NULL;
	char uid[256], resp[256];
	uint8_t psk[64];
	size_t ntok = 0, i, j, pl = 0;
	struct sa ip;
	int err;

	if (!up || !spec || !peer || !peer_sz)
		return EINVAL;

	err = str_dup(&buf, spec);
	if (err)
		return err;
	err = EINVAL;
	for (t = strtok_r(buf, ":", &save); t && ntok < ARRAY_SIZE(tok);
	     t = strtok_r(NULL, ":", &save))
		tok[ntok++] = t;

	for (i = 1; i + 4 < ntok; i++) {
		size_t l = strlen(tok[i]);
		bool ishex = l >= 2 && l % 2 == 0 && l / 2 <= sizeof(psk);

		for (j = 0; ishex && j < l; j++)
			ishex = NULL != strchr("0123456789abcdefABCDEF",
					       tok[i][j]);
		if (ishex && 0 == sa_set_str(&ip, tok[i + 2], 0) &&
		    atoi(tok[i + 3]) > 0 && atoi(tok[i + 3]) < 65536)
			break;
	}
	if (i + 4 >= ntok) {
		re_fprintf(stderr, "confd-ua: bad --mikey\n");
		goto out;
	}

	uid[0] = resp[0] = '\0';
	for (j = 0; j < i; j++)
		(void)re_snprintf(uid + strlen(uid), sizeof(uid) - strlen(uid),
				  "%s%s", j ? ":" : "", tok[j]);
	for (j = i + 4; j < ntok; j++)
		(void)re_snprintf(resp + strlen(resp),
				  sizeof(resp) - strlen(resp), "%s%s",
				  j > i + 4 ? ":" : "", tok[j]);
	for (j = 0; j < strlen(tok[i]) / 2; j++) {
		char h[3] = {tok[i][2 * j], tok[i][2 * j + 1], 0};
		psk[pl++] = (uint8_t)strtoul(h, NULL, 16);
	}

	err = ua_mikey_alloc(up, uid, psk, pl, tok[i + 1]);
	if (err)
		goto out;
	err = ua_mikey_ticket(*up, tok[i + 2], (uint16_t)atoi(tok[i + 3]),
			      kms_fp, resp);
	if (err) {
		re_fprintf(stderr, "confd-ua: MIKEY ticket from %s:%s: %m "
			   "(MIKEY error %d)\n", tok[i + 2], tok[i + 3], err,
			   ua_mikey_last_error(*up));
		goto out;
	}
	str_ncpy(peer, resp, peer_sz);
 out:
	OPENSSL_cleanse(psk, sizeof(psk));
	OPENSSL_cleanse(buf, strlen(spec));
	mem_deref(buf);
	return err;
}

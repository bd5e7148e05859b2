/**
 * @file mikey_resp.c  Test UA: MIKEY-TICKET responder, written from the RFCs
 *
 * The UE called by the focus: TRANSFER_INIT in, RESOLVE at the KMS,
 * TRANSFER_RESP out (RFC 6043 4.2.2, 4.2.3, 5.1, 5.5).  Its own
 * parser, checks and replay cache; only the PRF, HMAC, AES-CM and the
 * HTTPS POST come from the initiator role (mikey_ua.c).
 *
 * Suites (RFC 6043 12.1): it takes a TRANSFER_INIT in either suite
 * whose V is of its PRF's suite, resolves and answers in that suite,
 * and requires RESOLVE_RESP to be of it too.
 */
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "tests/ua/mikey_ua.h"
#include "tests/ua/mikey_resp.h"


enum { MAXCS = 16, MAXSP = 16, MAXTGK = 4, MAXKEY = 64, MACLEN = 32,
       RANDLEN = 16, SKEW = 300, RC_MAX = 1024, IDMAX = 255 };

/* RFC 3830 6.1 / RFC 6043 6 */
enum { PT_LAST = 0, PT_KEMAC = 1, PT_T = 5, PT_ID = 6, PT_V = 9,
       PT_SP = 10, PT_RAND = 11, PT_ERR = 12, PT_TR = 13, PT_IDR = 14,
       PT_RANDR = 15, PT_TP = 16, PT_TICKET = 17, PT_GEXT = 21 };
enum { DT_ERROR = 6, DT_TRANSFER_INIT = 14, DT_TRANSFER_RESP = 15,
       DT_RESOLVE_INIT_PSK = 16, DT_RESOLVE_RESP = 18 };
enum { MAP_SRTP_ID = 0, MAP_EMPTY = 1, MAP_GENERIC = 2 };
enum { ERR_AUTH = 0, ERR_TS = 1, ERR_PRF = 2, ERR_MAC = 3, ERR_ID = 7,
       ERR_SP = 9, ERR_SPPAR = 10, ERR_UNSPEC = 12, ERR_TICKET = 14,
       ERR_TPPAR = 15 };
enum { KEY_TGK = 0, KEY_TGK_SALT = 1, KEY_GTGK = 4, KEY_GTGK_SALT = 5,
       KEY_MPK = 6 };

/* RFC 3830 4.1.3 / 4.1.4 constants */
#define C_TEK   0x2AD01C64u
#define C_TSALT 0x39A2C14Bu
#define C_ENCR  0x150533E1u
#define C_AUTH  0x2D22AC75u
#define C_SALT  0x29B88916u

/* Ticket Policy flags: bytes 5..7 of the TP/TICKET payload */
#define TP_E(f) ((f)[1] & 0x80)
#define TP_F(f) ((f)[1] & 0x40)
#define TP_G(f) ((f)[1] & 0x20)
#define TP_H(f) ((f)[1] & 0x10)
#define TP_I(f) ((f)[1] & 0x08)
#define TP_L(f) ((f)[1] & 0x01)
#define TP_O(f) ((f)[2] & 0x20)

#define NTP_UNIX 2208988800u


struct span { const uint8_t *p; size_t l; };

struct pcs {
	uint8_t id, prot, s, np;
	struct span ps, sd, spi;
};

/* One parsed message: spans point into the caller's buffer */
struct pmsg {
	const uint8_t *buf;
	size_t len;
	uint8_t dt, vflag, prf, map, ncs;
	uint32_t csb;
	struct pcs cs[MAXCS];
	bool has_t;
	uint8_t ttype;
	uint64_t t;                      /* 64-bit NTP (32-bit types padded) */
	struct span rand[4];             /* RANDR by role; [0] plain RAND */
	struct { bool has; struct span d; } id[6];   /* first IDR by role */
	struct { uint8_t no, prot; struct span par; } sp[MAXSP];
	unsigned nsp;
	struct { bool has; uint64_t t; } tr[5];      /* TR by role */
	struct {
		bool has;
		unsigned type;
		uint8_t sub, ver, prf, f[3];
		struct span body;        /* the payload without its NP byte */
		struct span tpd, td, idata;
		size_t idlen_off;        /* of Initiator Data length */
	} tk;
	struct { bool has; uint8_t encr, mac; struct span data; } kemac;
	struct { bool has; uint8_t alg; size_t mac_off; } v;
	struct { bool has; struct span d; } sdpids;
	struct { bool has; uint8_t no; } err;
};

struct rkey {
	uint8_t type;
	size_t len, salt_len, spi_len;
	uint8_t key[MAXKEY], salt[32], spi[16];
};

struct rcs {
	uint8_t id, prot, s;
	bool has_pol;
	uint8_t pol;                     /* policy no answered */
	struct span sd, spi;             /* as TRANSFER_INIT had them */
	bool has_ssrc;
	uint32_t ssrc;
	size_t tgk;                      /* index into tgk[] */
	size_t key_len, salt_len;
	uint8_t key[MAXKEY], salt[32];
};

struct ua_mikey_resp {
	char uid[IDMAX + 1], kms_id[IDMAX + 1];
	uint8_t psk[64];
	size_t psk_len;
	uint8_t prot_tls, prot_smime;
	int kms_err;
	uint8_t merr;                    /* why we refused, for the Error */
	struct { uint8_t mac[MACLEN]; size_t ml; uint64_t until; } rc[RC_MAX];

	/* the last exchange */
	uint8_t *ti;                     /* TRANSFER_INIT, our copy */
	size_t ti_len;
	struct pmsg tim;                 /* parsed, spans into ti */
	uint32_t csb;
	bool csb_known, accepted;
	uint8_t rr[RANDLEN];             /* our RANDRr */
	struct rkey mpki, mpkr;          /* MPKr: the forked MPKr' */
	struct rkey tgk[MAXTGK];
	size_t ntgk;
	uint8_t idr_type;                /* IDRr the KMS returned */
	uint8_t idr[IDMAX];
	size_t idr_len;
	uint8_t rkms[IDMAX];
	size_t rkms_len;
	char peer[IDMAX + 1];
	struct rcs cs[MAXCS];
	unsigned ncs;
};


/* ---- bytes ---- */

struct w { uint8_t *p; size_t n, cap; int err; };

static void put(struct w *w, const void *d, size_t l)
{
	if (w->err || l > w->cap - w->n) {
		w->err = 1;
		return;
	}
	if (l)
		memcpy(w->p + w->n, d, l);
	w->n += l;
}
static void p8(struct w *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}
static void p16(struct w *w, unsigned v) { p8(w, v >> 8); p8(w, v & 0xff); }
static void p32(struct w *w, uint32_t v)
{
	p16(w, v >> 16);
	p16(w, v & 0xffff);
}
static unsigned g16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t g32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static bool span_eq(struct span a, const char *s)
{
	return a.l == strlen(s) && (a.l == 0 || !memcmp(a.p, s, a.l));
}


static uint64_t ntp_now(void)
{
	return (uint64_t)(uint32_t)((uint64_t)time(NULL) + NTP_UNIX) << 32;
}


/* RFC 4330 eras: seconds with the MSB clear are after 2036 */
static int64_t ntp_unix(uint64_t ntp)
{
	int64_t s = (int64_t)(ntp >> 32);

	if (s < 0x80000000LL)
		s += 0x100000000LL;
	return s - NTP_UNIX;
}


static bool t_fresh(uint64_t ntp)
{
	int64_t d = ntp_unix(ntp) - (int64_t)time(NULL);

	return d <= SKEW && d >= -SKEW;
}


static size_t mac_len(uint8_t alg)
{
	switch (alg) {
	case 0:  return 0;
	case 1:  return 20;                       /* HMAC-SHA-1-160 */
	case 2:  return 32;                       /* HMAC-SHA-256-256 */
	default: return (size_t)-1;
	}
}


/* ---- parser (explicit bounds everywhere) ---- */

static int walk(struct pmsg *m, const uint8_t *b, size_t pos, size_t len,
		unsigned pt)
{
	while (pt != PT_LAST) {
		const uint8_t *p = b + pos;
		size_t left = len - pos, n, ml;

		if (pos > len || left < 2)
			return EPROTO;
		switch (pt) {

		case PT_T:
			n = 2 + (p[1] <= 1 ? 8 : 4);
			if (p[1] > 3 || left < n)
				return EPROTO;
			if (!m->has_t) {
				m->has_t = true;
				m->ttype = p[1];
				m->t = (uint64_t)g32(p + 2) << 32;
				if (p[1] <= 1)
					m->t |= g32(p + 6);
			}
			break;

		case PT_TR:
			if (left < 3)
				return EPROTO;
			n = 3 + (p[2] <= 1 ? 8 : 4);
			if (p[2] > 3 || left < n)
				return EPROTO;
			if (p[1] < 5 && !m->tr[p[1]].has) {
				m->tr[p[1]].has = true;
				m->tr[p[1]].t = (uint64_t)g32(p + 3) << 32;
			}
			break;

		case PT_RAND:
			if (left < 2u + p[1])
				return EPROTO;
			n = 2 + p[1];
			if (!m->rand[0].p)
				m->rand[0] = (struct span){p + 2, p[1]};
			break;

		case PT_RANDR:
			if (left < 3 || left < 3u + p[2])
				return EPROTO;
			n = 3 + p[2];
			if (p[1] >= 1 && p[1] <= 3 && !m->rand[p[1]].p)
				m->rand[p[1]] = (struct span){p + 3, p[2]};
			break;

		case PT_IDR:
			if (left < 5 || left < 5 + g16(p + 3))
				return EPROTO;
			n = 5 + g16(p + 3);
			if (p[2] > 2)             /* NAI, URI, byte string */
				return EPROTO;
			if (p[1] >= 1 && p[1] <= 5 && !m->id[p[1]].has) {
				m->id[p[1]].has = true;
				m->id[p[1]].d = (struct span){p + 5,
					g16(p + 3)};
			}
			break;

		case PT_ID:                       /* RFC 3830: no role */
			if (left < 4 || left < 4 + g16(p + 2))
				return EPROTO;
			n = 4 + g16(p + 2);
			break;

		case PT_SP:
			if (left < 5 || left < 5 + g16(p + 3))
				return EPROTO;
			n = 5 + g16(p + 3);
			if (m->nsp >= MAXSP)
				return ENOTSUP;
			m->sp[m->nsp].no = p[1];
			m->sp[m->nsp].prot = p[2];
			m->sp[m->nsp].par = (struct span){p + 5, g16(p + 3)};
			++m->nsp;
			break;

		case PT_KEMAC:
			if (left < 4 || left < 5 + g16(p + 2))
				return EPROTO;
			n = 4 + g16(p + 2);
			ml = mac_len(p[n]);
			if (ml == (size_t)-1 || left < n + 1 + ml)
				return EPROTO;
			m->kemac.has = true;
			m->kemac.encr = p[1];
			m->kemac.data = (struct span){p + 4, g16(p + 2)};
			m->kemac.mac = p[n];
			n += 1 + ml;
			break;

		case PT_V:
			ml = mac_len(p[1]);
			if (ml == (size_t)-1 || left < 2 + ml)
				return EPROTO;
			n = 2 + ml;
			m->v.has = true;
			m->v.alg = p[1];
			m->v.mac_off = pos + 2;
			if (p[0] != PT_LAST)      /* V is the last payload */
				return EPROTO;
			break;

		case PT_ERR:
			if (left < 4)
				return EPROTO;
			n = 4;
			if (!m->err.has) {
				m->err.has = true;
				m->err.no = p[1];
			}
			break;

		case PT_TP:
		case PT_TICKET: {
			size_t a, c = 0, e = 0;

			if (left < 10)
				return EPROTO;
			a = 10 + g16(p + 8);
			if (left < a)
				return EPROTO;
			n = a;
			if (pt == PT_TICKET) {
				if (left < a + 2)
					return EPROTO;
				c = a + 2 + g16(p + a);
				if (left < c + 2)
					return EPROTO;
				e = c + 2 + g16(p + c);
				if (left < e)
					return EPROTO;
				n = e;
			}
			if (pt == PT_TICKET && !m->tk.has) {
				m->tk.has = true;
				m->tk.type = g16(p + 1);
				m->tk.sub = p[3];
				m->tk.ver = p[4];
				m->tk.prf = p[5] >> 1;
				memcpy(m->tk.f, p + 5, 3);
				m->tk.body = (struct span){p + 1, n - 1};
				m->tk.tpd = (struct span){p + 10, a - 10};
				m->tk.td = (struct span){p + a + 2, c - a - 2};
				m->tk.idata = (struct span){p + c + 2,
					e - c - 2};
				m->tk.idlen_off = pos + c;
			}
			break;
		}

		case PT_GEXT:
			if (left < 4 || left < 4 + g16(p + 2))
				return EPROTO;
			n = 4 + g16(p + 2);
			if (p[1] == 1 && !m->sdpids.has) {   /* SDP IDs */
				m->sdpids.has = true;
				m->sdpids.d = (struct span){p + 4, g16(p + 2)};
			}
			break;

		default:
			return EPROTO;
		}
		pt = p[0];
		pos += n;
	}
	return pos == len ? 0 : EPROTO;
}


static int parse(struct pmsg *m, const uint8_t *b, size_t len)
{
	size_t pos = 10;
	unsigned i;

	memset(m, 0, sizeof(*m));
	if (!b || len < 10 || b[0] != 1)
		return EPROTO;
	m->buf = b;
	m->len = len;
	m->dt = b[1];
	m->vflag = b[3] >> 7;
	m->prf = b[3] & 0x7f;
	m->csb = g32(b + 4);
	m->ncs = b[8];
	m->map = b[9];

	switch (m->map) {

	case MAP_EMPTY:
		if (m->ncs)
			return EPROTO;
		break;

	case MAP_SRTP_ID:                /* Policy no, SSRC, ROC */
		if (len - pos < 9u * m->ncs)
			return EPROTO;
		pos += 9u * m->ncs;
		break;

	case MAP_GENERIC:
		if (m->ncs > MAXCS)
			return ENOTSUP;
		for (i = 0; i < m->ncs; i++) {
			struct pcs *cs = &m->cs[i];
			size_t l;

			if (len - pos < 3)
				return EPROTO;
			cs->id = b[pos];
			cs->prot = b[pos + 1];
			cs->s = b[pos + 2] >> 7;
			cs->np = b[pos + 2] & 0x7f;
			pos += 3;
			if (len - pos < cs->np + 2u)
				return EPROTO;
			cs->ps = (struct span){b + pos, cs->np};
			pos += cs->np;
			l = g16(b + pos);
			pos += 2;
			if (len - pos < l + 1)
				return EPROTO;
			cs->sd = (struct span){b + pos, l};
			pos += l;
			l = b[pos++];
			if (len - pos < l)
				return EPROTO;
			cs->spi = (struct span){b + pos, l};
			pos += l;
		}
		break;

	default:
		return EPROTO;
	}

	return walk(m, b, pos, len, b[2]);
}


/* ---- labels (RFC 6043 5.1.2, 5.1.3) ---- */

static size_t tail_msg(uint8_t *t, size_t cap, uint32_t csb, uint8_t dir,
		       struct span ri, struct span rr)
{
	struct w w = {t, 0, cap, 0};

	p8(&w, 0xff);
	p32(&w, csb);
	p8(&w, dir);
	p8(&w, ri.l);
	put(&w, ri.p, ri.l);
	p8(&w, rr.l);
	put(&w, rr.p, rr.l);
	return w.err ? 0 : w.n;
}


static size_t tail_tek(uint8_t *t, size_t cap, uint8_t cs_id,
		       struct span ri, struct span rr)
{
	struct w w = {t, 0, cap, 0};

	p8(&w, cs_id);
	p32(&w, 0xffffffff);
	p8(&w, 0x03);
	p8(&w, ri.l);
	put(&w, ri.p, ri.l);
	p8(&w, rr.l);
	put(&w, rr.p, rr.l);
	return w.err ? 0 : w.n;
}


/* The suite's V MAC over a || b || c || d (b..d may be empty); key
 * and out are su->mac_len bytes */
static void mac4(const struct ua_suite *su, const uint8_t *key,
		 struct span a, struct span b, struct span c, struct span d,
		 uint8_t *out)
{
	size_t n = a.l + b.l + c.l + d.l, o = 0;
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf) {
		memset(out, 0, su->mac_len);  /* never matches a real MAC */
		return;
	}
#define CAT(s) do { if ((s).l) memcpy(buf + o, (s).p, (s).l); \
		o += (s).l; } while (0)
	CAT(a); CAT(b); CAT(c); CAT(d);
#undef CAT
	ua_mikey_hmac(su, key, buf, n, out);
	free(buf);
}


/* The suite of the exchange: the TRANSFER_INIT's PRF (RFC 6043 12.1);
 * early_checks() refused any other */
static const struct ua_suite *ts(const struct ua_mikey_resp *r)
{
	return ua_mikey_suite(r->tim.prf);
}


static const struct span none = {NULL, 0};


static struct span sstr(const char *s)
{
	return (struct span){(const uint8_t *)s, strlen(s)};
}


static void idr(struct w *w, uint8_t np, uint8_t role, uint8_t type,
		const void *d, size_t l)
{
	p8(w, np);
	p8(w, role);
	p8(w, type);
	p16(w, l);
	put(w, d, l);
}


static uint8_t id_type(const char *id)
{
	return strchr(id, ':') ? 1 : 2;          /* DESIGN.md: URI or bytes */
}


/* ---- replay cache: the V MAC of each accepted TRANSFER_INIT ---- */

static bool rc_seen(const struct ua_mikey_resp *r, const uint8_t *mac,
		    size_t ml)
{
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	for (i = 0; i < RC_MAX; i++) {
		if (r->rc[i].until >= now && r->rc[i].ml == ml &&
		    !CRYPTO_memcmp(r->rc[i].mac, mac, ml))
			return true;
	}
	return false;
}


static int rc_add(struct ua_mikey_resp *r, const uint8_t *mac, size_t ml,
		  uint64_t t)
{
	uint64_t now = (uint64_t)time(NULL);
	size_t i;

	for (i = 0; i < RC_MAX && ml <= MACLEN; i++) {
		if (r->rc[i].until < now) {
			memcpy(r->rc[i].mac, mac, ml);
			r->rc[i].ml = ml;
			/* after T + window the timestamp check refuses it */
			r->rc[i].until = (uint64_t)ntp_unix(t) + SKEW + 1;
			return 0;
		}
	}
	return ENOSPC;     /* full of live entries: refuse, never forget */
}


/* ---- policies ---- */

/* RFC 3830 6.10.1 parameters we can key: AES-CM-128, HMAC-SHA-1,
 * encryption and authentication on */
static int srtp_pol(struct span par, size_t *kl, size_t *sl)
{
	size_t i = 0;

	*kl = 16;
	*sl = 14;
	while (i < par.l) {
		unsigned type, l, v;

		if (par.l - i < 2 || par.l - i - 2 < par.p[i + 1])
			return EPROTO;
		type = par.p[i];
		l = par.p[i + 1];
		v = l == 1 ? par.p[i + 2] : 0xffff;
		switch (type) {
		case 0:  if (v != 1) return ENOTSUP; break;      /* AES-CM */
		case 1:  if (v != 16) return ENOTSUP; *kl = v; break;
		case 2:  if (v != 1) return ENOTSUP; break;      /* SHA-1 */
		case 3:  if (v != 20) return ENOTSUP; break;
		case 4:  if (v != 14) return ENOTSUP; *sl = v; break;
		case 5:  if (v != 0) return ENOTSUP; break;
		case 7: case 8: case 10:
			if (v != 1) return ENOTSUP;
			break;
		case 11: if (v != 4 && v != 10) return ENOTSUP; break;
		default: break;             /* KDR, FEC order, prefix */
		}
		i += 2 + l;
	}
	return 0;
}


static const uint8_t srtp_default[] = {
	0, 1, 1,  1, 1, 16,  2, 1, 1,  3, 1, 20,  4, 1, 14,  5, 1, 0,
	7, 1, 1,  8, 1, 1,  10, 1, 1,  11, 1, 10
};


static bool prot_known(const struct ua_mikey_resp *r, uint8_t prot)
{
	return prot == 0 || prot == r->prot_tls || prot == r->prot_smime;
}


/* Pick each CS's policy among those offered (RFC 6043 6.1.1) */
static int cs_policies(struct ua_mikey_resp *r, const struct pmsg *m)
{
	unsigned i, j, k;

	for (i = 0; i < m->ncs; i++) {
		const struct pcs *c = &m->cs[i];
		struct rcs *rc = &r->cs[i];

		for (k = 0; k < i; k++) {
			if (m->cs[k].id == c->id)
				return EPROTO;
		}
		if (!c->id || !prot_known(r, c->prot)) {
			r->merr = ERR_SP;
			return ENOTSUP;
		}
		memset(rc, 0, sizeof(*rc));
		rc->id = c->id;
		rc->prot = c->prot;
		rc->s = c->s;
		rc->sd = c->sd;
		rc->spi = c->spi;
		if (c->prot == 0) {
			rc->key_len = 16;
			rc->salt_len = 14;
		}
		else {
			rc->key_len = c->prot == r->prot_smime ? 16 : 0;
		}
		if (c->prot == 0 && c->sd.l >= 4) {
			rc->has_ssrc = true;
			rc->ssrc = g32(c->sd.p);
		}

		/* #P = 0: we answer with a policy of our own (pol 0) */
		for (j = 0; j < c->np && !rc->has_pol; j++) {
			const uint8_t no = c->ps.p[j];
			size_t kl, sl;

			for (k = 0; k < m->nsp; k++) {
				if (m->sp[k].no == no)
					break;
			}
			if (k == m->nsp || m->sp[k].prot != c->prot) {
				r->merr = ERR_SP;
				return EPROTO;
			}
			if (c->prot != 0) {
				/* TLS, PSK S/MIME: no parameters */
				rc->pol = no;
				rc->has_pol = true;
				break;
			}
			if (srtp_pol(m->sp[k].par, &kl, &sl) == 0) {
				rc->pol = no;
				rc->has_pol = true;
				rc->key_len = kl;
				rc->salt_len = sl;
			}
		}
		if (c->np && !rc->has_pol) {
			r->merr = ERR_SPPAR;
			return ENOTSUP;
		}
	}
	r->ncs = m->ncs;
	return 0;
}


/* ---- the responder ---- */

static void exchange_wipe(struct ua_mikey_resp *r)
{
	free(r->ti);
	r->ti = NULL;
	r->ti_len = 0;
	memset(&r->tim, 0, sizeof(r->tim));
	OPENSSL_cleanse(&r->mpki, sizeof(r->mpki));
	OPENSSL_cleanse(&r->mpkr, sizeof(r->mpkr));
	OPENSSL_cleanse(r->tgk, sizeof(r->tgk));
	OPENSSL_cleanse(r->cs, sizeof(r->cs));
	OPENSSL_cleanse(r->rr, sizeof(r->rr));
	r->ntgk = 0;
	r->ncs = 0;
	r->accepted = false;
	r->csb_known = false;
	r->peer[0] = 0;
	r->idr_len = 0;
	r->rkms_len = 0;
}


static void destructor(void *arg)
{
	struct ua_mikey_resp *r = arg;

	exchange_wipe(r);
	OPENSSL_cleanse(r->psk, sizeof(r->psk));
}


int ua_mikey_resp_alloc(struct ua_mikey_resp **rp, const char *uid,
			const uint8_t *psk, size_t psk_len,
			const char *kms_id)
{
	struct ua_mikey_resp *r;

	if (!rp || !uid || !psk || !psk_len || psk_len > sizeof(r->psk) ||
	    !kms_id || strlen(uid) > IDMAX || strlen(kms_id) > IDMAX)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;
	str_ncpy(r->uid, uid, sizeof(r->uid));
	str_ncpy(r->kms_id, kms_id, sizeof(r->kms_id));
	memcpy(r->psk, psk, psk_len);
	r->psk_len = psk_len;
	r->prot_tls = 241;
	r->prot_smime = 242;
	r->kms_err = -1;
	*rp = r;
	return 0;
}


void ua_mikey_resp_set_prot(struct ua_mikey_resp *r, uint8_t tls,
			    uint8_t smime)
{
	if (!r)
		return;
	r->prot_tls = tls;
	r->prot_smime = smime;
}


/* RFC 6043 4.2.2.2: what can be checked before the KMS is asked */
static int early_checks(struct ua_mikey_resp *r, const char *sdp_ids)
{
	const struct pmsg *m = &r->tim;
	struct pmsg tpd;
	int err;

	r->merr = ERR_UNSPEC;
	if (m->dt != DT_TRANSFER_INIT || m->map != MAP_GENERIC || !m->ncs ||
	    !m->has_t || !m->v.has || !m->tk.has ||
	    m->rand[1].l < RANDLEN)
		return EPROTO;
	if (!ua_mikey_suite(m->prf)) {
		r->merr = ERR_PRF;
		return ENOTSUP;
	}
	/* one suite per message: V of the PRF's suite (RFC 6043 12.1) */
	if (m->v.alg != ts(r)->mac) {
		r->merr = ERR_MAC;
		return ENOTSUP;
	}
	if (m->ttype == 2 || !t_fresh(m->t)) {   /* no COUNTER here */
		r->merr = ERR_TS;
		return ETIMEDOUT;
	}
	if (rc_seen(r, m->buf + m->v.mac_off, ts(r)->mac_len)) {
		r->merr = ERR_TS;
		return EALREADY;
	}

	/* the Ticket Policy: a MIKEY base ticket we can process */
	if (m->tk.type != 1 || m->tk.sub != 1 || m->tk.ver != 1) {
		r->merr = ERR_TICKET;
		return ENOTSUP;
	}
	r->merr = ERR_TPPAR;
	if (m->tk.prf != m->prf || !TP_O(m->tk.f) ||
	    (!TP_G(m->tk.f) && !TP_H(m->tk.f)))
		return ENOTSUP;
	/* Initiator Data iff key forking (6.10): Vi, Vr */
	if (TP_I(m->tk.f) ? m->tk.idata.l != 1 + 2 * (2 + ts(r)->mac_len)
			  : m->tk.idata.l != 0)
		return EPROTO;
	/* initiator-supplied keys: not in this profile */
	if (m->kemac.has)
		return TP_L(m->tk.f) ? ENOTSUP : EPROTO;

	if (!m->tk.tpd.l)
		return EPROTO;
	memset(&tpd, 0, sizeof(tpd));
	err = walk(&tpd, m->tk.tpd.p, 1, m->tk.tpd.l, m->tk.tpd.p[0]);
	if (err)
		return err;
	if ((tpd.tr[2].has &&
	     ntp_unix(tpd.tr[2].t) > (int64_t)time(NULL) + SKEW) ||
	    (tpd.tr[3].has &&
	     ntp_unix(tpd.tr[3].t) + SKEW < (int64_t)time(NULL)))
		return ETIMEDOUT;                /* ticket not valid now */
	if (tpd.id[1].has && tpd.id[1].d.l <= IDMAX &&
	    !memchr(tpd.id[1].d.p, 0, tpd.id[1].d.l)) {
		memcpy(r->peer, tpd.id[1].d.p, tpd.id[1].d.l);
		r->peer[tpd.id[1].d.l] = 0;
	}

	err = cs_policies(r, m);
	if (err)
		return err;

	/* RFC 4567 "SDP IDs": check it when present */
	if (sdp_ids && m->sdpids.has && !span_eq(m->sdpids.d, sdp_ids)) {
		r->merr = ERR_UNSPEC;
		return EPROTO;
	}
	return 0;
}


/* Key data sub-payloads (RFC 3830 6.13): MPKi, [MPKr'], TGKs */
static int keys_take(struct ua_mikey_resp *r, const uint8_t *kd, size_t len,
		     bool fork)
{
	size_t pos = 0, nmpk = 0;
	unsigned np = 1;

	while (np) {
		struct rkey k;
		unsigned kv;
		size_t l;

		memset(&k, 0, sizeof(k));
		if (len - pos < 4)
			return EPROTO;
		np = kd[pos];
		k.type = kd[pos + 1] >> 4;
		kv = kd[pos + 1] & 0x0f;
		l = g16(kd + pos + 2);
		pos += 4;
		if (len - pos < l || l == 0 || l > MAXKEY)
			return EPROTO;
		memcpy(k.key, kd + pos, l);
		k.len = l;
		pos += l;
		if (k.type & 1) {                 /* ...+SALT */
			if (len - pos < 2)
				return EPROTO;
			l = g16(kd + pos);
			pos += 2;
			if (len - pos < l || l > sizeof(k.salt))
				return EPROTO;
			memcpy(k.salt, kd + pos, l);
			k.salt_len = l;
			pos += l;
		}
		if (kv == 1) {                    /* SPI/MKI */
			if (len - pos < 1 || len - pos - 1 < kd[pos] ||
			    kd[pos] > sizeof(k.spi))
				return EPROTO;
			k.spi_len = kd[pos];
			memcpy(k.spi, kd + pos + 1, k.spi_len);
			pos += 1 + k.spi_len;
		}
		else if (kv == 2) {               /* interval: VF, VT */
			if (len - pos < 1 || len - pos - 1 < kd[pos])
				return EPROTO;
			pos += 1 + kd[pos];
			if (len - pos < 1 || len - pos - 1 < kd[pos])
				return EPROTO;
			pos += 1 + kd[pos];
		}
		else if (kv != 0) {
			return EPROTO;
		}

		switch (k.type) {
		case KEY_MPK:
			if (nmpk == 0)
				r->mpki = k;
			else if (nmpk == 1 && fork)
				r->mpkr = k;
			else
				return EPROTO;
			++nmpk;
			break;
		case KEY_TGK: case KEY_TGK_SALT:
		case KEY_GTGK: case KEY_GTGK_SALT:
			if (r->ntgk >= MAXTGK)
				return ENOTSUP;
			r->tgk[r->ntgk++] = k;
			break;
		default:
			return ENOTSUP;               /* TEKs from the KMS */
		}
		OPENSSL_cleanse(&k, sizeof(k));
	}
	if (pos != len || nmpk != (fork ? 2u : 1u) || !r->ntgk)
		return EPROTO;
	return 0;
}


/* RESOLVE_INIT_PSK -> RESOLVE_RESP (RFC 6043 4.2.3) */
static int resolve(struct ua_mikey_resp *r, const char *ip, uint16_t port,
		   const uint8_t *fp)
{
	const struct pmsg *ti = &r->tim;
	const struct ua_suite *su = ts(r);
	uint8_t buf[8192], tail[600], auth[32], encr[32], salt[14], mac[32];
	uint8_t *resp = NULL, *kd = NULL, *np;
	struct w w = {buf, 0, sizeof(buf), 0};
	struct span rr = {r->rr, RANDLEN};
	struct pmsg m;
	uint32_t csb;
	size_t tl, rl = 0, mac_off;
	int err;

	RAND_bytes((uint8_t *)&csb, sizeof(csb));
	memset(mac, 0, sizeof(mac));

	/* HDR, T, RANDRr, IDRr, IDRkms, TICKET, V; V flag 1, Empty map */
	p8(&w, 1); p8(&w, DT_RESOLVE_INIT_PSK); np = &buf[w.n]; p8(&w, 0);
	p8(&w, 0x80 | su->prf); p32(&w, csb); p8(&w, 0);
	p8(&w, MAP_EMPTY);
	*np = PT_T;
	p8(&w, PT_RANDR); p8(&w, 0);
	p32(&w, ntp_now() >> 32); p32(&w, 0);
	p8(&w, PT_IDR); p8(&w, 2); p8(&w, RANDLEN); put(&w, r->rr, RANDLEN);
	idr(&w, PT_IDR, 2, id_type(r->uid), r->uid, strlen(r->uid));
	idr(&w, PT_TICKET, 3, id_type(r->kms_id), r->kms_id,
	    strlen(r->kms_id));
	/* the ticket as it came, Initiator Data included: the KMS checks
	 * Vr with MPKr (4.2.3.4) */
	p8(&w, PT_V); put(&w, ti->tk.body.p, ti->tk.body.l);
	p8(&w, PT_LAST); p8(&w, su->mac);
	mac_off = w.n;
	put(&w, mac, su->mac_len);
	if (w.err)
		return ENOMEM;

	/* RESOLVE_INIT || Identity_r || Identity_kms (5.5) */
	tl = tail_msg(tail, sizeof(tail), csb, 0x01, none, rr);
	ua_mikey_kdf(su, r->psk, r->psk_len, C_AUTH, tail, tl, auth,
		     su->mac_len);
	mac4(su, auth, (struct span){buf, mac_off}, sstr(r->uid),
	     sstr(r->kms_id), none, buf + mac_off);

	err = ua_mikey_https_post(ip, port, fp, buf, w.n, &resp, &rl);
	if (err)
		goto out;

	r->merr = ERR_UNSPEC;
	err = parse(&m, resp, rl);
	if (err)
		goto out;
	if (m.dt == DT_ERROR) {
		r->kms_err = m.err.has ? m.err.no : ERR_UNSPEC;
		err = ECONNREFUSED;
		goto out;
	}
	err = EPROTO;
	if (m.dt != DT_RESOLVE_RESP || m.csb != csb || m.map != MAP_EMPTY ||
	    !m.has_t || !m.v.has || !m.kemac.has)
		goto out;
	/* in the suite we asked in (RFC 6043 12.1) */
	if (m.prf != su->prf || m.v.alg != su->mac) {
		err = ENOTSUP;
		goto out;
	}

	/* RESOLVE_RESP || RESOLVE_INIT, key from our PSK, direction 2 */
	tl = tail_msg(tail, sizeof(tail), csb, 0x02, none, rr);
	ua_mikey_kdf(su, r->psk, r->psk_len, C_AUTH, tail, tl, auth,
		     su->mac_len);
	mac4(su, auth, (struct span){resp, m.v.mac_off},
	     (struct span){buf, w.n}, none, none, mac);
	if (CRYPTO_memcmp(mac, resp + m.v.mac_off, su->mac_len)) {
		r->merr = ERR_AUTH;
		err = EACCES;
		goto out;
	}
	/* authentic from here on */
	if (m.ttype == 2 || !t_fresh(m.t)) {
		r->merr = ERR_TS;
		err = ETIMEDOUT;
		goto out;
	}
	if (m.id[3].has && !span_eq(m.id[3].d, r->kms_id)) {
		r->merr = ERR_ID;
		err = EPERM;
		goto out;
	}
	if (m.kemac.encr != su->encr || m.kemac.mac != 0 ||
	    !m.kemac.data.l) {
		err = ENOTSUP;
		goto out;
	}

	ua_mikey_kdf(su, r->psk, r->psk_len, C_ENCR, tail, tl, encr,
		     su->key_len);
	ua_mikey_kdf(su, r->psk, r->psk_len, C_SALT, tail, tl, salt, 14);
	kd = malloc(m.kemac.data.l);
	if (!kd) {
		err = ENOMEM;
		goto out;
	}
	memcpy(kd, m.kemac.data.p, m.kemac.data.l);
	/* the IV takes the T of the message carrying the KEMAC */
	ua_mikey_aes_cm(su, encr, salt, csb, m.t, kd, m.kemac.data.l);
	err = keys_take(r, kd, m.kemac.data.l, TP_I(ti->tk.f));
	OPENSSL_cleanse(kd, m.kemac.data.l);
	if (err)
		goto out;

	/* the modifier of the forked keys: IDRr and RANDRkms */
	if (TP_I(ti->tk.f)) {
		err = EPROTO;
		if (!m.id[2].has || !m.id[2].d.l || m.id[2].d.l > IDMAX ||
		    !m.rand[3].l)
			goto out;
		r->idr_type = m.id[2].d.p[-3];   /* ID Type of that IDR */
		memcpy(r->idr, m.id[2].d.p, m.id[2].d.l);
		r->idr_len = m.id[2].d.l;
		memcpy(r->rkms, m.rand[3].p, m.rand[3].l);
		r->rkms_len = m.rand[3].l;
	}
	err = 0;

 out:
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(encr, sizeof(encr));
	OPENSSL_cleanse(salt, sizeof(salt));
	free(kd);
	free(resp);
	return err;
}


/* TRANSFER_INIT with MPKi, and Vi against V (RFC 6043 4.2.3.6, 5.5) */
static int verify_ti(struct ua_mikey_resp *r)
{
	const struct pmsg *m = &r->tim;
	const struct ua_suite *su = ts(r);
	uint8_t tail[600], auth[32], mac[32];
	struct span idi, idr_, ri = m->rand[1];
	size_t tl, after, ml = su->mac_len;

	if (m->id[1].has)
		idi = m->id[1].d;
	else if (r->peer[0])
		idi = sstr(r->peer);
	else
		return EPROTO;
	idr_ = m->id[2].has ? m->id[2].d : sstr(r->uid);

	tl = tail_msg(tail, sizeof(tail), m->csb, 0x01, ri, none);
	if (!tl)
		return EPROTO;
	ua_mikey_kdf(su, r->mpki.key, r->mpki.len, C_AUTH, tail, tl, auth,
		     ml);

	/* not covered: Initiator Data length and Initiator Data */
	after = m->tk.idlen_off + 2 + m->tk.idata.l;
	mac4(su, auth, (struct span){m->buf, m->tk.idlen_off},
	     (struct span){m->buf + after, m->v.mac_off - after}, idi, idr_,
	     mac);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (CRYPTO_memcmp(mac, m->buf + m->v.mac_off, ml)) {
		r->merr = ERR_AUTH;
		return EACCES;
	}

	if (TP_I(m->tk.f)) {
		/* Initiator Data = First Payload (V), Vi, Vr; Vi's Next
		 * Payload is V, or Last from some peers (DESIGN.md) */
		const uint8_t *id = m->tk.idata.p;

		if (id[0] != PT_V || (id[1] != PT_V && id[1] != PT_LAST) ||
		    id[2] != m->v.alg ||
		    CRYPTO_memcmp(id + 3, m->buf + m->v.mac_off, ml)) {
			r->merr = ERR_AUTH;
			return EACCES;
		}
	}

	/* the identity the KMS vouches for must be the one claimed */
	if (m->id[1].has && r->peer[0] && !span_eq(m->id[1].d, r->peer)) {
		r->merr = ERR_ID;
		return EPERM;
	}
	return 0;
}


/* TEK and SRTP salt of each CS from its TGK' (RFC 6043 5.1.3) */
static int derive_teks(struct ua_mikey_resp *r)
{
	const struct pmsg *m = &r->tim;
	struct span ri = TP_H(m->tk.f) ? m->rand[1] : none;
	struct span rr = TP_G(m->tk.f) ? (struct span){r->rr, RANDLEN} : none;
	uint8_t tail[600];
	unsigned i;
	size_t k, tl;

	for (i = 0; i < r->ncs; i++) {
		struct rcs *c = &r->cs[i];
		const struct rkey *g = NULL;

		/* the TGK the CS's SPI names; none named: the first */
		for (k = 0; k < r->ntgk && c->spi.l; k++) {
			if (r->tgk[k].spi_len == c->spi.l &&
			    !memcmp(r->tgk[k].spi, c->spi.p, c->spi.l)) {
				g = &r->tgk[k];
				break;
			}
		}
		if (!c->spi.l) {
			k = 0;
			g = &r->tgk[0];
		}
		if (!g)
			return EPROTO;
		c->tgk = k;
		if (!c->key_len)
			c->key_len = g->len;    /* TLS: as long as the TGK */
		if (c->key_len > sizeof(c->key))
			return ENOTSUP;

		tl = tail_tek(tail, sizeof(tail), c->id, ri, rr);
		if (!tl)
			return EPROTO;
		ua_mikey_kdf(ts(r), g->key, g->len, C_TEK, tail, tl, c->key,
			     c->key_len);
		if (!c->salt_len)
			continue;
		if (g->salt_len >= c->salt_len)   /* a carried salt wins */
			memcpy(c->salt, g->salt, c->salt_len);
		else
			ua_mikey_kdf(ts(r), g->key, g->len, C_TSALT, tail, tl,
				     c->salt, c->salt_len);
	}
	return 0;
}


int ua_mikey_resp_transfer_init(struct ua_mikey_resp *r, const char *ip,
				uint16_t port, const uint8_t *fp,
				const uint8_t *ti, size_t len,
				const char *sdp_ids)
{
	int err;

	if (!r || !ip || !ti || !len)
		return EINVAL;

	exchange_wipe(r);
	r->kms_err = -1;
	r->merr = ERR_UNSPEC;
	r->ti = malloc(len);
	if (!r->ti)
		return ENOMEM;
	memcpy(r->ti, ti, len);
	r->ti_len = len;
	if (len >= 8) {             /* for an Error message, even if bad */
		r->csb = g32(ti + 4);
		r->csb_known = true;
	}

	err = parse(&r->tim, r->ti, r->ti_len);
	if (!err)
		err = early_checks(r, sdp_ids);
	if (err)
		goto out;

	RAND_bytes(r->rr, sizeof(r->rr));
	err = resolve(r, ip, port, fp);
	if (!err)
		err = verify_ti(r);
	if (!err)
		err = derive_teks(r);
	/* only verified messages enter the cache (RFC 3830 5.4) */
	if (!err)
		err = rc_add(r, r->tim.buf + r->tim.v.mac_off,
			     ts(r)->mac_len, r->tim.t);
 out:
	if (err) {
		uint32_t csb = r->csb;
		bool known = r->csb_known;
		uint8_t merr = r->merr;

		exchange_wipe(r);
		r->csb = csb;
		r->csb_known = known;
		r->merr = merr;
		return err;
	}
	r->accepted = true;
	return 0;
}


int ua_mikey_resp_set_ssrc(struct ua_mikey_resp *r, uint8_t cs_id,
			   uint32_t ssrc)
{
	unsigned i;

	if (!r || !r->accepted)
		return EINVAL;
	for (i = 0; i < r->ncs; i++) {
		struct rcs *c = &r->cs[i];

		if (c->id != cs_id)
			continue;
		if (c->prot != 0 || c->sd.l)
			return EINVAL;   /* not ours to give */
		c->ssrc = ssrc;
		c->has_ssrc = true;
		return 0;
	}
	return ENOENT;
}


int ua_mikey_resp_transfer_resp(struct ua_mikey_resp *r, uint8_t **msgp,
				size_t *lenp)
{
	const struct pmsg *ti;
	uint8_t buf[4096], tail[600], auth[32], *np;
	struct w w = {buf, 0, sizeof(buf), 0};
	uint8_t newpol[256] = {0};       /* policy no we add, per prot */
	unsigned i, k, next = 0;
	struct span rr = {r ? r->rr : NULL, RANDLEN};
	const struct rkey *mpk;
	size_t tl, mac_off;

	if (!r || !r->accepted || !msgp || !lenp)
		return EINVAL;
	ti = &r->tim;
	if (!TP_F(ti->tk.f))
		return EPERM;          /* F = 0: no TRANSFER_RESP (6.10) */

	/* fresh policy numbers for the CSs whose #P was 0 */
	for (k = 0; k < ti->nsp; k++)
		next = ti->sp[k].no > next ? ti->sp[k].no : next;
	for (i = 0; i < r->ncs; i++) {
		struct rcs *c = &r->cs[i];

		if (c->has_pol)
			continue;
		if (!newpol[c->prot]) {
			if (next >= 255)
				return ENOSPC;
			newpol[c->prot] = (uint8_t)++next;
		}
		c->pol = newpol[c->prot];
		c->has_pol = true;
	}

	/* HDR as TRANSFER_INIT's, V = 0, #P = 1 each (4.2.2.3) */
	p8(&w, 1); p8(&w, DT_TRANSFER_RESP); np = &buf[w.n]; p8(&w, 0);
	p8(&w, ti->prf); p32(&w, ti->csb); p8(&w, r->ncs);
	p8(&w, MAP_GENERIC);
	for (i = 0; i < r->ncs; i++) {
		struct rcs *c = &r->cs[i];

		p8(&w, c->id); p8(&w, c->prot);
		p8(&w, (c->sd.l ? c->s : 0) << 7 | 1); p8(&w, c->pol);
		if (c->sd.l) {
			p16(&w, c->sd.l);
			put(&w, c->sd.p, c->sd.l);
		}
		else if (c->prot == 0) {
			/* SRTP Session Data is ours to supply: our SSRC,
			 * random unless set (RFC 3550 8.1) */
			while (!c->has_ssrc || !c->ssrc) {
				RAND_bytes((uint8_t *)&c->ssrc, 4);
				c->has_ssrc = true;
			}
			p16(&w, 4); p32(&w, c->ssrc);
		}
		else {
			p16(&w, 0);
		}
		if (c->spi.l) {
			p8(&w, c->spi.l);
			put(&w, c->spi.p, c->spi.l);
		}
		else {
			const struct rkey *g = &r->tgk[c->tgk];

			p8(&w, g->spi_len);
			put(&w, g->spi, g->spi_len);
		}
	}

	*np = PT_T; np = &buf[w.n];
	p8(&w, 0); p8(&w, 0); p32(&w, ntp_now() >> 32); p32(&w, 0);
	if (TP_G(ti->tk.f)) {
		*np = PT_RANDR; np = &buf[w.n];
		p8(&w, 0); p8(&w, 2); p8(&w, RANDLEN); put(&w, r->rr, RANDLEN);
	}
	if (r->idr_len) {                  /* the same IDRr as the KMS's */
		*np = PT_IDR; np = &buf[w.n];
		idr(&w, 0, 2, r->idr_type, r->idr, r->idr_len);
	}
	if (r->rkms_len) {
		*np = PT_RANDR; np = &buf[w.n];
		p8(&w, 0); p8(&w, 3); p8(&w, r->rkms_len);
		put(&w, r->rkms, r->rkms_len);
	}
	for (k = 0; k < 256; k++) {
		bool srtp = k == 0;

		if (!newpol[k])
			continue;
		/* SRTP: the profile we key; others: one empty policy
		 * (DESIGN.md, #P=0 for TLS) */
		*np = PT_SP; np = &buf[w.n];
		p8(&w, 0); p8(&w, newpol[k]); p8(&w, k);
		p16(&w, srtp ? sizeof(srtp_default) : 0);
		if (srtp)
			put(&w, srtp_default, sizeof(srtp_default));
	}
	/* V in the TRANSFER_INIT's suite (RFC 6043 12.1) */
	*np = PT_V;
	p8(&w, PT_LAST); p8(&w, ts(r)->mac);
	mac_off = w.n;
	put(&w, auth, ts(r)->mac_len);
	if (w.err)
		return ENOMEM;

	/* TRANSFER_RESP || TRANSFER_INIT, key from MPKr' when forked */
	mpk = TP_I(ti->tk.f) ? &r->mpkr : &r->mpki;
	tl = tail_msg(tail, sizeof(tail), ti->csb, 0x02, ti->rand[1],
		      TP_G(ti->tk.f) ? rr : none);
	if (!tl)
		return EPROTO;
	ua_mikey_kdf(ts(r), mpk->key, mpk->len, C_AUTH, tail, tl, auth,
		     ts(r)->mac_len);
	mac4(ts(r), auth, (struct span){buf, mac_off},
	     (struct span){r->ti, r->ti_len}, none, none, buf + mac_off);
	OPENSSL_cleanse(auth, sizeof(auth));

	*msgp = malloc(w.n);
	if (!*msgp)
		return ENOMEM;
	memcpy(*msgp, buf, w.n);
	*lenp = w.n;
	return 0;
}


int ua_mikey_resp_error(struct ua_mikey_resp *r, uint8_t **msgp,
			size_t *lenp)
{
	uint8_t buf[64];
	struct w w = {buf, 0, sizeof(buf), 0};

	if (!r || !r->csb_known || !msgp || !lenp)
		return EINVAL;
	/* HDR, T, ERR: the CSB ID of the refused message, V = 0 */
	p8(&w, 1); p8(&w, DT_ERROR); p8(&w, PT_T);
	p8(&w, ua_mikey_suite(r->tim.prf) ? r->tim.prf : 1);
	p32(&w, r->csb); p8(&w, 0); p8(&w, MAP_EMPTY);
	p8(&w, PT_ERR); p8(&w, 0); p32(&w, ntp_now() >> 32); p32(&w, 0);
	p8(&w, PT_LAST); p8(&w, r->merr); p16(&w, 0);
	*msgp = malloc(w.n);
	if (!*msgp)
		return ENOMEM;
	memcpy(*msgp, buf, w.n);
	*lenp = w.n;
	return 0;
}


int ua_mikey_resp_tek(const struct ua_mikey_resp *r, uint8_t cs_id,
		      uint8_t *key, size_t *key_len, uint8_t *salt,
		      size_t *salt_len)
{
	unsigned i;

	if (!r || !r->accepted || !key || !key_len)
		return EINVAL;
	for (i = 0; i < r->ncs; i++) {
		const struct rcs *c = &r->cs[i];

		if (c->id != cs_id)
			continue;
		memcpy(key, c->key, c->key_len);
		*key_len = c->key_len;
		if (salt && salt_len) {
			memcpy(salt, c->salt, c->salt_len);
			*salt_len = c->salt_len;
		}
		return 0;
	}
	return ENOENT;
}


uint32_t ua_mikey_resp_ssrc(const struct ua_mikey_resp *r, uint8_t cs_id)
{
	unsigned i;

	if (!r || !r->accepted)
		return 0;
	for (i = 0; i < r->ncs; i++) {
		if (r->cs[i].id == cs_id && r->cs[i].has_ssrc)
			return r->cs[i].ssrc;
	}
	return 0;
}


const char *ua_mikey_resp_peer_id(const struct ua_mikey_resp *r)
{
	return r && r->accepted && r->peer[0] ? r->peer : NULL;
}


int ua_mikey_resp_kms_error(const struct ua_mikey_resp *r)
{
	return r ? r->kms_err : -1;
}

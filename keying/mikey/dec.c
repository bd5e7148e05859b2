/**
 * @file dec.c  MIKEY payload decoder (RFC 3830 6, RFC 6043 6)
 *
 * MIKEY payloads carry no common length field: each payload's size
 * follows from its own fields, so every field is read through rd_*()
 * helpers that check the bytes left first.  A payload type whose size
 * we cannot compute stops the walk with EPROTO.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"


struct rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
};


static inline bool rd_has(const struct rd *r, size_t n)
{
	return r->len - r->pos >= n;
}


static int rd_u8(struct rd *r, uint8_t *v)
{
	if (!rd_has(r, 1))
		return EPROTO;
	*v = r->p[r->pos++];
	return 0;
}


static int rd_u16(struct rd *r, uint16_t *v)
{
	if (!rd_has(r, 2))
		return EPROTO;
	*v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return 0;
}


static int rd_u32(struct rd *r, uint32_t *v)
{
	if (!rd_has(r, 4))
		return EPROTO;
	*v = (uint32_t)r->p[r->pos] << 24 | (uint32_t)r->p[r->pos + 1] << 16 |
		(uint32_t)r->p[r->pos + 2] << 8 | r->p[r->pos + 3];
	r->pos += 4;
	return 0;
}


static int rd_bytes(struct rd *r, size_t n, struct mikey_bytes *b)
{
	if (!rd_has(r, n))
		return EPROTO;
	b->p = r->p + r->pos;
	b->l = n;
	r->pos += n;
	return 0;
}


static int rd_copy(struct rd *r, size_t n, uint8_t *dst)
{
	if (!rd_has(r, n))
		return EPROTO;
	memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return 0;
}


size_t mikey_mac_len(uint8_t alg)
{
	switch (alg) {
	case MIKEY_MAC_NULL:            return 0;
	case MIKEY_MAC_HMAC_SHA1_160:   return 20;
	case MIKEY_MAC_HMAC_SHA256_256: return 32;
	default:                        return (size_t)-1;
	}
}


static int dec_ts(struct rd *r, uint8_t type, struct mikey_ts *t)
{
	uint32_t hi, lo;
	int err;

	t->type = type;
	switch (type) {

	case MIKEY_TS_NTP_UTC:
	case MIKEY_TS_NTP:
		err  = rd_u32(r, &hi);
		err |= rd_u32(r, &lo);
		if (err)
			return EPROTO;
		t->ntp = (uint64_t)hi << 32 | lo;
		return 0;

	case MIKEY_TS_COUNTER:           /* padded with leading zeros */
		if (rd_u32(r, &lo))
			return EPROTO;
		t->ntp = lo;
		return 0;

	case MIKEY_TS_NTP_UTC_32:        /* zero fractional part */
		if (rd_u32(r, &hi))
			return EPROTO;
		t->ntp = (uint64_t)hi << 32;
		return 0;

	default:
		return EPROTO;
	}
}


static int dec_map(struct rd *r, struct mikey_hdr *h)
{
	size_t i;
	int err = 0;

	switch (h->map) {

	case MIKEY_MAP_EMPTY:
		return h->ncs ? EPROTO : 0;

	case MIKEY_MAP_SRTP_ID:
		if (h->ncs > MIKEY_CS_MAX)
			return ENOTSUP;
		for (i = 0; i < h->ncs; i++) {
			struct mikey_cs *cs = &h->cs[i];
			uint32_t ssrc, roc;

			memset(cs, 0, sizeof(*cs));
			cs->id = (uint8_t)(i + 1);
			cs->prot = MIKEY_PROT_SRTP;
			cs->np = 1;
			err |= rd_u8(r, &cs->pv[0]);
			err |= rd_u32(r, &ssrc);
			err |= rd_u32(r, &roc);
			if (err)
				return EPROTO;
			mikey_cs_srtp_set(cs, ssrc, roc, 0, true);
		}
		return 0;

	case MIKEY_MAP_GENERIC_ID:
		if (h->ncs > MIKEY_CS_MAX)
			return ENOTSUP;
		for (i = 0; i < h->ncs; i++) {
			struct mikey_cs *cs = &h->cs[i];
			uint8_t b;

			memset(cs, 0, sizeof(*cs));
			err |= rd_u8(r, &cs->id);
			err |= rd_u8(r, &cs->prot);
			err |= rd_u8(r, &b);
			if (err)
				return EPROTO;
			cs->s = b >> 7;
			cs->np = b & 0x7f;
			if (cs->np > MIKEY_P_MAX)
				return ENOTSUP;
			if (rd_copy(r, cs->np, cs->pv) ||
			    rd_u16(r, &cs->sd_len))
				return EPROTO;
			if (cs->sd_len > MIKEY_SD_MAX)
				return ENOTSUP;
			if (rd_copy(r, cs->sd_len, cs->sd) ||
			    rd_u8(r, &cs->spi_len))
				return EPROTO;
			if (cs->spi_len > MIKEY_SPI_MAX)
				return ENOTSUP;
			if (rd_copy(r, cs->spi_len, cs->spi))
				return EPROTO;
		}
		return 0;

	default:
		return ENOTSUP;
	}
}


static int dec_hdr(struct rd *r, struct mikey_hdr *h, uint8_t *next)
{
	uint8_t b = 0;
	int err = 0;

	err |= rd_u8(r, &h->version);
	err |= rd_u8(r, &h->dt);
	err |= rd_u8(r, next);
	err |= rd_u8(r, &b);
	err |= rd_u32(r, &h->csb_id);
	err |= rd_u8(r, &h->ncs);
	err |= rd_u8(r, &h->map);
	if (err)
		return EPROTO;
	if (h->version != MIKEY_VERSION)
		return ENOTSUP;
	h->v = b >> 7;
	h->prf = b & 0x7f;

	return dec_map(r, h);
}


/* One payload of type pt at r->pos; *next gets its Next Payload. */
static int dec_payload(struct mikey_msg *m, struct rd *r, uint8_t pt,
		       uint8_t *next)
{
	size_t start = r->pos;
	uint16_t len16;
	uint8_t b = 0, b2 = 0;
	size_t n;
	int err = 0;

	if (pt == MIKEY_PT_SIGN)       /* PK method: no next payload field */
		return ENOTSUP;

	if (rd_u8(r, next))
		return EPROTO;

	switch (pt) {

	case MIKEY_PT_T:
		if (m->has_t)
			return EPROTO;
		if (rd_u8(r, &b))
			return EPROTO;
		m->t.role = 0;
		if (dec_ts(r, b, &m->t))
			return EPROTO;
		m->has_t = true;
		return 0;

	case MIKEY_PT_TR:
		if (m->trc >= MIKEY_TR_MAX)
			return EPROTO;
		if (rd_u8(r, &b) || rd_u8(r, &b2))
			return EPROTO;
		m->trv[m->trc].role = b;
		if (dec_ts(r, b2, &m->trv[m->trc]))
			return EPROTO;
		m->trc++;
		return 0;

	case MIKEY_PT_RAND:
	case MIKEY_PT_RANDR:
		if (m->randc >= MIKEY_RAND_MAXN)
			return EPROTO;
		b = MIKEY_RAND_PLAIN;
		if (pt == MIKEY_PT_RANDR && rd_u8(r, &b))
			return EPROTO;
		if (pt == MIKEY_PT_RANDR && b == MIKEY_RAND_PLAIN)
			return EPROTO;
		m->randv[m->randc].role = b;
		if (rd_u8(r, &b2) ||
		    rd_bytes(r, b2, &m->randv[m->randc].data))
			return EPROTO;
		if (b2 == 0)
			return EPROTO;
		m->randc++;
		return 0;

	case MIKEY_PT_ID:
	case MIKEY_PT_IDR:
		if (m->idc >= MIKEY_ID_MAX)
			return EPROTO;
		b = 0;
		if (pt == MIKEY_PT_IDR && rd_u8(r, &b))
			return EPROTO;
		if (pt == MIKEY_PT_IDR && b == 0)
			return EPROTO;
		m->idv[m->idc].role = b;
		if (rd_u8(r, &m->idv[m->idc].type) || rd_u16(r, &len16) ||
		    rd_bytes(r, len16, &m->idv[m->idc].data))
			return EPROTO;
		m->idc++;
		return 0;

	case MIKEY_PT_CERT:             /* carried but not used */
		if (rd_u8(r, &b) || rd_u16(r, &len16) || !rd_has(r, len16))
			return EPROTO;
		r->pos += len16;
		return 0;

	case MIKEY_PT_CHASH:
		if (rd_u8(r, &b))
			return EPROTO;
		n = b == 0 ? 20 : b == 1 ? 16 : b == 2 ? 32 : 0;
		if (!n || !rd_has(r, n))
			return EPROTO;
		r->pos += n;
		return 0;

	case MIKEY_PT_PKE:
		if (rd_u16(r, &len16) || !rd_has(r, len16 & 0x3fff))
			return EPROTO;
		r->pos += len16 & 0x3fff;
		return 0;

	case MIKEY_PT_SP:
		if (m->spc >= MIKEY_SP_MAXN)
			return EPROTO;
		err |= rd_u8(r, &m->spv[m->spc].no);
		err |= rd_u8(r, &m->spv[m->spc].prot);
		err |= rd_u16(r, &len16);
		if (err || rd_bytes(r, len16, &m->spv[m->spc].param))
			return EPROTO;
		m->spc++;
		return 0;

	case MIKEY_PT_ERR:
		if (rd_u8(r, &b) || rd_u16(r, &len16))
			return EPROTO;
		if (m->errc < MIKEY_ERR_MAXN)
			m->errv[m->errc++] = b;
		return 0;

	case MIKEY_PT_GENEXT:
		if (m->gextc >= MIKEY_GEXT_MAX)
			return EPROTO;
		if (rd_u8(r, &m->gextv[m->gextc].type) || rd_u16(r, &len16) ||
		    rd_bytes(r, len16, &m->gextv[m->gextc].data))
			return EPROTO;
		m->gextc++;
		return 0;

	case MIKEY_PT_KEMAC:
		if (m->has_kemac)
			return EPROTO;
		if (rd_u8(r, &m->kemac.encr) || rd_u16(r, &len16) ||
		    rd_bytes(r, len16, &m->kemac.data) ||
		    rd_u8(r, &m->kemac.mac_alg))
			return EPROTO;
		n = mikey_mac_len(m->kemac.mac_alg);
		if (n == (size_t)-1)
			return ENOTSUP;
		if (rd_bytes(r, n, &m->kemac.mac))
			return EPROTO;
		m->has_kemac = true;
		return 0;

	case MIKEY_PT_V:
		if (m->vc >= 2)
			return EPROTO;
		if (rd_u8(r, &m->vv[m->vc].alg))
			return EPROTO;
		n = mikey_mac_len(m->vv[m->vc].alg);
		if (n == (size_t)-1)
			return ENOTSUP;
		m->vv[m->vc].mac_off = r->pos;
		if (rd_bytes(r, n, &m->vv[m->vc].mac))
			return EPROTO;
		m->vc++;
		return 0;

	case MIKEY_PT_TP:
	case MIKEY_PT_TICKET: {
		struct mikey_tp *tp = &m->tp;
		uint8_t b5, b6, b7;

		if (m->has_tp)
			return EPROTO;
		memset(tp, 0, sizeof(*tp));
		tp->ticket = pt == MIKEY_PT_TICKET;
		tp->off = start;
		err |= rd_u16(r, &tp->type);
		err |= rd_u8(r, &tp->subtype);
		err |= rd_u8(r, &tp->version);
		err |= rd_u8(r, &b5);
		err |= rd_u8(r, &b6);
		err |= rd_u8(r, &b7);
		err |= rd_u16(r, &len16);
		if (err || rd_bytes(r, len16, &tp->tp_data))
			return EPROTO;
		tp->prf = b5 >> 1;
		tp->flags = (uint32_t)(b5 & 1) << 16 | (uint32_t)b6 << 8 |
			(b7 & 0xe0);
		if (tp->ticket) {
			if (rd_u16(r, &len16) ||
			    rd_bytes(r, len16, &tp->ticket_data))
				return EPROTO;
			tp->idlen_off = r->pos;
			if (rd_u16(r, &len16) ||
			    rd_bytes(r, len16, &tp->init_data))
				return EPROTO;
		}
		tp->len = r->pos - start;
		m->has_tp = true;
		return 0;
	}

	default:                         /* DH, unknown: cannot be sized */
		return pt == MIKEY_PT_DH ? ENOTSUP : EPROTO;
	}
}


static int dec_chain(struct mikey_msg *m, struct rd *r, uint8_t first)
{
	uint8_t pt = first, next;
	size_t count = 0;
	int err;

	while (pt != MIKEY_PT_LAST) {
		/* the V payload ends a message (RFC 3830 5.2); only the
		 * Initiator Data chains Vi to Vr */
		if (m->vc == 2 || (m->vc == 1 && pt != MIKEY_PT_V))
			return EPROTO;
		if (++count > 128)
			return EPROTO;
		err = dec_payload(m, r, pt, &next);
		if (err)
			return err;
		pt = next;
	}

	return r->pos == r->len ? 0 : EPROTO;
}


int mikey_decode(struct mikey_msg *m, const uint8_t *buf, size_t len)
{
	struct rd r = {buf, len, 0};
	uint8_t next = 0;
	int err;

	if (!m || !buf)
		return EINVAL;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;

	err = dec_hdr(&r, &m->hdr, &next);
	if (err)
		return err;
	m->has_hdr = true;

	return dec_chain(m, &r, next);
}


int mikey_decode_chain(struct mikey_msg *m, const uint8_t *buf, size_t len)
{
	struct rd r = {buf, len, 0};
	uint8_t first = 0;

	if (!m || (!buf && len))
		return EINVAL;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;

	if (rd_u8(&r, &first))
		return EPROTO;

	return dec_chain(m, &r, first);
}


int mikey_decode_ticket_data(struct mikey_msg *m, const uint8_t *buf,
			     size_t len)
{
	struct rd r = {buf, len, 0};
	uint16_t l;
	uint8_t next = 0;

	if (!m || (!buf && len))
		return EINVAL;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;

	if (rd_u8(&r, &next) || rd_u16(&r, &l) || rd_bytes(&r, l, &m->thdr))
		return EPROTO;
	m->has_thdr = true;

	return dec_chain(m, &r, next);
}


int mikey_keys_decode(struct mikey_key *kv, size_t max, size_t *n,
		      const uint8_t *buf, size_t len)
{
	struct rd r = {buf, len, 0};
	uint8_t pt = MIKEY_PT_KEYDATA, next = 0, b = 0;
	size_t i = 0;
	int err = 0;

	if (!kv || !n || (!buf && len))
		return EINVAL;

	*n = 0;
	while (pt != MIKEY_PT_LAST) {
		struct mikey_key *k;
		uint16_t l;

		if (pt != MIKEY_PT_KEYDATA) {
			err = EPROTO;
			goto out;
		}
		if (i >= max) {
			err = ENOTSUP;
			goto out;
		}
		k = &kv[i];
		memset(k, 0, sizeof(*k));

		if (rd_u8(&r, &next) || rd_u8(&r, &b) || rd_u16(&r, &l)) {
			err = EPROTO;
			goto out;
		}
		k->type = b >> 4;
		k->kv = b & 0x0f;
		if (k->type > MIKEY_KEY_MPK || k->kv > MIKEY_KV_INTERVAL) {
			err = EPROTO;
			goto out;
		}
		if (l > MIKEY_KEY_MAX || l == 0) {
			err = l ? ENOTSUP : EPROTO;
			goto out;
		}
		k->key_len = l;
		if (rd_copy(&r, l, k->key)) {
			err = EPROTO;
			goto out;
		}
		if (k->type == MIKEY_KEY_TGK_SALT ||
		    k->type == MIKEY_KEY_TEK_SALT ||
		    k->type == MIKEY_KEY_GTGK_SALT) {
			if (rd_u16(&r, &l)) {
				err = EPROTO;
				goto out;
			}
			if (l > MIKEY_SALT_MAX) {
				err = ENOTSUP;
				goto out;
			}
			k->salt_len = l;
			if (rd_copy(&r, l, k->salt)) {
				err = EPROTO;
				goto out;
			}
		}
		if (k->kv == MIKEY_KV_SPI) {
			if (rd_u8(&r, &k->spi_len)) {
				err = EPROTO;
				goto out;
			}
			if (k->spi_len > MIKEY_SPI_MAX) {
				err = ENOTSUP;
				goto out;
			}
			if (rd_copy(&r, k->spi_len, k->spi)) {
				err = EPROTO;
				goto out;
			}
		}
		else if (k->kv == MIKEY_KV_INTERVAL) {
			struct mikey_bytes vf, vt;

			if (rd_u8(&r, &b) || rd_bytes(&r, b, &vf) ||
			    rd_u8(&r, &b) || rd_bytes(&r, b, &vt)) {
				err = EPROTO;
				goto out;
			}
		}
		++i;
		pt = next;
	}

	if (r.pos != r.len)
		err = EPROTO;

 out:
	if (err)
		mikey_keys_wipe(kv, i < max ? i + 1 : max);
	else
		*n = i;
	return err;
}


void mikey_keys_wipe(struct mikey_key *kv, size_t n)
{
	if (kv && n)
		OPENSSL_cleanse(kv, n * sizeof(*kv));
}


const struct mikey_id *mikey_msg_id(const struct mikey_msg *m, uint8_t role,
				    size_t nth)
{
	size_t i;

	for (i = 0; m && i < m->idc; i++) {
		if (m->idv[i].role == role && nth-- == 0)
			return &m->idv[i];
	}
	return NULL;
}


const struct mikey_rand *mikey_msg_rand(const struct mikey_msg *m,
					uint8_t role)
{
	size_t i;

	for (i = 0; m && i < m->randc; i++) {
		if (m->randv[i].role == role)
			return &m->randv[i];
	}
	return NULL;
}


const struct mikey_ts *mikey_msg_tr(const struct mikey_msg *m, uint8_t role)
{
	size_t i;

	for (i = 0; m && i < m->trc; i++) {
		if (m->trv[i].role == role)
			return &m->trv[i];
	}
	return NULL;
}


const struct mikey_sp *mikey_msg_sp(const struct mikey_msg *m, uint8_t no)
{
	size_t i;

	for (i = 0; m && i < m->spc; i++) {
		if (m->spv[i].no == no)
			return &m->spv[i];
	}
	return NULL;
}


int mikey_cs_srtp_get(const struct mikey_cs *cs, uint32_t *ssrc,
		      uint32_t *roc, uint16_t *seq)
{
	const uint8_t *d;

	if (!cs || cs->sd_len < 4)
		return ENOENT;
	d = cs->sd;
	if (ssrc)
		*ssrc = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
			(uint32_t)d[2] << 8 | d[3];
	if (roc)
		*roc = cs->sd_len >= 8 ? (uint32_t)d[4] << 24 |
			(uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7] : 0;
	if (seq)
		*seq = cs->sd_len >= 10 ? (uint16_t)(d[8] << 8 | d[9]) : 0;
	return 0;
}


void mikey_cs_srtp_set(struct mikey_cs *cs, uint32_t ssrc, uint32_t roc,
		       uint16_t seq, bool with_rocseq)
{
	uint8_t *d = cs->sd;

	d[0] = (uint8_t)(ssrc >> 24); d[1] = (uint8_t)(ssrc >> 16);
	d[2] = (uint8_t)(ssrc >> 8);  d[3] = (uint8_t)ssrc;
	cs->sd_len = 4;
	cs->s = with_rocseq;
	if (with_rocseq) {
		d[4] = (uint8_t)(roc >> 24); d[5] = (uint8_t)(roc >> 16);
		d[6] = (uint8_t)(roc >> 8);  d[7] = (uint8_t)roc;
		d[8] = (uint8_t)(seq >> 8);  d[9] = (uint8_t)seq;
		cs->sd_len = 10;
	}
}


void mikey_srtp_pol_default(struct mikey_srtp_pol *pol)
{
	pol->encr_alg = 1;
	pol->encr_len = 16;
	pol->auth_alg = 1;
	pol->auth_len = 20;
	pol->salt_len = 14;
	pol->tag_len = 10;
	pol->srtp_encr = 1;
	pol->srtcp_encr = 1;
	pol->srtp_auth = 1;
}


int mikey_srtp_pol_decode(struct mikey_srtp_pol *pol,
			  const struct mikey_bytes *param)
{
	struct rd r;

	if (!pol || !param)
		return EINVAL;

	mikey_srtp_pol_default(pol);
	r.p = param->p;
	r.len = param->l;
	r.pos = 0;

	while (r.pos < r.len) {
		uint8_t type, len, v;

		if (rd_u8(&r, &type) || rd_u8(&r, &len) || !rd_has(&r, len))
			return EPROTO;
		if (len != 1) {        /* every SRTP type we know is 1 byte */
			r.pos += len;
			if (type <= 12)
				return ENOTSUP;
			continue;
		}
		v = r.p[r.pos++];
		switch (type) {
		case 0:  pol->encr_alg = v;   break;
		case 1:  pol->encr_len = v;   break;
		case 2:  pol->auth_alg = v;   break;
		case 3:  pol->auth_len = v;   break;
		case 4:  pol->salt_len = v;   break;
		case 7:  pol->srtp_encr = v;  break;
		case 8:  pol->srtcp_encr = v; break;
		case 10: pol->srtp_auth = v;  break;
		case 11: pol->tag_len = v;    break;
		case 5:                        /* SRTP PRF: AES-CM only */
		case 9:                        /* FEC order: FEC-SRTP only */
		case 12:                       /* prefix length: 0 only */
			if (v != 0)
				return ENOTSUP;
			break;
		default:                       /* 6 KDR and unknown: ignored */
			break;
		}
	}

	if (pol->encr_len > MIKEY_KEY_MAX || pol->salt_len > MIKEY_SALT_MAX)
		return ENOTSUP;

	return 0;
}

/**
 * @file stun.c  STUN codec for ICE-lite on a media port (stun_int.h).
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <re.h>
#include "media/stun_int.h"


enum {
	ATTR_MAPPED_ADDR     = 0x0001,
	ATTR_USERNAME        = 0x0006,
	ATTR_MESSAGE_INTEG   = 0x0008,
	ATTR_ERROR_CODE      = 0x0009,
	ATTR_UNKNOWN_ATTRS   = 0x000a,
	ATTR_REALM           = 0x0014,
	ATTR_NONCE           = 0x0015,
	ATTR_XOR_MAPPED_ADDR = 0x0020,
	ATTR_PRIORITY        = 0x0024,
	ATTR_USE_CANDIDATE   = 0x0025,
	ATTR_FINGERPRINT     = 0x8028,
	ATTR_ICE_CONTROLLED  = 0x8029,
	ATTR_ICE_CONTROLLING = 0x802a,

	MI_LEN       = 20,             /* HMAC-SHA1 */
	USERNAME_MAX = 513,            /* RFC 5389 15.3 */
	FP_XOR       = 0x5354554e,     /* RFC 5389 15.5 */
};


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}


static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}


/* comprehension-required attributes (below 0x8000) that we understand,
 * or at least may ignore, in a Binding request */
static bool known_required(uint16_t type)
{
	switch (type) {

	case ATTR_MAPPED_ADDR:
	case ATTR_USERNAME:
	case ATTR_MESSAGE_INTEG:
	case ATTR_ERROR_CODE:
	case ATTR_UNKNOWN_ATTRS:
	case ATTR_REALM:
	case ATTR_NONCE:
	case ATTR_XOR_MAPPED_ADDR:
	case ATTR_PRIORITY:
	case ATTR_USE_CANDIDATE:
		return true;

	default:
		return false;
	}
}


int media_stun_decode(struct media_stun_msg *m, const uint8_t *p, size_t len)
{
	uint16_t type, mlen;
	size_t off;

	if (!m || !p)
		return EINVAL;

	memset(m, 0, sizeof(*m));

	/* RFC 5389 6: two zero bits, the cookie, a length that is a
	 * multiple of 4 and covers exactly the rest of the datagram */
	if (len < MEDIA_STUN_HDR || len > MEDIA_STUN_MAX || (p[0] & 0xc0))
		return EBADMSG;
	mlen = rd16(p + 2);
	if ((mlen & 3) || (size_t)mlen + MEDIA_STUN_HDR != len ||
	    rd32(p + 4) != MEDIA_STUN_MAGIC)
		return EBADMSG;

	type = rd16(p);
	m->cls = type & 0x0110;
	m->method = (uint16_t)((type & 0x000f) | ((type & 0x00e0) >> 1) |
			       ((type & 0x3e00) >> 2));
	memcpy(m->tid, p + 8, sizeof(m->tid));
	m->len = len;

	for (off = MEDIA_STUN_HDR; off < len; ) {
		uint16_t at, alen;
		const uint8_t *v;
		size_t padded;

		if (len - off < 4)
			return EBADMSG;
		at = rd16(p + off);
		alen = rd16(p + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > len - off - 4)
			return EBADMSG;
		v = p + off + 4;

		/* FINGERPRINT is the last attribute (RFC 5389 15.5) */
		if (m->fp_off)
			return EBADMSG;

		if (at == ATTR_FINGERPRINT) {
			if (alen != 4)
				return EBADMSG;
			m->fp_off = off;
		}
		else if (m->mi_off) {
			/* after MESSAGE-INTEGRITY only FINGERPRINT counts
			 * (RFC 5389 15.4): the rest is ignored */
		}
		else {
			switch (at) {

			case ATTR_MESSAGE_INTEG:
				if (alen != MI_LEN)
					return EBADMSG;
				m->mi_off = off;
				break;

			case ATTR_USERNAME:
				if (alen > USERNAME_MAX || m->username)
					return EBADMSG;
				m->username = v;
				m->username_len = alen;
				break;

			case ATTR_PRIORITY:
				if (alen != 4)
					return EBADMSG;
				m->has_priority = true;
				m->priority = rd32(v);
				break;

			case ATTR_USE_CANDIDATE:
				if (alen != 0)
					return EBADMSG;
				m->use_candidate = true;
				break;

			case ATTR_ICE_CONTROLLING:
			case ATTR_ICE_CONTROLLED:
				if (alen != 8)
					return EBADMSG;
				if (at == ATTR_ICE_CONTROLLING)
					m->controlling = true;
				else
					m->controlled = true;
				break;

			default:
				if (at < 0x8000 && !known_required(at) &&
				    m->unknownc < MEDIA_STUN_UNKNOWN_MAX)
					m->unknown[m->unknownc++] = at;
				break;
			}
		}

		off += 4 + padded;
	}

	return 0;
}


bool media_stun_integrity_ok(const struct media_stun_msg *m,
			     const uint8_t *p, const char *pwd)
{
	uint8_t buf[MEDIA_STUN_MAX], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!m || !p || !pwd || !m->mi_off || m->mi_off > sizeof(buf))
		return false;

	/* the length as if MESSAGE-INTEGRITY ended the message */
	memcpy(buf, p, m->mi_off);
	wr16(buf + 2, (uint16_t)(m->mi_off + 4 + MI_LEN - MEDIA_STUN_HDR));

	if (!HMAC(EVP_sha1(), pwd, (int)strlen(pwd), buf, m->mi_off,
		  md, &mdlen) || mdlen != MI_LEN)
		return false;

	return CRYPTO_memcmp(md, p + m->mi_off + 4, MI_LEN) == 0;
}


static uint32_t fingerprint(const uint8_t *p, size_t fp_off)
{
	uint8_t hdr[MEDIA_STUN_HDR];
	uint32_t crc;

	memcpy(hdr, p, sizeof(hdr));
	wr16(hdr + 2, (uint16_t)(fp_off + 8 - MEDIA_STUN_HDR));

	/* re_crc32.h: zlib's CRC-32 (ISO 3309), which STUN uses */
	crc = crc32(0, hdr, sizeof(hdr));
	crc = crc32(crc, p + MEDIA_STUN_HDR,
		    (uint32_t)(fp_off - MEDIA_STUN_HDR));

	return crc ^ FP_XOR;
}


bool media_stun_fingerprint_ok(const struct media_stun_msg *m,
			       const uint8_t *p)
{
	if (!m || !p)
		return false;
	if (!m->fp_off)
		return true;

	return fingerprint(p, m->fp_off) == rd32(p + m->fp_off + 4);
}


/* --- encoding ------------------------------------------------------ */

struct wbuf {
	uint8_t *p;
	size_t size, len;
	bool overflow;
};


static uint8_t *attr(struct wbuf *w, uint16_t type, size_t vlen)
{
	size_t padded = (vlen + 3) & ~(size_t)3;
	uint8_t *v;

	if (w->overflow || w->size - w->len < 4 + padded) {
		w->overflow = true;
		return NULL;
	}

	wr16(w->p + w->len, type);
	wr16(w->p + w->len + 2, (uint16_t)vlen);
	v = w->p + w->len + 4;
	memset(v, 0, padded);
	w->len += 4 + padded;
	wr16(w->p + 2, (uint16_t)(w->len - MEDIA_STUN_HDR));

	return v;
}


static void header(struct wbuf *w, uint16_t type, const uint8_t tid[12])
{
	if (w->size < MEDIA_STUN_HDR) {
		w->overflow = true;
		return;
	}

	wr16(w->p, type);
	wr16(w->p + 2, 0);
	wr32(w->p + 4, MEDIA_STUN_MAGIC);
	memcpy(w->p + 8, tid, 12);
	w->len = MEDIA_STUN_HDR;
}


static void add_fingerprint(struct wbuf *w)
{
	size_t off = w->len;
	uint8_t *v = attr(w, ATTR_FINGERPRINT, 4);

	if (v)
		wr32(v, fingerprint(w->p, off));
}


static uint16_t msg_type(uint16_t method, uint16_t cls)
{
	return (uint16_t)((method & 0x000f) | ((method & 0x0070) << 1) |
			  ((method & 0x0f80) << 2) | cls);
}


int media_stun_success(uint8_t *out, size_t size, size_t *lenp,
		       const uint8_t tid[12], const struct sa *mapped,
		       const char *pwd)
{
	struct wbuf w = {out, size, 0, false};
	uint8_t *v;
	size_t mi_off;
	unsigned mdlen = 0;
	int af;

	if (!out || !lenp || !tid || !mapped || !pwd)
		return EINVAL;

	af = sa_af(mapped);
	if (af != AF_INET && af != AF_INET6)
		return EAFNOSUPPORT;

	header(&w, msg_type(MEDIA_STUN_BINDING, MEDIA_STUN_SUCCESS), tid);

	/* RFC 5389 15.2: port and address XORed with the cookie (and for
	 * IPv6 with the cookie and the transaction ID) */
	v = attr(&w, ATTR_XOR_MAPPED_ADDR, af == AF_INET ? 8 : 20);
	if (v) {
		v[1] = af == AF_INET ? 0x01 : 0x02;
		wr16(v + 2, sa_port(mapped) ^ (MEDIA_STUN_MAGIC >> 16));
		if (af == AF_INET) {
			wr32(v + 4, sa_in(mapped) ^ MEDIA_STUN_MAGIC);
		}
		else {
			uint8_t x[16];
			size_t i;

			wr32(x, MEDIA_STUN_MAGIC);
			memcpy(x + 4, tid, 12);
			for (i = 0; i < 16; i++)
				v[4 + i] = mapped->u.in6.sin6_addr.s6_addr[i]
					^ x[i];
		}
	}

	mi_off = w.len;
	v = attr(&w, ATTR_MESSAGE_INTEG, MI_LEN);
	if (v && (!HMAC(EVP_sha1(), pwd, (int)strlen(pwd), w.p, mi_off,
			v, &mdlen) || mdlen != MI_LEN))
		return EIO;

	add_fingerprint(&w);
	if (w.overflow)
		return EOVERFLOW;

	*lenp = w.len;
	return 0;
}


int media_stun_error(uint8_t *out, size_t size, size_t *lenp,
		     const uint8_t tid[12], uint16_t method, uint16_t code,
		     const char *reason, const uint16_t *unknown,
		     size_t unknownc)
{
	struct wbuf w = {out, size, 0, false};
	size_t rlen = reason ? strlen(reason) : 0, i;
	uint8_t *v;

	if (!out || !lenp || !tid || code < 300 || code > 699 || rlen > 128)
		return EINVAL;

	header(&w, msg_type(method, MEDIA_STUN_ERROR), tid);

	v = attr(&w, ATTR_ERROR_CODE, 4 + rlen);
	if (v) {
		v[2] = (uint8_t)(code / 100);
		v[3] = (uint8_t)(code % 100);
		memcpy(v + 4, reason, rlen);
	}

	if (unknownc) {
		v = attr(&w, ATTR_UNKNOWN_ATTRS, 2 * unknownc);
		for (i = 0; v && i < unknownc; i++)
			wr16(v + 2 * i, unknown[i]);
	}

	add_fingerprint(&w);
	if (w.overflow)
		return EOVERFLOW;

	*lenp = w.len;
	return 0;
}

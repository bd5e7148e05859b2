/**
 * @file msg.c  Strict BFCP message check and attribute writers.
 */
#include <string.h>
#include <re.h>
#include "floor/frame_int.h"
#include "floor/msg_int.h"


enum { MAX_DEPTH = 4 };


static bool is_grouped(uint8_t type)
{
	return type >= BFCP_BENEFICIARY_INFO &&
	       type <= BFCP_OVERALL_REQ_STATUS;
}


/* Walk the attributes in p[0..n): they must fill it exactly, each one
 * padded to 4 bytes (RFC 8855 5.2). */
static int check_attrs(const uint8_t *p, size_t n, unsigned depth)
{
	size_t off = 0;

	if (depth > MAX_DEPTH)
		return EBADMSG;

	while (off < n) {
		uint8_t type, len;
		size_t padded;

		if (n - off < 2)
			return EBADMSG;

		type = p[off] >> 1;
		len  = p[off + 1];

		if (len < 2)
			return EBADMSG;

		padded = ((size_t)len + 3) & ~(size_t)3;
		if (padded > n - off)
			return EBADMSG;

		switch (type) {

		case BFCP_BENEFICIARY_ID:
		case BFCP_FLOOR_ID:
		case BFCP_FLOOR_REQUEST_ID:
		case BFCP_PRIORITY:
		case BFCP_REQUEST_STATUS:
			if (len != 4)
				return EBADMSG;
			break;

		case BFCP_ERROR_CODE:
			if (len < 3)
				return EBADMSG;
			break;

		default:
			break;
		}

		if (is_grouped(type)) {
			int err;

			/* grouped: the length covers the header and the
			 * included attributes with their padding */
			if (len < 4 || (len & 3))
				return EBADMSG;

			err = check_attrs(p + off + 4, len - 4, depth + 1);
			if (err)
				return err;
		}

		off += padded;
	}

	return 0;
}


int floor_msg_check(const uint8_t *p, size_t n)
{
	struct floor_hdr h;

	if (!p || n < FLOOR_HDR_SIZE)
		return EBADMSG;

	floor_hdr_get(&h, p);
	if (FLOOR_HDR_SIZE + 4 * (size_t)h.len != n)
		return EBADMSG;

	return check_attrs(p + FLOOR_HDR_SIZE, n - FLOOR_HDR_SIZE, 0);
}


int floor_msg_decode_tcp(struct bfcp_msg **msgp, const uint8_t *p, size_t n)
{
	struct mbuf *mb;
	int err;

	if (!msgp || !p || n < FLOOR_HDR_SIZE)
		return EINVAL;

	mb = mbuf_alloc(n);
	if (!mb)
		return ENOMEM;

	(void)mbuf_write_mem(mb, p, n);
	mb->buf[0] &= ~0x18;     /* R and F mean nothing over TCP */
	mb->pos = 0;

	err = bfcp_msg_decode(msgp, mb);
	if (!err && mbuf_get_left(mb))
		err = EBADMSG;

	if (err) {
		*msgp = mem_deref(*msgp);
		if (err != ENOMEM)
			err = EBADMSG;
	}

	mem_deref(mb);
	return err;
}


static void put_u8(struct floor_w *w, uint8_t v)
{
	if (!w->err)
		w->err = mbuf_write_u8(w->mb, v);
}


static void put_u16(struct floor_w *w, uint16_t v)
{
	put_u8(w, v >> 8);
	put_u8(w, v & 0xff);
}


static void pad(struct floor_w *w, size_t from)
{
	while (!w->err && ((w->mb->pos - from) & 3))
		put_u8(w, 0);
}


void floor_w_begin(struct floor_w *w, struct mbuf *mb, enum bfcp_prim prim,
		   uint32_t confid, uint16_t tid, uint16_t userid)
{
	memset(w, 0, sizeof(*w));
	w->mb = mb;
	w->start = mb->pos;

	put_u8(w, 1 << 5);            /* Ver 1, R=0, F=0 */
	put_u8(w, prim);
	put_u16(w, 0);                /* length, filled in by end() */
	put_u16(w, confid >> 16);
	put_u16(w, confid & 0xffff);
	put_u16(w, tid);
	put_u16(w, userid);
}


void floor_w_u16(struct floor_w *w, enum bfcp_attrib type, uint16_t v)
{
	put_u8(w, type << 1);
	put_u8(w, 4);
	put_u16(w, v);
}


void floor_w_2(struct floor_w *w, enum bfcp_attrib type, uint8_t a, uint8_t b)
{
	put_u8(w, type << 1);
	put_u8(w, 4);
	put_u8(w, a);
	put_u8(w, b);
}


void floor_w_bytes(struct floor_w *w, enum bfcp_attrib type,
		   const void *p, size_t n)
{
	size_t from = w->mb->pos;

	if (n > 253) {
		if (!w->err)
			w->err = EOVERFLOW;
		return;
	}

	put_u8(w, type << 1);
	put_u8(w, (uint8_t)(2 + n));
	if (n && !w->err)
		w->err = mbuf_write_mem(w->mb, p, n);
	pad(w, from);
}


void floor_w_str(struct floor_w *w, enum bfcp_attrib type, const char *s)
{
	floor_w_bytes(w, type, s, s ? strlen(s) : 0);
}


void floor_w_group(struct floor_w *w, enum bfcp_attrib type, uint16_t hdr)
{
	if (w->depth >= ARRAY_SIZE(w->grp)) {
		if (!w->err)
			w->err = EOVERFLOW;
		return;
	}

	w->grp[w->depth++] = w->mb->pos;
	put_u8(w, type << 1);
	put_u8(w, 0);                 /* length, filled in by group_end() */
	put_u16(w, hdr);
}


void floor_w_group_end(struct floor_w *w)
{
	size_t start, len, end;

	if (!w->depth) {
		if (!w->err)
			w->err = EINVAL;
		return;
	}

	start = w->grp[--w->depth];
	end = w->mb->pos;
	len = end - start;

	if (len > 255) {
		if (!w->err)
			w->err = EOVERFLOW;
		return;
	}

	if (!w->err)
		w->mb->buf[start + 1] = (uint8_t)len;
}


int floor_w_end(struct floor_w *w)
{
	size_t plen;

	if (w->err)
		return w->err;

	if (w->depth)
		return EINVAL;

	plen = w->mb->pos - w->start - FLOOR_HDR_SIZE;
	if ((plen & 3) || plen / 4 > 0xffff)
		return EOVERFLOW;

	w->mb->buf[w->start + 2] = (uint8_t)((plen / 4) >> 8);
	w->mb->buf[w->start + 3] = (uint8_t)((plen / 4) & 0xff);

	return 0;
}

/**
 * @file frame.c  BFCP stream framer (pure code, no sockets).
 */
#include <string.h>
#include <re.h>
#include "floor/frame_int.h"


struct floor_frame {
	uint8_t *buf;
	size_t size;
	size_t start;   /* first byte not yet taken */
	size_t end;     /* end of buffered bytes */
	size_t max;
	bool dead;
};


static void destructor(void *arg)
{
	struct floor_frame *fr = arg;

	mem_deref(fr->buf);
}


int floor_frame_alloc(struct floor_frame **frp, size_t max)
{
	struct floor_frame *fr;

	if (!frp)
		return EINVAL;

	fr = mem_zalloc(sizeof(*fr), destructor);
	if (!fr)
		return ENOMEM;

	fr->max = max ? max : FLOOR_FRAME_MAX;
	if (fr->max < FLOOR_HDR_SIZE)
		fr->max = FLOOR_HDR_SIZE;

	*frp = fr;
	return 0;
}


void floor_hdr_get(struct floor_hdr *h, const uint8_t *p)
{
	h->ver    = p[0] >> 5;
	h->prim   = p[1];
	h->len    = (uint16_t)(p[2] << 8 | p[3]);
	h->confid = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		    (uint32_t)p[6] << 8 | p[7];
	h->tid    = (uint16_t)(p[8] << 8 | p[9]);
	h->userid = (uint16_t)(p[10] << 8 | p[11]);
}


int floor_frame_peek(const uint8_t *p, size_t n, size_t max, size_t *lenp)
{
	size_t len;
	uint8_t ver;

	if ((!p && n) || !lenp)
		return EINVAL;

	/* the version sits in the first byte: judge it as soon as it is
	 * here, so garbage is refused without waiting for 12 bytes */
	if (n < 1)
		return ENODATA;

	ver = p[0] >> 5;
	if (ver != 1 && ver != 2)
		return EPROTO;

	if (n < 4)
		return ENODATA;

	len = FLOOR_HDR_SIZE + 4 * (size_t)(p[2] << 8 | p[3]);
	if (len > max)
		return EMSGSIZE;

	if (n < len)
		return ENODATA;

	*lenp = len;
	return 0;
}


int floor_frame_push(struct floor_frame *fr, const uint8_t *p, size_t n)
{
	if (!fr || (!p && n))
		return EINVAL;

	if (fr->dead)
		return EPIPE;

	if (!n)
		return 0;

	/* keep at most one cap's worth plus this read: the cap is enforced
	 * per message in next(), and callers drain between pushes */
	if (fr->start == fr->end)
		fr->start = fr->end = 0;

	if (fr->end + n > fr->size) {

		size_t live = fr->end - fr->start;

		if (fr->start) {
			memmove(fr->buf, fr->buf + fr->start, live);
			fr->start = 0;
			fr->end = live;
		}

		if (live + n > fr->size) {
			size_t sz = fr->size ? fr->size : 256;
			uint8_t *nb;

			while (sz < live + n)
				sz *= 2;

			/* libre's mem_realloc() does not take NULL */
			nb = fr->buf ? mem_realloc(fr->buf, sz)
				     : mem_alloc(sz, NULL);
			if (!nb)
				return ENOMEM;

			fr->buf = nb;
			fr->size = sz;
		}
	}

	memcpy(fr->buf + fr->end, p, n);
	fr->end += n;

	return 0;
}


int floor_frame_next(struct floor_frame *fr, const uint8_t **msgp,
		     size_t *lenp)
{
	const uint8_t *p;
	size_t n, len = 0;
	int err;

	if (!fr || !msgp || !lenp)
		return EINVAL;

	if (fr->dead)
		return EPIPE;

	p = fr->buf ? fr->buf + fr->start : NULL;
	n = fr->end - fr->start;

	err = floor_frame_peek(p, n, fr->max, &len);
	if (err == EPROTO || err == EMSGSIZE) {
		fr->dead = true;
		*msgp = p;
		*lenp = n < FLOOR_HDR_SIZE ? n : FLOOR_HDR_SIZE;
		return err;
	}
	if (err)
		return err;

	*msgp = p;
	*lenp = len;
	fr->start += len;

	return 0;
}


size_t floor_frame_pending(const struct floor_frame *fr)
{
	return fr ? fr->end - fr->start : 0;
}

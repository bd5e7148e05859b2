/**
 * @file rtpp.c  RTP/RTCP packet parsing and RTCP report encoding
 *
 * Our own parser rather than rtp_hdr_decode(): it also takes padding off
 * and reports the exact header length SRTP needs, and every read is
 * checked against the datagram length.
 */
#include <string.h>
#include <re.h>
#include "media/rtpp_int.h"


static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


/* RFC 3550 5.1 and 5.3.1 */
int media_rtpp_hdr_len(const uint8_t *p, size_t len, size_t *hdr_len)
{
	size_t hl;

	if (!p || !hdr_len || len < RTP_HEADER_SIZE)
		return EBADMSG;

	if ((p[0] >> 6) != RTP_VERSION)
		return EBADMSG;

	hl = RTP_HEADER_SIZE + 4 * (size_t)(p[0] & 0x0f);
	if (len < hl)
		return EBADMSG;

	if (p[0] & 0x10) {
		if (len < hl + 4)
			return EBADMSG;
		hl += 4 + 4 * (size_t)rd16(p + hl + 2);
		if (len < hl)
			return EBADMSG;
	}

	*hdr_len = hl;
	return 0;
}


int media_rtpp_decode(struct media_rtpp *pkt, const uint8_t *p, size_t len)
{
	size_t hl, pl;
	int err;

	if (!pkt)
		return EINVAL;

	err = media_rtpp_hdr_len(p, len, &hl);
	if (err)
		return err;

	pl = len - hl;

	if (p[0] & 0x20) {
		const uint8_t pad = p[len - 1];

		/* the count includes itself, so 0 is malformed */
		if (pl == 0 || pad == 0 || pad > pl)
			return EBADMSG;
		pl -= pad;
	}

	pkt->marker  = (p[1] & 0x80) != 0;
	pkt->pt      = p[1] & 0x7f;
	pkt->seq     = rd16(p + 2);
	pkt->ts      = rd32(p + 4);
	pkt->ssrc    = rd32(p + 8);
	pkt->hdr_len = hl;
	pkt->pld     = p + hl;
	pkt->pld_len = pl;

	return 0;
}


int media_rtpp_telev_decode(struct media_rtpp_telev *ev,
			    const uint8_t *p, size_t len)
{
	if (!ev || !p || len < 4)
		return EBADMSG;

	ev->event    = p[0];
	ev->end      = (p[1] & 0x80) != 0;
	ev->volume   = p[1] & 0x3f;
	ev->duration = rd16(p + 2);

	return 0;
}


/* RFC 3550 A.2: version 2 everywhere, lengths add up exactly */
int media_rtpp_rtcp_walk(const uint8_t *p, size_t len, media_rtpp_rtcp_h *h,
			 void *arg)
{
	size_t off;

	if (!p || len < 4)
		return EBADMSG;

	for (off = 0; off < len; ) {
		size_t pl;

		if (len - off < 4 || (p[off] >> 6) != RTCP_VERSION)
			return EBADMSG;
		if (p[off + 1] < 192 || p[off + 1] > 223)
			return EBADMSG;

		pl = 4 + 4 * (size_t)rd16(p + off + 2);
		if (pl > len - off)
			return EBADMSG;
		off += pl;
	}

	if (!h)
		return 0;

	for (off = 0; off < len; ) {
		const size_t pl = 4 + 4 * (size_t)rd16(p + off + 2);

		h(p[off + 1], p + off, pl, arg);
		off += pl;
	}

	return 0;
}


int media_rtpp_rtcp_encode(struct mbuf *mb, const struct media_rtpp_sr *sr,
			   bool sender, const char *cname)
{
	size_t clen, chunk, start;
	unsigned rc;
	int err = 0;

	if (!mb || !sr)
		return EINVAL;

	clen = str_len(cname);
	if (clen > 255)
		clen = 255;

	rc = sr->has_rb ? 1 : 0;

	if (sender) {
		err |= mbuf_write_u8(mb, (uint8_t)(RTCP_VERSION << 6 | rc));
		err |= mbuf_write_u8(mb, RTCP_SR);
		err |= mbuf_write_u16(mb, htons((uint16_t)(6 + 6 * rc)));
		err |= mbuf_write_u32(mb, htonl(sr->ssrc));
		err |= mbuf_write_u32(mb, htonl(sr->ntp_sec));
		err |= mbuf_write_u32(mb, htonl(sr->ntp_frac));
		err |= mbuf_write_u32(mb, htonl(sr->rtp_ts));
		err |= mbuf_write_u32(mb, htonl(sr->psent));
		err |= mbuf_write_u32(mb, htonl(sr->osent));
	}
	else {
		/* RFC 3550 6.1: a compound always starts with SR or RR */
		err |= mbuf_write_u8(mb, (uint8_t)(RTCP_VERSION << 6 | rc));
		err |= mbuf_write_u8(mb, RTCP_RR);
		err |= mbuf_write_u16(mb, htons((uint16_t)(1 + 6 * rc)));
		err |= mbuf_write_u32(mb, htonl(sr->ssrc));
	}

	/* RFC 3550 6.4.1 report block */
	if (rc) {
		const struct media_rtpp_rb *rb = &sr->rb;
		const uint32_t lost = (uint32_t)rb->lost & 0xffffff;

		err |= mbuf_write_u32(mb, htonl(rb->ssrc));
		err |= mbuf_write_u32(mb, htonl((uint32_t)rb->fraction << 24 |
						lost));
		err |= mbuf_write_u32(mb, htonl(rb->ext_max_seq));
		err |= mbuf_write_u32(mb, htonl(rb->jitter));
		err |= mbuf_write_u32(mb, htonl(rb->lsr));
		err |= mbuf_write_u32(mb, htonl(rb->dlsr));
	}

	/* SSRC, CNAME item, END, padded to a word */
	chunk = 4 + 2 + clen + 1;
	chunk = (chunk + 3) & ~(size_t)3;

	err |= mbuf_write_u8(mb, RTCP_VERSION << 6 | 1);
	err |= mbuf_write_u8(mb, RTCP_SDES);
	err |= mbuf_write_u16(mb, htons((uint16_t)(chunk / 4)));
	start = mb->pos;
	err |= mbuf_write_u32(mb, htonl(sr->ssrc));
	err |= mbuf_write_u8(mb, RTCP_SDES_CNAME);
	err |= mbuf_write_u8(mb, (uint8_t)clen);
	if (clen)
		err |= mbuf_write_mem(mb, (const uint8_t *)cname, clen);
	while (!err && mb->pos - start < chunk)
		err |= mbuf_write_u8(mb, RTCP_SDES_END);

	return err;
}

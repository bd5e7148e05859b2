/**
 * @file rtcpfb.c  RTCP feedback messages: parse and build (see
 * rtcpfb_int.h).  Pure code; every read is bounded by the packet's own
 * length, which media_rtpp_rtcp_walk() has checked against the buffer.
 */
#include <string.h>
#include <re.h>
#include "media/rtpp_int.h"
#include "media/rtcpfb_int.h"


enum {
	FB_NACK  = 1,               /* RTPFB FMT (RFC 4585 6.2) */
	FB_TMMBR = 3,               /* RFC 5104 4.2 */
	FB_TMMBN = 4,
	FB_PLI   = 1,               /* PSFB FMT (RFC 4585 6.3) */
	FB_FIR   = 4,               /* RFC 5104 4.3.1 */
	FB_AFB   = 15,              /* application layer feedback */
};


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


/* mantissa << exp, saturated (a 6-bit exponent can shift past 64 bits) */
static uint64_t mant_exp(uint32_t mant, unsigned exp)
{
	if (!mant)
		return 0;
	if (exp >= 64 || (uint64_t)mant > (UINT64_MAX >> exp))
		return UINT64_MAX;
	return (uint64_t)mant << exp;
}


struct walk {
	media_fb_h *h;
	void *arg;
	bool bad;
	bool deliver;
};


static void emit(struct walk *w, const struct media_fb *fb)
{
	if (w->deliver && w->h)
		w->h(fb, w->arg);
}


static void rtpfb(struct walk *w, unsigned fmt, const uint8_t *p,
		  size_t len, struct media_fb *fb)
{
	const uint8_t *fci = p + 12;
	size_t n = len - 12, i;

	switch (fmt) {

	case FB_NACK:
		/* RFC 4585 6.2.1: one or more 32-bit PID/BLP entries */
		if (n == 0 || n % 4) {
			w->bad = true;
			return;
		}
		fb->kind = MEDIA_FB_NACK;
		for (i = 0; i < n / 4 && i < MEDIA_FB_MAX_FCI; i++) {
			fb->pid = rd16(fci + 4 * i);
			fb->blp = rd16(fci + 4 * i + 2);
			emit(w, fb);
		}
		break;

	case FB_TMMBR:
	case FB_TMMBN:
		/* RFC 5104 4.2.1.1: 64-bit entries; TMMBN may have none */
		if (n % 8 || (fmt == FB_TMMBR && n == 0)) {
			w->bad = true;
			return;
		}
		fb->kind = fmt == FB_TMMBR ? MEDIA_FB_TMMBR : MEDIA_FB_TMMBN;
		for (i = 0; i < n / 8 && i < MEDIA_FB_MAX_FCI; i++) {
			const uint8_t *e = fci + 8 * i;
			uint32_t v = rd32(e + 4);

			fb->ssrc = rd32(e);
			fb->bitrate = mant_exp((v >> 9) & 0x1ffff, v >> 26);
			fb->overhead = v & 0x1ff;
			emit(w, fb);
		}
		break;

	default:
		/* another RTPFB: well-formed, not ours (RFC 4585 6.2) */
		break;
	}
}


static void psfb(struct walk *w, unsigned fmt, const uint8_t *p,
		 size_t len, struct media_fb *fb)
{
	const uint8_t *fci = p + 12;
	size_t n = len - 12, i;

	switch (fmt) {

	case FB_PLI:
		/* RFC 4585 6.3.1: no FCI */
		if (n) {
			w->bad = true;
			return;
		}
		fb->kind = MEDIA_FB_PLI;
		emit(w, fb);
		break;

	case FB_FIR:
		/* RFC 5104 4.3.1.1: 64-bit entries, at least one */
		if (n == 0 || n % 8) {
			w->bad = true;
			return;
		}
		fb->kind = MEDIA_FB_FIR;
		for (i = 0; i < n / 8 && i < MEDIA_FB_MAX_FCI; i++) {
			fb->ssrc = rd32(fci + 8 * i);
			fb->seq = fci[8 * i + 4];
			emit(w, fb);
		}
		break;

	case FB_AFB: {
		size_t num;

		/* REMB: 'R' 'E' 'M' 'B', Num SSRC, BR Exp (6) BR Mantissa
		 * (18), then Num SSRC SSRCs; other AFB is not ours */
		if (n < 8 || memcmp(fci, "REMB", 4))
			break;
		num = fci[4];
		if (n != 8 + 4 * num) {
			w->bad = true;
			return;
		}
		fb->kind = MEDIA_FB_REMB;
		fb->bitrate = mant_exp((uint32_t)(fci[5] & 0x03) << 16 |
				       rd16(fci + 6), fci[5] >> 2);
		fb->ssrc = num ? rd32(fci + 8) : 0;
		emit(w, fb);
		break;
	}

	default:
		break;
	}
}


static void packet(uint8_t pt, const uint8_t *p, size_t len, void *arg)
{
	struct walk *w = arg;
	struct media_fb fb;
	const unsigned count = p[0] & 0x1f;

	if (w->bad)
		return;

	memset(&fb, 0, sizeof(fb));

	switch (pt) {

	case MEDIA_RTCP_SR:
	case MEDIA_RTCP_RR:
		/* RFC 3550 6.4: header, SSRC, [sender info], report blocks */
		if (len < 8 + (pt == MEDIA_RTCP_SR ? 20u : 0u) + 24u * count) {
			w->bad = true;
			return;
		}
		fb.kind = pt == MEDIA_RTCP_SR ? MEDIA_FB_SR : MEDIA_FB_RR;
		fb.sender = rd32(p + 4);
		emit(w, &fb);
		break;

	case MEDIA_RTCP_BYE:
		if (len < 4 + 4u * count) {
			w->bad = true;
			return;
		}
		fb.kind = MEDIA_FB_BYE;
		fb.sender = count ? rd32(p + 4) : 0;
		emit(w, &fb);
		break;

	case MEDIA_RTCP_RTPFB:
	case MEDIA_RTCP_PSFB:
		/* RFC 4585 6.1: header, sender SSRC, media SSRC, FCI */
		if (len < 12) {
			w->bad = true;
			return;
		}
		fb.sender = rd32(p + 4);
		fb.media = rd32(p + 8);
		if (pt == MEDIA_RTCP_RTPFB)
			rtpfb(w, count, p, len, &fb);
		else
			psfb(w, count, p, len, &fb);
		break;

	default:
		/* SDES, APP, XR...: length checked by the walk */
		break;
	}
}


int media_rtcpfb_parse(const uint8_t *p, size_t len, media_fb_h *h,
		       void *arg)
{
	struct walk w;
	int err;

	memset(&w, 0, sizeof(w));
	w.h = h;
	w.arg = arg;

	/* RFC 3550 6.1: a compound starts with SR or RR; RFC 5506
	 * reduced-size RTCP (a lone feedback packet) is accepted too */
	if (!p || len < 8)
		return EBADMSG;

	err = media_rtpp_rtcp_walk(p, len, packet, &w);
	if (err || w.bad)
		return EBADMSG;

	w.deliver = true;
	return media_rtpp_rtcp_walk(p, len, packet, &w);
}


static int fb_header(struct mbuf *mb, unsigned fmt, uint8_t pt,
		     size_t words, uint32_t sender, uint32_t media)
{
	int err;

	err  = mbuf_write_u8(mb, (uint8_t)(2 << 6 | fmt));
	err |= mbuf_write_u8(mb, pt);
	err |= mbuf_write_u16(mb, htons((uint16_t)words));
	err |= mbuf_write_u32(mb, htonl(sender));
	err |= mbuf_write_u32(mb, htonl(media));

	return err;
}


int media_rtcpfb_pli(struct mbuf *mb, uint32_t sender, uint32_t media)
{
	if (!mb)
		return EINVAL;

	return fb_header(mb, FB_PLI, MEDIA_RTCP_PSFB, 2, sender, media);
}


/* RFC 5104 4.3.1.2: the media source SSRC field is 0; the target is in
 * the FCI, with a sequence number that changes per new request */
int media_rtcpfb_fir(struct mbuf *mb, uint32_t sender, uint32_t media,
		     uint8_t seq)
{
	int err;

	if (!mb)
		return EINVAL;

	err  = fb_header(mb, FB_FIR, MEDIA_RTCP_PSFB, 4, sender, 0);
	err |= mbuf_write_u32(mb, htonl(media));
	err |= mbuf_write_u8(mb, seq);
	err |= mbuf_write_u8(mb, 0);
	err |= mbuf_write_u16(mb, 0);

	return err;
}


int media_rtcpfb_nack(struct mbuf *mb, uint32_t sender, uint32_t media,
		      uint16_t pid, uint16_t blp)
{
	int err;

	if (!mb)
		return EINVAL;

	err  = fb_header(mb, FB_NACK, MEDIA_RTCP_RTPFB, 3, sender, media);
	err |= mbuf_write_u16(mb, htons(pid));
	err |= mbuf_write_u16(mb, htons(blp));

	return err;
}


/* the smallest exponent whose mantissa fits in bits */
static void to_mant_exp(uint64_t v, unsigned bits, uint32_t *mant,
			unsigned *exp)
{
	unsigned e = 0;

	while (v >= ((uint64_t)1 << bits)) {
		v >>= 1;
		++e;
	}

	*mant = (uint32_t)v;
	*exp = e;
}


int media_rtcpfb_remb(struct mbuf *mb, uint32_t sender, uint64_t bitrate,
		      uint32_t ssrc)
{
	uint32_t mant;
	unsigned exp;
	int err;

	if (!mb)
		return EINVAL;

	to_mant_exp(bitrate, 18, &mant, &exp);

	err  = fb_header(mb, FB_AFB, MEDIA_RTCP_PSFB, 5, sender, 0);
	err |= mbuf_write_mem(mb, (const uint8_t *)"REMB", 4);
	err |= mbuf_write_u8(mb, 1);
	err |= mbuf_write_u8(mb, (uint8_t)(exp << 2 | (mant >> 16)));
	err |= mbuf_write_u16(mb, htons((uint16_t)(mant & 0xffff)));
	err |= mbuf_write_u32(mb, htonl(ssrc));

	return err;
}


int media_rtcpfb_tmmbr(struct mbuf *mb, uint32_t sender, uint32_t ssrc,
		       uint64_t bitrate, uint16_t overhead, bool notify)
{
	uint32_t mant;
	unsigned exp;
	int err;

	if (!mb)
		return EINVAL;

	to_mant_exp(bitrate, 17, &mant, &exp);

	err  = fb_header(mb, notify ? FB_TMMBN : FB_TMMBR, MEDIA_RTCP_RTPFB,
			 4, sender, 0);
	err |= mbuf_write_u32(mb, htonl(ssrc));
	err |= mbuf_write_u32(mb, htonl((uint32_t)exp << 26 | mant << 9 |
					(overhead & 0x1ff)));

	return err;
}

/**
 * @file rtcpfb_int.h  RTCP feedback for the video relay: parse what a
 * participant sends (RFC 3550 SR/RR/BYE, RFC 4585 Generic NACK and PLI,
 * RFC 5104 FIR/TMMBR/TMMBN, the REMB application layer feedback of
 * draft-alvestrand-rmcat-remb) and build what confd sends (internal to
 * media/; pure code over buffers, fuzzed by tests/fuzz/fuzz_rtcpfb.c).
 *
 * A compound is checked whole before the handler sees any of it: every
 * packet's length adds up (media_rtpp_rtcp_walk), and every feedback
 * packet's FCI has the size its FMT requires.  One bad packet rejects
 * the compound, so nothing of a malformed compound is ever acted upon
 * or forwarded.
 *
 * Include after re.h.
 */

enum {
	MEDIA_RTCP_SR    = 200,
	MEDIA_RTCP_RR    = 201,
	MEDIA_RTCP_SDES  = 202,
	MEDIA_RTCP_BYE   = 203,
	MEDIA_RTCP_RTPFB = 205,
	MEDIA_RTCP_PSFB  = 206,
	MEDIA_FB_MAX_FCI = 64,      /* FCI entries looked at per packet */
};

enum media_fb_kind {
	MEDIA_FB_SR = 1,            /* sender: the packet sender's SSRC */
	MEDIA_FB_RR,
	MEDIA_FB_BYE,
	MEDIA_FB_NACK,              /* RFC 4585 6.2.1: pid, blp */
	MEDIA_FB_TMMBR,             /* RFC 5104 4.2.1: ssrc, bitrate */
	MEDIA_FB_TMMBN,
	MEDIA_FB_PLI,               /* RFC 4585 6.3.1 */
	MEDIA_FB_FIR,               /* RFC 5104 4.3.1: ssrc, seq */
	MEDIA_FB_REMB,              /* bitrate, ssrc = first SSRC named */
};

/* One item of a compound: a packet, or one FCI entry of a packet. */
struct media_fb {
	enum media_fb_kind kind;
	uint32_t sender;            /* SSRC of packet sender */
	uint32_t media;             /* SSRC of media source (FB packets) */
	uint32_t ssrc;              /* FCI target (FIR, TMMBR, REMB) */
	uint16_t pid, blp;          /* NACK */
	uint8_t seq;                /* FIR command sequence number */
	uint64_t bitrate;           /* TMMBR/TMMBN/REMB, bit/s */
	uint16_t overhead;          /* TMMBR measured overhead */
};

typedef void (media_fb_h)(const struct media_fb *fb, void *arg);

/* 0 and every item to h, or EBADMSG and nothing. */
int media_rtcpfb_parse(const uint8_t *p, size_t len, media_fb_h *h,
		       void *arg);

/* Builders append one packet to mb (a compound needs an RR or SR first,
 * RFC 4585 3.1: media_rtpp_rtcp_encode). */
int media_rtcpfb_pli(struct mbuf *mb, uint32_t sender, uint32_t media);
int media_rtcpfb_fir(struct mbuf *mb, uint32_t sender, uint32_t media,
		     uint8_t seq);
int media_rtcpfb_nack(struct mbuf *mb, uint32_t sender, uint32_t media,
		      uint16_t pid, uint16_t blp);
int media_rtcpfb_remb(struct mbuf *mb, uint32_t sender, uint64_t bitrate,
		      uint32_t ssrc);
int media_rtcpfb_tmmbr(struct mbuf *mb, uint32_t sender, uint32_t ssrc,
		       uint64_t bitrate, uint16_t overhead, bool notify);

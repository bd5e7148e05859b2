/**
 * @file rtpp_int.h  RTP/RTCP packet parsing and RTCP report encoding
 *
 * Pure functions over buffers with explicit bounds; nothing here
 * allocates.  Include after re.h.
 */

struct media_rtpp {
	uint8_t  pt;
	bool     marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t   hdr_len;        /* fixed header + CSRCs + extension */
	const uint8_t *pld;      /* payload without padding */
	size_t   pld_len;
};

/* RFC 5761 4: with rtcp-mux, the second byte 192-223 means RTCP */
static inline bool media_rtpp_is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

int media_rtpp_hdr_len(const uint8_t *p, size_t len, size_t *hdr_len);
int media_rtpp_decode(struct media_rtpp *pkt, const uint8_t *p, size_t len);

/* RFC 4733 2.3: event, E bit, volume, duration */
struct media_rtpp_telev {
	uint8_t  event;
	bool     end;
	uint8_t  volume;
	uint16_t duration;
};
int media_rtpp_telev_decode(struct media_rtpp_telev *ev,
			    const uint8_t *p, size_t len);

/* Walk an RTCP compound packet; h gets each packet (header included).
 * The whole compound is checked before h sees anything. */
typedef void (media_rtpp_rtcp_h)(uint8_t pt, const uint8_t *p, size_t len,
			   void *arg);
int media_rtpp_rtcp_walk(const uint8_t *p, size_t len, media_rtpp_rtcp_h *h,
			 void *arg);

/* One report block (RFC 3550 6.4.1), host order */
struct media_rtpp_rb {
	uint32_t ssrc;           /* the source reported on */
	uint8_t  fraction;       /* lost since the last report, /256 */
	int32_t  lost;           /* cumulative, 24-bit signed */
	uint32_t ext_max_seq;    /* cycles << 16 | highest seq */
	uint32_t jitter;         /* RTP timestamp units */
	uint32_t lsr;            /* middle 32 bits of the last SR's NTP */
	uint32_t dlsr;           /* 1/65536 s since that SR */
};

/* SR or RR, with at most one report block (a stream receives from one
 * source), + SDES CNAME: RFC 3550 6.4.1, 6.4.2 and 6.5 */
struct media_rtpp_sr {
	uint32_t ssrc;
	uint32_t ntp_sec, ntp_frac;
	uint32_t rtp_ts;
	uint32_t psent, osent;
	bool has_rb;
	struct media_rtpp_rb rb;
};
int media_rtpp_rtcp_encode(struct mbuf *mb, const struct media_rtpp_sr *sr,
			   bool sender, const char *cname);

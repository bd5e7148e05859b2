/**
 * @file rtcpstat_int.h  Receiver statistics of one RTP source and the
 * reception report block they give (RFC 3550 6.4.1, A.1, A.3, A.8),
 * and what a peer's report about our stream says.  Pure code: times
 * are passed in (µs of a monotonic clock), so the arithmetic can be
 * tested against the RFC's examples.  Include after re.h and
 * media/rtpp_int.h.
 */


struct media_rxstat {
	bool     init;
	uint32_t ssrc;
	/* A.1 */
	uint16_t max_seq;
	uint32_t cycles;         /* shifted count of seq number cycles */
	uint32_t base_seq;
	uint32_t bad_seq;
	uint32_t probation;
	uint32_t received;
	uint32_t expected_prior;
	uint32_t received_prior;
	/* A.8: jitter kept scaled by 16, transit in RTP units */
	bool     transit_set;
	uint32_t transit;
	uint32_t jitter_q4;
	/* the last SR of this source: for LSR/DLSR */
	uint32_t lsr;
	uint64_t lsr_at_us;
};

void media_rxstat_reset(struct media_rxstat *s, uint32_t ssrc, uint16_t seq);
/* A.1 update_seq: false while on probation or for a bad jump */
bool media_rxstat_seq(struct media_rxstat *s, uint16_t seq);
/* A.8: arrival in RTP timestamp units of the same clock as ts */
void media_rxstat_jitter(struct media_rxstat *s, uint32_t ts,
			 uint32_t arrival);
/* One RTP packet of this source (both of the above; resets on a new
 * SSRC).  rate: the RTP clock in Hz. */
void media_rxstat_rtp(struct media_rxstat *s, uint32_t ssrc, uint16_t seq,
		      uint32_t ts, uint64_t now_us, uint32_t rate);
/* An SR from this source arrived at now_us */
void media_rxstat_sr(struct media_rxstat *s, uint32_t ntp_sec,
		     uint32_t ntp_frac, uint64_t now_us);
/* A.3: the block for a report sent at now_us (moves the interval);
 * false before the first packet */
bool media_rxstat_block(struct media_rxstat *s, struct media_rtpp_rb *rb,
			uint64_t now_us);

/* What the peer last reported about our stream */
struct media_rtcp_peer {
	bool     valid;
	uint8_t  fraction;
	int32_t  lost;
	uint32_t jitter_us;
	uint32_t rtt_us;         /* from LSR/DLSR; 0 unknown */
	uint64_t reports;
};

/* The RTT of RFC 3550 6.4.1 (A = arrival, in NTP middle-32 units):
 * A - LSR - DLSR, in µs; 0 when LSR is 0 or the result is negative */
uint32_t media_rtcp_rtt_us(uint32_t arrival_ntp32, uint32_t lsr,
			   uint32_t dlsr);

/* Counters over every stream since start (media_rtcp_totals in
 * media.h), and the observer of peer reports */
void media_rtcpstat_sent(bool with_block);
void media_rtcpstat_peer(uint8_t fraction, uint32_t jitter_us);

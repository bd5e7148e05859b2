/**
 * @file consent_int.h  Media consent of one RTP stream: where confd may
 * send, learnt from what the participant sent (internal to media/;
 * pure code, no sockets, no clock of its own: the caller passes "now").
 *
 * An SDP offer is only a claim: anyone can write a third party's address
 * in c= and m= (issue 18: 100 INVITEs made confd stream 1 MB/s at a
 * victim that never asked for it).  So the negotiated addresses are
 * never a destination.  confd sends RTP only to the source address of an
 * authenticated packet that came in on the stream's own port (symmetric
 * RTP, RFC 4961; "latching"), and moves the latch only on another
 * authenticated packet.  "Authenticated" is the caller's judgement:
 *   - SRTP: the packet's auth tag verified (srtp.c, srtcp.c), so only a
 *     holder of the participant's key can move its media;
 *   - plain RTP: a packet the receive path accepted (valid RTP, the
 *     negotiated payload type, the locked SSRC: rtprx.c), or, on a stream
 *     that does not receive (a=recvonly from them), any valid RTP.
 *     Plain RTP proves no more than that the sender can send from that
 *     address; it is what RFC 4961 offers.
 *
 * RTCP goes where authenticated RTCP came from: back through the RTP
 * port when it arrived there (RFC 5761 rtcp-mux), else through the RTCP
 * port.  Before any RTCP came, none is sent.
 *
 * A stream that only sends RTCP (a=recvonly from the participant, a
 * listener) still gets RTP: when its RTCP came multiplexed on the RTP
 * port, to that source; when it came on the RTCP port, to the SDP's RTP
 * address, provided the RTCP source is exactly the SDP's RTCP address
 * (the participant has shown it is where its SDP says).
 *
 * Idle time (for media_timeout in the focus): time since the last
 * authenticated packet, RTP or RTCP, or since the stream started or came
 * back from hold.  While on hold (we do not send) there is no idle time:
 * a held call is not ended for its silence, and nothing is sent to it.
 *
 * ICE (RFC 8445) is not built.  When ICE-lite arrives, a successful
 * connectivity check is consent for its 5-tuple (call
 * media_consent_rtp() with the checked source), and RFC 7675 consent
 * freshness (a STUN check every ~5 s, consent lost after 30 s without
 * one) would call media_consent_revoke() on expiry.
 *
 * Include after re.h.
 */

struct media_consent {
	struct sa sdp_rtp;            /* from the answer: a claim only */
	struct sa sdp_rtcp;
	struct sa rtp;                /* latched RTP destination */
	struct sa rtcp;               /* latched RTCP destination */
	bool rtp_ok;
	bool rtcp_ok;
	bool rtcp_mux;                /* RTCP came on the RTP port */
	bool hold;                    /* we do not send: no idle clock */
	uint64_t last;                /* ms: last authenticated packet */
	uint64_t packets;             /* authenticated packets, RTP + RTCP */
	uint32_t latches;             /* times the RTP destination moved */
};

void media_consent_init(struct media_consent *c, uint64_t now);
void media_consent_answer(struct media_consent *c, const struct sa *sdp_rtp,
			  const struct sa *sdp_rtcp, bool hold, uint64_t now);
void media_consent_rtp(struct media_consent *c, const struct sa *src,
		       uint64_t now);
void media_consent_rtcp(struct media_consent *c, const struct sa *src,
			bool mux, uint64_t now);
void media_consent_revoke(struct media_consent *c);
const struct sa *media_consent_rtp_dst(const struct media_consent *c);
const struct sa *media_consent_rtcp_dst(const struct media_consent *c,
					bool *muxp);
uint64_t media_consent_idle(const struct media_consent *c, uint64_t now);

/**
 * @file sdp_dtls_int.h  DTLS-SRTP in SDP (RFC 5763, RFC 5764 8) for an
 * RTP m-line of the focus (sdp_dtls.c).  Needs keying/tcpsetup.h.
 *
 * An offer is DTLS-keyed when its m-line's protocol is UDP/TLS/RTP/SAVP
 * or UDP/TLS/RTP/SAVPF (RFC 5764 8).  It must carry a=fingerprint
 * (media or session level, RFC 8122 5) in a hash confd takes, and a=setup
 * may say actpass, active or passive (RFC 5763 5: we answer passive to
 * actpass, so the peer's ClientHello opens the association and no
 * packet of ours goes to an address only the SDP names; active to
 * passive).  a=crypto lines in such an offer are ignored (RFC 5763 5).
 */

struct dtlspick {
	bool offered;                  /* UDP/TLS/RTP/SAVP(F) */
	const char *fingerprint;       /* theirs: a pointer into the SDP */
	enum tcpsetup ours;            /* our a=setup answer */
	bool mux;                      /* a=rtcp-mux offered */
};

/* Reads the offer's m-line; ne filled and EPROTO when it is DTLS but
 * cannot be taken (no or a bad fingerprint, holdconn). */
int  dtlspick_offer(struct dtlspick *d, const struct participant *p,
		    const struct sdp_media *m, struct negotiation_error *ne);
/* Our a=fingerprint and a=setup (or none when d is not DTLS) */
int  dtlspick_answer(struct sdp_media *m, const struct focus *f,
		     const struct dtlspick *d);
/* The context pinned to the offered fingerprint: *pinp is kept when it
 * pins the same one (a re-INVITE keeps its association), else replaced */
int  dtlspick_pin(struct tlsfp **pinp, const struct focus *f,
		  const struct dtlspick *d);

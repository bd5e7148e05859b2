/**
 * @file stream_int.h  The negotiated streams of a participant, and the
 * SDP offer/answer (RFC 3264) that drives them (focus/ only).
 *
 * Each kind of stream lives in one file that owns its state (struct
 * stream_audio in sdp_audio.c, ...) and exports one struct stream_ops.
 * offer_answer.c walks the streams in a fixed order, so adding a kind
 * of stream or a role (the focus as offerer, for dial-out) touches the
 * stream's own file and that table, nothing else.
 */

struct participant;
struct focus;

/* Why an offer (or answer) was refused: the SIP final response. */
struct negotiation_error {
	uint16_t scode;
	uint16_t warn_code;            /* RFC 3261 20.43 warn-code */
	const char *warn_text;
};

/*
 * One kind of stream: one m-line of each participant's SDP session.
 *
 * Every step works on the participant's own stream object (p->audio,
 * p->video, ...) and its m-line in p->sdp; none may touch another
 * stream's state except through that stream's accessors (focus_int.h).
 *
 * As answerer (dial-in with an offer), after p->sdp has decoded the
 * offer:  take_offer, then make_answer, stream by stream.
 * As offerer (an offerless INVITE, a re-INVITE without SDP; dial-out
 * later):  make_offer, then, once the answer is decoded, take_answer.
 */
struct stream_ops {
	const char *name;
	/* false: a failure refuses the offer with the stream's own reason
	 * (audio).  true: the stream declines itself (port 0, RFC 3264 6)
	 * when it cannot be served, so an error from it is ours (500). */
	bool optional;
	/* Allocate the stream object and add our m-line to p->sdp, in the
	 * order we offer them. */
	int  (*setup)(struct participant *p);
	/* Before a new offer is decoded: undo what answering the last one
	 * narrowed (RFC 3264 8: a new offer may use anything we support).
	 * May be NULL. */
	int  (*rewind)(struct participant *p);
	/* Put what we offer on our m-line.  May be NULL: the m-line is
	 * offered as it stands. */
	int  (*make_offer)(struct participant *p);
	/* The offer is decoded: check it and choose (codec, keys,
	 * transport).  An optional stream declines here what it cannot
	 * serve. */
	int  (*take_offer)(struct participant *p,
			   struct negotiation_error *ne);
	/* Write the answer on our m-line and start the stream with what
	 * take_offer chose. */
	int  (*make_answer)(struct participant *p,
			    struct negotiation_error *ne);
	/* The answer to our offer is decoded: start the stream with it.
	 * NULL: checked like an offer (take_offer + make_answer), which is
	 * what dial-in does today with the answer in an ACK. */
	int  (*take_answer)(struct participant *p,
			    struct negotiation_error *ne);
};

extern const struct stream_ops stream_audio_ops;   /* sdp_audio.c */
extern const struct stream_ops stream_video_ops;   /* sdp_video.c */
extern const struct stream_ops stream_msrp_ops;    /* sdp_msrp.c */
extern const struct stream_ops stream_bfcp_ops;    /* sdp_bfcp.c */

/* media_af.c: our media address for a new call, in the offer's family */
int  oa_media_addr(const struct focus *f, struct mbuf *offer,
		   const struct sa *dst, struct sa *maddr,
		   struct negotiation_error *ne);

/* offer_answer.c: one participant's SDP session */
int  oa_setup(struct participant *p);
int  oa_decode_offer(struct participant *p, struct mbuf *offer,
		     struct negotiation_error *ne);
int  oa_answer(struct participant *p, struct negotiation_error *ne);
int  oa_offer_received(struct participant *p, struct mbuf *offer,
		       struct negotiation_error *ne);
int  oa_answer_received(struct participant *p, struct mbuf *answer,
			struct negotiation_error *ne);
int  oa_encode(struct participant *p, struct mbuf **mbp, bool offer);

/* sdp_addr.c: ports and c= addresses of a raw SDP body, before libre
 * decodes it (which wraps ports above 65535) */
int  sdp_addr_check(const struct mbuf *mb, bool hold_ok, bool *holdp,
		    struct negotiation_error *ne);

/* Where a stream's m-line has no attribute of its own, the session's
 * (RFC 4566 5.13) */
const char *oa_rattr(const struct participant *p, const struct sdp_media *m,
		     const char *name);

/* mikey_in.c: the keys MIKEY-TICKET gave each stream (Annex H) */
struct mikeyin_rtp_keys {
	enum srtp_suite suite;
	uint8_t rx[30];                /* initiator's key || salt */
	uint8_t tx[30];                /* ours */
	size_t len;
	uint8_t tx_cs;                 /* CS ID of our stream */
};
bool mikeyin_keyed(const struct participant *p);
int  mikeyin_rtp_keys(const struct participant *p, const struct sdp_media *m,
		      struct mikeyin_rtp_keys *k);
int  mikeyin_set_ssrc(struct participant *p, uint8_t cs_id, uint32_t ssrc);
int  mikeyin_tls_psk(const struct participant *p, const struct sdp_media *m,
		     const uint8_t **keyp, size_t *lenp);

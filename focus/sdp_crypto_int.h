/**
 * @file sdp_crypto_int.h  SDES (RFC 4568) choice and answer for one RTP
 * m-line of the focus (sdp_crypto.c).  Needs keying/sdes.h and
 * focus/confdef.h.
 */

struct cryptopick {
	struct sdes_crypto best;
	int rank;                      /* preference index, -1 none */
	unsigned seen;                 /* a=crypto lines offered */
};

void cryptopick_init(struct cryptopick *pick);
void cryptopick_offer(struct cryptopick *pick, const struct sdp_media *m);
int  cryptopick_policy(const struct cryptopick *pick,
		       const struct sdp_media *m, enum confdef_srtp policy,
		       struct negotiation_error *ne);
int  cryptopick_answer(struct sdp_media *m, struct sdes_crypto *tx,
		       bool *tx_valid, const struct cryptopick *pick);
void cryptopick_wipe(struct cryptopick *pick);

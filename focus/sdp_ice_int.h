/**
 * @file sdp_ice_int.h  ICE-lite in SDP (RFC 8839, RFC 8445 2.5) for an
 * RTP m-line of the focus (sdp_ice.c).
 *
 * Where an offer carries a=ice-ufrag and a=ice-pwd (media or session
 * level), the answer says a=ice-lite (session level), our own ufrag and
 * password and one host candidate per component at our media address;
 * the media stream then answers Binding requests (media/stun_int.h).
 * Our credentials stay for the call unless the offerer restarts ICE
 * (new ufrag or password: RFC 8839 4.4.1.1.1), when we make new ones.
 */

enum { ICEPICK_UFRAG = 8, ICEPICK_PWD = 24 };

struct icepick {
	bool offered;
	char rufrag[257];             /* theirs (RFC 8839 5.4: <= 256) */
	char rpwd[257];
};

struct iceours {
	bool valid;
	char ufrag[ICEPICK_UFRAG + 1];
	char pwd[ICEPICK_PWD + 1];
	char rufrag[257];             /* the remote ufrag they go with */
	char rpwd[257];
};

/* EPROTO with ne filled for credentials that break RFC 8839 5.4 */
int  icepick_offer(struct icepick *ic, const struct participant *p,
		   const struct sdp_media *m, struct negotiation_error *ne);
/* Our credentials (made or kept) and the ICE attributes of the answer,
 * or their removal when ICE was not offered. */
int  icepick_answer(struct iceours *ours, struct sdp_session *sess,
		    struct sdp_media *m, const struct icepick *ic,
		    const struct sa *maddr, uint16_t port, bool mux);
void iceours_wipe(struct iceours *ours);

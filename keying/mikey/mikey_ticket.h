/**
 * @file mikey_ticket.h  MIKEY-TICKET exchanges (RFC 6043) for the three roles
 *
 * Include keying/mikey/mikey.h first.
 *
 * Pure state machines over buffers: they build the bytes to send and
 * check the bytes received, and never touch a socket.  The focus uses
 *   - struct mikey_resp when a participant dials in with
 *     a=key-mgmt:mikey (TRANSFER_INIT -> RESOLVE at the KMS ->
 *     TRANSFER_RESP), usually through keying/mikey/kms_client.h;
 *   - struct mikey_init when it dials out (REQUEST at the KMS ->
 *     TRANSFER_INIT -> TRANSFER_RESP);
 * and kmsd uses mikey_kms_handle().  One file per role: initiator.c,
 * responder.c, kms.c.
 *
 * Conventions (DESIGN.md "MIKEY-TICKET conventions"): identities with a
 * URI scheme go in IDR as URI, others as byte string; transfer messages
 * use GENERIC-ID, request/resolve the Empty map; the KMS grants tickets
 * with key forking (I flag), RANDRr (G) and RANDRi in TEK derivation (H).
 *
 * Errors: EPROTO malformed, ENOTSUP unsupported parameter, ETIMEDOUT
 * timestamp outside the window, EALREADY replayed, EACCES bad MAC or
 * ticket, EPERM not authorized, ECONNREFUSED the peer sent a MIKEY Error
 * message.  Where a MIKEY Error number applies, *errp gets it.
 */

enum { MIKEY_SKEW_DEFAULT = 300 };

/* Prot Type values IANA never assigned (33.328 Annex J), from
 * confd.conf mikey_prot_tls / mikey_prot_psk_smime */
enum { MIKEY_PROT_TLS_DEFAULT = 241, MIKEY_PROT_SMIME_DEFAULT = 242,
       MIKEY_PROT_APP_DEFAULT = 243 };

/* prf picks the suite (mikey_suite(), RFC 6043 12.1) of the messages
 * a role starts: the initiator's REQUEST_INIT and the ticket it asks
 * for.  Every answer is in the suite of what it answers: the
 * responder's RESOLVE_INIT and TRANSFER_RESP in the TRANSFER_INIT's,
 * the initiator's TRANSFER_INIT in its ticket's, the KMS's responses
 * and tickets in the request's.  There is no separate MAC or
 * encryption setting, so no message can mix the suites. */
struct mikey_cfg {
	uint8_t prf;             /* MIKEY_PRF_*: the suite we start in */
	uint8_t prot_tls;
	uint8_t prot_smime;
	uint8_t prot_app;
	uint32_t skew;           /* +- seconds for T */
	uint64_t (*now)(void);   /* UNIX seconds; NULL: time() */
};

void mikey_cfg_default(struct mikey_cfg *cfg);

/* The key of one crypto session, ready for its security protocol:
 * SRTP master key and salt, the TLS PSK, or the PSK S/MIME KEK. */
struct mikey_tek {
	uint8_t cs_id;
	uint8_t prot;
	bool has_ssrc;
	uint32_t ssrc;
	uint32_t roc;
	struct mikey_srtp_pol pol;       /* SRTP only */
	size_t key_len;
	uint8_t key[MIKEY_KEY_MAX];
	size_t salt_len;
	uint8_t salt[MIKEY_SALT_MAX];
};

/* What an initiator offers for one crypto session */
struct mikey_csdesc {
	uint8_t prot;            /* MIKEY_PROT_SRTP or cfg's TLS/S/MIME */
	bool has_ssrc;
	uint32_t ssrc;
};


/* --- Initiator (UE role; the focus dialling out) --- */
struct mikey_init;

int mikey_init_alloc(struct mikey_init **mip, const struct mikey_cfg *cfg,
		     const char *my_id, const uint8_t *psk, size_t psk_len,
		     const char *kms_id);
/* REQUEST_INIT_PSK asking a ticket for the responders (may hold the
 * wildcard "?@?"), valid for lifetime_s. */
int mikey_init_request(struct mikey_init *mi, const char *const *resp,
		       size_t respc, uint32_t lifetime_s, struct mbuf **mbp);
int mikey_init_request_resp(struct mikey_init *mi, const uint8_t *buf,
			    size_t len, uint8_t *errp);
/* TRANSFER_INIT for these crypto sessions (CS IDs 1..csc).  peer_id
 * (IDRr) and sdp_ids (RFC 4567 "SDP IDs", e.g. "mikey") may be NULL. */
int mikey_init_transfer(struct mikey_init *mi, const char *peer_id,
			const struct mikey_csdesc *csv, size_t csc,
			const char *sdp_ids, struct mbuf **mbp);
int mikey_init_transfer_resp(struct mikey_init *mi, const uint8_t *buf,
			     size_t len, uint8_t *errp);
size_t mikey_init_tek_count(const struct mikey_init *mi);
const struct mikey_tek *mikey_init_tek(const struct mikey_init *mi,
				       size_t i);
/* The responder's identity from TRANSFER_RESP's IDRr */
const char *mikey_init_peer_id(const struct mikey_init *mi);


/* --- Responder (the focus on dial-in) --- */
struct mikey_resp;

/* Parse TRANSFER_INIT and do the early checks of RFC 6043 4.2.2.2
 * (timestamp, replay, Ticket Policy, security policies, SDP IDs when
 * sdp_ids != NULL) before anything is sent to the KMS.  rc may be
 * NULL (no replay protection). */
int mikey_resp_alloc(struct mikey_resp **mrp, const struct mikey_cfg *cfg,
		     const char *my_id, const uint8_t *psk, size_t psk_len,
		     const char *kms_id, struct mikey_replay *rc,
		     const uint8_t *ti, size_t ti_len, const char *sdp_ids,
		     uint8_t *errp);
int mikey_resp_resolve_init(struct mikey_resp *mr, struct mbuf **mbp);
/* Check RESOLVE_RESP, then verify TRANSFER_INIT with MPKi (and Vi),
 * enter it in the replay cache, and derive every CS's TEK. */
int mikey_resp_resolve_resp(struct mikey_resp *mr, const uint8_t *buf,
			    size_t len, uint8_t *errp);
/* Session data the responder supplies (its own SSRC for the CS that
 * carries its stream); before mikey_resp_transfer_resp(). */
int mikey_resp_set_ssrc(struct mikey_resp *mr, uint8_t cs_id, uint32_t ssrc);
int mikey_resp_transfer_resp(struct mikey_resp *mr, struct mbuf **mbp);
/* The initiator's KMS UID as the resolved ticket states it (TP IDRi):
 * only meaningful after mikey_resp_resolve_resp() succeeded. */
const char *mikey_resp_initiator_id(const struct mikey_resp *mr);
size_t mikey_resp_tek_count(const struct mikey_resp *mr);
const struct mikey_tek *mikey_resp_tek(const struct mikey_resp *mr,
				       size_t i);
uint32_t mikey_resp_csb_id(const struct mikey_resp *mr);
uint8_t  mikey_resp_prf(const struct mikey_resp *mr);


/* --- KMS role (kmsd) --- */
struct mikey_kms_user {
	const char *uid;         /* KMS UID, as IDRi/IDRr carry it */
	const uint8_t *psk;
	size_t psk_len;
};

/* Look up a user by the ID Data of IDRi/IDRr (or IDRpsk); NULL if none */
typedef const struct mikey_kms_user *(mikey_kms_user_h)(const uint8_t *id,
							 size_t len,
							 void *arg);

struct mikey_kms {
	struct mikey_cfg cfg;
	const char *kms_id;
	const uint8_t *tpk;      /* ticket protection key (master key) */
	size_t tpk_len;
	uint32_t max_lifetime;   /* seconds a ticket may be valid */
	mikey_kms_user_h *userh;
	void *arg;
	struct mikey_replay *rc;
};

/* Answer one request (REQUEST_INIT_PSK or RESOLVE_INIT_PSK).  *mbp
 * gets the response or a MIKEY Error message; the return value is the
 * reason when it is an Error (0 on success). */
int mikey_kms_handle(const struct mikey_kms *kms, const uint8_t *req,
		     size_t len, struct mbuf **mbp);


/* --- shared helpers --- */

/* RFC 3830 6.12 Error message: HDR, T, ERR (unauthenticated) */
int mikey_error_encode(struct mbuf **mbp, uint32_t csb_id, uint8_t prf,
		       uint8_t errnum);
uint8_t mikey_id_type(const char *id);
/* '?' in pattern matches any run of characters (33.328 6.2.3.5 "?@?") */
bool mikey_id_match(const uint8_t *pat, size_t pl, const uint8_t *id,
		    size_t il);
const char *mikey_err_name(uint8_t errnum);

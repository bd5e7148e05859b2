/**
 * @file kms_client.h  KMS client for the focus: MIKEY-TICKET over HTTPS
 *
 * Include keying/mikey/mikey.h and keying/mikey/mikey_ticket.h first.
 *
 * Non-blocking on libre's main loop.  Each request is one HTTPS POST
 * of an application/mikey body to kms_url; the KMS's certificate is
 * checked against kms_ca (chain) or kms_fingerprint (SHA-256 of the
 * certificate, "AB:CD:..." as in a=fingerprint) before anything is
 * sent, and a request that is not answered within timeout_ms fails
 * with ETIMEDOUT.  kms_url's host must be an IP literal (no DNS):
 * "https://127.0.0.1:8443/mikey".
 *
 * How the focus uses it (dial-in, focus = responder):
 *   1. SDP offer has a=key-mgmt:mikey <base64> (session or media level,
 *      RFC 4567); base64-decode it to TRANSFER_INIT.
 *   2. kmsc_resolve(&q, kc, ti, len, "mikey", resolve_h, arg): the
 *      early checks run at once (a non-zero return means reject now:
 *      488 with a MIKEY Error from mikey_error_encode(), see below).
 *   3. resolve_h(err, merr, mr, arg) runs later on the main loop:
 *        err 0: mikey_resp_initiator_id(mr) is the caller's KMS UID as
 *        the KMS vouched for it -> 403 if not on the conference list;
 *        mikey_resp_tek(mr, i) gives each CS's TEK: CS IDs follow the
 *        m-lines (RTP: two SRTP CSs each, initiator's then ours; MSRP/
 *        BFCP: one TLS CS, TEK = TLS PSK, empty identity);
 *        mikey_resp_set_ssrc(mr, cs_id, our_ssrc) for our SRTP CSs,
 *        then mikey_resp_transfer_resp(mr, &mb) -> base64 into
 *        a=key-mgmt:mikey of the answer.
 *        err ETIMEDOUT/ECONNREFUSED-at-TCP/EIO: KMS down or slow -> 503
 *        (or 488) with a Warning.  ECONNREFUSED with merr set: the KMS
 *        answered a MIKEY Error.  EACCES/EALREADY/ETIMEDOUT (T): 488
 *        with mikey_error_encode(csb, prf, merr).
 *   The focus keeps one struct mikey_replay (window = skew) for all
 *   TRANSFER_INITs and passes it in kmsc_cfg.
 *
 * Dial-out (focus = initiator): kmsc_request() gives a struct
 * mikey_init holding the ticket; mikey_init_transfer() builds
 * TRANSFER_INIT for the offer; mikey_init_transfer_resp() checks the
 * answer's TRANSFER_RESP and yields the TEKs.
 */

struct kmsc;
struct kmsc_req;

/* Each POST's outcome and latency (µs from connect to answer or
 * failure), for metrics: err 0 is an HTTP answer, whatever it says. */
typedef void (kmsc_observe_h)(int err, uint64_t usec, void *arg);

struct kmsc_cfg {
	const char *url;             /* kms_url */
	const char *uid;             /* kms_uid: our KMS identity */
	const uint8_t *psk;          /* kms_psk */
	size_t psk_len;
	const char *kms_id;          /* IDRkms; NULL: the ticket's */
	const char *ca;              /* kms_ca file, or NULL */
	const char *fingerprint;     /* kms_fingerprint, or NULL */
	uint32_t timeout_ms;         /* 0: 3000 */
	struct mikey_cfg mikey;      /* PRF, algorithms, Prot Types, skew */
	struct mikey_replay *rc;     /* replay cache for TRANSFER_INIT */
	kmsc_observe_h *observeh;    /* optional */
	void *observe_arg;
};

int kmsc_alloc(struct kmsc **kcp, const struct kmsc_cfg *cfg);

/* mr is owned by the request; take a reference (mem_ref) to keep it
 * after the handler returns.  Freeing *reqp before the handler runs
 * cancels the request (the handler is then not called). */
typedef void (kmsc_resolve_h)(int err, uint8_t merr, struct mikey_resp *mr,
			      void *arg);
int kmsc_resolve(struct kmsc_req **reqp, struct kmsc *kc, const uint8_t *ti,
		 size_t ti_len, const char *sdp_ids, kmsc_resolve_h *resolveh,
		 void *arg, uint8_t *merr);

typedef void (kmsc_request_h)(int err, uint8_t merr, struct mikey_init *mi,
			      void *arg);
int kmsc_request(struct kmsc_req **reqp, struct kmsc *kc,
		 const char *const *responders, size_t n, uint32_t lifetime_s,
		 kmsc_request_h *requesth, void *arg);

/* One raw HTTPS POST of a MIKEY message (used by the above; exposed
 * for tests and the benchmark). */
typedef void (kmsc_post_h)(int err, const uint8_t *body, size_t len,
			   void *arg);
int kmsc_post(struct kmsc_req **reqp, struct kmsc *kc, const uint8_t *msg,
	      size_t len, kmsc_post_h *posth, void *arg);

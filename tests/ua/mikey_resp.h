/**
 * @file mikey_resp.h  The test UA's MIKEY-TICKET responder (RFC 6043)
 *
 * Include <re.h> first.
 *
 * The UE answering a TRANSFER_INIT (the focus dialling out): early
 * checks (4.2.2.2), RESOLVE_INIT_PSK -> RESOLVE_RESP at the KMS
 * (4.2.3), TRANSFER_INIT verified with MPKi and Vi (4.2.3.6), TEKs
 * from TGK' (5.1.3), TRANSFER_RESP protected with MPKr' (4.2.2.3).
 * Written from RFC 3830 / 6043 and DESIGN.md's conventions, sharing
 * nothing with keying/.  Fixed profile as the initiator role:
 * PRF-HMAC-SHA-256, HMAC-SHA-256-256, AES-CM-128.
 *
 * One object is one UE identity: it keeps its own replay cache of
 * TRANSFER_INITs (the V MAC, over the +-300 s window) across
 * exchanges, and the state of the last exchange.
 *
 * Errors: EPROTO malformed, ENOTSUP unsupported parameter or policy,
 * ETIMEDOUT T outside the window, EALREADY replayed, EACCES bad MAC,
 * EPERM identity mismatch, ECONNREFUSED the KMS answered a MIKEY Error
 * (ua_mikey_resp_kms_error() has its number); others from the HTTPS
 * POST (ECONNREFUSED, EAUTH, EIO).
 */

struct ua_mikey_resp;

int ua_mikey_resp_alloc(struct ua_mikey_resp **rp, const char *uid,
			const uint8_t *psk, size_t psk_len,
			const char *kms_id);
/* Prot Type numbers of TLS and PSK S/MIME (defaults 241, 242) */
void ua_mikey_resp_set_prot(struct ua_mikey_resp *r, uint8_t tls,
			    uint8_t smime);
/* Process one TRANSFER_INIT, resolving its ticket at the KMS
 * https://ip:port/mikey (fp: its certificate's SHA-256, or NULL).
 * sdp_ids: the RFC 4567 "SDP IDs" expected when the extension is
 * present, or NULL. */
int ua_mikey_resp_transfer_init(struct ua_mikey_resp *r, const char *ip,
				uint16_t port, const uint8_t *fp,
				const uint8_t *ti, size_t len,
				const char *sdp_ids);
/* Our SSRC for an SRTP CS whose TRANSFER_INIT left Session Data empty
 * (otherwise a random one); before ua_mikey_resp_transfer_resp() */
int ua_mikey_resp_set_ssrc(struct ua_mikey_resp *r, uint8_t cs_id,
			   uint32_t ssrc);
/* TRANSFER_RESP for the last accepted TRANSFER_INIT; malloc'd */
int ua_mikey_resp_transfer_resp(struct ua_mikey_resp *r, uint8_t **msgp,
				size_t *lenp);
/* RFC 3830 6.12 / RFC 6043 5.4 Error message (HDR, T, ERR) telling
 * the initiator why the last TRANSFER_INIT was refused; malloc'd */
int ua_mikey_resp_error(struct ua_mikey_resp *r, uint8_t **msgp,
			size_t *lenp);
int ua_mikey_resp_tek(const struct ua_mikey_resp *r, uint8_t cs_id,
		      uint8_t *key, size_t *key_len, uint8_t *salt,
		      size_t *salt_len);
/* The SSRC in the CS map of TRANSFER_RESP for an SRTP CS, 0 if none */
uint32_t ua_mikey_resp_ssrc(const struct ua_mikey_resp *r, uint8_t cs_id);
/* The initiator's identity as the resolved Ticket Policy states it
 * (TP IDRi); NULL before a TRANSFER_INIT was accepted */
const char *ua_mikey_resp_peer_id(const struct ua_mikey_resp *r);
/* The ERR number of the KMS's last MIKEY Error message, or -1 */
int ua_mikey_resp_kms_error(const struct ua_mikey_resp *r);

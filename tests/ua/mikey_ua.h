/**
 * @file mikey_ua.h  The test UA's MIKEY-TICKET initiator (RFC 6043)
 *
 * A second, independent implementation written from RFC 3830 / 6043
 * and DESIGN.md's conventions: it shares no code with keying/mikey*.c,
 * so tests that pair it with kmsd and the focus check real interop.
 * Fixed profile: PRF-HMAC-SHA-256, HMAC-SHA-256-256, AES-CM-128.
 */

struct ua_mikey;

int ua_mikey_alloc(struct ua_mikey **up, const char *uid, const uint8_t *psk,
		   size_t psk_len, const char *kms_id);
/* REQUEST_INIT_PSK -> REQUEST_RESP at kmsd; blocking HTTPS POST to
 * https://ip:port/mikey.  fp: the KMS certificate's SHA-256 (32 bytes)
 * or NULL to skip the check. */
int ua_mikey_ticket(struct ua_mikey *u, const char *ip, uint16_t port,
		    const uint8_t *fp, const char *responder);
/* TRANSFER_INIT: nsrtp SRTP CSs (our SSRC in the odd ones, RFC 4567
 * 7.1), then ntls TLS CSs with Prot Type prot_tls.  *msgp is malloc'd. */
int ua_mikey_transfer_init(struct ua_mikey *u, const char *peer,
			   unsigned nsrtp, unsigned ntls, uint8_t prot_tls,
			   uint8_t **msgp, size_t *lenp);
/* TRANSFER_INIT for a SUBSCRIBE: one CS (ID 1) of Prot Type PSK S/MIME
 * (DESIGN.md: 242), whose TEK is 16 bytes (the KEK for id-aes128-wrap) */
int ua_mikey_transfer_init_smime(struct ua_mikey *u, const char *peer,
				 uint8_t prot_smime, uint8_t **msgp,
				 size_t *lenp);
/* Check TRANSFER_RESP and derive the TEKs. */
int ua_mikey_transfer_resp(struct ua_mikey *u, const uint8_t *msg,
			   size_t len);
int ua_mikey_tek(const struct ua_mikey *u, uint8_t cs_id, uint8_t *key,
		 size_t *key_len, uint8_t *salt, size_t *salt_len);
/* The SSRC TRANSFER_INIT announced for an SRTP CS (the initiator's
 * ones: 1, 3, ...), or 0 when none */
uint32_t ua_mikey_ssrc(const struct ua_mikey *u, uint8_t cs_id);
/* The ERR number of the last MIKEY Error message received, or -1 */
int ua_mikey_last_error(const struct ua_mikey *u);

/* "mikey" subcommand for scripts:
 *   mikey ticket UID PSKHEX KMSID IP PORT RESPONDER
 * prints the TRANSFER_INIT as base64. */
int ua_mikey_cmd(int argc, char *argv[]);

/**
 * @file mikey_ua.h  The test UA's MIKEY-TICKET initiator (RFC 6043)
 *
 * A second, independent implementation written from RFC 3830 / 6043
 * and DESIGN.md's conventions: it shares no code with keying/mikey/,
 * so tests that pair it with kmsd and the focus check real interop.
 *
 * One suite per UA (RFC 6043 12.1), used for every message it sends
 * and required of every message it gets (a strict UE): the 256-bit
 * one (PRF-HMAC-SHA-256, HMAC-SHA-256-256, AES-CM-256, 256-bit keys)
 * by default, or the 128-bit one of RFC 3830 (MIKEY-1,
 * HMAC-SHA-1-160, AES-CM-128, 128-bit keys) with ua_mikey_set_prf(u, 0)
 * or UA_MIKEY_PRF=0 in the environment.
 */

struct ua_mikey;

/* One suite: prf, V MAC alg, KEMAC Encr alg, and the lengths of the
 * hash, the MAC (and its key) and the keys the suite carries */
struct ua_suite {
	uint8_t prf, mac, encr;
	size_t hash_len, mac_len, key_len;
};
const struct ua_suite *ua_mikey_suite(uint8_t prf);   /* NULL: unknown */

int ua_mikey_alloc(struct ua_mikey **up, const char *uid, const uint8_t *psk,
		   size_t psk_len, const char *kms_id);
/* 0: the 128-bit suite, 1: the 256-bit one; before ua_mikey_ticket() */
int ua_mikey_set_prf(struct ua_mikey *u, uint8_t prf);
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
/* A UA with a ticket from "--mikey UID:PSKHEX:KMSID:KMSIP:KMSPORT:RESP";
 * RESP (the responder the ticket names) is copied to peer. */
int ua_mikey_from_spec(struct ua_mikey **up, const char *spec,
		       const uint8_t *kms_fp, char *peer, size_t peer_sz);

/* Primitives shared by the UA's two MIKEY roles (the responder lives in
 * mikey_resp.c).  ua_mikey_https_post: one blocking POST of an
 * application/mikey body; *resp is malloc'd.  ua_mikey_kdf: the PRF
 * of RFC 3830 4.1.2 (the suite's: HMAC-SHA-1 or HMAC-SHA-256) over
 * constant || tail (tail at most 1020 bytes).  ua_mikey_hmac: the
 * suite's V MAC, with a key of su->mac_len bytes.  ua_mikey_aes_cm:
 * RFC 3830 4.2.3 AES-CM (a su->key_len-byte key) with the IV from
 * salt, CSB ID and the 64-bit NTP timestamp t. */
int ua_mikey_https_post(const char *ip, uint16_t port, const uint8_t *fp,
			const uint8_t *body, size_t len, uint8_t **resp,
			size_t *rlen);
int ua_mikey_kdf(const struct ua_suite *su, const uint8_t *key, size_t kl,
		 uint32_t c, const uint8_t *tail, size_t tl, uint8_t *out,
		 size_t ol);
void ua_mikey_hmac(const struct ua_suite *su, const uint8_t *k,
		   const uint8_t *a, size_t al, uint8_t *out);
void ua_mikey_aes_cm(const struct ua_suite *su, const uint8_t *key,
		     const uint8_t salt[14], uint32_t csb, uint64_t t,
		     uint8_t *buf, size_t len);

/* "mikey" subcommand for scripts:
 *   mikey ticket UID PSKHEX KMSID IP PORT RESPONDER
 * prints the TRANSFER_INIT as base64. */
int ua_mikey_cmd(int argc, char *argv[]);

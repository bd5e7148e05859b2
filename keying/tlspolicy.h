/**
 * @file tlspolicy.h  The one TLS policy of confd, for every context it
 * makes: SIP over TLS and the web API (cert.c), the fingerprint-pinned
 * MSRP and BFCP contexts (tlsfp.c) and the TLS-PSK ones (tlspsk.c).
 *
 *  - TLS 1.2 or newer;
 *  - AEAD ciphers only, so null encryption is never negotiated
 *    (DESIGN.md; TS 33.328 Annex H forbids it for TLS-PSK);
 *  - certificate suites use ECDHE (forward secrecy);
 *  - PSK suites are plain PSK: no DHE-PSK or ECDHE-PSK (Annex H), and
 *    TLS-PSK stays at TLS 1.2, since OpenSSL's TLS 1.3 external PSK
 *    always asks for psk_dhe_ke.
 *
 * A context gets the certificate suites or the PSK suites, never both:
 * a TLS-PSK client that also offered certificate suites could be
 * answered by any server with any certificate.
 */

#define TLSPOLICY_CIPHERS						\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"	\
	"PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384"

/* TLS 1.3 suites (certificate contexts only): OpenSSL's AEAD set. */
#define TLSPOLICY_CIPHERS_TLS13						\
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"		\
	"TLS_CHACHA20_POLY1305_SHA256"

struct tls;

enum tlspolicy_auth {
	TLSPOLICY_CERT,         /* authenticated by certificates */
	TLSPOLICY_PSK,          /* authenticated by a pre-shared key */
	TLSPOLICY_DTLS,         /* DTLS 1.2 with certificates (DTLS-SRTP:
				   RFC 5764; the certificate suites) */
};

/* Apply the policy to a libre TLS context (versions and ciphers). */
int tlspolicy_apply(struct tls *tls, enum tlspolicy_auth auth);

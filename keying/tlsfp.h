/**
 * @file tlsfp.h  TLS contexts pinned to the peer's SDP a=fingerprint
 * (RFC 8122; RFC 4975 14.4 for MSRP, RFC 8856 8 for BFCP): one per
 * participant and stream.  floor/ and msrp/ build theirs here.
 *
 * The context carries confd's certificate and key and authenticates the
 * peer in the handshake itself: the verify callback accepts exactly one
 * leaf certificate, the one whose digest the SDP named (self-signed is
 * the norm, so the chain does not matter).  confd asks a TLS client for
 * its certificate (RFC 8122 6.2: the server MUST request one), and a
 * peer that fails never completes a handshake, so none of its bytes
 * are read.  Session resumption is off: every handshake is checked.
 * Versions and ciphers follow keying/tlspolicy.h.
 */

struct tls;
struct tls_conn;

/* a=fingerprint hash functions taken (RFC 8122 5; md2 and md5 are not) */
enum tlsfp_hash {
	TLSFP_SHA1 = 1,
	TLSFP_SHA224,
	TLSFP_SHA256,
	TLSFP_SHA384,
	TLSFP_SHA512,
};

enum { TLSFP_MD_MAX = 64 };

/* A decoded a=fingerprint value. */
struct tlsfp_digest {
	enum tlsfp_hash hash;
	uint8_t md[TLSFP_MD_MAX];
	size_t len;                 /* always the hash's own length */
};

/* "sha-256 AB:CD:..." -> digest (RFC 8122 5: hash-func SP 2UHEX
 * *(":" 2UHEX); hash names and hex digits in either case).  EBADMSG for
 * a malformed value or a digest of the wrong length, ENOTSUP for a hash
 * function not taken. */
int  tlsfp_decode(struct tlsfp_digest *d, const char *value);

struct tlsfp;

/* cert: confd's own context (cert_tls_alloc()), whose certificate and
 * key the new context shares; fingerprint: the peer's a=fingerprint
 * value.  Works as TLS server and as TLS client. */
int  tlsfp_alloc(struct tlsfp **tfp, struct tls *cert,
		 const char *fingerprint);
/* The same for DTLS-SRTP (RFC 5763, RFC 5764): a DTLS 1.2 context
 * (tlspolicy.h) offering or accepting the use_srtp profiles named in
 * srtp_profiles (OpenSSL's names, colon-separated), for dtls_accept()
 * and dtls_connect() on a media port. */
int  tlsfp_alloc_dtls(struct tlsfp **tfp, struct tls *cert,
		      const char *fingerprint, const char *srtp_profiles);
/* How many peer certificates this context refused for not being the
 * pinned one: tells a failed handshake's cause. */
unsigned tlsfp_mismatches(const struct tlsfp *tf);
/* Whether fingerprint (an a=fingerprint value) is the one pinned: a
 * re-INVITE with the same one keeps its DTLS association (RFC 5763 5). */
bool tlsfp_same(const struct tlsfp *tf, const char *fingerprint);
/* The libre TLS context, for tls_start_tcp(). */
struct tls *tlsfp_tls(const struct tlsfp *tf);
/* After the handshake, a second look where libre can give the peer's
 * digest (SHA-1, SHA-256): 0 when it is the pinned one, else EAUTH. */
int  tlsfp_check(const struct tlsfp *tf, const struct tls_conn *tc);

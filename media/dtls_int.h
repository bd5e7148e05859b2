/**
 * @file dtls_int.h  DTLS-SRTP (RFC 5763, RFC 5764) on one media socket
 * (internal to media/: audio.c runs one per RTP component).
 *
 * The handshake runs on the stream's own UDP port with libre's DTLS
 * (dtls_listen() as a UDP helper: it takes the datagrams whose first
 * byte is 20-63, RFC 5764 5.1.2; RTP/RTCP (128-191) and STUN (0-3) go on
 * to audio.c).  The context is a keying/tlsfp.h one, pinned to the
 * participant's a=fingerprint: a peer whose certificate is another
 * never completes the handshake, so no keys are ever derived from it.
 *
 * One association per component.  A failed attempt (wrong certificate,
 * protocol error) frees its slot: anyone can send a ClientHello to a
 * media port, and a stranger's failure must not end the participant's
 * call.  What ends it is the deadline: no association within timeout
 * ms of the start; the report then names the last failure seen.
 *
 * Keys: RFC 5764 4.2, exported with the "EXTRACTOR-dtls_srtp" label
 * (libre's tls_srtp_keyinfo()); the client's key is the one the DTLS
 * client sends with.  Each association has its own handshake, so keys
 * are per participant and component by construction.  They are never
 * logged: at debug level only an id (the first bytes of SHA-256 of the
 * key and salt), which a test can compare with what the peer exported.
 */

struct media_dtls;
struct tlsfp;

enum { MEDIA_DTLS_KEYSALT = 44 };      /* AES-256 key + 12-byte salt */

struct media_dtls_keys {
	enum srtp_suite suite;
	uint8_t tx[MEDIA_DTLS_KEYSALT];      /* ours */
	uint8_t rx[MEDIA_DTLS_KEYSALT];      /* theirs */
	size_t len;
};

/* err 0: keys (the first association, once); else the deadline passed
 * without one, and reason says why (a static string). */
typedef void (media_dtls_h)(int err, const struct media_dtls_keys *k,
			    const char *reason, void *arg);

/* active: we are the DTLS client (we answered a=setup:active) and
 * connect to peer; else we wait for the peer's ClientHello. */
int  media_dtls_alloc(struct media_dtls **dp, struct udp_sock *us,
		      struct tlsfp *pin, bool active, const struct sa *peer,
		      uint32_t timeout_ms, const char *name,
		      media_dtls_h *h, void *arg);
bool media_dtls_up(const struct media_dtls *d);
const struct tlsfp *media_dtls_pin(const struct media_dtls *d);
bool media_dtls_active(const struct media_dtls *d);
/* An id of a key for logs: hex of the first 6 bytes of its SHA-256 */
void media_dtls_keyid(char id[13], const uint8_t *key, size_t len);

/**
 * @file stun_int.h  STUN (RFC 5389) as ICE-lite needs it on a media port
 * (internal to media/: stun.c is the codec, ice.c the responder).
 *
 * Pure code over buffers, no sockets: the decoder checks every length
 * against the datagram (attributes padded to 4 bytes, the header's
 * length a multiple of 4 and equal to what follows, the magic cookie)
 * and remembers where MESSAGE-INTEGRITY and FINGERPRINT sit, so that
 * both can be verified over the bytes before them (RFC 5389 15.4,
 * 15.5).  Only Binding is of interest; any other method decodes but is
 * not answered.
 *
 * Our own, not libre's stun_msg_decode(): libre's decoder allocates per
 * attribute and verifies nothing by itself; here nothing is allocated
 * and a fuzz target (tests/fuzz/fuzz_stun.c) runs over it.
 */

enum {
	MEDIA_STUN_HDR       = 20,
	MEDIA_STUN_MAGIC     = 0x2112a442,
	MEDIA_STUN_MAX       = 1280,     /* larger requests are dropped */
	MEDIA_STUN_BINDING   = 0x0001,
	MEDIA_STUN_REQUEST   = 0x0000,   /* class bits, RFC 5389 6 */
	MEDIA_STUN_INDICATION= 0x0010,
	MEDIA_STUN_SUCCESS   = 0x0100,
	MEDIA_STUN_ERROR     = 0x0110,
	MEDIA_STUN_UNKNOWN_MAX = 4,      /* listed in a 420 */
};

struct media_stun_msg {
	uint16_t method;                 /* 12 bits */
	uint16_t cls;                    /* MEDIA_STUN_REQUEST, ... */
	uint8_t tid[12];
	size_t len;                      /* whole message, header included */

	const uint8_t *username;         /* not NUL-terminated */
	size_t username_len;
	size_t mi_off;                   /* MESSAGE-INTEGRITY attribute, 0: none */
	size_t fp_off;                   /* FINGERPRINT attribute, 0: none */
	bool has_priority;
	uint32_t priority;
	bool use_candidate;
	bool controlling, controlled;
	/* comprehension-required attributes we do not know (RFC 5389 7.3.1) */
	uint16_t unknown[MEDIA_STUN_UNKNOWN_MAX];
	size_t unknownc;
};

/* 0, or EBADMSG for anything that is not a well-formed STUN message
 * (then the datagram is simply dropped).  m points into p. */
int  media_stun_decode(struct media_stun_msg *m, const uint8_t *p,
		       size_t len);
/* MESSAGE-INTEGRITY (HMAC-SHA1, short-term credentials: the key is the
 * password) over p[0 .. mi_off) with the header length as RFC 5389 15.4
 * says; false when absent or wrong */
bool media_stun_integrity_ok(const struct media_stun_msg *m,
			     const uint8_t *p, const char *pwd);
/* FINGERPRINT (CRC-32 xor 0x5354554e); true when absent */
bool media_stun_fingerprint_ok(const struct media_stun_msg *m,
			       const uint8_t *p);

/* A Binding success response to tid: XOR-MAPPED-ADDRESS of mapped,
 * MESSAGE-INTEGRITY with pwd, FINGERPRINT (RFC 8445 7.3.1.x). */
int  media_stun_success(uint8_t *out, size_t size, size_t *lenp,
			const uint8_t tid[12], const struct sa *mapped,
			const char *pwd);
/* An error response (ERROR-CODE, UNKNOWN-ATTRIBUTES when given,
 * FINGERPRINT; no MESSAGE-INTEGRITY: RFC 5389 10.1.2 for 400/401). */
int  media_stun_error(uint8_t *out, size_t size, size_t *lenp,
		      const uint8_t tid[12], uint16_t method, uint16_t code,
		      const char *reason, const uint16_t *unknown,
		      size_t unknownc);


/* ---- the ICE-lite responder (ice.c; RFC 8445 2.5, 7.3) ---- */

struct media_ice;

/* Our ufrag and password and theirs (from SDP); copied. */
int  media_ice_alloc(struct media_ice **icep, const char *lufrag,
		     const char *lpwd, const char *rufrag);
bool media_ice_same(const struct media_ice *ice, const char *lufrag,
		    const char *lpwd, const char *rufrag);

enum media_ice_verdict {
	MEDIA_ICE_DROP = 0,              /* nothing to send */
	MEDIA_ICE_REPLY,                 /* send out: an error response */
	MEDIA_ICE_CHECKED,               /* send out: a success response;
					    src passed a connectivity check */
};

/* One datagram that came to our port from src: what to answer. */
enum media_ice_verdict media_ice_input(const struct media_ice *ice,
				       const uint8_t *p, size_t len,
				       const struct sa *src, uint8_t *out,
				       size_t size, size_t *outlen,
				       bool *nominated);

/**
 * @file frame_int.h  BFCP message framing over a TCP/TLS byte stream.
 *
 * RFC 8855 5.1: every message starts with a 12-byte COMMON-HEADER whose
 * Payload Length counts 4-octet units after the header.  Over a reliable
 * transport the F and R bits are ignored and no fragment fields follow,
 * so the header alone tells where a message ends.  This framer is pure
 * (no sockets): push bytes as they arrive, pull whole messages out.
 */

enum {
	FLOOR_HDR_SIZE  = 12,
	FLOOR_FRAME_MAX = 65536,   /* default cap on one message, in bytes */
};

struct floor_frame;

/* A framer accepting messages of at most max bytes (0: FLOOR_FRAME_MAX). */
int floor_frame_alloc(struct floor_frame **frp, size_t max);

/* Append received bytes.  ENOMEM, or EPIPE once the framer is dead. */
int floor_frame_push(struct floor_frame *fr, const uint8_t *p, size_t n);

/*
 * Take the next whole message.  On 0, msgp and lenp point at it until the
 * next push or next call.  Returns:
 *   ENODATA  - not a whole message yet (need more bytes);
 *   EPROTO   - the version field is neither 1 nor 2: the stream cannot
 *              be trusted to frame, the framer is now dead;
 *   EMSGSIZE - the announced length exceeds the cap: dead as well.
 * On EPROTO/EMSGSIZE, msgp and lenp give the bytes of the offending
 * header (up to 12) so the caller can copy its IDs into an Error.
 */
int floor_frame_next(struct floor_frame *fr, const uint8_t **msgp,
		     size_t *lenp);

/* Bytes buffered but not yet taken. */
size_t floor_frame_pending(const struct floor_frame *fr);

/*
 * Stateless header check over p[0..n): the total length of the message
 * that starts at p in *lenp.  Same return codes as floor_frame_next().
 */
int floor_frame_peek(const uint8_t *p, size_t n, size_t max, size_t *lenp);

/* Header fields, for building an Error reply to any framed message;
 * p must hold at least FLOOR_HDR_SIZE bytes. */
struct floor_hdr {
	uint8_t  ver;
	uint8_t  prim;
	uint16_t len;       /* payload length in 4-octet units */
	uint32_t confid;
	uint16_t tid;
	uint16_t userid;
};

void floor_hdr_get(struct floor_hdr *h, const uint8_t *p);

/**
 * @file msg_int.h  What libre's BFCP codec lacks for a TCP server.
 *
 * libre 1.1.0's bfcp_msg_decode() is used to decode, but it is lenient:
 *  - a fixed-size attribute (FLOOR-ID, PRIORITY, ...) longer than 4
 *    bytes is read as if it were 4 and the rest is parsed as the next
 *    attribute (the stream desynchronises silently);
 *  - a grouped attribute whose contents do not add up is not rejected;
 *  - the payload length is only checked as a lower bound;
 *  - a message with the F bit set is refused (ENOSYS), although over a
 *    reliable transport F MUST be ignored (RFC 8855 5.1);
 *  - at most 16 unknown mandatory attributes are collected.
 * Its variadic encoder cannot build a variable number of grouped
 * attributes, and its string attributes wrap their 8-bit length
 * silently past 253 bytes.
 *
 * So: floor_msg_check() validates a whole framed message strictly before
 * libre decodes it, floor_msg_decode_tcp() wraps the decode, and the
 * floor_w_*() writers encode (with bounded, checked lengths).
 */

/* Strict structural check of one whole message p[0..n) (header +
 * payload).  0 or EBADMSG. */
int floor_msg_check(const uint8_t *p, size_t n);

/* Decode one framed, checked message: F is cleared first (reliable
 * transport).  The input is not modified. */
int floor_msg_decode_tcp(struct bfcp_msg **msgp, const uint8_t *p, size_t n);

/* Writers.  The message is written from mb->pos; call floor_w_end()
 * when done to fill in the Payload Length. */
struct floor_w {
	struct mbuf *mb;
	size_t start;          /* of the COMMON-HEADER */
	size_t grp[4];         /* starts of open grouped attributes */
	unsigned depth;
	int err;               /* first error, sticky */
};

void floor_w_begin(struct floor_w *w, struct mbuf *mb, enum bfcp_prim prim,
		   uint32_t confid, uint16_t tid, uint16_t userid);
void floor_w_u16(struct floor_w *w, enum bfcp_attrib type, uint16_t v);
void floor_w_2(struct floor_w *w, enum bfcp_attrib type, uint8_t a, uint8_t b);
void floor_w_bytes(struct floor_w *w, enum bfcp_attrib type,
		   const void *p, size_t n);
void floor_w_str(struct floor_w *w, enum bfcp_attrib type, const char *s);
void floor_w_group(struct floor_w *w, enum bfcp_attrib type, uint16_t hdr);
void floor_w_group_end(struct floor_w *w);
int  floor_w_end(struct floor_w *w);

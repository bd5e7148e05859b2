/**
 * @file msrp_cpim.h  The Message/CPIM wrapper (RFC 3862), just enough
 * for a chat relay: the message header block's From and To.
 */

enum { MSRP_CPIM_HDR_MAX = 4096 };

struct msrp_cpim {
	struct pl from;          /* URI inside <>, empty when absent */
	struct pl to;            /* first To */
	unsigned n_from, n_to;
	size_t hdr_len;          /* message headers + the blank line */
};

/* ENODATA: the blank line has not arrived yet; EBADMSG: malformed or
 * longer than MSRP_CPIM_HDR_MAX. */
int msrp_cpim_decode(struct msrp_cpim *c, const uint8_t *p, size_t n);
/* From/To message headers and DateTime, then the blank line. */
int msrp_cpim_encode(struct mbuf *mb, const char *from, const char *to);

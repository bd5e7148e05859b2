/**
 * @file kms_srv.h  kmsd's HTTPS front end: POST application/mikey at /mikey
 */

struct kms_srv;

/* Answer one MIKEY request; *mbp gets the MIKEY response (or Error). */
typedef int (kms_srv_h)(const uint8_t *req, size_t len, struct mbuf **mbp,
			void *arg);

int kms_srv_alloc(struct kms_srv **srvp, const struct sa *laddr,
		  struct tls *tls, kms_srv_h *h, void *arg);
/* The bound address (port 0 in laddr picks a free one) */
int kms_srv_laddr(const struct kms_srv *srv, struct sa *sa);

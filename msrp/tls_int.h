/**
 * @file tls_int.h  One TLS context per participant's MSRP stream
 *
 * The context carries confd's certificate and authenticates the peer
 * in the handshake itself: a pinned certificate digest (a=fingerprint,
 * keying/tlsfp.h) or a PSK (keying/tlspsk.h).  A peer that fails never
 * gets a completed handshake, so no MSRP byte of it is ever read.
 */
struct msrp_tls;
struct msrp_tls_cfg;
struct tls;
struct tls_conn;

int  msrp_tls_alloc(struct msrp_tls **tp, const struct msrp_tls_cfg *cfg);
struct tls *msrp_tls_ctx(const struct msrp_tls *t);
/* After the handshake: 0 when the peer is the pinned one (PSK: the
 * handshake itself proved it). */
int  msrp_tls_check(const struct msrp_tls *t, const struct tls_conn *tc);

/**
 * @file tcppeers_int.h  Where a participant's BFCP and MSRP connections
 * may come from (focus/ only).
 *
 * The focus knows the participant's addresses: the source of its INVITE
 * and the c= of its SDP; for MSRP also the hosts of its a=path, where
 * an RFC 4976 relay names itself first.  Their IPs (not ports) go to
 * floor_part_alloc() and msrp_part_alloc() as the tcpguard's allowed
 * peers, and a connection from any other IP is refused at accept time
 * (keying/tcpguard.h).  Where the address cannot be known, there is no
 * list and any IP may connect (the handshake still decides):
 *  - tcp_peer_check off in confd.conf (SIP through a proxy to clients
 *    behind NAT, whose TCP comes from neither address);
 *  - an MSRP a=path with a relay named by host name (resolving it would
 *    block the answer, and the name may not be ours to resolve).
 */

struct sa;
struct participant;
struct sdp_media;
struct tcpguard_cfg;

/* The distinct IPs out of sig (the INVITE's source), media (the c=
 * address) and path (an MSRP a=path value: SP-separated URIs; NULL for
 * BFCP), at most max of them, in v; returns how many.  0 means "any":
 * nothing was known, or path's first hop is a relay given by name.
 * Unset and unspecified (0.0.0.0, ::) addresses are skipped. */
size_t tcppeers_collect(struct sa *v, size_t max, const struct sa *sig,
			const struct sa *media, const char *path);

/* The guard for p's stream on m-line m: the addresses above (none when
 * the focus runs with tcp_peer_check off) and the focus's handshake
 * timeout.  v (max entries) holds the addresses cfg points to. */
void tcppeers_guard(struct tcpguard_cfg *cfg, struct sa *v, size_t max,
		    const struct participant *p, const struct sdp_media *m,
		    const char *path);

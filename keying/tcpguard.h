/**
 * @file tcpguard.h  Who may hold a connection on a participant's own
 * BFCP or MSRP listener, and for how long before it proves who it is.
 *
 * The one policy of floor/server.c and msrp/net.c (they may not include
 * each other, so it lives here; issue 18, "listeners that cannot be
 * squatted").  Each listener gets its own struct tcpguard:
 *
 *  - an address rule: when the focus knows where the participant is
 *    (the source of its INVITE, its SDP c= lines, the IP hosts of its
 *    MSRP a=path), a connection from any other IP is refused at accept
 *    time; with no address given, any IP may connect (a participant
 *    behind a relay whose address cannot be known, or tcp_peer_check
 *    off in confd.conf);
 *  - a pending set: a connection that has not authenticated yet (TLS
 *    not completed and checked against a=fingerprint or the PSK; for
 *    plain TCP, no valid first BFCP message or MSRP request naming the
 *    session) is "pending".  It must authenticate within timeout_ms or
 *    it is dropped, and at most pending_max are kept per listener: a
 *    new one drops the oldest.  Pending connections never count
 *    against the participant's own connection limit, so idle sockets
 *    opened by an outsider cannot keep the participant out; a
 *    connection that authenticates leaves the set and is always
 *    admitted (the caller makes room among its admitted ones).
 *
 * Pure bookkeeping and one timer per pending connection; no sockets.
 */

struct sa;
struct tcpguard;
struct tcpguard_pend;

enum {
	TCPGUARD_TIMEOUT_MS  = 5000,  /* to complete TLS / say who it is */
	TCPGUARD_PENDING_MAX = 8,     /* pending connections per listener */
	TCPGUARD_PEERS_MAX   = 8,     /* allowed addresses per listener */
};

struct tcpguard_cfg {
	uint32_t timeout_ms;          /* 0: TCPGUARD_TIMEOUT_MS */
	unsigned pending_max;         /* 0: TCPGUARD_PENDING_MAX */
	const struct sa *peerv;       /* IPs that may connect (ports are */
	size_t peerc;                 /* ignored); none: any; at most
				       * TCPGUARD_PEERS_MAX are kept */
};

/* A pending connection is dropped: err is ETIMEDOUT (it did not
 * authenticate in time) or EOVERFLOW (a newer one took its place).  The
 * entry has left the set already; the owner closes the connection and
 * mem_derefs the struct tcpguard_pend whenever it likes. */
typedef void (tcpguard_drop_h)(int err, void *arg);

/* cfg NULL: defaults, any address. */
int  tcpguard_alloc(struct tcpguard **gp, const struct tcpguard_cfg *cfg);

/* Whether a connection from peer (its IP) may be accepted at all.
 * IPv4-mapped IPv6 peers compare as their IPv4 address. */
bool tcpguard_allowed(const struct tcpguard *g, const struct sa *peer);

/* A new connection enters the pending set; when the set is full, the
 * oldest pending one is dropped first (its droph, EOVERFLOW).  *pp is
 * the entry: mem_deref it when the connection authenticates (admitted)
 * or closes. */
int  tcpguard_pending(struct tcpguard_pend **pp, struct tcpguard *g,
		      tcpguard_drop_h *droph, void *arg);

size_t   tcpguard_pending_count(const struct tcpguard *g);
uint32_t tcpguard_timeout(const struct tcpguard *g);

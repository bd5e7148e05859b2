/**
 * @file msrp.h  Conference chat over MSRP: what the focus calls.
 *
 * One struct msrp_conf per conference with a chat stream, one struct
 * msrp_part per participant's m=message stream.  Each participant gets
 * its own listening TCP port (from listenh: the focus's port pool, which
 * BFCP shares), so a connection
 * belongs to exactly one participant and its TLS context can pin that
 * participant's certificate (or PSK) before any MSRP is read.
 *
 * The relay (RFC 7701 style) takes a participant's SEND, checks the
 * Message/CPIM wrapper, and sends it on to every other participant as
 * Message/CPIM with From = the identity the focus gave for the sender
 * and To = the conference URI (or, for a private message, the one
 * participant named in CPIM To).  Chunks are relayed as they arrive,
 * never reassembled; each recipient has a bounded queue.
 *
 * What the focus does, per participant m=message line of an offer:
 *   - proto TCP/TLS/MSRP: build a struct msrp_tls_cfg with confd's TLS
 *     context (cert_tls_alloc) and the offer's a=fingerprint value (the
 *     stream gets a context pinned to it, keying/tlsfp.h), or with the
 *     participant's TLS PSK (the MIKEY TEK, keying/tlspsk.h);
 *     proto TCP/MSRP: only where policy allows plain, tls = NULL;
 *   - active = our answer to the offer's a=setup is active
 *     (keying/tcpsetup.h; RFC 6135 4.2.1: holdconn counts as absent);
 *   - peer_path = the offer's a=path value; peer = its first URI's
 *     host:port when we are active;
 *   - identity = the participant's authenticated URI;
 *   - guard (passive): the addresses the participant may connect from
 *     and the handshake timeout (keying/tcpguard.h).  A connection is
 *     the participant's only once it authenticates (TLS with the pinned
 *     certificate or the PSK; plain TCP: a request naming our URI);
 *     until then it is pending, timed and bounded apart, and never in
 *     the participant's way (net.c);
 *   - msrp_part_alloc(), then answer with
 *       m=message <msrp_part_port()> TCP/TLS/MSRP *
 *       a=path:<msrp_part_path()>
 *       a=accept-types:message/cpim text/plain
 *       a=accept-wrapped-types:*
 *       a=max-size:<conf max_size>
 *       a=setup:<tcpsetup_name(answer)>
 *       a=fingerprint:sha-256 <cert_fingerprint()>   (TLS only)
 *   - mem_deref(part) when the participant leaves or the stream is
 *     rejected; closeh tells the focus the MSRP session failed.
 */

struct tls;
struct sa;
struct tcpguard_cfg;
struct msrp_conf;
struct msrp_part;

/* Per-participant TLS: confd's certificate plus exactly one way to
 * authenticate the peer. */
struct msrp_tls_cfg {
	struct tls *cert;        /* confd's context: certificate + key */
	/* the peer's SDP a=fingerprint value, "sha-256 AB:CD:..."; the
	 * peer's certificate must hash to it or the handshake fails */
	const char *fingerprint;
	/* or TLS-PSK (3GPP TS 33.328 Annex H): a TLS-PSK context the focus
	 * built from the TEK (keying/tlspsk.h: empty identity, TLS 1.2
	 * PSK-AES128-GCM-SHA256 / PSK-AES256-GCM-SHA384 only); referenced */
	struct tls *psk_tls;
};

struct msrp_conf_prm {
	const char *uri;         /* the conference URI: CPIM To */
	size_t qmax;             /* per-recipient queue, bytes; 0: 1 MiB */
	uint64_t max_size;       /* largest message; 0: 64 MiB */
};

struct msrp_conf_stats {
	uint64_t msgs_in;        /* messages started by senders */
	uint64_t chunks_out;     /* chunks queued to recipients */
	uint64_t bytes_out;      /* body bytes queued to recipients */
	uint64_t deliveries_failed;
	uint64_t rejected;       /* SEND chunks answered with an error */
};

typedef void (msrp_part_close_h)(struct msrp_part *p, int err, void *arg);

/* Bind a listening TCP socket on laddr's IP at a port nobody else
 * uses, calling connh(peer, conn_arg) for each connection attempt.
 * *tsp and *portp are the socket and its port; *leasep owns both:
 * mem_deref(*leasep) closes the socket and frees the port.  The focus
 * passes media_portpool_tcp_listen() and its tcp_ports pool. */
typedef int (msrp_listen_h)(void **leasep, struct tcp_sock **tsp,
			    uint16_t *portp, const struct sa *laddr,
			    tcp_conn_h *connh, void *conn_arg, void *arg);

struct msrp_part_prm {
	const char *identity;        /* authenticated URI (CPIM From) */
	const char *room_alias;      /* the room as this participant dialled
					* it (Request-URI), also taken as the
					* room in CPIM To; NULL: none */
	const struct sa *laddr;      /* address to listen on (port unused) */
	const char *host;            /* host in our URI; NULL: laddr's IP */
	msrp_listen_h *listenh;      /* where the listening port comes */
	void *listen_arg;            /* from, and its argument */
	const struct msrp_tls_cfg *tls;  /* NULL: plain TCP/MSRP */
	const char *peer_path;       /* offer's a=path; NULL: learn it */
	bool active;                 /* we connect (a=setup:active in our
					* answer); else we listen */
	const struct sa *peer;       /* active: where to connect */
	/* passive: the participant's addresses (its INVITE's source, c=,
	 * the IP hosts of a=path), the handshake timeout and the bound on
	 * pending connections (keying/tcpguard.h); NULL: the defaults,
	 * any address */
	const struct tcpguard_cfg *guard;
	msrp_part_close_h *closeh;   /* the MSRP session failed */
	void *arg;
};

struct msrp_part_stats {
	size_t queued;               /* bytes waiting for this recipient */
	size_t queued_peak;
	uint64_t rx_chunks, tx_chunks, tx_bytes, bad_frames;
	uint64_t queue_overflows;
	bool connected;
};

int  msrp_conf_alloc(struct msrp_conf **confp,
		     const struct msrp_conf_prm *prm);
void msrp_conf_stats(const struct msrp_conf *conf,
		     struct msrp_conf_stats *st);
/* The same summed over every conference since start (msgs_in,
 * chunks_out, bytes_out; for metrics) */
void msrp_totals(struct msrp_conf_stats *st);

int  msrp_part_alloc(struct msrp_part **partp, struct msrp_conf *conf,
		     const struct msrp_part_prm *prm);
/* Our a=path URI for the answer, e.g. msrps://192.0.2.1:40002/kd8..;tcp */
const char *msrp_part_path(const struct msrp_part *p);
uint16_t    msrp_part_port(const struct msrp_part *p);
const char *msrp_part_identity(const struct msrp_part *p);
void        msrp_part_stats(const struct msrp_part *p,
			    struct msrp_part_stats *st);

/**
 * @file floor.h  BFCP floor control for the focus (RFC 8855 version 1
 * over TCP/BFCP and TCP/TLS/BFCP, SDP per RFC 8856 -- see sdp.h).
 *
 * How the focus uses it:
 *
 *  1. At start-up, one struct floor_server: confd's certificate (the
 *     struct tls from cert_tls_alloc()), the local address and where
 *     BFCP listeners get their ports (floor_listen_h: the focus passes
 *     media's port pool, which MSRP listeners share).
 *
 *  2. Per conference, one struct floor_conf.  It owns the floors:
 *     FLOOR_ID_PRES (presentation, always) and FLOOR_ID_AUDIO (a
 *     moderated audio floor, when cfg.audio).  The holders handler
 *     reports who holds each floor whenever that changes; for
 *     FLOOR_ID_AUDIO the focus tells the mixer to mix only those users.
 *
 *  3. Per participant that negotiates an m=application ... BFCP stream,
 *     one struct floor_part, made while building the SDP answer.  It
 *     listens on its own port (floor_part_port() goes in the answer's
 *     m= line), and the connection arriving there IS that participant:
 *     its BFCP User ID is floor_part_userid() (a=userid in the answer),
 *     and messages naming another user or conference get an Error.
 *     For TCP/TLS/BFCP, pass the a=fingerprint value of the participant's
 *     SDP: its connection gets a TLS context of its own pinned to that
 *     digest (keying/tlsfp.h), so a client with another certificate
 *     never completes the handshake and no BFCP of it is read.
 *     With a=setup:passive in the offer, the focus is active: set
 *     cfg.active and cfg.peer (from c= and the m= port), and the
 *     connection is made out from confd.
 *     A listener admits only connections from the addresses in
 *     cfg.guard, and a connection counts as the participant's only once
 *     it authenticates (TLS with the pinned certificate or the PSK; for
 *     TCP/BFCP, a first request with the answer's conference and user
 *     IDs).  Until then it is pending: closed if it has not within the
 *     guard's timeout, at most a few per listener (the oldest goes), and
 *     never in the participant's way (see server.c).
 *
 *  4. mem_deref(part) when the participant leaves: its floor requests
 *     are cancelled or released and the next waiting request is granted.
 *     A dropped connection does the same, but the participant stays and
 *     may connect again.
 */

struct tls;
struct tcpguard_cfg;
struct floor_server;
struct floor_conf;
struct floor_part;

enum {
	FLOOR_ID_PRES  = 1,
	FLOOR_ID_AUDIO = 2,
};

/* Bind a listening TCP socket on laddr's IP at a port nobody else
 * uses, calling connh(peer, conn_arg) for each connection attempt.
 * *tsp and *portp are the socket and its port; *leasep owns both:
 * mem_deref(*leasep) closes the socket and frees the port.  The focus
 * passes media_portpool_tcp_listen() and its tcp_ports pool. */
typedef int (floor_listen_h)(void **leasep, struct tcp_sock **tsp,
			     uint16_t *portp, const struct sa *laddr,
			     tcp_conn_h *connh, void *conn_arg, void *arg);

int floor_server_alloc(struct floor_server **fsp, struct tls *cert_tls,
		       const struct sa *laddr, floor_listen_h *listenh,
		       void *listen_arg);

/* ---- conference ---- */

struct floor_conf_cfg {
	uint32_t confid;        /* BFCP Conference ID; 0 picks a random one */
	bool pres_chair;        /* presentation floor moderated by chairs */
	unsigned pres_max;      /* simultaneous holders (0 means 1) */
	bool audio;             /* add the moderated audio floor */
	bool audio_chair;       /* audio floor moderated by chairs */
	unsigned audio_max;     /* simultaneous speakers (0 means 1) */
	unsigned max_requests;  /* ongoing requests per user per floor (0: 1)*/
};

/* Holders of floorid changed: userv[0..userc) are BFCP user IDs. */
typedef void (floor_holders_h)(uint16_t floorid, const uint16_t *userv,
			       size_t userc, void *arg);

int  floor_conf_alloc(struct floor_conf **fcp, struct floor_server *fs,
		      const struct floor_conf_cfg *cfg, floor_holders_h *h,
		      void *arg);
uint32_t floor_conf_id(const struct floor_conf *fc);
bool floor_conf_holds(const struct floor_conf *fc, uint16_t floorid,
		      uint16_t userid);

/* Something users can see changed (holders, queue, statuses): the
 * focus feeds its live roster from here. */
typedef void (floor_change_h)(void *arg);
void floor_conf_set_change_handler(struct floor_conf *fc, floor_change_h *h,
				   void *arg);
/* A chair's grant or revoke from outside BFCP (chair.c): 0, ENOENT (no
 * such floor or user, nothing to revoke), EBUSY (granted when the
 * floor has room) */
int  floor_conf_chair(struct floor_conf *fc, uint16_t floorid,
		      uint16_t userid, bool grant);

enum floor_req_state {
	FLOOR_REQ_PENDING = 0,   /* waits for a chair */
	FLOOR_REQ_ACCEPTED,      /* waits in the queue (qpos) */
	FLOOR_REQ_GRANTED,
};
typedef bool (floor_req_h)(uint16_t floorid, uint16_t userid,
			   enum floor_req_state st, unsigned qpos,
			   void *arg);
/* Every ongoing request, per floor, until h returns true */
void floor_conf_requests(const struct floor_conf *fc, floor_req_h *h,
			 void *arg);

/* ---- participant ---- */

enum floor_sec {
	FLOOR_SEC_NONE = 0,     /* TCP/BFCP: only where policy allows plain */
	FLOOR_SEC_FINGERPRINT,  /* TCP/TLS/BFCP, peer pinned by a=fingerprint*/
	FLOOR_SEC_PSK,          /* TCP/TLS/BFCP with a MIKEY-TICKET TEK as
				 * PSK (Annex H): psk_tls is the context */
};

struct floor_tls_cfg {
	enum floor_sec mode;
	const char *fingerprint;       /* FINGERPRINT: the a=fingerprint
					* value, "sha-256 AB:CD:..."; EBADMSG
					* or ENOTSUP when it cannot be used */
	struct tls *psk_tls;           /* PSK: a TLS-PSK server context the
					* focus built for this participant
					* (keying/tlspsk.h); referenced */
};

struct floor_part_cfg {
	uint16_t userid;        /* 0: the next free ID */
	bool chair;             /* role chair in the authorized list */
	const char *dname;      /* display name (optional) */
	const char *uri;        /* SIP URI (optional) */
	struct floor_tls_cfg sec;
	const struct sa *peer;  /* optional: only this address may connect
				 * (passive); where to connect (active) */
	bool active;            /* confd opens the connection to peer */
	/* passive: the participant's addresses, the handshake timeout and
	 * the bound on pending connections (keying/tcpguard.h); NULL: the
	 * defaults, any address */
	const struct tcpguard_cfg *guard;
};

int floor_part_alloc(struct floor_part **fpp, struct floor_conf *fc,
		     const struct floor_part_cfg *cfg);
uint16_t floor_part_port(const struct floor_part *fp);
uint16_t floor_part_userid(const struct floor_part *fp);


/* Since start, over every conference (for metrics): requests received
 * from clients, each a BFCP transaction (RFC 8855 8). */
struct floor_stats {
	uint64_t transactions;
};
void floor_totals(struct floor_stats *st);

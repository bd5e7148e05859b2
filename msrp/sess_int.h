/**
 * @file sess_int.h  MSRP endpoint logic (RFC 4975 s.5.4, s.7), no sockets
 *
 * A struct msrp_sess is one MSRP session of ours: one a=path URI.  A
 * struct msrp_conn is one transport connection carrying MSRP bytes; the
 * socket code feeds it with msrp_conn_recv() and gives it a transport
 * (send + queued-bytes).  The first SEND whose To-Path ends with the
 * session's URI binds the connection to the session (s.5.4); other
 * connections then get 506.  Responses and REPORTs follow s.7.1-7.2.
 *
 * Content for the peer (relayed SEND chunks) goes through a bounded
 * per-session queue that is written out only when the transport has
 * drained, so a peer that stops reading costs at most that bound.
 * Responses and REPORTs are small and written at once; a peer that
 * lets them pile up past MSRP_CONN_TXQ_HARD loses its connection.
 */

struct msrp_sess;
struct msrp_conn;
struct msrp_hdrs;

enum {
	MSRP_CONN_TXQ_LOW  = 64 * 1024,    /* write more below this */
	MSRP_CONN_TXQ_HARD = 1024 * 1024,  /* close above this */
};

struct msrp_transport {
	int    (*sendh)(struct mbuf *mb, void *arg);
	size_t (*txqh)(void *arg);          /* bytes not yet on the wire */
	void   (*closeh)(int err, void *arg);  /* conn wants to be closed */
	/* call msrp_conn_writable() when the transport drains (want) or
	 * stop doing so (!want) */
	void   (*wanth)(bool want, void *arg);
	void *arg;
};

/* Upper layer (the chat relay).  Status values: 0 = fine so far,
 * otherwise an MSRP status code (400..599) for this chunk. */
struct msrp_sess_handlers {
	uint16_t (*sendh)(struct msrp_sess *s, const struct msrp_hdrs *h,
			  void *arg);
	uint16_t (*bodyh)(struct msrp_sess *s, const struct msrp_hdrs *h,
			  const uint8_t *p, size_t n, void *arg);
	/* chunk complete; returns the final status (200 on success) */
	uint16_t (*endh)(struct msrp_sess *s, const struct msrp_hdrs *h,
			 char flag, void *arg);
	/* the chunk was dropped (malformed or connection lost) after
	 * sendh accepted it: forget its partial state */
	void (*aborth)(struct msrp_sess *s, const struct msrp_hdrs *h,
		       void *arg);
	void (*reporth)(struct msrp_sess *s, const struct msrp_hdrs *h,
			void *arg);
	/* the content queue went down to a quarter of its bound after
	 * having been above half (or overflowing) */
	void (*drainh)(struct msrp_sess *s, void *arg);
	/* the bound connection is gone: the session has failed */
	void (*failh)(struct msrp_sess *s, int err, void *arg);
	void *arg;
};

struct msrp_sess_stats {
	uint64_t rx_chunks, rx_bytes, tx_chunks, tx_bytes;
	uint64_t resp_sent, reports_sent, bad_frames;
	size_t   queued;        /* bytes waiting in the content queue */
	size_t   queued_peak;
	uint64_t queue_overflows;
};

/* uri: our URI, e.g. msrps://127.0.0.1:40001/x9Fz...;tcp.  peer_path:
 * the peer's a=path (URIs separated by SP) or NULL to learn it from the
 * From-Path of the first SEND.  qmax: content queue bound in bytes. */
int  msrp_sess_alloc(struct msrp_sess **sp, const char *uri,
		     const char *peer_path, size_t qmax,
		     const struct msrp_sess_handlers *h);
bool msrp_sess_bound(const struct msrp_sess *s);
void msrp_sess_stats(const struct msrp_sess *s, struct msrp_sess_stats *st);
/* The bound connection, NULL before the first SEND. */
struct msrp_conn *msrp_sess_conn(const struct msrp_sess *s);
/* Content queue above half its bound (drainh comes at a quarter). */
bool msrp_sess_high(const struct msrp_sess *s);

/* Queue one SEND chunk towards the peer.  body[boff, boff+len) is sent;
 * body is referenced, not copied, so one buffer can feed many peers.
 * total may be MSRP_RANGE_STAR.  ctype NULL: no body.  ENOSPC when the
 * queue bound would be passed (nothing is queued then). */
int  msrp_sess_send(struct msrp_sess *s, const char *msgid, uint64_t start,
		    struct mbuf *body, size_t boff, size_t len,
		    uint64_t total, char flag, const char *ctype);
/* A failure REPORT (or success: code 200) to the peer, written at once
 * on the bound connection.  to_path: the original From-Path. */
int  msrp_sess_report(struct msrp_sess *s, const struct pl *to_path,
		      const char *msgid, uint64_t start, uint64_t end,
		      uint64_t total, uint16_t code, const char *comment);
/* The active side's first, empty SEND (RFC 4975 s.5.4). */
int  msrp_sess_send_bind(struct msrp_sess *s, struct msrp_conn *c);

int  msrp_conn_alloc(struct msrp_conn **cp, struct msrp_sess *s,
		     const struct msrp_transport *t);
/* Bytes from the transport. */
void msrp_conn_recv(struct msrp_conn *c, const uint8_t *p, size_t n);
/* Whether a request on c has named our URI in its To-Path (its
 * session-id is in no message but the SDP): what authenticates a
 * plain TCP connection. */
bool msrp_conn_addressed(const struct msrp_conn *c);
/* The transport drained: write more queued content. */
void msrp_conn_writable(struct msrp_conn *c);
/* The transport is going away (closed by the peer or by us). */
void msrp_conn_detach(struct msrp_conn *c, int err);
/* Bind an outgoing connection at once (we are the active side). */
void msrp_conn_bind(struct msrp_conn *c);

/* A fresh identifier of n (4..32) alphanumeric chars from the CSPRNG. */
void msrp_rand_ident(char *buf, size_t n);

/**
 * @file engine_int.h  The floor-control engine of one BFCP conference.
 *
 * Pure state machine, no sockets: the server feeds it whole framed
 * messages received on a user's connection and it answers through the
 * send handler, addressed by BFCP user ID.  Policies (per floor):
 *
 *  - FLOOR_CTL_AUTO: a request is granted while the floor has fewer
 *    than max holders; otherwise it waits in the queue, ordered by
 *    priority then arrival.  A waiting request is reported Accepted
 *    with its queue position (1 = next): RFC 8855 5.2.5 keeps Pending
 *    for a request that waits for a chair, and then with position 0.
 *  - FLOOR_CTL_CHAIR: a request stays Pending (queue position 0) until
 *    a chair's ChairAction accepts it; it is then Accepted with its
 *    queue position and Granted as soon as the floor has room.  A chair
 *    may also grant at once (if there is room), deny, or revoke.
 *
 * A FloorRequestStatus goes to the requester and the beneficiary on
 * every change of status or queue position; a FloorStatus goes to every
 * user that subscribed to a floor with FloorQuery whenever one of that
 * floor's requests changes.  Subsequent messages carry Transaction ID 0
 * (RFC 8855 13.1.2, reliable transport).
 *
 * Three files, as libre splits src/bfcp: engine.c holds the state and
 * the scheduler, recv.c the primitives a client sends, reply.c the
 * messages the server writes.
 */

struct floor_ctl;

enum floor_ctl_policy {
	FLOOR_CTL_AUTO = 0,
	FLOOR_CTL_CHAIR,
};

/* One encoded BFCP message for the connection of user userid. */
typedef void (floor_ctl_send_h)(uint16_t userid, struct mbuf *mb,
				void *arg);

/* The holders of floorid changed; userv lists the beneficiaries of the
 * granted requests (a user may appear once per granted request). */
typedef void (floor_ctl_holders_h)(uint16_t floorid, const uint16_t *userv,
				   size_t userc, void *arg);

int  floor_ctl_alloc(struct floor_ctl **fcp, uint32_t confid,
		     floor_ctl_send_h *sendh, floor_ctl_holders_h *holdh,
		     void *arg);
uint32_t floor_ctl_confid(const struct floor_ctl *fc);

/* Floors and users.  Floor IDs and user IDs are non-zero. */
int  floor_ctl_floor_add(struct floor_ctl *fc, uint16_t floorid,
			 enum floor_ctl_policy pol, unsigned max_holders);
int  floor_ctl_user_add(struct floor_ctl *fc, uint16_t userid, bool chair,
			const char *dname, const char *uri);
bool floor_ctl_user_exists(const struct floor_ctl *fc, uint16_t userid);

/* Ongoing floor requests a user may have per floor (default 1). */
void floor_ctl_set_max_requests(struct floor_ctl *fc, unsigned n);

/* The user's connection went away or it said Goodbye: its requests
 * (as requester or beneficiary) are cancelled or released, its FloorQuery
 * subscriptions dropped, and waiting requests are granted. */
void floor_ctl_user_disconnect(struct floor_ctl *fc, uint16_t userid);

/* The user leaves the conference: disconnect, then forget the user. */
void floor_ctl_user_remove(struct floor_ctl *fc, uint16_t userid);

/*
 * One whole message p[0..n) from the connection bound to userid (see
 * frame_int.h).  Replies go out through the send handler.  Returns
 * true when the connection must be closed after the reply: the message
 * could not be parsed (Error 10 sent), or it was a Goodbye.
 */
bool floor_ctl_recv(struct floor_ctl *fc, uint16_t userid,
		    const uint8_t *p, size_t n);

/* Whether p[0..n), the first message on a plain TCP/BFCP connection
 * (or, with framer_err, the header the framer gave up on), shows that
 * the connection is userid's: a well-formed version 1 client request
 * naming this conference and that user (recv.c).  0: it is, hand the
 * message to floor_ctl_recv().  Otherwise EPROTO, and *errp (when not
 * NULL) is the Error to write on that connection before closing it, or
 * NULL for nothing.  The engine's state is not touched. */
int  floor_ctl_first(const struct floor_ctl *fc, uint16_t userid,
		     int framer_err, const uint8_t *p, size_t n,
		     struct mbuf **errp);

/* The framer gave up on a stream (bad version or oversize): send the
 * matching Error, copying what is known of the header (hdr may be
 * shorter than 12 bytes). */
void floor_ctl_stream_error(struct floor_ctl *fc, uint16_t userid,
			    int framer_err, const uint8_t *hdr, size_t n);

/* Whether userid currently holds floorid (as beneficiary). */
bool floor_ctl_holds(const struct floor_ctl *fc, uint16_t floorid,
		     uint16_t userid);

/* Number of ongoing requests (for tests and metrics). */
size_t floor_ctl_request_count(const struct floor_ctl *fc);

/* Called after every flush: something a user can see may have changed
 * (the web interface's live roster shows holders and queue). */
typedef void (floor_ctl_change_h)(void *arg);
void floor_ctl_set_change_handler(struct floor_ctl *fc,
				  floor_ctl_change_h *h, void *arg);

/* chair.c: a chair's decision from outside BFCP (the creator's web
 * page).  grant: the user's waiting request on floorid is granted as a
 * ChairAction would (jumping the queue if the floor has room), or a
 * request is made for the user and granted; !grant: a granted request
 * is Revoked, a waiting one Denied.  ENOENT: no such floor or user, or
 * nothing to revoke; EBUSY: the floor is full. */
int  floor_ctl_chair(struct floor_ctl *fc, uint16_t floorid,
		     uint16_t userid, bool grant);
/* Each ongoing request per floor it names: beneficiary, status, queue
 * position; until h returns true */
typedef bool (floor_ctl_req_h)(uint16_t floorid, uint16_t userid,
			       enum bfcp_reqstat st, uint8_t qpos,
			       void *arg);
void floor_ctl_requests(const struct floor_ctl *fc, floor_ctl_req_h *h,
			void *arg);


/*
 * ---- Inside the engine: shared by engine.c, recv.c and reply.c ----
 */

enum {
	FLOOR_CTL_REQ_FLOORS = 4,  /* floors in one request: keeps the
				    * grouped FLOOR-REQUEST-INFORMATION
				    * under 255 B */
	FLOOR_CTL_DNAME_MAX  = 40,
	FLOOR_CTL_URI_MAX    = 60,
	FLOOR_CTL_PPI_MAX    = 64,
	FLOOR_CTL_SUBS       = 8,  /* FloorQuery floors per user */
};

struct floor_ctl_user {
	struct le le;
	uint16_t id;
	bool chair;
	char dname[FLOOR_CTL_DNAME_MAX + 1];
	char uri[FLOOR_CTL_URI_MAX + 1];
	uint16_t subv[FLOOR_CTL_SUBS];    /* FloorQuery subscriptions */
	size_t subc;
};

struct floor_ctl_floor {
	struct le le;
	uint16_t id;
	enum floor_ctl_policy pol;
	unsigned max;
	bool dirty;                   /* FloorStatus owed to subscribers */
	uint16_t *holdv;              /* last holders reported */
	size_t holdc;
	/* scratch for the scheduler */
	unsigned granted;
	unsigned waiting;
	bool blocked;
};

struct floor_ctl_req {
	struct le le;
	uint16_t id;
	uint16_t requester;
	uint16_t beneficiary;
	uint16_t floorv[FLOOR_CTL_REQ_FLOORS];
	bool chair_ok[FLOOR_CTL_REQ_FLOORS];
	size_t floorc;
	uint8_t prio;
	bool prio_set;
	bool force;                   /* a chair granted it */
	char ppi[FLOOR_CTL_PPI_MAX + 1];
	uint64_t seq;
	enum bfcp_reqstat st;
	uint8_t qpos;
	enum bfcp_reqstat sent_st;    /* last status told to the users */
	uint8_t sent_qpos;
};

struct floor_ctl {
	uint32_t confid;
	struct list users;
	struct list floors;
	struct list reqs;
	uint64_t seq;
	uint16_t next_reqid;
	unsigned max_reqs;
	floor_ctl_send_h *sendh;
	floor_ctl_holders_h *holdh;
	void *arg;
	floor_ctl_change_h *changeh;
	void *change_arg;
};


static inline bool floor_ctl_req_ongoing(const struct floor_ctl_req *r)
{
	return r->st == BFCP_PENDING || r->st == BFCP_ACCEPTED ||
	       r->st == BFCP_GRANTED;
}


/* engine.c: lookups and state changes */
struct floor_ctl_user  *floor_ctl_user_find(const struct floor_ctl *fc,
					    uint16_t id);
struct floor_ctl_floor *floor_ctl_floor_find(const struct floor_ctl *fc,
					     uint16_t id);
struct floor_ctl_req   *floor_ctl_req_find(const struct floor_ctl *fc,
					   uint16_t id);
bool floor_ctl_req_has_floor(const struct floor_ctl_req *r,
			     uint16_t floorid, size_t *ix);

/* A new request on the list, with a free Floor Request ID, its arrival
 * order and status Pending.  ENOMEM, or EADDRINUSE: no ID is free. */
int  floor_ctl_req_alloc(struct floor_ctl_req **rp, struct floor_ctl *fc);

/* The floors of r owe their subscribers a FloorStatus. */
void floor_ctl_mark_dirty(struct floor_ctl *fc, const struct floor_ctl_req *r);

/* Reschedule, tell everyone what changed, forget finished requests. */
void floor_ctl_flush(struct floor_ctl *fc);

/* Answer the transaction msg with the state of r, then flush. */
void floor_ctl_reply_frs(struct floor_ctl *fc, uint16_t to,
			 const struct bfcp_msg *msg, struct floor_ctl_req *r);


/* reply.c: the messages the server writes.  msg is the request being
 * answered (its Conference ID, Transaction ID and User ID are copied);
 * NULL for a server-initiated message (Transaction ID 0, RFC 8855
 * 13.1.2).  Each is encoded whole before it is handed to the send
 * handler, or not sent at all. */
void floor_send_frs(struct floor_ctl *fc, uint16_t to,
		    const struct bfcp_msg *msg, const struct floor_ctl_req *r);
void floor_send_floor_status(struct floor_ctl *fc, uint16_t to, uint16_t tid,
			     const struct floor_ctl_floor *f);
struct mbuf *floor_error_encode(uint32_t confid, uint16_t tid,
				uint16_t userid, enum bfcp_err code,
				const uint8_t *details, size_t dlen,
				const char *info);
void floor_send_error(struct floor_ctl *fc, uint16_t to, uint32_t confid,
		      uint16_t tid, uint16_t userid, enum bfcp_err code,
		      const uint8_t *details, size_t dlen, const char *info);
void floor_reply_error(struct floor_ctl *fc, uint16_t to,
		       const struct bfcp_msg *msg, enum bfcp_err code,
		       const char *info);
void floor_reply_empty(struct floor_ctl *fc, uint16_t to,
		       const struct bfcp_msg *msg, enum bfcp_prim prim);
void floor_reply_hello_ack(struct floor_ctl *fc, uint16_t to,
			   const struct bfcp_msg *msg);
void floor_reply_user_status(struct floor_ctl *fc, uint16_t to,
			     const struct bfcp_msg *msg,
			     const struct floor_ctl_user *who, bool info);

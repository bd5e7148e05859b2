/**
 * @file engine.h  The floor-control engine of one BFCP conference.
 *
 * Pure state machine, no sockets: the server feeds it whole framed
 * messages received on a user's connection and it answers through the
 * send handler, addressed by BFCP user ID.  Policies (per floor):
 *
 *  - FCTL_AUTO: a request is granted while the floor has fewer than
 *    max holders; otherwise it waits in the queue, ordered by priority
 *    then arrival.  A waiting request is reported Pending with its
 *    queue position (1 = next).
 *  - FCTL_CHAIR: a request stays Pending (queue position 0) until a
 *    chair's ChairAction accepts it; it is then Accepted with its queue
 *    position and Granted as soon as the floor has room.  A chair may
 *    also grant at once (if there is room), deny, or revoke.
 *
 * A FloorRequestStatus goes to the requester and the beneficiary on
 * every change of status or queue position; a FloorStatus goes to every
 * user that subscribed to a floor with FloorQuery whenever one of that
 * floor's requests changes.  Subsequent messages carry Transaction ID 0
 * (RFC 8855 13.1.2, reliable transport).
 */

struct fctl;

enum fctl_policy {
	FCTL_AUTO = 0,
	FCTL_CHAIR,
};

/* One encoded BFCP message for the connection of user userid. */
typedef void (fctl_send_h)(uint16_t userid, struct mbuf *mb, void *arg);

/* The holders of floorid changed; userv lists the beneficiaries of the
 * granted requests (a user may appear once per granted request). */
typedef void (fctl_holders_h)(uint16_t floorid, const uint16_t *userv,
			      size_t userc, void *arg);

int  fctl_alloc(struct fctl **fcp, uint32_t confid, fctl_send_h *sendh,
		fctl_holders_h *holdh, void *arg);
uint32_t fctl_confid(const struct fctl *fc);

/* Floors and users.  Floor IDs and user IDs are non-zero. */
int  fctl_floor_add(struct fctl *fc, uint16_t floorid,
		    enum fctl_policy pol, unsigned max_holders);
int  fctl_user_add(struct fctl *fc, uint16_t userid, bool chair,
		   const char *dname, const char *uri);
bool fctl_user_exists(const struct fctl *fc, uint16_t userid);

/* Ongoing floor requests a user may have per floor (default 1). */
void fctl_set_max_requests(struct fctl *fc, unsigned n);

/* The user's connection went away or it said Goodbye: its requests
 * (as requester or beneficiary) are cancelled or released, its FloorQuery
 * subscriptions dropped, and waiting requests are granted. */
void fctl_user_disconnect(struct fctl *fc, uint16_t userid);

/* The user leaves the conference: disconnect, then forget the user. */
void fctl_user_remove(struct fctl *fc, uint16_t userid);

/*
 * One whole message p[0..n) from the connection bound to userid (see
 * bfcp_frame.h).  Replies go out through the send handler.  Returns
 * true when the connection must be closed after the reply: the message
 * could not be parsed (Error 10 sent), or it was a Goodbye.
 */
bool fctl_recv(struct fctl *fc, uint16_t userid, const uint8_t *p, size_t n);

/* The framer gave up on a stream (bad version or oversize): send the
 * matching Error, copying what is known of the header (hdr may be
 * shorter than 12 bytes). */
void fctl_stream_error(struct fctl *fc, uint16_t userid, int framer_err,
		       const uint8_t *hdr, size_t n);

/* Whether userid currently holds floorid (as beneficiary). */
bool fctl_holds(const struct fctl *fc, uint16_t floorid, uint16_t userid);

/* Number of ongoing requests (for tests and metrics). */
size_t fctl_request_count(const struct fctl *fc);

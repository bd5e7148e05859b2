/**
 * @file confinfo.h  The conference roster and its RFC 4575
 * conference-info documents.
 *
 * A struct cinfo holds what one conference looks like (description,
 * host, state, users -> endpoints -> media) together with a change log:
 * every update bumps a sequence number and stamps the element it
 * touched, and the users are kept in a list ordered by their last
 * change.  A partial document "since S" walks that list from its newest
 * end and stops at the first user not changed after S, so its cost
 * depends on what changed, never on the size of the roster.
 *
 * Deleted users and endpoints stay as tombstones (so that a partial can
 * say state="deleted") until a bounded number is exceeded; then the
 * oldest is dropped and the "horizon" moves up.  Asking for a partial
 * since a point older than the horizon yields a full document.
 *
 * Pure over memory: no SIP, no sockets.
 */

struct mbuf;
struct cinfo;

enum cinfo_epstatus {
	CINFO_EP_PENDING = 0,
	CINFO_EP_DIALING_OUT,
	CINFO_EP_DIALING_IN,
	CINFO_EP_ALERTING,
	CINFO_EP_ON_HOLD,
	CINFO_EP_CONNECTED,
	CINFO_EP_MUTED_VIA_FOCUS,
	CINFO_EP_DISCONNECTING,
	CINFO_EP_DISCONNECTED,
};

enum cinfo_joining {
	CINFO_JOIN_NONE = 0,
	CINFO_JOIN_DIALED_IN,
	CINFO_JOIN_DIALED_OUT,
	CINFO_JOIN_FOCUS_OWNER,
};

enum cinfo_disc {
	CINFO_DISC_NONE = 0,
	CINFO_DISC_DEPARTED,
	CINFO_DISC_BOOTED,
	CINFO_DISC_FAILED,
	CINFO_DISC_BUSY,
};

enum cinfo_mstatus {
	CINFO_MS_NONE = 0,
	CINFO_MS_RECVONLY,
	CINFO_MS_SENDONLY,
	CINFO_MS_SENDRECV,
	CINFO_MS_INACTIVE,
};

int  cinfo_alloc(struct cinfo **cip, const char *entity);

/* conference-description, host-info, conference-state */
int  cinfo_set_subject(struct cinfo *ci, const char *subject);
int  cinfo_add_conf_uri(struct cinfo *ci, const char *uri,
			const char *purpose, const char *display);
int  cinfo_add_avail_media(struct cinfo *ci, const char *label,
			   const char *type, enum cinfo_mstatus status);
int  cinfo_set_host(struct cinfo *ci, const char *display,
		    const char *uri);
void cinfo_set_active(struct cinfo *ci, bool active);
void cinfo_set_locked(struct cinfo *ci, bool locked);

/* users, endpoints, media; a missing user or endpoint is created */
int  cinfo_user_set(struct cinfo *ci, const char *user,
		    const char *display, const char *role);
int  cinfo_user_remove(struct cinfo *ci, const char *user);
int  cinfo_ep_set(struct cinfo *ci, const char *user, const char *ep,
		  enum cinfo_epstatus status, enum cinfo_joining jm,
		  const char *by);
int  cinfo_ep_status(struct cinfo *ci, const char *user, const char *ep,
		     enum cinfo_epstatus status);
int  cinfo_ep_disconnect(struct cinfo *ci, const char *user,
			 const char *ep, enum cinfo_disc dm,
			 const char *reason);
int  cinfo_ep_remove(struct cinfo *ci, const char *user, const char *ep);
int  cinfo_media_set(struct cinfo *ci, const char *user, const char *ep,
		     const char *id, const char *type, const char *label,
		     const char *src_id, enum cinfo_mstatus status);
int  cinfo_media_remove(struct cinfo *ci, const char *user,
			const char *ep, const char *id);

/* The sequence number of the last change (0: none yet). */
uint64_t cinfo_seq(const struct cinfo *ci);
uint32_t cinfo_user_count(const struct cinfo *ci);
const char *cinfo_entity(const struct cinfo *ci);

/*
 * Encode a document with the given root version.  since == 0 asks for
 * a full document; otherwise a partial one with what changed after
 * sequence number `since` (a full one if since is behind the horizon;
 * *fullp tells which).  Returns ENODATA when a partial would be empty.
 * The buffer is positioned at 0.
 */
int  cinfo_encode(struct mbuf **mbp, const struct cinfo *ci,
		  uint64_t since, uint32_t version, bool *fullp);

/* Test hooks: how many tombstones are kept before the horizon moves. */
void cinfo_set_tomb_limit(struct cinfo *ci, uint32_t users,
			  uint32_t eps_per_user);

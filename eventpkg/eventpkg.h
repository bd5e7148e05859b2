/**
 * @file eventpkg.h  The conference event package (RFC 4575 over RFC 6665)
 * as the focus sees it: the module's only public header.
 *
 * Two parts: the roster codec (cinfo_*: a conference's state and its
 * conference-info documents, pure over memory, also used alone by
 * tests and benches) and the notifier (eventpkg_*: the SUBSCRIBE
 * listener in listen.c, the NOTIFYs in notify.c).  Internals live in
 * eventpkg_int.h, confinfo_int.h, smime_int.h and subreq_int.h.
 *
 * What the focus does:
 *
 *  1. At start-up, eventpkg_alloc() on its struct sip, BEFORE any
 *     sipevent_listen() of its own: libre's sipevent listener answers
 *     every in-dialog SUBSCRIBE (481 for dialogs it does not know), so
 *     ours must see them first.  Ours passes on every SUBSCRIBE that is
 *     not for the "conference" package and every in-dialog SUBSCRIBE of
 *     a dialog it does not own.
 *
 *  2. Per conference, eventpkg_conf_alloc() and describe it through
 *     eventpkg_conf_info() with the cinfo_* calls below
 *     (subject, conf-uris, available-media, host; then users, endpoints
 *     and media as participants come and go: cinfo_ep_set on join,
 *     cinfo_ep_status on hold/resume, cinfo_media_set per m-line,
 *     cinfo_ep_disconnect then cinfo_user_remove on leave).  After one
 *     update or a batch of them, eventpkg_conf_publish().
 *     eventpkg_conf_require_smime() from the conference policy.
 *     mem_deref() of the conf (or eventpkg_conf_end()) ends every
 *     subscription with "terminated;reason=noresource".
 *
 *  3. The authorization handler runs for each new SUBSCRIBE with
 *     Event: conference that is well formed and within the limits
 *     (bad Event, Expires, Accept or body, and a SUBSCRIBE over a cap,
 *     are answered here: see "Limits" below).  The focus maps the
 *     Request-URI to a conference, checks the subscriber (on the
 *     list, or the creator) and answers with eventpkg_sub_accept() or
 *     eventpkg_sub_reject(), at once or later: to answer later,
 *     mem_ref() the sub and mem_deref() it after answering.
 *     Retransmissions meanwhile are absorbed by a server transaction;
 *     after 30 s unanswered we send 480 ourselves.
 *
 *  4. PSK S/MIME: if eventpkg_sub_mikey() returns a TRANSFER_INIT, the
 *     focus resolves it at the KMS, checks the KMS UID, takes the TEK of
 *     the PSK S/MIME crypto session and calls eventpkg_sub_set_psk(),
 *     then eventpkg_sub_accept() with the TRANSFER_RESP as body
 *     ("application/mikey").  From then on every NOTIFY body of that
 *     subscription is application/pkcs7-mime; smime-type=
 *     authEnveloped-data.  Until MIKEY lands a provisioned PSK can be
 *     set the same way without a body.
 *
 * Why not libre's sipevent_accept()/sipevent_notify(): in libre 1.1.0
 * the 2xx to SUBSCRIBE is always sent with Content-Length: 0 (no
 * TRANSFER_RESP possible), sipevent_notify() replaces a body that is
 * still waiting and gives no signal when a NOTIFY was answered (so no
 * queueing is possible from outside), a refresh re-sends the last body
 * instead of letting the package send full state, and initial SUBSCRIBEs
 * below the minimum get no 423.  So the notifier here is built on
 * libre's SIP dialog and transaction layer (sip_dialog_accept,
 * sip_treplyf, sip_drequestf) and keeps at most one NOTIFY in flight per
 * subscription; changes made meanwhile are merged into the next partial
 * document, which then covers everything since the last one sent (so no
 * change is lost and versions still go up by exactly one).
 */

/*
 * The roster: a conference and its RFC 4575 conference-info documents
 * (confinfo.c, confinfo_xml.c).  Its names keep the short cinfo_
 * prefix of the conference-info codec.
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


/*
 * The notifier
 */


struct sip;
struct sip_msg;
struct cinfo;
struct eventpkg;
struct eventpkg_conf;
struct eventpkg_sub;

/*
 * Limits and pacing (issue 18).  From is no identity (DESIGN.md) and
 * Contact may name anyone, so before the focus has authenticated
 * anybody a SUBSCRIBE must not be able to make us hold much state or
 * send much traffic to a third party:
 *
 *  - Caps on live subscriptions (pending authorization or established,
 *    until they end): per identity (the From URI, as claimed), per
 *    source IP address (the port is ignored) and in total.  They are
 *    checked before the authorization handler runs, so a refused
 *    SUBSCRIBE costs no KMS round trip.  Over a cap the answer is
 *    503 Service Unavailable with Retry-After (RFC 3261 21.5.4: a
 *    temporary condition; the subscriber may try again when one of
 *    its subscriptions has ended), the reason phrase saying which cap;
 *    not 403, which tells a client never to repeat the request.
 *    Refreshes in an existing dialog are not counted again.
 *  - NOTIFY pacing: one token bucket for all subscriptions of this
 *    listener (notify_rate NOTIFY transactions a second, at most
 *    notify_burst at once).  NOTIFYs that find no token wait in a FIFO
 *    and are built when they leave it, so changes made meanwhile are
 *    merged and nothing is lost.
 *  - A NOTIFY that fails (Timer F, 408, 481, any final response >= 300
 *    or a transport error) ends its subscription at once, without a
 *    final NOTIFY (RFC 6665 4.2.2).  libre retransmits a NOTIFY over
 *    UDP until Timer F (64*T1 = 32 s) and offers no way to stop that
 *    earlier, so a dead subscriber receives one NOTIFY transaction (at
 *    most 11 datagrams) and nothing after it.
 *
 * 0 in any field takes the default; EVENTPKG_UNLIMITED lifts a cap or
 * the pacing (benchmarks only).
 */
#define EVENTPKG_UNLIMITED UINT32_MAX

struct eventpkg_cfg {
	uint32_t expires_min;      /* 423 below this; default 60 */
	uint32_t expires_dfl;      /* without Expires; default 3600 */
	uint32_t expires_max;      /* granted at most; default 86400 */
	const char *cuser;         /* Contact user part; default "conf" */

	uint32_t max_per_identity; /* per From URI; default 4 */
	uint32_t max_per_source;   /* per source IP address; default 16 */
	uint32_t max_total;        /* default 1000 */
	uint32_t retry_after;      /* seconds, in the 503; default 60 */
	uint32_t notify_rate;      /* NOTIFYs per second; default 200 */
	uint32_t notify_burst;     /* token bucket depth; default 50 */
};

struct eventpkg_stats {
	uint32_t subs;             /* live: pending and established */
	uint32_t queued;           /* NOTIFYs waiting for a token */
	uint64_t refused_limit;    /* SUBSCRIBEs answered 503 over a cap */
	uint64_t notify_sent;      /* NOTIFY transactions started */
	uint64_t notify_failed;    /* subscriptions ended by a failed one */
};

typedef void (eventpkg_auth_h)(struct eventpkg_sub *sub,
			       const struct sip_msg *msg, void *arg);

int  eventpkg_alloc(struct eventpkg **epp, struct sip *sip,
		    const struct eventpkg_cfg *cfg,
		    eventpkg_auth_h *authh, void *arg);
void eventpkg_stats(const struct eventpkg *ep, struct eventpkg_stats *st);

/* conferences */
int  eventpkg_conf_alloc(struct eventpkg_conf **confp, struct eventpkg *ep,
			 const char *conf_uri);
struct cinfo *eventpkg_conf_info(struct eventpkg_conf *conf);
void eventpkg_conf_publish(struct eventpkg_conf *conf);
void eventpkg_conf_require_smime(struct eventpkg_conf *conf, bool req);
void eventpkg_conf_end(struct eventpkg_conf *conf);
uint32_t eventpkg_conf_sub_count(const struct eventpkg_conf *conf);

/* subscriptions (pending until accepted or rejected) */
int  eventpkg_sub_mikey(const struct eventpkg_sub *sub,
			const uint8_t **p, size_t *n);
int  eventpkg_sub_set_psk(struct eventpkg_sub *sub, const uint8_t *kek,
			  size_t kek_len, uint32_t csb_id, uint8_t cs_id);
int  eventpkg_sub_accept(struct eventpkg_sub *sub,
			 struct eventpkg_conf *conf, const char *ctype,
			 const uint8_t *body, size_t len);
int  eventpkg_sub_reject(struct eventpkg_sub *sub, uint16_t scode,
			 const char *reason);
/* The same with extra header lines, each ending in CRLF (a 401's
 * WWW-Authenticate challenges) */
int  eventpkg_sub_reject_hdrs(struct eventpkg_sub *sub, uint16_t scode,
			      const char *reason, const char *hdrs);

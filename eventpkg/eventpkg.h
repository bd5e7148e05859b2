/**
 * @file eventpkg.h  The conference event package (RFC 4575 over RFC 6665)
 * as the focus sees it.
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
 *     eventpkg_conf_info() with the cinfo_* calls of confinfo.h
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
 *     Event: conference that is well formed (bad Event, Expires, Accept
 *     or body are answered here).  The focus maps the Request-URI to a
 *     conference, checks the subscriber (on the list, or the creator)
 *     and answers with eventpkg_sub_accept() or eventpkg_sub_reject(),
 *     at once or later: to answer later, mem_ref() the sub and
 *     mem_deref() it after answering.  Retransmissions meanwhile are
 *     absorbed by a server transaction; after 30 s unanswered we send
 *     480 ourselves.
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

struct sip;
struct sip_msg;
struct cinfo;
struct eventpkg;
struct eventpkg_conf;
struct eventpkg_sub;

struct eventpkg_cfg {
	uint32_t expires_min;      /* 423 below this; default 60 */
	uint32_t expires_dfl;      /* without Expires; default 3600 */
	uint32_t expires_max;      /* granted at most; default 86400 */
	const char *cuser;         /* Contact user part; default "conf" */
};

typedef void (eventpkg_auth_h)(struct eventpkg_sub *sub,
			       const struct sip_msg *msg, void *arg);

int  eventpkg_alloc(struct eventpkg **epp, struct sip *sip,
		    const struct eventpkg_cfg *cfg,
		    eventpkg_auth_h *authh, void *arg);

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

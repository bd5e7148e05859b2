/**
 * @file focus.h  The SIP conference focus (RFC 4579): the public face
 * that confd/main.c wires to the SIP stack and the store.
 */

struct focus;
struct confdef;
struct media_portpool;

/*
 * What the focus lets callers hold (focus/admission.c; issues 14, 18).
 * 0 in a cap means no cap, so a zeroed struct limits nothing; confd.conf
 * gives the defaults (confd/config.c, docs/threat-model.md).
 */
struct focus_limits {
	uint32_t max_calls;            /* calls on this server */
	uint32_t max_participants;     /* calls in one conference */
	uint32_t max_pending;          /* calls not yet ACKed, overall */
	uint32_t max_pending_per_source;  /* ... from one IP address */
	uint32_t max_transactions_per_source;  /* new requests/s per IP */
	uint32_t flood_drop_per_source;   /* 503s/s to one IP, then silence */
	uint32_t open_conf_share;      /* % of calls, RTP ports and
					* descriptors open conferences may
					* use; 0 or 100: no reserve */
	uint32_t fd_reserve;           /* descriptors kept for SIP */
	uint32_t ack_timeout_ms;       /* INVITE to ACK at most; 0: libre's
					* 64*T1 */
	uint32_t retry_after;          /* s, in every 503 for a limit */
	/* the conference event package (eventpkg.h struct eventpkg_cfg) */
	uint32_t sub_max_per_identity;
	uint32_t sub_max_per_source;
	uint32_t sub_max_total;
	uint32_t sub_retry_after;
	uint32_t notify_rate;          /* NOTIFYs/s; 0: unpaced */
	uint32_t notify_burst;
};

/*
 * How a participant's media is keyed (focus/calllog.c): negotiated
 * once answered, as offered in a refusal.  For logs and metrics.
 */
enum focus_keying {
	FOCUS_KEYING_NONE = 0,         /* plain RTP (or no audio) */
	FOCUS_KEYING_SDES,             /* RFC 4568 a=crypto */
	FOCUS_KEYING_MIKEY,            /* RFC 4567/6043 a=key-mgmt:mikey */
	FOCUS_KEYING_DTLS,             /* RFC 5763 UDP/TLS/RTP/SAVP */
	FOCUS_KEYING_N
};
const char *focus_keying_name(enum focus_keying k);   /* "sdes" ... */

/*
 * Joins, leaves and refusals of INVITEs, one event each (calllog.c).
 * With an event handler set, the focus logs none of them itself: the
 * daemon writes the line (confd/log.c, text or JSON).  Never a key.
 */
enum focus_event_type {
	FOCUS_EV_JOIN = 0,             /* answered 200: in the conference */
	FOCUS_EV_LEAVE,                /* a joined participant went */
	FOCUS_EV_REFUSE,               /* the INVITE got a final error */
};
struct focus_event {
	enum focus_event_type type;
	const char *conf;              /* conference URI, "" when unknown */
	const char *participant;       /* identity (may be unproven) */
	enum focus_keying keying;
	uint16_t scode;                /* REFUSE: the status sent */
	const char *reason;            /* REFUSE/LEAVE: why; JOIN: "" */
	uint32_t count;                /* participants in after the event */
};
typedef void (focus_event_h)(const struct focus_event *ev, void *arg);

/* Counters for metrics (confd/metrics.c reads them when scraped). */
enum { FOCUS_STATUS_MAX = 24 };
struct focus_stats {
	uint32_t calls[FOCUS_KEYING_N];        /* live dialogs, answered
						* or not */
	uint32_t participants[FOCUS_KEYING_N]; /* joined */
	uint64_t joins[FOCUS_KEYING_N];
	uint64_t leaves;
	/* final error responses to dial-in INVITEs, by status code
	 * (admission's own 503s are in adm_refused) */
	struct { uint16_t scode; uint64_t n; } refusals[FOCUS_STATUS_MAX];
	size_t refusalc;
	uint64_t media_timeouts;       /* calls ended by media_timeout */
	/* admission.c */
	uint32_t adm_calls, adm_pending, adm_sources;
	uint64_t adm_admitted, adm_refused, adm_dropped, adm_ack_timeouts;
	/* the event package */
	uint32_t subscriptions;
	uint64_t sub_refused, notify_sent, notify_failed;
};
void focus_stats(const struct focus *f, struct focus_stats *st);

struct focus_cfg {
	const char *domain;
	struct sa media_addr;          /* RTP bind address and SDP c= */
	struct sa media_addr6;         /* the same for IPv6 offers; either
					  may be unset, not both */
	struct media_portpool *rtp_pool;  /* rtp_ports: audio, slides */
	const struct sa *trusted;      /* peers whose P-Asserted-Identity */
	size_t trustedc;               /* we believe (port 0 = any)       */
	struct tls *tls;               /* our certificate (BFCP, MSRP)    */
	struct media_portpool *tcp_pool;  /* tcp_ports: BFCP and MSRP   */
	struct kmsc *kms;              /* MIKEY-TICKET, or NULL           */
	uint8_t mikey_prot_tls;        /* Prot Type of TLS crypto sessions */
	uint8_t mikey_prot_smime;      /* ... and of PSK S/MIME ones       */
	uint32_t media_timeout;        /* s without media: BYE; 0 never   */
	/* SIP digest challenges (focus/auth_int.h): enum digest_alg values,
	 * preferred first (RFC 8760 2.4); none: MD5 only */
	unsigned digest_algv[2];
	size_t digest_algc;
	uint32_t digest_nonce_lifetime;   /* seconds; 0: 300 */
	struct focus_limits limits;
	uint32_t handshake_ms;         /* BFCP/MSRP connections must
					* authenticate within (0: 5 s)     */
	bool tcp_peers_any;            /* let BFCP/MSRP connections come
					* from any address, not only the
					* participant's (tcp_peer_check no) */
	/* dial-out (dialout.c): every INVITE the focus sends goes to this
	 * proxy (port 0: none; then RFC 3263 on the Request-URI) */
	struct sa outbound_proxy;
	enum sip_transp outbound_tp;
	uint32_t dialout_timeout_s;    /* ringing until CANCEL; 0: 60 */
	/* conference factory (RFC 4579 5.4, factory.c): an INVITE to
	 * factory_uri (NULL: off) creates a conference from this template
	 * with the caller as creator and chair; factoryh writes it to the
	 * store before anyone joins (0, or an errno: 500 to the caller) */
	const char *factory_uri;
	const struct confdef *factory_tmpl;  /* open, anonymous, srtp, floor */
	int (*factoryh)(const struct confdef *def, void *arg);
	void *factory_arg;
	focus_event_h *eventh;         /* joins, leaves, refusals; NULL:
					* the focus logs them as text */
	void *event_arg;
};

int  focus_alloc(struct focus **fp, struct sip *sip,
		 const struct focus_cfg *cfg);

/* Replace the conference definitions.  Moves every struct confdef out of
 * defs (which is left empty).  Calls in progress are kept; a conference
 * that disappeared takes no new participants and ends with its last. */
int  focus_set_confdefs(struct focus *f, struct list *defs);
/* One conference: def (moved in) is its new definition, NULL when it
 * is gone from the store. */
int  focus_set_confdef(struct focus *f, const char *uri,
		       struct confdef *def);

/* Hang up on every participant (BYE).  The SIP stack stays up so that
 * the BYE transactions can finish; the caller closes it afterwards. */
void focus_shutdown(struct focus *f);

uint32_t focus_conference_count(const struct focus *f);
uint32_t focus_participant_count(const struct focus *f);
/* One line of admission counters (admission.c), for the exit report */
int  focus_admission_print(struct re_printf *pf, const struct focus *f);

/* The live state, for the control socket: every conference (or the one
 * named conf_uri; ENOENT when none) with its participants and their
 * streams, media and keying (focus/status.c).  A %H print handler. */
int  focus_status(struct re_printf *pf, const struct focus *f,
		  const char *conf_uri);



/*
 * The creator web interface (control.c, issue 11)
 */

struct odict;

/* Called whenever what a conference's live roster shows may have
 * changed: the points that update its RFC 4575 state, floors, mutes.
 * conf_uri is only valid during the call. */
typedef void (focus_roster_h)(const char *conf_uri, void *arg);
void focus_set_roster_handler(struct focus *f, focus_roster_h *h, void *arg);
/* The live roster of a conference: participants, their media and how
 * each stream is keyed, mute, audio level, talking, floors (holders and
 * queue).  An idle conference gives an empty roster. */
int  focus_roster(struct focus *f, const char *conf_uri, struct odict **odp);
/* ENOENT: target is not in the call */
int  focus_mute(struct focus *f, const char *conf_uri, const char *target,
		bool mute);
int  focus_floor_chair(struct focus *f, const char *conf_uri,
		       const char *target, uint16_t floorid, bool grant);
int  focus_part_bye(struct focus *f, const char *conf_uri, const char *target,
		    const char *reason);

/*
 * Dial-out, REFER and kick (TS 33.328 G.1 ways 2 and 3; RFC 4579 5.5,
 * 5.11).  The caller has authorized the requester: `by` names them, for
 * the log and the event package.  err gets a sentence for a human.
 *
 * focus_dialout(): the focus INVITEs target_uri into the conference.
 *   0 started (progress shows in the event package), EINVAL a URI that
 *   is not a bare sip:/sips: URI, ENOENT unknown conference, EPERM the
 *   target is not on a closed conference's list, EALREADY already in
 *   the conference or being dialled.
 * focus_refer_to_conf(): the focus REFERs target_uri to the conference
 *   (it then INVITEs the conference URI itself).  Same errors.
 * focus_kick(): BYE (or CANCEL while ringing) to every device of
 *   target_uri; ENOENT for an unknown conference, ESRCH when nobody by
 *   that URI is in it.
 */
int focus_dialout(struct focus *f, const char *conf_uri,
		  const char *target_uri, const char *by,
		  char *err, size_t errsz);
int focus_refer_to_conf(struct focus *f, const char *conf_uri,
			const char *target_uri, const char *by,
			char *err, size_t errsz);
int focus_kick(struct focus *f, const char *conf_uri,
	       const char *target_uri, const char *reason);

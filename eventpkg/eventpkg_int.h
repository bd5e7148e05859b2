/**
 * @file eventpkg_int.h  What the SUBSCRIBE listener (listen.c) and the
 * notifier (notify.c) share; private to eventpkg/.
 *
 * A subscription's life: listen.c admits it (limits, parsing), keeps it
 * pending while the focus decides, answers the SUBSCRIBE and handles
 * refreshes; notify.c sends its NOTIFYs (paced, one in flight), ends it
 * on expiry, unsubscribe or conference end, and drops it when a NOTIFY
 * fails.  eventpkg_sub_close() (listen.c) is the one way out.
 */

#define EVENTPKG_XML_CTYPE "application/conference-info+xml"

/* Live subscriptions under one key: an identity or a source address */
struct eventpkg_slot {
	struct le he;
	char *key;
	uint32_t n;
};

struct eventpkg {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct hash *subs;             /* established, by Call-ID */
	struct list pending;           /* waiting for authorization */
	struct list all;               /* every live subscription */
	uint32_t nsubs;                /* its length */
	bool closing;
	struct eventpkg_cfg cfg;
	char *cuser;
	eventpkg_auth_h *authh;
	void *arg;

	/* limits (listen.c) */
	struct hash *by_ident;         /* struct eventpkg_slot, From URI */
	struct hash *by_src;           /* struct eventpkg_slot, address */

	/* expiry (notify.c) */
	struct list expl;              /* active subs by expiry deadline */
	struct tmr tmr_exp;            /* fires at the head's deadline */

	/* pacing (notify.c) */
	struct list readyq;            /* subs with a NOTIFY due, FIFO */
	struct tmr tmr_pace;
	uint64_t tokens;               /* in thousandths of a NOTIFY */
	uint64_t refilled;             /* tmr_jiffies() of the last refill */

	struct eventpkg_stats stats;
};

struct eventpkg_conf {
	struct eventpkg *ep;
	struct cinfo *ci;
	struct list subs;              /* struct eventpkg_sub */
	bool smime_required;
	bool ended;
};

enum sub_state {
	SUB_PENDING = 0,
	SUB_ACTIVE,
	SUB_TERMINATING,               /* final NOTIFY queued or in flight */
	SUB_CLOSED,
};

struct eventpkg_sub {
	struct le he;                  /* eventpkg.subs */
	struct le le;                  /* eventpkg.pending or conf.subs */
	struct le le_all;              /* eventpkg.all */
	struct eventpkg *ep;
	struct eventpkg_conf *conf;
	enum sub_state state;
	struct eventpkg_slot *ident;   /* counted under these */
	struct eventpkg_slot *src;

	/* while pending */
	struct sip_msg *msg;
	struct sip_strans *st;
	struct eventpkg_subreq sr;
	struct tmr tmr_pending;

	/* once accepted */
	struct sip_dialog *dlg;
	struct sip_request *req;       /* the NOTIFY in flight */
	struct le le_exp;              /* eventpkg.expl */
	struct le le_q;                /* eventpkg.readyq */
	uint64_t deadline;             /* tmr_jiffies() of expiry */
	char *event_id;
	uint32_t version;              /* of the last document sent */
	uint64_t since;                /* roster seq it reflected */
	bool want_full;
	bool final_full;               /* final NOTIFY carries full state */
	bool final_sent;
	enum sipevent_reason reason;

	uint8_t kek[EVENTPKG_SMIME_KEK_LEN];
	uint8_t kekid[EVENTPKG_SMIME_KEKID_LEN];
	bool has_kek;
};


/* listen.c */
void eventpkg_sub_close(struct eventpkg_sub *s);

/* notify.c */
void eventpkg_notifier_init(struct eventpkg *ep);
void eventpkg_notifier_close(struct eventpkg *ep);
void eventpkg_sub_kick(struct eventpkg_sub *s);
void eventpkg_sub_terminate(struct eventpkg_sub *s, enum sipevent_reason r,
			    bool full);
void eventpkg_sub_unqueue(struct eventpkg_sub *s);
void eventpkg_exp_set(struct eventpkg_sub *s, uint32_t expires);
void eventpkg_exp_clear(struct eventpkg_sub *s);

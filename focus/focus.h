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

/* End target_uri's calls in conf_uri (BYE); ENOENT: no such conference,
 * ESRCH: nobody by that URI in it (focus/status.c). */
int  focus_kick(struct focus *f, const char *conf_uri,
		const char *target_uri, const char *reason);

/* Dial target_uri into conf_uri (INVITE from the focus); what went wrong
 * in err.  Provided by focus/dialout.c (the dial-out work); until it is
 * merged confd/web/dialout_pending.c answers ENOSYS. */
int  focus_dialout(struct focus *f, const char *conf_uri,
		   const char *target_uri, const char *by,
		   char *err, size_t errsz);


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

/* The focus REFERs target_uri to conf_uri (TS 33.328 G.1 way 2)
 * (focus/dialout.c) */
int  focus_refer_to_conf(struct focus *f, const char *conf_uri,
			 const char *target_uri, const char *by, char *err,
			 size_t errsz);

/**
 * @file focus.h  The SIP conference focus (RFC 4579): the public face
 * that confd/main.c wires to the SIP stack and the store.
 */

struct focus;
struct confdef;
struct media_portpool;

struct focus_cfg {
	const char *domain;
	struct sa media_addr;          /* RTP bind address and SDP c= */
	struct media_portpool *rtp_pool;  /* rtp_ports: audio, slides */
	const struct sa *trusted;      /* peers whose P-Asserted-Identity */
	size_t trustedc;               /* we believe (port 0 = any)       */
	struct tls *tls;               /* our certificate (BFCP, MSRP)    */
	struct media_portpool *tcp_pool;  /* tcp_ports: BFCP and MSRP   */
	struct kmsc *kms;              /* MIKEY-TICKET, or NULL           */
	uint8_t mikey_prot_tls;        /* Prot Type of TLS crypto sessions */
	uint8_t mikey_prot_smime;      /* ... and of PSK S/MIME ones       */
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
};

int  focus_alloc(struct focus **fp, struct sip *sip,
		 const struct focus_cfg *cfg);

/* Replace the conference definitions.  Moves every struct confdef out of
 * defs (which is left empty).  Calls in progress are kept; a conference
 * that disappeared takes no new participants and ends with its last. */
int  focus_set_confdefs(struct focus *f, struct list *defs);

/* Hang up on every participant (BYE).  The SIP stack stays up so that
 * the BYE transactions can finish; the caller closes it afterwards. */
void focus_shutdown(struct focus *f);

uint32_t focus_conference_count(const struct focus *f);
uint32_t focus_participant_count(const struct focus *f);

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
 * focus_kick(): BYE (or CANCEL while ringing) to target_uri; ENOENT
 *   when it is not in the conference.
 */
int focus_dialout(struct focus *f, const char *conf_uri,
		  const char *target_uri, const char *by,
		  char *err, size_t errsz);
int focus_refer_to_conf(struct focus *f, const char *conf_uri,
			const char *target_uri, const char *by,
			char *err, size_t errsz);
int focus_kick(struct focus *f, const char *conf_uri,
	       const char *target_uri, const char *reason);

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

/* Dial-out and REFER (focus/dialout.c, from the dial-out branch) */
int  focus_dialout(struct focus *f, const char *conf_uri,
		   const char *target_uri, const char *by, char *err,
		   size_t errsz);
int  focus_refer_to_conf(struct focus *f, const char *conf_uri,
			 const char *target_uri, const char *by, char *err,
			 size_t errsz);
int  focus_kick(struct focus *f, const char *conf_uri,
		const char *target_uri, const char *reason);

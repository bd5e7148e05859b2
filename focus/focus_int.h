/**
 * @file focus_int.h  Internals shared by the files of focus/: the focus,
 * its conferences and their participants.
 *
 * A participant's negotiated streams are opaque here: each is owned by
 * its sdp_*.c file (stream_int.h), and the MIKEY-TICKET state by
 * mikey_in.c, so that this header needs nothing but libre.
 */

/* a=label values of our own m-lines (RFC 4574), named by a=floorid */
#define FOCUS_LABEL_AUDIO  "audio"
#define FOCUS_LABEL_SLIDES "slides"

struct focus {
	struct sip *sip;
	struct floor_server *floor;    /* BFCP listeners; NULL without TLS */
	struct tls *tls;               /* our certificate (MSRP contexts) */
	struct media_portpool *tcp_pool;  /* BFCP and MSRP listeners */
	char fingerprint[128];         /* of our certificate, for SDP */
	struct kmsc *kms;              /* MIKEY-TICKET; NULL: not offered */
	struct eventpkg *ep;           /* RFC 4575 subscriptions */
	struct auth *auth;             /* digest challenges (auth.c) */
	struct admission *adm;         /* limits (admission.c) */
	uint8_t mikey_prot_smime;      /* Prot Type of PSK S/MIME CSs */
	uint8_t mikey_prot_tls;        /* Prot Type of TLS crypto sessions */
	uint32_t media_timeout;        /* s; 0: calls never time out */
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct sip_lsnr *reinvite_lsnr;   /* reinvite.c, before sipsess */
	struct sip_lsnr *check_lsnr;   /* sipcheck.c, after admission.c */
	struct list confs;             /* struct conference */
	char *domain;
	struct sa media_addr;          /* IPv4 media, or unset */
	struct sa media_addr6;         /* IPv6 media, or unset */
	int floor_af;                  /* family of the BFCP listeners */
	struct media_portpool *rtp_pool;  /* audio and slides RTP/RTCP */
	struct sa *trusted;
	size_t trustedc;
	uint32_t handshake_ms;         /* BFCP/MSRP: to authenticate */
	bool tcp_peers_any;            /* tcp_peer_check off */
	char *dialout_route;           /* outbound_proxy as a loose route */
	struct factory *factory;       /* factory.c; NULL: off */
	uint32_t dialout_timeout_ms;
	bool closing;
	/* the creator web interface's live roster (control.c) */
	void (*rosterh)(const char *conf_uri, void *arg);
	void *roster_arg;
	struct calllog *log;           /* calllog.c: join/leave/refusal */
};

struct conference {
	struct le le;
	struct focus *focus;
	struct confdef *def;           /* current definition (referenced) */
	bool removed;                  /* definition deleted from store */
	struct mixer *mixer;           /* exists while anyone is in */
	struct floor_conf *floor;      /* BFCP floors, from the first user */
	struct eventpkg_conf *evc;     /* roster and its subscribers */
	struct msrp_conf *chat;        /* MSRP relay, from the first user */
	struct video_relay *video;     /* video SFU (sdp_video.c) */
	struct list parts;             /* struct participant */
};

struct participant {
	struct le le;
	struct conference *conf;
	struct sipsess *sess;
	char *uri;                     /* identity (auth_int.h) */
	bool anonymous;
	bool authenticated;            /* uri proven; never chair if not */
	struct sdp_session *sdp;       /* offer/answer (offer_answer.c) */
	struct stream_audio *audio;    /* sdp_audio.c */
	struct stream_video *video;    /* sdp_video.c: slides, main video */
	struct stream_msrp *msrp;      /* sdp_msrp.c: chat */
	struct stream_bfcp *bfcp;      /* sdp_bfcp.c: floor control */
	struct mikeyin *mikey;         /* mikey_in.c: MIKEY-TICKET keying */
	struct adm_call *adm;          /* admission.c: counted, ACK timer */
	bool estab;
	bool hold0;                    /* last SDP: c=0.0.0.0 (sdp_addr.c) */
	bool offer_pending;            /* our offer in a 2xx awaits ACK */
	bool joined;                   /* answered 200: in the conference */
	struct sa maddr;               /* our media address for this call,
					  in the family of the offer */
	struct tmr tmr;
	char ep_id[64];                /* endpoint entity in the roster */
	char ruri[128];                /* the conference as dialled */
	struct sa sig_src;             /* where its INVITE came from */
	struct dialout *dialout;       /* dialout.c: the focus called */
	char why_left[64];             /* the leave line's reason */
	const char *disc_reason;       /* why we ended it (static), or NULL */
};

/* focus.c: the last request listener (also driven by fuzz_sip.c) */
bool focus_request(const struct sip_msg *msg, void *arg);

/* conference.c */
int  conference_alloc(struct conference **confp, struct focus *f,
		      struct confdef *def);
void conference_redefine(struct conference *conf, struct confdef *def);
struct conference *conference_find(struct focus *f, const struct uri *ruri);
int  conference_join(struct conference *conf, struct participant *p);
void conference_joined(struct participant *p);
void conference_leave(struct participant *p);
void conference_gc(struct conference *conf);
void conference_audio_update(struct conference *conf);
void conference_gate_audio(struct conference *conf, const uint16_t *userv,
			   size_t userc);

/* reinvite.c: 491 for an INVITE while our offer is outstanding */
int  reinvite_listen(struct focus *f);

/* participant.c */
struct participant *participant_alloc(void);
void participant_connect(struct focus *f, const struct sip_msg *msg);
/* a dial-in INVITE to a conference already found (the factory's) */
void participant_connect_conf(struct focus *f, struct conference *conf,
			      const struct sip_msg *msg);
/* libre's sipsess handlers for an established dialog (re-INVITE) */
int  participant_offer(struct mbuf **descp, const struct sip_msg *msg,
		       void *arg);
int  participant_accept(struct participant *p, const struct sip_msg *msg,
			uint16_t scode, const char *reason,
			struct mbuf *desc);
int  participant_answer(struct participant *p, struct mbuf *desc);
void participant_drop(struct participant *p);
void participant_hangup(struct participant *p, uint16_t scode,
			const char *reason);

/* What the rest of focus/ may ask of a participant's streams; each
 * takes NULL (no such stream) */
enum sdp_dir stream_audio_dir(const struct stream_audio *sa);
int  stream_audio_keying_print(struct re_printf *pf,
			       const struct stream_audio *sa);
uint32_t stream_audio_ssrc(const struct stream_audio *sa);
int  stream_audio_rtcp(struct re_printf *pf, const struct stream_audio *sa);
void stream_audio_set_mixed(struct stream_audio *sa, bool mixed);
bool stream_video_slides(const struct stream_video *sv);
/* the m= lines, for what names them (a=floorid mstrm:) */
const struct sdp_media *stream_audio_m(const struct stream_audio *sa);
const struct sdp_media *stream_video_m(const struct stream_video *sv);
enum sdp_dir stream_video_dir(const struct stream_video *sv);
int  stream_video_warning(struct re_printf *pf,
			  const struct stream_video *sv);
void stream_video_floor_update(struct conference *conf);
int  stream_audio_loudness(const struct stream_audio *sa);
bool stream_bfcp_userid(const struct stream_bfcp *sb, uint16_t *useridp);
/* How each stream was keyed, for the live roster: "sdes", "mikey",
 * "tls-fingerprint", "tls-psk", "none"; NULL when not negotiated */
const char *stream_audio_keying(const struct stream_audio *sa);
const char *stream_video_keying(const struct stream_video *sv);
const char *stream_msrp_keying(const struct stream_msrp *sm);
const char *stream_bfcp_keying(const struct stream_bfcp *sb);
void stream_audio_set_muted(struct stream_audio *sa, bool muted);
bool stream_audio_muted(const struct stream_audio *sa);
uint8_t stream_audio_level(const struct stream_audio *sa);

/* control.c: the roster changed (events.c's update points, floors,
 * mutes): tell the web interface */
void focus_roster_changed(struct conference *conf);
void focus_roster_floor(void *arg);    /* floor_change_h */

/* mikey_in.c: the TRANSFER_INIT of an a=key-mgmt value (RFC 4567 3.1),
 * bounded by its size; ENOENT for another protocol. */
int  mikeyin_attr_decode(const char *v, uint8_t **tip, size_t *lenp);

/* identity.c */
struct identity {
	char uri[256];
	bool anonymous;
	bool asserted;                 /* from a trusted P-Asserted-Identity */
	bool authenticated;            /* proven (auth.c), not just claimed */
};
int  identity_get(struct identity *id, const struct focus *f,
		  const struct sip_msg *msg);
int  identity_authorize(const struct conference *conf,
			const struct identity *id,
			uint16_t *scode, const char **reason);
/* Is src a trusted_peer (whose P-Asserted-Identity we believe)? */
bool identity_peer_trusted(const struct focus *f, const struct sa *src);

/* events.c */
struct focus_limits;
int  events_alloc(struct focus *f, const struct focus_limits *lim);
int  events_conf_update(struct conference *conf);
void events_part_update(struct participant *p);
void events_part_left(struct participant *p, bool booted);
/* a dial-out before it is answered: dialing-out, alerting */
void events_part_progress(struct participant *p, int epstatus);

/* dialout.c: the focus INVITEs a participant (G.1 way 3) */
typedef void (dialout_progress_h)(uint16_t scode, const char *reason,
				  void *arg);
int  dialout_start(struct conference *conf, const char *target,
		   const char *by, dialout_progress_h *progh, void *arg,
		   struct participant **pp, char *err, size_t errsz);
void dialout_forget(struct participant *p, void *arg);
/* why it ended, for the roster (enum cinfo_disc, text) */
int  dialout_disc(const struct dialout *d, const char **info);
const char *dialout_by(const struct dialout *d);
struct participant *participant_find(struct conference *conf,
				     const char *uri);
void dialout_kick(struct participant *p, const char *reason);

/* a dial-out keyed by MIKEY-TICKET: its verified keys, else NULL */
const struct mikey_init *dialout_mikey(const struct dialout *d);
bool dialout_uses_mikey(const struct participant *p);

/* mikey_out.c: dial-out keyed by MIKEY-TICKET (the focus initiates) */
struct mikeyout;
struct mikey_init;
typedef void (mikeyout_ready_h)(int err, const char *why, void *arg);
const char *mikeyout_uid(const struct conference *conf, const char *target);
int  mikeyout_alloc(struct mikeyout **mop, struct focus *f, const char *uid,
		    mikeyout_ready_h *readyh, void *arg);
int  mikeyout_offer(struct mikeyout *mo, struct participant *p);
int  mikeyout_answer(struct mikeyout *mo, struct participant *p,
		     struct mbuf *answer, char *why, size_t whysz);
const struct mikey_init *mikeyout_keys(const struct mikeyout *mo);

/* factory.c: the conference factory (RFC 4579 5.4) */
struct focus_cfg;
int  factory_alloc(struct factory **fp, const struct focus_cfg *cfg);
bool factory_invite(struct focus *f, const struct sip_msg *msg);

/* refer.c: REFER to a conference URI (RFC 3515, RFC 4579 5.5/5.11) */
void refer_request(struct focus *f, const struct sip_msg *msg);
void refer_in_dialog(struct sip *sip, const struct sip_msg *msg,
		     void *arg);

/* mikey_in.c: dial-in keyed by MIKEY-TICKET (the focus responds) */
bool mikeyin_present(const struct mbuf *body);
void mikeyin_connect(struct participant *p, const struct sip_msg *msg);
bool mikeyin_rekey(struct participant *p, struct mbuf *body);

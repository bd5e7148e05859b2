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
	bool closing;
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
	struct stream_video *video;    /* sdp_video.c: slides */
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
void participant_connect(struct focus *f, const struct sip_msg *msg);
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
int  stream_audio_keying(struct re_printf *pf, const struct stream_audio *sa);
void stream_audio_set_mixed(struct stream_audio *sa, bool mixed);
bool stream_video_slides(const struct stream_video *sv);
/* the m= lines, for what names them (a=floorid mstrm:) */
const struct sdp_media *stream_audio_m(const struct stream_audio *sa);
const struct sdp_media *stream_video_m(const struct stream_video *sv);
enum sdp_dir stream_video_dir(const struct stream_video *sv);
bool stream_bfcp_userid(const struct stream_bfcp *sb, uint16_t *useridp);

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

/* events.c */
struct focus_limits;
int  events_alloc(struct focus *f, const struct focus_limits *lim);
int  events_conf_update(struct conference *conf);
void events_part_update(struct participant *p);
void events_part_left(struct participant *p, bool booted);

/* mikey_in.c: dial-in keyed by MIKEY-TICKET (the focus responds) */
bool mikeyin_present(const struct mbuf *body);
void mikeyin_connect(struct participant *p, const struct sip_msg *msg);
bool mikeyin_rekey(struct participant *p, struct mbuf *body);

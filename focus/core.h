/**
 * @file core.h  Internals shared by the files of focus/.
 */

/* a=label values of our own m-lines (RFC 4574), named by a=floorid */
#define SDP_LABEL_AUDIO  "audio"
#define SDP_LABEL_SLIDES "slides"

struct focus {
	struct sip *sip;
	struct floor_server *floor;    /* BFCP listeners; NULL without TLS */
	struct tls *tls;               /* our certificate (MSRP contexts) */
	struct media_portpool *tcp_pool;  /* BFCP and MSRP listeners */
	char fingerprint[128];         /* of our certificate, for SDP */
	struct kmsc *kms;              /* MIKEY-TICKET; NULL: not offered */
	struct eventpkg *ep;           /* RFC 4575 subscriptions */
	uint8_t mikey_prot_smime;      /* Prot Type of PSK S/MIME CSs */
	uint8_t mikey_prot_tls;        /* Prot Type of TLS crypto sessions */
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct list confs;             /* struct conference */
	char *domain;
	struct sa media_addr;
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
	char *uri;                     /* authenticated identity */
	bool anonymous;
	struct sdp_session *sdp;
	struct sdp_media *am;          /* audio m-line */
	struct sdp_media *bm;          /* BFCP m-line */
	struct sdp_media *vm;          /* presentation (slides) m-line */
	struct sdp_media *mm;          /* MSRP chat m-line */
	struct msrp_part *msrp;        /* chat session, when negotiated */
	struct tlspsk *msrp_tlspsk;    /* its TLS-PSK context (MIKEY) */
	bool msrp_psk;
	struct floor_part *fp;         /* BFCP connection, when negotiated */
	bool bfcp_tls, bfcp_active, bfcp_pskmode;
	struct video_sink *vsink;      /* slides: received and dropped
					* (media/video.c) */
	bool video_slides;
	struct sdes_crypto vtx;        /* our SDES key for the slides */
	bool vtx_valid;
	/* MIKEY-TICKET (mikey_in.c) */
	struct kmsc_req *kreq;         /* RESOLVE at the KMS in progress */
	struct mikey_resp *mr;         /* resolved: the TEKs */
	uint8_t *ti;                   /* the TRANSFER_INIT we answered */
	size_t ti_len;
	bool mikey_session_level;
	struct sdp_media *mikey_media; /* where a=key-mgmt was, if media */
	struct tlspsk *bfcp_psk;       /* TLS-PSK context of the BFCP */
	struct audio *audio;
	struct sdes_crypto tx;         /* our SDES key for this stream */
	bool tx_valid;
	bool estab;
	struct tmr tmr;
	char ep_id[64];                /* endpoint entity in the roster */
	char ruri[128];                /* the conference as dialled */
};

/* conference.c */
struct conference *conference_find(struct focus *f, const struct uri *ruri);
int  conference_join(struct conference *conf, struct participant *p);
void conference_leave(struct participant *p);
void conference_gc(struct conference *conf);
void conference_audio_update(struct conference *conf);
void conference_gate_audio(struct conference *conf, const uint16_t *userv,
			   size_t userc);

/* participant.c */
void participant_connect(struct focus *f, const struct sip_msg *msg);
void participant_hangup(struct participant *p, uint16_t scode,
			const char *reason);

/* identity.c */
struct identity {
	char uri[256];
	bool anonymous;
	bool asserted;                 /* from a trusted P-Asserted-Identity */
};
int  identity_get(struct identity *id, const struct focus *f,
		  const struct sip_msg *msg);
int  identity_authorize(const struct conference *conf,
			const struct identity *id,
			uint16_t *scode, const char **reason);

/* sdp_audio.c: offer/answer for the audio m-line, with SDES */
struct negotiation_error {
	uint16_t scode;
	uint16_t warn_code;            /* RFC 3261 20.43 warn-code */
	const char *warn_text;
};
int  sdpa_setup(struct participant *p, const struct focus *f);
int  sdpa_offer_received(struct participant *p, struct mbuf *offer,
			 struct negotiation_error *ne);
int  sdpa_decode(struct participant *p, struct mbuf *offer,
		 struct negotiation_error *ne);
int  sdpa_negotiate(struct participant *p, struct negotiation_error *ne);
int  sdpa_answer_received(struct participant *p, struct mbuf *answer,
			  struct negotiation_error *ne);
int  sdpa_encode(struct participant *p, struct mbuf **mbp, bool offer);

/* events.c */
int  events_alloc(struct focus *f);
int  events_conf_update(struct conference *conf);
void events_part_update(struct participant *p);
void events_part_left(struct participant *p, bool booted);

/* mikey_in.c */
struct mikey_rtp_keys {
	enum srtp_suite suite;
	uint8_t rx[30];                /* initiator's key || salt */
	uint8_t tx[30];                /* ours */
	size_t len;
	uint8_t tx_cs;                 /* CS ID of our stream */
};
struct mikey_tek;
bool mikeyin_present(const struct mbuf *body);
int  mikeyin_find(struct participant *p, uint8_t **tip, size_t *lenp);
int  mikeyin_rtp_keys(struct participant *p, const struct sdp_media *m,
		      struct mikey_rtp_keys *k);
const struct mikey_tek *mikeyin_tls_psk(const struct participant *p,
					const struct sdp_media *m);
int  mikeyin_answer_attr(struct participant *p);
int  mikeyin_error_sdp(struct mbuf **mbp, const struct focus *f,
		       uint32_t csb_id, uint8_t prf, uint8_t merr);

/* sdp_bfcp.c, sdp_video.c: the other m-lines of a participant */
int  sdpb_setup(struct participant *p);
int  sdpb_negotiate(struct participant *p);
int  sdpv_setup(struct participant *p);
int  sdpm_setup(struct participant *p);
int  sdpm_negotiate(struct participant *p);
int  sdpv_negotiate(struct participant *p, struct negotiation_error *ne);

/* sdp_crypto.c: SDES choice and answer for one RTP m-line */
struct sdes_pick {
	struct sdes_crypto best;
	int rank;                      /* preference index, -1 none */
	unsigned seen;                 /* a=crypto lines offered */
};
void sdes_pick_offer(struct sdes_pick *pick, const struct sdp_media *m);
int  sdes_pick_policy(const struct sdes_pick *pick,
		      const struct sdp_media *m, enum confdef_srtp policy,
		      struct negotiation_error *ne);
int  sdes_pick_answer(struct sdp_media *m, struct sdes_crypto *tx,
		      bool *tx_valid, const struct sdes_pick *pick);

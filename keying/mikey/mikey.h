/**
 * @file mikey.h  MIKEY (RFC 3830) and MIKEY-TICKET (RFC 6043) codec
 *
 * Pure functions over buffers: no sockets, no clocks except where a
 * caller passes "now".  A decoded message (struct mikey_msg) points
 * into the buffer it was decoded from, so that buffer must outlive it;
 * nothing in it is secret (keys only ever appear inside an encrypted
 * KEMAC, decoded by mikey_keys_decode() into struct mikey_key, which
 * the caller wipes with mikey_keys_wipe()).
 *
 * Every length field is checked against the bytes that are left: a
 * payload that runs past the end, bytes after the Last payload, a
 * second T or KEMAC, or a payload type we cannot size is EPROTO; a
 * well-formed message we do not support (PK and DH methods) is ENOTSUP.
 *
 * Headers of keying/mikey/: this one is the module's public face (the
 * codec, crypto, time and replay: dec.c, enc.c, crypto.c, replay.c).
 * Two more public headers sit on it, one per layer, and stay separate
 * because their users differ: mikey_ticket.h, the three roles
 * (initiator.c, responder.c, kms.c; used by focus/ and kmsd) and
 * kms_client.h, the focus's HTTPS client of the KMS (kms_client.c;
 * focus/ and confd/ only: kmsd has no use for it).  mikey_int.h is
 * private to this folder (common.c, transfer.c).  Every exported name
 * is mikey_* or kmsc_*.
 */

enum { MIKEY_VERSION = 1 };

/* Data Type: RFC 3830 Table 6.1.a, RFC 6043 Table 6.1 */
enum mikey_dt {
	MIKEY_DT_PSK_INIT         = 0,
	MIKEY_DT_PSK_RESP         = 1,
	MIKEY_DT_PK_INIT          = 2,
	MIKEY_DT_PK_RESP          = 3,
	MIKEY_DT_DH_INIT          = 4,
	MIKEY_DT_DH_RESP          = 5,
	MIKEY_DT_ERROR            = 6,
	MIKEY_DT_REQUEST_INIT_PSK = 11,
	MIKEY_DT_REQUEST_INIT_PK  = 12,
	MIKEY_DT_REQUEST_RESP     = 13,
	MIKEY_DT_TRANSFER_INIT    = 14,
	MIKEY_DT_TRANSFER_RESP    = 15,
	MIKEY_DT_RESOLVE_INIT_PSK = 16,
	MIKEY_DT_RESOLVE_INIT_PK  = 17,
	MIKEY_DT_RESOLVE_RESP     = 18,
};

/* Next Payload: RFC 3830 Table 6.1.b, RFC 6043 Table 6.2 */
enum mikey_pt {
	MIKEY_PT_LAST   = 0,
	MIKEY_PT_KEMAC  = 1,
	MIKEY_PT_PKE    = 2,
	MIKEY_PT_DH     = 3,
	MIKEY_PT_SIGN   = 4,
	MIKEY_PT_T      = 5,
	MIKEY_PT_ID     = 6,
	MIKEY_PT_CERT   = 7,
	MIKEY_PT_CHASH  = 8,
	MIKEY_PT_V      = 9,
	MIKEY_PT_SP     = 10,
	MIKEY_PT_RAND   = 11,
	MIKEY_PT_ERR    = 12,
	MIKEY_PT_TR     = 13,
	MIKEY_PT_IDR    = 14,
	MIKEY_PT_RANDR  = 15,
	MIKEY_PT_TP     = 16,
	MIKEY_PT_TICKET = 17,
	MIKEY_PT_KEYDATA = 20,
	MIKEY_PT_GENEXT = 21,
};

enum mikey_prf  { MIKEY_PRF_MIKEY1 = 0, MIKEY_PRF_HMAC_SHA256 = 1 };
/* CS ID map type: SRTP-ID (RFC 3830), Empty map (RFC 4563),
 * GENERIC-ID (RFC 6043) */
enum mikey_map  { MIKEY_MAP_SRTP_ID = 0, MIKEY_MAP_EMPTY = 1,
		  MIKEY_MAP_GENERIC_ID = 2 };
enum mikey_encr { MIKEY_ENCR_NULL = 0, MIKEY_ENCR_AES_CM_128 = 1,
		  MIKEY_ENCR_AES_KW_128 = 2, MIKEY_ENCR_AES_CM_256 = 3 };
enum mikey_mac  { MIKEY_MAC_NULL = 0, MIKEY_MAC_HMAC_SHA1_160 = 1,
		  MIKEY_MAC_HMAC_SHA256_256 = 2 };
enum mikey_tstype { MIKEY_TS_NTP_UTC = 0, MIKEY_TS_NTP = 1,
		    MIKEY_TS_COUNTER = 2, MIKEY_TS_NTP_UTC_32 = 3 };
enum mikey_tsrole { MIKEY_TR_I = 1, MIKEY_TR_S = 2, MIKEY_TR_E = 3,
		    MIKEY_TR_R = 4 };
enum mikey_idtype { MIKEY_ID_NAI = 0, MIKEY_ID_URI = 1, MIKEY_ID_BYTES = 2 };
enum mikey_idrole { MIKEY_ROLE_I = 1, MIKEY_ROLE_R = 2, MIKEY_ROLE_KMS = 3,
		    MIKEY_ROLE_PSK = 4, MIKEY_ROLE_APP = 5 };
/* RAND roles; 0 stands for the plain RAND payload (RFC 3830 6.11) */
enum mikey_randrole { MIKEY_RAND_PLAIN = 0, MIKEY_RAND_I = 1,
		      MIKEY_RAND_R = 2, MIKEY_RAND_KMS = 3 };
enum mikey_keytype { MIKEY_KEY_TGK = 0, MIKEY_KEY_TGK_SALT = 1,
		     MIKEY_KEY_TEK = 2, MIKEY_KEY_TEK_SALT = 3,
		     MIKEY_KEY_GTGK = 4, MIKEY_KEY_GTGK_SALT = 5,
		     MIKEY_KEY_MPK = 6 };
enum mikey_kv { MIKEY_KV_NULL = 0, MIKEY_KV_SPI = 1, MIKEY_KV_INTERVAL = 2 };
enum mikey_errno {
	MIKEY_ERR_AUTH = 0, MIKEY_ERR_TS = 1, MIKEY_ERR_PRF = 2,
	MIKEY_ERR_MAC = 3, MIKEY_ERR_EA = 4, MIKEY_ERR_HA = 5,
	MIKEY_ERR_DH = 6, MIKEY_ERR_ID = 7, MIKEY_ERR_CERT = 8,
	MIKEY_ERR_SP = 9, MIKEY_ERR_SPPAR = 10, MIKEY_ERR_DT = 11,
	MIKEY_ERR_UNSPEC = 12, MIKEY_ERR_TICKET = 14, MIKEY_ERR_TPPAR = 15,
};
enum { MIKEY_PROT_SRTP = 0 };
/* General Extension types (RFC 3830 Table 6.15) */
enum { MIKEY_GEXT_VENDOR = 0, MIKEY_GEXT_SDP_IDS = 1 };
/* Ticket Type (RFC 6043 Table 6.15) */
enum { MIKEY_TICKET_BASE = 1 };

/* Ticket Policy flags D..O (RFC 6043 6.10), our own bit positions */
enum {
	MIKEY_TP_D = 1u << 16, MIKEY_TP_E = 1u << 15, MIKEY_TP_F = 1u << 14,
	MIKEY_TP_G = 1u << 13, MIKEY_TP_H = 1u << 12, MIKEY_TP_I = 1u << 11,
	MIKEY_TP_J = 1u << 10, MIKEY_TP_K = 1u << 9,  MIKEY_TP_L = 1u << 8,
	MIKEY_TP_M = 1u << 7,  MIKEY_TP_N = 1u << 6,  MIKEY_TP_O = 1u << 5,
};

enum {
	MIKEY_CS_MAX   = 32,   /* crypto sessions per CSB we keep */
	MIKEY_P_MAX    = 8,    /* policies per CS */
	MIKEY_SD_MAX   = 32,   /* session data bytes */
	MIKEY_SPI_MAX  = 32,
	MIKEY_ID_MAX   = 16,   /* IDR payloads per chain */
	MIKEY_RAND_MAXN = 4,
	MIKEY_TR_MAX   = 4,
	MIKEY_SP_MAXN  = 16,
	MIKEY_ERR_MAXN = 8,
	MIKEY_GEXT_MAX = 4,
	MIKEY_KEYS_MAX = 8,    /* key data sub-payloads per KEMAC */
	MIKEY_KEY_MAX  = 64,   /* bytes of one key */
	MIKEY_SALT_MAX = 32,
	MIKEY_MACLEN_MAX = 32,
	MIKEY_HDR_LEN  = 10,
};

struct mikey_bytes {
	const uint8_t *p;
	size_t l;
};

/* One crypto session of the CS ID map.  For SRTP-ID maps id is the
 * 1-based index and sd holds SSRC||ROC (S set, 8 bytes). */
struct mikey_cs {
	uint8_t id;
	uint8_t prot;
	bool s;
	uint8_t np;                      /* #P */
	uint8_t pv[MIKEY_P_MAX];
	uint16_t sd_len;
	uint8_t sd[MIKEY_SD_MAX];
	uint8_t spi_len;
	uint8_t spi[MIKEY_SPI_MAX];
};

struct mikey_hdr {
	uint8_t version;
	uint8_t dt;
	bool v;
	uint8_t prf;
	uint32_t csb_id;
	uint8_t ncs;                     /* #CS */
	uint8_t map;
	struct mikey_cs cs[MIKEY_CS_MAX];
};

struct mikey_id {
	uint8_t role;                    /* 0 for the plain ID payload */
	uint8_t type;
	struct mikey_bytes data;
};

struct mikey_rand {
	uint8_t role;
	struct mikey_bytes data;
};

struct mikey_ts {
	uint8_t role;                    /* 0 for T, else TR's TS Role */
	uint8_t type;
	uint64_t ntp;                    /* 64-bit form: NTP-UTC-32 and
					  * COUNTER padded as RFC 6043 6.3
					  * and RFC 3830 6.6 say */
};

struct mikey_sp {
	uint8_t no;
	uint8_t prot;
	struct mikey_bytes param;
};

struct mikey_kemac {
	uint8_t encr;
	uint8_t mac_alg;
	struct mikey_bytes data;
	struct mikey_bytes mac;
};

struct mikey_v {
	uint8_t alg;
	struct mikey_bytes mac;
	size_t mac_off;                  /* offset of MAC field in chain buf */
};

struct mikey_gext {
	uint8_t type;
	struct mikey_bytes data;
};

/* TP or TICKET payload */
struct mikey_tp {
	bool ticket;
	uint16_t type;
	uint8_t subtype;
	uint8_t version;
	uint8_t prf;
	uint32_t flags;                  /* MIKEY_TP_* */
	struct mikey_bytes tp_data;      /* first-payload byte + payloads */
	struct mikey_bytes ticket_data;  /* TICKET only */
	struct mikey_bytes init_data;    /* TICKET only; may be empty */
	size_t off;                      /* payload start in chain buf */
	size_t len;                      /* whole payload */
	size_t idlen_off;                /* Initiator Data length field */
};

/* A decoded chain of payloads: a whole message (with HDR), or the
 * contents of TP Data, Ticket Data or Initiator Data. */
struct mikey_msg {
	const uint8_t *buf;
	size_t len;
	bool has_hdr;
	struct mikey_hdr hdr;
	struct mikey_bytes thdr;         /* Ticket Data only */
	bool has_thdr;
	bool has_t;
	struct mikey_ts t;
	struct mikey_ts trv[MIKEY_TR_MAX];
	size_t trc;
	struct mikey_rand randv[MIKEY_RAND_MAXN];
	size_t randc;
	struct mikey_id idv[MIKEY_ID_MAX];
	size_t idc;
	struct mikey_sp spv[MIKEY_SP_MAXN];
	size_t spc;
	bool has_kemac;
	struct mikey_kemac kemac;
	bool has_tp;
	struct mikey_tp tp;
	struct mikey_v vv[2];            /* V, or Vi and Vr */
	size_t vc;
	uint8_t errv[MIKEY_ERR_MAXN];
	size_t errc;
	struct mikey_gext gextv[MIKEY_GEXT_MAX];
	size_t gextc;
};

/* One key data sub-payload (RFC 3830 6.13), decrypted */
struct mikey_key {
	uint8_t type;
	uint8_t kv;
	uint16_t key_len;
	uint8_t key[MIKEY_KEY_MAX];
	uint16_t salt_len;
	uint8_t salt[MIKEY_SALT_MAX];
	uint8_t spi_len;                 /* KV SPI */
	uint8_t spi[MIKEY_SPI_MAX];
};

/* A span of bytes for MAC input built from several pieces */
struct mikey_span {
	const uint8_t *p;
	size_t l;
};


/* --- decoding (dec.c) --- */

/* A whole MIKEY message: HDR then the chain. */
int mikey_decode(struct mikey_msg *m, const uint8_t *buf, size_t len);
/* A payload chain whose first payload type is the first byte of buf
 * (TP Data, Initiator Data). */
int mikey_decode_chain(struct mikey_msg *m, const uint8_t *buf, size_t len);
/* Ticket Data of the MIKEY base ticket: THDR first (RFC 6043 A.3). */
int mikey_decode_ticket_data(struct mikey_msg *m, const uint8_t *buf,
			     size_t len);
/* The decrypted contents of a KEMAC: Key data sub-payloads. */
int mikey_keys_decode(struct mikey_key *kv, size_t max, size_t *n,
		      const uint8_t *buf, size_t len);
void mikey_keys_wipe(struct mikey_key *kv, size_t n);

const struct mikey_id *mikey_msg_id(const struct mikey_msg *m, uint8_t role,
				    size_t nth);
const struct mikey_rand *mikey_msg_rand(const struct mikey_msg *m,
					uint8_t role);
const struct mikey_ts *mikey_msg_tr(const struct mikey_msg *m, uint8_t role);
const struct mikey_sp *mikey_msg_sp(const struct mikey_msg *m, uint8_t no);
size_t mikey_mac_len(uint8_t alg);   /* (size_t)-1 for an unknown alg */

/* SRTP session data of a GENERIC-ID CS (RFC 6043 6.1.1) */
int  mikey_cs_srtp_get(const struct mikey_cs *cs, uint32_t *ssrc,
		       uint32_t *roc, uint16_t *seq);
void mikey_cs_srtp_set(struct mikey_cs *cs, uint32_t ssrc, uint32_t roc,
		       uint16_t seq, bool with_rocseq);

/* SRTP policy (RFC 3830 6.10.1); absent types keep SRTP's defaults */
struct mikey_srtp_pol {
	uint8_t encr_alg;       /* 1 AES-CM */
	uint8_t encr_len;       /* 16 */
	uint8_t auth_alg;       /* 1 HMAC-SHA-1 */
	uint8_t auth_len;       /* 20 */
	uint8_t salt_len;       /* 14 */
	uint8_t tag_len;        /* 10 */
	uint8_t srtp_encr;      /* 1 */
	uint8_t srtcp_encr;     /* 1 */
	uint8_t srtp_auth;      /* 1 */
};
int mikey_srtp_pol_decode(struct mikey_srtp_pol *pol,
			  const struct mikey_bytes *param);
int mikey_srtp_pol_encode(struct mbuf *mb, const struct mikey_srtp_pol *p);
void mikey_srtp_pol_default(struct mikey_srtp_pol *pol);


/* --- encoding (enc.c) ---
 * Each call appends one payload and patches the Next Payload field of
 * the payload before it. */
struct mikey_enc {
	struct mbuf *mb;
	size_t np_pos;          /* where the next "Next Payload" goes */
	size_t start;
};

/* A whole message: the first payload must be mikey_enc_hdr(). */
void mikey_enc_init(struct mikey_enc *e, struct mbuf *mb);
/* A chain whose first byte names the first payload (TP Data,
 * Initiator Data). */
int  mikey_enc_init_chain(struct mikey_enc *e, struct mbuf *mb);
int  mikey_enc_hdr(struct mikey_enc *e, const struct mikey_hdr *h);
int  mikey_enc_thdr(struct mikey_enc *e, const uint8_t *data, size_t len);
int  mikey_enc_t(struct mikey_enc *e, uint8_t type, uint64_t ntp);
int  mikey_enc_tr(struct mikey_enc *e, uint8_t role, uint8_t type,
		  uint64_t ntp);
int  mikey_enc_rand(struct mikey_enc *e, uint8_t role, const uint8_t *p,
		    size_t len);
int  mikey_enc_id(struct mikey_enc *e, uint8_t role, uint8_t type,
		  const uint8_t *p, size_t len);
int  mikey_enc_sp(struct mikey_enc *e, uint8_t no, uint8_t prot,
		  const uint8_t *param, size_t len);
int  mikey_enc_err(struct mikey_enc *e, uint8_t err);
int  mikey_enc_gext(struct mikey_enc *e, uint8_t type, const uint8_t *p,
		    size_t len);
/* TP when ticket_data is NULL; otherwise TICKET */
int  mikey_enc_tp(struct mikey_enc *e, const struct mikey_tp *tp,
		  const uint8_t *tp_data, size_t tp_len,
		  const uint8_t *ticket_data, size_t td_len,
		  const uint8_t *init_data, size_t id_len);
/* KEMAC with already-encrypted data; the MAC field is zeroed and its
 * offset returned in *mac_off (may be NULL). */
int  mikey_enc_kemac(struct mikey_enc *e, uint8_t encr, const uint8_t *data,
		     size_t len, uint8_t mac_alg, size_t *mac_off);
/* V payload with a zeroed MAC field at *mac_off */
int  mikey_enc_v(struct mikey_enc *e, uint8_t alg, size_t *mac_off);
/* TICKET from the raw bytes between its Next Payload field and its
 * Initiator Data length field (as received), with new Initiator Data */
int  mikey_enc_ticket_raw(struct mikey_enc *e, const uint8_t *body,
			  size_t len, const uint8_t *init_data,
			  size_t id_len);
/* Key data sub-payloads, plain, into mb (to be encrypted after) */
int  mikey_keys_encode(struct mbuf *mb, const struct mikey_key *kv, size_t n);


/* --- crypto (crypto.c) --- */

/* RFC 3830 4.1.2 PRF, MIKEY-1 (HMAC-SHA-1) or PRF-HMAC-SHA-256
 * (RFC 6043 6.1).  outlen in bytes. */
int mikey_prf(uint8_t prf, const uint8_t *inkey, size_t inkey_len,
	      const uint8_t *label, size_t label_len,
	      uint8_t *out, size_t outlen);

/* PRF with label = constant || tail */
int mikey_kdf(uint8_t prf, const uint8_t *inkey, size_t inkey_len,
	      uint32_t constant, const uint8_t *tail, size_t tail_len,
	      uint8_t *out, size_t outlen);

/* Label constants */
enum {
	MIKEY_C_TEK     = 0x2AD01C64,   /* RFC 3830 4.1.3 */
	MIKEY_C_AUTH_T  = 0x1B5C7973,
	MIKEY_C_ENCR_T  = 0x15798CEF,
	MIKEY_C_SALT_T  = 0x39A2C14B,
	MIKEY_C_ENCR    = 0x150533E1,   /* RFC 3830 4.1.4 */
	MIKEY_C_AUTH    = 0x2D22AC75,
	MIKEY_C_SALT    = 0x29B88916,
	MIKEY_C_MPKR_F  = 0x2B288856,   /* RFC 6043 5.1.1 */
	MIKEY_C_TGK_F   = 0x1512B54A,
	MIKEY_C_MPKI    = 0x220E99A2,   /* RFC 6043 A.2.2 */
	MIKEY_C_MPKR    = 0x1F4D675B,
};

enum { MIKEY_TAIL_MAX = 2 + 4 + 1 + 2 * 256 + 2 + 1024 };

/* Label tails (everything after the 32-bit constant); each returns the
 * tail length, or 0 when buf is too small. */
size_t mikey_tail_3830_tgk(uint8_t *buf, size_t size, uint8_t cs_id,
			   uint32_t csb_id, const uint8_t *rand, size_t rl);
size_t mikey_tail_3830_psk(uint8_t *buf, size_t size, uint32_t csb_id,
			   const uint8_t *rand, size_t rl);
/* RFC 6043 5.1.2: dir 1 initial message, 2 response */
size_t mikey_tail_msg(uint8_t *buf, size_t size, uint32_t csb_id,
		      uint8_t dir, const uint8_t *ri, size_t ril,
		      const uint8_t *rr, size_t rrl);
/* RFC 6043 5.1.1 */
size_t mikey_tail_fork(uint8_t *buf, size_t size, const uint8_t *id,
		       size_t idl, const uint8_t *rkms, size_t rkl);
/* RFC 6043 5.1.3 */
size_t mikey_tail_tek(uint8_t *buf, size_t size, uint8_t cs_id,
		      const uint8_t *ri, size_t ril,
		      const uint8_t *rr, size_t rrl);
/* RFC 6043 A.2.1 (type 0x05) and A.2.2 (type 0x06); also the Vr key
 * (type 0x04, no RAND) */
size_t mikey_tail_ticket(uint8_t *buf, size_t size, uint8_t type,
			 const uint8_t *rand, size_t rl);

/* encr_key, salt_key and auth_key derived with one label tail */
struct mikey_msgkeys {
	uint8_t encr[32];
	size_t encr_len;
	uint8_t salt[14];
	uint8_t auth[32];
	size_t auth_len;
};
int  mikey_msgkeys_derive(struct mikey_msgkeys *k, uint8_t prf,
			  uint8_t encr_alg, uint8_t mac_alg,
			  const uint8_t *inkey, size_t inkey_len,
			  const uint8_t *tail, size_t tail_len);
void mikey_msgkeys_wipe(struct mikey_msgkeys *k);

/* Algorithm suites (RFC 6043 12.1).  The 256-bit algorithms
 * (PRF-HMAC-SHA-256, AES-CM-256, HMAC-SHA-256-256) SHALL NOT be mixed
 * with the 128-bit ones (RFC 3830's MIKEY-1, AES-CM-128,
 * HMAC-SHA-1-160), so a message's PRF names its suite: its V MAC, its
 * KEMAC encryption and the length of the keys it carries all follow
 * from it.  We send one suite per message and refuse a mixed one. */
struct mikey_suite {
	uint8_t prf;
	uint8_t encr;            /* KEMAC Encr alg */
	uint8_t mac;             /* V MAC alg */
	size_t key_len;          /* MPK, TGK and TPK-derived key bytes */
};
/* NULL for an unknown PRF */
const struct mikey_suite *mikey_suite(uint8_t prf);
/* Does every V of m (and its KEMAC, when it has one) use prf's suite?
 * prf is m's HDR PRF for a message, the ticket's PRF for Ticket Data
 * and Initiator Data. */
bool mikey_suite_check(uint8_t prf, const struct mikey_msg *m);

/* HMAC over a list of spans; out gets mikey_mac_len(alg) bytes */
int mikey_mac(uint8_t alg, const uint8_t *key, size_t key_len,
	      const struct mikey_span *v, size_t n, uint8_t *out);
/* Constant-time compare */
bool mikey_mac_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* AES-CM of RFC 3830 4.2.3 (encrypt and decrypt are the same):
 * IV = (salt XOR (0x0000 || CSB ID || T)) || 0x0000 */
int mikey_aes_cm(uint8_t encr, const uint8_t *key, const uint8_t *salt,
		 uint32_t csb_id, uint64_t t, const uint8_t *in,
		 uint8_t *out, size_t len);


/* --- time and replay (replay.c) --- */

uint64_t mikey_ntp_now(void);                 /* NTP-UTC 64-bit */
uint64_t mikey_ntp_from_unix(uint64_t unix_s);
/* seconds since 1970 from a 64-bit NTP value, with RFC 4330's era
 * rule for 2036..2104 */
uint64_t mikey_ntp_to_unix(uint64_t ntp);
/* 0 when t (a T payload) lies within +-skew seconds of now_unix */
int mikey_ts_check(const struct mikey_ts *t, uint64_t now_unix,
		   uint32_t skew);

struct mikey_replay;
int  mikey_replay_alloc(struct mikey_replay **rcp, uint32_t window_s,
			size_t max_entries);
/* EALREADY when the message (keyed by its authenticated bytes) was
 * seen within the window; otherwise remembers it. */
int  mikey_replay_add(struct mikey_replay *rc, const uint8_t *msg,
		      size_t len, uint64_t now_unix);
bool mikey_replay_seen(const struct mikey_replay *rc, const uint8_t *msg,
		       size_t len, uint64_t now_unix);

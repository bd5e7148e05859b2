/**
 * @file srtp_int.h  SRTP/SRTCP receive side (RFC 3711, RFC 7714);
 * internal to media/ (audio.c) and its unit tests.
 *
 * Our own receiver instead of libre's srtp_decrypt(): libre creates
 * per-SSRC state and moves its rollover counter before a packet is
 * authenticated, so one forged packet could desynchronise a stream.
 * Here nothing changes until the tag verified, and an MKI is skipped.
 *
 * One file per mechanism, as in libre's src/srtp: srtp.c (key
 * derivation, the context, SRTP packets), srtcp.c (SRTCP packets),
 * replay.c (the replay window both use).
 *
 * Include after re.h.
 */

struct media_srtprx;

int media_srtprx_alloc(struct media_srtprx **rxp, enum srtp_suite suite,
		       const uint8_t *key, size_t key_len, uint8_t mki_len);
int media_srtprx_rtp(struct media_srtprx *rx, uint8_t *p, size_t *lenp);
int media_srtprx_rtcp(struct media_srtprx *rx, uint8_t *p, size_t *lenp);


/* ---- between srtp.c, srtcp.c and replay.c ---- */

enum {
	MEDIA_SRTP_SALT_CM  = 14,
	MEDIA_SRTP_GCM_TAG  = 16,
	MEDIA_SRTP_STREAMS  = 4,     /* SSRCs tracked per key */
	MEDIA_REPLAY_WINDOW = 64,    /* RFC 3711 3.3.2: at least 64 */
};

/* A sliding window below the highest index authenticated so far. */
struct media_replay {
	uint64_t top;                /* highest index accepted */
	uint64_t mask;               /* bit k: index top - k accepted */
	bool seen;                   /* anything accepted yet */
};

bool media_replay_check(const struct media_replay *r, uint64_t ix);
void media_replay_update(struct media_replay *r, uint64_t ix);

struct media_srtp_stream {
	uint32_t ssrc;
	bool used;
	uint64_t last_use;
	/* SRTP: RFC 3711 3.3.1 rollover counter and highest sequence */
	uint32_t roc;
	uint16_t s_l;
	struct media_replay rtp;     /* over the 48-bit packet index */
	/* SRTCP: over the 31-bit SRTCP index */
	struct media_replay rtcp;
};

/* The session keys of one direction (RTP or RTCP); OpenSSL types are
 * named by their struct tags so that this header needs no OpenSSL. */
struct media_srtp_comp {
	struct evp_cipher_ctx_st *cipher;
	struct evp_mac_ctx_st *mac;
	uint8_t salt[MEDIA_SRTP_SALT_CM];
};

struct media_srtprx {
	struct media_srtp_comp rtp, rtcp;
	bool gcm;
	size_t tag_len;              /* SRTP tag (HMAC suites) */
	size_t rtcp_tag_len;         /* SRTCP tag: 80 bits for *_32 too */
	size_t salt_len;
	uint8_t mki_len;
	uint64_t use;
	struct media_srtp_stream strm[MEDIA_SRTP_STREAMS];
};

struct media_srtp_stream *media_srtp_stream_find(struct media_srtprx *rx,
						 uint32_t ssrc);
struct media_srtp_stream *media_srtp_stream_new(struct media_srtprx *rx,
						uint32_t ssrc);

bool media_srtp_hmac_ok(struct media_srtp_comp *c,
			const uint8_t *p, size_t len,
			const uint8_t *trailer, size_t tlen,
			const uint8_t *tag, size_t tag_len);
bool media_srtp_ctr(struct media_srtp_comp *c, const uint8_t iv[16],
		    uint8_t *p, size_t len);
bool media_srtp_gcm_open(struct media_srtp_comp *c, const uint8_t iv[12],
			 const uint8_t *a, size_t alen,
			 const uint8_t *b, size_t blen,
			 uint8_t *p, size_t len, const uint8_t *tag);

static inline void media_srtp_wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static inline uint32_t media_srtp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

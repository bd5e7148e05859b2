/**
 * @file srtp_int.h  SRTP/SRTCP receive and send sides (RFC 3711,
 * RFC 7714); internal to media/ (audio.c) and its unit tests.
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

/*
 * The send side (srtp_tx.c), in place of libre's srtp_encrypt(): the
 * keyed HMAC state is kept (hmac_int.h), no per-SSRC list, no mbuf.
 * One context protects one sender's SSRC (the first one it sees;
 * another is refused: a second stream on the same key would need its
 * own rollover counter).  What goes on the wire is byte for byte what
 * libre 1.1.0 sends (test_srtp compares), including its 32-bit SRTCP
 * tag with the _32 suites and its first SRTCP index of 1 — except for
 * GCM with unencrypted SRTCP, where libre sends no tag at all and we
 * follow RFC 7714 9.3.
 *
 * p holds a plain packet of *lenp bytes in a buffer of cap bytes; on
 * success *lenp is the protected length (up to
 * MEDIA_SRTP_TX_OVERHEAD more).  ENOBUFS when cap is short.
 */
enum { MEDIA_SRTP_TX_OVERHEAD = 4 + 16 + 4 + 10 };
struct media_srtptx;

int media_srtptx_alloc(struct media_srtptx **txp, enum srtp_suite suite,
		       const uint8_t *key, size_t key_len,
		       bool srtcp_unencrypted);
int media_srtptx_rtp(struct media_srtptx *tx, uint8_t *p, size_t *lenp,
		     size_t cap);
int media_srtptx_rtcp(struct media_srtptx *tx, uint8_t *p, size_t *lenp,
		      size_t cap);


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
	struct media_hmac *hmac;     /* hmac_int.h; NULL with GCM */
	uint8_t salt[MEDIA_SRTP_SALT_CM];
};

/* A suite's sizes: cipher key, SRTP tag (0 with GCM), GCM or not */
int  media_srtp_suite(enum srtp_suite suite, size_t *ck, size_t *tag,
		      bool *gcm);
/* RFC 3711 4.3: the session keys from the master key||salt; label0 is
 * 0 for SRTP, 3 for SRTCP.  enc: the cipher context encrypts (GCM
 * seals); CTR is the same both ways. */
int  media_srtp_comp_init(struct media_srtp_comp *c, uint8_t label0,
			  bool gcm, bool enc,
			  const uint8_t *mkey, size_t key_len,
			  const uint8_t *msalt, size_t salt_len);
void media_srtp_comp_free(struct media_srtp_comp *c);

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

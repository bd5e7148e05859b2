/**
 * @file codec_int.h  Audio codecs, resampling and the Opus fmtp (pure
 * code over buffers, internal to media/)
 *
 * The codec table: PCMU and PCMA (librem's G.711), G.722 (spandsp;
 * RFC 3551 4.5.2: 16 kHz audio on an 8 kHz RTP clock) and Opus (libopus;
 * RFC 7587: a 48 kHz RTP clock whatever the audio bandwidth).  confd
 * codes wideband audio at 16 kHz: Opus's encoder and decoder work at
 * 16 kHz natively (they resample inside), so only G.711 streams in a
 * wideband mix pass through a resampler (speexdsp, media_resamp).
 *
 * Include after re.h and media/media.h.
 */

enum {
	MEDIA_SRATE_MAX = 16000,       /* the highest PCM rate we code at */
	MEDIA_FRAME_MAX = 320,         /* 20 ms at MEDIA_SRATE_MAX */
	MEDIA_PTIME_MAX = 60,          /* ms: the longest packet we send */
	MEDIA_PLD_MAX   = 1275 * 3,    /* RFC 6716 3.4: 60 ms of Opus */
	MEDIA_OPUS_PLC_MAX = 3,        /* frames concealed per gap, then
					* silence (a DTX talker, a loss) */
};

struct media_codec_info {
	enum audio_codec codec;
	const char *name;              /* SDP encoding name */
	uint32_t clock;                /* RTP clock rate, Hz */
	uint32_t srate;                /* PCM rate we code at, Hz */
	uint8_t channels;              /* SDP channels (Opus: always 2) */
	bool wideband;
};

const struct media_codec_info *media_codec_info(enum audio_codec codec);


/* RFC 7587 6.1: the receiver's Opus parameters, from its fmtp.
 * Unknown parameters are ignored; a value out of range leaves the
 * default (RFC 7587 7: malformed values are not an error). */
struct media_opus_fmtp {
	uint32_t maxplaybackrate;      /* 8000..48000, default 48000 */
	uint32_t sprop_maxcapturerate; /* 8000..48000, default 48000 */
	uint32_t maxaveragebitrate;    /* 6000..510000, 0: not given */
	bool stereo, sprop_stereo;
	bool cbr;
	bool useinbandfec;
	bool usedtx;
};

void media_opus_fmtp_decode(struct media_opus_fmtp *f, const char *fmtp,
			    size_t len);


/* What one receiver needs from an encoder.  Two receivers with equal
 * configurations can be sent the same payload (mixer groups). */
struct media_enc_cfg {
	enum audio_codec codec;
	unsigned ptime;                /* ms per packet: 20, 40 or 60 */
	uint32_t bitrate;              /* Opus target, bit/s */
	uint32_t maxrate;              /* Opus: audio bandwidth's rate */
	bool fec, dtx, cbr;
};

int  media_enc_cfg_make(struct media_enc_cfg *cfg, enum audio_codec codec,
			const char *fmtp, unsigned ptime);
bool media_enc_cfg_eq(const struct media_enc_cfg *a,
		      const struct media_enc_cfg *b);


/* ---- resampling (speexdsp) ---- */
struct media_resamp;
int  media_resamp_alloc(struct media_resamp **rsp, uint32_t irate,
			uint32_t orate);
/* One frame: in has irate/50 samples, out gets exactly orate/50. */
void media_resamp_frame(struct media_resamp *rs, const int16_t *in,
			int16_t *out);


/* ---- encoding ----
 * One encoder per distinct stream of payloads: it takes the mix 20 ms
 * at a time at any rate (resampling when that differs from the codec's)
 * and returns a payload once ptime's worth has been pushed. */
struct media_enc;
int  media_enc_alloc(struct media_enc **encp, const struct media_enc_cfg *cfg);
const struct media_enc_cfg *media_enc_cfg(const struct media_enc *enc);
/* *lenp: the payload's length, 0 while accumulating or when DTX says
 * there is nothing worth sending (*dtxp true then). */
int  media_enc_frame(struct media_enc *enc, const int16_t *pcm,
		     uint32_t srate, uint8_t *pld, size_t *lenp, bool *dtxp);
unsigned media_enc_frames(const struct media_enc *enc);
void media_enc_restart(struct media_enc *enc);


/* ---- decoding ---- */
struct media_dec;
int  media_dec_alloc(struct media_dec **decp, enum audio_codec codec);
enum audio_codec media_dec_codec(const struct media_dec *dec);
/* Samples (at the codec's srate) the payload holds, or 0 if invalid. */
size_t media_dec_samples(const struct media_dec *dec, const uint8_t *pld,
			 size_t len);
int  media_dec_decode(struct media_dec *dec, const uint8_t *pld, size_t len,
		      int16_t *pcm, size_t max, size_t *np);
/* n samples lost just before the payload next (NULL: none known).
 * Opus decodes them from next's in-band FEC when it has any, else
 * conceals (PLC).  Other codecs: ENOTSUP, the gap stays silent. */
int  media_dec_conceal(struct media_dec *dec, const uint8_t *next,
		       size_t next_len, int16_t *pcm, size_t n);

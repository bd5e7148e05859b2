/**
 * @file codec.c  The codec table, encoders and decoders (PCMU, PCMA,
 * G.722, Opus) over buffers
 *
 * G.711 is librem's, G.722 spandsp's (Debian's libspandsp), Opus
 * libopus's; nothing here is a hand-written codec.  Every codec codes at
 * its own PCM rate (8 kHz for G.711, 16 kHz for the others); an encoder
 * fed at another rate resamples first (media_resamp, speexdsp).
 */
#include <string.h>
#include <opus/opus.h>
#include <inttypes.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <re.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/codec_int.h"


static const struct media_codec_info codecs[] = {
	{AUDIO_OPUS, "opus", 48000, 16000, 2, true},
	{AUDIO_G722, "G722",  8000, 16000, 1, true},
	{AUDIO_PCMU, "PCMU",  8000,  8000, 1, false},
	{AUDIO_PCMA, "PCMA",  8000,  8000, 1, false},
};

enum {
	OPUS_BITRATE_WB = 24000,       /* wideband speech, FEC included */
	OPUS_COMPLEXITY = 3,           /* the cost target: 5 costs 1.3x, see
					* bench/results/mixer.txt */
	OPUS_LOSS_PERC  = 10,          /* makes the encoder add FEC */
	G722_BITRATE    = 64000,       /* RFC 3551: mode 1 */
};


const struct media_codec_info *media_codec_info(enum audio_codec codec)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codecs); i++)
		if (codecs[i].codec == codec)
			return &codecs[i];

	return NULL;
}


/* RFC 7587 7.1: ptime 2.5 ... 120 ms; we send 20, 40 or 60 ms (the
 * mixer's 20 ms tick); any other preference is rounded down to one. */
static unsigned ptime_pick(unsigned ptime)
{
	if (ptime >= 60)
		return 60;
	if (ptime >= 40)
		return 40;
	return 20;
}


int media_enc_cfg_make(struct media_enc_cfg *cfg, enum audio_codec codec,
		       const char *fmtp, unsigned ptime)
{
	struct media_opus_fmtp of;

	if (!cfg || !media_codec_info(codec))
		return EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->codec = codec;
	cfg->ptime = ptime_pick(ptime);

	if (codec != AUDIO_OPUS)
		return 0;

	media_opus_fmtp_decode(&of, fmtp, fmtp ? strlen(fmtp) : 0);

	/* Nothing above our 16 kHz coding rate is worth their bits. */
	cfg->maxrate = min(of.maxplaybackrate, (uint32_t)MEDIA_SRATE_MAX);
	cfg->bitrate = OPUS_BITRATE_WB;
	if (cfg->maxrate <= 8000)
		cfg->bitrate = 16000;
	if (of.maxaveragebitrate)
		cfg->bitrate = min(cfg->bitrate, of.maxaveragebitrate);
	cfg->fec = of.useinbandfec;
	cfg->dtx = of.usedtx;
	cfg->cbr = of.cbr;

	return 0;
}


bool media_enc_cfg_eq(const struct media_enc_cfg *a,
		      const struct media_enc_cfg *b)
{
	return a->codec == b->codec && a->ptime == b->ptime &&
		a->bitrate == b->bitrate && a->maxrate == b->maxrate &&
		a->fec == b->fec && a->dtx == b->dtx && a->cbr == b->cbr;
}


/* ---- encoder ---------------------------------------------------- */

struct media_enc {
	struct media_enc_cfg cfg;
	const struct media_codec_info *ci;
	OpusEncoder *opus;
	g722_encode_state_t *g722;
	struct media_resamp *rs;       /* mix rate -> ci->srate */
	uint32_t rs_in;                /* rs's input rate */
	unsigned nframes, have;        /* 20 ms frames per packet, held */
	int16_t acc[MEDIA_SRATE_MAX * MEDIA_PTIME_MAX / 1000];
};


static void enc_destructor(void *arg)
{
	struct media_enc *enc = arg;

	if (enc->opus)
		opus_encoder_destroy(enc->opus);
	if (enc->g722)
		g722_encode_free(enc->g722);
	mem_deref(enc->rs);
}


static int opus_setup(struct media_enc *enc)
{
	const struct media_enc_cfg *cfg = &enc->cfg;
	int err = 0, bw;

	enc->opus = opus_encoder_create((opus_int32)enc->ci->srate, 1,
					OPUS_APPLICATION_VOIP, &err);
	if (!enc->opus || err != OPUS_OK)
		return ENOMEM;

	/* RFC 7587 7.1: maxplaybackrate caps the audio bandwidth */
	if (cfg->maxrate <= 8000)
		bw = OPUS_BANDWIDTH_NARROWBAND;
	else if (cfg->maxrate <= 12000)
		bw = OPUS_BANDWIDTH_MEDIUMBAND;
	else
		bw = OPUS_BANDWIDTH_WIDEBAND;

	err |= opus_encoder_ctl(enc->opus, OPUS_SET_MAX_BANDWIDTH(bw));
	err |= opus_encoder_ctl(enc->opus,
				OPUS_SET_BITRATE((opus_int32)cfg->bitrate));
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_COMPLEXITY(OPUS_COMPLEXITY));
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_VBR(cfg->cbr ? 0 : 1));
	/* useinbandfec: they can use FEC, so send it (it needs a loss
	 * estimate above 0 to be produced at all) */
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_INBAND_FEC(cfg->fec));
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_PACKET_LOSS_PERC(
					cfg->fec ? OPUS_LOSS_PERC : 0));
	err |= opus_encoder_ctl(enc->opus, OPUS_SET_DTX(cfg->dtx));

	return err ? EINVAL : 0;
}


int media_enc_alloc(struct media_enc **encp, const struct media_enc_cfg *cfg)
{
	struct media_enc *enc;
	int err = 0;

	if (!encp || !cfg)
		return EINVAL;

	enc = mem_zalloc(sizeof(*enc), enc_destructor);
	if (!enc)
		return ENOMEM;

	enc->cfg = *cfg;
	enc->cfg.ptime = ptime_pick(cfg->ptime);
	enc->nframes = enc->cfg.ptime / AUDIO_PTIME;
	enc->ci = media_codec_info(cfg->codec);
	if (!enc->ci) {
		err = EINVAL;
		goto out;
	}

	switch (cfg->codec) {

	case AUDIO_OPUS:
		err = opus_setup(enc);
		break;

	case AUDIO_G722:
		enc->g722 = g722_encode_init(NULL, G722_BITRATE, 0);
		if (!enc->g722)
			err = ENOMEM;
		break;

	default:
		break;
	}

 out:
	if (err)
		mem_deref(enc);
	else
		*encp = enc;

	return err;
}


const struct media_enc_cfg *media_enc_cfg(const struct media_enc *enc)
{
	return enc ? &enc->cfg : NULL;
}


unsigned media_enc_frames(const struct media_enc *enc)
{
	return enc ? enc->nframes : 1;
}


/* A receiver switches from a shared payload to its own: start the next
 * packet afresh (the packet being built is dropped). */
void media_enc_restart(struct media_enc *enc)
{
	if (!enc)
		return;

	enc->have = 0;
}


static int encode(struct media_enc *enc, uint8_t *pld, size_t *lenp,
		  bool *dtxp)
{
	const size_t n = enc->ci->srate / 50 * enc->nframes;

	switch (enc->cfg.codec) {

	case AUDIO_OPUS: {
		opus_int32 r = opus_encode(enc->opus, enc->acc, (int)n,
					   pld, MEDIA_PLD_MAX);
		if (r < 0)
			return EPROTO;
		/* libopus: 2 bytes or less need not be sent (DTX) */
		if (enc->cfg.dtx && r <= 2) {
			*dtxp = true;
			*lenp = 0;
			return 0;
		}
		*lenp = (size_t)r;
		return 0;
	}

	case AUDIO_G722:
		*lenp = (size_t)g722_encode(enc->g722, pld, enc->acc, (int)n);
		return 0;

	case AUDIO_PCMU:
	case AUDIO_PCMA:
		media_mix_encode(pld, enc->acc, n, enc->cfg.codec);
		*lenp = n;
		return 0;

	default:
		return EINVAL;
	}
}


/**
 * Push 20 ms of PCM at srate; a payload comes out every ptime.
 */
int media_enc_frame(struct media_enc *enc, const int16_t *pcm,
		    uint32_t srate, uint8_t *pld, size_t *lenp, bool *dtxp)
{
	const size_t n = enc ? enc->ci->srate / 50 : 0;
	int16_t *dst;
	int err;

	if (!enc || !pcm || !pld || !lenp || !dtxp)
		return EINVAL;

	*lenp = 0;
	*dtxp = false;

	if (srate != 8000 && srate != 16000)
		return EINVAL;

	dst = enc->acc + n * enc->have;

	if (srate == enc->ci->srate) {
		memcpy(dst, pcm, n * sizeof(*dst));
	}
	else {
		if (!enc->rs || enc->rs_in != srate) {
			enc->rs = mem_deref(enc->rs);
			err = media_resamp_alloc(&enc->rs, srate,
						 enc->ci->srate);
			if (err)
				return err;
			enc->rs_in = srate;
		}
		media_resamp_frame(enc->rs, pcm, dst);
	}

	if (++enc->have < enc->nframes)
		return 0;

	enc->have = 0;
	return encode(enc, pld, lenp, dtxp);
}


/* ---- decoder ---------------------------------------------------- */

struct media_dec {
	enum audio_codec codec;
	OpusDecoder *opus;
	g722_decode_state_t *g722;
};


static void dec_destructor(void *arg)
{
	struct media_dec *dec = arg;

	if (dec->opus)
		opus_decoder_destroy(dec->opus);
	if (dec->g722)
		g722_decode_free(dec->g722);
}


int media_dec_alloc(struct media_dec **decp, enum audio_codec codec)
{
	const struct media_codec_info *ci = media_codec_info(codec);
	struct media_dec *dec;
	int err = 0;

	if (!decp || !ci)
		return EINVAL;

	dec = mem_zalloc(sizeof(*dec), dec_destructor);
	if (!dec)
		return ENOMEM;

	dec->codec = codec;

	if (codec == AUDIO_OPUS) {
		/* A mono decoder downmixes a stereo stream (RFC 7587 3.4:
		 * stereo offers are accepted, we mix in mono). */
		dec->opus = opus_decoder_create((opus_int32)ci->srate, 1, &err);
		if (!dec->opus || err != OPUS_OK)
			err = ENOMEM;
	}
	else if (codec == AUDIO_G722) {
		dec->g722 = g722_decode_init(NULL, G722_BITRATE, 0);
		if (!dec->g722)
			err = ENOMEM;
	}

	if (err)
		mem_deref(dec);
	else
		*decp = dec;

	return err;
}


enum audio_codec media_dec_codec(const struct media_dec *dec)
{
	return dec ? dec->codec : AUDIO_PCMU;
}


size_t media_dec_samples(const struct media_dec *dec, const uint8_t *pld,
			 size_t len)
{
	int n;

	if (!dec || !pld || !len)
		return 0;

	switch (dec->codec) {

	case AUDIO_OPUS:
		if (len > MEDIA_PLD_MAX)
			return 0;
		n = opus_packet_get_nb_samples(pld, (opus_int32)len,
					       MEDIA_SRATE_MAX);
		return n > 0 ? (size_t)n : 0;

	case AUDIO_G722:
		return len * 2;        /* 4 bits a sample at 16 kHz */

	default:
		return len;            /* G.711: a byte a sample */
	}
}


int media_dec_decode(struct media_dec *dec, const uint8_t *pld, size_t len,
		     int16_t *pcm, size_t max, size_t *np)
{
	size_t n;
	int r;

	if (!dec || !pld || !pcm || !np)
		return EINVAL;

	n = media_dec_samples(dec, pld, len);
	if (!n || n > max)
		return EMSGSIZE;

	switch (dec->codec) {

	case AUDIO_OPUS:
		r = opus_decode(dec->opus, pld, (opus_int32)len, pcm,
				(int)max, 0);
		if (r <= 0)
			return EBADMSG;
		*np = (size_t)r;
		return 0;

	case AUDIO_G722:
		r = g722_decode(dec->g722, pcm, pld, (int)len);
		if (r <= 0)
			return EBADMSG;
		*np = (size_t)r;
		return 0;

	default:
		media_mix_decode(pcm, pld, len, dec->codec);
		*np = len;
		return 0;
	}
}


int media_dec_conceal(struct media_dec *dec, const uint8_t *next,
		      size_t next_len, int16_t *pcm, size_t n)
{
	int r;

	if (!dec || !pcm || !n)
		return EINVAL;

	if (dec->codec != AUDIO_OPUS)
		return ENOTSUP;

	/* Opus frames are multiples of 2.5 ms (40 samples at 16 kHz) */
	if (n % 40 || n > MEDIA_SRATE_MAX * 120 / 1000)
		return EINVAL;

	/* decode_fec=1 takes the LBRR data of next for the n samples
	 * before it; without any, libopus conceals (RFC 6716 4.4) */
	if (next && next_len && next_len <= MEDIA_PLD_MAX)
		r = opus_decode(dec->opus, next, (opus_int32)next_len, pcm,
				(int)n, 1);
	else
		r = opus_decode(dec->opus, NULL, 0, pcm, (int)n, 0);

	return r == (int)n ? 0 : EBADMSG;
}

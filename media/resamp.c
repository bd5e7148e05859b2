/**
 * @file resamp.c  Resampling between the codecs' rates and the mix's
 *
 * speexdsp's resampler (Xiph, Debian's libspeexdsp), not librem's
 * auresamp: measured on 20 ms frames, auresamp 8 -> 16 kHz passes 1 kHz
 * at -1.8 dB and 3 kHz at -44 dB (G.711 speakers would sound muffled),
 * while speexdsp at quality 3 is flat to 3.4 kHz (-1 dB) and stops
 * 4.5 kHz at -83 dB going down to 8 kHz, which is what "band-limited,
 * not distorted" asks of a wideband mix heard by a G.711 participant.
 */
#include <string.h>
#include <speex/speex_resampler.h>
#include <re.h>
#include "media/media.h"
#include "media/codec_int.h"


enum {
	RESAMP_QUALITY = 3,     /* speexdsp's VoIP setting */
};

struct media_resamp {
	SpeexResamplerState *st;
	uint32_t irate, orate;
};


static void destructor(void *arg)
{
	struct media_resamp *rs = arg;

	if (rs->st)
		speex_resampler_destroy(rs->st);
}


int media_resamp_alloc(struct media_resamp **rsp, uint32_t irate,
		       uint32_t orate)
{
	struct media_resamp *rs;
	int err = 0;

	if (!rsp || !irate || !orate || irate > 48000 || orate > 48000 ||
	    irate % 50 || orate % 50)
		return EINVAL;

	rs = mem_zalloc(sizeof(*rs), destructor);
	if (!rs)
		return ENOMEM;

	rs->irate = irate;
	rs->orate = orate;
	rs->st = speex_resampler_init(1, irate, orate, RESAMP_QUALITY, &err);
	if (!rs->st || err) {
		mem_deref(rs);
		return ENOMEM;
	}

	*rsp = rs;
	return 0;
}


void media_resamp_frame(struct media_resamp *rs, const int16_t *in,
			int16_t *out)
{
	spx_uint32_t ilen, olen;
	const spx_uint32_t want = rs->orate / 50;

	ilen = rs->irate / 50;
	olen = want;
	speex_resampler_process_int(rs->st, 0, in, &ilen, out, &olen);

	/* The ratios used (2:1, 1:2) come out exact; should a call fall
	 * short, the frame is padded rather than shifted. */
	if (olen < want)
		memset(out + olen, 0, (want - olen) * sizeof(*out));
}

/**
 * @file wbcodec.c  Pre-encoded wideband payloads for the load generator:
 * one second of a tone (or of silence) as 50 Opus (libopus, RFC 7587)
 * or G.722 (spandsp, RFC 3551) frames, encoded once and replayed, so
 * that hundreds of participants cost the UA no encoding at all.
 *
 * Like the rest of the UA this uses the libraries directly and nothing
 * of confd's media/.
 */
#include <string.h>
#include <math.h>
#include <opus/opus.h>
#include <inttypes.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <re.h>
#include "tests/ua/ua.h"


enum { NFRAMES = 50, PCM_RATE = 16000, PCM_FRAME = 320, MAXPLD = 400 };

struct ua_frames {
	uint32_t clock;
	size_t len[NFRAMES];
	uint8_t pld[NFRAMES][MAXPLD];
};


int ua_frames_alloc(struct ua_frames **fp, const char *codec, unsigned hz,
		    int amplitude, bool fec, bool swell)
{
	struct ua_frames *f;
	OpusEncoder *oe = NULL;
	g722_encode_state_t *ge = NULL;
	int16_t pcm[PCM_FRAME];
	int err = 0;

	if (!fp || !codec)
		return EINVAL;

	f = mem_zalloc(sizeof(*f), NULL);
	if (!f)
		return ENOMEM;

	if (!str_casecmp(codec, "opus")) {
		f->clock = 48000;
		oe = opus_encoder_create(PCM_RATE, 1, OPUS_APPLICATION_VOIP,
					 &err);
		if (!oe || err != OPUS_OK) {
			err = ENOMEM;
			goto out;
		}
		opus_encoder_ctl(oe, OPUS_SET_BITRATE(24000));
		opus_encoder_ctl(oe, OPUS_SET_INBAND_FEC(fec ? 1 : 0));
		opus_encoder_ctl(oe, OPUS_SET_PACKET_LOSS_PERC(fec ? 10 : 0));
	}
	else if (!str_casecmp(codec, "G722")) {
		f->clock = 8000;
		ge = g722_encode_init(NULL, 64000, 0);
		if (!ge) {
			err = ENOMEM;
			goto out;
		}
	}
	else {
		err = ENOTSUP;
		goto out;
	}

	/* two passes over the second, keeping the second: the encoder's
	 * state at the wrap then matches what follows it */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned n = 0; n < NFRAMES; n++) {
			for (unsigned i = 0; i < PCM_FRAME; i++) {
				double t = (double)(n * PCM_FRAME + i) /
					PCM_RATE;
				/* swell: 2 Hz keeps the loop seamless */
				double a = swell ? 0.55 + 0.45 *
					sin(2 * M_PI * 2 * t) : 1.0;

				pcm[i] = (int16_t)lrint(a * amplitude *
					sin(2 * M_PI * hz * t));
			}
			if (oe) {
				opus_int32 r = opus_encode(oe, pcm, PCM_FRAME,
							   f->pld[n], MAXPLD);
				if (r < 0) {
					err = EPROTO;
					goto out;
				}
				f->len[n] = (size_t)r;
			}
			else {
				f->len[n] = (size_t)g722_encode(ge, f->pld[n],
								pcm,
								PCM_FRAME);
			}
		}
	}

 out:
	if (oe)
		opus_encoder_destroy(oe);
	if (ge)
		g722_encode_free(ge);
	if (err)
		mem_deref(f);
	else
		*fp = f;
	return err;
}


const uint8_t *ua_frames_get(const struct ua_frames *f, uint32_t n,
			     size_t *lenp)
{
	*lenp = f->len[n % NFRAMES];
	return f->pld[n % NFRAMES];
}


uint32_t ua_frames_clock(const struct ua_frames *f)
{
	return f ? f->clock : 8000;
}

/**
 * @file test_codec.c  Codecs, resampling, the Opus fmtp, Opus FEC and DTX
 * on the receive path, talker choice, and mixer groups (one encoding
 * shared by every listener of a configuration)
 */
#include <string.h>
#include <math.h>
#include <re.h>
#include <rem.h>
#include <opus/opus.h>
#include "media/media.h"
#include "media/media_int.h"
#include "media/mix_int.h"
#include "media/codec_int.h"
#include "media/talk_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "check.h"


/* share of x's energy at freq (1.0: a pure tone there) */
static double tone_share(const int16_t *x, size_t n, double freq,
			 double srate)
{
	double coeff = 2.0 * cos(2.0 * M_PI * freq / srate);
	double s1 = 0, s2 = 0, tot = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double s = x[i] + coeff * s1 - s2;
		s2 = s1;
		s1 = s;
		tot += (double)x[i] * x[i];
	}
	if (tot <= 0)
		return 0;
	return 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (double)n / tot;
}


static double rms(const int16_t *x, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return n ? sqrt(e / n) : 0;
}


static void sine(int16_t *x, size_t n, double freq, double srate,
		 double amp, size_t *phase)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2 * M_PI * freq *
						(double)(*phase + i) / srate));
	*phase += n;
}


static int test_opus_fmtp(void)
{
	struct media_opus_fmtp f;
	const char *s;

	media_opus_fmtp_decode(&f, NULL, 0);
	CHECK_EQ(f.maxplaybackrate, 48000);
	CHECK_EQ(f.sprop_maxcapturerate, 48000);
	CHECK_EQ(f.maxaveragebitrate, 0);
	CHECK(!f.stereo && !f.useinbandfec && !f.usedtx && !f.cbr);

	s = "maxplaybackrate=16000; sprop-maxcapturerate=8000;stereo=1;"
		"sprop-stereo=1;useinbandfec=1;usedtx=1;cbr=1;"
		"maxaveragebitrate=20000";
	media_opus_fmtp_decode(&f, s, strlen(s));
	CHECK_EQ(f.maxplaybackrate, 16000);
	CHECK_EQ(f.sprop_maxcapturerate, 8000);
	CHECK_EQ(f.maxaveragebitrate, 20000);
	CHECK(f.stereo && f.sprop_stereo && f.useinbandfec && f.usedtx &&
	      f.cbr);

	/* out of range, malformed, unknown, truncated: defaults stay */
	s = "maxplaybackrate=7999;sprop-maxcapturerate=48001;"
		"maxaveragebitrate=99999999999;useinbandfec=2;usedtx=yes;"
		"stereo;x-foo=1;=1;;maxplaybackrate=1600";
	media_opus_fmtp_decode(&f, s, strlen(s));
	CHECK_EQ(f.maxplaybackrate, 48000);
	CHECK_EQ(f.sprop_maxcapturerate, 48000);
	CHECK_EQ(f.maxaveragebitrate, 0);
	CHECK(!f.useinbandfec && !f.usedtx && !f.stereo);

	/* the length bounds the parse, not a NUL */
	s = "useinbandfec=1;usedtx=1";
	media_opus_fmtp_decode(&f, s, 14);
	CHECK(f.useinbandfec && !f.usedtx);

	return 0;
}


static int test_enc_cfg(void)
{
	struct media_enc_cfg a, b;

	CHECK_EQ(media_enc_cfg_make(&a, AUDIO_OPUS,
				    "useinbandfec=1;usedtx=1", 0), 0);
	CHECK_EQ(a.ptime, 20);
	CHECK_EQ(a.maxrate, 16000);      /* our mix's bandwidth at most */
	CHECK(a.fec && a.dtx);
	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_OPUS,
				    "usedtx=1;useinbandfec=1", 20), 0);
	CHECK(media_enc_cfg_eq(&a, &b));

	/* narrowband playback: a narrowband encoder, fewer bits */
	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_OPUS, "maxplaybackrate=8000;"
				    "useinbandfec=1;usedtx=1", 20), 0);
	CHECK_EQ(b.maxrate, 8000);
	CHECK(b.bitrate < a.bitrate);
	CHECK(!media_enc_cfg_eq(&a, &b));

	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_OPUS,
				    "maxaveragebitrate=12000", 20), 0);
	CHECK_EQ(b.bitrate, 12000);

	/* ptime rounds down to what the 20 ms clock can do */
	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_PCMU, NULL, 30), 0);
	CHECK_EQ(b.ptime, 20);
	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_PCMU, NULL, 40), 0);
	CHECK_EQ(b.ptime, 40);
	CHECK_EQ(media_enc_cfg_make(&b, AUDIO_PCMU, NULL, 200), 0);
	CHECK_EQ(b.ptime, 60);
	CHECK_EQ(media_enc_cfg_make(&b, (enum audio_codec)3, NULL, 20),
		 EINVAL);

	return 0;
}


/* 8 <-> 16 kHz: the speech band passes, 16 -> 8 stops what cannot be
 * carried instead of folding it down */
static int test_resamp(void)
{
	struct media_resamp *up = NULL, *down = NULL;
	int16_t in[320], out[320], all[320 * 40];
	size_t ph = 0, k;

	CHECK_EQ(media_resamp_alloc(&up, 8000, 16000), 0);
	CHECK_EQ(media_resamp_alloc(&down, 16000, 8000), 0);
	CHECK_EQ(media_resamp_alloc(&down, 8000, 44), EINVAL);

	for (k = 0; k < 40; k++) {
		sine(in, 160, 1000, 8000, 8000, &ph);
		media_resamp_frame(up, in, all + k * 320);
	}
	CHECK(tone_share(all + 320 * 5, 320 * 30, 1000, 16000) > 0.95);
	CHECK(fabs(rms(all + 320 * 5, 320 * 30) - 8000 / sqrt(2)) < 300);

	for (k = 0, ph = 0; k < 40; k++) {
		sine(in, 320, 3000, 16000, 8000, &ph);
		media_resamp_frame(down, in, all + k * 160);
	}
	CHECK(tone_share(all + 160 * 5, 160 * 30, 3000, 8000) > 0.95);
	CHECK(rms(all + 160 * 5, 160 * 30) > 5000);

	/* 6 kHz would alias to 2 kHz: it must be (nearly) gone */
	for (k = 0, ph = 0; k < 40; k++) {
		sine(in, 320, 6000, 16000, 8000, &ph);
		media_resamp_frame(down, in, out);
		if (k >= 5)
			CHECK(rms(out, 160) < 60);
	}

	mem_deref(up);
	mem_deref(down);
	return 0;
}


/* a codec round trip of tone f at the codec's rate; returns the share of
 * the decoded energy at f and its RMS */
static int roundtrip(enum audio_codec codec, const char *fmtp, double f,
		     double *share, double *level)
{
	const struct media_codec_info *ci = media_codec_info(codec);
	struct media_enc_cfg cfg;
	struct media_enc *enc = NULL;
	struct media_dec *dec = NULL;
	int16_t in[MEDIA_FRAME_MAX], all[MEDIA_FRAME_MAX * 50];
	uint8_t pld[MEDIA_PLD_MAX];
	size_t ph = 0, n = ci->srate / 50, k, len, got = 0, dn;
	bool dtx;
	int err;

	err  = media_enc_cfg_make(&cfg, codec, fmtp, 20);
	err |= media_enc_alloc(&enc, &cfg);
	err |= media_dec_alloc(&dec, codec);
	if (err)
		goto out;

	for (k = 0; k < 50; k++) {
		sine(in, n, f, ci->srate, 6000, &ph);
		err = media_enc_frame(enc, in, ci->srate, pld, &len, &dtx);
		if (err || !len) {
			err = err ? err : EPROTO;
			goto out;
		}
		err = media_dec_decode(dec, pld, len, all + got,
				       ARRAY_SIZE(all) - got, &dn);
		if (err || dn != n) {
			err = err ? err : EPROTO;
			goto out;
		}
		got += dn;
	}

	*share = tone_share(all + n * 10, n * 40, f, ci->srate);
	*level = rms(all + n * 10, n * 40);

 out:
	mem_deref(enc);
	mem_deref(dec);
	return err;
}


static int test_codecs(void)
{
	double share, level;

	CHECK_EQ(media_codec_info(AUDIO_OPUS)->clock, 48000);
	CHECK_EQ(media_codec_info(AUDIO_G722)->clock, 8000);
	CHECK_EQ(media_codec_info(AUDIO_G722)->srate, 16000);

	/* G.722 and Opus carry 6 kHz, which G.711 cannot */
	CHECK_EQ(roundtrip(AUDIO_G722, NULL, 6000, &share, &level), 0);
	CHECK(share > 0.8 && level > 2500);
	CHECK_EQ(roundtrip(AUDIO_G722, NULL, 1000, &share, &level), 0);
	CHECK(share > 0.9 && level > 3500);
	CHECK_EQ(roundtrip(AUDIO_OPUS, NULL, 6000, &share, &level), 0);
	CHECK(share > 0.7 && level > 2500);
	CHECK_EQ(roundtrip(AUDIO_OPUS, "maxplaybackrate=8000", 1000,
			   &share, &level), 0);
	CHECK(share > 0.8);
	CHECK_EQ(roundtrip(AUDIO_PCMA, NULL, 1000, &share, &level), 0);
	CHECK(share > 0.95);

	return 0;
}


/* a ptime of 40 ms gives one packet every second frame, twice as long */
static int test_ptime(void)
{
	struct media_enc_cfg cfg;
	struct media_enc *enc = NULL;
	struct media_dec *dec = NULL;
	int16_t in[320] = {0};
	uint8_t pld[MEDIA_PLD_MAX];
	size_t len;
	bool dtx;

	CHECK_EQ(media_enc_cfg_make(&cfg, AUDIO_OPUS, NULL, 40), 0);
	CHECK_EQ(media_enc_alloc(&enc, &cfg), 0);
	CHECK_EQ(media_dec_alloc(&dec, AUDIO_OPUS), 0);
	CHECK_EQ(media_enc_frames(enc), 2);
	CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
	CHECK(len > 0);
	CHECK_EQ(media_dec_samples(dec, pld, len), 640);
	mem_deref(enc);

	/* PCMU at 60 ms, fed from a 16 kHz mix: 480 bytes */
	CHECK_EQ(media_enc_cfg_make(&cfg, AUDIO_PCMU, NULL, 60), 0);
	CHECK_EQ(media_enc_alloc(&enc, &cfg), 0);
	CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
	CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
	CHECK_EQ(len, 480);

	mem_deref(enc);
	mem_deref(dec);
	return 0;
}


static size_t rtp_pkt(uint8_t *buf, uint8_t pt, uint16_t seq, uint32_t ts,
		      const uint8_t *pld, size_t len)
{
	buf[0] = 0x80;
	buf[1] = pt;
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24);
	buf[5] = (uint8_t)(ts >> 16);
	buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = 0x11; buf[9] = 0x22; buf[10] = 0x33; buf[11] = 0x44;
	memcpy(buf + 12, pld, len);
	return 12 + len;
}


/*
 * The receive path for Opus: a lost packet comes back from the next
 * one's FEC; a timestamp jump without a sequence gap is DTX, nothing is
 * concealed and, once the buffer ran dry, the stream is silent (not
 * mixed) rather than concealed forever.
 */
static int test_opus_rx(void)
{
	struct media_enc_cfg cfg;
	struct media_enc *enc = NULL;
	struct media_rtprx *rx = NULL;
	struct media_rtprx_stats st;
	int16_t in[320], out[320];
	uint8_t pld[MEDIA_PLD_MAX], pkt[MEDIA_PLD_MAX + 12];
	size_t ph = 0, len, k, heard = 0;
	uint32_t ts = 1000;
	uint16_t seq = 7;
	bool dtx;

	CHECK_EQ(media_enc_cfg_make(&cfg, AUDIO_OPUS,
				    "useinbandfec=1", 20), 0);
	CHECK_EQ(media_enc_alloc(&enc, &cfg), 0);
	CHECK_EQ(media_rtprx_alloc(&rx), 0);
	CHECK_EQ(media_rtprx_set(rx, 111, AUDIO_OPUS, 110), 0);
	CHECK_EQ(media_rtprx_srate(rx), 16000);

	for (k = 0; k < 60; k++) {
		sine(in, 320, 700, 16000, 8000, &ph);
		CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
		CHECK(len > 0);
		/* packets 30 and 31 are lost */
		if (k != 30 && k != 31) {
			size_t n = rtp_pkt(pkt, 111, seq, ts, pld, len);
			CHECK_EQ(media_rtprx_input(rx, pkt, n), 0);
		}
		++seq;
		ts += 960;
		if (media_rtprx_pull(rx, out) && rms(out, 320) > 2000)
			++heard;
	}

	media_rtprx_stats(rx, &st);
	CHECK_EQ(st.fec_frames, 1);     /* 31, from 32's FEC */
	CHECK_EQ(st.plc_frames, 1);     /* 30 */
	CHECK_EQ(st.dtx_gaps, 0);
	CHECK(heard >= 55);             /* no hole where 30 and 31 were */

	/* DTX: 2 s without a packet, the sequence goes on */
	for (k = 0; k < 100; k++)
		(void)media_rtprx_pull(rx, out);
	CHECK(!media_rtprx_pull(rx, out));
	ts += 100 * 960;
	for (k = 0; k < 5; k++) {
		size_t n;

		sine(in, 320, 700, 16000, 8000, &ph);
		CHECK_EQ(media_enc_frame(enc, in, 16000, pld, &len, &dtx), 0);
		n = rtp_pkt(pkt, 111, seq++, ts, pld, len);
		ts += 960;
		CHECK_EQ(media_rtprx_input(rx, pkt, n), 0);
	}
	media_rtprx_stats(rx, &st);
	CHECK_EQ(st.dtx_gaps, 1);
	CHECK_EQ(st.plc_frames, 1);     /* nothing more concealed */
	CHECK_EQ(st.fec_frames, 1);

	/* a packet the decoder went past (reordered late) is dropped */
	len = rtp_pkt(pkt, 111, (uint16_t)(seq - 3), ts - 3 * 960, pld, len);
	CHECK_EQ(media_rtprx_input(rx, pkt, len), ETIMEDOUT);

	mem_deref(enc);
	mem_deref(rx);
	return 0;
}


/*
 * Opus loss recovery: a 1000 Hz tone, encoded as confd-ua's talker does
 * (16 kHz, 24 kbit/s, in-band FEC with 10% expected loss, or none),
 * loses a seeded 10% of its packets (single losses and bursts of two)
 * on the way into the receive path.  Measured: the tone's share of the
 * played energy (in 100 ms blocks, as tests/tools/tonecheck does) and
 * the SNR of the lost frames against the loss-free playout.  Rebuilding
 * lost frames from the next packet's FEC data must sound at least as
 * good as concealing them.
 *
 * The tone swells and fades twice a second: SILK's voice activity
 * detector takes a steady tone for background noise within a second,
 * and libopus adds FEC (LBRR) data only to frames it deems active, so
 * a steady tone would carry none to recover from.
 */
enum { LOSS_FRAMES = 400, LOSS_SKIP = 100, LOSS_BLOCK = 1600 };

static void am_tone(int16_t *x, size_t n, double hz, size_t *phase)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const double t = (double)(*phase + i) / 16000;

		x[i] = (int16_t)lrint(8000 * (0.55 + 0.45 *
					      sin(2 * M_PI * 2 * t)) *
				      sin(2 * M_PI * hz * t));
	}
	*phase += n;
}


/* the loss draw: xorshift32 as confd-ua's --loss, from frame 10 on;
 * pct 0: none; 100: bursts, frames 8 and 9 of every 10 */
static bool loss_draw(uint32_t *x, size_t k, unsigned pct)
{
	if (pct == 100)
		return k >= 10 && k % 10 >= 8;
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return k >= 10 && *x % 100 < pct;
}


static int loss_run(bool fec, unsigned loss_pct, double hz, int16_t *played,
		    struct media_rtprx_stats *st)
{
	OpusEncoder *oe;
	struct media_rtprx *rx = NULL;
	int16_t in[320];
	uint8_t pld[400], pkt[420];
	uint32_t x = 0x2545f491, ts = 5000;
	uint16_t seq = 100;
	size_t ph = 0, k;
	int err = 0, len;

	oe = opus_encoder_create(16000, 1, OPUS_APPLICATION_VOIP, &err);
	CHECK(oe != NULL && err == OPUS_OK);
	CHECK_EQ(opus_encoder_ctl(oe, OPUS_SET_BITRATE(24000)), OPUS_OK);
	CHECK_EQ(opus_encoder_ctl(oe, OPUS_SET_INBAND_FEC(fec)), OPUS_OK);
	CHECK_EQ(opus_encoder_ctl(oe, OPUS_SET_PACKET_LOSS_PERC(
					  fec ? 10 : 0)), OPUS_OK);
	CHECK_EQ(media_rtprx_alloc(&rx), 0);
	CHECK_EQ(media_rtprx_set(rx, 111, AUDIO_OPUS, -1), 0);

	memset(played, 0, LOSS_FRAMES * 320 * sizeof(*played));
	for (k = 0; k < LOSS_FRAMES; k++) {
		am_tone(in, 320, hz, &ph);
		len = opus_encode(oe, in, 320, pld, sizeof(pld));
		CHECK(len > 0);
		if (!loss_draw(&x, k, loss_pct)) {
			size_t n = rtp_pkt(pkt, 111, seq, ts, pld,
					   (size_t)len);
			CHECK_EQ(media_rtprx_input(rx, pkt, n), 0);
		}
		++seq;
		ts += 960;
		(void)media_rtprx_pull(rx, played + k * 320);
	}

	media_rtprx_stats(rx, st);
	opus_encoder_destroy(oe);
	mem_deref(rx);
	return 0;
}


/* the tone's share, per 100 ms block as tonecheck measures it */
static double block_share(const int16_t *x, size_t n)
{
	double tone = 0, tot = 0;
	size_t b;

	for (b = 0; b + LOSS_BLOCK <= n; b += LOSS_BLOCK) {
		const double e = rms(x + b, LOSS_BLOCK);

		tone += tone_share(x + b, LOSS_BLOCK, 1000, 16000) * e * e;
		tot += e * e;
	}
	return tot > 0 ? tone / tot : 0;
}


/* SNR over the frames played in place of lost ones: the jitter
 * buffer plays frame k of the talker at tick k + delay */
static double lost_snr(const int16_t *ref, const int16_t *x, unsigned pct)
{
	uint32_t r = 0x2545f491;
	double s = 0, e = 0;
	size_t k, i, d, delay = 0;

	/* the playout delay: where the clean run's output is the input */
	for (d = 1; d < 10 && !delay; d++)
		if (rms(ref + d * 320, 320) > 100)
			delay = d;

	for (k = 0; k + delay < LOSS_FRAMES; k++) {
		const int16_t *a = ref + (k + delay) * 320;
		const int16_t *b = x + (k + delay) * 320;

		if (!loss_draw(&r, k, pct) || k < LOSS_SKIP)
			continue;
		for (i = 0; i < 320; i++) {
			const double dd = (double)b[i] - a[i];

			s += (double)a[i] * a[i];
			e += dd * dd;
		}
	}
	return e > 0 ? 10 * log10(s / e) : 99;
}


static int test_opus_loss(void)
{
	static int16_t clean[LOSS_FRAMES * 320], fec[LOSS_FRAMES * 320],
		plc[LOSS_FRAMES * 320];
	struct media_rtprx_stats sc, sf, sp;
	const size_t off = LOSS_SKIP * 320;
	const size_t n = LOSS_FRAMES * 320 - off;
	double shc, shf, shp, snf;
	int err;

	err  = loss_run(true, 0, 1000, clean, &sc);
	err |= loss_run(true, 10, 1000, fec, &sf);
	err |= loss_run(false, 10, 1000, plc, &sp);
	if (err)
		return err;

	snf = lost_snr(clean, fec, 10);
	shc = block_share(clean + off, n);
	shf = block_share(fec + off, n);
	shp = block_share(plc + off, n);
	printf("# opus, 10%% loss: tone share without loss %.3f; with FEC"
	       " %.3f (%llu frames from FEC, %llu concealed, lost frames"
	       " at %.1f dB SNR); without FEC %.3f (%llu concealed)\n",
	       shc, shf, (unsigned long long)sf.fec_frames,
	       (unsigned long long)sf.plc_frames, snf,
	       shp, (unsigned long long)sp.plc_frames);

	CHECK(sc.fec_frames == 0 && sc.plc_frames == 0);
	CHECK(sf.fec_frames >= 25);
	CHECK_EQ(sf.plc_frames + sf.fec_frames,
		 sp.plc_frames + sp.fec_frames);
	CHECK(shc > 0.95);
	CHECK(shp > 0.90);
	/* FEC: never worse than concealment alone */
	CHECK(shf >= 0.95);
	CHECK(shf >= shp - 0.005);
	CHECK(snf >= 10);

	/* bursts of two: the older one concealed, then the newer one
	 * from FEC (in that order: libopus's single timeline) */
	err = loss_run(true, 100, 1000, fec, &sf);
	if (err)
		return err;
	CHECK_EQ(sf.fec_frames, (LOSS_FRAMES - 10) / 10 - 1);
	CHECK_EQ(sf.plc_frames, (LOSS_FRAMES - 10) / 10 - 1);
	return 0;
}


/* G.722: 16 kHz PCM on an 8 kHz clock, 160 bytes per 20 ms */
static int test_g722_rx(void)
{
	struct media_rtprx *rx = NULL;
	uint8_t pld[160], pkt[200];
	int16_t out[320];
	size_t k, n, got = 0;

	memset(pld, 0xfa, sizeof(pld));
	CHECK_EQ(media_rtprx_alloc(&rx), 0);
	CHECK_EQ(media_rtprx_set(rx, 9, AUDIO_G722, 101), 0);
	CHECK_EQ(media_rtprx_srate(rx), 16000);

	for (k = 0; k < 10; k++) {
		n = rtp_pkt(pkt, 9, (uint16_t)k, (uint32_t)(k * 160), pld,
			    sizeof(pld));
		CHECK_EQ(media_rtprx_input(rx, pkt, n), 0);
		if (media_rtprx_pull(rx, out))
			++got;
	}
	/* prebuffered 40 ms, then one 20 ms frame per 160-tick packet */
	CHECK_EQ(got, 9);

	/* over 60 ms (a 480-byte packet is 960 samples of 16 kHz) */
	{
		uint8_t big[500] = {0}, bp[520];

		n = rtp_pkt(bp, 9, 20, 5000, big, 481);
		CHECK_EQ(media_rtprx_input(rx, bp, n), EMSGSIZE);
		n = rtp_pkt(bp, 9, 21, 6000, big, 480);
		CHECK_EQ(media_rtprx_input(rx, bp, n), 0);
	}

	mem_deref(rx);
	return 0;
}


static int test_talk(void)
{
	struct media_talk t[6], *tv[6];
	int16_t loud[160], mid[160], quiet[160] = {0};
	bool has[6];
	size_t i, k;

	for (i = 0; i < 160; i++) {
		loud[i] = (int16_t)(i % 2 ? 3000 : -3000);
		mid[i] = (int16_t)(i % 2 ? 250 : -250);    /* OFF < 250 < ON */
	}

	memset(t, 0, sizeof(t));
	media_talk_update(&t[0], mid, 160);
	CHECK(!t[0].talking);                  /* not loud enough to start */
	media_talk_update(&t[0], loud, 160);
	CHECK(t[0].talking);                   /* no attack delay */
	for (k = 0; k < 100; k++)
		media_talk_update(&t[0], mid, 160);
	CHECK(t[0].talking);                   /* between: held */
	for (k = 0; k < MEDIA_TALK_HANG - 1; k++)
		media_talk_update(&t[0], quiet, 160);
	CHECK(t[0].talking);                   /* the hangover */
	media_talk_update(&t[0], quiet, 160);
	CHECK(!t[0].talking);
	media_talk_update(&t[0], NULL, 160);   /* nothing arrived */
	CHECK(!t[0].talking);

	/* six talkers, of rising level: the loudest four are mixed */
	memset(t, 0, sizeof(t));
	for (i = 0; i < 6; i++) {
		int16_t x[160];

		for (k = 0; k < 160; k++)
			x[k] = (int16_t)((k % 2 ? 1 : -1) *
					 (int)(1000 + 500 * i));
		media_talk_update(&t[i], x, 160);
		tv[i] = &t[i];
		has[i] = true;
	}
	CHECK_EQ(media_talk_select(tv, has, 6), 4);
	CHECK(!t[0].mixed && !t[1].mixed);
	CHECK(t[2].mixed && t[3].mixed && t[4].mixed && t[5].mixed);

	/* slightly louder than a mixed one is not enough to take its place
	 * (6 dB of hysteresis), much louder is */
	t[1].level = t[2].level + t[2].level / 2;
	CHECK_EQ(media_talk_select(tv, has, 6), 4);
	CHECK(!t[1].mixed && t[2].mixed);
	t[1].level = t[2].level * 3;
	CHECK_EQ(media_talk_select(tv, has, 6), 4);
	CHECK(t[1].mixed && !t[2].mixed);

	/* no audio this tick: not mixed, whatever the level */
	has[1] = false;
	CHECK_EQ(media_talk_select(tv, has, 6), 4);
	CHECK(!t[1].mixed);

	return 0;
}


/* --- mixer groups, end to end on loopback -------------------------- */

enum { NLIST = 5 };

struct grp_test {
	struct udp_sock *us[NLIST + 1];
	unsigned rx[NLIST + 1];
	struct mbuf *first[NLIST + 1];     /* a listener's 50th packet */
	struct audio *a[NLIST + 1];
	struct tmr tmr, tmr_end;
	struct mbuf *mb;
	uint16_t seq;
	uint32_t ts;
	size_t ph;
};

static struct grp_test *gt;


static void grp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	const size_t i = (size_t)arg;
	(void)src;

	if (mbuf_get_left(mb) >= 2 && mb->buf[mb->pos + 1] >= 192 &&
	    mb->buf[mb->pos + 1] <= 223)
		return;
	if (++gt->rx[i] == 50 && !gt->first[i]) {
		gt->first[i] = mbuf_alloc(mbuf_get_left(mb));
		if (gt->first[i])
			(void)mbuf_write_mem(gt->first[i], mbuf_buf(mb),
					     mbuf_get_left(mb));
	}
}


static void grp_tick(void *arg)
{
	int16_t pcm[160];
	uint8_t pld[160], buf[200];
	struct sa dst;
	size_t n;
	(void)arg;

	tmr_start(&gt->tmr, AUDIO_PTIME, grp_tick, NULL);

	/* the talker (stream 0) sends a PCMU tone */
	sine(pcm, 160, 800, 8000, 6000, &gt->ph);
	media_mix_encode(pld, pcm, 160, AUDIO_PCMU);
	n = rtp_pkt(buf, 0, gt->seq++, gt->ts, pld, sizeof(pld));
	gt->ts += 160;

	mbuf_rewind(gt->mb);
	(void)mbuf_write_mem(gt->mb, buf, n);
	gt->mb->pos = 0;
	sa_set_str(&dst, "127.0.0.1", audio_lport(gt->a[0]));
	(void)udp_send(gt->us[0], &dst, gt->mb);

	/* the listeners each send one Opus packet first (a TOC byte alone,
	 * RFC 6716 3.2.1: no frame data), then fall silent as in DTX:
	 * confd sends only to who has sent (media/consent.c) */
	if (gt->seq <= 101) {
		static const uint8_t toc = 0xf8;
		size_t i;

		for (i = 1; i <= NLIST; i++) {
			n = rtp_pkt(buf, 111, gt->seq, gt->ts, &toc, 1);
			mbuf_rewind(gt->mb);
			(void)mbuf_write_mem(gt->mb, buf, n);
			gt->mb->pos = 0;
			sa_set_str(&dst, "127.0.0.1", audio_lport(gt->a[i]));
			(void)udp_send(gt->us[i], &dst, gt->mb);
		}
	}
}


static void grp_stop(void *arg)
{
	(void)arg;
	re_cancel();
}


/*
 * One PCMU talker and five silent Opus listeners of one configuration:
 * per tick the mixer encodes twice (the talker's own mix-minus, and the
 * listeners' shared full mix), not six times; each listener gets the
 * same payload under its own RTP header.
 */
static int test_groups(void)
{
	struct media_portpool *pool = NULL;
	struct mixer *mx = NULL;
	struct mixer_stats ms;
	struct grp_test t;
	struct sa local;
	size_t i;
	int err = 0;

	memset(&t, 0, sizeof(t));
	gt = &t;
	CHECK_EQ(libre_init(), 0);
	t.mb = mbuf_alloc(256);
	CHECK(t.mb != NULL);
	CHECK_EQ(mixer_alloc(&mx), 0);
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", 30000, 39999), 0);
	sa_set_str(&local, "127.0.0.1", 0);
	t.seq = 100;

	for (i = 0; i <= NLIST; i++) {
		struct audio_params prm;
		struct sa pa;

		CHECK_EQ(udp_listen(&t.us[i], &local, grp_recv, (void *)i), 0);
		CHECK_EQ(udp_local_get(t.us[i], &pa), 0);
		CHECK_EQ(audio_alloc(&t.a[i], mx, pool, &local, NULL), 0);

		memset(&prm, 0, sizeof(prm));
		prm.rtp = prm.rtcp = pa;
		prm.codec = i ? AUDIO_OPUS : AUDIO_PCMU;
		prm.pt = i ? 111 : 0;
		prm.fmtp = "useinbandfec=1";
		prm.telev_pt = -1;
		prm.send = prm.recv = true;
		CHECK_EQ(audio_start(t.a[i], &prm), 0);
	}

	tmr_init(&t.tmr);
	tmr_init(&t.tmr_end);
	tmr_start(&t.tmr, 0, grp_tick, NULL);
	tmr_start(&t.tmr_end, 1500, grp_stop, NULL);
	err = re_main(NULL);
	tmr_cancel(&t.tmr);
	tmr_cancel(&t.tmr_end);

	mixer_stats(mx, &ms);
	printf("# groups: %llu ticks, %llu encodes, %llu shared sends;"
	       " rx %u %u %u %u %u %u\n",
	       (unsigned long long)ms.ticks, (unsigned long long)ms.encodes,
	       (unsigned long long)ms.shared_sends,
	       t.rx[0], t.rx[1], t.rx[2], t.rx[3], t.rx[4], t.rx[5]);

	if (ms.ticks < 50 || ms.encodes > 2 * ms.ticks + 2 ||
	    ms.shared_sends < NLIST * (ms.ticks - 2))
		err = EINVAL;
	for (i = 1; i <= NLIST && !err; i++) {
		if (t.rx[i] < 50 || !t.first[i])
			err = EINVAL;
		/* the same payload as listener 1's, after its own header */
		else if (t.first[i]->end != t.first[1]->end ||
			 memcmp(t.first[i]->buf + 12, t.first[1]->buf + 12,
				t.first[i]->end - 12) ||
			 (i > 1 && !memcmp(t.first[i]->buf + 8,
					   t.first[1]->buf + 8, 4))) {
			printf("# listener %zu: %zu bytes, listener 1: %zu\n",
			       i, t.first[i]->end, t.first[1]->end);
			err = EINVAL;
		}
	}
	/* the talker hears the others (silence) but not itself: PCMU */
	if (t.rx[0] < 50)
		err = EINVAL;

	mem_deref(mx);
	for (i = 0; i <= NLIST; i++) {
		mem_deref(t.a[i]);
		mem_deref(t.us[i]);
		mem_deref(t.first[i]);
	}
	mem_deref(t.mb);
	mem_deref(pool);
	libre_close();
	return err;
}


TEST_MAIN("codec",
	  CASE(test_opus_fmtp),
	  CASE(test_enc_cfg),
	  CASE(test_resamp),
	  CASE(test_codecs),
	  CASE(test_ptime),
	  CASE(test_opus_rx),
	  CASE(test_opus_loss),
	  CASE(test_g722_rx),
	  CASE(test_talk),
	  CASE(test_groups))

/**
 * @file tonecheck.c  Says which tones a 16-bit PCM WAV recording holds.
 *
 * tonecheck [-v] [-s SKIP] [-t MINACTIVE] [-P MINRATIO] [-A MAXRATIO]
 *           [-p FREQ]... [-a FREQ]... FILE
 *
 * The file is cut into 100 ms blocks.  Blocks quieter than an RMS of 30
 * (silence before a call is set up, or after it ends) are left out.  For
 * every frequency asked about, a Goertzel filter measures the energy at
 * that frequency, as a share of the total energy in the active blocks: a
 * pure tone scores about 1.0, two equal tones about 0.5 each.  -p FREQ
 * must score at least MINRATIO (default 0.08), -a FREQ at most MAXRATIO
 * (default 0.03), and there must be MINACTIVE seconds of active audio
 * (default 1).  A 100 ms block at 8 kHz spans a whole number of periods
 * of any multiple of 10 Hz, so such tones do not leak into other bins.
 *
 * Prints one line per frequency; exit 0 when every check holds, 1 when
 * one fails, 2 on bad usage or an unreadable file.
 */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/tools/wavio.h"

#define MAXF 16
#define ACTIVE_RMS 30.0

struct tone {
	double freq;
	bool present;   /* else it must be absent */
	double energy;  /* sum over active blocks */
};

static double goertzel(const int16_t *x, size_t n, double freq,
		       double srate)
{
	double coeff = 2.0 * cos(2.0 * M_PI * freq / srate);
	double s1 = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double s = x[i] + coeff * s1 - s2;
		s2 = s1;
		s1 = s;
	}

	/* |X(f)|^2; a sine of amplitude A over n samples gives (A n / 2)^2,
	 * so 2|X|^2/n equals its energy sum(x^2) = A^2 n / 2 */
	return 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (double)n;
}

static void usage(void)
{
	fprintf(stderr, "usage: tonecheck [-v] [-s SKIP] [-t MINACTIVE] "
		"[-P MINRATIO] [-A MAXRATIO] [-p FREQ]... [-a FREQ]... "
		"FILE\n");
}

int main(int argc, char *argv[])
{
	struct tone tonev[MAXF];
	size_t tonec = 0, i, t, blk, nblk_active = 0, first;
	double skip = 0, min_active = 1.0, min_ratio = 0.08, max_ratio = 0.03;
	double total = 0;
	bool verbose = false, ok = true;
	const char *err;
	struct wav w;
	int opt, e;

	while ((opt = getopt(argc, argv, "vs:t:P:A:p:a:")) != -1) {
		switch (opt) {

		case 'v': verbose = true; break;
		case 's': skip = atof(optarg); break;
		case 't': min_active = atof(optarg); break;
		case 'P': min_ratio = atof(optarg); break;
		case 'A': max_ratio = atof(optarg); break;

		case 'p':
		case 'a':
			if (tonec == MAXF || atof(optarg) <= 0) {
				usage();
				return 2;
			}
			tonev[tonec].freq = atof(optarg);
			tonev[tonec].present = opt == 'p';
			tonev[tonec].energy = 0;
			tonec++;
			break;

		default:
			usage();
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}

	e = wav_read(&w, argv[optind], &err);
	if (e) {
		fprintf(stderr, "tonecheck: %s: %s\n", argv[optind], err);
		return 2;
	}

	blk = w.srate / 10;
	first = (size_t)(skip * w.srate);
	if (first > w.nsamp)
		first = w.nsamp;

	for (i = first; i + blk <= w.nsamp; i += blk) {
		const int16_t *x = w.samp + i;
		double en = 0;
		size_t k;

		for (k = 0; k < blk; k++)
			en += (double)x[k] * x[k];

		if (sqrt(en / (double)blk) < ACTIVE_RMS)
			continue;

		++nblk_active;
		total += en;
		if (verbose)
			printf("%7.1fs rms %6.0f", (double)i / w.srate,
			       sqrt(en / (double)blk));
		for (t = 0; t < tonec; t++) {
			double g = goertzel(x, blk, tonev[t].freq, w.srate);
			tonev[t].energy += g;
			if (verbose)
				printf("  %g:%.2f", tonev[t].freq, g / en);
		}
		if (verbose)
			printf("\n");
	}

	printf("%s: %.1f s, %.1f s active, rms %.0f\n", argv[optind],
	       (double)w.nsamp / w.srate, nblk_active / 10.0,
	       nblk_active ? sqrt(total / (double)(nblk_active * blk)) : 0);

	if (nblk_active / 10.0 < min_active) {
		printf("  too little active audio (want %.1f s)\n", min_active);
		ok = false;
	}

	for (t = 0; t < tonec; t++) {
		double r = total > 0 ? tonev[t].energy / total : 0;
		bool good = tonev[t].present ? r >= min_ratio : r <= max_ratio;

		printf("  %6g Hz: %.3f of energy, want %s %.3f: %s\n",
		       tonev[t].freq, r, tonev[t].present ? ">=" : "<=",
		       tonev[t].present ? min_ratio : max_ratio,
		       good ? "ok" : "WRONG");
		if (!good)
			ok = false;
	}

	free(w.samp);
	return ok ? 0 : 1;
}

/**
 * @file tonegen.c  Writes a mono 16-bit PCM WAV holding sine tones.
 *
 * tonegen [-r RATE] [-d SECONDS] [-l LEVEL] FILE FREQ [FREQ...]
 *
 * LEVEL is the peak of each tone as a fraction of full scale (default
 * 0.25), so that a mixer adding two or three of them stays clear of
 * clipping.  Defaults: 8000 Hz, 30 s.
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

int main(int argc, char *argv[])
{
	double secs = 30, level = 0.25;
	unsigned rate = 8000;
	int16_t *s;
	size_t n, i;
	int opt, a, e;

	while ((opt = getopt(argc, argv, "r:d:l:")) != -1) {
		switch (opt) {

		case 'r': rate = (unsigned)atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'l': level = atof(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind < 2 || rate < 1000 || rate > 192000 ||
	    secs <= 0 || secs > 3600 || level <= 0 || level > 1)
		goto usage;

	n = (size_t)(secs * rate);
	s = calloc(n, sizeof(*s));
	if (!s)
		return 1;

	for (i = 0; i < n; i++) {
		double v = 0;
		for (a = optind + 1; a < argc; a++)
			v += level * sin(2 * M_PI * atof(argv[a]) * i / rate);
		v *= 32767;
		if (v > 32767)
			v = 32767;
		if (v < -32768)
			v = -32768;
		s[i] = (int16_t)lrint(v);
	}

	e = wav_write(argv[optind], rate, s, n);
	free(s);
	if (e) {
		fprintf(stderr, "tonegen: %s: %s\n", argv[optind], strerror(e));
		return 1;
	}
	return 0;

 usage:
	fprintf(stderr, "usage: tonegen [-r RATE] [-d SECONDS] [-l LEVEL] "
		"FILE FREQ [FREQ...]\n");
	return 2;
}

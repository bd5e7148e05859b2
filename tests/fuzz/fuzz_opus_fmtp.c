/**
 * @file fuzz_opus_fmtp.c  Fuzz the Opus a=fmtp parser (RFC 7587 6.1)
 *
 * Any input is parsed from an exact-size heap copy (no NUL after it).
 * Whatever comes out must be in the ranges RFC 7587 allows, and the
 * encoder configuration made from it must be one libopus accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/codec_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_opus_fmtp f;
	struct media_enc_cfg cfg;
	char *copy, *z;

	copy = malloc(size ? size : 1);
	z = malloc(size + 1);
	if (!copy || !z)
		goto out;
	memcpy(copy, data, size);

	media_opus_fmtp_decode(&f, copy, size);
	if (f.maxplaybackrate < 8000 || f.maxplaybackrate > 48000 ||
	    f.sprop_maxcapturerate < 8000 ||
	    f.sprop_maxcapturerate > 48000 ||
	    (f.maxaveragebitrate && (f.maxaveragebitrate < 6000 ||
				     f.maxaveragebitrate > 510000)))
		abort();

	/* the same text NUL-terminated (as SDP hands it over) */
	memcpy(z, data, size);
	z[size] = '\0';
	if (strlen(z) == size) {
		if (media_enc_cfg_make(&cfg, AUDIO_OPUS, z, 20))
			abort();
		if (cfg.bitrate < 6000 || cfg.bitrate > 510000 ||
		    cfg.maxrate > 16000 || cfg.ptime != 20)
			abort();
	}

 out:
	free(copy);
	free(z);
	return 0;
}

/**
 * @file fuzz_rtcpfb.c  The video relay's RTCP feedback parser
 * (media/rtcpfb.c) and, on the same bytes, the key frame detectors
 * (media/videopkt.c).
 *
 * Input: one RTCP compound (SR/RR/SDES/BYE, RTPFB NACK/TMMBR/TMMBN,
 * PSFB PLI/FIR/REMB...).  Every item the parser hands out must lie
 * within what it was given, and a rejected compound hands out nothing.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "media/consent_int.h"
#include "media/rtcpfb_int.h"
#include "media/video_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void item(const struct media_fb *fb, void *arg)
{
	size_t *n = arg;

	if (fb->kind < MEDIA_FB_SR || fb->kind > MEDIA_FB_REMB)
		__builtin_trap();
	++*n;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int err;

	err = media_rtcpfb_parse(data, size, item, &n);
	if (err && n)
		__builtin_trap();
	/* at most one item per 4 bytes */
	if (n > size / 4 + 1)
		__builtin_trap();

	(void)media_video_keyframe(VIDEO_VP8, data, size);
	(void)media_video_keyframe(VIDEO_H264, data, size);

	return 0;
}

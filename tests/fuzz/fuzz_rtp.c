/**
 * @file fuzz_rtp.c  Receive path: SRTP/SRTCP, RTP/RTCP parsing, jitter buffer
 *
 * Input: a mode byte, then packets as [len_hi len_lo bytes...].  Mode
 * bit 0 puts SRTP (with an MKI length from bits 1-2) in front; bit 3
 * routes packets through RTCP instead; bits 4 and 7 pick the codec
 * (PCMU, PCMA, G.722, Opus: Opus's loss, FEC and DTX paths); a
 * zero-length record is a mixer tick.  State is fresh for every input.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/codec_int.h"
#include "media/jb_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "media/srtp_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[30] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
	};
	static uint8_t buf[65536];
	struct media_rtprx *rx = NULL;
	struct media_srtprx *srx = NULL;
	int16_t frame[MEDIA_FRAME_MAX];
	uint8_t mode;
	size_t off = 1;

	if (size < 1)
		return 0;
	mode = data[0];

	if (media_rtprx_alloc(&rx))
		return 0;
	/* bits 4 and 7: PCMU, PCMA, G.722 or Opus (PT 111) */
	{
		static const enum audio_codec codecs[4] = {
			AUDIO_PCMU, AUDIO_PCMA, AUDIO_G722, AUDIO_OPUS
		};
		static const uint8_t pts[4] = {0, 8, 9, 111};
		const unsigned c = ((mode >> 4) & 1) | ((mode >> 6) & 2);

		(void)media_rtprx_set(rx, pts[c], codecs[c],
				      (mode & 0x20) ? 101 : -1);
	}

	if ((mode & 1) &&
	    media_srtprx_alloc(&srx, (mode & 0x40) ? SRTP_AES_128_GCM :
			       SRTP_AES_CM_128_HMAC_SHA1_80, key,
			       (mode & 0x40) ? 28 : 30, (mode >> 1) & 3))
		goto out;

	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;

		if (len == 0) {
			(void)media_rtprx_pull(rx, frame);
			continue;
		}

		memcpy(buf, data + off, len);
		off += len;

		if (mode & 0x08 || media_rtpp_is_rtcp(buf, len)) {
			if (srx && media_srtprx_rtcp(srx, buf, &len))
				continue;
			(void)media_rtprx_rtcp(rx, buf, len);
		}
		else {
			if (srx && media_srtprx_rtp(srx, buf, &len))
				continue;
			(void)media_rtprx_input(rx, buf, len);
		}
	}

	while (media_rtprx_pull(rx, frame))
		;

 out:
	mem_deref(srx);
	mem_deref(rx);
	return 0;
}

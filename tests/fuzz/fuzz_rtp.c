/**
 * @file fuzz_rtp.c  Receive path: SRTP/SRTCP, RTP/RTCP parsing, jitter buffer
 *
 * Input: a mode byte, then packets as [len_hi len_lo bytes...].  Mode
 * bit 0 puts SRTP (with an MKI length from bits 1-2) in front; bit 3
 * routes packets through RTCP instead; a zero-length record is a mixer
 * tick.  State is fresh for every input.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/jb.h"
#include "media/rtpp.h"
#include "media/rtprx.h"
#include "media/srtprx.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[30] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
	};
	static uint8_t buf[65536];
	struct rtprx *rx = NULL;
	struct srtprx *srx = NULL;
	int16_t frame[AUDIO_FRAME];
	uint8_t mode;
	size_t off = 1;

	if (size < 1)
		return 0;
	mode = data[0];

	if (rtprx_alloc(&rx))
		return 0;
	rtprx_set(rx, (mode & 0x10) ? 8 : 0,
		  (mode & 0x10) ? AUDIO_PCMA : AUDIO_PCMU,
		  (mode & 0x20) ? 101 : -1);

	if ((mode & 1) &&
	    srtprx_alloc(&srx, (mode & 0x40) ? SRTP_AES_128_GCM :
			 SRTP_AES_CM_128_HMAC_SHA1_80, key,
			 (mode & 0x40) ? 28 : 30, (mode >> 1) & 3))
		goto out;

	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;

		if (len == 0) {
			(void)rtprx_pull(rx, frame);
			continue;
		}

		memcpy(buf, data + off, len);
		off += len;

		if (mode & 0x08 || rtpp_is_rtcp(buf, len)) {
			if (srx && srtprx_rtcp(srx, buf, &len))
				continue;
			(void)rtprx_rtcp(rx, buf, len);
		}
		else {
			if (srx && srtprx_rtp(srx, buf, &len))
				continue;
			(void)rtprx_input(rx, buf, len);
		}
	}

	while (rtprx_pull(rx, frame))
		;

 out:
	mem_deref(srx);
	mem_deref(rx);
	return 0;
}

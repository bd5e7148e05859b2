/**
 * @file videopkt.c  What the video relay needs to know of a payload
 * (where a key frame starts: RFC 7741 for VP8, RFC 6184 for H.264),
 * and the per-receiver rewriting of sequence numbers and timestamps
 * that makes a change of source look like one continuous stream.
 * Pure code (video_int.h).
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "media/consent_int.h"
#include "media/video_int.h"


/* RFC 7741 4.2 and 4.3: the payload descriptor, then (at the start of
 * partition 0) the VP8 payload header whose P bit is 0 on a key frame */
static bool vp8_key(const uint8_t *p, size_t n)
{
	size_t off = 1;
	bool x, s;
	unsigned pid;

	if (n < 1)
		return false;

	x = p[0] & 0x80;
	s = p[0] & 0x10;
	pid = p[0] & 0x07;
	if (!s || pid)
		return false;

	if (x) {
		uint8_t ext;

		if (n < 2)
			return false;
		ext = p[1];
		off = 2;
		if (ext & 0x80) {               /* I: PictureID */
			if (n <= off)
				return false;
			off += (p[off] & 0x80) ? 2 : 1;
		}
		if (ext & 0x40)                 /* L: TL0PICIDX */
			++off;
		if (ext & 0x30)                 /* T or K: TID/Y/KEYIDX */
			++off;
	}

	if (n <= off)
		return false;

	return (p[off] & 0x01) == 0;
}


static bool h264_nal_key(uint8_t nal)
{
	const unsigned type = nal & 0x1f;

	/* an IDR slice, or the SPS that precedes one */
	return type == 5 || type == 7;
}


/* RFC 6184 5.6 single NAL, 5.7.1 STAP-A, 5.8 FU-A (mode 1 forms) */
static bool h264_key(const uint8_t *p, size_t n)
{
	unsigned type;
	size_t off;

	if (n < 1)
		return false;

	type = p[0] & 0x1f;
	if (type >= 1 && type <= 23)
		return h264_nal_key(p[0]);

	if (type == 24) {
		for (off = 1; off + 2 < n; ) {
			const size_t sz = (size_t)(p[off] << 8 | p[off + 1]);

			if (!sz || sz > n - off - 2)
				return false;
			if (h264_nal_key(p[off + 2]))
				return true;
			off += 2 + sz;
		}
		return false;
	}

	if (type == 28)
		return n >= 2 && (p[1] & 0x80) && h264_nal_key(p[1]);

	return false;
}


bool media_video_keyframe(enum video_codec codec, const uint8_t *p, size_t n)
{
	switch (codec) {

	case VIDEO_VP8:  return vp8_key(p, n);
	case VIDEO_H264: return h264_key(p, n);
	default:         return false;
	}
}


void media_vrw_init(struct media_vrw *w, uint16_t seq, uint32_t ts)
{
	memset(w, 0, sizeof(*w));
	w->seq = seq;
	w->ts = ts;
}


/* A new source (or the same after a pause): wait for its key frame. */
void media_vrw_reset(struct media_vrw *w)
{
	w->src = NULL;
	w->gen = 0;
	w->waiting = false;
}


int media_vrw_map(struct media_vrw *w, const void *src, uint32_t gen,
		  uint16_t seq, uint32_t ts, bool key, uint64_t now,
		  uint16_t *oseq, uint32_t *ots)
{
	uint16_t o_seq;
	uint32_t o_ts;

	if (!w || !src)
		return EINVAL;

	if (w->src != src || w->gen != gen) {
		w->src = src;
		w->gen = gen;
		w->waiting = true;
		w->wait_since = now;
	}

	if (w->waiting) {
		uint32_t dt;

		/* Never start a receiver inside a frame it cannot decode;
		 * after VIDEO_KEY_WAIT ms without a key frame, the start of
		 * any packet will do (a source that ignores PLI). */
		if (!key && now - w->wait_since < VIDEO_KEY_WAIT)
			return ENOENT;

		/* RFC 3550 5.1: the next sequence number, and a timestamp
		 * that moved on as much as the clock did (90 kHz) */
		if (w->started) {
			o_seq = (uint16_t)(w->seq + 1);
			dt = (uint32_t)MIN(now - w->last, 10000u) * 90u;
			o_ts = w->ts + (dt ? dt : 1);
		}
		else {
			o_seq = w->seq;
			o_ts = w->ts;
		}

		w->seq_off = (uint16_t)(o_seq - seq);
		w->ts_off = o_ts - ts;
		w->base = seq;
		w->waiting = false;
	}
	else if ((int16_t)(seq - w->base) < 0) {
		/* from before the switch: those numbers were the old
		 * source's */
		return ENOENT;
	}

	o_seq = (uint16_t)(seq + w->seq_off);
	o_ts = ts + w->ts_off;

	if (!w->started || (int16_t)(o_seq - w->seq) > 0) {
		w->seq = o_seq;
		w->ts = o_ts;
		w->last = now;
	}
	w->started = true;

	*oseq = o_seq;
	*ots = o_ts;
	return 0;
}


/* A receiver's NACK names our sequence numbers: the source's are a
 * fixed offset away, while the receiver still gets that source. */
bool media_vrw_unmap(const struct media_vrw *w, const void *src,
		     uint16_t oseq, uint16_t *seq)
{
	if (!w || w->src != src || w->waiting || !w->started)
		return false;

	*seq = (uint16_t)(oseq - w->seq_off);
	return (int16_t)(*seq - w->base) >= 0;
}

/**
 * @file opus_fmtp.c  The Opus a=fmtp parameters (RFC 7587 6.1), parsed
 * with explicit bounds from the untrusted SDP
 *
 * The fmtp is a ';'-separated list of name=value pairs.  Only the
 * parameters RFC 7587 defines are read; a malformed or out-of-range
 * value keeps the default, as RFC 7587 7 allows (the stream still
 * works, only less well tuned).
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/codec_int.h"


enum {
	NAME_MAX_LEN = 32,
};


/* a decimal in [lo, hi], or false */
static bool num(const char *p, size_t n, uint32_t lo, uint32_t hi,
		uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 10)
		return false;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}

	if (x < lo || x > hi)
		return false;

	*v = (uint32_t)x;
	return true;
}


static void flag(const char *p, size_t n, bool *b)
{
	if (n == 1 && (p[0] == '0' || p[0] == '1'))
		*b = p[0] == '1';
}


static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}


static void param(struct media_opus_fmtp *f, const char *name, size_t nlen,
		  const char *val, size_t vlen)
{
	uint32_t v;

#define IS(s) (nlen == sizeof(s) - 1 && !strncasecmp(name, s, nlen))

	if (IS("maxplaybackrate")) {
		if (num(val, vlen, 8000, 48000, &v))
			f->maxplaybackrate = v;
	}
	else if (IS("sprop-maxcapturerate")) {
		if (num(val, vlen, 8000, 48000, &v))
			f->sprop_maxcapturerate = v;
	}
	else if (IS("maxaveragebitrate")) {
		if (num(val, vlen, 6000, 510000, &v))
			f->maxaveragebitrate = v;
	}
	else if (IS("stereo")) {
		flag(val, vlen, &f->stereo);
	}
	else if (IS("sprop-stereo")) {
		flag(val, vlen, &f->sprop_stereo);
	}
	else if (IS("cbr")) {
		flag(val, vlen, &f->cbr);
	}
	else if (IS("useinbandfec")) {
		flag(val, vlen, &f->useinbandfec);
	}
	else if (IS("usedtx")) {
		flag(val, vlen, &f->usedtx);
	}

#undef IS
}


/**
 * Decode an Opus fmtp of len bytes (need not be NUL-terminated).  fmtp
 * may be NULL: every parameter has its RFC 7587 default.
 */
void media_opus_fmtp_decode(struct media_opus_fmtp *f, const char *fmtp,
			    size_t len)
{
	size_t i = 0;

	if (!f)
		return;

	memset(f, 0, sizeof(*f));
	f->maxplaybackrate = 48000;
	f->sprop_maxcapturerate = 48000;

	if (!fmtp)
		return;

	while (i < len) {
		size_t ns, ne, vs, ve;

		while (i < len && (is_ws(fmtp[i]) || fmtp[i] == ';'))
			++i;
		ns = i;
		while (i < len && fmtp[i] != '=' && fmtp[i] != ';')
			++i;
		ne = i;
		while (ne > ns && is_ws(fmtp[ne - 1]))
			--ne;
		if (i >= len || fmtp[i] != '=')
			continue;           /* a name without value */
		++i;
		while (i < len && is_ws(fmtp[i]))
			++i;
		vs = i;
		while (i < len && fmtp[i] != ';')
			++i;
		ve = i;
		while (ve > vs && is_ws(fmtp[ve - 1]))
			--ve;

		if (ne > ns && ne - ns <= NAME_MAX_LEN)
			param(f, fmtp + ns, ne - ns, fmtp + vs, ve - vs);
	}
}

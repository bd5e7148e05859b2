/**
 * @file wavio.h  Minimal 16-bit PCM WAV reading and writing for the test
 *                tools (header-only: each tool is one .c file).
 *
 * Recordings come from other programs (baresip's sndfile module), and a
 * killed recorder leaves a header whose sizes were never patched, so the
 * reader trusts the file length over the header and checks every bound.
 */

struct wav {
	uint32_t srate;
	uint16_t channels;
	size_t nsamp;      /* frames, first channel only kept */
	int16_t *samp;
};

static inline uint16_t wav_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t wav_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
		((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void wav_put16(FILE *f, uint16_t v)
{
	fputc(v & 0xff, f);
	fputc(v >> 8, f);
}

static inline void wav_put32(FILE *f, uint32_t v)
{
	wav_put16(f, (uint16_t)(v & 0xffff));
	wav_put16(f, (uint16_t)(v >> 16));
}

/* Returns 0 or an errno; on error *err names the problem. */
static inline int wav_read(struct wav *w, const char *path, const char **err)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, pos;
	bool fmt_ok = false;
	FILE *f;

	memset(w, 0, sizeof(*w));
	*err = "";

	f = fopen(path, "rb");
	if (!f) {
		*err = "cannot open";
		return errno;
	}
	for (;;) {
		size_t n;
		if (len == cap) {
			uint8_t *nb;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				*err = "out of memory";
				return ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);

	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		free(buf);
		*err = "not a RIFF/WAVE file";
		return EBADMSG;
	}

	pos = 12;
	while (pos + 8 <= len) {
		const uint8_t *id = buf + pos;
		size_t clen = wav_le32(buf + pos + 4);
		size_t avail = len - pos - 8;
		const uint8_t *body = buf + pos + 8;

		if (!memcmp(id, "fmt ", 4)) {
			if (clen < 16 || clen > avail)
				break;
			if (wav_le16(body) != 1 || wav_le16(body + 14) != 16) {
				free(buf);
				*err = "not 16-bit PCM";
				return ENOTSUP;
			}
			w->channels = wav_le16(body + 2);
			w->srate = wav_le32(body + 4);
			fmt_ok = w->channels > 0 && w->srate > 0;
		}
		else if (!memcmp(id, "data", 4)) {
			size_t i, frame;
			if (!fmt_ok)
				break;
			/* unpatched header: 0 or too large, use what is there */
			if (clen == 0 || clen > avail)
				clen = avail;
			frame = 2u * w->channels;
			w->nsamp = clen / frame;
			w->samp = calloc(w->nsamp ? w->nsamp : 1, sizeof(int16_t));
			if (!w->samp) {
				free(buf);
				*err = "out of memory";
				return ENOMEM;
			}
			for (i = 0; i < w->nsamp; i++)
				w->samp[i] = (int16_t)wav_le16(body + i * frame);
			free(buf);
			return 0;
		}
		if (clen > avail)
			break;
		pos += 8 + clen + (clen & 1);
	}

	free(buf);
	*err = fmt_ok ? "no data chunk" : "no usable fmt chunk";
	return EBADMSG;
}

static inline int wav_write(const char *path, uint32_t srate, const int16_t *s,
		     size_t n)
{
	size_t i;
	FILE *f = fopen(path, "wb");

	if (!f)
		return errno;
	fwrite("RIFF", 1, 4, f);
	wav_put32(f, (uint32_t)(36 + 2 * n));
	fwrite("WAVEfmt ", 1, 8, f);
	wav_put32(f, 16);
	wav_put16(f, 1);            /* PCM */
	wav_put16(f, 1);            /* mono */
	wav_put32(f, srate);
	wav_put32(f, srate * 2);
	wav_put16(f, 2);
	wav_put16(f, 16);
	fwrite("data", 1, 4, f);
	wav_put32(f, (uint32_t)(2 * n));
	for (i = 0; i < n; i++)
		wav_put16(f, (uint16_t)s[i]);
	if (fclose(f))
		return errno;
	return 0;
}

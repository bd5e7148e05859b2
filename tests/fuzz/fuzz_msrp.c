/**
 * @file fuzz_msrp.c  Fuzz the streaming MSRP parser
 *
 * The input is parsed twice: in one piece, and in pieces whose sizes
 * come from the first input byte.  Both runs must produce the same
 * events (headers, body bytes, end-lines, errors) and the same result;
 * ASan/UBSan catch anything out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


struct digest {
	uint64_t h;
	uint64_t body;
	unsigned hdrs, ends, errs;
};


static void mix(struct digest *d, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		d->h = (d->h ^ *b++) * 1099511628211ULL;
}


static void hdr_h(const struct msrp_hdrs *h, void *arg)
{
	struct digest *d = arg;

	if (!h->to_path.p || !h->from_path.p || strlen(h->tid) < 4)
		abort();
	if (h->range.present && h->range.start < 1)
		abort();
	mix(d, "H", 1);
	mix(d, h->tid, strlen(h->tid));
	mix(d, h->to_path.p, h->to_path.l);
	d->hdrs++;
}


static void body_h(const struct msrp_hdrs *h, const uint8_t *p, size_t n,
		   void *arg)
{
	struct digest *d = arg;

	/* body bytes: hashed as a stream, not per call */
	mix(d, p, n);
	d->body += n;
}


static void end_h(const struct msrp_hdrs *h, char flag, void *arg)
{
	struct digest *d = arg;

	if (flag != '$' && flag != '+' && flag != '#')
		abort();
	mix(d, "E", 1);
	mix(d, &flag, 1);
	d->ends++;
}


static void err_h(const struct msrp_hdrs *h, const char *reason, void *arg)
{
	struct digest *d = arg;

	mix(d, "X", 1);
	mix(d, reason, strlen(reason));
	d->errs++;
}


static int run(struct digest *d, const uint8_t *data, size_t size,
	       size_t step)
{
	struct msrp_parser *p;
	size_t off = 0;
	int err = 0;

	memset(d, 0, sizeof(*d));
	if (msrp_parser_alloc(&p, hdr_h, body_h, end_h, err_h, d))
		abort();

	while (off < size) {
		size_t n = step ? step : size;
		uint8_t *copy;

		if (n > size - off)
			n = size - off;
		copy = malloc(n);
		memcpy(copy, data + off, n);
		err = msrp_parser_feed(p, copy, n);
		free(copy);
		if (err)
			break;
		off += n;
	}

	mem_deref(p);
	return err;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest a, b;
	int ea, eb;

	if (size < 1)
		return 0;

	ea = run(&a, data + 1, size - 1, 0);
	eb = run(&b, data + 1, size - 1, 1 + data[0] % 17);

	if (ea != eb || a.h != b.h || a.body != b.body || a.hdrs != b.hdrs ||
	    a.ends != b.ends || a.errs != b.errs)
		abort();

	return 0;
}

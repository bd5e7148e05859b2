/**
 * @file fuzz_sdes.c  Fuzz the a=crypto codec
 *
 * Any input is handed to sdes_decode() as a pl over an exact-size heap
 * copy (no NUL after it).  Whatever decodes must encode, and the text
 * must decode again to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "keying/sdes.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int same(const struct sdes_crypto *a, const struct sdes_crypto *b)
{
	size_t i;

	if (a->tag != b->tag || a->suite != b->suite || a->keyc != b->keyc)
		return 0;

	for (i = 0; i < a->keyc; i++) {
		const struct sdes_key *ka = &a->keys[i], *kb = &b->keys[i];

		if (ka->keysalt_len != kb->keysalt_len ||
		    memcmp(ka->keysalt, kb->keysalt, ka->keysalt_len) ||
		    ka->lifetime != kb->lifetime || ka->mki != kb->mki ||
		    ka->mki_len != kb->mki_len)
			return 0;
	}

	/* unknown_mandatory is left out: unknown parameters are not kept,
	 * so they cannot be printed again. */
	return a->unencrypted_srtp == b->unencrypted_srtp &&
		a->unencrypted_srtcp == b->unencrypted_srtcp &&
		a->unauthenticated_srtp == b->unauthenticated_srtp &&
		a->kdr == b->kdr && a->wsh == b->wsh &&
		a->fec_order_srtp_fec == b->fec_order_srtp_fec;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdes_crypto c, d;
	struct mbuf *mb;
	struct pl pl;
	char *buf;
	int err;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	pl.p = buf;
	pl.l = size;
	err = sdes_decode(&c, &pl);
	free(buf);
	if (err)
		return 0;

	if (c.tag < 1 || c.tag > 999999999 || c.suite >= SDES_SUITE_COUNT ||
	    c.keyc < 1 || c.keyc > SDES_KEYS_MAX)
		abort();

	mb = mbuf_alloc(256);
	if (!mb)
		abort();

	if (mbuf_printf(mb, "%H", sdes_encode, &c))
		abort();

	pl.p = (const char *)mb->buf;
	pl.l = mb->end;
	if (sdes_decode(&d, &pl))
		abort();

	if (!same(&c, &d) || d.unknown_mandatory)
		abort();

	sdes_wipe(&c);
	sdes_wipe(&d);
	mem_deref(mb);

	return 0;
}

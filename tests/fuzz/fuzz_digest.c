/**
 * @file fuzz_digest.c  Fuzz the SIP digest credential parser and check
 *
 * The input is an Authorization header value over an exact-size heap
 * copy (no NUL after it).  What decodes must verify (against a fixed
 * HA1) without reading past any field, and its nonce must check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "focus/digest.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[DIGEST_KEY_LEN] = {1, 2, 3};
	uint8_t ha1[DIGEST_HA1_MAX];
	struct digest_resp r;
	enum digest_alg alg;
	struct pl v, m = PL("INVITE");
	struct sa src;
	char *buf;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	v.p = buf;
	v.l = size;

	if (digest_resp_decode(&r, &alg, &v) == 0) {
		memset(ha1, 0x5a, sizeof(ha1));
		(void)digest_verify(&r, alg, ha1, &m);
		sa_set_str(&src, "127.0.0.1", 5060);
		(void)digest_nonce_check(&r.nonce, key, 1000, &src, 300);
	}

	free(buf);
	return 0;
}

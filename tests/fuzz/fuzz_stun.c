/**
 * @file fuzz_stun.c  Fuzz the STUN codec and the ICE-lite responder
 * (media/stun.c, media/ice.c): whatever a media port receives with a
 * first byte of 0-3 goes there.
 *
 * Parsed from an exact-size heap copy.  A decoded message's offsets must
 * lie inside it; the responder's answer must itself decode, be a
 * response to the same transaction, and carry a good FINGERPRINT (and,
 * for a success, a MESSAGE-INTEGRITY made with our password).  The
 * responder uses fixed credentials, so the corpus can hold requests that
 * pass the checks (ufrag "lite", theirs "full", password
 * "0123456789abcdefghijkl").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/stun_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char pwd[] = "0123456789abcdefghijkl";


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct media_ice *ice;
	struct media_stun_msg m, r;
	enum media_ice_verdict v;
	uint8_t *copy, out[256];
	struct sa src;
	size_t n = 0;
	bool nom;

	if (!ice && media_ice_alloc(&ice, "lite", pwd, "full"))
		abort();

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	if (!media_stun_decode(&m, copy, size)) {
		if (m.len != size || m.mi_off >= size ||
		    (m.fp_off && m.fp_off + 8 != size) ||
		    (m.username && (m.username < copy ||
				    m.username + m.username_len > copy + size)))
			abort();
		(void)media_stun_fingerprint_ok(&m, copy);
		(void)media_stun_integrity_ok(&m, copy, pwd);
	}

	(void)sa_set_str(&src, "127.0.0.1", 40000);
	v = media_ice_input(ice, copy, size, &src, out, sizeof(out), &n, &nom);
	if (v != MEDIA_ICE_DROP) {
		if (media_stun_decode(&r, out, n) ||
		    memcmp(r.tid, m.tid, sizeof(r.tid)) ||
		    !r.fp_off || !media_stun_fingerprint_ok(&r, out))
			abort();
		if (v == MEDIA_ICE_CHECKED &&
		    (r.cls != MEDIA_STUN_SUCCESS ||
		     !media_stun_integrity_ok(&r, out, pwd)))
			abort();
		if (v == MEDIA_ICE_REPLY && r.cls != MEDIA_STUN_ERROR)
			abort();
	}

	free(copy);
	return 0;
}

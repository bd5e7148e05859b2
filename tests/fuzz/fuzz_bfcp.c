/**
 * @file fuzz_bfcp.c  libFuzzer: the BFCP stream framer, the strict check
 * and libre decode, and the engine, fed arbitrary bytes split at a
 * point chosen by the input.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "floor/frame_int.h"
#include "floor/msg_int.h"
#include "floor/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void sendh(uint16_t userid, struct mbuf *mb, void *arg)
{
	struct bfcp_msg *msg = NULL;

	(void)userid;
	(void)arg;
	/* whatever the engine writes must pass our own strict check */
	if (floor_msg_check(mbuf_buf(mb), mbuf_get_left(mb)))
		__builtin_trap();
	if (floor_msg_decode_tcp(&msg, mbuf_buf(mb), mbuf_get_left(mb)))
		__builtin_trap();
	mem_deref(msg);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct floor_frame *fr = NULL;
	struct floor_ctl *fc = NULL;
	const uint8_t *m;
	size_t len, cut;
	int err;

	if (size < 1)
		return 0;

	cut = data[0] % (size + 1);
	++data;
	--size;
	if (cut > size)
		cut = size;

	if (floor_frame_alloc(&fr, 4096) ||
	    floor_ctl_alloc(&fc, 77, sendh, NULL, NULL))
		goto out;

	(void)floor_ctl_floor_add(fc, 1, FLOOR_CTL_AUTO, 1);
	(void)floor_ctl_floor_add(fc, 2, FLOOR_CTL_CHAIR, 2);
	(void)floor_ctl_user_add(fc, 1, true, "c", NULL);
	(void)floor_ctl_user_add(fc, 2, false, NULL, NULL);

	(void)floor_frame_push(fr, data, cut);
	for (;;) {
		err = floor_frame_next(fr, &m, &len);
		if (err == ENODATA && cut < size) {
			(void)floor_frame_push(fr, data + cut, size - cut);
			cut = size;
			continue;
		}
		if (err)
			break;
		/* alternate users so both chair and participant paths run */
		if (floor_ctl_recv(fc, (len & 1) + 1, m, len))
			break;
	}

	floor_ctl_user_disconnect(fc, 1);
	floor_ctl_user_remove(fc, 2);
 out:
	mem_deref(fc);
	mem_deref(fr);
	return 0;
}

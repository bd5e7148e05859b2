/**
 * @file fuzz_bfcp.c  libFuzzer: the BFCP stream framer, the strict check
 * and libre decode, and the engine, fed arbitrary bytes split at a
 * point chosen by the input.
 */
#include <stdint.h>
#include <stddef.h>
#include <re.h>
#include "floor/bfcp_frame.h"
#include "floor/bfcp_msg.h"
#include "floor/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void sendh(uint16_t userid, struct mbuf *mb, void *arg)
{
	struct bfcp_msg *msg = NULL;

	(void)userid;
	(void)arg;
	/* whatever the engine writes must pass our own strict check */
	if (bfcp_msg_check(mbuf_buf(mb), mbuf_get_left(mb)))
		__builtin_trap();
	if (bfcp_msg_decode_tcp(&msg, mbuf_buf(mb), mbuf_get_left(mb)))
		__builtin_trap();
	mem_deref(msg);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfcp_frame *fr = NULL;
	struct fctl *fc = NULL;
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

	if (bfcp_frame_alloc(&fr, 4096) ||
	    fctl_alloc(&fc, 77, sendh, NULL, NULL))
		goto out;

	(void)fctl_floor_add(fc, 1, FCTL_AUTO, 1);
	(void)fctl_floor_add(fc, 2, FCTL_CHAIR, 2);
	(void)fctl_user_add(fc, 1, true, "c", NULL);
	(void)fctl_user_add(fc, 2, false, NULL, NULL);

	(void)bfcp_frame_push(fr, data, cut);
	for (;;) {
		err = bfcp_frame_next(fr, &m, &len);
		if (err == ENODATA && cut < size) {
			(void)bfcp_frame_push(fr, data + cut, size - cut);
			cut = size;
			continue;
		}
		if (err)
			break;
		/* alternate users so both chair and participant paths run */
		if (fctl_recv(fc, (len & 1) + 1, m, len))
			break;
	}

	fctl_user_disconnect(fc, 1);
	fctl_user_remove(fc, 2);
 out:
	mem_deref(fc);
	mem_deref(fr);
	return 0;
}

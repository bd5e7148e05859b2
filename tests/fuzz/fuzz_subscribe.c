/**
 * @file fuzz_subscribe.c  Fuzz the SUBSCRIBE handling of the conference
 * event package: any bytes are decoded as a SIP message by libre, then
 * handed to eventpkg_subreq_parse() (Event, Expires, Accept, MIKEY body).  A
 * MIKEY body it returns must lie inside the message buffer, and every
 * refusal must carry a status code the package answers with.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "eventpkg/subreq_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg *msg = NULL;
	struct eventpkg_subreq sr;
	const char *reason;
	uint16_t scode = 0;
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(size ? size : 1);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (sip_msg_decode(&msg, mb))
		goto out;

	(void)eventpkg_subreq_is_conference(msg);

	err = eventpkg_subreq_parse(&sr, msg, &scode, &reason);
	if (err) {
		if (err != EPROTO || !reason ||
		    (scode != 400 && scode != 406 && scode != 413 &&
		     scode != 415 && scode != 489))
			abort();
	}
	else if (sr.mikey) {
		if (sr.mikey < msg->mb->buf ||
		    sr.mikey + sr.mikey_len > msg->mb->buf + msg->mb->end ||
		    sr.mikey_len > EVENTPKG_SUBREQ_MIKEY_MAX)
			abort();
	}

 out:
	mem_deref(msg);
	mem_deref(mb);
	return 0;
}

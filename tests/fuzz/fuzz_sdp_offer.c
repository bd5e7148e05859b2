/**
 * @file fuzz_sdp_offer.c  Fuzz the focus's SDP offer handling: libre's
 * SDP decoder followed by our offer/answer (every stream, audio and
 * SDES first), under each SRTP policy, for one long-lived participant
 * (as a re-INVITE would).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "media/media.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct focus fz_focus;
static struct conference fz_conf;
static struct participant fz_part;
static struct confdef *fz_def;


static int setup(void)
{
	int err;

	err = libre_init();
	if (err)
		return err;

	sa_set_str(&fz_focus.media_addr, "127.0.0.1", 0);
	err = media_portpool_alloc(&fz_focus.rtp_pool, "rtp_ports",
				   40000, 40999);
	if (err)
		return err;

	err = confdef_alloc(&fz_def, "sip:fuzz@localhost");
	if (err)
		return err;

	fz_conf.focus = &fz_focus;
	fz_conf.def = fz_def;
	err = mixer_alloc(&fz_conf.mixer);
	if (err)
		return err;

	fz_part.conf = &fz_conf;
	return oa_setup(&fz_part);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct negotiation_error ne;
	struct mbuf *mb, *out = NULL;

	if (!ready) {
		if (setup())
			abort();
		ready = true;
	}

	if (size < 1)
		return 0;

	fz_def->srtp = (enum confdef_srtp)(data[0] % 3);

	mb = mbuf_alloc(size);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data + 1, size - 1);
	mb->pos = 0;

	memset(&ne, 0, sizeof(ne));
	if (!oa_offer_received(&fz_part, mb, &ne)) {
		if (oa_encode(&fz_part, &out, false))
			abort();
	}
	else if (ne.scode < 400 || ne.scode > 599 || !ne.warn_text) {
		abort();   /* every refusal must carry a code and a reason */
	}

	mem_deref(out);
	mem_deref(mb);
	return 0;
}

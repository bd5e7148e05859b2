/**
 * @file fuzz_sip.c  Fuzz SIP through the focus: any bytes are decoded by
 * libre's sip_msg_decode() as a datagram from 127.0.0.1, then handed to
 * the focus's request path as libre's listeners would: the RFC 3261 8.2
 * checks (sipcheck.c), then an INVITE outside a dialog to
 * participant_connect() (identity, authorization, admission, SDP offer
 * and answer for every stream kind, MIKEY detection), anything else to
 * focus_request() (OPTIONS, 481, 405).
 *
 * The focus is real but has no SIP transport: libre builds every answer
 * and then cannot send it (sip_send() finds no transport), so nothing
 * leaves the process.  Media ports are bound on 127.0.0.1 from a small
 * range of their own; when they run out the focus answers 503, which is
 * fine too.  A participant that did get in is hung up after each input,
 * so inputs do not pile up state.  Seeds: RFC 4475's messages and joins
 * of the open conference sip:room@conf.test (tests/fuzz/corpus/sip/).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#define DEBUG_MODULE "fuzz_sip"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "media/media.h"
#include "focus/focus_int.h"
#include "focus/sipcheck_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dnsc *fz_dnsc;
static struct sip *fz_sip;
static struct focus *fz_focus;


static int setup(void)
{
	struct focus_cfg cfg;
	struct confdef *cd = NULL;
	struct list defs = LIST_INIT;
	int err;

	err = libre_init();
	if (err)
		return err;
	dbg_init(DBG_EMERG, 0);

	err  = dnsc_alloc(&fz_dnsc, NULL, NULL, 0);
	err |= sip_alloc(&fz_sip, fz_dnsc, 32, 32, 32, "fuzz", NULL, NULL);
	if (err)
		return err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.domain = "conf.test";
	sa_set_str(&cfg.media_addr, "127.0.0.1", 0);
	cfg.mikey_prot_tls = 241;
	cfg.mikey_prot_smime = 242;
	err  = media_portpool_alloc(&cfg.rtp_pool, "rtp_ports", 45200, 45263);
	err |= media_portpool_alloc(&cfg.tcp_pool, "tcp_ports", 45264, 45295);
	if (!err)
		err = focus_alloc(&fz_focus, fz_sip, &cfg);
	mem_deref(cfg.rtp_pool);
	mem_deref(cfg.tcp_pool);
	if (err)
		return err;

	err = confdef_alloc(&cd, "sip:room@conf.test");
	if (err)
		return err;
	cd->open = true;
	cd->srtp = CONFDEF_SRTP_OPTIONAL;    /* RTP/AVP and SAVP offers both go on */
	list_append(&defs, &cd->le, cd);
	err = focus_set_confdefs(fz_focus, &defs);
	list_flush(&defs);

	return err;
}


/* every participant out again: the next input starts from the same
 * empty conference */
static void hangup_all(void)
{
	struct le *le;

	for (le = fz_focus->confs.head; le; le = le->next) {
		struct conference *conf = le->data;

		while (!list_isempty(&conf->parts))
			participant_hangup(list_head(&conf->parts)->data,
					   0, NULL);
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sip_msg *msg = NULL;
	struct mbuf *mb;

	if (!ready) {
		if (setup())
			abort();
		ready = true;
	}

	mb = mbuf_alloc(size ? size : 1);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (sip_msg_decode(&msg, mb) || !msg->req)
		goto out;

	/* as transp.c's udp_recv_handler() fills them in */
	(void)sa_set_str(&msg->src, "127.0.0.1", 5060);
	(void)sa_set_str(&msg->dst, "127.0.0.1", 5062);
	msg->tp = SIP_TRANSP_UDP;

	if (sipcheck_request(fz_sip, msg))
		goto out;

	if (!pl_strcmp(&msg->met, "INVITE") && !pl_isset(&msg->to.tag))
		participant_connect(fz_focus, msg);
	else
		(void)focus_request(msg, fz_focus);

	hangup_all();

 out:
	mem_deref(msg);
	mem_deref(mb);
	return 0;
}

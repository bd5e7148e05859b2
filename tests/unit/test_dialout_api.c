/**
 * @file test_dialout_api.c  The public dial-out API (focus/focus.h) that
 * the web interface and confctl call: focus_dialout(), focus_kick() and
 * focus_refer_to_conf(), each error it promises and each success, on a
 * focus with a real SIP stack on loopback.  The INVITE and REFER the
 * focus sends are caught by a plain UDP socket here.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "media/media.h"
#include "tests/unit/check.h"


struct peer {
	struct udp_sock *us;
	struct sa addr;
	char met[16];
	char refer_to[128];
	bool refer_sub_false;
	bool isfocus;
	struct tmr tmr;
};


static void recv_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	struct sip_msg *msg = NULL;
	const struct sip_hdr *h;
	(void)src;

	if (sip_msg_decode(&msg, mb) || !msg->req)
		goto out;

	(void)pl_strcpy(&msg->met, p->met, sizeof(p->met));
	h = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	if (h)
		(void)pl_strcpy(&h->val, p->refer_to, sizeof(p->refer_to));
	h = sip_msg_hdr(msg, SIP_HDR_REFER_SUB);
	p->refer_sub_false = h && !pl_strcasecmp(&h->val, "false");
	h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	p->isfocus = h && re_regex(h->val.p, h->val.l, ";isfocus") == 0;
	re_cancel();
 out:
	mem_deref(msg);
}


static void timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


static int wait_request(struct peer *p)
{
	p->met[0] = '\0';
	tmr_start(&p->tmr, 3000, timeout, p);
	(void)re_main(NULL);
	tmr_cancel(&p->tmr);
	return p->met[0] ? 0 : ETIMEDOUT;
}


static int test_api(void)
{
	struct dnsc *dnsc = NULL;
	struct sip *sip = NULL;
	struct focus *f = NULL;
	struct focus_cfg cfg;
	struct confdef *cd = NULL;
	struct list defs = LIST_INIT;
	struct peer peer;
	struct sa laddr;
	char err[128], target[64], other[64];
	int e = 0;

	memset(&peer, 0, sizeof(peer));
	memset(&cfg, 0, sizeof(cfg));
	sa_set_str(&laddr, "127.0.0.1", 0);
	CHECK_EQ(udp_listen(&peer.us, &laddr, recv_h, &peer), 0);
	CHECK_EQ(udp_local_get(peer.us, &peer.addr), 0);
	re_snprintf(target, sizeof(target), "sip:bob@127.0.0.1:%u",
		    sa_port(&peer.addr));
	re_snprintf(other, sizeof(other), "sip:eve@127.0.0.1:%u",
		    sa_port(&peer.addr));

	CHECK_EQ(dnsc_alloc(&dnsc, NULL, NULL, 0), 0);
	CHECK_EQ(sip_alloc(&sip, dnsc, 32, 32, 32, "dialout", NULL, NULL),
		 0);
	CHECK_EQ(sip_transp_add(sip, SIP_TRANSP_UDP, &laddr), 0);

	cfg.domain = "127.0.0.1";
	sa_set_str(&cfg.media_addr, "127.0.0.1", 0);
	cfg.mikey_prot_tls = 241;
	cfg.mikey_prot_smime = 242;
	cfg.dialout_timeout_s = 2;
	CHECK_EQ(media_portpool_alloc(&cfg.rtp_pool, "rtp_ports", 47200,
				      47299), 0);
	CHECK_EQ(media_portpool_alloc(&cfg.tcp_pool, "tcp_ports", 47300,
				      47399), 0);
	e = focus_alloc(&f, sip, &cfg);
	mem_deref(cfg.rtp_pool);
	mem_deref(cfg.tcp_pool);
	CHECK_EQ(e, 0);

	CHECK_EQ(confdef_alloc(&cd, "sip:room@127.0.0.1"), 0);
	CHECK_EQ(confdef_member_add(cd, target, NULL, CONFDEF_PARTICIPANT), 0);
	list_append(&defs, &cd->le, cd);
	CHECK_EQ(focus_set_confdefs(f, &defs), 0);
	list_flush(&defs);

	/* bad URIs, unknown conference, not on the closed list */
	CHECK_EQ(focus_dialout(f, "sip:room@127.0.0.1", "tel:+15551234",
			       "sip:chair@x", err, sizeof(err)), EINVAL);
	CHECK(err[0]);
	CHECK_EQ(focus_dialout(f, "sip:room@127.0.0.1", "<sip:bob@x>",
			       NULL, err, sizeof(err)), EINVAL);
	CHECK_EQ(focus_dialout(f, "sip:nosuch@127.0.0.1", target, NULL,
			       err, sizeof(err)), ENOENT);
	CHECK_EQ(focus_dialout(f, "sip:room@127.0.0.1", other, NULL, err,
			       sizeof(err)), EPERM);
	CHECK_EQ(focus_refer_to_conf(f, "sip:room@127.0.0.1", other, NULL,
				     err, sizeof(err)), EPERM);
	CHECK_EQ(focus_refer_to_conf(f, "sip:nosuch@127.0.0.1", target, NULL,
				     err, sizeof(err)), ENOENT);
	CHECK_EQ(focus_refer_to_conf(f, "sip:room@127.0.0.1", "bob", NULL,
				     err, sizeof(err)), EINVAL);
	CHECK_EQ(focus_kick(f, "sip:room@127.0.0.1", target, "test"), ESRCH);

	/* G.1 way 2: the focus REFERs bob to the conference */
	CHECK_EQ(focus_refer_to_conf(f, "sip:room@127.0.0.1", target,
				     "sip:chair@127.0.0.1", err,
				     sizeof(err)), 0);
	CHECK_EQ(wait_request(&peer), 0);
	CHECK_STR(peer.met, "REFER");
	CHECK_STR(peer.refer_to, "<sip:room@127.0.0.1>");
	CHECK(peer.refer_sub_false);
	CHECK(peer.isfocus);

	/* G.1 way 3: the focus INVITEs bob; not twice */
	CHECK_EQ(focus_dialout(f, "sip:room@127.0.0.1", target,
			       "sip:chair@127.0.0.1", err, sizeof(err)), 0);
	CHECK_EQ(wait_request(&peer), 0);
	CHECK_STR(peer.met, "INVITE");
	CHECK(peer.isfocus);
	CHECK_EQ(focus_participant_count(f), 1u);
	CHECK_EQ(focus_dialout(f, "sip:room@127.0.0.1", target, NULL, err,
			       sizeof(err)), EALREADY);
	CHECK_EQ(focus_refer_to_conf(f, "sip:room@127.0.0.1", target, NULL,
				     err, sizeof(err)), EALREADY);

	/* withdrawn before the answer: gone (the CANCEL waits for a
	 * provisional response libre never got, which is fine) */
	CHECK_EQ(focus_kick(f, "sip:room@127.0.0.1", target, "test"), 0);
	CHECK_EQ(focus_participant_count(f), 0u);

	mem_deref(f);
	sip_close(sip, true);
	mem_deref(sip);
	mem_deref(dnsc);
	mem_deref(peer.us);
	return 0;
}


TEST_MAIN("dialout_api",
	  CASE(test_api))

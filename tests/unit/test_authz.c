/**
 * @file test_authz.c  Authorization decisions, each tried with an
 * authorized and an unauthorized input at the point that decides.
 *
 *  - the KMS UID list (confdef_member_find_kms(); the refusal itself is
 *    in focus/participant.c resolve_handler(), static);
 *  - who may subscribe to the conference event package (focus/events.c
 *    auth_handler()/on_list(), static: reached here through the focus's
 *    own SIP listener, with SUBSCRIBEs sent over loopback UDP);
 *  - notify_smime: a conference that requires PSK S/MIME refuses a
 *    subscription without keying (eventpkg_sub_accept()), and takes one
 *    with a PSK.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "media/media.h"
#include "eventpkg/eventpkg.h"
#include "tests/unit/check.h"


/* --- KMS UID --- */

static int test_kms_uid(void)
{
	struct confdef *cd = NULL;
	const struct confdef_member *m;

	CHECK_EQ(confdef_alloc(&cd, "sip:room@example.org"), 0);
	CHECK_EQ(confdef_member_add(cd, "sip:alice@example.org",
				    "alice-kms-uid", CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(confdef_member_add(cd, "sip:bob@example.org", NULL,
				    CONFDEF_CHAIR), 0);

	/* authorized: exactly the UID the KMS vouched for */
	m = confdef_member_find_kms(cd, "alice-kms-uid");
	CHECK(m);
	CHECK_STR(m->sip_uri, "sip:alice@example.org");
	/* without a KMS UID of its own, a member's is its SIP URI */
	m = confdef_member_find_kms(cd, "sip:bob@example.org");
	CHECK(m);
	CHECK_EQ(m->role, CONFDEF_CHAIR);

	/* unauthorized: anyone else, and any near miss (KMS UIDs are
	 * opaque bytes: no case folding, no URI normalisation) */
	CHECK(!confdef_member_find_kms(cd, "mallory-kms-uid"));
	CHECK(!confdef_member_find_kms(cd, "ALICE-KMS-UID"));
	CHECK(!confdef_member_find_kms(cd, "alice-kms-uid "));
	CHECK(!confdef_member_find_kms(cd, "alice-kms-ui"));
	CHECK(!confdef_member_find_kms(cd, "alice-kms-uidx"));
	CHECK(!confdef_member_find_kms(cd, ""));
	/* alice's SIP URI is not her KMS UID */
	CHECK(!confdef_member_find_kms(cd, "sip:alice@example.org"));
	CHECK(!confdef_member_find_kms(cd, "sip:BOB@example.org"));
	CHECK(!confdef_member_find_kms(cd, "sip:bob@example.org;x=y"));
	CHECK(!confdef_member_find_kms(cd, NULL));

	mem_deref(cd);
	return 0;
}


/* --- a SIP client over loopback UDP --- */

struct client {
	struct udp_sock *us;
	struct sa addr;
	uint16_t scode;
	char reason[64];
	struct tmr tmr;
};


static void client_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct client *c = arg;
	struct pl code, reason;

	(void)src;
	if (re_regex((const char *)mbuf_buf(mb), mbuf_get_left(mb),
		     "SIP/2.0 [0-9]+ [^\r\n]*", &code, &reason))
		return;   /* a request (NOTIFY): not what we wait for */

	if (pl_u32(&code) < 200 || c->scode)
		return;
	c->scode = (uint16_t)pl_u32(&code);
	pl_strcpy(&reason, c->reason, sizeof(c->reason));
	re_cancel();
}


static void timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


static int client_open(struct client *c)
{
	memset(c, 0, sizeof(*c));
	tmr_init(&c->tmr);
	sa_set_str(&c->addr, "127.0.0.1", 0);
	if (udp_listen(&c->us, &c->addr, client_recv, c))
		return EIO;
	return udp_local_get(c->us, &c->addr);
}


/* SUBSCRIBE to sip:room@127.0.0.1 from `from`, with a P-Asserted-
 * Identity when pai is set; the final status code, 0 if none. */
static uint16_t subscribe(struct client *c, const struct sa *dst,
			  const char *from, const char *pai,
			  const char *accept)
{
	static uint32_t n;
	struct mbuf *mb = mbuf_alloc(1024);

	if (!mb)
		return 0;
	++n;
	c->scode = 0;
	c->reason[0] = '\0';
	(void)mbuf_printf(mb,
		"SUBSCRIBE sip:room@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %J;branch=z9hG4bKaz%u;rport\r\n"
		"Max-Forwards: 70\r\n"
		"From: %s;tag=t%u\r\n"
		"To: <sip:room@127.0.0.1>\r\n"
		"Call-ID: authz%u@127.0.0.1\r\n"
		"CSeq: 1 SUBSCRIBE\r\n"
		"Contact: <sip:sub@%J>\r\n"
		"Event: conference\r\n"
		"Accept: %s\r\n"
		"Expires: 600\r\n"
		"%s%s%s"
		"Content-Length: 0\r\n"
		"\r\n",
		&c->addr, n, from, n, n, &c->addr, accept,
		pai ? "P-Asserted-Identity: " : "", pai ? pai : "",
		pai ? "\r\n" : "");
	mb->pos = 0;
	if (udp_send(c->us, dst, mb)) {
		mem_deref(mb);
		return 0;
	}
	mem_deref(mb);

	tmr_start(&c->tmr, 3000, timeout, c);
	(void)re_main(NULL);
	tmr_cancel(&c->tmr);
	return c->scode;
}


struct sipenv {
	struct dnsc *dnsc;
	struct sip *sip;
	struct sa addr;
};


static int sipenv_open(struct sipenv *e)
{
	struct sa laddr;

	memset(e, 0, sizeof(*e));
	sa_set_str(&laddr, "127.0.0.1", 0);
	if (dnsc_alloc(&e->dnsc, NULL, NULL, 0) ||
	    sip_alloc(&e->sip, e->dnsc, 32, 32, 32, "authz", NULL, NULL) ||
	    sip_transp_add(e->sip, SIP_TRANSP_UDP, &laddr) ||
	    sip_transp_laddr(e->sip, &e->addr, SIP_TRANSP_UDP, NULL))
		return EIO;
	return 0;
}


static void sipenv_close(struct sipenv *e)
{
	if (e->sip)
		sip_close(e->sip, true);
	e->sip = mem_deref(e->sip);
	e->dnsc = mem_deref(e->dnsc);
}


/* A focus serving sip:room@127.0.0.1: members alice and bob, creator
 * carol; P-Asserted-Identity believed from `trusted` only. */
static int focus_open(struct focus **fp, struct sipenv *e,
		      const struct sa *trusted, bool notify_smime)
{
	struct focus_cfg cfg;
	struct confdef *cd = NULL;
	struct list defs = LIST_INIT;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.domain = "127.0.0.1";
	sa_set_str(&cfg.media_addr, "127.0.0.1", 0);
	cfg.trusted = trusted;
	cfg.trustedc = 1;
	cfg.mikey_prot_tls = 241;
	cfg.mikey_prot_smime = 242;
	err  = media_portpool_alloc(&cfg.rtp_pool, "rtp_ports", 47000, 47099);
	err |= media_portpool_alloc(&cfg.tcp_pool, "tcp_ports", 47100, 47199);
	if (!err)
		err = focus_alloc(fp, e->sip, &cfg);
	/* the focus holds its own references */
	mem_deref(cfg.rtp_pool);
	mem_deref(cfg.tcp_pool);
	if (err)
		return err;

	err  = confdef_alloc(&cd, "sip:room@127.0.0.1");
	if (err)
		return err;
	err |= confdef_member_add(cd, "sip:alice@example.org", NULL,
				  CONFDEF_PARTICIPANT);
	err |= confdef_member_add(cd, "sip:bob@example.org", NULL,
				  CONFDEF_CHAIR);
	cd->creator = mem_deref(cd->creator);   /* "" from confdef_alloc */
	err |= str_dup(&cd->creator, "sip:carol@example.org");
	cd->notify_smime = notify_smime;
	list_append(&defs, &cd->le, cd);
	if (!err)
		err = focus_set_confdefs(*fp, &defs);
	list_flush(&defs);
	return err;
}


static int test_subscriber_list(void)
{
	struct sipenv e;
	struct client t, u;       /* a trusted peer, an untrusted one */
	struct focus *f = NULL;
	const char *xml = "application/conference-info+xml";
	uint16_t sc;
	int err = 0;

	CHECK_EQ(sipenv_open(&e), 0);
	CHECK_EQ(client_open(&t), 0);
	CHECK_EQ(client_open(&u), 0);
	CHECK_EQ(focus_open(&f, &e, &t.addr, false), 0);

	/* authorized: a member and the creator, asserted by the trusted
	 * peer (From says nothing there) */
	sc = subscribe(&t, &e.addr, "<sip:x@example.org>",
		       "<sip:alice@example.org>", xml);
	if (sc != 200) {
		fprintf(stderr, "member: %u %s\n", sc, t.reason);
		err = EINVAL;
	}
	sc = subscribe(&t, &e.addr, "<sip:x@example.org>",
		       "<sip:carol@example.org>", xml);
	if (sc != 200) {
		fprintf(stderr, "creator: %u %s\n", sc, t.reason);
		err = EINVAL;
	}

	/* unauthorized: someone not on the list, asserted */
	sc = subscribe(&t, &e.addr, "<sip:alice@example.org>",
		       "<sip:mallory@example.org>", xml);
	if (sc != 403) {
		fprintf(stderr, "non-member: %u %s\n", sc, t.reason);
		err = EINVAL;
	}
	/* an assertion from a peer that is not trusted counts for
	 * nothing: mallory's From decides, and is not on the list */
	sc = subscribe(&u, &e.addr, "<sip:mallory@example.org>",
		       "<sip:alice@example.org>", xml);
	if (sc < 400) {
		fprintf(stderr, "untrusted PAI: %u %s\n", sc, u.reason);
		err = EINVAL;
	}
	/* anonymous never subscribes */
	sc = subscribe(&u, &e.addr,
		       "\"Anonymous\" <sip:anonymous@anonymous.invalid>",
		       NULL, xml);
	if (sc < 400) {
		fprintf(stderr, "anonymous: %u %s\n", sc, u.reason);
		err = EINVAL;
	}

	focus_shutdown(f);
	mem_deref(f);
	mem_deref(t.us);
	mem_deref(u.us);
	sipenv_close(&e);
	return err;
}


/* notify_smime through the focus: an authorized subscriber without
 * MIKEY keying is refused. */
static int test_notify_smime_focus(void)
{
	struct sipenv e;
	struct client t;
	struct focus *f = NULL;
	uint16_t sc;
	int err = 0;

	CHECK_EQ(sipenv_open(&e), 0);
	CHECK_EQ(client_open(&t), 0);
	CHECK_EQ(focus_open(&f, &e, &t.addr, true), 0);

	sc = subscribe(&t, &e.addr, "<sip:x@example.org>",
		       "<sip:alice@example.org>",
		       "application/pkcs7-mime, "
		       "application/conference-info+xml");
	if (sc != 403 || strcmp(t.reason, "PSK S/MIME Keying Required")) {
		fprintf(stderr, "smime required: %u %s\n", sc, t.reason);
		err = EINVAL;
	}

	focus_shutdown(f);
	mem_deref(f);
	mem_deref(t.us);
	sipenv_close(&e);
	return err;
}


/* The same decision in eventpkg, with and without a PSK. */
struct smime_case {
	struct eventpkg_conf *conf;
	bool with_psk;
	int accept_err;
};


static void auth_h(struct eventpkg_sub *sub, const struct sip_msg *msg,
		   void *arg)
{
	static const uint8_t kek[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					12, 13, 14, 15, 16};
	struct smime_case *sc = arg;

	(void)msg;
	if (sc->with_psk &&
	    eventpkg_sub_set_psk(sub, kek, sizeof(kek), 0x01020304, 1)) {
		sc->accept_err = -1;
		(void)eventpkg_sub_reject(sub, 500, "Test Error");
		return;
	}
	sc->accept_err = eventpkg_sub_accept(sub, sc->conf, NULL, NULL, 0);
}


static int test_notify_smime_eventpkg(void)
{
	const char *acc = "application/pkcs7-mime";
	struct smime_case scase;
	struct eventpkg *ep = NULL;
	struct eventpkg_cfg cfg;
	struct sipenv e;
	struct client c;
	uint16_t sc;
	int err = 0;

	memset(&scase, 0, sizeof(scase));
	memset(&cfg, 0, sizeof(cfg));
	CHECK_EQ(sipenv_open(&e), 0);
	CHECK_EQ(client_open(&c), 0);
	CHECK_EQ(eventpkg_alloc(&ep, e.sip, &cfg, auth_h, &scase), 0);
	CHECK_EQ(eventpkg_conf_alloc(&scase.conf, ep, "sip:room@127.0.0.1"),
		 0);
	eventpkg_conf_require_smime(scase.conf, true);

	/* required, no PSK: 403, and accept says why */
	scase.with_psk = false;
	sc = subscribe(&c, &e.addr, "<sip:alice@example.org>", NULL, acc);
	if (sc != 403 || scase.accept_err != EACCES) {
		fprintf(stderr, "no psk: %u %s (%d)\n", sc, c.reason,
			scase.accept_err);
		err = EINVAL;
	}

	/* required, PSK set: 200 */
	scase.with_psk = true;
	sc = subscribe(&c, &e.addr, "<sip:alice@example.org>", NULL, acc);
	if (sc != 200 || scase.accept_err) {
		fprintf(stderr, "psk: %u %s (%d)\n", sc, c.reason,
			scase.accept_err);
		err = EINVAL;
	}

	/* not required: plain XML is fine */
	eventpkg_conf_require_smime(scase.conf, false);
	scase.with_psk = false;
	sc = subscribe(&c, &e.addr, "<sip:alice@example.org>", NULL,
		       "application/conference-info+xml");
	if (sc != 200 || scase.accept_err) {
		fprintf(stderr, "not required: %u %s (%d)\n", sc, c.reason,
			scase.accept_err);
		err = EINVAL;
	}

	mem_deref(scase.conf);
	mem_deref(ep);
	mem_deref(c.us);
	sipenv_close(&e);
	return err;
}


static int run_all(void);

int main(void)
{
	int err;

	if (libre_init())
		return 1;
	err = run_all();
	libre_close();
	return err;
}


static int run_all(void)
{
	static const struct check_case cases[] = {
		CASE(test_kms_uid),
		CASE(test_subscriber_list),
		CASE(test_notify_smime_focus),
		CASE(test_notify_smime_eventpkg),
	};

	return check_run("authz", cases, ARRAY_SIZE(cases));
}

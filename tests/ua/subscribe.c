/**
 * @file subscribe.c  `confd-ua subscribe`: one subscription to the
 * conference event package (RFC 6665, RFC 4575).
 *
 * libre's sipevent client sends every SUBSCRIBE with Content-Length: 0
 * and keeps the 2xx to itself, while PSK S/MIME needs both ends of that
 * exchange: TRANSFER_INIT as the SUBSCRIBE body and TRANSFER_RESP from
 * the 200 (DESIGN.md).  So this is a small subscriber of its own on
 * sip_drequestf and a sip_dialog:
 *   - the first SUBSCRIBE goes out of dialog; its 2xx makes the dialog;
 *   - NOTIFYs match on Call-ID and our From tag, so one that overtakes
 *     the 2xx is still ours (RFC 6665 4.1.2.4); each is answered 200
 *     and written out for the test script;
 *   - a refresh at half the granted time; at the end of --duration an
 *     unsubscribe (Expires: 0) and a short wait for the last NOTIFY.
 * It never opens the S/MIME bodies: the tests do that with openssl cms,
 * an implementation that is neither confd's nor ours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <re.h>
#include "tests/ua/ua.h"
#include "tests/ua/mikey_ua.h"
#include "tests/ua/subscribe.h"


enum {
	UNSUB_WAIT_MS = 3000,     /* for the NOTIFY that ends it */
	KEK_LEN = 16,             /* id-aes128-wrap */
};

enum req_kind { REQ_INITIAL, REQ_REFRESH, REQ_UNSUB };

struct subst {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct sip_dialog *dlg;
	struct sip_request *req;
	enum req_kind kind;
	struct tmr tmr_end, tmr_refresh, tmr_quit;

	struct ua_mikey *mikey;
	uint8_t *ti;              /* TRANSFER_INIT sent, malloc'd */
	size_t ti_len;
	uint8_t cs_id;            /* the PSK S/MIME CS */
	uint8_t kekid[5];         /* CSB ID || CS ID */
	uint8_t tek[KEK_LEN];
	bool keyed;

	const char *dir;
	uint32_t expires;         /* asked for */
	uint32_t granted;
	uint16_t scode;           /* final answer to the first SUBSCRIBE */
	char reason[128];
	char resp_ctype[128];
	char why[160];            /* what went wrong, for error= */
	unsigned notifies;
	unsigned bad_notifies;    /* answered with an error status */
	uint32_t last_cseq;
	bool have_cseq;
	char state[128];          /* last Subscription-State value */
	char term_reason[64];
	bool established, unsubscribed, terminated;
	int err;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: confd-ua subscribe --to SIP-URI --from SIP-URI "
		"[options]\n"
		"  --to URI            conference URI (sip:room@127.0.0.1:5060)\n"
		"  --from URI          our identity (sip:alice@conf.test)\n"
		"  --mikey UID:PSKHEX:KMSID:KMSIP:KMSPORT:RESPONDER\n"
		"                      ask for PSK S/MIME: ticket from the KMS,\n"
		"                      TRANSFER_INIT as application/mikey body\n"
		"                      (UID and RESPONDER may contain ':')\n"
		"  --mikey-prot N      Prot Type of the PSK S/MIME CS (242)\n"
		"  --kms-fp HEX        the KMS certificate's SHA-256 (colons ok)\n"
		"  --expires S         Expires asked for (default 600)\n"
		"  --duration S        then unsubscribe and stop (default 10;\n"
		"                      0: until the notifier ends it)\n"
		"  --dump DIR          DIR/notify-NNN.bin (body) and .hdr\n"
		"  --local IP          local address (default 127.0.0.1)\n"
		"  --expect CODE       exit 0 iff the final status is CODE "
		"(200)\n"
		"prints status= reason= resp_ctype= expires= tek= kekid= "
		"notifies= state= term_reason=\n");
}


static void hex(char *buf, size_t sz, const uint8_t *p, size_t n)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < sz; i++)
		(void)re_snprintf(buf + 2 * i, sz - 2 * i, "%02x", p[i]);
}


/* Hex digits with optional ':' between bytes; exactly n bytes. */
static int unhex(uint8_t *out, size_t n, const char *s)
{
	size_t k = 0;

	while (*s && k < n) {
		char h[3];

		if (*s == ':') {
			++s;
			continue;
		}
		if (!s[1] || !strchr("0123456789abcdefABCDEF", s[0]) ||
		    !strchr("0123456789abcdefABCDEF", s[1]))
			return EINVAL;
		h[0] = s[0];
		h[1] = s[1];
		h[2] = '\0';
		out[k++] = (uint8_t)strtoul(h, NULL, 16);
		s += 2;
	}
	return (k == n && !*s) ? 0 : EINVAL;
}


static void quit(struct subst *s)
{
	tmr_cancel(&s->tmr_end);
	tmr_cancel(&s->tmr_refresh);
	tmr_cancel(&s->tmr_quit);
	re_cancel();
}


static void why(struct subst *s, const char *fmt, const char *arg)
{
	if (!s->why[0])
		(void)re_snprintf(s->why, sizeof(s->why), fmt, arg);
}


/* ---- MIKEY: ticket and TRANSFER_INIT ---- */

/* UID:PSKHEX:KMSID:KMSIP:KMSPORT:RESPONDER.  UID and RESPONDER are
 * usually URIs with colons of their own, so the fields are found as
 * the first even-length hex token followed by a KMS ID, an IP address
 * and a port. */
static int mikey_setup(struct subst *s, const char *spec, uint8_t prot,
		       const uint8_t *kms_fp)
{
	char resp[256];
	int err;

	err = ua_mikey_from_spec(&s->mikey, spec, kms_fp, resp, sizeof(resp));
	if (err)
		return err;

	/* one CS of Prot Type PSK S/MIME, GENERIC-ID map (DESIGN.md) */
	err = ua_mikey_transfer_init_smime(s->mikey, resp, prot, &s->ti,
					   &s->ti_len);
	if (err)
		return err;

	/* The key identifier names the CS: its CSB ID and CS ID, read
	 * from the HDR we send (RFC 3830 6.1: CSB ID at octet 4, #CS at
	 * 8, CS ID map type at 9, the first GENERIC-ID entry at 10). */
	if (s->ti_len < 11 || s->ti[8] != 1 || s->ti[9] != 2)
		return EPROTO;
	memcpy(s->kekid, s->ti + 4, 4);
	s->kekid[4] = s->cs_id = s->ti[10];
	return 0;
}


/* The 2xx of the first SUBSCRIBE carries TRANSFER_RESP. */
static void mikey_answer(struct subst *s, const struct sip_msg *msg)
{
	size_t kl = 0;
	uint8_t key[64];
	int err;

	if (!msg_ctype_cmp(&msg->ctyp, "application", "mikey")) {
		why(s, "2xx without an application/mikey body%s", "");
		return;
	}
	err = ua_mikey_transfer_resp(s->mikey, mbuf_buf(msg->mb),
				     mbuf_get_left(msg->mb));
	if (err) {
		why(s, "TRANSFER_RESP refused: %s", strerror(err));
		return;
	}
	err = ua_mikey_tek(s->mikey, s->cs_id, key, &kl, NULL, NULL);
	if (!err && kl == KEK_LEN) {
		memcpy(s->tek, key, KEK_LEN);
		s->keyed = true;
	}
	else {
		why(s, "no 16-byte TEK for the PSK S/MIME CS%s", "");
	}
	OPENSSL_cleanse(key, sizeof(key));
}


/* ---- SUBSCRIBE ---- */

static int send_h(enum sip_transp tp, const struct sa *src,
		  const struct sa *dst, struct mbuf *mb, void *arg)
{
	struct sip_contact contact;
	(void)dst;
	(void)arg;

	sip_contact_set(&contact, "ua", src, tp);
	return mbuf_printf(mb, "%H", sip_contact_print, &contact);
}


static void resp_h(int err, const struct sip_msg *msg, void *arg);


static int send_subscribe(struct subst *s, enum req_kind kind,
			  uint32_t expires)
{
	/* only the first SUBSCRIBE carries keying; refreshes keep it */
	const bool body = kind == REQ_INITIAL && s->ti;

	s->req = mem_deref(s->req);
	s->kind = kind;

	return sip_drequestf(&s->req, s->sip, true, "SUBSCRIBE", s->dlg, 0,
			     NULL, send_h, resp_h, s,
			     "Event: conference\r\n"
			     "Expires: %u\r\n"
			     "Accept: application/conference-info+xml, "
			     "application/pkcs7-mime\r\n"
			     "Allow: NOTIFY\r\n"
			     "%s"
			     "Content-Length: %zu\r\n"
			     "\r\n"
			     "%b",
			     expires,
			     body ? "Content-Type: application/mikey\r\n" : "",
			     body ? s->ti_len : (size_t)0,
			     body ? s->ti : (const uint8_t *)"",
			     body ? s->ti_len : (size_t)0);
}


static void refresh_h(void *arg)
{
	struct subst *s = arg;
	int err;

	if (s->req) {        /* one still pending: try again shortly */
		tmr_start(&s->tmr_refresh, 1000, refresh_h, s);
		return;
	}
	err = send_subscribe(s, REQ_REFRESH, s->expires);
	if (err) {
		s->err = err;
		why(s, "refresh: %s", strerror(err));
		quit(s);
	}
}


static void quit_h(void *arg)
{
	struct subst *s = arg;

	if (s->unsubscribed && !s->terminated)
		why(s, "no terminated NOTIFY after unsubscribing%s", "");
	quit(s);
}


static void end_h(void *arg)
{
	struct subst *s = arg;
	int err;

	if (!s->established || s->terminated) {
		quit(s);
		return;
	}
	tmr_cancel(&s->tmr_refresh);
	s->unsubscribed = true;
	err = send_subscribe(s, REQ_UNSUB, 0);
	if (err) {
		s->err = err;
		quit(s);
		return;
	}
	tmr_start(&s->tmr_quit, UNSUB_WAIT_MS, quit_h, s);
}


static void resp_h(int err, const struct sip_msg *msg, void *arg)
{
	struct subst *s = arg;
	const struct sip_hdr *hdr;
	uint32_t granted;

	if (err) {
		s->err = err;
		why(s, "SUBSCRIBE: %s", strerror(err));
		quit(s);
		return;
	}
	if (msg->scode < 200)
		return;

	if (s->kind == REQ_INITIAL) {
		s->scode = msg->scode;
		(void)pl_strcpy(&msg->reason, s->reason, sizeof(s->reason));
		hdr = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
		if (hdr)
			(void)pl_strcpy(&hdr->val, s->resp_ctype,
					sizeof(s->resp_ctype));
	}

	if (msg->scode >= 300) {
		/* a refused TRANSFER_INIT may come back as a MIKEY Error */
		if (s->kind == REQ_INITIAL && s->mikey &&
		    msg_ctype_cmp(&msg->ctyp, "application", "mikey"))
			(void)ua_mikey_transfer_resp(s->mikey,
						     mbuf_buf(msg->mb),
						     mbuf_get_left(msg->mb));
		if (s->kind != REQ_INITIAL)
			why(s, "re-SUBSCRIBE answered %s", "non-2xx");
		quit(s);
		return;
	}

	if (!s->established) {
		err = sip_dialog_create(s->dlg, msg);
		if (err) {
			s->err = err;
			why(s, "dialog from the 2xx: %s", strerror(err));
			quit(s);
			return;
		}
		s->established = true;
	}
	else {
		(void)sip_dialog_update(s->dlg, msg);
	}

	if (s->kind == REQ_INITIAL && s->mikey)
		mikey_answer(s, msg);

	/* RFC 6665 4.1.2.1: the 2xx says how long it lasts */
	if (!pl_isset(&msg->expires)) {
		why(s, "2xx without Expires%s", "");
		granted = s->expires;
	}
	else {
		granted = pl_u32(&msg->expires);
	}
	if (s->kind == REQ_UNSUB || s->terminated)
		return;
	s->granted = granted;
	if (granted > 0)
		tmr_start(&s->tmr_refresh, (uint64_t)granted * 500,
			  refresh_h, s);
}


/* ---- NOTIFY ---- */

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return errno;
	if (n && fwrite(p, 1, n, f) != n)
		err = EIO;
	if (fclose(f))
		err = err ? err : errno;
	return err;
}


static void dump(struct subst *s, const struct sip_msg *msg)
{
	const struct sip_hdr *ct = sip_msg_hdr(msg, SIP_HDR_CONTENT_TYPE);
	const struct sip_hdr *ss = sip_msg_hdr(msg,
					       SIP_HDR_SUBSCRIPTION_STATE);
	const struct sip_hdr *ev = sip_msg_hdr(msg, SIP_HDR_EVENT);
	char path[512];
	char *hdrs = NULL;
	int err;

	if (!s->dir)
		return;
	(void)re_snprintf(path, sizeof(path), "%s/notify-%03u.bin", s->dir,
			  s->notifies);
	err = write_file(path, mbuf_buf(msg->mb), mbuf_get_left(msg->mb));
	if (!err)
		err = re_sdprintf(&hdrs, "Content-Type: %r\n"
				  "Subscription-State: %r\n"
				  "Event: %r\n"
				  "CSeq: %u\n",
				  ct ? &ct->val : &pl_null,
				  ss ? &ss->val : &pl_null,
				  ev ? &ev->val : &pl_null,
				  msg->cseq.num);
	if (!err) {
		(void)re_snprintf(path, sizeof(path), "%s/notify-%03u.hdr",
				  s->dir, s->notifies);
		err = write_file(path, hdrs, strlen(hdrs));
	}
	if (err)
		why(s, "--dump: %s", strerror(err));
	mem_deref(hdrs);
}


static bool request_h(const struct sip_msg *msg, void *arg)
{
	struct subst *s = arg;
	const struct sip_hdr *hdr;
	struct sipevent_event se;
	struct sipevent_substate ss;
	struct pl r;

	if (pl_strcmp(&msg->met, "NOTIFY"))
		return false;

	if (!sip_dialog_cmp_half(s->dlg, msg)) {
		(void)sip_treply(NULL, s->sip, msg, 481,
				 "Subscription Does Not Exist");
		return true;
	}

	/* a retransmission that got past the transaction layer */
	if (s->have_cseq && msg->cseq.num == s->last_cseq) {
		(void)sip_treply(NULL, s->sip, msg, 200, "OK");
		return true;
	}
	if (!sip_dialog_rseq_valid(s->dlg, msg)) {
		++s->bad_notifies;
		why(s, "NOTIFY CSeq went backwards%s", "");
		(void)sip_treply(NULL, s->sip, msg, 500, "Bad CSeq");
		return true;
	}

	/* RFC 6665 8.2.1: Event must name the package we subscribed to */
	hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);
	if (!hdr || sipevent_event_decode(&se, &hdr->val) ||
	    pl_strcmp(&se.event, "conference")) {
		++s->bad_notifies;
		why(s, "NOTIFY with a wrong Event%s", "");
		(void)sip_treply(NULL, s->sip, msg, 489, "Bad Event");
		return true;
	}
	hdr = sip_msg_hdr(msg, SIP_HDR_SUBSCRIPTION_STATE);
	if (!hdr || sipevent_substate_decode(&ss, &hdr->val)) {
		++s->bad_notifies;
		why(s, "NOTIFY without Subscription-State%s", "");
		(void)sip_treply(NULL, s->sip, msg, 400,
				 "Bad Subscription-State");
		return true;
	}

	s->have_cseq = true;
	s->last_cseq = msg->cseq.num;
	++s->notifies;
	(void)pl_strcpy(&hdr->val, s->state, sizeof(s->state));
	dump(s, msg);

	(void)sip_treply(NULL, s->sip, msg, 200, "OK");

	if (ss.state == SIPEVENT_TERMINATED) {
		s->terminated = true;
		if (0 == msg_param_decode(&hdr->val, "reason", &r))
			(void)pl_strcpy(&r, s->term_reason,
					sizeof(s->term_reason));
		quit(s);
	}
	return true;
}


static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}


static void exit_h(void *arg)
{
	(void)arg;
}


int ua_cmd_subscribe(int argc, char *argv[])
{
	static const struct option lopt[] = {
		{"to",         required_argument, NULL, 't'},
		{"from",       required_argument, NULL, 'f'},
		{"mikey",      required_argument, NULL, 'm'},
		{"mikey-prot", required_argument, NULL, 'p'},
		{"kms-fp",     required_argument, NULL, 'F'},
		{"expires",    required_argument, NULL, 'x'},
		{"duration",   required_argument, NULL, 'd'},
		{"dump",       required_argument, NULL, 'D'},
		{"local",      required_argument, NULL, 'l'},
		{"expect",     required_argument, NULL, 'e'},
		{"help",       no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct subst s;
	const char *to = NULL, *from = NULL, *mikey = NULL, *local = "127.0.0.1";
	uint8_t kms_fp[32];
	bool have_fp = false;
	unsigned prot = 242, expect = 200;
	double duration = 10, v;
	struct sa laddr;
	char h[64];
	bool ok;
	int c, err;

	memset(&s, 0, sizeof(s));
	s.expires = 600;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopt, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'f': from = optarg; break;
		case 'm': mikey = optarg; break;
		case 'D': s.dir = optarg; break;
		case 'l': local = optarg; break;
		case 'p':
			prot = (unsigned)atoi(optarg);
			if (prot < 1 || prot > 255) {
				usage();
				return 2;
			}
			break;
		case 'F':
			if (unhex(kms_fp, sizeof(kms_fp), optarg)) {
				fprintf(stderr, "confd-ua: bad --kms-fp\n");
				return 2;
			}
			have_fp = true;
			break;
		case 'x':
			if (ua_parse_dur(optarg, &v)) {
				usage();
				return 2;
			}
			s.expires = (uint32_t)v;
			break;
		case 'd':
			if (ua_parse_dur(optarg, &duration)) {
				usage();
				return 2;
			}
			break;
		case 'e':
			expect = (unsigned)atoi(optarg);
			if (expect < 100 || expect > 699) {
				usage();
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!to || !from || optind != argc || sa_set_str(&laddr, local, 0)) {
		usage();
		return 2;
	}

	if (mikey) {
		err = mikey_setup(&s, mikey, (uint8_t)prot,
				  have_fp ? kms_fp : NULL);
		if (err) {
			ua_kv("error", "mikey: %s", strerror(err));
			ok = false;
			goto out;
		}
	}

	err = ua_sip_open(&s.sip, &s.sock, &laddr, exit_h, &s);
	if (!err)
		err = sip_listen(&s.lsnr, s.sip, true, request_h, &s);
	if (!err)
		err = sip_dialog_alloc(&s.dlg, to, to, NULL, from, NULL, 0);
	if (!err)
		err = send_subscribe(&s, REQ_INITIAL, s.expires);
	if (err) {
		ua_kv("error", "SUBSCRIBE: %s", strerror(err));
		ok = false;
		goto out;
	}
	if (duration > 0)
		tmr_start(&s.tmr_end, (uint64_t)(duration * 1000), end_h, &s);

	(void)re_main(signal_h);

	ua_kv("status", "%u", s.scode);
	ua_kv("reason", "%s", s.reason);
	ua_kv("resp_ctype", "%s", s.resp_ctype);
	ua_kv("expires", "%u", s.granted);
	if (s.mikey && ua_mikey_last_error(s.mikey) >= 0)
		ua_kv("mikey_err", "%d", ua_mikey_last_error(s.mikey));
	if (s.keyed) {
		/* a test UA: the script needs the key to open the bodies */
		hex(h, sizeof(h), s.tek, sizeof(s.tek));
		ua_kv("tek", "%s", h);
		hex(h, sizeof(h), s.kekid, sizeof(s.kekid));
		ua_kv("kekid", "%s", h);
		OPENSSL_cleanse(h, sizeof(h));
	}
	ua_kv("notifies", "%u", s.notifies);
	ua_kv("bad_notifies", "%u", s.bad_notifies);
	ua_kv("state", "%s", s.state);
	ua_kv("term_reason", "%s", s.term_reason);
	if (s.why[0])
		ua_kv("error", "%s", s.why);

	ok = s.scode == expect && !s.err && !s.bad_notifies;
	if (ok && s.scode < 300)
		ok = !s.why[0] && (!s.mikey || s.keyed);
 out:
	tmr_cancel(&s.tmr_end);
	tmr_cancel(&s.tmr_refresh);
	tmr_cancel(&s.tmr_quit);
	s.req = mem_deref(s.req);
	s.dlg = mem_deref(s.dlg);
	s.lsnr = mem_deref(s.lsnr);
	s.sock = mem_deref(s.sock);
	if (s.sip) {
		sip_close(s.sip, true);
		s.sip = mem_deref(s.sip);
	}
	s.mikey = mem_deref(s.mikey);
	if (s.ti)
		OPENSSL_cleanse(s.ti, s.ti_len);
	free(s.ti);
	OPENSSL_cleanse(s.tek, sizeof(s.tek));
	return ok ? 0 : 1;
}

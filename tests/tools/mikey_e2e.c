/**
 * @file mikey_e2e.c  kmsd end to end: the test UA (initiator) and the
 * focus-side KMS client (responder) against a running kmsd over HTTPS.
 *
 *   mikey_e2e PORT FINGERPRINT ALICE_PSK_HEX BOB_PSK_HEX FOCUS_PSK_HEX
 *
 * Users known to kmsd: sip:alice@example.org, sip:bob@example.org,
 * sip:focus@conf.example.org.  Prints PASS/FAIL lines.  With "bench N"
 * after the arguments it instead times N requests and N joins.  With
 * "roles" it runs the other direction instead (tests/integ/
 * mikey_roles.sh): the focus dials out, confd's keying/ code is the
 * initiator and the test UA's own responder (tests/ua/mikey_resp.c)
 * answers, resolving the ticket at kmsd itself.
 *
 * Suites (RFC 6043 12.1): MIKEY_E2E_PRF=0 puts the focus on the
 * 128-bit suite (default: 256-bit), UA_MIKEY_PRF=0 the UA.  Both modes
 * also run each suite against the other explicitly (suite_*), checking
 * that every message the focus sends is in its peer's suite.
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"
#include "tests/ua/mikey_ua.h"
#include "tests/ua/mikey_resp.h"


static const char *kms_id = "kms.example.org";
static const char *focus_id = "sip:focus@conf.example.org";
static uint16_t port;
static const char *fp_str;
static uint8_t fp[32];
static uint8_t psk_a[64], psk_b[64], psk_f[64];
static size_t psk_al, psk_bl, psk_fl;
static struct mikey_replay *rc;
static int failed;
static uint8_t focus_prf = MIKEY_PRF_HMAC_SHA256;


static size_t unhex(uint8_t *out, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[2 * i] && s[2 * i + 1] && i < size; i++) {
		char h[3] = {s[2 * i], s[2 * i + 1], 0};
		out[i] = (uint8_t)strtoul(h, NULL, 16);
	}
	return i;
}


static void report(const char *name, bool ok, const char *why)
{
	printf("%s mikey_e2e.%s%s%s\n", ok ? "PASS" : "FAIL", name,
	       ok ? "" : ": ", ok ? "" : why);
	fflush(stdout);
	if (!ok)
		++failed;
}


static int kmsc_make(struct kmsc **kcp, uint16_t p, const char *fps,
		     uint32_t timeout_ms)
{
	struct kmsc_cfg cfg;
	char url[64];

	memset(&cfg, 0, sizeof(cfg));
	re_snprintf(url, sizeof(url), "https://127.0.0.1:%u/mikey", p);
	cfg.url = url;
	cfg.uid = focus_id;
	cfg.psk = psk_f;
	cfg.psk_len = psk_fl;
	cfg.kms_id = kms_id;
	cfg.fingerprint = fps;
	cfg.timeout_ms = timeout_ms;
	cfg.rc = rc;
	mikey_cfg_default(&cfg.mikey);
	cfg.mikey.prf = focus_prf;
	return kmsc_alloc(kcp, &cfg);
}


/* one resolve on the main loop */
struct res {
	int err;
	uint8_t merr;
	struct mikey_resp *mr;
};


static void resolve_h(int err, uint8_t merr, struct mikey_resp *mr,
		      void *arg)
{
	struct res *r = arg;

	r->err = err;
	r->merr = merr;
	r->mr = mem_ref(mr);
	re_cancel();
}


static int resolve(struct kmsc *kc, const uint8_t *ti, size_t len,
		   struct res *r)
{
	struct kmsc_req *q = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	r->merr = 0xff;
	err = kmsc_resolve(&q, kc, ti, len, "mikey", resolve_h, r, &r->merr);
	if (err) {
		r->err = err;
		return err;
	}
	re_main(NULL);
	mem_deref(q);
	return r->err;
}


/* UA: ticket + TRANSFER_INIT */
static int ua_ti(struct ua_mikey **up, const char *uid, const uint8_t *psk,
		 size_t pl, const char *responder, uint8_t **ti, size_t *tl)
{
	int err;

	err = ua_mikey_alloc(up, uid, psk, pl, kms_id);
	if (!err)
		err = ua_mikey_ticket(*up, "127.0.0.1", port, fp, responder);
	if (!err)
		err = ua_mikey_transfer_init(*up, focus_id, 2, 1, 241, ti, tl);
	return err;
}


static bool teks_match(struct ua_mikey *u, struct mikey_resp *mr,
		       const char **why)
{
	size_t i;

	if (mikey_resp_tek_count(mr) != 3) {
		*why = "TEK count";
		return false;
	}
	for (i = 0; i < 3; i++) {
		const struct mikey_tek *t = mikey_resp_tek(mr, i);
		uint8_t k[64], s[32];
		size_t kl = 0, sl = 0;

		if (ua_mikey_tek(u, t->cs_id, k, &kl, s, &sl) ||
		    kl != t->key_len || memcmp(k, t->key, kl) ||
		    sl != t->salt_len || memcmp(s, t->salt, sl)) {
			*why = "TEKs differ between UA and focus";
			return false;
		}
	}
	return true;
}


/* the full dial-in keying; *mrp keeps the focus side */
static int join(struct kmsc *kc, const char *uid, const uint8_t *psk,
		size_t pl, struct ua_mikey **up, struct res *r,
		const char **why)
{
	uint8_t *ti = NULL;
	size_t tl = 0;
	struct mbuf *tr = NULL;
	int err;

	*why = "UA ticket";
	err = ua_ti(up, uid, psk, pl, "?@?", &ti, &tl);
	if (err)
		goto out;
	*why = "resolve";
	err = resolve(kc, ti, tl, r);
	if (err)
		goto out;
	*why = "TRANSFER_RESP";
	err = mikey_resp_set_ssrc(r->mr, 2, 0x66666666);
	if (!err)
		err = mikey_resp_transfer_resp(r->mr, &tr);
	if (!err) {
		*why = "UA rejected TRANSFER_RESP";
		err = ua_mikey_transfer_resp(*up, tr->buf, tr->end);
	}
 out:
	free(ti);
	mem_deref(tr);
	return err;
}


static void test_teks(struct kmsc *kc)
{
	struct ua_mikey *u = NULL;
	struct res r;
	const char *why = "";
	bool ok;

	ok = join(kc, "sip:alice@example.org", psk_a, psk_al, &u, &r,
		  &why) == 0;
	ok = ok && teks_match(u, r.mr, &why);
	if (ok && strcmp(mikey_resp_initiator_id(r.mr),
			 "sip:alice@example.org")) {
		ok = false;
		why = "initiator identity";
	}
	report("teks_match", ok, why);
	mem_deref(r.mr);
	mem_deref(u);
}


static void test_distinct(struct kmsc *kc)
{
	struct ua_mikey *u1 = NULL, *u2 = NULL;
	struct res r1, r2;
	const char *why = "";
	bool ok;

	ok = join(kc, "sip:alice@example.org", psk_a, psk_al, &u1, &r1,
		  &why) == 0 &&
		join(kc, "sip:bob@example.org", psk_b, psk_bl, &u2, &r2,
		     &why) == 0;
	if (ok) {
		ok = memcmp(mikey_resp_tek(r1.mr, 0)->key,
			    mikey_resp_tek(r2.mr, 0)->key, 16) &&
			memcmp(mikey_resp_tek(r1.mr, 2)->key,
			       mikey_resp_tek(r2.mr, 2)->key, 32) &&
			!strcmp(mikey_resp_initiator_id(r2.mr),
				"sip:bob@example.org");
		why = "TEKs or identities not distinct";
	}
	report("distinct_teks", ok, why);
	mem_deref(r1.mr);
	mem_deref(r2.mr);
	mem_deref(u1);
	mem_deref(u2);
}


static void test_unauthorized(struct kmsc *kc)
{
	struct ua_mikey *u = NULL;
	uint8_t *ti = NULL;
	size_t tl = 0;
	struct res r;
	int err;

	/* the ticket names another responder only */
	err = ua_ti(&u, "sip:alice@example.org", psk_a, psk_al,
		    "sip:someone@else.example.org", &ti, &tl);
	if (!err)
		err = resolve(kc, ti, tl, &r);
	report("unauthorized_responder", err == ECONNREFUSED &&
	       r.merr == MIKEY_ERR_AUTH, "the KMS resolved it");
	mem_deref(r.mr);
	free(ti);
	mem_deref(u);
}


static void test_tamper_replay(struct kmsc *kc)
{
	struct ua_mikey *u = NULL;
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	uint8_t *ti = NULL, *cp;
	size_t tl = 0, off;
	struct res r;
	int err;

	err = ua_ti(&u, "sip:alice@example.org", psk_a, psk_al, "?@?", &ti,
		    &tl);
	if (err || mikey_decode(m, ti, tl)) {
		report("tampered_ticket", false, "setup");
		goto out;
	}
	cp = malloc(tl);

	memcpy(cp, ti, tl);
	off = (size_t)(m->tp.ticket_data.p - ti) + m->tp.ticket_data.l / 2;
	cp[off] ^= 0x10;
	err = resolve(kc, cp, tl, &r);
	report("tampered_ticket", err == ECONNREFUSED &&
	       r.merr == MIKEY_ERR_AUTH, "accepted");

	memcpy(cp, ti, tl);
	cp[tl - 3] ^= 0x01;
	err = resolve(kc, cp, tl, &r);
	report("tampered_mac", err == EACCES, "accepted");
	free(cp);

	err = resolve(kc, ti, tl, &r);
	mem_deref(r.mr);
	r.mr = NULL;
	if (err) {
		report("replay", false, "first resolve failed");
		goto out;
	}
	err = resolve(kc, ti, tl, &r);
	report("replay", err == EALREADY && r.merr == MIKEY_ERR_TS,
	       "replayed TRANSFER_INIT accepted");
 out:
	mem_deref(r.mr);
	mem_deref(m);
	free(ti);
	mem_deref(u);
}


static void test_kms_down(void)
{
	struct ua_mikey *u = NULL;
	struct kmsc *kc = NULL;
	struct tcp_sock *ts = NULL;
	struct sa sa;
	uint8_t *ti = NULL;
	size_t tl = 0;
	struct res r;
	uint64_t t0;
	int err;

	err = ua_ti(&u, "sip:alice@example.org", psk_a, psk_al, "?@?", &ti,
		    &tl);

	/* nobody listens there */
	if (!err)
		err = kmsc_make(&kc, 1, fp_str, 1000);
	if (!err) {
		err = resolve(kc, ti, tl, &r);
		report("kms_down_refused", err != 0 && !r.mr, "succeeded");
	}
	kc = mem_deref(kc);

	/* it accepts TCP and never answers: the timeout fires */
	sa_set_str(&sa, "127.0.0.1", 0);
	if (tcp_listen(&ts, &sa, NULL, NULL) == 0 &&
	    tcp_sock_local_get(ts, &sa) == 0 &&
	    kmsc_make(&kc, sa_port(&sa), fp_str, 300) == 0) {
		t0 = tmr_jiffies();
		err = resolve(kc, ti, tl, &r);
		report("kms_timeout", err == ETIMEDOUT &&
		       tmr_jiffies() - t0 < 2000, "no timeout");
	}
	else
		report("kms_timeout", false, "setup");

	mem_deref(kc);
	mem_deref(ts);
	free(ti);
	mem_deref(u);
}


static void test_bad_fingerprint(void)
{
	struct ua_mikey *u = NULL;
	struct kmsc *kc = NULL;
	uint8_t *ti = NULL;
	size_t tl = 0;
	struct res r;
	int err;

	err = ua_ti(&u, "sip:alice@example.org", psk_a, psk_al, "?@?", &ti,
		    &tl);
	if (!err)
		err = kmsc_make(&kc, port, "00:11:22:33:44:55:66:77:88:99:AA:"
				"BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
				"99:AA:BB:CC:DD:EE:FF", 2000);
	if (!err)
		err = resolve(kc, ti, tl, &r);
	report("kms_wrong_fingerprint", err == EAUTH, "KMS not checked");
	mem_deref(kc);
	free(ti);
	mem_deref(u);
}


/* focus as initiator: REQUEST at kmsd */
static void request_h(int err, uint8_t merr, struct mikey_init *mi,
		      void *arg)
{
	int *e = arg;

	*e = err ? err : (mi ? 0 : EINVAL);
	re_cancel();
}


static void test_request(struct kmsc *kc)
{
	const char *resp[1] = {"sip:alice@example.org"};
	struct kmsc_req *q = NULL;
	int e = -1;

	if (kmsc_request(&q, kc, resp, 1, 600, request_h, &e) == 0)
		re_main(NULL);
	report("focus_request", e == 0, "REQUEST failed");
	mem_deref(q);
}


static void bench(struct kmsc *kc, unsigned n)
{
	const char *resp[1] = {"?@?"};
	uint64_t t0;
	unsigned i, ok = 0;

	t0 = tmr_jiffies();
	for (i = 0; i < n; i++) {
		struct kmsc_req *q = NULL;
		int e = -1;

		if (kmsc_request(&q, kc, resp, 1, 600, request_h, &e) == 0)
			re_main(NULL);
		ok += e == 0;
		mem_deref(q);
	}
	printf("kms_requests: %u/%u in %llu ms = %.0f req/s\n", ok, n,
	       (unsigned long long)(tmr_jiffies() - t0),
	       ok * 1000.0 / (double)(tmr_jiffies() - t0 + 1));

	t0 = tmr_jiffies();
	ok = 0;
	for (i = 0; i < n; i++) {
		struct ua_mikey *u = NULL;
		struct res r;
		const char *why;

		memset(&r, 0, sizeof(r));
		ok += join(kc, "sip:alice@example.org", psk_a, psk_al, &u, &r,
			   &why) == 0;
		mem_deref(r.mr);
		mem_deref(u);
	}
	printf("mikey_joins: %u/%u in %llu ms = %.0f joins/s "
	       "(UA REQUEST + TRANSFER_INIT + focus RESOLVE + "
	       "TRANSFER_RESP + UA check)\n", ok, n,
	       (unsigned long long)(tmr_jiffies() - t0),
	       ok * 1000.0 / (double)(tmr_jiffies() - t0 + 1));

	/* the focus's share alone: TRANSFER_INIT ready (one ticket each,
	 * made before the clock starts), then early checks + RESOLVE at
	 * kmsd + TRANSFER_INIT verification + TEKs + TRANSFER_RESP */
	{
		struct ua_mikey **uv = calloc(n, sizeof(*uv));
		uint8_t **tiv = calloc(n, sizeof(*tiv));
		size_t *tlv = calloc(n, sizeof(*tlv));

		for (i = 0; i < n; i++)
			(void)ua_ti(&uv[i], "sip:alice@example.org", psk_a,
				    psk_al, "?@?", &tiv[i], &tlv[i]);
		t0 = tmr_jiffies();
		ok = 0;
		for (i = 0; i < n; i++) {
			struct mbuf *tr = NULL;
			struct res r;

			if (tiv[i] && resolve(kc, tiv[i], tlv[i], &r) == 0 &&
			    mikey_resp_transfer_resp(r.mr, &tr) == 0)
				++ok;
			mem_deref(r.mr);
			mem_deref(tr);
		}
		printf("focus_resolve_joins: %u/%u in %llu ms = %.0f joins/s "
		       "(TRANSFER_INIT -> RESOLVE at kmsd -> "
		       "TRANSFER_RESP)\n", ok, n,
		       (unsigned long long)(tmr_jiffies() - t0),
		       ok * 1000.0 / (double)(tmr_jiffies() - t0 + 1));
		for (i = 0; i < n; i++) {
			mem_deref(uv[i]);
			free(tiv[i]);
		}
		free(uv);
		free(tiv);
		free(tlv);
	}
}


/* Is this message in prf's suite: HDR PRF, every V, the KEMAC? */
static bool in_suite(const uint8_t *p, size_t len, uint8_t prf)
{
	struct mikey_msg *m = mem_zalloc(sizeof(*m), NULL);
	bool ok;

	ok = m && !mikey_decode(m, p, len) && m->hdr.prf == prf &&
		m->vc >= 1 && mikey_suite_check(prf, m);
	mem_deref(m);
	return ok;
}


/* RFC 6043 12.1, issue 14: a UE in either suite joins; the focus
 * answers in the UE's suite whatever its own, and the UA, a strict
 * UE, refuses anything else.  TLS TEKs are as long as the suite's. */
static void test_suites(struct kmsc *kc)
{
	uint8_t prf;

	for (prf = MIKEY_PRF_MIKEY1; prf <= MIKEY_PRF_HMAC_SHA256; prf++) {
		struct ua_mikey *u = NULL;
		struct mbuf *tr = NULL;
		uint8_t *ti = NULL;
		size_t tl = 0;
		struct res r;
		const char *why = "UA ticket";
		bool ok = false;

		memset(&r, 0, sizeof(r));
		if (ua_mikey_alloc(&u, "sip:alice@example.org", psk_a, psk_al,
				   kms_id) || ua_mikey_set_prf(u, prf) ||
		    ua_mikey_ticket(u, "127.0.0.1", port, fp, "?@?") ||
		    ua_mikey_transfer_init(u, focus_id, 2, 1, 241, &ti, &tl))
			goto out;
		why = "TRANSFER_INIT not in the UA's suite";
		if (!in_suite(ti, tl, prf))
			goto out;
		why = "focus resolve";
		if (resolve(kc, ti, tl, &r))
			goto out;
		why = "focus TRANSFER_RESP";
		if (mikey_resp_transfer_resp(r.mr, &tr))
			goto out;
		why = "TRANSFER_RESP not in the UE's suite";
		if (!in_suite(tr->buf, tr->end, prf))
			goto out;
		why = "UA (strict) refused TRANSFER_RESP";
		if (ua_mikey_transfer_resp(u, tr->buf, tr->end))
			goto out;
		if (!teks_match(u, r.mr, &why))
			goto out;
		why = "TLS TEK length";
		if (mikey_resp_tek(r.mr, 2)->key_len !=
		    mikey_suite(prf)->key_len)
			goto out;
		ok = true;
	out:
		report(prf ? "suite_256_ue" : "suite_128_ue", ok, why);
		free(ti);
		mem_deref(tr);
		mem_deref(r.mr);
		mem_deref(u);
	}
}


static void dump(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("MIKEY_DUMP");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	re_snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}


struct post {
	int err;
	uint8_t *body;
	size_t len;
};


static void post_h(int err, const uint8_t *body, size_t len, void *arg)
{
	struct post *p = arg;

	p->err = err;
	if (!err) {
		p->body = malloc(len);
		memcpy(p->body, body, len);
		p->len = len;
	}
	re_cancel();
}


static int post(struct kmsc *kc, const struct mbuf *mb, struct post *p)
{
	struct kmsc_req *q = NULL;
	int err;

	memset(p, 0, sizeof(*p));
	err = kmsc_post(&q, kc, mb->buf, mb->end, post_h, p);
	if (err)
		return err;
	re_main(NULL);
	mem_deref(q);
	return p->err;
}


/* Every message type once, for the tshark check (MIKEY_DUMP=dir) */
static void dump_all(struct kmsc *kc)
{
	const char *resp[1] = {"?@?"};
	struct mikey_init *mi = NULL;
	struct mikey_resp *mr = NULL;
	struct ua_mikey *u = NULL;
	struct mbuf *rq = NULL, *ri = NULL, *tr = NULL;
	struct mikey_cfg cfg;
	struct post p1, p2;
	uint8_t *ti = NULL, merr;
	size_t tl = 0;
	bool ok = false;

	if (!getenv("MIKEY_DUMP"))
		return;
	memset(&p1, 0, sizeof(p1));
	memset(&p2, 0, sizeof(p2));
	mikey_cfg_default(&cfg);
	cfg.prf = focus_prf;
	if (mikey_init_alloc(&mi, &cfg, focus_id, psk_f, psk_fl, kms_id) ||
	    mikey_init_request(mi, resp, 1, 600, &rq) || post(kc, rq, &p1))
		goto out;
	dump("1_request_init", rq->buf, rq->end);
	dump("2_request_resp", p1.body, p1.len);

	if (ua_ti(&u, "sip:bob@example.org", psk_b, psk_bl, "?@?", &ti, &tl))
		goto out;
	dump("3_transfer_init", ti, tl);
	if (mikey_resp_alloc(&mr, &cfg, focus_id, psk_f, psk_fl, kms_id,
			     NULL, ti, tl, NULL, &merr) ||
	    mikey_resp_resolve_init(mr, &ri) || post(kc, ri, &p2))
		goto out;
	dump("4_resolve_init", ri->buf, ri->end);
	dump("5_resolve_resp", p2.body, p2.len);
	if (mikey_resp_resolve_resp(mr, p2.body, p2.len, &merr) ||
	    mikey_resp_transfer_resp(mr, &tr))
		goto out;
	dump("6_transfer_resp", tr->buf, tr->end);
	ok = ua_mikey_transfer_resp(u, tr->buf, tr->end) == 0;
 out:
	report("dump_messages", ok, "could not produce every message");
	free(p1.body);
	free(p2.body);
	free(ti);
	mem_deref(rq);
	mem_deref(ri);
	mem_deref(tr);
	mem_deref(mi);
	mem_deref(mr);
	mem_deref(u);
}


/* ---- the focus dials out: keying/ initiator, UA responder ---- */

static const char *alice = "sip:alice@example.org";
static const uint32_t focus_ssrc = 0x11223344;


struct ticket {
	int err;
	struct mikey_init *mi;
};


static void ticket_h(int err, uint8_t merr, struct mikey_init *mi,
		     void *arg)
{
	struct ticket *t = arg;

	(void)merr;
	t->err = err ? err : (mi ? 0 : EINVAL);
	t->mi = t->err ? NULL : mem_ref(mi);
	re_cancel();
}


/* REQUEST at kmsd for responder, then TRANSFER_INIT to peer: audio
 * (two SRTP CSs, the first carrying the focus's SSRC) and one TLS CS,
 * or a single PSK S/MIME CS */
static int focus_offer(struct kmsc *kc, const char *responder,
		       const char *peer, bool smime, struct mikey_init **mip,
		       struct mbuf **tip)
{
	const char *resp[1] = {responder};
	struct mikey_csdesc av[3] = {
		{MIKEY_PROT_SRTP, true, focus_ssrc},
		{MIKEY_PROT_SRTP, false, 0},
		{MIKEY_PROT_TLS_DEFAULT, false, 0},
	};
	struct mikey_csdesc sv[1] = {{MIKEY_PROT_SMIME_DEFAULT, false, 0}};
	struct kmsc_req *q = NULL;
	struct ticket t = {ETIMEDOUT, NULL};
	int err;

	err = kmsc_request(&q, kc, resp, 1, 600, ticket_h, &t);
	if (!err)
		re_main(NULL);
	mem_deref(q);
	if (err || t.err)
		return err ? err : t.err;
	err = mikey_init_transfer(t.mi, peer, smime ? sv : av,
				  smime ? 1 : 3, "mikey", tip);
	if (err) {
		mem_deref(t.mi);
		return err;
	}
	*mip = t.mi;
	return 0;
}


static int ue_make(struct ua_mikey_resp **rp, const char *uid,
		   const uint8_t *psk, size_t pl)
{
	return ua_mikey_resp_alloc(rp, uid, psk, pl, kms_id);
}


static int ue_answer(struct ua_mikey_resp *r, const struct mbuf *ti,
		     uint8_t **tr, size_t *trl)
{
	int err;

	err = ua_mikey_resp_transfer_init(r, "127.0.0.1", port, fp, ti->buf,
					  ti->end, "mikey");
	if (!err)
		err = ua_mikey_resp_transfer_resp(r, tr, trl);
	return err;
}


/* every CS's TEK (and SRTP salt) the same on both sides */
static bool teks_equal(const struct mikey_init *mi,
		       const struct ua_mikey_resp *r, size_t n,
		       const char **why)
{
	size_t i;

	if (mikey_init_tek_count(mi) != n) {
		*why = "TEK count at the focus";
		return false;
	}
	for (i = 0; i < n; i++) {
		const struct mikey_tek *t = mikey_init_tek(mi, i);
		uint8_t k[64], s[32];
		size_t kl = 0, sl = 0;

		if (ua_mikey_resp_tek(r, t->cs_id, k, &kl, s, &sl) ||
		    kl != t->key_len || !kl || memcmp(k, t->key, kl) ||
		    sl != t->salt_len || memcmp(s, t->salt, sl)) {
			*why = "TEKs differ between focus and UA";
			return false;
		}
	}
	return true;
}


static void test_dialout(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL;
	struct mbuf *ti = NULL;
	uint8_t *tr = NULL, merr = 0xff;
	size_t trl = 0;
	const char *why = "focus REQUEST/TRANSFER_INIT";
	bool ok = false;
	int err;

	err = focus_offer(kc, alice, alice, false, &mi, &ti);
	if (err)
		goto out;
	why = "UA responder";
	err = ue_make(&r, alice, psk_a, psk_al);
	if (!err)
		err = ua_mikey_resp_transfer_init(r, "127.0.0.1", port, fp,
						  ti->buf, ti->end, "mikey");
	if (err) {
		printf("  UA responder: %s (KMS error %d)\n", strerror(err),
		       ua_mikey_resp_kms_error(r));
		goto out;
	}
	why = "UA: initiator identity";
	if (!ua_mikey_resp_peer_id(r) ||
	    strcmp(ua_mikey_resp_peer_id(r), focus_id))
		goto out;
	why = "UA TRANSFER_RESP";
	if (ua_mikey_resp_set_ssrc(r, 2, 0x55667788) ||
	    ua_mikey_resp_transfer_resp(r, &tr, &trl))
		goto out;
	why = "focus refused TRANSFER_RESP";
	err = mikey_init_transfer_resp(mi, tr, trl, &merr);
	if (err) {
		printf("  focus: %s (MIKEY error %u)\n", strerror(err), merr);
		goto out;
	}
	if (!teks_equal(mi, r, 3, &why))
		goto out;
	why = "SSRCs in the CS map";
	if (!mikey_init_tek(mi, 0)->has_ssrc ||
	    mikey_init_tek(mi, 0)->ssrc != focus_ssrc ||
	    !mikey_init_tek(mi, 1)->has_ssrc ||
	    mikey_init_tek(mi, 1)->ssrc != 0x55667788 ||
	    ua_mikey_resp_ssrc(r, 1) != focus_ssrc)
		goto out;
	why = "TEK lengths or distinctness";
	if (mikey_init_tek(mi, 0)->key_len != 16 ||
	    mikey_init_tek(mi, 0)->salt_len != 14 ||
	    mikey_init_tek(mi, 2)->key_len < 16 ||
	    mikey_init_tek(mi, 2)->salt_len != 0 ||
	    !memcmp(mikey_init_tek(mi, 0)->key, mikey_init_tek(mi, 1)->key,
		    16))
		goto out;
	why = "focus: responder identity";
	if (!mikey_init_peer_id(mi) || strcmp(mikey_init_peer_id(mi), alice))
		goto out;
	ok = true;
 out:
	report("dialout_teks_match", ok, why);
	free(tr);
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
}


static void test_dialout_smime(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL;
	struct mbuf *ti = NULL;
	uint8_t *tr = NULL, merr;
	size_t trl = 0;
	const char *why = "exchange";
	bool ok = false;

	if (!focus_offer(kc, alice, alice, true, &mi, &ti) &&
	    !ue_make(&r, alice, psk_a, psk_al) &&
	    !ue_answer(r, ti, &tr, &trl) &&
	    !mikey_init_transfer_resp(mi, tr, trl, &merr) &&
	    teks_equal(mi, r, 1, &why)) {
		ok = mikey_init_tek(mi, 0)->key_len == 16;
		why = "PSK S/MIME KEK is not 16 bytes";
	}
	report("dialout_smime_kek", ok, why);
	free(tr);
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
}


/* the ticket names alice; bob's UA answering it is refused by kmsd */
static void test_dialout_unauthorized(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL;
	struct mbuf *ti = NULL;
	int err = EINVAL;

	if (!focus_offer(kc, alice, alice, false, &mi, &ti) &&
	    !ue_make(&r, "sip:bob@example.org", psk_b, psk_bl))
		err = ua_mikey_resp_transfer_init(r, "127.0.0.1", port, fp,
						  ti->buf, ti->end, "mikey");
	report("dialout_unauthorized_responder", err == ECONNREFUSED &&
	       ua_mikey_resp_kms_error(r) == MIKEY_ERR_AUTH,
	       err ? "not refused with a KMS Auth error" : "resolved");
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
}


static void test_dialout_tampered(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL;
	struct mbuf *ti = NULL;
	uint8_t *tr = NULL, *cp = NULL, merr = 0xff, ss[4];
	size_t trl = 0;
	uint32_t ssrc;
	int e1 = -1, e2 = -1, e3 = -1;
	uint8_t m1 = 0xff;

	if (focus_offer(kc, alice, alice, false, &mi, &ti) ||
	    ue_make(&r, alice, psk_a, psk_al) || ue_answer(r, ti, &tr, &trl)) {
		report("dialout_tampered_resp", false, "setup");
		goto out;
	}
	cp = malloc(trl);

	/* the UA's SSRC in the CS map, changed on the way */
	ssrc = ua_mikey_resp_ssrc(r, 2);
	ss[0] = ssrc >> 24; ss[1] = ssrc >> 16; ss[2] = ssrc >> 8; ss[3] = ssrc;
	memcpy(cp, tr, trl);
	{
		uint8_t *p = memmem(cp, trl, ss, 4);

		if (p)
			p[3] ^= 0x01;
		e1 = p ? mikey_init_transfer_resp(mi, cp, trl, &m1) : -1;
	}
	/* the MAC itself */
	memcpy(cp, tr, trl);
	cp[trl - 1] ^= 0x80;
	e2 = mikey_init_transfer_resp(mi, cp, trl, &merr);
	/* and the genuine one still goes through */
	e3 = mikey_init_transfer_resp(mi, tr, trl, &merr);

	report("dialout_tampered_resp", e1 == EACCES && m1 == MIKEY_ERR_AUTH &&
	       e2 == EACCES, "tampered TRANSFER_RESP accepted");
	report("dialout_genuine_resp_after_tamper", e3 == 0 &&
	       mikey_init_tek_count(mi) == 3, "genuine one refused");
 out:
	free(cp);
	free(tr);
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
}


/* TRANSFER_INIT changed on the way: the UA checks it with MPKi */
static void test_dialout_tampered_ti(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL;
	struct mbuf *ti = NULL;
	uint8_t *p;
	int err = -1;

	if (!focus_offer(kc, alice, alice, false, &mi, &ti) &&
	    !ue_make(&r, alice, psk_a, psk_al)) {
		/* the focus's IDRi: outside the ticket, inside the MAC */
		p = memmem(ti->buf, ti->end, focus_id, strlen(focus_id));
		if (p) {
			p[strlen(focus_id) - 1] ^= 0x01;
			err = ua_mikey_resp_transfer_init(r, "127.0.0.1",
							  port, fp, ti->buf,
							  ti->end, "mikey");
		}
	}
	report("dialout_tampered_ti", err == EACCES,
	       "tampered TRANSFER_INIT accepted by the UA");
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
}


static void test_dialout_replay(struct kmsc *kc)
{
	struct mikey_init *mi = NULL;
	struct ua_mikey_resp *r = NULL, *r2 = NULL;
	struct mbuf *ti = NULL;
	uint8_t *tr = NULL, *em = NULL, merr = 0xff;
	size_t trl = 0, eml = 0;
	int err = -1, fe = -1, e2 = -1;

	if (focus_offer(kc, alice, alice, false, &mi, &ti) ||
	    ue_make(&r, alice, psk_a, psk_al) || ue_answer(r, ti, &tr, &trl)) {
		report("dialout_replay", false, "setup");
		goto out;
	}
	err = ua_mikey_resp_transfer_init(r, "127.0.0.1", port, fp, ti->buf,
					  ti->end, "mikey");
	/* the UA tells the focus why (RFC 6043 5.4) */
	if (err == EALREADY && !ua_mikey_resp_error(r, &em, &eml))
		fe = mikey_init_transfer_resp(mi, em, eml, &merr);
	report("dialout_replay", err == EALREADY,
	       "replayed TRANSFER_INIT accepted");
	report("dialout_replay_error_to_focus", fe == ECONNREFUSED &&
	       merr == MIKEY_ERR_TS, "focus did not read the Error");

	/* the refusal is the UA's own cache: another UE takes it */
	if (!ue_make(&r2, alice, psk_a, psk_al))
		e2 = ua_mikey_resp_transfer_init(r2, "127.0.0.1", port, fp,
						 ti->buf, ti->end, "mikey");
	report("dialout_replay_cache_is_per_ue", e2 == 0,
	       "a fresh UE refused it too");
 out:
	free(tr);
	free(em);
	mem_deref(ti);
	mem_deref(mi);
	mem_deref(r);
	mem_deref(r2);
}


/* both roles played by the test UA: its initiator, its responder */
static void test_ua_to_ua(void)
{
	struct ua_mikey *u = NULL;
	struct ua_mikey_resp *r = NULL;
	uint8_t *ti = NULL, *tr = NULL;
	size_t tl = 0, trl = 0, i;
	const char *why = "exchange";
	bool ok = false;
	int err;

	err = ua_mikey_alloc(&u, "sip:bob@example.org", psk_b, psk_bl,
			     kms_id);
	if (!err)
		err = ua_mikey_ticket(u, "127.0.0.1", port, fp, alice);
	if (!err)
		err = ua_mikey_transfer_init(u, alice, 2, 1, 241, &ti, &tl);
	if (!err)
		err = ue_make(&r, alice, psk_a, psk_al);
	if (!err)
		err = ua_mikey_resp_transfer_init(r, "127.0.0.1", port, fp,
						  ti, tl, "mikey");
	if (!err)
		err = ua_mikey_resp_transfer_resp(r, &tr, &trl);
	if (!err)
		err = ua_mikey_transfer_resp(u, tr, trl);
	if (err)
		goto out;
	why = "TEKs differ";
	for (i = 1; i <= 3; i++) {
		uint8_t k1[64], k2[64], s1[32], s2[32];
		size_t kl1, kl2, sl1, sl2;

		if (ua_mikey_tek(u, (uint8_t)i, k1, &kl1, s1, &sl1) ||
		    ua_mikey_resp_tek(r, (uint8_t)i, k2, &kl2, s2, &sl2) ||
		    kl1 != kl2 || memcmp(k1, k2, kl1) || sl1 != sl2 ||
		    memcmp(s1, s2, sl1))
			goto out;
	}
	why = "identity";
	ok = ua_mikey_resp_peer_id(r) &&
		!strcmp(ua_mikey_resp_peer_id(r), "sip:bob@example.org");
 out:
	report("ua_initiator_to_ua_responder", ok, why);
	free(ti);
	free(tr);
	mem_deref(u);
	mem_deref(r);
}


/* The focus dials out in each suite, whatever the other's config:
 * TRANSFER_INIT in its own suite, the UA answers in it, the focus
 * (strict) accepts it and both hold the same TEKs. */
static void test_dialout_suites(void)
{
	uint8_t prf, keep = focus_prf;

	for (prf = MIKEY_PRF_MIKEY1; prf <= MIKEY_PRF_HMAC_SHA256; prf++) {
		struct kmsc *kc = NULL;
		struct mikey_init *mi = NULL;
		struct ua_mikey_resp *r = NULL;
		struct mbuf *ti = NULL;
		uint8_t *tr = NULL, merr = 0xff;
		size_t trl = 0;
		const char *why = "focus REQUEST/TRANSFER_INIT";
		bool ok = false;

		focus_prf = prf;
		if (kmsc_make(&kc, port, fp_str, 3000) ||
		    focus_offer(kc, alice, alice, false, &mi, &ti))
			goto out;
		why = "TRANSFER_INIT not in the focus's suite";
		if (!in_suite(ti->buf, ti->end, prf))
			goto out;
		why = "UA responder";
		if (ue_make(&r, alice, psk_a, psk_al) ||
		    ue_answer(r, ti, &tr, &trl))
			goto out;
		why = "UA's TRANSFER_RESP not in the suite";
		if (!in_suite(tr, trl, prf))
			goto out;
		why = "focus refused TRANSFER_RESP";
		if (mikey_init_transfer_resp(mi, tr, trl, &merr))
			goto out;
		if (!teks_equal(mi, r, 3, &why))
			goto out;
		why = "TLS TEK length";
		if (mikey_init_tek(mi, 2)->key_len != mikey_suite(prf)->key_len)
			goto out;
		ok = true;
	out:
		report(prf ? "dialout_suite_256" : "dialout_suite_128", ok,
		       why);
		free(tr);
		mem_deref(ti);
		mem_deref(mi);
		mem_deref(r);
		mem_deref(kc);
	}
	focus_prf = keep;
}


static void roles(struct kmsc *kc)
{
	test_dialout(kc);
	test_dialout_smime(kc);
	test_dialout_unauthorized(kc);
	test_dialout_tampered(kc);
	test_dialout_tampered_ti(kc);
	test_dialout_replay(kc);
	test_ua_to_ua();
	test_dialout_suites();
}


int main(int argc, char *argv[])
{
	struct kmsc *kc = NULL;
	int err;

	if (argc < 6) {
		fprintf(stderr, "usage: mikey_e2e PORT FP ALICE BOB FOCUS "
			"[bench N | roles]\n");
		return 2;
	}
	port = (uint16_t)atoi(argv[1]);
	fp_str = argv[2];
	for (size_t i = 0, j = 0; argv[2][j] && i < 32; i++, j += 3)
		fp[i] = (uint8_t)strtoul((char[3]){argv[2][j],
					 argv[2][j + 1], 0}, NULL, 16);
	psk_al = unhex(psk_a, sizeof(psk_a), argv[3]);
	psk_bl = unhex(psk_b, sizeof(psk_b), argv[4]);
	psk_fl = unhex(psk_f, sizeof(psk_f), argv[5]);
	if (getenv("MIKEY_E2E_PRF") && mikey_suite((uint8_t)atoi(
		    getenv("MIKEY_E2E_PRF"))))
		focus_prf = (uint8_t)atoi(getenv("MIKEY_E2E_PRF"));

	err = libre_init();
	if (!err)
		err = mikey_replay_alloc(&rc, 300, 100000);
	if (!err)
		err = kmsc_make(&kc, port, fp_str, 3000);
	if (err) {
		printf("FAIL mikey_e2e.setup: %s\n", strerror(err));
		return 1;
	}

	if (argc == 8 && !strcmp(argv[6], "bench")) {
		bench(kc, (unsigned)atoi(argv[7]));
	}
	else if (argc == 7 && !strcmp(argv[6], "roles")) {
		roles(kc);
	}
	else {
		test_teks(kc);
		test_distinct(kc);
		test_unauthorized(kc);
		test_tamper_replay(kc);
		test_request(kc);
		test_bad_fingerprint();
		test_kms_down();
		test_suites(kc);
		dump_all(kc);
	}

	mem_deref(kc);
	mem_deref(rc);
	libre_close();
	return failed ? 1 : 0;
}

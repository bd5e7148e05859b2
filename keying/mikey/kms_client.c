/**
 * @file kms_client.c  KMS client: one HTTPS POST per MIKEY exchange
 *
 * A small HTTP/1.1 client on libre's tcp + tls rather than libre's
 * http client, because we must authenticate the KMS (CA or pinned
 * fingerprint) before sending, bound the response size and own the
 * timeout.  One connection per request ("Connection: close").
 */
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"

#define DEBUG_MODULE "kmsc"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	TIMEOUT_DEFAULT = 3000,
	RESP_MAX = 65536,
};


struct kmsc {
	struct kmsc_cfg cfg;
	char *uid;
	char *kms_id;
	uint8_t *psk;
	struct sa addr;
	char *host;
	char *path;
	struct tls *tls;
	uint8_t fp[32];
	bool has_fp;
	bool has_ca;
};

struct kmsc_req {
	struct kmsc *kc;
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct tmr tmr;
	struct mbuf *out;
	struct mbuf *in;
	kmsc_post_h *posth;
	void *parg;
	/* resolve / request */
	struct mikey_resp *mr;
	struct mikey_init *mi;
	kmsc_resolve_h *resolveh;
	kmsc_request_h *requesth;
	void *arg;
	uint64_t start_us;
	bool done;
};


static uint64_t now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void kmsc_destructor(void *arg)
{
	struct kmsc *kc = arg;

	mem_deref(kc->uid);
	mem_deref(kc->kms_id);
	if (kc->psk)
		OPENSSL_cleanse(kc->psk, kc->cfg.psk_len);
	mem_deref(kc->psk);
	mem_deref(kc->host);
	mem_deref(kc->path);
	mem_deref(kc->tls);
	mem_deref(kc->cfg.rc);
}


static int parse_fp(uint8_t *fp, const char *s)
{
	size_t i;

	/* "AB:CD:..." (32 bytes), optionally prefixed "sha-256 " */
	if (!strncasecmp(s, "sha-256 ", 8))
		s += 8;
	for (i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(s, "%2x", &v) != 1)
			return EINVAL;
		fp[i] = (uint8_t)v;
		s += 2;
		if (i < 31) {
			if (*s != ':')
				return EINVAL;
			++s;
		}
	}
	return *s ? EINVAL : 0;
}


int kmsc_alloc(struct kmsc **kcp, const struct kmsc_cfg *cfg)
{
	struct pl host, port, path;
	struct kmsc *kc;
	SSL_CTX *ctx;
	int err;

	if (!kcp || !cfg || !cfg->url || !str_isset(cfg->uid) || !cfg->psk ||
	    !cfg->psk_len)
		return EINVAL;
	if (!cfg->ca && !cfg->fingerprint)
		return EINVAL;       /* the KMS must be authenticated */

	if (re_regex(cfg->url, strlen(cfg->url),
		     "https://[0-9.]+:[0-9]+[^]*", &host, &port, &path))
		return EINVAL;

	kc = mem_zalloc(sizeof(*kc), kmsc_destructor);
	if (!kc)
		return ENOMEM;

	kc->cfg = *cfg;
	kc->cfg.rc = mem_ref(cfg->rc);
	if (!kc->cfg.timeout_ms)
		kc->cfg.timeout_ms = TIMEOUT_DEFAULT;

	err  = str_dup(&kc->uid, cfg->uid);
	if (cfg->kms_id)
		err |= str_dup(&kc->kms_id, cfg->kms_id);
	err |= pl_strdup(&kc->host, &host);
	if (path.l)
		err |= pl_strdup(&kc->path, &path);
	else
		err |= str_dup(&kc->path, "/");
	kc->psk = mem_alloc(cfg->psk_len, NULL);
	if (err || !kc->psk) {
		err = ENOMEM;
		goto out;
	}
	memcpy(kc->psk, cfg->psk, cfg->psk_len);
	kc->cfg.psk = kc->psk;
	kc->cfg.uid = kc->uid;
	kc->cfg.kms_id = kc->kms_id;
	kc->cfg.url = NULL;
	kc->cfg.ca = NULL;
	kc->cfg.fingerprint = NULL;

	err = sa_set(&kc->addr, &host, pl_u32(&port));
	if (err)
		goto out;

	err = tls_alloc(&kc->tls, TLS_METHOD_SSLV23, NULL, NULL);
	if (err)
		goto out;
	ctx = tls_openssl_context(kc->tls);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!eNULL:!PSK:!kRSA")) {
		err = EINVAL;
		goto out;
	}
	if (cfg->ca) {
		err = tls_add_ca(kc->tls, cfg->ca);
		if (err)
			goto out;
		kc->has_ca = true;
	}
	if (cfg->fingerprint) {
		err = parse_fp(kc->fp, cfg->fingerprint);
		if (err)
			goto out;
		kc->has_fp = true;
	}

 out:
	if (err)
		mem_deref(kc);
	else
		*kcp = kc;
	return err;
}


static void req_destructor(void *arg)
{
	struct kmsc_req *q = arg;

	tmr_cancel(&q->tmr);
	mem_deref(q->sc);
	mem_deref(q->tc);
	mem_deref(q->out);
	mem_deref(q->in);
	mem_deref(q->mr);
	mem_deref(q->mi);
	mem_deref(q->kc);
}


/* Ends the POST; q may be freed by the handler, so touch it no more */
static void complete(struct kmsc_req *q, int err, const uint8_t *body,
		     size_t len)
{
	if (q->done)
		return;
	q->done = true;
	tmr_cancel(&q->tmr);
	q->sc = mem_deref(q->sc);
	q->tc = mem_deref(q->tc);
	if (q->kc && q->kc->cfg.observeh)
		q->kc->cfg.observeh(err, now_us() - q->start_us,
				    q->kc->cfg.observe_arg);
	q->posth(err, body, len, q->parg);
}


static void timeout_h(void *arg)
{
	complete(arg, ETIMEDOUT, NULL, 0);
}


static void estab_h(void *arg)
{
	struct kmsc_req *q = arg;
	struct kmsc *kc = q->kc;
	struct mbuf *mb;
	int err;

	/* libre calls this after the TLS handshake: check whom we talk
	 * to before the request leaves */
	if (kc->has_fp) {
		uint8_t md[32];

		err = tls_peer_fingerprint(q->sc, TLS_FINGERPRINT_SHA256, md,
					   sizeof(md));
		if (err || memcmp(md, kc->fp, sizeof(md))) {
			DEBUG_WARNING("KMS certificate fingerprint mismatch\n");
			complete(q, EAUTH, NULL, 0);
			return;
		}
	}
	if (kc->has_ca && tls_peer_verify(q->sc)) {
		DEBUG_WARNING("KMS certificate not trusted\n");
		complete(q, EAUTH, NULL, 0);
		return;
	}

	mb = mbuf_alloc(256 + q->out->end);
	if (!mb) {
		complete(q, ENOMEM, NULL, 0);
		return;
	}
	err = mbuf_printf(mb, "POST %s HTTP/1.1\r\n"
			  "Host: %s\r\n"
			  "Content-Type: application/mikey\r\n"
			  "Content-Length: %zu\r\n"
			  "Connection: close\r\n"
			  "\r\n", kc->path, kc->host, q->out->end);
	err |= mbuf_write_mem(mb, q->out->buf, q->out->end);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(q->tc, mb);
	}
	mem_deref(mb);
	if (err)
		complete(q, err, NULL, 0);
}


static void recv_h(struct mbuf *mb, void *arg)
{
	struct kmsc_req *q = arg;
	struct http_msg *msg = NULL;
	size_t left;
	int err;

	if (q->in->end + mbuf_get_left(mb) > RESP_MAX) {
		complete(q, EMSGSIZE, NULL, 0);
		return;
	}
	q->in->pos = q->in->end;
	err = mbuf_write_mem(q->in, mbuf_buf(mb), mbuf_get_left(mb));
	if (err) {
		complete(q, err, NULL, 0);
		return;
	}

	q->in->pos = 0;
	err = http_msg_decode(&msg, q->in, false);
	if (err == ENODATA)
		return;               /* header not complete yet */
	if (err) {
		complete(q, EPROTO, NULL, 0);
		return;
	}

	left = mbuf_get_left(q->in);
	if (left < msg->clen) {
		mem_deref(msg);
		return;               /* body not complete yet */
	}
	if (msg->scode != 200 ||
	    msg_ctype_cmp(&msg->ctyp, "application", "mikey") == false) {
		DEBUG_WARNING("KMS answered %u %r\n", msg->scode,
			      &msg->reason);
		mem_deref(msg);
		complete(q, EPROTO, NULL, 0);
		return;
	}
	mem_deref(msg);
	complete(q, 0, mbuf_buf(q->in), left);
}


static void close_h(int err, void *arg)
{
	complete(arg, err ? err : ECONNRESET, NULL, 0);
}


static int post_start(struct kmsc_req *q, struct kmsc *kc,
		      const uint8_t *msg, size_t len, kmsc_post_h *posth,
		      void *parg)
{
	int err;

	q->kc = mem_ref(kc);
	q->start_us = now_us();
	q->posth = posth;
	q->parg = parg;
	q->out = mbuf_alloc(len);
	q->in = mbuf_alloc(1024);
	if (!q->out || !q->in)
		return ENOMEM;
	err = mbuf_write_mem(q->out, msg, len);
	if (err)
		return err;

	err = tcp_connect(&q->tc, &kc->addr, estab_h, recv_h, close_h, q);
	if (err)
		return err;
	err = tls_start_tcp(&q->sc, kc->tls, q->tc, 0);
	if (err)
		return err;

	tmr_start(&q->tmr, kc->cfg.timeout_ms, timeout_h, q);
	return 0;
}


static void raw_post_h(int err, const uint8_t *body, size_t len, void *arg)
{
	(void)err; (void)body; (void)len; (void)arg;
}


int kmsc_post(struct kmsc_req **reqp, struct kmsc *kc, const uint8_t *msg,
	      size_t len, kmsc_post_h *posth, void *arg)
{
	struct kmsc_req *q;
	int err;

	if (!reqp || !kc || !msg || !len)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), req_destructor);
	if (!q)
		return ENOMEM;
	tmr_init(&q->tmr);

	err = post_start(q, kc, msg, len, posth ? posth : raw_post_h, arg);
	if (err)
		mem_deref(q);
	else
		*reqp = q;
	return err;
}


static void resolve_post_h(int err, const uint8_t *body, size_t len,
			   void *arg)
{
	struct kmsc_req *q = arg;
	uint8_t merr = MIKEY_ERR_UNSPEC;

	/* The KMS failed: no 200 application/mikey, or too long.
	 * EBADMSG, as for a RESOLVE_RESP that does not verify
	 * (responder.c): the KMS's fault, never the caller's.  (EAUTH, not
	 * the server pinned, stays what it is.) */
	if (err == EPROTO || err == EMSGSIZE)
		err = EBADMSG;
	if (!err)
		err = mikey_resp_resolve_resp(q->mr, body, len, &merr);

	q->resolveh(err, merr, err ? NULL : q->mr, q->arg);
}


int kmsc_resolve(struct kmsc_req **reqp, struct kmsc *kc, const uint8_t *ti,
		 size_t ti_len, const char *sdp_ids, kmsc_resolve_h *resolveh,
		 void *arg, uint8_t *merr)
{
	struct kmsc_req *q;
	struct mbuf *ri = NULL;
	int err;

	if (!reqp || !kc || !ti || !resolveh)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), req_destructor);
	if (!q)
		return ENOMEM;
	tmr_init(&q->tmr);
	q->resolveh = resolveh;
	q->arg = arg;

	/* early reject (RFC 6043 4.2.2.2) before any KMS traffic */
	err = mikey_resp_alloc(&q->mr, &kc->cfg.mikey, kc->uid, kc->psk,
			       kc->cfg.psk_len, kc->kms_id, kc->cfg.rc, ti,
			       ti_len, sdp_ids, merr);
	if (!err)
		err = mikey_resp_resolve_init(q->mr, &ri);
	if (!err)
		err = post_start(q, kc, ri->buf, ri->end, resolve_post_h, q);

	mem_deref(ri);
	if (err)
		mem_deref(q);
	else
		*reqp = q;
	return err;
}


static void request_post_h(int err, const uint8_t *body, size_t len,
			   void *arg)
{
	struct kmsc_req *q = arg;
	uint8_t merr = MIKEY_ERR_UNSPEC;

	if (!err)
		err = mikey_init_request_resp(q->mi, body, len, &merr);

	q->requesth(err, merr, err ? NULL : q->mi, q->arg);
}


int kmsc_request(struct kmsc_req **reqp, struct kmsc *kc,
		 const char *const *responders, size_t n, uint32_t lifetime_s,
		 kmsc_request_h *requesth, void *arg)
{
	struct kmsc_req *q;
	struct mbuf *rq = NULL;
	int err;

	if (!reqp || !kc || !requesth || !kc->kms_id)
		return EINVAL;

	q = mem_zalloc(sizeof(*q), req_destructor);
	if (!q)
		return ENOMEM;
	tmr_init(&q->tmr);
	q->requesth = requesth;
	q->arg = arg;

	err = mikey_init_alloc(&q->mi, &kc->cfg.mikey, kc->uid, kc->psk,
			       kc->cfg.psk_len, kc->kms_id);
	if (!err)
		err = mikey_init_request(q->mi, responders, n, lifetime_s,
					 &rq);
	if (!err)
		err = post_start(q, kc, rq->buf, rq->end, request_post_h, q);

	mem_deref(rq);
	if (err)
		mem_deref(q);
	else
		*reqp = q;
	return err;
}

/**
 * @file kms_srv.c  A small HTTPS/1.1 server for kmsd
 *
 * Only what the KMS protocol needs: POST of an application/mikey body
 * to /mikey, answered 200 with application/mikey (MIKEY Error messages
 * included, DESIGN.md).  Requests are bounded (headers and body 64 KiB)
 * and a connection idle for 10 s is dropped, so one slow or broken
 * client cannot hold memory.  Keep-alive is honoured.
 */
#include <string.h>
#include <re.h>
#include "kms/kms_srv.h"

#define DEBUG_MODULE "kms_srv"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	REQ_MAX = 65536,
	IDLE_MS = 10000,
};

struct kms_srv {
	struct tcp_sock *ts;
	struct tls *tls;
	struct list conns;
	kms_srv_h *h;
	void *arg;
};

struct conn {
	struct le le;
	struct kms_srv *srv;
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct mbuf *in;
	struct tmr tmr;
};


static void conn_destructor(void *arg)
{
	struct conn *c = arg;

	list_unlink(&c->le);
	tmr_cancel(&c->tmr);
	mem_deref(c->sc);
	mem_deref(c->tc);
	mem_deref(c->in);
}


static void srv_destructor(void *arg)
{
	struct kms_srv *srv = arg;

	list_flush(&srv->conns);
	mem_deref(srv->ts);
	mem_deref(srv->tls);
}


static void idle_h(void *arg)
{
	mem_deref(arg);
}


static int reply(struct conn *c, uint16_t scode, const char *reason,
		 const char *ctype, const uint8_t *body, size_t len,
		 bool close)
{
	struct mbuf *mb = mbuf_alloc(128 + len);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "HTTP/1.1 %u %s\r\n"
			  "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n"
			  "%s"
			  "\r\n", scode, reason, ctype, len,
			  close ? "Connection: close\r\n" : "");
	if (len)
		err |= mbuf_write_mem(mb, body, len);
	if (!err) {
		mb->pos = 0;
		err = tcp_send(c->tc, mb);
	}
	mem_deref(mb);
	return err;
}


/* One complete request at c->in; false when the connection is gone */
static bool handle(struct conn *c, const struct http_msg *msg,
		   const uint8_t *body, size_t len)
{
	struct mbuf *resp = NULL;
	bool close;
	int err;

	close = http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION, "close") ||
		!pl_strcmp(&msg->ver, "1.0");

	if (pl_strcmp(&msg->path, "/mikey")) {
		err = reply(c, 404, "Not Found", "text/plain", NULL, 0, close);
	}
	else if (pl_strcmp(&msg->met, "POST")) {
		err = reply(c, 405, "Method Not Allowed", "text/plain", NULL,
			    0, close);
	}
	else if (!msg_ctype_cmp(&msg->ctyp, "application", "mikey")) {
		err = reply(c, 415, "Unsupported Media Type", "text/plain",
			    NULL, 0, close);
	}
	else {
		(void)c->srv->h(body, len, &resp, c->srv->arg);
		if (resp)
			err = reply(c, 200, "OK", "application/mikey",
				    resp->buf, resp->end, close);
		else
			err = reply(c, 500, "Internal Server Error",
				    "text/plain", NULL, 0, true);
		mem_deref(resp);
	}

	if (err || close) {
		mem_deref(c);
		return false;
	}
	return true;
}


static void recv_h(struct mbuf *mb, void *arg)
{
	struct conn *c = arg;

	if (c->in->end + mbuf_get_left(mb) > REQ_MAX) {
		(void)reply(c, 413, "Payload Too Large", "text/plain", NULL, 0,
			    true);
		mem_deref(c);
		return;
	}
	c->in->pos = c->in->end;
	if (mbuf_write_mem(c->in, mbuf_buf(mb), mbuf_get_left(mb))) {
		mem_deref(c);
		return;
	}
	tmr_start(&c->tmr, IDLE_MS, idle_h, c);

	for (;;) {
		struct http_msg *msg = NULL;
		size_t left, used;
		bool alive;
		int err;

		c->in->pos = 0;
		err = http_msg_decode(&msg, c->in, true);
		if (err == ENODATA)
			return;
		if (err) {
			(void)reply(c, 400, "Bad Request", "text/plain", NULL,
				    0, true);
			mem_deref(c);
			return;
		}
		left = mbuf_get_left(c->in);
		if (left < msg->clen) {
			mem_deref(msg);
			return;
		}
		used = c->in->pos + msg->clen;

		alive = handle(c, msg, mbuf_buf(c->in), msg->clen);
		mem_deref(msg);
		if (!alive)
			return;

		/* keep what follows (a pipelined request) */
		if (used < c->in->end) {
			memmove(c->in->buf, c->in->buf + used,
				c->in->end - used);
			c->in->end -= used;
		}
		else {
			mbuf_rewind(c->in);
			return;
		}
	}
}


static void close_h(int err, void *arg)
{
	(void)err;
	mem_deref(arg);
}


static void connect_h(const struct sa *peer, void *arg)
{
	struct kms_srv *srv = arg;
	struct conn *c;
	int err;

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c) {
		tcp_reject(srv->ts);
		return;
	}
	c->srv = srv;
	tmr_init(&c->tmr);
	c->in = mbuf_alloc(1024);
	err = c->in ? 0 : ENOMEM;
	if (!err)
		err = tcp_accept(&c->tc, srv->ts, NULL, recv_h, close_h, c);
	if (!err)
		err = tls_start_tcp(&c->sc, srv->tls, c->tc, 0);
	if (err) {
		DEBUG_WARNING("accept %J: %m\n", peer, err);
		if (!c->tc)
			tcp_reject(srv->ts);
		mem_deref(c);
		return;
	}
	list_append(&srv->conns, &c->le, c);
	tmr_start(&c->tmr, IDLE_MS, idle_h, c);
}


int kms_srv_alloc(struct kms_srv **srvp, const struct sa *laddr,
		  struct tls *tls, kms_srv_h *h, void *arg)
{
	struct kms_srv *srv;
	int err;

	if (!srvp || !laddr || !tls || !h)
		return EINVAL;

	srv = mem_zalloc(sizeof(*srv), srv_destructor);
	if (!srv)
		return ENOMEM;
	srv->tls = mem_ref(tls);
	srv->h = h;
	srv->arg = arg;

	err = tcp_listen(&srv->ts, laddr, connect_h, srv);
	if (err)
		mem_deref(srv);
	else
		*srvp = srv;
	return err;
}


int kms_srv_laddr(const struct kms_srv *srv, struct sa *sa)
{
	return srv ? tcp_sock_local_get(srv->ts, sa) : EINVAL;
}

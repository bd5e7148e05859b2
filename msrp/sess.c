/**
 * @file sess.c  MSRP endpoint logic: binding, responses, REPORTs,
 * the bounded content queue.  No sockets here (see net.c).
 */
#include <string.h>
#include <openssl/rand.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "msrp/sess_int.h"


#define DEBUG_MODULE "msrp"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


struct frame {
	struct le le;
	char msgid[MSRP_TID_MAX + 1];
	char ctype[64];
	uint64_t start, total;
	struct mbuf *body;
	size_t boff, len;
	size_t cost;
	char flag;
};

struct msrp_sess {
	char *uri;
	char *peer_path;
	size_t qmax;
	size_t queued;
	struct list q;
	struct list conns;         /* every msrp_conn pointing at us */
	struct msrp_conn *conn;    /* the bound one */
	bool failed;
	bool overflowed;
	bool high;                 /* above half the bound; drainh later */
	struct msrp_sess_handlers h;
	struct msrp_sess_stats st;
};

struct msrp_conn {
	struct le le;
	struct msrp_sess *sess;
	struct msrp_parser *parser;
	struct msrp_transport t;
	bool closed;
	bool wanting;
	bool addressed;           /* a request named our URI (To-Path) */
	/* the request being read */
	uint16_t status;
	bool upper;               /* the upper layer is in this chunk */
	bool is_send;
	uint64_t clen;
};


static const char *reason(uint16_t code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Stop Sending";
	case 415: return "Unsupported Media Type";
	case 481: return "No Such Session";
	case 501: return "Not Implemented";
	case 506: return "Session Already Bound";
	default:  return "Error";
	}
}


void msrp_rand_ident(char *buf, size_t n)
{
	static const char abc[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint8_t r[MSRP_TID_MAX];
	size_t i;

	if (n < 4)
		n = 4;
	if (n > MSRP_TID_MAX)
		n = MSRP_TID_MAX;

	if (RAND_bytes(r, (int)n) != 1)
		rand_bytes(r, n);
	for (i = 0; i < n; i++)
		buf[i] = abc[r[i] % 62];
	buf[n] = '\0';
}


static void frame_destructor(void *arg)
{
	struct frame *f = arg;

	list_unlink(&f->le);
	mem_deref(f->body);
}


static void sess_destructor(void *arg)
{
	struct msrp_sess *s = arg;
	struct le *le;

	for (le = s->conns.head; le; le = le->next) {
		struct msrp_conn *c = le->data;
		c->sess = NULL;
	}
	list_clear(&s->conns);
	list_flush(&s->q);
	mem_deref(s->uri);
	mem_deref(s->peer_path);
}


int msrp_sess_alloc(struct msrp_sess **sp, const char *uri,
		    const char *peer_path, size_t qmax,
		    const struct msrp_sess_handlers *h)
{
	struct msrp_sess *s;
	struct pl pl;
	struct msrp_uri u;
	int err;

	if (!sp || !uri || !h)
		return EINVAL;

	pl_set_str(&pl, uri);
	if (msrp_uri_decode(&u, &pl))
		return EINVAL;

	s = mem_zalloc(sizeof(*s), sess_destructor);
	if (!s)
		return ENOMEM;

	s->qmax = qmax;
	s->h = *h;
	err = str_dup(&s->uri, uri);
	if (!err && peer_path)
		err = str_dup(&s->peer_path, peer_path);

	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}


bool msrp_sess_bound(const struct msrp_sess *s)
{
	return s && s->conn;
}


void msrp_sess_stats(const struct msrp_sess *s, struct msrp_sess_stats *st)
{
	if (!s || !st)
		return;
	*st = s->st;
	st->queued = s->queued;
}


struct msrp_conn *msrp_sess_conn(const struct msrp_sess *s)
{
	return s ? s->conn : NULL;
}


bool msrp_sess_high(const struct msrp_sess *s)
{
	return s && s->conn && s->queued > s->qmax / 2;
}


/* Write one complete MSRP frame to a connection's transport. */
static int conn_write(struct msrp_conn *c, struct mbuf *mb)
{
	if (!c || c->closed)
		return ENOTCONN;

	mb->pos = 0;
	if (c->t.txqh && c->t.txqh(c->t.arg) > MSRP_CONN_TXQ_HARD) {
		/* the peer does not read its responses: give up on it */
		c->closed = true;
		if (c->t.closeh)
			c->t.closeh(ENOBUFS, c->t.arg);
		return ENOBUFS;
	}

	return c->t.sendh(mb, c->t.arg);
}


static int respond(struct msrp_conn *c, const struct msrp_hdrs *h,
		   uint16_t code)
{
	struct msrp_sess *s = c->sess;
	struct pl to = PL_INIT;
	struct mbuf *mb;
	int err;

	if (h->from_path.p)
		(void)msrp_path_first(&h->from_path, &to);
	else if (s && s->peer_path) {
		struct pl pp;
		pl_set_str(&pp, s->peer_path);
		(void)msrp_path_first(&pp, &to);
	}
	if (!to.l)
		return EINVAL;     /* nobody to address it to */

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "MSRP %s %u %s\r\n"
			  "To-Path: %r\r\n"
			  "From-Path: %s\r\n"
			  "-------%s$\r\n",
			  h->tid, code, reason(code), &to,
			  s ? s->uri : "msrp://invalid:1/x;tcp", h->tid);
	if (!err)
		err = conn_write(c, mb);
	mem_deref(mb);

	if (!err && s)
		s->st.resp_sent++;
	return err;
}


static int write_report(struct msrp_conn *c, const char *uri,
			const struct pl *to_path, const char *msgid,
			uint64_t start, uint64_t end, uint64_t total,
			uint16_t code, const char *comment)
{
	char tid[13], tot[24];
	struct mbuf *mb;
	int err;

	msrp_rand_ident(tid, 12);
	if (total == MSRP_RANGE_STAR)
		str_ncpy(tot, "*", sizeof(tot));
	else
		re_snprintf(tot, sizeof(tot), "%llu", (unsigned long long)total);

	mb = mbuf_alloc(384);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "MSRP %s REPORT\r\n"
			  "To-Path: %r\r\n"
			  "From-Path: %s\r\n"
			  "Message-ID: %s\r\n"
			  "Byte-Range: %llu-%llu/%s\r\n"
			  "Status: 000 %u %s\r\n"
			  "-------%s$\r\n",
			  tid, to_path, uri, msgid,
			  (unsigned long long)start, (unsigned long long)end,
			  tot, code, comment ? comment : reason(code), tid);
	if (!err)
		err = conn_write(c, mb);
	mem_deref(mb);
	return err;
}


int msrp_sess_report(struct msrp_sess *s, const struct pl *to_path,
		     const char *msgid, uint64_t start, uint64_t end,
		     uint64_t total, uint16_t code, const char *comment)
{
	int err;

	if (!s || !to_path || !msgid)
		return EINVAL;
	if (!s->conn)
		return ENOTCONN;

	err = write_report(s->conn, s->uri, to_path, msgid, start, end,
			   total, code, comment);
	if (!err)
		s->st.reports_sent++;
	return err;
}


static int write_frame(struct msrp_conn *c, const struct msrp_sess *s,
		       const struct frame *f)
{
	char tid[13], tot[24], end[24];
	struct mbuf *mb;
	int err;

	msrp_rand_ident(tid, 12);
	if (f->total == MSRP_RANGE_STAR)
		str_ncpy(tot, "*", sizeof(tot));
	else
		re_snprintf(tot, sizeof(tot), "%llu",
			    (unsigned long long)f->total);
	if (f->len)
		re_snprintf(end, sizeof(end), "%llu",
			    (unsigned long long)(f->start + f->len - 1));
	else
		str_ncpy(end, "*", sizeof(end));

	mb = mbuf_alloc(512 + f->len);
	if (!mb)
		return ENOMEM;

	/* relayed chunks ask for no responses and no reports: the relay
	 * is the sender's final recipient (RFC 7701 s.6.3) */
	err = mbuf_printf(mb, "MSRP %s SEND\r\n"
			  "To-Path: %s\r\n"
			  "From-Path: %s\r\n"
			  "Message-ID: %s\r\n"
			  "Byte-Range: %llu-%s/%s\r\n"
			  "Success-Report: no\r\n"
			  "Failure-Report: no\r\n",
			  tid, s->peer_path, s->uri, f->msgid,
			  (unsigned long long)f->start, end, tot);
	if (!err && f->len) {
		err = mbuf_printf(mb, "Content-Type: %s\r\n\r\n", f->ctype);
		err |= mbuf_write_mem(mb, f->body->buf + f->boff, f->len);
		err |= mbuf_write_str(mb, "\r\n");
	}
	if (!err)
		err = mbuf_printf(mb, "-------%s%c\r\n", tid, f->flag);

	if (!err)
		err = conn_write(c, mb);
	mem_deref(mb);
	return err;
}


static void pump(struct msrp_sess *s)
{
	struct msrp_conn *c = s->conn;

	if (!c || c->closed)
		return;

	while (s->q.head) {
		struct frame *f = s->q.head->data;

		if (c->t.txqh && c->t.txqh(c->t.arg) >= MSRP_CONN_TXQ_LOW)
			break;

		if (write_frame(c, s, f)) {
			DEBUG_INFO("%s: write failed\n", s->uri);
			break;
		}
		s->st.tx_chunks++;
		s->st.tx_bytes += f->len;
		s->queued -= f->cost;
		mem_deref(f);
		if (c->closed)
			return;
	}

	if (c->t.wanth && c->wanting != !!s->q.head) {
		c->wanting = !!s->q.head;
		c->t.wanth(c->wanting, c->t.arg);
	}

	if ((s->overflowed || s->high) && s->queued <= s->qmax / 4) {
		s->overflowed = false;
		s->high = false;
		if (s->h.drainh)
			s->h.drainh(s, s->h.arg);
	}
}


int msrp_sess_send(struct msrp_sess *s, const char *msgid, uint64_t start,
		   struct mbuf *body, size_t boff, size_t len,
		   uint64_t total, char flag, const char *ctype)
{
	struct frame *f;
	size_t cost = 256 + len;

	if (!s || !msgid || (len && (!body || !ctype)))
		return EINVAL;
	if (!s->peer_path || s->failed)
		return ENOTCONN;

	if (s->queued + cost > s->qmax) {
		s->overflowed = true;
		s->st.queue_overflows++;
		return ENOSPC;
	}

	f = mem_zalloc(sizeof(*f), frame_destructor);
	if (!f)
		return ENOMEM;

	str_ncpy(f->msgid, msgid, sizeof(f->msgid));
	if (ctype)
		str_ncpy(f->ctype, ctype, sizeof(f->ctype));
	f->start = start;
	f->total = total;
	f->body = mem_ref(body);
	f->boff = boff;
	f->len = len;
	f->flag = flag;
	f->cost = cost;

	list_append(&s->q, &f->le, f);
	s->queued += cost;
	if (s->queued > s->qmax / 2)
		s->high = true;
	if (s->queued > s->st.queued_peak)
		s->st.queued_peak = s->queued;

	pump(s);
	return 0;
}


/* --- incoming --- */


static bool to_us(const struct msrp_sess *s, const struct msrp_hdrs *h)
{
	struct pl last, ours;

	if (!s || msrp_path_last(&h->to_path, &last))
		return false;
	pl_set_str(&ours, s->uri);
	return msrp_uri_equal(&last, &ours);
}


static void bind_conn(struct msrp_sess *s, struct msrp_conn *c,
		      const struct pl *from_path)
{
	s->conn = c;
	if (!s->peer_path && from_path)
		(void)pl_strdup(&s->peer_path, from_path);
}


static void hdr_handler(const struct msrp_hdrs *h, void *arg)
{
	struct msrp_conn *c = arg;
	struct msrp_sess *s = c->sess;
	bool ours;

	c->status = 0;
	c->upper = false;
	c->is_send = false;
	c->clen = 0;

	if (c->closed || h->kind == MSRP_RESPONSE)
		return;   /* our relayed SENDs ask for none; ignore */

	ours = s && !s->failed && to_us(s, h);
	/* the session-id in our URI is known only from the SDP: a request
	 * naming it authenticates a plain TCP connection (net.c) */
	if (ours)
		c->addressed = true;

	if (!ours) {
		c->status = 481;
	}
	else if (h->method == MSRP_REPORT) {
		if (s->conn == c && s->h.reporth)
			s->h.reporth(s, h, s->h.arg);
		return;
	}
	else if (s->conn && s->conn != c) {
		c->status = 506;
	}
	else if (h->method != MSRP_SEND) {
		c->status = 501;
	}
	else {
		if (!s->conn)
			bind_conn(s, c, &h->from_path);
		c->status = s->h.sendh ? s->h.sendh(s, h, s->h.arg) : 0;
		c->upper = (c->status == 0);
		s->st.rx_chunks++;
	}

	c->is_send = true;   /* a request that gets a response */
}


static void body_handler(const struct msrp_hdrs *h, const uint8_t *p,
			 size_t n, void *arg)
{
	struct msrp_conn *c = arg;
	struct msrp_sess *s = c->sess;

	c->clen += n;
	if (!c->upper || c->closed || !s)
		return;

	s->st.rx_bytes += n;
	if (s->h.bodyh) {
		c->status = s->h.bodyh(s, h, p, n, s->h.arg);
		if (c->status)
			c->upper = false;   /* the upper layer has let go */
	}
}


static void end_handler(const struct msrp_hdrs *h, char flag, void *arg)
{
	struct msrp_conn *c = arg;
	struct msrp_sess *s = c->sess;
	uint16_t code = c->status;

	if (c->closed || !c->is_send)
		return;

	if (c->upper) {
		c->upper = false;
		code = s->h.endh ? s->h.endh(s, h, flag, s->h.arg) : 200;
	}
	if (!code)
		code = 200;

	/* s.7.2: "no" gets nothing, "partial" only failures */
	if (h->failure_report == MSRP_REP_NO)
		;
	else if (h->failure_report == MSRP_REP_PARTIAL && code == 200)
		;
	else
		(void)respond(c, h, code);

	if (code == 200 && s && h->success_report == MSRP_REP_YES &&
	    c->clen && s->conn == c) {
		uint64_t start = h->range.present ? h->range.start : 1;
		uint64_t end = start + c->clen - 1;
		uint64_t total = h->range.present ? h->range.total :
			MSRP_RANGE_STAR;

		if (total == MSRP_RANGE_STAR && flag == '$')
			total = end;
		char mid[MSRP_TID_MAX + 1];

		/* one success REPORT per chunk, covering what arrived */
		pl_strcpy(&h->msgid, mid, sizeof(mid));
		(void)msrp_sess_report(s, &h->from_path, mid, start, end,
				       total, 200, "OK");
	}
}


static void perr_handler(const struct msrp_hdrs *h, const char *why,
			 void *arg)
{
	struct msrp_conn *c = arg;

	if (c->sess)
		c->sess->st.bad_frames++;
	DEBUG_INFO("%s: bad frame %s: %s\n",
		   c->sess ? c->sess->uri : "-", h->tid, why);

	if (c->closed || h->kind == MSRP_RESPONSE ||
	    h->method == MSRP_REPORT || h->failure_report == MSRP_REP_NO)
		return;

	(void)respond(c, h, 400);
}


static void conn_destructor(void *arg)
{
	struct msrp_conn *c = arg;

	msrp_conn_detach(c, 0);
	mem_deref(c->parser);
}


int msrp_conn_alloc(struct msrp_conn **cp, struct msrp_sess *s,
		    const struct msrp_transport *t)
{
	struct msrp_conn *c;
	int err;

	if (!cp || !s || !t || !t->sendh)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c)
		return ENOMEM;

	c->t = *t;
	c->sess = s;
	list_append(&s->conns, &c->le, c);

	err = msrp_parser_alloc(&c->parser, hdr_handler, body_handler,
				end_handler, perr_handler, c);
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}


void msrp_conn_recv(struct msrp_conn *c, const uint8_t *p, size_t n)
{
	int err;

	if (!c || c->closed)
		return;

	mem_ref(c);
	err = msrp_parser_feed(c->parser, p, n);
	if (err && !c->closed) {
		DEBUG_INFO("%s: unframeable input (%s), closing\n",
			   c->sess ? c->sess->uri : "-",
			   msrp_parser_error(c->parser));
		if (c->sess)
			c->sess->st.bad_frames++;
		c->closed = true;
		if (c->t.closeh)
			c->t.closeh(EPROTO, c->t.arg);
	}
	mem_deref(c);
}


bool msrp_conn_addressed(const struct msrp_conn *c)
{
	return c && c->addressed;
}


void msrp_conn_writable(struct msrp_conn *c)
{
	if (!c || c->closed || !c->sess || c->sess->conn != c)
		return;
	pump(c->sess);
}


void msrp_conn_bind(struct msrp_conn *c)
{
	if (!c || !c->sess || c->sess->conn)
		return;
	bind_conn(c->sess, c, NULL);
	pump(c->sess);
}


void msrp_conn_detach(struct msrp_conn *c, int err)
{
	struct msrp_sess *s;

	if (!c)
		return;

	c->closed = true;
	s = c->sess;
	if (!s)
		return;

	c->sess = NULL;
	list_unlink(&c->le);

	if (c->upper && s->h.aborth) {
		c->upper = false;
		s->h.aborth(s, NULL, s->h.arg);
	}

	if (s->conn == c) {
		/* RFC 4975 s.5.4: the session fails with its connection */
		s->conn = NULL;
		s->failed = true;
		list_flush(&s->q);
		s->queued = 0;
		if (s->h.failh)
			s->h.failh(s, err ? err : ECONNRESET, s->h.arg);
	}
}


int msrp_sess_send_bind(struct msrp_sess *s, struct msrp_conn *c)
{
	char tid[13], mid[13];
	struct mbuf *mb;
	int err;

	if (!s || !c || !s->peer_path)
		return EINVAL;

	msrp_rand_ident(tid, 12);
	msrp_rand_ident(mid, 12);

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;
	err = mbuf_printf(mb, "MSRP %s SEND\r\nTo-Path: %s\r\n"
			  "From-Path: %s\r\nMessage-ID: %s\r\n"
			  "Byte-Range: 1-0/0\r\n-------%s$\r\n",
			  tid, s->peer_path, s->uri, mid, tid);
	if (!err)
		err = conn_write(c, mb);
	mem_deref(mb);
	return err;
}

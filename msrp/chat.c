/**
 * @file chat.c  Conference chat relay over MSRP (RFC 7701 style)
 *
 * confd is the final recipient of every participant's SEND (RFC 7701
 * s.6.3) and the sender of new SENDs to the others.  Per message in
 * flight from a sender it keeps: the CPIM header bytes until the
 * header block is complete (bounded), the recipients chosen then, and
 * one pending "piece" of at most RELAY_PIECE bytes.  A piece goes out
 * as one chunk to every recipient; they all reference the same buffer.
 * The sender's CPIM header block is replaced by ours, whose From is
 * the identity the focus authenticated.
 */
#include <string.h>
#include <re.h>
#include "msrp/msrp.h"
#include "msrp/msrp_parse.h"
#include "msrp/sess_int.h"
#include "msrp/msrp_cpim.h"
#include "msrp/tls_int.h"
#include "msrp/net_int.h"


#define DEBUG_MODULE "msrp_chat"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


/* since start, over every conference (msrp_totals; for metrics) */
static struct msrp_conf_stats totals;


void msrp_totals(struct msrp_conf_stats *st)
{
	if (st)
		*st = totals;
}


enum {
	RELAY_PIECE    = 32 * 1024,   /* largest chunk we send on */
	MSGS_MAX       = 8,           /* messages in flight per sender */
	MSG_TIMEOUT_MS = 120 * 1000,  /* chunk reception timer, s.6.1 */
	QMAX_DEFAULT   = 1024 * 1024,
	STALL_MS       = 1000,        /* a recipient may hold a sender up */
	URI_MAX        = 512,
};
#define MAX_SIZE_DEFAULT (64ULL * 1024 * 1024)


struct msrp_conf {
	char *uri;
	struct list parts;
	size_t qmax;
	uint64_t max_size;
	struct msrp_conf_stats st;
};

struct msrp_part {
	struct le le;
	struct msrp_conf *conf;
	char *identity;
	char *room_alias;            /* the room URI as this one dialled it */
	char *path;
	struct msrp_net *net;
	struct msrp_sess *sess;
	struct list msgs;          /* struct rmsg from this sender */
	struct rmsg *cur;          /* the chunk being read */
	bool congested;
	bool stalled;              /* held a sender up too long */
	bool paused;               /* we stopped reading this sender */
	struct tmr pause_tmr;
	msrp_part_close_h *closeh;
	void *arg;
};

struct dst {
	struct msrp_part *p;       /* NULL once gone */
	char msgid[17];
	uint64_t next;             /* next byte position we send, 1-based */
	bool failed;
};

struct rmsg {
	struct le le;
	struct msrp_part *from;
	char msgid[MSRP_TID_MAX + 1];
	char *from_path;           /* for REPORTs to the sender */
	enum msrp_report fr;
	uint64_t in_next;          /* next byte expected, 1-based */
	uint64_t in_total;
	bool wrap;                 /* text/plain: we add the CPIM wrapper */
	char ctype[128];           /* wrapped content type */
	bool routed;
	struct mbuf *cpim;         /* sender's CPIM header, until complete */
	struct mbuf *piece;
	uint64_t out_total;
	struct dst *dstv;
	size_t dstc;
	struct tmr tmr;
};


static void rmsg_destructor(void *arg)
{
	struct rmsg *m = arg;

	tmr_cancel(&m->tmr);
	list_unlink(&m->le);
	if (m->from && m->from->cur == m)
		m->from->cur = NULL;
	mem_deref(m->from_path);
	mem_deref(m->cpim);
	mem_deref(m->piece);
	mem_deref(m->dstv);
}


static void report_failure(struct rmsg *m, struct dst *d, uint16_t code)
{
	char comment[URI_MAX + 32];
	struct pl to;

	if (!m->from || m->fr == MSRP_REP_NO || !m->from_path)
		return;

	re_snprintf(comment, sizeof(comment), "not delivered to %s",
		    d && d->p ? d->p->identity : "a participant");
	pl_set_str(&to, m->from_path);
	(void)msrp_sess_report(m->from->sess, &to, m->msgid, 1,
			       m->in_next > 1 ? m->in_next - 1 : 1,
			       m->in_total, code, comment);
}


static void dst_fail(struct rmsg *m, struct dst *d, int err)
{
	if (d->failed)
		return;
	d->failed = true;
	if (err == ENOSPC && d->p)
		d->p->congested = true;
	if (m->from)
		m->from->conf->st.deliveries_failed++;
	report_failure(m, d, 408);
}


/* Sender backpressure.  Relaying faster than a recipient reads would
 * only fail that recipient, so while a recipient's queue is above half
 * its bound the sender is not read (TCP then slows it down).  A
 * recipient that does not drain within STALL_MS is "stalled": it no
 * longer holds anyone up, and its queue overflows on its own. */
static bool holds_up(const struct msrp_part *sender)
{
	struct le *le;

	for (le = sender->conf->parts.head; le; le = le->next) {
		const struct msrp_part *o = le->data;

		if (o != sender && !o->stalled && msrp_sess_high(o->sess))
			return true;
	}
	return false;
}


static void resume_sender(struct msrp_part *p)
{
	p->paused = false;
	tmr_cancel(&p->pause_tmr);
	msrp_net_pause(p->net, false);
}


static void pause_expired(void *arg)
{
	struct msrp_part *p = arg;
	struct le *le;

	for (le = p->conf->parts.head; le; le = le->next) {
		struct msrp_part *o = le->data;

		if (o != p && !o->stalled && msrp_sess_high(o->sess)) {
			DEBUG_INFO("%s: stalled\n", o->identity);
			o->stalled = true;
		}
	}
	resume_sender(p);
}


static void check_pause(struct msrp_part *sender)
{
	if (sender->paused || !holds_up(sender))
		return;

	sender->paused = true;
	msrp_net_pause(sender->net, true);
	tmr_start(&sender->pause_tmr, STALL_MS, pause_expired, sender);
}


/* Send the pending piece to every recipient still in the race. */
static void emit(struct rmsg *m, char flag)
{
	struct msrp_conf *conf = m->from->conf;
	size_t len = m->piece ? m->piece->end : 0;
	size_t i;

	if (!len && flag == '+')
		return;

	for (i = 0; i < m->dstc; i++) {
		struct dst *d = &m->dstv[i];
		int err;

		if (d->failed || !d->p)
			continue;

		/* RFC 7701 s.6.4: a congested recipient gets no new
		 * message until its queue has drained */
		if (d->p->congested && d->next == 1) {
			dst_fail(m, d, ENOSPC);
			continue;
		}

		err = msrp_sess_send(d->p->sess, d->msgid, d->next, m->piece,
				     0, len, m->out_total, flag,
				     "message/cpim");
		if (err) {
			dst_fail(m, d, err);
			continue;
		}
		d->next += len;
		conf->st.chunks_out++;
		conf->st.bytes_out += len;
		totals.chunks_out++;
		totals.bytes_out += len;
	}

	/* the recipients' queues hold their references */
	m->piece = mem_deref(m->piece);

	check_pause(m->from);
}


static int piece_write(struct rmsg *m, const uint8_t *p, size_t n)
{
	while (n) {
		size_t k;
		int err;

		if (!m->piece) {
			m->piece = mbuf_alloc(RELAY_PIECE);
			if (!m->piece)
				return ENOMEM;
		}

		k = RELAY_PIECE - m->piece->end;
		if (k > n)
			k = n;
		err = mbuf_write_mem(m->piece, p, k);
		if (err)
			return err;
		p += k;
		n -= k;

		if (m->piece->end >= RELAY_PIECE)
			emit(m, '+');
	}

	return 0;
}


static bool uri_eq(const struct pl *a, const char *b)
{
	return a->l == strlen(b) && !strncasecmp(a->p, b, a->l);
}


static bool receives(const struct msrp_part *p)
{
	/* not yet connected, or its session failed: not in the room */
	return msrp_sess_bound(p->sess);
}


/* The CPIM header is complete: choose recipients, write our header. */
static uint16_t route(struct rmsg *m, const struct msrp_cpim *c,
		      size_t in_hdr_len)
{
	struct msrp_part *from = m->from;
	struct msrp_conf *conf = from->conf;
	const char *to_uri = conf->uri;
	char to_buf[URI_MAX];
	struct mbuf *hdr;
	struct le *le;
	size_t n = 0;
	bool private = false;
	int err;

	if (c) {
		/* RFC 7701 s.6.1-6.3 */
		if (c->n_to > 1 || c->n_from > 1)
			return 403;
		if (c->n_from && !uri_eq(&c->from, from->identity))
			return 403;
		/* the room by its URI, or by the one this sender dialled */
		if (c->n_to && !uri_eq(&c->to, conf->uri) &&
		    !(from->room_alias && uri_eq(&c->to, from->room_alias))) {
			if (c->to.l >= sizeof(to_buf))
				return 404;
			pl_strcpy(&c->to, to_buf, sizeof(to_buf));
			to_uri = to_buf;
			private = true;
		}
	}

	m->dstv = mem_zalloc(list_count(&conf->parts) * sizeof(*m->dstv) + 1,
			     NULL);
	if (!m->dstv)
		return 500;

	for (le = conf->parts.head; le; le = le->next) {
		struct msrp_part *p = le->data;

		if (!receives(p))
			continue;
		if (private ? strcasecmp(p->identity, to_uri) : p == from)
			continue;

		m->dstv[n].p = p;
		m->dstv[n].next = 1;
		msrp_rand_ident(m->dstv[n].msgid, 16);
		++n;
	}
	m->dstc = n;

	if (private && !n)
		return 404;

	hdr = mbuf_alloc(512);
	if (!hdr)
		return 500;
	err = msrp_cpim_encode(hdr, from->identity, to_uri);
	if (!err && m->wrap)
		err = mbuf_printf(hdr, "Content-Type: %s\r\n\r\n", m->ctype);
	if (err) {
		mem_deref(hdr);
		return 500;
	}

	if (m->in_total == MSRP_RANGE_STAR)
		m->out_total = MSRP_RANGE_STAR;
	else
		m->out_total = hdr->end + (m->in_total - in_hdr_len);

	m->routed = true;
	err = piece_write(m, hdr->buf, hdr->end);
	mem_deref(hdr);

	return err ? 500 : 0;
}


static void msg_timeout(void *arg)
{
	struct rmsg *m = arg;

	DEBUG_INFO("%s: message %s timed out\n", m->from->identity,
		   m->msgid);
	if (m->routed)
		emit(m, '#');
	mem_deref(m);
}


static struct rmsg *msg_find(const struct msrp_part *p, const struct pl *id)
{
	struct le *le;

	for (le = p->msgs.head; le; le = le->next) {
		struct rmsg *m = le->data;
		if (!pl_strcmp(id, m->msgid))
			return m;
	}
	return NULL;
}


static bool ctype_is(const struct pl *ct, const char *type)
{
	size_t n = strlen(type);

	return ct->l >= n && !strncasecmp(ct->p, type, n) &&
		(ct->l == n || ct->p[n] == ';' || ct->p[n] == ' ');
}


/* --- session handlers: one participant's incoming SEND chunks --- */


static uint16_t sess_send(struct msrp_sess *s, const struct msrp_hdrs *h,
			  void *arg)
{
	struct msrp_part *p = arg;
	struct msrp_conf *conf = p->conf;
	uint64_t start = h->range.present ? h->range.start : 1;
	struct rmsg *m;

	p->cur = NULL;
	if (!h->body)
		return 0;      /* e.g. the binding SEND: nothing to relay */

	m = msg_find(p, &h->msgid);
	if (m) {
		/* chunks are relayed as they come, so they must come in
		 * order; 413 tells the sender to stop this message */
		if (start != m->in_next) {
			if (m->routed)
				emit(m, '#');
			mem_deref(m);
			conf->st.rejected++;
			return 413;
		}
		tmr_start(&m->tmr, MSG_TIMEOUT_MS, msg_timeout, m);
		p->cur = m;
		return 0;
	}

	if (start != 1) {
		conf->st.rejected++;
		return 413;
	}
	if (!ctype_is(&h->ctype, "message/cpim") &&
	    !ctype_is(&h->ctype, "text/plain")) {
		conf->st.rejected++;
		return 415;
	}
	if (h->range.present && h->range.total != MSRP_RANGE_STAR &&
	    h->range.total > conf->max_size) {
		conf->st.rejected++;
		return 413;
	}
	if (list_count(&p->msgs) >= MSGS_MAX || h->from_path.l > 4 * URI_MAX) {
		conf->st.rejected++;
		return 413;
	}

	m = mem_zalloc(sizeof(*m), rmsg_destructor);
	if (!m)
		return 500;

	m->from = p;
	pl_strcpy(&h->msgid, m->msgid, sizeof(m->msgid));
	m->fr = h->failure_report;
	m->in_next = 1;
	m->in_total = h->range.present ? h->range.total : MSRP_RANGE_STAR;
	m->wrap = !ctype_is(&h->ctype, "message/cpim");
	if (m->wrap && h->ctype.l < sizeof(m->ctype))
		pl_strcpy(&h->ctype, m->ctype, sizeof(m->ctype));
	else if (m->wrap)
		str_ncpy(m->ctype, "text/plain", sizeof(m->ctype));
	if (pl_strdup(&m->from_path, &h->from_path)) {
		mem_deref(m);
		return 500;
	}
	tmr_init(&m->tmr);
	tmr_start(&m->tmr, MSG_TIMEOUT_MS, msg_timeout, m);
	list_append(&p->msgs, &m->le, m);
	conf->st.msgs_in++;
	totals.msgs_in++;
	p->cur = m;

	if (m->wrap) {
		uint16_t code = route(m, NULL, 0);
		if (code) {
			mem_deref(m);
			conf->st.rejected++;
			return code;
		}
	}

	return 0;
}


static uint16_t fail_msg(struct rmsg *m, uint16_t code)
{
	if (m->routed)
		emit(m, '#');
	m->from->conf->st.rejected++;
	mem_deref(m);
	return code;
}


static uint16_t sess_body(struct msrp_sess *s, const struct msrp_hdrs *h,
			  const uint8_t *p, size_t n, void *arg)
{
	struct msrp_part *part = arg;
	struct rmsg *m = part->cur;
	struct msrp_cpim c;
	uint16_t code;
	int err;

	if (!m)
		return 0;

	m->in_next += n;
	if (m->in_next - 1 > part->conf->max_size ||
	    (m->in_total != MSRP_RANGE_STAR && m->in_next - 1 > m->in_total))
		return fail_msg(m, 413);

	if (m->routed)
		return piece_write(m, p, n) ? fail_msg(m, 500) : 0;

	/* gather the sender's CPIM header block, bounded */
	if (!m->cpim) {
		m->cpim = mbuf_alloc(1024);
		if (!m->cpim)
			return fail_msg(m, 500);
	}
	if (m->cpim->end + n > MSRP_CPIM_HDR_MAX + 2) {
		size_t room = MSRP_CPIM_HDR_MAX + 2 - m->cpim->end;
		err = mbuf_write_mem(m->cpim, p, room);
		p += room;
		n -= room;
	}
	else {
		err = mbuf_write_mem(m->cpim, p, n);
		n = 0;
	}
	if (err)
		return fail_msg(m, 500);

	err = msrp_cpim_decode(&c, m->cpim->buf, m->cpim->end);
	if (err == ENODATA && !n)
		return 0;
	if (err)
		return fail_msg(m, 400);

	code = route(m, &c, c.hdr_len);
	if (code)
		return fail_msg(m, code);

	/* what came after the header block, then the rest of this read */
	if (piece_write(m, m->cpim->buf + c.hdr_len,
			m->cpim->end - c.hdr_len) || piece_write(m, p, n))
		return fail_msg(m, 500);
	m->cpim = mem_deref(m->cpim);

	return 0;
}


static uint16_t sess_end(struct msrp_sess *s, const struct msrp_hdrs *h,
			 char flag, void *arg)
{
	struct msrp_part *p = arg;
	struct rmsg *m = p->cur;

	p->cur = NULL;
	if (!m)
		return 200;

	if (!m->routed) {
		if (flag == '+')
			return 200;        /* CPIM header continues */
		mem_deref(m);
		return flag == '#' ? 200 : 400;
	}

	emit(m, flag);
	if (flag != '+')
		mem_deref(m);

	return 200;
}


static void sess_abort(struct msrp_sess *s, const struct msrp_hdrs *h,
		       void *arg)
{
	struct msrp_part *p = arg;
	struct rmsg *m = p->cur;

	p->cur = NULL;
	if (m) {
		if (m->routed)
			emit(m, '#');
		mem_deref(m);
	}
}


static void sess_drain(struct msrp_sess *s, void *arg)
{
	struct msrp_part *p = arg;
	struct le *le;

	p->congested = false;
	p->stalled = false;

	for (le = p->conf->parts.head; le; le = le->next) {
		struct msrp_part *o = le->data;

		if (o->paused && !holds_up(o))
			resume_sender(o);
	}
}


static void sess_fail(struct msrp_sess *s, int err, void *arg)
{
	struct msrp_part *p = arg;

	DEBUG_INFO("%s: MSRP session failed (%m)\n", p->identity, err);
	list_flush(&p->msgs);
	p->cur = NULL;
	if (p->closeh)
		p->closeh(p, err, p->arg);
}


/* --- lifetime --- */


static void conf_destructor(void *arg)
{
	struct msrp_conf *conf = arg;

	list_clear(&conf->parts);   /* the focus owns the parts */
	mem_deref(conf->uri);
}


int msrp_conf_alloc(struct msrp_conf **confp, const struct msrp_conf_prm *prm)
{
	struct msrp_conf *conf;
	int err;

	if (!confp || !prm || !prm->uri || strlen(prm->uri) >= URI_MAX)
		return EINVAL;

	conf = mem_zalloc(sizeof(*conf), conf_destructor);
	if (!conf)
		return ENOMEM;

	conf->qmax = prm->qmax ? prm->qmax : QMAX_DEFAULT;
	conf->max_size = prm->max_size ? prm->max_size : MAX_SIZE_DEFAULT;
	err = str_dup(&conf->uri, prm->uri);
	if (err)
		mem_deref(conf);
	else
		*confp = conf;
	return err;
}


void msrp_conf_stats(const struct msrp_conf *conf, struct msrp_conf_stats *st)
{
	if (conf && st)
		*st = conf->st;
}


static void part_destructor(void *arg)
{
	struct msrp_part *p = arg;
	struct le *le;

	list_unlink(&p->le);
	tmr_cancel(&p->pause_tmr);

	/* messages in flight from others lose this recipient */
	if (p->conf) {
		for (le = p->conf->parts.head; le; le = le->next) {
			struct msrp_part *o = le->data;
			struct le *ml;

			for (ml = o->msgs.head; ml; ml = ml->next) {
				struct rmsg *m = ml->data;
				size_t i;

				for (i = 0; i < m->dstc; i++)
					if (m->dstv[i].p == p)
						m->dstv[i].p = NULL;
			}
		}
	}

	list_flush(&p->msgs);
	p->net = mem_deref(p->net);   /* sockets first: no more callbacks */
	mem_deref(p->sess);
	mem_deref(p->identity);
	mem_deref(p->room_alias);
	mem_deref(p->path);
	mem_deref(p->conf);
}


int msrp_part_alloc(struct msrp_part **partp, struct msrp_conf *conf,
		    const struct msrp_part_prm *prm)
{
	struct msrp_sess_handlers h = {
		.sendh = sess_send, .bodyh = sess_body, .endh = sess_end,
		.aborth = sess_abort, .drainh = sess_drain,
		.failh = sess_fail,
	};
	struct msrp_tls *tls = NULL;
	struct msrp_part *p;
	char sid[21], host[64];
	int err;

	if (!partp || !conf || !prm || !prm->identity || !prm->laddr ||
	    strlen(prm->identity) >= URI_MAX)
		return EINVAL;
	if (prm->active && (!prm->peer || !prm->peer_path))
		return EINVAL;

	p = mem_zalloc(sizeof(*p), part_destructor);
	if (!p)
		return ENOMEM;

	p->conf = mem_ref(conf);
	tmr_init(&p->pause_tmr);
	p->closeh = prm->closeh;
	p->arg = prm->arg;
	err = str_dup(&p->identity, prm->identity);
	if (!err && prm->room_alias && strlen(prm->room_alias) < URI_MAX)
		err = str_dup(&p->room_alias, prm->room_alias);
	if (err)
		goto out;

	if (prm->tls) {
		err = msrp_tls_alloc(&tls, prm->tls);
		if (err)
			goto out;
	}

	err = msrp_net_listen(&p->net, prm->laddr, prm->listenh,
			      prm->listen_arg, tls, prm->guard);
	if (err)
		goto out;

	if (prm->host)
		str_ncpy(host, prm->host, sizeof(host));
	else if (sa_af(prm->laddr) == AF_INET6)
		re_snprintf(host, sizeof(host), "[%j]", prm->laddr);
	else
		re_snprintf(host, sizeof(host), "%j", prm->laddr);

	/* the session-id is the secret part of the URI (s.14.1): 120
	 * bits from the CSPRNG */
	msrp_rand_ident(sid, 20);
	err = re_sdprintf(&p->path, "%s://%s:%u/%s;tcp",
			  prm->tls ? "msrps" : "msrp", host,
			  msrp_net_port(p->net), sid);
	if (err)
		goto out;

	h.arg = p;
	err = msrp_sess_alloc(&p->sess, p->path, prm->peer_path, conf->qmax,
			      &h);
	if (err)
		goto out;

	err = msrp_net_start(p->net, p->sess, prm->active, prm->peer);
	if (err)
		goto out;

	list_append(&conf->parts, &p->le, p);

 out:
	mem_deref(tls);
	if (err)
		mem_deref(p);
	else
		*partp = p;
	return err;
}


const char *msrp_part_path(const struct msrp_part *p)
{
	return p ? p->path : NULL;
}


uint16_t msrp_part_port(const struct msrp_part *p)
{
	return p ? msrp_net_port(p->net) : 0;
}


const char *msrp_part_identity(const struct msrp_part *p)
{
	return p ? p->identity : NULL;
}


void msrp_part_stats(const struct msrp_part *p, struct msrp_part_stats *st)
{
	struct msrp_sess_stats ss;

	if (!p || !st)
		return;

	msrp_sess_stats(p->sess, &ss);
	memset(st, 0, sizeof(*st));
	st->queued = ss.queued;
	st->queued_peak = ss.queued_peak;
	st->rx_chunks = ss.rx_chunks;
	st->tx_chunks = ss.tx_chunks;
	st->tx_bytes = ss.tx_bytes;
	st->bad_frames = ss.bad_frames;
	st->queue_overflows = ss.queue_overflows;
	st->connected = msrp_sess_bound(p->sess);
}


/**
 * @file net.c  TCP/TLS edges of an MSRP session
 *
 * A passive session's listener takes connections only from the
 * participant's addresses, and a connection is pending until it shows
 * it is the participant's: TLS completed with the pinned certificate or
 * the PSK, or, over plain TCP, a first request whose To-Path names this
 * session (its URI's session-id is known only from the SDP).  Pending
 * connections follow keying/tcpguard.h, as BFCP's do (floor/server.c):
 * a few seconds to authenticate, a few per listener (the oldest goes),
 * and none of them counts against MSRP_NET_CONNS_MAX, so idle sockets
 * opened by an outsider never keep the participant out.
 */
#include <string.h>
#include <re.h>
#include "keying/tcpguard.h"
#include "msrp/msrp.h"
#include "msrp/msrp_parse.h"
#include "msrp/sess_int.h"
#include "msrp/tls_int.h"
#include "msrp/net_int.h"


#define DEBUG_MODULE "msrp_net"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


struct msrp_net {
	void *lease;               /* owns ts and its port (msrp_listen_h) */
	struct tcp_sock *ts;
	struct msrp_tls *tls;      /* NULL: plain TCP */
	struct msrp_sess *sess;    /* not owned */
	struct tcpguard *guard;    /* who may connect, pending set */
	struct list conns;
	uint16_t port;
	bool active;
};

struct nconn {
	struct le le;
	struct msrp_net *net;
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct msrp_conn *mc;
	struct tmr tmr;            /* deferred close */
	struct tcpguard_pend *pend;  /* passive, not authenticated yet */
	struct sa peer;
	bool authed;               /* TLS peer checked, or a request to us */
	bool closing;
	bool want;                 /* msrp_conn wants writable events */
	bool paused;
};


static void nconn_destructor(void *arg)
{
	struct nconn *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	mem_deref(c->pend);
	if (c->paused && c->tc)
		fd_close(tcp_conn_fd(c->tc));
	/* msrp_conn first: it may still want to tell the session */
	c->mc = mem_deref(c->mc);
	mem_deref(c->sc);
	mem_deref(c->tc);
}


static void close_tmr(void *arg)
{
	mem_deref(arg);
}


/* Never free a connection from inside its own callbacks. */
static void nconn_close(struct nconn *c, int err)
{
	if (c->closing)
		return;
	c->closing = true;
	c->pend = mem_deref(c->pend);      /* its pending slot is free */
	msrp_conn_detach(c->mc, err);
	tcp_set_send(c->tc, NULL);
	tmr_start(&c->tmr, 0, close_tmr, c);
}


static int t_send(struct mbuf *mb, void *arg)
{
	struct nconn *c = arg;
	int err = tcp_send(c->tc, mb);

	/* what the kernel did not take, libre queues, and queuing puts
	 * its own fd handler back (reading too): the pause ends here */
	if (c->paused && tcp_conn_txqsz(c->tc))
		c->paused = false;
	return err;
}


static size_t t_txq(void *arg)
{
	struct nconn *c = arg;
	return tcp_conn_txqsz(c->tc);
}


static void t_close(int err, void *arg)
{
	nconn_close(arg, err);
}


static void send_h(void *arg)
{
	struct nconn *c = arg;

	msrp_conn_writable(c->mc);
	/* with a send handler set libre polls for writing all the time */
	if (!c->want && !c->closing)
		tcp_set_send(c->tc, NULL);
}


static void t_want(bool want, void *arg)
{
	struct nconn *c = arg;

	c->want = want;
	if (want) {
		/* tcp_set_send() re-registers libre's handler: not paused */
		c->paused = false;
		tcp_set_send(c->tc, send_h);
	}
}


/*
 * Backpressure: while a slow recipient holds up what a sender sends,
 * confd stops reading the sender's socket, so that TCP flow control
 * (a closing receive window) slows the sender down instead of our
 * memory filling up.
 *
 * libre 1.1.0's TCP API has no call that stops reading, and none can be
 * built from it:
 *  - tcp_conn_rxsz_set() only sizes each read; tcp.c's
 *    tcp_recv_handler() recv()s whenever poll reports the socket
 *    readable (a zero size becomes mbuf_alloc()'s default);
 *  - every fd_listen() that tcp.c makes (tcp_accept, tcp_conn_connect,
 *    enqueue, tcp_set_send, after the send queue drains) asks for
 *    FD_READ; nothing public asks for less;
 *  - tcp_set_handlers() with no recv handler, or a tcp_register_helper()
 *    recv helper that claims the data, act after recv(): the bytes
 *    would be dropped or have to be buffered here, the very growth we
 *    avoid; with TLS the tls_conn is such a helper already;
 *  - tcp_conn_fd() gives the descriptor but no way to hand it back
 *    except through one of the calls above.
 * (libre's later releases add no such call either, and v2.2.2 removed
 * tcp_conn_fd().)  So pausing takes the descriptor from under libre:
 * fd_listen(tcp_conn_fd(), FD_EXCEPT, ours) replaces libre's handler in
 * re_main's one-handler-per-fd table, and tcp_set_send(), the one call
 * that re-registers libre's own handler, gives it back.  The rules that
 * keep this sound:
 *  - pause only with libre's send queue empty and no send handler
 *    wanted, since libre must poll to write (pause_conn);
 *  - libre takes the socket back by itself when it queues (t_send) or
 *    is given a send handler (t_want): that ends the pause;
 *  - any event while paused (hang-up, error) resumes, so that libre
 *    sees it (paused_h);
 *  - a paused descriptor is fd_close()d before libre frees the
 *    connection (nconn_destructor), never left pointing at us.
 */
static void resume(struct nconn *c)
{
	if (!c->paused)
		return;
	c->paused = false;
	/* tcp_set_send() is the one public call that hands the socket
	 * back to libre's own handler (reading and writing) */
	tcp_set_send(c->tc, send_h);
}


/* While paused nothing is read; any event (hang-up, error) gives the
 * socket back to libre so that it sees it. */
static void paused_h(int flags, void *arg)
{
	(void)flags;
	resume(arg);
}


static void pause_conn(struct nconn *c)
{
	int fd = tcp_conn_fd(c->tc);

	/* only with nothing queued: libre's queue drains in its handler */
	if (c->paused || c->closing || c->want || fd < 0 ||
	    tcp_conn_txqsz(c->tc))
		return;
	if (fd_listen(fd, FD_EXCEPT, paused_h, c) == 0)
		c->paused = true;
}


void msrp_net_pause(struct msrp_net *n, bool pause)
{
	struct le *le;

	if (!n || !n->sess)
		return;

	for (le = n->conns.head; le; le = le->next) {
		struct nconn *c = le->data;

		if (c->mc != msrp_sess_conn(n->sess))
			continue;
		if (pause)
			pause_conn(c);
		else
			resume(c);
	}
}


/* After the TLS handshake: the peer is who the SDP said, or nothing of
 * it is read. */
static bool tls_ok(struct nconn *c)
{
	if (msrp_tls_check(c->net->tls, c->sc)) {
		DEBUG_NOTICE("port %u: %J: peer failed authentication\n",
			     c->net->port, &c->peer);
		return false;
	}
	return true;
}


/* Authenticated: out of the pending set, and counted.  At most
 * MSRP_NET_CONNS_MAX such connections: the oldest that does not carry
 * the session makes room (only the participant can authenticate, so
 * it is an older one of its own). */
static void admit(struct nconn *c)
{
	struct msrp_net *n = c->net;
	struct nconn *oldest = NULL;
	size_t count = 0;
	struct le *le;

	c->pend = mem_deref(c->pend);
	c->authed = true;

	for (le = n->conns.head; le; le = le->next) {
		struct nconn *o = le->data;

		if (!o->authed || o->closing)
			continue;
		++count;
		if (!oldest && o != c &&
		    (!n->sess || o->mc != msrp_sess_conn(n->sess)))
			oldest = o;
	}

	if (count > MSRP_NET_CONNS_MAX && oldest) {
		DEBUG_INFO("port %u: %J: too many connections, closing "
			   "the one from %J\n", n->port, &c->peer,
			   &oldest->peer);
		nconn_close(oldest, EOVERFLOW);
	}
}


/* libre calls this when TLS is up (both roles: its TLS helper holds
 * the TCP-level one back), or for plain TCP when TCP is up. */
static void estab_h(void *arg)
{
	struct nconn *c = arg;

	if (c->closing || c->authed)
		return;

	if (c->sc && !tls_ok(c)) {
		nconn_close(c, EAUTH);
		return;
	}

	if (c->net->active) {
		/* we dialled the SDP's address (and checked TLS) */
		admit(c);
		msrp_conn_bind(c->mc);
		(void)msrp_sess_send_bind(c->net->sess, c->mc);
	}
	else if (c->sc) {
		admit(c);
	}
	/* passive plain TCP: its first request will tell */
}


static void recv_h(struct mbuf *mb, void *arg)
{
	struct nconn *c = arg;

	if (c->closing)
		return;

	/* TLS bytes come only after the handshake, and estab first */
	if (!c->authed && c->sc) {
		if (!tls_ok(c)) {
			nconn_close(c, EAUTH);
			return;
		}
		admit(c);
	}

	msrp_conn_recv(c->mc, mbuf_buf(mb), mbuf_get_left(mb));

	/* plain TCP: a request to our session URI authenticates */
	if (!c->authed && !c->closing && msrp_conn_addressed(c->mc))
		admit(c);
}


/* keying/tcpguard.h: not authenticated in time, or a newer one came */
static void pend_drop(int err, void *arg)
{
	struct nconn *c = arg;

	DEBUG_INFO("port %u: %J: %s, closing\n", c->net->port, &c->peer,
		   err == ETIMEDOUT ? "not authenticated in time"
		   : "too many pending connections");
	nconn_close(c, err);
}


static void close_h(int err, void *arg)
{
	struct nconn *c = arg;

	DEBUG_INFO("port %u: connection closed (%m)\n", c->net->port, err);
	nconn_close(c, err ? err : ECONNRESET);
}


static int nconn_alloc(struct nconn **cp, struct msrp_net *n)
{
	struct msrp_transport t = {
		.sendh = t_send, .txqh = t_txq, .closeh = t_close,
		.wanth = t_want,
	};
	struct nconn *c;
	int err;

	c = mem_zalloc(sizeof(*c), nconn_destructor);
	if (!c)
		return ENOMEM;

	c->net = n;
	tmr_init(&c->tmr);
	t.arg = c;
	err = msrp_conn_alloc(&c->mc, n->sess, &t);
	if (err) {
		mem_deref(c);
		return err;
	}

	list_append(&n->conns, &c->le, c);
	*cp = c;
	return 0;
}


static int start_tls(struct nconn *c)
{
	if (!c->net->tls)
		return 0;
	return tls_start_tcp(&c->sc, msrp_tls_ctx(c->net->tls), c->tc, 0);
}


static void conn_h(const struct sa *peer, void *arg)
{
	struct msrp_net *n = arg;
	struct nconn *c;
	int err;

	if (!n->sess || n->active) {
		tcp_reject(n->ts);
		return;
	}

	/* only the participant's addresses (its SDP's, its INVITE's) */
	if (!tcpguard_allowed(n->guard, peer)) {
		DEBUG_NOTICE("port %u: connection from %J refused: not an "
			     "address of the participant\n", n->port, peer);
		tcp_reject(n->ts);
		return;
	}

	err = nconn_alloc(&c, n);
	if (err) {
		tcp_reject(n->ts);
		return;
	}
	c->peer = *peer;

	err = tcp_accept(&c->tc, n->ts, estab_h, recv_h, close_h, c);
	if (err) {
		DEBUG_WARNING("accept from %J: %m\n", peer, err);
		tcp_reject(n->ts);
		mem_deref(c);
		return;
	}

	/* pending until it authenticates; may push the oldest out */
	err = tcpguard_pending(&c->pend, n->guard, pend_drop, c);
	if (!err)
		err = start_tls(c);
	if (err) {
		DEBUG_WARNING("accept from %J: %m\n", peer, err);
		nconn_close(c, err);
	}
}


static void net_destructor(void *arg)
{
	struct msrp_net *n = arg;

	list_flush(&n->conns);
	mem_deref(n->guard);
	mem_deref(n->lease);       /* closes ts */
	mem_deref(n->tls);
}


int msrp_net_listen(struct msrp_net **np, const struct sa *laddr,
		    msrp_listen_h *listenh, void *listen_arg,
		    struct msrp_tls *tls, const struct tcpguard_cfg *guard)
{
	struct msrp_net *n;
	int err;

	if (!np || !laddr || !listenh)
		return EINVAL;

	n = mem_zalloc(sizeof(*n), net_destructor);
	if (!n)
		return ENOMEM;
	n->tls = mem_ref(tls);

	err = tcpguard_alloc(&n->guard, guard);
	if (err)
		goto out;

	/* the port comes from the pool that BFCP shares */
	err = listenh(&n->lease, &n->ts, &n->port, laddr, conn_h, n,
		      listen_arg);

 out:
	if (err)
		mem_deref(n);
	else
		*np = n;
	return err;
}


uint16_t msrp_net_port(const struct msrp_net *n)
{
	return n ? n->port : 0;
}


int msrp_net_start(struct msrp_net *n, struct msrp_sess *s, bool active,
		   const struct sa *peer)
{
	struct nconn *c;
	int err;

	if (!n || !s)
		return EINVAL;

	n->sess = s;
	n->active = active;
	if (!active)
		return 0;

	if (!peer || !sa_isset(peer, SA_ALL))
		return EINVAL;

	/* RFC 6135: we connect; the listening socket stays for nothing */
	err = nconn_alloc(&c, n);
	if (err)
		return err;
	c->peer = *peer;
	err = tcp_connect(&c->tc, peer, estab_h, recv_h, close_h, c);
	if (!err)
		err = start_tls(c);
	if (err)
		mem_deref(c);
	return err;
}

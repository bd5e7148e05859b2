/**
 * @file server.c  BFCP over TCP and TLS: one listener per participant,
 * connections bound to that participant, framing into the engine.
 *
 * A listener may hold several connections, but only one is the
 * participant's (RFC 8855 6.1: one connection per client), and only
 * that one reaches the engine.  The others are pending: they have not
 * shown yet that they are the participant's (TLS: a completed
 * handshake with the pinned certificate or the PSK; plain TCP: a valid
 * first request with this conference's and this user's IDs).  Pending
 * connections follow keying/tcpguard.h, as MSRP's do (msrp/net.c):
 * they come only from the participant's addresses, must authenticate
 * within a few seconds, are bounded per listener (the oldest goes), and
 * never keep the participant out: the connection that authenticates is
 * always admitted, and replaces an earlier one.
 */
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include "keying/tlsfp.h"
#include "keying/tcpguard.h"
#include "floor/frame_int.h"
#include "floor/engine_int.h"
#include "floor/floor.h"


#define DEBUG_MODULE "floor"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	CLOSE_GRACE_MS = 1000,   /* after Error/GoodbyeAck, wait for FIN */
	TXQ_MAX = 256 * 1024,    /* a reader this slow is dropped */
	FIRST_MSG_MAX = 2048,    /* bytes a pending plain TCP client may
				  * send before its first whole message */
};

struct floor_server {
	struct tls *tls;         /* confd's context: certificate + key */
	struct sa laddr;
	floor_listen_h *listenh;  /* the focus's port pool (tcp_ports) */
	void *listen_arg;
};

struct floor_conf {
	struct floor_server *fs;
	struct floor_ctl *ctl;
	struct list parts;
	uint16_t next_userid;
	floor_holders_h *holdh;
	void *arg;
};

struct floor_part {
	struct le le;
	struct floor_conf *fc;
	uint16_t userid;
	uint16_t port;
	struct floor_tls_cfg sec;
	struct tlsfp *pin;       /* FINGERPRINT: our context for this peer */
	struct sa peer;
	bool active;
	void *lease;             /* owns ts and its port (floor_listen_h) */
	struct tcp_sock *ts;
	struct tcpguard *guard;  /* passive: who may connect, pending set */
	struct list conns;       /* struct floor_conn, pending or not */
	struct floor_conn *conn; /* the participant's: bound to userid */
};

/* One TCP connection on a participant's port (or out of it). */
struct floor_conn {
	struct le le;
	struct floor_part *fp;
	struct sa peer;
	struct tcp_conn *tc;
	struct tls_conn *tlsc;
	struct floor_frame *fr;
	struct tcpguard_pend *pend;  /* passive, not authenticated yet */
	struct tmr tmr;
	bool authed;             /* TLS peer checked, or first request */
	bool closing;
};


/* ---- server ---- */

static void server_destructor(void *arg)
{
	struct floor_server *fs = arg;

	mem_deref(fs->tls);
}


int floor_server_alloc(struct floor_server **fsp, struct tls *cert_tls,
		       const struct sa *laddr, floor_listen_h *listenh,
		       void *listen_arg)
{
	struct floor_server *fs;
	int err = 0;

	if (!fsp || !laddr || !listenh)
		return EINVAL;

	fs = mem_zalloc(sizeof(*fs), server_destructor);
	if (!fs)
		return ENOMEM;

	fs->laddr = *laddr;
	fs->listenh = listenh;
	fs->listen_arg = listen_arg;

	/* without a certificate only TCP/BFCP can be offered */
	fs->tls = mem_ref(cert_tls);

	if (err)
		mem_deref(fs);
	else
		*fsp = fs;

	return err;
}


/* ---- connection ---- */

/* The connection stops being the participant's: its requests are
 * cancelled or released (RFC 8855 6.1), the participant stays. */
static void unbind(struct floor_conn *c)
{
	struct floor_part *fp = c->fp;

	if (!fp || fp->conn != c)
		return;

	fp->conn = NULL;
	floor_ctl_user_disconnect(fp->fc->ctl, fp->userid);
}


static void conn_destructor(void *arg)
{
	struct floor_conn *c = arg;

	tmr_cancel(&c->tmr);
	unbind(c);
	list_unlink(&c->le);
	c->pend = mem_deref(c->pend);
	c->tlsc = mem_deref(c->tlsc);
	c->tc = mem_deref(c->tc);
	c->fr = mem_deref(c->fr);
}


static void close_tmr(void *arg)
{
	mem_deref(arg);
}


/* Closing from inside a libre handler: let the handler return first. */
static void conn_close_later(struct floor_conn *c)
{
	unbind(c);
	c->pend = mem_deref(c->pend);      /* its pending slot is free */
	c->closing = true;
	tmr_start(&c->tmr, 0, close_tmr, c);
}


/* After an Error or GoodbyeAck: requests are gone now, the connection
 * stays up just long enough for the reply to leave (RFC 8855 6.1). */
static void conn_close_graceful(struct floor_conn *c)
{
	if (c->closing)
		return;

	unbind(c);
	c->pend = mem_deref(c->pend);
	c->closing = true;

	if (!c->tlsc && c->tc && tcp_conn_txqsz(c->tc) == 0)
		(void)shutdown(tcp_conn_fd(c->tc), SHUT_WR);

	tmr_start(&c->tmr, CLOSE_GRACE_MS, close_tmr, c);
}


/* Authenticated: out of the pending set, and the participant's
 * connection from now on.  An earlier one goes (the participant
 * reconnected; only it can authenticate). */
static void admit(struct floor_conn *c)
{
	struct floor_part *fp = c->fp;

	c->pend = mem_deref(c->pend);
	c->authed = true;
	if (fp->conn == c)
		return;

	if (fp->conn) {
		DEBUG_INFO("user %u: connection from %J replaces the one "
			   "from %J\n", fp->userid, &c->peer,
			   &fp->conn->peer);
		conn_close_later(fp->conn);
	}

	fp->conn = c;
}


/* After the TLS handshake: is the peer the one the SDP named? */
static bool tls_peer_ok(const struct floor_conn *c)
{
	const struct floor_part *fp = c->fp;

	if (!c->tlsc)
		return false;

	/* a completed TLS-PSK handshake proves the TEK */
	if (fp->sec.mode == FLOOR_SEC_PSK)
		return true;

	/* the handshake pinned the peer already; look once more */
	if (tlsfp_check(fp->pin, c->tlsc)) {
		DEBUG_NOTICE("user %u: %J: peer certificate does not match "
			     "a=fingerprint, closing\n", fp->userid,
			     &c->peer);
		return false;
	}

	return true;
}


/* libre calls this when TLS is up (both roles: its TLS helper holds
 * the TCP-level one back), or for plain TCP when TCP is up. */
static void estab_handler(void *arg)
{
	struct floor_conn *c = arg;

	if (c->closing || c->authed)
		return;

	/* plain TCP: the first message will tell */
	if (c->fp->sec.mode == FLOOR_SEC_NONE)
		return;

	if (tls_peer_ok(c))
		admit(c);
	else
		conn_close_later(c);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct floor_conn *c = arg;
	struct floor_part *fp = c->fp;
	const uint8_t *msg;
	size_t len;
	int err;

	if (c->closing)
		return;        /* drain silently until the close */

	/* TLS bytes come only after the handshake, and estab first */
	if (!c->authed && fp->sec.mode != FLOOR_SEC_NONE) {
		if (!tls_peer_ok(c)) {
			conn_close_later(c);
			return;
		}
		admit(c);
	}

	err = floor_frame_push(c->fr, mbuf_buf(mb), mbuf_get_left(mb));
	if (err) {
		conn_close_later(c);
		return;
	}

	while (!c->closing) {

		err = floor_frame_next(c->fr, &msg, &len);
		if (err == ENODATA) {
			/* a pending client gets no room for a slow, big
			 * first message: a Hello is 12 bytes */
			if (!c->authed &&
			    floor_frame_pending(c->fr) > FIRST_MSG_MAX) {
				DEBUG_NOTICE("user %u: %J: no first message "
					     "in %u bytes, closing\n",
					     fp->userid, &c->peer,
					     FIRST_MSG_MAX);
				conn_close_later(c);
			}
			break;
		}

		if (!c->authed) {
			struct mbuf *emb = NULL;

			if (floor_ctl_first(fp->fc->ctl, fp->userid, err,
					    msg, len, &emb)) {
				DEBUG_NOTICE("user %u: %J: first message is "
					     "not a BFCP request of this "
					     "user, closing\n", fp->userid,
					     &c->peer);
				if (emb)
					(void)tcp_send(c->tc, emb);
				mem_deref(emb);
				conn_close_graceful(c);
				break;
			}
			admit(c);
		}

		if (err) {
			floor_ctl_stream_error(fp->fc->ctl, fp->userid, err,
					       msg, len);
			conn_close_graceful(c);
			break;
		}

		if (floor_ctl_recv(fp->fc->ctl, fp->userid, msg, len))
			conn_close_graceful(c);
	}
}


static void tcp_close_handler(int err, void *arg)
{
	struct floor_conn *c = arg;

	(void)err;
	if (!c->closing)
		conn_close_later(c);
}


/* keying/tcpguard.h: no handshake in time, or a newer one came */
static void pend_drop(int err, void *arg)
{
	struct floor_conn *c = arg;

	DEBUG_INFO("user %u: %J: %s, closing\n", c->fp->userid, &c->peer,
		   err == ETIMEDOUT ? "not authenticated in time"
		   : "too many pending connections");
	if (!c->closing)
		conn_close_later(c);
}


static int conn_alloc(struct floor_conn **cp, struct floor_part *fp)
{
	struct floor_conn *c;

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c)
		return ENOMEM;

	c->fp = fp;
	tmr_init(&c->tmr);
	list_append(&fp->conns, &c->le, c);

	*cp = c;
	return 0;
}


static int conn_setup(struct floor_conn *c)
{
	struct floor_part *fp = c->fp;
	int err;

	err = floor_frame_alloc(&c->fr, FLOOR_FRAME_MAX);
	if (err)
		return err;

	tcp_conn_txqsz_set(c->tc, TXQ_MAX);

	if (fp->sec.mode != FLOOR_SEC_NONE) {
		err = tls_start_tcp(&c->tlsc,
				    fp->sec.mode == FLOOR_SEC_PSK ?
				    fp->sec.psk_tls : tlsfp_tls(fp->pin),
				    c->tc, 0);
		if (err)
			return err;
	}

	return 0;
}


static void conn_handler(const struct sa *peer, void *arg)
{
	struct floor_part *fp = arg;
	struct floor_conn *c;
	int err;

	/* only the participant's addresses (the SDP's, its INVITE's)
	 * are let in */
	if (fp->active || (sa_isset(&fp->peer, SA_ADDR) &&
			   !sa_cmp(&fp->peer, peer, SA_ADDR)) ||
	    !tcpguard_allowed(fp->guard, peer)) {
		DEBUG_NOTICE("user %u: connection from %J refused: not an "
			     "address of the participant\n", fp->userid,
			     peer);
		tcp_reject(fp->ts);
		return;
	}

	err = conn_alloc(&c, fp);
	if (err) {
		tcp_reject(fp->ts);
		return;
	}
	c->peer = *peer;

	err = tcp_accept(&c->tc, fp->ts, estab_handler, recv_handler,
			 tcp_close_handler, c);
	if (err) {
		tcp_reject(fp->ts);
		mem_deref(c);
		return;
	}

	/* pending until it authenticates; may push the oldest out */
	err = tcpguard_pending(&c->pend, fp->guard, pend_drop, c);
	if (!err)
		err = conn_setup(c);
	if (err)
		conn_close_later(c);
}


/* engine -> the connection of one user */
static void send_handler(uint16_t userid, struct mbuf *mb, void *arg)
{
	struct floor_conf *fc = arg;
	struct le *le;

	for (le = fc->parts.head; le; le = le->next) {
		struct floor_part *fp = le->data;

		if (fp->userid != userid)
			continue;

		if (!fp->conn || fp->conn->closing)
			return;

		if (tcp_send(fp->conn->tc, mb))
			conn_close_later(fp->conn);
		return;
	}
}


static void holders_handler(uint16_t floorid, const uint16_t *userv,
			    size_t userc, void *arg)
{
	struct floor_conf *fc = arg;

	if (fc->holdh)
		fc->holdh(floorid, userv, userc, fc->arg);
}


/* ---- conference ---- */

static void conf_destructor(void *arg)
{
	struct floor_conf *fc = arg;

	mem_deref(fc->ctl);
	mem_deref(fc->fs);
}


int floor_conf_alloc(struct floor_conf **fcp, struct floor_server *fs,
		     const struct floor_conf_cfg *cfg, floor_holders_h *h,
		     void *arg)
{
	struct floor_conf *fc;
	uint32_t confid;
	int err;

	if (!fcp || !fs || !cfg)
		return EINVAL;

	fc = mem_zalloc(sizeof(*fc), conf_destructor);
	if (!fc)
		return ENOMEM;

	fc->fs = mem_ref(fs);
	fc->holdh = h;
	fc->arg = arg;
	fc->next_userid = 1;

	/* RFC 8855 5.1 recommends random conference IDs */
	confid = cfg->confid;
	while (!confid)
		confid = rand_u32();

	err = floor_ctl_alloc(&fc->ctl, confid, send_handler, holders_handler,
			      fc);
	if (err)
		goto out;

	err = floor_ctl_floor_add(fc->ctl, FLOOR_ID_PRES,
				  cfg->pres_chair ? FLOOR_CTL_CHAIR
				  : FLOOR_CTL_AUTO,
				  cfg->pres_max);
	if (!err && cfg->audio)
		err = floor_ctl_floor_add(fc->ctl, FLOOR_ID_AUDIO,
					  cfg->audio_chair ? FLOOR_CTL_CHAIR
					  : FLOOR_CTL_AUTO,
					  cfg->audio_max);
	if (err)
		goto out;

	floor_ctl_set_max_requests(fc->ctl, cfg->max_requests);

 out:
	if (err)
		mem_deref(fc);
	else
		*fcp = fc;

	return err;
}


uint32_t floor_conf_id(const struct floor_conf *fc)
{
	return fc ? floor_ctl_confid(fc->ctl) : 0;
}


bool floor_conf_holds(const struct floor_conf *fc, uint16_t floorid,
		      uint16_t userid)
{
	return fc && floor_ctl_holds(fc->ctl, floorid, userid);
}


void floor_conf_set_change_handler(struct floor_conf *fc, floor_change_h *h,
				   void *arg)
{
	if (fc)
		floor_ctl_set_change_handler(fc->ctl, h, arg);
}


int floor_conf_chair(struct floor_conf *fc, uint16_t floorid,
		     uint16_t userid, bool grant)
{
	return fc ? floor_ctl_chair(fc->ctl, floorid, userid, grant) : ENOENT;
}


struct reqwalk {
	floor_req_h *h;
	void *arg;
};


static bool req_walk(uint16_t floorid, uint16_t userid, enum bfcp_reqstat st,
		     uint8_t qpos, void *arg)
{
	struct reqwalk *rw = arg;

	return rw->h(floorid, userid,
		     st == BFCP_GRANTED ? FLOOR_REQ_GRANTED :
		     st == BFCP_ACCEPTED ? FLOOR_REQ_ACCEPTED :
		     FLOOR_REQ_PENDING, qpos, rw->arg);
}


void floor_conf_requests(const struct floor_conf *fc, floor_req_h *h,
			 void *arg)
{
	struct reqwalk rw = {h, arg};

	if (fc && h)
		floor_ctl_requests(fc->ctl, req_walk, &rw);
}


/* ---- participant ---- */

static void part_destructor(void *arg)
{
	struct floor_part *fp = arg;

	/* every connection, pending or not; the participant's one
	 * disconnects from the engine before the user goes */
	list_flush(&fp->conns);
	fp->guard = mem_deref(fp->guard);
	fp->ts = NULL;           /* the lease's */
	fp->lease = mem_deref(fp->lease);
	fp->sec.psk_tls = mem_deref(fp->sec.psk_tls);
	fp->pin = mem_deref(fp->pin);

	list_unlink(&fp->le);
	floor_ctl_user_remove(fp->fc->ctl, fp->userid);

	mem_deref(fp->fc);
}


static bool userid_used(const struct floor_conf *fc, uint16_t id)
{
	return floor_ctl_user_exists(fc->ctl, id);
}


/* The port comes from the pool that MSRP shares (floor_listen_h). */
static int listen_in_range(struct floor_part *fp)
{
	struct floor_server *fs = fp->fc->fs;

	return fs->listenh(&fp->lease, &fp->ts, &fp->port, &fs->laddr,
			   conn_handler, fp, fs->listen_arg);
}


/* a=setup:passive in the offer: we connect, to the SDP's address.
 * Plain TCP is bound by that choice; TLS still checks the peer. */
static int connect_out(struct floor_part *fp)
{
	struct floor_conn *c;
	int err;

	err = conn_alloc(&c, fp);
	if (err)
		return err;
	c->peer = fp->peer;

	err = tcp_connect(&c->tc, &fp->peer, estab_handler, recv_handler,
			  tcp_close_handler, c);
	if (!err)
		err = conn_setup(c);
	if (err) {
		mem_deref(c);
		return err;
	}

	if (fp->sec.mode == FLOOR_SEC_NONE)
		admit(c);

	return 0;
}


int floor_part_alloc(struct floor_part **fpp, struct floor_conf *fc,
		     const struct floor_part_cfg *cfg)
{
	struct floor_part *fp;
	uint16_t id;
	int err;

	if (!fpp || !fc || !cfg)
		return EINVAL;

	switch (cfg->sec.mode) {

	case FLOOR_SEC_NONE:
		break;

	case FLOOR_SEC_FINGERPRINT:
		if (!fc->fs->tls || !cfg->sec.fingerprint)
			return EINVAL;
		break;

	case FLOOR_SEC_PSK:
		if (!cfg->sec.psk_tls)
			return EINVAL;
		break;

	default:
		return EINVAL;
	}

	if (cfg->active && !sa_isset(cfg->peer, SA_ALL))
		return EINVAL;

	id = cfg->userid;
	if (!id) {
		unsigned tries = 0;

		do {
			id = fc->next_userid++;
			if (!fc->next_userid)
				fc->next_userid = 1;
		} while ((!id || userid_used(fc, id)) && ++tries < 0x10000);
	}

	if (!id || userid_used(fc, id))
		return EADDRINUSE;

	fp = mem_zalloc(sizeof(*fp), part_destructor);
	if (!fp)
		return ENOMEM;

	fp->fc = mem_ref(fc);
	fp->userid = id;
	fp->sec = cfg->sec;
	fp->sec.fingerprint = NULL;     /* the caller's; pin holds it */
	fp->sec.psk_tls = mem_ref(cfg->sec.psk_tls);
	fp->active = cfg->active;
	if (cfg->peer)
		fp->peer = *cfg->peer;

	/* TCP/TLS/BFCP: a context of its own, pinned to its a=fingerprint */
	err = 0;
	if (fp->sec.mode == FLOOR_SEC_FINGERPRINT)
		err = tlsfp_alloc(&fp->pin, fc->fs->tls, cfg->sec.fingerprint);
	if (!err && !fp->active)
		err = tcpguard_alloc(&fp->guard, cfg->guard);
	if (!err)
		err = floor_ctl_user_add(fc->ctl, id, cfg->chair, cfg->dname,
					 cfg->uri);
	if (err) {
		/* not in the engine yet: do not let the destructor remove
		 * a user of the same ID */
		fp->userid = 0;
		goto out;
	}

	list_append(&fc->parts, &fp->le, fp);

	err = fp->active ? connect_out(fp) : listen_in_range(fp);

 out:
	if (err)
		mem_deref(fp);
	else
		*fpp = fp;

	return err;
}


uint16_t floor_part_port(const struct floor_part *fp)
{
	return fp ? fp->port : 0;
}


uint16_t floor_part_userid(const struct floor_part *fp)
{
	return fp ? fp->userid : 0;
}

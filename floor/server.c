/**
 * @file server.c  BFCP over TCP and TLS: one listener per participant,
 * connections bound to that participant, framing into the engine.
 */
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include "keying/tlsfp.h"
#include "floor/frame_int.h"
#include "floor/engine_int.h"
#include "floor/floor.h"


#define DEBUG_MODULE "floor"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	CLOSE_GRACE_MS = 1000,   /* after Error/GoodbyeAck, wait for FIN */
	TXQ_MAX = 256 * 1024,    /* a reader this slow is dropped */
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
	struct tcp_conn *tc;
	struct tls_conn *tlsc;
	struct floor_frame *fr;
	struct tmr tmr;
	bool verified;           /* TLS peer pinned (or plain TCP) */
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

static void conn_close(struct floor_part *fp)
{
	bool was = fp->tc && fp->verified;

	tmr_cancel(&fp->tmr);
	fp->tlsc = mem_deref(fp->tlsc);
	fp->tc = mem_deref(fp->tc);
	fp->fr = mem_deref(fp->fr);
	fp->closing = false;

	if (was)
		floor_ctl_user_disconnect(fp->fc->ctl, fp->userid);
}


static void close_tmr(void *arg)
{
	conn_close(arg);
}


/* Closing from inside a libre handler: let the handler return first. */
static void conn_close_later(struct floor_part *fp)
{
	fp->closing = true;
	tmr_start(&fp->tmr, 0, close_tmr, fp);
}


/* After an Error or GoodbyeAck: requests are gone now, the connection
 * stays up just long enough for the reply to leave (RFC 8855 6.1). */
static void conn_close_graceful(struct floor_part *fp)
{
	if (fp->closing)
		return;

	fp->closing = true;

	if (fp->verified)
		floor_ctl_user_disconnect(fp->fc->ctl, fp->userid);
	fp->verified = false;

	if (!fp->tlsc && fp->tc && tcp_conn_txqsz(fp->tc) == 0)
		(void)shutdown(tcp_conn_fd(fp->tc), SHUT_WR);

	tmr_start(&fp->tmr, CLOSE_GRACE_MS, close_tmr, fp);
}


static bool peer_verify(struct floor_part *fp)
{
	if (fp->verified)
		return true;

	if (fp->sec.mode == FLOOR_SEC_NONE) {
		fp->verified = true;
		return true;
	}

	if (!fp->tlsc)
		return false;

	/* a completed TLS-PSK handshake proves the TEK */
	if (fp->sec.mode == FLOOR_SEC_PSK) {
		fp->verified = true;
		return true;
	}

	/* the handshake pinned the peer already; look once more */
	if (tlsfp_check(fp->pin, fp->tlsc)) {
		DEBUG_NOTICE("user %u: peer certificate does not match "
			     "a=fingerprint, closing\n", fp->userid);
		return false;
	}

	fp->verified = true;
	return true;
}


static void estab_handler(void *arg)
{
	struct floor_part *fp = arg;

	if (!peer_verify(fp))
		conn_close_later(fp);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct floor_part *fp = arg;
	const uint8_t *msg;
	size_t len;
	int err;

	if (fp->closing)
		return;        /* drain silently until the close */

	if (!peer_verify(fp)) {
		conn_close_later(fp);
		return;
	}

	err = floor_frame_push(fp->fr, mbuf_buf(mb), mbuf_get_left(mb));
	if (err) {
		conn_close_later(fp);
		return;
	}

	while (!fp->closing) {

		err = floor_frame_next(fp->fr, &msg, &len);
		if (err == ENODATA)
			break;

		if (err) {
			floor_ctl_stream_error(fp->fc->ctl, fp->userid, err,
					       msg, len);
			conn_close_graceful(fp);
			break;
		}

		if (floor_ctl_recv(fp->fc->ctl, fp->userid, msg, len))
			conn_close_graceful(fp);
	}
}


static void tcp_close_handler(int err, void *arg)
{
	struct floor_part *fp = arg;

	(void)err;
	conn_close_later(fp);
}


static int conn_setup(struct floor_part *fp)
{
	int err;

	err = floor_frame_alloc(&fp->fr, FLOOR_FRAME_MAX);
	if (err)
		return err;

	tcp_conn_txqsz_set(fp->tc, TXQ_MAX);

	if (fp->sec.mode != FLOOR_SEC_NONE) {
		err = tls_start_tcp(&fp->tlsc,
				    fp->sec.mode == FLOOR_SEC_PSK ?
				    fp->sec.psk_tls : tlsfp_tls(fp->pin),
				    fp->tc, 0);
		if (err)
			return err;
	}

	return 0;
}


static void conn_handler(const struct sa *peer, void *arg)
{
	struct floor_part *fp = arg;
	int err;

	/* one connection per participant (RFC 8855 6.1); an address from
	 * the SDP, when given, is the only one let in */
	if (fp->tc || (sa_isset(&fp->peer, SA_ADDR) &&
		       !sa_cmp(&fp->peer, peer, SA_ADDR))) {
		tcp_reject(fp->ts);
		return;
	}

	err = tcp_accept(&fp->tc, fp->ts, estab_handler, recv_handler,
			 tcp_close_handler, fp);
	if (err) {
		tcp_reject(fp->ts);
		return;
	}

	fp->verified = false;
	fp->closing = false;

	err = conn_setup(fp);
	if (err) {
		conn_close_later(fp);
		return;
	}

	/* plain TCP is bound by the port alone */
	if (fp->sec.mode == FLOOR_SEC_NONE)
		(void)peer_verify(fp);
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

		if (!fp->tc || fp->closing)
			return;

		if (tcp_send(fp->tc, mb))
			conn_close_later(fp);
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

	tmr_cancel(&fp->tmr);
	fp->tlsc = mem_deref(fp->tlsc);
	fp->tc = mem_deref(fp->tc);
	fp->fr = mem_deref(fp->fr);
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


static int connect_out(struct floor_part *fp)
{
	int err;

	err = tcp_connect(&fp->tc, &fp->peer, estab_handler, recv_handler,
			  tcp_close_handler, fp);
	if (err)
		return err;

	err = conn_setup(fp);
	if (!err && fp->sec.mode == FLOOR_SEC_NONE)
		(void)peer_verify(fp);

	return err;
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
	tmr_init(&fp->tmr);

	/* TCP/TLS/BFCP: a context of its own, pinned to its a=fingerprint */
	err = 0;
	if (fp->sec.mode == FLOOR_SEC_FINGERPRINT)
		err = tlsfp_alloc(&fp->pin, fc->fs->tls, cfg->sec.fingerprint);
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

/**
 * @file engine.c  Floor-control engine: requests, queues, chairs,
 * notifications (RFC 8855 sections 10 to 13, server side).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "floor/bfcp_frame.h"
#include "floor/bfcp_msg.h"
#include "floor/engine.h"


enum {
	MAX_REQ_FLOORS = 4,     /* floors in one request: keeps the grouped
				 * FLOOR-REQUEST-INFORMATION under 255 B */
	DNAME_MAX = 40,
	URI_MAX   = 60,
	PPI_MAX   = 64,
	MAX_SUBS  = 8,
};

struct fuser {
	struct le le;
	uint16_t id;
	bool chair;
	char dname[DNAME_MAX + 1];
	char uri[URI_MAX + 1];
	uint16_t subv[MAX_SUBS];      /* FloorQuery subscriptions */
	size_t subc;
};

struct ffloor {
	struct le le;
	uint16_t id;
	enum fctl_policy pol;
	unsigned max;
	bool dirty;                   /* FloorStatus owed to subscribers */
	uint16_t *holdv;              /* last holders reported */
	size_t holdc;
	/* scratch for schedule() */
	unsigned granted;
	unsigned waiting;
	bool blocked;
};

struct freq {
	struct le le;
	uint16_t id;
	uint16_t requester;
	uint16_t beneficiary;
	uint16_t floorv[MAX_REQ_FLOORS];
	bool chair_ok[MAX_REQ_FLOORS];
	size_t floorc;
	uint8_t prio;
	bool prio_set;
	bool force;                   /* a chair granted it */
	char ppi[PPI_MAX + 1];
	uint64_t seq;
	enum bfcp_reqstat st;
	uint8_t qpos;
	enum bfcp_reqstat sent_st;    /* last status told to the users */
	uint8_t sent_qpos;
};

struct fctl {
	uint32_t confid;
	struct list users;
	struct list floors;
	struct list reqs;
	uint64_t seq;
	uint16_t next_reqid;
	unsigned max_reqs;
	fctl_send_h *sendh;
	fctl_holders_h *holdh;
	void *arg;
};

/* What this server understands, for HelloAck (RFC 8855 13.7).  The
 * Ack primitives 14/15 belong to unreliable transports and are not
 * listed. */
static const uint8_t supported_prims[] = {
	BFCP_FLOOR_REQUEST, BFCP_FLOOR_RELEASE, BFCP_FLOOR_REQUEST_QUERY,
	BFCP_FLOOR_REQUEST_STATUS, BFCP_USER_QUERY, BFCP_USER_STATUS,
	BFCP_FLOOR_QUERY, BFCP_FLOOR_STATUS, BFCP_CHAIR_ACTION,
	BFCP_CHAIR_ACTION_ACK, BFCP_HELLO, BFCP_HELLO_ACK, BFCP_ERROR,
	BFCP_GOODBYE, BFCP_GOODBYE_ACK,
};


static void user_destructor(void *arg)
{
	struct fuser *u = arg;

	list_unlink(&u->le);
}


static void floor_destructor(void *arg)
{
	struct ffloor *f = arg;

	list_unlink(&f->le);
	mem_deref(f->holdv);
}


static void req_destructor(void *arg)
{
	struct freq *r = arg;

	list_unlink(&r->le);
}


static void destructor(void *arg)
{
	struct fctl *fc = arg;

	list_flush(&fc->reqs);
	list_flush(&fc->users);
	list_flush(&fc->floors);
}


int fctl_alloc(struct fctl **fcp, uint32_t confid, fctl_send_h *sendh,
	       fctl_holders_h *holdh, void *arg)
{
	struct fctl *fc;

	if (!fcp || !sendh)
		return EINVAL;

	fc = mem_zalloc(sizeof(*fc), destructor);
	if (!fc)
		return ENOMEM;

	fc->confid = confid;
	fc->sendh = sendh;
	fc->holdh = holdh;
	fc->arg = arg;
	fc->max_reqs = 1;
	fc->next_reqid = 1;

	*fcp = fc;
	return 0;
}


uint32_t fctl_confid(const struct fctl *fc)
{
	return fc ? fc->confid : 0;
}


void fctl_set_max_requests(struct fctl *fc, unsigned n)
{
	if (fc)
		fc->max_reqs = n ? n : 1;
}


static struct fuser *user_find(const struct fctl *fc, uint16_t id)
{
	struct le *le;

	for (le = fc->users.head; le; le = le->next) {
		struct fuser *u = le->data;
		if (u->id == id)
			return u;
	}
	return NULL;
}


static struct ffloor *floor_find(const struct fctl *fc, uint16_t id)
{
	struct le *le;

	for (le = fc->floors.head; le; le = le->next) {
		struct ffloor *f = le->data;
		if (f->id == id)
			return f;
	}
	return NULL;
}


static struct freq *req_find(const struct fctl *fc, uint16_t id)
{
	struct le *le;

	for (le = fc->reqs.head; le; le = le->next) {
		struct freq *r = le->data;
		if (r->id == id)
			return r;
	}
	return NULL;
}


static bool req_has_floor(const struct freq *r, uint16_t floorid, size_t *ix)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		if (r->floorv[i] == floorid) {
			if (ix)
				*ix = i;
			return true;
		}
	}
	return false;
}


static bool req_ongoing(const struct freq *r)
{
	return r->st == BFCP_PENDING || r->st == BFCP_ACCEPTED ||
	       r->st == BFCP_GRANTED;
}


int fctl_floor_add(struct fctl *fc, uint16_t floorid, enum fctl_policy pol,
		   unsigned max_holders)
{
	struct ffloor *f;

	if (!fc || !floorid)
		return EINVAL;

	if (floor_find(fc, floorid))
		return EALREADY;

	f = mem_zalloc(sizeof(*f), floor_destructor);
	if (!f)
		return ENOMEM;

	f->id = floorid;
	f->pol = pol;
	f->max = max_holders ? max_holders : 1;
	list_append(&fc->floors, &f->le, f);

	return 0;
}


int fctl_user_add(struct fctl *fc, uint16_t userid, bool chair,
		  const char *dname, const char *uri)
{
	struct fuser *u;

	if (!fc || !userid)
		return EINVAL;

	if (user_find(fc, userid))
		return EALREADY;

	u = mem_zalloc(sizeof(*u), user_destructor);
	if (!u)
		return ENOMEM;

	u->id = userid;
	u->chair = chair;
	/* bounded copies: these end up in 8-bit-length attributes */
	if (dname)
		str_ncpy(u->dname, dname, sizeof(u->dname));
	if (uri)
		str_ncpy(u->uri, uri, sizeof(u->uri));

	list_append(&fc->users, &u->le, u);
	return 0;
}


bool fctl_user_exists(const struct fctl *fc, uint16_t userid)
{
	return fc && user_find(fc, userid) != NULL;
}


size_t fctl_request_count(const struct fctl *fc)
{
	struct le *le;
	size_t n = 0;

	if (!fc)
		return 0;

	for (le = fc->reqs.head; le; le = le->next) {
		if (req_ongoing(le->data))
			++n;
	}
	return n;
}


bool fctl_holds(const struct fctl *fc, uint16_t floorid, uint16_t userid)
{
	struct le *le;

	if (!fc)
		return false;

	for (le = fc->reqs.head; le; le = le->next) {
		const struct freq *r = le->data;

		if (r->st == BFCP_GRANTED && r->beneficiary == userid &&
		    req_has_floor(r, floorid, NULL))
			return true;
	}
	return false;
}


/* ---- encoding ---- */

static void send_mb(struct fctl *fc, uint16_t userid, struct mbuf *mb)
{
	mb->pos = 0;
	fc->sendh(userid, mb, fc->arg);
}


static void w_userinfo(struct bfcp_w *w, enum bfcp_attrib type,
		       const struct fuser *u, uint16_t id)
{
	bfcp_w_group(w, type, id);
	if (u && u->dname[0])
		bfcp_w_str(w, BFCP_USER_DISP_NAME, u->dname);
	if (u && u->uri[0])
		bfcp_w_str(w, BFCP_USER_URI, u->uri);
	bfcp_w_group_end(w);
}


/* FLOOR-REQUEST-INFORMATION (RFC 8855 5.2.15) */
static void w_fri(struct fctl *fc, struct bfcp_w *w, const struct freq *r)
{
	size_t i;

	bfcp_w_group(w, BFCP_FLOOR_REQ_INFO, r->id);

	bfcp_w_group(w, BFCP_OVERALL_REQ_STATUS, r->id);
	bfcp_w_2(w, BFCP_REQUEST_STATUS, r->st, r->qpos);
	bfcp_w_group_end(w);

	for (i = 0; i < r->floorc; i++) {
		bfcp_w_group(w, BFCP_FLOOR_REQ_STATUS, r->floorv[i]);
		bfcp_w_2(w, BFCP_REQUEST_STATUS, r->st, r->qpos);
		bfcp_w_group_end(w);
	}

	w_userinfo(w, BFCP_BENEFICIARY_INFO, user_find(fc, r->beneficiary),
		   r->beneficiary);

	if (r->requester != r->beneficiary)
		w_userinfo(w, BFCP_REQUESTED_BY_INFO, NULL, r->requester);

	if (r->prio_set)
		bfcp_w_2(w, BFCP_PRIORITY, (uint8_t)(r->prio << 5), 0);

	if (r->ppi[0])
		bfcp_w_str(w, BFCP_PART_PROV_INFO, r->ppi);

	bfcp_w_group_end(w);
}


static void send_frs(struct fctl *fc, uint16_t to, uint16_t tid,
		     const struct freq *r)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct bfcp_w w;

	if (!mb)
		return;

	bfcp_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, fc->confid, tid, to);
	w_fri(fc, &w, r);
	if (!bfcp_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


static void send_floor_status(struct fctl *fc, uint16_t to, uint16_t tid,
			      const struct ffloor *f)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct bfcp_w w;
	struct le *le;

	if (!mb)
		return;

	bfcp_w_begin(&w, mb, BFCP_FLOOR_STATUS, fc->confid, tid, to);

	if (f) {
		bfcp_w_u16(&w, BFCP_FLOOR_ID, f->id);

		for (le = fc->reqs.head; le; le = le->next) {
			const struct freq *r = le->data;

			if (req_has_floor(r, f->id, NULL))
				w_fri(fc, &w, r);
		}
	}

	if (!bfcp_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


static void send_error(struct fctl *fc, uint16_t to, uint32_t confid,
		       uint16_t tid, uint16_t userid, enum bfcp_err code,
		       const uint8_t *details, size_t dlen, const char *info)
{
	struct mbuf *mb = mbuf_alloc(64);
	uint8_t ec[64];
	struct bfcp_w w;

	if (!mb)
		return;

	if (dlen > sizeof(ec) - 1)
		dlen = sizeof(ec) - 1;

	ec[0] = code;
	if (dlen)
		memcpy(ec + 1, details, dlen);

	bfcp_w_begin(&w, mb, BFCP_ERROR, confid, tid, userid);
	bfcp_w_bytes(&w, BFCP_ERROR_CODE, ec, 1 + dlen);
	if (info)
		bfcp_w_str(&w, BFCP_ERROR_INFO, info);

	if (!bfcp_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


static void reply_error(struct fctl *fc, uint16_t to,
			const struct bfcp_msg *msg, enum bfcp_err code,
			const char *info)
{
	send_error(fc, to, msg->confid, msg->tid, msg->userid, code,
		   NULL, 0, info);
}


static void reply_empty(struct fctl *fc, uint16_t to,
			const struct bfcp_msg *msg, enum bfcp_prim prim)
{
	struct mbuf *mb = mbuf_alloc(16);
	struct bfcp_w w;

	if (!mb)
		return;

	bfcp_w_begin(&w, mb, prim, msg->confid, msg->tid, msg->userid);
	if (!bfcp_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


/* ---- scheduling ---- */

static int req_cmp(const void *a, const void *b)
{
	const struct freq *x = *(struct freq * const *)a;
	const struct freq *y = *(struct freq * const *)b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;

	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}


static bool req_chair_ready(const struct fctl *fc, const struct freq *r)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		const struct ffloor *f = floor_find(fc, r->floorv[i]);

		if (f && f->pol == FCTL_CHAIR && !r->chair_ok[i])
			return false;
	}
	return true;
}


static bool req_moderated(const struct fctl *fc, const struct freq *r)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		const struct ffloor *f = floor_find(fc, r->floorv[i]);

		if (f && f->pol == FCTL_CHAIR)
			return true;
	}
	return false;
}


/*
 * Recompute every waiting request's status and queue position, granting
 * what fits.  A request that cannot be granted blocks its floors for
 * the requests behind it, so nobody jumps the queue; a chair's grant
 * (force) may jump it when the floor has room.
 */
static void schedule(struct fctl *fc)
{
	struct freq **v;
	struct le *le;
	size_t n = 0, i, j;

	for (le = fc->floors.head; le; le = le->next) {
		struct ffloor *f = le->data;

		f->granted = f->waiting = 0;
		f->blocked = false;
	}

	for (le = fc->reqs.head; le; le = le->next) {
		struct freq *r = le->data;

		if (r->st == BFCP_GRANTED) {
			for (i = 0; i < r->floorc; i++) {
				struct ffloor *f = floor_find(fc,
							      r->floorv[i]);
				if (f)
					++f->granted;
			}
		}
		else if (req_ongoing(r)) {
			++n;
		}
	}

	if (!n)
		return;

	v = mem_alloc(n * sizeof(*v), NULL);
	if (!v)
		return;

	n = 0;
	for (le = fc->reqs.head; le; le = le->next) {
		struct freq *r = le->data;

		if (req_ongoing(r) && r->st != BFCP_GRANTED)
			v[n++] = r;
	}

	qsort(v, n, sizeof(*v), req_cmp);

	for (j = 0; j < 2; j++) {
		/* pass 0: chair grants first; pass 1: the queue */
		for (i = 0; i < n; i++) {
			struct freq *r = v[i];
			bool fits = true;
			size_t k;

			if (r->st == BFCP_GRANTED)
				continue;
			if (j == 0 && !r->force)
				continue;

			if (!req_chair_ready(fc, r)) {
				r->st = BFCP_PENDING;
				r->qpos = 0;
				continue;
			}

			for (k = 0; k < r->floorc; k++) {
				struct ffloor *f = floor_find(fc,
							      r->floorv[k]);
				if (!f || f->granted >= f->max ||
				    (j == 1 && f->blocked))
					fits = false;
			}

			if (fits) {
				r->st = BFCP_GRANTED;
				r->qpos = 0;
				r->force = false;
				for (k = 0; k < r->floorc; k++)
					++floor_find(fc,
						     r->floorv[k])->granted;
				continue;
			}

			if (j == 0)
				continue;

			r->qpos = 0;
			for (k = 0; k < r->floorc; k++) {
				struct ffloor *f = floor_find(fc,
							      r->floorv[k]);
				if (!f)
					continue;
				f->blocked = true;
				++f->waiting;
				if (f->waiting > r->qpos)
					r->qpos = (uint8_t)(f->waiting > 255 ?
							    255 : f->waiting);
			}

			r->st = req_moderated(fc, r) ? BFCP_ACCEPTED
						     : BFCP_PENDING;
		}
	}

	mem_deref(v);
}


static void mark_dirty(struct fctl *fc, const struct freq *r)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		struct ffloor *f = floor_find(fc, r->floorv[i]);
		if (f)
			f->dirty = true;
	}
}


static void report_holders(struct fctl *fc)
{
	struct le *le, *rl;

	for (le = fc->floors.head; le; le = le->next) {
		struct ffloor *f = le->data;
		uint16_t hv[64];
		size_t hc = 0;

		for (rl = fc->reqs.head; rl; rl = rl->next) {
			const struct freq *r = rl->data;

			if (r->st == BFCP_GRANTED &&
			    req_has_floor(r, f->id, NULL) &&
			    hc < ARRAY_SIZE(hv))
				hv[hc++] = r->beneficiary;
		}

		if (hc == f->holdc &&
		    (!hc || !memcmp(hv, f->holdv, hc * sizeof(*hv))))
			continue;

		f->holdv = mem_deref(f->holdv);
		f->holdc = 0;
		if (hc) {
			f->holdv = mem_alloc(hc * sizeof(*hv), NULL);
			if (!f->holdv)
				continue;
			memcpy(f->holdv, hv, hc * sizeof(*hv));
			f->holdc = hc;
		}

		if (fc->holdh)
			fc->holdh(f->id, f->holdv, f->holdc, fc->arg);
	}
}


/* Tell everyone what changed, then forget finished requests. */
static void flush(struct fctl *fc)
{
	struct le *le, *ul;

	schedule(fc);

	for (le = fc->reqs.head; le; le = le->next) {
		struct freq *r = le->data;

		if (r->st == r->sent_st && r->qpos == r->sent_qpos)
			continue;

		send_frs(fc, r->requester, 0, r);
		if (r->beneficiary != r->requester)
			send_frs(fc, r->beneficiary, 0, r);

		r->sent_st = r->st;
		r->sent_qpos = r->qpos;
		mark_dirty(fc, r);
	}

	for (le = fc->floors.head; le; le = le->next) {
		struct ffloor *f = le->data;

		if (!f->dirty)
			continue;
		f->dirty = false;

		for (ul = fc->users.head; ul; ul = ul->next) {
			struct fuser *u = ul->data;
			size_t i;

			for (i = 0; i < u->subc; i++) {
				if (u->subv[i] == f->id)
					send_floor_status(fc, u->id, 0, f);
			}
		}
	}

	le = fc->reqs.head;
	while (le) {
		struct freq *r = le->data;

		le = le->next;
		if (!req_ongoing(r))
			mem_deref(r);
	}

	report_holders(fc);
}


/* Answer the transaction with the current state of r, then flush the
 * consequences.  The requester learns it from this reply, so the flush
 * does not repeat it to them; a different beneficiary is told apart. */
static void reply_frs(struct fctl *fc, uint16_t to,
		      const struct bfcp_msg *msg, struct freq *r)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct bfcp_w w;

	schedule(fc);

	if (mb) {
		bfcp_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, msg->confid,
			     msg->tid, msg->userid);
		w_fri(fc, &w, r);
		if (!bfcp_w_end(&w))
			send_mb(fc, to, mb);
		mem_deref(mb);
	}

	if (r->st != r->sent_st || r->qpos != r->sent_qpos) {
		if (r->beneficiary != to)
			send_frs(fc, r->beneficiary, 0, r);
		if (r->requester != to && r->requester != r->beneficiary)
			send_frs(fc, r->requester, 0, r);
		r->sent_st = r->st;
		r->sent_qpos = r->qpos;
		mark_dirty(fc, r);
	}

	flush(fc);
}


/* ---- primitives ---- */

static uint16_t new_reqid(struct fctl *fc)
{
	unsigned tries;

	for (tries = 0; tries < 0x10000; tries++) {
		uint16_t id = fc->next_reqid++;

		if (!fc->next_reqid)
			fc->next_reqid = 1;
		if (id && !req_find(fc, id))
			return id;
	}
	return 0;
}


static unsigned ongoing_for(const struct fctl *fc, uint16_t userid,
			    uint16_t floorid)
{
	struct le *le;
	unsigned n = 0;

	for (le = fc->reqs.head; le; le = le->next) {
		const struct freq *r = le->data;

		if (req_ongoing(r) && r->beneficiary == userid &&
		    req_has_floor(r, floorid, NULL))
			++n;
	}
	return n;
}


static void on_floor_request(struct fctl *fc, struct fuser *u,
			     const struct bfcp_msg *msg)
{
	struct freq *r;
	struct le *le;
	uint16_t floorv[MAX_REQ_FLOORS];
	size_t floorc = 0, i;
	uint16_t ben = u->id;
	int prio = -1;
	const char *ppi = NULL;

	for (le = msg->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;

		switch (a->type) {

		case BFCP_FLOOR_ID:
			if (floorc >= MAX_REQ_FLOORS) {
				reply_error(fc, u->id, msg,
					    BFCP_GENERIC_ERROR,
					    "too many floors in one request");
				return;
			}
			if (!floor_find(fc, a->v.floorid)) {
				reply_error(fc, u->id, msg,
					    BFCP_INVALID_FLOOR_ID, NULL);
				return;
			}
			for (i = 0; i < floorc; i++) {
				if (floorv[i] == a->v.floorid)
					break;
			}
			if (i == floorc)
				floorv[floorc++] = a->v.floorid;
			break;

		case BFCP_BENEFICIARY_ID:
			ben = a->v.beneficiaryid;
			break;

		case BFCP_PRIORITY:
			prio = a->v.priority & 7;
			break;

		case BFCP_PART_PROV_INFO:
			ppi = a->v.partprovinfo;
			break;

		default:
			break;
		}
	}

	if (!floorc) {
		reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
			    "FloorRequest without FLOOR-ID");
		return;
	}

	/* only a chair may ask on someone else's behalf (RFC 8855 9) */
	if (ben != u->id) {
		if (!u->chair) {
			reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION,
				    "only a chair may name a beneficiary");
			return;
		}
		if (!user_find(fc, ben)) {
			reply_error(fc, u->id, msg, BFCP_USER_NOT_EXIST,
				    NULL);
			return;
		}
	}

	for (i = 0; i < floorc; i++) {
		if (ongoing_for(fc, ben, floorv[i]) >= fc->max_reqs) {
			reply_error(fc, u->id, msg,
				    BFCP_MAX_FLOOR_REQ_REACHED, NULL);
			return;
		}
	}

	r = mem_zalloc(sizeof(*r), req_destructor);
	if (!r)
		return;

	r->id = new_reqid(fc);
	if (!r->id) {
		mem_deref(r);
		reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
			    "no free floor request ID");
		return;
	}

	r->requester = u->id;
	r->beneficiary = ben;
	memcpy(r->floorv, floorv, floorc * sizeof(*floorv));
	r->floorc = floorc;
	r->seq = ++fc->seq;
	r->st = BFCP_PENDING;
	if (ppi)
		str_ncpy(r->ppi, ppi, sizeof(r->ppi));

	/* the requested priority is echoed, but only a chair's request is
	 * queued above Normal (RFC 8855 13.1.1 leaves this to policy) */
	if (prio >= 0) {
		r->prio_set = true;
		r->prio = (uint8_t)prio;
	}
	else {
		r->prio = BFCP_PRIO_NORMAL;
	}
	if (!u->chair && r->prio > BFCP_PRIO_NORMAL)
		r->prio = BFCP_PRIO_NORMAL;

	list_append(&fc->reqs, &r->le, r);
	mark_dirty(fc, r);

	reply_frs(fc, u->id, msg, r);
}


static bool may_see(const struct fuser *u, const struct freq *r)
{
	return u->chair || r->requester == u->id || r->beneficiary == u->id;
}


static void on_floor_release(struct fctl *fc, struct fuser *u,
			     const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_FLOOR_REQUEST_ID);
	struct freq *r;

	if (!a) {
		reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
			    "FloorRelease without FLOOR-REQUEST-ID");
		return;
	}

	r = req_find(fc, a->v.floorreqid);
	if (!r || !req_ongoing(r)) {
		reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
			    NULL);
		return;
	}

	/* the requester or the beneficiary may release; a chair revokes
	 * with ChairAction instead */
	if (r->requester != u->id && r->beneficiary != u->id) {
		reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION, NULL);
		return;
	}

	r->st = r->st == BFCP_GRANTED ? BFCP_RELEASED : BFCP_CANCELLED;
	r->qpos = 0;
	mark_dirty(fc, r);

	reply_frs(fc, u->id, msg, r);
}


static void on_floor_request_query(struct fctl *fc, struct fuser *u,
				   const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_FLOOR_REQUEST_ID);
	struct freq *r;

	if (!a) {
		reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
			    "FloorRequestQuery without FLOOR-REQUEST-ID");
		return;
	}

	r = req_find(fc, a->v.floorreqid);
	if (!r) {
		reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
			    NULL);
		return;
	}

	if (!may_see(u, r)) {
		reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION, NULL);
		return;
	}

	{
		struct mbuf *mb = mbuf_alloc(256);
		struct bfcp_w w;

		if (!mb)
			return;
		bfcp_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, msg->confid,
			     msg->tid, msg->userid);
		w_fri(fc, &w, r);
		if (!bfcp_w_end(&w))
			send_mb(fc, u->id, mb);
		mem_deref(mb);
	}
}


static void on_user_query(struct fctl *fc, struct fuser *u,
			  const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_BENEFICIARY_ID);
	const struct fuser *who = u;
	struct mbuf *mb;
	struct bfcp_w w;
	struct le *le;

	if (a) {
		who = user_find(fc, a->v.beneficiaryid);
		if (!who) {
			reply_error(fc, u->id, msg, BFCP_USER_NOT_EXIST, NULL);
			return;
		}
	}

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	bfcp_w_begin(&w, mb, BFCP_USER_STATUS, msg->confid, msg->tid,
		     msg->userid);

	if (a)
		w_userinfo(&w, BFCP_BENEFICIARY_INFO, who, who->id);

	for (le = fc->reqs.head; le; le = le->next) {
		const struct freq *r = le->data;

		if (r->requester == who->id || r->beneficiary == who->id)
			w_fri(fc, &w, r);
	}

	if (!bfcp_w_end(&w))
		send_mb(fc, u->id, mb);

	mem_deref(mb);
}


static void on_floor_query(struct fctl *fc, struct fuser *u,
			   const struct bfcp_msg *msg)
{
	uint16_t subv[MAX_SUBS];
	size_t subc = 0, i;
	struct le *le;

	for (le = msg->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;

		if (a->type != BFCP_FLOOR_ID)
			continue;

		if (!floor_find(fc, a->v.floorid)) {
			reply_error(fc, u->id, msg, BFCP_INVALID_FLOOR_ID,
				    NULL);
			return;
		}

		for (i = 0; i < subc; i++) {
			if (subv[i] == a->v.floorid)
				break;
		}
		if (i < subc)
			continue;

		if (subc >= MAX_SUBS) {
			reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
				    "too many floors");
			return;
		}
		subv[subc++] = a->v.floorid;
	}

	/* a FloorQuery replaces the user's subscription set; an empty one
	 * ends it (RFC 8855 13.5.1) */
	memcpy(u->subv, subv, subc * sizeof(*subv));
	u->subc = subc;

	if (!subc) {
		send_floor_status(fc, u->id, msg->tid, NULL);
		return;
	}

	for (i = 0; i < subc; i++) {
		send_floor_status(fc, u->id, i ? 0 : msg->tid,
				  floor_find(fc, subv[i]));
	}
}


static void on_chair_action(struct fctl *fc, struct fuser *u,
			    const struct bfcp_msg *msg)
{
	const struct bfcp_attr *fri = bfcp_msg_attr(msg, BFCP_FLOOR_REQ_INFO);
	struct freq *r;
	struct le *le;
	enum bfcp_reqstat st = 0;
	bool any = false;

	if (!u->chair) {
		reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION,
			    "not a chair");
		return;
	}

	if (!fri) {
		reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
			    "ChairAction without FLOOR-REQUEST-INFORMATION");
		return;
	}

	r = req_find(fc, fri->v.floorreqid);
	if (!r || !req_ongoing(r)) {
		reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
			    NULL);
		return;
	}

	/* validate every FLOOR-REQUEST-STATUS before acting on any */
	for (le = fri->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;
		const struct bfcp_attr *rs;

		if (a->type != BFCP_FLOOR_REQ_STATUS &&
		    a->type != BFCP_OVERALL_REQ_STATUS)
			continue;

		if (a->type == BFCP_FLOOR_REQ_STATUS &&
		    !req_has_floor(r, a->v.floorid, NULL)) {
			reply_error(fc, u->id, msg, BFCP_INVALID_FLOOR_ID,
				    NULL);
			return;
		}

		rs = bfcp_attr_subattr(a, BFCP_REQUEST_STATUS);
		if (!rs)
			continue;

		switch (rs->v.reqstatus.status) {

		case BFCP_ACCEPTED:
		case BFCP_GRANTED:
		case BFCP_DENIED:
		case BFCP_REVOKED:
			break;

		default:
			reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
				    "a chair may accept, grant, deny or "
				    "revoke");
			return;
		}
	}

	for (le = fri->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;
		const struct bfcp_attr *rs;
		size_t ix = 0, i;

		if (a->type != BFCP_FLOOR_REQ_STATUS &&
		    a->type != BFCP_OVERALL_REQ_STATUS)
			continue;

		rs = bfcp_attr_subattr(a, BFCP_REQUEST_STATUS);
		if (!rs)
			continue;

		st = rs->v.reqstatus.status;
		any = true;

		if (st == BFCP_DENIED || st == BFCP_REVOKED) {
			/* one floor refused refuses the whole request */
			r->st = r->st == BFCP_GRANTED ? BFCP_REVOKED
						      : BFCP_DENIED;
			r->qpos = 0;
			break;
		}

		if (a->type == BFCP_FLOOR_REQ_STATUS) {
			(void)req_has_floor(r, a->v.floorid, &ix);
			r->chair_ok[ix] = true;
		}
		else {
			for (i = 0; i < r->floorc; i++)
				r->chair_ok[i] = true;
		}

		if (st == BFCP_GRANTED)
			r->force = true;
	}

	if (!any) {
		reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
			    "ChairAction without REQUEST-STATUS");
		return;
	}

	mark_dirty(fc, r);
	reply_empty(fc, u->id, msg, BFCP_CHAIR_ACTION_ACK);
	flush(fc);
}


static void on_hello(struct fctl *fc, struct fuser *u,
		     const struct bfcp_msg *msg)
{
	struct mbuf *mb = mbuf_alloc(64);
	uint8_t attrs[BFCP_OVERALL_REQ_STATUS];
	struct bfcp_w w;
	size_t i;

	if (!mb)
		return;

	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		attrs[i] = (uint8_t)((i + 1) << 1);

	bfcp_w_begin(&w, mb, BFCP_HELLO_ACK, msg->confid, msg->tid,
		     msg->userid);
	bfcp_w_bytes(&w, BFCP_SUPPORTED_PRIMS, supported_prims,
		     sizeof(supported_prims));
	bfcp_w_bytes(&w, BFCP_SUPPORTED_ATTRS, attrs, sizeof(attrs));
	if (!bfcp_w_end(&w))
		send_mb(fc, u->id, mb);

	mem_deref(mb);
}


static void cancel_user(struct fctl *fc, uint16_t userid)
{
	struct le *le;

	for (le = fc->reqs.head; le; le = le->next) {
		struct freq *r = le->data;

		if (!req_ongoing(r))
			continue;
		if (r->requester != userid && r->beneficiary != userid)
			continue;

		r->st = r->st == BFCP_GRANTED ? BFCP_RELEASED
					      : BFCP_CANCELLED;
		r->qpos = 0;
		mark_dirty(fc, r);
	}
}


void fctl_user_disconnect(struct fctl *fc, uint16_t userid)
{
	struct fuser *u;

	if (!fc)
		return;

	u = user_find(fc, userid);
	if (u)
		u->subc = 0;

	cancel_user(fc, userid);
	flush(fc);
}


void fctl_user_remove(struct fctl *fc, uint16_t userid)
{
	if (!fc)
		return;

	fctl_user_disconnect(fc, userid);
	mem_deref(user_find(fc, userid));
}


void fctl_stream_error(struct fctl *fc, uint16_t userid, int framer_err,
		       const uint8_t *hdr, size_t n)
{
	struct bfcp_hdr h;
	uint8_t buf[BFCP_HDR_SIZE] = {0};

	if (!fc)
		return;

	memcpy(buf, hdr, n < sizeof(buf) ? n : sizeof(buf));
	bfcp_hdr_get(&h, buf);

	send_error(fc, userid, n >= 8 ? h.confid : fc->confid,
		   n >= 10 ? h.tid : 0, userid,
		   framer_err == EPROTO ? BFCP_UNSUPPORTED_VERSION
					: BFCP_PARSE_ERROR,
		   NULL, 0, framer_err == EMSGSIZE ? "message too large"
						   : NULL);
}


bool fctl_recv(struct fctl *fc, uint16_t userid, const uint8_t *p, size_t n)
{
	struct bfcp_msg *msg = NULL;
	struct bfcp_hdr h;
	struct fuser *u;
	bool close = false;
	int err;

	if (!fc || !p || n < BFCP_HDR_SIZE)
		return true;

	bfcp_hdr_get(&h, p);

	if (bfcp_msg_check(p, n)) {
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_PARSE_ERROR, NULL, 0, NULL);
		return true;
	}

	/* RFC 8855 5.1: version 1 is the one for reliable transports */
	if (h.ver != 1) {
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_UNSUPPORTED_VERSION, NULL, 0,
			   "use version 1 over TCP");
		return false;
	}

	/* RFC 8855 13: primitive, conference, authentication, mandatory
	 * attributes -- in that order */
	switch (h.prim) {

	case BFCP_FLOOR_REQUEST:
	case BFCP_FLOOR_RELEASE:
	case BFCP_FLOOR_REQUEST_QUERY:
	case BFCP_USER_QUERY:
	case BFCP_FLOOR_QUERY:
	case BFCP_CHAIR_ACTION:
	case BFCP_HELLO:
	case BFCP_GOODBYE:
		break;

	case BFCP_FLOOR_REQ_STATUS_ACK:
	case BFCP_FLOOR_STATUS_ACK:
	case BFCP_GOODBYE_ACK:
	case BFCP_ERROR:
		/* answers; nothing is outstanding over TCP, never reply
		 * to an Error (no loops) */
		return false;

	default:
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_UNKNOWN_PRIM, NULL, 0, NULL);
		return false;
	}

	if (h.confid != fc->confid) {
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_CONF_NOT_EXIST, NULL, 0, NULL);
		return false;
	}

	/* the connection is bound to one user: it never speaks for another
	 */
	if (h.userid != userid) {
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   user_find(fc, h.userid) ? BFCP_UNAUTH_OPERATION
						   : BFCP_USER_NOT_EXIST,
			   NULL, 0, "User ID of another participant");
		return false;
	}

	u = user_find(fc, userid);
	if (!u) {
		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_USER_NOT_EXIST, NULL, 0, NULL);
		return false;
	}

	err = bfcp_msg_decode_tcp(&msg, p, n);
	if (err) {
		if (err != ENOMEM)
			send_error(fc, userid, h.confid, h.tid, h.userid,
				   BFCP_PARSE_ERROR, NULL, 0, NULL);
		return err != ENOMEM;
	}

	if (msg->uma.typec) {
		char info[128] = "";
		size_t i, off = 0;

		for (i = 0; i < msg->uma.typec; i++) {
			int k = re_snprintf(info + off, sizeof(info) - off,
					    "%s%u", i ? " " : "unknown: ",
					    msg->uma.typev[i] >> 1);
			if (k < 0 || (size_t)k >= sizeof(info) - off)
				break;
			off += k;
		}

		send_error(fc, userid, h.confid, h.tid, h.userid,
			   BFCP_UNKNOWN_MAND_ATTR, msg->uma.typev,
			   msg->uma.typec, info);
		goto out;
	}

	switch (msg->prim) {

	case BFCP_FLOOR_REQUEST:
		on_floor_request(fc, u, msg);
		break;

	case BFCP_FLOOR_RELEASE:
		on_floor_release(fc, u, msg);
		break;

	case BFCP_FLOOR_REQUEST_QUERY:
		on_floor_request_query(fc, u, msg);
		break;

	case BFCP_USER_QUERY:
		on_user_query(fc, u, msg);
		break;

	case BFCP_FLOOR_QUERY:
		on_floor_query(fc, u, msg);
		break;

	case BFCP_CHAIR_ACTION:
		on_chair_action(fc, u, msg);
		break;

	case BFCP_HELLO:
		on_hello(fc, u, msg);
		break;

	case BFCP_GOODBYE:
		reply_empty(fc, u->id, msg, BFCP_GOODBYE_ACK);
		fctl_user_disconnect(fc, u->id);
		close = true;
		break;

	default:
		break;
	}

 out:
	mem_deref(msg);
	return close;
}

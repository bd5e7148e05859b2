/**
 * @file engine.c  Floor-control engine: floors, users, requests and the
 * scheduler that grants and queues them (RFC 8855 sections 10 to 13,
 * server side).  The primitives are in recv.c, the replies in reply.c.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "floor/engine_int.h"


static void user_destructor(void *arg)
{
	struct floor_ctl_user *u = arg;

	list_unlink(&u->le);
}


static void floor_destructor(void *arg)
{
	struct floor_ctl_floor *f = arg;

	list_unlink(&f->le);
	mem_deref(f->holdv);
}


static void req_destructor(void *arg)
{
	struct floor_ctl_req *r = arg;

	list_unlink(&r->le);
}


static void destructor(void *arg)
{
	struct floor_ctl *fc = arg;

	list_flush(&fc->reqs);
	list_flush(&fc->users);
	list_flush(&fc->floors);
}


int floor_ctl_alloc(struct floor_ctl **fcp, uint32_t confid,
		    floor_ctl_send_h *sendh, floor_ctl_holders_h *holdh,
		    void *arg)
{
	struct floor_ctl *fc;

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


uint32_t floor_ctl_confid(const struct floor_ctl *fc)
{
	return fc ? fc->confid : 0;
}


void floor_ctl_set_max_requests(struct floor_ctl *fc, unsigned n)
{
	if (fc)
		fc->max_reqs = n ? n : 1;
}


struct floor_ctl_user *floor_ctl_user_find(const struct floor_ctl *fc,
					    uint16_t id)
{
	struct le *le;

	for (le = fc->users.head; le; le = le->next) {
		struct floor_ctl_user *u = le->data;
		if (u->id == id)
			return u;
	}
	return NULL;
}


struct floor_ctl_floor *floor_ctl_floor_find(const struct floor_ctl *fc,
					     uint16_t id)
{
	struct le *le;

	for (le = fc->floors.head; le; le = le->next) {
		struct floor_ctl_floor *f = le->data;
		if (f->id == id)
			return f;
	}
	return NULL;
}


struct floor_ctl_req *floor_ctl_req_find(const struct floor_ctl *fc,
					  uint16_t id)
{
	struct le *le;

	for (le = fc->reqs.head; le; le = le->next) {
		struct floor_ctl_req *r = le->data;
		if (r->id == id)
			return r;
	}
	return NULL;
}


bool floor_ctl_req_has_floor(const struct floor_ctl_req *r, uint16_t floorid,
			     size_t *ix)
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


int floor_ctl_floor_add(struct floor_ctl *fc, uint16_t floorid,
			enum floor_ctl_policy pol, unsigned max_holders)
{
	struct floor_ctl_floor *f;

	if (!fc || !floorid)
		return EINVAL;

	if (floor_ctl_floor_find(fc, floorid))
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


int floor_ctl_user_add(struct floor_ctl *fc, uint16_t userid, bool chair,
		  const char *dname, const char *uri)
{
	struct floor_ctl_user *u;

	if (!fc || !userid)
		return EINVAL;

	if (floor_ctl_user_find(fc, userid))
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


bool floor_ctl_user_exists(const struct floor_ctl *fc, uint16_t userid)
{
	return fc && floor_ctl_user_find(fc, userid) != NULL;
}


size_t floor_ctl_request_count(const struct floor_ctl *fc)
{
	struct le *le;
	size_t n = 0;

	if (!fc)
		return 0;

	for (le = fc->reqs.head; le; le = le->next) {
		if (floor_ctl_req_ongoing(le->data))
			++n;
	}
	return n;
}


bool floor_ctl_holds(const struct floor_ctl *fc, uint16_t floorid,
		     uint16_t userid)
{
	struct le *le;

	if (!fc)
		return false;

	for (le = fc->reqs.head; le; le = le->next) {
		const struct floor_ctl_req *r = le->data;

		if (r->st == BFCP_GRANTED && r->beneficiary == userid &&
		    floor_ctl_req_has_floor(r, floorid, NULL))
			return true;
	}
	return false;
}


/* ---- scheduling ---- */

static int req_cmp(const void *a, const void *b)
{
	const struct floor_ctl_req *x = *(struct floor_ctl_req * const *)a;
	const struct floor_ctl_req *y = *(struct floor_ctl_req * const *)b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;

	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}


static bool req_chair_ready(const struct floor_ctl *fc,
			    const struct floor_ctl_req *r)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		const struct floor_ctl_floor *f;

		f = floor_ctl_floor_find(fc, r->floorv[i]);

		if (f && f->pol == FLOOR_CTL_CHAIR && !r->chair_ok[i])
			return false;
	}
	return true;
}


/*
 * Recompute every waiting request's status and queue position, granting
 * what fits.  A request that cannot be granted blocks its floors for
 * the requests behind it, so nobody jumps the queue; a chair's grant
 * (force) may jump it when the floor has room.
 */
static void schedule(struct floor_ctl *fc)
{
	struct floor_ctl_req **v;
	struct le *le;
	size_t n = 0, i, j;

	for (le = fc->floors.head; le; le = le->next) {
		struct floor_ctl_floor *f = le->data;

		f->granted = f->waiting = 0;
		f->blocked = false;
	}

	for (le = fc->reqs.head; le; le = le->next) {
		struct floor_ctl_req *r = le->data;

		if (r->st == BFCP_GRANTED) {
			for (i = 0; i < r->floorc; i++) {
				struct floor_ctl_floor *f;

				f = floor_ctl_floor_find(fc, r->floorv[i]);
				if (f)
					++f->granted;
			}
		}
		else if (floor_ctl_req_ongoing(r)) {
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
		struct floor_ctl_req *r = le->data;

		if (floor_ctl_req_ongoing(r) && r->st != BFCP_GRANTED)
			v[n++] = r;
	}

	qsort(v, n, sizeof(*v), req_cmp);

	for (j = 0; j < 2; j++) {
		/* pass 0: chair grants first; pass 1: the queue */
		for (i = 0; i < n; i++) {
			struct floor_ctl_req *r = v[i];
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
				struct floor_ctl_floor *f;

				f = floor_ctl_floor_find(fc, r->floorv[k]);
				if (!f || f->granted >= f->max ||
				    (j == 1 && f->blocked))
					fits = false;
			}

			if (fits) {
				r->st = BFCP_GRANTED;
				r->qpos = 0;
				r->force = false;
				for (k = 0; k < r->floorc; k++)
					++floor_ctl_floor_find(fc,
						r->floorv[k])->granted;
				continue;
			}

			if (j == 0)
				continue;

			r->qpos = 0;
			for (k = 0; k < r->floorc; k++) {
				struct floor_ctl_floor *f;

				f = floor_ctl_floor_find(fc, r->floorv[k]);
				if (!f)
					continue;
				f->blocked = true;
				++f->waiting;
				if (f->waiting > r->qpos)
					r->qpos = (uint8_t)(f->waiting > 255 ?
							    255 : f->waiting);
			}

			/* RFC 8855 5.2.5: Pending only while a chair has
			 * yet to decide (handled above, queue position 0);
			 * a request that waits its turn in the queue, under
			 * an automatic policy or after a chair's accept, is
			 * Accepted with its position */
			r->st = BFCP_ACCEPTED;
		}
	}

	mem_deref(v);
}


void floor_ctl_mark_dirty(struct floor_ctl *fc, const struct floor_ctl_req *r)
{
	size_t i;

	for (i = 0; i < r->floorc; i++) {
		struct floor_ctl_floor *f;

		f = floor_ctl_floor_find(fc, r->floorv[i]);
		if (f)
			f->dirty = true;
	}
}


static void report_holders(struct floor_ctl *fc)
{
	struct le *le, *rl;

	for (le = fc->floors.head; le; le = le->next) {
		struct floor_ctl_floor *f = le->data;
		uint16_t hv[64];
		size_t hc = 0;

		for (rl = fc->reqs.head; rl; rl = rl->next) {
			const struct floor_ctl_req *r = rl->data;

			if (r->st == BFCP_GRANTED &&
			    floor_ctl_req_has_floor(r, f->id, NULL) &&
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
void floor_ctl_flush(struct floor_ctl *fc)
{
	struct le *le, *ul;

	schedule(fc);

	for (le = fc->reqs.head; le; le = le->next) {
		struct floor_ctl_req *r = le->data;

		if (r->st == r->sent_st && r->qpos == r->sent_qpos)
			continue;

		floor_send_frs(fc, r->requester, NULL, r);
		if (r->beneficiary != r->requester)
			floor_send_frs(fc, r->beneficiary, NULL, r);

		r->sent_st = r->st;
		r->sent_qpos = r->qpos;
		floor_ctl_mark_dirty(fc, r);
	}

	for (le = fc->floors.head; le; le = le->next) {
		struct floor_ctl_floor *f = le->data;

		if (!f->dirty)
			continue;
		f->dirty = false;

		for (ul = fc->users.head; ul; ul = ul->next) {
			struct floor_ctl_user *u = ul->data;
			size_t i;

			for (i = 0; i < u->subc; i++) {
				if (u->subv[i] == f->id)
					floor_send_floor_status(fc, u->id, 0,
								f);
			}
		}
	}

	le = fc->reqs.head;
	while (le) {
		struct floor_ctl_req *r = le->data;

		le = le->next;
		if (!floor_ctl_req_ongoing(r))
			mem_deref(r);
	}

	report_holders(fc);

	if (fc->changeh)
		fc->changeh(fc->change_arg);
}


void floor_ctl_set_change_handler(struct floor_ctl *fc,
				  floor_ctl_change_h *h, void *arg)
{
	if (!fc)
		return;
	fc->changeh = h;
	fc->change_arg = arg;
}


/* Answer the transaction with the current state of r, then flush the
 * consequences.  The requester learns it from this reply, so the flush
 * does not repeat it to them; a different beneficiary is told apart. */
void floor_ctl_reply_frs(struct floor_ctl *fc, uint16_t to,
			 const struct bfcp_msg *msg, struct floor_ctl_req *r)
{
	schedule(fc);

	floor_send_frs(fc, to, msg, r);

	if (r->st != r->sent_st || r->qpos != r->sent_qpos) {
		if (r->beneficiary != to)
			floor_send_frs(fc, r->beneficiary, NULL, r);
		if (r->requester != to && r->requester != r->beneficiary)
			floor_send_frs(fc, r->requester, NULL, r);
		r->sent_st = r->st;
		r->sent_qpos = r->qpos;
		floor_ctl_mark_dirty(fc, r);
	}

	floor_ctl_flush(fc);
}


/* ---- requests and users ---- */

static uint16_t new_reqid(struct floor_ctl *fc)
{
	unsigned tries;

	for (tries = 0; tries < 0x10000; tries++) {
		uint16_t id = fc->next_reqid++;

		if (!fc->next_reqid)
			fc->next_reqid = 1;
		if (id && !floor_ctl_req_find(fc, id))
			return id;
	}
	return 0;
}


int floor_ctl_req_alloc(struct floor_ctl_req **rp, struct floor_ctl *fc)
{
	struct floor_ctl_req *r;

	r = mem_zalloc(sizeof(*r), req_destructor);
	if (!r)
		return ENOMEM;

	r->id = new_reqid(fc);
	if (!r->id) {
		mem_deref(r);
		return EADDRINUSE;
	}

	r->seq = ++fc->seq;
	r->st = BFCP_PENDING;
	list_append(&fc->reqs, &r->le, r);

	*rp = r;
	return 0;
}


static void cancel_user(struct floor_ctl *fc, uint16_t userid)
{
	struct le *le;

	for (le = fc->reqs.head; le; le = le->next) {
		struct floor_ctl_req *r = le->data;

		if (!floor_ctl_req_ongoing(r))
			continue;
		if (r->requester != userid && r->beneficiary != userid)
			continue;

		r->st = r->st == BFCP_GRANTED ? BFCP_RELEASED
					      : BFCP_CANCELLED;
		r->qpos = 0;
		floor_ctl_mark_dirty(fc, r);
	}
}


void floor_ctl_user_disconnect(struct floor_ctl *fc, uint16_t userid)
{
	struct floor_ctl_user *u;

	if (!fc)
		return;

	u = floor_ctl_user_find(fc, userid);
	if (u)
		u->subc = 0;

	cancel_user(fc, userid);
	floor_ctl_flush(fc);
}


void floor_ctl_user_remove(struct floor_ctl *fc, uint16_t userid)
{
	if (!fc)
		return;

	floor_ctl_user_disconnect(fc, userid);
	mem_deref(floor_ctl_user_find(fc, userid));
}


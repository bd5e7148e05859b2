/**
 * @file test_floor_engine.c  Floor-control engine flows (RFC 8855).
 *
 * Requests are built here byte by byte from the RFC 8855 figures; the
 * engine's output is decoded with libre's decoder.
 */
#include <string.h>
#include <re.h>
#include "floor/engine_int.h"
#include "tests/unit/check.h"


enum { CONF = 0x00c0ffee, MAXOUT = 64 };

struct out {
	uint16_t to;
	uint8_t prim;
	uint16_t tid;
	uint16_t frid;      /* FLOOR-REQUEST-INFORMATION (first) */
	uint8_t st, qpos;   /* its OVERALL-REQUEST-STATUS */
	uint8_t fst, fqpos; /* its first FLOOR-REQUEST-STATUS */
	uint16_t frid2;     /* the second FLOOR-REQUEST-INFORMATION */
	uint8_t st2, qpos2; /* its OVERALL-REQUEST-STATUS */
	uint8_t err;        /* ERROR-CODE */
	uint8_t errdet;     /* first details byte */
	uint16_t floorid;   /* FloorStatus FLOOR-ID */
	size_t nfri;
};

static struct out outv[MAXOUT];
static size_t outc;
static uint16_t holders[8];
static size_t nholders;
static uint16_t holders_floor;
static unsigned holders_calls;


static void sendh(uint16_t to, struct mbuf *mb, void *arg)
{
	struct bfcp_msg *msg = NULL;
	struct out *o;
	struct le *le;

	(void)arg;
	if (outc >= MAXOUT || bfcp_msg_decode(&msg, mb))
		return;

	o = &outv[outc++];
	memset(o, 0, sizeof(*o));
	o->to = to;
	o->prim = msg->prim;
	o->tid = msg->tid;

	for (le = msg->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;

		if (a->type == BFCP_FLOOR_REQ_INFO) {
			const struct bfcp_attr *ors, *frs, *rs, *frs_rs;

			ors = bfcp_attr_subattr(a, BFCP_OVERALL_REQ_STATUS);
			rs = bfcp_attr_subattr(ors, BFCP_REQUEST_STATUS);
			frs = bfcp_attr_subattr(a, BFCP_FLOOR_REQ_STATUS);
			frs_rs = bfcp_attr_subattr(frs, BFCP_REQUEST_STATUS);

			if (!o->nfri) {
				o->frid = a->v.floorreqid;
				if (rs) {
					o->st = rs->v.reqstatus.status;
					o->qpos = rs->v.reqstatus.qpos;
				}
				if (frs_rs) {
					o->fst = frs_rs->v.reqstatus.status;
					o->fqpos = frs_rs->v.reqstatus.qpos;
				}
			}
			else if (o->nfri == 1) {
				o->frid2 = a->v.floorreqid;
				if (rs) {
					o->st2 = rs->v.reqstatus.status;
					o->qpos2 = rs->v.reqstatus.qpos;
				}
			}
			++o->nfri;
		}
		else if (a->type == BFCP_ERROR_CODE) {
			o->err = a->v.errcode.code;
			if (a->v.errcode.len)
				o->errdet = a->v.errcode.details[0];
		}
		else if (a->type == BFCP_FLOOR_ID) {
			o->floorid = a->v.floorid;
		}
	}
	mem_deref(msg);
}


static void holdh(uint16_t floorid, const uint16_t *userv, size_t userc,
		  void *arg)
{
	(void)arg;
	holders_floor = floorid;
	nholders = userc < 8 ? userc : 8;
	if (nholders)
		memcpy(holders, userv, nholders * sizeof(*userv));
	++holders_calls;
}


/* ---- hand-built requests ---- */

struct req {
	uint8_t b[256];
	size_t n;
};

static void r_hdr(struct req *r, uint8_t prim, uint32_t conf, uint16_t tid,
		  uint16_t user)
{
	uint8_t h[12] = {0x20, prim, 0, 0, conf >> 24, conf >> 16, conf >> 8,
			 conf, tid >> 8, tid, user >> 8, user};
	memcpy(r->b, h, 12);
	r->n = 12;
}

static void r_u16(struct req *r, uint8_t type, uint16_t v)
{
	r->b[r->n++] = (uint8_t)(type << 1 | 1);
	r->b[r->n++] = 4;
	r->b[r->n++] = v >> 8;
	r->b[r->n++] = v & 0xff;
}

static void r_end(struct req *r)
{
	r->b[2] = (uint8_t)(((r->n - 12) / 4) >> 8);
	r->b[3] = (uint8_t)((r->n - 12) / 4);
}

static bool send_req(struct floor_ctl *fc, uint16_t user, uint16_t floorid,
		     uint16_t ben, int prio, uint16_t tid)
{
	struct req r;

	r_hdr(&r, BFCP_FLOOR_REQUEST, CONF, tid, user);
	r_u16(&r, BFCP_FLOOR_ID, floorid);
	if (ben)
		r_u16(&r, BFCP_BENEFICIARY_ID, ben);
	if (prio >= 0) {
		r.b[r.n++] = BFCP_PRIORITY << 1;
		r.b[r.n++] = 4;
		r.b[r.n++] = (uint8_t)(prio << 5);
		r.b[r.n++] = 0;
	}
	r_end(&r);
	return floor_ctl_recv(fc, user, r.b, r.n);
}

static void send_frid(struct floor_ctl *fc, uint8_t prim, uint16_t user,
		      uint16_t frid, uint16_t tid)
{
	struct req r;

	r_hdr(&r, prim, CONF, tid, user);
	r_u16(&r, BFCP_FLOOR_REQUEST_ID, frid);
	r_end(&r);
	(void)floor_ctl_recv(fc, user, r.b, r.n);
}

/* ChairAction: FRI(frid){ FRS(floor){ REQUEST-STATUS(st, qpos) } } */
static void send_chair(struct floor_ctl *fc, uint16_t user, uint16_t frid,
		       uint16_t floorid, uint8_t st, uint16_t tid)
{
	struct req r;

	r_hdr(&r, BFCP_CHAIR_ACTION, CONF, tid, user);
	r.b[r.n++] = BFCP_FLOOR_REQ_INFO << 1 | 1;
	r.b[r.n++] = 12;
	r.b[r.n++] = frid >> 8;
	r.b[r.n++] = frid & 0xff;
	r.b[r.n++] = BFCP_FLOOR_REQ_STATUS << 1 | 1;
	r.b[r.n++] = 8;
	r.b[r.n++] = floorid >> 8;
	r.b[r.n++] = floorid & 0xff;
	r.b[r.n++] = BFCP_REQUEST_STATUS << 1 | 1;
	r.b[r.n++] = 4;
	r.b[r.n++] = st;
	r.b[r.n++] = 0;
	r_end(&r);
	(void)floor_ctl_recv(fc, user, r.b, r.n);
}

static void send_fq(struct floor_ctl *fc, uint16_t user, uint16_t floorid,
		    uint16_t tid)
{
	struct req r;

	r_hdr(&r, BFCP_FLOOR_QUERY, CONF, tid, user);
	if (floorid)
		r_u16(&r, BFCP_FLOOR_ID, floorid);
	r_end(&r);
	(void)floor_ctl_recv(fc, user, r.b, r.n);
}


/* The n-th output sent to user (0-based), or NULL */
static const struct out *find(uint16_t to, uint8_t prim, size_t nth)
{
	size_t i;

	for (i = 0; i < outc; i++) {
		if (outv[i].to == to && outv[i].prim == prim && !nth--)
			return &outv[i];
	}
	return NULL;
}

static size_t count(uint16_t to, uint8_t prim)
{
	size_t i, n = 0;

	for (i = 0; i < outc; i++)
		n += outv[i].to == to && outv[i].prim == prim;
	return n;
}


static int setup(struct floor_ctl **fcp, enum floor_ctl_policy pol,
		 unsigned max)
{
	int err;

	outc = 0;
	nholders = 0;
	holders_calls = 0;

	err  = floor_ctl_alloc(fcp, CONF, sendh, holdh, NULL);
	err |= floor_ctl_floor_add(*fcp, 1, pol, max);
	err |= floor_ctl_user_add(*fcp, 1, true, "Chair", "sip:chair@x");
	err |= floor_ctl_user_add(*fcp, 2, false, "Two", NULL);
	err |= floor_ctl_user_add(*fcp, 3, false, NULL, NULL);
	err |= floor_ctl_user_add(*fcp, 4, false, NULL, NULL);
	return err;
}


static int test_auto_queue(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	CHECK(!send_req(fc, 2, 1, 0, -1, 10));
	o = find(2, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->tid, 10);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK_EQ(o->frid, 1);
	CHECK(floor_ctl_holds(fc, 1, 2));
	CHECK_EQ(nholders, 1);
	CHECK_EQ(holders[0], 2);

	CHECK(!send_req(fc, 3, 1, 0, -1, 11));
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->tid, 11);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);
	CHECK_EQ(o->frid, 2);

	CHECK(!send_req(fc, 4, 1, 0, -1, 12));
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 2);

	/* release moves the grant; the queue moves up */
	send_frid(fc, BFCP_FLOOR_RELEASE, 2, 1, 13);
	o = find(2, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 13);
	CHECK_EQ(o->st, BFCP_RELEASED);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->st, BFCP_GRANTED);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);
	CHECK(floor_ctl_holds(fc, 1, 3));
	CHECK(!floor_ctl_holds(fc, 1, 2));
	CHECK_EQ(holders[0], 3);

	/* cancelling a waiting request: Cancelled, not Released */
	send_frid(fc, BFCP_FLOOR_RELEASE, 4, 3, 14);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 2);
	CHECK_EQ(o->st, BFCP_CANCELLED);

	/* gone now */
	send_frid(fc, BFCP_FLOOR_RELEASE, 4, 3, 15);
	o = find(4, BFCP_ERROR, 0);
	CHECK(o);
	CHECK_EQ(o->err, BFCP_FLOOR_REQ_ID_NOT_EXIST);
	CHECK_EQ(floor_ctl_request_count(fc), 1);

	mem_deref(fc);
	return 0;
}


/*
 * RFC 8855 5.2.5: under an automatic policy nobody waits for a chair,
 * so a queued request is Accepted with its queue position, in the
 * OVERALL-REQUEST-STATUS and in each FLOOR-REQUEST-STATUS alike, in
 * the reply, in later notifications and in FloorStatus (Figure 3).
 * Pending is never sent for such a floor.
 */
static int test_auto_accepted(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;
	size_t i;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	send_fq(fc, 1, 1, 30);                    /* the chair watches */
	CHECK(!send_req(fc, 2, 1, 0, -1, 31));    /* granted */
	CHECK(!send_req(fc, 3, 1, 0, -1, 32));    /* 1st in the queue */
	CHECK(!send_req(fc, 4, 1, 0, -1, 33));    /* 2nd */

	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->tid, 32);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);
	CHECK_EQ(o->fst, BFCP_ACCEPTED);
	CHECK_EQ(o->fqpos, 1);

	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->tid, 33);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 2);
	CHECK_EQ(o->fst, BFCP_ACCEPTED);
	CHECK_EQ(o->fqpos, 2);

	/* the subscriber's last FloorStatus: 1 Granted, 2 Accepted 1st,
	 * (3 Accepted 2nd follows) */
	o = find(1, BFCP_FLOOR_STATUS, 3);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->nfri, 3);
	CHECK_EQ(o->frid, 1);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK_EQ(o->qpos, 0);
	CHECK_EQ(o->frid2, 2);
	CHECK_EQ(o->st2, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos2, 1);

	/* user 2 releases its grant: user 3 is granted, and user 4,
	 * still Accepted, is told its new position (Transaction ID 0) */
	send_frid(fc, BFCP_FLOOR_RELEASE, 2, 1, 34);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK_EQ(o->qpos, 0);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);
	CHECK_EQ(o->fst, BFCP_ACCEPTED);
	CHECK_EQ(o->fqpos, 1);

	/* a FloorRequestQuery reports the same */
	send_frid(fc, BFCP_FLOOR_REQUEST_QUERY, 4, 3, 35);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 2);
	CHECK(o);
	CHECK_EQ(o->tid, 35);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);

	for (i = 0; i < outc; i++) {
		CHECK(outv[i].st != BFCP_PENDING);
		CHECK(outv[i].fst != BFCP_PENDING);
		CHECK(outv[i].st2 != BFCP_PENDING);
	}

	mem_deref(fc);
	return 0;
}


/* Under a chair, Pending carries queue position 0 until the chair
 * accepts; the accepted request then waits Accepted with its
 * position. */
static int test_chair_pending_qpos0(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_CHAIR, 1), 0);

	CHECK(!send_req(fc, 2, 1, 0, -1, 1));
	send_chair(fc, 1, 1, 1, BFCP_GRANTED, 2);
	CHECK(floor_ctl_holds(fc, 1, 2));

	CHECK(!send_req(fc, 3, 1, 0, -1, 3));
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_PENDING);
	CHECK_EQ(o->qpos, 0);
	CHECK_EQ(o->fst, BFCP_PENDING);
	CHECK_EQ(o->fqpos, 0);

	/* a second Pending request does not take a queue position either */
	CHECK(!send_req(fc, 4, 1, 0, -1, 4));
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_PENDING);
	CHECK_EQ(o->qpos, 0);

	/* the chair accepts user 4 first: it is 1st in the queue, and
	 * user 3, still waiting for the chair, stays Pending at 0 */
	send_chair(fc, 1, 3, 1, BFCP_ACCEPTED, 5);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);
	CHECK_EQ(o->fst, BFCP_ACCEPTED);
	CHECK_EQ(o->fqpos, 1);
	CHECK_EQ(count(3, BFCP_FLOOR_REQUEST_STATUS), 1);

	mem_deref(fc);
	return 0;
}


static int test_priority(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	CHECK(!send_req(fc, 2, 1, 0, -1, 1));          /* granted */
	CHECK(!send_req(fc, 3, 1, 0, -1, 2));          /* qpos 1 */
	/* a chair asking Highest goes ahead of user 3 */
	CHECK(!send_req(fc, 1, 1, 0, BFCP_PRIO_HIGHEST, 3));
	o = find(1, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK_EQ(o->qpos, 1);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->qpos, 2);

	/* a participant's Highest is capped at Normal: behind user 3 */
	CHECK(!send_req(fc, 4, 1, 0, BFCP_PRIO_HIGHEST, 4));
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK_EQ(o->qpos, 3);

	mem_deref(fc);
	return 0;
}


static int test_chair_flow(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_CHAIR, 1), 0);

	/* user 3 asks and the chair grants it outright */
	CHECK(!send_req(fc, 3, 1, 0, -1, 1));
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK_EQ(o->st, BFCP_PENDING);
	CHECK_EQ(o->qpos, 0);
	send_chair(fc, 1, 1, 1, BFCP_GRANTED, 2);
	CHECK(find(1, BFCP_CHAIR_ACTION_ACK, 0));
	CHECK_EQ(find(1, BFCP_CHAIR_ACTION_ACK, 0)->tid, 2);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK_EQ(o->st, BFCP_GRANTED);

	/* user 2: Pending, then Accepted (queued behind 3), then Granted */
	CHECK(!send_req(fc, 2, 1, 0, -1, 3));
	o = find(2, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK_EQ(o->st, BFCP_PENDING);
	CHECK_EQ(o->qpos, 0);

	/* a non-chair cannot act */
	send_chair(fc, 4, 2, 1, BFCP_ACCEPTED, 4);
	o = find(4, BFCP_ERROR, 0);
	CHECK(o);
	CHECK_EQ(o->err, BFCP_UNAUTH_OPERATION);
	CHECK_EQ(o->tid, 4);
	CHECK_EQ(count(2, BFCP_FLOOR_REQUEST_STATUS), 1);

	send_chair(fc, 1, 2, 1, BFCP_ACCEPTED, 5);
	o = find(2, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_ACCEPTED);
	CHECK_EQ(o->qpos, 1);

	/* chair revokes user 3: user 2 moves up to Granted */
	send_chair(fc, 1, 1, 1, BFCP_REVOKED, 6);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 2);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_REVOKED);
	o = find(2, BFCP_FLOOR_REQUEST_STATUS, 2);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK(floor_ctl_holds(fc, 1, 2));

	/* the wrong floor in a ChairAction */
	send_chair(fc, 1, 2, 9, BFCP_REVOKED, 7);
	o = find(1, BFCP_ERROR, 0);
	CHECK_EQ(o->err, BFCP_INVALID_FLOOR_ID);

	/* deny a pending one */
	CHECK(!send_req(fc, 4, 1, 0, -1, 8));
	send_chair(fc, 1, 3, 1, BFCP_DENIED, 9);
	o = find(4, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK_EQ(o->st, BFCP_DENIED);

	mem_deref(fc);
	return 0;
}


static int test_floorquery_subscribers(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	send_fq(fc, 4, 1, 20);
	o = find(4, BFCP_FLOOR_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->tid, 20);
	CHECK_EQ(o->floorid, 1);
	CHECK_EQ(o->nfri, 0);

	CHECK(!send_req(fc, 2, 1, 0, -1, 1));
	o = find(4, BFCP_FLOOR_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 0);
	CHECK_EQ(o->nfri, 1);
	CHECK_EQ(o->st, BFCP_GRANTED);

	CHECK(!send_req(fc, 3, 1, 0, -1, 2));
	o = find(4, BFCP_FLOOR_STATUS, 2);
	CHECK(o);
	CHECK_EQ(o->nfri, 2);

	send_frid(fc, BFCP_FLOOR_RELEASE, 2, 1, 3);
	CHECK_EQ(count(4, BFCP_FLOOR_STATUS), 4);

	/* an empty FloorQuery ends the subscription */
	send_fq(fc, 4, 0, 21);
	CHECK_EQ(count(4, BFCP_FLOOR_STATUS), 5);
	send_frid(fc, BFCP_FLOOR_RELEASE, 3, 2, 4);
	CHECK_EQ(count(4, BFCP_FLOOR_STATUS), 5);

	/* unknown floor */
	send_fq(fc, 4, 77, 22);
	CHECK_EQ(find(4, BFCP_ERROR, 0)->err, BFCP_INVALID_FLOOR_ID);

	mem_deref(fc);
	return 0;
}


static int test_leave_frees_floor(void)
{
	struct floor_ctl *fc = NULL;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);
	CHECK(!send_req(fc, 2, 1, 0, -1, 1));
	CHECK(!send_req(fc, 3, 1, 0, -1, 2));
	CHECK(floor_ctl_holds(fc, 1, 2));

	floor_ctl_user_remove(fc, 2);
	CHECK(!floor_ctl_user_exists(fc, 2));
	CHECK(floor_ctl_holds(fc, 1, 3));
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK_EQ(nholders, 1);
	CHECK_EQ(holders[0], 3);

	/* a dropped connection: requests go, the user stays */
	floor_ctl_user_disconnect(fc, 3);
	CHECK(floor_ctl_user_exists(fc, 3));
	CHECK_EQ(floor_ctl_request_count(fc), 0);
	CHECK_EQ(nholders, 0);

	mem_deref(fc);
	return 0;
}


static int test_audio_holders(void)
{
	struct floor_ctl *fc = NULL;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);
	CHECK_EQ(floor_ctl_floor_add(fc, 2, FLOOR_CTL_AUTO, 2), 0);

	CHECK(!send_req(fc, 2, 2, 0, -1, 1));
	CHECK_EQ(holders_floor, 2);
	CHECK_EQ(nholders, 1);
	CHECK(!send_req(fc, 3, 2, 0, -1, 2));
	CHECK_EQ(nholders, 2);
	CHECK_EQ(holders[0], 2);
	CHECK_EQ(holders[1], 3);
	CHECK(!send_req(fc, 4, 2, 0, -1, 3));
	CHECK_EQ(nholders, 2);
	CHECK(!floor_ctl_holds(fc, 2, 4));

	send_frid(fc, BFCP_FLOOR_RELEASE, 2, 1, 4);
	CHECK_EQ(holders_floor, 2);
	CHECK_EQ(nholders, 2);
	CHECK_EQ(holders[0], 3);
	CHECK_EQ(holders[1], 4);

	mem_deref(fc);
	return 0;
}


static int test_errors(void)
{
	struct floor_ctl *fc = NULL;
	struct req r;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	/* beneficiary from a non-chair */
	CHECK(!send_req(fc, 2, 1, 3, -1, 1));
	CHECK_EQ(find(2, BFCP_ERROR, 0)->err, BFCP_UNAUTH_OPERATION);

	/* a chair for someone else works; for an unknown user does not */
	CHECK(!send_req(fc, 1, 1, 3, -1, 2));
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->st, BFCP_GRANTED);
	CHECK(!send_req(fc, 1, 1, 99, -1, 3));
	CHECK_EQ(find(1, BFCP_ERROR, 0)->err, BFCP_USER_NOT_EXIST);

	/* max requests: user 3 already has one on floor 1 */
	CHECK(!send_req(fc, 3, 1, 0, -1, 4));
	CHECK_EQ(find(3, BFCP_ERROR, 0)->err, BFCP_MAX_FLOOR_REQ_REACHED);

	/* invalid floor */
	CHECK(!send_req(fc, 4, 9, 0, -1, 5));
	CHECK_EQ(find(4, BFCP_ERROR, 0)->err, BFCP_INVALID_FLOOR_ID);

	/* unknown conference */
	r_hdr(&r, BFCP_HELLO, CONF + 1, 6, 4);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK_EQ(find(4, BFCP_ERROR, 1)->err, BFCP_CONF_NOT_EXIST);

	/* another user's ID on user 4's connection */
	r_hdr(&r, BFCP_HELLO, CONF, 7, 2);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	o = find(4, BFCP_ERROR, 2);
	CHECK_EQ(o->err, BFCP_UNAUTH_OPERATION);
	r_hdr(&r, BFCP_HELLO, CONF, 7, 1234);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK_EQ(find(4, BFCP_ERROR, 3)->err, BFCP_USER_NOT_EXIST);

	/* unknown primitive */
	r_hdr(&r, 99, CONF, 8, 4);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK_EQ(find(4, BFCP_ERROR, 4)->err, BFCP_UNKNOWN_PRIM);

	/* unknown mandatory attribute 100, listed in the details */
	r_hdr(&r, BFCP_HELLO, CONF, 9, 4);
	r.b[r.n++] = 100 << 1 | 1;
	r.b[r.n++] = 4;
	r.b[r.n++] = 0;
	r.b[r.n++] = 0;
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	o = find(4, BFCP_ERROR, 5);
	CHECK_EQ(o->err, BFCP_UNKNOWN_MAND_ATTR);
	CHECK_EQ(o->errdet >> 1, 100);

	/* ... but without M it is ignored */
	r.b[12] = 100 << 1;
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK(find(4, BFCP_HELLO_ACK, 0));

	/* version 2 over TCP: Error 12, connection kept */
	r_hdr(&r, BFCP_HELLO, CONF, 10, 4);
	r_end(&r);
	r.b[0] = 0x40;
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK_EQ(find(4, BFCP_ERROR, 6)->err, BFCP_UNSUPPORTED_VERSION);

	/* unparsable: Error 10 and close */
	r_hdr(&r, BFCP_FLOOR_REQUEST, CONF, 11, 4);
	r.b[r.n++] = BFCP_FLOOR_ID << 1 | 1;
	r.b[r.n++] = 9;
	r.b[r.n++] = 0;
	r.b[r.n++] = 1;
	r_end(&r);
	CHECK(floor_ctl_recv(fc, 4, r.b, r.n));
	o = find(4, BFCP_ERROR, 7);
	CHECK_EQ(o->err, BFCP_PARSE_ERROR);
	CHECK_EQ(o->tid, 11);

	/* FloorRequestQuery of someone else's request by a participant */
	send_frid(fc, BFCP_FLOOR_REQUEST_QUERY, 2, 1, 12);
	CHECK_EQ(find(2, BFCP_ERROR, 1)->err, BFCP_UNAUTH_OPERATION);
	send_frid(fc, BFCP_FLOOR_REQUEST_QUERY, 3, 1, 13);
	o = find(3, BFCP_FLOOR_REQUEST_STATUS, 1);
	CHECK(o);
	CHECK_EQ(o->tid, 13);
	CHECK_EQ(o->st, BFCP_GRANTED);

	/* Goodbye: GoodbyeAck and close, requests released */
	r_hdr(&r, BFCP_GOODBYE, CONF, 14, 3);
	r_end(&r);
	CHECK(floor_ctl_recv(fc, 3, r.b, r.n));
	CHECK(find(3, BFCP_GOODBYE_ACK, 0));
	CHECK_EQ(floor_ctl_request_count(fc), 0);

	/* an Error from a client is never answered */
	outc = 0;
	r_hdr(&r, BFCP_ERROR, CONF, 15, 4);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 4, r.b, r.n));
	CHECK_EQ(outc, 0);

	mem_deref(fc);
	return 0;
}


static int test_user_query(void)
{
	struct floor_ctl *fc = NULL;
	struct req r;
	const struct out *o;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);
	CHECK(!send_req(fc, 1, 1, 2, -1, 1));   /* chair for user 2 */

	r_hdr(&r, BFCP_USER_QUERY, CONF, 2, 3);
	r_u16(&r, BFCP_BENEFICIARY_ID, 2);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 3, r.b, r.n));
	o = find(3, BFCP_USER_STATUS, 0);
	CHECK(o);
	CHECK_EQ(o->nfri, 1);
	CHECK_EQ(o->st, BFCP_GRANTED);

	r_hdr(&r, BFCP_USER_QUERY, CONF, 3, 3);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 3, r.b, r.n));
	CHECK_EQ(find(3, BFCP_USER_STATUS, 1)->nfri, 0);

	r_hdr(&r, BFCP_USER_QUERY, CONF, 4, 3);
	r_u16(&r, BFCP_BENEFICIARY_ID, 55);
	r_end(&r);
	CHECK(!floor_ctl_recv(fc, 3, r.b, r.n));
	CHECK_EQ(find(3, BFCP_ERROR, 0)->err, BFCP_USER_NOT_EXIST);

	mem_deref(fc);
	return 0;
}


/* Error code of an encoded Error (0 when mb is not one) */
static uint8_t err_code(struct mbuf *mb)
{
	struct bfcp_msg *msg = NULL;
	const struct bfcp_attr *a;
	uint8_t code = 0;

	if (!mb || bfcp_msg_decode(&msg, mb))
		return 0;
	a = bfcp_msg_attr(msg, BFCP_ERROR_CODE);
	if (msg->prim == BFCP_ERROR && a)
		code = a->v.errcode.code;
	mem_deref(msg);
	return code;
}


/* The first message on a plain TCP/BFCP connection decides whether the
 * connection is the user's (server.c); anything else gets the Error the
 * engine would send, on that connection alone, and nothing reaches the
 * engine. */
static int test_first_message(void)
{
	struct floor_ctl *fc = NULL;
	struct mbuf *emb = NULL;
	struct req r;

	CHECK_EQ(setup(&fc, FLOOR_CTL_AUTO, 1), 0);

	/* a Hello, and a FloorRequest, naming this conference and user 2 */
	r_hdr(&r, BFCP_HELLO, CONF, 1, 2);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), 0);
	CHECK(emb == NULL);
	r_hdr(&r, BFCP_FLOOR_REQUEST, CONF, 2, 2);
	r_u16(&r, BFCP_FLOOR_ID, 1);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), 0);

	/* another user's ID on user 2's port */
	r_hdr(&r, BFCP_HELLO, CONF, 3, 3);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK_EQ(err_code(emb), BFCP_USER_NOT_EXIST);
	emb = mem_deref(emb);

	/* another conference */
	r_hdr(&r, BFCP_HELLO, CONF + 1, 4, 2);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK_EQ(err_code(emb), BFCP_CONF_NOT_EXIST);
	emb = mem_deref(emb);

	/* version 2 over TCP */
	r_hdr(&r, BFCP_HELLO, CONF, 5, 2);
	r.b[0] = 0x40;
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK_EQ(err_code(emb), BFCP_UNSUPPORTED_VERSION);
	emb = mem_deref(emb);

	/* a malformed payload (attribute length past the end) */
	r_hdr(&r, BFCP_FLOOR_REQUEST, CONF, 6, 2);
	r.b[r.n++] = BFCP_FLOOR_ID << 1 | 1;
	r.b[r.n++] = 40;
	r.b[r.n++] = 0;
	r.b[r.n++] = 1;
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK_EQ(err_code(emb), BFCP_PARSE_ERROR);
	emb = mem_deref(emb);

	/* what the framer refused: a bad version field */
	CHECK_EQ(floor_ctl_first(fc, 2, EPROTO, r.b, 4, &emb), EPROTO);
	CHECK_EQ(err_code(emb), BFCP_UNSUPPORTED_VERSION);
	emb = mem_deref(emb);

	/* an answer is never answered */
	r_hdr(&r, BFCP_FLOOR_STATUS_ACK, CONF, 7, 2);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK(emb == NULL);
	r_hdr(&r, BFCP_ERROR, CONF, 7, 2);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 2, 0, r.b, r.n, &emb), EPROTO);
	CHECK(emb == NULL);

	/* a user the engine does not know */
	r_hdr(&r, BFCP_HELLO, CONF, 8, 77);
	r_end(&r);
	CHECK_EQ(floor_ctl_first(fc, 77, 0, r.b, r.n, &emb), EPROTO);
	emb = mem_deref(emb);

	/* none of it reached the engine */
	CHECK_EQ(outc, 0);
	CHECK_EQ(floor_ctl_request_count(fc), 0);

	mem_deref(fc);
	return 0;
}


TEST_MAIN("floor_engine",
	  CASE(test_first_message),
	  CASE(test_auto_queue),
	  CASE(test_auto_accepted),
	  CASE(test_chair_pending_qpos0),
	  CASE(test_priority),
	  CASE(test_chair_flow),
	  CASE(test_floorquery_subscribers),
	  CASE(test_leave_frees_floor),
	  CASE(test_audio_holders),
	  CASE(test_errors),
	  CASE(test_user_query))

/**
 * @file chair.c  Chair decisions that do not come over BFCP: the
 * conference creator granting or revoking a floor from the web page
 * (issue 11).  They act exactly like a chair's ChairAction (recv.c):
 * a grant lets the request jump the queue when the floor has room, a
 * revoke ends a granted request (Revoked) or refuses a waiting one
 * (Denied); the users hear of it by FloorRequestStatus as usual.
 */
#include <string.h>
#include <re.h>
#include "floor/floor.h"
#include "floor/engine_int.h"


static struct floor_ctl_req *find(const struct floor_ctl *fc,
				  uint16_t floorid, uint16_t userid)
{
	struct le *le;

	for (le = fc->reqs.head; le; le = le->next) {
		struct floor_ctl_req *r = le->data;

		if (floor_ctl_req_ongoing(r) && r->beneficiary == userid &&
		    floor_ctl_req_has_floor(r, floorid, NULL))
			return r;
	}

	return NULL;
}


int floor_ctl_chair(struct floor_ctl *fc, uint16_t floorid,
		    uint16_t userid, bool grant)
{
	struct floor_ctl_req *r;
	size_t i;
	int err;

	if (!fc || !floor_ctl_floor_find(fc, floorid) ||
	    !floor_ctl_user_exists(fc, userid))
		return ENOENT;

	r = find(fc, floorid, userid);

	if (!grant) {
		if (!r)
			return ENOENT;
		r->st = r->st == BFCP_GRANTED ? BFCP_REVOKED : BFCP_DENIED;
		r->qpos = 0;
		floor_ctl_mark_dirty(fc, r);
		floor_ctl_flush(fc);
		return 0;
	}

	if (r && r->st == BFCP_GRANTED)
		return 0;

	if (!r) {
		/* a request on the user's behalf, as a chair may make
		 * (RFC 8855 5.1: the beneficiary needs not ask) */
		err = floor_ctl_req_alloc(&r, fc);
		if (err)
			return err;
		r->requester = r->beneficiary = userid;
		r->floorv[0] = floorid;
		r->floorc = 1;
	}

	for (i = 0; i < r->floorc; i++)
		r->chair_ok[i] = true;
	r->force = true;

	floor_ctl_mark_dirty(fc, r);
	floor_ctl_flush(fc);

	return r->st == BFCP_GRANTED ? 0 : EBUSY;
}


void floor_ctl_requests(const struct floor_ctl *fc, floor_ctl_req_h *h,
			void *arg)
{
	struct le *le;
	size_t i;

	if (!fc || !h)
		return;

	for (le = fc->reqs.head; le; le = le->next) {
		const struct floor_ctl_req *r = le->data;

		if (!floor_ctl_req_ongoing(r))
			continue;

		for (i = 0; i < r->floorc; i++) {
			if (h(r->floorv[i], r->beneficiary, r->st, r->qpos,
			      arg))
				return;
		}
	}
}

/**
 * @file recv.c  The primitives a floor participant or chair sends
 * (RFC 8855 section 13, server side): checks in the order the RFC
 * gives, then the request handled against the engine's state.
 */
#include <string.h>
#include <re.h>
#include "floor/frame_int.h"
#include "floor/msg_int.h"
#include "floor/engine_int.h"
#include "floor/floor.h"


/* since start, over every conference (floor_totals) */
static struct floor_stats totals;


void floor_totals(struct floor_stats *st)
{
	if (st)
		*st = totals;
}


static unsigned ongoing_for(const struct floor_ctl *fc, uint16_t userid,
			    uint16_t floorid)
{
	struct le *le;
	unsigned n = 0;

	for (le = fc->reqs.head; le; le = le->next) {
		const struct floor_ctl_req *r = le->data;

		if (floor_ctl_req_ongoing(r) && r->beneficiary == userid &&
		    floor_ctl_req_has_floor(r, floorid, NULL))
			++n;
	}
	return n;
}


static void on_floor_request(struct floor_ctl *fc, struct floor_ctl_user *u,
			     const struct bfcp_msg *msg)
{
	struct floor_ctl_req *r;
	struct le *le;
	uint16_t floorv[FLOOR_CTL_REQ_FLOORS];
	size_t floorc = 0, i;
	uint16_t ben = u->id;
	int prio = -1;
	const char *ppi = NULL;
	int err;

	for (le = msg->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;

		switch (a->type) {

		case BFCP_FLOOR_ID:
			if (floorc >= FLOOR_CTL_REQ_FLOORS) {
				floor_reply_error(fc, u->id, msg,
						  BFCP_GENERIC_ERROR,
						  "too many floors in one "
						  "request");
				return;
			}
			if (!floor_ctl_floor_find(fc, a->v.floorid)) {
				floor_reply_error(fc, u->id, msg,
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
		floor_reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
				  "FloorRequest without FLOOR-ID");
		return;
	}

	/* only a chair may ask on someone else's behalf (RFC 8855 9) */
	if (ben != u->id) {
		if (!u->chair) {
			floor_reply_error(fc, u->id, msg,
					  BFCP_UNAUTH_OPERATION,
					  "only a chair may name a "
					  "beneficiary");
			return;
		}
		if (!floor_ctl_user_find(fc, ben)) {
			floor_reply_error(fc, u->id, msg, BFCP_USER_NOT_EXIST,
					  NULL);
			return;
		}
	}

	for (i = 0; i < floorc; i++) {
		if (ongoing_for(fc, ben, floorv[i]) >= fc->max_reqs) {
			floor_reply_error(fc, u->id, msg,
					  BFCP_MAX_FLOOR_REQ_REACHED, NULL);
			return;
		}
	}

	err = floor_ctl_req_alloc(&r, fc);
	if (err == EADDRINUSE) {
		floor_reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
				  "no free floor request ID");
		return;
	}
	if (err)
		return;

	r->requester = u->id;
	r->beneficiary = ben;
	memcpy(r->floorv, floorv, floorc * sizeof(*floorv));
	r->floorc = floorc;
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

	floor_ctl_mark_dirty(fc, r);

	floor_ctl_reply_frs(fc, u->id, msg, r);
}


static bool may_see(const struct floor_ctl_user *u,
		     const struct floor_ctl_req *r)
{
	return u->chair || r->requester == u->id || r->beneficiary == u->id;
}


static void on_floor_release(struct floor_ctl *fc, struct floor_ctl_user *u,
			     const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_FLOOR_REQUEST_ID);
	struct floor_ctl_req *r;

	if (!a) {
		floor_reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
				  "FloorRelease without FLOOR-REQUEST-ID");
		return;
	}

	r = floor_ctl_req_find(fc, a->v.floorreqid);
	if (!r || !floor_ctl_req_ongoing(r)) {
		floor_reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
				  NULL);
		return;
	}

	/* the requester or the beneficiary may release; a chair revokes
	 * with ChairAction instead */
	if (r->requester != u->id && r->beneficiary != u->id) {
		floor_reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION, NULL);
		return;
	}

	r->st = r->st == BFCP_GRANTED ? BFCP_RELEASED : BFCP_CANCELLED;
	r->qpos = 0;
	floor_ctl_mark_dirty(fc, r);

	floor_ctl_reply_frs(fc, u->id, msg, r);
}


static void on_floor_request_query(struct floor_ctl *fc,
				   struct floor_ctl_user *u,
				   const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_FLOOR_REQUEST_ID);
	struct floor_ctl_req *r;

	if (!a) {
		floor_reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
				  "FloorRequestQuery without FLOOR-REQUEST-ID");
		return;
	}

	r = floor_ctl_req_find(fc, a->v.floorreqid);
	if (!r) {
		floor_reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
				  NULL);
		return;
	}

	if (!may_see(u, r)) {
		floor_reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION, NULL);
		return;
	}

	floor_send_frs(fc, u->id, msg, r);
}


static void on_user_query(struct floor_ctl *fc, struct floor_ctl_user *u,
			  const struct bfcp_msg *msg)
{
	const struct bfcp_attr *a = bfcp_msg_attr(msg, BFCP_BENEFICIARY_ID);
	const struct floor_ctl_user *who = u;

	if (a) {
		who = floor_ctl_user_find(fc, a->v.beneficiaryid);
		if (!who) {
			floor_reply_error(fc, u->id, msg,
					  BFCP_USER_NOT_EXIST, NULL);
			return;
		}
	}

	floor_reply_user_status(fc, u->id, msg, who, a != NULL);
}


static void on_floor_query(struct floor_ctl *fc, struct floor_ctl_user *u,
			   const struct bfcp_msg *msg)
{
	uint16_t subv[FLOOR_CTL_SUBS];
	size_t subc = 0, i;
	struct le *le;

	for (le = msg->attrl.head; le; le = le->next) {
		const struct bfcp_attr *a = le->data;

		if (a->type != BFCP_FLOOR_ID)
			continue;

		if (!floor_ctl_floor_find(fc, a->v.floorid)) {
			floor_reply_error(fc, u->id, msg, BFCP_INVALID_FLOOR_ID,
					  NULL);
			return;
		}

		for (i = 0; i < subc; i++) {
			if (subv[i] == a->v.floorid)
				break;
		}
		if (i < subc)
			continue;

		if (subc >= FLOOR_CTL_SUBS) {
			floor_reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
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
		floor_send_floor_status(fc, u->id, msg->tid, NULL);
		return;
	}

	for (i = 0; i < subc; i++) {
		floor_send_floor_status(fc, u->id, i ? 0 : msg->tid,
					floor_ctl_floor_find(fc, subv[i]));
	}
}


static void on_chair_action(struct floor_ctl *fc, struct floor_ctl_user *u,
			    const struct bfcp_msg *msg)
{
	const struct bfcp_attr *fri = bfcp_msg_attr(msg, BFCP_FLOOR_REQ_INFO);
	struct floor_ctl_req *r;
	struct le *le;
	enum bfcp_reqstat st = 0;
	bool any = false;

	if (!u->chair) {
		floor_reply_error(fc, u->id, msg, BFCP_UNAUTH_OPERATION,
				  "not a chair");
		return;
	}

	if (!fri) {
		floor_reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
				  "ChairAction without "
				  "FLOOR-REQUEST-INFORMATION");
		return;
	}

	r = floor_ctl_req_find(fc, fri->v.floorreqid);
	if (!r || !floor_ctl_req_ongoing(r)) {
		floor_reply_error(fc, u->id, msg, BFCP_FLOOR_REQ_ID_NOT_EXIST,
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
		    !floor_ctl_req_has_floor(r, a->v.floorid, NULL)) {
			floor_reply_error(fc, u->id, msg, BFCP_INVALID_FLOOR_ID,
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
			floor_reply_error(fc, u->id, msg, BFCP_GENERIC_ERROR,
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
			(void)floor_ctl_req_has_floor(r, a->v.floorid, &ix);
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
		floor_reply_error(fc, u->id, msg, BFCP_PARSE_ERROR,
				  "ChairAction without REQUEST-STATUS");
		return;
	}

	floor_ctl_mark_dirty(fc, r);
	floor_reply_empty(fc, u->id, msg, BFCP_CHAIR_ACTION_ACK);
	floor_ctl_flush(fc);
}


void floor_ctl_stream_error(struct floor_ctl *fc, uint16_t userid,
			    int framer_err, const uint8_t *hdr, size_t n)
{
	struct floor_hdr h;
	uint8_t buf[FLOOR_HDR_SIZE] = {0};

	if (!fc)
		return;

	memcpy(buf, hdr, n < sizeof(buf) ? n : sizeof(buf));
	floor_hdr_get(&h, buf);

	floor_send_error(fc, userid, n >= 8 ? h.confid : fc->confid,
			 n >= 10 ? h.tid : 0, userid,
			 framer_err == EPROTO ? BFCP_UNSUPPORTED_VERSION
			 : BFCP_PARSE_ERROR,
			 NULL, 0, framer_err == EMSGSIZE ? "message too large"
			 : NULL);
}


bool floor_ctl_recv(struct floor_ctl *fc, uint16_t userid, const uint8_t *p,
		    size_t n)
{
	struct bfcp_msg *msg = NULL;
	struct floor_hdr h;
	struct floor_ctl_user *u;
	bool close = false;
	int err;

	if (!fc || !p || n < FLOOR_HDR_SIZE)
		return true;

	floor_hdr_get(&h, p);

	if (floor_msg_check(p, n)) {
		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
				 BFCP_PARSE_ERROR, NULL, 0, NULL);
		return true;
	}

	/* RFC 8855 5.1: version 1 is the one for reliable transports */
	if (h.ver != 1) {
		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
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
		/* a client's request opens a transaction (RFC 8855 8) */
		++totals.transactions;
		break;

	case BFCP_FLOOR_REQ_STATUS_ACK:
	case BFCP_FLOOR_STATUS_ACK:
	case BFCP_GOODBYE_ACK:
	case BFCP_ERROR:
		/* answers; nothing is outstanding over TCP, never reply
		 * to an Error (no loops) */
		return false;

	default:
		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
				 BFCP_UNKNOWN_PRIM, NULL, 0, NULL);
		return false;
	}

	if (h.confid != fc->confid) {
		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
				 BFCP_CONF_NOT_EXIST, NULL, 0, NULL);
		return false;
	}

	/* the connection is bound to one user: it never speaks for another
	 */
	if (h.userid != userid) {
		enum bfcp_err code = floor_ctl_user_find(fc, h.userid)
			? BFCP_UNAUTH_OPERATION : BFCP_USER_NOT_EXIST;

		floor_send_error(fc, userid, h.confid, h.tid, h.userid, code,
				 NULL, 0, "User ID of another participant");
		return false;
	}

	u = floor_ctl_user_find(fc, userid);
	if (!u) {
		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
				 BFCP_USER_NOT_EXIST, NULL, 0, NULL);
		return false;
	}

	err = floor_msg_decode_tcp(&msg, p, n);
	if (err) {
		if (err != ENOMEM)
			floor_send_error(fc, userid, h.confid, h.tid, h.userid,
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

		floor_send_error(fc, userid, h.confid, h.tid, h.userid,
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
		floor_reply_hello_ack(fc, u->id, msg);
		break;

	case BFCP_GOODBYE:
		floor_reply_empty(fc, u->id, msg, BFCP_GOODBYE_ACK);
		floor_ctl_user_disconnect(fc, u->id);
		close = true;
		break;

	default:
		break;
	}

 out:
	mem_deref(msg);
	return close;
}


/* A plain TCP/BFCP connection proves nothing by its handshake: its
 * first message is what tells the server whom it serves.  It must be a
 * whole, well-formed version 1 request that a client sends, with this
 * conference's and this user's IDs, as the SDP answer gave them.
 * Anything else never reaches the engine: the connection gets the
 * Error the engine would have sent (the same codes as floor_ctl_recv()
 * and floor_ctl_stream_error()), on that connection alone, and is
 * closed. */
int floor_ctl_first(const struct floor_ctl *fc, uint16_t userid,
		    int framer_err, const uint8_t *p, size_t n,
		    struct mbuf **errp)
{
	struct floor_hdr h;
	uint8_t buf[FLOOR_HDR_SIZE] = {0};
	enum bfcp_err code;
	const char *info = NULL;

	if (errp)
		*errp = NULL;
	if (!fc || !p)
		return EINVAL;

	memcpy(buf, p, n < sizeof(buf) ? n : sizeof(buf));
	floor_hdr_get(&h, buf);
	if (n < 8)
		h.confid = fc->confid;
	if (n < 12)
		h.userid = userid;

	if (framer_err) {
		code = framer_err == EPROTO ? BFCP_UNSUPPORTED_VERSION
			: BFCP_PARSE_ERROR;
		if (framer_err == EMSGSIZE)
			info = "message too large";
		goto refuse;
	}

	if (n < FLOOR_HDR_SIZE || floor_msg_check(p, n)) {
		code = BFCP_PARSE_ERROR;
		goto refuse;
	}

	if (h.ver != 1) {
		code = BFCP_UNSUPPORTED_VERSION;
		info = "use version 1 over TCP";
		goto refuse;
	}

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
		return EPROTO;        /* never answer an answer */

	default:
		code = BFCP_UNKNOWN_PRIM;
		goto refuse;
	}

	if (h.confid != fc->confid) {
		code = BFCP_CONF_NOT_EXIST;
		goto refuse;
	}

	if (h.userid != userid || !floor_ctl_user_find(fc, userid)) {
		code = BFCP_USER_NOT_EXIST;
		info = "not the User ID of this port";
		goto refuse;
	}

	return 0;

 refuse:
	if (errp)
		*errp = floor_error_encode(h.confid, n >= 10 ? h.tid : 0,
					   h.userid, code, NULL, 0, info);
	return EPROTO;
}

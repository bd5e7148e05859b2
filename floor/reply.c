/**
 * @file reply.c  The messages the floor control server writes: replies
 * to a client's transaction and the notifications the engine sends on
 * its own (FloorRequestStatus, FloorStatus, UserStatus, HelloAck,
 * Error, and the empty ChairActionAck/GoodbyeAck).
 *
 * Every message is encoded whole with the bounded floor_w_*() writers
 * (msg_int.h) and handed to the send handler only if it encoded
 * cleanly: a message that would not fit its 8-bit attribute lengths is
 * dropped rather than sent truncated.
 */
#include <string.h>
#include <re.h>
#include "floor/msg_int.h"
#include "floor/engine_int.h"


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


static void send_mb(struct floor_ctl *fc, uint16_t userid, struct mbuf *mb)
{
	mb->pos = 0;
	fc->sendh(userid, mb, fc->arg);
}


/* The common header of a reply copies the request's IDs; a
 * server-initiated message carries Transaction ID 0 (RFC 8855 13.1.2). */
static void w_begin(struct floor_w *w, struct mbuf *mb,
		    const struct floor_ctl *fc, uint16_t to,
		    const struct bfcp_msg *msg, enum bfcp_prim prim)
{
	if (msg)
		floor_w_begin(w, mb, prim, msg->confid, msg->tid,
			      msg->userid);
	else
		floor_w_begin(w, mb, prim, fc->confid, 0, to);
}


static void w_userinfo(struct floor_w *w, enum bfcp_attrib type,
		       const struct floor_ctl_user *u, uint16_t id)
{
	floor_w_group(w, type, id);
	if (u && u->dname[0])
		floor_w_str(w, BFCP_USER_DISP_NAME, u->dname);
	if (u && u->uri[0])
		floor_w_str(w, BFCP_USER_URI, u->uri);
	floor_w_group_end(w);
}


/* FLOOR-REQUEST-INFORMATION (RFC 8855 5.2.15) */
static void w_fri(const struct floor_ctl *fc, struct floor_w *w,
		  const struct floor_ctl_req *r)
{
	size_t i;

	floor_w_group(w, BFCP_FLOOR_REQ_INFO, r->id);

	floor_w_group(w, BFCP_OVERALL_REQ_STATUS, r->id);
	floor_w_2(w, BFCP_REQUEST_STATUS, r->st, r->qpos);
	floor_w_group_end(w);

	for (i = 0; i < r->floorc; i++) {
		floor_w_group(w, BFCP_FLOOR_REQ_STATUS, r->floorv[i]);
		floor_w_2(w, BFCP_REQUEST_STATUS, r->st, r->qpos);
		floor_w_group_end(w);
	}

	w_userinfo(w, BFCP_BENEFICIARY_INFO,
		   floor_ctl_user_find(fc, r->beneficiary), r->beneficiary);

	if (r->requester != r->beneficiary)
		w_userinfo(w, BFCP_REQUESTED_BY_INFO, NULL, r->requester);

	if (r->prio_set)
		floor_w_2(w, BFCP_PRIORITY, (uint8_t)(r->prio << 5), 0);

	if (r->ppi[0])
		floor_w_str(w, BFCP_PART_PROV_INFO, r->ppi);

	floor_w_group_end(w);
}


void floor_send_frs(struct floor_ctl *fc, uint16_t to,
		    const struct bfcp_msg *msg, const struct floor_ctl_req *r)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct floor_w w;

	if (!mb)
		return;

	w_begin(&w, mb, fc, to, msg, BFCP_FLOOR_REQUEST_STATUS);
	w_fri(fc, &w, r);
	if (!floor_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


/* FloorStatus of f, or an empty one (f NULL) ending a subscription
 * (RFC 8855 13.5.1) */
void floor_send_floor_status(struct floor_ctl *fc, uint16_t to, uint16_t tid,
			     const struct floor_ctl_floor *f)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct floor_w w;
	struct le *le;

	if (!mb)
		return;

	floor_w_begin(&w, mb, BFCP_FLOOR_STATUS, fc->confid, tid, to);

	if (f) {
		floor_w_u16(&w, BFCP_FLOOR_ID, f->id);

		for (le = fc->reqs.head; le; le = le->next) {
			const struct floor_ctl_req *r = le->data;

			if (floor_ctl_req_has_floor(r, f->id, NULL))
				w_fri(fc, &w, r);
		}
	}

	if (!floor_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


struct mbuf *floor_error_encode(uint32_t confid, uint16_t tid,
				uint16_t userid, enum bfcp_err code,
				const uint8_t *details, size_t dlen,
				const char *info)
{
	struct mbuf *mb = mbuf_alloc(64);
	uint8_t ec[64];
	struct floor_w w;

	if (!mb)
		return NULL;

	if (dlen > sizeof(ec) - 1)
		dlen = sizeof(ec) - 1;

	ec[0] = code;
	if (dlen)
		memcpy(ec + 1, details, dlen);

	floor_w_begin(&w, mb, BFCP_ERROR, confid, tid, userid);
	floor_w_bytes(&w, BFCP_ERROR_CODE, ec, 1 + dlen);
	if (info)
		floor_w_str(&w, BFCP_ERROR_INFO, info);

	if (floor_w_end(&w))
		return mem_deref(mb);

	mb->pos = 0;
	return mb;
}


void floor_send_error(struct floor_ctl *fc, uint16_t to, uint32_t confid,
		      uint16_t tid, uint16_t userid, enum bfcp_err code,
		      const uint8_t *details, size_t dlen, const char *info)
{
	struct mbuf *mb = floor_error_encode(confid, tid, userid, code,
					     details, dlen, info);

	if (mb)
		send_mb(fc, to, mb);

	mem_deref(mb);
}


void floor_reply_error(struct floor_ctl *fc, uint16_t to,
		       const struct bfcp_msg *msg, enum bfcp_err code,
		       const char *info)
{
	floor_send_error(fc, to, msg->confid, msg->tid, msg->userid, code,
			 NULL, 0, info);
}


void floor_reply_empty(struct floor_ctl *fc, uint16_t to,
		       const struct bfcp_msg *msg, enum bfcp_prim prim)
{
	struct mbuf *mb = mbuf_alloc(16);
	struct floor_w w;

	if (!mb)
		return;

	w_begin(&w, mb, fc, to, msg, prim);
	if (!floor_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


void floor_reply_hello_ack(struct floor_ctl *fc, uint16_t to,
			   const struct bfcp_msg *msg)
{
	struct mbuf *mb = mbuf_alloc(64);
	uint8_t attrs[BFCP_OVERALL_REQ_STATUS];
	struct floor_w w;
	size_t i;

	if (!mb)
		return;

	/* every attribute from 1 to OVERALL-REQUEST-STATUS (18), as
	 * SUPPORTED-ATTRIBUTES lists them: type in the upper 7 bits */
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		attrs[i] = (uint8_t)((i + 1) << 1);

	w_begin(&w, mb, fc, to, msg, BFCP_HELLO_ACK);
	floor_w_bytes(&w, BFCP_SUPPORTED_PRIMS, supported_prims,
		      sizeof(supported_prims));
	floor_w_bytes(&w, BFCP_SUPPORTED_ATTRS, attrs, sizeof(attrs));
	if (!floor_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}


/* UserStatus (RFC 8855 13.4): the requests who is part of, with who's
 * BENEFICIARY-INFORMATION when the query named a beneficiary */
void floor_reply_user_status(struct floor_ctl *fc, uint16_t to,
			     const struct bfcp_msg *msg,
			     const struct floor_ctl_user *who, bool info)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct floor_w w;
	struct le *le;

	if (!mb)
		return;

	w_begin(&w, mb, fc, to, msg, BFCP_USER_STATUS);

	if (info)
		w_userinfo(&w, BFCP_BENEFICIARY_INFO, who, who->id);

	for (le = fc->reqs.head; le; le = le->next) {
		const struct floor_ctl_req *r = le->data;

		if (r->requester == who->id || r->beneficiary == who->id)
			w_fri(fc, &w, r);
	}

	if (!floor_w_end(&w))
		send_mb(fc, to, mb);

	mem_deref(mb);
}

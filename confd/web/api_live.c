/**
 * @file api_live.c  The running call: GET /conferences/{c}/roster (the
 * same snapshot the WebSocket sends) and POST /conferences/{c}/live/
 * {dialout, refer, kick, mute, unmute, floor}, each with {"target":
 * SIP URI}.  Only the conference's owner and its delegated chairs may
 * act; a viewer gets 403.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "floor/floor.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


static void roster(struct web_req *r)
{
	struct odict *o = NULL;
	int err;

	if (!api_conf_access(r, STORE_ACCESS_VIEWER))
		return;

	err = r->w->focus ? focus_roster(r->w->focus, r->m.conf, &o) : ENOSYS;
	if (err)
		(void)web_reply_errno(r, err, NULL);
	else
		(void)web_reply_json(r, 200, "OK", NULL, o);

	mem_deref(o);
}


static void reply_target_err(struct web_req *r, int err, const char *msg)
{
	switch (err) {

	case ENOENT:
	case ESRCH:     /* focus_kick: the conference has nobody by that URI */
		(void)web_reply_error(r, 404, "Not Found", "target",
				      "not in the call");
		break;

	case EINVAL:
		(void)web_reply_error(r, 400, "Bad Request", "target",
				      msg && msg[0] ? msg : "invalid target");
		break;

	case ENOSYS:
		(void)web_reply_error(r, 501, "Not Implemented", NULL,
				      msg && msg[0] ? msg : "not available");
		break;

	default:
		(void)web_reply_errno(r, err, NULL);
		break;
	}
}


static void live(struct web_req *r)
{
	static const char *const fields[] = {"target", "reason", "floor",
					     "action", NULL};
	const char *a = r->m.item, *target, *bad = NULL, *s;
	const char *reason = "removed by the conference's creator";
	char msg[128] = "";
	struct focus *f = r->w->focus;
	int err;

	if (!api_conf_access(r, STORE_ACCESS_CHAIR))
		return;

	if (strcmp(a, "dialout") && strcmp(a, "refer") && strcmp(a, "kick") &&
	    strcmp(a, "mute") && strcmp(a, "unmute") && strcmp(a, "floor")) {
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such action");
		return;
	}

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}

	if (web_json_str(r->body, "target", WEB_URI_MAX, &target) ||
	    !web_sip_uri_ok(target)) {
		(void)web_reply_error(r, 400, "Bad Request", "target",
				      "a sip: or sips: URI is required");
		return;
	}

	err = web_json_str(r->body, "reason", WEB_TEXT_MAX, &s);
	if (err == EINVAL) {
		(void)web_reply_error(r, 400, "Bad Request", "reason",
				      "a string of at most 256 bytes");
		return;
	}
	if (!err)
		reason = s;

	if (!f) {
		(void)web_reply_errno(r, ENOSYS, NULL);
		return;
	}

	if (!strcmp(a, "dialout") || !strcmp(a, "refer")) {
		err = !strcmp(a, "dialout") ?
			focus_dialout(f, r->m.conf, target, r->user, msg,
				      sizeof(msg)) :
			focus_refer_to_conf(f, r->m.conf, target, r->user,
					    msg, sizeof(msg));
		if (err)
			reply_target_err(r, err, msg);
		else
			(void)web_reply_jsonf(r, 202, "Accepted", NULL,
					      "{\"status\":\"started\"}");
		return;
	}

	if (!strcmp(a, "kick"))
		err = focus_kick(f, r->m.conf, target, reason);
	else if (!strcmp(a, "mute") || !strcmp(a, "unmute"))
		err = focus_mute(f, r->m.conf, target, !strcmp(a, "mute"));
	else {
		uint16_t floorid;
		bool grant;

		if (web_json_str(r->body, "floor", 16, &s) ||
		    (strcmp(s, "presentation") && strcmp(s, "audio"))) {
			(void)web_reply_error(r, 400, "Bad Request", "floor",
					      "presentation or audio");
			return;
		}
		floorid = !strcmp(s, "audio") ? FLOOR_ID_AUDIO
			: FLOOR_ID_PRES;

		if (web_json_str(r->body, "action", 16, &s) ||
		    (strcmp(s, "grant") && strcmp(s, "revoke"))) {
			(void)web_reply_error(r, 400, "Bad Request", "action",
					      "grant or revoke");
			return;
		}
		grant = !strcmp(s, "grant");

		err = focus_floor_chair(f, r->m.conf, target, floorid, grant);
		if (err == EBUSY) {
			(void)web_reply_jsonf(r, 202, "Accepted", NULL,
					      "{\"status\":\"queued\"}");
			return;
		}
	}

	if (err)
		reply_target_err(r, err, NULL);
	else
		(void)web_reply_empty(r, 204, "No Content", NULL);
}


void api_live(struct web_req *r)
{
	if (r->m.route == WR_ROSTER)
		roster(r);
	else
		live(r);
}

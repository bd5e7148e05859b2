/**
 * @file ws.c  The live roster over WebSocket: GET /api/v1/conferences/
 * {c}/roster/ws (RFC 6455, libre's websock server).
 *
 * Each message is the whole roster of focus_roster() as JSON (the same
 * as GET .../roster), sent when it differs from the last one sent:
 *  - at once (a zero timer, which also merges a burst of changes into
 *    one message) when the focus reports a change at the points that
 *    update the RFC 4575 state, a floor or a mute (focus_roster_h);
 *  - otherwise every TICK_MS, for who is talking (audio levels move
 *    all the time and have no event of their own).
 * So a change reaches the browser well within 100 ms.
 *
 * A browser's WebSocket carries the session cookie, and any site can
 * open one, so the Origin must be this server (cross-site WebSocket
 * hijacking); a script without Origin uses a Bearer token.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"

#define DEBUG_MODULE "web"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	TICK_MS       = 80,
	KEEPALIVE_MS  = 30000,
	CONNS_PER_CONF = 64,
	CONNS_MAX     = 1024,
};

struct web_roster {
	struct le le;
	struct web *w;
	char uri[WEB_URI_MAX + 1];
	struct list conns;            /* struct wsconn */
	struct tmr now;
	struct tmr tick;
	char *last;                   /* the last message sent */
};

struct wsconn {
	struct le le;
	struct web_roster *ro;
	struct websock_conn *wc;
};


static void roster_destructor(void *arg)
{
	struct web_roster *ro = arg;

	tmr_cancel(&ro->now);
	tmr_cancel(&ro->tick);
	list_unlink(&ro->le);
	list_flush(&ro->conns);
	mem_deref(ro->last);
}


static void wsconn_destructor(void *arg)
{
	struct wsconn *c = arg;

	list_unlink(&c->le);
	mem_deref(c->wc);
}


static int snapshot(char **jsonp, struct web *w, const char *uri)
{
	struct odict *o = NULL;
	int err;

	if (!w->focus)
		return ENOSYS;

	err = focus_roster(w->focus, uri, &o);
	if (!err)
		err = re_sdprintf(jsonp, "%H", json_encode_odict, o);

	mem_deref(o);
	return err;
}


static void send_if_changed(struct web_roster *ro)
{
	char *json = NULL;
	struct le *le;

	if (snapshot(&json, ro->w, ro->uri))
		return;

	if (ro->last && !strcmp(ro->last, json)) {
		mem_deref(json);
		return;
	}

	for (le = ro->conns.head; le; le = le->next) {
		struct wsconn *c = le->data;

		(void)websock_send(c->wc, WEBSOCK_TEXT, "%s", json);
	}

	mem_deref(ro->last);
	ro->last = json;
}


static void now_handler(void *arg)
{
	send_if_changed(arg);
}


static void tick_handler(void *arg)
{
	struct web_roster *ro = arg;

	tmr_start(&ro->tick, TICK_MS, tick_handler, ro);
	send_if_changed(ro);
}


static struct web_roster *roster_find(struct web *w, const char *uri)
{
	struct le *le;

	for (le = w->rosters.head; le; le = le->next) {
		struct web_roster *ro = le->data;

		if (!strcmp(ro->uri, uri))
			return ro;
	}

	return NULL;
}


static void changed_handler(const char *conf_uri, void *arg)
{
	struct web_roster *ro = roster_find(arg, conf_uri);

	if (ro && !tmr_isrunning(&ro->now))
		tmr_start(&ro->now, 0, now_handler, ro);
}


static void recv_handler(const struct websock_hdr *hdr, struct mbuf *mb,
			 void *arg)
{
	/* the roster is one-way; what the page sends is ignored */
	(void)hdr;
	(void)mb;
	(void)arg;
}


static void close_handler(int err, void *arg)
{
	struct wsconn *c = arg;
	struct web_roster *ro = c->ro;
	(void)err;

	mem_deref(c);
	if (list_isempty(&ro->conns))
		mem_deref(ro);
}


static uint32_t conns_total(const struct web *w)
{
	uint32_t n = 0;
	struct le *le;

	for (le = w->rosters.head; le; le = le->next) {
		const struct web_roster *ro = le->data;
		n += list_count(&ro->conns);
	}

	return n;
}


void web_roster_accept(struct web_req *r)
{
	struct web *w = r->w;
	struct web_roster *ro;
	struct wsconn *c;
	char *json = NULL;
	int err;

	if (!web_origin_ok(r->msg)) {
		(void)web_reply_error(r, 403, "Forbidden", NULL,
				      "cross-origin WebSocket");
		return;
	}

	if (!api_conf_access(r, STORE_ACCESS_VIEWER))
		return;

	if (!http_msg_hdr_has_value(r->msg, HTTP_HDR_UPGRADE, "websocket")) {
		(void)web_reply_error(r, 426, "Upgrade Required", NULL,
				      "a WebSocket upgrade is expected");
		return;
	}

	ro = roster_find(w, r->m.conf);
	if (conns_total(w) >= CONNS_MAX ||
	    (ro && list_count(&ro->conns) >= CONNS_PER_CONF)) {
		(void)web_reply_error(r, 503, "Service Unavailable", NULL,
				      "too many roster connections");
		return;
	}

	if (!ro) {
		ro = mem_zalloc(sizeof(*ro), roster_destructor);
		if (!ro) {
			(void)web_reply_errno(r, ENOMEM, NULL);
			return;
		}
		ro->w = w;
		str_ncpy(ro->uri, r->m.conf, sizeof(ro->uri));
		list_append(&w->rosters, &ro->le, ro);
		tmr_start(&ro->tick, TICK_MS, tick_handler, ro);
	}

	c = mem_zalloc(sizeof(*c), wsconn_destructor);
	if (!c) {
		err = ENOMEM;
		goto out;
	}
	c->ro = ro;

	err = websock_accept(&c->wc, w->ws, r->conn, r->msg, KEEPALIVE_MS,
			     recv_handler, close_handler, c);
	if (err) {
		mem_deref(c);
		c = NULL;
		(void)web_reply_error(r, 400, "Bad Request", NULL,
				      "bad WebSocket handshake");
		goto out;
	}

	list_append(&ro->conns, &c->le, c);

	/* the newcomer gets the state at once */
	if (!snapshot(&json, w, ro->uri))
		(void)websock_send(c->wc, WEBSOCK_TEXT, "%s", json);
	mem_deref(json);
	err = 0;

 out:
	if (list_isempty(&ro->conns))
		mem_deref(ro);
}


int web_roster_init(struct web *w)
{
	int err;

	err = websock_alloc(&w->ws, NULL, NULL);
	if (err)
		return err;

	if (w->focus)
		focus_set_roster_handler(w->focus, changed_handler, w);

	return 0;
}


void web_roster_close_all(struct web *w)
{
	struct le *le;

	if (w->focus)
		focus_set_roster_handler(w->focus, NULL, NULL);

	while ((le = list_head(&w->rosters)))
		mem_deref(le->data);
}

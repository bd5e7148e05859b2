/**
 * @file http.c  The HTTPS side of the web interface: libre's HTTP
 * server with confd's TLS context, the headers every response carries,
 * the body cap, the static page, and dispatch to the endpoints.
 *
 * libre 1.1.0 deviations (docs/libre.md, "HTTP server"):
 *  - https_listen() builds its own TLS context from a PEM path with
 *    OpenSSL's defaults and offers no way to reach it, so TLS 1.0 and
 *    any cipher would be accepted.  We replace that context with the
 *    one of keying/tlspolicy.h (the same as SIP TLS) right after the
 *    listener is made, before any connection exists; see tls_swap().
 *  - The server hands over a request only once its whole body is in
 *    (up to its own 512 KiB buffer; beyond that it drops the
 *    connection without an answer), so the 64 KiB cap is enforced on
 *    Content-Length here with 413.
 */
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"

#define DEBUG_MODULE "web"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


/* Every response: no script but our own files, never in a frame, no
 * MIME sniffing, no Referer, no caching of API answers */
#define SECURITY_HEADERS						\
	"Content-Security-Policy: default-src 'none'; script-src 'self';"\
	" style-src 'self'; img-src 'self'; connect-src 'self';"	\
	" form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n"				\
	"Referrer-Policy: no-referrer\r\n"				\
	"X-Frame-Options: DENY\r\n"					\
	"Cross-Origin-Opener-Policy: same-origin\r\n"			\
	"Cross-Origin-Resource-Policy: same-origin\r\n"		\
	"Strict-Transport-Security: max-age=31536000\r\n"		\
	"Cache-Control: no-store\r\n"

static const char *const file_names[3] = {"index.html", "app.js",
					   "style.css"};
static const char *const file_types[3] = {
	"text/html; charset=utf-8",
	"text/javascript; charset=utf-8",
	"text/css; charset=utf-8",
};


/*
 * The first members of libre 1.1.0's struct http_sock (src/http/
 * server.c), to reach the TLS context that https_listen() made.  The
 * layout is checked at run time against http_sock_tcp() before it is
 * trusted, and a mismatch refuses to start the web interface rather
 * than serve with another policy.
 */
struct http_sock_v110 {
	struct list connl;
	struct tcp_sock *ts;
	struct tls *tls;
};


static int tls_swap(struct http_sock *hs, struct tls *tls)
{
	struct http_sock_v110 *v = (struct http_sock_v110 *)(void *)hs;

	if (v->ts != http_sock_tcp(hs) || !v->tls || v->connl.head) {
		DEBUG_WARNING("libre's struct http_sock is not the 1.1.0"
			      " layout: not serving HTTPS\n");
		return ENOTSUP;
	}

	mem_deref(v->tls);
	v->tls = mem_ref(tls);
	return 0;
}


static int reply(struct web_req *r, uint16_t scode, const char *reason,
		 const char *ctype, const char *extra, const uint8_t *body,
		 size_t len)
{
	bool head = r->method == WEB_HEAD;

	return http_reply(r->conn, scode, reason,
			  SECURITY_HEADERS
			  "%s%s%s"
			  "%s"
			  "Content-Length: %zu\r\n"
			  "\r\n"
			  "%b",
			  ctype ? "Content-Type: " : "", ctype ? ctype : "",
			  ctype ? "\r\n" : "",
			  extra ? extra : "",
			  len, head ? NULL : body, head ? (size_t)0 : len);
}


int web_reply_empty(struct web_req *r, uint16_t scode, const char *reason,
		    const char *extra)
{
	return reply(r, scode, reason, NULL, extra, NULL, 0);
}


int web_reply_jsonf(struct web_req *r, uint16_t scode, const char *reason,
		    const char *extra, const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(512);
	va_list ap;
	int err;

	if (!mb)
		return ENOMEM;

	va_start(ap, fmt);
	err = mbuf_vprintf(mb, fmt, ap);
	va_end(ap);

	if (!err)
		err = reply(r, scode, reason,
			    "application/json; charset=utf-8", extra,
			    mb->buf, mb->end);

	mem_deref(mb);
	return err;
}


int web_reply_json(struct web_req *r, uint16_t scode, const char *reason,
		   const char *extra, const struct odict *o)
{
	return web_reply_jsonf(r, scode, reason, extra, "%H",
			       json_encode_odict, o);
}


int web_reply_error(struct web_req *r, uint16_t scode, const char *reason,
		    const char *field, const char *msg)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 4);
	if (err)
		return err;

	err = odict_entry_add(o, "error", ODICT_STRING, msg ? msg : reason);
	if (field)
		err |= odict_entry_add(o, "field", ODICT_STRING, field);
	if (!err)
		err = web_reply_json(r, scode, reason, NULL, o);

	mem_deref(o);
	return err;
}


int web_reply_errno(struct web_req *r, int err, const char *field)
{
	switch (err) {

	case 0:
		return 0;
	case EINVAL:
		return web_reply_error(r, 400, "Bad Request", field,
				       "invalid value");
	case ENOENT:
		return web_reply_error(r, 404, "Not Found", field,
				       "not found");
	case EEXIST:
		return web_reply_error(r, 409, "Conflict", field,
				       "already exists");
	case EBUSY:
		return web_reply_error(r, 503, "Service Unavailable", NULL,
				       "store busy, try again");
	case ENOSYS:
		return web_reply_error(r, 501, "Not Implemented", NULL,
				       "not available in this build");
	default:
		return web_reply_error(r, 500, "Internal Server Error", NULL,
				       "internal error");
	}
}


void web_apply(struct web *w, const char *conf_uri, struct confdef *def)
{
	if (!w->reloadh) {
		mem_deref(def);
		return;
	}

	if (w->reloadh(conf_uri, def, w->arg))
		DEBUG_WARNING("the focus did not take the change\n");
}


void web_reload(struct web *w, const char *conf_uri)
{
	web_apply(w, conf_uri, NULL);
}


static void serve_static(struct web_req *r)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(file_names); i++) {
		const struct mbuf *mb = r->w->files[i];

		if (strcmp(r->m.item, file_names[i]))
			continue;
		if (!mb)
			break;

		(void)reply(r, 200, "OK", file_types[i], NULL, mb->buf,
			    mb->end);
		return;
	}

	(void)web_reply_error(r, 404, "Not Found", NULL, "not found");
}


/* A browser always sends Origin on a state-changing fetch: it must be
 * this server (the cookie is SameSite=Strict as well) */
bool web_origin_ok(const struct http_msg *msg)
{
	const struct http_hdr *o = http_msg_xhdr(msg, "Origin");
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_HOST);
	struct pl rest;

	if (!o)
		return true;   /* not a browser (curl, scripts) */
	if (!h)
		return false;

	if (o->val.l < 8 || memcmp(o->val.p, "https://", 8))
		return false;
	rest.p = o->val.p + 8;
	rest.l = o->val.l - 8;

	return 0 == pl_cmp(&rest, &h->val);
}


static void req_handler(struct http_conn *conn, const struct http_msg *msg,
			void *arg)
{
	struct web_req r;
	int err;

	memset(&r, 0, sizeof(r));
	r.w = arg;
	r.conn = conn;
	r.msg = msg;

	if (web_method_decode(&r.method, &msg->met)) {
		(void)web_reply_error(&r, 501, "Not Implemented", NULL,
				      "unknown method");
		return;
	}

	if (msg->clen > WEB_BODY_MAX) {
		(void)web_reply_error(&r, 413, "Content Too Large", NULL,
				      "body over 64 KiB");
		return;
	}

	err = web_route_match(&r.m, &msg->path);
	if (err == EINVAL) {
		(void)web_reply_error(&r, 400, "Bad Request", "path",
				      "malformed path");
		return;
	}
	if (err) {
		(void)web_reply_error(&r, 404, "Not Found", NULL,
				      "not found");
		return;
	}

	if (!(r.m.methods & r.method)) {
		char allow[64];

		(void)re_snprintf(allow, sizeof(allow), "Allow: %H\r\n",
				  web_allow_print, &r.m.methods);
		(void)web_reply_empty(&r, 405, "Method Not Allowed", allow);
		return;
	}

	if (r.m.route == WR_STATIC) {
		serve_static(&r);
		return;
	}

	if (r.method != WEB_GET && r.method != WEB_HEAD) {
		const char *why = NULL;

		if (!web_origin_ok(msg)) {
			(void)web_reply_error(&r, 403, "Forbidden", NULL,
					      "cross-origin request");
			return;
		}

		/* a JSON content type makes any cross-site form or
		 * simple request impossible without a CORS preflight,
		 * which we never answer */
		if (msg->clen &&
		    !msg_ctype_cmp(&msg->ctyp, "application", "json")) {
			(void)web_reply_error(&r, 415,
					      "Unsupported Media Type",
					      NULL, "use application/json");
			return;
		}

		err = web_json_body(&r.body, msg->mb ? mbuf_buf(msg->mb)
				    : NULL, msg->mb ? mbuf_get_left(msg->mb)
				    : 0, &why);
		if (err) {
			(void)web_reply_error(&r, 400, "Bad Request", "body",
					      why ? why : "bad JSON");
			return;
		}
	}

	switch (r.m.route) {

	case WR_LOGIN:
	case WR_LOGOUT:
	case WR_SESSION:
	case WR_TOKENS:
	case WR_TOKEN:
		api_auth(&r);
		break;

	default:
		if (!web_authenticate(&r))
			break;

		switch (r.m.route) {

		case WR_CONFS:
		case WR_CONF:
		case WR_DELEGATES:
		case WR_DELEGATE:
			api_conf(&r);
			break;

		case WR_PARTS:
		case WR_PART:
		case WR_PART_PASSWORD:
			api_part(&r);
			break;

		case WR_LIVE:
		case WR_ROSTER:
			api_live(&r);
			break;

		case WR_ROSTER_WS:
			web_roster_accept(&r);
			break;

		default:
			(void)web_reply_error(&r, 404, "Not Found", NULL,
					      "not found");
			break;
		}
		break;
	}

	mem_deref(r.body);
}


static int load_files(struct web *w, const char *root)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(file_names); i++) {
		char path[512];
		uint8_t buf[4096];
		size_t n;
		FILE *f;

		if (re_snprintf(path, sizeof(path), "%s/%s", root,
				file_names[i]) < 0)
			return ENAMETOOLONG;

		f = fopen(path, "rb");
		if (!f) {
			DEBUG_WARNING("%s: %m (the page will be 404)\n", path,
				      errno);
			continue;
		}

		w->files[i] = mbuf_alloc(16384);
		while (w->files[i] && (n = fread(buf, 1, sizeof(buf), f)))
			(void)mbuf_write_mem(w->files[i], buf, n);
		fclose(f);

		if (!w->files[i])
			return ENOMEM;
	}

	return 0;
}


static void destructor(void *arg)
{
	struct web *w = arg;
	size_t i;

	web_roster_close_all(w);
	mem_deref(w->hs);
	mem_deref(w->ws);
	list_flush(&w->sessions);
	web_throttle_flush(w);
	for (i = 0; i < ARRAY_SIZE(w->files); i++)
		mem_deref(w->files[i]);
}


int web_alloc(struct web **wp, const struct web_cfg *cfg)
{
	struct web *w;
	int err;

	if (!wp || !cfg || !cfg->cert || !cfg->tls || !cfg->store ||
	    !cfg->domain)
		return EINVAL;

	w = mem_zalloc(sizeof(*w), destructor);
	if (!w)
		return ENOMEM;

	w->st = cfg->store;
	w->focus = cfg->focus;
	w->reloadh = cfg->reloadh;
	w->arg = cfg->arg;
	w->idle_s = cfg->session_idle_s ? cfg->session_idle_s : 1800;
	w->max_s = cfg->session_max_s ? cfg->session_max_s : 43200;
	str_ncpy(w->domain, cfg->domain, sizeof(w->domain));

	err = load_files(w, cfg->root ? cfg->root : ".");
	if (err)
		goto out;

	err = web_roster_init(w);
	if (err)
		goto out;

	err = https_listen(&w->hs, &cfg->laddr, cfg->cert, req_handler, w);
	if (err) {
		DEBUG_WARNING("cannot listen on %J: %m\n", &cfg->laddr, err);
		goto out;
	}

	err = tls_swap(w->hs, cfg->tls);

 out:
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}

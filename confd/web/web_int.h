/**
 * @file web_int.h  Inside the web interface (confd/web/ only).
 *
 *   http.c      the HTTPS listener, security headers, body cap, dispatch
 *   route.c     the router: method + path -> endpoint (pure, fuzzed)
 *   reqjson.c   JSON request bodies and field checks (pure, fuzzed)
 *   session.c   login sessions, CSRF, API tokens, login throttling
 *   api_auth.c  /login /logout /session /tokens
 *   api_conf.c  /conferences and their delegates
 *   api_part.c  /conferences/{c}/participants
 *   api_live.c  /conferences/{c}/live/... (dial-out, REFER, kick, mute,
 *               floor) and the roster snapshot
 *   ws.c        the live roster over WebSocket
 */

enum {
	WEB_BODY_MAX   = 65536,    /* 413 above */
	WEB_URI_MAX    = 256,      /* a URI in a path or a field */
	WEB_NAME_MAX   = 64,       /* creator account names */
	WEB_TEXT_MAX   = 256,      /* subject, labels */
	WEB_PASS_MAX   = 1024,
	WEB_SESSIONS_MAX = 4096,
};

/* ---- route.c ---- */

enum web_method {
	WEB_GET    = 1 << 0,
	WEB_POST   = 1 << 1,
	WEB_PUT    = 1 << 2,
	WEB_PATCH  = 1 << 3,
	WEB_DELETE = 1 << 4,
	WEB_HEAD   = 1 << 5,
};

enum web_route {
	WR_NONE = 0,
	WR_STATIC,          /* item: file name */
	WR_LOGIN,
	WR_LOGOUT,
	WR_SESSION,
	WR_TOKENS,
	WR_TOKEN,           /* item: token id */
	WR_CONFS,
	WR_CONF,            /* conf */
	WR_PARTS,           /* conf */
	WR_PART,            /* conf, item: participant's SIP URI */
	WR_PART_PASSWORD,   /* conf, item */
	WR_DELEGATES,       /* conf */
	WR_DELEGATE,        /* conf, item: account name */
	WR_LIVE,            /* conf, item: action */
	WR_ROSTER,          /* conf */
	WR_ROSTER_WS,       /* conf */
};

struct web_match {
	enum web_route route;
	unsigned methods;               /* allowed: enum web_method bits */
	char conf[WEB_URI_MAX + 1];     /* percent-decoded */
	char item[WEB_URI_MAX + 1];
};

/* 0 or EINVAL (unknown method) */
int  web_method_decode(enum web_method *m, const struct pl *met);
/* ENOENT: no such resource (404); EINVAL: bad escape, NUL or control
 * characters, a segment too long (400).  Path only, no query. */
int  web_route_match(struct web_match *wm, const struct pl *path);
int  web_allow_print(struct re_printf *pf, const unsigned *methods);
bool web_query_flag(const struct pl *prm, const char *name);
int  web_pct_escape(struct re_printf *pf, const char *s);

/* ---- reqjson.c ---- */

/* A request body as a JSON object: empty means {}.  EINVAL with *why
 * set when it is not one object, too deep, has too many members or
 * has a member twice or a "\u0000" (which libre's decoder would cut
 * a string at). */
int  web_json_body(struct odict **op, const uint8_t *p, size_t n,
		   const char **why);
/* *badp = the first member not among the NULL-terminated names */
bool web_json_only(const struct odict *o, const char *const *names,
		   const char **badp);
/* Field getters: 0 found, ENOENT absent, EINVAL wrong type, too long
 * (maxlen in bytes) or with control characters */
int  web_json_str(const struct odict *o, const char *key, size_t maxlen,
		  const char **vp);
int  web_json_bool(const struct odict *o, const char *key, bool *vp);
int  web_json_int(const struct odict *o, const char *key, int64_t min,
		  int64_t max, int64_t *vp);
/* A bare sip:/sips: URI, checked with libre's uri_decode and
 * confdef_uri_valid */
bool web_sip_uri_ok(const char *s);
/* host of a bare URI equals domain (case-insensitive) */
bool web_uri_in_domain(const char *uri, const char *domain);
bool web_name_ok(const char *s);


/* ---- http.c: the server and replies ---- */

struct web_session;

struct web {
	struct http_sock *hs;
	struct websock *ws;
	struct store *st;
	struct focus *focus;
	char domain[128];
	uint32_t idle_s, max_s;
	web_reload_h *reloadh;
	void *arg;
	struct list sessions;           /* struct web_session */
	struct list throttle;           /* struct web_throttle, LRU */
	struct list rosters;            /* struct web_roster (ws.c) */
	struct mbuf *files[3];          /* index.html, app.js, style.css */
};

struct web_req {
	struct web *w;
	struct http_conn *conn;
	const struct http_msg *msg;
	enum web_method method;
	struct web_match m;
	char user[WEB_NAME_MAX + 1];    /* the authenticated account */
	struct web_session *sess;       /* NULL for a Bearer token */
	struct odict *body;
};

/* The JSON reply with the security headers; extra: more header lines
 * (each ending in CRLF) or NULL */
int  web_reply_json(struct web_req *r, uint16_t scode, const char *reason,
		    const char *extra, const struct odict *o);
int  web_reply_jsonf(struct web_req *r, uint16_t scode, const char *reason,
		     const char *extra, const char *fmt, ...);
/* {"error": msg, "field": field} */
int  web_reply_error(struct web_req *r, uint16_t scode, const char *reason,
		     const char *field, const char *msg);
int  web_reply_empty(struct web_req *r, uint16_t scode, const char *reason,
		     const char *extra);
/* errno from the store -> 400/404/409/503/500 */
int  web_reply_errno(struct web_req *r, int err, const char *field);
/* Origin, when present, is this server (https://Host) */
bool web_origin_ok(const struct http_msg *msg);
/* the store changed conference conf_uri: let the focus apply it */
void web_reload(struct web *w, const char *conf_uri);
/* ... with its definition def already read back (moved in) */
void web_apply(struct web *w, const char *conf_uri, struct confdef *def);

/* ---- session.c ---- */

int  web_session_new(struct web *w, const char *user,
		     struct web_session **sp);
void web_session_end(struct web *w, struct web_session *s);
void web_session_end_user(struct web *w, const char *user);
const char *web_session_csrf(const struct web_session *s);
/* The account of the request: from the session cookie (CSRF checked
 * for changes) or Authorization: Bearer.  401/403 answered here
 * when false. */
bool web_authenticate(struct web_req *r);
int  web_cookie_print(struct re_printf *pf, const struct web_session *s);
/* Login throttle: 0 go ahead, EAGAIN with *retryp seconds */
int  web_throttle_check(struct web *w, const char *user,
			const struct sa *peer, uint32_t *retryp);
void web_throttle_result(struct web *w, const char *user,
			 const struct sa *peer, bool ok);
void web_throttle_flush(struct web *w);
/* A new API token: "cft_" + 32 hex; hash = SHA-256 of it */
int  web_token_new(char *tok, size_t sz, uint8_t *hash);

/* ---- the endpoints ---- */

void api_auth(struct web_req *r);      /* login, logout, session, tokens */
void api_conf(struct web_req *r);      /* conferences, delegates */
void api_part(struct web_req *r);      /* participants */
void api_live(struct web_req *r);      /* live control, roster */

/* api_conf.c: the caller's access to r->m.conf, answering 404 (cannot
 * see) or 403 (may not do this) itself when below need */
bool api_conf_access(struct web_req *r, enum store_access need);

/* ---- ws.c ---- */

int  web_roster_init(struct web *w);
void web_roster_accept(struct web_req *r);
void web_roster_close_all(struct web *w);

/**
 * @file api_auth.c  POST /api/v1/login, POST /api/v1/logout,
 * GET /api/v1/session, and the creator's API tokens under
 * /api/v1/tokens.
 *
 * A wrong name and a wrong password get the same 401, in the same time
 * (store_creator_check derives a hash for unknown names too).  Before
 * any check, the throttle may answer 429 with Retry-After; then the
 * password is not even looked at, so guessing costs the guesser time,
 * not us CPU.  Tokens are managed from a login session only: a token
 * cannot mint or revoke tokens.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"

#define DEBUG_MODULE "web"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


static void login(struct web_req *r)
{
	static const char *const fields[] = {"name", "password", NULL};
	struct web_session *s;
	const char *name, *pw, *bad;
	char extra[256];
	uint32_t retry = 0;
	int err;

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}
	if (web_json_str(r->body, "name", 256, &name) || !name[0]) {
		(void)web_reply_error(r, 400, "Bad Request", "name",
				      "a string is required");
		return;
	}
	if (web_json_str(r->body, "password", WEB_PASS_MAX, &pw)) {
		(void)web_reply_error(r, 400, "Bad Request", "password",
				      "a string is required");
		return;
	}

	if (web_throttle_check(r->w, name, http_conn_peer(r->conn),
			       &retry)) {
		(void)re_snprintf(extra, sizeof(extra),
				  "Retry-After: %u\r\n", retry);
		(void)web_reply_jsonf(r, 429, "Too Many Requests", extra,
				      "{\"error\":\"too many failed logins,"
				      " retry in %u s\"}", retry);
		return;
	}

	err = store_creator_check(r->w->st, name, pw);
	/* names the page cannot carry safely cannot log in on the web */
	if (!err && !web_name_ok(name))
		err = EACCES;
	if (err == ENOENT || err == EACCES || err == EINVAL) {
		web_throttle_result(r->w, name, http_conn_peer(r->conn),
				    false);
		DEBUG_NOTICE("failed login from %J\n",
			     http_conn_peer(r->conn));
		(void)web_reply_error(r, 401, "Unauthorized", NULL,
				      "wrong name or password");
		return;
	}
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		return;
	}

	web_throttle_result(r->w, name, http_conn_peer(r->conn), true);

	if (web_session_new(r->w, name, &s)) {
		(void)web_reply_errno(r, EIO, NULL);
		return;
	}

	(void)re_snprintf(extra, sizeof(extra), "%H", web_cookie_print, s);
	(void)web_reply_jsonf(r, 200, "OK", extra,
			      "{\"name\":\"%s\",\"csrf\":\"%s\"}", name,
			      web_session_csrf(s));
	OPENSSL_cleanse(extra, sizeof(extra));
}


static bool token_item(int64_t id, const char *label, int64_t created,
		       void *arg)
{
	struct odict *arr = arg, *o;
	char key[24];

	if (odict_alloc(&o, 4))
		return true;

	(void)odict_entry_add(o, "id", ODICT_INT, id);
	(void)odict_entry_add(o, "label", ODICT_STRING, label);
	(void)odict_entry_add(o, "created", ODICT_INT, created);
	(void)re_snprintf(key, sizeof(key), "%zu", odict_count(arr, false));
	(void)odict_entry_add(arr, key, ODICT_OBJECT, o);
	mem_deref(o);
	return false;
}


static void tokens(struct web_req *r)
{
	static const char *const fields[] = {"label", NULL};
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	struct odict *top = NULL, *arr = NULL;
	const char *label = "", *bad;
	char tok[64];
	int64_t id = 0;
	int err;

	if (!r->sess) {
		(void)web_reply_error(r, 403, "Forbidden", NULL,
				      "tokens are managed from a login"
				      " session");
		return;
	}

	if (r->method == WEB_GET) {
		err  = odict_alloc(&top, 4);
		err |= odict_alloc(&arr, 16);
		if (!err)
			err = store_token_list(r->w->st, r->user, token_item,
					       arr);
		if (!err)
			err = odict_entry_add(top, "tokens", ODICT_ARRAY,
					      arr);
		if (err)
			(void)web_reply_errno(r, err, NULL);
		else
			(void)web_reply_json(r, 200, "OK", NULL, top);
		mem_deref(arr);
		mem_deref(top);
		return;
	}

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}
	err = web_json_str(r->body, "label", WEB_TEXT_MAX, &label);
	if (err == EINVAL) {
		(void)web_reply_error(r, 400, "Bad Request", "label",
				      "a string of at most 256 bytes");
		return;
	}

	err = web_token_new(tok, sizeof(tok), hash);
	if (!err)
		err = store_token_add(r->w->st, r->user, label, hash, &id);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
	}
	else {
		/* the only time the token is ever shown */
		(void)web_reply_jsonf(r, 201, "Created", NULL,
				      "{\"id\":%lld,\"token\":\"%s\"}",
				      (long long)id, tok);
	}
	OPENSSL_cleanse(tok, sizeof(tok));
}


static void token_del(struct web_req *r)
{
	int64_t id;
	struct pl pl;
	int err;

	if (!r->sess) {
		(void)web_reply_error(r, 403, "Forbidden", NULL,
				      "tokens are managed from a login"
				      " session");
		return;
	}

	pl_set_str(&pl, r->m.item);
	if (!pl.l || pl.l > 18 || re_regex(pl.p, pl.l, "[0-9]+", NULL) ||
	    pl.p[0] == '0') {
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such token");
		return;
	}
	id = (int64_t)pl_u64(&pl);

	err = store_token_del(r->w->st, r->user, id);
	if (err)
		(void)web_reply_errno(r, err, NULL);
	else
		(void)web_reply_empty(r, 204, "No Content", NULL);
}


void api_auth(struct web_req *r)
{
	char extra[160];

	switch (r->m.route) {

	case WR_LOGIN:
		login(r);
		break;

	case WR_LOGOUT:
		if (!web_authenticate(r))
			break;
		if (r->sess)
			web_session_end(r->w, r->sess);
		r->sess = NULL;
		(void)re_snprintf(extra, sizeof(extra), "%H",
				  web_cookie_print, NULL);
		(void)web_reply_empty(r, 204, "No Content", extra);
		break;

	case WR_SESSION:
		if (!web_authenticate(r))
			break;
		(void)web_reply_jsonf(r, 200, "OK", NULL,
				      "{\"name\":\"%s\",\"csrf\":\"%s\"}",
				      r->user, web_session_csrf(r->sess));
		break;

	case WR_TOKENS:
		if (web_authenticate(r))
			tokens(r);
		break;

	case WR_TOKEN:
		if (web_authenticate(r))
			token_del(r);
		break;

	default:
		break;
	}
}

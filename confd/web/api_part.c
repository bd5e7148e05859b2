/**
 * @file api_part.c  /api/v1/conferences/{c}/participants: the list of
 * authorized participants (TS 33.328 G.3.1), each a SIP URI, a KMS UID
 * and a role, with an optional SIP digest password.
 *
 * Every change is committed to the store, then handed to the running
 * focus (web_reload) before the answer: a participant taken off the
 * list cannot join from that moment on, and DELETE ...?kick=1 also
 * asks one who is in the call to leave (BYE).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


static int member_odict(struct odict **op, const struct confdef_member *m)
{
	struct odict *o;
	int err;

	err = odict_alloc(&o, 8);
	if (err)
		return err;

	err  = odict_entry_add(o, "sip_uri", ODICT_STRING, m->sip_uri);
	err |= odict_entry_add(o, "kms_uid", ODICT_STRING,
			       m->kms_uid ? m->kms_uid : "");
	err |= odict_entry_add(o, "role", ODICT_STRING,
			       confdef_role_name(m->role));
	err |= odict_entry_add(o, "auth_user", ODICT_STRING,
			       m->has_digest && m->auth_user ? m->auth_user
			       : "");
	err |= odict_entry_add(o, "has_password", ODICT_BOOL,
			       m->has_digest);
	err |= odict_entry_add(o, "cert_fp", ODICT_STRING,
			       m->cert_fp ? m->cert_fp : "");
	if (err) {
		mem_deref(o);
		return ENOMEM;
	}

	*op = o;
	return 0;
}


/* The member as stored, spelled exactly as in the path */
static const struct confdef_member *member_get(const struct confdef *cd,
					       const char *uri)
{
	struct le *le;

	for (le = cd->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		if (!strcmp(m->sip_uri, uri))
			return m;
	}

	return confdef_member_find(cd, uri);
}


/* The member sip_uri as stored.  apply: the store has just changed;
 * the one read of the conference made for this answer also goes to the
 * focus (web_apply), before the answer, instead of a second read of
 * every member (issue 11). */
static void reply_member(struct web_req *r, uint16_t scode,
			 const char *reason, const char *sip_uri, bool apply)
{
	const struct confdef_member *m;
	struct confdef *cd = NULL;
	struct odict *o = NULL;
	int err;

	err = store_conf_get(r->w->st, &cd, r->m.conf);
	if (err) {
		if (apply)
			web_reload(r->w, r->m.conf);
		(void)web_reply_errno(r, err, NULL);
		return;
	}

	m = member_get(cd, sip_uri);
	if (!m)
		err = ENOENT;
	else
		err = member_odict(&o, m);

	if (apply) {
		web_apply(r->w, r->m.conf, cd);
		cd = NULL;
	}

	if (err == ENOENT)
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such participant");
	else if (err)
		(void)web_reply_errno(r, err, NULL);
	else
		(void)web_reply_json(r, scode, reason, NULL, o);

	mem_deref(o);
	mem_deref(cd);
}


static void part_list(struct web_req *r)
{
	struct odict *top = NULL, *arr = NULL, *o;
	struct confdef *cd = NULL;
	struct le *le;
	int err;

	err = store_conf_get(r->w->st, &cd, r->m.conf);
	if (!err)
		err  = odict_alloc(&top, 4) | odict_alloc(&arr, 32);

	for (le = cd && !err ? cd->members.head : NULL; le && !err;
	     le = le->next) {
		char key[24];

		err = member_odict(&o, le->data);
		if (err)
			break;
		(void)re_snprintf(key, sizeof(key), "%zu",
				  odict_count(arr, false));
		err = odict_entry_add(arr, key, ODICT_OBJECT, o);
		mem_deref(o);
	}

	if (!err)
		err = odict_entry_add(top, "participants", ODICT_ARRAY, arr);

	if (err)
		(void)web_reply_errno(r, err, NULL);
	else
		(void)web_reply_json(r, 200, "OK", NULL, top);

	mem_deref(arr);
	mem_deref(top);
	mem_deref(cd);
}


static bool auth_user_ok(const char *s)
{
	return s[0] && strlen(s) <= WEB_NAME_MAX && !strchr(s, '"') &&
		!strchr(s, '\\') && !strchr(s, ' ');
}


/* kms_uid and role from the body; EINVAL names the field */
static int fields_get(const struct odict *o, const char **kms,
		      enum confdef_role *role, bool *has_role,
		      const char **field)
{
	const char *s;
	int err;

	err = web_json_str(o, "kms_uid", WEB_URI_MAX, kms);
	if (err == EINVAL) {
		*field = "kms_uid";
		return EINVAL;
	}
	if (err)
		*kms = NULL;

	*has_role = false;
	err = web_json_str(o, "role", 16, &s);
	if (err == EINVAL || (!err && confdef_role_decode(role, s))) {
		*field = "role";
		return EINVAL;
	}
	*has_role = !err;

	return 0;
}


static int password_get(const struct odict *o, const char **pw,
			const char **user, const char **field)
{
	int err;

	err = web_json_str(o, "password", WEB_PASS_MAX, pw);
	if (err == EINVAL || (!err && !(*pw)[0])) {
		*field = "password";
		return EINVAL;
	}
	if (err)
		*pw = NULL;

	err = web_json_str(o, "auth_user", WEB_NAME_MAX, user);
	if (err == EINVAL || (!err && !auth_user_ok(*user))) {
		*field = "auth_user";
		return EINVAL;
	}
	if (err)
		*user = NULL;

	if (*user && !*pw) {
		*field = "password";
		return EINVAL;
	}

	return 0;
}


static void part_add(struct web_req *r)
{
	static const char *const fields[] = {"sip_uri", "kms_uid", "role",
					     "password", "auth_user", NULL};
	const char *uri, *kms, *pw, *user, *bad = NULL;
	enum confdef_role role = CONFDEF_PARTICIPANT;
	bool has_role;
	int err;

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}

	if (web_json_str(r->body, "sip_uri", WEB_URI_MAX, &uri) ||
	    !web_sip_uri_ok(uri)) {
		(void)web_reply_error(r, 400, "Bad Request", "sip_uri",
				      "a sip: or sips: URI is required");
		return;
	}

	if (fields_get(r->body, &kms, &role, &has_role, &bad) ||
	    password_get(r->body, &pw, &user, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "invalid value");
		return;
	}

	err = store_part_add(r->w->st, r->m.conf, uri, kms, role);
	if (err == EEXIST) {
		(void)web_reply_error(r, 409, "Conflict", "sip_uri",
				      "already on the list");
		return;
	}
	if (err) {
		(void)web_reply_errno(r, err, "sip_uri");
		return;
	}

	if (pw) {
		err = store_part_set_password(r->w->st, r->m.conf, uri, user,
					      pw);
		if (err) {
			/* all or nothing */
			(void)store_part_del(r->w->st, r->m.conf, uri);
			if (err == EEXIST)
				(void)web_reply_error(r, 409, "Conflict",
						      "auth_user", "another"
						      " participant has that"
						      " username");
			else
				(void)web_reply_errno(r, err, "password");
			return;
		}
	}

	reply_member(r, 201, "Created", uri, true);
}


static void part_update(struct web_req *r)
{
	static const char *const fields[] = {"sip_uri", "kms_uid", "role",
					     NULL};
	const struct confdef_member *m;
	struct confdef *cd = NULL;
	const char *kms, *s, *bad = NULL;
	enum confdef_role role = CONFDEF_PARTICIPANT;
	bool has_role;
	int err;

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}
	err = web_json_str(r->body, "sip_uri", WEB_URI_MAX, &s);
	if (err == EINVAL || (!err && strcmp(s, r->m.item))) {
		(void)web_reply_error(r, 400, "Bad Request", "sip_uri",
				      "remove and add to change the URI");
		return;
	}
	if (fields_get(r->body, &kms, &role, &has_role, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "invalid value");
		return;
	}

	err = store_conf_get(r->w->st, &cd, r->m.conf);
	m = err ? NULL : member_get(cd, r->m.item);
	if (!m) {
		mem_deref(cd);
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such participant");
		return;
	}
	if (!has_role)
		role = m->role;

	err = store_part_update(r->w->st, r->m.conf, m->sip_uri, kms, role);
	mem_deref(cd);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		return;
	}

	reply_member(r, 200, "OK", r->m.item, true);
}


static void part_del(struct web_req *r)
{
	const struct confdef_member *m;
	struct confdef *cd = NULL;
	char *uri = NULL;
	int err;

	err = store_conf_get(r->w->st, &cd, r->m.conf);
	m = err ? NULL : member_get(cd, r->m.item);
	if (!m || str_dup(&uri, m->sip_uri)) {
		mem_deref(cd);
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such participant");
		return;
	}
	mem_deref(cd);

	err = store_part_del(r->w->st, r->m.conf, uri);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		goto out;
	}

	web_reload(r->w, r->m.conf);

	/* off the list; and out of the call if the creator says so */
	if (web_query_flag(&r->msg->prm, "kick") && r->w->focus)
		(void)focus_kick(r->w->focus, r->m.conf, uri,
				 "removed from the list");

	(void)web_reply_empty(r, 204, "No Content", NULL);

 out:
	mem_deref(uri);
}


static void part_password(struct web_req *r)
{
	static const char *const fields[] = {"password", "auth_user", NULL};
	const char *pw, *user, *bad = NULL;
	int err;

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}
	if (password_get(r->body, &pw, &user, &bad) || !pw) {
		(void)web_reply_error(r, 400, "Bad Request",
				      bad ? bad : "password",
				      "a non-empty password is required");
		return;
	}

	err = store_part_set_password(r->w->st, r->m.conf, r->m.item, user,
				      pw);
	if (err == EEXIST)
		(void)web_reply_error(r, 409, "Conflict", "auth_user",
				      "another participant has that"
				      " username");
	else if (err == ENOENT)
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such participant");
	else if (err)
		(void)web_reply_errno(r, err, "password");
	else {
		web_reload(r->w, r->m.conf);
		(void)web_reply_empty(r, 204, "No Content", NULL);
	}
}


void api_part(struct web_req *r)
{
	bool read = r->method == WEB_GET || r->method == WEB_HEAD;

	if (!api_conf_access(r, read ? STORE_ACCESS_VIEWER
			     : STORE_ACCESS_CHAIR))
		return;

	switch (r->m.route) {

	case WR_PARTS:
		if (read)
			part_list(r);
		else
			part_add(r);
		break;

	case WR_PART:
		if (read)
			reply_member(r, 200, "OK", r->m.item, false);
		else if (r->method == WEB_DELETE)
			part_del(r);
		else
			part_update(r);
		break;

	case WR_PART_PASSWORD:
		part_password(r);
		break;

	default:
		break;
	}
}

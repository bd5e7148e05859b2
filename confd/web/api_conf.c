/**
 * @file api_conf.c  /api/v1/conferences: list (the caller's own and
 * those delegated to it), create, read, update, delete; and
 * /conferences/{c}/delegates, the other creator accounts that may look
 * at (viewer) or change (chair) a conference.
 *
 * Who may do what (TS 33.328 G.3.1: the creator, and those it lets):
 *   owner   everything, including delete and delegation;
 *   chair   read, change the policy, the list and the live call;
 *   viewer  read only: a change is 403;
 *   anyone else: 404, as if the conference did not exist.
 *
 * The policy fields carry the names of `confctl conf policy`: open,
 * anonymous, srtp, keying, floor_pres, floor_pres_max, floor_audio,
 * notify_smime.  PUT and PATCH both change only the fields given.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


static const char *access_name(enum store_access a)
{
	switch (a) {
	case STORE_ACCESS_OWNER:  return "owner";
	case STORE_ACCESS_CHAIR:  return "chair";
	case STORE_ACCESS_VIEWER: return "viewer";
	default:                  return "none";
	}
}


bool api_conf_access(struct web_req *r, enum store_access need)
{
	enum store_access acc = STORE_ACCESS_NONE;
	int err;

	err = store_conf_access(r->w->st, r->m.conf, r->user, &acc);
	if (err && err != ENOENT) {
		(void)web_reply_errno(r, err, NULL);
		return false;
	}

	if (err == ENOENT || acc == STORE_ACCESS_NONE) {
		(void)web_reply_error(r, 404, "Not Found", NULL,
				      "no such conference");
		return false;
	}

	if (acc < need) {
		(void)web_reply_error(r, 403, "Forbidden", NULL,
				      need == STORE_ACCESS_OWNER ?
				      "only the conference's creator may"
				      " do this" :
				      "read-only access to this conference");
		return false;
	}

	return true;
}


static int conf_odict(struct odict **op, struct web *w,
		      const struct confdef *cd, enum store_access acc)
{
	struct odict *o;
	char owner[WEB_NAME_MAX + 1] = "";
	int err;

	err = odict_alloc(&o, 16);
	if (err)
		return err;

	(void)store_conf_owner(w->st, cd->uri, owner, sizeof(owner));

	err  = odict_entry_add(o, "uri", ODICT_STRING, cd->uri);
	err |= odict_entry_add(o, "subject", ODICT_STRING,
			       cd->subject ? cd->subject : "");
	err |= odict_entry_add(o, "creator", ODICT_STRING,
			       cd->creator ? cd->creator : "");
	err |= odict_entry_add(o, "owner", ODICT_STRING, owner);
	err |= odict_entry_add(o, "access", ODICT_STRING, access_name(acc));
	err |= odict_entry_add(o, "open", ODICT_BOOL, cd->open);
	err |= odict_entry_add(o, "anonymous", ODICT_BOOL, cd->anonymous);
	err |= odict_entry_add(o, "srtp", ODICT_STRING,
			       confdef_srtp_name(cd->srtp));
	{
		char keying[64] = "";

		(void)confdef_keying_print(keying, sizeof(keying),
					   cd->keying);
		err |= odict_entry_add(o, "keying", ODICT_STRING, keying);
	}
	err |= odict_entry_add(o, "floor_pres", ODICT_STRING,
			       cd->floor.pres_chair ? "chair" : "auto");
	err |= odict_entry_add(o, "floor_pres_max", ODICT_INT,
			       (int64_t)cd->floor.pres_max);
	err |= odict_entry_add(o, "floor_audio", ODICT_STRING,
			       confdef_audio_floor_name(cd->floor.audio));
	err |= odict_entry_add(o, "notify_smime", ODICT_BOOL,
			       cd->notify_smime);
	err |= odict_entry_add(o, "participant_count", ODICT_INT,
			       (int64_t)list_count(&cd->members));

	if (err)
		mem_deref(o);
	else
		*op = o;

	return err ? ENOMEM : 0;
}


static int set_str(char **dst, const char *s)
{
	*dst = mem_deref(*dst);
	return str_dup(dst, s);
}


/* Apply the policy members of o to cd; EINVAL names the field */
static int policy_apply(struct confdef *cd, const struct odict *o,
			const char **field)
{
	const char *s;
	int64_t n;
	bool b;
	int err;

#define CHECK(e, name) do {						\
		err = (e);						\
		if (err == EINVAL) { *field = (name); return EINVAL; }	\
	} while (0)

	CHECK(web_json_str(o, "subject", WEB_TEXT_MAX, &s), "subject");
	if (!err && set_str(&cd->subject, s))
		return ENOMEM;

	CHECK(web_json_str(o, "creator", WEB_URI_MAX, &s), "creator");
	if (!err) {
		if (s[0] && !web_sip_uri_ok(s)) {
			*field = "creator";
			return EINVAL;
		}
		if (set_str(&cd->creator, s))
			return ENOMEM;
	}

	CHECK(web_json_bool(o, "open", &b), "open");
	if (!err)
		cd->open = b;

	CHECK(web_json_bool(o, "anonymous", &b), "anonymous");
	if (!err)
		cd->anonymous = b;

	CHECK(web_json_str(o, "srtp", 16, &s), "srtp");
	if (!err && confdef_srtp_decode(&cd->srtp, s)) {
		*field = "srtp";
		return EINVAL;
	}

	/* "sdes,dtls,mikey,tls" or "all"; an empty list is refused */
	CHECK(web_json_str(o, "keying", 64, &s), "keying");
	if (!err && confdef_keying_decode(&cd->keying, s)) {
		*field = "keying";
		return EINVAL;
	}

	CHECK(web_json_str(o, "floor_pres", 16, &s), "floor_pres");
	if (!err) {
		if (!strcmp(s, "chair"))
			cd->floor.pres_chair = true;
		else if (!strcmp(s, "auto"))
			cd->floor.pres_chair = false;
		else {
			*field = "floor_pres";
			return EINVAL;
		}
	}

	CHECK(web_json_int(o, "floor_pres_max", 1, 16, &n),
	      "floor_pres_max");
	if (!err)
		cd->floor.pres_max = (unsigned)n;

	CHECK(web_json_str(o, "floor_audio", 16, &s), "floor_audio");
	if (!err && confdef_audio_floor_decode(&cd->floor.audio, s)) {
		*field = "floor_audio";
		return EINVAL;
	}

	CHECK(web_json_bool(o, "notify_smime", &b), "notify_smime");
	if (!err)
		cd->notify_smime = b;

#undef CHECK

	/* an anonymous caller can only get into an open conference */
	if (cd->anonymous && !cd->open) {
		*field = "anonymous";
		return EINVAL;
	}

	return 0;
}


static const char *const conf_fields[] = {
	"uri", "subject", "creator", "open", "anonymous", "srtp", "keying",
	"floor_pres", "floor_pres_max", "floor_audio", "notify_smime",
	NULL
};


struct listctx {
	struct web *w;
	struct odict *arr;
	int err;
};


static bool list_item(const char *uri, enum store_access acc, void *arg)
{
	struct listctx *lc = arg;
	struct confdef *cd = NULL;
	struct odict *o = NULL;
	char key[24];

	lc->err = store_conf_get(lc->w->st, &cd, uri);
	if (lc->err == ENOENT) {
		lc->err = 0;
		return false;
	}
	if (!lc->err)
		lc->err = conf_odict(&o, lc->w, cd, acc);
	if (!lc->err) {
		(void)re_snprintf(key, sizeof(key), "%zu",
				  odict_count(lc->arr, false));
		lc->err = odict_entry_add(lc->arr, key, ODICT_OBJECT, o);
	}

	mem_deref(o);
	mem_deref(cd);
	return lc->err != 0;
}


static void conf_list(struct web_req *r)
{
	struct listctx lc = {r->w, NULL, 0};
	struct odict *top = NULL;
	int err;

	err  = odict_alloc(&top, 4);
	err |= odict_alloc(&lc.arr, 32);
	if (!err)
		err = store_conf_list_for(r->w->st, r->user, list_item, &lc);
	if (!err)
		err = lc.err;
	if (!err)
		err = odict_entry_add(top, "conferences", ODICT_ARRAY,
				      lc.arr);

	if (err)
		(void)web_reply_errno(r, err, NULL);
	else
		(void)web_reply_json(r, 200, "OK", NULL, top);

	mem_deref(lc.arr);
	mem_deref(top);
}


static void reply_conf(struct web_req *r, uint16_t scode,
		       const char *reason, const char *uri,
		       enum store_access acc)
{
	struct confdef *cd = NULL;
	struct odict *o = NULL;
	int err;

	err = store_conf_get(r->w->st, &cd, uri);
	if (!err)
		err = conf_odict(&o, r->w, cd, acc);

	if (err) {
		(void)web_reply_errno(r, err, NULL);
	}
	else if (scode == 201) {
		char loc[WEB_URI_MAX * 3 + 64];

		(void)re_snprintf(loc, sizeof(loc),
				  "Location: /api/v1/conferences/%H\r\n",
				  web_pct_escape, uri);
		(void)web_reply_json(r, scode, reason, loc, o);
	}
	else {
		(void)web_reply_json(r, scode, reason, NULL, o);
	}

	mem_deref(o);
	mem_deref(cd);
}


static void conf_create(struct web_req *r)
{
	struct confdef *cd = NULL;
	const char *uri, *bad = NULL;
	int err;

	if (!web_json_only(r->body, conf_fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}

	err = web_json_str(r->body, "uri", WEB_URI_MAX, &uri);
	if (err || !web_uri_in_domain(uri, r->w->domain)) {
		char msg[200];

		(void)re_snprintf(msg, sizeof(msg), "a sip: URI under %s is"
				  " required", r->w->domain);
		(void)web_reply_error(r, 400, "Bad Request", "uri", msg);
		return;
	}

	err = confdef_alloc(&cd, uri);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		return;
	}
	cd->floor.pres_max = 1;

	err = policy_apply(cd, r->body, &bad);
	if (err) {
		(void)web_reply_errno(r, err, bad);
		goto out;
	}

	err = store_conf_create(r->w->st, cd, r->user);
	if (err) {
		(void)web_reply_errno(r, err, "uri");
		goto out;
	}

	web_reload(r->w, uri);
	reply_conf(r, 201, "Created", uri, STORE_ACCESS_OWNER);

 out:
	mem_deref(cd);
}


static void conf_update(struct web_req *r)
{
	struct confdef *cd = NULL;
	const char *bad = NULL, *uri;
	enum store_access acc = STORE_ACCESS_NONE;
	int err;

	if (!web_json_only(r->body, conf_fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}

	err = web_json_str(r->body, "uri", WEB_URI_MAX, &uri);
	if (err == EINVAL || (!err && strcmp(uri, r->m.conf))) {
		(void)web_reply_error(r, 400, "Bad Request", "uri",
				      "the URI of a conference cannot be"
				      " changed");
		return;
	}

	err = store_conf_get(r->w->st, &cd, r->m.conf);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		return;
	}

	err = policy_apply(cd, r->body, &bad);
	if (err) {
		(void)web_reply_errno(r, err, bad);
		goto out;
	}

	err = store_conf_update(r->w->st, cd);
	if (err) {
		(void)web_reply_errno(r, err, NULL);
		goto out;
	}

	web_reload(r->w, r->m.conf);
	(void)store_conf_access(r->w->st, r->m.conf, r->user, &acc);
	reply_conf(r, 200, "OK", r->m.conf, acc);

 out:
	mem_deref(cd);
}


static bool delegate_item(const char *name, enum store_access role,
			  void *arg)
{
	struct odict *arr = arg, *o;
	char key[24];

	if (odict_alloc(&o, 4))
		return true;
	(void)odict_entry_add(o, "name", ODICT_STRING, name);
	(void)odict_entry_add(o, "role", ODICT_STRING, access_name(role));
	(void)re_snprintf(key, sizeof(key), "%zu", odict_count(arr, false));
	(void)odict_entry_add(arr, key, ODICT_OBJECT, o);
	mem_deref(o);
	return false;
}


static void delegates(struct web_req *r)
{
	static const char *const fields[] = {"role", NULL};
	struct odict *top = NULL, *arr = NULL;
	enum store_access role;
	const char *s, *bad;
	int err;

	if (!api_conf_access(r, STORE_ACCESS_OWNER))
		return;

	if (r->m.route == WR_DELEGATES) {
		err  = odict_alloc(&top, 4);
		err |= odict_alloc(&arr, 8);
		if (!err)
			err = store_delegate_list(r->w->st, r->m.conf,
						  delegate_item, arr);
		if (!err)
			err = odict_entry_add(top, "delegates", ODICT_ARRAY,
					      arr);
		if (err)
			(void)web_reply_errno(r, err, NULL);
		else
			(void)web_reply_json(r, 200, "OK", NULL, top);
		mem_deref(arr);
		mem_deref(top);
		return;
	}

	if (!web_name_ok(r->m.item) || !strcmp(r->m.item, r->user)) {
		(void)web_reply_error(r, 400, "Bad Request", "name",
				      "another creator account's name");
		return;
	}

	if (r->method == WEB_DELETE) {
		err = store_delegate_del(r->w->st, r->m.conf, r->m.item);
		if (err)
			(void)web_reply_errno(r, err, "name");
		else
			(void)web_reply_empty(r, 204, "No Content", NULL);
		return;
	}

	if (!web_json_only(r->body, fields, &bad)) {
		(void)web_reply_error(r, 400, "Bad Request", bad,
				      "unknown field");
		return;
	}
	if (web_json_str(r->body, "role", 16, &s) ||
	    (strcmp(s, "chair") && strcmp(s, "viewer"))) {
		(void)web_reply_error(r, 400, "Bad Request", "role",
				      "chair or viewer");
		return;
	}
	role = !strcmp(s, "chair") ? STORE_ACCESS_CHAIR : STORE_ACCESS_VIEWER;

	err = store_delegate_set(r->w->st, r->m.conf, r->m.item, role);
	if (err == ENOENT)
		(void)web_reply_error(r, 404, "Not Found", "name",
				      "no such creator account");
	else if (err)
		(void)web_reply_errno(r, err, "name");
	else
		(void)web_reply_jsonf(r, 200, "OK", NULL,
				      "{\"name\":\"%s\",\"role\":\"%s\"}",
				      r->m.item, access_name(role));
}


void api_conf(struct web_req *r)
{
	enum store_access acc = STORE_ACCESS_NONE;
	int err;

	switch (r->m.route) {

	case WR_CONFS:
		if (r->method == WEB_GET)
			conf_list(r);
		else
			conf_create(r);
		break;

	case WR_CONF:
		switch (r->method) {

		case WEB_GET:
			if (!api_conf_access(r, STORE_ACCESS_VIEWER))
				break;
			(void)store_conf_access(r->w->st, r->m.conf, r->user,
						&acc);
			reply_conf(r, 200, "OK", r->m.conf, acc);
			break;

		case WEB_PUT:
		case WEB_PATCH:
			if (api_conf_access(r, STORE_ACCESS_CHAIR))
				conf_update(r);
			break;

		case WEB_DELETE:
			if (!api_conf_access(r, STORE_ACCESS_OWNER))
				break;
			err = store_conf_del(r->w->st, r->m.conf);
			if (err) {
				(void)web_reply_errno(r, err, NULL);
				break;
			}
			web_reload(r->w, r->m.conf);
			(void)web_reply_empty(r, 204, "No Content", NULL);
			break;

		default:
			break;
		}
		break;

	case WR_DELEGATES:
	case WR_DELEGATE:
		delegates(r);
		break;

	default:
		break;
	}
}

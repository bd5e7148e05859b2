/**
 * @file store_web.c  The store's side of the web interface: conferences
 * written whole, who may see or change them (owner and delegates),
 * member updates and API tokens (schema version 5).  Backend-neutral:
 * written against store_int.h's SQL, it runs on SQLite and PostgreSQL.
 *
 * Like store_conf.c: bound parameters only, every write one statement
 * or one transaction, committed before the function returns (the API
 * answers only after that, so an answered change survives kill -9).
 */
#include <string.h>
#include <time.h>
#include <errno.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


static bool conf_ok(const struct confdef *cd)
{
	return cd && confdef_uri_valid(cd->uri) &&
		store_text_ok(cd->subject ? cd->subject : "",
			      STORE_TEXT_MAX) &&
		store_text_ok(cd->creator ? cd->creator : "",
			      STORE_TEXT_MAX) &&
		strcmp(confdef_srtp_name(cd->srtp), "?") &&
		cd->keying && !(cd->keying & ~CONFDEF_KEY_ALL) &&
		strcmp(confdef_audio_floor_name(cd->floor.audio), "?") &&
		cd->floor.pres_max >= 1 && cd->floor.pres_max <= 16;
}


/* Parameters $2..$10 of both statements below are these, in order */
#define CONF_FMT "ttiittiti"
#define CONF_ARGS(cd) (cd)->subject, (cd)->creator, (cd)->open,	\
		(cd)->anonymous, confdef_srtp_name((cd)->srtp),		\
		(cd)->floor.pres_chair ? "chair" : "auto",		\
		(int)(cd)->floor.pres_max,				\
		confdef_audio_floor_name((cd)->floor.audio),		\
		(cd)->notify_smime


int store_conf_create(struct store *st, const struct confdef *cd,
		      const char *owner)
{
	if (!st || !conf_ok(cd) || !str_isset(owner) ||
	    !store_text_ok(owner, STORE_NAME_MAX))
		return EINVAL;

	char keying[64];

	if (confdef_keying_print(keying, sizeof(keying), cd->keying))
		return EINVAL;

	return store_sql(st, NULL, NULL,
			 "INSERT INTO conferences (uri, subject, creator,"
			 " open, anonymous, srtp, floor_pres, floor_pres_max,"
			 " floor_audio, notify_smime, owner, created, keying)"
			 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			 " $11, $12, $13);", "t" CONF_FMT "tIt", cd->uri,
			 CONF_ARGS(cd), owner, (int64_t)time(NULL), keying);
}


int store_conf_update(struct store *st, const struct confdef *cd)
{
	if (!st || !conf_ok(cd))
		return EINVAL;

	char keying[64];

	if (confdef_keying_print(keying, sizeof(keying), cd->keying))
		return EINVAL;

	return store_sql_write1(st,
		"UPDATE conferences SET subject = $2, creator = $3,"
		" open = $4, anonymous = $5, srtp = $6, floor_pres = $7,"
		" floor_pres_max = $8, floor_audio = $9, notify_smime = $10,"
		" keying = $11 WHERE uri = $1;", "t" CONF_FMT "t", cd->uri,
		CONF_ARGS(cd), keying);
}


static enum store_access role_decode(const char *s)
{
	if (s && !strcmp(s, "chair"))
		return STORE_ACCESS_CHAIR;
	if (s && !strcmp(s, "viewer"))
		return STORE_ACCESS_VIEWER;
	return STORE_ACCESS_NONE;
}


int store_conf_access(struct store *st, const char *uri, const char *name,
		      enum store_access *accp)
{
	struct store_res *r = NULL;
	int err;

	if (!st || !uri || !name || !accp)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT c.owner, d.role FROM conferences c"
			" LEFT JOIN conf_delegates d ON d.conf_id = c.id"
			" AND d.creator = $2 WHERE c.uri = $1;",
			"tt", uri, name);
	if (err)
		return err;

	if (store_res_rows(r)) {
		const char *owner = store_res_text(r, 0, 0);
		const char *role = store_res_text(r, 0, 1);

		if (owner && name[0] && !strcmp(owner, name))
			*accp = STORE_ACCESS_OWNER;
		else
			*accp = role_decode(role);
	}
	else
		err = ENOENT;

	mem_deref(r);
	return err;
}


int store_conf_list_for(struct store *st, const char *name,
			bool (*h)(const char *uri, enum store_access acc,
				  void *arg), void *arg)
{
	struct store_res *r = NULL;
	size_t row;
	int err;

	if (!st || !name || !h)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT c.uri, CASE WHEN c.owner = $1 THEN 'owner'"
			" ELSE d.role END FROM conferences c"
			" LEFT JOIN conf_delegates d ON d.conf_id = c.id"
			" AND d.creator = $1"
			" WHERE c.owner = $1 OR d.creator IS NOT NULL"
			" ORDER BY c.id;", "t", name);
	if (err)
		return err;

	for (row = 0; row < store_res_rows(r); row++) {
		const char *uri = store_res_text(r, row, 0);
		const char *a = store_res_text(r, row, 1);
		enum store_access acc = a && !strcmp(a, "owner") ?
			STORE_ACCESS_OWNER : role_decode(a);

		if (uri && acc != STORE_ACCESS_NONE && h(uri, acc, arg))
			break;
	}

	mem_deref(r);
	return 0;
}


int store_conf_owner(struct store *st, const char *uri, char *buf,
		     size_t sz)
{
	struct store_res *r = NULL;
	int err;

	if (!st || !uri || !buf || !sz)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT owner FROM conferences WHERE uri = $1;",
			"t", uri);
	if (err)
		return err;

	if (store_res_rows(r)) {
		const char *o = store_res_text(r, 0, 0);
		str_ncpy(buf, o ? o : "", sz);
	}
	else
		err = ENOENT;

	mem_deref(r);
	return err;
}


int store_delegate_set(struct store *st, const char *uri, const char *name,
		       enum store_access role)
{
	if (!st || !uri || !str_isset(name) ||
	    (role != STORE_ACCESS_CHAIR && role != STORE_ACCESS_VIEWER))
		return EINVAL;

	/* a missing account fails the foreign key (ENOENT); a missing
	 * conference inserts nothing */
	return store_sql_write1(st,
		"INSERT INTO conf_delegates (conf_id, creator, role)"
		" SELECT id, $2, $3 FROM conferences WHERE uri = $1"
		" ON CONFLICT (conf_id, creator) DO UPDATE SET"
		" role = excluded.role;", "ttt", uri, name,
		role == STORE_ACCESS_CHAIR ? "chair" : "viewer");
}


int store_delegate_del(struct store *st, const char *uri, const char *name)
{
	if (!st || !uri || !name)
		return EINVAL;

	return store_sql_write1(st,
		"DELETE FROM conf_delegates WHERE creator = $2 AND"
		" conf_id = (SELECT id FROM conferences WHERE uri = $1);",
		"tt", uri, name);
}


int store_delegate_list(struct store *st, const char *uri,
			bool (*h)(const char *name, enum store_access role,
				  void *arg), void *arg)
{
	struct store_res *r = NULL;
	size_t row;
	int err;

	if (!st || !uri || !h)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT d.creator, d.role FROM conf_delegates d"
			" JOIN conferences c ON c.id = d.conf_id"
			" WHERE c.uri = $1 ORDER BY d.creator;", "t", uri);
	if (err)
		return err;

	for (row = 0; row < store_res_rows(r); row++) {
		const char *n = store_res_text(r, row, 0);

		if (n && h(n, role_decode(store_res_text(r, row, 1)), arg))
			break;
	}

	mem_deref(r);
	return 0;
}


int store_part_update(struct store *st, const char *conf_uri,
		      const char *sip_uri, const char *kms_uid,
		      enum confdef_role role)
{
	if (!st || !conf_uri || !sip_uri ||
	    (kms_uid && !store_text_ok(kms_uid, STORE_TEXT_MAX)) ||
	    !strcmp(confdef_role_name(role), "?"))
		return EINVAL;

	/* $4 is a text-typed NULL when kms_uid is: PostgreSQL must know
	 * its type to compare it */
	return store_sql_write1(st,
		"UPDATE participants SET role = $3,"
		" kms_uid = CASE WHEN $4 IS NULL THEN kms_uid"
		" WHEN $4 = '' THEN sip_uri ELSE $4 END"
		" WHERE sip_uri = $2 AND conf_id ="
		" (SELECT id FROM conferences WHERE uri = $1);",
		"tttn", conf_uri, sip_uri, confdef_role_name(role), kms_uid);
}


int store_token_add(struct store *st, const char *creator,
		    const char *label, const uint8_t *hash, int64_t *idp)
{
	struct store_res *r = NULL;
	int err;

	if (!st || !str_isset(creator) || !hash ||
	    !store_text_ok(label ? label : "", STORE_NAME_MAX))
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"INSERT INTO api_tokens (creator, label, hash,"
			" created) VALUES ($1, $2, $3, $4) RETURNING id;",
			"ttbI", creator, label, hash,
			(size_t)STORE_TOKEN_HASH_LEN, (int64_t)time(NULL));
	if (!err && idp)
		*idp = store_res_int(r, 0, 0);

	mem_deref(r);
	return err;
}


int store_token_find(struct store *st, const uint8_t *hash, char *creator,
		     size_t sz)
{
	struct store_res *r = NULL;
	int err;

	if (!st || !hash || !creator || !sz)
		return EINVAL;

	/* The token has 128 random bits: looking its hash up by index
	 * tells an attacker nothing about other tokens */
	err = store_sql(st, &r, NULL,
			"SELECT creator FROM api_tokens WHERE hash = $1;",
			"b", hash, (size_t)STORE_TOKEN_HASH_LEN);
	if (err)
		return err;

	if (store_res_rows(r)) {
		const char *c = store_res_text(r, 0, 0);
		str_ncpy(creator, c ? c : "", sz);
	}
	else
		err = ENOENT;

	mem_deref(r);
	return err;
}


int store_token_del(struct store *st, const char *creator, int64_t id)
{
	if (!st || !creator)
		return EINVAL;

	return store_sql_write1(st,
		"DELETE FROM api_tokens WHERE id = $1 AND creator = $2;",
		"It", id, creator);
}


int store_token_list(struct store *st, const char *creator,
		     bool (*h)(int64_t id, const char *label,
			       int64_t created, void *arg), void *arg)
{
	struct store_res *r = NULL;
	size_t row;
	int err;

	if (!st || !creator || !h)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT id, label, created FROM api_tokens"
			" WHERE creator = $1 ORDER BY id;", "t", creator);
	if (err)
		return err;

	for (row = 0; row < store_res_rows(r); row++) {
		const char *l = store_res_text(r, row, 1);

		if (h(store_res_int(r, row, 0), l ? l : "",
		      store_res_int(r, row, 2), arg))
			break;
	}

	mem_deref(r);
	return 0;
}

/**
 * @file store_web.c  The SQLite store's side of the web interface:
 * conferences written whole, who may see or change them (owner and
 * delegates), member updates and API tokens (schema version 5).
 *
 * Like store.c: bound parameters only, every write one statement or one
 * transaction, committed before the function returns (the API answers
 * only after that, so an answered change survives kill -9).
 */
#include <string.h>
#include <errno.h>
#include <sqlite3.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	TEXT_MAX = 1024,
	NAME_MAX_LEN = 256,
};


static int sqlerr(struct store *st, int rc)
{
	switch (rc & 0xff) {

	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;

	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return EEXIST;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return ENOENT;
		return EINVAL;

	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;

	case SQLITE_NOMEM:
		return ENOMEM;

	default:
		DEBUG_WARNING("sqlite: %s\n", sqlite3_errmsg(st->db));
		return EIO;
	}
}


static int prep(struct store *st, sqlite3_stmt **stmtp, const char *sql)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmtp, NULL);

	if (rc != SQLITE_OK) {
		DEBUG_WARNING("prepare: %s\n", sqlite3_errmsg(st->db));
		*stmtp = NULL;
		return sqlerr(st, rc);
	}

	return 0;
}


static void btext(sqlite3_stmt *stmt, int idx, const char *s)
{
	(void)sqlite3_bind_text(stmt, idx, s ? s : "", -1, SQLITE_STATIC);
}


/* Runs a statement without rows and finalizes it. */
static int run_done(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	int err = rc == SQLITE_DONE ? 0 : sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


static bool text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max;
}


static bool conf_ok(const struct confdef *cd)
{
	return cd && confdef_uri_valid(cd->uri) &&
		text_ok(cd->subject ? cd->subject : "", TEXT_MAX) &&
		text_ok(cd->creator ? cd->creator : "", TEXT_MAX) &&
		strcmp(confdef_srtp_name(cd->srtp), "?") &&
		cd->keying && !(cd->keying & ~CONFDEF_KEY_ALL) &&
		strcmp(confdef_audio_floor_name(cd->floor.audio), "?") &&
		cd->floor.pres_max >= 1 && cd->floor.pres_max <= 16;
}


/* Columns ?2..?10 and ?12 of conferences, in the order of both
 * statements */
static void bind_conf(sqlite3_stmt *stmt, const struct confdef *cd)
{
	char keying[64];

	/* copied: the list lives on this stack frame only */
	(void)confdef_keying_print(keying, sizeof(keying), cd->keying);
	(void)sqlite3_bind_text(stmt, 12, keying, -1, SQLITE_TRANSIENT);
	btext(stmt, 2, cd->subject);
	btext(stmt, 3, cd->creator);
	sqlite3_bind_int(stmt, 4, cd->open);
	sqlite3_bind_int(stmt, 5, cd->anonymous);
	btext(stmt, 6, confdef_srtp_name(cd->srtp));
	btext(stmt, 7, cd->floor.pres_chair ? "chair" : "auto");
	sqlite3_bind_int(stmt, 8, (int)cd->floor.pres_max);
	btext(stmt, 9, confdef_audio_floor_name(cd->floor.audio));
	sqlite3_bind_int(stmt, 10, cd->notify_smime);
}


int store_conf_create(struct store *st, const struct confdef *cd,
		      const char *owner)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !conf_ok(cd) || !str_isset(owner) ||
	    !text_ok(owner, NAME_MAX_LEN))
		return EINVAL;

	err = prep(st, &stmt,
		   "INSERT INTO conferences (uri, subject, creator, open,"
		   " anonymous, srtp, floor_pres, floor_pres_max, floor_audio,"
		   " notify_smime, owner, keying, created) VALUES (?1, ?2, ?3,"
		   " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		   " strftime('%s','now'));");
	if (err)
		return err;

	btext(stmt, 1, cd->uri);
	bind_conf(stmt, cd);
	btext(stmt, 11, owner);

	return run_done(st, stmt);
}


int store_conf_update(struct store *st, const struct confdef *cd)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !conf_ok(cd))
		return EINVAL;

	err = prep(st, &stmt,
		   "UPDATE conferences SET subject = ?2, creator = ?3,"
		   " open = ?4, anonymous = ?5, srtp = ?6, floor_pres = ?7,"
		   " floor_pres_max = ?8, floor_audio = ?9, notify_smime = ?10,"
		   " keying = ?12 WHERE uri = ?1;");
	if (err)
		return err;

	btext(stmt, 1, cd->uri);
	bind_conf(stmt, cd);

	err = run_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
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
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !uri || !name || !accp)
		return EINVAL;

	err = prep(st, &stmt,
		   "SELECT c.owner, d.role FROM conferences c"
		   " LEFT JOIN conf_delegates d ON d.conf_id = c.id"
		   " AND d.creator = ?2 WHERE c.uri = ?1;");
	if (err)
		return err;

	btext(stmt, 1, uri);
	btext(stmt, 2, name);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *owner = (const char *)sqlite3_column_text(stmt, 0);
		const char *role = (const char *)sqlite3_column_text(stmt, 1);

		if (owner && name[0] && !strcmp(owner, name))
			*accp = STORE_ACCESS_OWNER;
		else
			*accp = role_decode(role);
	}
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_list_for(struct store *st, const char *name,
			bool (*h)(const char *uri, enum store_access acc,
				  void *arg), void *arg)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !name || !h)
		return EINVAL;

	err = prep(st, &stmt,
		   "SELECT c.uri, CASE WHEN c.owner = ?1 THEN 'owner'"
		   " ELSE d.role END FROM conferences c"
		   " LEFT JOIN conf_delegates d ON d.conf_id = c.id"
		   " AND d.creator = ?1"
		   " WHERE c.owner = ?1 OR d.creator IS NOT NULL"
		   " ORDER BY c.id;");
	if (err)
		return err;

	btext(stmt, 1, name);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *uri = (const char *)sqlite3_column_text(stmt, 0);
		const char *r = (const char *)sqlite3_column_text(stmt, 1);
		enum store_access acc = r && !strcmp(r, "owner") ?
			STORE_ACCESS_OWNER : role_decode(r);

		if (uri && acc != STORE_ACCESS_NONE && h(uri, acc, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_owner(struct store *st, const char *uri, char *buf,
		     size_t sz)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !uri || !buf || !sz)
		return EINVAL;

	err = prep(st, &stmt, "SELECT owner FROM conferences WHERE uri = ?1;");
	if (err)
		return err;

	btext(stmt, 1, uri);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(stmt, 0);
		str_ncpy(buf, o ? o : "", sz);
	}
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_delegate_set(struct store *st, const char *uri, const char *name,
		       enum store_access role)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri || !str_isset(name) ||
	    (role != STORE_ACCESS_CHAIR && role != STORE_ACCESS_VIEWER))
		return EINVAL;

	/* a missing account fails the foreign key (ENOENT); a missing
	 * conference inserts nothing */
	err = prep(st, &stmt,
		   "INSERT INTO conf_delegates (conf_id, creator, role)"
		   " SELECT id, ?2, ?3 FROM conferences WHERE uri = ?1"
		   " ON CONFLICT (conf_id, creator) DO UPDATE SET"
		   " role = excluded.role;");
	if (err)
		return err;

	btext(stmt, 1, uri);
	btext(stmt, 2, name);
	btext(stmt, 3, role == STORE_ACCESS_CHAIR ? "chair" : "viewer");

	err = run_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_delegate_del(struct store *st, const char *uri, const char *name)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri || !name)
		return EINVAL;

	err = prep(st, &stmt,
		   "DELETE FROM conf_delegates WHERE creator = ?2 AND"
		   " conf_id = (SELECT id FROM conferences WHERE uri = ?1);");
	if (err)
		return err;

	btext(stmt, 1, uri);
	btext(stmt, 2, name);

	err = run_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_delegate_list(struct store *st, const char *uri,
			bool (*h)(const char *name, enum store_access role,
				  void *arg), void *arg)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !uri || !h)
		return EINVAL;

	err = prep(st, &stmt,
		   "SELECT d.creator, d.role FROM conf_delegates d"
		   " JOIN conferences c ON c.id = d.conf_id"
		   " WHERE c.uri = ?1 ORDER BY d.creator;");
	if (err)
		return err;

	btext(stmt, 1, uri);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(stmt, 0);
		const char *r = (const char *)sqlite3_column_text(stmt, 1);

		if (n && h(n, role_decode(r), arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_part_update(struct store *st, const char *conf_uri,
		      const char *sip_uri, const char *kms_uid,
		      enum confdef_role role)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !conf_uri || !sip_uri ||
	    (kms_uid && !text_ok(kms_uid, TEXT_MAX)) ||
	    !strcmp(confdef_role_name(role), "?"))
		return EINVAL;

	err = prep(st, &stmt,
		   "UPDATE participants SET role = ?3,"
		   " kms_uid = CASE WHEN ?4 IS NULL THEN kms_uid"
		   " WHEN ?4 = '' THEN sip_uri ELSE ?4 END"
		   " WHERE sip_uri = ?2 AND conf_id ="
		   " (SELECT id FROM conferences WHERE uri = ?1);");
	if (err)
		return err;

	btext(stmt, 1, conf_uri);
	btext(stmt, 2, sip_uri);
	btext(stmt, 3, confdef_role_name(role));
	if (kms_uid)
		btext(stmt, 4, kms_uid);
	else
		sqlite3_bind_null(stmt, 4);

	err = run_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_token_add(struct store *st, const char *creator,
		    const char *label, const uint8_t *hash, int64_t *idp)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !str_isset(creator) || !hash ||
	    !text_ok(label ? label : "", NAME_MAX_LEN))
		return EINVAL;

	err = prep(st, &stmt,
		   "INSERT INTO api_tokens (creator, label, hash, created)"
		   " VALUES (?1, ?2, ?3, strftime('%s','now'));");
	if (err)
		return err;

	btext(stmt, 1, creator);
	btext(stmt, 2, label);
	sqlite3_bind_blob(stmt, 3, hash, STORE_TOKEN_HASH_LEN,
			  SQLITE_STATIC);

	err = run_done(st, stmt);
	if (!err && idp)
		*idp = sqlite3_last_insert_rowid(st->db);

	return err;
}


int store_token_find(struct store *st, const uint8_t *hash, char *creator,
		     size_t sz)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !hash || !creator || !sz)
		return EINVAL;

	/* The token has 128 random bits: looking its hash up by index
	 * tells an attacker nothing about other tokens */
	err = prep(st, &stmt,
		   "SELECT creator FROM api_tokens WHERE hash = ?1;");
	if (err)
		return err;

	sqlite3_bind_blob(stmt, 1, hash, STORE_TOKEN_HASH_LEN,
			  SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(stmt, 0);
		str_ncpy(creator, c ? c : "", sz);
	}
	else if (rc == SQLITE_DONE)
		err = ENOENT;
	else
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_token_del(struct store *st, const char *creator, int64_t id)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !creator)
		return EINVAL;

	err = prep(st, &stmt,
		   "DELETE FROM api_tokens WHERE id = ?1 AND creator = ?2;");
	if (err)
		return err;

	sqlite3_bind_int64(stmt, 1, id);
	btext(stmt, 2, creator);

	err = run_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	return err;
}


int store_token_list(struct store *st, const char *creator,
		     bool (*h)(int64_t id, const char *label,
			       int64_t created, void *arg), void *arg)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !creator || !h)
		return EINVAL;

	err = prep(st, &stmt,
		   "SELECT id, label, created FROM api_tokens"
		   " WHERE creator = ?1 ORDER BY id;");
	if (err)
		return err;

	btext(stmt, 1, creator);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(stmt, 1);

		if (h(sqlite3_column_int64(stmt, 0), l ? l : "",
		      sqlite3_column_int64(stmt, 2), arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sqlerr(st, rc);

	sqlite3_finalize(stmt);
	return err;
}

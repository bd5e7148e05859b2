/**
 * @file store.c  The persistent store: conferences, their authorized
 * participants and creator accounts, in SQLite.
 *
 * Every statement is prepared with bound parameters; no SQL is ever
 * built from strings.  The schema is versioned by PRAGMA user_version,
 * and each migration sets that version itself inside the same
 * transaction, so a crash mid-migration leaves the old version intact.
 */
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <sqlite3.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/digest.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	BUSY_TIMEOUT_MS = 5000,
	PW_SALT_LEN     = 16,
	PW_HASH_LEN     = 32,
	/* PBKDF2-HMAC-SHA256: one check takes about 50 ms (46-70 ms
	 * measured on the 2-core test machine), the work factor of issue
	 * 11.  A hash made with another count is redone at the next good
	 * login (store_creator_check). */
	PW_ITERATIONS   = 210000,
	PW_ITERATIONS_MAX = 10000000,
	PW_MAX_LEN      = 1024,
	NAME_MAX_LEN    = 256,
	TEXT_MAX_LEN    = 1024,
};


/*
 * Migrations, oldest first.  Entry i takes the schema from version i to
 * i+1 and ends by recording that version.  Never edit an entry once it
 * has shipped: add a new one.
 */
static const char *const migrations[] = {

	/* 1: conferences, participants, creators */
	"CREATE TABLE conferences ("
	"  id        INTEGER PRIMARY KEY,"
	"  uri       TEXT NOT NULL UNIQUE,"
	"  subject   TEXT NOT NULL DEFAULT '',"
	"  creator   TEXT NOT NULL DEFAULT '',"
	"  open      INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1)),"
	"  anonymous INTEGER NOT NULL DEFAULT 0"
	"            CHECK (anonymous IN (0, 1)),"
	"  srtp      TEXT NOT NULL DEFAULT 'required'"
	"            CHECK (srtp IN ('required', 'optional', 'off')),"
	"  created   INTEGER NOT NULL"
	");"
	"CREATE TABLE participants ("
	"  id        INTEGER PRIMARY KEY,"
	"  conf_id   INTEGER NOT NULL"
	"            REFERENCES conferences(id) ON DELETE CASCADE,"
	"  sip_uri   TEXT NOT NULL,"
	"  kms_uid   TEXT NOT NULL,"
	"  role      TEXT NOT NULL DEFAULT 'participant'"
	"            CHECK (role IN ('chair', 'participant')),"
	"  UNIQUE (conf_id, sip_uri)"
	");"
	"CREATE INDEX participants_conf ON participants(conf_id);"
	"CREATE TABLE creators ("
	"  id         INTEGER PRIMARY KEY,"
	"  name       TEXT NOT NULL UNIQUE,"
	"  pwhash     BLOB NOT NULL,"
	"  salt       BLOB NOT NULL,"
	"  iterations INTEGER NOT NULL,"
	"  created    INTEGER NOT NULL"
	");"
	"PRAGMA user_version = 1;",

	/* 2: BFCP floor policy (issue 3) */
	"ALTER TABLE conferences ADD COLUMN floor_pres TEXT NOT NULL"
	"  DEFAULT 'auto' CHECK (floor_pres IN ('auto', 'chair'));"
	"ALTER TABLE conferences ADD COLUMN floor_pres_max INTEGER NOT NULL"
	"  DEFAULT 1 CHECK (floor_pres_max BETWEEN 1 AND 16);"
	"ALTER TABLE conferences ADD COLUMN floor_audio TEXT NOT NULL"
	"  DEFAULT 'off' CHECK (floor_audio IN ('off', 'auto', 'chair'));"
	"PRAGMA user_version = 2;",

	/* 3: conference event package NOTIFYs under PSK S/MIME (issue 6) */
	"ALTER TABLE conferences ADD COLUMN notify_smime INTEGER NOT NULL"
	"  DEFAULT 0 CHECK (notify_smime IN (0, 1));"
	"PRAGMA user_version = 3;",

	/* 4: how a member authenticates without a trusted peer: digest
	 * HA1s (never the password) and a TLS client certificate */
	"ALTER TABLE participants ADD COLUMN auth_user TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE participants ADD COLUMN realm TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE participants ADD COLUMN ha1_md5 BLOB;"
	"ALTER TABLE participants ADD COLUMN ha1_sha256 BLOB;"
	"ALTER TABLE participants ADD COLUMN cert_fp TEXT NOT NULL"
	"  DEFAULT '';"
	"PRAGMA user_version = 4;",

	/* 5: the web interface (issue 11): the creator account that owns
	 * a conference (creator stays the SIP identity of its creator),
	 * the accounts it delegates to, and API tokens (SHA-256 of the
	 * token only; store_web.c) */
	"ALTER TABLE conferences ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX conferences_owner ON conferences(owner);"
	"CREATE TABLE conf_delegates ("
	"  conf_id   INTEGER NOT NULL"
	"            REFERENCES conferences(id) ON DELETE CASCADE,"
	"  creator   TEXT NOT NULL"
	"            REFERENCES creators(name) ON DELETE CASCADE,"
	"  role      TEXT NOT NULL CHECK (role IN ('chair', 'viewer')),"
	"  PRIMARY KEY (conf_id, creator)"
	");"
	"CREATE TABLE api_tokens ("
	"  id        INTEGER PRIMARY KEY,"
	"  creator   TEXT NOT NULL"
	"            REFERENCES creators(name) ON DELETE CASCADE,"
	"  label     TEXT NOT NULL DEFAULT '',"
	"  hash      BLOB NOT NULL UNIQUE,"
	"  created   INTEGER NOT NULL"
	");"
	"CREATE INDEX api_tokens_creator ON api_tokens(creator);"
	"PRAGMA user_version = 5;",

	/* 6: which ways of keying media the conference allows (issue 12):
	 * a comma list of sdes, dtls, mikey, tls (confdef.h) */
	"ALTER TABLE conferences ADD COLUMN keying TEXT NOT NULL"
	"  DEFAULT 'sdes,dtls,mikey,tls';"
	"PRAGMA user_version = 6;",
};

#define STORE_VERSION ((int)ARRAY_SIZE(migrations))


static int sql_err(struct store *st, int rc)
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

	case SQLITE_READONLY:
	case SQLITE_PERM:
		return EACCES;

	case SQLITE_FULL:
		return ENOSPC;

	case SQLITE_CANTOPEN:
		return ENOENT;

	default:
		DEBUG_WARNING("sqlite: %s\n",
			      st && st->db ? sqlite3_errmsg(st->db) :
			      sqlite3_errstr(rc));
		return EIO;
	}
}


static int prepare(struct store *st, sqlite3_stmt **stmtp, const char *sql)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmtp, NULL);

	if (rc != SQLITE_OK) {
		DEBUG_WARNING("prepare: %s\n", sqlite3_errmsg(st->db));
		*stmtp = NULL;
		return sql_err(st, rc);
	}

	return 0;
}


static int bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	return sqlite3_bind_text(stmt, idx, s ? s : "", -1, SQLITE_STATIC);
}


/* Runs a statement that returns no rows. */
static int step_done(struct store *st, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE)
		return 0;

	return sql_err(st, rc);
}


static int exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		DEBUG_WARNING("exec: %s\n", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sql_err(st, rc);
	}

	return 0;
}


static bool text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max;
}


static int user_version(struct store *st, int *vp)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = prepare(st, &stmt, "PRAGMA user_version;");
	if (err)
		return err;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*vp = sqlite3_column_int(stmt, 0);
	else
		err = sql_err(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


static int migrate(struct store *st)
{
	int v = 0, err;

	/* IMMEDIATE takes the write lock first, so two processes opening a
	 * fresh file cannot both decide to run migration 1 */
	err = exec(st, "BEGIN IMMEDIATE;");
	if (err)
		return err;

	err = user_version(st, &v);
	if (err)
		goto out;

	if (v > STORE_VERSION) {
		DEBUG_WARNING("schema version %d is newer than this build"
			      " knows (%d)\n", v, STORE_VERSION);
		err = ENOTSUP;
		goto out;
	}

	for (; v < STORE_VERSION; v++) {
		err = exec(st, migrations[v]);
		if (err) {
			DEBUG_WARNING("migration to version %d failed\n",
				      v + 1);
			goto out;
		}
	}

 out:
	if (err)
		(void)exec(st, "ROLLBACK;");
	else
		err = exec(st, "COMMIT;");

	return err;
}


static int set_wal(struct store *st)
{
	sqlite3_stmt *stmt;
	const char *mode;
	int err, rc;

	err = prepare(st, &stmt, "PRAGMA journal_mode = WAL;");
	if (err)
		return err;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		err = sql_err(st, rc);
		goto out;
	}

	/* SQLite answers with the mode it actually took; an in-memory
	 * database stays "memory", which is fine for it */
	mode = (const char *)sqlite3_column_text(stmt, 0);
	if (!mode || (str_casecmp(mode, "wal") &&
		      str_casecmp(mode, "memory"))) {
		DEBUG_WARNING("journal_mode WAL refused (%s)\n",
			      mode ? mode : "?");
		err = EIO;
	}

 out:
	sqlite3_finalize(stmt);
	return err;
}


static void store_destructor(void *arg)
{
	struct store *st = arg;

	if (st->db)
		sqlite3_close_v2(st->db);
}


int store_open(struct store **stp, const char *path)
{
	struct store *st;
	struct stat sb;
	bool fresh;
	int err, rc;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), store_destructor);
	if (!st)
		return ENOMEM;

	fresh = stat(path, &sb) != 0 && errno == ENOENT;

	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		DEBUG_WARNING("open %s: %s\n", path,
			      st->db ? sqlite3_errmsg(st->db) :
			      sqlite3_errstr(rc));
		err = sql_err(NULL, rc);
		goto out;
	}

	sqlite3_extended_result_codes(st->db, 1);

	/* The creators table holds password hashes: keep the file
	 * private.  SQLite gives the -wal and -shm files the same mode. */
	if (fresh && strcmp(path, ":memory:"))
		(void)chmod(path, 0600);

	err = sql_err(st, sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS));
	if (err)
		goto out;

	err = set_wal(st);
	if (err)
		goto out;

	err = exec(st, "PRAGMA foreign_keys = ON;");
	if (err)
		goto out;

	err = migrate(st);

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}


int store_schema_version(struct store *st)
{
	int v = -1;

	if (!st || user_version(st, &v))
		return -1;

	return v;
}


int store_conf_add(struct store *st, const char *uri, const char *subject,
		   const char *creator, bool open, bool anonymous,
		   enum confdef_srtp srtp)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !confdef_uri_valid(uri))
		return EINVAL;
	if ((subject && !text_ok(subject, TEXT_MAX_LEN)) ||
	    (creator && !text_ok(creator, NAME_MAX_LEN)))
		return EINVAL;
	if (0 == strcmp(confdef_srtp_name(srtp), "?"))
		return EINVAL;

	err = prepare(st, &stmt,
		      "INSERT INTO conferences"
		      " (uri, subject, creator, open, anonymous, srtp, created)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%s','now'));");
	if (err)
		return err;

	bind_text(stmt, 1, uri);
	bind_text(stmt, 2, subject);
	bind_text(stmt, 3, creator);
	sqlite3_bind_int(stmt, 4, open);
	sqlite3_bind_int(stmt, 5, anonymous);
	bind_text(stmt, 6, confdef_srtp_name(srtp));

	err = step_done(st, stmt);
	sqlite3_finalize(stmt);
	return err;
}


int store_conf_del(struct store *st, const char *uri)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri)
		return EINVAL;

	/* participants go with it: ON DELETE CASCADE */
	err = prepare(st, &stmt, "DELETE FROM conferences WHERE uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, uri);

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_set_policy(struct store *st, const char *uri, bool open,
			  bool anonymous, enum confdef_srtp srtp)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri)
		return EINVAL;
	if (0 == strcmp(confdef_srtp_name(srtp), "?"))
		return EINVAL;

	err = prepare(st, &stmt,
		      "UPDATE conferences SET open = ?2, anonymous = ?3,"
		      " srtp = ?4 WHERE uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, uri);
	sqlite3_bind_int(stmt, 2, open);
	sqlite3_bind_int(stmt, 3, anonymous);
	bind_text(stmt, 4, confdef_srtp_name(srtp));

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_set_keying(struct store *st, const char *uri, unsigned keying)
{
	sqlite3_stmt *stmt;
	char list[64];
	int err;

	if (!st || !uri || !keying || (keying & ~CONFDEF_KEY_ALL) ||
	    confdef_keying_print(list, sizeof(list), keying))
		return EINVAL;

	err = prepare(st, &stmt,
		      "UPDATE conferences SET keying = ?2 WHERE uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, uri);
	bind_text(stmt, 2, list);

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_set_notify_smime(struct store *st, const char *uri, bool on)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri)
		return EINVAL;

	err = prepare(st, &stmt, "UPDATE conferences SET notify_smime = ?2"
		      " WHERE uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, uri);
	sqlite3_bind_int(stmt, 2, on);

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


int store_conf_set_floor(struct store *st, const char *uri,
			 const struct confdef_floor *fl)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !uri || !fl || fl->pres_max < 1 || fl->pres_max > 16)
		return EINVAL;
	if (0 == strcmp(confdef_audio_floor_name(fl->audio), "?"))
		return EINVAL;

	err = prepare(st, &stmt,
		      "UPDATE conferences SET floor_pres = ?2,"
		      " floor_pres_max = ?3, floor_audio = ?4 WHERE uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, uri);
	bind_text(stmt, 2, fl->pres_chair ? "chair" : "auto");
	sqlite3_bind_int(stmt, 3, (int)fl->pres_max);
	bind_text(stmt, 4, confdef_audio_floor_name(fl->audio));

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


static int col_dup(char **dst, sqlite3_stmt *stmt, int col)
{
	const char *s = (const char *)sqlite3_column_text(stmt, col);

	*dst = mem_deref(*dst);

	return str_dup(dst, s ? s : "");
}


/* One row of "SELECT id, uri, subject, creator, open, anonymous, srtp,
 * floor_pres, floor_pres_max, floor_audio, notify_smime, keying" */
static int conf_from_row(struct confdef **cdp, int64_t *idp,
			 sqlite3_stmt *stmt)
{
	struct confdef *cd;
	const char *uri, *srtp, *fp, *fa;
	int err;

	uri = (const char *)sqlite3_column_text(stmt, 1);
	err = confdef_alloc(&cd, uri ? uri : "");
	if (err)
		return err;

	err  = col_dup(&cd->subject, stmt, 2);
	err |= col_dup(&cd->creator, stmt, 3);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	cd->open      = sqlite3_column_int(stmt, 4) != 0;
	cd->anonymous = sqlite3_column_int(stmt, 5) != 0;

	/* The CHECK constraint keeps srtp valid; a row edited by hand
	 * past it falls back to the strictest policy */
	srtp = (const char *)sqlite3_column_text(stmt, 6);
	if (confdef_srtp_decode(&cd->srtp, srtp ? srtp : ""))
		cd->srtp = CONFDEF_SRTP_REQUIRED;

	fp = (const char *)sqlite3_column_text(stmt, 7);
	cd->floor.pres_chair = fp && !strcmp(fp, "chair");
	cd->floor.pres_max = (unsigned)sqlite3_column_int(stmt, 8);
	if (cd->floor.pres_max < 1 || cd->floor.pres_max > 16)
		cd->floor.pres_max = 1;
	fa = (const char *)sqlite3_column_text(stmt, 9);
	if (confdef_audio_floor_decode(&cd->floor.audio, fa ? fa : ""))
		cd->floor.audio = CONFDEF_AUDIO_FLOOR_OFF;
	cd->notify_smime = sqlite3_column_int(stmt, 10) != 0;

	/* a list edited by hand into nonsense allows nothing: the
	 * strictest reading, as for srtp */
	{
		const char *k = (const char *)sqlite3_column_text(stmt, 11);

		if (confdef_keying_decode(&cd->keying, k ? k : ""))
			cd->keying = 0;
	}

	*idp = sqlite3_column_int64(stmt, 0);

 out:
	if (err)
		mem_deref(cd);
	else
		*cdp = cd;

	return err;
}


/* Columns 3..7 of a participants row: digest and certificate. */
static int member_creds(struct confdef *cd, sqlite3_stmt *stmt)
{
	struct confdef_member *m = list_ledata(list_tail(&cd->members));
	const char *user  = (const char *)sqlite3_column_text(stmt, 3);
	const char *realm = (const char *)sqlite3_column_text(stmt, 4);
	const void *md5   = sqlite3_column_blob(stmt, 5);
	int md5l          = sqlite3_column_bytes(stmt, 5);
	const void *sha   = sqlite3_column_blob(stmt, 6);
	int shal          = sqlite3_column_bytes(stmt, 6);
	const char *fp    = (const char *)sqlite3_column_text(stmt, 7);
	int err = 0;

	if (!m)
		return EINVAL;

	if (str_isset(user) && realm && md5 && md5l == DIGEST_MD5_LEN &&
	    sha && shal == DIGEST_SHA256_LEN)
		err = confdef_member_set_digest(m, user, realm, md5, sha);
	if (!err && str_isset(fp))
		err = confdef_member_set_cert(m, fp);

	return err;
}


static int members_load(struct store *st, struct confdef *cd, int64_t id)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = prepare(st, &stmt,
		      "SELECT sip_uri, kms_uid, role, auth_user, realm,"
		      " ha1_md5, ha1_sha256, cert_fp FROM participants"
		      " WHERE conf_id = ?1 ORDER BY id;");
	if (err)
		return err;

	sqlite3_bind_int64(stmt, 1, id);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *sip = (const char *)sqlite3_column_text(stmt, 0);
		const char *kms = (const char *)sqlite3_column_text(stmt, 1);
		const char *rs  = (const char *)sqlite3_column_text(stmt, 2);
		enum confdef_role role;

		/* Unknown role: the lesser one, never chair */
		if (confdef_role_decode(&role, rs ? rs : ""))
			role = CONFDEF_PARTICIPANT;

		err = confdef_member_add(cd, sip ? sip : "", kms, role);
		if (!err)
			err = member_creds(cd, stmt);
		if (err == EEXIST) {
			/* two rows naming one identity in different
			 * spellings: the first one wins */
			DEBUG_NOTICE("%s: duplicate member %s ignored\n",
				     cd->uri, sip);
			err = 0;
		}
		if (err)
			goto out;
	}

	if (rc != SQLITE_DONE)
		err = sql_err(st, rc);

 out:
	sqlite3_finalize(stmt);
	return err;
}


static int conf_query(struct store *st, struct list *out, const char *uri)
{
	sqlite3_stmt *stmt;
	struct list tmp = LIST_INIT;
	struct le *le;
	int err, rc;

	err = prepare(st, &stmt,
		      uri ?
		      "SELECT id, uri, subject, creator, open, anonymous, srtp,"
		      " floor_pres, floor_pres_max, floor_audio, notify_smime,"
		      " keying FROM conferences WHERE uri = ?1;" :
		      "SELECT id, uri, subject, creator, open, anonymous, srtp,"
		      " floor_pres, floor_pres_max, floor_audio, notify_smime,"
		      " keying FROM conferences ORDER BY id;");
	if (err)
		return err;

	if (uri)
		bind_text(stmt, 1, uri);

	/* One read transaction, so the members match their conference */
	err = exec(st, "BEGIN;");
	if (err)
		goto out;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct confdef *cd;
		int64_t id;

		err = conf_from_row(&cd, &id, stmt);
		if (err)
			break;

		list_append(&tmp, &cd->le, cd);

		err = members_load(st, cd, id);
		if (err)
			break;
	}

	if (!err && rc != SQLITE_DONE)
		err = sql_err(st, rc);

	sqlite3_finalize(stmt);
	stmt = NULL;
	(void)exec(st, "COMMIT;");

	if (err)
		goto out;

	/* All or nothing: the caller never sees half a load */
	while ((le = list_head(&tmp))) {
		list_unlink(le);
		list_append(out, le, le->data);
	}

 out:
	sqlite3_finalize(stmt);
	list_flush(&tmp);
	return err;
}


int store_conf_load(struct store *st, struct list *confdefs)
{
	if (!st || !confdefs)
		return EINVAL;

	return conf_query(st, confdefs, NULL);
}


int store_conf_get(struct store *st, struct confdef **cdp, const char *uri)
{
	struct list l = LIST_INIT;
	int err;

	if (!st || !cdp || !uri)
		return EINVAL;

	err = conf_query(st, &l, uri);
	if (err)
		return err;

	if (!list_head(&l))
		return ENOENT;

	*cdp = list_ledata(list_head(&l));
	list_unlink(list_head(&l));
	list_flush(&l);

	return 0;
}


/* EEXIST when sip_uri names someone already listed, in any spelling
 * that confdef_uri_match() treats as the same identity: two entries
 * for one person would make the role ambiguous. */
static int part_exists(struct store *st, const char *conf_uri,
		       const char *sip_uri)
{
	sqlite3_stmt *stmt;
	int err, rc;

	err = prepare(st, &stmt,
		      "SELECT p.sip_uri FROM participants p"
		      " JOIN conferences c ON p.conf_id = c.id"
		      " WHERE c.uri = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, conf_uri);

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(stmt, 0);

		if (u && (!strcmp(u, sip_uri) ||
			  confdef_uri_match(u, sip_uri))) {
			err = EEXIST;
			break;
		}
	}

	if (!err && rc != SQLITE_DONE)
		err = sql_err(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_part_add(struct store *st, const char *conf_uri,
		   const char *sip_uri, const char *kms_uid,
		   enum confdef_role role)
{
	sqlite3_stmt *stmt = NULL;
	int err;

	if (!st || !conf_uri || !confdef_uri_valid(sip_uri))
		return EINVAL;
	if (kms_uid && !text_ok(kms_uid, TEXT_MAX_LEN))
		return EINVAL;
	if (0 == strcmp(confdef_role_name(role), "?"))
		return EINVAL;

	/* the check and the insert under one write lock */
	err = exec(st, "BEGIN IMMEDIATE;");
	if (err)
		return err;

	err = part_exists(st, conf_uri, sip_uri);
	if (err)
		goto out;

	/* INSERT ... SELECT inserts nothing when the conference is
	 * missing, which tells ENOENT from EEXIST in one statement */
	err = prepare(st, &stmt,
		      "INSERT INTO participants"
		      " (conf_id, sip_uri, kms_uid, role)"
		      " SELECT id, ?2, ?3, ?4 FROM conferences WHERE uri = ?1;");
	if (err)
		goto out;

	bind_text(stmt, 1, conf_uri);
	bind_text(stmt, 2, sip_uri);
	bind_text(stmt, 3, str_isset(kms_uid) ? kms_uid : sip_uri);
	bind_text(stmt, 4, confdef_role_name(role));

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

 out:
	sqlite3_finalize(stmt);
	if (err)
		(void)exec(st, "ROLLBACK;");
	else
		err = exec(st, "COMMIT;");

	return err;
}


int store_part_del(struct store *st, const char *conf_uri,
		   const char *sip_uri)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !conf_uri || !sip_uri)
		return EINVAL;

	err = prepare(st, &stmt,
		      "DELETE FROM participants WHERE sip_uri = ?2 AND"
		      " conf_id = (SELECT id FROM conferences WHERE uri = ?1);");
	if (err)
		return err;

	bind_text(stmt, 1, conf_uri);
	bind_text(stmt, 2, sip_uri);

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


/* The realm of a conference's credentials is its URI's host: confctl
 * and the web API know it without reading confd.conf, and confd
 * challenges with the same string. */
int store_conf_realm(char *buf, size_t sz, const char *conf_uri)
{
	struct pl host;

	if (!buf || !conf_uri)
		return EINVAL;

	if (re_regex(conf_uri, strlen(conf_uri), "@[^;:>?]+", &host) &&
	    re_regex(conf_uri, strlen(conf_uri), "sip[s]*:[^;:>?@]+",
		     NULL, &host))
		return EINVAL;

	return pl_strcpy(&host, buf, sz) ? ENOMEM : 0;
}


/* One participants row, named by conference and SIP URI; ENOENT if
 * either is missing. */
static int part_update(struct store *st, const char *sql,
		       const char *conf_uri, const char *sip_uri,
		       sqlite3_stmt **stmtp)
{
	int err = prepare(st, stmtp, sql);
	if (err)
		return err;

	bind_text(*stmtp, 1, conf_uri);
	bind_text(*stmtp, 2, sip_uri);
	return 0;
}


int store_part_set_password(struct store *st, const char *conf_uri,
			    const char *sip_uri, const char *auth_user,
			    const char *password)
{
	uint8_t md5[DIGEST_MD5_LEN], sha[DIGEST_SHA256_LEN];
	char realm[256], user[256];
	sqlite3_stmt *stmt = NULL;
	struct pl u;
	int err, rc;

	if (!st || !conf_uri || !sip_uri || !str_isset(password) ||
	    !text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (str_isset(auth_user)) {
		if (!text_ok(auth_user, NAME_MAX_LEN) ||
		    str_len(auth_user) >= sizeof(user))
			return EINVAL;
		str_ncpy(user, auth_user, sizeof(user));
	}
	else {
		/* the user part of the SIP URI, as SIP clients default to */
		if (re_regex(sip_uri, strlen(sip_uri), "sip[s]*:[^@]+@",
			     NULL, &u) || pl_strcpy(&u, user, sizeof(user)))
			return EINVAL;
	}

	err = store_conf_realm(realm, sizeof(realm), conf_uri);
	if (err)
		return err;

	err  = digest_ha1(md5, DIGEST_MD5, user, realm, password);
	err |= digest_ha1(sha, DIGEST_SHA256, user, realm, password);
	if (err) {
		err = EIO;
		goto out;
	}

	err = exec(st, "BEGIN IMMEDIATE;");
	if (err)
		goto out;

	/* one digest username per conference: it is how a request names
	 * the member it claims to be */
	err = prepare(st, &stmt,
		      "SELECT 1 FROM participants p JOIN conferences c"
		      " ON p.conf_id = c.id WHERE c.uri = ?1"
		      " AND p.auth_user = ?2 AND p.sip_uri <> ?3;");
	if (!err) {
		bind_text(stmt, 1, conf_uri);
		bind_text(stmt, 2, user);
		bind_text(stmt, 3, sip_uri);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			err = EEXIST;
		else if (rc != SQLITE_DONE)
			err = sql_err(st, rc);
		sqlite3_finalize(stmt);
		stmt = NULL;
	}

	if (!err)
		err = part_update(st,
			  "UPDATE participants SET auth_user = ?3, realm = ?4,"
			  " ha1_md5 = ?5, ha1_sha256 = ?6 WHERE sip_uri = ?2 AND"
			  " conf_id = (SELECT id FROM conferences"
			  " WHERE uri = ?1);", conf_uri, sip_uri, &stmt);
	if (!err) {
		bind_text(stmt, 3, user);
		bind_text(stmt, 4, realm);
		sqlite3_bind_blob(stmt, 5, md5, sizeof(md5), SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 6, sha, sizeof(sha), SQLITE_STATIC);
		err = step_done(st, stmt);
		if (!err && sqlite3_changes(st->db) == 0)
			err = ENOENT;
	}

	sqlite3_finalize(stmt);
	if (err)
		(void)exec(st, "ROLLBACK;");
	else
		err = exec(st, "COMMIT;");
 out:
	OPENSSL_cleanse(md5, sizeof(md5));
	OPENSSL_cleanse(sha, sizeof(sha));
	return err;
}


int store_part_set_cert(struct store *st, const char *conf_uri,
			const char *sip_uri, const char *fp)
{
	sqlite3_stmt *stmt = NULL;
	int err;

	if (!st || !conf_uri || !sip_uri || !fp ||
	    !text_ok(fp, TEXT_MAX_LEN))
		return EINVAL;

	err = part_update(st,
			  "UPDATE participants SET cert_fp = ?3 WHERE"
			  " sip_uri = ?2 AND conf_id = (SELECT id FROM"
			  " conferences WHERE uri = ?1);",
			  conf_uri, sip_uri, &stmt);
	if (err)
		return err;

	bind_text(stmt, 3, fp);
	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


static int pw_derive(uint8_t *out, const char *password,
		     const uint8_t *salt, size_t saltlen, int iterations)
{
	if (1 != PKCS5_PBKDF2_HMAC(password, (int)strlen(password),
				   salt, (int)saltlen, iterations,
				   EVP_sha256(), PW_HASH_LEN, out))
		return EIO;

	return 0;
}


int store_creator_add(struct store *st, const char *name,
		      const char *password)
{
	uint8_t salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	sqlite3_stmt *stmt = NULL;
	int err;

	if (!st || !str_isset(name) || !text_ok(name, NAME_MAX_LEN))
		return EINVAL;
	if (!str_isset(password) || !text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (1 != RAND_bytes(salt, sizeof(salt)))
		return EIO;

	err = pw_derive(hash, password, salt, sizeof(salt), PW_ITERATIONS);
	if (err)
		goto out;

	err = prepare(st, &stmt,
		      "INSERT INTO creators (name, pwhash, salt, iterations,"
		      " created) VALUES (?1, ?2, ?3, ?4,"
		      " strftime('%s','now'));");
	if (err)
		goto out;

	bind_text(stmt, 1, name);
	sqlite3_bind_blob(stmt, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, PW_ITERATIONS);

	err = step_done(st, stmt);

 out:
	sqlite3_finalize(stmt);
	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int store_creator_passwd(struct store *st, const char *name,
			 const char *password)
{
	uint8_t salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	sqlite3_stmt *stmt = NULL;
	int err;

	if (!st || !str_isset(name) || !str_isset(password) ||
	    !text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (1 != RAND_bytes(salt, sizeof(salt)))
		return EIO;

	err = pw_derive(hash, password, salt, sizeof(salt), PW_ITERATIONS);
	if (err)
		goto out;

	err = prepare(st, &stmt,
		      "UPDATE creators SET pwhash = ?2, salt = ?3,"
		      " iterations = ?4 WHERE name = ?1;");
	if (err)
		goto out;

	bind_text(stmt, 1, name);
	sqlite3_bind_blob(stmt, 2, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_int(stmt, 4, PW_ITERATIONS);

	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

 out:
	sqlite3_finalize(stmt);
	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int store_creator_del(struct store *st, const char *name)
{
	sqlite3_stmt *stmt;
	int err;

	if (!st || !name)
		return EINVAL;

	err = prepare(st, &stmt, "DELETE FROM creators WHERE name = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, name);
	err = step_done(st, stmt);
	if (!err && sqlite3_changes(st->db) == 0)
		err = ENOENT;

	sqlite3_finalize(stmt);
	return err;
}


int store_creator_list(struct store *st,
		       bool (*h)(const char *name, void *arg), void *arg)
{
	sqlite3_stmt *stmt;
	int err, rc;

	if (!st || !h)
		return EINVAL;

	err = prepare(st, &stmt, "SELECT name FROM creators ORDER BY name;");
	if (err)
		return err;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(stmt, 0);
		if (n && h(n, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		err = sql_err(st, rc);

	sqlite3_finalize(stmt);
	return err;
}


int store_creator_check(struct store *st, const char *name,
			const char *password)
{
	uint8_t hash[PW_HASH_LEN], stored[PW_HASH_LEN];
	uint8_t salt[64];
	sqlite3_stmt *stmt;
	size_t saltlen = 0;
	int iterations = PW_ITERATIONS;
	bool found = false;
	int err, rc;

	if (!st || !name || !password)
		return EINVAL;
	if (!text_ok(password, PW_MAX_LEN))
		return EACCES;

	memset(stored, 0, sizeof(stored));
	memset(salt, 0, sizeof(salt));

	err = prepare(st, &stmt,
		      "SELECT pwhash, salt, iterations FROM creators"
		      " WHERE name = ?1;");
	if (err)
		return err;

	bind_text(stmt, 1, name);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(stmt, 0);
		int hl        = sqlite3_column_bytes(stmt, 0);
		const void *s = sqlite3_column_blob(stmt, 1);
		int sl        = sqlite3_column_bytes(stmt, 1);

		iterations = sqlite3_column_int(stmt, 2);

		if (h && hl == PW_HASH_LEN && s && sl > 0 &&
		    (size_t)sl <= sizeof(salt) && iterations > 0 &&
		    iterations <= PW_ITERATIONS_MAX) {
			memcpy(stored, h, PW_HASH_LEN);
			memcpy(salt, s, (size_t)sl);
			saltlen = (size_t)sl;
			found = true;
		}
		else {
			DEBUG_WARNING("creator %s: malformed row\n", name);
			iterations = PW_ITERATIONS;
		}
	}
	else if (rc != SQLITE_DONE) {
		err = sql_err(st, rc);
	}

	sqlite3_finalize(stmt);
	if (err)
		goto out;

	/* Derive even for an unknown name, so that the time taken does not
	 * tell which names exist */
	err = pw_derive(hash, password, salt,
			found ? saltlen : PW_SALT_LEN, iterations);
	if (err)
		goto out;

	if (!found)
		err = ENOENT;
	else if (CRYPTO_memcmp(hash, stored, PW_HASH_LEN))
		err = EACCES;
	else if (iterations != PW_ITERATIONS &&
		 store_creator_passwd(st, name, password))
		/* the work factor changed since this hash was made: now
		 * that we hold the password, store it under the current
		 * count; failing that, the old hash still works */
		DEBUG_NOTICE("creator %s: rehash failed\n", name);

 out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(stored, sizeof(stored));
	return err;
}

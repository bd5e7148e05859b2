/**
 * @file store_sqlite.c  The SQLite backend: the embedded default, one
 * file in WAL mode shared by confd and confctl on one machine.
 *
 * The schema is versioned by PRAGMA user_version, and each migration
 * sets that version itself inside the same transaction, so a crash
 * mid-migration leaves the old version intact.
 */
#include <string.h>
#include <sys/stat.h>
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
	BUSY_TIMEOUT_MS = 5000,
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

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION,
	       "a migration is missing from the SQLite backend");


static sqlite3 *db_of(struct store *st)
{
	return st->be_data;
}


static int sql_err(sqlite3 *db, int rc)
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
		DEBUG_WARNING("sqlite: %s\n", db ? sqlite3_errmsg(db) :
			      sqlite3_errstr(rc));
		return EIO;
	}
}


static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		DEBUG_WARNING("exec: %s\n", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sql_err(db, rc);
	}

	return 0;
}


/* "$1".."$n" are named parameters to SQLite: bind each by its name, so
 * that a statement may use them in any order and more than once */
static int bind_all(sqlite3_stmt *stmt, const struct store_val *argv,
		    size_t argc)
{
	size_t k;

	for (k = 0; k < argc; k++) {
		const struct store_val *v = &argv[k];
		char name[8];
		int idx, rc;

		(void)re_snprintf(name, sizeof(name), "$%zu", k + 1);
		idx = sqlite3_bind_parameter_index(stmt, name);
		if (!idx)
			continue;

		switch (v->type) {

		case STORE_INT:
			rc = sqlite3_bind_int64(stmt, idx, v->i);
			break;

		case STORE_TEXT:
			rc = v->s ? sqlite3_bind_text(stmt, idx, v->s, -1,
						      SQLITE_STATIC) :
				sqlite3_bind_null(stmt, idx);
			break;

		case STORE_BLOB:
			rc = sqlite3_bind_blob(stmt, idx, v->b, (int)v->len,
					       SQLITE_STATIC);
			break;

		default:
			rc = sqlite3_bind_null(stmt, idx);
			break;
		}

		if (rc != SQLITE_OK)
			return EINVAL;
	}

	return 0;
}


static int row_copy(struct store_res *r, sqlite3_stmt *stmt, int cols)
{
	int c, err = 0;

	for (c = 0; c < cols && !err; c++) {

		switch (sqlite3_column_type(stmt, c)) {

		case SQLITE_INTEGER:
			err = store_res_add(r, STORE_INT,
					    sqlite3_column_int64(stmt, c),
					    NULL, 0);
			break;

		case SQLITE_NULL:
			err = store_res_add(r, STORE_NULL, 0, NULL, 0);
			break;

		case SQLITE_BLOB:
			err = store_res_add(r, STORE_BLOB, 0,
					    sqlite3_column_blob(stmt, c),
					    (size_t)sqlite3_column_bytes(stmt,
									 c));
			break;

		default:
			err = store_res_add(r, STORE_TEXT, 0,
					    sqlite3_column_text(stmt, c),
					    (size_t)sqlite3_column_bytes(stmt,
									 c));
			break;
		}
	}

	return err;
}


static int be_query(struct store *st, struct store_res **resp,
		    uint64_t *changes, const char *sql,
		    const struct store_val *argv, size_t argc)
{
	sqlite3 *db = db_of(st);
	struct store_res *r = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc, err, cols;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		DEBUG_WARNING("prepare: %s\n", sqlite3_errmsg(db));
		return sql_err(db, rc);
	}

	err = bind_all(stmt, argv, argc);
	if (err)
		goto out;

	cols = sqlite3_column_count(stmt);
	if (resp && cols > 0) {
		err = store_res_alloc(&r, (size_t)cols);
		if (err)
			goto out;
	}

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (r) {
			err = row_copy(r, stmt, cols);
			if (err)
				goto out;
		}
	}

	if (rc != SQLITE_DONE) {
		err = sql_err(db, rc);
		goto out;
	}

	if (changes)
		*changes = (uint64_t)sqlite3_changes(db);

 out:
	sqlite3_finalize(stmt);
	if (err)
		mem_deref(r);
	else if (resp)
		*resp = r;

	return err;
}


static int be_begin(struct store *st, bool write)
{
	/* IMMEDIATE takes the write lock first: a check and the write that
	 * depends on it see no other writer in between */
	return exec(db_of(st), write ? "BEGIN IMMEDIATE;" : "BEGIN;");
}


static int be_commit(struct store *st)
{
	return exec(db_of(st), "COMMIT;");
}


static void be_rollback(struct store *st)
{
	(void)exec(db_of(st), "ROLLBACK;");
}


static int user_version(sqlite3 *db, int *vp)
{
	sqlite3_stmt *stmt;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*vp = sqlite3_column_int(stmt, 0);
	else
		err = sql_err(db, rc);

	sqlite3_finalize(stmt);
	return err;
}


static int be_version(struct store *st, int *vp)
{
	return user_version(db_of(st), vp);
}


static int migrate(sqlite3 *db)
{
	int v = 0, err;

	/* IMMEDIATE takes the write lock first, so two processes opening a
	 * fresh file cannot both decide to run migration 1 */
	err = exec(db, "BEGIN IMMEDIATE;");
	if (err)
		return err;

	err = user_version(db, &v);
	if (err)
		goto out;

	if (v > STORE_SCHEMA_VERSION) {
		DEBUG_WARNING("schema version %d is newer than this build"
			      " knows (%d)\n", v, STORE_SCHEMA_VERSION);
		err = ENOTSUP;
		goto out;
	}

	for (; v < STORE_SCHEMA_VERSION; v++) {
		err = exec(db, migrations[v]);
		if (err) {
			DEBUG_WARNING("migration to version %d failed\n",
				      v + 1);
			goto out;
		}
	}

 out:
	if (err)
		(void)exec(db, "ROLLBACK;");
	else
		err = exec(db, "COMMIT;");

	return err;
}


static int set_wal(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	const char *mode;
	int err = 0, rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL;", -1, &stmt,
				NULL);
	if (rc != SQLITE_OK)
		return sql_err(db, rc);

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		err = sql_err(db, rc);
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


static int be_open(struct store *st, const char *path)
{
	sqlite3 *db = NULL;
	struct stat sb;
	bool fresh;
	int err, rc;

	fresh = stat(path, &sb) != 0 && errno == ENOENT;

	rc = sqlite3_open_v2(path, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		DEBUG_WARNING("open %s: %s\n", path,
			      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		err = sql_err(NULL, rc);
		goto out;
	}

	sqlite3_extended_result_codes(db, 1);

	/* The creators table holds password hashes: keep the file
	 * private.  SQLite gives the -wal and -shm files the same mode. */
	if (fresh && strcmp(path, ":memory:"))
		(void)chmod(path, 0600);

	err = sql_err(db, sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS));
	if (err)
		goto out;

	err = set_wal(db);
	if (err)
		goto out;

	err = exec(db, "PRAGMA foreign_keys = ON;");
	if (err)
		goto out;

	err = migrate(db);

 out:
	if (err)
		sqlite3_close_v2(db);
	else
		st->be_data = db;

	return err;
}


static void be_close(struct store *st)
{
	if (st->be_data)
		sqlite3_close_v2(db_of(st));
	st->be_data = NULL;
}


const struct store_backend store_sqlite = {
	.name     = "sqlite",
	.open     = be_open,
	.close    = be_close,
	.query    = be_query,
	.begin    = be_begin,
	.commit   = be_commit,
	.rollback = be_rollback,
	.version  = be_version,
	.watch    = NULL,
};

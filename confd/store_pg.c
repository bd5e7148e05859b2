/**
 * @file store_pg.c  The PostgreSQL backend: one database shared by
 * several confd nodes (issue 16), reached through libpq.
 *
 * - The same schema versions as store_sqlite.c, in PostgreSQL's dialect
 *   (BIGSERIAL for INTEGER PRIMARY KEY, BYTEA for BLOB, BIGINT times);
 *   the version lives in the one-row table confd_schema, and migrations
 *   run under an advisory lock so that nodes starting together migrate
 *   once.
 * - Writers that check before they write (store_begin(st, true)) take
 *   a transaction-scoped advisory lock: the same one-writer rule that
 *   SQLite's BEGIN IMMEDIATE gives, across nodes.
 * - Change feed: triggers on conferences and participants call
 *   pg_notify('confd_conf', <conference URI>) from inside the writing
 *   transaction, so PostgreSQL delivers it at commit and only then,
 *   whoever wrote (a node's web API, confctl, psql).  A second
 *   connection LISTENs; its socket sits in libre's main loop
 *   (fd_listen), so a change reaches every node without polling.
 *   Queries stay on the first connection: a notification that arrived
 *   while a query ran would be read there and missed by the loop.
 *
 * Queries are synchronous (PQexecParams): the main loop waits for the
 * database, as it waits for SQLite's disk.  Keep the database near.
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <postgresql/libpq-fe.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


/* Type OIDs from PostgreSQL's catalog (pg_type.dat); libpq ships no
 * header for them, and they never change. */
enum {
	OID_BYTEA = 17,
	OID_INT8  = 20,
	OID_INT2  = 21,
	OID_INT4  = 23,
	OID_TEXT  = 25,
	OID_OID   = 26,
};

enum {
	MAX_ARGS = 16,
	RELISTEN_MS = 1000,
};

#define CHANNEL "confd_conf"
/* The advisory lock every confd writer takes: "confd" as a number */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(427071268452);"


/*
 * Migrations: entry i takes the schema from version i to i+1, the
 * same steps as store_sqlite.c's, and records the version.  Never edit
 * an entry once it has shipped: add a new one, to both backends.
 */
static const char *const migrations[] = {

	/* 1: conferences, participants, creators; and the change feed */
	"CREATE TABLE conferences ("
	"  id        BIGSERIAL PRIMARY KEY,"
	"  uri       TEXT NOT NULL UNIQUE,"
	"  subject   TEXT NOT NULL DEFAULT '',"
	"  creator   TEXT NOT NULL DEFAULT '',"
	"  open      INTEGER NOT NULL DEFAULT 0 CHECK (open IN (0, 1)),"
	"  anonymous INTEGER NOT NULL DEFAULT 0"
	"            CHECK (anonymous IN (0, 1)),"
	"  srtp      TEXT NOT NULL DEFAULT 'required'"
	"            CHECK (srtp IN ('required', 'optional', 'off')),"
	"  created   BIGINT NOT NULL"
	");"
	"CREATE TABLE participants ("
	"  id        BIGSERIAL PRIMARY KEY,"
	"  conf_id   BIGINT NOT NULL"
	"            REFERENCES conferences(id) ON DELETE CASCADE,"
	"  sip_uri   TEXT NOT NULL,"
	"  kms_uid   TEXT NOT NULL,"
	"  role      TEXT NOT NULL DEFAULT 'participant'"
	"            CHECK (role IN ('chair', 'participant')),"
	"  UNIQUE (conf_id, sip_uri)"
	");"
	"CREATE INDEX participants_conf ON participants(conf_id);"
	"CREATE TABLE creators ("
	"  id         BIGSERIAL PRIMARY KEY,"
	"  name       TEXT NOT NULL UNIQUE,"
	"  pwhash     BYTEA NOT NULL,"
	"  salt       BYTEA NOT NULL,"
	"  iterations INTEGER NOT NULL,"
	"  created    BIGINT NOT NULL"
	");"
	/* The payload is the conference's URI; NOTIFY folds identical
	 * payloads of one transaction into one */
	"CREATE FUNCTION confd_conf_notify() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	"  IF TG_OP <> 'INSERT' THEN"
	"    PERFORM pg_notify('" CHANNEL "', OLD.uri);"
	"  END IF;"
	"  IF TG_OP <> 'DELETE' THEN"
	"    PERFORM pg_notify('" CHANNEL "', NEW.uri);"
	"  END IF;"
	"  RETURN NULL;"
	" END $$;"
	"CREATE TRIGGER conferences_notify AFTER INSERT OR UPDATE OR DELETE"
	"  ON conferences FOR EACH ROW EXECUTE FUNCTION confd_conf_notify();"
	/* A member's change is its conference's change; when the
	 * conference itself is being deleted its own trigger tells */
	"CREATE FUNCTION confd_member_notify() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	"  IF TG_OP <> 'INSERT' THEN"
	"    PERFORM pg_notify('" CHANNEL "', c.uri) FROM conferences c"
	"      WHERE c.id = OLD.conf_id;"
	"  END IF;"
	"  IF TG_OP <> 'DELETE' THEN"
	"    PERFORM pg_notify('" CHANNEL "', c.uri) FROM conferences c"
	"      WHERE c.id = NEW.conf_id;"
	"  END IF;"
	"  RETURN NULL;"
	" END $$;"
	"CREATE TRIGGER participants_notify AFTER INSERT OR UPDATE OR DELETE"
	"  ON participants FOR EACH ROW"
	"  EXECUTE FUNCTION confd_member_notify();"
	"UPDATE confd_schema SET version = 1;",

	/* 2: BFCP floor policy (issue 3) */
	"ALTER TABLE conferences ADD COLUMN floor_pres TEXT NOT NULL"
	"  DEFAULT 'auto' CHECK (floor_pres IN ('auto', 'chair'));"
	"ALTER TABLE conferences ADD COLUMN floor_pres_max INTEGER NOT NULL"
	"  DEFAULT 1 CHECK (floor_pres_max BETWEEN 1 AND 16);"
	"ALTER TABLE conferences ADD COLUMN floor_audio TEXT NOT NULL"
	"  DEFAULT 'off' CHECK (floor_audio IN ('off', 'auto', 'chair'));"
	"UPDATE confd_schema SET version = 2;",

	/* 3: conference event package NOTIFYs under PSK S/MIME (issue 6) */
	"ALTER TABLE conferences ADD COLUMN notify_smime INTEGER NOT NULL"
	"  DEFAULT 0 CHECK (notify_smime IN (0, 1));"
	"UPDATE confd_schema SET version = 3;",

	/* 4: digest HA1s and a TLS client certificate per member */
	"ALTER TABLE participants ADD COLUMN auth_user TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE participants ADD COLUMN realm TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE participants ADD COLUMN ha1_md5 BYTEA;"
	"ALTER TABLE participants ADD COLUMN ha1_sha256 BYTEA;"
	"ALTER TABLE participants ADD COLUMN cert_fp TEXT NOT NULL"
	"  DEFAULT '';"
	"UPDATE confd_schema SET version = 4;",

	/* 5: the web interface (issue 11) */
	"ALTER TABLE conferences ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX conferences_owner ON conferences(owner);"
	"CREATE TABLE conf_delegates ("
	"  conf_id   BIGINT NOT NULL"
	"            REFERENCES conferences(id) ON DELETE CASCADE,"
	"  creator   TEXT NOT NULL"
	"            REFERENCES creators(name) ON DELETE CASCADE,"
	"  role      TEXT NOT NULL CHECK (role IN ('chair', 'viewer')),"
	"  PRIMARY KEY (conf_id, creator)"
	");"
	"CREATE TABLE api_tokens ("
	"  id        BIGSERIAL PRIMARY KEY,"
	"  creator   TEXT NOT NULL"
	"            REFERENCES creators(name) ON DELETE CASCADE,"
	"  label     TEXT NOT NULL DEFAULT '',"
	"  hash      BYTEA NOT NULL UNIQUE,"
	"  created   BIGINT NOT NULL"
	");"
	"CREATE INDEX api_tokens_creator ON api_tokens(creator);"
	"UPDATE confd_schema SET version = 5;",

	/* 6: which ways of keying media the conference allows */
	"ALTER TABLE conferences ADD COLUMN keying TEXT NOT NULL"
	"  DEFAULT 'sdes,dtls,mikey,tls';"
	"UPDATE confd_schema SET version = 6;",
};

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION,
	       "a migration is missing from the PostgreSQL backend");


struct pgstore {
	PGconn *conn;          /* queries */
	PGconn *lconn;         /* LISTEN only (store_watch) */
	int lfd;
	struct tmr tmr;        /* reconnects lconn */
	char *conninfo;
	struct store *st;
};


static struct pgstore *pg_of(struct store *st)
{
	return st->be_data;
}


/* SQLSTATE classes (PostgreSQL appendix A) to the store's errnos */
static int res_err(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
		NULL;

	if (!res)
		return ENOMEM;

	if (state) {
		if (!strcmp(state, "23505"))
			return EEXIST;
		if (!strcmp(state, "23503"))
			return ENOENT;
		if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
			return EINVAL;
		if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
		    !strcmp(state, "55P03"))
			return EBUSY;
		if (!strcmp(state, "42501"))
			return EACCES;
		if (!strcmp(state, "53100"))
			return ENOSPC;
		if (!strcmp(state, "53200"))
			return ENOMEM;
	}

	DEBUG_WARNING("postgresql: %s", PQresultErrorMessage(res)[0] ?
		      PQresultErrorMessage(res) : PQerrorMessage(conn));
	return EIO;
}


/* NOTICEs ("relation ... already exists, skipping") are not errors */
static void notice_h(void *arg, const char *msg)
{
	(void)arg;
	DEBUG_INFO("postgresql: %s", msg);
}


static int connect_db(PGconn **connp, const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (!conn)
		return ENOMEM;

	if (PQstatus(conn) != CONNECTION_OK) {
		/* PQerrorMessage never repeats the password */
		DEBUG_WARNING("connect: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return ECONNREFUSED;
	}

	(void)PQsetNoticeProcessor(conn, notice_h, NULL);
	*connp = conn;
	return 0;
}


/* A connection that broke (the server restarted, an operator cut it)
 * is only found broken when used.  Outside a transaction the statement
 * is simply sent again on a new connection; inside one the error
 * stands, since the transaction is gone. */
static bool reconnected(PGconn *conn, bool was_idle)
{
	if (!was_idle || PQstatus(conn) != CONNECTION_BAD)
		return false;

	DEBUG_NOTICE("connection lost: reconnecting\n");
	PQreset(conn);

	return PQstatus(conn) == CONNECTION_OK;
}


static bool idle(PGconn *conn)
{
	return PQtransactionStatus(conn) == PQTRANS_IDLE ||
		PQstatus(conn) == CONNECTION_BAD;
}


static bool res_ok(const PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}


static int exec_simple(PGconn *conn, const char *sql)
{
	bool was_idle = idle(conn);
	PGresult *res = PQexec(conn, sql);
	int err = 0;

	if (!res_ok(res) && reconnected(conn, was_idle)) {
		PQclear(res);
		res = PQexec(conn, sql);
	}

	if (!res_ok(res))
		err = res_err(conn, res);

	PQclear(res);
	return err;
}


static int res_copy(struct store_res **resp, const PGresult *res)
{
	struct store_res *r = NULL;
	int rows = PQntuples(res), cols = PQnfields(res), i, c;
	int err;

	if (cols <= 0) {
		*resp = NULL;
		return 0;
	}

	err = store_res_alloc(&r, (size_t)cols);
	if (err)
		return err;

	for (i = 0; i < rows && !err; i++) {
		for (c = 0; c < cols && !err; c++) {
			const char *v = PQgetvalue(res, i, c);
			Oid t = PQftype(res, c);

			if (PQgetisnull(res, i, c)) {
				err = store_res_add(r, STORE_NULL, 0, NULL,
						    0);
			}
			else if (t == OID_INT8 || t == OID_INT4 ||
				 t == OID_INT2 || t == OID_OID) {
				err = store_res_add(r, STORE_INT,
						    strtoll(v, NULL, 10),
						    NULL, 0);
			}
			else if (t == OID_BYTEA) {
				size_t n = 0;
				unsigned char *b;

				b = PQunescapeBytea((const unsigned char *)v,
						    &n);
				if (!b) {
					err = ENOMEM;
					break;
				}
				err = store_res_add(r, STORE_BLOB, 0, b, n);
				PQfreemem(b);
			}
			else {
				err = store_res_add(r, STORE_TEXT, 0, v,
					    (size_t)PQgetlength(res, i, c));
			}
		}
	}

	if (err)
		mem_deref(r);
	else
		*resp = r;

	return err;
}


static int be_query(struct store *st, struct store_res **resp,
		    uint64_t *changes, const char *sql,
		    const struct store_val *argv, size_t argc)
{
	struct pgstore *pg = pg_of(st);
	const char *values[MAX_ARGS];
	char ints[MAX_ARGS][24];
	int lengths[MAX_ARGS], formats[MAX_ARGS];
	Oid types[MAX_ARGS];
	bool was_idle;
	PGresult *res;
	ExecStatusType s;
	size_t k;
	int err = 0;

	if (argc > MAX_ARGS)
		return E2BIG;

	for (k = 0; k < argc; k++) {
		const struct store_val *v = &argv[k];

		lengths[k] = 0;
		formats[k] = 0;

		switch (v->type) {

		case STORE_INT:
			types[k] = OID_INT8;
			(void)re_snprintf(ints[k], sizeof(ints[k]), "%lld",
					  (long long)v->i);
			values[k] = ints[k];
			break;

		case STORE_BLOB:
			/* binary: no escaping of the bytes at all */
			types[k] = OID_BYTEA;
			values[k] = (const char *)v->b;
			lengths[k] = (int)v->len;
			formats[k] = 1;
			break;

		case STORE_TEXT:
			types[k] = OID_TEXT;
			values[k] = v->s;   /* NULL: an SQL NULL */
			break;

		default:
			types[k] = OID_TEXT;
			values[k] = NULL;
			break;
		}
	}

	was_idle = idle(pg->conn);
	res = PQexecParams(pg->conn, sql, (int)argc, types, values, lengths,
			   formats, 0);
	if (!res_ok(res) && reconnected(pg->conn, was_idle)) {
		PQclear(res);
		res = PQexecParams(pg->conn, sql, (int)argc, types, values,
				   lengths, formats, 0);
	}
	s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) {
		if (changes) {
			const char *n = PQcmdTuples(res);
			*changes = n && n[0] ? strtoull(n, NULL, 10) : 0;
		}
		if (resp)
			err = res_copy(resp, res);
	}
	else {
		err = res_err(pg->conn, res);
	}

	PQclear(res);
	return err;
}


static int be_begin(struct store *st, bool write)
{
	struct pgstore *pg = pg_of(st);
	int err;

	if (!write)
		/* one snapshot for a conference and its members */
		return exec_simple(pg->conn, "BEGIN ISOLATION LEVEL"
				   " REPEATABLE READ, READ ONLY;");

	err = exec_simple(pg->conn, "BEGIN;");
	if (err)
		return err;

	/* nodes take turns to check-then-write, as SQLite's processes
	 * do under BEGIN IMMEDIATE; released at COMMIT or ROLLBACK */
	err = exec_simple(pg->conn, LOCK_SQL);
	if (err)
		(void)exec_simple(pg->conn, "ROLLBACK;");

	return err;
}


static int be_commit(struct store *st)
{
	return exec_simple(pg_of(st)->conn, "COMMIT;");
}


static void be_rollback(struct store *st)
{
	(void)exec_simple(pg_of(st)->conn, "ROLLBACK;");
}


static int read_version(PGconn *conn, int *vp)
{
	bool was_idle = idle(conn);
	PGresult *res = PQexec(conn, "SELECT version FROM confd_schema;");
	int err = 0;

	if (!res_ok(res) && reconnected(conn, was_idle)) {
		PQclear(res);
		res = PQexec(conn, "SELECT version FROM confd_schema;");
	}

	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
		err = res_err(conn, res);
	else if (PQntuples(res) != 1)
		err = EIO;
	else
		*vp = atoi(PQgetvalue(res, 0, 0));

	PQclear(res);
	return err;
}


static int be_version(struct store *st, int *vp)
{
	return read_version(pg_of(st)->conn, vp);
}


static int migrate(PGconn *conn)
{
	int v = 0, err;

	err = exec_simple(conn, "BEGIN;");
	if (err)
		return err;

	/* Nodes that start together: the first migrates, the others wait
	 * here and then find the current version */
	err = exec_simple(conn, LOCK_SQL
			  "CREATE TABLE IF NOT EXISTS confd_schema"
			  " (version INTEGER NOT NULL);"
			  "INSERT INTO confd_schema SELECT 0 WHERE NOT EXISTS"
			  " (SELECT 1 FROM confd_schema);");
	if (!err)
		err = read_version(conn, &v);
	if (err)
		goto out;

	if (v > STORE_SCHEMA_VERSION) {
		DEBUG_WARNING("schema version %d is newer than this build"
			      " knows (%d)\n", v, STORE_SCHEMA_VERSION);
		err = ENOTSUP;
		goto out;
	}

	for (; v < STORE_SCHEMA_VERSION; v++) {
		err = exec_simple(conn, migrations[v]);
		if (err) {
			DEBUG_WARNING("migration to version %d failed\n",
				      v + 1);
			goto out;
		}
	}

 out:
	if (err)
		(void)exec_simple(conn, "ROLLBACK;");
	else
		err = exec_simple(conn, "COMMIT;");

	return err;
}


static void listen_close(struct pgstore *pg)
{
	if (pg->lfd >= 0)
		fd_close(pg->lfd);
	pg->lfd = -1;

	if (pg->lconn)
		PQfinish(pg->lconn);
	pg->lconn = NULL;
}


static int listen_open(struct pgstore *pg);


static void relisten_tmr(void *arg)
{
	struct pgstore *pg = arg;
	struct store *st = pg->st;

	if (listen_open(pg)) {
		tmr_start(&pg->tmr, RELISTEN_MS, relisten_tmr, pg);
		return;
	}

	DEBUG_NOTICE("change feed back: reloading every conference\n");

	/* whatever changed while nobody listened */
	if (st->changeh)
		st->changeh(NULL, st->arg);
}


static void listen_h(int flags, void *arg)
{
	struct pgstore *pg = arg;
	struct store *st = pg->st;
	PGnotify *n;
	(void)flags;

	if (!PQconsumeInput(pg->lconn) ||
	    PQstatus(pg->lconn) != CONNECTION_OK) {
		DEBUG_WARNING("change feed lost: %s", PQerrorMessage(
				      pg->lconn));
		listen_close(pg);
		tmr_start(&pg->tmr, RELISTEN_MS, relisten_tmr, pg);
		return;
	}

	while ((n = PQnotifies(pg->lconn))) {
		if (st->changeh && n->extra)
			st->changeh(n->extra[0] ? n->extra : NULL, st->arg);
		PQfreemem(n);
		/* the handler may have stopped the feed */
		if (!pg->lconn)
			break;
	}
}


static int listen_open(struct pgstore *pg)
{
	int err;

	err = connect_db(&pg->lconn, pg->conninfo);
	if (err)
		return err;

	err = exec_simple(pg->lconn, "LISTEN " CHANNEL ";");
	if (err)
		goto out;

	pg->lfd = PQsocket(pg->lconn);
	if (pg->lfd < 0) {
		err = EIO;
		goto out;
	}

	err = fd_listen(pg->lfd, FD_READ, listen_h, pg);
	if (err)
		pg->lfd = -1;

 out:
	if (err)
		listen_close(pg);

	return err;
}


static int be_watch(struct store *st)
{
	struct pgstore *pg = pg_of(st);

	if (pg->lconn)
		return 0;

	return listen_open(pg);
}


static void pg_destructor(void *arg)
{
	struct pgstore *pg = arg;

	tmr_cancel(&pg->tmr);
	listen_close(pg);
	if (pg->conn)
		PQfinish(pg->conn);
	mem_deref(pg->conninfo);
}


static int be_open(struct store *st, const char *target)
{
	struct pgstore *pg;
	int err;

	pg = mem_zalloc(sizeof(*pg), pg_destructor);
	if (!pg)
		return ENOMEM;

	pg->lfd = -1;
	pg->st = st;
	tmr_init(&pg->tmr);

	err = str_dup(&pg->conninfo, target);
	if (err)
		goto out;

	err = connect_db(&pg->conn, target);
	if (err)
		goto out;

	err = exec_simple(pg->conn, "SET client_min_messages = warning;");
	if (!err)
		err = migrate(pg->conn);

 out:
	if (err)
		mem_deref(pg);
	else
		st->be_data = pg;

	return err;
}


static void be_close(struct store *st)
{
	st->be_data = mem_deref(st->be_data);
}


const struct store_backend store_pg = {
	.name     = "postgresql",
	.open     = be_open,
	.close    = be_close,
	.query    = be_query,
	.begin    = be_begin,
	.commit   = be_commit,
	.rollback = be_rollback,
	.version  = be_version,
	.watch    = be_watch,
};

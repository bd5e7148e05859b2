/**
 * @file store_backend.h  The store tests run against either backend.
 *
 * CONFD_TEST_STORE unset (or "sqlite"): a fresh SQLite file in a
 * temporary directory per test.  CONFD_TEST_STORE=postgresql://USER:PW@
 * 127.0.0.1:PORT (a server, no database): a fresh database per test,
 * created through the server's "postgres" database and dropped after.
 * tests/integ/store_pg.sh starts such a server and runs these tests.
 *
 * tstore_exec() runs raw SQL under the store's back, in the engine's
 * own dialect, for what the store API cannot do (an old schema, a
 * hand-edited row).
 */
#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>
#include <postgresql/libpq-fe.h>


struct tstore {
	bool pg;
	char dir[64];
	char db[64];          /* PostgreSQL database name */
	char path[512];       /* what store_open() takes */
};


static inline const char *tstore_server(void)
{
	const char *s = getenv("CONFD_TEST_STORE");

	return s && !strncmp(s, "postgres", 8) ? s : NULL;
}


static inline int tstore_admin(const char *sql)
{
	char ci[512];
	PGconn *c;
	PGresult *r;
	int err = 0;

	re_snprintf(ci, sizeof(ci), "%s/postgres", tstore_server());
	c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "postgres: %s", PQerrorMessage(c));
		PQfinish(c);
		return ECONNREFUSED;
	}
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "postgres: %s", PQerrorMessage(c));
		err = EIO;
	}
	PQclear(r);
	PQfinish(c);
	return err;
}


static inline int tstore_make(struct tstore *t)
{
	static unsigned n;
	char sql[128];

	memset(t, 0, sizeof(*t));

	if (tstore_server()) {
		t->pg = true;
		re_snprintf(t->db, sizeof(t->db), "confd_t%d_%u",
			    (int)getpid(), ++n);
		re_snprintf(sql, sizeof(sql), "CREATE DATABASE %s;", t->db);
		re_snprintf(t->path, sizeof(t->path), "%s/%s",
			    tstore_server(), t->db);
		return tstore_admin(sql);
	}

	str_ncpy(t->dir, "/tmp/confd-store.XXXXXX", sizeof(t->dir));
	if (!mkdtemp(t->dir))
		return errno;

	re_snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
	return 0;
}


static inline void tstore_remove(struct tstore *t)
{
	char p[600];

	if (t->pg) {
		re_snprintf(p, sizeof(p), "DROP DATABASE IF EXISTS %s"
			    " WITH (FORCE);", t->db);
		(void)tstore_admin(p);
		return;
	}

	unlink(t->path);
	re_snprintf(p, sizeof(p), "%s-wal", t->path);
	unlink(p);
	re_snprintf(p, sizeof(p), "%s-shm", t->path);
	unlink(p);
	rmdir(t->dir);
}


/* Raw SQL in the engine's dialect: sqlite_sql or pg_sql.  When out is
 * given, the first column of the first row is copied there. */
static inline int tstore_query(const struct tstore *t,
			       const char *sqlite_sql, const char *pg_sql,
			       char *out, size_t sz)
{
	int err = 0;

	if (t->pg) {
		PGconn *c = PQconnectdb(t->path);
		PGresult *r;
		ExecStatusType s;

		if (PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			return ECONNREFUSED;
		}
		r = PQexec(c, pg_sql);
		s = PQresultStatus(r);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
			fprintf(stderr, "postgres: %s", PQerrorMessage(c));
			err = EIO;
		}
		else if (out) {
			if (PQntuples(r) < 1)
				err = ENOENT;
			else
				str_ncpy(out, PQgetvalue(r, 0, 0), sz);
		}
		PQclear(r);
		PQfinish(c);
		return err;
	}
	else {
		sqlite3 *db = NULL;
		sqlite3_stmt *stmt = NULL;
		const char *tail = sqlite_sql;
		int rc;

		if (sqlite3_open(t->path, &db) != SQLITE_OK) {
			sqlite3_close(db);
			return EIO;
		}
		/* several statements: each runs, the last one's row counts */
		while (tail && *tail && !err) {
			sqlite3_finalize(stmt);
			stmt = NULL;
			if (sqlite3_prepare_v2(db, tail, -1, &stmt, &tail) !=
			    SQLITE_OK) {
				fprintf(stderr, "sqlite: %s\n",
					sqlite3_errmsg(db));
				err = EIO;
				break;
			}
			if (!stmt)
				break;
			rc = sqlite3_step(stmt);
			if (rc == SQLITE_ROW && out)
				str_ncpy(out, (const char *)
					 sqlite3_column_text(stmt, 0), sz);
			else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				err = EIO;
		}
		sqlite3_finalize(stmt);
		sqlite3_close(db);
		return err;
	}
}


static inline int tstore_exec(const struct tstore *t, const char *sqlite_sql,
			      const char *pg_sql)
{
	return tstore_query(t, sqlite_sql, pg_sql, NULL, 0);
}


/* A blob literal in the engine's dialect: X'0A0B' or '\x0a0b' */
static inline void tstore_blob(const struct tstore *t, char *buf, size_t sz,
			       const uint8_t *p, size_t len)
{
	size_t i, o;

	o = (size_t)re_snprintf(buf, sz, t->pg ? "'\\x" : "X'");
	for (i = 0; i < len && o + 3 < sz; i++)
		o += (size_t)re_snprintf(buf + o, sz - o, "%02x", p[i]);
	if (o + 2 < sz) {
		buf[o++] = '\'';
		buf[o] = 0;
	}
}

/**
 * @file store_int.h  Inside the store: the backends (SQLite, PostgreSQL)
 * and the one SQL interface the store's logic is written against.
 *
 * The logic (store_conf.c, store_creator.c, store_web.c) is written
 * once, in the SQL both engines understand: parameters are $1..$n
 * (SQLite takes "$1" as a named parameter, PostgreSQL as a positional
 * one), no casts with "::", no engine functions (the time comes from C),
 * "RETURNING id" for a new row's id (SQLite 3.35+).  What differs
 * (connections, locking, migrations, error codes, change notification)
 * lives in store_sqlite.c and store_pg.c.  Only confd/store*.c include
 * this header; the rest of confd sees store.h.
 */

/* Both backends' migrations reach this version: a new migration is
 * added to both arrays, and each array asserts its length. */
#define STORE_SCHEMA_VERSION 6

/* The type of a bound parameter or of a result cell */
enum store_type {
	STORE_NULL = 0,
	STORE_INT,
	STORE_TEXT,
	STORE_BLOB,
};

/* A bound parameter ($1 is argv[0]); a NULL text is a text-typed NULL */
struct store_val {
	enum store_type type;
	int64_t i;
	const char *s;
	const uint8_t *b;
	size_t len;
};

/* The rows of one query, copied out of the engine */
struct store_res;

struct store;

struct store_backend {
	const char *name;
	/* Connects and migrates to STORE_SCHEMA_VERSION */
	int  (*open)(struct store *st, const char *target);
	void (*close)(struct store *st);
	/* One statement; resp (may be NULL) gets the rows, changes (may be
	 * NULL) the number of rows it wrote */
	int  (*query)(struct store *st, struct store_res **resp,
		      uint64_t *changes, const char *sql,
		      const struct store_val *argv, size_t argc);
	/* write: one writer at a time across every process on the store,
	 * so that check-then-insert sequences stay atomic */
	int  (*begin)(struct store *st, bool write);
	int  (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	int  (*version)(struct store *st, int *vp);
	/* optional: start calling st->changeh for other writers' changes */
	int  (*watch)(struct store *st);
};

struct store {
	const struct store_backend *be;
	void *be_data;                  /* the backend's connection(s) */
	store_change_h *changeh;
	void *arg;
};

extern const struct store_backend store_sqlite;
extern const struct store_backend store_pg;

/* Runs sql with the parameters that fmt describes, one letter each:
 *   t  const char *   text ("" for NULL)
 *   n  const char *   text or SQL NULL
 *   i  int
 *   I  int64_t
 *   b  const uint8_t *, size_t   a blob */
int  store_sql(struct store *st, struct store_res **resp, uint64_t *changes,
	       const char *sql, const char *fmt, ...);
/* Like store_sql; ENOENT when no row was written */
int  store_sql_write1(struct store *st, const char *sql, const char *fmt,
		      ...);
int  store_begin(struct store *st, bool write);
/* Commits when err is 0, rolls back otherwise; returns the outcome */
int  store_end(struct store *st, int err);

/* Results: the backends fill them cell by cell, row-major */
int  store_res_alloc(struct store_res **rp, size_t cols);
int  store_res_add(struct store_res *r, enum store_type type, int64_t i,
		   const void *p, size_t len);
size_t store_res_rows(const struct store_res *r);
/* NULL for an SQL NULL or an integer cell */
const char *store_res_text(const struct store_res *r, size_t row,
			   size_t col);
int64_t store_res_int(const struct store_res *r, size_t row, size_t col);
const uint8_t *store_res_blob(const struct store_res *r, size_t row,
			      size_t col, size_t *lenp);

bool store_text_ok(const char *s, size_t max);

enum {
	STORE_TEXT_MAX = 1024,
	STORE_NAME_MAX = 256,
};

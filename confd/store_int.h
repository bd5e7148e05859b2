/**
 * @file store_int.h  The SQLite handle of the store, shared by the files
 * of the SQLite backend (store.c, store_web.c) and by nobody else: the
 * rest of confd sees only store.h, so that another backend (PostgreSQL,
 * for several nodes on one database) can replace these files.
 */

struct sqlite3;

struct store {
	struct sqlite3 *db;
};

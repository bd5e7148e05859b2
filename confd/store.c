/**
 * @file store.c  The store's interface: choosing the backend, the one
 * SQL call the logic uses (store_sql) and the result rows it returns.
 *
 * The logic lives in store_conf.c (conferences and members),
 * store_creator.c (accounts) and store_web.c (the web interface's
 * side); the engines in store_sqlite.c and store_pg.c.
 */
#include <string.h>
#include <stdarg.h>
#include <stdlib.h>
#include <errno.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum { MAX_ARGS = 16 };


struct store_cell {
	enum store_type type;
	int64_t i;
	size_t off, len;        /* into mb; text is NUL-terminated there */
};

struct store_res {
	size_t cols, ncells, cap;
	struct store_cell *cells;
	struct mbuf *mb;
};


static void res_destructor(void *arg)
{
	struct store_res *r = arg;

	mem_deref(r->cells);
	mem_deref(r->mb);
}


int store_res_alloc(struct store_res **rp, size_t cols)
{
	struct store_res *r;

	if (!rp || !cols)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), res_destructor);
	if (!r)
		return ENOMEM;

	r->cols = cols;
	r->cap = 16;
	/* mem_realloc() does not take NULL: start with room for a few */
	r->cells = mem_alloc(r->cap * sizeof(*r->cells), NULL);
	r->mb = mbuf_alloc(256);
	if (!r->cells || !r->mb) {
		mem_deref(r);
		return ENOMEM;
	}

	*rp = r;
	return 0;
}


int store_res_add(struct store_res *r, enum store_type type, int64_t i,
		  const void *p, size_t len)
{
	struct store_cell *c;
	int err = 0;

	if (!r)
		return EINVAL;

	if (r->ncells == r->cap) {
		size_t cap = r->cap * 2;
		struct store_cell *cells;

		cells = mem_realloc(r->cells, cap * sizeof(*cells));
		if (!cells)
			return ENOMEM;
		r->cells = cells;
		r->cap = cap;
	}

	c = &r->cells[r->ncells];
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->i = i;
	c->off = r->mb->pos;

	if (type == STORE_TEXT || type == STORE_BLOB) {
		if (len)
			err = mbuf_write_mem(r->mb, p, len);
		/* text and blobs alike end in NUL, so text is a C string */
		err |= mbuf_write_u8(r->mb, 0);
		if (err)
			return ENOMEM;
		c->len = len;
	}

	++r->ncells;
	return 0;
}


size_t store_res_rows(const struct store_res *r)
{
	return r ? r->ncells / r->cols : 0;
}


static const struct store_cell *cell(const struct store_res *r, size_t row,
				     size_t col)
{
	if (!r || col >= r->cols || row >= store_res_rows(r))
		return NULL;

	return &r->cells[row * r->cols + col];
}


const char *store_res_text(const struct store_res *r, size_t row,
			   size_t col)
{
	const struct store_cell *c = cell(r, row, col);

	if (!c || (c->type != STORE_TEXT && c->type != STORE_BLOB))
		return NULL;

	return (const char *)r->mb->buf + c->off;
}


int64_t store_res_int(const struct store_res *r, size_t row, size_t col)
{
	const struct store_cell *c = cell(r, row, col);

	if (!c)
		return 0;
	if (c->type == STORE_INT)
		return c->i;
	if (c->type == STORE_TEXT)
		return strtoll((const char *)r->mb->buf + c->off, NULL, 10);

	return 0;
}


const uint8_t *store_res_blob(const struct store_res *r, size_t row,
			      size_t col, size_t *lenp)
{
	const struct store_cell *c = cell(r, row, col);

	if (!c || (c->type != STORE_BLOB && c->type != STORE_TEXT)) {
		if (lenp)
			*lenp = 0;
		return NULL;
	}

	if (lenp)
		*lenp = c->len;

	return r->mb->buf + c->off;
}


bool store_text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max;
}


static int vsql(struct store *st, struct store_res **resp,
		uint64_t *changes, const char *sql, const char *fmt,
		va_list ap)
{
	struct store_val argv[MAX_ARGS];
	size_t argc = 0;

	if (!st || !st->be || !sql || !fmt)
		return EINVAL;

	memset(argv, 0, sizeof(argv));

	for (; *fmt; fmt++) {
		struct store_val *v = &argv[argc];

		if (argc == MAX_ARGS)
			return E2BIG;

		switch (*fmt) {

		case 't':
			v->type = STORE_TEXT;
			v->s = va_arg(ap, const char *);
			if (!v->s)
				v->s = "";
			break;

		case 'n':
			v->type = STORE_TEXT;
			v->s = va_arg(ap, const char *);
			break;

		case 'i':
			v->type = STORE_INT;
			v->i = va_arg(ap, int);
			break;

		case 'I':
			v->type = STORE_INT;
			v->i = va_arg(ap, int64_t);
			break;

		case 'b':
			v->type = STORE_BLOB;
			v->b = va_arg(ap, const uint8_t *);
			v->len = va_arg(ap, size_t);
			break;

		default:
			return EINVAL;
		}

		++argc;
	}

	return st->be->query(st, resp, changes, sql, argv, argc);
}


int store_sql(struct store *st, struct store_res **resp, uint64_t *changes,
	      const char *sql, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vsql(st, resp, changes, sql, fmt, ap);
	va_end(ap);

	return err;
}


int store_sql_write1(struct store *st, const char *sql, const char *fmt,
		     ...)
{
	uint64_t n = 0;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = vsql(st, NULL, &n, sql, fmt, ap);
	va_end(ap);

	if (!err && n == 0)
		err = ENOENT;

	return err;
}


int store_begin(struct store *st, bool write)
{
	if (!st || !st->be)
		return EINVAL;

	return st->be->begin(st, write);
}


int store_end(struct store *st, int err)
{
	if (!st || !st->be)
		return err ? err : EINVAL;

	if (err) {
		st->be->rollback(st);
		return err;
	}

	return st->be->commit(st);
}


bool store_is_url(const char *path)
{
	return path && (!strncmp(path, "postgresql://", 13) ||
			!strncmp(path, "postgres://", 11));
}


static void store_destructor(void *arg)
{
	struct store *st = arg;

	if (st->be)
		st->be->close(st);
}


int store_open(struct store **stp, const char *path)
{
	struct store *st;
	int err;

	if (!stp || !str_isset(path))
		return EINVAL;

	st = mem_zalloc(sizeof(*st), store_destructor);
	if (!st)
		return ENOMEM;

	st->be = store_is_url(path) ? &store_pg : &store_sqlite;

	err = st->be->open(st, path);
	if (err) {
		/* open cleans up after itself: nothing for close to do */
		st->be = NULL;
		mem_deref(st);
		return err;
	}

	*stp = st;
	return 0;
}


const char *store_backend_name(const struct store *st)
{
	return st && st->be ? st->be->name : "?";
}


int store_schema_version(struct store *st)
{
	int v = -1;

	if (!st || !st->be || st->be->version(st, &v))
		return -1;

	return v;
}


int store_watch(struct store *st, store_change_h *h, void *arg)
{
	if (!st || !st->be || !h)
		return EINVAL;

	if (!st->be->watch)
		return ENOTSUP;

	st->changeh = h;
	st->arg = arg;

	return st->be->watch(st);
}

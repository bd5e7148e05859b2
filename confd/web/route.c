/**
 * @file route.c  The router of the web interface: a request's method
 * and path to one endpoint and its parameters.
 *
 * Pure over the request line (no sockets), so tests/fuzz/fuzz_web.c
 * drives it directly.  Path segments are percent-decoded one by one,
 * bounded, and refused when they decode to NUL, a control character
 * or an empty name; nothing is ever looked up on the file system by a
 * path (the three static files are loaded at start-up by name).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


enum { SEGS_MAX = 8 };

struct seg {
	char s[WEB_URI_MAX + 1];
};


int web_method_decode(enum web_method *m, const struct pl *met)
{
	static const struct { const char *n; enum web_method m; } tab[] = {
		{"GET", WEB_GET}, {"POST", WEB_POST}, {"PUT", WEB_PUT},
		{"PATCH", WEB_PATCH}, {"DELETE", WEB_DELETE},
		{"HEAD", WEB_HEAD},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		/* methods are case-sensitive (RFC 9110 9.1) */
		if (met->l == strlen(tab[i].n) &&
		    !memcmp(met->p, tab[i].n, met->l)) {
			*m = tab[i].m;
			return 0;
		}
	}

	return EINVAL;
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}


/* One segment p[0..n) percent-decoded into out */
static int seg_decode(char *out, size_t sz, const char *p, size_t n)
{
	size_t i, o = 0;

	if (!n)
		return EINVAL;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return EINVAL;
			h = hexval(p[i + 1]);
			l = hexval(p[i + 2]);
			if (h < 0 || l < 0)
				return EINVAL;
			c = (unsigned char)(h << 4 | l);
			i += 2;
		}

		if (c < 0x20 || c == 0x7f)
			return EINVAL;
		if (o + 1 >= sz)
			return EINVAL;
		out[o++] = (char)c;
	}

	out[o] = '\0';
	return 0;
}


static int split(struct seg *segv, size_t *segcp, const struct pl *path)
{
	const char *p = path->p, *end = path->p + path->l, *q;
	size_t c = 0;
	int err;

	if (!path->l || *p != '/')
		return EINVAL;

	++p;
	while (p < end) {
		q = memchr(p, '/', (size_t)(end - p));
		if (!q)
			q = end;
		if (q == p) {
			/* "//" or a trailing slash: no such resource */
			return ENOENT;
		}
		if (c >= SEGS_MAX)
			return ENOENT;

		err = seg_decode(segv[c].s, sizeof(segv[c].s), p,
				 (size_t)(q - p));
		if (err)
			return err;
		++c;
		p = q + 1;
		if (q != end && q + 1 == end)
			return ENOENT;   /* trailing slash */
	}

	*segcp = c;
	return 0;
}


static bool is(const struct seg *s, const char *name)
{
	return 0 == strcmp(s->s, name);
}


static void set(struct web_match *wm, enum web_route r, unsigned methods)
{
	wm->route = r;
	wm->methods = methods;
}


int web_route_match(struct web_match *wm, const struct pl *path)
{
	struct seg *sv;
	size_t n = 0;
	int err;

	if (!wm || !path)
		return EINVAL;

	memset(wm, 0, sizeof(*wm));

	if (path->l > 4096)
		return EINVAL;

	if (!pl_strcmp(path, "/")) {
		set(wm, WR_STATIC, WEB_GET | WEB_HEAD);
		str_ncpy(wm->item, "index.html", sizeof(wm->item));
		return 0;
	}

	sv = mem_zalloc(SEGS_MAX * sizeof(*sv), NULL);
	if (!sv)
		return ENOMEM;

	err = split(sv, &n, path);
	if (err)
		goto out;

	err = ENOENT;

	if (n == 1) {
		if (is(&sv[0], "index.html") || is(&sv[0], "app.js") ||
		    is(&sv[0], "style.css")) {
			set(wm, WR_STATIC, WEB_GET | WEB_HEAD);
			str_ncpy(wm->item, sv[0].s, sizeof(wm->item));
			err = 0;
		}
		goto out;
	}

	if (n < 3 || !is(&sv[0], "api") || !is(&sv[1], "v1"))
		goto out;

	if (n == 3) {
		if (is(&sv[2], "login"))
			set(wm, WR_LOGIN, WEB_POST);
		else if (is(&sv[2], "logout"))
			set(wm, WR_LOGOUT, WEB_POST);
		else if (is(&sv[2], "session"))
			set(wm, WR_SESSION, WEB_GET);
		else if (is(&sv[2], "tokens"))
			set(wm, WR_TOKENS, WEB_GET | WEB_POST);
		else if (is(&sv[2], "conferences"))
			set(wm, WR_CONFS, WEB_GET | WEB_POST);
		else
			goto out;
		err = 0;
		goto out;
	}

	if (n == 4 && is(&sv[2], "tokens")) {
		set(wm, WR_TOKEN, WEB_DELETE);
		str_ncpy(wm->item, sv[3].s, sizeof(wm->item));
		err = 0;
		goto out;
	}

	if (!is(&sv[2], "conferences"))
		goto out;

	str_ncpy(wm->conf, sv[3].s, sizeof(wm->conf));

	switch (n) {

	case 4:
		set(wm, WR_CONF, WEB_GET | WEB_PUT | WEB_PATCH | WEB_DELETE);
		err = 0;
		break;

	case 5:
		if (is(&sv[4], "participants"))
			set(wm, WR_PARTS, WEB_GET | WEB_POST);
		else if (is(&sv[4], "delegates"))
			set(wm, WR_DELEGATES, WEB_GET);
		else if (is(&sv[4], "roster"))
			set(wm, WR_ROSTER, WEB_GET);
		else
			break;
		err = 0;
		break;

	case 6:
		str_ncpy(wm->item, sv[5].s, sizeof(wm->item));
		if (is(&sv[4], "participants"))
			set(wm, WR_PART,
			    WEB_GET | WEB_PUT | WEB_PATCH | WEB_DELETE);
		else if (is(&sv[4], "delegates"))
			set(wm, WR_DELEGATE, WEB_PUT | WEB_DELETE);
		else if (is(&sv[4], "live"))
			set(wm, WR_LIVE, WEB_POST);
		else if (is(&sv[4], "roster") && is(&sv[5], "ws"))
			set(wm, WR_ROSTER_WS, WEB_GET);
		else
			break;
		err = 0;
		break;

	case 7:
		if (is(&sv[4], "participants") && is(&sv[6], "password")) {
			str_ncpy(wm->item, sv[5].s, sizeof(wm->item));
			set(wm, WR_PART_PASSWORD, WEB_PUT);
			err = 0;
		}
		break;

	default:
		break;
	}

 out:
	mem_deref(sv);
	if (err)
		wm->route = WR_NONE;
	return err;
}


int web_allow_print(struct re_printf *pf, const unsigned *methods)
{
	static const char *names[] = {"GET", "POST", "PUT", "PATCH",
				      "DELETE", "HEAD"};
	bool first = true;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(*methods & (1u << i)))
			continue;
		err |= re_hprintf(pf, "%s%s", first ? "" : ", ", names[i]);
		first = false;
	}

	return err;
}


/* "?a=1&kick=1": whether name=1 or name=true is there */
bool web_query_flag(const struct pl *prm, const char *name)
{
	struct pl rest, key, val;
	size_t nl = strlen(name);

	if (!prm || !prm->l)
		return false;

	rest = *prm;
	if (rest.p[0] == '?')
		pl_advance(&rest, 1);

	while (rest.l) {
		const char *amp = pl_strchr(&rest, '&');
		struct pl item;
		const char *eq;

		item.p = rest.p;
		item.l = amp ? (size_t)(amp - rest.p) : rest.l;

		eq = pl_strchr(&item, '=');
		key.p = item.p;
		key.l = eq ? (size_t)(eq - item.p) : item.l;
		val.p = eq ? eq + 1 : item.p + item.l;
		val.l = eq ? item.l - key.l - 1 : 0;

		if (key.l == nl && !memcmp(key.p, name, nl))
			return !pl_strcmp(&val, "1") ||
				!pl_strcmp(&val, "true");

		if (!amp)
			break;
		pl_advance(&rest, item.l + 1);
	}

	return false;
}


/* A path segment: everything but RFC 3986 unreserved is %-escaped */
int web_pct_escape(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (; s && *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			err = re_hprintf(pf, "%c", c);
		else
			err = re_hprintf(pf, "%%%02X", c);
	}

	return err;
}

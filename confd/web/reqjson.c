/**
 * @file reqjson.c  Request bodies of the JSON API and the checks every
 * field goes through (type, length, characters, URI syntax).
 *
 * Pure over buffers; tests/fuzz/fuzz_web.c feeds it.  libre's
 * json_decode_odict() does the parsing; around it we refuse what it
 * would let through silently: a top level that is not an object, a
 * member given twice (odict keeps both and lookups see the first) and
 * "\u0000", which its decoder turns into a NUL that ends the C string
 * early (so "sip:a@b\u0000x" would be read as "sip:a@b").
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


enum {
	JSON_DEPTH   = 2,
	JSON_MEMBERS = 32,
};


static bool ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


int web_json_body(struct odict **op, const uint8_t *p, size_t n,
		  const char **why)
{
	const char *s = (const char *)p;
	size_t a = 0, b = n, i;
	struct odict *o = NULL;
	struct le *le;
	int err;

	*why = "body is not a JSON object";

	while (a < b && ws(s[a]))
		++a;
	while (b > a && ws(s[b - 1]))
		--b;

	if (a == b)
		return odict_alloc(op, 8);

	if (s[a] != '{' || s[b - 1] != '}')
		return EINVAL;

	for (i = a; i + 6 <= b; i++) {
		if (s[i] == '\\' && s[i + 1] == 'u' &&
		    !memcmp(s + i + 2, "0000", 4)) {
			*why = "body has \\u0000";
			return EINVAL;
		}
		if (s[i] == '\\')
			++i;   /* skip the escaped character */
	}

	err = json_decode_odict(&o, 16, s + a, b - a, JSON_DEPTH);
	if (err) {
		mem_deref(o);
		return err == ENOMEM ? ENOMEM : EINVAL;
	}

	if (odict_count(o, false) > JSON_MEMBERS) {
		*why = "too many members";
		mem_deref(o);
		return EINVAL;
	}

	for (le = o->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (odict_lookup(o, e->key) != e) {
			*why = "a member appears twice";
			mem_deref(o);
			return EINVAL;
		}
	}

	*why = NULL;
	*op = o;
	return 0;
}


bool web_json_only(const struct odict *o, const char *const *names,
		   const char **badp)
{
	struct le *le;

	for (le = o->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		size_t i;
		bool known = false;

		for (i = 0; names[i]; i++) {
			if (!strcmp(names[i], e->key)) {
				known = true;
				break;
			}
		}

		if (!known) {
			*badp = e->key;
			return false;
		}
	}

	return true;
}


/* Well-formed UTF-8 without control characters */
static bool text_ok(const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	if (n > maxlen)
		return false;

	while (i < n) {
		unsigned char c = p[i];
		size_t k, len;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			++i;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return false;
		if (i + len > n)
			return false;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		}
		/* overlong 3- and 4-byte forms, surrogates, > U+10FFFF */
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return false;
		i += len;
	}

	return true;
}


int web_json_str(const struct odict *o, const char *key, size_t maxlen,
		 const char **vp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return ENOENT;
	if (e->type != ODICT_STRING || !e->u.str ||
	    !text_ok(e->u.str, maxlen))
		return EINVAL;

	*vp = e->u.str;
	return 0;
}


int web_json_bool(const struct odict *o, const char *key, bool *vp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return ENOENT;
	if (e->type != ODICT_BOOL)
		return EINVAL;

	*vp = e->u.boolean;
	return 0;
}


int web_json_int(const struct odict *o, const char *key, int64_t min,
		 int64_t max, int64_t *vp)
{
	const struct odict_entry *e = odict_lookup(o, key);

	if (!e)
		return ENOENT;
	if (e->type != ODICT_INT || e->u.integer < min ||
	    e->u.integer > max)
		return EINVAL;

	*vp = e->u.integer;
	return 0;
}


bool web_sip_uri_ok(const char *s)
{
	struct uri uri;
	struct pl pl;

	if (!s || strlen(s) > WEB_URI_MAX || !text_ok(s, WEB_URI_MAX))
		return false;

	pl_set_str(&pl, s);
	if (uri_decode(&uri, &pl))
		return false;
	if (pl_strcasecmp(&uri.scheme, "sip") &&
	    pl_strcasecmp(&uri.scheme, "sips"))
		return false;
	if (!uri.user.l || !uri.host.l)
		return false;

	return confdef_uri_valid(s);
}


bool web_uri_in_domain(const char *s, const char *domain)
{
	struct uri uri;
	struct pl pl;

	if (!web_sip_uri_ok(s) || !domain)
		return false;

	pl_set_str(&pl, s);
	if (uri_decode(&uri, &pl))
		return false;

	return 0 == pl_strcasecmp(&uri.host, domain);
}


/* Account names: letters, digits and . _ - @, 1..WEB_NAME_MAX */
bool web_name_ok(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	n = strlen(s);
	if (!n || n > WEB_NAME_MAX)
		return false;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '@'))
			return false;
	}

	return true;
}

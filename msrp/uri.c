/**
 * @file uri.c  MSRP URIs, paths and identifiers (RFC 4975 sections 6
 * and 9), as the frame parser and the session rules compare them.
 */
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "msrp/syntax_int.h"


/* token = 1*(%x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A /
 * %x5E-7E) */


bool msrp_ident_valid(const struct pl *pl)
{
	size_t i;

	if (!pl || pl->l < 4 || pl->l > MSRP_TID_MAX || !is_alnum(pl->p[0]))
		return false;

	for (i = 1; i < pl->l; i++) {
		char c = pl->p[i];
		if (!is_alnum(c) && c != '.' && c != '-' && c != '+' &&
		    c != '%' && c != '=')
			return false;
	}

	return true;
}




int msrp_uri_decode(struct msrp_uri *u, const struct pl *pl)
{
	const char *p, *e, *a_end, *h;
	size_t i;

	if (!u || !pl || !pl->p)
		return EINVAL;

	memset(u, 0, sizeof(*u));
	p = pl->p;
	e = pl->p + pl->l;

	if (pl->l > 8 && !strncasecmp(p, "msrps://", 8)) {
		u->secure = true;
		p += 8;
	}
	else if (pl->l > 7 && !strncasecmp(p, "msrp://", 7)) {
		p += 7;
	}
	else
		return EBADMSG;

	/* authority ends at "/" (session-id) or ";" (transport) */
	for (a_end = p; a_end < e && *a_end != '/' && *a_end != ';'; a_end++)
		;
	if (a_end == p || a_end == e)
		return EBADMSG;

	/* userinfo is not compared; skip it */
	h = p;
	for (i = 0; p + i < a_end; i++)
		if (p[i] == '@')
			h = p + i + 1;

	if (h < a_end && *h == '[') {
		const char *rb = memchr(h, ']', a_end - h);
		if (!rb || rb == h + 1)
			return EBADMSG;
		u->host.p = h + 1;
		u->host.l = rb - h - 1;
		h = rb + 1;
	}
	else {
		const char *c = h;
		while (c < a_end && *c != ':')
			++c;
		u->host.p = h;
		u->host.l = c - h;
		h = c;
	}
	if (!u->host.l)
		return EBADMSG;
	for (i = 0; i < u->host.l; i++) {
		char c = u->host.p[i];
		if (!is_unreserved(c) && c != ':' && c != '%' && c != '!' &&
		    c != '$' && c != '&' && c != '\'' && c != '(' &&
		    c != ')' && c != '*' && c != '+' && c != ',' && c != '=')
			return EBADMSG;
	}

	if (h < a_end) {
		uint32_t port = 0;
		if (*h != ':' || h + 1 == a_end || a_end - h > 6)
			return EBADMSG;
		for (++h; h < a_end; h++) {
			if (!is_digit(*h))
				return EBADMSG;
			port = port * 10 + (*h - '0');
		}
		if (!port || port > 65535)
			return EBADMSG;
		u->port = port;
	}

	p = a_end;
	if (*p == '/') {
		const char *s = ++p;
		while (p < e && *p != ';') {
			if (!is_unreserved(*p) && *p != '+' && *p != '=' &&
			    *p != '/')
				return EBADMSG;
			++p;
		}
		if (p == s || p == e)
			return EBADMSG;
		u->session.p = s;
		u->session.l = p - s;
	}

	/* ";" transport *( ";" URI-parameter ) */
	++p;
	u->transport.p = p;
	while (p < e && *p != ';') {
		if (!is_alnum(*p))
			return EBADMSG;
		++p;
	}
	u->transport.l = p - u->transport.p;
	if (!u->transport.l)
		return EBADMSG;

	for (; p < e; p++) {
		if (*p != ';' && *p != '=' && !is_token(*p))
			return EBADMSG;
	}

	return 0;
}


bool msrp_uri_equal(const struct pl *a, const struct pl *b)
{
	struct msrp_uri ua, ub;

	if (msrp_uri_decode(&ua, a) || msrp_uri_decode(&ub, b))
		return false;

	return ua.secure == ub.secure &&
		!pl_casecmp(&ua.host, &ub.host) &&
		ua.port == ub.port &&
		!pl_cmp(&ua.session, &ub.session) &&
		!pl_casecmp(&ua.transport, &ub.transport);
}


uint32_t msrp_path_count(const struct pl *path)
{
	uint32_t n = 0;
	size_t i;
	bool in = false;

	for (i = 0; path && i < path->l; i++) {
		if (path->p[i] == ' ')
			in = false;
		else if (!in) {
			in = true;
			++n;
		}
	}

	return n;
}


int msrp_path_first(const struct pl *path, struct pl *uri)
{
	const char *sp;

	if (!path || !uri || !path->l)
		return EINVAL;

	sp = memchr(path->p, ' ', path->l);
	uri->p = path->p;
	uri->l = sp ? (size_t)(sp - path->p) : path->l;

	return uri->l ? 0 : EBADMSG;
}


int msrp_path_last(const struct pl *path, struct pl *uri)
{
	size_t i;

	if (!path || !uri || !path->l)
		return EINVAL;

	for (i = path->l; i > 0 && path->p[i - 1] != ' '; i--)
		;
	uri->p = path->p + i;
	uri->l = path->l - i;

	return uri->l ? 0 : EBADMSG;
}


/* A whole To-Path / From-Path value: URIs separated by one SP. */
bool msrp_path_valid(const struct pl *v)
{
	struct pl rest = *v, uri;
	struct msrp_uri u;

	if (!v->l)
		return false;

	while (rest.l) {
		const char *sp = memchr(rest.p, ' ', rest.l);

		uri.p = rest.p;
		uri.l = sp ? (size_t)(sp - rest.p) : rest.l;
		if (msrp_uri_decode(&u, &uri))
			return false;
		if (!sp)
			break;
		rest.p = sp + 1;
		rest.l -= uri.l + 1;
		if (!rest.l)
			return false;    /* trailing space */
	}

	return true;
}

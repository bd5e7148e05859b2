/**
 * @file identity.c  Who is calling, and may they join?
 *
 * The identity is taken from P-Asserted-Identity (RFC 3325) only when
 * the request came from a trusted peer: anyone can write that header,
 * so from anywhere else it means nothing and From is used instead.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus_int.h"


static bool is_trusted(const struct focus *f, const struct sa *src)
{
	size_t i;

	for (i = 0; i < f->trustedc; i++) {
		const struct sa *t = &f->trusted[i];

		if (!sa_cmp(t, src, SA_ADDR))
			continue;
		if (sa_port(t) == 0 || sa_port(t) == sa_port(src))
			return true;
	}

	return false;
}


/* RFC 3323 4 / RFC 3261 8.1.1.3: the anonymous From forms. */
static bool uri_is_anonymous(const struct sip_addr *addr)
{
	if (!pl_strcasecmp(&addr->uri.host, "anonymous.invalid"))
		return true;
	if (!pl_strcasecmp(&addr->uri.user, "anonymous"))
		return true;
	if (!pl_strcasecmp(&addr->dname, "anonymous"))
		return true;

	return false;
}


static int print_uri(char *buf, size_t sz, const struct sip_addr *addr)
{
	const struct uri *u = &addr->uri;
	int n;

	/* canonical form: scheme:user@host[:port], parameters dropped */
	if (pl_isset(&u->user))
		n = re_snprintf(buf, sz, "%r:%r@%r", &u->scheme, &u->user,
				&u->host);
	else
		n = re_snprintf(buf, sz, "%r:%r", &u->scheme, &u->host);
	if (n < 0)
		return ENOMEM;

	if (u->port) {
		size_t l = strlen(buf);
		if (re_snprintf(buf + l, sz - l, ":%u", u->port) < 0)
			return ENOMEM;
	}

	return 0;
}


int identity_get(struct identity *id, const struct focus *f,
		 const struct sip_msg *msg)
{
	const struct sip_hdr *pai = NULL;
	struct sip_addr addr;
	int err;

	if (!id || !f || !msg)
		return EINVAL;

	memset(id, 0, sizeof(*id));

	if (is_trusted(f, &msg->src))
		pai = sip_msg_hdr(msg, SIP_HDR_P_ASSERTED_IDENTITY);

	if (pai) {
		struct pl v = pai->val;

		/* The header may list a sip: and a tel: URI; take the first
		 * one, which is all we compare against the list. */
		err = sip_addr_decode(&addr, &v);
		if (err)
			return EBADMSG;
		id->asserted = true;
	}
	else {
		addr.dname = msg->from.dname;
		addr.auri = msg->from.auri;
		addr.uri = msg->from.uri;
		addr.params = msg->from.params;
	}

	if (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	    pl_strcasecmp(&addr.uri.scheme, "sips") &&
	    pl_strcasecmp(&addr.uri.scheme, "tel"))
		return EBADMSG;

	if (!id->asserted)
		id->anonymous = uri_is_anonymous(&addr);

	return print_uri(id->uri, sizeof(id->uri), &addr);
}


int identity_authorize(const struct conference *conf,
		       const struct identity *id,
		       uint16_t *scode, const char **reason)
{
	const struct confdef *def = conf->def;

	if (conf->removed) {
		*scode = 404;
		*reason = "Conference Not Found";
		return EACCES;
	}

	if (id->anonymous) {
		if (!def->anonymous || !def->open) {
			*scode = 403;
			*reason = "Anonymous Callers Not Allowed";
			return EACCES;
		}
		return 0;
	}

	if (def->open)
		return 0;

	if (!confdef_member_find(def, id->uri)) {
		*scode = 403;
		*reason = "Not On The Conference List";
		return EACCES;
	}

	return 0;
}


bool identity_peer_trusted(const struct focus *f, const struct sa *src)
{
	return f && src && is_trusted(f, src);
}

/**
 * @file cpim.c  Message/CPIM message headers (RFC 3862 s.3)
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "msrp/msrp_cpim.h"


/* "Display Name" <uri> or a bare URI: the URI. */
static void addr_uri(struct pl *uri, const struct pl *v)
{
	const char *lt = memchr(v->p, '<', v->l);
	const char *gt;

	if (lt) {
		gt = memchr(lt, '>', v->l - (lt - v->p));
		if (gt) {
			uri->p = lt + 1;
			uri->l = gt - lt - 1;
			return;
		}
	}
	*uri = *v;
}


int msrp_cpim_decode(struct msrp_cpim *c, const uint8_t *buf, size_t n)
{
	const char *p = (const char *)buf;
	size_t off = 0;

	if (!c || !buf)
		return EINVAL;

	memset(c, 0, sizeof(*c));

	for (;;) {
		const char *lf, *colon;
		struct pl name, v;
		size_t ll;

		if (off >= MSRP_CPIM_HDR_MAX)
			return EBADMSG;

		lf = memchr(p + off, '\n', n - off);
		if (!lf)
			return n - off > MSRP_CPIM_HDR_MAX ? EBADMSG : ENODATA;

		ll = lf - (p + off);
		if (ll < 1 || p[off + ll - 1] != '\r')
			return EBADMSG;
		--ll;

		if (ll == 0) {
			c->hdr_len = off + 2;
			return c->hdr_len > MSRP_CPIM_HDR_MAX ? EBADMSG : 0;
		}

		/* RFC 3862 s.3.1: Name ": " value; names are case-sensitive
		 * and may carry a namespace prefix "ns." */
		colon = memchr(p + off, ':', ll);
		if (!colon || colon == p + off)
			return EBADMSG;
		name.p = p + off;
		name.l = colon - name.p;
		v.p = colon + 1;
		v.l = ll - name.l - 1;
		while (v.l && (*v.p == ' ' || *v.p == '\t')) {
			++v.p;
			--v.l;
		}
		while (v.l && (v.p[v.l - 1] == ' ' || v.p[v.l - 1] == '\t'))
			--v.l;

		for (size_t i = 0; i < ll; i++) {
			unsigned char ch = p[off + i];
			if (ch < 0x20 && ch != '\t')
				return EBADMSG;
		}

		if (!pl_strcmp(&name, "From")) {
			if (c->n_from++ == 0)
				addr_uri(&c->from, &v);
		}
		else if (!pl_strcmp(&name, "To")) {
			if (c->n_to++ == 0)
				addr_uri(&c->to, &v);
		}

		off += ll + 2;
	}
}


int msrp_cpim_encode(struct mbuf *mb, const char *from, const char *to)
{
	char dt[32];
	struct tm tm;
	time_t now = time(NULL);

	if (!mb || !from || !to)
		return EINVAL;

	gmtime_r(&now, &tm);
	strftime(dt, sizeof(dt), "%Y-%m-%dT%H:%M:%SZ", &tm);

	return mbuf_printf(mb, "From: <%s>\r\nTo: <%s>\r\nDateTime: %s\r\n\r\n",
			   from, to, dt);
}

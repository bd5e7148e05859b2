/**
 * @file tcppeers.c  The participant's addresses for its BFCP and MSRP
 * listeners (tcppeers_int.h).
 */
#include <string.h>
#include <re.h>
#include "keying/tcpguard.h"
#include "focus/focus_int.h"
#include "focus/tcppeers_int.h"


static void add(struct sa *v, size_t *n, size_t max, const struct sa *a)
{
	size_t i;

	if (!a || !sa_isset(a, SA_ADDR) || sa_is_any(a))
		return;

	for (i = 0; i < *n; i++) {
		if (sa_cmp(&v[i], a, SA_ADDR))
			return;
	}

	if (*n < max) {
		v[*n] = *a;
		sa_set_port(&v[*n], 0);
		++*n;
	}
}


/* The host of one MSRP URI (RFC 4975 9: msrp[s]://[userinfo@]host
 * [:port]/session-id;transport), as an IP: 0, or ENOENT for a name. */
static int uri_ip(struct sa *ip, const struct pl *uri)
{
	struct pl auth, host;
	const char *p, *e;
	char buf[64];

	for (p = uri->p; p + 3 <= uri->p + uri->l; p++) {
		if (!memcmp(p, "://", 3))
			break;
	}
	if (p + 3 > uri->p + uri->l)
		return EBADMSG;
	auth.p = p + 3;
	auth.l = uri->l - (size_t)(auth.p - uri->p);

	e = pl_strchr(&auth, '/');
	if (e)
		auth.l = (size_t)(e - auth.p);

	/* the userinfo ends at the last '@' */
	for (e = auth.p + auth.l; e > auth.p; e--) {
		if (e[-1] == '@') {
			auth.l -= (size_t)(e - auth.p);
			auth.p = e;
			break;
		}
	}

	host = auth;
	if (host.l && host.p[0] == '[') {
		e = pl_strchr(&host, ']');
		if (!e)
			return EBADMSG;
		host.p += 1;
		host.l = (size_t)(e - host.p);
	}
	else {
		e = pl_strchr(&host, ':');
		if (e)
			host.l = (size_t)(e - host.p);
	}

	if (!host.l || host.l >= sizeof(buf))
		return ENOENT;
	pl_strcpy(&host, buf, sizeof(buf));

	return sa_set_str(ip, buf, 0) ? ENOENT : 0;
}


size_t tcppeers_collect(struct sa *v, size_t max, const struct sa *sig,
			const struct sa *media, const char *path)
{
	size_t n = 0;
	struct pl rest, uri;
	bool first = true, relay;

	if (!v || !max)
		return 0;

	add(v, &n, max, sig);
	add(v, &n, max, media);

	if (!path)
		return n;

	pl_set_str(&rest, path);
	/* more than one URI: the first is a relay (RFC 4976 5), and it is
	 * what connects to us */
	relay = pl_strchr(&rest, ' ') != NULL;

	while (rest.l) {
		struct sa ip;
		size_t i;

		while (rest.l && (rest.p[0] == ' ' || rest.p[0] == '\t'))
			pl_advance(&rest, 1);
		for (i = 0; i < rest.l && rest.p[i] != ' ' &&
			     rest.p[i] != '\t'; i++)
			;
		if (!i)
			break;
		uri.p = rest.p;
		uri.l = i;
		pl_advance(&rest, i);

		if (uri_ip(&ip, &uri) == 0)
			add(v, &n, max, &ip);
		else if (first && relay)
			return 0;      /* the relay's address is not known */
		first = false;
	}

	return n;
}


void tcppeers_guard(struct tcpguard_cfg *cfg, struct sa *v, size_t max,
		    const struct participant *p, const struct sdp_media *m,
		    const char *path)
{
	const struct focus *f = p->conf->focus;

	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = f->handshake_ms;

	if (f->tcp_peers_any)
		return;

	cfg->peerv = v;
	cfg->peerc = tcppeers_collect(v, max, &p->sig_src,
				      m ? sdp_media_raddr(m) : NULL, path);
}

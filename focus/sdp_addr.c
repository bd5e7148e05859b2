/**
 * @file sdp_addr.c  Addresses and ports an SDP body may name (pure code
 * over the raw body, run before libre's decoder).
 *
 * Why a scan of our own: libre 1.1.0's sdp_decode() stores the m= port
 * with sa_set_port(pl_u32(port)), so "m=audio 70000" becomes port 4464
 * and "m=audio 65536" becomes 0 (a declined stream); a=rtcp ports wrap
 * the same way.  It also takes any c= address, so an offer could name a
 * broadcast or multicast group as where the mix should go (issue 18).
 * Consent (media/consent.c) already keeps confd from sending anywhere
 * nobody asked for, but an offer that names such a destination is
 * refused outright, with a Warning that says why (RFC 3261 20.43):
 *
 *  - a port outside 0-65535 on m=, or outside 1-65535 on a=rtcp
 *    (RFC 3605): 399, the text names the port.  307 ("parameter not
 *    understood") would say we cannot read it; we can, it is out of range;
 *  - a multicast c= (224.0.0.0/4, ff00::/8, or an IPv4 address with a
 *    /ttl, which RFC 4566 5.7 allows for multicast only): 330
 *    "Multicast not available", which is exactly the case: the focus
 *    does not serve multicast sessions;
 *  - the limited broadcast 255.255.255.255: 399 (no warn-code fits; a
 *    subnet's broadcast address cannot be known from here);
 *  - an unspecified address: "::" always 399.  "0.0.0.0" is RFC 3264 8.4
 *    legacy hold (RFC 2543): in a re-INVITE it is accepted and means
 *    "send nothing" (sdp_audio.c answers recvonly); in an initial INVITE,
 *    where there is no call to hold, 399.
 *
 * Only c= lines that apply to an m-line with a non-zero port count (a
 * declined stream's address is never used), and the session-level c=
 * only where an active m-line has none of its own.
 */
#include <string.h>
#include <re.h>
#include "focus/focus_int.h"
#include "focus/stream_int.h"


enum addr_kind {
	ADDR_OK,
	ADDR_HOLD,          /* 0.0.0.0 */
	ADDR_BAD,           /* unparsable: libre's decoder decides */
	ADDR_MULTICAST,
	ADDR_BROADCAST,
	ADDR_UNSPEC,
};


static void set_err(struct negotiation_error *ne, uint16_t code,
		    const char *text)
{
	ne->scode = 488;
	ne->warn_code = code;
	ne->warn_text = text;
}


/* Digits only, at most 10 of them; value into *v. */
static bool num(const struct pl *pl, uint64_t *v)
{
	size_t i;

	if (!pl->l || pl->l > 10)
		return false;

	*v = 0;
	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(pl->p[i] - '0');
	}

	return true;
}


/* "IN IP4 a.b.c.d[/ttl[/n]]" or "IN IP6 addr[/n]" */
static enum addr_kind conn_kind(const struct pl *val)
{
	struct pl ver, addr, rest;
	char buf[64];
	struct sa sa;

	if (re_regex(val->p, val->l, "IN IP[46]1 [^/ ]+[^]*",
		     &ver, &addr, &rest))
		return ADDR_BAD;

	if (pl_strcpy(&addr, buf, sizeof(buf)) || sa_set_str(&sa, buf, 0))
		return ADDR_BAD;

	if (sa_af(&sa) == AF_INET) {
		uint32_t a = sa_in(&sa);

		if ((a >> 28) == 0xe || (rest.l && rest.p[0] == '/'))
			return ADDR_MULTICAST;
		if (a == 0xffffffffu)
			return ADDR_BROADCAST;
		if (a == 0)
			return ADDR_HOLD;
		return ADDR_OK;
	}

	if (sa_is_any(&sa))
		return ADDR_UNSPEC;
	if (IN6_IS_ADDR_MULTICAST(&sa.u.in6.sin6_addr))
		return ADDR_MULTICAST;

	return ADDR_OK;
}


static int addr_verdict(enum addr_kind k, bool hold_ok, bool *holdp,
			struct negotiation_error *ne)
{
	switch (k) {

	case ADDR_MULTICAST:
		set_err(ne, 330, "Multicast not available");
		return EPROTO;

	case ADDR_BROADCAST:
		set_err(ne, 399, "Broadcast connection address refused");
		return EPROTO;

	case ADDR_UNSPEC:
		set_err(ne, 399, "Unspecified connection address refused");
		return EPROTO;

	case ADDR_HOLD:
		if (!hold_ok) {
			set_err(ne, 399, "Unspecified connection address "
				"0.0.0.0 is only hold, and there is no call "
				"to hold");
			return EPROTO;
		}
		if (holdp)
			*holdp = true;
		return 0;

	default:
		/* ADDR_BAD: sdp_decode() gives "Malformed SDP" */
		return 0;
	}
}


struct scan {
	bool in_media;
	bool session_c;
	enum addr_kind session;
	bool media_c;
	enum addr_kind media;
	uint64_t port;
};


static int media_end(const struct scan *s, bool hold_ok, bool *holdp,
		     struct negotiation_error *ne)
{
	enum addr_kind k;

	if (!s->in_media || s->port == 0)
		return 0;

	if (s->media_c)
		k = s->media;
	else if (s->session_c)
		k = s->session;
	else
		return 0;   /* no c= at all: the stream's own check */

	return addr_verdict(k, hold_ok, holdp, ne);
}


/* The first word after "m=<media> " or "a=rtcp:", up to a blank or
 * '/' (the m= port count, RFC 4566 5.14). */
static struct pl port_word(const struct pl *val, size_t skip)
{
	struct pl w;

	w.p = val->p + skip;
	w.l = 0;
	while (skip + w.l < val->l && w.p[w.l] != ' ' && w.p[w.l] != '/')
		++w.l;

	return w;
}


/* m=<media> <port>[/<number>] <proto> <fmt> ... */
static int m_port(const struct pl *val, uint64_t *port,
		  struct negotiation_error *ne)
{
	const char *sp = pl_strchr(val, ' ');
	struct pl w;
	size_t i;

	*port = 0;
	if (!sp)
		return 0;

	w = port_word(val, (size_t)(sp - val->p) + 1);

	/* not a number: libre's decoder reads it as 0 (declined) */
	for (i = 0; i < w.l; i++) {
		if (w.p[i] < '0' || w.p[i] > '9')
			return 0;
	}

	if (!num(&w, port) || *port > 65535) {
		set_err(ne, 399, "Port on m= line out of range 0-65535");
		return EPROTO;
	}

	return 0;
}


/* a=rtcp:<port> [IN IP4 <addr>] (RFC 3605) */
static int rtcp_attr(const struct pl *val, bool hold_ok, bool *holdp,
		     struct negotiation_error *ne)
{
	static const char name[] = "rtcp:";
	struct pl w, conn;
	uint64_t port;

	if (val->l < sizeof(name) - 1 ||
	    memcmp(val->p, name, sizeof(name) - 1))
		return 0;

	w = port_word(val, sizeof(name) - 1);
	if (!num(&w, &port) || port == 0 || port > 65535) {
		set_err(ne, 399, "Port on a=rtcp out of range 1-65535");
		return EPROTO;
	}

	conn.p = w.p + w.l;
	conn.l = (size_t)(val->p + val->l - conn.p);
	if (conn.l > 1 && conn.p[0] == ' ') {
		conn.p++;
		conn.l--;
		return addr_verdict(conn_kind(&conn), hold_ok, holdp, ne);
	}

	return 0;
}


/**
 * Check the addresses and ports of an SDP body.
 *
 * @param mb       the body (not consumed)
 * @param hold_ok  c=0.0.0.0 is accepted as legacy hold (a re-INVITE)
 * @param holdp    set when some active stream names 0.0.0.0 (may be NULL)
 * @param ne       on error: 488 and the Warning
 *
 * @return 0, or EPROTO with ne filled
 */
int sdp_addr_check(const struct mbuf *mb, bool hold_ok, bool *holdp,
		   struct negotiation_error *ne)
{
	struct scan s;
	struct pl body, line;
	int err = 0;

	if (holdp)
		*holdp = false;
	if (!mb || !ne)
		return EINVAL;

	memset(&s, 0, sizeof(s));
	body.p = (const char *)mbuf_buf(mb);
	body.l = mbuf_get_left(mb);

	while (body.l && !err) {
		const char *eol = pl_strchr(&body, '\n');
		struct pl val;

		line.p = body.p;
		line.l = eol ? (size_t)(eol - body.p) : body.l;
		pl_advance(&body, eol ? line.l + 1 : line.l);
		if (line.l && line.p[line.l - 1] == '\r')
			--line.l;
		if (line.l < 2 || line.p[1] != '=')
			continue;

		val.p = line.p + 2;
		val.l = line.l - 2;

		switch (line.p[0]) {

		case 'm':
			err = media_end(&s, hold_ok, holdp, ne);
			if (err)
				break;
			s.in_media = true;
			s.media_c = false;
			s.port = 0;
			err = m_port(&val, &s.port, ne);
			break;

		case 'c':
			if (s.in_media) {
				s.media_c = true;
				s.media = conn_kind(&val);
			}
			else {
				s.session_c = true;
				s.session = conn_kind(&val);
			}
			break;

		case 'a':
			if (s.in_media && s.port)
				err = rtcp_attr(&val, hold_ok, holdp, ne);
			break;

		default:
			break;
		}
	}

	if (!err)
		err = media_end(&s, hold_ok, holdp, ne);

	return err;
}

/**
 * @file tcpguard.c  Pending-connection policy of the BFCP and MSRP
 * listeners (tcpguard.h).
 */
#include <string.h>
#include <re.h>
#include "keying/tcpguard.h"


struct tcpguard {
	struct list pend;             /* oldest first */
	struct sa peerv[TCPGUARD_PEERS_MAX];
	size_t peerc;
	uint32_t timeout_ms;
	unsigned pending_max;
};

struct tcpguard_pend {
	struct le le;
	struct tcpguard *g;           /* NULL once out of the set */
	struct tmr tmr;
	tcpguard_drop_h *droph;
	void *arg;
};


static void pend_unlink(struct tcpguard_pend *p)
{
	tmr_cancel(&p->tmr);
	list_unlink(&p->le);
	p->g = NULL;
}


static void guard_destructor(void *arg)
{
	struct tcpguard *g = arg;
	struct le *le;

	/* the entries belong to their connections: just let them go */
	while ((le = g->pend.head))
		pend_unlink(le->data);
}


static void pend_destructor(void *arg)
{
	pend_unlink(arg);
}


/* Out of the set first, then tell the owner: it may free the entry
 * from its handler. */
static void drop(struct tcpguard_pend *p, int err)
{
	pend_unlink(p);
	if (p->droph)
		p->droph(err, p->arg);
}


static void timeout_h(void *arg)
{
	drop(arg, ETIMEDOUT);
}


/* IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4, so that a dual-stack
 * listener compares with the IPv4 addresses the SDP gave. */
static void unmap(struct sa *dst, const struct sa *src)
{
	*dst = *src;
#ifdef HAVE_INET6
	if (sa_af(src) == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&src->u.in6.sin6_addr)) {
		const uint8_t *b = src->u.in6.sin6_addr.s6_addr;

		sa_set_in(dst, (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
			  (uint32_t)b[14] << 8 | b[15], 0);
	}
#endif
}


int tcpguard_alloc(struct tcpguard **gp, const struct tcpguard_cfg *cfg)
{
	struct tcpguard *g;
	size_t i;

	if (!gp)
		return EINVAL;

	g = mem_zalloc(sizeof(*g), guard_destructor);
	if (!g)
		return ENOMEM;

	g->timeout_ms = cfg && cfg->timeout_ms ? cfg->timeout_ms
		: TCPGUARD_TIMEOUT_MS;
	g->pending_max = cfg && cfg->pending_max ? cfg->pending_max
		: TCPGUARD_PENDING_MAX;

	for (i = 0; cfg && cfg->peerv && i < cfg->peerc; i++) {
		struct sa a;
		size_t j;

		if (!sa_isset(&cfg->peerv[i], SA_ADDR))
			continue;
		unmap(&a, &cfg->peerv[i]);
		sa_set_port(&a, 0);

		for (j = 0; j < g->peerc; j++) {
			if (sa_cmp(&g->peerv[j], &a, SA_ADDR))
				break;
		}
		if (j < g->peerc)
			continue;              /* already there */
		if (g->peerc == TCPGUARD_PEERS_MAX)
			break;
		g->peerv[g->peerc++] = a;
	}

	*gp = g;
	return 0;
}


bool tcpguard_allowed(const struct tcpguard *g, const struct sa *peer)
{
	struct sa a;
	size_t i;

	if (!g || !peer)
		return false;
	if (!g->peerc)
		return true;

	unmap(&a, peer);
	for (i = 0; i < g->peerc; i++) {
		if (sa_cmp(&g->peerv[i], &a, SA_ADDR))
			return true;
	}

	return false;
}


int tcpguard_pending(struct tcpguard_pend **pp, struct tcpguard *g,
		     tcpguard_drop_h *droph, void *arg)
{
	struct tcpguard_pend *p;

	if (!pp || !g)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), pend_destructor);
	if (!p)
		return ENOMEM;

	/* make room: the oldest pending connection goes (a squatter's
	 * idle sockets are the oldest once the participant connects) */
	while (list_count(&g->pend) >= g->pending_max && g->pend.head)
		drop(g->pend.head->data, EOVERFLOW);

	p->g = g;
	p->droph = droph;
	p->arg = arg;
	tmr_init(&p->tmr);
	list_append(&g->pend, &p->le, p);
	tmr_start(&p->tmr, g->timeout_ms, timeout_h, p);

	*pp = p;
	return 0;
}


size_t tcpguard_pending_count(const struct tcpguard *g)
{
	return g ? list_count(&g->pend) : 0;
}


uint32_t tcpguard_timeout(const struct tcpguard *g)
{
	return g ? g->timeout_ms : 0;
}

/**
 * @file portpool.c  The one port pool: every local port a participant
 * gets (RTP/RTCP pairs for audio and slides, TCP listeners for BFCP and
 * MSRP) comes from here.
 *
 * A pool is one configured range.  It binds the sockets itself and
 * remembers which of its ports are leased, so two users of one range
 * (BFCP and MSRP share tcp_ports) never try the same port, and a port
 * is free again only when its lease is freed.  A port that the kernel
 * refuses (another process holds it) is skipped, not remembered: it may
 * be free next time.
 *
 * The search starts after the last port handed out and wraps, so a
 * released port is reused last: a late packet for a participant who
 * just left rarely reaches the next one.  The first start is random, so
 * two daemons on one range (a restart, a second node) rarely collide.
 *
 * Leases reference their pool: pool and leases may be freed in any
 * order.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"


#define DEBUG_MODULE "portpool"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


struct media_portpool {
	char *name;              /* the config key, for log lines */
	uint16_t min, max;
	uint32_t next;           /* offset from min where the search starts */
	uint32_t used;           /* ports leased */
	uint8_t *map;            /* bit per port of [min, max]: leased */
};

struct media_port {
	struct media_portpool *pool;
	uint16_t port;
	uint16_t n;              /* ports leased: 2 for an RTP/RTCP pair */
	struct udp_sock *us[2];
	struct tcp_sock *ts;
};


static bool is_used(const struct media_portpool *pool, uint32_t port)
{
	const uint32_t off = port - pool->min;

	return (pool->map[off / 8] >> (off % 8)) & 1;
}


static void mark(struct media_portpool *pool, uint32_t port, bool used)
{
	const uint32_t off = port - pool->min;
	const uint8_t bit = (uint8_t)(1u << (off % 8));

	if (used) {
		pool->map[off / 8] |= bit;
		++pool->used;
	}
	else {
		pool->map[off / 8] &= (uint8_t)~bit;
		--pool->used;
	}
}


static void pool_destructor(void *arg)
{
	struct media_portpool *pool = arg;

	mem_deref(pool->map);
	mem_deref(pool->name);
}


/**
 * A pool over the ports [min, max].
 *
 * @param poolp  The new pool
 * @param name   What the range is called in confd.conf (for log lines)
 * @param min    First port (not 0)
 * @param max    Last port (>= min)
 */
int media_portpool_alloc(struct media_portpool **poolp, const char *name,
			 uint16_t min, uint16_t max)
{
	struct media_portpool *pool;
	const uint32_t span = (uint32_t)max - min + 1;
	int err;

	if (!poolp || !min || max < min)
		return EINVAL;

	pool = mem_zalloc(sizeof(*pool), pool_destructor);
	if (!pool)
		return ENOMEM;

	pool->min = min;
	pool->max = max;
	pool->next = rand_u32() % span;
	pool->map = mem_zalloc((span + 7) / 8, NULL);
	err = pool->map ? 0 : ENOMEM;
	if (!err)
		err = str_dup(&pool->name, name ? name : "ports");

	if (err)
		mem_deref(pool);
	else
		*poolp = pool;

	return err;
}


uint32_t media_portpool_used(const struct media_portpool *pool)
{
	return pool ? pool->used : 0;
}


/* How many ports the range holds (admission's reserve is a share of it). */
uint32_t media_portpool_size(const struct media_portpool *pool)
{
	return pool ? (uint32_t)pool->max - pool->min + 1 : 0;
}


static void port_destructor(void *arg)
{
	struct media_port *mp = arg;
	uint16_t i;

	/* close first: the port is free only once nothing is bound */
	mem_deref(mp->us[0]);
	mem_deref(mp->us[1]);
	mem_deref(mp->ts);

	for (i = 0; i < mp->n; i++)
		mark(mp->pool, (uint32_t)mp->port + i, false);

	mem_deref(mp->pool);
}


/* What to bind, once the pool chose a port. */
struct binder {
	int (*bindh)(struct media_port *mp, const struct sa *laddr,
		     uint16_t port, const struct binder *b);
	udp_recv_h *rtph, *rtcph;
	tcp_conn_h *connh;
	void *arg;
};


static int bind_rtp(struct media_port *mp, const struct sa *laddr,
		    uint16_t port, const struct binder *b)
{
	struct sa sa = *laddr;
	int err;

	sa_set_port(&sa, port);
	err = udp_listen(&mp->us[0], &sa, b->rtph, b->arg);
	if (err)
		return err;

	sa_set_port(&sa, port + 1);
	err = udp_listen(&mp->us[1], &sa, b->rtcph, b->arg);
	if (err)
		mp->us[0] = mem_deref(mp->us[0]);

	return err;
}


static int bind_tcp(struct media_port *mp, const struct sa *laddr,
		    uint16_t port, const struct binder *b)
{
	struct sa sa = *laddr;

	sa_set_port(&sa, port);
	return tcp_listen(&mp->ts, &sa, b->connh, b->arg);
}


/*
 * Take n consecutive ports (the first one aligned to 'align') that the
 * pool has not leased and the kernel lets us bind.
 */
static int take(struct media_port **mpp, struct media_portpool *pool,
		const struct sa *laddr, uint16_t n, uint16_t align,
		const struct binder *b)
{
	const uint32_t first = (pool->min + align - 1) / align * align;
	uint32_t slots, start, at, i, free_seen = 0;
	struct media_port *mp;
	int err = 0;

	if (first + n - 1 > pool->max) {
		DEBUG_WARNING("%s %u-%u: too small for %u port(s)\n",
			      pool->name, pool->min, pool->max, n);
		return ENOSPC;
	}

	slots = (pool->max - (n - 1) - first) / align + 1;

	mp = mem_zalloc(sizeof(*mp), port_destructor);
	if (!mp)
		return ENOMEM;

	/* continue after the last lease (pool->next, an offset from min) */
	at = pool->min + pool->next;
	start = at <= first ? 0 : (at - first + align - 1) / align % slots;

	for (i = 0; i < slots; i++) {
		const uint32_t port = first + align * ((start + i) % slots);
		uint16_t k;
		bool busy = false;

		for (k = 0; k < n; k++)
			busy = busy || is_used(pool, port + k);
		if (busy)
			continue;

		++free_seen;
		err = b->bindh(mp, laddr, (uint16_t)port, b);
		if (err)
			continue;

		mp->pool = mem_ref(pool);
		mp->port = (uint16_t)port;
		mp->n = n;
		for (k = 0; k < n; k++)
			mark(pool, port + k, true);
		pool->next = port + n - pool->min;

		*mpp = mp;
		return 0;
	}

	mem_deref(mp);

	if (!free_seen) {
		DEBUG_WARNING("%s %u-%u exhausted: %u port(s) leased,"
			      " no %u free together\n", pool->name,
			      pool->min, pool->max, pool->used, n);
		return ENOSPC;
	}

	/* the kernel's reason: EADDRINUSE when other processes hold them */
	DEBUG_WARNING("%s %u-%u: none of the %u free slot(s) could be bound"
		      " on %j (%m)\n", pool->name, pool->min, pool->max,
		      free_seen, laddr, err);
	return err;
}


/**
 * Lease an RTP/RTCP pair: RTP on an even port, RTCP on port + 1
 * (RFC 3550 11), both bound on laddr's IP.
 *
 * @return 0, ENOSPC when every pair of the range is leased, EADDRINUSE
 *         when the free ones are all held by other processes (or the
 *         bind error itself, e.g. EADDRNOTAVAIL for a foreign laddr)
 */
int media_portpool_take_rtp(struct media_port **mpp,
			    struct media_portpool *pool,
			    const struct sa *laddr, udp_recv_h *rtph,
			    udp_recv_h *rtcph, void *arg)
{
	struct binder b = {.bindh = bind_rtp, .rtph = rtph, .rtcph = rtcph,
			   .arg = arg};

	if (!mpp || !pool || !laddr)
		return EINVAL;

	return take(mpp, pool, laddr, 2, 2, &b);
}


/**
 * Lease a listening TCP port on laddr's IP; connh is called for each
 * connection attempt (tcp_accept() or tcp_reject() on media_port_tcp()).
 *
 * @return 0, ENOSPC or EADDRINUSE as for media_portpool_take_rtp()
 */
int media_portpool_take_tcp(struct media_port **mpp,
			    struct media_portpool *pool,
			    const struct sa *laddr, tcp_conn_h *connh,
			    void *arg)
{
	struct binder b = {.bindh = bind_tcp, .connh = connh, .arg = arg};

	if (!mpp || !pool || !laddr || !connh)
		return EINVAL;

	return take(mpp, pool, laddr, 1, 1, &b);
}


/**
 * media_portpool_take_tcp() in the shape floor/ and msrp/ take their
 * listener from (floor_listen_h, msrp_listen_h), so that the focus hands
 * them this function and the pool without either including media/.
 */
int media_portpool_tcp_listen(void **leasep, struct tcp_sock **tsp,
			      uint16_t *portp, const struct sa *laddr,
			      tcp_conn_h *connh, void *conn_arg,
			      void *pool)
{
	struct media_port *mp;
	int err;

	if (!leasep || !tsp || !portp)
		return EINVAL;

	err = media_portpool_take_tcp(&mp, pool, laddr, connh, conn_arg);
	if (err)
		return err;

	*leasep = mp;
	*tsp = mp->ts;
	*portp = mp->port;
	return 0;
}


uint16_t media_port_num(const struct media_port *mp)
{
	return mp ? mp->port : 0;
}


/* The RTP (rtcp false) or RTCP socket of a pair; owned by the lease. */
struct udp_sock *media_port_udp(const struct media_port *mp, bool rtcp)
{
	return mp ? mp->us[rtcp ? 1 : 0] : NULL;
}


/* The listening socket; owned by the lease. */
struct tcp_sock *media_port_tcp(const struct media_port *mp)
{
	return mp ? mp->ts : NULL;
}

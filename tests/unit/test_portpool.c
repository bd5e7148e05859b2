/**
 * @file test_portpool.c  The one port pool (media/portpool.c): RTP/RTCP
 * pairs, TCP listeners shared by BFCP and MSRP through their own
 * modules, exhaustion, release and reuse, ports held by someone else,
 * and the slides sink (media/video.c) that leases its pair from it.
 *
 * Ranges are a few ports drawn at random below the kernel's ephemeral
 * range and checked free (UDP and TCP) before each case, since other
 * tests may run at the same time.
 */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "floor/floor.h"
#include "msrp/msrp.h"
#include "check.h"


static struct sa laddr;


static void udp_nop(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}


static void tcp_nop(const struct sa *peer, void *arg)
{
	(void)peer;
	(void)arg;
}


/* n consecutive ports, free for UDP and TCP right now; base even */
static int free_range(uint16_t n, uint16_t *basep)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		const uint16_t base = (uint16_t)(20000 +
						 2 * (rand_u32() % 5000));
		bool ok = true;
		uint16_t i;

		for (i = 0; ok && i < n; i++) {
			struct udp_sock *us = NULL;
			struct tcp_sock *ts = NULL;
			struct sa sa = laddr;

			sa_set_port(&sa, base + i);
			ok = !udp_listen(&us, &sa, udp_nop, NULL) &&
				!tcp_listen(&ts, &sa, tcp_nop, NULL);
			mem_deref(us);
			mem_deref(ts);
		}
		if (ok) {
			*basep = base;
			return 0;
		}
	}

	return EADDRINUSE;
}


static uint16_t udp_port(const struct udp_sock *us)
{
	struct sa sa;

	return udp_local_get(us, &sa) ? 0 : sa_port(&sa);
}


/* A plain TCP connect: is something really listening there? */
static bool tcp_listening(uint16_t port)
{
	struct sockaddr_in sin;
	int fd, r;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return false;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);

	return r == 0;
}


static int test_args(void)
{
	struct media_portpool *pool = NULL;
	struct media_port *mp = NULL;
	uint16_t base;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(media_portpool_alloc(NULL, "x", 1000, 1001), EINVAL);
	CHECK_EQ(media_portpool_alloc(&pool, "x", 0, 1001), EINVAL);
	CHECK_EQ(media_portpool_alloc(&pool, "x", 1001, 1000), EINVAL);
	CHECK(pool == NULL);

	CHECK_EQ(free_range(2, &base), 0);

	/* one port: no room for a pair, room for one listener */
	CHECK_EQ(media_portpool_alloc(&pool, "x", base, base), 0);
	CHECK_EQ(media_portpool_take_rtp(&mp, pool, &laddr, udp_nop,
					 udp_nop, NULL), ENOSPC);
	CHECK_EQ(media_portpool_take_rtp(&mp, NULL, &laddr, udp_nop,
					 udp_nop, NULL), EINVAL);
	CHECK_EQ(media_portpool_take_tcp(&mp, pool, &laddr, NULL, NULL),
		 EINVAL);
	CHECK_EQ(media_portpool_take_tcp(&mp, pool, &laddr, tcp_nop, NULL),
		 0);
	CHECK_EQ(media_port_num(mp), base);
	CHECK(media_port_tcp(mp) != NULL);
	CHECK(media_port_udp(mp, false) == NULL);

	/* the pool may go first: the lease keeps it */
	mem_deref(pool);
	mem_deref(mp);

	libre_close();
	return 0;
}


/* RTP even, RTCP odd, both bound; exhausted: ENOSPC; released: reused */
static int test_rtp_pairs(void)
{
	struct media_portpool *pool = NULL;
	struct media_port *mp[4] = {NULL};
	uint16_t base, again;
	size_t i, j;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(free_range(8, &base), 0);

	/* [base, base + 5]: three pairs */
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", base, base + 5), 0);
	for (i = 0; i < 3; i++) {
		uint16_t p;

		CHECK_EQ(media_portpool_take_rtp(&mp[i], pool, &laddr,
						 udp_nop, udp_nop, NULL), 0);
		p = media_port_num(mp[i]);
		CHECK_EQ(p % 2, 0);
		CHECK(p >= base && p + 1 <= base + 5);
		CHECK_EQ(udp_port(media_port_udp(mp[i], false)), p);
		CHECK_EQ(udp_port(media_port_udp(mp[i], true)), p + 1);
		for (j = 0; j < i; j++)
			CHECK(media_port_num(mp[j]) != p);
	}
	CHECK_EQ(media_portpool_used(pool), 6);

	CHECK_EQ(media_portpool_take_rtp(&mp[3], pool, &laddr, udp_nop,
					 udp_nop, NULL), ENOSPC);
	CHECK(mp[3] == NULL);

	/* the middle one leaves: its pair is the one free, and it is
	 * really closed (a foreign socket can bind it meanwhile) */
	again = media_port_num(mp[1]);
	mp[1] = mem_deref(mp[1]);
	CHECK_EQ(media_portpool_used(pool), 4);
	{
		struct udp_sock *us = NULL;
		struct sa sa = laddr;

		sa_set_port(&sa, again + 1);
		CHECK_EQ(udp_listen(&us, &sa, udp_nop, NULL), 0);
		mem_deref(us);
	}
	CHECK_EQ(media_portpool_take_rtp(&mp[1], pool, &laddr, udp_nop,
					 udp_nop, NULL), 0);
	CHECK_EQ(media_port_num(mp[1]), again);

	for (i = 0; i < 3; i++)
		mp[i] = mem_deref(mp[i]);
	CHECK_EQ(media_portpool_used(pool), 0);
	pool = mem_deref(pool);

	/* an odd minimum: pairs start on the next even port, and a pair
	 * never sticks out of the range */
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", base + 1, base + 6),
		 0);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(media_portpool_take_rtp(&mp[i], pool, &laddr,
						 udp_nop, udp_nop, NULL), 0);
		CHECK_EQ(media_port_num(mp[i]) % 2, 0);
		CHECK(media_port_num(mp[i]) >= base + 2);
		CHECK(media_port_num(mp[i]) + 1 <= base + 6);
	}
	CHECK_EQ(media_portpool_take_rtp(&mp[2], pool, &laddr, udp_nop,
					 udp_nop, NULL), ENOSPC);
	mem_deref(mp[0]);
	mem_deref(mp[1]);
	mem_deref(pool);

	libre_close();
	return 0;
}


/* A port in the range that another process holds is skipped; when it is
 * the only one left, the error says so (EADDRINUSE, not ENOSPC). */
static int test_foreign(void)
{
	struct media_portpool *pool = NULL;
	struct media_port *a = NULL, *b = NULL;
	struct tcp_sock *foreign = NULL;
	struct udp_sock *ufor = NULL;
	struct sa sa = laddr;
	uint16_t base;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(free_range(4, &base), 0);

	sa_set_port(&sa, base);
	CHECK_EQ(tcp_listen(&foreign, &sa, tcp_nop, NULL), 0);

	CHECK_EQ(media_portpool_alloc(&pool, "tcp_ports", base, base + 1), 0);
	CHECK_EQ(media_portpool_take_tcp(&a, pool, &laddr, tcp_nop, NULL), 0);
	CHECK_EQ(media_port_num(a), base + 1);
	CHECK_EQ(media_portpool_take_tcp(&b, pool, &laddr, tcp_nop, NULL),
		 EADDRINUSE);
	CHECK_EQ(media_portpool_used(pool), 1);

	foreign = mem_deref(foreign);
	CHECK_EQ(media_portpool_take_tcp(&b, pool, &laddr, tcp_nop, NULL), 0);
	CHECK_EQ(media_port_num(b), base);
	mem_deref(a);
	mem_deref(b);
	mem_deref(pool);

	/* RTP: a held RTCP port spoils its pair */
	sa_set_port(&sa, base + 1);
	CHECK_EQ(udp_listen(&ufor, &sa, udp_nop, NULL), 0);
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", base, base + 3), 0);
	CHECK_EQ(media_portpool_take_rtp(&a, pool, &laddr, udp_nop, udp_nop,
					 NULL), 0);
	CHECK_EQ(media_port_num(a), base + 2);
	CHECK_EQ(media_portpool_take_rtp(&b, pool, &laddr, udp_nop, udp_nop,
					 NULL), EADDRINUSE);
	/* and the half that did bind was let go */
	CHECK_EQ(media_portpool_used(pool), 2);
	mem_deref(ufor);
	mem_deref(a);
	mem_deref(pool);

	libre_close();
	return 0;
}


static struct floor_part *bfcp_part(struct floor_conf *fc, int *errp)
{
	struct floor_part_cfg pc;
	struct floor_part *fp = NULL;

	memset(&pc, 0, sizeof(pc));
	pc.sec.mode = FLOOR_SEC_NONE;
	*errp = floor_part_alloc(&fp, fc, &pc);
	return fp;
}


static struct msrp_part *msrp_part(struct msrp_conf *mc,
				   struct media_portpool *pool, int *errp)
{
	struct msrp_part_prm pp;
	struct msrp_part *p = NULL;

	memset(&pp, 0, sizeof(pp));
	pp.identity = "sip:alice@example.org";
	pp.laddr = &laddr;
	pp.listenh = media_portpool_tcp_listen;
	pp.listen_arg = pool;
	pp.active = false;
	*errp = msrp_part_alloc(&p, mc, &pp);
	return p;
}


/* BFCP (floor/) and MSRP (msrp/) take their listeners from one pool
 * through the hook the focus gives them: never the same port, one
 * range exhausted for both, a port BFCP gave back goes to MSRP. */
static int test_tcp_shared(void)
{
	struct media_portpool *pool = NULL;
	struct floor_server *fs = NULL;
	struct floor_conf *fc = NULL;
	struct floor_conf_cfg cc;
	struct msrp_conf *mc = NULL;
	struct msrp_conf_prm mp = {.uri = "sip:conf@example.org"};
	struct floor_part *fp[3] = {NULL};
	struct msrp_part *mm[3] = {NULL};
	uint16_t base, ports[4], freed;
	size_t i, j;
	int err;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(free_range(4, &base), 0);

	memset(&cc, 0, sizeof(cc));
	CHECK_EQ(media_portpool_alloc(&pool, "tcp_ports", base, base + 3), 0);
	CHECK_EQ(floor_server_alloc(&fs, NULL, &laddr,
				    media_portpool_tcp_listen, pool), 0);
	CHECK_EQ(floor_conf_alloc(&fc, fs, &cc, NULL, NULL), 0);
	CHECK_EQ(msrp_conf_alloc(&mc, &mp), 0);

	/* interleaved, as participants join */
	fp[0] = bfcp_part(fc, &err);
	CHECK_EQ(err, 0);
	mm[0] = msrp_part(mc, pool, &err);
	CHECK_EQ(err, 0);
	fp[1] = bfcp_part(fc, &err);
	CHECK_EQ(err, 0);
	mm[1] = msrp_part(mc, pool, &err);
	CHECK_EQ(err, 0);

	ports[0] = floor_part_port(fp[0]);
	ports[1] = floor_part_port(fp[1]);
	ports[2] = msrp_part_port(mm[0]);
	ports[3] = msrp_part_port(mm[1]);
	for (i = 0; i < 4; i++) {
		CHECK(ports[i] >= base && ports[i] <= base + 3);
		CHECK(tcp_listening(ports[i]));
		for (j = 0; j < i; j++)
			CHECK(ports[i] != ports[j]);
	}
	CHECK_EQ(media_portpool_used(pool), 4);

	/* the range is full, for both */
	fp[2] = bfcp_part(fc, &err);
	CHECK_EQ(err, ENOSPC);
	CHECK(fp[2] == NULL);
	mm[2] = msrp_part(mc, pool, &err);
	CHECK_EQ(err, ENOSPC);
	CHECK(mm[2] == NULL);

	/* a BFCP participant leaves: its port is closed, then MSRP gets it */
	freed = floor_part_port(fp[0]);
	fp[0] = mem_deref(fp[0]);
	CHECK_EQ(media_portpool_used(pool), 3);
	CHECK(!tcp_listening(freed));
	mm[2] = msrp_part(mc, pool, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(msrp_part_port(mm[2]), freed);
	CHECK(tcp_listening(freed));

	/* and an MSRP port goes back to BFCP */
	freed = msrp_part_port(mm[0]);
	mm[0] = mem_deref(mm[0]);
	fp[0] = bfcp_part(fc, &err);
	CHECK_EQ(err, 0);
	CHECK_EQ(floor_part_port(fp[0]), freed);

	for (i = 0; i < 3; i++) {
		mem_deref(fp[i]);
		mem_deref(mm[i]);
	}
	CHECK_EQ(media_portpool_used(pool), 0);

	mem_deref(fc);
	mem_deref(fs);
	mem_deref(mc);
	mem_deref(pool);

	libre_close();
	return 0;
}


struct vwait {
	struct video *v;
	uint64_t want;
	struct tmr tmr;
	int polls;
};


static uint64_t vseen(const struct video *v)
{
	struct video_stats st;

	video_stats(v, &st);
	return st.rx_dropped + st.rx_rtcp_bad + st.rx_packets + st.rx_rtcp;
}


static void vpoll(void *arg)
{
	struct vwait *w = arg;

	if (vseen(w->v) >= w->want || ++w->polls > 100) {
		re_cancel();
		return;
	}
	tmr_start(&w->tmr, 10, vpoll, w);
}


/* A video relay stream leases an RTP/RTCP pair from the pool, reads
 * both ports (what is not RTP or RTCP of the negotiated stream is
 * dropped, never forwarded), and gives the pair back when freed. */
static int test_video_port(void)
{
	struct media_portpool *pool = NULL;
	struct video_relay *vr = NULL;
	struct udp_sock *peer = NULL;
	struct video_stats st;
	struct vwait w;
	struct sa dst;
	uint16_t base, port;
	int i;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(free_range(4, &base), 0);

	memset(&w, 0, sizeof(w));
	tmr_init(&w.tmr);
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", base, base + 3), 0);
	CHECK_EQ(video_relay_alloc(&vr, NULL), 0);
	CHECK_EQ(video_alloc(&w.v, vr, VIDEO_SLIDES, pool, &laddr, "t",
			     NULL), 0);
	port = video_lport(w.v);
	CHECK_EQ(port % 2, 0);
	CHECK(port >= base && port + 1 <= base + 3);
	CHECK_EQ(media_portpool_used(pool), 2);

	CHECK_EQ(udp_listen(&peer, &laddr, udp_nop, NULL), 0);
	for (i = 0; i < 4; i++) {
		struct mbuf *mb = mbuf_alloc(32);

		CHECK(mb != NULL);
		(void)mbuf_write_str(mb, "not forwarded");
		mb->pos = 0;
		dst = laddr;
		sa_set_port(&dst, i < 3 ? port : port + 1);
		CHECK_EQ(udp_send(peer, &dst, mb), 0);
		mem_deref(mb);
	}

	w.want = 4;
	tmr_start(&w.tmr, 10, vpoll, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);
	video_stats(w.v, &st);
	CHECK_EQ(st.rx_dropped + st.rx_rtcp_bad, 4);
	CHECK_EQ(st.rx_packets, 0);

	w.v = mem_deref(w.v);
	CHECK_EQ(media_portpool_used(pool), 0);

	mem_deref(vr);
	mem_deref(peer);
	mem_deref(pool);
	libre_close();
	return 0;
}


int main(void)
{
	static const struct check_case cases[] = {
		CASE(test_args),
		CASE(test_rtp_pairs),
		CASE(test_foreign),
		CASE(test_tcp_shared),
		CASE(test_video_port),
	};

	sa_set_str(&laddr, "127.0.0.1", 0);
	return check_run("portpool", cases, sizeof(cases) / sizeof(cases[0]));
}

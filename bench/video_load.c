/**
 * @file video_load.c  The video relay under one presentation: one
 * presenter at RATE bit/s and N receivers, all SDES-SRTP (each stream
 * its own keys, AES_CM_128_HMAC_SHA1_80).
 *
 *   video_load [-n RECEIVERS] [-r BITS_PER_S] [-d SECONDS]
 *
 * A child process is the relay (media/video.h: one struct video_relay,
 * N + 1 struct video on loopback, the presenter as slides source); the
 * parent is the participants: the presenter sends 30 frames a second of
 * 1200-byte packets, every receiver shows itself with an SRTCP report
 * (media consent) and counts what arrives; the last receiver decrypts
 * everything and measures the time from send to arrival.  The child
 * reports, over the steady window (after a second of warm-up), its CPU
 * (utime + stime), the relay's own arrival-to-departure latency
 * (video_relay_stats: from the receive handler's first instruction to
 * the last receiver's udp_send), and the memory the N receivers took
 * (VmRSS before and after making and starting them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#define DEBUG_MODULE "video_load"
#define DEBUG_LEVEL 4
#include <re_dbg.h>


enum { MAXN = 1000, PLD = 1200, FPS = 30 };

static const uint8_t keybase[30] = {
	0x10, 0x22, 0x31, 0x45, 0x5a, 0x61, 0x7c, 0x88,
	0x93, 0xa4, 0xb1, 0xc2, 0xd7, 0xe3, 0xf5, 0x06,
	0x17, 0x28, 0x39, 0x4a, 0x5b, 0x6c, 0x7d, 0x8e,
	0x9f, 0xa0, 0xb1, 0xc2, 0xd3, 0xe4
};


/* the participant's (rx at the relay) and the relay's (tx) key of
 * stream i */
static void key_of(uint8_t *k, int i, bool relay_tx)
{
	memcpy(k, keybase, 30);
	k[0] ^= (uint8_t)i;
	k[1] ^= (uint8_t)(i >> 8);
	k[2] ^= relay_tx ? 0x5a : 0xa5;
}


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}


static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	}
	fclose(f);
	return kb;
}


static double cpu_s(double *user)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (user)
		*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}


/* ---- the relay (child) ---- */

struct relay_run {
	struct video_relay *vr;
	int dur;
	double cpu0, user0;
	uint64_t fwd0;
	uint64_t t0;
	struct tmr tmr;
	long rss_before, rss_after;
	int n;
	int phase;
};


static void relay_tick(void *arg)
{
	struct relay_run *r = arg;
	struct video_relay_stats st;

	if (r->phase == 0) {
		r->phase = 1;
		r->cpu0 = cpu_s(&r->user0);
		r->t0 = now_us();
		video_relay_stats(r->vr, &st);
		r->fwd0 = st.forwarded;
		tmr_start(&r->tmr, (uint64_t)r->dur * 1000, relay_tick, r);
		return;
	}

	{
		const double secs = (now_us() - r->t0) / 1e6;
		double user;
		const double cpu = cpu_s(&user) - r->cpu0;

		video_relay_stats(r->vr, &st);
		printf("video: relay: %d receivers, %.1f s: CPU %.2f s = %.2f%% "
		       "of a core; %llu packets out (%.0f/s); latency "
		       "arrival->departure p50 %u us, p99 %u us, max %u us "
		       "(%llu samples); RSS +%ld kB for %d receivers\n",
		       r->n, secs, cpu, 100 * cpu / secs,
		       (unsigned long long)(st.forwarded - r->fwd0),
		       (st.forwarded - r->fwd0) / secs, st.lat_p50_us,
		       st.lat_p99_us, st.lat_max_us,
		       (unsigned long long)st.lat_n,
		       r->rss_after - r->rss_before, r->n);
		printf("video: relay CPU: user %.2f s, system %.2f s "
		       "(sendto on loopback also runs the receiving side of "
		       "the stack)\n", user - r->user0,
		       cpu - (user - r->user0));
		printf("bench.video.receivers=%d\n", r->n);
		printf("bench.video.cpu_user_pct_core=%.2f\n",
		       100 * (user - r->user0) / secs);
		printf("bench.video.cpu_pct_core=%.2f\n", 100 * cpu / secs);
		printf("bench.video.pkts_out_per_s=%.0f\n",
		       (st.forwarded - r->fwd0) / secs);
		printf("bench.video.p50_us=%u\n", st.lat_p50_us);
		printf("bench.video.p99_us=%u\n", st.lat_p99_us);
		printf("bench.video.max_us=%u\n", st.lat_max_us);
		printf("bench.video.kb_per_receiver=%.1f\n",
		       (double)(r->rss_after - r->rss_before) / r->n);
		fflush(stdout);
		re_cancel();
	}
}


static int relay(int n, int dur, int rfd, int wfd)
{
	struct media_portpool *pool = NULL;
	struct relay_run r;
	struct video **v;
	struct sa laddr;
	uint16_t ports[MAXN + 1];
	int i, err;

	if (libre_init())
		return 1;
	dbg_init(DBG_WARNING, DBG_NONE);
	sa_set_str(&laddr, "127.0.0.1", 0);
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.dur = dur;
	tmr_init(&r.tmr);

	if (read(rfd, ports, sizeof(uint16_t) * (n + 1)) !=
	    (ssize_t)(sizeof(uint16_t) * (n + 1)))
		return 1;

	err = media_portpool_alloc(&pool, "rtp_ports", 36000, 39999);
	err |= video_relay_alloc(&r.vr, NULL);
	err |= video_relay_set_codec(r.vr, VIDEO_SLIDES, VIDEO_VP8, NULL);
	v = calloc(n + 1, sizeof(*v));
	if (err || !v)
		return 1;

	for (i = 0; i <= n; i++) {
		struct video_params prm;
		uint8_t tx[30], rx[30];

		if (i == 1)
			r.rss_before = rss_kb();
		err = video_alloc(&v[i], r.vr, VIDEO_SLIDES, pool, &laddr,
				  "bench", NULL);
		if (err)
			return 1;
		key_of(tx, i, true);
		key_of(rx, i, false);
		memset(&prm, 0, sizeof(prm));
		sa_set_str(&prm.rtp, "127.0.0.1", ports[i]);
		sa_set_str(&prm.rtcp, "127.0.0.1", ports[i] + 1);
		prm.codec = VIDEO_VP8;
		prm.pt = 96;
		prm.fb = VIDEO_FB_PLI;
		prm.send = prm.recv = true;
		prm.suite = SRTP_AES_CM_128_HMAC_SHA1_80;
		prm.tx_key = tx;
		prm.tx_key_len = 30;
		prm.rx_key = rx;
		prm.rx_key_len = 30;
		if (video_start(v[i], &prm))
			return 1;
		ports[i] = video_lport(v[i]);
	}
	r.rss_after = rss_kb();
	video_relay_set_source(r.vr, VIDEO_SLIDES, v[0]);

	if (write(wfd, ports, sizeof(uint16_t) * (n + 1)) < 0)
		return 1;

	/* the parent starts at once: a second of warm-up, then measure */
	tmr_start(&r.tmr, 1000, relay_tick, &r);
	(void)re_main(NULL);

	for (i = 0; i <= n; i++)
		mem_deref(v[i]);
	free(v);
	mem_deref(r.vr);
	mem_deref(pool);
	libre_close();
	return 0;
}


/* ---- the participants (parent) ---- */

struct part {
	struct udp_sock *rtp, *rtcp;
	struct sa dst, dst_rtcp;
	struct srtp *tx;             /* what the participant sends */
	struct srtp *rx;             /* last receiver only */
	uint64_t pkts, fail;
};

struct load {
	struct part *p;
	int n;
	uint64_t end;
	struct tmr tmr;
	uint16_t seq;
	uint32_t ts, frame;
	size_t per_frame;
	uint64_t *lat;
	size_t nlat, maxlat;
	uint64_t sent;
};


static void rx_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct part *p = arg;
	(void)src;

	++p->pkts;
	if (!p->rx)
		return;

	if (srtp_decrypt(p->rx, mb)) {
		++p->fail;
		return;
	}
}


static struct load *L;


static void nop_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}


static void last_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct part *p = arg;
	uint64_t t;
	const uint8_t *b;

	rx_h(src, mb, arg);
	if (!p->rx || mbuf_get_left(mb) < 12 + 2 + 8)
		return;
	b = mbuf_buf(mb) + 12 + 2;
	memcpy(&t, b, 8);
	if (L->nlat < L->maxlat)
		L->lat[L->nlat++] = now_us() - t;
}


static void send_rr(struct part *p)
{
	struct mbuf *mb = mbuf_alloc(64);

	if (!mb)
		return;
	(void)mbuf_write_u8(mb, 0x80);
	(void)mbuf_write_u8(mb, 201);
	(void)mbuf_write_u16(mb, htons(1));
	(void)mbuf_write_u32(mb, htonl(0x1234));
	mb->pos = 0;
	if (!srtcp_encrypt(p->tx, mb)) {
		mb->pos = 0;
		(void)udp_send(p->rtcp, &p->dst_rtcp, mb);
	}
	mem_deref(mb);
}


static void frame_h(void *arg)
{
	struct load *l = arg;
	struct part *pr = &l->p[0];
	size_t i;

	if (now_us() >= l->end) {
		re_cancel();
		return;
	}
	tmr_start(&l->tmr, 1000 / FPS, frame_h, l);

	for (i = 0; i < l->per_frame; i++) {
		struct mbuf *mb = mbuf_alloc(PLD + 64);
		uint64_t t = now_us();

		if (!mb)
			return;
		(void)mbuf_write_u8(mb, 0x80);
		(void)mbuf_write_u8(mb, (uint8_t)((i + 1 == l->per_frame ?
						   0x80 : 0) | 96));
		(void)mbuf_write_u16(mb, htons(l->seq++));
		(void)mbuf_write_u32(mb, htonl(l->ts));
		(void)mbuf_write_u32(mb, htonl(0xabcdef));
		(void)mbuf_write_u8(mb, i == 0 ? 0x10 : 0x00);
		(void)mbuf_write_u8(mb, l->frame == 0 ? 0x00 : 0x01);
		(void)mbuf_write_mem(mb, (uint8_t *)&t, 8);
		(void)mbuf_fill(mb, 0x5a, PLD - 10);
		mb->pos = 0;
		if (!srtp_encrypt(pr->tx, mb)) {
			mb->pos = 0;
			if (!udp_send(pr->rtp, &pr->dst, mb))
				++l->sent;
		}
		mem_deref(mb);
	}
	++l->frame;
	l->ts += 90000 / FPS;

	/* keep consent fresh, as real receivers' reports would */
	if (l->frame % FPS == 0)
		for (int k = 1; k <= l->n; k++)
			send_rr(&l->p[k]);
}


static int cmp_u64(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


int main(int argc, char *argv[])
{
	int n = 100, dur = 10, rate = 2000000;
	int p2c[2], c2p[2], i, status;
	uint16_t ports[MAXN + 1], rports[MAXN + 1];
	struct load l;
	struct sa laddr;
	pid_t pid;
	uint64_t got = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-d"))
			dur = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-r"))
			rate = atoi(argv[i + 1]);
	}
	if (n < 1 || n > MAXN || dur < 1 || rate < 10000)
		return 2;

	if (pipe(p2c) || pipe(c2p))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(relay(n, dur, p2c[0], c2p[1]));
	}
	close(p2c[0]);
	close(c2p[1]);

	if (libre_init())
		return 1;
	sa_set_str(&laddr, "127.0.0.1", 0);
	memset(&l, 0, sizeof(l));
	L = &l;
	l.n = n;
	l.p = calloc(n + 1, sizeof(*l.p));
	l.maxlat = 1000000;
	l.lat = calloc(l.maxlat, sizeof(*l.lat));
	l.per_frame = (size_t)((rate / 8 / FPS + PLD - 1) / PLD);
	if (!l.p || !l.lat)
		return 1;

	for (i = 0; i <= n; i++) {
		struct part *p = &l.p[i];
		struct sa a;
		uint8_t k[30];
		int tries;

		for (tries = 0; tries < 500; tries++) {
			uint16_t port = (uint16_t)(20000 + 2 * (rand_u32() %
								5000));

			sa_set_str(&a, "127.0.0.1", port);
			p->rtp = mem_deref(p->rtp);
			if (udp_listen(&p->rtp, &a, i == n ? last_h : rx_h, p))
				continue;
			sa_set_port(&a, port + 1);
			if (!udp_listen(&p->rtcp, &a, nop_h, p)) {
				ports[i] = port;
				break;
			}
		}
		if (tries == 500)
			return 1;
		(void)udp_sockbuf_set(p->rtp, 1 << 20);
		key_of(k, i, false);
		if (srtp_alloc(&p->tx, SRTP_AES_CM_128_HMAC_SHA1_80, k, 30, 0))
			return 1;
		if (i == n) {
			key_of(k, i, true);
			if (srtp_alloc(&p->rx, SRTP_AES_CM_128_HMAC_SHA1_80,
				       k, 30, 0))
				return 1;
		}
	}

	if (write(p2c[1], ports, sizeof(uint16_t) * (n + 1)) < 0 ||
	    read(c2p[0], rports, sizeof(uint16_t) * (n + 1)) !=
	    (ssize_t)(sizeof(uint16_t) * (n + 1)))
		return 1;

	for (i = 0; i <= n; i++) {
		sa_set_str(&l.p[i].dst, "127.0.0.1", rports[i]);
		sa_set_str(&l.p[i].dst_rtcp, "127.0.0.1", rports[i] + 1);
		if (i)
			send_rr(&l.p[i]);
	}

	tmr_init(&l.tmr);
	l.end = now_us() + (uint64_t)(dur + 2) * 1000000;
	tmr_start(&l.tmr, 100, frame_h, &l);
	(void)re_main(NULL);

	waitpid(pid, &status, 0);

	for (i = 1; i <= n; i++)
		got += l.p[i].pkts;
	qsort(l.lat, l.nlat, sizeof(*l.lat), cmp_u64);
	printf("video: presenter %d bit/s: %llu packets sent, %d receivers "
	       "got %.1f%% of them; last receiver: %llu decrypt failures, "
	       "send->arrival p50 %llu us, p99 %llu us (load generator on "
	       "the same cores)\n", rate, (unsigned long long)l.sent, n,
	       l.sent ? 100.0 * got / ((double)l.sent * n) : 0.0,
	       (unsigned long long)l.p[n].fail,
	       (unsigned long long)(l.nlat ? l.lat[l.nlat / 2] : 0),
	       (unsigned long long)(l.nlat ? l.lat[l.nlat * 99 / 100] : 0));
	printf("bench.video.rx_pct=%.1f\n",
	       l.sent ? 100.0 * got / ((double)l.sent * n) : 0.0);
	printf("bench.video.e2e_p50_us=%llu\n",
	       (unsigned long long)(l.nlat ? l.lat[l.nlat / 2] : 0));
	printf("bench.video.e2e_p99_us=%llu\n",
	       (unsigned long long)(l.nlat ? l.lat[l.nlat * 99 / 100] : 0));
	printf("bench.video.decrypt_fail=%llu\n",
	       (unsigned long long)l.p[n].fail);

	for (i = 0; i <= n; i++) {
		mem_deref(l.p[i].rtp);
		mem_deref(l.p[i].rtcp);
		mem_deref(l.p[i].tx);
		mem_deref(l.p[i].rx);
	}
	free(l.p);
	free(l.lat);
	tmr_cancel(&l.tmr);
	libre_close();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

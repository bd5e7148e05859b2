/**
 * @file eventpkg_load.c  One roster change fanned out to N subscribers
 *
 *   eventpkg_load [-n SUBSCRIBERS] [-p]    (-p: PSK S/MIME bodies)
 *
 * The notifier (eventpkg on libre's SIP stack) and N subscribers run in
 * one process over 127.0.0.1.  The subscribers are a bare UDP socket
 * with a large receive buffer (so the burst is not dropped while the
 * notifier is busy) that sends SUBSCRIBEs and answers NOTIFYs with 200;
 * it shares no code with the notifier beyond libre's message parser.
 *
 * After every subscriber has its first (full) NOTIFY, one participant
 * joins and eventpkg_conf_publish() runs.  Printed:
 *  - the wall time until the last NOTIFY has been handed to the socket
 *    (sending is synchronous: the destination is a numeric address);
 *  - the CPU time of that fan-out per NOTIFY;
 *  - the wall time until the last NOTIFY was received.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <re.h>
#include "eventpkg/eventpkg.h"


enum { BATCH = 50 };

static struct {
	struct sip *sip;
	struct eventpkg *ep;
	struct eventpkg_conf *conf;
	bool psk;
	int n;
	int fd;
	uint16_t srv_port, cli_port;
	struct sockaddr_in srv;
	int sent;                      /* SUBSCRIBEs sent */
	uint32_t *got;                 /* NOTIFYs per subscriber */
	uint32_t *cseq;                /* last NOTIFY CSeq per subscriber */
	int round1, round2;            /* subscribers done per round */
	bool phase2;
	double t0, t_sent, t_last;
	double cpu_fanout;
	struct tmr tmr, tmr_rtx;
	int err;
} b;


static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static double now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static void auth_handler(struct eventpkg_sub *sub, const struct sip_msg *msg,
			 void *arg)
{
	static const uint8_t kek[16] = {1, 2, 3, 4, 5, 6, 7, 8,
					9, 10, 11, 12, 13, 14, 15, 16};
	(void)msg;
	(void)arg;

	if (b.psk)
		eventpkg_sub_set_psk(sub, kek, sizeof(kek), 0x01020304, 1);
	eventpkg_sub_accept(sub, b.conf, NULL, NULL, 0);
}


static void send_one(int i)
{
	char buf[1024];
	int n;

	n = re_snprintf(buf, sizeof(buf),
			"SUBSCRIBE sip:room@127.0.0.1:%u SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKb%d\r\n"
			"From: <sip:s%d@example.org>;tag=t%d\r\n"
			"To: <sip:room@example.org>\r\n"
			"Call-ID: bench-%d\r\n"
			"CSeq: 1 SUBSCRIBE\r\n"
			"Contact: <sip:s%d@127.0.0.1:%u>\r\n"
			"Max-Forwards: 70\r\n"
			"Event: conference\r\n"
			"Expires: 3600\r\n"
			"Content-Length: 0\r\n\r\n",
			b.srv_port, b.cli_port, i, i, i, i, i, b.cli_port);
	(void)sendto(b.fd, buf, (size_t)n, 0, (struct sockaddr *)&b.srv,
		     sizeof(b.srv));
}


/* UDP may drop a SUBSCRIBE under the burst: retransmit (RFC 3261 Timer
 * E style) those not answered by a NOTIFY yet. */
static void retransmit(void *arg)
{
	int i;
	(void)arg;

	if (b.phase2)
		return;
	for (i = 0; i < b.sent; i++)
		if (!b.got[i])
			send_one(i);
	tmr_start(&b.tmr_rtx, 500, retransmit, NULL);
}


static void send_subscribes(void *arg)
{
	int i;
	(void)arg;

	for (i = 0; i < BATCH && b.sent < b.n; i++, b.sent++)
		send_one(b.sent);

	if (b.sent < b.n)
		tmr_start(&b.tmr, 10, send_subscribes, NULL);
	else
		tmr_start(&b.tmr_rtx, 500, retransmit, NULL);
}


static void change(void)
{
	struct cinfo *ci = eventpkg_conf_info(b.conf);
	double c0;

	cinfo_ep_set(ci, "sip:newcomer@example.org", "sip:newcomer@10.1.1.1",
		     CINFO_EP_CONNECTED, CINFO_JOIN_DIALED_IN, NULL);
	b.phase2 = true;

	c0 = now_cpu();
	b.t0 = now_mono();
	eventpkg_conf_publish(b.conf);
	b.t_sent = now_mono();
	b.cpu_fanout = now_cpu() - c0;
}


static int hdr_val(const struct sip_msg *msg, enum sip_hdrid id,
		   struct pl *pl)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, id);

	if (!h)
		return ENOENT;
	*pl = h->val;
	return 0;
}


static void on_notify(const struct sip_msg *msg)
{
	struct pl via, from, to, cseq;
	char buf[1024];
	unsigned idx;
	int n;

	if (hdr_val(msg, SIP_HDR_VIA, &via) ||
	    hdr_val(msg, SIP_HDR_FROM, &from) ||
	    hdr_val(msg, SIP_HDR_TO, &to) ||
	    hdr_val(msg, SIP_HDR_CSEQ, &cseq))
		return;

	n = re_snprintf(buf, sizeof(buf),
			"SIP/2.0 200 OK\r\nVia: %r\r\nFrom: %r\r\nTo: %r\r\n"
			"Call-ID: %r\r\nCSeq: %r\r\nContent-Length: 0\r\n\r\n",
			&via, &from, &to, &msg->callid, &cseq);
	(void)sendto(b.fd, buf, (size_t)n, 0, (struct sockaddr *)&b.srv,
		     sizeof(b.srv));

	if (re_regex(msg->callid.p, msg->callid.l, "bench-[0-9]+", NULL))
		return;
	idx = pl_u32(&(struct pl){msg->callid.p + 6, msg->callid.l - 6});
	if (idx >= (unsigned)b.n)
		return;

	/* a retransmission (our 200 was lost) is not a new NOTIFY */
	if (b.got[idx] && msg->cseq.num == b.cseq[idx])
		return;
	b.cseq[idx] = msg->cseq.num;

	if (++b.got[idx] == 1 && !b.phase2) {
		if (++b.round1 == b.n)
			change();
	}
	else if (b.got[idx] == 2 && b.phase2) {
		b.t_last = now_mono();
		if (++b.round2 == b.n)
			re_cancel();
	}
}


static void fd_handler(int flags, void *arg)
{
	uint8_t buf[8192];
	(void)flags;
	(void)arg;

	for (;;) {
		struct sip_msg *msg = NULL;
		struct mbuf *mb;
		ssize_t r = recv(b.fd, buf, sizeof(buf), 0);

		if (r <= 0)
			break;

		mb = mbuf_alloc((size_t)r);
		if (!mb)
			break;
		(void)mbuf_write_mem(mb, buf, (size_t)r);
		mb->pos = 0;
		if (!sip_msg_decode(&msg, mb) && !msg->req && msg->scode != 200 && getenv("BENCH_DEBUG"))
			re_printf("resp %u %r (%r)\n", msg->scode, &msg->reason, &msg->callid);
		if (msg && msg->req &&
		    !pl_strcmp(&msg->met, "NOTIFY"))
			on_notify(msg);
		mem_deref(msg);
		mem_deref(mb);
	}
}


static void timeout_handler(void *arg)
{
	(void)arg;
	b.err = ETIMEDOUT;
	re_cancel();
}


int main(int argc, char *argv[])
{
	/* the fan-out itself is measured: the limits and the NOTIFY
	 * pacing of eventpkg.h (defaults 16 per source address, 200
	 * NOTIFYs a second) are lifted, since every subscriber here
	 * shares one address */
	struct eventpkg_cfg cfg = {
		.max_per_source = EVENTPKG_UNLIMITED,
		.max_total      = EVENTPKG_UNLIMITED,
		.notify_rate    = EVENTPKG_UNLIMITED,
		.notify_burst   = EVENTPKG_UNLIMITED,
	};
	struct sockaddr_in cli;
	struct sa laddr;
	struct tmr tmo;
	int c, big = 64 * 1024 * 1024;

	b.n = 1000;
	while ((c = getopt(argc, argv, "n:p")) != -1) {
		if (c == 'n')
			b.n = atoi(argv[optind - 1]);
		else if (c == 'p')
			b.psk = true;
		else
			return 2;
	}
	if (b.n <= 0)
		return 2;

	b.got = calloc((size_t)b.n, sizeof(*b.got));
	b.cseq = calloc((size_t)b.n, sizeof(*b.cseq));
	if (!b.got || !b.cseq || libre_init())
		return 1;

	/* ports picked by the system: other tests may run alongside */
	sa_set_str(&laddr, "127.0.0.1", 0);
	if (sip_alloc(&b.sip, NULL, 1024, 1024, 32, "bench", NULL, NULL) ||
	    sip_transp_add(b.sip, SIP_TRANSP_UDP, &laddr) ||
	    sip_transp_laddr(b.sip, &laddr, SIP_TRANSP_UDP, NULL) ||
	    eventpkg_alloc(&b.ep, b.sip, &cfg, auth_handler, NULL) ||
	    eventpkg_conf_alloc(&b.conf, b.ep, "sip:room@example.org")) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	{
		struct cinfo *ci = eventpkg_conf_info(b.conf);
		char u[64];
		int i;

		cinfo_set_subject(ci, "Bench");
		cinfo_add_avail_media(ci, "1", "audio", CINFO_MS_SENDRECV);
		for (i = 0; i < 10; i++) {
			re_snprintf(u, sizeof(u), "sip:p%d@example.org", i);
			cinfo_ep_set(ci, u, u, CINFO_EP_CONNECTED,
				     CINFO_JOIN_DIALED_IN, NULL);
			cinfo_media_set(ci, u, u, "1", "audio", "1", "42",
					CINFO_MS_SENDRECV);
		}
	}

	b.fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&cli, 0, sizeof(cli));
	cli.sin_family = AF_INET;
	cli.sin_port = 0;
	cli.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b.srv_port = sa_port(&laddr);
	b.srv = cli;
	b.srv.sin_port = htons(b.srv_port);
	/* root may go past rmem_max; otherwise take what we get */
	if (setsockopt(b.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		(void)setsockopt(b.fd, SOL_SOCKET, SO_RCVBUF, &big,
				 sizeof(big));
	if (bind(b.fd, (struct sockaddr *)&cli, sizeof(cli)) ||
	    getsockname(b.fd, (struct sockaddr *)&cli, &(socklen_t){sizeof(cli)})
	    || fcntl(b.fd, F_SETFL, O_NONBLOCK) ||
	    fd_listen(b.fd, FD_READ, fd_handler, NULL)) {
		fprintf(stderr, "client socket failed\n");
		return 1;
	}
	b.cli_port = ntohs(cli.sin_port);

	tmr_init(&tmo);
	tmr_start(&tmo, 60000, timeout_handler, NULL);
	tmr_start(&b.tmr, 1, send_subscribes, NULL);

	(void)re_main(NULL);

	if (b.err) {
		{ int i, m = 0; for (i = 0; i < b.n && m < 10; i++) if (!b.got[i]) { printf("missing %d\n", i); m++; } }
		printf("eventpkg: timed out (%d/%d first, %d/%d"
		       " second NOTIFYs)\n", b.round1, b.n, b.round2, b.n);
		return 1;
	}

	{
		const char *v = b.psk ? "smime" : "plain";
		double sent_ms = (b.t_sent - b.t0) * 1e3;
		double cpu_us = b.cpu_fanout * 1e6 / b.n;
		double rcvd_ms = (b.t_last - b.t0) * 1e3;

		/* human lines, then bench.<topic>.* key=value lines
		 * (bench/README.md) */
		printf("eventpkg: fan-out to %d subscribers, %s\n", b.n,
		       b.psk ? "PSK S/MIME (AES-128-GCM, AES key wrap)"
		       : "plain conference-info+xml");
		printf("eventpkg: last NOTIFY left after %.2f ms "
		       "(target < 250 ms: %s)\n", sent_ms,
		       sent_ms < 250 ? "met" : "not met");
		printf("eventpkg: CPU per NOTIFY %.2f us\n", cpu_us);
		printf("eventpkg: last NOTIFY received at %.2f ms\n", rcvd_ms);
		printf("bench.eventpkg.%s.subscribers=%d\n", v, b.n);
		printf("bench.eventpkg.%s.last_sent_ms=%.2f\n", v, sent_ms);
		printf("bench.eventpkg.%s.cpu_per_notify_us=%.2f\n", v,
		       cpu_us);
		printf("bench.eventpkg.%s.last_received_ms=%.2f\n", v,
		       rcvd_ms);
	}

	fd_close(b.fd);
	close(b.fd);
	tmr_cancel(&tmo);
	tmr_cancel(&b.tmr);
	tmr_cancel(&b.tmr_rtx);
	b.conf = mem_deref(b.conf);
	b.ep = mem_deref(b.ep);
	sip_close(b.sip, true);
	b.sip = mem_deref(b.sip);
	libre_close();
	free(b.got);
	free(b.cseq);

	return (b.t_sent - b.t0) < 0.250 ? 0 : 1;
}

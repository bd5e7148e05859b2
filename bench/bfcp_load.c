/**
 * @file bfcp_load.c  Floor request/grant/release round trips per second.
 *
 *   bfcp_load [-n PARTICIPANTS] [-c CYCLES] [--tls] [-p BASEPORT]
 *
 * A child process runs the floor server (floor.h, one conference, the
 * presentation floor automatic) on 127.0.0.1; the parent connects all
 * participants and, round-robin, has each one send FloorRequest, wait
 * for Granted, send FloorRelease, wait for Released.  Each of those is
 * one transaction; latency is per transaction.  The server runs on one
 * core (libre's single-threaded loop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <re.h>
#include "keying/cert.h"
#include "floor/floor.h"
#include "media/media.h"


enum { BENCH_CONF = 77, MAXN = 1000 };

static uint8_t client_fp[32];


static int server(int n, uint16_t base, bool tls, const char *cert,
		  int readyfd)
{
	struct floor_server *fs = NULL;
	struct floor_conf *fc = NULL;
	struct media_portpool *pool = NULL;
	struct floor_conf_cfg cc;
	struct floor_part **pv;
	struct tls *t = NULL;
	struct sa laddr;
	char fps[8 + 32 * 3] = "sha-256 ";
	int i, err;

	memset(&cc, 0, sizeof(cc));
	cc.confid = BENCH_CONF;

	if (libre_init())
		return 1;
	sa_set_str(&laddr, "127.0.0.1", 0);

	if (tls && (cert_ensure(cert, "bench") || cert_tls_alloc(&t, cert)))
		return 1;

	/* the client's digest as its SDP would carry it */
	for (i = 0; i < 32; i++)
		re_snprintf(fps + 8 + i * 3, sizeof(fps) - 8 - i * 3,
			    "%02X%s", client_fp[i], i < 31 ? ":" : "");

	err = media_portpool_alloc(&pool, "-p", base, base + n + 50);
	err |= floor_server_alloc(&fs, t, &laddr, media_portpool_tcp_listen,
				  pool);
	err |= floor_conf_alloc(&fc, fs, &cc, NULL, NULL);
	if (err)
		return 1;

	pv = calloc(n, sizeof(*pv));
	for (i = 0; i < n; i++) {
		struct floor_part_cfg pc;

		memset(&pc, 0, sizeof(pc));
		pc.userid = (uint16_t)(i + 1);
		if (tls) {
			pc.sec.mode = FLOOR_SEC_FINGERPRINT;
			pc.sec.fingerprint = fps;
		}
		if (floor_part_alloc(&pv[i], fc, &pc))
			return 1;
		/* the port of participant i is told through the pipe */
		uint16_t port = floor_part_port(pv[i]);
		if (write(readyfd, &port, sizeof(port)) != sizeof(port))
			return 1;
	}
	close(readyfd);

	re_main(NULL);
	return 0;
}


struct cl {
	int fd;
	SSL *ssl;
	uint16_t tid;
};


static int cl_write(struct cl *c, const uint8_t *b, size_t n)
{
	if (c->ssl)
		return SSL_write(c->ssl, b, (int)n) == (int)n ? 0 : -1;
	return send(c->fd, b, n, 0) == (ssize_t)n ? 0 : -1;
}


static int cl_read(struct cl *c, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int k = c->ssl ? SSL_read(c->ssl, b + got, (int)(n - got))
			       : (int)recv(c->fd, b + got, n - got, 0);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}


/* one request, one FloorRequestStatus answer (tid matched) */
static int transact(struct cl *c, uint16_t user, uint8_t prim,
		    uint16_t attr, uint16_t v, uint16_t *frid, uint8_t *st)
{
	uint8_t m[16] = {0x20, prim, 0, 1, 0, 0, 0, BENCH_CONF, 0, 0,
			 user >> 8, user & 0xff, (uint8_t)(attr << 1 | 1), 4,
			 v >> 8, v & 0xff};
	uint8_t h[12], p[1024];
	size_t plen;

	++c->tid;
	m[8] = c->tid >> 8;
	m[9] = c->tid & 0xff;
	if (cl_write(c, m, sizeof(m)))
		return -1;

	for (;;) {
		if (cl_read(c, h, 12))
			return -1;
		plen = 4u * (h[2] << 8 | h[3]);
		if (plen > sizeof(p) || cl_read(c, p, plen))
			return -1;
		if ((h[8] << 8 | h[9]) != c->tid)
			continue;    /* a tid-0 notification */
		if (h[1] != 4 || plen < 12 || (p[0] >> 1) != 15 ||
		    (p[4] >> 1) != 18 || (p[8] >> 1) != 5)
			return -1;
		*frid = (uint16_t)(p[2] << 8 | p[3]);
		*st = p[10];
		return 0;
	}
}


static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}


static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}


int main(int argc, char *argv[])
{
	int n = 100, cycles = 20000, i, pfd[2];
	uint16_t base = 47000, ports[MAXN];
	bool tls = false;
	char cert[] = "/tmp/bfcp_bench_srv.pem", ccert[] =
		"/tmp/bfcp_bench_cli.pem";
	SSL_CTX *ctx = NULL;
	struct cl *cv;
	double *lat, t0, t1;
	pid_t pid;
	size_t nl = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			cycles = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			base = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tls"))
			tls = true;
	}
	if (n < 1 || n > MAXN)
		return 2;

	if (tls) {
		unsigned int mdlen = 0;
		FILE *f;
		X509 *x;

		/* the client identity, pinned by the server like SDP would */
		if (cert_ensure(ccert, "bench-client"))
			return 1;
		f = fopen(ccert, "r");
		x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!x || !X509_digest(x, EVP_sha256(), client_fp, &mdlen) ||
		    mdlen != 32) {
			fprintf(stderr, "client certificate\n");
			return 1;
		}
		X509_free(x);
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_use_certificate_chain_file(ctx, ccert);
		SSL_CTX_use_PrivateKey_file(ctx, ccert, SSL_FILETYPE_PEM);
	}

	if (pipe(pfd))
		return 1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(server(n, base, tls, cert, pfd[1]));
	}
	close(pfd[1]);
	for (i = 0; i < n; i++) {
		if (read(pfd[0], &ports[i], sizeof(ports[i])) !=
		    sizeof(ports[i])) {
			fprintf(stderr, "server failed\n");
			return 1;
		}
	}

	cv = calloc(n, sizeof(*cv));
	for (i = 0; i < n; i++) {
		struct sockaddr_in sin;
		int one = 1;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(ports[i]);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cv[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(cv[i].fd, (void *)&sin, sizeof(sin)))
			return 1;
		setsockopt(cv[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof(one));
		if (tls) {
			cv[i].ssl = SSL_new(ctx);
			SSL_set_fd(cv[i].ssl, cv[i].fd);
			if (SSL_connect(cv[i].ssl) != 1) {
				fprintf(stderr, "TLS connect failed\n");
				return 1;
			}
		}
	}

	lat = calloc(2 * (size_t)cycles, sizeof(*lat));
	t0 = now_us();
	for (i = 0; i < cycles; i++) {
		struct cl *c = &cv[i % n];
		uint16_t user = (uint16_t)(i % n + 1), frid = 0, f2;
		uint8_t st = 0;
		double a = now_us(), b, d;

		if (transact(c, user, 1, 2, 1, &frid, &st) || st != 3) {
			fprintf(stderr, "request %d: not granted (%u)\n",
				i, st);
			break;
		}
		b = now_us();
		if (transact(c, user, 2, 3, frid, &f2, &st) || st != 6) {
			fprintf(stderr, "release %d failed (%u)\n", i, st);
			break;
		}
		d = now_us();
		lat[nl++] = b - a;
		lat[nl++] = d - b;
	}
	t1 = now_us();

	qsort(lat, nl, sizeof(*lat), cmpd);
	if (nl) {
		const char *v = tls ? "tls" : "tcp";
		double secs = (t1 - t0) / 1e6;

		/* human lines, then bench.<topic>.* key=value lines
		 * (bench/README.md) */
		printf("bfcp: %s, %d participants connected, "
		       "%zu transactions (request+grant, release)\n",
		       tls ? "TLS" : "TCP", n, nl);
		printf("bfcp: %.0f transactions/s, %.0f floor "
		       "request/grant/release cycles/s\n",
		       nl / secs, nl / 2 / secs);
		printf("bfcp: latency p50 %.1f us, p99 %.1f us, "
		       "max %.1f us\n", lat[nl / 2], lat[nl * 99 / 100],
		       lat[nl - 1]);
		printf("bench.bfcp.%s.participants=%d\n", v, n);
		printf("bench.bfcp.%s.trans_per_s=%.0f\n", v, nl / secs);
		printf("bench.bfcp.%s.cycles_per_s=%.0f\n", v, nl / 2 / secs);
		printf("bench.bfcp.%s.p50_us=%.1f\n", v, lat[nl / 2]);
		printf("bench.bfcp.%s.p99_us=%.1f\n", v, lat[nl * 99 / 100]);
		printf("bench.bfcp.%s.max_us=%.1f\n", v, lat[nl - 1]);
	}

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(cert);
	unlink(ccert);
	return nl == 2 * (size_t)cycles ? 0 : 1;
}

/**
 * @file msrp_client.c  Scriptable MSRP client for tests (RFC 4975/7701)
 *
 * It plays a chat participant: connects (it is the active side), binds
 * the session with its first SEND, then runs the commands given on the
 * command line one after the other.  It prints one line per event:
 *   CONNECTED, RESP <tid> <code>, REPORT <msgid> <code> <range>,
 *   RX from=<uri> to=<uri> len=<n> sha256=<hex>, SENT <msgid> <len>,
 *   DONE, TIMEOUT, CLOSED <err>, and TLS <version> <cipher> once a TLS
 *   handshake is done.
 * With -K the TLS is TLS-PSK as TS 33.328 Annex H has it for a chat
 * stream keyed by MIKEY-TICKET: PSK = the TEK of the m-line's TLS
 * crypto session, an empty PSK identity, TLS 1.2 only and only
 * PSK-AES128-GCM-SHA256 / PSK-AES256-GCM-SHA384 (no (EC)DHE-PSK, no
 * null cipher); no certificate is involved.
 * Its frame reader is its own: it buffers one frame (bounded) and looks
 * for "CRLF -------tid flag CRLF" with memmem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <time.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <re.h>
#include "tests/ua/msrp_client.h"


enum { RXBUF_MAX = 8 * 1024 * 1024, MSGS_MAX = 64 };

#define PSK_CIPHERS "PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384"

static const char usage[] =
	"confd-ua msrp -c HOST:PORT -p TO-PATH [-T -k CERT.pem -f 'sha-256 FP']\n"
	"        [-T -K PSKHEX] (TLS-PSK, TLS 1.2, empty identity)\n"
	"        [-i MY-URI] [-r ROOM-URI] [-o SAVEDIR] [-t SECONDS]\n"
	"        [-s] (no Success-Report) [-P MY-SESSION-ID] COMMAND...\n"
	"commands: text:MSG  private:URI:MSG  file:PATH:CHUNK  malformed\n"
	"          badpath  recv:N  sleep:MS  stall  wait\n"
	"          from:URI (CPIM From of later messages, as -i)\n";

struct rxmsg {
	char id[40];
	struct mbuf *mb;
};

struct ua {
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct tls *tls;
	char *to_path;
	char from_path[128];
	const char *me, *room, *peer_fp, *savedir;
	bool success_report;
	struct mbuf *rx;
	struct rxmsg msgs[MSGS_MAX];
	unsigned nrx;
	unsigned outstanding;       /* requests without a response yet */
	char **cmds;
	int ncmds, icmd;
	bool busy;                  /* a command is running */
	struct tmr cmd_tmr, to_tmr;
	/* file sending */
	FILE *f;
	struct mbuf *fhdr;          /* CPIM + MIME header of the file */
	uint64_t ftotal, fsent;
	size_t chunk;
	char fmsgid[20];
	unsigned recv_want;
	bool stalled;
	uint8_t psk[64];            /* -K: the TLS crypto session's TEK */
	size_t psk_len;
	bool tls_printed;
	int rc;
};

static struct ua ua;


static void next_cmd(void);


static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void rand_id(char *b, size_t n)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = a[rand_u32() % 36];
	b[n] = '\0';
}


static int wr(struct mbuf *mb)
{
	mb->pos = 0;
	return tcp_send(ua.tc, mb);
}


/* Header block of a SEND request; body and end-line follow. */
static int send_hdr(struct mbuf *mb, const char *tid, const char *to,
		    const char *msgid, uint64_t s, uint64_t e, uint64_t total)
{
	return mbuf_printf(mb, "MSRP %s SEND\r\nTo-Path: %s\r\n"
			   "From-Path: %s\r\nMessage-ID: %s\r\n"
			   "Byte-Range: %llu-%llu/%llu\r\n"
			   "Success-Report: %s\r\n"
			   "Content-Type: message/cpim\r\n\r\n",
			   tid, to, ua.from_path, msgid,
			   (unsigned long long)s, (unsigned long long)e,
			   (unsigned long long)total,
			   ua.success_report ? "yes" : "no");
}


static void send_cpim(const char *to, const char *text)
{
	struct mbuf *mb = mbuf_alloc(1024), *body = mbuf_alloc(1024);
	char tid[13], mid[17];

	rand_id(tid, 12);
	rand_id(mid, 16);
	/* RFC 3862 wrapper, RFC 7701 s.6.1 */
	mbuf_printf(body, "From: <%s>\r\nTo: <%s>\r\n\r\n"
		    "Content-Type: text/plain\r\n\r\n%s", ua.me, to, text);
	send_hdr(mb, tid, ua.to_path, mid, 1, body->end, body->end);
	mbuf_write_mem(mb, body->buf, body->end);
	mbuf_printf(mb, "\r\n-------%s$\r\n", tid);
	wr(mb);
	ua.outstanding++;
	printf("SENT %s %zu tid=%s t=%llu\n", mid, body->end, tid, now_ms());
	mem_deref(mb);
	mem_deref(body);
}


/* Write file chunks while the socket keeps up. */
static void file_pump(void *arg)
{
	(void)arg;

	while (ua.f && tcp_conn_txqsz(ua.tc) < 256 * 1024) {
		uint64_t s = ua.fsent + 1, n = ua.chunk;
		struct mbuf *mb;
		char tid[13];
		bool last;

		if (n > ua.ftotal - ua.fsent)
			n = ua.ftotal - ua.fsent;
		last = (ua.fsent + n == ua.ftotal);

		mb = mbuf_alloc(n + 512);
		rand_id(tid, 12);
		send_hdr(mb, tid, ua.to_path, ua.fmsgid, s, s + n - 1,
			 ua.ftotal);
		/* the message body: CPIM/MIME header, then the file */
		while (n) {
			if (ua.fsent < ua.fhdr->end) {
				size_t k = ua.fhdr->end - ua.fsent;
				if (k > n)
					k = n;
				mbuf_write_mem(mb, ua.fhdr->buf + ua.fsent, k);
				ua.fsent += k;
				n -= k;
			}
			else {
				uint8_t buf[65536];
				size_t k = n > sizeof(buf) ? sizeof(buf) : n;
				k = fread(buf, 1, k, ua.f);
				if (!k)
					break;
				mbuf_write_mem(mb, buf, k);
				ua.fsent += k;
				n -= k;
			}
		}
		mbuf_printf(mb, "\r\n-------%s%c\r\n", tid, last ? '$' : '+');
		wr(mb);
		mem_deref(mb);
		ua.outstanding++;

		if (last) {
			printf("SENT %s %llu\n", ua.fmsgid,
			       (unsigned long long)ua.ftotal);
			fclose(ua.f);
			ua.f = NULL;
			tcp_set_send(ua.tc, NULL);
			ua.busy = false;
			next_cmd();
			return;
		}
	}
}


static void send_h(void *arg)
{
	(void)arg;
	if (ua.f)
		file_pump(NULL);
	else
		tcp_set_send(ua.tc, NULL);
}


static int send_file(const char *path, size_t chunk)
{
	long sz;

	ua.f = fopen(path, "rb");
	if (!ua.f)
		return errno;
	fseek(ua.f, 0, SEEK_END);
	sz = ftell(ua.f);
	fseek(ua.f, 0, SEEK_SET);

	ua.fhdr = mem_deref(ua.fhdr);
	ua.fhdr = mbuf_alloc(256);
	mbuf_printf(ua.fhdr, "From: <%s>\r\nTo: <%s>\r\n\r\n"
		    "Content-Type: application/octet-stream\r\n\r\n",
		    ua.me, ua.room);
	ua.ftotal = ua.fhdr->end + sz;
	ua.fsent = 0;
	ua.chunk = chunk ? chunk : 4096;
	rand_id(ua.fmsgid, 16);
	ua.busy = true;
	tcp_set_send(ua.tc, send_h);
	file_pump(NULL);
	return 0;
}


static void sha256_hex(const uint8_t *p, size_t n, char *hex)
{
	uint8_t md[32];
	unsigned len = 0, i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}


/* A complete message: unwrap Message/CPIM (RFC 3862 s.3): message
 * headers, blank line, MIME headers, blank line, content. */
static void message_done(struct rxmsg *m)
{
	const char *b = (const char *)m->mb->buf;
	size_t n = m->mb->end;
	const char *e1, *e2;
	char from[256] = "", to[256] = "", hex[65];
	const char *line;

	e1 = memmem(b, n, "\r\n\r\n", 4);
	if (!e1) {
		printf("RX bad-cpim len=%zu\n", n);
		return;
	}
	for (line = b; line < e1; ) {
		const char *eol = memmem(line, e1 + 2 - line, "\r\n", 2);
		size_t ll = eol - line;
		char *dst = NULL;

		if (ll > 6 && !strncmp(line, "From: ", 6))
			dst = from;
		else if (ll > 4 && !strncmp(line, "To: ", 4))
			dst = to;
		if (dst) {
			const char *v = memchr(line, ' ', ll) + 1;
			const char *lt = memchr(v, '<', line + ll - v);
			const char *gt = lt ? memchr(lt, '>', line + ll - lt)
				: NULL;
			if (lt && gt && (size_t)(gt - lt) < 256) {
				memcpy(dst, lt + 1, gt - lt - 1);
				dst[gt - lt - 1] = '\0';
			}
		}
		line = eol + 2;
	}
	e2 = memmem(e1 + 4, n - (e1 + 4 - b), "\r\n\r\n", 4);
	if (!e2) {
		printf("RX bad-mime len=%zu\n", n);
		return;
	}
	e2 += 4;
	sha256_hex((const uint8_t *)e2, n - (e2 - b), hex);
	printf("RX from=%s to=%s len=%zu sha256=%s t=%llu\n", from, to,
	       n - (e2 - b), hex, now_ms());

	if (ua.savedir) {
		char path[512];
		FILE *f;
		re_snprintf(path, sizeof(path), "%s/msg%u", ua.savedir,
			    ua.nrx);
		f = fopen(path, "wb");
		if (f) {
			fwrite(e2, 1, n - (e2 - b), f);
			fclose(f);
		}
	}
	ua.nrx++;
}


static struct rxmsg *rx_find(const char *id)
{
	int i, fr = -1;

	for (i = 0; i < MSGS_MAX; i++) {
		if (ua.msgs[i].mb && !strcmp(ua.msgs[i].id, id))
			return &ua.msgs[i];
		if (!ua.msgs[i].mb && fr < 0)
			fr = i;
	}
	if (fr < 0)
		return NULL;
	str_ncpy(ua.msgs[fr].id, id, sizeof(ua.msgs[fr].id));
	ua.msgs[fr].mb = mbuf_alloc(4096);
	return &ua.msgs[fr];
}


/* Value of header "name" in the block [h, e), or NULL. */
static bool hval(const char *h, const char *e, const char *name,
		 char *out, size_t sz)
{
	size_t nl = strlen(name);
	const char *l = h;

	while (l < e) {
		const char *eol = memmem(l, e - l, "\r\n", 2);
		if (!eol)
			eol = e;
		if ((size_t)(eol - l) > nl + 2 && !strncasecmp(l, name, nl) &&
		    l[nl] == ':' && l[nl + 1] == ' ') {
			size_t vl = eol - l - nl - 2;
			if (vl >= sz)
				vl = sz - 1;
			memcpy(out, l + nl + 2, vl);
			out[vl] = '\0';
			return true;
		}
		l = eol + 2;
	}
	return false;
}


static void check_done(void);


/* One whole frame: start line..end-line. */
static void frame(const char *p, size_t hl, const char *body, size_t bl,
		  char flag, const char *tid)
{
	const char *sl_end = memmem(p, hl, "\r\n", 2);
	const char *h = sl_end + 2, *he = p + hl;
	char word[32] = "", v[256];

	sscanf(p + 5 + strlen(tid) + 1, "%31s", word);

	if (word[0] >= '0' && word[0] <= '9') {
		printf("RESP %s %s\n", tid, word);
		if (ua.outstanding)
			ua.outstanding--;
		check_done();
		return;
	}

	if (!strcmp(word, "REPORT")) {
		char mid[64] = "", st[64] = "", br[64] = "";
		hval(h, he, "Message-ID", mid, sizeof(mid));
		hval(h, he, "Status", st, sizeof(st));
		hval(h, he, "Byte-Range", br, sizeof(br));
		printf("REPORT %s %s %s\n", mid, st, br);
		return;
	}

	if (!strcmp(word, "SEND")) {
		char mid[64] = "";
		unsigned long long s = 1;
		struct rxmsg *m;

		hval(h, he, "Message-ID", mid, sizeof(mid));
		if (hval(h, he, "Byte-Range", v, sizeof(v)))
			s = strtoull(v, NULL, 10);
		/* a response unless Failure-Report says otherwise */
		if (!hval(h, he, "Failure-Report", v, sizeof(v)) ||
		    !strcmp(v, "yes")) {
			struct mbuf *mb = mbuf_alloc(256);
			char fp[256] = "";
			hval(h, he, "From-Path", fp, sizeof(fp));
			*strchrnul(fp, ' ') = '\0';
			mbuf_printf(mb, "MSRP %s 200 OK\r\nTo-Path: %s\r\n"
				    "From-Path: %s\r\n-------%s$\r\n",
				    tid, fp, ua.from_path, tid);
			wr(mb);
			mem_deref(mb);
		}
		if (!bl && flag != '$')
			return;
		m = rx_find(mid);
		if (!m)
			return;
		if (s >= 1 && s - 1 <= m->mb->end + (1u << 30)) {
			m->mb->pos = s - 1;
			if (bl)
				mbuf_write_mem(m->mb, (const uint8_t *)body, bl);
		}
		if (flag == '$') {
			message_done(m);
			m->mb = mem_deref(m->mb);
			check_done();
		}
		else if (flag == '#')
			m->mb = mem_deref(m->mb);
		return;
	}
}


/* Drop one parsed frame from the front of the receive buffer. */
static void consume(size_t used)
{
	size_t rest = ua.rx->end - used;

	if (rest)
		memmove(ua.rx->buf, ua.rx->buf + used, rest);
	ua.rx->end = rest;
	ua.rx->pos = 0;
}


static void parse_rx(void)
{
	for (;;) {
		const char *b = (const char *)ua.rx->buf;
		size_t n = ua.rx->end;
		const char *sl, *hend, *endl;
		char tid[40], pat[64];
		size_t tl, hl;
		int k;

		if (n < 5)
			return;
		if (memcmp(b, "MSRP ", 5)) {
			printf("PROTOCOL-ERROR\n");
			ua.rx->end = 0;
			return;
		}
		sl = memmem(b, n, "\r\n", 2);
		if (!sl)
			return;
		if (sscanf(b + 5, "%32s", tid) != 1)
			return;
		tl = strlen(tid);

		/* no body: end-line right after a header line */
		k = snprintf(pat, sizeof(pat), "\r\n-------%s", tid);
		endl = memmem(sl, n - (sl - b), pat, k);
		hend = memmem(sl, n - (sl - b), "\r\n\r\n", 4);
		if (endl && (!hend || endl < hend)) {
			if ((size_t)(endl + k + 3 - b) > n)
				return;
			hl = endl + 2 - b;
			frame(b, hl, NULL, 0, endl[k], tid);
			consume(endl + k + 3 - b);
			continue;
		}
		if (!hend)
			return;
		/* body: up to CRLF -------tid flag CRLF */
		endl = memmem(hend + 4, n - (hend + 4 - b), pat, k);
		if (!endl || (size_t)(endl + k + 3 - b) > n)
			return;
		hl = hend + 2 - b;
		frame(b, hl, hend + 4, endl - (hend + 4), endl[k], tid);
		consume(endl + k + 3 - b);
		(void)tl;
	}
}


static void recv_h(struct mbuf *mb, void *arg)
{
	(void)arg;
	ua.rx->pos = ua.rx->end;
	if (ua.rx->end + mbuf_get_left(mb) > RXBUF_MAX) {
		printf("RXBUF-OVERFLOW\n");
		re_cancel();
		return;
	}
	mbuf_write_mem(ua.rx, mbuf_buf(mb), mbuf_get_left(mb));
	parse_rx();
	fflush(stdout);
}


static void check_done(void)
{
	if (ua.recv_want && ua.nrx >= ua.recv_want) {
		ua.recv_want = 0;
		ua.busy = false;
		tmr_start(&ua.cmd_tmr, 0, (tmr_h *)next_cmd, NULL);
	}
	else if (ua.busy && !ua.recv_want && !ua.f && !ua.outstanding &&
		 ua.icmd > 0 && !strcmp(ua.cmds[ua.icmd - 1], "wait")) {
		ua.busy = false;
		tmr_start(&ua.cmd_tmr, 0, (tmr_h *)next_cmd, NULL);
	}
}


static void sleep_done(void *arg)
{
	(void)arg;
	ua.busy = false;
	next_cmd();
}


static void next_cmd(void)
{
	char *c, buf[4096];

	fflush(stdout);
	while (!ua.busy) {
		if (ua.icmd >= ua.ncmds) {
			printf("DONE\n");
			fflush(stdout);
			re_cancel();
			return;
		}
		c = ua.cmds[ua.icmd++];
		str_ncpy(buf, c, sizeof(buf));

		if (!strncmp(buf, "text:", 5)) {
			send_cpim(ua.room, buf + 5);
		}
		else if (!strncmp(buf, "private:", 8)) {
			/* private:URI:MSG; the URI holds a ':' itself */
			char *msg = strrchr(buf, ':');
			*msg++ = '\0';
			send_cpim(buf + 8, msg);
		}
		else if (!strncmp(buf, "file:", 5)) {
			char *sep = strrchr(buf, ':');
			*sep++ = '\0';
			if (send_file(buf + 5, strtoul(sep, NULL, 10))) {
				printf("FILE-ERROR\n");
				ua.rc = 1;
			}
		}
		else if (!strncmp(buf, "burst:", 6)) {
			/* burst:N:SIZE  N text messages of SIZE bytes */
			unsigned k, cnt = atoi(buf + 6);
			const char *sz = strchr(buf + 6, ':');
			size_t len = sz ? strtoul(sz + 1, NULL, 10) : 100;
			char *t = malloc(len + 1);
			if (len > 65536 || !t) {
				free(t);
				continue;
			}
			memset(t, 'x', len);
			t[len] = '\0';
			for (k = 0; k < cnt; k++)
				send_cpim(ua.room, t);
			free(t);
		}
		else if (!strcmp(buf, "malformed")) {
			/* Message-ID "m1" is too short for ident: 400 */
			struct mbuf *mb = mbuf_alloc(512);
			mbuf_printf(mb, "MSRP bad12345 SEND\r\nTo-Path: %s\r\n"
				    "From-Path: %s\r\nMessage-ID: m1\r\n"
				    "Content-Type: text/plain\r\n\r\n"
				    "garbage\r\n-------bad12345$\r\n",
				    ua.to_path, ua.from_path);
			wr(mb);
			mem_deref(mb);
			ua.outstanding++;
		}
		else if (!strcmp(buf, "badpath")) {
			struct mbuf *mb = mbuf_alloc(512);
			mbuf_printf(mb, "MSRP path1234 SEND\r\n"
				    "To-Path: msrp://127.0.0.1:9/nosuch;tcp\r\n"
				    "From-Path: %s\r\nMessage-ID: mpath123\r\n"
				    "-------path1234$\r\n", ua.from_path);
			wr(mb);
			mem_deref(mb);
			ua.outstanding++;
		}
		else if (!strncmp(buf, "recv:", 5)) {
			ua.recv_want = atoi(buf + 5);
			if (ua.nrx < ua.recv_want)
				ua.busy = true;
			else
				ua.recv_want = 0;
		}
		else if (!strncmp(buf, "from:", 5)) {
			/* points into argv, which outlives the client */
			ua.me = c + 5;
		}
		else if (!strncmp(buf, "sleep:", 6)) {
			ua.busy = true;
			tmr_start(&ua.cmd_tmr, atoi(buf + 6), sleep_done, NULL);
		}
		else if (!strcmp(buf, "stall")) {
			/* stop reading for good: the kernel buffers fill up
			 * and the peer's TCP window closes */
			int fd = tcp_conn_fd(ua.tc), sz = 4096;
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
			fd_close(fd);
			ua.stalled = true;
			printf("STALLED\n");
		}
		else if (!strcmp(buf, "wait")) {
			if (ua.outstanding)
				ua.busy = true;
		}
		else {
			printf("UNKNOWN-COMMAND %s\n", buf);
			ua.rc = 2;
		}
		fflush(stdout);
	}
}


static void estab_h(void *arg)
{
	struct mbuf *mb;
	char tid[13], mid[17];
	(void)arg;

	if (ua.sc && ua.peer_fp) {
		/* pin confd's certificate to its a=fingerprint */
		uint8_t md[32];
		char hex[100];
		int i;

		if (tls_peer_fingerprint(ua.sc, TLS_FINGERPRINT_SHA256, md,
					 sizeof(md))) {
			printf("PEER-FP-ERROR\n");
			re_cancel();
			return;
		}
		for (i = 0; i < 32; i++)
			sprintf(hex + 3 * i, "%02X%s", md[i], i < 31 ? ":" :
				"");
		if (strcasecmp(hex, ua.peer_fp + strlen("sha-256 "))) {
			printf("PEER-FP-MISMATCH\n");
			ua.rc = 1;
			re_cancel();
			return;
		}
	}

	printf("CONNECTED\n");

	/* s.5.4: the active side sends a SEND at once to bind */
	rand_id(tid, 12);
	rand_id(mid, 16);
	mb = mbuf_alloc(512);
	mbuf_printf(mb, "MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
		    "Message-ID: %s\r\n-------%s$\r\n", tid, ua.to_path,
		    ua.from_path, mid, tid);
	wr(mb);
	mem_deref(mb);
	ua.outstanding++;
	next_cmd();
}


static void close_h(int err, void *arg)
{
	(void)arg;
	printf("CLOSED %d\n", err);
	fflush(stdout);
	re_cancel();
}


static void timeout_h(void *arg)
{
	(void)arg;
	printf("TIMEOUT\n");
	ua.rc = 3;
	re_cancel();
}


static int verify_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;   /* pinned by fingerprint after the handshake */
}


/* RFC 4279 2 as TS 33.328 Annex H uses it: the client's PSK identity
 * is empty and the PSK is the TEK; a server hint changes nothing. */
static unsigned int psk_cb(SSL *ssl, const char *hint, char *identity,
			   unsigned int max_identity_len, unsigned char *psk,
			   unsigned int max_psk_len)
{
	(void)ssl;
	(void)hint;

	if (!ua.psk_len || max_identity_len < 1 || ua.psk_len > max_psk_len)
		return 0;
	identity[0] = '\0';
	memcpy(psk, ua.psk, ua.psk_len);
	return (unsigned int)ua.psk_len;
}


/* What the handshake settled on, so tests can check version and suite
 * without trusting the server's word for it. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	(void)ret;

	if (!(where & SSL_CB_HANDSHAKE_DONE) || ua.tls_printed)
		return;
	ua.tls_printed = true;
	printf("TLS %s %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	fflush(stdout);
}


static int parse_psk(const char *s)
{
	size_t l = strlen(s), i;

	if (l == 0 || l % 2 || l / 2 > sizeof(ua.psk))
		return EINVAL;
	for (i = 0; i < l; i++) {
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return EINVAL;
	}
	for (i = 0; i < l / 2; i++) {
		char h[3] = {s[2 * i], s[2 * i + 1], '\0'};
		ua.psk[i] = (uint8_t)strtoul(h, NULL, 16);
	}
	ua.psk_len = l / 2;
	return 0;
}


static void sig_h(int sig)
{
	(void)sig;
	re_cancel();
}


int ua_msrp_cmd(int argc, char *argv[])
{
	const char *connect_s = NULL, *cert = NULL, *my_sid = NULL;
	unsigned timeout = 30;
	bool use_tls = false;
	SSL_CTX *ctx;
	struct sa peer, local;
	int c, err, i;

	memset(&ua, 0, sizeof(ua));
	ua.me = "sip:anonymous@invalid";
	ua.room = "sip:room@invalid";
	ua.success_report = true;

	optind = 1;
	while ((c = getopt(argc, argv, "c:p:Tk:K:f:i:r:o:t:sP:")) != -1) {
		switch (c) {
		case 'c': connect_s = optarg; break;
		case 'p': str_dup(&ua.to_path, optarg); break;
		case 'P': my_sid = optarg; break;
		case 'T': use_tls = true; break;
		case 'k': cert = optarg; break;
		case 'K':
			if (parse_psk(optarg)) {
				fputs("confd-ua msrp: -K wants hex (at most 64 "
				      "bytes)\n", stderr);
				return 2;
			}
			use_tls = true;
			break;
		case 'f': ua.peer_fp = optarg; break;
		case 'i': ua.me = optarg; break;
		case 'r': ua.room = optarg; break;
		case 'o': ua.savedir = optarg; break;
		case 't': timeout = atoi(optarg); break;
		case 's': ua.success_report = false; break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!connect_s || !ua.to_path || sa_decode(&peer, connect_s,
						   strlen(connect_s))) {
		fputs(usage, stderr);
		return 2;
	}
	ua.cmds = argv + optind;
	ua.ncmds = argc - optind;

	/* libre is up: confd-ua's main() owns libre_init()/libre_close() */
	ua.rx = mbuf_alloc(65536);
	tmr_init(&ua.cmd_tmr);
	tmr_init(&ua.to_tmr);
	tmr_start(&ua.to_tmr, timeout * 1000, timeout_h, NULL);

	if (use_tls) {
		err = tls_alloc(&ua.tls, TLS_METHOD_SSLV23, cert, NULL);
		if (err) {
			fprintf(stderr, "tls: %s\n", strerror(err));
			return 1;
		}
		ctx = tls_openssl_context(ua.tls);
		SSL_CTX_set_info_callback(ctx, info_cb);
		if (ua.psk_len) {
			/* Annex H: TLS 1.2, PSK suites without (EC)DHE */
			if (cert || ua.peer_fp ||
			    !SSL_CTX_set_min_proto_version(ctx,
							   TLS1_2_VERSION) ||
			    !SSL_CTX_set_max_proto_version(ctx,
							   TLS1_2_VERSION) ||
			    !SSL_CTX_set_cipher_list(ctx, PSK_CIPHERS)) {
				fputs("confd-ua msrp: -K excludes -k/-f; TLS-PSK "
				      "context\n", stderr);
				return 2;
			}
			SSL_CTX_set_psk_client_callback(ctx, psk_cb);
		}
		else {
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_any);
		}
	}

	err = tcp_connect(&ua.tc, &peer, estab_h, recv_h, close_h, NULL);
	if (!err && use_tls)
		err = tls_start_tcp(&ua.sc, ua.tls, ua.tc, 0);
	if (err) {
		fprintf(stderr, "connect: %s\n", strerror(err));
		return 1;
	}
	tcp_conn_txqsz_set(ua.tc, 64 * 1024 * 1024);

	/* our a=path would say this; the server learns it from From-Path */
	{
		char sid[65];
		rand_id(sid, 16);
		/* the session id our SDP a=path announced (-P), if any */
		if (my_sid)
			str_ncpy(sid, my_sid, sizeof(sid));
		sa_set_str(&local, "127.0.0.1", 0);
		tcp_conn_local_get(ua.tc, &local);
		re_snprintf(ua.from_path, sizeof(ua.from_path),
			    "%s://127.0.0.1:%u/%s;tcp",
			    use_tls ? "msrps" : "msrp", sa_port(&local), sid);
	}

	re_main(sig_h);

	fflush(stdout);
	for (i = 0; i < MSGS_MAX; i++)
		mem_deref(ua.msgs[i].mb);
	if (ua.f)
		fclose(ua.f);
	if (ua.stalled)
		ua.tc = NULL;   /* its fd is no longer polled; just exit */
	mem_deref(ua.sc);
	mem_deref(ua.tc);
	mem_deref(ua.tls);
	mem_deref(ua.rx);
	mem_deref(ua.fhdr);
	mem_deref(ua.to_path);
	tmr_cancel(&ua.cmd_tmr);
	tmr_cancel(&ua.to_tmr);
	OPENSSL_cleanse(ua.psk, sizeof(ua.psk));
	return ua.rc;
}

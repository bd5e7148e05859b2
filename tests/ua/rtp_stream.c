/**
 * @file rtp_stream.c  One participant's audio stream: an RTP/RTCP socket
 *                     pair, SRTP both ways, and what was received.
 *
 * Built to run a thousand at once from one process: sending reuses one
 * shared buffer (no allocation per packet), headers are written and read
 * here by hand (RFC 3550 5.1) so every bound is checked in one place,
 * and the receive statistics are plain counters.
 *
 * The sockets are libre's, but reading is ours: libre would allocate an
 * mbuf per datagram and cannot hand over the kernel's arrival time.  We
 * read into one static buffer with SO_TIMESTAMPNS, so lateness is
 * measured when the packet reached this host, not when a busy UA got
 * round to it.
 */
#include <string.h>
#include <errno.h>
#include <time.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <re.h>
#include "tests/ua/ua.h"


enum {
	RTP_HDR = 12,
	LATE_US = 20000,       /* transit above the best: a late frame */
	SEQ_JUMP = 3000,       /* larger forward jumps restart the count */
	RX_BUF = 1500,
};

struct ua_stream {
	struct udp_sock *us_rtp;
	struct udp_sock *us_rtcp;
	uint16_t port;

	/* tx */
	bool started;
	struct sa dst;
	struct sa dst_rtcp;
	struct srtp *tx;
	struct srtp *rx;
	uint8_t pt;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts_base;
	uint32_t last_ts;
	uint64_t txc;
	uint64_t txoct;
	const struct ua_tone *tone;
	const struct ua_frames *frames;
	unsigned every_n;
	unsigned loss_pct;      /* frames dropped on purpose, percent */
	uint32_t loss_state;    /* xorshift32: the same losses every run */
	uint64_t lost;
	uint32_t clock;         /* RTP clock, Hz */
	ua_stream_audio_h *audioh;
	void *arg;

	/* rx: per window */
	struct ua_rxstats st;
	bool rx_init;
	uint32_t rx_ssrc;
	uint16_t max_seq;
	uint32_t last_rts;
	int64_t ext_ts;         /* rx timestamp, unwrapped */
	int64_t best_transit;   /* microseconds */
	int64_t last_transit;
	uint64_t last_arr;
	uint64_t jitter16;      /* RFC 3550 A.8 estimator, us << 4 */
};

typedef void (pkt_h)(struct ua_stream *rs, struct mbuf *mb, uint64_t t);

static uint16_t port_cursor;
static int16_t ulaw_tab[256];
static bool ulaw_tab_ok;


static void destructor(void *arg)
{
	struct ua_stream *rs = arg;

	mem_deref(rs->us_rtp);
	mem_deref(rs->us_rtcp);
	mem_deref(rs->tx);
	mem_deref(rs->rx);
}


static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}


static inline uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		((uint32_t)p[2] << 8) | p[3];
}


static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}


static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}


/* Restart sequence and timing state: first packet of a window or of a
 * new SSRC. */
static void rx_restart(struct ua_stream *rs, uint32_t ssrc, uint16_t seq,
		       uint32_t ts, uint64_t now)
{
	rs->rx_init = true;
	rs->rx_ssrc = ssrc;
	rs->max_seq = seq;
	rs->last_rts = ts;
	rs->ext_ts = 0;
	rs->best_transit = (int64_t)now;
	rs->last_transit = (int64_t)now;
	rs->last_arr = now;
}


static void payload(struct ua_stream *rs, uint32_t ts, const uint8_t *p,
		    size_t n)
{
	uint64_t e = 0;
	bool silent = true;

	/* PCMU silence is 0xFF (+0) or 0x7F (-0). */
	for (size_t i = 0; i < n; i++) {
		int16_t s = ulaw_tab[p[i]];
		e += (uint64_t)(s < 0 ? -s : s);
		silent &= (p[i] & 0x7f) == 0x7f;
	}
	rs->st.energy += e;
	rs->st.samples += n;
	if (silent)
		++rs->st.silent;

	if (rs->audioh)
		rs->audioh(ts, p, n, rs->arg);
}


static void rtp_recv(struct ua_stream *rs, struct mbuf *mb, uint64_t now)
{
	const uint8_t *p;
	size_t len, off, pad = 0;
	uint16_t seq, d;
	uint32_t ts, ssrc;
	int64_t transit;

	if (!rs->started)
		return;

	if (rs->rx) {
		size_t pos = mb->pos;
		if (srtp_decrypt(rs->rx, mb)) {
			++rs->st.decrypt_fail;
			return;
		}
		mb->pos = pos;
	}

	p = mbuf_buf(mb);
	len = mbuf_get_left(mb);
	if (len < RTP_HDR || (p[0] >> 6) != 2) {
		++rs->st.bad;
		return;
	}
	off = RTP_HDR + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) {                       /* header extension */
		if (len < off + 4) {
			++rs->st.bad;
			return;
		}
		off += 4 + 4u * rd16(p + off + 2);
	}
	if (p[0] & 0x20) {                       /* padding */
		pad = p[len - 1];
		if (pad == 0) {
			++rs->st.bad;
			return;
		}
	}
	if (len < off + pad) {
		++rs->st.bad;
		return;
	}
	if ((p[1] & 0x7f) != rs->pt) {
		/* telephone-event or comfort noise: not audio frames */
		return;
	}
	seq = rd16(p + 2);
	ts = rd32(p + 4);
	ssrc = rd32(p + 8);

	if (!rs->rx_init || ssrc != rs->rx_ssrc) {
		rx_restart(rs, ssrc, seq, ts, now);
	}
	else {
		d = (uint16_t)(seq - rs->max_seq);
		if (d == 0) {
			++rs->st.dup;
			return;
		}
		if (d >= 0x8000) {
			/* older than the newest: reordered, it was counted
			 * missing when the gap opened. */
			++rs->st.dup;
			if (rs->st.missing)
				--rs->st.missing;
			return;
		}
		if (d > SEQ_JUMP) {
			rx_restart(rs, ssrc, seq, ts, now);
		}
		else {
			uint32_t gap = (uint32_t)(now - rs->last_arr);

			rs->st.missing += d - 1u;
			rs->max_seq = seq;
			rs->ext_ts += (int32_t)(ts - rs->last_rts);
			rs->last_rts = ts;
			if (gap > rs->st.max_gap_us)
				rs->st.max_gap_us = gap;
			rs->last_arr = now;
		}
	}

	/* Transit time in microseconds, up to a constant. */
	transit = (int64_t)now - rs->ext_ts * 1000000 / (int64_t)rs->clock;
	if (transit < rs->best_transit)
		rs->best_transit = transit;
	else {
		int64_t late = transit - rs->best_transit;
		if (late > rs->st.max_late_us)
			rs->st.max_late_us = (uint32_t)late;
		if (late > LATE_US)
			++rs->st.late;
	}
	{
		int64_t dd = transit - rs->last_transit;
		if (dd < 0)
			dd = -dd;
		/* J += (|D| - J) / 16, kept scaled by 16 */
		rs->jitter16 += (uint64_t)dd - ((rs->jitter16 + 8) >> 4);
		rs->last_transit = transit;
	}

	++rs->st.pkts;
	rs->st.bytes += len;
	payload(rs, ts, p + off, len - off - pad);
}


static void rtcp_recv(struct ua_stream *rs, struct mbuf *mb, uint64_t now)
{
	const uint8_t *p;
	(void)now;

	if (!rs->started)
		return;
	if (rs->rx) {
		if (srtcp_decrypt(rs->rx, mb)) {
			++rs->st.rtcp_fail;
			return;
		}
	}
	p = mbuf_buf(mb);
	if (mbuf_get_left(mb) < 8 || (p[0] >> 6) != 2 ||
	    p[1] < 200 || p[1] > 207) {
		++rs->st.rtcp_fail;
		return;
	}
	++rs->st.rtcp;
}


/* Arrival time in microseconds on the realtime clock, which is the one
 * SO_TIMESTAMPNS uses; only differences within a stream matter. */
static uint64_t arrival(struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct timeval tv;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000u +
				(uint64_t)ts.tv_nsec / 1000;
		}
	}
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}


/* Reads one datagram into the one receive buffer.  One a wake-up: a
 * stream carries one packet per 20 ms, so a second read would nearly
 * always be a wasted EAGAIN syscall; epoll is level-triggered and calls
 * again if more is queued. */
static void drain(int fd, struct ua_stream *rs, pkt_h *h)
{
	static struct mbuf *mb;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct sockaddr_storage from;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	if (!mb) {
		mb = mbuf_alloc(RX_BUF);
		if (!mb)
			return;
	}
	for (int i = 0; i < 1; i++) {
		iov.iov_base = mb->buf;
		iov.iov_len = mb->size;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;       /* EAGAIN, or an ICMP error: nothing to do */
		if (mh.msg_flags & MSG_TRUNC) {
			++rs->st.bad;
			continue;
		}
		mb->pos = 0;
		mb->end = (size_t)n;
		h(rs, mb, arrival(&mh));
	}
}


static void rtp_fd_h(int flags, void *arg)
{
	struct ua_stream *rs = arg;
	(void)flags;
	drain(udp_sock_fd(rs->us_rtp, AF_INET), rs, rtp_recv);
}


static void rtcp_fd_h(int flags, void *arg)
{
	struct ua_stream *rs = arg;
	(void)flags;
	drain(udp_sock_fd(rs->us_rtcp, AF_INET), rs, rtcp_recv);
}


static void no_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}


/* Takes over reading from libre (see the file comment). */
static int own_reader(struct udp_sock *us, fd_h *fh, void *arg)
{
	int fd = udp_sock_fd(us, AF_INET);
	int on = 1;

	if (fd < 0)
		return EBADF;
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	return fd_listen(fd, FD_READ, fh, arg);
}


int ua_stream_alloc(struct ua_stream **rsp, const struct sa *laddr,
		     uint16_t port_min, uint16_t port_max)
{
	struct ua_stream *rs;
	uint32_t pairs, i;
	int err = EADDRINUSE;

	if (!rsp || !laddr || port_min >= port_max)
		return EINVAL;

	if (!ulaw_tab_ok) {
		for (int u = 0; u < 256; u++)
			ulaw_tab[u] = ua_ulaw_dec((uint8_t)u);
		ulaw_tab_ok = true;
	}

	rs = mem_zalloc(sizeof(*rs), destructor);
	if (!rs)
		return ENOMEM;
	rs->clock = 8000;
	rs->every_n = 1;

	port_min = (uint16_t)((port_min + 1) & ~1u);
	pairs = (uint32_t)(port_max - port_min + 1) / 2;
	if (pairs == 0) {
		mem_deref(rs);
		return EINVAL;
	}
	if (port_cursor < port_min || port_cursor + 1 > port_max)
		port_cursor = port_min;

	for (i = 0; i < pairs; i++) {
		struct sa a = *laddr;
		uint16_t port = port_cursor;

		port_cursor = (uint16_t)(port_cursor + 2);
		if (port_cursor < port_min || port_cursor + 1 > port_max)
			port_cursor = port_min;

		sa_set_port(&a, port);
		err = udp_listen(&rs->us_rtp, &a, no_recv, rs);
		if (err)
			continue;
		sa_set_port(&a, (uint16_t)(port + 1));
		err = udp_listen(&rs->us_rtcp, &a, no_recv, rs);
		if (err) {
			rs->us_rtp = mem_deref(rs->us_rtp);
			continue;
		}
		rs->port = port;
		break;
	}
	if (err) {
		mem_deref(rs);
		return err;
	}
	if (sa_af(laddr) != AF_INET) {
		mem_deref(rs);
		return EAFNOSUPPORT;
	}
	err = own_reader(rs->us_rtp, rtp_fd_h, rs);
	if (!err)
		err = own_reader(rs->us_rtcp, rtcp_fd_h, rs);
	if (err) {
		mem_deref(rs);
		return err;
	}

	rs->ssrc = rand_u32();
	rs->seq = rand_u16();
	rs->ts_base = rand_u32();
	rs->pt = 0;
	*rsp = rs;
	return 0;
}


void ua_stream_set_ssrc(struct ua_stream *rs, uint32_t ssrc)
{
	if (rs && ssrc)
		rs->ssrc = ssrc;
}


uint16_t ua_stream_port(const struct ua_stream *rs)
{
	return rs ? rs->port : 0;
}


void ua_stream_start(struct ua_stream *rs, const struct sa *rtp_dst,
		      const struct sa *rtcp_dst, struct srtp *tx,
		      struct srtp *rx, uint8_t pt)
{
	if (!rs)
		return;
	rs->dst = *rtp_dst;
	rs->dst_rtcp = *rtcp_dst;
	mem_deref(rs->tx);
	mem_deref(rs->rx);
	rs->tx = mem_ref(tx);
	rs->rx = mem_ref(rx);
	rs->pt = pt;
	rs->started = true;
}


void ua_stream_set_tone(struct ua_stream *rs, const struct ua_tone *t)
{
	if (rs)
		rs->tone = t;
}


void ua_stream_set_frames(struct ua_stream *rs, const struct ua_frames *f,
			  unsigned every_n)
{
	if (!rs)
		return;
	rs->frames = f;
	rs->every_n = every_n ? every_n : 1;
	rs->clock = ua_frames_clock(f);
}


void ua_stream_set_loss(struct ua_stream *rs, unsigned pct, uint32_t seed)
{
	if (!rs)
		return;
	rs->loss_pct = pct > 100 ? 100 : pct;
	rs->loss_state = seed ? seed : 0x2545f491;
}


uint64_t ua_stream_lost(const struct ua_stream *rs)
{
	return rs ? rs->lost : 0;
}


void ua_stream_set_audioh(struct ua_stream *rs, ua_stream_audio_h *ah,
			   void *arg)
{
	if (!rs)
		return;
	rs->audioh = ah;
	rs->arg = arg;
}


/* The one send buffer: RTP header + 160 bytes + SRTP tag fits easily. */
static struct mbuf *txbuf(void)
{
	static struct mbuf *mb;

	if (!mb)
		mb = mbuf_alloc(512);
	if (mb) {
		mb->pos = 0;
		mb->end = 0;
	}
	return mb;
}


void ua_stream_send(struct ua_stream *rs, uint32_t n)
{
	static const uint8_t silence[FRAME_SAMPLES] = {[0 ... 159] = 0xff};
	struct mbuf *mb;
	uint8_t *p;
	uint32_t ts;
	size_t plen;

	if (!rs || !rs->started)
		return;
	mb = txbuf();
	if (!mb)
		return;

	if (rs->frames && n % rs->every_n)
		return;                 /* DTX: nothing this frame */

	ts = rs->ts_base + n * (rs->clock / 50);
	p = mb->buf;
	p[0] = 0x80;
	p[1] = (uint8_t)((rs->txc == 0 || rs->every_n > 1 ? 0x80 : 0) |
			 rs->pt);
	wr16(p + 2, rs->seq++);
	wr32(p + 4, ts);
	wr32(p + 8, rs->ssrc);
	if (rs->frames) {
		size_t len;
		const uint8_t *f = ua_frames_get(rs->frames, n, &len);

		memcpy(p + RTP_HDR, f, len);
		mb->end = RTP_HDR + len;
	}
	else {
		memcpy(p + RTP_HDR, rs->tone ? ua_tone_frame(rs->tone, n) :
		       silence, FRAME_SAMPLES);
		mb->end = RTP_HDR + FRAME_SAMPLES;
	}
	rs->last_ts = ts;
	plen = mb->end - RTP_HDR;

	/* simulated loss: the sequence number moves on, so the receiver
	 * sees the gap (and may recover it from the next packet's FEC) */
	if (rs->loss_pct) {
		uint32_t x = rs->loss_state;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		rs->loss_state = x;
		if (x % 100 < rs->loss_pct) {
			++rs->lost;
			return;
		}
	}

	if (rs->tx && srtp_encrypt(rs->tx, mb))
		return;
	mb->pos = 0;
	if (udp_send(rs->us_rtp, &rs->dst, mb))
		return;
	++rs->txc;
	rs->txoct += plen;
}


void ua_stream_send_rtcp(struct ua_stream *rs)
{
	static const char cname[] = "confd-ua@127.0.0.1";
	const size_t clen = sizeof(cname) - 1;
	struct mbuf *mb;
	struct timeval tv;
	uint8_t *p;
	size_t sdes_len;
	uint64_t frac;

	if (!rs || !rs->started)
		return;
	mb = txbuf();
	if (!mb)
		return;
	p = mb->buf;

	/* SR, no report blocks (RFC 3550 6.4.1) */
	gettimeofday(&tv, NULL);
	frac = ((uint64_t)tv.tv_usec << 32) / 1000000;
	p[0] = 0x80;
	p[1] = 200;
	wr16(p + 2, 6);
	wr32(p + 4, rs->ssrc);
	wr32(p + 8, (uint32_t)(tv.tv_sec + 2208988800UL));
	wr32(p + 12, (uint32_t)frac);
	wr32(p + 16, rs->last_ts);
	wr32(p + 20, (uint32_t)rs->txc);
	wr32(p + 24, (uint32_t)rs->txoct);

	/* SDES with CNAME, null-terminated and padded to 32 bits (6.5) */
	sdes_len = 4 + 2 + clen + 1;
	sdes_len = (sdes_len + 3) & ~(size_t)3;
	memset(p + 28, 0, 4 + sdes_len);
	p[28] = 0x81;
	p[29] = 202;
	wr16(p + 30, (uint16_t)(sdes_len / 4));
	wr32(p + 32, rs->ssrc);
	p[36] = 1;
	p[37] = (uint8_t)clen;
	memcpy(p + 38, cname, clen);
	mb->end = 28 + 4 + sdes_len;

	if (rs->tx && srtcp_encrypt(rs->tx, mb))
		return;
	mb->pos = 0;
	(void)udp_send(rs->us_rtcp, &rs->dst_rtcp, mb);
}


void ua_stream_stats_reset(struct ua_stream *rs)
{
	if (!rs)
		return;
	memset(&rs->st, 0, sizeof(rs->st));
	rs->rx_init = false;
	rs->jitter16 = 0;
}


void ua_stream_stats(const struct ua_stream *rs, struct ua_rxstats *st)
{
	if (!rs || !st)
		return;
	*st = rs->st;
	st->jitter_us = (uint32_t)(rs->jitter16 >> 4);
}


uint64_t ua_stream_txcount(const struct ua_stream *rs)
{
	return rs ? rs->txc : 0;
}

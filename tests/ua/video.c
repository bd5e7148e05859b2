/**
 * @file video.c  One video m-line of the test UA: VP8 RTP (RFC 7741)
 * with recognisable payloads, sent and received over SDES-SRTP or
 * plain RTP, and the RTCP feedback of RFC 4585 / RFC 5104.
 *
 * Sending: 30 frames a second at --video-kbps, each frame one or more
 * packets; every packet's payload carries the marker "CUA" and the
 * UA's tag byte right after the VP8 payload descriptor (and the VP8
 * payload header on a frame's first packet), so a receiver can tell
 * whose video it got.  A key frame (P bit 0, RFC 7741 4.3) goes out
 * first and whenever a PLI or FIR asks for one; the UA prints
 * "VIDEO-PLI at_us=..." (CLOCK_MONOTONIC) at once, so that a test can
 * set it against other events.  An RTCP RR + SDES goes out at the start
 * (so that the other side learns where we are) and every second.
 *
 * Receiving: every RTP packet is checked (SRTP, version, payload type
 * of the answer) and counted by the tag in its payload; sequence
 * numbers must go up by one, timestamps must not go back, and the SSRC
 * should stay one.  The counters are printed at the end (ua_video_report).
 * Nothing here comes from confd's code (ua.h).
 */
#include <string.h>
#include <stdio.h>
#include <openssl/rand.h>
#include <re.h>
#include "tests/ua/ua.h"


enum {
	FRAME_MS = 33,
	MAX_PLD  = 1000,
};

struct ua_video {
	struct udp_sock *rtp, *rtcp;
	uint16_t port;
	struct sdp_media *m;
	bool slides;
	uint8_t tag;
	unsigned kbps;
	struct ua_sdes_crypto offered, rxkey;
	struct srtp *stx, *srx;
	struct sa dst_rtp, dst_rtcp;
	uint8_t pt;
	bool started, rejected, send;
	struct tmr tmr;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint32_t frame;
	bool want_key;
	uint64_t next_rr;

	/* received */
	uint64_t rx_pkts, rx_bad, rx_decrypt_fail, seq_jumps, ts_back;
	uint64_t rtcp_rx, rtcp_bad, pli_rx, fir_rx, nack_rx, remb_rx;
	uint64_t from[256];
	uint32_t last_ssrc;
	unsigned ssrcs, switches;
	uint16_t last_seq;
	uint32_t last_ts;
	bool have_last;
	int last_tag;
	uint64_t tx_pkts, tx_keys;
};


static void destructor(void *arg)
{
	struct ua_video *v = arg;

	tmr_cancel(&v->tmr);
	mem_deref(v->rtp);
	mem_deref(v->rtcp);
	mem_deref(v->stx);
	mem_deref(v->srx);
	ua_sdes_crypto_wipe(&v->offered);
	ua_sdes_crypto_wipe(&v->rxkey);
}


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static void rtp_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct ua_video *v = arg;
	const uint8_t *p;
	size_t n, hl, i;
	uint16_t seq;
	uint32_t ts, ssrc;
	int tag = -1;
	(void)src;

	if (!v->started)
		return;
	if (v->srx && srtp_decrypt(v->srx, mb)) {
		++v->rx_decrypt_fail;
		return;
	}

	p = mbuf_buf(mb);
	n = mbuf_get_left(mb);
	/* RFC 3550 5.1 and A.1 */
	if (n < 12 || (p[0] >> 6) != 2 || (p[1] & 0x7f) != v->pt) {
		++v->rx_bad;
		return;
	}
	hl = 12 + 4 * (size_t)(p[0] & 0x0f);
	if ((p[0] & 0x10) && n >= hl + 4)
		hl += 4 + 4 * (size_t)rd16(p + hl + 2);
	if (hl >= n) {
		++v->rx_bad;
		return;
	}

	seq = rd16(p + 2);
	ts = rd32(p + 4);
	ssrc = rd32(p + 8);

	for (i = hl; i + 4 <= n && i < hl + 4; i++) {
		if (!memcmp(p + i, "CUA", 3)) {
			tag = p[i + 3];
			break;
		}
	}

	++v->rx_pkts;
	if (tag >= 0)
		++v->from[tag];
	if (ssrc != v->last_ssrc || !v->have_last) {
		++v->ssrcs;
		v->last_ssrc = ssrc;
	}
	if (v->have_last) {
		if (seq != (uint16_t)(v->last_seq + 1))
			++v->seq_jumps;
		if ((int32_t)(ts - v->last_ts) < 0)
			++v->ts_back;
		if (tag != v->last_tag) {
			++v->switches;
			printf("VIDEO-SWITCH %s from=%d to=%d seq_step=%d "
			       "at_us=%llu\n", v->slides ? "slides" : "main",
			       v->last_tag, tag,
			       (int)(uint16_t)(seq - v->last_seq),
			       (unsigned long long)ua_now_us());
			fflush(stdout);
		}
	}
	v->have_last = true;
	v->last_seq = seq;
	v->last_ts = ts;
	v->last_tag = tag;
}


/* RFC 4585 6.1 / RFC 5104 4.3: what confd asks of us */
static void rtcp_packet(struct ua_video *v, const uint8_t *p, size_t n)
{
	const unsigned fmt = p[0] & 0x1f;

	if (p[1] == 206 && fmt == 1) {
		++v->pli_rx;
		v->want_key = true;
		printf("VIDEO-PLI %s at_us=%llu\n",
		       v->slides ? "slides" : "main",
		       (unsigned long long)ua_now_us());
		fflush(stdout);
	}
	else if (p[1] == 206 && fmt == 4 && n >= 20 &&
		 rd32(p + 12) == v->ssrc) {
		++v->fir_rx;
		v->want_key = true;
		printf("VIDEO-FIR %s at_us=%llu\n",
		       v->slides ? "slides" : "main",
		       (unsigned long long)ua_now_us());
		fflush(stdout);
	}
	else if (p[1] == 205 && fmt == 1)
		++v->nack_rx;
	else if (p[1] == 206 && fmt == 15 && n >= 16 &&
		 !memcmp(p + 12, "REMB", 4))
		++v->remb_rx;
}


static void rtcp_recv(struct ua_video *v, struct mbuf *mb)
{
	const uint8_t *p;
	size_t n, off;

	if (!v->started)
		return;
	if (v->srx && srtcp_decrypt(v->srx, mb)) {
		++v->rtcp_bad;
		return;
	}
	p = mbuf_buf(mb);
	n = mbuf_get_left(mb);

	/* RFC 3550 A.2: the whole compound first */
	for (off = 0; off < n; ) {
		size_t l;

		if (n - off < 4 || (p[off] >> 6) != 2 || p[off + 1] < 192 ||
		    p[off + 1] > 223) {
			++v->rtcp_bad;
			return;
		}
		l = 4 + 4 * (size_t)rd16(p + off + 2);
		if (l > n - off) {
			++v->rtcp_bad;
			return;
		}
		off += l;
	}
	if (!n || (p[1] != 200 && p[1] != 201 && p[1] != 205 && p[1] != 206)) {
		++v->rtcp_bad;
		return;
	}

	++v->rtcp_rx;
	for (off = 0; off < n; ) {
		const size_t l = 4 + 4 * (size_t)rd16(p + off + 2);

		if (l >= 12)
			rtcp_packet(v, p + off, l);
		off += l;
	}
}


static void rtcp_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	rtcp_recv(arg, mb);
}


static void send_rr(struct ua_video *v)
{
	struct mbuf *mb = mbuf_alloc(128);
	static const char cname[] = "confd-ua-video";
	int err;

	if (!mb)
		return;
	/* RR without report blocks, SDES CNAME (RFC 3550 6.4.2, 6.5) */
	err  = mbuf_write_u8(mb, 0x80);
	err |= mbuf_write_u8(mb, 201);
	err |= mbuf_write_u16(mb, htons(1));
	err |= mbuf_write_u32(mb, htonl(v->ssrc));
	err |= mbuf_write_u8(mb, 0x81);
	err |= mbuf_write_u8(mb, 202);
	err |= mbuf_write_u16(mb, htons((4 + 2 + sizeof(cname) - 1 + 1 + 3) / 4));
	err |= mbuf_write_u32(mb, htonl(v->ssrc));
	err |= mbuf_write_u8(mb, 1);
	err |= mbuf_write_u8(mb, sizeof(cname) - 1);
	err |= mbuf_write_mem(mb, (const uint8_t *)cname, sizeof(cname) - 1);
	do {
		err |= mbuf_write_u8(mb, 0);
	} while (!err && mb->end % 4);
	mb->pos = 0;
	if (!err && v->stx)
		err = srtcp_encrypt(v->stx, mb);
	mb->pos = 0;
	if (!err)
		(void)udp_send(v->rtcp, &v->dst_rtcp, mb);
	mem_deref(mb);
}


static void send_frame(struct ua_video *v)
{
	const size_t bytes = MAX(v->kbps * 1000 / 8 / 30, 40u);
	const bool key = v->want_key;
	size_t left = bytes;
	bool first = true;

	v->want_key = false;
	if (key)
		++v->tx_keys;

	while (left) {
		struct mbuf *mb = mbuf_alloc(MAX_PLD + 64);
		const size_t chunk = MIN(left, (size_t)MAX_PLD);
		size_t i;
		int err;

		if (!mb)
			return;
		left -= chunk;
		err  = mbuf_write_u8(mb, 0x80);
		err |= mbuf_write_u8(mb, (uint8_t)((left ? 0 : 0x80) | v->pt));
		err |= mbuf_write_u16(mb, htons(v->seq));
		err |= mbuf_write_u32(mb, htonl(v->ts));
		err |= mbuf_write_u32(mb, htonl(v->ssrc));
		/* RFC 7741 4.2: S on the first packet, partition 0 */
		err |= mbuf_write_u8(mb, first ? 0x10 : 0x00);
		if (first)
			err |= mbuf_write_u8(mb, key ? 0x00 : 0x01);
		err |= mbuf_write_mem(mb, (const uint8_t *)"CUA", 3);
		err |= mbuf_write_u8(mb, v->tag);
		err |= mbuf_write_u32(mb, htonl(v->frame));
		for (i = 0; !err && i + 10 < chunk; i++)
			err |= mbuf_write_u8(mb, (uint8_t)(i ^ v->tag));
		mb->pos = 0;
		if (!err && v->stx)
			err = srtp_encrypt(v->stx, mb);
		mb->pos = 0;
		if (!err && !udp_send(v->rtp, &v->dst_rtp, mb))
			++v->tx_pkts;
		mem_deref(mb);
		++v->seq;
		first = false;
	}

	++v->frame;
	v->ts += 3000;
}


static void tick(void *arg)
{
	struct ua_video *v = arg;
	const uint64_t now = ua_now_us() / 1000;

	tmr_start(&v->tmr, FRAME_MS, tick, v);

	if (v->send)
		send_frame(v);

	if (now >= v->next_rr) {
		send_rr(v);
		v->next_rr = now + 1000;
	}
}


int ua_video_alloc(struct ua_video **vp, const struct sa *laddr,
		   uint16_t pmin, uint16_t pmax, bool slides, uint8_t tag,
		   unsigned kbps, bool send)
{
	struct ua_video *v;
	uint8_t rnd[10];
	int tries, err = EADDRINUSE;

	if (!vp || !laddr || pmin >= pmax)
		return EINVAL;

	v = mem_zalloc(sizeof(*v), destructor);
	if (!v)
		return ENOMEM;
	tmr_init(&v->tmr);
	v->slides = slides;
	v->tag = tag;
	v->kbps = kbps;
	v->send = send;
	v->last_tag = -1;
	v->want_key = true;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		mem_deref(v);
		return EIO;
	}
	v->ssrc = rd32(rnd);
	v->seq = rd16(rnd + 4);
	v->ts = rd32(rnd + 6);

	for (tries = 0; tries < 200 && err; tries++) {
		struct sa a = *laddr;
		uint16_t port = (uint16_t)(pmin + 2 * (rand_u32() %
						       ((pmax - pmin) / 2)));

		port &= (uint16_t)~1u;
		sa_set_port(&a, port);
		v->rtp = mem_deref(v->rtp);
		v->rtcp = mem_deref(v->rtcp);
		err = udp_listen(&v->rtp, &a, rtp_h, v);
		if (err)
			continue;
		sa_set_port(&a, port + 1);
		err = udp_listen(&v->rtcp, &a, rtcp_h, v);
		if (!err)
			v->port = port;
	}

	if (err)
		mem_deref(v);
	else
		*vp = v;
	return err;
}


int ua_video_offer(struct ua_video *v, struct sdp_session *sdp,
		   enum srtp_mode mode, const struct ua_sdes_suite *suite)
{
	char line[160];
	int err;

	err = sdp_media_add(&v->m, sdp, "video", v->port,
			    mode == SRTP_MAND ? "RTP/SAVP" : "RTP/AVP");
	if (err)
		return err;
	err  = sdp_format_add(NULL, v->m, false, "100", "VP8", 90000, 1,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_media_set_lattr(v->m, false, "rtcp-fb", "100 nack");
	err |= sdp_media_set_lattr(v->m, false, "rtcp-fb", "100 nack pli");
	err |= sdp_media_set_lattr(v->m, false, "rtcp-fb", "100 ccm fir");
	err |= sdp_media_set_lattr(v->m, false, "rtcp-fb", "100 goog-remb");
	if (v->slides)
		err |= sdp_media_set_lattr(v->m, false, "content", "slides");
	if (err)
		return ENOMEM;

	if (mode == SRTP_OFF)
		return 0;

	err = ua_sdes_crypto_new(&v->offered, 1, suite);
	if (!err)
		err = ua_sdes_crypto_encode(line, sizeof(line), &v->offered);
	if (!err)
		err = sdp_media_set_lattr(v->m, false, "crypto", "%s", line);
	return err;
}


static bool crypto_h(const char *name, const char *value, void *arg)
{
	struct ua_video *v = arg;
	const char *why = "";
	(void)name;

	if (!ua_sdes_crypto_decode(&v->rxkey, value, strlen(value), &why))
		return true;
	return false;
}


/* The answer is decoded: our line's port, payload type and key. */
int ua_video_answer(struct ua_video *v, const char **why)
{
	const struct sdp_format *f;
	int err;

	if (!sdp_media_rport(v->m)) {
		v->rejected = true;
		return 0;
	}

	f = sdp_media_rformat(v->m, "VP8");
	if (!f) {
		*why = "video answer without VP8";
		return EPROTO;
	}
	v->pt = (uint8_t)f->pt;
	v->dst_rtp = *sdp_media_raddr(v->m);
	sdp_media_raddr_rtcp(v->m, &v->dst_rtcp);

	if (v->offered.suite) {
		if (!sdp_media_rattr_apply(v->m, "crypto", crypto_h, v) ||
		    v->rxkey.tag != v->offered.tag ||
		    v->rxkey.suite != v->offered.suite) {
			*why = "video answer a=crypto unusable";
			return EPROTO;
		}
		err  = ua_sdes_crypto_srtp(&v->stx, &v->offered);
		err |= ua_sdes_crypto_srtp(&v->srx, &v->rxkey);
		if (err) {
			*why = "video SRTP";
			return err ? err : EINVAL;
		}
	}

	v->started = true;
	tmr_start(&v->tmr, 0, tick, v);
	return 0;
}


void ua_video_report(const struct ua_video *v)
{
	const char *k = v->slides ? "slides" : "video";
	char key[64];
	size_t i;

#define KV(name, val) do {						\
		re_snprintf(key, sizeof(key), "%s_%s", k, name);	\
		ua_kv(key, "%llu", (unsigned long long)(val));		\
	} while (0)

	KV("answered", v->started);
	KV("rejected", v->rejected);
	KV("tx_pkts", v->tx_pkts);
	KV("tx_keyframes", v->tx_keys);
	KV("rx_pkts", v->rx_pkts);
	KV("rx_bad", v->rx_bad);
	KV("rx_decrypt_fail", v->rx_decrypt_fail);
	KV("seq_jumps", v->seq_jumps);
	KV("ts_back", v->ts_back);
	KV("ssrcs", v->ssrcs);
	KV("switches", v->switches);
	KV("rtcp_rx", v->rtcp_rx);
	KV("rtcp_bad", v->rtcp_bad);
	KV("pli_rx", v->pli_rx);
	KV("fir_rx", v->fir_rx);
	KV("nack_rx", v->nack_rx);
	KV("remb_rx", v->remb_rx);
	for (i = 0; i < 256; i++) {
		char name[16];

		if (!v->from[i])
			continue;
		re_snprintf(name, sizeof(name), "from_%zu", i);
		KV(name, v->from[i]);
	}
#undef KV
}

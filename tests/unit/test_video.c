/**
 * @file test_video.c  The video relay (media/vrelay.c, video.c,
 * videopkt.c, rtcpfb.c): RTCP feedback parsing and building, the
 * per-receiver rewriting, and the relay itself over loopback sockets:
 * only the slides source is forwarded, sequence numbers run on across
 * a change of source, the new source is asked for a key frame, bad
 * packets and PLI floods stay inside, NACKs and REMB go back to the
 * source, and the main video follows the loudest participant.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "media/video.h"
#include "media/rtpp_int.h"
#include "media/consent_int.h"
#include "media/rtcpfb_int.h"
#include "media/video_int.h"
#include "tests/unit/check.h"


static struct sa laddr;


/* ---- RTCP feedback codec ---- */

struct fbseen {
	unsigned n[16];
	struct media_fb last[16];
};


static void fb_count(const struct media_fb *fb, void *arg)
{
	struct fbseen *s = arg;

	++s->n[fb->kind];
	s->last[fb->kind] = *fb;
}


static int test_rtcpfb_roundtrip(void)
{
	struct mbuf *mb = mbuf_alloc(512);
	struct media_rtpp_sr sr;
	struct fbseen s;

	CHECK(mb != NULL);
	memset(&sr, 0, sizeof(sr));
	sr.ssrc = 0x11111111;
	CHECK_EQ(media_rtpp_rtcp_encode(mb, &sr, false, "cname"), 0);
	CHECK_EQ(media_rtcpfb_pli(mb, 0x11111111, 0x22222222), 0);
	CHECK_EQ(media_rtcpfb_fir(mb, 0x11111111, 0x33333333, 7), 0);
	CHECK_EQ(media_rtcpfb_nack(mb, 0x11111111, 0x22222222, 1000, 0x5), 0);
	CHECK_EQ(media_rtcpfb_remb(mb, 0x11111111, 1500000, 0x22222222), 0);
	CHECK_EQ(media_rtcpfb_tmmbr(mb, 0x11111111, 0x22222222, 300000, 40,
				    false), 0);

	memset(&s, 0, sizeof(s));
	CHECK_EQ(media_rtcpfb_parse(mb->buf, mb->end, fb_count, &s), 0);
	CHECK_EQ(s.n[MEDIA_FB_RR], 1);
	CHECK_EQ(s.n[MEDIA_FB_PLI], 1);
	CHECK_EQ(s.last[MEDIA_FB_PLI].media, 0x22222222);
	CHECK_EQ(s.n[MEDIA_FB_FIR], 1);
	CHECK_EQ(s.last[MEDIA_FB_FIR].ssrc, 0x33333333);
	CHECK_EQ(s.last[MEDIA_FB_FIR].seq, 7);
	CHECK_EQ(s.last[MEDIA_FB_FIR].media, 0);
	CHECK_EQ(s.n[MEDIA_FB_NACK], 1);
	CHECK_EQ(s.last[MEDIA_FB_NACK].pid, 1000);
	CHECK_EQ(s.last[MEDIA_FB_NACK].blp, 5);
	CHECK_EQ(s.n[MEDIA_FB_REMB], 1);
	/* 18-bit mantissa: exact for this value */
	CHECK_EQ(s.last[MEDIA_FB_REMB].bitrate, 1500000);
	CHECK_EQ(s.last[MEDIA_FB_REMB].ssrc, 0x22222222);
	CHECK_EQ(s.n[MEDIA_FB_TMMBR], 1);
	CHECK_EQ(s.last[MEDIA_FB_TMMBR].bitrate, 300000);
	CHECK_EQ(s.last[MEDIA_FB_TMMBR].overhead, 40);

	mem_deref(mb);
	return 0;
}


/* A compound with one bad packet is rejected whole: nothing of it is
 * acted upon. */
static int test_rtcpfb_malformed(void)
{
	uint8_t buf[64];
	struct mbuf *mb = mbuf_alloc(256);
	struct media_rtpp_sr sr;
	struct fbseen s;
	size_t n;

	CHECK(mb != NULL);
	memset(&sr, 0, sizeof(sr));
	CHECK_EQ(media_rtpp_rtcp_encode(mb, &sr, false, "c"), 0);
	CHECK_EQ(media_rtcpfb_pli(mb, 1, 2), 0);
	n = mb->end;
	CHECK(n + 8 <= sizeof(buf));
	memcpy(buf, mb->buf, n);

	/* PLI with an FCI word it must not have */
	buf[n - 12 + 3] = 3;
	memset(buf + n, 0, 4);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(media_rtcpfb_parse(buf, n + 4, fb_count, &s), EBADMSG);
	CHECK_EQ(s.n[MEDIA_FB_RR], 0);

	/* truncated */
	memcpy(buf, mb->buf, n);
	CHECK_EQ(media_rtcpfb_parse(buf, n - 1, fb_count, &s), EBADMSG);
	/* version 1 */
	buf[n - 12] = 1 << 6 | 1;
	CHECK_EQ(media_rtcpfb_parse(buf, n, fb_count, &s), EBADMSG);
	/* an empty NACK */
	memcpy(buf, mb->buf, n);
	buf[n - 12] = 2 << 6 | 1;
	buf[n - 12 + 1] = MEDIA_RTCP_RTPFB;
	CHECK_EQ(media_rtcpfb_parse(buf, n, fb_count, &s), EBADMSG);
	CHECK_EQ(media_rtcpfb_parse(NULL, 0, fb_count, &s), EBADMSG);
	CHECK_EQ(s.n[MEDIA_FB_RR] + s.n[MEDIA_FB_NACK] + s.n[MEDIA_FB_PLI], 0);

	mem_deref(mb);
	return 0;
}


/* ---- key frames and rewriting ---- */

static int test_keyframe(void)
{
	static const uint8_t vp8_key[]   = {0x10, 0x00, 0x9d};
	static const uint8_t vp8_delta[] = {0x10, 0x01, 0x9d};
	static const uint8_t vp8_cont[]  = {0x00, 0x00, 0x9d};
	/* X, I with a 15-bit PictureID, then the payload header */
	static const uint8_t vp8_ext[]   = {0x90, 0x80, 0x81, 0x23, 0x00};
	static const uint8_t h264_idr[]  = {0x65, 0x88};
	static const uint8_t h264_p[]    = {0x41, 0x9a};
	static const uint8_t h264_stap[] = {0x18, 0x00, 0x02, 0x67, 0x42,
					    0x00, 0x01, 0x68};
	static const uint8_t h264_fu[]   = {0x7c, 0x85, 0x00};
	static const uint8_t h264_fu2[]  = {0x7c, 0x05, 0x00};
	static const uint8_t h264_bad[]  = {0x18, 0x00, 0x09, 0x67};

	CHECK(media_video_keyframe(VIDEO_VP8, vp8_key, sizeof(vp8_key)));
	CHECK(!media_video_keyframe(VIDEO_VP8, vp8_delta, sizeof(vp8_delta)));
	CHECK(!media_video_keyframe(VIDEO_VP8, vp8_cont, sizeof(vp8_cont)));
	CHECK(media_video_keyframe(VIDEO_VP8, vp8_ext, sizeof(vp8_ext)));
	CHECK(!media_video_keyframe(VIDEO_VP8, vp8_ext, 3));
	CHECK(media_video_keyframe(VIDEO_H264, h264_idr, sizeof(h264_idr)));
	CHECK(!media_video_keyframe(VIDEO_H264, h264_p, sizeof(h264_p)));
	CHECK(media_video_keyframe(VIDEO_H264, h264_stap, sizeof(h264_stap)));
	CHECK(media_video_keyframe(VIDEO_H264, h264_fu, sizeof(h264_fu)));
	CHECK(!media_video_keyframe(VIDEO_H264, h264_fu2, sizeof(h264_fu2)));
	CHECK(!media_video_keyframe(VIDEO_H264, h264_bad, sizeof(h264_bad)));
	CHECK(!media_video_keyframe(VIDEO_H264, h264_idr, 0));
	return 0;
}


/* One receiver, two sources: a switch waits for a key frame, then the
 * numbers run on by one and the timestamp by the time that passed. */
static int test_rewrite(void)
{
	struct media_vrw w;
	int a, b;
	uint16_t s;
	uint32_t t;

	media_vrw_init(&w, 65534, 1000);

	CHECK_EQ(media_vrw_map(&w, &a, 1, 100, 5000, false, 0, &s, &t),
		 ENOENT);
	CHECK_EQ(media_vrw_map(&w, &a, 1, 101, 5000, true, 10, &s, &t), 0);
	CHECK_EQ(s, 65534);
	CHECK_EQ(t, 1000);
	CHECK_EQ(media_vrw_map(&w, &a, 1, 102, 8000, false, 40, &s, &t), 0);
	CHECK_EQ(s, 65535);
	CHECK_EQ(t, 4000);
	/* a reordered packet from before the first one forwarded */
	CHECK_EQ(media_vrw_map(&w, &a, 1, 99, 2000, false, 40, &s, &t),
		 ENOENT);

	/* switch to b 100 ms later: its deltas wait, its key frame goes
	 * out as the next number, 9000 ticks (100 ms) on */
	CHECK_EQ(media_vrw_map(&w, &b, 1, 7, 123, false, 140, &s, &t),
		 ENOENT);
	CHECK_EQ(media_vrw_map(&w, &b, 1, 8, 456, true, 140, &s, &t), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(t, 4000 + 9000);
	CHECK_EQ(media_vrw_map(&w, &b, 1, 9, 456 + 3000, false, 150, &s, &t),
		 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(t, 4000 + 9000 + 3000);
	CHECK(media_vrw_unmap(&w, &b, 1, &s));
	CHECK_EQ(s, 9);
	CHECK(!media_vrw_unmap(&w, &a, 1, &s));

	/* the same source with a new SSRC is a new source */
	CHECK_EQ(media_vrw_map(&w, &b, 2, 500, 0, false, 160, &s, &t),
		 ENOENT);
	/* no key frame for VIDEO_KEY_WAIT: any packet starts it */
	CHECK_EQ(media_vrw_map(&w, &b, 2, 501, 0, false,
			       160 + VIDEO_KEY_WAIT, &s, &t), 0);
	CHECK_EQ(s, 2);
	return 0;
}


/* ---- the relay over loopback ---- */

struct peer {
	struct udp_sock *rtp, *rtcp;
	struct sa rtp_a, rtcp_a;
	struct srtp *tx;               /* SRTP towards confd, or NULL */
	uint16_t seq;
	uint32_t ssrc;
	/* what arrived */
	unsigned pkts, from[4], seq_jumps, ts_back, bad_pt;
	uint32_t rx_ssrc, ssrcs;
	uint16_t last_seq;
	uint32_t last_ts;
	bool have_last;
	uint8_t want_pt;
	struct fbseen fb;
	unsigned rtcp_pkts;
};


static void peer_rtp(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	struct media_rtpp pkt;
	(void)src;

	if (media_rtpp_decode(&pkt, mbuf_buf(mb), mbuf_get_left(mb)))
		return;

	++p->pkts;
	if (pkt.pt != p->want_pt)
		++p->bad_pt;
	if (pkt.ssrc != p->rx_ssrc) {
		++p->ssrcs;
		p->rx_ssrc = pkt.ssrc;
	}
	if (p->have_last) {
		if (pkt.seq != (uint16_t)(p->last_seq + 1))
			++p->seq_jumps;
		if ((int32_t)(pkt.ts - p->last_ts) < 0)
			++p->ts_back;
	}
	p->have_last = true;
	p->last_seq = pkt.seq;
	p->last_ts = pkt.ts;
	if (pkt.pld_len >= 3 && pkt.pld[2] < 4)
		++p->from[pkt.pld[2]];
}


static void peer_rtcp(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct peer *p = arg;
	(void)src;

	++p->rtcp_pkts;
	(void)media_rtcpfb_parse(mbuf_buf(mb), mbuf_get_left(mb), fb_count,
				 &p->fb);
}


static int peer_open(struct peer *p, uint32_t ssrc, uint8_t pt)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->ssrc = ssrc;
	p->want_pt = pt;
	p->seq = (uint16_t)(ssrc * 7);

	err  = udp_listen(&p->rtp, &laddr, peer_rtp, p);
	err |= udp_listen(&p->rtcp, &laddr, peer_rtcp, p);
	if (err)
		return err ? err : EINVAL;

	udp_local_get(p->rtp, &p->rtp_a);
	udp_local_get(p->rtcp, &p->rtcp_a);
	return 0;
}


static void peer_close(struct peer *p)
{
	mem_deref(p->rtp);
	mem_deref(p->rtcp);
	mem_deref(p->tx);
}


static void send_raw(struct udp_sock *us, const struct sa *dst,
		     const uint8_t *b, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n + 32);

	if (!mb)
		return;
	(void)mbuf_write_mem(mb, b, n);
	mb->pos = 0;
	(void)udp_send(us, dst, mb);
	mem_deref(mb);
}


/* One VP8 packet: descriptor S=1 PID=0, payload header (P=0 on a key
 * frame), then the source's tag. */
static void peer_send(struct peer *p, const struct video *v, uint8_t pt,
		      bool key, uint8_t tag, size_t extra)
{
	struct mbuf *mb = mbuf_alloc(1700);
	struct sa dst = laddr;
	size_t i;

	if (!mb)
		return;
	(void)mbuf_write_u8(mb, 0x80);
	(void)mbuf_write_u8(mb, 0x80 | pt);
	(void)mbuf_write_u16(mb, htons(p->seq++));
	(void)mbuf_write_u32(mb, htonl(p->seq * 3000u));
	(void)mbuf_write_u32(mb, htonl(p->ssrc));
	(void)mbuf_write_u8(mb, 0x10);
	(void)mbuf_write_u8(mb, key ? 0x00 : 0x01);
	(void)mbuf_write_u8(mb, tag);
	for (i = 0; i < 20 + extra; i++)
		(void)mbuf_write_u8(mb, (uint8_t)i);
	mb->pos = 0;
	if (p->tx)
		(void)srtp_encrypt(p->tx, mb);
	mb->pos = 0;
	sa_set_port(&dst, video_lport(v));
	(void)udp_send(p->rtp, &dst, mb);
	mem_deref(mb);
}


/* An RTCP compound from the peer: RR + SDES, and one feedback packet */
static void peer_rtcp_send(struct peer *p, const struct video *v,
			   unsigned kind, uint32_t media, uint64_t val)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct media_rtpp_sr sr;
	struct sa dst = laddr;

	if (!mb)
		return;
	memset(&sr, 0, sizeof(sr));
	sr.ssrc = p->ssrc;
	(void)media_rtpp_rtcp_encode(mb, &sr, false, "peer");
	if (kind == VIDEO_RTCP_PLI)
		(void)media_rtcpfb_pli(mb, p->ssrc, media);
	else if (kind == VIDEO_RTCP_NACK)
		(void)media_rtcpfb_nack(mb, p->ssrc, media, (uint16_t)val, 0);
	else if (kind == VIDEO_RTCP_REMB)
		(void)media_rtcpfb_remb(mb, p->ssrc, val, media);
	mb->pos = 0;
	if (p->tx)
		(void)srtcp_encrypt(p->tx, mb);
	mb->pos = 0;
	sa_set_port(&dst, video_lport(v) + 1);
	(void)udp_send(p->rtcp, &dst, mb);
	mem_deref(mb);
}


static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static void run(uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


static int start(struct video *v, const struct peer *p, uint8_t pt,
		 unsigned fb)
{
	struct video_params prm;

	memset(&prm, 0, sizeof(prm));
	prm.rtp = p->rtp_a;
	prm.rtcp = p->rtcp_a;
	prm.codec = VIDEO_VP8;
	prm.pt = pt;
	prm.fb = fb;
	prm.send = prm.recv = true;
	return video_start(v, &prm);
}


static int pool_new(struct media_portpool **poolp)
{
	const uint16_t base = (uint16_t)(30000 + 2 * (rand_u32() % 10000));

	return media_portpool_alloc(poolp, "rtp_ports", base, base + 63);
}


enum { FB_ALL = VIDEO_FB_PLI | VIDEO_FB_NACK | VIDEO_FB_REMB };


static int test_slides(void)
{
	struct media_portpool *pool = NULL;
	struct video_relay *vr = NULL;
	struct video *va = NULL, *vb = NULL, *vc = NULL;
	struct peer a, b, c;
	struct video_stats st;
	unsigned n, pli;
	uint16_t fwd_seq;
	uint8_t junk[1600];
	int i;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(pool_new(&pool), 0);
	CHECK_EQ(video_relay_alloc(&vr, NULL), 0);
	CHECK_EQ(video_relay_set_codec(vr, VIDEO_SLIDES, VIDEO_VP8, NULL), 0);
	CHECK_EQ(peer_open(&a, 0xa, 96), 0);
	CHECK_EQ(peer_open(&b, 0xb, 96), 0);
	CHECK_EQ(peer_open(&c, 0xc, 100), 0);
	CHECK_EQ(video_alloc(&va, vr, VIDEO_SLIDES, pool, &laddr, "a", NULL),
		 0);
	CHECK_EQ(video_alloc(&vb, vr, VIDEO_SLIDES, pool, &laddr, "b", NULL),
		 0);
	CHECK_EQ(video_alloc(&vc, vr, VIDEO_SLIDES, pool, &laddr, "c", NULL),
		 0);
	CHECK_EQ(start(va, &a, 96, FB_ALL), 0);
	CHECK_EQ(start(vb, &b, 96, FB_ALL), 0);
	/* c uses another payload type for VP8: mapped on the way out */
	CHECK_EQ(start(vc, &c, 100, FB_ALL), 0);

	/* consent: each shows itself with an RR from its SDP address */
	peer_rtcp_send(&a, va, VIDEO_RTCP_REPORT, 0, 0);
	peer_rtcp_send(&b, vb, VIDEO_RTCP_REPORT, 0, 0);
	peer_rtcp_send(&c, vc, VIDEO_RTCP_REPORT, 0, 0);
	run(20);

	/* nobody holds the floor: nothing is forwarded */
	peer_send(&a, va, 96, true, 1, 0);
	peer_send(&b, vb, 96, true, 2, 0);
	run(20);
	CHECK_EQ(c.pkts + b.pkts + a.pkts, 0);

	/* a holds it: a PLI goes to a at once, a's key frame and what
	 * follows reach b and c; b's packets go nowhere */
	video_relay_set_source(vr, VIDEO_SLIDES, va);
	run(20);
	CHECK_EQ(a.fb.n[MEDIA_FB_PLI], 1);
	CHECK_EQ(a.fb.last[MEDIA_FB_PLI].media, 0xa);
	peer_send(&a, va, 96, false, 1, 0);   /* not a key frame: waits */
	for (i = 0; i < 10; i++) {
		peer_send(&a, va, 96, i == 0, 1, 0);
		peer_send(&b, vb, 96, i == 0, 2, 0);
	}
	run(30);
	CHECK_EQ(c.from[1], 10);
	CHECK_EQ(c.from[2], 0);
	CHECK_EQ(b.from[1], 10);
	CHECK_EQ(a.pkts, 0);
	CHECK_EQ(c.bad_pt, 0);
	CHECK_EQ(b.bad_pt, 0);
	CHECK_EQ(c.rx_ssrc, video_ssrc(vc));

	/* the floor goes to b: a PLI to b, c's stream goes on with the
	 * next sequence number and the same SSRC once b's key frame
	 * comes; a gets b now */
	video_relay_set_source(vr, VIDEO_SLIDES, vb);
	run(20);
	CHECK_EQ(b.fb.n[MEDIA_FB_PLI], 1);
	for (i = 0; i < 10; i++) {
		peer_send(&a, va, 96, false, 1, 0);
		peer_send(&b, vb, 96, i == 3, 2, 0);
	}
	run(30);
	CHECK_EQ(c.from[1], 10);
	CHECK_EQ(c.from[2], 7);
	CHECK_EQ(a.from[2], 7);
	CHECK_EQ(c.seq_jumps, 0);
	CHECK_EQ(c.ts_back, 0);
	CHECK_EQ(c.ssrcs, 1);
	fwd_seq = (uint16_t)(b.seq - 1);

	/* bad input from the holder never leaves: too big, not RTP, the
	 * wrong payload type, another SSRC */
	n = c.pkts;
	peer_send(&b, vb, 96, false, 2, 1500);
	memset(junk, 0x80, sizeof(junk));
	{
		struct sa dst = laddr;

		sa_set_port(&dst, video_lport(vb));
		send_raw(b.rtp, &dst, junk, 11);
		junk[0] = 0x40;
		send_raw(b.rtp, &dst, junk, 100);
	}
	peer_send(&b, vb, 97, false, 2, 0);
	b.ssrc = 0xbad;
	peer_send(&b, vb, 96, false, 2, 0);
	b.ssrc = 0xb;
	run(30);
	CHECK_EQ(c.pkts, n);
	video_stats(vb, &st);
	CHECK(st.rx_dropped >= 5);

	/* a PLI flood from c reaches b as one request (then at most one
	 * per VIDEO_KEYREQ_MIN) */
	pli = b.fb.n[MEDIA_FB_PLI];
	for (i = 0; i < 50; i++)
		peer_rtcp_send(&c, vc, VIDEO_RTCP_PLI, video_ssrc(vc), 0);
	run(50);
	CHECK(b.fb.n[MEDIA_FB_PLI] - pli <= 1);
	video_stats(vc, &st);
	CHECK_EQ(st.pli_rx, 50);

	/* c's NACK of its last packet reaches b in b's own numbers */
	run(VIDEO_KEYREQ_MIN);
	peer_rtcp_send(&c, vc, VIDEO_RTCP_NACK, video_ssrc(vc), c.last_seq);
	run(30);
	CHECK_EQ(b.fb.n[MEDIA_FB_NACK], 1);
	CHECK_EQ(b.fb.last[MEDIA_FB_NACK].pid, fwd_seq);
	CHECK_EQ(b.fb.last[MEDIA_FB_NACK].media, 0xb);

	/* floor released: nobody gets anything */
	video_relay_set_source(vr, VIDEO_SLIDES, NULL);
	n = c.pkts + a.pkts;
	peer_send(&b, vb, 96, true, 2, 0);
	run(20);
	CHECK_EQ(c.pkts + a.pkts, n);

	mem_deref(va);
	mem_deref(vb);
	mem_deref(vc);
	mem_deref(vr);
	peer_close(&a);
	peer_close(&b);
	peer_close(&c);
	mem_deref(pool);
	libre_close();
	return 0;
}


/* A receiver's REMB below the source's rate pauses it (no flood); the
 * source hears the limit. */
static int test_bandwidth(void)
{
	struct media_portpool *pool = NULL;
	struct video_relay *vr = NULL;
	struct video *va = NULL, *vc = NULL;
	struct peer a, c;
	struct video_stats st;
	unsigned n;
	int i;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(pool_new(&pool), 0);
	CHECK_EQ(video_relay_alloc(&vr, NULL), 0);
	CHECK_EQ(video_relay_set_codec(vr, VIDEO_SLIDES, VIDEO_VP8, NULL), 0);
	CHECK_EQ(peer_open(&a, 0xa, 96), 0);
	CHECK_EQ(peer_open(&c, 0xc, 96), 0);
	CHECK_EQ(video_alloc(&va, vr, VIDEO_SLIDES, pool, &laddr, "a", NULL),
		 0);
	CHECK_EQ(video_alloc(&vc, vr, VIDEO_SLIDES, pool, &laddr, "c", NULL),
		 0);
	CHECK_EQ(start(va, &a, 96, FB_ALL), 0);
	CHECK_EQ(start(vc, &c, 96, FB_ALL), 0);
	peer_rtcp_send(&a, va, VIDEO_RTCP_REPORT, 0, 0);
	peer_rtcp_send(&c, vc, VIDEO_RTCP_REPORT, 0, 0);
	run(20);
	video_relay_set_source(vr, VIDEO_SLIDES, va);

	/* about 1.2 Mbit/s for 1.3 s */
	for (i = 0; i < 26; i++) {
		int k;

		for (k = 0; k < 6; k++)
			peer_send(&a, va, 96, i == 0 && k == 0, 1, 1000);
		run(50);
	}
	CHECK(c.pkts > 100);
	video_stats(va, &st);
	CHECK(st.rx_bps > 800000);

	/* c can take 200 kbit/s: paused, a is told */
	peer_rtcp_send(&c, vc, VIDEO_RTCP_REMB, 0, 200000);
	run(30);
	n = c.pkts;
	for (i = 0; i < 24; i++) {
		int k;

		for (k = 0; k < 6; k++)
			peer_send(&a, va, 96, false, 1, 1000);
		run(50);
	}
	CHECK_EQ(c.pkts, n);
	video_stats(vc, &st);
	CHECK(st.paused);
	CHECK_EQ(st.limit_bps, 200000);
	CHECK(a.fb.n[MEDIA_FB_REMB] >= 1);
	CHECK_EQ(a.fb.last[MEDIA_FB_REMB].bitrate, 200000);

	mem_deref(va);
	mem_deref(vc);
	mem_deref(vr);
	peer_close(&a);
	peer_close(&c);
	mem_deref(pool);
	libre_close();
	return 0;
}


/* ---- main video: the active speaker ---- */

static int levels[3];


static int level_h(void *arg)
{
	return levels[(size_t)arg];
}


static int test_speaker(void)
{
	struct media_portpool *pool = NULL;
	struct video_relay *vr = NULL;
	struct video *v[3] = {NULL, NULL, NULL};
	struct peer p[3];
	size_t i;
	int t;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(pool_new(&pool), 0);
	CHECK_EQ(video_relay_alloc(&vr, level_h), 0);
	CHECK_EQ(video_relay_set_codec(vr, VIDEO_MAIN, VIDEO_VP8, NULL), 0);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(peer_open(&p[i], 0x10 + (uint32_t)i, 96), 0);
		CHECK_EQ(video_alloc(&v[i], vr, VIDEO_MAIN, pool, &laddr, "m",
				     (void *)i), 0);
		CHECK_EQ(start(v[i], &p[i], 96, VIDEO_FB_PLI), 0);
		peer_rtcp_send(&p[i], v[i], VIDEO_RTCP_REPORT, 0, 0);
	}
	levels[0] = 0;
	levels[1] = 2000;
	levels[2] = 100;

	/* 1 speaks: after a tick it is the speaker; 0 and 2 see 1, 1
	 * sees someone else, never itself */
	for (t = 0; t < 40; t++) {
		for (i = 0; i < 3; i++)
			peer_send(&p[i], v[i], 96, t % 10 == 0, (uint8_t)i, 0);
		run(20);
	}
	CHECK(video_relay_speaker(vr) == v[1]);
	CHECK(p[0].from[1] > 20);
	CHECK(p[2].from[1] > 20);
	CHECK_EQ(p[1].from[1], 0);
	CHECK(p[1].from[0] + p[1].from[2] > 0);

	/* 2 gets louder: not before 1 held the view 2 s */
	levels[2] = 5000;
	for (t = 0; t < 10; t++) {
		for (i = 0; i < 3; i++)
			peer_send(&p[i], v[i], 96, t % 10 == 0, (uint8_t)i, 0);
		run(20);
	}
	CHECK(video_relay_speaker(vr) == v[1]);
	for (t = 0; t < 100 && video_relay_speaker(vr) != v[2]; t++) {
		for (i = 0; i < 3; i++)
			peer_send(&p[i], v[i], 96, t % 5 == 0, (uint8_t)i, 0);
		run(20);
	}
	CHECK(video_relay_speaker(vr) == v[2]);
	/* 2 now sees the previous speaker, 1 */
	memset(p[2].from, 0, sizeof(p[2].from));
	memset(p[0].from, 0, sizeof(p[0].from));
	for (t = 0; t < 20; t++) {
		for (i = 0; i < 3; i++)
			peer_send(&p[i], v[i], 96, t % 5 == 0, (uint8_t)i, 0);
		run(20);
	}
	CHECK(p[2].from[1] > 5);
	CHECK_EQ(p[2].from[2], 0);
	CHECK(p[0].from[2] > 5);
	CHECK_EQ(p[0].seq_jumps, 0);

	/* pinned (moderated audio floor): the holder at once */
	video_relay_pin_speaker(vr, true, v[0]);
	CHECK(video_relay_speaker(vr) == v[0]);

	for (i = 0; i < 3; i++) {
		mem_deref(v[i]);
		peer_close(&p[i]);
	}
	mem_deref(vr);
	mem_deref(pool);
	libre_close();
	return 0;
}


int main(void)
{
	static const struct check_case cases[] = {
		CASE(test_rtcpfb_roundtrip),
		CASE(test_rtcpfb_malformed),
		CASE(test_keyframe),
		CASE(test_rewrite),
		CASE(test_slides),
		CASE(test_bandwidth),
		CASE(test_speaker),
	};

	sa_set_str(&laddr, "127.0.0.1", 0);
	return check_run("video", cases, sizeof(cases) / sizeof(cases[0]));
}

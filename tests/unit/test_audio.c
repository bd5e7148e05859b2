/**
 * @file test_audio.c  Audio streams end to end, SRTP receive, receive path
 *
 * The end-to-end case runs libre's main loop: one mixer, three streams on
 * 127.0.0.1, three raw UDP sockets playing the participants with libre's
 * own SRTP (so our receiver is checked against an independent sender),
 * each sending a constant tone; each must hear exactly the other two.
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include <rem.h>
#include "media/media.h"
#include "media/mix_int.h"
#include "media/rtpp_int.h"
#include "media/rtprx_int.h"
#include "media/srtp_int.h"
#include "check.h"


static void fill_key(uint8_t *k, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = (uint8_t)(seed * 37 + i * 11 + 1);
}


static size_t key_len(enum srtp_suite s)
{
	switch (s) {
	case SRTP_AES_CM_128_HMAC_SHA1_32:
	case SRTP_AES_CM_128_HMAC_SHA1_80: return 30;
	case SRTP_AES_256_CM_HMAC_SHA1_32:
	case SRTP_AES_256_CM_HMAC_SHA1_80: return 46;
	case SRTP_AES_128_GCM:             return 28;
	case SRTP_AES_256_GCM:             return 44;
	}
	return 0;
}


static bool is_gcm(enum srtp_suite s)
{
	return s == SRTP_AES_128_GCM || s == SRTP_AES_256_GCM;
}


static size_t tag_len(enum srtp_suite s)
{
	switch (s) {
	case SRTP_AES_CM_128_HMAC_SHA1_32:
	case SRTP_AES_256_CM_HMAC_SHA1_32: return 4;
	case SRTP_AES_CM_128_HMAC_SHA1_80:
	case SRTP_AES_256_CM_HMAC_SHA1_80: return 10;
	default:                           return 16;
	}
}


/* RFC 3711 3.1 / RFC 7714 8.2: where an MKI goes */
static int add_mki(struct mbuf *mb, enum srtp_suite s, uint8_t mki_len)
{
	size_t len = mb->end - mb->pos, at;
	uint8_t *p;

	if (!mki_len)
		return 0;

	if (mbuf_resize(mb, mb->end + mki_len))
		return ENOMEM;
	p = mb->buf + mb->pos;
	at = is_gcm(s) ? len : len - tag_len(s);
	memmove(p + at + mki_len, p + at, len - at);
	memset(p + at, 0xa5, mki_len);
	mb->end += mki_len;

	return 0;
}


static int rtp_packet(struct mbuf *mb, uint32_t ssrc, uint16_t seq,
		      uint32_t ts, uint8_t pt, const uint8_t *pld, size_t n)
{
	int err;

	mbuf_rewind(mb);
	err  = mbuf_write_u8(mb, 0x80);
	err |= mbuf_write_u8(mb, pt);
	err |= mbuf_write_u16(mb, htons(seq));
	err |= mbuf_write_u32(mb, htonl(ts));
	err |= mbuf_write_u32(mb, htonl(ssrc));
	err |= mbuf_write_mem(mb, pld, n);
	mb->pos = 0;
	return err;
}


/* libre encrypts, srtprx decrypts: every suite, with and without MKI,
 * across a sequence wrap; tampering and replays are refused. */
static int test_srtprx_interop(void)
{
	static const enum srtp_suite suites[] = {
		SRTP_AES_CM_128_HMAC_SHA1_32, SRTP_AES_CM_128_HMAC_SHA1_80,
		SRTP_AES_256_CM_HMAC_SHA1_32, SRTP_AES_256_CM_HMAC_SHA1_80,
		SRTP_AES_128_GCM, SRTP_AES_256_GCM,
	};
	struct mbuf *mb = mbuf_alloc(512);
	uint8_t key[46], pld[160], saved[512];
	size_t i, k;
	int err = 0;

	CHECK(mb != NULL);
	for (i = 0; i < sizeof(pld); i++)
		pld[i] = (uint8_t)i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
	for (k = 0; k < 2; k++) {
		const enum srtp_suite s = suites[i];
		const uint8_t mki = (uint8_t)(k * 3);
		struct srtp *tx = NULL;
		struct media_srtprx *rx = NULL;
		uint16_t seq = 65530;
		size_t len, slen = 0;
		int n;

		fill_key(key, key_len(s), (uint8_t)i);
		CHECK_EQ(srtp_alloc(&tx, s, key, key_len(s), 0), 0);
		CHECK_EQ(media_srtprx_alloc(&rx, s, key, key_len(s), mki), 0);

		for (n = 0; n < 20; n++, seq++) {
			CHECK_EQ(rtp_packet(mb, 0x1234, seq, n * 160u, 0,
					    pld, sizeof(pld)), 0);
			CHECK_EQ(srtp_encrypt(tx, mb), 0);
			CHECK_EQ(add_mki(mb, s, mki), 0);
			len = mb->end;
			if (n == 3) {
				memcpy(saved, mb->buf, len);
				slen = len;
			}

			if (n == 5) {
				/* flip one payload bit: refused, and the
				 * stream is not disturbed (a copy: GCM
				 * decrypts in place before it verifies) */
				uint8_t bad[512];

				memcpy(bad, mb->buf, len);
				bad[20] ^= 1;
				CHECK_EQ(media_srtprx_rtp(rx, bad, &len),
					 EAUTH);
				len = mb->end;
			}

			err = media_srtprx_rtp(rx, mb->buf, &len);
			if (err) {
				fprintf(stderr, "suite %s mki %u seq %u: %s\n",
					srtp_suite_name(s), mki, seq,
					strerror(err));
				goto out;
			}
			CHECK_EQ(len, 12 + sizeof(pld));
			CHECK_MEM(mb->buf + 12, pld, sizeof(pld));
		}

		/* replay of an old packet */
		CHECK_EQ(media_srtprx_rtp(rx, saved, &slen), EALREADY);

		/* SRTCP: an RR from the same sender */
		mbuf_rewind(mb);
		{
			struct media_rtpp_sr sr;

			memset(&sr, 0, sizeof(sr));
			sr.ssrc = 0x1234;
			CHECK_EQ(media_rtpp_rtcp_encode(mb, &sr, true,
							"x@y"), 0);
		}
		mb->pos = 0;
		slen = mb->end;
		memcpy(saved, mb->buf, slen);
		CHECK_EQ(srtcp_encrypt(tx, mb), 0);
		if (mki) {
			/* before the tag (CM) or at the end (GCM) */
			size_t t = is_gcm(s) ? 0 : tag_len(s);
			size_t l = mb->end, at = l - t;

			CHECK_EQ(mbuf_resize(mb, l + mki), 0);
			memmove(mb->buf + at + mki, mb->buf + at, t);
			memset(mb->buf + at, 0x5a, mki);
			mb->end += mki;
		}
		len = mb->end;
		CHECK_EQ(media_srtprx_rtcp(rx, mb->buf, &len), 0);
		CHECK_EQ(len, slen);
		CHECK_MEM(mb->buf, saved, slen);

		mem_deref(tx);
		mem_deref(rx);
	}
	}

 out:
	mem_deref(mb);
	return err;
}


/* Forged packets do not move the rollover counter or the window. */
static int test_srtprx_forgery(void)
{
	const enum srtp_suite s = SRTP_AES_CM_128_HMAC_SHA1_80;
	struct mbuf *mb = mbuf_alloc(512);
	struct srtp *tx = NULL;
	struct media_srtprx *rx = NULL;
	uint8_t key[30], pld[20] = {0}, junk[200];
	size_t len, i;
	uint16_t seq = 1000;

	fill_key(key, sizeof(key), 9);
	CHECK_EQ(srtp_alloc(&tx, s, key, sizeof(key), 0), 0);
	CHECK_EQ(media_srtprx_alloc(&rx, s, key, sizeof(key), 0), 0);

	for (i = 0; i < 300; i++) {
		/* same SSRC, far sequence numbers, random bodies */
		memset(junk, (int)i, sizeof(junk));
		junk[0] = 0x80;
		junk[2] = (uint8_t)(i * 77);
		junk[3] = (uint8_t)i;
		junk[8] = 0; junk[9] = 0; junk[10] = 0x12; junk[11] = 0x34;
		len = 20 + i % 150;
		CHECK(media_srtprx_rtp(rx, junk, &len) != 0);

		if (i % 10)
			continue;
		CHECK_EQ(rtp_packet(mb, 0x1234, seq++, 0, 0, pld,
				    sizeof(pld)), 0);
		CHECK_EQ(srtp_encrypt(tx, mb), 0);
		len = mb->end;
		CHECK_EQ(media_srtprx_rtp(rx, mb->buf, &len), 0);
	}

	/* truncated and empty */
	len = 0;
	CHECK(media_srtprx_rtp(rx, junk, &len) != 0);
	len = 7;
	CHECK(media_srtprx_rtcp(rx, junk, &len) != 0);

	mem_deref(tx);
	mem_deref(rx);
	mem_deref(mb);
	return 0;
}


/* telephone-event is counted per event, never mixed */
static int test_telev(void)
{
	struct media_rtprx *rx = NULL;
	struct media_rtprx_stats st;
	uint8_t pkt[12 + 160], ev[4];
	int16_t f[AUDIO_FRAME];
	struct mbuf *mb = mbuf_alloc(256);
	uint16_t seq = 1;
	uint32_t ts = 0;
	int i;

	CHECK(mb != NULL);
	CHECK_EQ(media_rtprx_alloc(&rx), 0);
	media_rtprx_set(rx, 0, AUDIO_PCMU, 101);

	memset(pkt, 0, sizeof(pkt));
	for (i = 0; i < 4; i++, ts += 160) {
		uint8_t pld[160];

		memset(pld, 0x80, sizeof(pld));   /* loud ulaw */
		CHECK_EQ(rtp_packet(mb, 5, seq++, ts, 0, pld, 160), 0);
		CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), 0);
	}
	CHECK(media_rtprx_pull(rx, f));

	/* key press: 5 packets, then the end sent 3 times */
	for (i = 0; i < 8; i++) {
		ev[0] = 5;
		ev[1] = i >= 5 ? 0x80 | 10 : 10;
		ev[2] = 0;
		ev[3] = (uint8_t)(i * 160);
		CHECK_EQ(rtp_packet(mb, 5, seq++, 640, 101, ev, 4), 0);
		CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), 0);
		if (i == 2)
			CHECK(!media_rtprx_pull(rx, f));   /* muted meanwhile */
	}

	/* a second event, whose end packets are all lost */
	ev[1] = 10;
	CHECK_EQ(rtp_packet(mb, 5, seq++, 2000, 101, ev, 4), 0);
	CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), 0);
	for (i = 0; i < RTPRX_TELEV_IDLE + 2; i++)
		(void)media_rtprx_pull(rx, f);

	/* too short: dropped */
	CHECK_EQ(rtp_packet(mb, 5, seq++, 3000, 101, ev, 3), 0);
	CHECK(media_rtprx_input(rx, mb->buf, mb->end) != 0);

	media_rtprx_stats(rx, &st);
	CHECK_EQ(st.telev_events, 2);
	CHECK_EQ(st.accepted, 4);

	/* another SSRC is refused while the first is active... */
	CHECK_EQ(rtp_packet(mb, 5, seq++, 4000, 0, (uint8_t *)f, 160), 0);
	CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), 0);
	CHECK_EQ(rtp_packet(mb, 6, 1, 4000, 0, (uint8_t *)f, 160), 0);
	CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), EPERM);
	/* ...and taken once it has been quiet */
	for (i = 0; i < RTPRX_SSRC_IDLE; i++)
		(void)media_rtprx_pull(rx, f);
	CHECK_EQ(media_rtprx_input(rx, mb->buf, mb->end), 0);

	/* RTCP: valid compound, garbage, BYE */
	{
		static const uint8_t bye[] = {0x81, 203, 0, 1, 0, 0, 0, 6};
		static const uint8_t bad[] = {0x81, 203, 0, 9, 0, 0, 0, 6};

		CHECK_EQ(media_rtprx_rtcp(rx, bye, sizeof(bye)), 0);
		CHECK(media_rtprx_rtcp(rx, bad, sizeof(bad)) != 0);
		media_rtprx_stats(rx, &st);
		CHECK_EQ(st.bye, 1);
	}

	mem_deref(rx);
	mem_deref(mb);
	return 0;
}


/* --- end to end ------------------------------------------------------ */

enum { NPART = 3 };

struct part {
	struct udp_sock *us;
	struct srtp *tx, *rx;          /* participant's view */
	struct audio *a;
	enum srtp_suite suite;
	uint8_t mki;
	enum audio_codec codec;
	int16_t tone;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	unsigned rx_pkts, good, bad;
	int16_t expect;
	bool garbage;
};

struct e2e {
	struct part p[NPART];
	struct tmr tmr, tmr_end;
	struct mbuf *mb;
	unsigned ticks;
	uint32_t rnd;
};


static void part_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct part *p = arg;
	struct rtp_header hdr;
	size_t i, n;
	bool ok = true;

	(void)src;

	if (mbuf_get_left(mb) >= 2 && mb->buf[mb->pos + 1] >= 192 &&
	    mb->buf[mb->pos + 1] <= 223)
		return;   /* our RTCP, multiplexed */

	if (srtp_decrypt(p->rx, mb) || rtp_hdr_decode(&hdr, mb)) {
		++p->bad;
		return;
	}

	++p->rx_pkts;
	n = mbuf_get_left(mb);
	if (n != AUDIO_FRAME || hdr.pt != (uint8_t)p->codec) {
		++p->bad;
		return;
	}

	for (i = 0; i < n; i++) {
		int16_t s;

		media_mix_decode(&s, mbuf_buf(mb) + i, 1, p->codec);
		if (s != p->expect)
			ok = false;
	}
	if (ok)
		++p->good;
}


static void send_garbage(struct e2e *t, struct part *p)
{
	struct sa dst;
	uint8_t buf[200];
	size_t i, len;
	int k;

	for (k = 0; k < 5; k++) {
		t->rnd = t->rnd * 1103515245 + 12345;
		len = 1 + t->rnd % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)((t->rnd >> (i % 24)) ^ i);
		if (k == 1 && len >= 12) {
			/* a forgery with the real SSRC, far sequence */
			buf[0] = 0x80;
			buf[1] = (uint8_t)p->codec;
			buf[2] = (uint8_t)((p->seq + 40000) >> 8);
			buf[8] = p->ssrc >> 24; buf[9] = p->ssrc >> 16;
			buf[10] = p->ssrc >> 8; buf[11] = p->ssrc;
		}
		if (k == 2 && len >= 2)
			buf[1] = 200;                  /* mux RTCP path */

		mbuf_rewind(t->mb);
		(void)mbuf_write_mem(t->mb, buf, len);
		t->mb->pos = 0;

		sa_set_str(&dst, "127.0.0.1",
			   audio_lport(p->a) + (k == 3 ? 1 : 0));
		(void)udp_send(p->us, &dst, t->mb);
	}
}


static void tick(void *arg)
{
	struct e2e *t = arg;
	size_t i;

	tmr_start(&t->tmr, AUDIO_PTIME, tick, t);
	++t->ticks;

	for (i = 0; i < NPART; i++) {
		struct part *p = &t->p[i];
		uint8_t pld[AUDIO_FRAME];
		int16_t pcm[AUDIO_FRAME];
		struct sa dst;
		size_t k;

		for (k = 0; k < AUDIO_FRAME; k++)
			pcm[k] = p->tone;
		media_mix_encode(pld, pcm, AUDIO_FRAME, p->codec);

		if (rtp_packet(t->mb, p->ssrc, p->seq++, p->ts, p->codec,
			       pld, sizeof(pld)))
			continue;
		p->ts += AUDIO_FRAME;

		if (srtp_encrypt(p->tx, t->mb) ||
		    add_mki(t->mb, p->suite, p->mki))
			continue;

		sa_set_str(&dst, "127.0.0.1", audio_lport(p->a));
		(void)udp_send(p->us, &dst, t->mb);

		if (p->garbage)
			send_garbage(t, p);
	}
}


static void stop(void *arg)
{
	(void)arg;
	re_cancel();
}


static int test_e2e(void)
{
	static const enum srtp_suite suites[NPART] = {
		SRTP_AES_CM_128_HMAC_SHA1_80, SRTP_AES_CM_128_HMAC_SHA1_32,
		SRTP_AES_128_GCM,
	};
	static const int16_t tones[NPART] = {1000, 2000, -4000};
	static const uint8_t mkis[NPART] = {0, 2, 1};
	static const enum audio_codec codecs[NPART] = {
		AUDIO_PCMU, AUDIO_PCMU, AUDIO_PCMA
	};
	struct mixer *mx = NULL;
	struct media_portpool *pool = NULL;
	struct mixer_stats ms;
	struct e2e t;
	struct sa local;
	size_t i, j;
	int err = 0;

	memset(&t, 0, sizeof(t));
	t.rnd = 42;

	err = libre_init();
	CHECK_EQ(err, 0);

	t.mb = mbuf_alloc(512);
	CHECK(t.mb != NULL);
	CHECK_EQ(mixer_alloc(&mx), 0);
	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", 20000, 29999), 0);
	sa_set_str(&local, "127.0.0.1", 0);

	for (i = 0; i < NPART; i++) {
		struct part *p = &t.p[i];
		struct audio_params prm;
		uint8_t up[46], down[46];
		struct sa pa;

		p->suite = suites[i];
		p->mki = mkis[i];
		p->codec = codecs[i];
		p->tone = tones[i];
		p->ssrc = 0x10000 * (uint32_t)(i + 1) + 7;
		p->seq = (uint16_t)(65500 + i * 10);  /* wraps during test */
		p->ts = 1000 * (uint32_t)i;
		p->garbage = i == 0;

		fill_key(up, key_len(p->suite), (uint8_t)(10 + i));
		fill_key(down, key_len(p->suite), (uint8_t)(20 + i));

		CHECK_EQ(udp_listen(&p->us, &local, part_recv, p), 0);
		CHECK_EQ(udp_local_get(p->us, &pa), 0);
		CHECK_EQ(srtp_alloc(&p->tx, p->suite, up,
				    key_len(p->suite), 0), 0);
		CHECK_EQ(srtp_alloc(&p->rx, p->suite, down,
				    key_len(p->suite), 0), 0);

		CHECK_EQ(audio_alloc(&p->a, mx, pool, &local,
				     "test@confd"), 0);
		CHECK_EQ(audio_lport(p->a) % 2, 0);

		memset(&prm, 0, sizeof(prm));
		prm.rtp = pa;
		prm.rtcp = pa;                     /* rtcp-mux */
		prm.codec = p->codec;
		prm.pt = (uint8_t)p->codec;
		prm.telev_pt = 101;
		prm.send = prm.recv = true;
		prm.suite = p->suite;
		prm.tx_key = down;
		prm.tx_key_len = key_len(p->suite);
		prm.rx_key = up;
		prm.rx_key_len = key_len(p->suite);
		prm.rx_mki_len = p->mki;
		CHECK_EQ(audio_start(p->a, &prm), 0);
		/* a re-INVITE with the same keys keeps the contexts */
		CHECK_EQ(audio_start(p->a, &prm), 0);
	}

	/* what each should hear: the others, as the server decodes them,
	 * re-encoded in the listener's codec */
	for (i = 0; i < NPART; i++) {
		int32_t sum = 0;
		int16_t s;
		uint8_t e;

		for (j = 0; j < NPART; j++) {
			if (j == i)
				continue;
			media_mix_encode(&e, &t.p[j].tone, 1, t.p[j].codec);
			media_mix_decode(&s, &e, 1, t.p[j].codec);
			sum += s;
		}
		s = media_mix_sat16(sum);
		media_mix_encode(&e, &s, 1, t.p[i].codec);
		media_mix_decode(&t.p[i].expect, &e, 1, t.p[i].codec);
	}

	tmr_init(&t.tmr);
	tmr_init(&t.tmr_end);
	tmr_start(&t.tmr, 0, tick, &t);
	tmr_start(&t.tmr_end, 1500, stop, NULL);

	err = re_main(NULL);

	tmr_cancel(&t.tmr);
	tmr_cancel(&t.tmr_end);

	mixer_stats(mx, &ms);
	printf("# mixer: %llu ticks, %llu late, max %llu us\n",
	       (unsigned long long)ms.ticks,
	       (unsigned long long)ms.late_ticks,
	       (unsigned long long)ms.max_tick_us);

	for (i = 0; i < NPART && !err; i++) {
		struct part *p = &t.p[i];
		struct audio_stats st;

		audio_stats(p->a, &st);
		printf("# p%zu: heard %u (%u exact, %u bad), expect %d;"
		       " stream rx %llu drop %llu tx %llu\n",
		       i, p->rx_pkts, p->good, p->bad, p->expect,
		       (unsigned long long)st.rx_packets,
		       (unsigned long long)st.rx_dropped,
		       (unsigned long long)st.tx_packets);

		if (p->good < 40 || p->bad)
			err = EINVAL;
		if (st.rx_packets < 50)
			err = EINVAL;
		if (p->garbage && st.rx_dropped < 100)
			err = EINVAL;
		if (!p->garbage && st.rx_dropped)
			err = EINVAL;
	}

	if (ms.ticks < 50)
		err = EINVAL;

	/* free the mixer first: streams must survive it */
	mx = mem_deref(mx);
	for (i = 0; i < NPART; i++) {
		struct part *p = &t.p[i];

		mem_deref(p->a);
		mem_deref(p->us);
		mem_deref(p->tx);
		mem_deref(p->rx);
	}
	mem_deref(t.mb);
	mem_deref(pool);

	libre_close();
	return err;
}


/* freeing in the other order, and a stream without a mixer */
static int test_lifecycle(void)
{
	struct mixer *mx = NULL;
	struct audio *a = NULL, *b = NULL, *c = NULL;
	struct media_portpool *pool = NULL;
	struct sa local;

	CHECK_EQ(libre_init(), 0);
	sa_set_str(&local, "127.0.0.1", 0);

	CHECK_EQ(media_portpool_alloc(&pool, "rtp_ports", 20000, 29999), 0);
	CHECK_EQ(mixer_alloc(&mx), 0);
	CHECK_EQ(audio_alloc(&a, mx, pool, &local, NULL), 0);
	CHECK_EQ(audio_alloc(&b, mx, pool, &local, NULL), 0);
	CHECK_EQ(audio_alloc(&c, NULL, pool, &local, NULL), 0);
	CHECK(audio_lport(a) != audio_lport(b));
	CHECK_EQ(media_portpool_used(pool), 6);
	CHECK_EQ(audio_alloc(&c, NULL, NULL, &local, NULL), EINVAL);

	/* a pool with room for exactly one pair: freed, it is free again */
	{
		struct media_portpool *one = NULL;
		struct audio *d = NULL, *e = NULL;
		uint16_t p = audio_lport(c);

		mem_deref(c);
		c = NULL;
		CHECK_EQ(media_portpool_used(pool), 4);
		CHECK_EQ(media_portpool_alloc(&one, "one", p, p + 1), 0);
		CHECK_EQ(audio_alloc(&d, NULL, one, &local, NULL), 0);
		CHECK_EQ(audio_lport(d), p);
		CHECK_EQ(audio_alloc(&e, NULL, one, &local, NULL), ENOSPC);
		mem_deref(d);
		CHECK_EQ(audio_alloc(&e, NULL, one, &local, NULL), 0);
		CHECK_EQ(audio_lport(e), p);
		/* the pool goes first: the stream keeps it alive */
		mem_deref(one);
		mem_deref(e);
	}

	mem_deref(a);
	mem_deref(mx);
	mem_deref(pool);
	mem_deref(b);

	libre_close();
	return 0;
}


TEST_MAIN("audio",
	  CASE(test_srtprx_interop),
	  CASE(test_srtprx_forgery),
	  CASE(test_telev),
	  CASE(test_e2e),
	  CASE(test_lifecycle))

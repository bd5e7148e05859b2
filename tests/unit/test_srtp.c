/**
 * @file test_srtp.c  The SRTP/SRTCP replay window (media/replay.c) alone,
 * and SRTCP replays through the receiver (media/srtcp.c) with packets
 * from libre's independent sender.  SRTP packets themselves are covered
 * by test_audio (interop over every suite, forgeries).
 */
#include <string.h>
#include <re.h>
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "check.h"


/* RFC 3711 3.3.2: accept each index once, refuse what fell behind the
 * window, let a jump forward slide it. */
static int test_replay_window(void)
{
	struct media_replay r;
	uint64_t i;

	memset(&r, 0, sizeof(r));

	/* anything goes first, even index 0 */
	CHECK(media_replay_check(&r, 0));
	media_replay_update(&r, 1000);
	CHECK(!media_replay_check(&r, 1000));

	/* in order, then each once */
	for (i = 1001; i < 1100; i++) {
		CHECK(media_replay_check(&r, i));
		media_replay_update(&r, i);
		CHECK(!media_replay_check(&r, i));
	}

	/* top is 1099: 1099 - 63 is the oldest in the window */
	CHECK(!media_replay_check(&r, 1099 - 63));
	CHECK(!media_replay_check(&r, 1099 - 64));
	CHECK(!media_replay_check(&r, 5));

	/* a gap: the skipped indices arrive late, each once */
	media_replay_update(&r, 1110);
	for (i = 1100; i < 1110; i++) {
		CHECK(media_replay_check(&r, i));
		media_replay_update(&r, i);
		CHECK(!media_replay_check(&r, i));
	}
	/* 1110 - 63 = 1047 still in the window, already seen */
	CHECK(!media_replay_check(&r, 1047));
	/* 1110 - 64 = 1046 fell out */
	CHECK(!media_replay_check(&r, 1046));

	/* a jump wider than the window restarts it: only the new top */
	media_replay_update(&r, 5000);
	CHECK(!media_replay_check(&r, 5000));
	CHECK(media_replay_check(&r, 4999));
	CHECK(media_replay_check(&r, 5000 - 63));
	CHECK(!media_replay_check(&r, 5000 - 64));
	CHECK(media_replay_check(&r, 5001));

	/* 48-bit SRTP indices (ROC << 16 | SEQ) work the same */
	memset(&r, 0, sizeof(r));
	media_replay_update(&r, (uint64_t)0xffffff << 16 | 0xfffe);
	CHECK(media_replay_check(&r, (uint64_t)0x1000000 << 16 | 1));
	CHECK(!media_replay_check(&r, (uint64_t)0xffffff << 16 | 0xfffe));
	CHECK(media_replay_check(&r, (uint64_t)0xffffff << 16 | 0xfffd));

	return 0;
}


static int rtcp_packet(struct mbuf *mb, uint32_t ssrc)
{
	struct media_rtpp_sr sr;

	memset(&sr, 0, sizeof(sr));
	sr.ssrc = ssrc;
	mbuf_rewind(mb);
	if (media_rtpp_rtcp_encode(mb, &sr, true, "t@example.org"))
		return ENOMEM;
	mb->pos = 0;
	return 0;
}


/* SRTCP packets from libre: each accepted once, a replay refused
 * (EALREADY) without disturbing what follows, late ones inside the
 * window still accepted, a forged one refused (EAUTH); two SSRCs on one
 * key keep their own windows. */
static int test_srtcp_replay(void)
{
	static const enum srtp_suite suites[] = {
		SRTP_AES_CM_128_HMAC_SHA1_80, SRTP_AES_128_GCM,
	};
	uint8_t key[30], saved[8][256];
	size_t saved_len[8];
	size_t i, j, len;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);

	for (j = 0; j < sizeof(suites) / sizeof(suites[0]); j++) {
		const enum srtp_suite s = suites[j];
		const size_t klen = s == SRTP_AES_128_GCM ? 28 : 30;
		struct mbuf *mb = mbuf_alloc(256);
		struct srtp *tx = NULL, *tx2 = NULL;
		struct media_srtprx *rx = NULL;
		uint8_t buf[256];

		CHECK(mb != NULL);
		CHECK_EQ(srtp_alloc(&tx, s, key, klen, 0), 0);
		CHECK_EQ(srtp_alloc(&tx2, s, key, klen, 0), 0);
		CHECK_EQ(media_srtprx_alloc(&rx, s, key, klen, 0), 0);

		/* eight packets (SRTCP index 0..7), kept, not delivered */
		for (i = 0; i < 8; i++) {
			CHECK_EQ(rtcp_packet(mb, 0xabcd), 0);
			CHECK_EQ(srtcp_encrypt(tx, mb), 0);
			CHECK(mb->end <= sizeof(saved[i]));
			memcpy(saved[i], mb->buf, mb->end);
			saved_len[i] = mb->end;
		}

		/* deliver 0, 1, 5, then 2 (late, inside the window) */
		for (i = 0; i < 4; i++) {
			static const size_t order[] = {0, 1, 5, 2};
			const size_t k = order[i];

			memcpy(buf, saved[k], saved_len[k]);
			len = saved_len[k];
			CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), 0);
		}

		/* replays of 5 and 0 */
		memcpy(buf, saved[5], saved_len[5]);
		len = saved_len[5];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), EALREADY);
		memcpy(buf, saved[0], saved_len[0]);
		len = saved_len[0];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), EALREADY);

		/* a forged 6 is refused and does not use up index 6 */
		memcpy(buf, saved[6], saved_len[6]);
		buf[10] ^= 0x40;
		len = saved_len[6];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), EAUTH);
		memcpy(buf, saved[6], saved_len[6]);
		len = saved_len[6];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), 0);

		/* another SSRC under the same key starts at index 0 too:
		 * its own window, so not a replay */
		CHECK_EQ(rtcp_packet(mb, 0x5555), 0);
		CHECK_EQ(srtcp_encrypt(tx2, mb), 0);
		len = mb->end;
		CHECK_EQ(media_srtprx_rtcp(rx, mb->buf, &len), 0);

		/* and the first SSRC carries on */
		memcpy(buf, saved[7], saved_len[7]);
		len = saved_len[7];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), 0);
		memcpy(buf, saved[7], saved_len[7]);
		len = saved_len[7];
		CHECK_EQ(media_srtprx_rtcp(rx, buf, &len), EALREADY);

		mem_deref(rx);
		mem_deref(tx2);
		mem_deref(tx);
		mem_deref(mb);
	}

	return 0;
}


TEST_MAIN("srtp",
	  CASE(test_replay_window),
	  CASE(test_srtcp_replay))

/**
 * @file test_bfcp_frame.c  BFCP stream framer and strict message check.
 *
 * Test messages are written out byte by byte from RFC 8855 5.1/5.2
 * figures, not produced by floor/'s writer.
 */
#include <string.h>
#include <re.h>
#include "floor/frame_int.h"
#include "floor/msg_int.h"
#include "tests/unit/check.h"


/* Hello, conf 0x01020304, tid 5, user 6 (12 bytes) */
static const uint8_t hello[] = {
	0x20, 11, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x05, 0x00, 0x06,
};

/* FloorRequest with FLOOR-ID 1 (M bit) and PARTICIPANT-PROVIDED-INFO
 * "hi" padded to 4: payload 8 bytes = 2 words */
static const uint8_t freq[] = {
	0x20, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x09, 0x00, 0x02,
	(2 << 1) | 1, 4, 0x00, 0x01,
	(8 << 1) | 1, 4, 'h', 'i',
};


static int test_whole_and_multi(void)
{
	struct floor_frame *fr = NULL;
	uint8_t buf[64];
	const uint8_t *m;
	size_t n, len = 0;

	memcpy(buf, hello, sizeof(hello)); n = sizeof(hello);
	memcpy(buf + n, freq, sizeof(freq)); n += sizeof(freq);
	memcpy(buf + n, hello, sizeof(hello)); n += sizeof(hello);

	CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
	CHECK_EQ(floor_frame_next(fr, &m, &len), ENODATA);
	CHECK_EQ(floor_frame_push(fr, buf, n), 0);

	CHECK_EQ(floor_frame_next(fr, &m, &len), 0);
	CHECK_EQ(len, sizeof(hello));
	CHECK_MEM(m, hello, len);
	CHECK_EQ(floor_frame_next(fr, &m, &len), 0);
	CHECK_EQ(len, sizeof(freq));
	CHECK_MEM(m, freq, len);
	CHECK_EQ(floor_frame_next(fr, &m, &len), 0);
	CHECK_EQ(len, sizeof(hello));
	CHECK_EQ(floor_frame_next(fr, &m, &len), ENODATA);
	CHECK_EQ(floor_frame_pending(fr), 0);

	mem_deref(fr);
	return 0;
}


/* Two messages split at every byte boundary, including inside the
 * 12-byte header, then one byte at a time. */
static int test_split_everywhere(void)
{
	uint8_t buf[64];
	size_t n, cut;

	memcpy(buf, freq, sizeof(freq)); n = sizeof(freq);
	memcpy(buf + n, hello, sizeof(hello)); n += sizeof(hello);

	for (cut = 0; cut <= n; cut++) {
		struct floor_frame *fr = NULL;
		const uint8_t *m;
		size_t len = 0, got = 0;
		int err;

		CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
		CHECK_EQ(floor_frame_push(fr, buf, cut), 0);
		while ((err = floor_frame_next(fr, &m, &len)) == 0)
			++got;
		CHECK_EQ(err, ENODATA);
		CHECK_EQ(got, cut >= n ? 2 : cut >= sizeof(freq) ? 1 : 0);

		CHECK_EQ(floor_frame_push(fr, buf + cut, n - cut), 0);
		while ((err = floor_frame_next(fr, &m, &len)) == 0) {
			++got;
			CHECK_MEM(m, got == 1 ? freq : hello, len);
		}
		CHECK_EQ(err, ENODATA);
		CHECK_EQ(got, 2);
		mem_deref(fr);
	}

	{
		struct floor_frame *fr = NULL;
		const uint8_t *m;
		size_t len = 0, got = 0, i;

		CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
		for (i = 0; i < n; i++) {
			CHECK_EQ(floor_frame_push(fr, buf + i, 1), 0);
			while (floor_frame_next(fr, &m, &len) == 0)
				++got;
		}
		CHECK_EQ(got, 2);
		mem_deref(fr);
	}

	return 0;
}


static int test_oversize(void)
{
	struct floor_frame *fr = NULL;
	/* payload length 0x4000 words = 64 KiB + header > 64 KiB cap */
	uint8_t big[12] = {0x20, 1, 0x40, 0x00, 0, 0, 0, 7, 0, 1, 0, 2};
	const uint8_t *m;
	size_t len = 0;

	CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
	CHECK_EQ(floor_frame_push(fr, big, 4), 0);
	CHECK_EQ(floor_frame_next(fr, &m, &len), EMSGSIZE);
	CHECK_EQ(len, 4);
	/* dead from now on */
	CHECK_EQ(floor_frame_push(fr, hello, sizeof(hello)), EPIPE);
	CHECK_EQ(floor_frame_next(fr, &m, &len), EPIPE);
	mem_deref(fr);

	/* 0x3ffd words + 12 = 65536: exactly at the cap is fine */
	big[2] = 0x3f; big[3] = 0xfd;
	CHECK_EQ(floor_frame_peek(big, 12, FLOOR_FRAME_MAX, &len), ENODATA);
	return 0;
}


static int test_bad_version(void)
{
	struct floor_frame *fr = NULL;
	const uint8_t *m;
	size_t len = 0;
	uint8_t v;

	for (v = 0; v < 8; v++) {
		uint8_t b[12];
		int err;

		memcpy(b, hello, sizeof(b));
		b[0] = (uint8_t)(v << 5);
		err = floor_frame_peek(b, 1, FLOOR_FRAME_MAX, &len);
		CHECK_EQ(err, (v == 1 || v == 2) ? ENODATA : EPROTO);
	}

	CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
	CHECK_EQ(floor_frame_push(fr, (const uint8_t *)"GARBAGE!", 8), 0);
	/* 'G' = 0x47: version 2, length "RB" = 0x5242 words: too big */
	CHECK_EQ(floor_frame_next(fr, &m, &len), EMSGSIZE);
	mem_deref(fr);

	CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
	CHECK_EQ(floor_frame_push(fr, (const uint8_t *)"\xff\x00", 2), 0);
	CHECK_EQ(floor_frame_next(fr, &m, &len), EPROTO);
	CHECK_EQ(len, 2);
	mem_deref(fr);
	return 0;
}


static int test_check_strict(void)
{
	struct bfcp_msg *msg = NULL;
	uint8_t b[32];

	CHECK_EQ(floor_msg_check(hello, sizeof(hello)), 0);
	CHECK_EQ(floor_msg_check(freq, sizeof(freq)), 0);

	/* FLOOR-ID of length 6 (libre would read 2 bytes and desync) */
	memcpy(b, freq, sizeof(freq));
	b[13] = 6;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);

	/* attribute running past the payload */
	memcpy(b, freq, sizeof(freq));
	b[17] = 40;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);

	/* length field disagrees with the frame */
	memcpy(b, freq, sizeof(freq));
	b[3] = 1;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);

	/* attribute length < 2 */
	memcpy(b, freq, sizeof(freq));
	b[13] = 0;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);

	/* F bit must be ignored over TCP: libre alone refuses it */
	memcpy(b, freq, sizeof(freq));
	b[0] |= 0x08;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), 0);
	CHECK_EQ(floor_msg_decode_tcp(&msg, b, sizeof(freq)), 0);
	CHECK_EQ(msg->prim, BFCP_FLOOR_REQUEST);
	CHECK(bfcp_msg_attr(msg, BFCP_FLOOR_ID) != NULL);
	CHECK_EQ(bfcp_msg_attr(msg, BFCP_FLOOR_ID)->v.floorid, 1);
	CHECK_STR(bfcp_msg_attr(msg, BFCP_PART_PROV_INFO)->v.partprovinfo,
		  "hi");
	mem_deref(msg);
	return 0;
}


static int test_writer(void)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct bfcp_msg *msg = NULL;
	struct floor_w w;
	const struct bfcp_attr *fri, *ors, *rs;

	CHECK(mb != NULL);
	floor_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, 7, 9, 2);
	floor_w_group(&w, BFCP_FLOOR_REQ_INFO, 0x1234);
	floor_w_group(&w, BFCP_OVERALL_REQ_STATUS, 0x1234);
	floor_w_2(&w, BFCP_REQUEST_STATUS, BFCP_PENDING, 1);
	floor_w_group_end(&w);
	floor_w_str(&w, BFCP_PART_PROV_INFO, "abcde");
	floor_w_group_end(&w);
	CHECK_EQ(floor_w_end(&w), 0);

	/* FRI = 4 + ORS(4 + 4) + PPI(2 + 5 + 1 pad) = 20 */
	CHECK_EQ(mb->end, 12 + 20);
	CHECK_EQ(mb->buf[3], 5);
	CHECK_EQ(mb->buf[12], (BFCP_FLOOR_REQ_INFO << 1));
	CHECK_EQ(mb->buf[13], 20);
	CHECK_EQ(floor_msg_check(mb->buf, mb->end), 0);

	CHECK_EQ(floor_msg_decode_tcp(&msg, mb->buf, mb->end), 0);
	fri = bfcp_msg_attr(msg, BFCP_FLOOR_REQ_INFO);
	CHECK(fri != NULL);
	CHECK_EQ(fri->v.floorreqid, 0x1234);
	ors = bfcp_attr_subattr(fri, BFCP_OVERALL_REQ_STATUS);
	rs = bfcp_attr_subattr(ors, BFCP_REQUEST_STATUS);
	CHECK(rs != NULL);
	CHECK_EQ(rs->v.reqstatus.status, BFCP_PENDING);
	CHECK_EQ(rs->v.reqstatus.qpos, 1);

	mem_deref(msg);
	mem_deref(mb);

	/* a string that does not fit the 8-bit length is refused */
	{
		char big[300];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		mb = mbuf_alloc(64);
		floor_w_begin(&w, mb, BFCP_ERROR, 1, 1, 1);
		floor_w_str(&w, BFCP_ERROR_INFO, big);
		CHECK_EQ(floor_w_end(&w), EOVERFLOW);
		mem_deref(mb);
	}
	return 0;
}


TEST_MAIN("bfcp_frame",
	  CASE(test_whole_and_multi),
	  CASE(test_split_everywhere),
	  CASE(test_oversize),
	  CASE(test_bad_version),
	  CASE(test_check_strict),
	  CASE(test_writer))

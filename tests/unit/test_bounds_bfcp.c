/**
 * @file test_bounds_bfcp.c  BFCP length fields at their limits: one
 * unit under, exactly at, one unit over (floor/frame_int.h,
 * floor/msg_int.h).
 *
 * RFC 8855 5.1: the 12-byte COMMON-HEADER's Payload Length counts
 * 4-octet units after the header.  RFC 8855 5.2: an attribute's 8-bit
 * Length counts its 2-byte header and contents without padding; each
 * attribute is padded to 4 bytes; a grouped attribute's Length covers
 * what it includes.  Messages are written out byte by byte here, not
 * with floor/'s writer (except where the writer itself is tested).
 */
#include <string.h>
#include <re.h>
#include "floor/frame_int.h"
#include "floor/msg_int.h"
#include "tests/unit/check.h"


/* The framer looks only at the header: a version-1 header announcing
 * `words` units of payload (left zero). */
static void hdr(uint8_t *b, uint16_t words)
{
	memset(b, 0, FLOOR_HDR_SIZE);
	b[0] = 0x20;                  /* version 1 */
	b[1] = BFCP_HELLO;
	b[2] = (uint8_t)(words >> 8);
	b[3] = (uint8_t)words;
	b[7] = 7;                     /* conference id */
	b[9] = 1;                     /* transaction id */
	b[11] = 2;                    /* user id */
}


/* The framer with a cap of max bytes, one message of `words` units. */
static int frame_one(size_t max, uint16_t words, size_t *got)
{
	static uint8_t b[FLOOR_HDR_SIZE + 4 * 0xffff];
	struct floor_frame *fr = NULL;
	const uint8_t *m;
	size_t len = 0;
	int err;

	hdr(b, words);
	CHECK_EQ(floor_frame_alloc(&fr, max), 0);
	CHECK_EQ(floor_frame_push(fr, b, FLOOR_HDR_SIZE + 4 * (size_t)words),
		 0);
	err = floor_frame_next(fr, &m, &len);
	*got = err ? 0 : len;
	mem_deref(fr);
	return err;
}


static int test_frame_cap(void)
{
	const size_t max = FLOOR_HDR_SIZE + 4 * 10;
	size_t got = 0;

	CHECK_EQ(frame_one(max, 9, &got), 0);
	CHECK_EQ(got, FLOOR_HDR_SIZE + 4 * 9);
	CHECK_EQ(frame_one(max, 10, &got), 0);
	CHECK_EQ(got, max);
	CHECK_EQ(frame_one(max, 11, &got), EMSGSIZE);

	/* a cap between two whole messages: the bigger one is over */
	CHECK_EQ(frame_one(max + 3, 10, &got), 0);
	CHECK_EQ(frame_one(max + 3, 11, &got), EMSGSIZE);

	/* the default cap, FLOOR_FRAME_MAX: 0x3ffd units + 12 = 65536 */
	CHECK_EQ(frame_one(0, 0x3ffc, &got), 0);
	CHECK_EQ(frame_one(0, 0x3ffd, &got), 0);
	CHECK_EQ(got, FLOOR_FRAME_MAX);
	CHECK_EQ(frame_one(0, 0x3ffe, &got), EMSGSIZE);
	return 0;
}


/* A message is whole with its last byte, not before. */
static int test_frame_complete(void)
{
	static uint8_t b[FLOOR_HDR_SIZE + 8];
	struct floor_frame *fr = NULL;
	const uint8_t *m;
	size_t len = 0;

	hdr(b, 2);
	CHECK_EQ(floor_frame_peek(b, sizeof(b) - 1, FLOOR_FRAME_MAX, &len),
		 ENODATA);
	CHECK_EQ(floor_frame_peek(b, sizeof(b), FLOOR_FRAME_MAX, &len), 0);
	CHECK_EQ(len, sizeof(b));

	/* the header alone: 11 bytes are not a Hello yet, 12 are */
	hdr(b, 0);
	CHECK_EQ(floor_frame_peek(b, FLOOR_HDR_SIZE - 1, FLOOR_FRAME_MAX, &len),
		 ENODATA);
	CHECK_EQ(floor_frame_peek(b, FLOOR_HDR_SIZE, FLOOR_FRAME_MAX, &len), 0);
	CHECK_EQ(len, FLOOR_HDR_SIZE);

	/* the length sits in bytes 2-3: 3 bytes cannot be judged, 4 can */
	hdr(b, 0x00ff);
	CHECK_EQ(floor_frame_peek(b, 3, FLOOR_HDR_SIZE + 4, &len), ENODATA);
	CHECK_EQ(floor_frame_peek(b, 4, FLOOR_HDR_SIZE + 4, &len), EMSGSIZE);

	hdr(b, 2);
	CHECK_EQ(floor_frame_alloc(&fr, 0), 0);
	CHECK_EQ(floor_frame_push(fr, b, sizeof(b) - 1), 0);
	CHECK_EQ(floor_frame_next(fr, &m, &len), ENODATA);
	CHECK_EQ(floor_frame_push(fr, b + sizeof(b) - 1, 1), 0);
	CHECK_EQ(floor_frame_next(fr, &m, &len), 0);
	CHECK_EQ(len, sizeof(b));
	CHECK_EQ(floor_frame_pending(fr), 0);
	mem_deref(fr);
	return 0;
}


/* FloorRequest: FLOOR-ID 1, then PARTICIPANT-PROVIDED-INFO "hihihi"
 * (length 8, padded to 8): payload 12 bytes = 3 units. */
static const uint8_t freq[] = {
	0x20, 1, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x09, 0x00, 0x02,
	(2 << 1) | 1, 4, 0x00, 0x01,
	(8 << 1), 8, 'h', 'i', 'h', 'i', 'h', 'i',
};


static int test_header_length(void)
{
	uint8_t b[sizeof(freq) + 4];

	/* the Payload Length must equal what the framer delivered */
	memset(b, 0, sizeof(b));
	memcpy(b, freq, sizeof(freq));
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), 0);
	b[3] = 2;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);
	b[3] = 4;
	CHECK_EQ(floor_msg_check(b, sizeof(freq)), EBADMSG);
	/* and one unit more of bytes than announced */
	b[3] = 3;
	CHECK_EQ(floor_msg_check(b, sizeof(freq) + 4), EBADMSG);
	/* nothing shorter than the common header is a message */
	CHECK_EQ(floor_msg_check(b, FLOOR_HDR_SIZE - 1), EBADMSG);
	return 0;
}


/* The last attribute's Length against the bytes left in the payload. */
static int test_attr_runs_to_end(void)
{
	uint8_t b[sizeof(freq)];

	memcpy(b, freq, sizeof(freq));
	b[17] = 7;           /* padded 8: within */
	CHECK_EQ(floor_msg_check(b, sizeof(b)), 0);
	b[17] = 8;           /* padded 8: exactly the rest */
	CHECK_EQ(floor_msg_check(b, sizeof(b)), 0);
	b[17] = 9;           /* padded 12: one unit past the payload */
	CHECK_EQ(floor_msg_check(b, sizeof(b)), EBADMSG);
	return 0;
}


/* One attribute alone in a FloorRequest payload of `plen` bytes. */
static int check_one(uint8_t type, uint8_t alen, size_t plen)
{
	uint8_t b[FLOOR_HDR_SIZE + 64];

	memset(b, 0, sizeof(b));
	memcpy(b, freq, FLOOR_HDR_SIZE);
	b[2] = 0;
	b[3] = (uint8_t)(plen / 4);
	b[12] = (uint8_t)(type << 1);
	b[13] = alen;
	return floor_msg_check(b, FLOOR_HDR_SIZE + plen);
}


static int test_attr_lengths(void)
{
	/* every attribute is at least its 2-byte header */
	CHECK_EQ(check_one(BFCP_PART_PROV_INFO, 1, 4), EBADMSG);
	CHECK_EQ(check_one(BFCP_PART_PROV_INFO, 2, 4), 0);

	/* fixed 4-byte attributes: exactly 4 */
	CHECK_EQ(check_one(BFCP_FLOOR_ID, 3, 4), EBADMSG);
	CHECK_EQ(check_one(BFCP_FLOOR_ID, 4, 4), 0);
	CHECK_EQ(check_one(BFCP_FLOOR_ID, 5, 8), EBADMSG);
	CHECK_EQ(check_one(BFCP_PRIORITY, 3, 4), EBADMSG);
	CHECK_EQ(check_one(BFCP_PRIORITY, 4, 4), 0);
	CHECK_EQ(check_one(BFCP_PRIORITY, 5, 8), EBADMSG);

	/* ERROR-CODE carries at least its code */
	CHECK_EQ(check_one(BFCP_ERROR_CODE, 2, 4), EBADMSG);
	CHECK_EQ(check_one(BFCP_ERROR_CODE, 3, 4), 0);

	/* a grouped attribute: header of 4, whole units */
	CHECK_EQ(check_one(BFCP_FLOOR_REQ_INFO, 3, 4), EBADMSG);
	CHECK_EQ(check_one(BFCP_FLOOR_REQ_INFO, 4, 4), 0);
	CHECK_EQ(check_one(BFCP_FLOOR_REQ_INFO, 5, 8), EBADMSG);
	return 0;
}


/* k FLOOR-REQUEST-INFORMATION attributes, each inside the one before,
 * the innermost empty. */
static int nested(unsigned k)
{
	uint8_t b[FLOOR_HDR_SIZE + 4 * 16];
	size_t plen = 4 * (size_t)k;
	unsigned i;

	memset(b, 0, sizeof(b));
	memcpy(b, freq, FLOOR_HDR_SIZE);
	b[2] = 0;
	b[3] = (uint8_t)k;
	for (i = 0; i < k; i++) {
		b[FLOOR_HDR_SIZE + 4 * i] = BFCP_FLOOR_REQ_INFO << 1;
		b[FLOOR_HDR_SIZE + 4 * i + 1] = (uint8_t)(4 * (k - i));
	}
	return floor_msg_check(b, FLOOR_HDR_SIZE + plen);
}


static int test_group_depth(void)
{
	/* grouped attributes nest 4 deep (MAX_DEPTH in bfcp_msg.c);
	 * libre's decoder recurses, so the depth is bounded */
	CHECK_EQ(nested(3), 0);
	CHECK_EQ(nested(4), 0);
	CHECK_EQ(nested(5), EBADMSG);
	return 0;
}


/* The writers refuse what an 8-bit attribute length cannot carry. */
static int test_writer_limits(void)
{
	struct mbuf *mb;
	struct floor_w w;
	char s[260];
	unsigned i;

	memset(s, 'x', sizeof(s));

	for (i = 252; i <= 254; i++) {
		mb = mbuf_alloc(512);
		CHECK(mb);
		s[i] = '\0';
		floor_w_begin(&w, mb, BFCP_ERROR, 1, 1, 1);
		floor_w_str(&w, BFCP_ERROR_INFO, s);
		CHECK_EQ(floor_w_end(&w), i <= 253 ? 0 : EOVERFLOW);
		if (i <= 253) {
			CHECK_EQ(mb->buf[13], 2 + i);
			CHECK_EQ(floor_msg_check(mb->buf, mb->end), 0);
		}
		s[i] = 'x';
		mem_deref(mb);
	}

	/* a group of 4 + (2 + 244 + 2 pad) = 252 bytes fits the 8-bit
	 * length; 4 bytes more (the next size a group can have) do not */
	for (i = 244; i <= 248; i += 4) {
		mb = mbuf_alloc(512);
		CHECK(mb);
		s[i] = '\0';
		floor_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, 1, 1, 1);
		floor_w_group(&w, BFCP_FLOOR_REQ_INFO, 1);
		floor_w_str(&w, BFCP_PART_PROV_INFO, s);
		floor_w_group_end(&w);
		CHECK_EQ(floor_w_end(&w), i == 244 ? 0 : EOVERFLOW);
		if (i == 244) {
			CHECK_EQ(mb->buf[13], 252);
			CHECK_EQ(floor_msg_check(mb->buf, mb->end), 0);
		}
		s[i] = 'x';
		mem_deref(mb);
	}

	/* groups nest as deep as the writer keeps starts for: 4 */
	for (i = 4; i <= 5; i++) {
		unsigned j;

		mb = mbuf_alloc(128);
		CHECK(mb);
		floor_w_begin(&w, mb, BFCP_FLOOR_REQUEST_STATUS, 1, 1, 1);
		for (j = 0; j < i; j++)
			floor_w_group(&w, BFCP_FLOOR_REQ_INFO, 1);
		for (j = 0; j < i; j++)
			floor_w_group_end(&w);
		CHECK_EQ(floor_w_end(&w), i == 4 ? 0 : EOVERFLOW);
		mem_deref(mb);
	}
	return 0;
}


TEST_MAIN("bounds_bfcp",
	  CASE(test_frame_cap),
	  CASE(test_frame_complete),
	  CASE(test_header_length),
	  CASE(test_attr_runs_to_end),
	  CASE(test_attr_lengths),
	  CASE(test_group_depth),
	  CASE(test_writer_limits))

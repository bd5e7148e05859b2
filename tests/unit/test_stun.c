/**
 * @file test_stun.c  The STUN codec and the ICE-lite responder
 * (media/stun.c, media/ice.c) against the RFC 5769 2.2 response and a
 * request made by an independent implementation.
 */
#include <string.h>
#include <re.h>
#include "media/stun_int.h"
#include "check.h"


/* A Binding request with the credentials of RFC 5769 2.1 (username
 * "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt"), ICE-CONTROLLING and
 * USE-CANDIDATE, made by an independent Python script (hmac, zlib.crc32)
 * rather than by our encoder */
static const uint8_t req5769[] = {
	0x00, 0x01, 0x00, 0x5c, 0x21, 0x12, 0xa4, 0x42, 0xb7,
	0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
	0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55,
	0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65,
	0x63, 0x74, 0x6f, 0x72, 0x00, 0x24, 0x00, 0x04, 0x6e,
	0x00, 0x01, 0xff, 0x80, 0x2a, 0x00, 0x08, 0x93, 0x2f,
	0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x25, 0x00,
	0x00, 0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a,
	0x3a, 0x68, 0x36, 0x76, 0x59, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x14, 0x48, 0xd4, 0xc5, 0x3d, 0x0f, 0xdf,
	0xaa, 0xf5, 0xb9, 0x14, 0x32, 0x36, 0x7d, 0x10, 0x1f,
	0x32, 0xf7, 0xd2, 0xde, 0x81, 0x80, 0x28, 0x00, 0x04,
	0x29, 0x45, 0x9d, 0xd2,
};

/* RFC 5769 2.2: sample IPv4 response, mapped 192.0.2.1:32853 */
static const uint8_t resp5769[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08,
	0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
	0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
	0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

static const char pwd5769[] = "VOkJxbRl1RmTxUk/WvJxBt";


static int test_request(void)
{
	struct media_stun_msg m;
	uint8_t bad[sizeof(req5769)];

	CHECK_EQ(media_stun_decode(&m, req5769, sizeof(req5769)), 0);
	CHECK_EQ(m.method, MEDIA_STUN_BINDING);
	CHECK_EQ(m.cls, MEDIA_STUN_REQUEST);
	CHECK_EQ(m.username_len, 9);
	CHECK(!memcmp(m.username, "evtj:h6vY", 9));
	CHECK(m.has_priority);
	CHECK_EQ(m.priority, 0x6e0001ff);
	CHECK(m.controlling);
	CHECK(!m.controlled);
	CHECK(m.use_candidate);
	CHECK(media_stun_fingerprint_ok(&m, req5769));
	CHECK(media_stun_integrity_ok(&m, req5769, pwd5769));
	CHECK(!media_stun_integrity_ok(&m, req5769, "VOkJxbRl1RmTxUk/WvJxBu"));

	/* one bit flipped in the software name: both checks fail */
	memcpy(bad, req5769, sizeof(bad));
	bad[30] ^= 1;
	CHECK_EQ(media_stun_decode(&m, bad, sizeof(bad)), 0);
	CHECK(!media_stun_fingerprint_ok(&m, bad));
	CHECK(!media_stun_integrity_ok(&m, bad, pwd5769));

	return 0;
}


static int test_rfc5769_response(void)
{
	struct media_stun_msg m;
	struct sa mapped;
	uint8_t out[256];
	size_t n = 0;

	CHECK_EQ(media_stun_decode(&m, resp5769, sizeof(resp5769)), 0);
	CHECK_EQ(m.cls, MEDIA_STUN_SUCCESS);
	CHECK(media_stun_fingerprint_ok(&m, resp5769));
	CHECK(media_stun_integrity_ok(&m, resp5769, pwd5769));

	/* ours for the same mapped address: the same XOR-MAPPED-ADDRESS
	 * bytes, and it verifies with the same checks */
	CHECK_EQ(sa_set_str(&mapped, "192.0.2.1", 32853), 0);
	CHECK_EQ(media_stun_success(out, sizeof(out), &n, req5769 + 8,
				    &mapped, pwd5769), 0);
	CHECK_EQ(n, 20 + 12 + 24 + 8);
	CHECK(!memcmp(out + 20, "\x00\x20\x00\x08\x00\x01\xa1\x47"
		      "\xe1\x12\xa6\x43", 12));
	CHECK_EQ(media_stun_decode(&m, out, n), 0);
	CHECK_EQ(m.cls, MEDIA_STUN_SUCCESS);
	CHECK(!memcmp(m.tid, req5769 + 8, 12));
	CHECK(m.fp_off && m.mi_off);
	CHECK(media_stun_fingerprint_ok(&m, out));
	CHECK(media_stun_integrity_ok(&m, out, pwd5769));

	return 0;
}


static int test_malformed(void)
{
	struct media_stun_msg m;
	uint8_t b[sizeof(req5769) + 8];

	/* every truncation is refused (the length no longer matches) */
	for (size_t i = 0; i < sizeof(req5769); i++)
		CHECK_EQ(media_stun_decode(&m, req5769, i), EBADMSG);

	/* bad cookie, top bits, length not a multiple of 4 */
	memcpy(b, req5769, sizeof(req5769));
	b[4] ^= 0xff;
	CHECK_EQ(media_stun_decode(&m, b, sizeof(req5769)), EBADMSG);
	memcpy(b, req5769, sizeof(req5769));
	b[0] |= 0x80;
	CHECK_EQ(media_stun_decode(&m, b, sizeof(req5769)), EBADMSG);
	memcpy(b, req5769, sizeof(req5769));
	b[3] = 0x5d;
	CHECK_EQ(media_stun_decode(&m, b, sizeof(req5769)), EBADMSG);

	/* an attribute after FINGERPRINT */
	memcpy(b, req5769, sizeof(req5769));
	memcpy(b + sizeof(req5769), "\x00\x25\x00\x00\x00\x25\x00\x00", 8);
	b[3] = 0x64;
	CHECK_EQ(media_stun_decode(&m, b, sizeof(b)), EBADMSG);

	/* an attribute whose length runs past the end */
	memcpy(b, req5769, sizeof(req5769));
	b[23] = 0xf0;
	CHECK_EQ(media_stun_decode(&m, b, sizeof(req5769)), EBADMSG);

	return 0;
}


/* The responder, with the RFC 5769 request's credentials as ours
 * ("evtj") and theirs ("h6vY") */
static int test_ice_responder(void)
{
	struct media_ice *ice = NULL, *other = NULL;
	struct media_stun_msg m;
	struct sa src;
	uint8_t out[256];
	size_t n = 0;
	bool nom = true;
	int err = 0;

	CHECK_EQ(sa_set_str(&src, "127.0.0.1", 40000), 0);
	CHECK_EQ(media_ice_alloc(&ice, "evtj", pwd5769, "h6vY"), 0);
	CHECK_EQ(media_ice_alloc(&other, "evtj", "wrong-password-000000",
				 "h6vY"), 0);

	if (media_ice_input(ice, req5769, sizeof(req5769), &src, out,
			    sizeof(out), &n, &nom) != MEDIA_ICE_CHECKED ||
	    !nom) {
		err = EINVAL;
		goto out;
	}
	if (media_stun_decode(&m, out, n) || m.cls != MEDIA_STUN_SUCCESS ||
	    !media_stun_integrity_ok(&m, out, pwd5769) ||
	    !media_stun_fingerprint_ok(&m, out)) {
		err = EINVAL;
		goto out;
	}

	/* another password: 401, and no consent */
	if (media_ice_input(other, req5769, sizeof(req5769), &src, out,
			    sizeof(out), &n, &nom) != MEDIA_ICE_REPLY ||
	    media_stun_decode(&m, out, n) || m.cls != MEDIA_STUN_ERROR ||
	    out[20 + 6] != 4 || out[20 + 7] != 1) {
		err = EINVAL;
		goto out;
	}

	/* a response is nobody's: dropped */
	if (media_ice_input(ice, resp5769, sizeof(resp5769), &src, out,
			    sizeof(out), &n, &nom) != MEDIA_ICE_DROP)
		err = EINVAL;

	/* another ufrag pair */
	if (!err && media_ice_same(ice, "evtj", pwd5769, "xxxx"))
		err = EINVAL;

 out:
	mem_deref(ice);
	mem_deref(other);
	return err;
}


TEST_MAIN("stun",
	  CASE(test_request),
	  CASE(test_rfc5769_response),
	  CASE(test_malformed),
	  CASE(test_ice_responder))

/**
 * @file test_floor_sdp.c  BFCP SDP attribute values (RFC 8856 examples).
 */
#include <string.h>
#include <re.h>
#include "floor/sdp.h"
#include "tests/unit/check.h"


static struct pl P(const char *s)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return pl;
}


static int test_values(void)
{
	struct pl v, labels[4];
	size_t n = 4;
	uint16_t fid = 0, uid = 0;
	uint32_t cid = 0;
	unsigned roles = 0;
	const char *ans = NULL;
	bool b = false, tls = false;
	char buf[32];

	v = P("4321");
	CHECK_EQ(floor_sdp_confid_decode(&v, &cid), 0);
	CHECK_EQ(cid, 4321);
	v = P("4294967296");
	CHECK_EQ(floor_sdp_confid_decode(&v, &cid), ERANGE);
	v = P("12a");
	CHECK_EQ(floor_sdp_confid_decode(&v, &cid), EBADMSG);
	v = P("1234");
	CHECK_EQ(floor_sdp_userid_decode(&v, &uid), 0);
	CHECK_EQ(uid, 1234);
	v = P("65536");
	CHECK_EQ(floor_sdp_userid_decode(&v, &uid), ERANGE);

	v = P("1 mstrm:10");
	CHECK_EQ(floor_sdp_floorid_decode(&v, &fid, labels, &n), 0);
	CHECK_EQ(fid, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(pl_strcmp(&labels[0], "10"), 0);
	n = 4;
	v = P("2 m-stream:11 12");          /* RFC 4583 form */
	CHECK_EQ(floor_sdp_floorid_decode(&v, &fid, labels, &n), 0);
	CHECK_EQ(fid, 2);
	CHECK_EQ(n, 2);
	CHECK_EQ(pl_strcmp(&labels[1], "12"), 0);
	n = 4;
	v = P("2 stream:11");
	CHECK_EQ(floor_sdp_floorid_decode(&v, &fid, labels, &n), EBADMSG);
	CHECK_EQ(floor_sdp_floorid_encode(buf, sizeof(buf), 1, "10"), 0);
	CHECK_STR(buf, "1 mstrm:10");

	v = P("c-only s-only");
	CHECK_EQ(floor_sdp_floorctrl_decode(&v, &roles), 0);
	CHECK_EQ(floor_sdp_floorctrl_answer(roles, &ans), 0);
	CHECK_STR(ans, "s-only");
	v = P("s-only");
	CHECK_EQ(floor_sdp_floorctrl_decode(&v, &roles), 0);
	CHECK_EQ(floor_sdp_floorctrl_answer(roles, &ans), EPROTO);

	v = P("1 2");
	CHECK_EQ(floor_sdp_bfcpver_decode(&v, &b), 0);
	CHECK(b);
	v = P("2");
	CHECK_EQ(floor_sdp_bfcpver_decode(&v, &b), 0);
	CHECK(!b);
	CHECK_EQ(floor_sdp_bfcpver_decode(NULL, &b), 0);
	CHECK(b);

	v = P("TCP/TLS/BFCP");
	CHECK_EQ(floor_sdp_proto_decode(&v, &tls), 0);
	CHECK(tls);
	v = P("UDP/BFCP");
	CHECK_EQ(floor_sdp_proto_decode(&v, &tls), EPROTONOSUPPORT);
	return 0;
}


/* a=setup and a=fingerprint moved to keying/ with MSRP's copies:
 * tests/unit/test_keying_tls.c */
static int test_connection(void)
{
	bool conn = true;
	struct pl v;

	v = P("existing");
	CHECK_EQ(floor_sdp_connection_decode(&v, &conn), 0);
	CHECK(!conn);
	v = P("new");
	CHECK_EQ(floor_sdp_connection_decode(&v, &conn), 0);
	CHECK(conn);
	v = P("old");
	CHECK_EQ(floor_sdp_connection_decode(&v, &conn), EBADMSG);
	return 0;
}


/* RFC 8856 section 11: the offer labels its streams (a=label:10, 11)
 * and the answer's a=floorid names those labels; confd's own label
 * only where the offer has none. */
static int test_label_answer(void)
{
	char buf[128], lng[FLOOR_SDP_LABEL_MAX + 2];
	struct pl v, labels[2];
	size_t n = 2;
	uint16_t fid = 0;

	CHECK_STR(floor_sdp_label_answer("10", "slides"), "10");
	CHECK_EQ(floor_sdp_floorid_encode(buf, sizeof(buf), 1,
			floor_sdp_label_answer("10", "slides")), 0);
	CHECK_STR(buf, "1 mstrm:10");
	CHECK_EQ(floor_sdp_floorid_encode(buf, sizeof(buf), 2,
			floor_sdp_label_answer("11", "audio")), 0);
	CHECK_STR(buf, "2 mstrm:11");

	/* what we write, the offerer reads back as its own label */
	v = P(buf);
	CHECK_EQ(floor_sdp_floorid_decode(&v, &fid, labels, &n), 0);
	CHECK_EQ(fid, 2);
	CHECK_EQ(n, 1);
	CHECK_EQ(pl_strcmp(&labels[0], "11"), 0);

	/* no label offered: ours */
	CHECK_STR(floor_sdp_label_answer(NULL, "slides"), "slides");
	CHECK_STR(floor_sdp_label_answer("", "slides"), "slides");
	CHECK_EQ(floor_sdp_floorid_encode(buf, sizeof(buf), 1,
			floor_sdp_label_answer(NULL, "slides")), 0);
	CHECK_STR(buf, "1 mstrm:slides");

	/* any RFC 8866 token is a label ... */
	CHECK_STR(floor_sdp_label_answer("main-Video_1.a~!", "x"),
		  "main-Video_1.a~!");
	/* ... but not a space (it would split the a=floorid list), a
	 * quote, a colon or an overlong value */
	CHECK_STR(floor_sdp_label_answer("10 11", "slides"), "slides");
	CHECK_STR(floor_sdp_label_answer("a\"b", "slides"), "slides");
	CHECK_STR(floor_sdp_label_answer("a:b", "slides"), "slides");
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CHECK_STR(floor_sdp_label_answer(lng, "slides"), "slides");
	lng[FLOOR_SDP_LABEL_MAX] = '\0';
	CHECK_STR(floor_sdp_label_answer(lng, "slides"), lng);

	return 0;
}


TEST_MAIN("floor_sdp",
	  CASE(test_values),
	  CASE(test_label_answer),
	  CASE(test_connection))

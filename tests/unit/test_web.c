/**
 * @file test_web.c  The web interface's pure parts (router, JSON bodies
 * and field checks), its store side (access, delegates, tokens, member
 * updates, the PBKDF2 work-factor migration), the audio level and the
 * floor engine's chair decisions from outside BFCP.
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"
#include "media/media.h"
#include "media/media_int.h"
#include "floor/floor.h"
#include "floor/engine_int.h"
#include "tests/unit/check.h"
#include "tests/unit/store_backend.h"


static int route(struct web_match *m, const char *path)
{
	struct pl pl;

	pl_set_str(&pl, path);
	return web_route_match(m, &pl);
}


static int test_router(void)
{
	struct web_match m;
	struct pl pl;
	enum web_method meth;

	CHECK_EQ(route(&m, "/"), 0);
	CHECK_EQ(m.route, WR_STATIC);
	CHECK_STR(m.item, "index.html");
	CHECK_EQ(route(&m, "/app.js"), 0);
	CHECK_EQ(route(&m, "/etc/passwd"), ENOENT);
	CHECK_EQ(route(&m, "/..%2F..%2Fetc"), ENOENT);
	CHECK_EQ(route(&m, "/api/v1/login"), 0);
	CHECK_EQ(m.route, WR_LOGIN);
	CHECK_EQ(m.methods, WEB_POST);
	CHECK_EQ(route(&m, "/api/v1/conferences/sip%3Aroom%40x.org"), 0);
	CHECK_EQ(m.route, WR_CONF);
	CHECK_STR(m.conf, "sip:room@x.org");
	CHECK_EQ(route(&m, "/api/v1/conferences/sip%3Ar%40x/participants/"
		       "sip%3Aa%40x/password"), 0);
	CHECK_EQ(m.route, WR_PART_PASSWORD);
	CHECK_STR(m.item, "sip:a@x");
	CHECK_EQ(route(&m, "/api/v1/conferences/c/roster/ws"), 0);
	CHECK_EQ(m.route, WR_ROSTER_WS);
	CHECK_EQ(route(&m, "/api/v1/conferences/c/live/mute"), 0);
	CHECK_EQ(m.route, WR_LIVE);
	CHECK_STR(m.item, "mute");
	CHECK_EQ(route(&m, "/api/v1/conferences/"), ENOENT);
	CHECK_EQ(route(&m, "/api/v1//conferences"), ENOENT);
	CHECK_EQ(route(&m, "/api/v1/conferences/a%00b"), EINVAL);
	CHECK_EQ(route(&m, "/api/v1/conferences/a%0ab"), EINVAL);
	CHECK_EQ(route(&m, "/api/v1/conferences/a%4"), EINVAL);
	CHECK_EQ(route(&m, "/api/v1/conferences/%zz"), EINVAL);
	CHECK_EQ(route(&m, "/api/v1/a/b/c/d/e/f/g/h/i"), ENOENT);
	CHECK_EQ(route(&m, "relative"), EINVAL);

	pl_set_str(&pl, "DELETE");
	CHECK_EQ(web_method_decode(&meth, &pl), 0);
	CHECK_EQ(meth, WEB_DELETE);
	pl_set_str(&pl, "delete");
	CHECK_EQ(web_method_decode(&meth, &pl), EINVAL);

	pl_set_str(&pl, "?a=2&kick=1");
	CHECK(web_query_flag(&pl, "kick"));
	pl_set_str(&pl, "?kick=0");
	CHECK(!web_query_flag(&pl, "kick"));
	pl_set_str(&pl, "?kickx=1");
	CHECK(!web_query_flag(&pl, "kick"));

	return 0;
}


static int body(struct odict **o, const char *s)
{
	const char *why;

	return web_json_body(o, (const uint8_t *)s, strlen(s), &why);
}


static int test_json(void)
{
	static const char *const names[] = {"a", "b", NULL};
	struct odict *o = NULL;
	const char *s, *bad;
	int64_t n;
	bool b;

	CHECK_EQ(body(&o, ""), 0);
	CHECK_EQ(odict_count(o, false), 0);
	o = mem_deref(o);

	CHECK_EQ(body(&o, " {\"a\":\"x\",\"b\":true, \"n\": 7} "), 0);
	CHECK_EQ(web_json_str(o, "a", 8, &s), 0);
	CHECK_STR(s, "x");
	CHECK_EQ(web_json_bool(o, "b", &b), 0);
	CHECK(b);
	CHECK_EQ(web_json_int(o, "n", 1, 16, &n), 0);
	CHECK_EQ(n, 7);
	CHECK_EQ(web_json_int(o, "n", 1, 6, &n), EINVAL);
	CHECK_EQ(web_json_str(o, "b", 8, &s), EINVAL);
	CHECK_EQ(web_json_str(o, "zz", 8, &s), ENOENT);
	CHECK(!web_json_only(o, names, &bad));
	CHECK_STR(bad, "n");
	o = mem_deref(o);

	CHECK_EQ(body(&o, "[1,2]"), EINVAL);
	CHECK_EQ(body(&o, "\"x\""), EINVAL);
	CHECK_EQ(body(&o, "{\"a\":1,\"a\":2}"), EINVAL);
	CHECK_EQ(body(&o, "{\"a\":\"x\\u0000y\"}"), EINVAL);
	CHECK_EQ(body(&o, "{\"a\":"), EINVAL);

	/* a string over its byte bound, control characters, bad UTF-8 */
	CHECK_EQ(body(&o, "{\"a\":\"abcdefghi\",\"b\":\"a\\u0007\","
		      "\"c\":\"\\u00e9\"}"), 0);
	CHECK_EQ(web_json_str(o, "a", 8, &s), EINVAL);
	CHECK_EQ(web_json_str(o, "b", 8, &s), EINVAL);
	CHECK_EQ(web_json_str(o, "c", 8, &s), 0);
	o = mem_deref(o);

	CHECK(web_sip_uri_ok("sip:alice@example.org"));
	CHECK(web_sip_uri_ok("sips:a@[::1]:5061"));
	CHECK(!web_sip_uri_ok("http://example.org"));
	CHECK(!web_sip_uri_ok("sip:example.org"));
	CHECK(!web_sip_uri_ok("<sip:a@b>"));
	CHECK(web_uri_in_domain("sip:room@Conf.Test", "conf.test"));
	CHECK(!web_uri_in_domain("sip:room@other.test", "conf.test"));
	CHECK(web_name_ok("alice.b-c_d@x"));
	CHECK(!web_name_ok("a\"b"));
	CHECK(!web_name_ok(""));

	return 0;
}


static int test_store_web(void)
{
	struct tstore t;
	char who[64];
	uint8_t h1[STORE_TOKEN_HASH_LEN], h2[STORE_TOKEN_HASH_LEN];
	struct store *st = NULL;
	struct confdef *cd = NULL;
	enum store_access acc;
	int64_t id = 0;

	/* SQLite, or PostgreSQL when CONFD_TEST_STORE names a server */
	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_creator_add(st, "alice", "pw-a"), 0);
	CHECK_EQ(store_creator_add(st, "bob", "pw-b"), 0);

	CHECK_EQ(confdef_alloc(&cd, "sip:room@x.org"), 0);
	cd->floor.pres_max = 3;
	cd->srtp = CONFDEF_SRTP_OPTIONAL;
	CHECK_EQ(store_conf_create(st, cd, "alice"), 0);
	CHECK_EQ(store_conf_create(st, cd, "alice"), EEXIST);
	cd->floor.pres_max = 17;
	CHECK_EQ(store_conf_update(st, cd), EINVAL);
	cd = mem_deref(cd);

	CHECK_EQ(store_conf_access(st, "sip:room@x.org", "alice", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_OWNER);
	CHECK_EQ(store_conf_access(st, "sip:room@x.org", "bob", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_NONE);
	CHECK_EQ(store_conf_access(st, "sip:none@x.org", "bob", &acc), ENOENT);
	/* an empty name never owns a conference made by confctl */
	CHECK_EQ(store_conf_add(st, "sip:old@x.org", NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	CHECK_EQ(store_conf_access(st, "sip:old@x.org", "", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_NONE);

	CHECK_EQ(store_delegate_set(st, "sip:room@x.org", "bob",
				    STORE_ACCESS_VIEWER), 0);
	CHECK_EQ(store_conf_access(st, "sip:room@x.org", "bob", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_VIEWER);
	CHECK_EQ(store_delegate_set(st, "sip:room@x.org", "bob",
				    STORE_ACCESS_CHAIR), 0);
	CHECK_EQ(store_conf_access(st, "sip:room@x.org", "bob", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_CHAIR);
	CHECK_EQ(store_delegate_set(st, "sip:room@x.org", "nobody",
				    STORE_ACCESS_CHAIR), ENOENT);
	CHECK_EQ(store_delegate_set(st, "sip:no@x.org", "bob",
				    STORE_ACCESS_CHAIR), ENOENT);
	/* deleting the account ends its delegations */
	CHECK_EQ(store_creator_del(st, "bob"), 0);
	CHECK_EQ(store_conf_access(st, "sip:room@x.org", "bob", &acc), 0);
	CHECK_EQ(acc, STORE_ACCESS_NONE);

	CHECK_EQ(store_part_add(st, "sip:room@x.org", "sip:a@x.org", NULL,
				CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(store_part_update(st, "sip:room@x.org", "sip:a@x.org", "uid",
				   CONFDEF_CHAIR), 0);
	CHECK_EQ(store_part_update(st, "sip:room@x.org", "sip:b@x.org", NULL,
				   CONFDEF_CHAIR), ENOENT);
	CHECK_EQ(store_conf_get(st, &cd, "sip:room@x.org"), 0);
	CHECK_STR(((struct confdef_member *)
		   list_ledata(list_head(&cd->members)))->kms_uid, "uid");
	CHECK_EQ(cd->floor.pres_max, 3);
	cd = mem_deref(cd);

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	CHECK_EQ(store_token_add(st, "alice", "t", h1, &id), 0);
	CHECK_EQ(store_token_find(st, h1, who, sizeof(who)), 0);
	CHECK_STR(who, "alice");
	CHECK_EQ(store_token_find(st, h2, who, sizeof(who)), ENOENT);
	CHECK_EQ(store_token_add(st, "nobody", "t", h2, NULL), ENOENT);
	CHECK_EQ(store_token_del(st, "mallory", id), ENOENT);
	CHECK_EQ(store_token_del(st, "alice", id), 0);
	CHECK_EQ(store_token_find(st, h1, who, sizeof(who)), ENOENT);

	/* a hash made with another work factor (here 1000) still logs in,
	 * and is then redone with the current one */
	{
		uint8_t salt[16], hash[32];
		char sql[512], bs[64], bh[128], it[16];

		memset(salt, 7, sizeof(salt));
		CHECK_EQ(PKCS5_PBKDF2_HMAC("pw-a", 4, salt, sizeof(salt),
					   1000, EVP_sha256(), 32, hash), 1);
		tstore_blob(&t, bs, sizeof(bs), salt, sizeof(salt));
		tstore_blob(&t, bh, sizeof(bh), hash, sizeof(hash));
		re_snprintf(sql, sizeof(sql), "UPDATE creators SET"
			    " iterations = 1000, salt = %s, pwhash = %s"
			    " WHERE name = 'alice';", bs, bh);
		CHECK_EQ(tstore_exec(&t, sql, sql), 0);

		CHECK_EQ(store_creator_check(st, "alice", "pw-b"), EACCES);
		CHECK_EQ(store_creator_check(st, "alice", "pw-a"), 0);

		CHECK_EQ(tstore_query(&t, "SELECT iterations FROM creators"
				      " WHERE name = 'alice';",
				      "SELECT iterations FROM creators"
				      " WHERE name = 'alice';", it,
				      sizeof(it)), 0);
		CHECK(atoi(it) > 100000);
		CHECK_EQ(store_creator_check(st, "alice", "pw-a"), 0);
	}

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static int test_level(void)
{
	int16_t pcm[160];
	uint8_t l;
	size_t i;

	memset(pcm, 0, sizeof(pcm));
	CHECK_EQ(media_level_update(MEDIA_LEVEL_SILENT, pcm, 160),
		 MEDIA_LEVEL_SILENT);

	/* a full-scale square wave is 0 dBov */
	for (i = 0; i < 160; i++)
		pcm[i] = i & 1 ? 32767 : -32767;
	l = media_level_update(MEDIA_LEVEL_SILENT, pcm, 160);
	CHECK(l <= 1);

	/* -40 dBov: amplitude 328 */
	for (i = 0; i < 160; i++)
		pcm[i] = i & 1 ? 328 : -328;
	l = media_level_update(MEDIA_LEVEL_SILENT, pcm, 160);
	CHECK(l >= 39 && l <= 41);
	CHECK(l < MEDIA_LEVEL_TALKING);

	/* slow release: 6 dB a frame without audio */
	CHECK_EQ(media_level_update(40, NULL, 0), 46);
	CHECK_EQ(media_level_update(125, NULL, 0), MEDIA_LEVEL_SILENT);

	return 0;
}


static struct {
	uint16_t floorid;
	size_t holders;
	unsigned changes;
} fl;


static void send_h(uint16_t userid, struct mbuf *mb, void *arg)
{
	(void)userid; (void)mb; (void)arg;
}


static void hold_h(uint16_t floorid, const uint16_t *userv, size_t userc,
		   void *arg)
{
	(void)userv; (void)arg;
	fl.floorid = floorid;
	fl.holders = userc;
}


static void change_h(void *arg)
{
	(void)arg;
	++fl.changes;
}


static bool count_h(uint16_t floorid, uint16_t userid, enum bfcp_reqstat st,
		    uint8_t qpos, void *arg)
{
	unsigned *n = arg;
	(void)floorid; (void)userid; (void)st; (void)qpos;
	++*n;
	return false;
}


static int test_floor_chair(void)
{
	struct floor_ctl *fc = NULL;
	unsigned n = 0;

	memset(&fl, 0, sizeof(fl));
	CHECK_EQ(floor_ctl_alloc(&fc, 7, send_h, hold_h, NULL), 0);
	floor_ctl_set_change_handler(fc, change_h, NULL);
	CHECK_EQ(floor_ctl_floor_add(fc, FLOOR_ID_PRES, FLOOR_CTL_CHAIR, 1), 0);
	CHECK_EQ(floor_ctl_user_add(fc, 1, false, NULL, NULL), 0);
	CHECK_EQ(floor_ctl_user_add(fc, 2, false, NULL, NULL), 0);

	CHECK_EQ(floor_ctl_chair(fc, FLOOR_ID_PRES, 9, true), ENOENT);
	CHECK_EQ(floor_ctl_chair(fc, 5, 1, true), ENOENT);
	CHECK_EQ(floor_ctl_chair(fc, FLOOR_ID_PRES, 1, false), ENOENT);

	/* a grant without a request makes one and grants it */
	CHECK_EQ(floor_ctl_chair(fc, FLOOR_ID_PRES, 1, true), 0);
	CHECK(floor_ctl_holds(fc, FLOOR_ID_PRES, 1));
	CHECK_EQ(fl.holders, 1);
	CHECK(fl.changes > 0);
	/* the floor is full: user 2 waits, granted once 1 is revoked */
	CHECK_EQ(floor_ctl_chair(fc, FLOOR_ID_PRES, 2, true), EBUSY);
	floor_ctl_requests(fc, count_h, &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(floor_ctl_chair(fc, FLOOR_ID_PRES, 1, false), 0);
	CHECK(!floor_ctl_holds(fc, FLOOR_ID_PRES, 1));
	CHECK(floor_ctl_holds(fc, FLOOR_ID_PRES, 2));
	CHECK_EQ(floor_ctl_request_count(fc), 1);

	mem_deref(fc);
	return 0;
}


TEST_MAIN("web",
	  CASE(test_router),
	  CASE(test_json),
	  CASE(test_store_web),
	  CASE(test_level),
	  CASE(test_floor_chair))

/**
 * @file test_store.c  The store: migrations, conferences, participants,
 * creator passwords.  Runs against SQLite, or against PostgreSQL when
 * CONFD_TEST_STORE names a server (store_backend.h, store_pg.sh).
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "focus/digest.h"
#include "tests/unit/check.h"
#include "tests/unit/store_backend.h"


static int test_migrate_fresh(void)
{
	struct tstore t;
	struct store *st = NULL;
	char mode[16];
	struct stat sb;
	int err;

	CHECK_EQ(tstore_make(&t), 0);

	err = store_open(&st, t.path);
	CHECK_EQ(err, 0);
	CHECK_EQ(store_schema_version(st), 6);

	if (t.pg) {
		/* the version is in the database, for every node to see */
		CHECK_EQ(tstore_query(&t, NULL, "SELECT version FROM"
				      " confd_schema;", mode, sizeof(mode)),
			 0);
		CHECK_STR(mode, "6");
	}
	else {
		/* WAL is a property of the file: another connection sees
		 * it */
		CHECK_EQ(tstore_query(&t, "PRAGMA journal_mode;", NULL, mode,
				      sizeof(mode)), 0);
		CHECK_STR(mode, "wal");

		/* file holds password hashes: private */
		CHECK_EQ(stat(t.path, &sb), 0);
		CHECK_EQ(sb.st_mode & 077, 0);
	}

	mem_deref(st);

	/* Reopening runs no migration twice */
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_schema_version(st), 6);
	CHECK_EQ(store_conf_add(st, "sip:a@b", NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	mem_deref(st);
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_schema_version(st), 6);
	mem_deref(st);

	tstore_remove(&t);
	return 0;
}


static int test_newer_schema_refused(void)
{
	struct tstore t;
	struct store *st = NULL;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(tstore_exec(&t, "PRAGMA user_version = 99;",
			     "CREATE TABLE confd_schema (version INTEGER"
			     " NOT NULL); INSERT INTO confd_schema"
			     " VALUES (99);"), 0);

	CHECK_EQ(store_open(&st, t.path), ENOTSUP);
	CHECK(st == NULL);

	tstore_remove(&t);
	return 0;
}


static int test_conf_add_list_del(void)
{
	struct tstore t;
	struct store *st = NULL;
	struct list l = LIST_INIT;
	struct confdef *cd = NULL;
	int err = 0;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);

	err |= store_conf_add(st, "sip:room1@example.org", "Standup", "bob",
			      false, false, CONFDEF_SRTP_REQUIRED);
	err |= store_conf_add(st, "sips:room2@example.org", NULL, NULL,
			      true, true, CONFDEF_SRTP_OFF);
	CHECK_EQ(err, 0);

	CHECK_EQ(store_conf_add(st, "sip:room1@example.org", NULL, NULL,
				false, false, CONFDEF_SRTP_OPTIONAL), EEXIST);
	CHECK_EQ(store_conf_add(st, "not a uri", NULL, NULL, false, false,
				CONFDEF_SRTP_OFF), EINVAL);
	CHECK_EQ(store_conf_add(st, "sip:x@y", NULL, NULL, false, false,
				(enum confdef_srtp)42), EINVAL);

	CHECK_EQ(store_conf_load(st, &l), 0);
	CHECK_EQ(list_count(&l), 2);

	cd = list_ledata(list_head(&l));
	CHECK_STR(cd->uri, "sip:room1@example.org");
	CHECK_STR(cd->subject, "Standup");
	CHECK_STR(cd->creator, "bob");
	CHECK(!cd->open && !cd->anonymous);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_REQUIRED);

	cd = list_ledata(list_tail(&l));
	CHECK_STR(cd->uri, "sips:room2@example.org");
	CHECK_STR(cd->subject, "");
	CHECK(cd->open && cd->anonymous);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_OFF);
	list_flush(&l);

	CHECK_EQ(store_conf_get(st, &cd, "sip:room1@example.org"), 0);
	CHECK_STR(cd->subject, "Standup");
	cd = mem_deref(cd);
	CHECK_EQ(store_conf_get(st, &cd, "sip:none@example.org"), ENOENT);

	CHECK_EQ(store_conf_del(st, "sip:room1@example.org"), 0);
	CHECK_EQ(store_conf_del(st, "sip:room1@example.org"), ENOENT);

	CHECK_EQ(store_conf_load(st, &l), 0);
	CHECK_EQ(list_count(&l), 1);
	list_flush(&l);

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static int test_policy_update(void)
{
	struct tstore t;
	struct store *st = NULL;
	struct confdef *cd = NULL;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_conf_add(st, "sip:room@example.org", "s", "c", false,
				false, CONFDEF_SRTP_REQUIRED), 0);

	CHECK_EQ(store_conf_set_policy(st, "sip:room@example.org", true,
				       true, CONFDEF_SRTP_OPTIONAL), 0);
	CHECK_EQ(store_conf_get(st, &cd, "sip:room@example.org"), 0);
	CHECK(cd->open && cd->anonymous);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_OPTIONAL);
	CHECK_STR(cd->subject, "s");
	cd = mem_deref(cd);

	CHECK_EQ(store_conf_set_policy(st, "sip:room@example.org", false,
				       false, CONFDEF_SRTP_OFF), 0);
	CHECK_EQ(store_conf_get(st, &cd, "sip:room@example.org"), 0);
	CHECK(!cd->open && !cd->anonymous);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_OFF);
	cd = mem_deref(cd);

	CHECK_EQ(store_conf_set_policy(st, "sip:other@example.org", true,
				       true, CONFDEF_SRTP_OFF), ENOENT);

	/* the keying policy (issue 12): a set, never empty */
	CHECK_EQ(store_conf_get(st, &cd, "sip:room@example.org"), 0);
	CHECK_EQ(cd->keying, CONFDEF_KEY_ALL);
	cd = mem_deref(cd);
	CHECK_EQ(store_conf_set_keying(st, "sip:room@example.org",
				       CONFDEF_KEY_DTLS | CONFDEF_KEY_MIKEY), 0);
	CHECK_EQ(store_conf_get(st, &cd, "sip:room@example.org"), 0);
	CHECK_EQ(cd->keying, CONFDEF_KEY_DTLS | CONFDEF_KEY_MIKEY);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_OFF);
	cd = mem_deref(cd);
	CHECK_EQ(store_conf_set_keying(st, "sip:room@example.org", 0), EINVAL);
	CHECK_EQ(store_conf_set_keying(st, "sip:room@example.org", 0x10),
		 EINVAL);
	CHECK_EQ(store_conf_set_keying(st, "sip:other@example.org",
				       CONFDEF_KEY_SDES), ENOENT);

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static int test_participants(void)
{
	struct tstore t;
	struct store *st = NULL;
	struct confdef *cd = NULL;
	const struct confdef_member *m;
	const char *room = "sip:room@example.org";

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);

	CHECK_EQ(store_part_add(st, room, "sip:alice@example.org", NULL,
				CONFDEF_PARTICIPANT), ENOENT);

	CHECK_EQ(store_conf_add(st, room, NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);

	CHECK_EQ(store_part_add(st, room, "sip:alice@example.org", NULL,
				CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(store_part_add(st, room, "sip:bob@example.org",
				"bob@kms.example.org", CONFDEF_CHAIR), 0);
	CHECK_EQ(store_part_add(st, room, "sip:carol@example.org", "",
				CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(store_part_add(st, room, "sip:alice@example.org", NULL,
				CONFDEF_CHAIR), EEXIST);
	/* the same identity in another spelling */
	CHECK_EQ(store_part_add(st, room, "sip:alice@EXAMPLE.org;lr", NULL,
				CONFDEF_CHAIR), EEXIST);
	CHECK_EQ(store_part_add(st, room, "alice", NULL,
				CONFDEF_PARTICIPANT), EINVAL);
	CHECK_EQ(store_part_add(st, room, "sip:dave@example.org", NULL,
				(enum confdef_role)7), EINVAL);

	CHECK_EQ(store_conf_get(st, &cd, room), 0);
	CHECK_EQ(list_count(&cd->members), 3);

	m = confdef_member_find(cd, "sip:alice@EXAMPLE.org;transport=tcp");
	CHECK(m != NULL);
	CHECK_STR(m->kms_uid, "sip:alice@example.org");  /* default */
	CHECK_EQ(m->role, CONFDEF_PARTICIPANT);

	m = confdef_member_find_kms(cd, "bob@kms.example.org");
	CHECK(m != NULL);
	CHECK_STR(m->sip_uri, "sip:bob@example.org");
	CHECK_EQ(m->role, CONFDEF_CHAIR);

	m = confdef_member_find(cd, "sip:carol@example.org");
	CHECK(m != NULL);
	CHECK_STR(m->kms_uid, "sip:carol@example.org");
	cd = mem_deref(cd);

	CHECK_EQ(store_part_del(st, room, "sip:alice@example.org"), 0);
	CHECK_EQ(store_part_del(st, room, "sip:alice@example.org"), ENOENT);
	CHECK_EQ(store_part_del(st, "sip:none@example.org",
				"sip:bob@example.org"), ENOENT);

	CHECK_EQ(store_conf_get(st, &cd, room), 0);
	CHECK_EQ(list_count(&cd->members), 2);
	CHECK(confdef_member_find(cd, "sip:alice@example.org") == NULL);
	cd = mem_deref(cd);

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static int test_cascade_delete(void)
{
	struct tstore t;
	struct store *st = NULL;
	char n[16];
	const char *room = "sip:room@example.org";

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_conf_add(st, room, NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	CHECK_EQ(store_part_add(st, room, "sip:a@example.org", NULL,
				CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(store_part_add(st, room, "sip:b@example.org", NULL,
				CONFDEF_CHAIR), 0);
	CHECK_EQ(store_conf_del(st, room), 0);

	CHECK_EQ(tstore_query(&t, "SELECT count(*) FROM participants;",
			      "SELECT count(*) FROM participants;",
			      n, sizeof(n)), 0);
	CHECK_STR(n, "0");

	/* a conference made again under the same URI starts empty */
	CHECK_EQ(store_conf_add(st, room, NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	CHECK_EQ(store_part_add(st, room, "sip:a@example.org", NULL,
				CONFDEF_PARTICIPANT), 0);

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static int test_creator_password(void)
{
	struct tstore t;
	struct store *st = NULL;
	char hash[128];

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);

	CHECK_EQ(store_creator_add(st, "bob", "correct horse"), 0);
	CHECK_EQ(store_creator_add(st, "bob", "other"), EEXIST);
	CHECK_EQ(store_creator_add(st, "eve", ""), EINVAL);

	CHECK_EQ(store_creator_check(st, "bob", "correct horse"), 0);
	CHECK_EQ(store_creator_check(st, "bob", "correct horsE"), EACCES);
	CHECK_EQ(store_creator_check(st, "bob", ""), EACCES);
	CHECK_EQ(store_creator_check(st, "nobody", "correct horse"), ENOENT);

	/* never in clear */
	CHECK_EQ(tstore_query(&t, "SELECT count(*) FROM creators WHERE"
			      " instr(CAST(pwhash AS TEXT), 'horse') > 0;",
			      "SELECT count(*) FROM creators WHERE position("
			      "'horse' in encode(pwhash, 'escape')) > 0;",
			      hash, sizeof(hash)), 0);
	CHECK_STR(hash, "0");
	CHECK_EQ(tstore_query(&t, "SELECT length(salt) || ',' ||"
			      " length(pwhash) || ',' || (iterations >= 100000)"
			      " FROM creators;",
			      "SELECT length(salt) || ',' || length(pwhash) ||"
			      " ',' || CAST(iterations >= 100000 AS INTEGER)"
			      " FROM creators;", hash, sizeof(hash)), 0);
	CHECK_STR(hash, "16,32,1");

	/* two accounts with one password get different hashes */
	CHECK_EQ(store_creator_add(st, "carol", "correct horse"), 0);
	CHECK_EQ(tstore_query(&t, "SELECT count(DISTINCT pwhash) FROM"
			      " creators;", "SELECT count(DISTINCT pwhash) FROM"
			      " creators;", hash, sizeof(hash)), 0);
	CHECK_STR(hash, "2");

	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


/* A version-1 file, written as the first release did, migrates to the
 * current schema with its rows intact and the new columns defaulted. */
static int test_migrate_from_v1(void)
{
	static const char v1[] =
		"CREATE TABLE conferences (id INTEGER PRIMARY KEY,"
		" uri TEXT NOT NULL UNIQUE, subject TEXT NOT NULL DEFAULT '',"
		" creator TEXT NOT NULL DEFAULT '', open INTEGER NOT NULL"
		" DEFAULT 0, anonymous INTEGER NOT NULL DEFAULT 0,"
		" srtp TEXT NOT NULL DEFAULT 'required',"
		" created INTEGER NOT NULL);"
		"CREATE TABLE participants (id INTEGER PRIMARY KEY,"
		" conf_id INTEGER NOT NULL REFERENCES conferences(id)"
		" ON DELETE CASCADE, sip_uri TEXT NOT NULL,"
		" kms_uid TEXT NOT NULL, role TEXT NOT NULL DEFAULT"
		" 'participant', UNIQUE (conf_id, sip_uri));"
		"CREATE TABLE creators (id INTEGER PRIMARY KEY, name TEXT NOT"
		" NULL UNIQUE, pwhash BLOB NOT NULL, salt BLOB NOT NULL,"
		" iterations INTEGER NOT NULL, created INTEGER NOT NULL);"
		"INSERT INTO conferences (uri, subject, open, srtp, created)"
		" VALUES ('sip:old@x', 'Old', 1, 'optional', 0);"
		"PRAGMA user_version = 1;";
	/* the same, as the PostgreSQL backend's first version wrote it */
	static const char v1_pg[] =
		"CREATE TABLE conferences (id BIGSERIAL PRIMARY KEY,"
		" uri TEXT NOT NULL UNIQUE, subject TEXT NOT NULL DEFAULT '',"
		" creator TEXT NOT NULL DEFAULT '', open INTEGER NOT NULL"
		" DEFAULT 0, anonymous INTEGER NOT NULL DEFAULT 0,"
		" srtp TEXT NOT NULL DEFAULT 'required',"
		" created BIGINT NOT NULL);"
		"CREATE TABLE participants (id BIGSERIAL PRIMARY KEY,"
		" conf_id BIGINT NOT NULL REFERENCES conferences(id)"
		" ON DELETE CASCADE, sip_uri TEXT NOT NULL,"
		" kms_uid TEXT NOT NULL, role TEXT NOT NULL DEFAULT"
		" 'participant', UNIQUE (conf_id, sip_uri));"
		"CREATE TABLE creators (id BIGSERIAL PRIMARY KEY, name TEXT NOT"
		" NULL UNIQUE, pwhash BYTEA NOT NULL, salt BYTEA NOT NULL,"
		" iterations INTEGER NOT NULL, created BIGINT NOT NULL);"
		"INSERT INTO conferences (uri, subject, open, srtp, created)"
		" VALUES ('sip:old@x', 'Old', 1, 'optional', 0);"
		"CREATE TABLE confd_schema (version INTEGER NOT NULL);"
		"INSERT INTO confd_schema VALUES (1);";
	struct tstore t;
	struct store *st = NULL;
	struct confdef *cd = NULL;
	struct confdef_floor fl;
	int err = 0;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(tstore_exec(&t, v1, v1_pg), 0);

	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_schema_version(st), 6);
	CHECK_EQ(store_conf_get(st, &cd, "sip:old@x"), 0);
	CHECK_STR(cd->subject, "Old");
	CHECK(cd->open);
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_OPTIONAL);
	CHECK(!cd->floor.pres_chair);
	CHECK_EQ(cd->floor.pres_max, 1);
	CHECK_EQ(cd->floor.audio, CONFDEF_AUDIO_FLOOR_OFF);
	/* migration 6: an old conference allows every keying */
	CHECK_EQ(cd->keying, CONFDEF_KEY_ALL);
	cd = mem_deref(cd);

	fl.pres_chair = true;
	fl.pres_max = 2;
	fl.audio = CONFDEF_AUDIO_FLOOR_CHAIR;
	CHECK_EQ(store_conf_set_floor(st, "sip:old@x", &fl), 0);
	CHECK_EQ(store_conf_set_floor(st, "sip:none@x", &fl), ENOENT);
	fl.pres_max = 17;
	CHECK_EQ(store_conf_set_floor(st, "sip:old@x", &fl), EINVAL);
	CHECK_EQ(store_conf_get(st, &cd, "sip:old@x"), 0);
	CHECK(cd->floor.pres_chair);
	CHECK_EQ(cd->floor.pres_max, 2);
	CHECK_EQ(cd->floor.audio, CONFDEF_AUDIO_FLOOR_CHAIR);
	CHECK(!cd->notify_smime);
	cd = mem_deref(cd);
	CHECK_EQ(store_conf_set_notify_smime(st, "sip:old@x", true), 0);
	CHECK_EQ(store_conf_get(st, &cd, "sip:old@x"), 0);
	CHECK(cd->notify_smime);

	mem_deref(cd);
	mem_deref(st);
	tstore_remove(&t);
	return err;
}


/* Digest credentials: stored as HA1 for the conference's realm only,
 * checked against RFC 7616's own definition, and one username per
 * conference. */
static int test_credentials(void)
{
	struct tstore t;
	struct store *st = NULL;
	struct confdef *cd = NULL;
	const struct confdef_member *m;
	const char *room = "sip:room@example.org";
	uint8_t md5[DIGEST_MD5_LEN], sha[DIGEST_SHA256_LEN];
	char realm[64];
	struct pl u;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);
	CHECK_EQ(store_conf_add(st, room, NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	CHECK_EQ(store_part_add(st, room, "sip:alice@example.org", NULL,
				CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(store_part_add(st, room, "sip:bob@other.org", NULL,
				CONFDEF_PARTICIPANT), 0);

	CHECK_EQ(store_conf_realm(realm, sizeof(realm), room), 0);
	CHECK_STR(realm, "example.org");
	CHECK_EQ(store_conf_realm(realm, sizeof(realm),
				  "sips:r@h.example.org;transport=tls"), 0);
	CHECK_STR(realm, "h.example.org");

	CHECK_EQ(store_part_set_password(st, room, "sip:alice@example.org",
					 NULL, "s3cret"), 0);
	CHECK_EQ(store_part_set_password(st, room, "sip:carol@example.org",
					 NULL, "x"), ENOENT);
	CHECK_EQ(store_part_set_password(st, room, "sip:alice@example.org",
					 NULL, ""), EINVAL);
	/* bob may not take alice's username */
	CHECK_EQ(store_part_set_password(st, room, "sip:bob@other.org",
					 "alice", "pw"), EEXIST);
	CHECK_EQ(store_part_set_password(st, room, "sip:bob@other.org",
					 "bob-dev", "pw"), 0);
	CHECK_EQ(store_part_set_cert(st, room, "sip:bob@other.org",
				     "sha-256 AA:BB"), 0);

	/* the password itself is nowhere in the file */
	{
		char v[64] = "";
		tstore_query(&t, "SELECT count(*) FROM participants WHERE"
			     " instr(CAST(ha1_md5 AS TEXT), 's3cret') OR"
			     " instr(auth_user || realm, 's3cret');",
			     "SELECT count(*) FROM participants WHERE"
			     " position('s3cret' in encode(ha1_md5, 'escape'))"
			     " > 0 OR position('s3cret' in auth_user || realm)"
			     " > 0;", v, sizeof(v));
		CHECK_STR(v, "0");
	}

	CHECK_EQ(store_conf_get(st, &cd, room), 0);
	pl_set_str(&u, "alice");
	m = confdef_member_find_auth(cd, &u);
	CHECK(m != NULL);
	CHECK_STR(m->sip_uri, "sip:alice@example.org");
	CHECK_STR(m->realm, "example.org");
	CHECK_EQ(digest_ha1(md5, DIGEST_MD5, "alice", "example.org",
			    "s3cret"), 0);
	CHECK_EQ(digest_ha1(sha, DIGEST_SHA256, "alice", "example.org",
			    "s3cret"), 0);
	CHECK_MEM(m->ha1_md5, md5, sizeof(md5));
	CHECK_MEM(m->ha1_sha256, sha, sizeof(sha));

	pl_set_str(&u, "bob-dev");
	m = confdef_member_find_auth(cd, &u);
	CHECK(m != NULL);
	CHECK_STR(m->sip_uri, "sip:bob@other.org");
	pl_set_str(&u, "Alice");
	CHECK(confdef_member_find_auth(cd, &u) == NULL);
	m = confdef_member_find_cert(cd, "SHA-256 aa:bb");
	CHECK(m != NULL);
	CHECK_STR(m->sip_uri, "sip:bob@other.org");
	CHECK(confdef_member_find_cert(cd, "sha-256 AA:BC") == NULL);

	mem_deref(cd);
	mem_deref(st);
	tstore_remove(&t);
	return 0;
}


static struct {
	struct tmr tmr;
	char uri[64];
	unsigned calls;
} chg;


static void change_h(const char *conf_uri, void *arg)
{
	(void)arg;

	++chg.calls;
	str_ncpy(chg.uri, conf_uri ? conf_uri : "(all)", sizeof(chg.uri));
	re_cancel();
}


static void change_timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


/* Wait up to 5 s in the main loop for a change notification */
static void change_wait(void)
{
	memset(chg.uri, 0, sizeof(chg.uri));
	chg.calls = 0;
	tmr_start(&chg.tmr, 5000, change_timeout, NULL);
	(void)re_main(NULL);
	tmr_cancel(&chg.tmr);
}


/* Writes by another process reach a watching store through the main
 * loop, one notification per changed conference (PostgreSQL); SQLite
 * has no change feed and says so. */
static int test_watch(void)
{
	struct tstore t;
	struct store *st = NULL, *other = NULL;

	CHECK_EQ(tstore_make(&t), 0);
	CHECK_EQ(store_open(&st, t.path), 0);

	if (!t.pg) {
		CHECK_EQ(store_watch(st, change_h, NULL), ENOTSUP);
		mem_deref(st);
		tstore_remove(&t);
		return 0;
	}

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(store_watch(st, change_h, NULL), 0);
	CHECK_EQ(store_open(&other, t.path), 0);

	CHECK_EQ(store_conf_add(other, "sip:w@x", NULL, NULL, false, false,
				CONFDEF_SRTP_REQUIRED), 0);
	change_wait();
	CHECK_STR(chg.uri, "sip:w@x");

	/* a member's change names its conference */
	CHECK_EQ(store_part_add(other, "sip:w@x", "sip:m@x", NULL,
				CONFDEF_PARTICIPANT), 0);
	change_wait();
	CHECK_STR(chg.uri, "sip:w@x");

	/* a write by hand (psql) is seen too: the triggers tell */
	CHECK_EQ(store_part_add(other, "sip:w@x", "sip:m@x", NULL,
				CONFDEF_PARTICIPANT), EEXIST);
	CHECK_EQ(tstore_exec(&t, NULL, "UPDATE conferences SET subject ="
			     " 'by hand' WHERE uri = 'sip:w@x';"), 0);
	change_wait();
	CHECK_STR(chg.uri, "sip:w@x");

	CHECK_EQ(store_conf_del(other, "sip:w@x"), 0);
	change_wait();
	CHECK_STR(chg.uri, "sip:w@x");

	mem_deref(other);
	mem_deref(st);
	tstore_remove(&t);
	libre_close();
	return 0;
}


TEST_MAIN("store",
	  CASE(test_watch),
	  CASE(test_credentials),
	  CASE(test_migrate_from_v1),
	  CASE(test_migrate_fresh),
	  CASE(test_newer_schema_refused),
	  CASE(test_conf_add_list_del),
	  CASE(test_policy_update),
	  CASE(test_participants),
	  CASE(test_cascade_delete),
	  CASE(test_creator_password))

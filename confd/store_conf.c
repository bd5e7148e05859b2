/**
 * @file store_conf.c  Conferences and their authorized members, in the
 * SQL both backends take (store_int.h).
 *
 * Every statement has bound parameters; no SQL is ever built from
 * strings.  A change commits before the function returns.
 */
#include <string.h>
#include <time.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/digest.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	PW_MAX_LEN = 1024,
};


int store_conf_add(struct store *st, const char *uri, const char *subject,
		   const char *creator, bool open, bool anonymous,
		   enum confdef_srtp srtp)
{
	if (!st || !confdef_uri_valid(uri))
		return EINVAL;
	if ((subject && !store_text_ok(subject, STORE_TEXT_MAX)) ||
	    (creator && !store_text_ok(creator, STORE_NAME_MAX)))
		return EINVAL;
	if (0 == strcmp(confdef_srtp_name(srtp), "?"))
		return EINVAL;

	return store_sql(st, NULL, NULL,
			 "INSERT INTO conferences"
			 " (uri, subject, creator, open, anonymous, srtp,"
			 " created) VALUES ($1, $2, $3, $4, $5, $6, $7);",
			 "tttiitI", uri, subject, creator, open, anonymous,
			 confdef_srtp_name(srtp), (int64_t)time(NULL));
}


int store_conf_del(struct store *st, const char *uri)
{
	if (!st || !uri)
		return EINVAL;

	/* participants go with it: ON DELETE CASCADE */
	return store_sql_write1(st, "DELETE FROM conferences WHERE uri = $1;",
				"t", uri);
}


int store_conf_set_policy(struct store *st, const char *uri, bool open,
			  bool anonymous, enum confdef_srtp srtp)
{
	if (!st || !uri)
		return EINVAL;
	if (0 == strcmp(confdef_srtp_name(srtp), "?"))
		return EINVAL;

	return store_sql_write1(st,
				"UPDATE conferences SET open = $2,"
				" anonymous = $3, srtp = $4 WHERE uri = $1;",
				"tiit", uri, open, anonymous,
				confdef_srtp_name(srtp));
}


int store_conf_set_keying(struct store *st, const char *uri, unsigned keying)
{
	char list[64];

	if (!st || !uri || !keying || (keying & ~CONFDEF_KEY_ALL) ||
	    confdef_keying_print(list, sizeof(list), keying))
		return EINVAL;

	return store_sql_write1(st, "UPDATE conferences SET keying = $2"
				" WHERE uri = $1;", "tt", uri, list);
}


int store_conf_set_notify_smime(struct store *st, const char *uri, bool on)
{
	if (!st || !uri)
		return EINVAL;

	return store_sql_write1(st, "UPDATE conferences SET notify_smime = $2"
				" WHERE uri = $1;", "ti", uri, on);
}


int store_conf_set_floor(struct store *st, const char *uri,
			 const struct confdef_floor *fl)
{
	if (!st || !uri || !fl || fl->pres_max < 1 || fl->pres_max > 16)
		return EINVAL;
	if (0 == strcmp(confdef_audio_floor_name(fl->audio), "?"))
		return EINVAL;

	return store_sql_write1(st,
				"UPDATE conferences SET floor_pres = $2,"
				" floor_pres_max = $3, floor_audio = $4"
				" WHERE uri = $1;", "ttit", uri,
				fl->pres_chair ? "chair" : "auto",
				(int)fl->pres_max,
				confdef_audio_floor_name(fl->audio));
}


static int text_dup(char **dst, const struct store_res *r, size_t row,
		    size_t col)
{
	const char *s = store_res_text(r, row, col);

	*dst = mem_deref(*dst);

	return str_dup(dst, s ? s : "");
}


/* One row of "SELECT id, uri, subject, creator, open, anonymous, srtp,
 * floor_pres, floor_pres_max, floor_audio, notify_smime, keying" */
static int conf_from_row(struct confdef **cdp, int64_t *idp,
			 const struct store_res *r, size_t row)
{
	struct confdef *cd;
	const char *uri, *srtp, *fp, *fa;
	int err;

	uri = store_res_text(r, row, 1);
	err = confdef_alloc(&cd, uri ? uri : "");
	if (err)
		return err;

	err  = text_dup(&cd->subject, r, row, 2);
	err |= text_dup(&cd->creator, r, row, 3);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	cd->open      = store_res_int(r, row, 4) != 0;
	cd->anonymous = store_res_int(r, row, 5) != 0;

	/* The CHECK constraint keeps srtp valid; a row edited by hand
	 * past it falls back to the strictest policy */
	srtp = store_res_text(r, row, 6);
	if (confdef_srtp_decode(&cd->srtp, srtp ? srtp : ""))
		cd->srtp = CONFDEF_SRTP_REQUIRED;

	fp = store_res_text(r, row, 7);
	cd->floor.pres_chair = fp && !strcmp(fp, "chair");
	cd->floor.pres_max = (unsigned)store_res_int(r, row, 8);
	if (cd->floor.pres_max < 1 || cd->floor.pres_max > 16)
		cd->floor.pres_max = 1;
	fa = store_res_text(r, row, 9);
	if (confdef_audio_floor_decode(&cd->floor.audio, fa ? fa : ""))
		cd->floor.audio = CONFDEF_AUDIO_FLOOR_OFF;
	cd->notify_smime = store_res_int(r, row, 10) != 0;

	/* a list edited by hand into nonsense allows nothing: the
	 * strictest reading, as for srtp */
	{
		const char *k = store_res_text(r, row, 11);

		if (confdef_keying_decode(&cd->keying, k ? k : ""))
			cd->keying = 0;
	}

	*idp = store_res_int(r, row, 0);

 out:
	if (err)
		mem_deref(cd);
	else
		*cdp = cd;

	return err;
}


/* Columns 4..8 of a members row: digest and certificate. */
static int member_creds(struct confdef *cd, const struct store_res *r,
			size_t row)
{
	struct confdef_member *m = list_ledata(list_tail(&cd->members));
	const char *user  = store_res_text(r, row, 4);
	const char *realm = store_res_text(r, row, 5);
	const char *fp    = store_res_text(r, row, 8);
	size_t md5l, shal;
	const uint8_t *md5 = store_res_blob(r, row, 6, &md5l);
	const uint8_t *sha = store_res_blob(r, row, 7, &shal);
	int err = 0;

	if (!m)
		return EINVAL;

	if (str_isset(user) && realm && md5 && md5l == DIGEST_MD5_LEN &&
	    sha && shal == DIGEST_SHA256_LEN)
		err = confdef_member_set_digest(m, user, realm, md5, sha);
	if (!err && str_isset(fp))
		err = confdef_member_set_cert(m, fp);

	return err;
}


/* Rows of "SELECT conf_id, sip_uri, kms_uid, role, auth_user, realm,
 * ha1_md5, ha1_sha256, cert_fp", ordered by conf_id, for the conference
 * whose id is id; conferences come in ascending id, so *rowp moves on */
static int members_take(struct confdef *cd, int64_t id,
			const struct store_res *r, size_t *rowp)
{
	size_t row = *rowp;
	int err = 0;

	while (row < store_res_rows(r) && store_res_int(r, row, 0) < id)
		++row;

	for (; row < store_res_rows(r); row++) {
		const char *sip = store_res_text(r, row, 1);
		const char *kms = store_res_text(r, row, 2);
		const char *rs  = store_res_text(r, row, 3);
		enum confdef_role role;

		if (store_res_int(r, row, 0) != id)
			break;

		/* Unknown role: the lesser one, never chair */
		if (confdef_role_decode(&role, rs ? rs : ""))
			role = CONFDEF_PARTICIPANT;

		err = confdef_member_add(cd, sip ? sip : "", kms, role);
		if (!err)
			err = member_creds(cd, r, row);
		if (err == EEXIST) {
			/* two rows naming one identity in different
			 * spellings: the first one wins */
			DEBUG_NOTICE("%s: duplicate member %s ignored\n",
				     cd->uri, sip);
			err = 0;
		}
		if (err)
			break;
	}

	*rowp = row;
	return err;
}


#define CONF_COLS "SELECT id, uri, subject, creator, open, anonymous," \
	" srtp, floor_pres, floor_pres_max, floor_audio, notify_smime," \
	" keying"
#define MEMBER_COLS "SELECT p.conf_id, p.sip_uri, p.kms_uid, p.role," \
	" p.auth_user, p.realm, p.ha1_md5, p.ha1_sha256, p.cert_fp"


static int conf_query(struct store *st, struct list *out, const char *uri)
{
	struct store_res *confs = NULL, *members = NULL;
	struct list tmp = LIST_INIT;
	struct le *le;
	size_t row, mrow = 0;
	int err;

	/* One read transaction, so the members match their conference;
	 * two queries in all, not one per conference, so that a reload
	 * over the network costs two round trips */
	err = store_begin(st, false);
	if (err)
		return err;

	if (uri) {
		err = store_sql(st, &confs, NULL, CONF_COLS
				" FROM conferences WHERE uri = $1;", "t", uri);
		if (!err)
			err = store_sql(st, &members, NULL, MEMBER_COLS
					" FROM participants p JOIN conferences"
					" c ON p.conf_id = c.id WHERE c.uri ="
					" $1 ORDER BY p.conf_id, p.id;", "t",
					uri);
	}
	else {
		err = store_sql(st, &confs, NULL, CONF_COLS
				" FROM conferences ORDER BY id;", "");
		if (!err)
			err = store_sql(st, &members, NULL, MEMBER_COLS
					" FROM participants p ORDER BY"
					" p.conf_id, p.id;", "");
	}

	(void)store_end(st, 0);
	if (err)
		goto out;

	for (row = 0; row < store_res_rows(confs); row++) {
		struct confdef *cd;
		int64_t id;

		err = conf_from_row(&cd, &id, confs, row);
		if (err)
			goto out;

		list_append(&tmp, &cd->le, cd);

		err = members_take(cd, id, members, &mrow);
		if (err)
			goto out;
	}

	/* All or nothing: the caller never sees half a load */
	while ((le = list_head(&tmp))) {
		list_unlink(le);
		list_append(out, le, le->data);
	}

 out:
	mem_deref(confs);
	mem_deref(members);
	list_flush(&tmp);
	return err;
}


int store_conf_load(struct store *st, struct list *confdefs)
{
	if (!st || !confdefs)
		return EINVAL;

	return conf_query(st, confdefs, NULL);
}


int store_conf_get(struct store *st, struct confdef **cdp, const char *uri)
{
	struct list l = LIST_INIT;
	int err;

	if (!st || !cdp || !uri)
		return EINVAL;

	err = conf_query(st, &l, uri);
	if (err)
		return err;

	if (!list_head(&l))
		return ENOENT;

	*cdp = list_ledata(list_head(&l));
	list_unlink(list_head(&l));
	list_flush(&l);

	return 0;
}


/* EEXIST when sip_uri names someone already listed, in any spelling
 * that confdef_uri_match() treats as the same identity: two entries
 * for one person would make the role ambiguous. */
static int part_exists(struct store *st, const char *conf_uri,
		       const char *sip_uri)
{
	struct store_res *r = NULL;
	uint32_t key, k;
	size_t row;
	int err;

	/* only URIs with the same key need the full comparison (issue
	 * 11: each add compared against every listed URI in full) */
	if (confdef_uri_key(&key, sip_uri))
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT p.sip_uri FROM participants p"
			" JOIN conferences c ON p.conf_id = c.id"
			" WHERE c.uri = $1;", "t", conf_uri);
	if (err)
		return err;

	for (row = 0; row < store_res_rows(r); row++) {
		const char *u = store_res_text(r, row, 0);

		if (u && (!strcmp(u, sip_uri) ||
			  (!confdef_uri_key(&k, u) && k == key &&
			   confdef_uri_match(u, sip_uri)))) {
			err = EEXIST;
			break;
		}
	}

	mem_deref(r);
	return err;
}


int store_part_add(struct store *st, const char *conf_uri,
		   const char *sip_uri, const char *kms_uid,
		   enum confdef_role role)
{
	int err;

	if (!st || !conf_uri || !confdef_uri_valid(sip_uri))
		return EINVAL;
	if (kms_uid && !store_text_ok(kms_uid, STORE_TEXT_MAX))
		return EINVAL;
	if (0 == strcmp(confdef_role_name(role), "?"))
		return EINVAL;

	/* the check and the insert under one write lock */
	err = store_begin(st, true);
	if (err)
		return err;

	err = part_exists(st, conf_uri, sip_uri);

	/* INSERT ... SELECT inserts nothing when the conference is
	 * missing, which tells ENOENT from EEXIST in one statement */
	if (!err)
		err = store_sql_write1(st,
			"INSERT INTO participants"
			" (conf_id, sip_uri, kms_uid, role)"
			" SELECT id, $2, $3, $4 FROM conferences"
			" WHERE uri = $1;", "tttt", conf_uri, sip_uri,
			str_isset(kms_uid) ? kms_uid : sip_uri,
			confdef_role_name(role));

	return store_end(st, err);
}


int store_part_del(struct store *st, const char *conf_uri,
		   const char *sip_uri)
{
	if (!st || !conf_uri || !sip_uri)
		return EINVAL;

	return store_sql_write1(st,
		"DELETE FROM participants WHERE sip_uri = $2 AND"
		" conf_id = (SELECT id FROM conferences WHERE uri = $1);",
		"tt", conf_uri, sip_uri);
}


/* The realm of a conference's credentials is its URI's host: confctl
 * and the web API know it without reading confd.conf, and confd
 * challenges with the same string. */
int store_conf_realm(char *buf, size_t sz, const char *conf_uri)
{
	struct pl host;

	if (!buf || !conf_uri)
		return EINVAL;

	if (re_regex(conf_uri, strlen(conf_uri), "@[^;:>?]+", &host) &&
	    re_regex(conf_uri, strlen(conf_uri), "sip[s]*:[^;:>?@]+",
		     NULL, &host))
		return EINVAL;

	return pl_strcpy(&host, buf, sz) ? ENOMEM : 0;
}


int store_part_set_password(struct store *st, const char *conf_uri,
			    const char *sip_uri, const char *auth_user,
			    const char *password)
{
	uint8_t md5[DIGEST_MD5_LEN], sha[DIGEST_SHA256_LEN];
	char realm[256], user[256];
	struct store_res *r = NULL;
	struct pl u;
	int err;

	if (!st || !conf_uri || !sip_uri || !str_isset(password) ||
	    !store_text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (str_isset(auth_user)) {
		if (!store_text_ok(auth_user, STORE_NAME_MAX) ||
		    str_len(auth_user) >= sizeof(user))
			return EINVAL;
		str_ncpy(user, auth_user, sizeof(user));
	}
	else {
		/* the user part of the SIP URI, as SIP clients default to */
		if (re_regex(sip_uri, strlen(sip_uri), "sip[s]*:[^@]+@",
			     NULL, &u) || pl_strcpy(&u, user, sizeof(user)))
			return EINVAL;
	}

	err = store_conf_realm(realm, sizeof(realm), conf_uri);
	if (err)
		return err;

	err  = digest_ha1(md5, DIGEST_MD5, user, realm, password);
	err |= digest_ha1(sha, DIGEST_SHA256, user, realm, password);
	if (err) {
		err = EIO;
		goto out;
	}

	err = store_begin(st, true);
	if (err)
		goto out;

	/* one digest username per conference: it is how a request names
	 * the member it claims to be */
	err = store_sql(st, &r, NULL,
			"SELECT 1 FROM participants p JOIN conferences c"
			" ON p.conf_id = c.id WHERE c.uri = $1"
			" AND p.auth_user = $2 AND p.sip_uri <> $3;",
			"ttt", conf_uri, user, sip_uri);
	if (!err && store_res_rows(r))
		err = EEXIST;
	mem_deref(r);

	if (!err)
		err = store_sql_write1(st,
			"UPDATE participants SET auth_user = $3, realm = $4,"
			" ha1_md5 = $5, ha1_sha256 = $6 WHERE sip_uri = $2 AND"
			" conf_id = (SELECT id FROM conferences"
			" WHERE uri = $1);", "ttttbb", conf_uri, sip_uri,
			user, realm, md5, sizeof(md5), sha, sizeof(sha));

	err = store_end(st, err);
 out:
	OPENSSL_cleanse(md5, sizeof(md5));
	OPENSSL_cleanse(sha, sizeof(sha));
	return err;
}


int store_part_set_cert(struct store *st, const char *conf_uri,
			const char *sip_uri, const char *fp)
{
	if (!st || !conf_uri || !sip_uri || !fp ||
	    !store_text_ok(fp, STORE_TEXT_MAX))
		return EINVAL;

	return store_sql_write1(st,
		"UPDATE participants SET cert_fp = $3 WHERE"
		" sip_uri = $2 AND conf_id = (SELECT id FROM"
		" conferences WHERE uri = $1);", "ttt",
		conf_uri, sip_uri, fp);
}

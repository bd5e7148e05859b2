/**
 * @file store_creator.c  Creator accounts (the web interface's logins):
 * PBKDF2-HMAC-SHA256 password hashes with a random salt, never the
 * password.
 */
#include <string.h>
#include <time.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/store_int.h"

#define DEBUG_MODULE "store"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum {
	PW_SALT_LEN     = 16,
	PW_HASH_LEN     = 32,
	/* PBKDF2-HMAC-SHA256: one check takes about 50 ms (46-70 ms
	 * measured on the 2-core test machine), the work factor of issue
	 * 11.  A hash made with another count is redone at the next good
	 * login (store_creator_check). */
	PW_ITERATIONS   = 210000,
	PW_ITERATIONS_MAX = 10000000,
	PW_MAX_LEN      = 1024,
};


static int pw_derive(uint8_t *out, const char *password,
		     const uint8_t *salt, size_t saltlen, int iterations)
{
	if (1 != PKCS5_PBKDF2_HMAC(password, (int)strlen(password),
				   salt, (int)saltlen, iterations,
				   EVP_sha256(), PW_HASH_LEN, out))
		return EIO;

	return 0;
}


int store_creator_add(struct store *st, const char *name,
		      const char *password)
{
	uint8_t salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	int err;

	if (!st || !str_isset(name) || !store_text_ok(name, STORE_NAME_MAX))
		return EINVAL;
	if (!str_isset(password) || !store_text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (1 != RAND_bytes(salt, sizeof(salt)))
		return EIO;

	err = pw_derive(hash, password, salt, sizeof(salt), PW_ITERATIONS);
	if (!err)
		err = store_sql(st, NULL, NULL,
				"INSERT INTO creators (name, pwhash, salt,"
				" iterations, created) VALUES ($1, $2, $3,"
				" $4, $5);", "tbbiI", name, hash, sizeof(hash),
				salt, sizeof(salt), PW_ITERATIONS,
				(int64_t)time(NULL));

	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int store_creator_passwd(struct store *st, const char *name,
			 const char *password)
{
	uint8_t salt[PW_SALT_LEN], hash[PW_HASH_LEN];
	int err;

	if (!st || !str_isset(name) || !str_isset(password) ||
	    !store_text_ok(password, PW_MAX_LEN))
		return EINVAL;

	if (1 != RAND_bytes(salt, sizeof(salt)))
		return EIO;

	err = pw_derive(hash, password, salt, sizeof(salt), PW_ITERATIONS);
	if (!err)
		err = store_sql_write1(st,
				       "UPDATE creators SET pwhash = $2,"
				       " salt = $3, iterations = $4"
				       " WHERE name = $1;", "tbbi", name,
				       hash, sizeof(hash), salt, sizeof(salt),
				       PW_ITERATIONS);

	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}


int store_creator_del(struct store *st, const char *name)
{
	if (!st || !name)
		return EINVAL;

	return store_sql_write1(st, "DELETE FROM creators WHERE name = $1;",
				"t", name);
}


int store_creator_list(struct store *st,
		       bool (*h)(const char *name, void *arg), void *arg)
{
	struct store_res *r = NULL;
	size_t row;
	int err;

	if (!st || !h)
		return EINVAL;

	err = store_sql(st, &r, NULL,
			"SELECT name FROM creators ORDER BY name;", "");
	if (err)
		return err;

	for (row = 0; row < store_res_rows(r); row++) {
		const char *n = store_res_text(r, row, 0);
		if (n && h(n, arg))
			break;
	}

	mem_deref(r);
	return 0;
}


int store_creator_check(struct store *st, const char *name,
			const char *password)
{
	uint8_t hash[PW_HASH_LEN], stored[PW_HASH_LEN];
	uint8_t salt[64];
	struct store_res *r = NULL;
	size_t saltlen = 0;
	int iterations = PW_ITERATIONS;
	bool found = false;
	int err;

	if (!st || !name || !password)
		return EINVAL;
	if (!store_text_ok(password, PW_MAX_LEN))
		return EACCES;

	memset(stored, 0, sizeof(stored));
	memset(salt, 0, sizeof(salt));

	err = store_sql(st, &r, NULL,
			"SELECT pwhash, salt, iterations FROM creators"
			" WHERE name = $1;", "t", name);
	if (err)
		return err;

	if (store_res_rows(r)) {
		size_t hl, sl;
		const uint8_t *h = store_res_blob(r, 0, 0, &hl);
		const uint8_t *s = store_res_blob(r, 0, 1, &sl);
		int64_t it = store_res_int(r, 0, 2);

		if (h && hl == PW_HASH_LEN && s && sl > 0 &&
		    sl <= sizeof(salt) && it > 0 && it <= PW_ITERATIONS_MAX) {
			memcpy(stored, h, PW_HASH_LEN);
			memcpy(salt, s, sl);
			saltlen = sl;
			iterations = (int)it;
			found = true;
		}
		else {
			DEBUG_WARNING("creator %s: malformed row\n", name);
		}
	}

	mem_deref(r);

	/* Derive even for an unknown name, so that the time taken does not
	 * tell which names exist */
	err = pw_derive(hash, password, salt,
			found ? saltlen : PW_SALT_LEN, iterations);
	if (err)
		goto out;

	if (!found)
		err = ENOENT;
	else if (CRYPTO_memcmp(hash, stored, PW_HASH_LEN))
		err = EACCES;
	else if (iterations != PW_ITERATIONS &&
		 store_creator_passwd(st, name, password))
		/* the work factor changed since this hash was made: now
		 * that we hold the password, store it under the current
		 * count; failing that, the old hash still works */
		DEBUG_NOTICE("creator %s: rehash failed\n", name);

 out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(stored, sizeof(stored));
	return err;
}

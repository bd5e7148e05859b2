/**
 * @file store.h  The persistent store: SQLite in WAL mode, with
 * versioned migrations.
 */

struct store;

int  store_open(struct store **stp, const char *path);

int  store_conf_add(struct store *st, const char *uri, const char *subject,
		    const char *creator, bool open, bool anonymous,
		    enum confdef_srtp srtp);
int  store_conf_del(struct store *st, const char *uri);
int  store_conf_set_policy(struct store *st, const char *uri, bool open,
			   bool anonymous, enum confdef_srtp srtp);
/* Appends struct confdef (with members) for every conference to list. */
int  store_conf_load(struct store *st, struct list *confdefs);
/* One conference, ENOENT when absent. */
int  store_conf_get(struct store *st, struct confdef **cdp, const char *uri);

int  store_part_add(struct store *st, const char *conf_uri,
		    const char *sip_uri, const char *kms_uid,
		    enum confdef_role role);
int  store_part_del(struct store *st, const char *conf_uri,
		    const char *sip_uri);

/* Creator accounts, for the web interface. The password is stored as a
 * salted scrypt/PBKDF2 hash, never in clear. */
int  store_creator_add(struct store *st, const char *name,
		       const char *password);
int  store_creator_check(struct store *st, const char *name,
			 const char *password);   /* 0, EACCES or ENOENT */

int  store_schema_version(struct store *st);

/**
 * @file store.h  The persistent store: SQLite in WAL mode, with
 * versioned migrations (PRAGMA user_version), foreign keys on and a
 * busy timeout, so that confd and confctl can share one file.
 *
 * Freed with mem_deref.  Errors: EINVAL for a bad argument (URIs must
 * be bare sip:/sips: URIs, see confdef_uri_valid), EEXIST for a
 * duplicate, ENOENT for a missing conference/participant, EBUSY when
 * another process holds the lock past the timeout, EIO otherwise.
 */

struct store;

/* Creates the file (mode 0600) if needed and migrates it to the current
 * schema in one transaction.  ENOTSUP if the file is from a newer confd. */
int  store_open(struct store **stp, const char *path);

/* EEXIST if the URI is taken. subject and creator may be NULL (""). */
int  store_conf_add(struct store *st, const char *uri, const char *subject,
		    const char *creator, bool open, bool anonymous,
		    enum confdef_srtp srtp);
/* Removes its participants too (ON DELETE CASCADE). ENOENT if absent. */
int  store_conf_del(struct store *st, const char *uri);
int  store_conf_set_policy(struct store *st, const char *uri, bool open,
			   bool anonymous, enum confdef_srtp srtp);
/* BFCP floor policy; EINVAL for out-of-range values, ENOENT when the
 * conference does not exist. */
int  store_conf_set_floor(struct store *st, const char *uri,
			  const struct confdef_floor *fl);
/* Whether NOTIFYs of the conference event package must be protected
 * with PSK S/MIME (subscribers without MIKEY keying get 403). */
int  store_conf_set_notify_smime(struct store *st, const char *uri,
				 bool on);
/* Appends struct confdef (with members) for every conference to list,
 * in creation order; on error nothing is appended. */
int  store_conf_load(struct store *st, struct list *confdefs);
/* One conference, ENOENT when absent. */
int  store_conf_get(struct store *st, struct confdef **cdp, const char *uri);

/* kms_uid NULL or "" means the sip_uri.  ENOENT if the conference is
 * missing, EEXIST if sip_uri is already listed (as confdef_uri_match sees it). */
int  store_part_add(struct store *st, const char *conf_uri,
		    const char *sip_uri, const char *kms_uid,
		    enum confdef_role role);
int  store_part_del(struct store *st, const char *conf_uri,
		    const char *sip_uri);

/* Digest credentials of a listed participant (RFC 3261 22, RFC 8760):
 * only HA1 in MD5 and SHA-256 is stored, for the realm that
 * store_conf_realm() gives.  auth_user NULL means the user part of
 * sip_uri.  EEXIST if another member of the conference has that
 * username, ENOENT if the participant is not listed. */
int  store_part_set_password(struct store *st, const char *conf_uri,
			     const char *sip_uri, const char *auth_user,
			     const char *password);
/* The fingerprint ("sha-256 AB:..") of the TLS client certificate that
 * authenticates this participant over SIP TLS; "" removes it. */
int  store_part_set_cert(struct store *st, const char *conf_uri,
			 const char *sip_uri, const char *fp);
/* The digest realm of a conference: the host of its URI. */
int  store_conf_realm(char *buf, size_t sz, const char *conf_uri);

/* Creator accounts, for the web interface. The password is stored as
 * PBKDF2-HMAC-SHA256 with a random 16-byte salt, never in clear. */
int  store_creator_add(struct store *st, const char *name,
		       const char *password);
int  store_creator_check(struct store *st, const char *name,
			 const char *password);   /* 0, EACCES or ENOENT */

int  store_creator_passwd(struct store *st, const char *name,
			  const char *password);  /* ENOENT if absent */
int  store_creator_del(struct store *st, const char *name);
/* Calls h for each creator name, in name order, until h returns true. */
int  store_creator_list(struct store *st,
			bool (*h)(const char *name, void *arg), void *arg);

int  store_schema_version(struct store *st);

/**
 * @file store.h  The persistent store: conferences, their members,
 * creator accounts.  Two backends behind one interface:
 *   - SQLite (the default, embedded): a file path; WAL mode, a busy
 *     timeout, so that confd and confctl can share one file;
 *   - PostgreSQL: a libpq connection URI (postgresql://...), for several
 *     confd nodes on one database.  Other nodes' writes arrive through
 *     LISTEN/NOTIFY (store_watch).
 * Both carry the same versioned migrations.
 *
 * Freed with mem_deref.  Errors: EINVAL for a bad argument (URIs must
 * be bare sip:/sips: URIs, see confdef_uri_valid), EEXIST for a
 * duplicate, ENOENT for a missing conference/participant, EBUSY when
 * another process holds the lock past the timeout, EIO otherwise.
 */

struct store;

/* path: a file (SQLite) or postgresql://... / postgres://... (libpq).
 * Creates the file (mode 0600) if needed and migrates the store to the
 * current schema in one transaction.  ENOTSUP if the store is from a
 * newer confd. */
int  store_open(struct store **stp, const char *path);
/* Whether path names a database server rather than a file */
bool store_is_url(const char *path);
/* Which backend st uses: "sqlite" or "postgresql" */
const char *store_backend_name(const struct store *st);

/* Another writer (another node, confctl, psql) changed a conference:
 * conf_uri is its URI, or NULL when anything may have changed (the
 * change feed was lost and is back: reload everything). */
typedef void (store_change_h)(const char *conf_uri, void *arg);
/* Calls h from the main loop for every committed change to a
 * conference or its members.  ENOTSUP for SQLite, which serves one
 * node: there SIGHUP or `confctl reload` apply changes. */
int  store_watch(struct store *st, store_change_h *h, void *arg);

/* EEXIST if the URI is taken. subject and creator may be NULL (""). */
int  store_conf_add(struct store *st, const char *uri, const char *subject,
		    const char *creator, bool open, bool anonymous,
		    enum confdef_srtp srtp);
/* Removes its participants too (ON DELETE CASCADE). ENOENT if absent. */
int  store_conf_del(struct store *st, const char *uri);
int  store_conf_set_policy(struct store *st, const char *uri, bool open,
			   bool anonymous, enum confdef_srtp srtp);
/* Which keying the conference allows (confdef.h CONFDEF_KEY_*, at least
 * one); EINVAL for none or unknown bits, ENOENT when it does not exist. */
int  store_conf_set_keying(struct store *st, const char *uri,
			   unsigned keying);
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


/*
 * The web interface (store_web.c, issue 11)
 */

/* A conference made by a creator account: every field of cd (uri,
 * subject, creator as SIP identity, policy, floor, notify_smime; not
 * the members) in one INSERT, owned by owner.  EEXIST if the URI is
 * taken. */
int  store_conf_create(struct store *st, const struct confdef *cd,
		       const char *owner);
/* Writes subject, creator and the whole policy of cd->uri at once. */
int  store_conf_update(struct store *st, const struct confdef *cd);

/* What a creator account may do with a conference */
enum store_access {
	STORE_ACCESS_NONE = 0,   /* may not even know it exists */
	STORE_ACCESS_VIEWER,     /* delegated: may look */
	STORE_ACCESS_CHAIR,      /* delegated: may change it, live too */
	STORE_ACCESS_OWNER,      /* its creator: also delete, delegate */
};
/* ENOENT when the conference does not exist */
int  store_conf_access(struct store *st, const char *uri, const char *name,
		       enum store_access *accp);
/* Calls h for each conference that name owns or is delegated to, in
 * creation order, until h returns true. */
int  store_conf_list_for(struct store *st, const char *name,
			 bool (*h)(const char *uri, enum store_access acc,
				   void *arg), void *arg);
int  store_conf_owner(struct store *st, const char *uri, char *buf,
		      size_t sz);

/* Delegation to another creator account: role STORE_ACCESS_VIEWER or
 * STORE_ACCESS_CHAIR.  ENOENT if the conference or account is absent. */
int  store_delegate_set(struct store *st, const char *uri, const char *name,
			enum store_access role);
int  store_delegate_del(struct store *st, const char *uri, const char *name);
int  store_delegate_list(struct store *st, const char *uri,
			 bool (*h)(const char *name, enum store_access role,
				   void *arg), void *arg);

/* Change kms_uid (NULL: keep; "" the sip_uri) and role of a member. */
int  store_part_update(struct store *st, const char *conf_uri,
		       const char *sip_uri, const char *kms_uid,
		       enum confdef_role role);

/* API tokens: only the SHA-256 of a token is kept.  *idp gets its id. */
enum { STORE_TOKEN_HASH_LEN = 32 };
int  store_token_add(struct store *st, const char *creator,
		     const char *label, const uint8_t *hash, int64_t *idp);
/* The account a token hash belongs to; ENOENT if none (revoked). */
int  store_token_find(struct store *st, const uint8_t *hash, char *creator,
		      size_t sz);
/* ENOENT if creator has no token id */
int  store_token_del(struct store *st, const char *creator, int64_t id);
int  store_token_list(struct store *st, const char *creator,
		      bool (*h)(int64_t id, const char *label,
				int64_t created, void *arg), void *arg);

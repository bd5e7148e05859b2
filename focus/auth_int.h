/**
 * @file auth_int.h  Who may act on a conference: the authenticated
 * identity of a request (focus/auth.c).
 *
 * From names nobody.  A request is authenticated by:
 *  - P-Asserted-Identity from a trusted peer (identity.c, RFC 3325);
 *  - the KMS UID that MIKEY-TICKET vouches for (mikey_in.c, events.c:
 *    decided once the ticket is resolved, so no digest is asked);
 *  - SIP digest (RFC 3261 section 22; RFC 8760 SHA-256, MD5 for older
 *    clients) against the member's stored HA1 (focus/digest.h).
 * A TLS client certificate would be a fourth way, but libre 1.1.0 gives
 * no access to the certificate of the connection a request came on
 * (docs/libre.md), so it is not offered.
 *
 * A closed conference, and every conference's event package, admit only
 * an authenticated identity: without credentials the request gets 401
 * with a challenge when a digest could help (the claimed From is a
 * member with credentials, or any member has some), else 403.  An open
 * conference admits an unauthenticated caller, marked as such; such a
 * caller is never chair.  A From that names a member with digest
 * credentials is challenged in an open conference too: nobody but that
 * member may appear under that name.
 *
 * Wrong credentials get 403, not another 401 (RFC 3261 22.1 allows
 * both): the client must not retry them, and a 403 ends a guessing
 * loop at once.  An unknown username is answered exactly like a wrong
 * password.
 */

struct auth;
struct confdef;
struct confdef_member;

enum { AUTH_ALG_MAX = 2 };

struct auth_cfg {
	enum digest_alg algv[AUTH_ALG_MAX];  /* challenge order */
	size_t algc;                   /* 0: MD5 only */
	uint32_t nonce_lifetime;       /* seconds; 0: 300 */
	size_t replay_max;             /* replay cache entries; 0: 4096 */
};

enum auth_result {
	AUTH_AUTHENTICATED = 0,        /* identity proven */
	AUTH_UNAUTHENTICATED,          /* admitted without proof (open) */
	AUTH_MIKEY,                    /* the KMS will vouch, or refuse */
	AUTH_CHALLENGE,                /* answer 401 with challenges */
	AUTH_REFUSE,                   /* answer scode/reason (403) */
};

/* What auth_decide() needs of a request, without SIP */
struct auth_req {
	struct pl met;                 /* method, for the digest's A2 */
	struct pl ruri;                /* the Request-URI as sent */
	struct sa src;                 /* where it came from */
	struct pl authz;               /* Authorization value; unset: none */
	const char *claimed;           /* the identity From claims */
	bool asserted;                 /* claimed came from a trusted PAI */
	bool mikey;                    /* MIKEY-TICKET keying in the body */
	bool closed;                   /* only authenticated identities */
	uint64_t now;                  /* seconds, monotonic */
};

struct auth_verdict {
	enum auth_result res;
	uint16_t scode;                /* for AUTH_REFUSE */
	const char *reason;
	bool stale;                    /* AUTH_CHALLENGE: stale=true */
	const struct confdef_member *m;  /* digest: the member proven */
	const char *why;               /* for the log */
};

int  auth_alloc(struct auth **ap, const struct auth_cfg *cfg);
/* The decision for one request on a conference of definition def.
 * Pure but for the replay cache: a successful digest is recorded. */
int  auth_decide(struct auth *a, const struct confdef *def,
		 const struct auth_req *r, struct auth_verdict *v);
/* The WWW-Authenticate header lines of a 401, one per configured
 * algorithm (RFC 8760 2.4: the preferred first). */
int  auth_challenge_print(struct auth *a, char *buf, size_t sz,
			  const struct confdef *def, const struct sa *src,
			  uint64_t now, bool stale);
/* The realm of a conference's credentials: the host of its URI. */
int  auth_realm(char *buf, size_t sz, const struct confdef *def);
uint64_t auth_now(void);

/* The answer for a request that was not admitted */
struct auth_reply {
	uint16_t scode;
	const char *reason;
	char hdrs[768];                /* WWW-Authenticate lines, or "" */
};

/* The glue for a request msg on conf: 0 when it is admitted (id now
 * holds the identity it may act as, and id->authenticated whether that
 * was proven); EACCES with rep filled when it must be answered with
 * rep->scode.  closed: treat the conference as closed (SUBSCRIBE). */
struct identity;
struct focus;
struct conference;
int  auth_check(struct focus *f, const struct conference *conf,
		const struct sip_msg *msg, struct identity *id, bool mikey,
		bool closed, struct auth_reply *rep);

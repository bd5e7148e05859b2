/**
 * @file confdef.h  A conference as its creator defined it.
 *
 * The store (confd/) reads these from SQLite and hands them to the
 * focus; the focus never touches SQL.
 */

enum confdef_srtp {
	CONFDEF_SRTP_REQUIRED = 0,  /* RTP/SAVP with acceptable a=crypto */
	CONFDEF_SRTP_OPTIONAL,      /* SRTP when offered, else plain RTP */
	CONFDEF_SRTP_OFF,           /* plain RTP only */
};

/* Which ways of keying media a conference allows (a set of these):
 * its policy, "sdes,dtls,mikey,tls" by default (all). */
enum confdef_keying {
	CONFDEF_KEY_SDES  = 1 << 0,  /* a=crypto (RFC 4568) */
	CONFDEF_KEY_DTLS  = 1 << 1,  /* DTLS-SRTP (RFC 5763, RFC 5764) */
	CONFDEF_KEY_MIKEY = 1 << 2,  /* MIKEY-TICKET (and its TLS-PSK) */
	CONFDEF_KEY_TLS   = 1 << 3,  /* TLS pinned by a=fingerprint:
					MSRP and BFCP (RFC 8122) */
	CONFDEF_KEY_ALL   = 0xf,
};

enum confdef_role {
	CONFDEF_PARTICIPANT = 0,
	CONFDEF_CHAIR,
};

enum confdef_audio_floor {
	CONFDEF_AUDIO_FLOOR_OFF = 0,   /* everyone is mixed */
	CONFDEF_AUDIO_FLOOR_AUTO,      /* BFCP audio floor, granted when free */
	CONFDEF_AUDIO_FLOOR_CHAIR,     /* BFCP audio floor, chair-moderated */
};

/* BFCP floor policy (RFC 8855): the presentation floor always exists. */
struct confdef_floor {
	bool pres_chair;            /* chair-moderated, else automatic */
	unsigned pres_max;          /* simultaneous holders, 1..16 */
	enum confdef_audio_floor audio;
};

struct confdef_member {
	struct le le;
	struct le he;               /* in confdef.memberh (confdef.c) */
	uint32_t uri_key;           /* hash of the canonical URI */
	char *sip_uri;              /* e.g. "sip:alice@example.org" */
	char *kms_uid;              /* defaults to sip_uri */
	enum confdef_role role;
	/* How this member proves who they are when nobody asserts it
	 * (see focus/digest.h): digest credentials as HA1 only, for the
	 * realm they were set in, and a TLS client certificate. */
	char *auth_user;            /* digest username, "" none */
	char *realm;                /* realm the HA1s belong to */
	bool has_digest;
	uint8_t ha1_md5[16];        /* wiped when the member is freed */
	uint8_t ha1_sha256[32];
	char *cert_fp;              /* "sha-256 AB:CD:..", "" none */
};

struct confdef {
	struct le le;
	char *uri;                  /* conference URI, "sip:room@domain" */
	char *subject;
	char *creator;
	bool open;                  /* anyone may join */
	bool anonymous;             /* anonymous callers may join */
	enum confdef_srtp srtp;
	unsigned keying;            /* enum confdef_keying bits, never 0 */
	struct confdef_floor floor;
	bool notify_smime;          /* event NOTIFYs only under PSK S/MIME */
	struct list members;        /* struct confdef_member */
	/* The members again, by a hash of their canonical SIP URI, so that
	 * adding n members (each checked for a duplicate) and looking one up
	 * do not cost O(n) URI comparisons each (issue 11).  Only members
	 * added through confdef_member_add are in it; NULL until the first. */
	struct hash *memberh;
};

int  confdef_alloc(struct confdef **cdp, const char *uri);
int  confdef_member_add(struct confdef *cd, const char *sip_uri,
			const char *kms_uid, enum confdef_role role);
const struct confdef_member *confdef_member_find(const struct confdef *cd,
						 const char *sip_uri);
/* Credentials of an existing member (focus/digest.h for HA1). */
int  confdef_member_set_digest(struct confdef_member *m,
			       const char *auth_user, const char *realm,
			       const uint8_t *ha1_md5,
			       const uint8_t *ha1_sha256);
int  confdef_member_set_cert(struct confdef_member *m, const char *fp);
/* The member whose digest username is user, NULL if none */
const struct confdef_member *confdef_member_find_auth(const struct confdef *cd,
						      const struct pl *user);
/* The member whose registered certificate fingerprint is fp */
const struct confdef_member *confdef_member_find_cert(const struct confdef *cd,
						      const char *fp);
const struct confdef_member *confdef_member_find_kms(const struct confdef *cd,
						     const char *kms_uid);
const char *confdef_srtp_name(enum confdef_srtp srtp);
int  confdef_srtp_decode(enum confdef_srtp *srtp, const char *name);
/* "sdes,dtls,mikey,tls" <-> bits: a comma list of those names (each
 * at most once, at least one), or "all".  EINVAL otherwise. */
int  confdef_keying_decode(unsigned *keying, const char *list);
int  confdef_keying_print(char *buf, size_t size, unsigned keying);
const char *confdef_keying_name(enum confdef_keying k);
const char *confdef_audio_floor_name(enum confdef_audio_floor af);
int  confdef_audio_floor_decode(enum confdef_audio_floor *af,
				const char *name);
const char *confdef_role_name(enum confdef_role role);
int  confdef_role_decode(enum confdef_role *role, const char *name);
/* Compare two SIP URIs for authorization: scheme, user and host, with
 * the host case-insensitive; URI parameters and headers are ignored.
 * sip: and sips: never match each other; an absent port equals the
 * scheme's default port.  A URI that is not a valid bare sip:/sips: URI
 * matches nothing. */
bool confdef_uri_match(const char *a, const char *b);
/* A hash of uri's identity: two URIs that confdef_uri_match() holds
 * equal have the same key (the converse need not hold).  EINVAL when uri
 * is not a valid bare sip:/sips: URI, i.e. matches nothing.  For checking
 * one URI against many without comparing every pair in full. */
int  confdef_uri_key(uint32_t *keyp, const char *uri);
/* True if uri is a bare sip: or sips: URI (no display name or angle
 * brackets) with a host, a port in range and no stray characters. */
bool confdef_uri_valid(const char *uri);

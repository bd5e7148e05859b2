/**
 * @file confdef.c  A conference as its creator defined it: the list of
 * authorized members, and the SIP URI comparison used to look them up.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"


/* A SIP URI longer than this is not a plausible identity; refusing it
 * up front bounds every later copy. */
#define CONFDEF_URI_MAX 1024

/* Buckets of confdef.memberh: each member also carries its full key,
 * compared before any URI is parsed, so a long bucket stays cheap. */
#define CONFDEF_MEMBER_BUCKETS 128


static uint16_t uri_port(const struct uri *u);
static struct confdef_member *find_keyed(const struct confdef *cd,
					 uint32_t key, const char *sip_uri);


static void member_destructor(void *arg)
{
	struct confdef_member *m = arg;

	list_unlink(&m->le);
	hash_unlink(&m->he);
	mem_deref(m->sip_uri);
	mem_deref(m->kms_uid);
	mem_deref(m->auth_user);
	mem_deref(m->realm);
	mem_deref(m->cert_fp);
	/* HA1 is password-equivalent within its realm */
	OPENSSL_cleanse(m->ha1_md5, sizeof(m->ha1_md5));
	OPENSSL_cleanse(m->ha1_sha256, sizeof(m->ha1_sha256));
}


static void confdef_destructor(void *arg)
{
	struct confdef *cd = arg;

	list_unlink(&cd->le);
	list_flush(&cd->members);
	mem_deref(cd->memberh);
	mem_deref(cd->uri);
	mem_deref(cd->subject);
	mem_deref(cd->creator);
}


int confdef_alloc(struct confdef **cdp, const char *uri)
{
	struct confdef *cd;
	int err;

	if (!cdp || !str_isset(uri))
		return EINVAL;

	cd = mem_zalloc(sizeof(*cd), confdef_destructor);
	if (!cd)
		return ENOMEM;

	list_init(&cd->members);
	cd->srtp = CONFDEF_SRTP_REQUIRED;
	cd->keying = CONFDEF_KEY_ALL;
	cd->floor.pres_max = 1;

	/* subject and creator start empty rather than NULL so that
	 * readers can print them without checking */
	err  = str_dup(&cd->uri, uri);
	err |= str_dup(&cd->subject, "");
	err |= str_dup(&cd->creator, "");
	if (err) {
		mem_deref(cd);
		return ENOMEM;
	}

	*cdp = cd;
	return 0;
}


int confdef_member_add(struct confdef *cd, const char *sip_uri,
		       const char *kms_uid, enum confdef_role role)
{
	struct confdef_member *m;
	uint32_t key = 0;
	bool keyed;
	int err;

	if (!cd || !str_isset(sip_uri))
		return EINVAL;
	if (role != CONFDEF_PARTICIPANT && role != CONFDEF_CHAIR)
		return EINVAL;

	/* A URI that does not parse matches nothing (confdef_uri_match):
	 * it is never a duplicate, and it stays out of the hash, where
	 * lookups could never find it anyway. */
	keyed = 0 == confdef_uri_key(&key, sip_uri);

	/* Two entries for one identity would make the role ambiguous */
	if (keyed && find_keyed(cd, key, sip_uri))
		return EEXIST;

	if (keyed && !cd->memberh &&
	    hash_alloc(&cd->memberh, CONFDEF_MEMBER_BUCKETS))
		return ENOMEM;

	m = mem_zalloc(sizeof(*m), member_destructor);
	if (!m)
		return ENOMEM;

	err  = str_dup(&m->sip_uri, sip_uri);
	err |= str_dup(&m->kms_uid, str_isset(kms_uid) ? kms_uid : sip_uri);
	if (err) {
		mem_deref(m);
		return ENOMEM;
	}

	m->role = role;
	m->uri_key = key;
	list_append(&cd->members, &m->le, m);
	if (keyed)
		hash_append(cd->memberh, key, &m->he, m);

	return 0;
}


int confdef_member_set_digest(struct confdef_member *m,
			      const char *auth_user, const char *realm,
			      const uint8_t *ha1_md5,
			      const uint8_t *ha1_sha256)
{
	int err;

	if (!m || !str_isset(auth_user) || !realm || !ha1_md5 ||
	    !ha1_sha256)
		return EINVAL;

	m->auth_user = mem_deref(m->auth_user);
	m->realm = mem_deref(m->realm);
	err  = str_dup(&m->auth_user, auth_user);
	err |= str_dup(&m->realm, realm);
	if (err)
		return ENOMEM;

	memcpy(m->ha1_md5, ha1_md5, sizeof(m->ha1_md5));
	memcpy(m->ha1_sha256, ha1_sha256, sizeof(m->ha1_sha256));
	m->has_digest = true;

	return 0;
}


int confdef_member_set_cert(struct confdef_member *m, const char *fp)
{
	if (!m || !fp)
		return EINVAL;

	m->cert_fp = mem_deref(m->cert_fp);

	return str_dup(&m->cert_fp, fp);
}


const struct confdef_member *confdef_member_find_auth(const struct confdef *cd,
						      const struct pl *user)
{
	struct le *le;

	if (!cd || !pl_isset(user))
		return NULL;

	/* digest usernames compare exactly (RFC 7616 3.4.4 leaves them
	 * case-sensitive) */
	for (le = cd->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		if (m->has_digest && !pl_strcmp(user, m->auth_user))
			return m;
	}

	return NULL;
}


const struct confdef_member *confdef_member_find_cert(const struct confdef *cd,
						      const char *fp)
{
	struct le *le;

	if (!cd || !str_isset(fp))
		return NULL;

	for (le = cd->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		if (str_isset(m->cert_fp) && !str_casecmp(m->cert_fp, fp))
			return m;
	}

	return NULL;
}


/* Equal under confdef_uri_match implies an equal key, so only the
 * members with this key need the full comparison. */
static struct confdef_member *find_keyed(const struct confdef *cd,
					 uint32_t key, const char *sip_uri)
{
	struct le *le;

	if (!cd->memberh)
		return NULL;

	for (le = list_head(hash_list(cd->memberh, key)); le; le = le->next) {
		struct confdef_member *m = le->data;

		if (m->uri_key == key &&
		    confdef_uri_match(m->sip_uri, sip_uri))
			return m;
	}

	return NULL;
}


const struct confdef_member *confdef_member_find(const struct confdef *cd,
						 const char *sip_uri)
{
	uint32_t key;

	if (!cd || !sip_uri)
		return NULL;

	/* a URI without a key matches nothing */
	if (confdef_uri_key(&key, sip_uri))
		return NULL;

	return find_keyed(cd, key, sip_uri);
}


const struct confdef_member *confdef_member_find_kms(const struct confdef *cd,
						     const char *kms_uid)
{
	struct le *le;

	if (!cd || !kms_uid)
		return NULL;

	/* KMS UIDs are opaque to us: the KMS vouched for exactly these
	 * bytes, so any normalisation would widen who is admitted */
	for (le = cd->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		if (0 == strcmp(m->kms_uid, kms_uid))
			return m;
	}

	return NULL;
}


const char *confdef_srtp_name(enum confdef_srtp srtp)
{
	switch (srtp) {

	case CONFDEF_SRTP_REQUIRED: return "required";
	case CONFDEF_SRTP_OPTIONAL: return "optional";
	case CONFDEF_SRTP_OFF:      return "off";
	default:                    return "?";
	}
}


static const struct {
	const char *name;
	enum confdef_keying bit;
} keyings[] = {
	{"sdes",  CONFDEF_KEY_SDES},
	{"dtls",  CONFDEF_KEY_DTLS},
	{"mikey", CONFDEF_KEY_MIKEY},
	{"tls",   CONFDEF_KEY_TLS},
};


const char *confdef_keying_name(enum confdef_keying k)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keyings); i++) {
		if (keyings[i].bit == k)
			return keyings[i].name;
	}

	return "?";
}


int confdef_keying_decode(unsigned *keying, const char *list)
{
	unsigned k = 0;
	const char *s;
	size_t i;

	if (!keying || !list)
		return EINVAL;

	if (!strcmp(list, "all")) {
		*keying = CONFDEF_KEY_ALL;
		return 0;
	}

	for (s = list; ; ) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		for (i = 0; i < ARRAY_SIZE(keyings); i++) {
			if (strlen(keyings[i].name) == n &&
			    !strncmp(keyings[i].name, s, n))
				break;
		}
		if (i >= ARRAY_SIZE(keyings) || (k & keyings[i].bit))
			return EINVAL;
		k |= keyings[i].bit;

		if (!e)
			break;
		s = e + 1;
	}

	*keying = k;
	return 0;
}


int confdef_keying_print(char *buf, size_t size, unsigned keying)
{
	size_t i, len = 0;

	if (!buf || !size)
		return EINVAL;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(keyings); i++) {
		int n;

		if (!(keying & keyings[i].bit))
			continue;
		n = re_snprintf(buf + len, size - len, "%s%s",
				len ? "," : "", keyings[i].name);
		if (n < 0 || (size_t)n >= size - len)
			return ENOMEM;
		len += (size_t)n;
	}

	return len ? 0 : EINVAL;
}


const char *confdef_audio_floor_name(enum confdef_audio_floor af)
{
	switch (af) {

	case CONFDEF_AUDIO_FLOOR_OFF:   return "off";
	case CONFDEF_AUDIO_FLOOR_AUTO:  return "auto";
	case CONFDEF_AUDIO_FLOOR_CHAIR: return "chair";
	default:                        return "?";
	}
}


int confdef_audio_floor_decode(enum confdef_audio_floor *af,
			       const char *name)
{
	if (!af || !name)
		return EINVAL;

	if (0 == strcmp(name, "off"))
		*af = CONFDEF_AUDIO_FLOOR_OFF;
	else if (0 == strcmp(name, "auto"))
		*af = CONFDEF_AUDIO_FLOOR_AUTO;
	else if (0 == strcmp(name, "chair"))
		*af = CONFDEF_AUDIO_FLOOR_CHAIR;
	else
		return EINVAL;

	return 0;
}


int confdef_srtp_decode(enum confdef_srtp *srtp, const char *name)
{
	if (!srtp || !name)
		return EINVAL;

	if (0 == strcmp(name, "required"))
		*srtp = CONFDEF_SRTP_REQUIRED;
	else if (0 == strcmp(name, "optional"))
		*srtp = CONFDEF_SRTP_OPTIONAL;
	else if (0 == strcmp(name, "off"))
		*srtp = CONFDEF_SRTP_OFF;
	else
		return EINVAL;

	return 0;
}


const char *confdef_role_name(enum confdef_role role)
{
	switch (role) {

	case CONFDEF_PARTICIPANT: return "participant";
	case CONFDEF_CHAIR:       return "chair";
	default:                  return "?";
	}
}


int confdef_role_decode(enum confdef_role *role, const char *name)
{
	if (!role || !name)
		return EINVAL;

	if (0 == strcmp(name, "participant"))
		*role = CONFDEF_PARTICIPANT;
	else if (0 == strcmp(name, "chair"))
		*role = CONFDEF_CHAIR;
	else
		return EINVAL;

	return 0;
}


static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}


/*
 * libre's uri_decode() is a regex search, not an anchored parse: it
 * accepts "<sip:a@b>" with scheme "<sip" and host "b>", and wraps a
 * port of 99999.  So the pieces it returns are checked again here.
 */
static int uri_parse(struct uri *uri, const char *str)
{
	struct pl pl;
	const char *p, *end;
	size_t i, len;
	uint32_t port = 0;

	if (!str)
		return EINVAL;

	len = strlen(str);
	if (len == 0 || len > CONFDEF_URI_MAX)
		return EINVAL;

	/* A bare URI: no spaces, controls or name-addr punctuation */
	for (i = 0; i < len; i++) {
		unsigned char c = str[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' ||
		    c == '"')
			return EINVAL;
	}

	pl.p = str;
	pl.l = len;
	if (uri_decode(uri, &pl))
		return EINVAL;

	if (uri->scheme.p != str)
		return EINVAL;
	if (pl_strcasecmp(&uri->scheme, "sip") &&
	    pl_strcasecmp(&uri->scheme, "sips"))
		return EINVAL;
	if (!pl_isset(&uri->host))
		return EINVAL;

	if (uri->af == AF_INET6) {
		/* uri_decode strips the brackets of an IPv6 reference */
		if (uri->host.p == str || uri->host.p[-1] != '[')
			return EINVAL;
		p = uri->host.p + uri->host.l;
		if (*p != ']')
			return EINVAL;
		++p;
	}
	else {
		for (i = 0; i < uri->host.l; i++) {
			if (!host_char(uri->host.p[i]))
				return EINVAL;
		}
		p = uri->host.p + uri->host.l;
	}

	/* Port: digits only, up to where parameters or headers start */
	end = str + len;
	if (p < end && *p == ':') {
		++p;
		if (p >= end || *p < '0' || *p > '9')
			return EINVAL;
		while (p < end && *p >= '0' && *p <= '9') {
			port = port * 10 + (uint32_t)(*p - '0');
			if (port > 65535)
				return EINVAL;
			++p;
		}
		if (port == 0)
			return EINVAL;
	}
	if (p < end && *p != ';' && *p != '?')
		return EINVAL;

	return 0;
}


/*
 * A hash that two URIs equal under confdef_uri_match always share:
 * the scheme without case, the user unescaped, the host without case
 * (an IP literal as its address, which sa_set normalises), the port
 * with the scheme's default filled in.  EINVAL when the URI does not
 * parse, i.e. matches nothing.
 */
int confdef_uri_key(uint32_t *keyp, const char *str)
{
	char user[CONFDEF_URI_MAX + 1], host[64];
	struct uri u;
	struct sa sa;
	uint32_t key;
	uint16_t port;
	int err;

	if (!keyp || uri_parse(&u, str))
		return EINVAL;

	key = hash_joaat_pl_ci(&u.scheme);

	/* The unescaped user is never longer than the user itself.  A user
	 * that does not unescape only matches its exact text (user_match),
	 * so then the text itself is hashed. */
	if (!pl_strchr(&u.user, '%')) {
		/* nothing to unescape (the common case: no formatting) */
		key = key * 33 ^ hash_joaat_pl(&u.user);
	}
	else {
		err = re_snprintf(user, sizeof(user), "%H",
				  uri_user_unescape, &u.user);
		if (err < 0)
			key = key * 33 ^ hash_joaat_pl(&u.user) ^ 0x5a5a5a5a;
		else
			key = key * 33 ^ hash_joaat_str(user);
	}

	if (u.af != AF_UNSPEC) {
		if (sa_set(&sa, &u.host, 0) ||
		    re_snprintf(host, sizeof(host), "%j", &sa) < 0)
			return EINVAL;
		key = key * 33 ^ hash_joaat_str(host);
	}
	else {
		key = key * 33 ^ hash_joaat_pl_ci(&u.host);
	}

	port = uri_port(&u);
	key = key * 33 ^ port;

	*keyp = key;
	return 0;
}


bool confdef_uri_valid(const char *uri)
{
	struct uri u;

	return 0 == uri_parse(&u, uri);
}


static uint16_t uri_port(const struct uri *u)
{
	if (u->port)
		return u->port;

	return pl_strcasecmp(&u->scheme, "sips") ? 5060 : 5061;
}


/* Users compare case-sensitively but escapes are equivalent to the
 * characters they stand for (RFC 3261 19.1.4), so "%61lice" is "alice". */
static bool user_match(const struct pl *a, const struct pl *b)
{
	char *ua = NULL, *ub = NULL;
	bool match = false;

	if (!pl_cmp(a, b))
		return true;

	if (re_sdprintf(&ua, "%H", uri_user_unescape, a) ||
	    re_sdprintf(&ub, "%H", uri_user_unescape, b))
		goto out;

	match = 0 == strcmp(ua, ub);

 out:
	mem_deref(ua);
	mem_deref(ub);
	return match;
}


static bool host_match(const struct uri *a, const struct uri *b)
{
	struct sa sa, sb;

	/* IP literals compare as addresses so that "::1" equals
	 * "0:0:0:0:0:0:0:1" */
	if (a->af != AF_UNSPEC && b->af != AF_UNSPEC) {
		if (sa_set(&sa, &a->host, 0) || sa_set(&sb, &b->host, 0))
			return false;
		return sa_cmp(&sa, &sb, SA_ADDR);
	}

	return 0 == pl_casecmp(&a->host, &b->host);
}


/*
 * RFC 3261 19.1.4 in spirit, for deciding who someone is:
 *  - sip and sips are different URIs (19.1.4 says they are never
 *    equivalent), so a member listed as sip: is not matched by sips:
 *    and the other way round; the scheme itself is case-insensitive;
 *  - the user part is case-sensitive, after unescaping;
 *  - the host is case-insensitive, IP literals compare as addresses;
 *  - an absent port equals the scheme's default port (5060 / 5061).
 *    19.1.4 would keep them apart, but a creator who writes
 *    sip:alice@example.org means alice whatever port her From shows;
 *  - parameters, headers and any password are ignored: they say how
 *    to reach someone, not who they are.
 */
bool confdef_uri_match(const char *a, const char *b)
{
	struct uri ua, ub;

	if (uri_parse(&ua, a) || uri_parse(&ub, b))
		return false;

	if (pl_casecmp(&ua.scheme, &ub.scheme))
		return false;

	if (!user_match(&ua.user, &ub.user))
		return false;

	if (!host_match(&ua, &ub))
		return false;

	return uri_port(&ua) == uri_port(&ub);
}

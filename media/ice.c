/**
 * @file ice.c  The ICE-lite responder of one stream (stun_int.h).
 *
 * RFC 8445 2.5: a lite agent has only host candidates, never sends
 * checks and is always controlled; it answers the full agent's Binding
 * requests.  A request counts (RFC 8445 7.3, RFC 5389 10.1.2) when its
 * FINGERPRINT (if any) is right, USERNAME is "our-ufrag:their-ufrag"
 * and MESSAGE-INTEGRITY verifies with our password: only who read our
 * SDP answer can make one, so a successful check is consent to send to
 * its source (RFC 7675), as an authenticated SRTP packet is.
 */
#include <string.h>
#include <re.h>
#include "media/stun_int.h"


enum { CRED_MAX = 256 };

struct media_ice {
	char lufrag[CRED_MAX];
	char lpwd[CRED_MAX];
	char rufrag[CRED_MAX];
};


static void destructor(void *arg)
{
	struct media_ice *ice = arg;

	memset(ice->lpwd, 0, sizeof(ice->lpwd));
}


int media_ice_alloc(struct media_ice **icep, const char *lufrag,
		    const char *lpwd, const char *rufrag)
{
	struct media_ice *ice;

	if (!icep || !lufrag || !lpwd || !rufrag ||
	    strlen(lufrag) >= CRED_MAX || strlen(lpwd) >= CRED_MAX ||
	    strlen(rufrag) >= CRED_MAX)
		return EINVAL;

	ice = mem_zalloc(sizeof(*ice), destructor);
	if (!ice)
		return ENOMEM;

	str_ncpy(ice->lufrag, lufrag, sizeof(ice->lufrag));
	str_ncpy(ice->lpwd, lpwd, sizeof(ice->lpwd));
	str_ncpy(ice->rufrag, rufrag, sizeof(ice->rufrag));

	*icep = ice;
	return 0;
}


bool media_ice_same(const struct media_ice *ice, const char *lufrag,
		    const char *lpwd, const char *rufrag)
{
	return ice && lufrag && lpwd && rufrag &&
		!strcmp(ice->lufrag, lufrag) && !strcmp(ice->lpwd, lpwd) &&
		!strcmp(ice->rufrag, rufrag);
}


/* RFC 8445 7.3: "the username ... MUST be of the form LFRAG:RFRAG" from
 * the receiver's point of view; the left part is ours */
static bool username_ok(const struct media_ice *ice,
			const struct media_stun_msg *m)
{
	const size_t l = strlen(ice->lufrag), r = strlen(ice->rufrag);

	return m->username_len == l + 1 + r &&
		!memcmp(m->username, ice->lufrag, l) &&
		m->username[l] == ':' &&
		!memcmp(m->username + l + 1, ice->rufrag, r);
}


static enum media_ice_verdict error(const struct media_stun_msg *m,
				    uint16_t code, const char *reason,
				    uint8_t *out, size_t size, size_t *outlen)
{
	if (media_stun_error(out, size, outlen, m->tid, m->method, code,
			     reason, code == 420 ? m->unknown : NULL,
			     code == 420 ? m->unknownc : 0))
		return MEDIA_ICE_DROP;

	return MEDIA_ICE_REPLY;
}


enum media_ice_verdict media_ice_input(const struct media_ice *ice,
				       const uint8_t *p, size_t len,
				       const struct sa *src, uint8_t *out,
				       size_t size, size_t *outlen,
				       bool *nominated)
{
	struct media_stun_msg m;

	if (!ice || !p || !src || !out || !outlen)
		return MEDIA_ICE_DROP;
	if (nominated)
		*nominated = false;

	/* not STUN, a bad FINGERPRINT (RFC 5389 7.3), or no request:
	 * silently dropped.  A lite agent sends no checks, so responses
	 * are nobody's */
	if (media_stun_decode(&m, p, len) ||
	    !media_stun_fingerprint_ok(&m, p) ||
	    m.cls != MEDIA_STUN_REQUEST)
		return MEDIA_ICE_DROP;

	if (m.method != MEDIA_STUN_BINDING)
		return error(&m, 400, "Bad Request", out, size, outlen);

	/* RFC 5389 10.1.2 */
	if (!m.username || !m.mi_off)
		return error(&m, 400, "Bad Request", out, size, outlen);
	if (!username_ok(ice, &m) ||
	    !media_stun_integrity_ok(&m, p, ice->lpwd))
		return error(&m, 401, "Unauthorized", out, size, outlen);

	if (m.unknownc)
		return error(&m, 420, "Unknown Attribute", out, size, outlen);

	/* RFC 8445 7.3: a request must say PRIORITY and its role */
	if (!m.has_priority || !(m.controlling || m.controlled))
		return error(&m, 400, "Bad Request", out, size, outlen);

	if (media_stun_success(out, size, outlen, m.tid, src, ice->lpwd))
		return MEDIA_ICE_DROP;

	if (nominated)
		*nominated = m.use_candidate;

	return MEDIA_ICE_CHECKED;
}

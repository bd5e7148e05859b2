/**
 * @file sdp_ice.c  ICE-lite offers and answers (sdp_ice_int.h).
 */
#include <string.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/sdp_ice_int.h"


/* RFC 8839 5.4: ice-char = ALPHA / DIGIT / "+" / "/" */
static bool ice_chars(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
			return false;
	}

	return n >= min && n <= max;
}


int icepick_offer(struct icepick *ic, const struct participant *p,
		  const struct sdp_media *m, struct negotiation_error *ne)
{
	const char *ufrag = oa_rattr(p, m, "ice-ufrag");
	const char *pwd = oa_rattr(p, m, "ice-pwd");

	memset(ic, 0, sizeof(*ic));
	if (!ufrag && !pwd)
		return 0;

	if (!ufrag || !pwd || !ice_chars(ufrag, 4, 256) ||
	    !ice_chars(pwd, 22, 256)) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "Malformed a=ice-ufrag or a=ice-pwd";
		return EPROTO;
	}

	ic->offered = true;
	str_ncpy(ic->rufrag, ufrag, sizeof(ic->rufrag));
	str_ncpy(ic->rpwd, pwd, sizeof(ic->rpwd));
	return 0;
}


static int random_chars(char *s, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t rnd[64];
	size_t i;

	if (n > sizeof(rnd) || RAND_bytes(rnd, (int)n) != 1)
		return EIO;
	for (i = 0; i < n; i++)
		s[i] = set[rnd[i] & 63];
	s[n] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}


void iceours_wipe(struct iceours *ours)
{
	OPENSSL_cleanse(ours, sizeof(*ours));
}


int icepick_answer(struct iceours *ours, struct sdp_session *sess,
		   struct sdp_media *m, const struct icepick *ic,
		   const struct sa *maddr, uint16_t port, bool mux)
{
	int err;

	sdp_media_del_lattr(m, "ice-ufrag");
	sdp_media_del_lattr(m, "ice-pwd");
	sdp_media_del_lattr(m, "candidate");
	sdp_session_del_lattr(sess, "ice-lite");

	if (!ic->offered)
		return 0;

	if (!ours->valid || strcmp(ours->rufrag, ic->rufrag) ||
	    strcmp(ours->rpwd, ic->rpwd)) {
		iceours_wipe(ours);
		err  = random_chars(ours->ufrag, ICEPICK_UFRAG);
		err |= random_chars(ours->pwd, ICEPICK_PWD);
		if (err)
			return EIO;
		str_ncpy(ours->rufrag, ic->rufrag, sizeof(ours->rufrag));
		str_ncpy(ours->rpwd, ic->rpwd, sizeof(ours->rpwd));
		ours->valid = true;
	}

	/* RFC 8445 5.1.2.1: host type preference 126, one address
	 * (local preference 65535), 256 - component */
	err  = sdp_session_set_lattr(sess, true, "ice-lite", NULL);
	err |= sdp_media_set_lattr(m, true, "ice-ufrag", "%s", ours->ufrag);
	err |= sdp_media_set_lattr(m, true, "ice-pwd", "%s", ours->pwd);
	err |= sdp_media_set_lattr(m, false, "candidate",
				   "1 1 UDP %u %j %u typ host",
				   (126u << 24) | (65535u << 8) | 255u,
				   maddr, port);
	if (!mux)
		err |= sdp_media_set_lattr(m, false, "candidate",
					   "1 2 UDP %u %j %u typ host",
					   (126u << 24) | (65535u << 8) | 254u,
					   maddr, port + 1);

	return err ? ENOMEM : 0;
}

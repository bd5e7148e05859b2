/**
 * @file srtcp.c  SRTCP receive side (RFC 3711 3.4, RFC 7714 9)
 *
 * The keys and streams come from srtp.c, the replay window from
 * replay.c.  As for SRTP, a stream's state changes only after the
 * packet authenticated.
 */
#include <string.h>
#include <re.h>
#include "media/srtp_int.h"


enum {
	SALT_CM = MEDIA_SRTP_SALT_CM,
	GCM_TAG = MEDIA_SRTP_GCM_TAG,
};


static bool rtcp_cm(struct media_srtprx *rx, uint8_t *p, size_t len,
		    size_t tag_len, size_t *body, uint32_t *ix, bool *e)
{
	size_t eoff;
	uint32_t v, ssrc;
	uint8_t iv[16];
	size_t i;

	if (len < (size_t)(8 + 4) + rx->mki_len + tag_len)
		return false;

	/* RFC 3711 3.4: hdr | cipher | E+index | MKI | tag */
	eoff = len - tag_len - rx->mki_len - 4;
	if (!media_srtp_hmac_ok(&rx->rtcp, p, eoff + 4, NULL, 0,
				p + eoff + 4 + rx->mki_len, tag_len))
		return false;

	v = media_srtp_rd32(p + eoff);
	*e = v >> 31;
	*ix = v & 0x7fffffff;
	*body = eoff;

	if (!*e)
		return true;

	ssrc = media_srtp_rd32(p + 4);

	memset(iv, 0, sizeof(iv));
	memcpy(iv, rx->rtcp.salt, SALT_CM);
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		iv[10 + i] ^= (uint8_t)(*ix >> (24 - 8 * i));

	return media_srtp_ctr(&rx->rtcp, iv, p + 8, eoff - 8);
}


static bool rtcp_gcm(struct media_srtprx *rx, uint8_t *p, size_t len,
		     size_t *body, uint32_t *ix, bool *e)
{
	size_t eoff, clen;
	uint32_t v;
	uint8_t iv[12];
	size_t i;

	if (len < (size_t)(8 + GCM_TAG + 4) + rx->mki_len)
		return false;

	/* RFC 7714 9: hdr | cipher | tag | E+index | MKI */
	eoff = len - rx->mki_len - 4;
	v = media_srtp_rd32(p + eoff);
	*e = v >> 31;
	*ix = v & 0x7fffffff;
	clen = eoff - GCM_TAG - 8;

	memset(iv, 0, sizeof(iv));
	memcpy(iv + 2, p + 4, 4);
	media_srtp_wr32(iv + 8, *ix);
	for (i = 0; i < sizeof(iv); i++)
		iv[i] ^= rx->rtcp.salt[i];

	*body = 8 + clen;

	if (*e) {
		/* 9.2: AAD is header, SSRC, E+index */
		return media_srtp_gcm_open(&rx->rtcp, iv, p, 8, p + eoff, 4,
					   p + 8, clen, p + 8 + clen);
	}

	/* 9.3: everything is AAD, the cipher is the tag alone */
	return media_srtp_gcm_open(&rx->rtcp, iv, p, 8 + clen, p + eoff, 4,
				   NULL, 0, p + 8 + clen);
}


/**
 * Authenticate (and decrypt when the E flag says so) one SRTCP packet.
 */
int media_srtprx_rtcp(struct media_srtprx *rx, uint8_t *p, size_t *lenp)
{
	struct media_srtp_stream *s;
	size_t len, body = 0;
	uint32_t ix = 0, ssrc;
	bool e = false, ok;

	if (!rx || !p || !lenp)
		return EINVAL;

	len = *lenp;
	if (len < 8 || (p[0] >> 6) != RTCP_VERSION)
		return EBADMSG;

	if (rx->gcm) {
		ok = rtcp_gcm(rx, p, len, &body, &ix, &e);
	}
	else {
		ok = rtcp_cm(rx, p, len, rx->rtcp_tag_len, &body, &ix, &e);

		/* libre (and so baresip) sends a 32-bit SRTCP tag with
		 * the _32 suites; accept that too. */
		if (!ok && rx->tag_len != rx->rtcp_tag_len)
			ok = rtcp_cm(rx, p, len, rx->tag_len,
				     &body, &ix, &e);
	}

	if (!ok)
		return EAUTH;

	ssrc = media_srtp_rd32(p + 4);

	/* authenticated: a replay is refused, a new SSRC takes a slot */
	s = media_srtp_stream_find(rx, ssrc);
	if (s && !media_replay_check(&s->rtcp, ix))
		return EALREADY;
	if (!s)
		s = media_srtp_stream_new(rx, ssrc);
	media_replay_update(&s->rtcp, ix);
	s->last_use = ++rx->use;

	*lenp = body;
	return 0;
}

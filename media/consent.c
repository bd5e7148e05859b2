/**
 * @file consent.c  Media consent: symmetric RTP latching and the idle
 * clock of one stream (see consent_int.h for the rules and why).
 */
#include <string.h>
#include <re.h>
#include "media/consent_int.h"


void media_consent_init(struct media_consent *c, uint64_t now)
{
	if (!c)
		return;

	memset(c, 0, sizeof(*c));
	c->hold = true;
	c->last = now;
}


/**
 * An answer was given (first or re-INVITE).  The latch stays: a
 * re-INVITE does not move media, packets do.  The idle clock restarts
 * only when the stream comes out of hold, so that re-INVITEs cannot keep
 * a silent call alive.
 */
void media_consent_answer(struct media_consent *c, const struct sa *sdp_rtp,
			  const struct sa *sdp_rtcp, bool hold, uint64_t now)
{
	if (!c)
		return;

	if (sdp_rtp)
		c->sdp_rtp = *sdp_rtp;
	else
		sa_init(&c->sdp_rtp, AF_UNSPEC);
	if (sdp_rtcp)
		c->sdp_rtcp = *sdp_rtcp;
	else
		sa_init(&c->sdp_rtcp, AF_UNSPEC);

	if (c->hold && !hold)
		c->last = now;

	c->hold = hold;
}


void media_consent_rtp(struct media_consent *c, const struct sa *src,
		       uint64_t now)
{
	if (!c || !src || !sa_isset(src, SA_ALL))
		return;

	if (!c->rtp_ok || !sa_cmp(&c->rtp, src, SA_ALL)) {
		c->rtp = *src;
		c->rtp_ok = true;
		++c->latches;
	}

	c->last = now;
	++c->packets;
}


void media_consent_rtcp(struct media_consent *c, const struct sa *src,
			bool mux, uint64_t now)
{
	if (!c || !src || !sa_isset(src, SA_ALL))
		return;

	c->rtcp = *src;
	c->rtcp_ok = true;
	c->rtcp_mux = mux;

	c->last = now;
	++c->packets;
}


/* Consent withdrawn (RFC 7675 expiry, once ICE exists): send nothing
 * until the participant sends again. */
void media_consent_revoke(struct media_consent *c)
{
	if (!c)
		return;

	c->rtp_ok = false;
	c->rtcp_ok = false;
	c->rtcp_mux = false;
}


/** Where RTP may go, or NULL: send nothing. */
const struct sa *media_consent_rtp_dst(const struct media_consent *c)
{
	if (!c)
		return NULL;

	if (c->rtp_ok)
		return &c->rtp;

	if (!c->rtcp_ok)
		return NULL;

	/* RTCP only (a listener): the same 5-tuple when multiplexed */
	if (c->rtcp_mux)
		return &c->rtcp;

	/* ... or the SDP's RTP address, once RTCP came from exactly the
	 * SDP's RTCP address on the same host */
	if (sa_isset(&c->sdp_rtp, SA_ALL) &&
	    sa_cmp(&c->rtcp, &c->sdp_rtcp, SA_ALL) &&
	    sa_cmp(&c->rtcp, &c->sdp_rtp, SA_ADDR))
		return &c->sdp_rtp;

	return NULL;
}


/**
 * Where RTCP may go, or NULL.  *muxp: send it from the RTP port.
 * Before any RTCP came, a stream whose RTP is latched gets none: its
 * RTCP port has not shown consent (it may be another host's socket).
 */
const struct sa *media_consent_rtcp_dst(const struct media_consent *c,
					bool *muxp)
{
	if (!c || !c->rtcp_ok)
		return NULL;

	if (muxp)
		*muxp = c->rtcp_mux;

	return &c->rtcp;
}


/** ms without authenticated media; 0 on hold. */
uint64_t media_consent_idle(const struct media_consent *c, uint64_t now)
{
	if (!c || c->hold || now < c->last)
		return 0;

	return now - c->last;
}

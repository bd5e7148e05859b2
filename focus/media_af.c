/**
 * @file media_af.c  Which of our media addresses a call uses: the one in
 * the address family of the offer (issue 17).
 *
 * A participant's RTP sockets are bound, and its m-lines written, before
 * the offer is taken apart stream by stream (oa_setup), so the family is
 * decided first, from the audio m-line's connection address (RFC 4566
 * 5.7: its own c=, else the session's).  An offer in a family we have no
 * address in is refused with 488 and Warning 301 (RFC 3261 20.43,
 * "Incompatible network address formats"): answering IPv6 with an IPv4
 * address gives a 200 and then a call where no media ever flows.
 */
#include <string.h>
#include <re.h>
#include "focus/focus_int.h"
#include "focus/stream_int.h"


/* The family of the offer's audio connection address: AF_INET,
 * AF_INET6, or AF_UNSPEC (no offer, no audio, no c=, malformed: the
 * offer/answer proper says what is wrong with it). */
static int offer_af(struct mbuf *offer)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	const size_t pos = offer->pos;
	struct sa any;
	int af = AF_UNSPEC;

	sa_init(&any, AF_INET);

	/* libre's own SDP decoder, on a scratch session with one audio
	 * m-line: no second parser for the same text */
	/* libre matches an offered m-line to ours by media and proto:
	 * take every RTP profile, so that none is missed */
	if (sdp_session_alloc(&sess, &any) ||
	    sdp_media_add(&m, sess, "audio", 9, "RTP/AVP") ||
	    sdp_media_set_alt_protos(m, 6, "RTP/AVP", "RTP/SAVP",
				     "RTP/AVPF", "RTP/SAVPF",
				     "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"))
		goto out;

	if (!sdp_decode(sess, offer, true) &&
	    sa_isset(sdp_media_raddr(m), SA_ADDR))
		af = sa_af(sdp_media_raddr(m));

 out:
	offer->pos = pos;
	mem_deref(sess);
	return af;
}


static const struct sa *addr_of(const struct focus *f, int af)
{
	const struct sa *a = af == AF_INET6 ? &f->media_addr6
		: &f->media_addr;

	/* unset is AF_UNSPEC; a wildcard address counts as set */
	return sa_af(a) == af ? a : NULL;
}


/**
 * Choose our media address for a new call.
 *
 * @param f      The focus
 * @param offer  The INVITE's SDP, or NULL for an offerless INVITE (then
 *               the family of the address the INVITE reached us on,
 *               else whichever address we have)
 * @param dst    The address the INVITE reached us on, or NULL
 * @param maddr  Our media address for the call
 * @param ne     Why not (488 / 301), on EAFNOSUPPORT
 *
 * @return 0, or EAFNOSUPPORT
 */
int oa_media_addr(const struct focus *f, struct mbuf *offer,
		  const struct sa *dst, struct sa *maddr,
		  struct negotiation_error *ne)
{
	const struct sa *a;
	int af;

	/* a multicast, broadcast or unspecified c=, or a port out of
	 * range, is refused for what it is before its family is looked
	 * at (offer_answer.c checks it again on every offer) */
	if (offer) {
		bool hold = false;
		int err = sdp_addr_check(offer, false, &hold, ne);
		if (err)
			return err;
	}

	af = offer ? offer_af(offer) : AF_UNSPEC;
	if (af != AF_UNSPEC) {
		a = addr_of(f, af);
		if (!a) {
			ne->scode = 488;
			ne->warn_code = 301;
			ne->warn_text = af == AF_INET6
				? "No IPv6 media address here (media_addr6)"
				: "No IPv4 media address here (media_addr)";
			return EAFNOSUPPORT;
		}
	}
	else {
		a = dst ? addr_of(f, sa_af(dst)) : NULL;
		if (!a)
			a = addr_of(f, AF_INET);
		if (!a)
			a = addr_of(f, AF_INET6);
		if (!a) {
			ne->scode = 500;
			ne->warn_code = 399;
			ne->warn_text = "No media address";
			return EAFNOSUPPORT;
		}
	}

	sa_cpy(maddr, a);
	sa_set_port(maddr, 0);
	return 0;
}

/**
 * @file sipcheck.c  What a UAS checks in a request before its method
 * means anything (RFC 3261 8.2), for what libre's parser lets through.
 *
 * libre 1.1.0 decodes a message and hands it on; it checks neither the
 * count of the single-valued header fields, nor CSeq against the
 * Request-Line, nor the Request-URI's scheme, nor Require, nor a
 * datagram's Content-Length.  This listener runs right after
 * admission.c, before libre's session and event listeners, so an
 * INVITE, a SUBSCRIBE or an in-dialog request is held to the same
 * rules as the requests focus.c answers itself.  The order follows
 * RFC 3261 8.2 and RFC 4475, whose messages (tests/integ/torture.sh)
 * pick the answer where two checks apply:
 *   400  missing or repeated Call-ID, From, To, CSeq; CSeq number over
 *        2**32-1 (RFC 4475 3.1.2.4); Content-Length repeated, not a
 *        number, or over UDP longer than the datagram (3.1.2.2/3,
 *        3.3.9); CSeq method other than the request's (3.1.2.17);
 *   501  a method nobody defined (8.2.1; RFC 4475 3.1.2.18 prefers it
 *        to 400 even when CSeq disagrees too);
 *   416  a Request-URI scheme other than sip or sips (8.2.2.1);
 *   420  any Require option tag: confd implements none (8.2.2.3);
 *   406  an INVITE whose Accept rules out application/sdp (RFC 4475
 *        3.3.15).
 * Everything else passes: Max-Forwards, even 0, means nothing to a UAS
 * (RFC 3261 16.3 is for proxies; RFC 4475 3.3.11), and 404/405/415 stay
 * with the handlers that know the target.  ACK is never answered.
 * Octets of a datagram past its Content-Length are dropped here (RFC
 * 3261 18.3), as libre does for TCP itself.
 */
#include <string.h>
#include <re.h>
#include "focus/sipcheck_int.h"


#define DEBUG_MODULE "sipcheck"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


/* RFC 3261 and its extensions: methods confd knows, whether or not it
 * takes them (405 with Allow) */
static const char * const known_methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER",
	"SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "INFO", "PRACK",
	"UPDATE", "PUBLISH",
};


bool sipcheck_method_known(const struct pl *met)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_methods); i++) {
		if (!pl_strcmp(met, known_methods[i]))
			return true;
	}

	return false;
}


/* All digits, and the value fits in 32 bits (leading zeros allowed:
 * RFC 4475 3.1.1.1). */
static bool u32_digits(const struct pl *pl)
{
	uint64_t v = 0;
	size_t i;

	if (!pl_isset(pl))
		return false;

	for (i = 0; i < pl->l; i++) {
		const char c = pl->p[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (uint64_t)(c - '0');
		if (v > 0xffffffffULL)
			return false;
	}

	return true;
}


static bool cseq_number_ok(const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	struct pl num;

	if (!h || re_regex(h->val.p, h->val.l, "[ \t\r\n]*[0-9]+",
			   NULL, &num))
		return false;

	return u32_digits(&num);
}


static bool clen_bad(const struct sip_msg *msg, const char **reason)
{
	const struct sip_hdr *h;
	struct pl v;

	if (sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH) > 1) {
		*reason = "Multiple Content-Length";
		return true;
	}

	h = sip_msg_hdr(msg, SIP_HDR_CONTENT_LENGTH);
	if (!h)
		return false;    /* datagram: the body is the rest (18.3) */

	v = h->val;
	while (v.l && (v.p[v.l - 1] == ' ' || v.p[v.l - 1] == '\t'))
		--v.l;
	if (!u32_digits(&v)) {
		*reason = "Bad Content-Length";
		return true;
	}

	if (msg->tp == SIP_TRANSP_UDP &&
	    pl_u32(&v) > mbuf_get_left(msg->mb)) {
		*reason = "Content-Length Larger Than Message";
		return true;
	}

	return false;
}


/* 400 reasons, or NULL */
static const char *malformed(const struct sip_msg *msg)
{
	const char *reason = NULL;

	if (sip_msg_hdr_count(msg, SIP_HDR_CALL_ID) != 1)
		return "Missing or Multiple Call-ID";
	if (sip_msg_hdr_count(msg, SIP_HDR_FROM) != 1)
		return "Missing or Multiple From";
	if (sip_msg_hdr_count(msg, SIP_HDR_TO) != 1)
		return "Missing or Multiple To";
	if (sip_msg_hdr_count(msg, SIP_HDR_CSEQ) != 1)
		return "Missing or Multiple CSeq";
	if (sip_msg_hdr_count(msg, SIP_HDR_MAX_FORWARDS) > 1)
		return "Multiple Max-Forwards";
	if (!cseq_number_ok(msg))
		return "Bad CSeq Number";
	if (clen_bad(msg, &reason))
		return reason;

	return NULL;
}


static bool tag_apply(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct mbuf *mb = arg;
	(void)msg;

	if (!hdr->val.l)
		return false;

	(void)mbuf_printf(mb, "%s%r", mb->end ? ", " : "", &hdr->val);
	return false;
}


static bool accept_sdp(const struct sip_hdr *hdr, const struct sip_msg *msg,
		       void *arg)
{
	struct pl type;
	(void)msg;
	(void)arg;

	if (!hdr->val.l)
		return false;
	if (re_regex(hdr->val.p, hdr->val.l, "[^; \t]+", &type))
		return false;

	return !pl_strcasecmp(&type, "application/sdp") ||
		!pl_strcasecmp(&type, "application/*") ||
		!pl_strcasecmp(&type, "*/*");
}


/* RFC 3261 8.2.3 sends 406 when no acceptable body can be made: an
 * INVITE is answered with SDP, so an Accept that names only other
 * types (RFC 4475 3.3.15) rules the answer out.  An empty Accept says
 * "no body", which a 2xx to an INVITE cannot honour either. */
static bool accept_rules_out_sdp(const struct sip_msg *msg)
{
	if (!sip_msg_hdr(msg, SIP_HDR_ACCEPT))
		return false;

	return !sip_msg_hdr_apply(msg, true, SIP_HDR_ACCEPT, accept_sdp,
				  NULL);
}


bool sipcheck_request(struct sip *sip, const struct sip_msg *msg)
{
	const char *reason;
	struct mbuf *mb;

	if (!sip || !msg || !msg->req)
		return false;

	/* an ACK never gets an answer (RFC 3261 17.2.1) */
	if (!pl_strcmp(&msg->met, "ACK"))
		return false;

	reason = malformed(msg);
	if (reason) {
		DEBUG_INFO("%r from %J: 400 %s\n", &msg->met, &msg->src,
			   reason);
		(void)sip_reply(sip, msg, 400, reason);
		return true;
	}

	/* 18.3: in a datagram, octets past the body are discarded */
	if (msg->tp == SIP_TRANSP_UDP && pl_isset(&msg->clen) &&
	    pl_u32(&msg->clen) < mbuf_get_left(msg->mb))
		msg->mb->end = msg->mb->pos + pl_u32(&msg->clen);

	if (!sipcheck_method_known(&msg->met)) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 501,
				  "Not Implemented",
				  "Allow: " SIPCHECK_ALLOW "\r\n"
				  "Content-Length: 0\r\n\r\n");
		return true;
	}

	if (pl_cmp(&msg->met, &msg->cseq.met)) {
		(void)sip_reply(sip, msg, 400, "CSeq Method Mismatch");
		return true;
	}

	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		(void)sip_reply(sip, msg, 416, "Unsupported URI Scheme");
		return true;
	}

	/* 8.2.2.3: Require on CANCEL (and ACK) is not looked at */
	if (pl_strcmp(&msg->met, "CANCEL") &&
	    sip_msg_hdr(msg, SIP_HDR_REQUIRE)) {
		mb = mbuf_alloc(128);
		if (mb) {
			(void)sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE,
						tag_apply, mb);
			(void)sip_treplyf(NULL, NULL, sip, msg, false, 420,
					  "Bad Extension",
					  "Unsupported: %b\r\n"
					  "Content-Length: 0\r\n\r\n",
					  mb->buf, mb->end);
			mem_deref(mb);
		}
		else {
			(void)sip_reply(sip, msg, 420, "Bad Extension");
		}
		return true;
	}

	if (!pl_strcmp(&msg->met, "INVITE") && accept_rules_out_sdp(msg)) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 406,
				  "Not Acceptable",
				  "Accept: application/sdp\r\n"
				  "Warning: 399 confd \"answers with "
				  "application/sdp only\"\r\n"
				  "Content-Length: 0\r\n\r\n");
		return true;
	}

	return false;
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	return sipcheck_request(arg, msg);
}


int sipcheck_listen(struct sip_lsnr **lsnrp, struct sip *sip)
{
	if (!lsnrp || !sip)
		return EINVAL;

	return sip_listen(lsnrp, sip, true, request_handler, sip);
}

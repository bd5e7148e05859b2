/**
 * @file subreq.c  Parse the parts of a SUBSCRIBE the conference package
 * uses (RFC 6665 7.2, RFC 4575 3, DESIGN.md PSK S/MIME profile)
 *
 * Everything comes from the network, so each header is checked against
 * its grammar with explicit lengths; nothing here reads past a pl.
 */
#include <string.h>
#include <re.h>
#include "eventpkg/subreq_int.h"


#define PKG "conference"


static bool event_decode(struct sipevent_event *se, const struct sip_msg *msg)
{
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_EVENT);

	if (!hdr || sipevent_event_decode(se, &hdr->val))
		return false;

	return true;
}


bool eventpkg_subreq_is_conference(const struct sip_msg *msg)
{
	struct sipevent_event se;

	if (!msg || !event_decode(&se, msg))
		return false;

	/* event-type tokens compare case-sensitively (RFC 6665 8.2.1) */
	return 0 == pl_strcmp(&se.event, PKG);
}


/* delta-seconds: 1*DIGIT, clamped at 2^32-1 (RFC 3261 20.19, 25.1) */
static int expires_decode(uint32_t *v, const struct pl *pl)
{
	uint64_t n = 0;
	size_t i;

	if (!pl->l)
		return EINVAL;

	for (i = 0; i < pl->l; i++) {
		char c = pl->p[i];

		if (c == ' ' || c == '\t') {
			/* trailing LWS only */
			size_t j;
			for (j = i; j < pl->l; j++)
				if (pl->p[j] != ' ' && pl->p[j] != '\t')
					return EINVAL;
			break;
		}
		if (c < '0' || c > '9')
			return EINVAL;
		if (n < 0xffffffffULL)
			n = n * 10 + (uint64_t)(c - '0');
	}

	if (i == 0)
		return EINVAL;

	*v = n > 0xffffffffULL ? 0xffffffffU : (uint32_t)n;

	return 0;
}


struct acc {
	bool any;
	bool xml;
	bool smime;
};


/* One Accept header value may list several media-ranges. */
static bool accept_handler(const struct sip_hdr *hdr,
			   const struct sip_msg *msg, void *arg)
{
	struct acc *a = arg;
	struct pl rest = hdr->val, type, sub;
	(void)msg;

	a->any = true;

	while (rest.l) {
		struct pl item, ws;
		const char *comma = pl_strchr(&rest, ',');

		item.p = rest.p;
		item.l = comma ? (size_t)(comma - rest.p) : rest.l;
		if (comma) {
			rest.p = comma + 1;
			rest.l -= item.l + 1;
		}
		else {
			rest.l = 0;
		}

		if (re_regex(item.p, item.l, "[ \t]*[^ \t/;]+/[^ \t;]+",
			     &ws, &type, &sub))
			continue;

		if (!pl_strcmp(&type, "*") && !pl_strcmp(&sub, "*")) {
			a->xml = a->smime = true;
		}
		else if (!pl_strcasecmp(&type, "application")) {
			if (!pl_strcmp(&sub, "*"))
				a->xml = a->smime = true;
			else if (!pl_strcasecmp(&sub, "conference-info+xml"))
				a->xml = true;
			else if (!pl_strcasecmp(&sub, "pkcs7-mime"))
				a->smime = true;
		}
	}

	return false;
}


int eventpkg_subreq_parse(struct eventpkg_subreq *sr,
			  const struct sip_msg *msg,
			  uint16_t *scode, const char **reason)
{
	struct sipevent_event se;
	struct acc acc = {false, false, false};
	const struct sip_hdr *hdr;
	size_t clen;

	if (!sr || !msg || !scode || !reason)
		return EINVAL;

	memset(sr, 0, sizeof(*sr));

	if (!event_decode(&se, msg) || pl_strcmp(&se.event, PKG)) {
		*scode = 489;
		*reason = "Bad Event";
		return EPROTO;
	}
	sr->event_id = se.id;

	if (pl_isset(&msg->expires)) {
		if (expires_decode(&sr->expires, &msg->expires)) {
			*scode = 400;
			*reason = "Bad Expires";
			return EPROTO;
		}
		sr->has_expires = true;
	}

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_ACCEPT, accept_handler,
				&acc);
	/* no Accept means the package default (RFC 6665 7.2.1) */
	sr->accept_xml   = !acc.any || acc.xml;
	sr->accept_smime = !acc.any || acc.smime;
	if (!sr->accept_xml && !sr->accept_smime) {
		*scode = 406;
		*reason = "Not Acceptable";
		return EPROTO;
	}

	clen = msg->mb ? mbuf_get_left(msg->mb) : 0;
	if (clen == 0)
		return 0;

	/* the only body the package takes is a MIKEY message, binary */
	if (msg_ctype_cmp(&msg->ctyp, "application", "mikey")) {
		if (sip_msg_hdr(msg, SIP_HDR_CONTENT_ENCODING)) {
			*scode = 415;
			*reason = "Unsupported Content-Encoding";
			return EPROTO;
		}
		hdr = sip_msg_xhdr(msg, "Content-Transfer-Encoding");
		if (hdr && pl_strcasecmp(&hdr->val, "binary")) {
			*scode = 415;
			*reason = "Unsupported Content-Transfer-Encoding";
			return EPROTO;
		}
		if (clen > EVENTPKG_SUBREQ_MIKEY_MAX) {
			*scode = 413;
			*reason = "Request Entity Too Large";
			return EPROTO;
		}
		sr->mikey = mbuf_buf(msg->mb);
		sr->mikey_len = clen;
		return 0;
	}

	*scode = 415;
	*reason = "Unsupported Media Type";

	return EPROTO;
}

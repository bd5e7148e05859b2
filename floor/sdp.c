/**
 * @file sdp.c  BFCP SDP attribute values (RFC 8856, RFC 4583, RFC 4145
 * a=connection): bounded parsing of the values only.  a=setup and
 * a=fingerprint are keying/'s, shared with MSRP (tcpsetup.h, tlsfp.h).
 */
#include <string.h>
#include <re.h>
#include "floor/sdp.h"


const char *floor_sdp_proto(bool tls)
{
	return tls ? "TCP/TLS/BFCP" : "TCP/BFCP";
}


int floor_sdp_proto_decode(const struct pl *proto, bool *tls)
{
	if (!proto || !tls)
		return EINVAL;

	if (!pl_strcasecmp(proto, "TCP/TLS/BFCP"))
		*tls = true;
	else if (!pl_strcasecmp(proto, "TCP/BFCP"))
		*tls = false;
	else
		return EPROTONOSUPPORT;

	return 0;
}


/* next space-separated token of v after *pos */
static bool next_tok(const struct pl *v, size_t *pos, struct pl *tok)
{
	size_t i = *pos;

	while (i < v->l && (v->p[i] == ' ' || v->p[i] == '\t'))
		++i;
	if (i >= v->l)
		return false;

	tok->p = v->p + i;
	while (i < v->l && v->p[i] != ' ' && v->p[i] != '\t')
		++i;
	tok->l = (size_t)(v->p + i - tok->p);
	*pos = i;

	return true;
}


int floor_sdp_floorctrl_decode(const struct pl *v, unsigned *roles)
{
	struct pl tok;
	size_t pos = 0;

	if (!v || !roles)
		return EINVAL;

	*roles = 0;
	while (next_tok(v, &pos, &tok)) {
		if (!pl_strcasecmp(&tok, "c-only"))
			*roles |= FLOOR_ROLE_C_ONLY;
		else if (!pl_strcasecmp(&tok, "s-only"))
			*roles |= FLOOR_ROLE_S_ONLY;
		else if (!pl_strcasecmp(&tok, "c-s"))
			*roles |= FLOOR_ROLE_C_S;
		/* unknown roles are ignored (extensibility) */
	}

	return *roles ? 0 : EBADMSG;
}


int floor_sdp_floorctrl_answer(unsigned offered, const char **ans)
{
	if (!ans)
		return EINVAL;

	/* an offerer that can only be a server leaves no role for us */
	if (!(offered & (FLOOR_ROLE_C_ONLY | FLOOR_ROLE_C_S)))
		return EPROTO;

	*ans = "s-only";
	return 0;
}


static int digits(const struct pl *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (!v || !v->l || v->l > 10)
		return EBADMSG;

	for (i = 0; i < v->l; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return EBADMSG;
		n = n * 10 + (uint64_t)(v->p[i] - '0');
	}

	if (n > max)
		return ERANGE;

	*out = n;
	return 0;
}


int floor_sdp_confid_decode(const struct pl *v, uint32_t *confid)
{
	uint64_t n;
	int err;

	if (!confid)
		return EINVAL;

	err = digits(v, 0xffffffffu, &n);
	if (!err)
		*confid = (uint32_t)n;
	return err;
}


int floor_sdp_userid_decode(const struct pl *v, uint16_t *userid)
{
	uint64_t n;
	int err;

	if (!userid)
		return EINVAL;

	err = digits(v, 0xffff, &n);
	if (!err)
		*userid = (uint16_t)n;
	return err;
}


int floor_sdp_floorid_decode(const struct pl *v, uint16_t *floorid,
			     struct pl *labelv, size_t *labelc)
{
	struct pl tok, lab;
	size_t pos = 0, n = 0, max;
	uint64_t id;
	int err;

	if (!v || !floorid || !labelc)
		return EINVAL;

	max = labelv ? *labelc : 0;

	if (!next_tok(v, &pos, &tok))
		return EBADMSG;

	err = digits(&tok, 0xffff, &id);
	if (err)
		return err;
	if (!id)
		return ERANGE;
	*floorid = (uint16_t)id;

	/* RFC 4583 allows the floor with no stream at all */
	if (!next_tok(v, &pos, &tok)) {
		*labelc = 0;
		return 0;
	}

	if (tok.l > 6 && !strncasecmp(tok.p, "mstrm:", 6)) {
		lab.p = tok.p + 6;
		lab.l = tok.l - 6;
	}
	else if (tok.l > 9 && !strncasecmp(tok.p, "m-stream:", 9)) {
		lab.p = tok.p + 9;
		lab.l = tok.l - 9;
	}
	else {
		return EBADMSG;
	}

	for (;;) {
		if (n < max)
			labelv[n] = lab;
		++n;
		if (!next_tok(v, &pos, &lab))
			break;
	}

	*labelc = n;
	return n > max && labelv ? EOVERFLOW : 0;
}


int floor_sdp_floorid_encode(char *buf, size_t size, uint16_t floorid,
			     const char *label)
{
	int n;

	if (!buf || !size || !floorid)
		return EINVAL;

	if (label && *label)
		n = re_snprintf(buf, size, "%u mstrm:%s", floorid, label);
	else
		n = re_snprintf(buf, size, "%u", floorid);

	return (n < 0 || (size_t)n >= size) ? EOVERFLOW : 0;
}


/* token-char of RFC 8866 section 9 (RFC 4574 label = token) */
static bool is_token_char(char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a ||
	       c == 0x2b || c == 0x2d || c == 0x2e ||
	       (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
	       (c >= 0x5e && c <= 0x7e);
}


const char *floor_sdp_label_answer(const char *offered, const char *own)
{
	size_t i;

	if (!offered || !offered[0])
		return own;

	/* an offered value we would not write ourselves (a space would
	 * split a=floorid's label list) is not echoed */
	for (i = 0; offered[i]; i++) {
		if (i >= FLOOR_SDP_LABEL_MAX || !is_token_char(offered[i]))
			return own;
	}

	return offered;
}


int floor_sdp_connection_decode(const struct pl *v, bool *is_new)
{
	if (!v || !is_new)
		return EINVAL;

	if (!pl_strcasecmp(v, "new"))
		*is_new = true;
	else if (!pl_strcasecmp(v, "existing"))
		*is_new = false;
	else
		return EBADMSG;

	return 0;
}


int floor_sdp_bfcpver_decode(const struct pl *v, bool *has_v1)
{
	struct pl tok;
	size_t pos = 0;
	bool any = false;

	if (!has_v1)
		return EINVAL;

	*has_v1 = false;

	if (!v || !v->l) {
		*has_v1 = true;
		return 0;
	}

	while (next_tok(v, &pos, &tok)) {
		uint64_t n;

		if (digits(&tok, 7, &n))
			return EBADMSG;
		any = true;
		if (n == 1)
			*has_v1 = true;
	}

	return any ? 0 : EBADMSG;
}

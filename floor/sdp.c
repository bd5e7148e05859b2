/**
 * @file sdp.c  BFCP SDP attribute values (RFC 8856, RFC 4583, RFC 4145,
 * RFC 8122): bounded parsing of the values only.
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


int floor_sdp_setup_decode(const struct pl *v, enum floor_setup *s)
{
	if (!v || !s)
		return EINVAL;

	if (!pl_strcasecmp(v, "active"))
		*s = FLOOR_SETUP_ACTIVE;
	else if (!pl_strcasecmp(v, "passive"))
		*s = FLOOR_SETUP_PASSIVE;
	else if (!pl_strcasecmp(v, "actpass"))
		*s = FLOOR_SETUP_ACTPASS;
	else if (!pl_strcasecmp(v, "holdconn"))
		*s = FLOOR_SETUP_HOLDCONN;
	else
		return EBADMSG;

	return 0;
}


const char *floor_sdp_setup_name(enum floor_setup s)
{
	switch (s) {

	case FLOOR_SETUP_ACTIVE:   return "active";
	case FLOOR_SETUP_PASSIVE:  return "passive";
	case FLOOR_SETUP_ACTPASS:  return "actpass";
	case FLOOR_SETUP_HOLDCONN: return "holdconn";
	default:                   return "?";
	}
}


int floor_sdp_setup_answer(enum floor_setup offer, bool prefer_active,
			   enum floor_setup *ans, bool *we_connect)
{
	if (!ans || !we_connect)
		return EINVAL;

	switch (offer) {

	case FLOOR_SETUP_ACTIVE:
		*ans = FLOOR_SETUP_PASSIVE;
		break;

	case FLOOR_SETUP_PASSIVE:
		*ans = FLOOR_SETUP_ACTIVE;
		break;

	case FLOOR_SETUP_ACTPASS:
		*ans = prefer_active ? FLOOR_SETUP_ACTIVE
				     : FLOOR_SETUP_PASSIVE;
		break;

	case FLOOR_SETUP_HOLDCONN:
		*ans = FLOOR_SETUP_HOLDCONN;
		break;

	default:
		return EINVAL;
	}

	*we_connect = *ans == FLOOR_SETUP_ACTIVE;
	return 0;
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


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


int floor_sdp_fingerprint_decode(const struct pl *v,
				 enum tls_fingerprint *alg, uint8_t *md,
				 size_t size, size_t *len)
{
	struct pl hash, hex;
	size_t pos = 0, n = 0, i, want;

	if (!v || !alg || !md || !len)
		return EINVAL;

	if (!next_tok(v, &pos, &hash))
		return EBADMSG;

	if (next_tok(v, &pos, &hex)) {
		if (!pl_strcasecmp(&hash, "sha-256"))
			*alg = TLS_FINGERPRINT_SHA256;
		else if (!pl_strcasecmp(&hash, "sha-1"))
			*alg = TLS_FINGERPRINT_SHA1;
		else
			return ENOTSUP;
	}
	else {
		hex = hash;
		*alg = TLS_FINGERPRINT_SHA256;
	}

	want = *alg == TLS_FINGERPRINT_SHA1 ? 20 : 32;
	if (size < want)
		return EOVERFLOW;

	/* "AB:CD:..." : 2 hex digits per byte, ':' between */
	for (i = 0; i < hex.l; ) {
		int hi, lo;

		if (n == want || hex.l - i < 2)
			return EBADMSG;

		hi = hexval(hex.p[i]);
		lo = hexval(hex.p[i + 1]);
		if (hi < 0 || lo < 0)
			return EBADMSG;

		md[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;

		if (i < hex.l) {
			if (hex.p[i] != ':')
				return EBADMSG;
			++i;
			if (i == hex.l)
				return EBADMSG;
		}
	}

	if (n != want)
		return EBADMSG;

	*len = n;
	return 0;
}

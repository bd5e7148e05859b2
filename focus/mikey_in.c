/**
 * @file mikey_in.c  Dial-in with MIKEY-TICKET (RFC 6043, TS 33.328
 * G.3 / Annex H): the focus is the responder.
 *
 * The offer carries a=key-mgmt:mikey (RFC 4567) at session or media
 * level.  The TRANSFER_INIT is resolved at the KMS without blocking the
 * main loop; the KMS UID it vouches for must be on the conference's
 * list; the TEKs become each stream's keys: SRTP master key and salt for
 * RTP (two crypto sessions per m-line, the initiator's first), the PSK
 * of the TLS-PSK connection for BFCP (and MSRP).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "keying/sdes.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"
#include "media/media.h"
#include "floor/floor.h"
#include "eventpkg/eventpkg.h"
#include "msrp/msrp.h"
#include "focus/core.h"


#define DEBUG_MODULE "mikey-in"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { TI_MAX = 8192 };     /* bytes of a TRANSFER_INIT we accept */


/* A bounded, case-insensitive search of the raw body: is there any
 * MIKEY at all?  Lets the focus choose the authorization path before it
 * allocates media for the caller. */
bool mikeyin_present(const struct mbuf *body)
{
	static const char needle[] = "key-mgmt:mikey";
	const size_t n = sizeof(needle) - 1;
	const uint8_t *b;
	size_t len, i;

	if (!body)
		return false;

	b = mbuf_buf(body);
	len = mbuf_get_left(body);

	for (i = 0; i + n <= len; i++) {
		if (!strncasecmp((const char *)b + i, needle, n))
			return true;
	}

	return false;
}


static int decode_attr(const char *v, uint8_t **tip, size_t *lenp)
{
	struct pl prot, data;
	uint8_t *buf;
	size_t len;
	int err;

	/* key-mgmt:<prtcl-id> <keymgmt-data> (RFC 4567 3.1) */
	if (re_regex(v, strlen(v), "[^ ]+ [^ ]+", &prot, &data))
		return EPROTO;
	if (pl_strcasecmp(&prot, "mikey"))
		return ENOENT;
	if (data.l > TI_MAX * 4 / 3 + 4)
		return EMSGSIZE;

	len = data.l * 3 / 4 + 3;
	buf = mem_zalloc(len, NULL);
	if (!buf)
		return ENOMEM;

	err = base64_decode(data.p, data.l, buf, &len);
	if (err || len < 10) {
		mem_deref(buf);
		return EPROTO;
	}

	*tip = buf;
	*lenp = len;
	return 0;
}


/* The TRANSFER_INIT of a decoded offer: at session level, or on the
 * first m-line that has one. */
int mikeyin_find(struct participant *p, uint8_t **tip, size_t *lenp)
{
	const char *v;
	struct le *le;

	v = sdp_session_rattr(p->sdp, "key-mgmt");
	if (v) {
		p->mikey_session_level = true;
		return decode_attr(v, tip, lenp);
	}

	for (le = list_head(sdp_session_medial(p->sdp, false)); le;
	     le = le->next) {
		v = sdp_media_rattr(le->data, "key-mgmt");
		if (v) {
			p->mikey_session_level = false;
			p->mikey_media = le->data;
			return decode_attr(v, tip, lenp);
		}
	}

	return ENOENT;
}


/* CS IDs follow the m-lines of the offer from 1 upwards: two per RTP
 * m-line, one per TLS m-line (DESIGN.md).  After an offer is decoded,
 * libre holds every offered m-line, in the offer's order, in the
 * session's remote list; walking it is walking the offer. */
static int cs_base(const struct participant *p, const struct sdp_media *m)
{
	struct le *le;
	int base = 1;

	for (le = list_head(sdp_session_medial(p->sdp, false)); le;
	     le = le->next) {
		const struct sdp_media *x = le->data;
		const char *proto = sdp_media_proto(x);

		if (!sdp_media_rport(x) && x != m)
			continue;
		if (x == m)
			return base;
		if (!strncmp(proto, "RTP/", 4))
			base += 2;
		else if (!strncmp(proto, "TCP/TLS/", 8))
			base += 1;
	}

	return -1;
}


static const struct mikey_tek *tek_of(const struct participant *p, int cs)
{
	size_t i;

	if (!p->mr || cs < 1)
		return NULL;

	for (i = 0; i < mikey_resp_tek_count(p->mr); i++) {
		const struct mikey_tek *t = mikey_resp_tek(p->mr, i);

		if (t && t->cs_id == cs)
			return t;
	}

	return NULL;
}


static int srtp_suite_of(const struct mikey_tek *t, enum srtp_suite *suite)
{
	if (t->pol.encr_alg != 1 || t->pol.auth_alg != 1 ||
	    t->key_len != 16 || t->salt_len != 14)
		return ENOTSUP;

	switch (t->pol.tag_len) {
	case 10: *suite = SRTP_AES_CM_128_HMAC_SHA1_80; return 0;
	case 4:  *suite = SRTP_AES_CM_128_HMAC_SHA1_32; return 0;
	default: return ENOTSUP;
	}
}


/* The SRTP keys of an RTP m-line: the first CS carries the initiator's
 * stream (what we receive), the second ours (RFC 4567 7.1). */
int mikeyin_rtp_keys(struct participant *p, const struct sdp_media *m,
		     struct mikey_rtp_keys *k)
{
	const struct mikey_tek *rx, *tx;
	enum srtp_suite s2;
	int base = cs_base(p, m);

	rx = tek_of(p, base);
	tx = tek_of(p, base + 1);

	if (!rx || !tx || rx->prot != MIKEY_PROT_SRTP ||
	    tx->prot != MIKEY_PROT_SRTP)
		return ENOENT;

	if (srtp_suite_of(rx, &k->suite) || srtp_suite_of(tx, &s2) ||
	    s2 != k->suite)
		return ENOTSUP;

	memcpy(k->rx, rx->key, 16);
	memcpy(k->rx + 16, rx->salt, 14);
	memcpy(k->tx, tx->key, 16);
	memcpy(k->tx + 16, tx->salt, 14);
	k->len = 30;
	k->tx_cs = (uint8_t)(base + 1);

	return 0;
}


/* The TLS PSK of a TCP/TLS/BFCP or TCP/TLS/MSRP m-line (Annex H). */
const struct mikey_tek *mikeyin_tls_psk(const struct participant *p,
					const struct sdp_media *m)
{
	const struct mikey_tek *t = tek_of(p, cs_base(p, m));

	if (!t || t->prot != p->conf->focus->mikey_prot_tls || !t->key_len)
		return NULL;

	return t;
}


/* a=key-mgmt:mikey with our TRANSFER_RESP, where the offer had it. */
int mikeyin_answer_attr(struct participant *p)
{
	struct mbuf *mb = NULL;
	char *b64 = NULL;
	size_t len;
	int err;

	err = mikey_resp_transfer_resp(p->mr, &mb);
	if (err)
		return err;

	len = mb->end * 4 / 3 + 5;
	b64 = mem_zalloc(len, NULL);
	if (!b64) {
		err = ENOMEM;
		goto out;
	}

	err = base64_encode(mb->buf, mb->end, b64, &len);
	if (err)
		goto out;
	b64[len] = '\0';

	if (p->mikey_session_level)
		err = sdp_session_set_lattr(p->sdp, true, "key-mgmt",
					    "mikey %s", b64);
	else
		err = sdp_media_set_lattr(p->mikey_media, true, "key-mgmt",
					  "mikey %s", b64);

 out:
	mem_deref(b64);
	mem_deref(mb);
	return err;
}


/* A MIKEY Error message (RFC 3830 6.12) for a 488, as an SDP body with
 * a=key-mgmt (RFC 4567 4.1), base64. */
int mikeyin_error_sdp(struct mbuf **mbp, const struct focus *f,
		      uint32_t csb_id, uint8_t prf, uint8_t merr)
{
	struct mbuf *me = NULL, *mb;
	char b64[256];
	size_t len = sizeof(b64) - 1;
	int err;

	err = mikey_error_encode(&me, csb_id, prf, merr);
	if (err)
		return err;

	err = base64_encode(me->buf, me->end, b64, &len);
	mem_deref(me);
	if (err)
		return err;
	b64[len] = '\0';

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "v=0\r\no=confd 0 0 IN IP4 %j\r\ns=-\r\n"
			  "c=IN IP4 %j\r\nt=0 0\r\na=key-mgmt:mikey %s\r\n",
			  &f->media_addr, &f->media_addr, b64);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}

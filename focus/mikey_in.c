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
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"
#include "focus/stream_int.h"


#define DEBUG_MODULE "mikey-in"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum { TI_MAX = 8192 };     /* bytes of a TRANSFER_INIT we accept */


/* A participant's MIKEY-TICKET state */
struct mikeyin {
	struct kmsc_req *kreq;         /* RESOLVE at the KMS in progress */
	struct mikey_resp *mr;         /* resolved: the TEKs */
	uint8_t *ti;                   /* the TRANSFER_INIT we answered */
	size_t ti_len;
	bool session_level;
	struct sdp_media *media;       /* where a=key-mgmt was, if media */
};


static void mikeyin_destructor(void *arg)
{
	struct mikeyin *mi = arg;

	mem_deref(mi->kreq);
	mem_deref(mi->mr);
	mem_deref(mi->ti);
}


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


int mikeyin_attr_decode(const char *v, uint8_t **tip, size_t *lenp)
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
static int find(struct participant *p, uint8_t **tip, size_t *lenp)
{
	struct mikeyin *mi = p->mikey;
	const char *v;
	struct le *le;

	v = sdp_session_rattr(p->sdp, "key-mgmt");
	if (v) {
		mi->session_level = true;
		return mikeyin_attr_decode(v, tip, lenp);
	}

	for (le = list_head(sdp_session_medial(p->sdp, false)); le;
	     le = le->next) {
		v = sdp_media_rattr(le->data, "key-mgmt");
		if (v) {
			mi->session_level = false;
			mi->media = le->data;
			return mikeyin_attr_decode(v, tip, lenp);
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


/* The same plumbing serves a dial-out keyed by MIKEY-TICKET, where the
 * focus initiated (mikey_out.c): its TEKs, with the roles swapped. */
static const struct mikey_init *initiated(const struct participant *p)
{
	return dialout_mikey(p->dialout);
}


bool mikeyin_keyed(const struct participant *p)
{
	return (p->mikey && p->mikey->mr) || initiated(p);
}


static const struct mikey_tek *tek_of(const struct participant *p, int cs)
{
	const struct mikey_init *mi = initiated(p);
	const struct mikey_resp *mr;
	size_t i;

	if (!mikeyin_keyed(p) || cs < 1)
		return NULL;

	if (mi) {
		for (i = 0; i < mikey_init_tek_count(mi); i++) {
			const struct mikey_tek *t = mikey_init_tek(mi, i);

			if (t && t->cs_id == cs)
				return t;
		}
		return NULL;
	}

	mr = p->mikey->mr;
	for (i = 0; i < mikey_resp_tek_count(mr); i++) {
		const struct mikey_tek *t = mikey_resp_tek(mr, i);

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
int mikeyin_rtp_keys(const struct participant *p, const struct sdp_media *m,
		     struct mikeyin_rtp_keys *k)
{
	const struct mikey_tek *rx, *tx;
	enum srtp_suite s2;
	int base = cs_base(p, m);
	const bool init = initiated(p) != NULL;

	/* the initiator's stream is the first CS: ours when we dialled */
	rx = tek_of(p, init ? base + 1 : base);
	tx = tek_of(p, init ? base : base + 1);

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
	k->tx_cs = (uint8_t)(init ? base : base + 1);

	return 0;
}


/* Our SSRC goes into the TRANSFER_RESP's crypto session of the stream
 * (RFC 6043 responder: the CS map names the responder's SSRC). */
int mikeyin_set_ssrc(struct participant *p, uint8_t cs_id, uint32_t ssrc)
{
	if (initiated(p))
		return 0;   /* our SSRC went out in TRANSFER_INIT */
	if (!mikeyin_keyed(p))
		return EINVAL;

	return mikey_resp_set_ssrc(p->mikey->mr, cs_id, ssrc);
}


/* The TLS PSK of a TCP/TLS/BFCP or TCP/TLS/MSRP m-line (Annex H);
 * ENOENT when MIKEY gave it none. */
int mikeyin_tls_psk(const struct participant *p, const struct sdp_media *m,
		    const uint8_t **keyp, size_t *lenp)
{
	const struct mikey_tek *t = tek_of(p, cs_base(p, m));

	if (!t || t->prot != p->conf->focus->mikey_prot_tls || !t->key_len)
		return ENOENT;

	*keyp = t->key;
	*lenp = t->key_len;
	return 0;
}


/* a=key-mgmt:mikey with our TRANSFER_RESP, where the offer had it. */
static int answer_attr(struct participant *p)
{
	struct mbuf *mb = NULL;
	char *b64 = NULL;
	size_t len;
	int err;

	err = mikey_resp_transfer_resp(p->mikey->mr, &mb);
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

	if (p->mikey->session_level)
		err = sdp_session_set_lattr(p->sdp, true, "key-mgmt",
					    "mikey %s", b64);
	else
		err = sdp_media_set_lattr(p->mikey->media, true, "key-mgmt",
					  "mikey %s", b64);

 out:
	mem_deref(b64);
	mem_deref(mb);
	return err;
}


/* A MIKEY Error message (RFC 3830 6.12) for a 488, as an SDP body with
 * a=key-mgmt (RFC 4567 4.1), base64. */
static int error_sdp(struct mbuf **mbp, const struct focus *f,
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


static bool same_ti(struct participant *p, struct mbuf *body)
{
	struct mikeyin *mi = p->mikey;
	uint8_t *ti = NULL;
	size_t len = 0;
	bool same;
	int err;
	size_t pos = body->pos;

	/* the decoded offer is needed to find a=key-mgmt; decode into the
	 * participant's session first (as the negotiation would) */
	if (sdp_decode(p->sdp, body, true))
		return false;
	body->pos = pos;

	err = find(p, &ti, &len);
	same = !err && len == mi->ti_len && !memcmp(ti, mi->ti, len);
	mem_deref(ti);

	return same;
}


/* Keys from MIKEY stay for the call; a new TRANSFER_INIT would need
 * another trip to the KMS, which an offer handler cannot wait for.
 * True when a re-offer brings a MIKEY message other than the one that
 * keyed the call. */
bool mikeyin_rekey(struct participant *p, struct mbuf *body)
{
	if (!p->mikey)      /* a dial-out: any MIKEY in a re-offer is new */
		return initiated(p) && mikeyin_present(body);

	return mikeyin_keyed(p) && mikeyin_present(body) &&
		!same_ti(p, body);
}


/* RFC 3830 6.12: the Error message names the CSB of the request */
static int ti_error_sdp(struct mbuf **mbp, const struct focus *f,
			const struct mikeyin *mi, uint8_t merr)
{
	uint32_t csb = (uint32_t)mi->ti[4] << 24 | (uint32_t)mi->ti[5] << 16 |
		(uint32_t)mi->ti[6] << 8 | mi->ti[7];

	return error_sdp(mbp, f, csb, mi->ti[3] & 0x7f, merr);
}


/* Where the answer to a MIKEY offer failed: the final response. */
static void refuse(struct participant *p, uint16_t scode,
		   const char *reason, const char *warning,
		   uint8_t merr, bool with_err)
{
	struct focus *f = p->conf->focus;
	struct mikeyin *mi = p->mikey;
	struct mbuf *body = NULL;

	if (with_err && mi->ti && mi->ti_len >= 8)
		(void)ti_error_sdp(&body, f, mi, merr);

	{
		char why[160];

		(void)re_snprintf(why, sizeof(why), "%s (MIKEY: %s)", reason,
				  warning);
		calllog_refused(f, p->conf->def->uri, p->uri,
				FOCUS_KEYING_MIKEY, scode, why);
	}

	if (body)
		(void)sipsess_reject(p->sess, scode, reason,
				     "Warning: 399 %s \"%s\"\r\n"
				     "Content-Type: application/sdp\r\n"
				     "Content-Length: %zu\r\n\r\n%b",
				     f->domain, warning, mbuf_get_left(body),
				     mbuf_buf(body), mbuf_get_left(body));
	else
		(void)sipsess_reject(p->sess, scode, reason,
				     "Warning: 399 %s \"%s\"\r\n"
				     "Content-Length: 0\r\n\r\n",
				     f->domain, warning);

	mem_deref(body);
	participant_drop(p);
}


static bool kms_unreachable(int err)
{
	switch (err) {
	case ETIMEDOUT:
	case ECONNREFUSED:
	case ECONNRESET:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EIO:
		return true;
	default:
		return false;
	}
}


/* The KMS answered (or did not): finish the join begun in
 * mikeyin_connect(). */
static void resolve_handler(int err, uint8_t merr, struct mikey_resp *mr,
			    void *arg)
{
	struct participant *p = arg;
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	const struct confdef *def = p->conf->def;
	const struct confdef_member *m = NULL;
	struct mbuf *desc = NULL;
	const char *uid;

	if (err) {
		if (kms_unreachable(err) && merr == MIKEY_ERR_UNSPEC)
			refuse(p, 503, "Service Unavailable",
			       "KMS unreachable", 0, false);
		/* the KMS answered nothing usable (kms_client.c), or is
		 * not the server pinned by kms_fingerprint */
		else if ((err == EBADMSG || err == EAUTH) &&
			 merr == MIKEY_ERR_UNSPEC)
			refuse(p, 503, "Service Unavailable",
			       "KMS answer not usable", 0, false);
		else
			refuse(p, 488, "Not Acceptable Here",
			       err == EALREADY ? "MIKEY replay" :
			       "MIKEY ticket or MAC not accepted",
			       merr, true);
		return;
	}

	p->mikey->mr = mem_ref(mr);
	uid = mikey_resp_initiator_id(mr);

	/* The KMS UID as the KMS vouched for it decides, not From */
	if (uid)
		m = confdef_member_find_kms(def, uid);
	if (!m && !def->open) {
		refuse(p, 403, "KMS UID Not Authorized",
		       "KMS UID not on the conference list", 0, false);
		return;
	}
	/* The KMS vouches for uid: that is who the caller is (a member's
	 * SIP URI, or the UID itself when it is a SIP URI), never From */
	if (m || (uid && confdef_uri_valid(uid))) {
		char *u = NULL;

		if (str_dup(&u, m ? m->sip_uri : uid)) {
			refuse(p, 500, "Server Internal Error", "no memory",
			       0, false);
			return;
		}
		mem_deref(p->uri);
		p->uri = u;
		p->authenticated = true;
		p->anonymous = false;
	}

	if (oa_answer(p, &ne) || answer_attr(p) ||
	    oa_encode(p, &desc, false)) {
		refuse(p, ne.scode ? ne.scode : 500,
		       ne.scode == 488 ? "Not Acceptable Here"
		       : "Server Internal Error", ne.warn_text, 0, false);
		mem_deref(desc);
		return;
	}

	DEBUG_INFO("%s: MIKEY-TICKET keyed, KMS UID %s\n", p->uri, uid);

	if (participant_answer(p, desc))
		participant_drop(p);

	mem_deref(desc);
}


/* The offer is decoded and carries MIKEY: answer 183 at once, resolve
 * the ticket at the KMS, and answer when it has spoken.  On failure the
 * request is answered and p freed. */
void mikeyin_connect(struct participant *p, const struct sip_msg *msg)
{
	struct focus *f = p->conf->focus;
	uint8_t merr = MIKEY_ERR_UNSPEC;
	struct mbuf *body = NULL;
	struct mikeyin *mi;
	int err;

	if (!f->kms) {
		calllog_refused(f, p->conf->def->uri, p->uri,
				FOCUS_KEYING_MIKEY, 488,
				"MIKEY-TICKET is not configured on this focus");
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 %s \"MIKEY-TICKET is not "
				  "configured on this focus\"\r\n"
				  "Content-Length: 0\r\n\r\n", f->domain);
		goto drop;
	}

	mi = mem_zalloc(sizeof(*mi), mikeyin_destructor);
	if (!mi)
		goto fail;
	p->mikey = mi;

	err = find(p, &mi->ti, &mi->ti_len);
	if (err) {
		calllog_refused(f, p->conf->def->uri, p->uri,
				FOCUS_KEYING_MIKEY, 488, "Malformed a=key-mgmt");
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 %s \"Malformed "
				  "a=key-mgmt\"\r\nContent-Length: 0\r\n\r\n",
				  f->domain);
		goto drop;
	}

	err = kmsc_resolve(&mi->kreq, f->kms, mi->ti, mi->ti_len, NULL,
			   resolve_handler, p, &merr);
	if (err) {
		(void)ti_error_sdp(&body, f, mi, merr);
		{
			char why[96];

			(void)re_snprintf(why, sizeof(why),
					  "TRANSFER_INIT refused (%s)",
					  mikey_err_name(merr));
			calllog_refused(f, p->conf->def->uri, p->uri,
					FOCUS_KEYING_MIKEY, 488, why);
		}
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 %s \"MIKEY: %s\"\r\n"
				  "Content-Type: application/sdp\r\n"
				  "Content-Length: %zu\r\n\r\n%b", f->domain,
				  mikey_err_name(merr),
				  body ? mbuf_get_left(body) : (size_t)0,
				  body ? mbuf_buf(body) : NULL,
				  body ? mbuf_get_left(body) : (size_t)0);
		mem_deref(body);
		goto drop;
	}

	/* 183 (libre creates the early dialog only for 101-199) keeps the
	 * caller waiting quietly while the KMS
	 * resolves; CANCEL meanwhile frees p and the request with it */
	err = participant_accept(p, msg, 183, "Session Progress", NULL);
	if (err)
		goto fail;

	return;

 fail:
	calllog_refused(f, p->conf->def->uri, p->uri, FOCUS_KEYING_MIKEY,
			500, "Server Internal Error");
	(void)sip_treply(NULL, f->sip, msg, 500, "Server Internal Error");
 drop:
	mem_deref(p);
}

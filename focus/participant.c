/**
 * @file participant.c  A participant's SIP dialog: dial-in INVITE,
 * re-INVITE, BYE and CANCEL (through libre's sipsess).
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


#define DEBUG_MODULE "participant"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static const char allow_hdr[] =
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n";


static void participant_destructor(void *arg)
{
	struct participant *p = arg;

	tmr_cancel(&p->tmr);
	events_part_left(p, false);
	conference_leave(p);
	mem_deref(p->sess);
	mem_deref(p->kreq);
	mem_deref(p->mr);
	mem_deref(p->ti);
	mem_deref(p->bfcp_psk);
	mem_deref(p->fp);
	mem_deref(p->msrp);
	mem_deref(p->msrp_tlspsk);
	mem_deref(p->vsink);
	mem_deref(p->audio);
	mem_deref(p->am);
	mem_deref(p->bm);
	mem_deref(p->vm);
	mem_deref(p->mm);
	mem_deref(p->sdp);
	sdes_wipe(&p->tx);
	sdes_wipe(&p->vtx);
	mem_deref(p->uri);
}


static void reply_error(struct sip *sip, const struct sip_msg *msg,
			const struct negotiation_error *ne, const char *host)
{
	(void)sip_treplyf(NULL, NULL, sip, msg, false, ne->scode,
			  ne->scode == 488 ? "Not Acceptable Here"
			  : "Server Internal Error",
			  "Warning: %u %s \"%s\"\r\n"
			  "Content-Length: 0\r\n\r\n",
			  ne->warn_code, host, ne->warn_text);
}


static bool is_sdp(const struct sip_msg *msg)
{
	return msg_ctype_cmp(&msg->ctyp, "application", "sdp");
}


static bool mikey_same_ti(struct participant *p, struct mbuf *body)
{
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

	err = mikeyin_find(p, &ti, &len);
	same = !err && len == p->ti_len && !memcmp(ti, p->ti, len);
	mem_deref(ti);

	return same;
}


static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct participant *p = arg;
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	int err;

	if (!mbuf_get_left(msg->mb)) {
		/* re-INVITE without offer: we offer again (RFC 3261 14.2) */
		return sdpa_encode(p, descp, true);
	}

	if (!is_sdp(msg))
		return EPROTO;

	/* Keys from MIKEY stay for the call; a new TRANSFER_INIT would need
	 * another trip to the KMS, which an offer handler cannot wait for */
	if (p->mr && mikeyin_present(msg->mb) && !mikey_same_ti(p, msg->mb)) {
		DEBUG_NOTICE("%s: re-INVITE with a new MIKEY message "
			     "refused\n", p->uri);
		return EPROTO;
	}

	err = sdpa_offer_received(p, msg->mb, &ne);
	if (err) {
		DEBUG_NOTICE("%s: re-INVITE refused: %s\n", p->uri,
			     ne.warn_text);
		return err;
	}

	DEBUG_INFO("%s: re-INVITE, %s\n", p->uri,
		   sdp_dir_name(sdp_media_dir(p->am)));
	events_part_update(p);
	return sdpa_encode(p, descp, false);
}


static void drop_tmr(void *arg)
{
	struct participant *p = arg;

	mem_deref(p);
}


static void hangup_tmr(void *arg)
{
	struct participant *p = arg;

	participant_hangup(p, 488, "Unacceptable Answer");
}


static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	int err;

	if (!is_sdp(msg))
		return EPROTO;

	err = sdpa_answer_received(p, msg->mb, &ne);
	if (err) {
		DEBUG_NOTICE("%s: unacceptable answer: %s\n", p->uri,
			     ne.warn_text);
		/* not from inside libre's handler: on the next tick */
		tmr_start(&p->tmr, 0, hangup_tmr, p);
	}

	return err;
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;
	(void)msg;

	p->estab = true;
	DEBUG_INFO("%s: established in %s\n", p->uri, p->conf->def->uri);
	events_part_update(p);
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;

	if (err == ECONNRESET)
		DEBUG_INFO("%s: hung up\n", p->uri);
	else if (err)
		DEBUG_INFO("%s: session closed: %m\n", p->uri, err);
	else if (msg)
		DEBUG_INFO("%s: session closed: %u %r\n", p->uri, msg->scode,
			   &msg->reason);

	mem_deref(p);
}


void participant_hangup(struct participant *p, uint16_t scode,
			const char *reason)
{
	(void)scode;
	(void)reason;

	/* Dereferencing an established sipsess sends BYE; an unanswered one
	 * gets a final response from libre. */
	p->sess = mem_deref(p->sess);
	mem_deref(p);
}


/* The roster names the endpoint by the caller's Contact URI. */
static void endpoint_id(struct participant *p, const struct sip_msg *msg)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr addr;

	if (h && !sip_addr_decode(&addr, &h->val))
		(void)re_snprintf(p->ep_id, sizeof(p->ep_id), "%r",
				  &addr.auri);
	if (!p->ep_id[0])
		(void)re_snprintf(p->ep_id, sizeof(p->ep_id), "%s", p->uri);
}


/* libre builds the Contact from cuser as "Contact: <%s>\r\n" when cuser
 * holds a full URI, and has no way to add header parameters.  RFC 4579
 * needs ";isfocus" as a Contact header parameter, so we close the angle
 * bracket ourselves and let libre's ">" end an extra header carrying the
 * conference URI.  The wire result is two well-formed headers. */
static int contact_print(char *buf, size_t sz, const struct sip_msg *msg,
			 const struct conference *conf)
{
	const char *tp = "";

	switch (msg->tp) {
	case SIP_TRANSP_TCP: tp = ";transport=tcp"; break;
	case SIP_TRANSP_TLS: tp = ";transport=tls"; break;
	default: break;
	}

	return re_snprintf(buf, sz, "sip:%r@%J%s>;isfocus\r\n"
			   "X-Conference: <%s",
			   &msg->uri.user, &msg->dst, tp,
			   conf->def->uri) < 0 ? ENOMEM : 0;
}


/* Where the answer to a MIKEY offer failed: the final response. */
static void mikey_refuse(struct participant *p, uint16_t scode,
			 const char *reason, const char *warning,
			 uint8_t merr, bool with_err)
{
	struct focus *f = p->conf->focus;
	struct mbuf *body = NULL;
	uint32_t csb = 0;
	uint8_t prf = 0;

	/* RFC 3830 6.12: the Error message names the CSB of the request */
	if (with_err && p->ti && p->ti_len >= 8) {
		csb = (uint32_t)p->ti[4] << 24 | (uint32_t)p->ti[5] << 16 |
			(uint32_t)p->ti[6] << 8 | p->ti[7];
		prf = p->ti[3] & 0x7f;
		(void)mikeyin_error_sdp(&body, f, csb, prf, merr);
	}

	DEBUG_NOTICE("%s: MIKEY join refused: %u %s (%s)\n", p->uri, scode,
		     reason, warning);

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
	tmr_start(&p->tmr, 0, drop_tmr, p);
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
 * participant_connect(). */
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
			mikey_refuse(p, 503, "Service Unavailable",
				     "KMS unreachable", 0, false);
		else
			mikey_refuse(p, 488, "Not Acceptable Here",
				     err == EALREADY ? "MIKEY replay" :
				     "MIKEY ticket or MAC not accepted",
				     merr, true);
		return;
	}

	p->mr = mem_ref(mr);
	uid = mikey_resp_initiator_id(mr);

	/* The KMS UID as the KMS vouched for it decides, not From */
	if (uid)
		m = confdef_member_find_kms(def, uid);
	if (!m && !def->open) {
		mikey_refuse(p, 403, "KMS UID Not Authorized",
			     "KMS UID not on the conference list", 0, false);
		return;
	}
	if (m) {
		char *u = NULL;

		if (!str_dup(&u, m->sip_uri)) {
			mem_deref(p->uri);
			p->uri = u;
		}
	}

	if (sdpa_negotiate(p, &ne) || mikeyin_answer_attr(p) ||
	    sdpa_encode(p, &desc, false)) {
		mikey_refuse(p, ne.scode ? ne.scode : 500,
			     ne.scode == 488 ? "Not Acceptable Here"
			     : "Server Internal Error", ne.warn_text,
			     0, false);
		mem_deref(desc);
		return;
	}

	DEBUG_INFO("%s: MIKEY-TICKET keyed, KMS UID %s\n", p->uri, uid);

	if (sipsess_answer(p->sess, 200, "OK", desc, "%s", allow_hdr))
		tmr_start(&p->tmr, 0, drop_tmr, p);

	mem_deref(desc);
}


/* The offer is decoded and carries MIKEY: answer 100 at once, resolve
 * the ticket at the KMS, and answer when it has spoken. */
static void mikey_connect(struct focus *f, const struct sip_msg *msg,
			  struct participant *p)
{
	uint8_t merr = MIKEY_ERR_UNSPEC;
	struct mbuf *body = NULL;
	char contact[512];
	int err;

	if (!f->kms) {
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 %s \"MIKEY-TICKET is not "
				  "configured on this focus\"\r\n"
				  "Content-Length: 0\r\n\r\n", f->domain);
		goto drop;
	}

	err = mikeyin_find(p, &p->ti, &p->ti_len);
	if (err) {
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 488,
				  "Not Acceptable Here",
				  "Warning: 399 %s \"Malformed "
				  "a=key-mgmt\"\r\nContent-Length: 0\r\n\r\n",
				  f->domain);
		goto drop;
	}

	err = kmsc_resolve(&p->kreq, f->kms, p->ti, p->ti_len, NULL,
			   resolve_handler, p, &merr);
	if (err) {
		uint32_t csb = (uint32_t)p->ti[4] << 24 |
			(uint32_t)p->ti[5] << 16 | (uint32_t)p->ti[6] << 8 |
			p->ti[7];

		(void)mikeyin_error_sdp(&body, f, csb, p->ti[3] & 0x7f, merr);
		DEBUG_NOTICE("%s: TRANSFER_INIT refused (%s)\n", p->uri,
			     mikey_err_name(merr));
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

	if (contact_print(contact, sizeof(contact), msg, p->conf))
		goto fail;

	/* 183 (libre creates the early dialog only for 101-199) keeps the
	 * caller waiting quietly while the KMS
	 * resolves; CANCEL meanwhile frees p and the request with it */
	err = sipsess_accept(&p->sess, f->sock, msg, 183, "Session Progress",
			     contact,
			     "application/sdp", NULL, NULL, NULL, false,
			     offer_handler, answer_handler, estab_handler,
			     NULL, NULL, close_handler, p, "%s", allow_hdr);
	if (err)
		goto fail;

	return;

 fail:
	(void)sip_treply(NULL, f->sip, msg, 500, "Server Internal Error");
 drop:
	mem_deref(p);
}


void participant_connect(struct focus *f, const struct sip_msg *msg)
{
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	struct conference *conf;
	struct participant *p = NULL;
	struct identity id;
	struct mbuf *desc = NULL;
	char host[64], contact[512];
	const char *reason;
	uint16_t scode;
	bool has_mikey;
	int err;

	re_snprintf(host, sizeof(host), "%s", f->domain);

	if (f->closing) {
		(void)sip_treply(NULL, f->sip, msg, 503, "Shutting Down");
		return;
	}

	conf = conference_find(f, &msg->uri);
	if (!conf) {
		DEBUG_INFO("INVITE to unknown conference %r\n", &msg->ruri);
		(void)sip_treply(NULL, f->sip, msg, 404,
				 "Conference Not Found");
		return;
	}

	if (identity_get(&id, f, msg)) {
		(void)sip_treply(NULL, f->sip, msg, 400, "Bad Identity");
		return;
	}

	/* With MIKEY the KMS UID is checked once the ticket is resolved;
	 * without, the SIP identity is checked now, before any media. */
	has_mikey = mbuf_get_left(msg->mb) && mikeyin_present(msg->mb);

	if (!has_mikey && identity_authorize(conf, &id, &scode, &reason)) {
		DEBUG_NOTICE("%s refused from %s: %s\n", id.uri,
			     conf->def->uri, reason);
		(void)sip_treply(NULL, f->sip, msg, scode, reason);
		return;
	}

	if (mbuf_get_left(msg->mb) && !is_sdp(msg)) {
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/sdp\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}

	p = mem_zalloc(sizeof(*p), participant_destructor);
	if (!p)
		goto fail;

	err  = str_dup(&p->uri, id.uri);
	err |= conference_join(conf, p);
	endpoint_id(p, msg);
	/* MSRP senders may name the room in CPIM To as they dialled it */
	if (msg->uri.port)
		(void)re_snprintf(p->ruri, sizeof(p->ruri), "%r:%r@%r:%u",
				  &msg->uri.scheme, &msg->uri.user,
				  &msg->uri.host, msg->uri.port);
	else
		(void)re_snprintf(p->ruri, sizeof(p->ruri), "%r:%r@%r",
				  &msg->uri.scheme, &msg->uri.user,
				  &msg->uri.host);
	if (err)
		goto fail;
	p->anonymous = id.anonymous;

	err = sdpa_setup(p, f);
	if (err) {
		DEBUG_WARNING("media setup: %m\n", err);
		ne.scode = 503;
		ne.warn_text = "No media ports";
		goto refuse;
	}

	if (mbuf_get_left(msg->mb)) {
		err = sdpa_decode(p, msg->mb, &ne);
		if (!err && has_mikey) {
			mikey_connect(f, msg, p);
			return;
		}
		if (!err)
			err = sdpa_negotiate(p, &ne);
		if (err) {
			DEBUG_NOTICE("%s: offer refused: %s\n", p->uri,
				     ne.warn_text);
			goto refuse;
		}
		err = sdpa_encode(p, &desc, false);
	}
	else {
		err = sdpa_encode(p, &desc, true);
	}
	if (err)
		goto fail;

	err = contact_print(contact, sizeof(contact), msg, conf);
	if (err)
		goto fail;

	err = sipsess_accept(&p->sess, f->sock, msg, 200, "OK", contact,
			     "application/sdp", desc, NULL, NULL, false,
			     offer_handler, answer_handler, estab_handler,
			     NULL, NULL, close_handler, p,
			     "%s", allow_hdr);
	if (err)
		goto fail;

	mem_deref(desc);
	return;

 refuse:
	reply_error(f->sip, msg, &ne, host);
	mem_deref(desc);
	mem_deref(p);
	return;

 fail:
	(void)sip_treply(NULL, f->sip, msg, 500, "Server Internal Error");
	mem_deref(desc);
	mem_deref(p);
}

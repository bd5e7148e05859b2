/**
 * @file participant.c  A participant's SIP dialog: dial-in INVITE,
 * re-INVITE, BYE and CANCEL (through libre's sipsess).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"
#include "focus/stream_int.h"
#include "focus/digest.h"
#include "focus/auth_int.h"
#include "focus/admission_int.h"


#define DEBUG_MODULE "participant"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static const char allow_hdr[] =
	"Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REFER\r\n";


static void participant_destructor(void *arg)
{
	struct participant *p = arg;

	tmr_cancel(&p->tmr);
	mem_deref(p->adm);
	events_part_left(p, false);
	mem_deref(p->dialout);
	conference_leave(p);
	mem_deref(p->sess);
	mem_deref(p->mikey);
	mem_deref(p->bfcp);
	mem_deref(p->msrp);
	mem_deref(p->video);
	mem_deref(p->audio);
	mem_deref(p->sdp);
	mem_deref(p->uri);
}


struct participant *participant_alloc(void)
{
	return mem_zalloc(sizeof(struct participant), participant_destructor);
}


static void reply_error(struct focus *f, const struct sip_msg *msg,
			const struct negotiation_error *ne, const char *host)
{
	/* 503 is a resource we ran out of: the client may come back
	 * (RFC 3261 21.5.4) */
	(void)sip_treplyf(NULL, NULL, f->sip, msg, false, ne->scode,
			  ne->scode == 488 ? "Not Acceptable Here"
			  : ne->scode == 503 ? "Media Ports Exhausted (rtp_ports)"
			  : "Server Internal Error",
			  "Warning: %u %s \"%s\"\r\n"
			  "%s%u%s"
			  "Content-Length: 0\r\n\r\n",
			  ne->warn_code, host, ne->warn_text,
			  ne->scode == 503 ? "Retry-After: " : "",
			  admission_retry_after(f->adm),
			  ne->scode == 503 ? "\r\n" : "");
}


static bool is_sdp(const struct sip_msg *msg)
{
	return msg_ctype_cmp(&msg->ctyp, "application", "sdp");
}


int participant_offer(struct mbuf **descp, const struct sip_msg *msg,
		      void *arg)
{
	struct participant *p = arg;
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	int err;

	if (!mbuf_get_left(msg->mb)) {
		/* re-INVITE without offer: we offer again (RFC 3261 14.2) */
		err = oa_encode(p, descp, true);
		p->offer_pending = !err;
		return err;
	}

	if (!is_sdp(msg))
		return EPROTO;

	if (mikeyin_rekey(p, msg->mb)) {
		DEBUG_NOTICE("%s: re-INVITE with a new MIKEY message "
			     "refused\n", p->uri);
		return EPROTO;
	}

	err = oa_offer_received(p, msg->mb, &ne);
	if (err) {
		DEBUG_NOTICE("%s: re-INVITE refused: %s\n", p->uri,
			     ne.warn_text);
		return err;
	}

	DEBUG_INFO("%s: re-INVITE, %s\n", p->uri,
		   sdp_dir_name(stream_audio_dir(p->audio)));
	events_part_update(p);
	return oa_encode(p, descp, false);
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

	p->offer_pending = false;
	if (!is_sdp(msg))
		return EPROTO;

	err = oa_answer_received(p, msg->mb, &ne);
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
	admission_call_established(p->adm);
	DEBUG_INFO("%s: established in %s\n", p->uri, p->conf->def->uri);
	events_part_update(p);
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct participant *p = arg;

	if (err == ECONNRESET)
		str_ncpy(p->why_left, "hung up", sizeof(p->why_left));
	else if (err)
		(void)re_snprintf(p->why_left, sizeof(p->why_left),
				  "session closed: %m", err);
	else if (msg)
		(void)re_snprintf(p->why_left, sizeof(p->why_left),
				  "session closed: %u %r", msg->scode,
				  &msg->reason);
	DEBUG_INFO("%s: %s\n", p->uri, p->why_left);

	mem_deref(p);
}


void participant_hangup(struct participant *p, uint16_t scode,
			const char *reason)
{
	if (reason && !p->why_left[0])
		(void)re_snprintf(p->why_left, sizeof(p->why_left),
				  "ended by the focus: %u %s", scode, reason);

	/* RFC 3326: why the focus ends the call, on its BYE */
	if (p->sess && scode && reason)
		(void)sipsess_set_close_headers(p->sess,
			"Reason: SIP;cause=%u;text=\"%s\"\r\n",
			scode, reason);

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


/* Not established within ack_timeout (admission.c): end it now and
 * free its ports rather than hold them for libre's 32 s. */
static void ack_timeout(void *arg)
{
	struct participant *p = arg;

	DEBUG_NOTICE("%s: no ACK in time: call ended, ports freed\n",
		     p->uri);
	participant_hangup(p, 408, "ACK Timeout");
}


/* libre builds the Contact from cuser as "Contact: <%s>\r\n" when cuser
 * holds a full URI, and has no way to add header parameters.  RFC 4579
 * needs ";isfocus" as a Contact header parameter, so we close the angle
 * bracket ourselves and let libre's ">" end an extra header carrying the
 * conference URI.  The wire result is two well-formed headers. */
static int contact_print(char *buf, size_t sz, const struct sip_msg *msg,
			 const struct conference *conf)
{
	/* the conference's own user part: a factory INVITE (RFC 4579
	 * 5.4) learns the new conference URI from this Contact */
	const char *user = strchr(conf->def->uri, ':');
	const char *at = strchr(conf->def->uri, '@');
	const char *tp = "";

	if (!user || !at || at < user)
		return EINVAL;

	switch (msg->tp) {
	case SIP_TRANSP_TCP: tp = ";transport=tcp"; break;
	case SIP_TRANSP_TLS: tp = ";transport=tls"; break;
	default: break;
	}

	return re_snprintf(buf, sz, "sip:%b@%J%s>;isfocus\r\n"
			   "X-Conference: <%s",
			   user + 1, (size_t)(at - user - 1), &msg->dst, tp,
			   conf->def->uri) < 0 ? ENOMEM : 0;
}


int participant_accept(struct participant *p, const struct sip_msg *msg,
		       uint16_t scode, const char *reason, struct mbuf *desc)
{
	struct focus *f = p->conf->focus;
	char contact[512];
	int err;

	err = contact_print(contact, sizeof(contact), msg, p->conf);
	if (err)
		return err;

	err = sipsess_accept(&p->sess, f->sock, msg, scode, reason,
			     contact, "application/sdp", desc, NULL, NULL,
			     false, participant_offer, answer_handler,
			     estab_handler, NULL, refer_in_dialog,
			     close_handler, p,
			     "%s%H", allow_hdr, stream_video_warning,
			     p->video);
	if (!err && scode >= 200 && scode < 300)
		conference_joined(p);

	return err;
}


/* The final answer after a provisional one (participant_accept). */
int participant_answer(struct participant *p, struct mbuf *desc)
{
	int err = sipsess_answer(p->sess, 200, "OK", desc, "%s%H", allow_hdr,
				 stream_video_warning, p->video);

	if (!err)
		conference_joined(p);

	return err;
}


/* Free p on the next tick: not from inside a libre handler that still
 * uses it. */
void participant_drop(struct participant *p)
{
	tmr_start(&p->tmr, 0, drop_tmr, p);
}


/* Before the identity is known: the From URI and the Request-URI, as
 * they came (for the log line only). */
static void refused_early(struct focus *f, const struct sip_msg *msg,
			  uint16_t scode, const char *reason)
{
	char conf[256], who[256];

	(void)re_snprintf(conf, sizeof(conf), "%r", &msg->ruri);
	(void)re_snprintf(who, sizeof(who), "%r", &msg->from.auri);
	calllog_refused(f, conf, who, calllog_offer_keying(msg->mb), scode,
			reason);
}


void participant_connect(struct focus *f, const struct sip_msg *msg)
{
	struct conference *conf;

	if (f->closing) {
		refused_early(f, msg, 503, "Shutting Down");
		(void)sip_treply(NULL, f->sip, msg, 503, "Shutting Down");
		return;
	}

	conf = conference_find(f, &msg->uri);
	if (!conf) {
		refused_early(f, msg, 404, "Conference Not Found");
		(void)sip_treply(NULL, f->sip, msg, 404,
				 "Conference Not Found");
		return;
	}

	participant_connect_conf(f, conf, msg);
}


void participant_connect_conf(struct focus *f, struct conference *conf,
			      const struct sip_msg *msg)
{
	struct negotiation_error ne = {488, 399, "Malformed SDP"};
	struct participant *p = NULL;
	struct adm_call *adm = NULL;
	struct identity id;
	struct auth_reply rep;
	struct mbuf *desc = NULL;
	char host[64];
	const char *reason;
	uint16_t scode;
	bool has_mikey;
	int err;

	re_snprintf(host, sizeof(host), "%s", f->domain);

	if (identity_get(&id, f, msg)) {
		refused_early(f, msg, 400, "Bad Identity");
		(void)sip_treply(NULL, f->sip, msg, 400, "Bad Identity");
		return;
	}

	/* With MIKEY the KMS UID is checked once the ticket is resolved;
	 * without, the SIP identity is checked now, before any media. */
	has_mikey = mbuf_get_left(msg->mb) && mikeyin_present(msg->mb);

	/* From alone proves nothing: 401/403 unless authenticated, or
	 * an open conference (auth_int.h) */
	if (auth_check(f, conf, msg, &id, has_mikey, !conf->def->open,
		       &rep)) {
		calllog_refused(f, conf->def->uri, id.uri,
				calllog_offer_keying(msg->mb), rep.scode,
				rep.reason);
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, rep.scode,
				  rep.reason, "%sContent-Length: 0\r\n\r\n",
				  rep.hdrs);
		return;
	}

	if (!has_mikey && identity_authorize(conf, &id, &scode, &reason)) {
		calllog_refused(f, conf->def->uri, id.uri,
				calllog_offer_keying(msg->mb), scode, reason);
		(void)sip_treply(NULL, f->sip, msg, scode, reason);
		return;
	}

	if (mbuf_get_left(msg->mb) && !is_sdp(msg)) {
		calllog_refused(f, conf->def->uri, id.uri, FOCUS_KEYING_NONE,
				415, "Unsupported Media Type");
		(void)sip_treplyf(NULL, NULL, f->sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/sdp\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}

	/* the limits, before any port or socket is taken */
	if (admission_call(&adm, f->adm, msg, conf->def->open,
			   list_count(&conf->parts)))
		return;           /* answered 503, or dropped */

	p = participant_alloc();
	if (!p) {
		mem_deref(adm);
		goto fail;
	}
	p->adm = adm;
	admission_call_watch(adm, ack_timeout, p);

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
	p->authenticated = id.authenticated;

	err = oa_media_addr(f, mbuf_get_left(msg->mb) ? msg->mb : NULL,
			    &msg->dst, &p->maddr, &ne);
	if (err)
		goto refuse;
	p->sig_src = msg->src;         /* its BFCP/MSRP come from here */

	err = oa_setup(p);
	if (err == ENOSPC || err == EADDRINUSE || err == EMFILE ||
	    err == ENFILE) {
		DEBUG_WARNING("media setup: %m\n", err);
		ne.scode = 503;
		ne.warn_text = "No media ports";
		goto refuse;
	}
	if (err)
		goto fail;

	if (mbuf_get_left(msg->mb)) {
		err = oa_decode_offer(p, msg->mb, &ne);
		if (!err && has_mikey) {
			mikeyin_connect(p, msg);
			return;
		}
		if (!err)
			err = oa_answer(p, &ne);
		if (err)
			goto refuse;
		err = oa_encode(p, &desc, false);
	}
	else {
		err = oa_encode(p, &desc, true);
		p->offer_pending = !err;
	}
	if (err)
		goto fail;

	err = participant_accept(p, msg, 200, "OK", desc);
	if (err)
		goto fail;

	mem_deref(desc);
	return;

 refuse:
	/* one line, never a join and a leave (p has not joined) */
	calllog_refused(f, conf->def->uri, p->uri,
			calllog_offer_keying(msg->mb), ne.scode,
			ne.warn_text);
	reply_error(f, msg, &ne, host);
	mem_deref(desc);
	mem_deref(p);
	return;

 fail:
	calllog_refused(f, conf->def->uri, p && p->uri ? p->uri : id.uri,
			calllog_offer_keying(msg->mb), 500,
			"Server Internal Error");
	(void)sip_treply(NULL, f->sip, msg, 500, "Server Internal Error");
	mem_deref(desc);
	mem_deref(p);
}

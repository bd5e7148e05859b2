/**
 * @file sip_call.c  One outgoing call: INVITE with an audio offer (PCMU,
 *                   telephone-event, RFC 4568 a=crypto lines), the answer
 *                   checked against RFC 4568 5.1.2, then SRTP both ways.
 *
 * The offerer's key protects what the offerer sends; the key in the
 * answer protects what the answerer sends (RFC 4568 5.1).  So tx uses
 * the offered line whose tag the answer echoes, rx uses the answer's.
 *
 * Keyed by MIKEY-TICKET instead (RFC 4567, RFC 6043): TRANSFER_INIT
 * goes in a session-level a=key-mgmt:mikey, the audio m-line is
 * RTP/SAVP without a=crypto, and the answer's TRANSFER_RESP yields the
 * TEKs.  Crypto sessions follow the m-lines (DESIGN.md): CS 1 and 2 for
 * audio (1 protects the initiator's SSRC, i.e. what we send; 2 what the
 * focus sends), then one TLS CS for each TCP/TLS/BFCP and TCP/TLS/MSRP
 * m-line, in the order of those m-lines in the offer.
 *
 * An optional m=application BFCP stream (RFC 8856) makes us a floor
 * control client; the answer's port, conference and user IDs are kept.
 * An optional m=message MSRP stream (RFC 4975, RFC 6135: we are the
 * active side) makes us a chat participant; the answer's port and
 * a=path are kept for the MSRP client.
 */
#include <string.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include "tests/ua/ua.h"
#include "tests/ua/mikey_ua.h"


enum { MAX_OFFER = 8 };

struct ua_call {
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *m;
	struct sdp_media *bm;           /* BFCP, or NULL */
	struct ua_bfcp_ans bfcp;
	struct sdp_media *mm;           /* MSRP, or NULL */
	struct ua_msrp_ans msrp;
	char msrp_sid[33];              /* session-id of our a=path */
	uint8_t cs_bfcp, cs_msrp;       /* TLS crypto session IDs */
	struct ua_mikey *mikey;         /* MIKEY-TICKET keying, or NULL */
	struct ua_stream *rs;
	struct ua_video *vid[2];        /* main, slides, or NULL */
	struct ua_sdes_crypto offered[MAX_OFFER];
	size_t offeredc;
	struct ua_sdes_crypto tx;       /* our key in use */
	struct ua_sdes_crypto rx;       /* the answer's key */
	bool keyed;
	enum srtp_mode mode;
	const char *codec;              /* offered: "PCMU", "opus", "G722" */
	uint8_t pt;                     /* its payload type in the answer */
	char proto[16];
	struct sa raddr;
	uint16_t scode;
	char reason[64];
	const char *error;
	bool estab;
	bool closed;
	struct tmr tmr_bye;
	ua_call_estab_h *estabh;
	ua_call_close_h *closeh;
	void *arg;
	char *auth_user, *auth_pass;
	unsigned auth_tries;
	struct mbuf *offer;            /* libre re-sends it after a 401 */
};


static void destructor(void *arg)
{
	struct ua_call *call = arg;

	tmr_cancel(&call->tmr_bye);
	/* Dereferencing an established sipsess sends BYE. */
	mem_deref(call->sess);
	mem_deref(call->rs);
	mem_deref(call->vid[0]);
	mem_deref(call->vid[1]);
	mem_deref(call->sdp);
	mem_deref(call->mikey);
	for (size_t i = 0; i < call->offeredc; i++)
		ua_sdes_crypto_wipe(&call->offered[i]);
	ua_sdes_crypto_wipe(&call->tx);
	ua_sdes_crypto_wipe(&call->rx);
	if (call->offer) {
		/* the offer carried our keys in clear text */
		memset(call->offer->buf, 0, call->offer->size);
		mem_deref(call->offer);
	}
	mem_deref(call->auth_user);
	if (call->auth_pass)
		OPENSSL_cleanse(call->auth_pass, strlen(call->auth_pass));
	mem_deref(call->auth_pass);
}


/* libre asks once per challenge; answering a second challenge for
 * the same realm with the same password would loop on a wrong one. */
static int auth_h(char **username, char **password, const char *realm,
		  void *arg)
{
	struct ua_call *call = arg;
	int err;
	(void)realm;

	if (!call->auth_user || !call->auth_pass || ++call->auth_tries > 2)
		return EAUTH;

	err = str_dup(username, call->auth_user);
	err |= str_dup(password, call->auth_pass);

	return err;
}


/* The proto of the first m=audio line of a body, for RFC 4568's
 * "RTP/SAVP needs a=crypto" rule (libre's sdp_media keeps only ours). */
static void body_proto(char *buf, size_t sz, const struct mbuf *mb)
{
	struct pl proto;

	buf[0] = '\0';
	if (!mb)
		return;
	if (0 == re_regex((const char *)mbuf_buf(mb), mbuf_get_left(mb),
			  "m=audio [0-9]+ [^ \r\n]+", NULL, &proto))
		(void)pl_strcpy(&proto, buf, sz);
}


struct crypto_pick {
	struct ua_call *call;
	int count;
	int err;
	const char *why;
	struct ua_sdes_crypto got;
	bool ok;
};


static bool crypto_answer_h(const char *name, const char *value, void *arg)
{
	struct crypto_pick *pk = arg;
	struct ua_sdes_crypto c;
	const char *why = "";
	int err;
	(void)name;

	++pk->count;
	err = ua_sdes_crypto_decode(&c, value, strlen(value), &why);
	if (err) {
		pk->err = err;
		pk->why = why;
		return false;
	}
	if (!pk->ok) {
		pk->got = c;
		pk->ok = true;
	}
	ua_sdes_crypto_wipe(&c);
	return false;
}


static int set_media(struct ua_call *call)
{
	struct srtp *tx = NULL, *rx = NULL;
	struct sa rtcp;
	int err = 0;

	call->raddr = *sdp_media_raddr(call->m);
	sdp_media_raddr_rtcp(call->m, &rtcp);
	if (!sa_isset(&rtcp, SA_ALL)) {
		rtcp = call->raddr;
		sa_set_port(&rtcp, (uint16_t)(sa_port(&call->raddr) + 1));
	}
	if (call->keyed) {
		err = ua_sdes_crypto_srtp(&tx, &call->tx);
		if (!err)
			err = ua_sdes_crypto_srtp(&rx, &call->rx);
		if (err) {
			call->error = "cannot set up SRTP with that key";
			goto out;
		}
	}
	ua_stream_start(call->rs, &call->raddr, &rtcp, tx, rx, call->pt);
 out:
	mem_deref(tx);
	mem_deref(rx);
	return err;
}


/* MIKEY keys into SRTP contexts: TEK || salt as an AES_CM_128_HMAC_SHA1_80
 * master key (the suite our SP payload asks for: AES-CM, 16-byte key,
 * HMAC-SHA-1, 14-byte salt, 10-byte tag). */
static int mikey_key(struct ua_sdes_crypto *c, const struct ua_mikey *u,
		     uint8_t cs)
{
	uint8_t key[64], salt[16];
	size_t kl = 0, sl = 0, olen;
	int err;

	memset(c, 0, sizeof(*c));
	err = ua_mikey_tek(u, cs, key, &kl, salt, &sl);
	if (err)
		return err;
	if (kl != 16 || sl != 14) {
		err = EPROTO;
		goto out;
	}
	c->tag = cs;
	c->suite = ua_sdes_suite_find("AES_CM_128_HMAC_SHA1_80", 23);
	memcpy(c->key, key, kl);
	memcpy(c->key + kl, salt, sl);
	c->keylen = kl + sl;
	olen = sizeof(c->b64) - 1;
	err = base64_encode(c->key, c->keylen, c->b64, &olen);
	if (!err)
		c->b64[olen] = '\0';
 out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	return err;
}


/* The answer's a=key-mgmt:mikey (session level, or on the audio m-line;
 * RFC 4567 3.1) must hold a TRANSFER_RESP to our TRANSFER_INIT. */
static int check_mikey(struct ua_call *call)
{
	const char *v = sdp_session_rattr(call->sdp, "key-mgmt");
	struct pl prot, data;
	uint8_t *buf;
	size_t len;
	int err;

	if (!v)
		v = sdp_media_rattr(call->m, "key-mgmt");
	if (!v) {
		call->error = "no a=key-mgmt in the answer";
		return EPROTO;
	}
	if (re_regex(v, strlen(v), "[^ ]+ [^ ]+", &prot, &data) ||
	    pl_strcasecmp(&prot, "mikey")) {
		call->error = "answer a=key-mgmt is not mikey";
		return EPROTO;
	}
	len = data.l;
	buf = malloc(len + 1);
	if (!buf)
		return ENOMEM;
	err = base64_decode(data.p, data.l, buf, &len);
	if (err) {
		free(buf);
		call->error = "answer a=key-mgmt is not base64";
		return EPROTO;
	}
	err = ua_mikey_transfer_resp(call->mikey, buf, len);
	free(buf);
	switch (err) {
	case 0:
		break;
	case ECONNREFUSED:
		call->error = "answer carries a MIKEY Error message";
		return EPROTO;
	case EACCES:
		call->error = "TRANSFER_RESP MAC does not verify";
		return EPROTO;
	case ETIMEDOUT:
		call->error = "TRANSFER_RESP timestamp out of window";
		return EPROTO;
	default:
		call->error = "TRANSFER_RESP does not parse";
		return EPROTO;
	}

	err = mikey_key(&call->tx, call->mikey, 1);
	if (!err)
		err = mikey_key(&call->rx, call->mikey, 2);
	if (err) {
		call->error = "no SRTP TEK for crypto sessions 1 and 2";
		return EPROTO;
	}
	if (0 == memcmp(call->tx.key, call->rx.key, call->tx.keylen)) {
		call->error = "the two SRTP crypto sessions share a key";
		return EPROTO;
	}
	call->keyed = true;
	return 0;
}


static bool floorid_h(const char *name, const char *value, void *arg)
{
	struct ua_bfcp_ans *b = arg;
	(void)name;

	if (b->floorc < UA_ARRAY_SIZE(b->floorid))
		str_ncpy(b->floorid[b->floorc++], value,
			 sizeof(b->floorid[0]));
	return false;
}


static void media_rattr(char *buf, size_t sz, const struct ua_call *call,
			const struct sdp_media *m, const char *name)
{
	const char *v = sdp_media_rattr(m, name);

	if (!v)
		v = sdp_media_session_rattr(m, call->sdp, name);
	str_ncpy(buf, v ? v : "", sz);
}


static void copy_rattr(char *buf, size_t sz, const struct ua_call *call,
		       const char *name)
{
	media_rattr(buf, sz, call, call->bm, name);
}


/* The MSRP part of the answer (RFC 4975 8); as for BFCP, only what the
 * server said is recorded here. */
static void read_msrp(struct ua_call *call, const struct mbuf *mb)
{
	struct ua_msrp_ans *a = &call->msrp;
	struct pl proto;

	a->port = sdp_media_rport(call->mm);
	a->addr = *sdp_media_raddr(call->mm);
	if (0 == re_regex((const char *)mbuf_buf(mb), mbuf_get_left(mb),
			  "m=message [0-9]+ [^ \r\n]+", NULL, &proto))
		(void)pl_strcpy(&proto, a->proto, sizeof(a->proto));
	media_rattr(a->path, sizeof(a->path), call, call->mm, "path");
	media_rattr(a->setup, sizeof(a->setup), call, call->mm, "setup");
	media_rattr(a->fingerprint, sizeof(a->fingerprint), call, call->mm,
		    "fingerprint");
	media_rattr(a->accept_types, sizeof(a->accept_types), call,
		    call->mm, "accept-types");
	a->answered = true;
}


/* The BFCP part of the answer (RFC 8856 4-8); checks are the caller's,
 * this only records what the server said. */
static void read_bfcp(struct ua_call *call, const struct mbuf *mb)
{
	struct ua_bfcp_ans *b = &call->bfcp;
	struct pl proto;
	char tmp[32];

	b->port = sdp_media_rport(call->bm);
	b->addr = *sdp_media_raddr(call->bm);
	if (0 == re_regex((const char *)mbuf_buf(mb), mbuf_get_left(mb),
			  "m=application [0-9]+ [^ \r\n]+", NULL, &proto))
		(void)pl_strcpy(&proto, b->proto, sizeof(b->proto));
	copy_rattr(tmp, sizeof(tmp), call, "confid");
	b->confid = (uint32_t)strtoul(tmp, NULL, 10);
	copy_rattr(tmp, sizeof(tmp), call, "userid");
	b->userid = (uint16_t)strtoul(tmp, NULL, 10);
	copy_rattr(b->setup, sizeof(b->setup), call, "setup");
	copy_rattr(b->connection, sizeof(b->connection), call, "connection");
	copy_rattr(b->floorctrl, sizeof(b->floorctrl), call, "floorctrl");
	copy_rattr(b->bfcpver, sizeof(b->bfcpver), call, "bfcpver");
	copy_rattr(b->fingerprint, sizeof(b->fingerprint), call,
		   "fingerprint");
	b->floorc = 0;
	sdp_media_rattr_apply(call->bm, "floorid", floorid_h, b);
	str_ncpy(b->audio_label, sdp_media_rattr(call->m, "label") ?
		 sdp_media_rattr(call->m, "label") : "",
		 sizeof(b->audio_label));
	b->answered = true;
}


/* Checks the answer: PCMU kept, and for SRTP exactly one a=crypto whose
 * tag and suite match one we offered (RFC 4568 5.1.2). */
static int check_answer(struct ua_call *call, const struct sip_msg *msg)
{
	struct crypto_pick pk;
	size_t i;
	int err;

	err = sdp_decode(call->sdp, msg->mb, false);
	if (err) {
		call->error = "answer SDP does not parse";
		return err;
	}
	body_proto(call->proto, sizeof(call->proto), msg->mb);
	if (!sdp_media_rport(call->m)) {
		call->error = "audio stream rejected (port 0)";
		return EPROTO;
	}
	{
		const struct sdp_format *fmt =
			sdp_media_rformat(call->m, call->codec);

		if (!fmt) {
			call->error = "answer lacks the codec offered";
			return EPROTO;
		}
		call->pt = (uint8_t)fmt->pt;
	}

	for (i = 0; i < 2; i++) {
		const char *why = NULL;

		if (call->vid[i] && ua_video_answer(call->vid[i], &why)) {
			call->error = why;
			return EPROTO;
		}
	}

	if (call->bm)
		read_bfcp(call, msg->mb);
	if (call->mm)
		read_msrp(call, msg->mb);

	memset(&pk, 0, sizeof(pk));
	pk.call = call;
	sdp_media_rattr_apply(call->m, "crypto", crypto_answer_h, &pk);

	if (call->mikey) {
		if (pk.count) {
			call->error = "a=crypto in answer to a MIKEY offer";
			err = EPROTO;
		}
		else if (0 != strcmp(call->proto, "RTP/SAVP")) {
			call->error = "answer to RTP/SAVP is not RTP/SAVP";
			err = EPROTO;
		}
		else
			err = check_mikey(call);
		goto out;
	}

	if (call->mode == SRTP_OFF) {
		if (pk.count) {
			call->error = "a=crypto in answer to plain offer";
			err = EPROTO;
		}
		goto out;
	}
	if (pk.err) {
		call->error = pk.why;
		err = pk.err;
		goto out;
	}
	if (pk.count > 1) {
		call->error = "answer has more than one a=crypto";
		err = EPROTO;
		goto out;
	}
	if (pk.count == 0) {
		if (call->mode == SRTP_MAND ||
		    0 == strcmp(call->proto, "RTP/SAVP")) {
			call->error = "no a=crypto in answer";
			err = EPROTO;
		}
		goto out;
	}
	if (call->mode == SRTP_BESTEFFORT &&
	    0 != strcmp(call->proto, "RTP/AVP")) {
		call->error = "answer changed the transport protocol";
		err = EPROTO;
		goto out;
	}
	if (call->mode == SRTP_MAND && 0 != strcmp(call->proto, "RTP/SAVP")) {
		call->error = "answer to RTP/SAVP is not RTP/SAVP";
		err = EPROTO;
		goto out;
	}
	for (i = 0; i < call->offeredc; i++) {
		if (call->offered[i].tag == pk.got.tag)
			break;
	}
	if (i == call->offeredc) {
		call->error = "answer a=crypto tag was not offered";
		err = EPROTO;
		goto out;
	}
	if (call->offered[i].suite != pk.got.suite) {
		call->error = "answer a=crypto suite differs from the offer";
		err = EPROTO;
		goto out;
	}
	if (0 == memcmp(call->offered[i].key, pk.got.key, pk.got.keylen)) {
		call->error = "answer echoes our own key";
		err = EPROTO;
		goto out;
	}
	call->tx = call->offered[i];
	call->rx = pk.got;
	call->keyed = true;

 out:
	ua_sdes_crypto_wipe(&pk.got);
	if (!err)
		err = set_media(call);
	return err;
}


static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *call = arg;
	int err;

	err = check_answer(call, msg);
	if (err) {
		/* Hang up: a call we cannot key is no call. */
		call->scode = msg->scode;
		(void)pl_strcpy(&msg->reason, call->reason,
				sizeof(call->reason));
	}
	return err;
}


/* A re-INVITE from the focus: answer it, choosing the first offered
 * suite we know and keeping our key when the suite is unchanged. */
struct crypto_offer {
	struct ua_sdes_crypto pick;
	bool ok;
};


static bool crypto_offer_h(const char *name, const char *value, void *arg)
{
	struct crypto_offer *co = arg;
	struct ua_sdes_crypto c;
	struct srtp *probe = NULL;
	(void)name;

	if (co->ok)
		return false;
	if (ua_sdes_crypto_decode(&c, value, strlen(value), NULL))
		return false;
	if (0 == ua_sdes_crypto_srtp(&probe, &c)) {
		co->pick = c;
		co->ok = true;
	}
	mem_deref(probe);
	ua_sdes_crypto_wipe(&c);
	return false;
}


static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct ua_call *call = arg;
	struct crypto_offer co;
	char line[160];
	int err;

	err = sdp_decode(call->sdp, msg->mb, true);
	if (err)
		return err;

	memset(&co, 0, sizeof(co));
	sdp_media_rattr_apply(call->m, "crypto", crypto_offer_h, &co);
	sdp_media_del_lattr(call->m, "crypto");
	/* MIKEY: the keys of the first exchange stay (a new TRANSFER_INIT
	 * in a re-INVITE is not something the focus does) */
	if (call->mode != SRTP_OFF && !call->mikey) {
		if (!co.ok) {
			if (call->mode == SRTP_MAND)
				return EPROTO;
			call->keyed = false;
		}
		else {
			if (!call->keyed || call->tx.suite != co.pick.suite) {
				err = ua_sdes_crypto_new(&call->tx, co.pick.tag,
						      co.pick.suite);
				if (err)
					goto out;
			}
			call->tx.tag = co.pick.tag;
			call->rx = co.pick;
			call->keyed = true;
			err = ua_sdes_crypto_encode(line, sizeof(line),
						 &call->tx);
			if (!err)
				err = sdp_media_set_lattr(call->m, false,
							  "crypto", "%s",
							  line);
			if (err)
				goto out;
		}
	}
	err = set_media(call);
	if (!err)
		err = sdp_encode(descp, call->sdp, false);
 out:
	ua_sdes_crypto_wipe(&co.pick);
	return err;
}


static void progr_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *call = arg;

	call->scode = msg->scode;
}


/* A 2xx whose answer we refused: libre has ACKed it, so hang up with
 * BYE, from a timer because libre still holds the session here. */
static void bye_h(void *arg)
{
	struct ua_call *call = arg;

	call->sess = mem_deref(call->sess);
	call->closed = true;
	if (call->closeh)
		call->closeh(call, EPROTO, call->scode, call->arg);
}


static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *call = arg;

	call->scode = msg->scode;
	(void)pl_strcpy(&msg->reason, call->reason, sizeof(call->reason));
	if (call->error) {
		tmr_start(&call->tmr_bye, 0, bye_h, call);
		return;
	}
	call->estab = true;
	if (call->estabh)
		call->estabh(call, call->arg);
}


static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct ua_call *call = arg;

	if (msg && !msg->req) {
		call->scode = msg->scode;
		(void)pl_strcpy(&msg->reason, call->reason,
				sizeof(call->reason));
	}
	else if (err && !call->estab && !call->scode) {
		call->scode = 408;
		re_snprintf(call->reason, sizeof(call->reason), "%m", err);
	}
	call->closed = true;
	if (call->closeh)
		call->closeh(call, err, call->scode, call->arg);
}


static int add_bfcp(struct ua_call *call, const struct ua_call_prm *prm)
{
	bool tls = prm->bfcp == UA_BFCP_TLS;
	int err;

	/* RFC 8856: we connect (active), a new connection, we are the
	 * floor control client; TLS is authenticated by our certificate's
	 * fingerprint unless MIKEY gives a PSK */
	err = sdp_media_add(&call->bm, call->sdp, "application", 9,
			    tls ? "TCP/TLS/BFCP" : "TCP/BFCP");
	err |= sdp_format_add(NULL, call->bm, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_media_set_lattr(call->bm, false, "setup", "active");
	err |= sdp_media_set_lattr(call->bm, false, "connection", "new");
	if (tls && !prm->mikey && prm->bfcp_fp)
		err |= sdp_media_set_lattr(call->bm, false, "fingerprint",
					   "%s", prm->bfcp_fp);
	err |= sdp_media_set_lattr(call->bm, false, "floorctrl", "c-only");
	err |= sdp_media_set_lattr(call->bm, false, "bfcpver", "1");
	return err;
}


/* RFC 4975 8 / RFC 6135: port 9 and a=setup:active, since we connect;
 * our a=path names a session-id with at least 80 random bits (RFC 4975
 * 14.1), and the port in it means nothing (the connection's is used).
 * TLS is authenticated by our certificate's fingerprint (RFC 4975 14.2)
 * unless MIKEY gives a PSK (TS 33.328 Annex H). */
static int add_msrp(struct ua_call *call, const struct ua_call_prm *prm)
{
	bool tls = prm->msrp == UA_MSRP_TLS;
	uint8_t rnd[16];
	size_t i;
	int err;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return EIO;
	for (i = 0; i < sizeof(rnd); i++)
		(void)re_snprintf(call->msrp_sid + 2 * i, 3, "%02x", rnd[i]);

	err = sdp_media_add(&call->mm, call->sdp, "message", 9,
			    tls ? "TCP/TLS/MSRP" : "TCP/MSRP");
	err |= sdp_format_add(NULL, call->mm, false, "*", NULL, 0, 0,
			      NULL, NULL, NULL, false, NULL);
	err |= sdp_media_set_lattr(call->mm, false, "setup", "active");
	err |= sdp_media_set_lattr(call->mm, false, "accept-types",
				   "message/cpim text/plain");
	err |= sdp_media_set_lattr(call->mm, false, "path",
				   "%s://%j:9/%s;tcp", tls ? "msrps" : "msrp",
				   &prm->media, call->msrp_sid);
	if (tls && !prm->mikey && prm->msrp_fp)
		err |= sdp_media_set_lattr(call->mm, false, "fingerprint",
					   "%s", prm->msrp_fp);
	return err;
}


/* The TCP m-lines in offer order; TLS ones get CS IDs from 3 on, after
 * the audio m-line's two SRTP CSs. */
static int add_tcp_media(struct ua_call *call, const struct ua_call_prm *prm,
			 unsigned *ntls)
{
	uint8_t next = 3;
	int err = 0;

	for (int k = 0; k < 2 && !err; k++) {
		bool msrp = (k == 0) == prm->msrp_first;

		if (msrp && prm->msrp) {
			err = add_msrp(call, prm);
			if (prm->msrp == UA_MSRP_TLS)
				call->cs_msrp = next++;
		}
		else if (!msrp && prm->bfcp) {
			err = add_bfcp(call, prm);
			if (prm->bfcp == UA_BFCP_TLS)
				call->cs_bfcp = next++;
		}
	}
	*ntls = next - 3u;
	if (!prm->mikey)
		call->cs_bfcp = call->cs_msrp = 0;
	return err;
}


int ua_call_alloc(struct ua_call **callp, struct sipsess_sock *sock,
		  const struct ua_call_prm *prm, ua_call_estab_h *estabh,
		  ua_call_close_h *closeh, void *arg)
{
	struct ua_call *call;
	struct mbuf *desc = NULL;
	char line[160];
	unsigned ntls = 0;
	int err;

	if (!callp || !sock || !prm || !prm->to || !prm->from)
		return EINVAL;
	if (prm->srtp != SRTP_OFF && !prm->mikey &&
	    (prm->suitec == 0 || prm->suitec > MAX_OFFER))
		return EINVAL;
	if (prm->mikey && !prm->mikey_peer)
		return EINVAL;

	call = mem_zalloc(sizeof(*call), destructor);
	if (!call)
		return ENOMEM;
	call->mode = prm->srtp;
	tmr_init(&call->tmr_bye);
	call->estabh = estabh;
	call->closeh = closeh;
	call->arg = arg;
	if (prm->auth_user && prm->auth_pass &&
	    (str_dup(&call->auth_user, prm->auth_user) ||
	     str_dup(&call->auth_pass, prm->auth_pass))) {
		mem_deref(call);
		return ENOMEM;
	}

	err = ua_stream_alloc(&call->rs, &prm->media, prm->port_min,
			       prm->port_max);
	if (err)
		goto out;
	err = sdp_session_alloc(&call->sdp, &prm->media);
	if (err)
		goto out;
	err = sdp_media_add(&call->m, call->sdp, "audio",
			    ua_stream_port(call->rs),
			    prm->srtp == SRTP_MAND || prm->mikey ?
			    "RTP/SAVP" : "RTP/AVP");
	if (err)
		goto out;
	call->codec = prm->codec ? prm->codec : "PCMU";
	if (!str_casecmp(call->codec, "opus"))
		err = sdp_format_add(NULL, call->m, false, "111", "opus",
				     48000, 2, NULL, NULL, NULL, false,
				     "useinbandfec=1");
	else if (!str_casecmp(call->codec, "G722"))
		err = sdp_format_add(NULL, call->m, false, "9", "G722",
				     8000, 1, NULL, NULL, NULL, false, NULL);
	else
		err = sdp_format_add(NULL, call->m, false, "0", "PCMU", 8000,
				     1, NULL, NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, call->m, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	err |= sdp_media_set_lattr(call->m, false, "ptime", "20");
	if (err)
		goto out;

	for (int i = 0; i < 2; i++) {
		if (!(i ? prm->video_slides : prm->video_main))
			continue;
		if (prm->mikey) {
			err = ENOTSUP;
			goto out;
		}
		err = ua_video_alloc(&call->vid[i], &prm->media, prm->port_min,
				     prm->port_max, i == 1, prm->video_tag,
				     prm->video_kbps, prm->video_send);
		if (!err)
			err = ua_video_offer(call->vid[i], call->sdp,
					     prm->srtp, prm->suites[0]);
		if (err)
			goto out;
	}

	err = add_tcp_media(call, prm, &ntls);
	if (err)
		goto out;

	if (prm->mikey) {
		uint8_t *ti = NULL;
		size_t tl = 0, bl;
		char *b64;

		call->mikey = mem_ref(prm->mikey);
		err = ua_mikey_transfer_init(call->mikey, prm->mikey_peer, 2,
					     ntls, prm->mikey_prot_tls, &ti,
					     &tl);
		if (err)
			goto out;
		ua_stream_set_ssrc(call->rs, ua_mikey_ssrc(call->mikey, 1));
		bl = tl * 4 / 3 + 8;
		b64 = malloc(bl);
		err = b64 ? base64_encode(ti, tl, b64, &bl) : ENOMEM;
		if (!err)
			err = sdp_session_set_lattr(call->sdp, true,
						    "key-mgmt", "mikey %b",
						    b64, bl);
		free(b64);
		free(ti);
		if (err)
			goto out;
	}
	else if (prm->srtp != SRTP_OFF) {
		for (size_t i = 0; i < prm->suitec; i++) {
			struct ua_sdes_crypto *c = &call->offered[i];

			err = ua_sdes_crypto_new(c, (uint32_t)i + 1,
					      prm->suites[i]);
			if (err)
				goto out;
			call->offeredc = i + 1;
			err = ua_sdes_crypto_encode(line, sizeof(line), c);
			if (!err)
				err = sdp_media_set_lattr(call->m, false,
							  "crypto", "%s",
							  line);
			if (err)
				goto out;
		}
	}

	err = sdp_encode(&desc, call->sdp, true);
	if (err)
		goto out;

	err = sipsess_connect(&call->sess, sock, prm->to, NULL, prm->from,
			      prm->cuser ? prm->cuser : "ua", NULL, 0,
			      "application/sdp", desc,
			      call->auth_user ? auth_h : NULL, call, false,
			      offer_h, answer_h, progr_h, estab_h, NULL, NULL,
			      close_h, call, NULL);
	/* libre's sipsess keeps desc and sends it again with the
	 * credentials after a 401/407: wipe it only when the call ends */
	if (!err)
		call->offer = mem_ref(desc);
 out:
	if (desc && !call->offer) {
		/* the offer carried our keys in clear text */
		memset(desc->buf, 0, desc->size);
	}
	mem_deref(desc);
	if (err)
		mem_deref(call);
	else
		*callp = call;
	return err;
}


void ua_call_hangup(struct ua_call *call)
{
	if (!call)
		return;
	/* BYE if established, CANCEL if still ringing; stats stay. */
	call->sess = mem_deref(call->sess);
}


const struct ua_video *ua_call_video(const struct ua_call *call, int i)
{
	return call && i >= 0 && i < 2 ? call->vid[i] : NULL;
}


struct ua_stream *ua_call_stream(const struct ua_call *call)
{
	return call ? call->rs : NULL;
}


uint16_t ua_call_scode(const struct ua_call *call)
{
	return call ? call->scode : 0;
}


const char *ua_call_reason(const struct ua_call *call)
{
	return call ? call->reason : "";
}


const struct ua_sdes_crypto *ua_call_crypto_rx(const struct ua_call *call)
{
	return call && call->keyed ? &call->rx : NULL;
}


const struct ua_sdes_crypto *ua_call_crypto_tx(const struct ua_call *call)
{
	return call && call->keyed ? &call->tx : NULL;
}


const struct ua_bfcp_ans *ua_call_bfcp(const struct ua_call *call)
{
	return call && call->bm && call->bfcp.answered ? &call->bfcp : NULL;
}


const struct ua_msrp_ans *ua_call_msrp(const struct ua_call *call)
{
	return call && call->mm && call->msrp.answered ? &call->msrp : NULL;
}


const char *ua_call_msrp_sid(const struct ua_call *call)
{
	return call && call->mm ? call->msrp_sid : "";
}


uint8_t ua_call_cs_bfcp(const struct ua_call *call)
{
	return call ? call->cs_bfcp : 0;
}


uint8_t ua_call_cs_msrp(const struct ua_call *call)
{
	return call ? call->cs_msrp : 0;
}


const char *ua_call_proto(const struct ua_call *call)
{
	return call ? call->proto : "";
}


const struct sa *ua_call_raddr(const struct ua_call *call)
{
	return call ? &call->raddr : NULL;
}


const char *ua_call_error(const struct ua_call *call)
{
	return call ? call->error : NULL;
}


bool ua_call_established(const struct ua_call *call)
{
	return call && call->estab && !call->closed;
}


bool ua_call_closed(const struct ua_call *call)
{
	return call ? call->closed : true;
}


static struct dnsc *dnsc;


void ua_sip_shutdown(void)
{
	dnsc = mem_deref(dnsc);
}


/* Incoming calls are for later subcommands (dial-out tests). */
static void conn_h(const struct sip_msg *msg, void *arg)
{
	(void)sip_treply(NULL, arg, msg, 480, "Temporarily Unavailable");
}


int ua_sip_open(struct sip **sipp, struct sipsess_sock **sockp,
		const struct sa *laddr, sip_exit_h *exith, void *arg)
{
	struct sip *sip = NULL;
	struct sa dns, a = *laddr;
	int err;

	/* The UA only ever talks to numeric loopback URIs; a resolver
	 * pointed at loopback keeps any stray lookup on this host.  It
	 * lives as long as the process. */
	if (!dnsc) {
		(void)sa_set_str(&dns, "127.0.0.1", 53);
		err = dnsc_alloc(&dnsc, NULL, &dns, 1);
		if (err)
			return err;
	}
	err = sip_alloc(&sip, dnsc, 1024, 1024, 1024, "confd-ua", exith,
			arg);
	if (err)
		return err;

	sa_set_port(&a, 0);
	err = sip_transp_add(sip, SIP_TRANSP_UDP, &a);
	if (!err)
		err = sip_transp_add(sip, SIP_TRANSP_TCP, &a);
	if (!err)
		err = sipsess_listen(sockp, sip, 1024, conn_h, sip);
	if (err) {
		sip_close(sip, true);
		mem_deref(sip);
		return err;
	}
	*sipp = sip;
	return 0;
}

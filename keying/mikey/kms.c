/**
 * @file kms.c  The KMS side of MIKEY-TICKET (RFC 6043 4.2.1, 4.2.3)
 *
 * REQUEST_INIT_PSK -> REQUEST_RESP carrying a MIKEY base ticket
 * (Appendix A) sealed with the TPK, and RESOLVE_INIT_PSK ->
 * RESOLVE_RESP with MPKi, MPKr' and TGK' forked by the resolver's
 * identity.  The KMS is stateless apart from its replay cache: all it
 * needs to resolve a ticket is in the ticket.
 *
 * Granted policy: KMS-generated (D), resolve mandatory (E), key
 * forking (I, hence F), RANDRr (G) and RANDRi (H) in TEK derivation,
 * processable by plain RFC 6043 peers (N, O), no reuse (J=0), no
 * initiator- or responder-supplied keys (L=M=0).
 *
 * Suites (RFC 6043 12.1): a request whose V is not its PRF's suite is
 * refused (Invalid MAC); every response is in the request's suite, and
 * the ticket too (its PRF, its sealing and the length of the MPK and
 * TGK), so a 128-bit UE gets 128-bit keys under 128-bit algorithms and
 * a 256-bit UE 256-bit ones.  kms->cfg.prf is not used.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"


#define GRANT_FLAGS (MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G | \
		     MIKEY_TP_H | MIKEY_TP_I | MIKEY_TP_N | MIKEY_TP_O)

static const char wildcard[] = "?@?";


struct kreq {
	const struct mikey_kms *kms;
	struct mikey_msg m;
	const struct mikey_kms_user *user;
	const struct mikey_rand *rnd;     /* RANDRi or RANDRr */
	uint8_t kerr;
};


/* Common checks of an initial PSK message: T, identity, MAC, replay.
 * role is the requester's IDR role. */
static int check_init(struct kreq *q, uint8_t role, uint8_t randrole)
{
	const struct mikey_kms *kms = q->kms;
	const struct mikey_msg *m = &q->m;
	const struct mikey_id *idx, *idk, *idp;
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mikey_span xv[2];
	size_t tl;
	int err;

	q->kerr = MIKEY_ERR_UNSPEC;
	if (m->hdr.map != MIKEY_MAP_EMPTY || m->vc != 1)
		return EPROTO;
	if (m->hdr.prf != MIKEY_PRF_MIKEY1 &&
	    m->hdr.prf != MIKEY_PRF_HMAC_SHA256) {
		q->kerr = MIKEY_ERR_PRF;
		return ENOTSUP;
	}
	if (!mikey_mac_len(m->vv[0].alg) ||
	    mikey_mac_len(m->vv[0].alg) == (size_t)-1) {
		q->kerr = MIKEY_ERR_MAC;
		return ENOTSUP;
	}
	err = mikey_suite_verify(m->hdr.prf, m, &q->kerr);
	if (err)
		return err;

	err = mikey_t_check(&kms->cfg, m);
	if (err) {
		q->kerr = MIKEY_ERR_TS;
		return err;
	}

	q->rnd = mikey_msg_rand(m, randrole);
	if (!q->rnd)
		return EPROTO;

	/* the PSK: by IDRpsk when given, else by the requester's IDR */
	idx = mikey_msg_id(m, role, 0);
	idp = mikey_msg_id(m, MIKEY_ROLE_PSK, 0);
	if (!idx) {
		q->kerr = MIKEY_ERR_ID;
		return EPROTO;
	}
	q->user = kms->userh(idp ? idp->data.p : idx->data.p,
			     idp ? idp->data.l : idx->data.l, kms->arg);
	if (!q->user || (idp && !mikey_id_is(idx, q->user->uid))) {
		q->kerr = MIKEY_ERR_AUTH;
		return EACCES;
	}

	idk = mikey_msg_id(m, MIKEY_ROLE_KMS, 0);
	if (idk && !mikey_id_is(idk, kms->kms_id)) {
		q->kerr = MIKEY_ERR_ID;
		return EPERM;
	}

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x01,
			    randrole == MIKEY_RAND_I ? q->rnd->data.p : NULL,
			    randrole == MIKEY_RAND_I ? q->rnd->data.l : 0,
			    randrole == MIKEY_RAND_R ? q->rnd->data.p : NULL,
			    randrole == MIKEY_RAND_R ? q->rnd->data.l : 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, MIKEY_ENCR_NULL,
				   m->vv[0].alg, q->user->psk,
				   q->user->psk_len, tail, tl);
	if (err)
		return err;

	/* RFC 6043 5.5: message || Identity_x || Identity_kms */
	xv[0] = (struct mikey_span){idx->data.p, idx->data.l};
	xv[1] = (struct mikey_span){(const uint8_t *)kms->kms_id,
		str_len(kms->kms_id)};
	err = mikey_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, m->buf,
			     m->vv[0].mac_off, 0, 0, xv, 2);
	mikey_msgkeys_wipe(&mk);
	if (err) {
		q->kerr = MIKEY_ERR_AUTH;
		return EACCES;
	}

	/* only authenticated messages enter the cache (RFC 3830 5.3) */
	if (kms->rc) {
		err = mikey_replay_add(kms->rc, m->buf, m->len,
				       mikey_now(&kms->cfg));
		if (err) {
			q->kerr = MIKEY_ERR_TS;
			return err;
		}
	}

	return 0;
}


/* HDR, T, [IDRkms] for a response; keys derived for direction 2 */
static int resp_begin(struct kreq *q, struct mikey_enc *e, struct mbuf *mb,
		      uint8_t dt, uint64_t t)
{
	struct mikey_hdr h;
	int err;

	memset(&h, 0, sizeof(h));
	h.version = MIKEY_VERSION;
	h.dt = dt;
	h.prf = q->m.hdr.prf;
	h.csb_id = q->m.hdr.csb_id;
	h.map = MIKEY_MAP_EMPTY;

	mikey_enc_init(e, mb);
	err  = mikey_enc_hdr(e, &h);
	err |= mikey_enc_t(e, MIKEY_TS_NTP_UTC, t);
	err |= mikey_enc_idstr(e, MIKEY_ROLE_KMS, q->kms->kms_id);
	return err;
}


/* Append V over response || initial message */
static int resp_seal(struct kreq *q, struct mikey_enc *e,
		     const struct mikey_msgkeys *mk)
{
	const struct mikey_suite *su = mikey_suite(q->m.hdr.prf);
	struct mikey_span xv[1] = {{q->m.buf, q->m.len}};
	size_t mac_off;
	int err;

	err = mikey_enc_v(e, su->mac, &mac_off);
	if (err)
		return err;
	return mikey_v_calc(su->mac, mk->auth, mk->auth_len, e->mb->buf,
			    mac_off, 0, 0, xv, 1, e->mb->buf + mac_off);
}


static int resp_keys(struct kreq *q, struct mikey_msgkeys *mk,
		     uint8_t randrole)
{
	const struct mikey_suite *su = mikey_suite(q->m.hdr.prf);
	uint8_t tail[MIKEY_TAIL_MAX];
	bool i = randrole == MIKEY_RAND_I;
	size_t tl;

	tl = mikey_tail_msg(tail, sizeof(tail), q->m.hdr.csb_id, 0x02,
			    i ? q->rnd->data.p : NULL, i ? q->rnd->data.l : 0,
			    i ? NULL : q->rnd->data.p, i ? 0 : q->rnd->data.l);
	return mikey_msgkeys_derive(mk, su->prf, su->encr, su->mac,
				    q->user->psk, q->user->psk_len, tail, tl);
}


/* The granted TP Data: IDRkms, IDRi, TRs, TRe, {IDRr} */
static int grant_tp_data(struct kreq *q, const struct mikey_msg *want,
			 struct mbuf *mb, bool *changed)
{
	const struct mikey_kms *kms = q->kms;
	const struct mikey_ts *trs, *tre;
	uint64_t now = mikey_now(&kms->cfg), s, e_;
	struct mikey_enc e;
	size_t i, nr = 0;
	int err;

	trs = mikey_msg_tr(want, MIKEY_TR_S);
	tre = mikey_msg_tr(want, MIKEY_TR_E);
	s = trs ? mikey_ntp_to_unix(trs->ntp) : now;
	e_ = tre ? mikey_ntp_to_unix(tre->ntp) : now + kms->max_lifetime;
	if (s < now || !trs)
		s = now;
	if (e_ > now + kms->max_lifetime) {
		e_ = now + kms->max_lifetime;
		*changed = true;
	}
	if (e_ <= s)
		return EINVAL;

	err  = mikey_enc_init_chain(&e, mb);
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_KMS, kms->kms_id);
	/* the identity the KMS authenticated, whatever was asked */
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_I, q->user->uid);
	err |= mikey_enc_tr(&e, MIKEY_TR_S, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(s));
	err |= mikey_enc_tr(&e, MIKEY_TR_E, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(e_));
	for (i = 0; i < want->idc; i++) {
		const struct mikey_id *id = &want->idv[i];

		if (id->role != MIKEY_ROLE_R)
			continue;
		err |= mikey_enc_id(&e, MIKEY_ROLE_R, id->type, id->data.p,
				    id->data.l);
		++nr;
	}
	if (!nr) {             /* TP needs at least one IDRr */
		err |= mikey_enc_id(&e, MIKEY_ROLE_R, MIKEY_ID_BYTES,
				    (const uint8_t *)wildcard,
				    sizeof(wildcard) - 1);
		*changed = true;
	}
	return err;
}


/* Ticket Data = THDR, T, RAND, KEMAC, V (RFC 6043 A.1), sealed inside
 * a scratch TICKET payload so the MAC covers the bytes as sent. */
static int make_ticket(struct kreq *q, const struct mikey_tp *tp,
		       const struct mbuf *tpd, const struct mikey_key *kv,
		       size_t kn, const uint8_t *rand, struct mbuf **scratchp)
{
	const struct mikey_kms *kms = q->kms;
	const struct mikey_suite *su = mikey_suite(tp->prf);
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mbuf *td = NULL, *sc = NULL;
	struct mikey_enc e;
	size_t tl, mac_off, ml = mikey_mac_len(su->mac);
	uint64_t t = mikey_ntp_from_unix(mikey_now(&kms->cfg));
	int err;

	/* Ticket Data is sealed in the ticket's own suite */
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x05, rand,
			       MIKEY_RAND_LEN);
	err = mikey_msgkeys_derive(&mk, tp->prf, su->encr, su->mac,
				   kms->tpk, kms->tpk_len, tail, tl);
	if (err)
		return err;

	td = mbuf_alloc(256);
	sc = mbuf_alloc(512);
	if (!td || !sc) {
		err = ENOMEM;
		goto out;
	}

	mikey_enc_init(&e, td);
	err  = mikey_enc_thdr(&e, NULL, 0);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC, t);
	err |= mikey_enc_rand(&e, MIKEY_RAND_PLAIN, rand, MIKEY_RAND_LEN);
	err |= mikey_kemac_seal(&e, su->encr, &mk, 0xffffffff, t, kv, kn);
	err |= mikey_enc_v(&e, su->mac, NULL);
	if (err)
		goto out;

	/* scratch = [TICKET type byte] TICKET payload */
	mikey_enc_init_chain(&e, sc);
	err = mikey_enc_tp(&e, tp, tpd->buf, tpd->end, td->buf, td->end,
			   NULL, 0);
	if (err)
		goto out;

	/* MAC over TICKET minus its Next Payload, Initiator Data length
	 * and data, and the MAC field (which ends the Ticket Data) */
	mac_off = sc->end - 2 - ml;
	err = mikey_v_calc(su->mac, mk.auth, mk.auth_len, sc->buf + 2,
			   mac_off - 2, 0, 0, NULL, 0, sc->buf + mac_off);

 out:
	mikey_msgkeys_wipe(&mk);
	mem_deref(td);
	if (err)
		mem_deref(sc);
	else
		*scratchp = sc;
	return err;
}


static int request(struct kreq *q, struct mbuf **mbp)
{
	const struct mikey_kms *kms = q->kms;
	struct mikey_key kt[2], kr[3];     /* MPK, TGK / MPKi, MPKr, TGK */
	struct mikey_msgkeys mk;
	struct mikey_msg want, sct;
	struct mbuf *tpd = NULL, *sc = NULL, *mb = NULL;
	uint8_t rand[MIKEY_RAND_LEN];
	struct mikey_tp tp;
	struct mikey_enc e;
	const struct mikey_suite *su;
	bool changed = false;
	uint64_t t;
	int err;

	memset(kt, 0, sizeof(kt));
	memset(kr, 0, sizeof(kr));
	memset(&mk, 0, sizeof(mk));

	err = check_init(q, MIKEY_ROLE_I, MIKEY_RAND_I);
	if (err)
		return err;

	q->kerr = MIKEY_ERR_TPPAR;
	if (!q->m.has_tp || q->m.tp.ticket)
		return EPROTO;
	if (q->m.tp.type != MIKEY_TICKET_BASE) {
		q->kerr = MIKEY_ERR_TICKET;
		return ENOTSUP;
	}
	err = mikey_decode_chain(&want, q->m.tp.tp_data.p,
				 q->m.tp.tp_data.l);
	if (err)
		return err;

	/* the ticket is in the requester's suite: its keys travel in
	 * this exchange's KEMAC and key the transfer (RFC 6043 12.1);
	 * a different TP PRF asked for is changed, and K says so */
	memset(&tp, 0, sizeof(tp));
	tp.type = MIKEY_TICKET_BASE;
	tp.subtype = 1;
	tp.version = 1;
	tp.prf = q->m.hdr.prf;
	tp.flags = GRANT_FLAGS;
	su = mikey_suite(tp.prf);

	tpd = mbuf_alloc(256);
	if (!tpd)
		return ENOMEM;
	err = grant_tp_data(q, &want, tpd, &changed);
	if (err)
		goto out;
	if (changed || (q->m.tp.flags & ~MIKEY_TP_K) != GRANT_FLAGS ||
	    q->m.tp.prf != tp.prf)
		tp.flags |= MIKEY_TP_K;

	/* MPK and one TGK, each with an SPI (RFC 6043 6.2.1) */
	kt[0].type = MIKEY_KEY_MPK;
	kt[1].type = MIKEY_KEY_TGK;
	for (size_t i = 0; i < 2; i++) {
		kt[i].kv = MIKEY_KV_SPI;
		kt[i].key_len = (uint16_t)su->key_len;
		kt[i].spi_len = MIKEY_SPI_LEN;
		err |= mikey_random(kt[i].key, su->key_len);
		err |= mikey_random(kt[i].spi, MIKEY_SPI_LEN);
	}
	err |= mikey_random(rand, sizeof(rand));
	if (err)
		goto out;

	err = make_ticket(q, &tp, tpd, kt, 2, rand, &sc);
	if (err)
		goto out;

	err = mikey_mpk_derive(tp.prf, &kt[0], rand, sizeof(rand), &kr[0],
			       &kr[1]);
	if (err)
		goto out;
	kr[2] = kt[1];

	mb = mbuf_alloc(1024);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	err = resp_keys(q, &mk, MIKEY_RAND_I);
	if (err)
		goto out;

	t = mikey_ntp_from_unix(mikey_now(&kms->cfg));
	err = resp_begin(q, &e, mb, MIKEY_DT_REQUEST_RESP, t);
	if (err)
		goto out;
	err = mikey_decode_chain(&sct, sc->buf, sc->end);
	if (err)
		goto out;
	err  = mikey_enc_tp(&e, &tp, sct.tp.tp_data.p, sct.tp.tp_data.l,
			    sct.tp.ticket_data.p, sct.tp.ticket_data.l,
			    NULL, 0);
	err |= mikey_kemac_seal(&e, su->encr, &mk, q->m.hdr.csb_id, t,
				kr, 3);
	err |= resp_seal(q, &e, &mk);

 out:
	mikey_keys_wipe(kt, 2);
	mikey_keys_wipe(kr, 3);
	mikey_msgkeys_wipe(&mk);
	mem_deref(tpd);
	mem_deref(sc);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;
	return 0;
}


/* Is the resolver one of the ticket's responders, and is the ticket
 * valid now? */
static int check_policy(struct kreq *q, const struct mikey_msg *tpd,
			const struct mikey_id *idr)
{
	const struct mikey_ts *trs, *tre;
	uint64_t now = mikey_now(&q->kms->cfg);
	size_t i;

	trs = mikey_msg_tr(tpd, MIKEY_TR_S);
	tre = mikey_msg_tr(tpd, MIKEY_TR_E);
	if ((trs && now + q->kms->cfg.skew < mikey_ntp_to_unix(trs->ntp)) ||
	    (tre && now > mikey_ntp_to_unix(tre->ntp) + q->kms->cfg.skew)) {
		q->kerr = MIKEY_ERR_TPPAR;
		return ETIMEDOUT;
	}

	for (i = 0; i < tpd->idc; i++) {
		const struct mikey_id *r = &tpd->idv[i];

		if (r->role != MIKEY_ROLE_R)
			continue;
		if (mikey_id_match(r->data.p, r->data.l, idr->data.p,
				   idr->data.l))
			return 0;
	}

	q->kerr = MIKEY_ERR_AUTH;
	return EPERM;
}


static int resolve(struct kreq *q, struct mbuf **mbp)
{
	const struct mikey_kms *kms = q->kms;
	struct mikey_key kt[MIKEY_KEYS_MAX], kr[MIKEY_KEYS_MAX + 1];
	struct mikey_key mpki, mpkr;
	struct mikey_msgkeys mk;
	struct mikey_msg tpd, idata;
	const struct mikey_id *idr;
	uint8_t rkms[MIKEY_RAND_LEN], vrk[MIKEY_MACLEN_MAX];
	struct mikey_rand *trnd;
	struct mikey_msg td;
	struct mbuf *mb = NULL;
	struct mikey_enc e;
	size_t kn = 0, i, n = 0;
	uint64_t t;
	int err;

	memset(&mk, 0, sizeof(mk));
	memset(&mpki, 0, sizeof(mpki));
	memset(&mpkr, 0, sizeof(mpkr));
	memset(vrk, 0, sizeof(vrk));

	err = check_init(q, MIKEY_ROLE_R, MIKEY_RAND_R);
	if (err)
		return err;

	q->kerr = MIKEY_ERR_TICKET;
	if (!q->m.has_tp || !q->m.tp.ticket)
		return EPROTO;
	if (q->m.tp.type != MIKEY_TICKET_BASE || q->m.tp.subtype != 1 ||
	    q->m.tp.version != 1)
		return ENOTSUP;

	err = mikey_ticket_open(&q->m, kms->tpk, kms->tpk_len, kt,
				MIKEY_KEYS_MAX, &kn);
	if (err) {
		q->kerr = MIKEY_ERR_AUTH;
		return EACCES;
	}
	/* the ticket's keys go back under the resolver's suite: keys
	 * longer than its own SHALL NOT travel under 128-bit algorithms
	 * (RFC 6043 12.1) */
	for (i = 0; i < kn; i++) {
		if (kt[i].key_len > mikey_suite(q->m.hdr.prf)->key_len) {
			q->kerr = MIKEY_ERR_PRF;
			err = ENOTSUP;
			goto out;
		}
	}

	q->kerr = MIKEY_ERR_TPPAR;
	err = mikey_decode_chain(&tpd, q->m.tp.tp_data.p, q->m.tp.tp_data.l);
	if (err)
		goto out;

	idr = mikey_msg_id(&q->m, MIKEY_ROLE_R, 0);
	err = check_policy(q, &tpd, idr);
	if (err)
		goto out;

	err = mikey_ticket_data(&q->m, &td);
	trnd = err ? NULL : (struct mikey_rand *)
		mikey_msg_rand(&td, MIKEY_RAND_PLAIN);
	if (!trnd) {
		err = EPROTO;
		goto out;
	}
	err = mikey_mpk_derive(q->m.tp.prf, &kt[0], trnd->data.p, trnd->data.l,
			       &mpki, &mpkr);
	if (err)
		goto out;

	kr[n++] = mpki;
	if (q->m.tp.flags & MIKEY_TP_I) {
		const struct mikey_v *vr;
		const uint8_t *uid = (const uint8_t *)q->user->uid;
		size_t uidl = str_len(q->user->uid);

		/* Initiator Data = Vi, Vr; Vr by MPKr proves the ticket's
		 * owner made this TRANSFER_INIT (RFC 6043 4.2.3.4) */
		q->kerr = MIKEY_ERR_AUTH;
		err = mikey_decode_chain(&idata, q->m.tp.init_data.p,
					 q->m.tp.init_data.l);
		if (err || idata.vc != 2) {
			err = err ? err : EPROTO;
			goto out;
		}
		vr = &idata.vv[1];
		err = mikey_vr_key(q->m.tp.prf, &mpkr, vr->alg, vrk);
		if (err)
			goto out;
		if (vr->alg != idata.vv[0].alg) {
			err = EACCES;
			goto out;
		}
		err = mikey_v_verify(vr->alg, vrk, mikey_mac_len(vr->alg),
				     idata.buf, vr->mac_off, 0, 0, NULL, 0);
		if (err)
			goto out;

		err = mikey_random(rkms, sizeof(rkms));
		if (err)
			goto out;
		err = mikey_fork(q->m.tp.prf, MIKEY_C_MPKR_F, &mpkr, uid, uidl,
				 rkms, sizeof(rkms), &kr[n++]);
		for (i = 1; !err && i < kn; i++) {
			/* TEKs and GTGKs are not forked (5.1.1) */
			if (kt[i].type == MIKEY_KEY_TGK ||
			    kt[i].type == MIKEY_KEY_TGK_SALT)
				err = mikey_fork(q->m.tp.prf, MIKEY_C_TGK_F,
						 &kt[i], uid, uidl, rkms,
						 sizeof(rkms), &kr[n++]);
			else
				kr[n++] = kt[i];
		}
	}
	else {
		for (i = 1; i < kn; i++)
			kr[n++] = kt[i];
	}
	if (err)
		goto out;

	q->kerr = MIKEY_ERR_UNSPEC;
	mb = mbuf_alloc(512);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}
	err = resp_keys(q, &mk, MIKEY_RAND_R);
	if (err)
		goto out;

	t = mikey_ntp_from_unix(mikey_now(&kms->cfg));
	err  = resp_begin(q, &e, mb, MIKEY_DT_RESOLVE_RESP, t);
	err |= mikey_kemac_seal(&e, mikey_suite(q->m.hdr.prf)->encr, &mk,
				q->m.hdr.csb_id, t, kr, n);
	if (q->m.tp.flags & MIKEY_TP_I) {
		/* the modifier: the resolver's identity and RANDRkms */
		err |= mikey_enc_idstr(&e, MIKEY_ROLE_R, q->user->uid);
		err |= mikey_enc_rand(&e, MIKEY_RAND_KMS, rkms,
				      sizeof(rkms));
	}
	err |= resp_seal(q, &e, &mk);

 out:
	mikey_keys_wipe(kt, MIKEY_KEYS_MAX);
	mikey_keys_wipe(kr, n);
	mikey_keys_wipe(&mpki, 1);
	mikey_keys_wipe(&mpkr, 1);
	OPENSSL_cleanse(vrk, sizeof(vrk));
	mikey_msgkeys_wipe(&mk);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;
	return 0;
}


int mikey_kms_handle(const struct mikey_kms *kms, const uint8_t *req,
		     size_t len, struct mbuf **mbp)
{
	struct kreq *q;
	int err;

	if (!kms || !req || !mbp || !kms->userh || !kms->tpk)
		return EINVAL;

	/* the parsed message is large: keep it off the stack */
	q = mem_zalloc(sizeof(*q), NULL);
	if (!q)
		return ENOMEM;
	q->kms = kms;
	q->kerr = MIKEY_ERR_UNSPEC;

	err = mikey_decode(&q->m, req, len);
	if (err) {
		if (q->m.has_hdr && err == ENOTSUP)
			q->kerr = MIKEY_ERR_DT;
		goto error;
	}

	switch (q->m.hdr.dt) {

	case MIKEY_DT_REQUEST_INIT_PSK:
		err = request(q, mbp);
		break;

	case MIKEY_DT_RESOLVE_INIT_PSK:
		err = resolve(q, mbp);
		break;

	default:       /* the PK variants and anything else */
		q->kerr = MIKEY_ERR_DT;
		err = ENOTSUP;
		break;
	}

	if (!err)
		goto out;

 error:
	{
		int e2 = mikey_error_encode(mbp, q->m.hdr.csb_id,
					    q->m.hdr.prf, q->kerr);
		if (e2)
			err = e2;
	}
 out:
	mem_deref(q);
	return err;
}

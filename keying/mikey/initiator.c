/**
 * @file initiator.c  MIKEY-TICKET initiator (RFC 6043 4.2.1, 4.2.2)
 *
 * The UE's role, and the focus's when it dials out: ask the KMS for a
 * ticket (REQUEST_INIT_PSK -> REQUEST_RESP), hand it to the responder
 * in TRANSFER_INIT, check TRANSFER_RESP and derive one TEK per crypto
 * session from the (forked) TGK.  Every key is wiped when the state is
 * freed.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"


enum { SP_DEFAULT_NO = 1 };


struct mikey_init {
	struct mikey_cfg cfg;
	char *my_id;
	char *kms_id;
	uint8_t psk[MIKEY_KEY_MAX];
	size_t psk_len;
	struct mbuf *req;              /* REQUEST_INIT as sent */
	uint8_t randri_req[MIKEY_RAND_LEN];
	struct mbuf *ticket;           /* TICKET body from REQUEST_RESP */
	uint8_t tprf;
	uint32_t tflags;
	struct mikey_key mpki, mpkr;
	struct mikey_key tgk[MIKEY_KEYS_MAX];
	size_t tgkc;
	struct mbuf *ti;               /* TRANSFER_INIT as sent */
	uint8_t randri[MIKEY_RAND_LEN];
	uint8_t hprf;
	uint32_t csb_id;
	struct mikey_cs csv[MIKEY_CS_MAX];
	size_t csc;
	struct mikey_tek tek[MIKEY_CS_MAX];
	size_t tekc;
	char *peer_id;
};


static void init_destructor(void *arg)
{
	struct mikey_init *mi = arg;

	mem_deref(mi->my_id);
	mem_deref(mi->kms_id);
	mem_deref(mi->req);
	mem_deref(mi->ticket);
	mem_deref(mi->ti);
	mem_deref(mi->peer_id);
	OPENSSL_cleanse(mi->psk, sizeof(mi->psk));
	mikey_keys_wipe(&mi->mpki, 1);
	mikey_keys_wipe(&mi->mpkr, 1);
	mikey_keys_wipe(mi->tgk, MIKEY_KEYS_MAX);
	OPENSSL_cleanse(mi->tek, sizeof(mi->tek));
}


int mikey_init_alloc(struct mikey_init **mip, const struct mikey_cfg *cfg,
		     const char *my_id, const uint8_t *psk, size_t psk_len,
		     const char *kms_id)
{
	struct mikey_init *mi;
	int err = 0;

	if (!mip || !cfg || !str_isset(my_id) || !psk || !psk_len ||
	    psk_len > MIKEY_KEY_MAX || !str_isset(kms_id))
		return EINVAL;

	mi = mem_zalloc(sizeof(*mi), init_destructor);
	if (!mi)
		return ENOMEM;

	mi->cfg = *cfg;
	memcpy(mi->psk, psk, psk_len);
	mi->psk_len = psk_len;
	err |= str_dup(&mi->my_id, my_id);
	err |= str_dup(&mi->kms_id, kms_id);
	if (err) {
		mem_deref(mi);
		return ENOMEM;
	}
	*mip = mi;
	return 0;
}


int mikey_init_request(struct mikey_init *mi, const char *const *resp,
		       size_t respc, uint32_t lifetime_s, struct mbuf **mbp)
{
	uint8_t tail[MIKEY_TAIL_MAX], mac[MIKEY_MACLEN_MAX];
	struct mikey_msgkeys mk;
	struct mbuf *mb, *tpd;
	struct mikey_span xv[2];
	struct mikey_hdr h;
	struct mikey_tp tp;
	struct mikey_enc e, te;
	const struct mikey_suite *su;
	uint64_t now;
	size_t i, tl, mac_off;
	int err = 0;

	if (!mi || !mbp || (!resp && respc))
		return EINVAL;
	su = mikey_suite(mi->cfg.prf);
	if (!su)
		return ENOTSUP;
	now = mikey_now(&mi->cfg);

	mb = mbuf_alloc(512);
	tpd = mbuf_alloc(256);
	if (!mb || !tpd) {
		err = ENOMEM;
		goto out;
	}

	memset(&h, 0, sizeof(h));
	h.version = MIKEY_VERSION;
	h.dt = MIKEY_DT_REQUEST_INIT_PSK;
	h.v = true;                  /* RFC 6043 4.2.1.1 */
	h.prf = mi->cfg.prf;
	h.map = MIKEY_MAP_EMPTY;
	err |= mikey_random((uint8_t *)&h.csb_id, sizeof(h.csb_id));
	err |= mikey_random(mi->randri_req, sizeof(mi->randri_req));

	/* desired TP Data: IDRkms, IDRi, TRs, TRe, (IDRr) */
	err |= mikey_enc_init_chain(&te, tpd);
	err |= mikey_enc_idstr(&te, MIKEY_ROLE_KMS, mi->kms_id);
	err |= mikey_enc_idstr(&te, MIKEY_ROLE_I, mi->my_id);
	err |= mikey_enc_tr(&te, MIKEY_TR_S, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(now));
	err |= mikey_enc_tr(&te, MIKEY_TR_E, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(now + lifetime_s));
	for (i = 0; i < respc; i++)
		err |= mikey_enc_idstr(&te, MIKEY_ROLE_R, resp[i]);

	memset(&tp, 0, sizeof(tp));
	tp.type = MIKEY_TICKET_BASE;
	tp.subtype = 1;
	tp.version = 1;
	tp.prf = mi->cfg.prf;
	tp.flags = MIKEY_TP_D | MIKEY_TP_E | MIKEY_TP_F | MIKEY_TP_G |
		MIKEY_TP_H | MIKEY_TP_I | MIKEY_TP_N | MIKEY_TP_O;

	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, &h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC, mikey_ntp_from_unix(now));
	err |= mikey_enc_rand(&e, MIKEY_RAND_I, mi->randri_req, MIKEY_RAND_LEN);
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_I, mi->my_id);
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_KMS, mi->kms_id);
	err |= mikey_enc_tp(&e, &tp, tpd->buf, tpd->end, NULL, 0, NULL, 0);
	err |= mikey_enc_v(&e, su->mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), h.csb_id, 0x01,
			    mi->randri_req, MIKEY_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, h.prf, MIKEY_ENCR_NULL, su->mac,
				   mi->psk, mi->psk_len, tail, tl);
	if (err)
		goto out;
	xv[0] = (struct mikey_span){(uint8_t *)mi->my_id, str_len(mi->my_id)};
	xv[1] = (struct mikey_span){(uint8_t *)mi->kms_id,
		str_len(mi->kms_id)};
	err = mikey_v_calc(su->mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			   0, 0, xv, 2, mac);
	mikey_msgkeys_wipe(&mk);
	if (err)
		goto out;
	memcpy(mb->buf + mac_off, mac, mikey_mac_len(su->mac));

	mb->pos = 0;
	mem_deref(mi->req);
	mi->req = mem_ref(mb);
	*mbp = mb;
	mb = NULL;

 out:
	mem_deref(tpd);
	mem_deref(mb);
	return err;
}



int mikey_init_request_resp(struct mikey_init *mi, const uint8_t *buf,
			    size_t len, uint8_t *errp)
{
	struct mikey_key kv[MIKEY_KEYS_MAX];
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mikey_msg *m;
	struct mikey_span xv[1];
	const uint8_t *tb;
	size_t tl, n = 0, i;
	int err;

	if (!mi || !buf || !mi->req)
		return EINVAL;

	mikey_set_err(errp, MIKEY_ERR_UNSPEC);
	memset(&mk, 0, sizeof(mk));
	m = mem_zalloc(sizeof(*m), NULL);
	if (!m)
		return ENOMEM;

	err = mikey_decode(m, buf, len);
	if (err)
		goto out;
	if (m->hdr.dt == MIKEY_DT_ERROR) {
		err = mikey_peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_REQUEST_RESP || m->vc != 1 ||
	    !m->has_kemac || !m->has_tp || !m->tp.ticket ||
	    m->hdr.csb_id != ntohl(*(uint32_t *)(void *)(mi->req->buf + 4))) {
		err = EPROTO;
		goto out;
	}
	err = mikey_t_check(&mi->cfg, m);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_TS);
		goto out;
	}
	/* the answer is in the suite we asked in (RFC 6043 12.1) */
	if (m->hdr.prf != mi->cfg.prf) {
		mikey_set_err(errp, MIKEY_ERR_PRF);
		err = ENOTSUP;
		goto out;
	}
	err = mikey_suite_verify(m->hdr.prf, m, errp);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x02,
			    mi->randri_req, MIKEY_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, m->kemac.encr,
				   m->vv[0].alg, mi->psk, mi->psk_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: REQUEST_RESP || REQUEST_INIT */
	xv[0] = (struct mikey_span){mi->req->buf, mi->req->end};
	err = mikey_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			     m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_AUTH);
		err = EACCES;
		goto out;
	}

	err = mikey_kemac_open(&m->kemac, &mk, m->hdr.csb_id, mikey_t64(m), kv,
			       MIKEY_KEYS_MAX, &n);
	if (err)
		goto out;

	/* the granted policy must be one we can follow; we transfer in
	 * the ticket's suite, so its PRF must be one we know */
	if (m->tp.type != MIKEY_TICKET_BASE || !(m->tp.flags & MIKEY_TP_N) ||
	    (m->tp.flags & MIKEY_TP_L) || !mikey_suite(m->tp.prf)) {
		mikey_set_err(errp, MIKEY_ERR_TPPAR);
		err = ENOTSUP;
		goto out;
	}

	/* KEMAC = MPKi || [MPKr] || {TEK|TGK|GTGK} */
	i = 0;
	if (n < 2 || kv[i].type != MIKEY_KEY_MPK) {
		err = EPROTO;
		goto out;
	}
	mi->mpki = kv[i++];
	if (m->tp.flags & MIKEY_TP_I) {
		if (kv[i].type != MIKEY_KEY_MPK) {
			err = EPROTO;
			goto out;
		}
		mi->mpkr = kv[i++];
	}
	mi->tgkc = 0;
	for (; i < n; i++) {
		if (kv[i].type == MIKEY_KEY_MPK) {
			err = EPROTO;
			goto out;
		}
		mi->tgk[mi->tgkc++] = kv[i];
	}
	/* keys longer than the suite's: 128-bit algorithms SHALL NOT be
	 * used with them (RFC 6043 12.1) */
	for (i = 0; i < n; i++) {
		if (kv[i].key_len > mikey_suite(m->tp.prf)->key_len ||
		    kv[i].key_len > mikey_suite(m->hdr.prf)->key_len) {
			mikey_set_err(errp, MIKEY_ERR_TPPAR);
			err = ENOTSUP;
			goto out;
		}
	}
	if (!mi->tgkc) {
		err = EPROTO;
		goto out;
	}

	mikey_ticket_body(m, &tb, &tl);
	mem_deref(mi->ticket);
	mi->ticket = mbuf_alloc(tl);
	if (!mi->ticket) {
		err = ENOMEM;
		goto out;
	}
	err = mbuf_write_mem(mi->ticket, tb, tl);
	mi->tprf = m->tp.prf;
	mi->tflags = m->tp.flags;

 out:
	mikey_keys_wipe(kv, MIKEY_KEYS_MAX);
	mikey_msgkeys_wipe(&mk);
	mem_deref(m);
	return err;
}


int mikey_init_transfer(struct mikey_init *mi, const char *peer_id,
			const struct mikey_csdesc *csv, size_t csc,
			const char *sdp_ids, struct mbuf **mbp)
{
	uint8_t tail[MIKEY_TAIL_MAX], vrk[MIKEY_MACLEN_MAX];
	uint8_t idata[5 + 2 * MIKEY_MACLEN_MAX];
	struct mikey_srtp_pol pol;
	struct mikey_msgkeys mk;
	struct mikey_span xv[2];
	struct mikey_hdr *h = NULL;
	struct mikey_msg *m = NULL;
	struct mbuf *mb = NULL, *sp = NULL;
	struct mikey_enc e;
	const struct mikey_suite *su;
	size_t i, tl, mac_off, ml;
	size_t idl = 0;
	bool srtp = false, fork;
	int err = 0;

	if (!mi || !csv || !csc || csc > MIKEY_CS_MAX || !mbp)
		return EINVAL;
	if (!mi->ticket)
		return EINVAL;          /* no ticket yet */

	/* the ticket's suite: its MPKi keys this message and its TGKs
	 * are that suite's length (RFC 6043 12.1) */
	su = mikey_suite(mi->tprf);
	if (!su)
		return ENOTSUP;
	ml = mikey_mac_len(su->mac);

	memset(&mk, 0, sizeof(mk));
	fork = mi->tflags & MIKEY_TP_I;
	h = mem_zalloc(sizeof(*h), NULL);
	mb = mbuf_alloc(1024);
	sp = mbuf_alloc(64);
	if (!h || !mb || !sp) {
		err = ENOMEM;
		goto out;
	}

	h->version = MIKEY_VERSION;
	h->dt = MIKEY_DT_TRANSFER_INIT;
	h->v = mi->tflags & MIKEY_TP_F;     /* agrees with F (4.2.2.1) */
	h->prf = su->prf;
	h->map = MIKEY_MAP_GENERIC_ID;
	h->ncs = (uint8_t)csc;
	err |= mikey_random((uint8_t *)&h->csb_id, sizeof(h->csb_id));
	err |= mikey_random(mi->randri, sizeof(mi->randri));
	for (i = 0; i < csc; i++) {
		struct mikey_cs *cs = &h->cs[i];

		cs->id = (uint8_t)(i + 1);
		cs->prot = csv[i].prot;
		if (!mikey_prot_known(&mi->cfg, cs->prot)) {
			err = EINVAL;
			goto out;
		}
		if (cs->prot == MIKEY_PROT_SRTP) {
			cs->np = 1;
			cs->pv[0] = SP_DEFAULT_NO;
			srtp = true;
		}
		if (csv[i].has_ssrc)
			mikey_cs_srtp_set(cs, csv[i].ssrc, 0, 0, false);
		cs->spi_len = mi->tgk[0].spi_len;
		memcpy(cs->spi, mi->tgk[0].spi, cs->spi_len);
	}
	if (err)
		goto out;

	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC,
			   mikey_ntp_from_unix(mikey_now(&mi->cfg)));
	err |= mikey_enc_rand(&e, MIKEY_RAND_I, mi->randri, MIKEY_RAND_LEN);
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_I, mi->my_id);
	if (peer_id)
		err |= mikey_enc_idstr(&e, MIKEY_ROLE_R, peer_id);
	if (srtp) {
		mikey_srtp_pol_default(&pol);
		err |= mikey_srtp_pol_encode(sp, &pol);
		err |= mikey_enc_sp(&e, SP_DEFAULT_NO, MIKEY_PROT_SRTP,
				    sp->buf, sp->end);
	}
	/* Initiator Data = First Payload, Vi, Vr: sized now, filled
	 * once the MAC is known (it is not covered by the MAC) */
	if (fork) {
		idl = 5 + 2 * ml;
		memset(idata, 0, idl);
	}
	err |= mikey_enc_ticket_raw(&e, mi->ticket->buf, mi->ticket->end,
				    idata, idl);
	if (sdp_ids)
		err |= mikey_enc_gext(&e, MIKEY_GEXT_SDP_IDS,
				      (const uint8_t *)sdp_ids,
				      str_len(sdp_ids));
	err |= mikey_enc_v(&e, su->mac, &mac_off);
	if (err)
		goto out;

	m = mem_zalloc(sizeof(*m), NULL);
	if (!m) {
		err = ENOMEM;
		goto out;
	}
	err = mikey_decode(m, mb->buf, mb->end);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), h->csb_id, 0x01, mi->randri,
			    MIKEY_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, h->prf, MIKEY_ENCR_NULL, su->mac,
				   mi->mpki.key, mi->mpki.key_len, tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_INIT (without Initiator Data length and
	 * data) || Identity_i || Identity_r */
	xv[0] = (struct mikey_span){(uint8_t *)mi->my_id, str_len(mi->my_id)};
	xv[1] = (struct mikey_span){(const uint8_t *)peer_id,
		str_len(peer_id)};
	err = mikey_v_calc(su->mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			   m->tp.idlen_off, 2 + idl, xv, 2, mb->buf + mac_off);
	if (err)
		goto out;

	if (fork) {
		uint8_t *id = mb->buf + m->tp.idlen_off + 2;

		id[0] = MIKEY_PT_V;                      /* Vi */
		id[1] = MIKEY_PT_V;                      /* then Vr */
		id[2] = su->mac;
		memcpy(id + 3, mb->buf + mac_off, ml);
		id[3 + ml] = MIKEY_PT_LAST;
		id[4 + ml] = su->mac;
		err = mikey_vr_key(mi->tprf, &mi->mpkr, su->mac, vrk);
		if (!err)
			err = mikey_v_calc(su->mac, vrk, ml, id, 5 + ml,
					   0, 0, NULL, 0, id + 5 + ml);
		if (err)
			goto out;
	}

	mi->hprf = h->prf;
	mi->csb_id = h->csb_id;
	memcpy(mi->csv, h->cs, sizeof(mi->csv));
	mi->csc = csc;
	mi->tekc = 0;

	mb->pos = 0;
	mem_deref(mi->ti);
	mi->ti = mem_ref(mb);
	*mbp = mb;
	mb = NULL;

 out:
	OPENSSL_cleanse(vrk, sizeof(vrk));
	mikey_msgkeys_wipe(&mk);
	mem_deref(h);
	mem_deref(m);
	mem_deref(sp);
	mem_deref(mb);
	return err;
}


/* Policy of a CS in a response: its SP in the response, else in the
 * initial message (RFC 6043 6.1.1) */
static int resp_policy(const struct mikey_msg *resp,
		       const struct mikey_msg *init, const struct mikey_cs *cs,
		       struct mikey_srtp_pol *pol)
{
	const struct mikey_sp *sp;

	mikey_srtp_pol_default(pol);
	if (cs->np == 0)          /* DESIGN.md: accept #P=0 too */
		return 0;
	if (cs->np != 1)
		return EPROTO;
	sp = mikey_msg_sp(resp, cs->pv[0]);
	if (!sp)
		sp = mikey_msg_sp(init, cs->pv[0]);
	if (!sp || sp->prot != cs->prot)
		return EPROTO;
	if (cs->prot != MIKEY_PROT_SRTP)
		return 0;
	return mikey_srtp_pol_decode(pol, &sp->param);
}


int mikey_init_transfer_resp(struct mikey_init *mi, const uint8_t *buf,
			     size_t len, uint8_t *errp)
{
	struct mikey_key mpkr_f, tgk_f[MIKEY_KEYS_MAX];
	uint8_t tail[MIKEY_TAIL_MAX];
	const struct mikey_rand *rr = NULL, *rk = NULL;
	const struct mikey_id *idr = NULL;
	struct mikey_msgkeys mk;
	struct mikey_msg *m = NULL, *tim = NULL;
	struct mikey_span xv[1];
	struct mikey_bytes ri;
	bool fork;
	size_t i, j, tl;
	int err;

	if (!mi || !buf || !mi->ti)
		return EINVAL;

	mikey_set_err(errp, MIKEY_ERR_UNSPEC);
	memset(&mk, 0, sizeof(mk));
	memset(&mpkr_f, 0, sizeof(mpkr_f));
	memset(tgk_f, 0, sizeof(tgk_f));
	fork = mi->tflags & MIKEY_TP_I;

	m = mem_zalloc(sizeof(*m), NULL);
	tim = mem_zalloc(sizeof(*tim), NULL);
	if (!m || !tim) {
		err = ENOMEM;
		goto out;
	}
	err = mikey_decode(m, buf, len) ||
		mikey_decode(tim, mi->ti->buf, mi->ti->end) ? EPROTO : 0;
	if (err)
		goto out;
	if (m->hdr.dt == MIKEY_DT_ERROR) {
		err = mikey_peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_TRANSFER_RESP || m->vc != 1 ||
	    m->hdr.csb_id != mi->csb_id || m->hdr.prf != mi->hprf ||
	    m->hdr.map != MIKEY_MAP_GENERIC_ID) {
		err = EPROTO;
		goto out;
	}
	/* a strict UE's check: the MAC must be our PRF's suite's
	 * (RFC 6043 12.1), not, say, HMAC-SHA-256 under MIKEY-1 */
	err = mikey_suite_verify(m->hdr.prf, m, errp);
	if (err)
		goto out;
	err = mikey_t_check(&mi->cfg, m);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_TS);
		goto out;
	}

	if (mi->tflags & MIKEY_TP_G) {
		rr = mikey_msg_rand(m, MIKEY_RAND_R);
		if (!rr) {
			err = EPROTO;
			goto out;
		}
	}
	if (fork) {
		/* fork MPKr and the TGKs with the modifier (5.1.1) */
		idr = mikey_msg_id(m, MIKEY_ROLE_R, 0);
		rk = mikey_msg_rand(m, MIKEY_RAND_KMS);
		if (!idr || !rk) {
			err = EPROTO;
			goto out;
		}
		err = mikey_fork(mi->tprf, MIKEY_C_MPKR_F, &mi->mpkr,
				 idr->data.p, idr->data.l, rk->data.p,
				 rk->data.l, &mpkr_f);
		for (i = 0; !err && i < mi->tgkc; i++) {
			if (mi->tgk[i].type == MIKEY_KEY_TGK ||
			    mi->tgk[i].type == MIKEY_KEY_TGK_SALT)
				err = mikey_fork(mi->tprf, MIKEY_C_TGK_F,
						 &mi->tgk[i], idr->data.p,
						 idr->data.l, rk->data.p,
						 rk->data.l, &tgk_f[i]);
			else
				tgk_f[i] = mi->tgk[i];
		}
		if (err)
			goto out;
	}
	else {
		mpkr_f = mi->mpki;
		memcpy(tgk_f, mi->tgk, sizeof(tgk_f));
	}

	tl = mikey_tail_msg(tail, sizeof(tail), mi->csb_id, 0x02, mi->randri,
			    MIKEY_RAND_LEN, rr ? rr->data.p : NULL,
			    rr ? rr->data.l : 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, MIKEY_ENCR_NULL,
				   m->vv[0].alg, mpkr_f.key, mpkr_f.key_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_RESP || TRANSFER_INIT */
	xv[0] = (struct mikey_span){mi->ti->buf, mi->ti->end};
	err = mikey_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			     m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_AUTH);
		err = EACCES;
		goto out;
	}

	/* one TEK per CS we offered; the responder may not drop any */
	ri = (struct mikey_bytes){mi->randri, MIKEY_RAND_LEN};
	mi->tekc = 0;
	for (i = 0; i < mi->csc; i++) {
		const struct mikey_cs *cs = NULL;
		const struct mikey_key *tgk;
		struct mikey_srtp_pol pol;

		for (j = 0; j < m->hdr.ncs; j++) {
			if (m->hdr.cs[j].id == mi->csv[i].id)
				cs = &m->hdr.cs[j];
		}
		if (!cs || cs->prot != mi->csv[i].prot) {
			mikey_set_err(errp, MIKEY_ERR_SP);
			err = EPROTO;
			goto out;
		}
		err = resp_policy(m, tim, cs, &pol);
		if (!err && cs->prot == MIKEY_PROT_SRTP &&
		    !mikey_srtp_pol_ok(&pol))
			err = ENOTSUP;
		if (err) {
			mikey_set_err(errp, MIKEY_ERR_SPPAR);
			goto out;
		}
		tgk = mikey_tgk_for(tgk_f, mi->tgkc, cs);
		if (!tgk) {
			err = EPROTO;
			goto out;
		}
		err = mikey_tek_derive(&mi->cfg, mi->hprf, mi->tflags, tgk,
				       cs, &pol, &ri, rr ? rr->data.p : NULL,
				       rr ? rr->data.l : 0,
				       &mi->tek[mi->tekc]);
		if (err)
			goto out;
		mi->tekc++;
	}

	mi->peer_id = mem_deref(mi->peer_id);
	idr = mikey_msg_id(m, MIKEY_ROLE_R, 0);
	if (idr)
		mi->peer_id = mikey_id_dup(idr);

 out:
	if (err)
		OPENSSL_cleanse(mi->tek, sizeof(mi->tek));
	if (err)
		mi->tekc = 0;
	mikey_keys_wipe(&mpkr_f, 1);
	mikey_keys_wipe(tgk_f, MIKEY_KEYS_MAX);
	mikey_msgkeys_wipe(&mk);
	mem_deref(m);
	mem_deref(tim);
	return err;
}


size_t mikey_init_tek_count(const struct mikey_init *mi)
{
	return mi ? mi->tekc : 0;
}


const struct mikey_tek *mikey_init_tek(const struct mikey_init *mi, size_t i)
{
	return mi && i < mi->tekc ? &mi->tek[i] : NULL;
}


const char *mikey_init_peer_id(const struct mikey_init *mi)
{
	return mi ? mi->peer_id : NULL;
}


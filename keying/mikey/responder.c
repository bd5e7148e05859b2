/**
 * @file responder.c  MIKEY-TICKET responder (RFC 6043 4.2.2, 4.2.3)
 *
 * The focus's role on dial-in: check what can be checked of
 * TRANSFER_INIT before the ticket is known, resolve the ticket at the
 * KMS (RESOLVE_INIT_PSK -> RESOLVE_RESP), only then verify
 * TRANSFER_INIT, derive one TEK per crypto session and answer with
 * TRANSFER_RESP.  Every key is wiped when the state is freed.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"


struct mikey_resp {
	struct mikey_cfg cfg;
	char *my_id;
	char *kms_id;
	uint8_t psk[MIKEY_KEY_MAX];
	size_t psk_len;
	struct mikey_replay *rc;
	uint8_t *ti;                   /* TRANSFER_INIT as received */
	size_t ti_len;
	struct mikey_msg *tim;         /* decoded, points into ti */
	struct mbuf *ri;               /* RESOLVE_INIT as sent */
	uint8_t randrr_res[MIKEY_RAND_LEN];
	uint8_t randrr[MIKEY_RAND_LEN];
	struct mikey_key mpki, mpkr_f;
	struct mikey_key tgk[MIKEY_KEYS_MAX];
	size_t tgkc;
	char *idr;                     /* IDRr from RESOLVE_RESP */
	uint8_t rkms[255];
	size_t rkms_len;
	char *init_id;
	struct mikey_hdr *rh;          /* TRANSFER_RESP header */
	struct mbuf *sp;               /* SP payload params we add */
	struct mikey_srtp_pol pol[MIKEY_CS_MAX];
	bool new_sp[MIKEY_CS_MAX];
	struct mikey_tek tek[MIKEY_CS_MAX];
	size_t tekc;
	bool resolved;
};


static void resp_destructor(void *arg)
{
	struct mikey_resp *mr = arg;

	mem_deref(mr->my_id);
	mem_deref(mr->kms_id);
	mem_deref(mr->rc);
	mem_deref(mr->ti);
	mem_deref(mr->tim);
	mem_deref(mr->ri);
	mem_deref(mr->idr);
	mem_deref(mr->init_id);
	mem_deref(mr->rh);
	mem_deref(mr->sp);
	OPENSSL_cleanse(mr->psk, sizeof(mr->psk));
	mikey_keys_wipe(&mr->mpki, 1);
	mikey_keys_wipe(&mr->mpkr_f, 1);
	mikey_keys_wipe(mr->tgk, MIKEY_KEYS_MAX);
	OPENSSL_cleanse(mr->tek, sizeof(mr->tek));
}


/* RFC 6043 4.2.2.2: what we can check before the ticket is resolved */
static int early_checks(struct mikey_resp *mr, const char *sdp_ids,
			uint8_t *errp)
{
	const struct mikey_msg *m = mr->tim;
	uint8_t next_no = 0;
	size_t i, j;
	int err;

	if (m->hdr.dt != MIKEY_DT_TRANSFER_INIT) {
		mikey_set_err(errp, MIKEY_ERR_DT);
		return EPROTO;
	}
	if (m->hdr.prf != MIKEY_PRF_MIKEY1 &&
	    m->hdr.prf != MIKEY_PRF_HMAC_SHA256) {
		mikey_set_err(errp, MIKEY_ERR_PRF);
		return ENOTSUP;
	}
	/* SRTP-ID SHALL NOT be used (RFC 6043 6.1) */
	if (m->hdr.map != MIKEY_MAP_GENERIC_ID || !m->hdr.ncs ||
	    m->vc != 1 || !mikey_msg_rand(m, MIKEY_RAND_I) || !m->has_tp ||
	    !m->tp.ticket)
		return EPROTO;
	if (mikey_mac_len(m->vv[0].alg) == 0) {
		mikey_set_err(errp, MIKEY_ERR_MAC);
		return ENOTSUP;
	}
	/* one suite per message (RFC 6043 12.1): we answer in this
	 * PRF's suite, so a MAC of the other one is refused here */
	err = mikey_suite_verify(m->hdr.prf, m, errp);
	if (err)
		return err;

	err = mikey_t_check(&mr->cfg, m);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_TS);
		return err;
	}
	if (mr->rc && mikey_replay_seen(mr->rc, mr->ti, mr->ti_len,
					mikey_now(&mr->cfg))) {
		mikey_set_err(errp, MIKEY_ERR_TS);
		return EALREADY;
	}

	if (m->tp.type != MIKEY_TICKET_BASE || !(m->tp.flags & MIKEY_TP_O) ||
	    (m->tp.prf != MIKEY_PRF_MIKEY1 &&
	     m->tp.prf != MIKEY_PRF_HMAC_SHA256) ||
	    ((m->tp.flags & MIKEY_TP_I) && !m->tp.init_data.l)) {
		mikey_set_err(errp, MIKEY_ERR_TICKET);
		return ENOTSUP;
	}

	/* RFC 4567 7: the SDP IDs, when sent, must match our SDP */
	for (i = 0; sdp_ids && i < m->gextc; i++) {
		const struct mikey_gext *g = &m->gextv[i];

		if (g->type != MIKEY_GEXT_SDP_IDS)
			continue;
		if (g->data.l != strlen(sdp_ids) ||
		    memcmp(g->data.p, sdp_ids, g->data.l))
			return EPROTO;
	}

	for (i = 0; i < m->spc; i++)
		next_no = max(next_no, m->spv[i].no);

	/* choose one policy per CS for TRANSFER_RESP */
	memcpy(mr->rh->cs, m->hdr.cs, sizeof(mr->rh->cs));
	for (i = 0; i < m->hdr.ncs; i++) {
		struct mikey_cs *cs = &mr->rh->cs[i];
		bool found = false;

		for (j = 0; j < i; j++) {
			if (mr->rh->cs[j].id == cs->id)
				return EPROTO;
		}
		if (!mikey_prot_known(&mr->cfg, cs->prot)) {
			mikey_set_err(errp, MIKEY_ERR_SP);
			return ENOTSUP;
		}
		mikey_srtp_pol_default(&mr->pol[i]);
		for (j = 0; j < cs->np && !found; j++) {
			const struct mikey_sp *sp = mikey_msg_sp(m, cs->pv[j]);
			struct mikey_srtp_pol pol;

			if (!sp || sp->prot != cs->prot)
				continue;
			if (cs->prot == MIKEY_PROT_SRTP &&
			    (mikey_srtp_pol_decode(&pol, &sp->param) ||
			     !mikey_srtp_pol_ok(&pol)))
				continue;
			if (cs->prot == MIKEY_PROT_SRTP)
				mr->pol[i] = pol;
			cs->pv[0] = cs->pv[j];
			found = true;
		}
		if (!found && cs->np) {
			mikey_set_err(errp, MIKEY_ERR_SPPAR);
			return ENOTSUP;
		}
		if (!found) {
			/* #P=0: we supply the policy (RFC 6043 6.1.1);
			 * for TLS one empty policy (DESIGN.md) */
			if (next_no == 0xff)
				return ENOTSUP;
			cs->pv[0] = ++next_no;
			mr->new_sp[i] = true;
		}
		cs->np = 1;
	}
	mr->rh->ncs = m->hdr.ncs;

	return 0;
}


int mikey_resp_alloc(struct mikey_resp **mrp, const struct mikey_cfg *cfg,
		     const char *my_id, const uint8_t *psk, size_t psk_len,
		     const char *kms_id, struct mikey_replay *rc,
		     const uint8_t *ti, size_t ti_len, const char *sdp_ids,
		     uint8_t *errp)
{
	struct mikey_resp *mr;
	int err = 0;

	mikey_set_err(errp, MIKEY_ERR_UNSPEC);
	if (!mrp || !cfg || !str_isset(my_id) || !psk || !psk_len ||
	    psk_len > MIKEY_KEY_MAX || !ti || !ti_len)
		return EINVAL;

	mr = mem_zalloc(sizeof(*mr), resp_destructor);
	if (!mr)
		return ENOMEM;

	mr->cfg = *cfg;
	memcpy(mr->psk, psk, psk_len);
	mr->psk_len = psk_len;
	mr->rc = mem_ref(rc);
	err |= str_dup(&mr->my_id, my_id);
	if (kms_id)
		err |= str_dup(&mr->kms_id, kms_id);
	mr->ti = mem_alloc(ti_len, NULL);
	mr->tim = mem_zalloc(sizeof(*mr->tim), NULL);
	mr->rh = mem_zalloc(sizeof(*mr->rh), NULL);
	if (err || !mr->ti || !mr->tim || !mr->rh) {
		err = ENOMEM;
		goto out;
	}
	memcpy(mr->ti, ti, ti_len);
	mr->ti_len = ti_len;

	err = mikey_decode(mr->tim, mr->ti, mr->ti_len);
	if (err)
		goto out;

	err = early_checks(mr, sdp_ids, errp);

 out:
	if (err)
		mem_deref(mr);
	else
		*mrp = mr;
	return err;
}


int mikey_resp_resolve_init(struct mikey_resp *mr, struct mbuf **mbp)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mikey_span xv[2];
	struct mikey_msg tpd;
	const struct mikey_id *idk = NULL;
	const char *kms_id = mr ? mr->kms_id : NULL;
	const uint8_t *tb;
	struct mikey_hdr h;
	struct mikey_enc e;
	const struct mikey_suite *su;
	struct mbuf *mb;
	size_t tl, mac_off;
	int err = 0;

	if (!mr || !mbp)
		return EINVAL;

	/* in the initiator's suite: RESOLVE_RESP carries the ticket's
	 * keys, which are that suite's length (RFC 6043 12.1) */
	su = mikey_suite(mr->tim->hdr.prf);
	if (!su)
		return ENOTSUP;

	/* IDRkms: ours when configured, else the ticket's (DESIGN.md) */
	if (!kms_id && !mikey_decode_chain(&tpd, mr->tim->tp.tp_data.p,
					   mr->tim->tp.tp_data.l))
		idk = mikey_msg_id(&tpd, MIKEY_ROLE_KMS, 0);
	if (!kms_id && !idk)
		return EPROTO;

	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;

	memset(&h, 0, sizeof(h));
	h.version = MIKEY_VERSION;
	h.dt = MIKEY_DT_RESOLVE_INIT_PSK;
	h.v = true;
	h.prf = su->prf;
	h.map = MIKEY_MAP_EMPTY;
	err |= mikey_random((uint8_t *)&h.csb_id, sizeof(h.csb_id));
	err |= mikey_random(mr->randrr_res, sizeof(mr->randrr_res));

	mikey_ticket_body(mr->tim, &tb, &tl);
	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, &h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC,
			   mikey_ntp_from_unix(mikey_now(&mr->cfg)));
	err |= mikey_enc_rand(&e, MIKEY_RAND_R, mr->randrr_res, MIKEY_RAND_LEN);
	err |= mikey_enc_idstr(&e, MIKEY_ROLE_R, mr->my_id);
	if (kms_id)
		err |= mikey_enc_idstr(&e, MIKEY_ROLE_KMS, kms_id);
	else
		err |= mikey_enc_id(&e, MIKEY_ROLE_KMS, idk->type,
				    idk->data.p, idk->data.l);
	err |= mikey_enc_ticket_raw(&e, tb, tl, mr->tim->tp.init_data.p,
				    mr->tim->tp.init_data.l);
	err |= mikey_enc_v(&e, su->mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), h.csb_id, 0x01, NULL, 0,
			    mr->randrr_res, MIKEY_RAND_LEN);
	err = mikey_msgkeys_derive(&mk, h.prf, MIKEY_ENCR_NULL, su->mac,
				   mr->psk, mr->psk_len, tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: RESOLVE_INIT || Identity_r || Identity_kms */
	xv[0] = (struct mikey_span){(uint8_t *)mr->my_id, str_len(mr->my_id)};
	if (kms_id)
		xv[1] = (struct mikey_span){(const uint8_t *)kms_id,
			str_len(kms_id)};
	else
		xv[1] = (struct mikey_span){idk->data.p, idk->data.l};
	err = mikey_v_calc(su->mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			   0, 0, xv, 2, mb->buf + mac_off);
	mikey_msgkeys_wipe(&mk);

 out:
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	mem_deref(mr->ri);
	mr->ri = mem_ref(mb);
	*mbp = mb;
	return 0;
}


/* TRANSFER_INIT's MAC with MPKi, and Vi against it (4.2.3.6) */
static int verify_ti(struct mikey_resp *mr)
{
	const struct mikey_msg *m = mr->tim;
	const struct mikey_rand *ri = mikey_msg_rand(m, MIKEY_RAND_I);
	const struct mikey_id *idi = mikey_msg_id(m, MIKEY_ROLE_I, 0);
	const struct mikey_id *idr = mikey_msg_id(m, MIKEY_ROLE_R, 0);
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mikey_span xv[2];
	struct mikey_msg idata;
	size_t tl, ml = mikey_mac_len(m->vv[0].alg);
	int err;

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x01,
			    ri->data.p, ri->data.l, NULL, 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, MIKEY_ENCR_NULL,
				   m->vv[0].alg, mr->mpki.key,
				   mr->mpki.key_len, tail, tl);
	if (err)
		return err;

	xv[0] = (struct mikey_span){idi ? idi->data.p : NULL,
		idi ? idi->data.l : 0};
	xv[1] = (struct mikey_span){idr ? idr->data.p : NULL,
		idr ? idr->data.l : 0};
	err = mikey_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, m->buf,
			     m->vv[0].mac_off, m->tp.idlen_off,
			     2 + m->tp.init_data.l, xv, 2);
	mikey_msgkeys_wipe(&mk);
	if (err)
		return EACCES;

	if (!(m->tp.flags & MIKEY_TP_I))
		return 0;

	if (mikey_decode_chain(&idata, m->tp.init_data.p, m->tp.init_data.l)
	    || idata.vc < 1)
		return EACCES;
	if (idata.vv[0].alg != m->vv[0].alg || idata.vv[0].mac.l != ml ||
	    !mikey_mac_equal(idata.vv[0].mac.p, m->vv[0].mac.p, ml))
		return EACCES;

	return 0;
}


int mikey_resp_resolve_resp(struct mikey_resp *mr, const uint8_t *buf,
			    size_t len, uint8_t *errp)
{
	struct mikey_key kv[MIKEY_KEYS_MAX];
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	struct mikey_msg *m = NULL;
	struct mikey_msg tpd;
	const struct mikey_id *idr, *idi;
	const struct mikey_rand *rk;
	struct mikey_span xv[1];
	const struct mikey_msg *tim;
	bool fork;
	bool kms_done = false;      /* the KMS's answer is judged */
	size_t tl, n = 0, i;
	int err;

	if (!mr || !buf || !mr->ri)
		return EINVAL;

	mikey_set_err(errp, MIKEY_ERR_UNSPEC);
	memset(&mk, 0, sizeof(mk));
	memset(kv, 0, sizeof(kv));
	tim = mr->tim;
	fork = tim->tp.flags & MIKEY_TP_I;

	m = mem_zalloc(sizeof(*m), NULL);
	if (!m)
		return ENOMEM;

	err = mikey_decode(m, buf, len);
	if (err)
		goto out;
	if (m->hdr.dt == MIKEY_DT_ERROR) {
		/* the KMS refused the ticket: the caller's doing */
		kms_done = true;
		err = mikey_peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_RESOLVE_RESP || m->vc != 1 ||
	    !m->has_kemac || m->hdr.csb_id !=
	    ntohl(*(uint32_t *)(void *)(mr->ri->buf + 4))) {
		err = EPROTO;
		goto out;
	}
	err = mikey_t_check(&mr->cfg, m);
	if (err)
		goto out;
	/* in the suite we asked in, and not mixed (RFC 6043 12.1) */
	if (m->hdr.prf != tim->hdr.prf) {
		err = ENOTSUP;
		goto out;
	}
	err = mikey_suite_verify(m->hdr.prf, m, NULL);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x02, NULL, 0,
			    mr->randrr_res, MIKEY_RAND_LEN);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, m->kemac.encr,
				   m->vv[0].alg, mr->psk, mr->psk_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: RESOLVE_RESP || RESOLVE_INIT */
	xv[0] = (struct mikey_span){mr->ri->buf, mr->ri->end};
	err = mikey_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			     m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		err = EACCES;
		goto out;
	}

	err = mikey_kemac_open(&m->kemac, &mk, m->hdr.csb_id, mikey_t64(m), kv,
			       MIKEY_KEYS_MAX, &n);
	if (err)
		goto out;

	/* KEMAC = MPKi || [MPKr'] || {TEK|TGK|GTGK} (4.2.3.5) */
	i = 0;
	if (n < 2 || kv[0].type != MIKEY_KEY_MPK) {
		err = EPROTO;
		goto out;
	}
	mr->mpki = kv[i++];
	if (fork) {
		if (kv[i].type != MIKEY_KEY_MPK) {
			err = EPROTO;
			goto out;
		}
		mr->mpkr_f = kv[i++];
		idr = mikey_msg_id(m, MIKEY_ROLE_R, 0);
		rk = mikey_msg_rand(m, MIKEY_RAND_KMS);
		if (!idr || !rk) {
			err = EPROTO;
			goto out;
		}
		mr->idr = mikey_id_dup(idr);
		memcpy(mr->rkms, rk->data.p, rk->data.l);
		mr->rkms_len = rk->data.l;
	}
	mr->tgkc = 0;
	for (; i < n; i++) {
		if (kv[i].type == MIKEY_KEY_MPK) {
			err = EPROTO;
			goto out;
		}
		mr->tgk[mr->tgkc++] = kv[i];
	}
	if (!mr->tgkc) {
		err = EPROTO;
		goto out;
	}

	/* now the TRANSFER_INIT itself can be checked */
	kms_done = true;
	err = verify_ti(mr);
	if (err) {
		mikey_set_err(errp, MIKEY_ERR_AUTH);
		goto out;
	}
	if (mr->rc) {
		err = mikey_replay_add(mr->rc, mr->ti, mr->ti_len,
				       mikey_now(&mr->cfg));
		if (err) {
			mikey_set_err(errp, MIKEY_ERR_TS);
			goto out;
		}
	}

	/* the KMS vouched for the ticket, so its IDRi is verified */
	err = mikey_decode_chain(&tpd, tim->tp.tp_data.p, tim->tp.tp_data.l);
	idi = err ? NULL : mikey_msg_id(&tpd, MIKEY_ROLE_I, 0);
	if (!idi) {
		err = EPROTO;
		goto out;
	}
	mr->init_id = mikey_id_dup(idi);

	if (tim->tp.flags & MIKEY_TP_G) {
		err = mikey_random(mr->randrr, sizeof(mr->randrr));
		if (err)
			goto out;
	}

	mr->tekc = 0;
	for (i = 0; i < mr->rh->ncs; i++) {
		const struct mikey_cs *cs = &mr->rh->cs[i];
		const struct mikey_key *tgk;
		const struct mikey_rand *ri = mikey_msg_rand(tim,
							     MIKEY_RAND_I);

		tgk = mikey_tgk_for(mr->tgk, mr->tgkc, cs);
		if (!tgk) {
			err = EPROTO;
			goto out;
		}
		err = mikey_tek_derive(&mr->cfg, tim->hdr.prf, tim->tp.flags,
				       tgk, cs, &mr->pol[i], &ri->data,
				       mr->randrr, sizeof(mr->randrr),
				       &mr->tek[mr->tekc]);
		if (err)
			goto out;
		mr->tekc++;
	}
	mr->resolved = true;

 out:
	if (err) {
		OPENSSL_cleanse(mr->tek, sizeof(mr->tek));
		mr->tekc = 0;
		mr->init_id = mem_deref(mr->init_id);
	}
	/* An answer that is no valid, authentic RESOLVE_RESP is the KMS's
	 * failure, not the caller's: EBADMSG (the focus answers 503) */
	if (err && !kms_done && err != ENOMEM)
		err = EBADMSG;
	mikey_keys_wipe(kv, MIKEY_KEYS_MAX);
	mikey_msgkeys_wipe(&mk);
	mem_deref(m);
	return err;
}


int mikey_resp_set_ssrc(struct mikey_resp *mr, uint8_t cs_id, uint32_t ssrc)
{
	size_t i;

	if (!mr)
		return EINVAL;
	for (i = 0; i < mr->rh->ncs; i++) {
		struct mikey_cs *cs = &mr->rh->cs[i];

		if (cs->id != cs_id)
			continue;
		if (cs->prot != MIKEY_PROT_SRTP)
			return EINVAL;
		mikey_cs_srtp_set(cs, ssrc, 0, 0, false);
		if (i < mr->tekc) {
			mr->tek[i].has_ssrc = true;
			mr->tek[i].ssrc = ssrc;
		}
		return 0;
	}
	return ENOENT;
}


int mikey_resp_transfer_resp(struct mikey_resp *mr, struct mbuf **mbp)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	const struct mikey_msg *tim;
	const struct mikey_rand *ri;
	struct mikey_msgkeys mk;
	struct mikey_span xv[1];
	struct mikey_enc e;
	const struct mikey_suite *su;
	struct mbuf *mb, *sp;
	bool g;
	size_t i, tl, mac_off;
	int err = 0;

	if (!mr || !mbp || !mr->resolved)
		return EINVAL;

	tim = mr->tim;
	/* the initiator's suite, whatever ours is: a UE that sent
	 * MIKEY-1 with HMAC-SHA-1 refuses an HMAC-SHA-256 answer
	 * (RFC 6043 12.1, issue 14) */
	su = mikey_suite(tim->hdr.prf);
	if (!su)
		return ENOTSUP;
	g = tim->tp.flags & MIKEY_TP_G;
	ri = mikey_msg_rand(tim, MIKEY_RAND_I);

	mb = mbuf_alloc(512);
	sp = mbuf_alloc(64);
	if (!mb || !sp) {
		err = ENOMEM;
		goto out;
	}

	mr->rh->version = MIKEY_VERSION;
	mr->rh->dt = MIKEY_DT_TRANSFER_RESP;
	mr->rh->v = false;
	mr->rh->prf = tim->hdr.prf;
	mr->rh->csb_id = tim->hdr.csb_id;
	mr->rh->map = MIKEY_MAP_GENERIC_ID;
	for (i = 0; i < mr->rh->ncs; i++) {
		struct mikey_cs *cs = &mr->rh->cs[i];
		const struct mikey_key *tgk;

		tgk = mikey_tgk_for(mr->tgk, mr->tgkc, cs);

		/* Session Data and SPI are mandatory in the response */
		if (cs->prot == MIKEY_PROT_SRTP && cs->sd_len < 4) {
			uint32_t ssrc;

			err = mikey_random((uint8_t *)&ssrc, sizeof(ssrc));
			if (err)
				goto out;
			mikey_cs_srtp_set(cs, ssrc, 0, 0, false);
			mr->tek[i].has_ssrc = true;
			mr->tek[i].ssrc = ssrc;
		}
		if (!cs->spi_len && tgk) {
			cs->spi_len = tgk->spi_len;
			memcpy(cs->spi, tgk->spi, tgk->spi_len);
		}
	}

	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, mr->rh);
	/* a fresh timestamp (RFC 6043 4.2.2.3) */
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC,
			   mikey_ntp_from_unix(mikey_now(&mr->cfg)));
	if (g)
		err |= mikey_enc_rand(&e, MIKEY_RAND_R, mr->randrr,
				      MIKEY_RAND_LEN);
	if (mr->idr)
		err |= mikey_enc_idstr(&e, MIKEY_ROLE_R, mr->idr);
	if (mr->rkms_len)
		err |= mikey_enc_rand(&e, MIKEY_RAND_KMS, mr->rkms,
				      mr->rkms_len);
	for (i = 0; i < mr->rh->ncs; i++) {
		const struct mikey_cs *cs = &mr->rh->cs[i];

		if (!mr->new_sp[i])
			continue;
		mbuf_rewind(sp);
		if (cs->prot == MIKEY_PROT_SRTP)
			err |= mikey_srtp_pol_encode(sp, &mr->pol[i]);
		err |= mikey_enc_sp(&e, cs->pv[0], cs->prot, sp->buf,
				    sp->end);
	}
	err |= mikey_enc_v(&e, su->mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), tim->hdr.csb_id, 0x02,
			    ri->data.p, ri->data.l, g ? mr->randrr : NULL,
			    g ? MIKEY_RAND_LEN : 0);
	err = mikey_msgkeys_derive(&mk, tim->hdr.prf, MIKEY_ENCR_NULL,
				   su->mac,
				   (tim->tp.flags & MIKEY_TP_I) ?
				   mr->mpkr_f.key : mr->mpki.key,
				   (tim->tp.flags & MIKEY_TP_I) ?
				   mr->mpkr_f.key_len : mr->mpki.key_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_RESP || TRANSFER_INIT */
	xv[0] = (struct mikey_span){mr->ti, mr->ti_len};
	err = mikey_v_calc(su->mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			   0, 0, xv, 1, mb->buf + mac_off);
	mikey_msgkeys_wipe(&mk);

 out:
	mem_deref(sp);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;
	return 0;
}


const char *mikey_resp_initiator_id(const struct mikey_resp *mr)
{
	return mr && mr->resolved ? mr->init_id : NULL;
}


size_t mikey_resp_tek_count(const struct mikey_resp *mr)
{
	return mr && mr->resolved ? mr->tekc : 0;
}


const struct mikey_tek *mikey_resp_tek(const struct mikey_resp *mr, size_t i)
{
	return mr && mr->resolved && i < mr->tekc ? &mr->tek[i] : NULL;
}


uint32_t mikey_resp_csb_id(const struct mikey_resp *mr)
{
	return mr ? mr->tim->hdr.csb_id : 0;
}


uint8_t mikey_resp_prf(const struct mikey_resp *mr)
{
	return mr ? mr->tim->hdr.prf : 0;
}

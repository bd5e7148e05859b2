/**
 * @file mikey_ticket.c  MIKEY-TICKET initiator and responder (RFC 6043 4.2)
 *
 * The initiator asks the KMS for a ticket, hands it to the responder
 * in TRANSFER_INIT and checks TRANSFER_RESP; the responder resolves
 * the ticket at the KMS, only then can it check TRANSFER_INIT, and
 * answers with TRANSFER_RESP.  Both derive one TEK per crypto session
 * from the (forked) TGK.  Every key is wiped when the state is freed.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"


enum { SP_DEFAULT_NO = 1 };


static uint8_t prot_kind(const struct mikey_cfg *cfg, uint8_t prot)
{
	if (prot == MIKEY_PROT_SRTP || prot == cfg->prot_tls ||
	    prot == cfg->prot_smime || prot == cfg->prot_app)
		return 1;
	return 0;
}


/* We key SRTP with AES-CM and HMAC-SHA-1 (80- or 32-bit tag) only */
static bool srtp_pol_ok(const struct mikey_srtp_pol *p)
{
	return p->encr_alg == 1 && p->encr_len == 16 && p->auth_alg == 1 &&
		p->auth_len == 20 && p->salt_len == 14 &&
		(p->tag_len == 10 || p->tag_len == 4) && p->srtp_encr == 1 &&
		p->srtcp_encr == 1 && p->srtp_auth == 1;
}


/* RFC 6043 5.1.3: TEK (and SRTP salt) of one CS from TGK/TGK' */
static int tek_derive(const struct mikey_cfg *cfg, uint8_t prf,
		      uint32_t flags, const struct mikey_key *tgk,
		      const struct mikey_cs *cs,
		      const struct mikey_srtp_pol *pol,
		      const struct mikey_bytes *ri,
		      const uint8_t *rr, size_t rrl, struct mikey_tek *t)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	bool h = flags & MIKEY_TP_H, g = flags & MIKEY_TP_G;
	size_t tl;
	int err;

	memset(t, 0, sizeof(*t));
	t->cs_id = cs->id;
	t->prot = cs->prot;
	if (cs->prot == MIKEY_PROT_SRTP) {
		t->pol = *pol;
		t->has_ssrc = mikey_cs_srtp_get(cs, &t->ssrc, &t->roc,
						NULL) == 0;
		t->key_len = pol->encr_len;
		t->salt_len = pol->salt_len;
	}
	else if (cs->prot == cfg->prot_smime) {
		t->key_len = 16;         /* id-aes128-wrap KEK */
	}
	else {
		t->key_len = tgk->key_len;   /* TLS PSK: as long as TGK */
	}

	tl = mikey_tail_tek(tail, sizeof(tail), cs->id,
			    h ? ri->p : NULL, h ? ri->l : 0,
			    g ? rr : NULL, g ? rrl : 0);
	if (!tl)
		return EINVAL;

	err = mikey_kdf(prf, tgk->key, tgk->key_len, MIKEY_C_TEK, tail, tl,
			t->key, t->key_len);
	if (!err && t->salt_len) {
		/* a salt carried with the TGK wins (RFC 6043 5.1.3) */
		if (tgk->salt_len >= t->salt_len)
			memcpy(t->salt, tgk->salt, t->salt_len);
		else
			err = mikey_kdf(prf, tgk->key, tgk->key_len,
					MIKEY_C_SALT_T, tail, tl, t->salt,
					t->salt_len);
	}
	if (err)
		OPENSSL_cleanse(t, sizeof(*t));
	return err;
}


static const struct mikey_key *tgk_for(const struct mikey_key *tgk,
				       size_t n, const struct mikey_cs *cs)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (cs->spi_len && tgk[i].spi_len == cs->spi_len &&
		    !memcmp(tgk[i].spi, cs->spi, cs->spi_len))
			return &tgk[i];
	}
	return (!cs->spi_len && n) ? &tgk[0] : NULL;
}


/* ------------------------------------------------------------------ */
/* Initiator                                                          */

struct mikey_init {
	struct mikey_cfg cfg;
	char *my_id;
	char *kms_id;
	uint8_t psk[MIKEY_KEY_MAX];
	size_t psk_len;
	struct mbuf *req;              /* REQUEST_INIT as sent */
	uint8_t randri_req[MK_RAND_LEN];
	struct mbuf *ticket;           /* TICKET body from REQUEST_RESP */
	uint8_t tprf;
	uint32_t tflags;
	struct mikey_key mpki, mpkr;
	struct mikey_key tgk[MIKEY_KEYS_MAX];
	size_t tgkc;
	struct mbuf *ti;               /* TRANSFER_INIT as sent */
	uint8_t randri[MK_RAND_LEN];
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
	uint64_t now = mk_now(&mi->cfg);
	size_t i, tl, mac_off;
	int err = 0;

	if (!mi || !mbp || (!resp && respc))
		return EINVAL;

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
	err |= mk_rand((uint8_t *)&h.csb_id, sizeof(h.csb_id));
	err |= mk_rand(mi->randri_req, sizeof(mi->randri_req));

	/* desired TP Data: IDRkms, IDRi, TRs, TRe, (IDRr) */
	err |= mikey_enc_init_chain(&te, tpd);
	err |= mk_enc_id(&te, MIKEY_ROLE_KMS, mi->kms_id);
	err |= mk_enc_id(&te, MIKEY_ROLE_I, mi->my_id);
	err |= mikey_enc_tr(&te, MIKEY_TR_S, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(now));
	err |= mikey_enc_tr(&te, MIKEY_TR_E, MIKEY_TS_NTP_UTC_32,
			    mikey_ntp_from_unix(now + lifetime_s));
	for (i = 0; i < respc; i++)
		err |= mk_enc_id(&te, MIKEY_ROLE_R, resp[i]);

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
	err |= mikey_enc_rand(&e, MIKEY_RAND_I, mi->randri_req, MK_RAND_LEN);
	err |= mk_enc_id(&e, MIKEY_ROLE_I, mi->my_id);
	err |= mk_enc_id(&e, MIKEY_ROLE_KMS, mi->kms_id);
	err |= mikey_enc_tp(&e, &tp, tpd->buf, tpd->end, NULL, 0, NULL, 0);
	err |= mikey_enc_v(&e, mi->cfg.mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), h.csb_id, 0x01,
			    mi->randri_req, MK_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, h.prf, MIKEY_ENCR_NULL, mi->cfg.mac,
				   mi->psk, mi->psk_len, tail, tl);
	if (err)
		goto out;
	xv[0] = (struct mikey_span){(uint8_t *)mi->my_id, str_len(mi->my_id)};
	xv[1] = (struct mikey_span){(uint8_t *)mi->kms_id,
		str_len(mi->kms_id)};
	err = mk_v_calc(mi->cfg.mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			0, 0, xv, 2, mac);
	mikey_msgkeys_wipe(&mk);
	if (err)
		goto out;
	memcpy(mb->buf + mac_off, mac, mikey_mac_len(mi->cfg.mac));

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


/* An Error message answers: report its first ERR */
static int peer_error(const struct mikey_msg *m, uint8_t *errp)
{
	if (errp)
		*errp = m->errc ? m->errv[0] : MIKEY_ERR_UNSPEC;
	return ECONNREFUSED;
}


static void set_err(uint8_t *errp, uint8_t v)
{
	if (errp)
		*errp = v;
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

	set_err(errp, MIKEY_ERR_UNSPEC);
	memset(&mk, 0, sizeof(mk));
	m = mem_zalloc(sizeof(*m), NULL);
	if (!m)
		return ENOMEM;

	err = mikey_decode(m, buf, len);
	if (err)
		goto out;
	if (m->hdr.dt == MIKEY_DT_ERROR) {
		err = peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_REQUEST_RESP || m->vc != 1 ||
	    !m->has_kemac || !m->has_tp || !m->tp.ticket ||
	    m->hdr.csb_id != ntohl(*(uint32_t *)(void *)(mi->req->buf + 4))) {
		err = EPROTO;
		goto out;
	}
	err = mk_check_t(&mi->cfg, m);
	if (err) {
		set_err(errp, MIKEY_ERR_TS);
		goto out;
	}

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x02,
			    mi->randri_req, MK_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, m->kemac.encr,
				   m->vv[0].alg, mi->psk, mi->psk_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: REQUEST_RESP || REQUEST_INIT */
	xv[0] = (struct mikey_span){mi->req->buf, mi->req->end};
	err = mk_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			  m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		set_err(errp, MIKEY_ERR_AUTH);
		err = EACCES;
		goto out;
	}

	err = mk_kemac_open(&m->kemac, &mk, m->hdr.csb_id, mk_t64(m), kv,
			    MIKEY_KEYS_MAX, &n);
	if (err)
		goto out;

	/* the granted policy must be one we can follow */
	if (m->tp.type != MIKEY_TICKET_BASE || !(m->tp.flags & MIKEY_TP_N) ||
	    (m->tp.flags & MIKEY_TP_L)) {
		set_err(errp, MIKEY_ERR_TPPAR);
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
	if (!mi->tgkc) {
		err = EPROTO;
		goto out;
	}

	mk_ticket_body(m, &tb, &tl);
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
	size_t i, tl, mac_off, ml = mikey_mac_len(mi ? mi->cfg.mac : 0);
	size_t idl = 0;
	bool srtp = false, fork;
	int err = 0;

	if (!mi || !csv || !csc || csc > MIKEY_CS_MAX || !mbp)
		return EINVAL;
	if (!mi->ticket)
		return EINVAL;          /* no ticket yet */

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
	h->prf = mi->cfg.prf;
	h->map = MIKEY_MAP_GENERIC_ID;
	h->ncs = (uint8_t)csc;
	err |= mk_rand((uint8_t *)&h->csb_id, sizeof(h->csb_id));
	err |= mk_rand(mi->randri, sizeof(mi->randri));
	for (i = 0; i < csc; i++) {
		struct mikey_cs *cs = &h->cs[i];

		cs->id = (uint8_t)(i + 1);
		cs->prot = csv[i].prot;
		if (!prot_kind(&mi->cfg, cs->prot)) {
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
			   mikey_ntp_from_unix(mk_now(&mi->cfg)));
	err |= mikey_enc_rand(&e, MIKEY_RAND_I, mi->randri, MK_RAND_LEN);
	err |= mk_enc_id(&e, MIKEY_ROLE_I, mi->my_id);
	if (peer_id)
		err |= mk_enc_id(&e, MIKEY_ROLE_R, peer_id);
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
	err |= mikey_enc_v(&e, mi->cfg.mac, &mac_off);
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
			    MK_RAND_LEN, NULL, 0);
	err = mikey_msgkeys_derive(&mk, h->prf, MIKEY_ENCR_NULL, mi->cfg.mac,
				   mi->mpki.key, mi->mpki.key_len, tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_INIT (without Initiator Data length and
	 * data) || Identity_i || Identity_r */
	xv[0] = (struct mikey_span){(uint8_t *)mi->my_id, str_len(mi->my_id)};
	xv[1] = (struct mikey_span){(const uint8_t *)peer_id,
		str_len(peer_id)};
	err = mk_v_calc(mi->cfg.mac, mk.auth, mk.auth_len, mb->buf, mac_off,
			m->tp.idlen_off, 2 + idl, xv, 2, mb->buf + mac_off);
	if (err)
		goto out;

	if (fork) {
		uint8_t *id = mb->buf + m->tp.idlen_off + 2;

		id[0] = MIKEY_PT_V;                      /* Vi */
		id[1] = MIKEY_PT_V;                      /* then Vr */
		id[2] = mi->cfg.mac;
		memcpy(id + 3, mb->buf + mac_off, ml);
		id[3 + ml] = MIKEY_PT_LAST;
		id[4 + ml] = mi->cfg.mac;
		err = mk_vr_key(mi->tprf, &mi->mpkr, mi->cfg.mac, vrk);
		if (!err)
			err = mk_v_calc(mi->cfg.mac, vrk, ml, id, 5 + ml, 0, 0,
					NULL, 0, id + 5 + ml);
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

	set_err(errp, MIKEY_ERR_UNSPEC);
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
		err = peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_TRANSFER_RESP || m->vc != 1 ||
	    m->hdr.csb_id != mi->csb_id || m->hdr.prf != mi->hprf ||
	    m->hdr.map != MIKEY_MAP_GENERIC_ID) {
		err = EPROTO;
		goto out;
	}
	err = mk_check_t(&mi->cfg, m);
	if (err) {
		set_err(errp, MIKEY_ERR_TS);
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
		err = mk_fork(mi->tprf, MIKEY_C_MPKR_F, &mi->mpkr,
			      idr->data.p, idr->data.l, rk->data.p,
			      rk->data.l, &mpkr_f);
		for (i = 0; !err && i < mi->tgkc; i++) {
			if (mi->tgk[i].type == MIKEY_KEY_TGK ||
			    mi->tgk[i].type == MIKEY_KEY_TGK_SALT)
				err = mk_fork(mi->tprf, MIKEY_C_TGK_F,
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
			    MK_RAND_LEN, rr ? rr->data.p : NULL,
			    rr ? rr->data.l : 0);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, MIKEY_ENCR_NULL,
				   m->vv[0].alg, mpkr_f.key, mpkr_f.key_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_RESP || TRANSFER_INIT */
	xv[0] = (struct mikey_span){mi->ti->buf, mi->ti->end};
	err = mk_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			  m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		set_err(errp, MIKEY_ERR_AUTH);
		err = EACCES;
		goto out;
	}

	/* one TEK per CS we offered; the responder may not drop any */
	ri = (struct mikey_bytes){mi->randri, MK_RAND_LEN};
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
			set_err(errp, MIKEY_ERR_SP);
			err = EPROTO;
			goto out;
		}
		err = resp_policy(m, tim, cs, &pol);
		if (!err && cs->prot == MIKEY_PROT_SRTP && !srtp_pol_ok(&pol))
			err = ENOTSUP;
		if (err) {
			set_err(errp, MIKEY_ERR_SPPAR);
			goto out;
		}
		tgk = tgk_for(tgk_f, mi->tgkc, cs);
		if (!tgk) {
			err = EPROTO;
			goto out;
		}
		err = tek_derive(&mi->cfg, mi->hprf, mi->tflags, tgk, cs, &pol,
				 &ri, rr ? rr->data.p : NULL,
				 rr ? rr->data.l : 0, &mi->tek[mi->tekc]);
		if (err)
			goto out;
		mi->tekc++;
	}

	mi->peer_id = mem_deref(mi->peer_id);
	idr = mikey_msg_id(m, MIKEY_ROLE_R, 0);
	if (idr)
		mi->peer_id = mk_id_dup(idr);

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


/* ------------------------------------------------------------------ */
/* Responder                                                          */

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
	uint8_t randrr_res[MK_RAND_LEN];
	uint8_t randrr[MK_RAND_LEN];
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
		set_err(errp, MIKEY_ERR_DT);
		return EPROTO;
	}
	if (m->hdr.prf != MIKEY_PRF_MIKEY1 &&
	    m->hdr.prf != MIKEY_PRF_HMAC_SHA256) {
		set_err(errp, MIKEY_ERR_PRF);
		return ENOTSUP;
	}
	/* SRTP-ID SHALL NOT be used (RFC 6043 6.1) */
	if (m->hdr.map != MIKEY_MAP_GENERIC_ID || !m->hdr.ncs ||
	    m->vc != 1 || !mikey_msg_rand(m, MIKEY_RAND_I) || !m->has_tp ||
	    !m->tp.ticket)
		return EPROTO;
	if (mikey_mac_len(m->vv[0].alg) == 0) {
		set_err(errp, MIKEY_ERR_MAC);
		return ENOTSUP;
	}

	err = mk_check_t(&mr->cfg, m);
	if (err) {
		set_err(errp, MIKEY_ERR_TS);
		return err;
	}
	if (mr->rc && mikey_replay_seen(mr->rc, mr->ti, mr->ti_len,
					mk_now(&mr->cfg))) {
		set_err(errp, MIKEY_ERR_TS);
		return EALREADY;
	}

	if (m->tp.type != MIKEY_TICKET_BASE || !(m->tp.flags & MIKEY_TP_O) ||
	    (m->tp.prf != MIKEY_PRF_MIKEY1 &&
	     m->tp.prf != MIKEY_PRF_HMAC_SHA256) ||
	    ((m->tp.flags & MIKEY_TP_I) && !m->tp.init_data.l)) {
		set_err(errp, MIKEY_ERR_TICKET);
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
		if (!prot_kind(&mr->cfg, cs->prot)) {
			set_err(errp, MIKEY_ERR_SP);
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
			     !srtp_pol_ok(&pol)))
				continue;
			if (cs->prot == MIKEY_PROT_SRTP)
				mr->pol[i] = pol;
			cs->pv[0] = cs->pv[j];
			found = true;
		}
		if (!found && cs->np) {
			set_err(errp, MIKEY_ERR_SPPAR);
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

	set_err(errp, MIKEY_ERR_UNSPEC);
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
	struct mbuf *mb;
	size_t tl, mac_off;
	int err = 0;

	if (!mr || !mbp)
		return EINVAL;

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
	h.prf = mr->cfg.prf;
	h.map = MIKEY_MAP_EMPTY;
	err |= mk_rand((uint8_t *)&h.csb_id, sizeof(h.csb_id));
	err |= mk_rand(mr->randrr_res, sizeof(mr->randrr_res));

	mk_ticket_body(mr->tim, &tb, &tl);
	mikey_enc_init(&e, mb);
	err |= mikey_enc_hdr(&e, &h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC,
			   mikey_ntp_from_unix(mk_now(&mr->cfg)));
	err |= mikey_enc_rand(&e, MIKEY_RAND_R, mr->randrr_res, MK_RAND_LEN);
	err |= mk_enc_id(&e, MIKEY_ROLE_R, mr->my_id);
	if (kms_id)
		err |= mk_enc_id(&e, MIKEY_ROLE_KMS, kms_id);
	else
		err |= mikey_enc_id(&e, MIKEY_ROLE_KMS, idk->type,
				    idk->data.p, idk->data.l);
	err |= mikey_enc_ticket_raw(&e, tb, tl, mr->tim->tp.init_data.p,
				    mr->tim->tp.init_data.l);
	err |= mikey_enc_v(&e, mr->cfg.mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), h.csb_id, 0x01, NULL, 0,
			    mr->randrr_res, MK_RAND_LEN);
	err = mikey_msgkeys_derive(&mk, h.prf, MIKEY_ENCR_NULL, mr->cfg.mac,
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
	err = mk_v_calc(mr->cfg.mac, mk.auth, mk.auth_len, mb->buf, mac_off,
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
	err = mk_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, m->buf,
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
	size_t tl, n = 0, i;
	int err;

	if (!mr || !buf || !mr->ri)
		return EINVAL;

	set_err(errp, MIKEY_ERR_UNSPEC);
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
		err = peer_error(m, errp);
		goto out;
	}
	if (m->hdr.dt != MIKEY_DT_RESOLVE_RESP || m->vc != 1 ||
	    !m->has_kemac || m->hdr.csb_id !=
	    ntohl(*(uint32_t *)(void *)(mr->ri->buf + 4))) {
		err = EPROTO;
		goto out;
	}
	err = mk_check_t(&mr->cfg, m);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), m->hdr.csb_id, 0x02, NULL, 0,
			    mr->randrr_res, MK_RAND_LEN);
	err = mikey_msgkeys_derive(&mk, m->hdr.prf, m->kemac.encr,
				   m->vv[0].alg, mr->psk, mr->psk_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: RESOLVE_RESP || RESOLVE_INIT */
	xv[0] = (struct mikey_span){mr->ri->buf, mr->ri->end};
	err = mk_v_verify(m->vv[0].alg, mk.auth, mk.auth_len, buf,
			  m->vv[0].mac_off, 0, 0, xv, 1);
	if (err) {
		err = EACCES;
		goto out;
	}

	err = mk_kemac_open(&m->kemac, &mk, m->hdr.csb_id, mk_t64(m), kv,
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
		mr->idr = mk_id_dup(idr);
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
	err = verify_ti(mr);
	if (err) {
		set_err(errp, MIKEY_ERR_AUTH);
		goto out;
	}
	if (mr->rc) {
		err = mikey_replay_add(mr->rc, mr->ti, mr->ti_len,
				       mk_now(&mr->cfg));
		if (err) {
			set_err(errp, MIKEY_ERR_TS);
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
	mr->init_id = mk_id_dup(idi);

	if (tim->tp.flags & MIKEY_TP_G) {
		err = mk_rand(mr->randrr, sizeof(mr->randrr));
		if (err)
			goto out;
	}

	mr->tekc = 0;
	for (i = 0; i < mr->rh->ncs; i++) {
		const struct mikey_cs *cs = &mr->rh->cs[i];
		const struct mikey_key *tgk = tgk_for(mr->tgk, mr->tgkc, cs);
		const struct mikey_rand *ri = mikey_msg_rand(tim,
							     MIKEY_RAND_I);

		if (!tgk) {
			err = EPROTO;
			goto out;
		}
		err = tek_derive(&mr->cfg, tim->hdr.prf, tim->tp.flags, tgk,
				 cs, &mr->pol[i], &ri->data, mr->randrr,
				 sizeof(mr->randrr), &mr->tek[mr->tekc]);
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
	struct mbuf *mb, *sp;
	bool g;
	size_t i, tl, mac_off;
	int err = 0;

	if (!mr || !mbp || !mr->resolved)
		return EINVAL;

	tim = mr->tim;
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
		const struct mikey_key *tgk = tgk_for(mr->tgk, mr->tgkc, cs);

		/* Session Data and SPI are mandatory in the response */
		if (cs->prot == MIKEY_PROT_SRTP && cs->sd_len < 4) {
			uint32_t ssrc;

			err = mk_rand((uint8_t *)&ssrc, sizeof(ssrc));
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
			   mikey_ntp_from_unix(mk_now(&mr->cfg)));
	if (g)
		err |= mikey_enc_rand(&e, MIKEY_RAND_R, mr->randrr,
				      MK_RAND_LEN);
	if (mr->idr)
		err |= mk_enc_id(&e, MIKEY_ROLE_R, mr->idr);
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
	err |= mikey_enc_v(&e, mr->cfg.mac, &mac_off);
	if (err)
		goto out;

	tl = mikey_tail_msg(tail, sizeof(tail), tim->hdr.csb_id, 0x02,
			    ri->data.p, ri->data.l, g ? mr->randrr : NULL,
			    g ? MK_RAND_LEN : 0);
	err = mikey_msgkeys_derive(&mk, tim->hdr.prf, MIKEY_ENCR_NULL,
				   mr->cfg.mac,
				   (tim->tp.flags & MIKEY_TP_I) ?
				   mr->mpkr_f.key : mr->mpki.key,
				   (tim->tp.flags & MIKEY_TP_I) ?
				   mr->mpkr_f.key_len : mr->mpki.key_len,
				   tail, tl);
	if (err)
		goto out;

	/* RFC 6043 5.5: TRANSFER_RESP || TRANSFER_INIT */
	xv[0] = (struct mikey_span){mr->ti, mr->ti_len};
	err = mk_v_calc(mr->cfg.mac, mk.auth, mk.auth_len, mb->buf, mac_off,
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

/**
 * @file transfer.c  What both roles of the Ticket Transfer exchange
 * share (RFC 6043 4.2.2, 5.1.3): which Prot Types and SRTP policies we
 * key, the TGK a crypto session names by its SPI, the TEK derivation,
 * and how a MIKEY Error message from the peer is reported.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"



bool mikey_prot_known(const struct mikey_cfg *cfg, uint8_t prot)
{
	return prot == MIKEY_PROT_SRTP || prot == cfg->prot_tls ||
		prot == cfg->prot_smime || prot == cfg->prot_app;
}


/* We key SRTP with AES-CM and HMAC-SHA-1 (80- or 32-bit tag) only */
bool mikey_srtp_pol_ok(const struct mikey_srtp_pol *p)
{
	return p->encr_alg == 1 && p->encr_len == 16 && p->auth_alg == 1 &&
		p->auth_len == 20 && p->salt_len == 14 &&
		(p->tag_len == 10 || p->tag_len == 4) && p->srtp_encr == 1 &&
		p->srtcp_encr == 1 && p->srtp_auth == 1;
}


/* RFC 6043 5.1.3: TEK (and SRTP salt) of one CS from TGK/TGK' */
int mikey_tek_derive(const struct mikey_cfg *cfg, uint8_t prf,
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


const struct mikey_key *mikey_tgk_for(const struct mikey_key *tgk,
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


/* An Error message answers: report its first ERR */
int mikey_peer_error(const struct mikey_msg *m, uint8_t *errp)
{
	if (errp)
		*errp = m->errc ? m->errv[0] : MIKEY_ERR_UNSPEC;
	return ECONNREFUSED;
}


void mikey_set_err(uint8_t *errp, uint8_t v)
{
	if (errp)
		*errp = v;
}


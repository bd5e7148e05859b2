/**
 * @file common.c  Pieces shared by the MIKEY-TICKET roles
 *
 * MAC coverage (RFC 6043 5.5), KEMAC sealing (RFC 3830 4.2.3), the
 * MIKEY base ticket's protection (RFC 6043 A.1) and the MPK and
 * forking derivations (RFC 6043 A.2.2, 5.1.1).
 */
#include <ctype.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/mikey_int.h"


void mikey_cfg_default(struct mikey_cfg *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->prf = MIKEY_PRF_HMAC_SHA256;    /* the 256-bit suite */
	cfg->prot_tls = MIKEY_PROT_TLS_DEFAULT;
	cfg->prot_smime = MIKEY_PROT_SMIME_DEFAULT;
	cfg->prot_app = MIKEY_PROT_APP_DEFAULT;
	cfg->skew = MIKEY_SKEW_DEFAULT;
}


uint64_t mikey_now(const struct mikey_cfg *cfg)
{
	if (cfg && cfg->now)
		return cfg->now();
	return (uint64_t)time(NULL);
}


int mikey_random(uint8_t *p, size_t n)
{
	return RAND_bytes(p, (int)n) == 1 ? 0 : EIO;
}


uint8_t mikey_id_type(const char *id)
{
	size_t i;

	/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!id || !isalpha((unsigned char)id[0]))
		return MIKEY_ID_BYTES;
	for (i = 1; id[i]; i++) {
		if (id[i] == ':')
			return MIKEY_ID_URI;
		if (!isalnum((unsigned char)id[i]) && id[i] != '+' &&
		    id[i] != '-' && id[i] != '.')
			break;
	}
	return MIKEY_ID_BYTES;
}


bool mikey_id_match(const uint8_t *pat, size_t pl, const uint8_t *id,
		    size_t il)
{
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	/* glob with '?' as the only wildcard, iterative backtracking */
	while (i < il) {
		if (p < pl && pat[p] == '?') {
			star_p = p++;
			star_i = i;
		}
		else if (p < pl && pat[p] == id[i]) {
			++p;
			++i;
		}
		else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		}
		else
			return false;
	}
	while (p < pl && pat[p] == '?')
		++p;
	return p == pl;
}


int mikey_enc_idstr(struct mikey_enc *e, uint8_t role, const char *id)
{
	return mikey_enc_id(e, role, mikey_id_type(id), (const uint8_t *)id,
			    str_len(id));
}


bool mikey_id_is(const struct mikey_id *id, const char *s)
{
	size_t l = str_len(s);

	/* DESIGN.md: compare ID Data only, whatever the ID Type */
	return id && id->data.l == l && (l == 0 || !memcmp(id->data.p, s, l));
}


char *mikey_id_dup(const struct mikey_id *id)
{
	char *s;

	if (!id)
		return NULL;
	s = mem_alloc(id->data.l + 1, NULL);
	if (!s)
		return NULL;
	if (id->data.l)
		memcpy(s, id->data.p, id->data.l);
	s[id->data.l] = '\0';
	return s;
}


int mikey_v_calc(uint8_t alg, const uint8_t *key, size_t kl,
		 const uint8_t *buf, size_t mac_off, size_t excl_off,
		 size_t excl_len, const struct mikey_span *xv, size_t xn,
		 uint8_t *out)
{
	struct mikey_span v[8];
	size_t n = 0, i;

	if (xn > 5)
		return EINVAL;

	if (excl_len) {
		if (excl_off + excl_len > mac_off)
			return EINVAL;
		v[n++] = (struct mikey_span){buf, excl_off};
		v[n++] = (struct mikey_span){buf + excl_off + excl_len,
			mac_off - excl_off - excl_len};
	}
	else {
		v[n++] = (struct mikey_span){buf, mac_off};
	}
	for (i = 0; i < xn; i++)
		v[n++] = xv[i];

	return mikey_mac(alg, key, kl, v, n, out);
}


int mikey_v_verify(uint8_t alg, const uint8_t *key, size_t kl,
		   const uint8_t *buf, size_t mac_off, size_t excl_off,
		   size_t excl_len, const struct mikey_span *xv, size_t xn)
{
	uint8_t mac[MIKEY_MACLEN_MAX];
	size_t ml = mikey_mac_len(alg);
	int err;

	if (ml == (size_t)-1 || ml == 0)
		return ENOTSUP;       /* the NULL MAC is never accepted */

	err = mikey_v_calc(alg, key, kl, buf, mac_off, excl_off, excl_len,
			   xv, xn, mac);
	if (err)
		return err;

	return mikey_mac_equal(mac, buf + mac_off, ml) ? 0 : EACCES;
}


int mikey_kemac_seal(struct mikey_enc *e, uint8_t encr,
		     const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		     const struct mikey_key *kv, size_t n)
{
	struct mbuf *plain;
	uint8_t *ct = NULL;
	int err;

	plain = mbuf_alloc(256);
	if (!plain)
		return ENOMEM;

	err = mikey_keys_encode(plain, kv, n);
	if (err)
		goto out;

	ct = mem_alloc(plain->end ? plain->end : 1, NULL);
	if (!ct) {
		err = ENOMEM;
		goto out;
	}

	err = mikey_aes_cm(encr, mk->encr, mk->salt, csb, t, plain->buf, ct,
			   plain->end);
	if (err)
		goto out;

	/* the V payload carries the MAC (RFC 6043 4.2.1.5) */
	err = mikey_enc_kemac(e, encr, ct, plain->end, MIKEY_MAC_NULL, NULL);

 out:
	if (plain->buf)
		OPENSSL_cleanse(plain->buf, plain->size);
	mem_deref(plain);
	mem_deref(ct);
	return err;
}


int mikey_kemac_open(const struct mikey_kemac *k,
		     const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		     struct mikey_key *kv, size_t max, size_t *n)
{
	uint8_t *pt;
	int err;

	if (k->encr != MIKEY_ENCR_AES_CM_128 &&
	    k->encr != MIKEY_ENCR_AES_CM_256)
		return ENOTSUP;        /* NULL or key wrap: not here */
	if (!k->data.l)
		return EPROTO;

	pt = mem_alloc(k->data.l, NULL);
	if (!pt)
		return ENOMEM;

	err = mikey_aes_cm(k->encr, mk->encr, mk->salt, csb, t, k->data.p,
			   pt, k->data.l);
	if (!err)
		err = mikey_keys_decode(kv, max, n, pt, k->data.l);

	OPENSSL_cleanse(pt, k->data.l);
	mem_deref(pt);
	return err;
}


void mikey_ticket_body(const struct mikey_msg *m, const uint8_t **p, size_t *l)
{
	*p = m->buf + m->tp.off + 1;
	*l = m->tp.idlen_off - m->tp.off - 1;
}


uint64_t mikey_t64(const struct mikey_msg *m)
{
	return m->has_t ? m->t.ntp : 0;
}


int mikey_t_check(const struct mikey_cfg *cfg, const struct mikey_msg *m)
{
	if (!m->has_t)
		return EPROTO;
	return mikey_ts_check(&m->t, mikey_now(cfg), cfg->skew);
}


int mikey_ticket_data(const struct mikey_msg *m, struct mikey_msg *td)
{
	if (!m->has_tp || !m->tp.ticket)
		return EPROTO;
	return mikey_decode_ticket_data(td, m->tp.ticket_data.p,
					m->tp.ticket_data.l);
}


int mikey_ticket_open(const struct mikey_msg *m, const uint8_t *tpk,
		      size_t tpk_len, struct mikey_key *kv, size_t max,
		      size_t *n)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	struct mikey_msgkeys mk;
	const struct mikey_rand *rnd;
	struct mikey_msg td;
	const uint8_t *tb;
	size_t tl, ml, mac_off;
	int err;

	err = mikey_ticket_data(m, &td);
	if (err)
		return err;
	rnd = mikey_msg_rand(&td, MIKEY_RAND_PLAIN);
	if (!rnd || !td.has_t || !td.has_kemac || td.vc != 1)
		return EPROTO;
	/* sealed in the ticket's own suite (RFC 6043 12.1) */
	if (mikey_suite_verify(m->tp.prf, &td, NULL))
		return ENOTSUP;
	ml = mikey_mac_len(td.vv[0].alg);
	if (!ml || ml == (size_t)-1)
		return ENOTSUP;

	tl = mikey_tail_ticket(tail, sizeof(tail), 0x05, rnd->data.p,
			       rnd->data.l);
	err = mikey_msgkeys_derive(&mk, m->tp.prf, td.kemac.encr,
				   td.vv[0].alg, tpk, tpk_len, tail, tl);
	if (err)
		return err;

	/* MAC over the TICKET payload without its Next Payload field,
	 * the Initiator Data length and data, and the MAC (RFC 6043 A.1):
	 * the V is last in Ticket Data, so its MAC ends right before the
	 * Initiator Data length field. */
	mikey_ticket_body(m, &tb, &tl);
	mac_off = tl - ml;
	if (td.vv[0].mac_off + ml != td.len) {
		err = EPROTO;
		goto out;
	}
	err = mikey_v_verify(td.vv[0].alg, mk.auth, mk.auth_len, tb, mac_off,
			     0, 0, NULL, 0);
	if (err)
		goto out;

	/* CSB ID in the IV is 0xFFFFFFFF (RFC 6043 A.1) */
	err = mikey_kemac_open(&td.kemac, &mk, 0xffffffff, mikey_t64(&td),
			       kv, max, n);
	if (!err && (*n < 1 || kv[0].type != MIKEY_KEY_MPK)) {
		mikey_keys_wipe(kv, *n);
		err = EPROTO;
	}

 out:
	mikey_msgkeys_wipe(&mk);
	return err;
}


int mikey_mpk_derive(uint8_t prf, const struct mikey_key *mpk,
		     const uint8_t *rand, size_t rl, struct mikey_key *mpki,
		     struct mikey_key *mpkr)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	size_t tl;
	int err;

	tl = mikey_tail_ticket(tail, sizeof(tail), 0x06, rand, rl);
	if (!tl)
		return EINVAL;

	*mpki = *mpk;
	*mpkr = *mpk;
	err  = mikey_kdf(prf, mpk->key, mpk->key_len, MIKEY_C_MPKI, tail, tl,
			 mpki->key, mpk->key_len);
	err |= mikey_kdf(prf, mpk->key, mpk->key_len, MIKEY_C_MPKR, tail, tl,
			 mpkr->key, mpk->key_len);
	return err ? EINVAL : 0;
}


int mikey_fork(uint8_t prf, uint32_t constant, const struct mikey_key *in,
	       const uint8_t *id, size_t idl, const uint8_t *rkms, size_t rkl,
	       struct mikey_key *out)
{
	uint8_t tail[MIKEY_TAIL_MAX];
	size_t tl;

	tl = mikey_tail_fork(tail, sizeof(tail), id, idl, rkms, rkl);
	if (!tl)
		return EINVAL;
	*out = *in;
	return mikey_kdf(prf, in->key, in->key_len, constant, tail, tl,
			 out->key, in->key_len);
}


int mikey_vr_key(uint8_t prf, const struct mikey_key *mpkr, uint8_t alg,
		 uint8_t *out)
{
	uint8_t tail[16];
	size_t tl, ml = mikey_mac_len(alg);

	if (!ml || ml == (size_t)-1)
		return ENOTSUP;
	tl = mikey_tail_ticket(tail, sizeof(tail), 0x04, NULL, 0);
	return mikey_kdf(prf, mpkr->key, mpkr->key_len, MIKEY_C_AUTH, tail,
			 tl, out, ml);
}


int mikey_suite_verify(uint8_t prf, const struct mikey_msg *m,
		       uint8_t *errp)
{
	const struct mikey_suite *su = mikey_suite(prf);
	size_t i;

	if (!su) {
		mikey_set_err(errp, MIKEY_ERR_PRF);
		return ENOTSUP;
	}
	for (i = 0; i < m->vc; i++) {
		if (m->vv[i].alg != su->mac) {
			mikey_set_err(errp, MIKEY_ERR_MAC);
			return ENOTSUP;
		}
	}
	if (m->has_kemac && m->kemac.encr != su->encr) {
		mikey_set_err(errp, MIKEY_ERR_EA);
		return ENOTSUP;
	}
	return mikey_suite_check(prf, m) ? 0 : EPROTO;
}


int mikey_error_encode(struct mbuf **mbp, uint32_t csb_id, uint8_t prf,
		       uint8_t errnum)
{
	struct mikey_hdr h;
	struct mikey_enc e;
	struct mbuf *mb;
	int err;

	if (!mbp)
		return EINVAL;

	mb = mbuf_alloc(32);
	if (!mb)
		return ENOMEM;

	memset(&h, 0, sizeof(h));
	h.version = MIKEY_VERSION;
	h.dt = MIKEY_DT_ERROR;
	h.prf = prf & 0x7f;
	h.csb_id = csb_id;
	h.map = MIKEY_MAP_EMPTY;

	mikey_enc_init(&e, mb);
	err  = mikey_enc_hdr(&e, &h);
	err |= mikey_enc_t(&e, MIKEY_TS_NTP_UTC, mikey_ntp_now());
	err |= mikey_enc_err(&e, errnum);
	if (err) {
		mem_deref(mb);
		return err;
	}
	mb->pos = 0;
	*mbp = mb;
	return 0;
}


const char *mikey_err_name(uint8_t errnum)
{
	switch (errnum) {
	case MIKEY_ERR_AUTH:   return "Auth failure";
	case MIKEY_ERR_TS:     return "Invalid TS";
	case MIKEY_ERR_PRF:    return "Invalid PRF";
	case MIKEY_ERR_MAC:    return "Invalid MAC";
	case MIKEY_ERR_EA:     return "Invalid EA";
	case MIKEY_ERR_HA:     return "Invalid HA";
	case MIKEY_ERR_DH:     return "Invalid DH";
	case MIKEY_ERR_ID:     return "Invalid ID";
	case MIKEY_ERR_CERT:   return "Invalid Cert";
	case MIKEY_ERR_SP:     return "Invalid SP";
	case MIKEY_ERR_SPPAR:  return "Invalid SPpar";
	case MIKEY_ERR_DT:     return "Invalid DT";
	case MIKEY_ERR_TICKET: return "Invalid TICKET";
	case MIKEY_ERR_TPPAR:  return "Invalid TPpar";
	default:               return "Unspecified error";
	}
}

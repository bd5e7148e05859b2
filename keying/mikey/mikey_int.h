/**
 * @file mikey_int.h  Helpers shared by the MIKEY-TICKET roles (internal)
 *
 * Only keying/mikey/ includes this (and the unit tests).  Include
 * keying/mikey/mikey.h and keying/mikey/mikey_ticket.h first.
 * common.c: identities, MACs, KEMAC, the base ticket's protection;
 * transfer.c: what the initiator and the responder share.
 */

enum { MIKEY_RAND_LEN = 16, MIKEY_SPI_LEN = 4 };

uint64_t mikey_now(const struct mikey_cfg *cfg);
int  mikey_random(uint8_t *p, size_t n);
int  mikey_enc_idstr(struct mikey_enc *e, uint8_t role, const char *id);
bool mikey_id_is(const struct mikey_id *id, const char *s);
char *mikey_id_dup(const struct mikey_id *id);

/* MAC of a chain that ends with its V payload: buf[0..mac_off) minus
 * [excl_off, excl_off + excl_len), then the extra spans */
int  mikey_v_calc(uint8_t alg, const uint8_t *key, size_t kl,
		  const uint8_t *buf, size_t mac_off, size_t excl_off,
		  size_t excl_len, const struct mikey_span *xv, size_t xn,
		  uint8_t *out);
int  mikey_v_verify(uint8_t alg, const uint8_t *key, size_t kl,
		    const uint8_t *buf, size_t mac_off, size_t excl_off,
		    size_t excl_len, const struct mikey_span *xv, size_t xn);

/* KEMAC: E(encr_key, key data sub-payloads) with IV from csb and t */
int  mikey_kemac_seal(struct mikey_enc *e, uint8_t encr,
		      const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		      const struct mikey_key *kv, size_t n);
int  mikey_kemac_open(const struct mikey_kemac *k,
		      const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		      struct mikey_key *kv, size_t max, size_t *n);

/* The TICKET bytes after its Next Payload up to Initiator Data length */
void mikey_ticket_body(const struct mikey_msg *m, const uint8_t **p,
		       size_t *l);
/* Verify the base ticket's MAC with the TPK and decrypt its KEMAC
 * (RFC 6043 A.1, A.2.1); keys get MPK, then TEK/TGK/GTGK. */
int  mikey_ticket_open(const struct mikey_msg *m, const uint8_t *tpk,
		       size_t tpk_len, struct mikey_key *kv, size_t max,
		       size_t *n);
int  mikey_ticket_data(const struct mikey_msg *m, struct mikey_msg *td);
/* MPKi, MPKr from MPK (RFC 6043 A.2.2) */
int  mikey_mpk_derive(uint8_t prf, const struct mikey_key *mpk,
		      const uint8_t *rand, size_t rl, struct mikey_key *mpki,
		      struct mikey_key *mpkr);
/* MPKr' or TGK' (RFC 6043 5.1.1) */
int  mikey_fork(uint8_t prf, uint32_t constant, const struct mikey_key *in,
		const uint8_t *id, size_t idl, const uint8_t *rkms, size_t rkl,
		struct mikey_key *out);
/* the Vr auth key (RFC 6043 6.10, labels per DESIGN.md) */
int  mikey_vr_key(uint8_t prf, const struct mikey_key *mpkr, uint8_t alg,
		  uint8_t *out);
/* T of a message as a 64-bit value for the AES-CM IV */
uint64_t mikey_t64(const struct mikey_msg *m);
/* mikey_suite_check() with the reason: ENOTSUP and *errp Invalid PRF,
 * Invalid MAC (a V of another suite) or Invalid EA (the KEMAC's) */
int  mikey_suite_verify(uint8_t prf, const struct mikey_msg *m,
			uint8_t *errp);
int  mikey_t_check(const struct mikey_cfg *cfg, const struct mikey_msg *m);


/* --- transfer.c: both roles of the Ticket Transfer exchange --- */

/* SRTP, or one of cfg's TLS, PSK S/MIME and Application Prot Types */
bool mikey_prot_known(const struct mikey_cfg *cfg, uint8_t prot);
/* the SRTP policies we can key: AES-CM-128, HMAC-SHA-1, 80/32-bit tag */
bool mikey_srtp_pol_ok(const struct mikey_srtp_pol *p);
/* RFC 6043 5.1.3: the TEK (and SRTP salt) of one CS from TGK/TGK' */
int  mikey_tek_derive(const struct mikey_cfg *cfg, uint8_t prf,
		      uint32_t flags, const struct mikey_key *tgk,
		      const struct mikey_cs *cs,
		      const struct mikey_srtp_pol *pol,
		      const struct mikey_bytes *ri,
		      const uint8_t *rr, size_t rrl, struct mikey_tek *t);
/* the TGK a CS names by its SPI; the first when it names none */
const struct mikey_key *mikey_tgk_for(const struct mikey_key *tgk,
				      size_t n, const struct mikey_cs *cs);
/* the peer answered a MIKEY Error: *errp gets its first ERR;
 * ECONNREFUSED */
int  mikey_peer_error(const struct mikey_msg *m, uint8_t *errp);
void mikey_set_err(uint8_t *errp, uint8_t v);

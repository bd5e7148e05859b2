/**
 * @file mikey_int.h  Helpers shared by the MIKEY-TICKET roles (internal)
 */

enum { MK_RAND_LEN = 16, MK_KEY_LEN = 32, MK_SPI_LEN = 4 };

uint64_t mk_now(const struct mikey_cfg *cfg);
int  mk_rand(uint8_t *p, size_t n);
int  mk_enc_id(struct mikey_enc *e, uint8_t role, const char *id);
bool mk_id_is(const struct mikey_id *id, const char *s);
char *mk_id_dup(const struct mikey_id *id);

/* MAC of a chain that ends with its V payload: buf[0..mac_off) minus
 * [excl_off, excl_off + excl_len), then the extra spans */
int  mk_v_calc(uint8_t alg, const uint8_t *key, size_t kl,
	       const uint8_t *buf, size_t mac_off, size_t excl_off,
	       size_t excl_len, const struct mikey_span *xv, size_t xn,
	       uint8_t *out);
int  mk_v_verify(uint8_t alg, const uint8_t *key, size_t kl,
		 const uint8_t *buf, size_t mac_off, size_t excl_off,
		 size_t excl_len, const struct mikey_span *xv, size_t xn);

/* KEMAC: E(encr_key, key data sub-payloads) with IV from csb and t */
int  mk_kemac_seal(struct mikey_enc *e, uint8_t encr,
		   const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		   const struct mikey_key *kv, size_t n);
int  mk_kemac_open(const struct mikey_kemac *k,
		   const struct mikey_msgkeys *mk, uint32_t csb, uint64_t t,
		   struct mikey_key *kv, size_t max, size_t *n);

/* The TICKET bytes after its Next Payload up to Initiator Data length */
void mk_ticket_body(const struct mikey_msg *m, const uint8_t **p,
		    size_t *l);
/* Verify the base ticket's MAC with the TPK and decrypt its KEMAC
 * (RFC 6043 A.1, A.2.1); keys get MPK, then TEK/TGK/GTGK. */
int  mk_ticket_open(const struct mikey_msg *m, const uint8_t *tpk,
		    size_t tpk_len, struct mikey_key *kv, size_t max,
		    size_t *n);
int  mk_ticket_rand(const struct mikey_msg *m, struct mikey_msg *td);
/* MPKi, MPKr from MPK (RFC 6043 A.2.2) */
int  mk_mpk_derive(uint8_t prf, const struct mikey_key *mpk,
		   const uint8_t *rand, size_t rl, struct mikey_key *mpki,
		   struct mikey_key *mpkr);
/* MPKr' or TGK' (RFC 6043 5.1.1) */
int  mk_fork(uint8_t prf, uint32_t constant, const struct mikey_key *in,
	     const uint8_t *id, size_t idl, const uint8_t *rkms, size_t rkl,
	     struct mikey_key *out);
/* the Vr auth key (RFC 6043 6.10, labels per DESIGN.md) */
int  mk_vr_key(uint8_t prf, const struct mikey_key *mpkr, uint8_t alg,
	       uint8_t *out);
/* T of a message as a 64-bit value for the AES-CM IV */
uint64_t mk_t64(const struct mikey_msg *m);
int  mk_check_t(const struct mikey_cfg *cfg, const struct mikey_msg *m);

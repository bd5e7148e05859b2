/**
 * @file enc.c  MIKEY payload encoder (RFC 3830 6, RFC 6043 6)
 *
 * Every payload starts with its own Next Payload byte set to Last; the
 * next payload appended patches it.  The field of the last payload
 * thus stays Last, as RFC 3830 5.2 wants.
 */
#include <string.h>
#include <re.h>
#include "keying/mikey/mikey.h"


void mikey_enc_init(struct mikey_enc *e, struct mbuf *mb)
{
	e->mb = mb;
	e->np_pos = (size_t)-1;
	e->start = mb->pos;
}


int mikey_enc_init_chain(struct mikey_enc *e, struct mbuf *mb)
{
	e->mb = mb;
	e->start = mb->pos;
	e->np_pos = mb->pos;
	return mbuf_write_u8(mb, MIKEY_PT_LAST);
}


/* Patch the previous Next Payload with pt, then write ours (Last). */
static int begin(struct mikey_enc *e, uint8_t pt)
{
	if (e->np_pos == (size_t)-1)
		return EINVAL;            /* HDR must come first */
	e->mb->buf[e->np_pos] = pt;
	e->np_pos = e->mb->pos;
	return mbuf_write_u8(e->mb, MIKEY_PT_LAST);
}


static int enc_map(struct mbuf *mb, const struct mikey_hdr *h)
{
	size_t i;
	int err = 0;

	switch (h->map) {

	case MIKEY_MAP_EMPTY:
		return h->ncs ? EINVAL : 0;

	case MIKEY_MAP_SRTP_ID:
		for (i = 0; i < h->ncs; i++) {
			uint32_t ssrc = 0, roc = 0;

			(void)mikey_cs_srtp_get(&h->cs[i], &ssrc, &roc, NULL);
			err |= mbuf_write_u8(mb, h->cs[i].np ?
					     h->cs[i].pv[0] : 0);
			err |= mbuf_write_u32(mb, htonl(ssrc));
			err |= mbuf_write_u32(mb, htonl(roc));
		}
		return err;

	case MIKEY_MAP_GENERIC_ID:
		for (i = 0; i < h->ncs; i++) {
			const struct mikey_cs *cs = &h->cs[i];

			if (cs->np > MIKEY_P_MAX || cs->sd_len > MIKEY_SD_MAX
			    || cs->spi_len > MIKEY_SPI_MAX)
				return EINVAL;
			err |= mbuf_write_u8(mb, cs->id);
			err |= mbuf_write_u8(mb, cs->prot);
			err |= mbuf_write_u8(mb, (uint8_t)(cs->s << 7 |
							   cs->np));
			err |= mbuf_write_mem(mb, cs->pv, cs->np);
			err |= mbuf_write_u16(mb, htons(cs->sd_len));
			err |= mbuf_write_mem(mb, cs->sd, cs->sd_len);
			err |= mbuf_write_u8(mb, cs->spi_len);
			err |= mbuf_write_mem(mb, cs->spi, cs->spi_len);
		}
		return err;

	default:
		return EINVAL;
	}
}


int mikey_enc_hdr(struct mikey_enc *e, const struct mikey_hdr *h)
{
	struct mbuf *mb = e->mb;
	int err = 0;

	if (!h || h->ncs > MIKEY_CS_MAX || h->prf > 0x7f)
		return EINVAL;

	err |= mbuf_write_u8(mb, h->version);
	err |= mbuf_write_u8(mb, h->dt);
	e->np_pos = mb->pos;
	err |= mbuf_write_u8(mb, MIKEY_PT_LAST);
	err |= mbuf_write_u8(mb, (uint8_t)(h->v << 7 | h->prf));
	err |= mbuf_write_u32(mb, htonl(h->csb_id));
	err |= mbuf_write_u8(mb, h->ncs);
	err |= mbuf_write_u8(mb, h->map);
	if (err)
		return err;

	return enc_map(mb, h);
}


int mikey_enc_thdr(struct mikey_enc *e, const uint8_t *data, size_t len)
{
	int err = 0;

	if (len > 0xffff)
		return EINVAL;
	e->np_pos = e->mb->pos;
	err |= mbuf_write_u8(e->mb, MIKEY_PT_LAST);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)len));
	if (len)
		err |= mbuf_write_mem(e->mb, data, len);
	return err;
}


static int enc_ts(struct mbuf *mb, uint8_t type, uint64_t ntp)
{
	switch (type) {
	case MIKEY_TS_NTP_UTC:
	case MIKEY_TS_NTP:
		return mbuf_write_u32(mb, htonl((uint32_t)(ntp >> 32))) |
			mbuf_write_u32(mb, htonl((uint32_t)ntp));
	case MIKEY_TS_COUNTER:
		return mbuf_write_u32(mb, htonl((uint32_t)ntp));
	case MIKEY_TS_NTP_UTC_32:
		return mbuf_write_u32(mb, htonl((uint32_t)(ntp >> 32)));
	default:
		return EINVAL;
	}
}


int mikey_enc_t(struct mikey_enc *e, uint8_t type, uint64_t ntp)
{
	int err = begin(e, MIKEY_PT_T);

	if (err)
		return err;
	err = mbuf_write_u8(e->mb, type);
	return err ? err : enc_ts(e->mb, type, ntp);
}


int mikey_enc_tr(struct mikey_enc *e, uint8_t role, uint8_t type,
		 uint64_t ntp)
{
	int err = begin(e, MIKEY_PT_TR);

	if (err)
		return err;
	err = mbuf_write_u8(e->mb, role) | mbuf_write_u8(e->mb, type);
	return err ? err : enc_ts(e->mb, type, ntp);
}


int mikey_enc_rand(struct mikey_enc *e, uint8_t role, const uint8_t *p,
		   size_t len)
{
	int err;

	if (!p || len == 0 || len > 255)
		return EINVAL;
	err = begin(e, role == MIKEY_RAND_PLAIN ? MIKEY_PT_RAND :
		    MIKEY_PT_RANDR);
	if (err)
		return err;
	if (role != MIKEY_RAND_PLAIN)
		err |= mbuf_write_u8(e->mb, role);
	err |= mbuf_write_u8(e->mb, (uint8_t)len);
	err |= mbuf_write_mem(e->mb, p, len);
	return err;
}


int mikey_enc_id(struct mikey_enc *e, uint8_t role, uint8_t type,
		 const uint8_t *p, size_t len)
{
	int err;

	if ((!p && len) || len > 0xffff)
		return EINVAL;
	err = begin(e, role ? MIKEY_PT_IDR : MIKEY_PT_ID);
	if (err)
		return err;
	if (role)
		err |= mbuf_write_u8(e->mb, role);
	err |= mbuf_write_u8(e->mb, type);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)len));
	if (len)
		err |= mbuf_write_mem(e->mb, p, len);
	return err;
}


int mikey_enc_sp(struct mikey_enc *e, uint8_t no, uint8_t prot,
		 const uint8_t *param, size_t len)
{
	int err;

	if ((!param && len) || len > 0xffff)
		return EINVAL;
	err = begin(e, MIKEY_PT_SP);
	if (err)
		return err;
	err |= mbuf_write_u8(e->mb, no);
	err |= mbuf_write_u8(e->mb, prot);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)len));
	if (len)
		err |= mbuf_write_mem(e->mb, param, len);
	return err;
}


int mikey_enc_err(struct mikey_enc *e, uint8_t errnum)
{
	int err = begin(e, MIKEY_PT_ERR);

	if (err)
		return err;
	return mbuf_write_u8(e->mb, errnum) | mbuf_write_u16(e->mb, 0);
}


int mikey_enc_gext(struct mikey_enc *e, uint8_t type, const uint8_t *p,
		   size_t len)
{
	int err;

	if ((!p && len) || len > 0xffff)
		return EINVAL;
	err = begin(e, MIKEY_PT_GENEXT);
	if (err)
		return err;
	err |= mbuf_write_u8(e->mb, type);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)len));
	if (len)
		err |= mbuf_write_mem(e->mb, p, len);
	return err;
}


int mikey_enc_tp(struct mikey_enc *e, const struct mikey_tp *tp,
		 const uint8_t *tp_data, size_t tp_len,
		 const uint8_t *ticket_data, size_t td_len,
		 const uint8_t *init_data, size_t id_len)
{
	struct mbuf *mb = e->mb;
	bool ticket = ticket_data != NULL;
	int err;

	if (!tp || tp->prf > 0x7f || tp_len > 0xffff || td_len > 0xffff ||
	    id_len > 0xffff || (!tp_data && tp_len) ||
	    (!init_data && id_len))
		return EINVAL;

	err = begin(e, ticket ? MIKEY_PT_TICKET : MIKEY_PT_TP);
	if (err)
		return err;

	err |= mbuf_write_u16(mb, htons(tp->type));
	err |= mbuf_write_u8(mb, tp->subtype);
	err |= mbuf_write_u8(mb, tp->version);
	err |= mbuf_write_u8(mb, (uint8_t)(tp->prf << 1 |
					   !!(tp->flags & MIKEY_TP_D)));
	err |= mbuf_write_u8(mb, (uint8_t)(tp->flags >> 8));
	err |= mbuf_write_u8(mb, (uint8_t)(tp->flags & 0xe0));
	err |= mbuf_write_u16(mb, htons((uint16_t)tp_len));
	if (tp_len)
		err |= mbuf_write_mem(mb, tp_data, tp_len);
	if (ticket) {
		err |= mbuf_write_u16(mb, htons((uint16_t)td_len));
		if (td_len)
			err |= mbuf_write_mem(mb, ticket_data, td_len);
		err |= mbuf_write_u16(mb, htons((uint16_t)id_len));
		if (id_len)
			err |= mbuf_write_mem(mb, init_data, id_len);
	}
	return err;
}


int mikey_enc_kemac(struct mikey_enc *e, uint8_t encr, const uint8_t *data,
		    size_t len, uint8_t mac_alg, size_t *mac_off)
{
	size_t ml = mikey_mac_len(mac_alg);
	int err;

	if (ml == (size_t)-1 || len > 0xffff || (!data && len))
		return EINVAL;
	err = begin(e, MIKEY_PT_KEMAC);
	if (err)
		return err;
	err |= mbuf_write_u8(e->mb, encr);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)len));
	if (len)
		err |= mbuf_write_mem(e->mb, data, len);
	err |= mbuf_write_u8(e->mb, mac_alg);
	if (mac_off)
		*mac_off = e->mb->pos;
	if (ml)
		err |= mbuf_fill(e->mb, 0, ml);
	return err;
}


int mikey_enc_v(struct mikey_enc *e, uint8_t alg, size_t *mac_off)
{
	size_t ml = mikey_mac_len(alg);
	int err;

	if (ml == (size_t)-1)
		return EINVAL;
	err = begin(e, MIKEY_PT_V);
	if (err)
		return err;
	err |= mbuf_write_u8(e->mb, alg);
	if (mac_off)
		*mac_off = e->mb->pos;
	if (ml)
		err |= mbuf_fill(e->mb, 0, ml);
	return err;
}


int mikey_keys_encode(struct mbuf *mb, const struct mikey_key *kv, size_t n)
{
	size_t i;
	int err = 0;

	if (!mb || (!kv && n))
		return EINVAL;

	for (i = 0; i < n; i++) {
		const struct mikey_key *k = &kv[i];
		bool salt = k->type == MIKEY_KEY_TGK_SALT ||
			k->type == MIKEY_KEY_TEK_SALT ||
			k->type == MIKEY_KEY_GTGK_SALT;

		if (k->type > MIKEY_KEY_MPK || k->key_len > MIKEY_KEY_MAX ||
		    k->salt_len > MIKEY_SALT_MAX ||
		    k->spi_len > MIKEY_SPI_MAX || k->kv == MIKEY_KV_INTERVAL)
			return EINVAL;

		err |= mbuf_write_u8(mb, i + 1 < n ? MIKEY_PT_KEYDATA :
				     MIKEY_PT_LAST);
		err |= mbuf_write_u8(mb, (uint8_t)(k->type << 4 | k->kv));
		err |= mbuf_write_u16(mb, htons(k->key_len));
		err |= mbuf_write_mem(mb, k->key, k->key_len);
		if (salt) {
			err |= mbuf_write_u16(mb, htons(k->salt_len));
			err |= mbuf_write_mem(mb, k->salt, k->salt_len);
		}
		if (k->kv == MIKEY_KV_SPI) {
			err |= mbuf_write_u8(mb, k->spi_len);
			err |= mbuf_write_mem(mb, k->spi, k->spi_len);
		}
	}
	return err;
}


int mikey_srtp_pol_encode(struct mbuf *mb, const struct mikey_srtp_pol *p)
{
	const uint8_t tv[][2] = {
		{0, p->encr_alg}, {1, p->encr_len}, {2, p->auth_alg},
		{3, p->auth_len}, {4, p->salt_len}, {5, 0},
		{7, p->srtp_encr}, {8, p->srtcp_encr}, {10, p->srtp_auth},
		{11, p->tag_len},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(tv); i++) {
		err |= mbuf_write_u8(mb, tv[i][0]);
		err |= mbuf_write_u8(mb, 1);
		err |= mbuf_write_u8(mb, tv[i][1]);
	}
	return err;
}


int mikey_enc_ticket_raw(struct mikey_enc *e, const uint8_t *body, size_t len,
			 const uint8_t *init_data, size_t id_len)
{
	int err;

	if (!body || !len || id_len > 0xffff || (!init_data && id_len))
		return EINVAL;
	err = begin(e, MIKEY_PT_TICKET);
	if (err)
		return err;
	err |= mbuf_write_mem(e->mb, body, len);
	err |= mbuf_write_u16(e->mb, htons((uint16_t)id_len));
	if (id_len)
		err |= mbuf_write_mem(e->mb, init_data, id_len);
	return err;
}

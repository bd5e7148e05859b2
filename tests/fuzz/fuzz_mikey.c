/**
 * @file fuzz_mikey.c  Fuzz the MIKEY decoder and the roles that parse
 *
 * The input goes, as an exact-size heap copy, to mikey_decode(), the
 * chain and Ticket Data decoders, the Key data decoder, the SRTP policy
 * decoder, the KMS (REQUEST/RESOLVE with a fixed user) and the
 * responder's early checks.  None may read out of bounds or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t psk[16] = {1};
static const uint8_t tpk[32] = {2};
static const struct mikey_kms_user user = {"sip:a@b", psk, sizeof(psk)};


static const struct mikey_kms_user *user_h(const uint8_t *id, size_t len,
					   void *arg)
{
	(void)id; (void)len; (void)arg;
	return &user;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mikey_msg m;
	struct mikey_key kv[MIKEY_KEYS_MAX];
	struct mikey_srtp_pol pol;
	struct mikey_kms kms;
	struct mikey_resp *mr = NULL;
	struct mbuf *mb = NULL;
	struct mikey_bytes b;
	uint8_t *buf, merr;
	size_t n, i;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	if (mikey_decode(&m, buf, size) == 0) {
		/* whatever decoded lies inside the input */
		for (i = 0; i < m.idc; i++)
			if (m.idv[i].data.p + m.idv[i].data.l > buf + size)
				abort();
		if (m.vc && m.vv[0].mac_off + m.vv[0].mac.l > size)
			abort();
		if (m.has_tp && m.tp.ticket &&
		    m.tp.idlen_off + 2 > size)
			abort();
	}
	(void)mikey_decode_chain(&m, buf, size);
	(void)mikey_decode_ticket_data(&m, buf, size);
	if (mikey_keys_decode(kv, MIKEY_KEYS_MAX, &n, buf, size) == 0)
		mikey_keys_wipe(kv, n);
	b.p = buf;
	b.l = size;
	(void)mikey_srtp_pol_decode(&pol, &b);

	memset(&kms, 0, sizeof(kms));
	mikey_cfg_default(&kms.cfg);
	kms.cfg.skew = 0xffffffff;       /* let old timestamps through */
	kms.kms_id = "kms";
	kms.tpk = tpk;
	kms.tpk_len = sizeof(tpk);
	kms.max_lifetime = 60;
	kms.userh = user_h;
	(void)mikey_kms_handle(&kms, buf, size, &mb);
	mem_deref(mb);

	if (mikey_resp_alloc(&mr, &kms.cfg, "sip:f@b", psk, sizeof(psk),
			     "kms", NULL, buf, size, "mikey", &merr) == 0) {
		mb = NULL;
		(void)mikey_resp_resolve_init(mr, &mb);
		mem_deref(mb);
		mem_deref(mr);
	}

	free(buf);
	return 0;
}

/**
 * @file sdp_crypto.c  Choosing among offered a=crypto lines and
 * answering with our own key (RFC 4568 7.1), for any RTP m-line.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "keying/sdes.h"
#include "focus/stream_int.h"
#include "focus/sdp_crypto_int.h"


/* Suites in our order of preference when several are offered. */
static const enum sdes_suite suite_pref[] = {
	SDES_AEAD_AES_256_GCM,
	SDES_AEAD_AES_128_GCM,
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
};


static bool crypto_handler(const char *name, const char *value, void *arg)
{
	struct cryptopick *pick = arg;
	struct sdes_crypto c;
	struct pl pl;
	size_t i;
	(void)name;

	++pick->seen;
	pl_set_str(&pl, value);

	if (sdes_decode(&c, &pl))
		return false;

	/* What our SRTP cannot honour is simply not acceptable: several
	 * keys (MKI switching), a KDR, or switched-off services. */
	if (c.keyc != 1 || c.kdr || c.unknown_mandatory ||
	    c.unencrypted_srtp || c.unauthenticated_srtp ||
	    c.fec_order_srtp_fec)
		goto next;

	for (i = 0; i < ARRAY_SIZE(suite_pref); i++) {
		if (c.suite != suite_pref[i])
			continue;
		if (pick->rank < 0 || (int)i < pick->rank) {
			sdes_wipe(&pick->best);
			pick->best = c;
			pick->rank = (int)i;
			return false;
		}
	}

 next:
	sdes_wipe(&c);
	return false;
}


void cryptopick_init(struct cryptopick *pick)
{
	memset(pick, 0, sizeof(*pick));
	pick->rank = -1;
}


void cryptopick_wipe(struct cryptopick *pick)
{
	sdes_wipe(&pick->best);
}


void cryptopick_offer(struct cryptopick *pick, const struct sdp_media *m)
{
	cryptopick_init(pick);
	sdp_media_rattr_apply(m, "crypto", crypto_handler, pick);
}


int cryptopick_answer(struct sdp_media *m, struct sdes_crypto *tx,
		     bool *tx_valid, const struct cryptopick *pick)
{
	sdp_media_del_lattr(m, "crypto");

	if (!pick || pick->rank < 0) {
		if (*tx_valid)
			sdes_wipe(tx);
		*tx_valid = false;
		return 0;
	}

	/* A fresh key unless we answered this suite and tag before: keys
	 * are per participant and per stream, never shared. */
	if (!*tx_valid || tx->suite != pick->best.suite ||
	    tx->tag != pick->best.tag) {
		int err;

		sdes_wipe(tx);
		*tx_valid = false;
		err = sdes_generate(tx, pick->best.tag, pick->best.suite);
		if (err)
			return err;
		*tx_valid = true;
	}

	return sdp_media_set_lattr(m, false, "crypto", "%H", sdes_encode, tx);
}


/* The SRTP policy applied to one RTP m-line: may it go ahead, and with
 * which key?  Fills ne and returns EPROTO when it may not. */
int cryptopick_policy(const struct cryptopick *pick, const struct sdp_media *m,
		     enum confdef_srtp policy, struct negotiation_error *ne)
{
	bool savp = !str_casecmp(sdp_media_proto(m), "RTP/SAVP");

	if (policy == CONFDEF_SRTP_OFF && savp) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "SRTP is switched off for this conference";
		return EPROTO;
	}

	if (policy != CONFDEF_SRTP_OFF && pick->rank < 0 &&
	    (savp || policy == CONFDEF_SRTP_REQUIRED)) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = pick->seen ? "No acceptable crypto suite"
			: "SRTP required: no a=crypto offered";
		return EPROTO;
	}

	return 0;
}

/**
 * @file tls.c  Per-participant TLS context of an MSRP stream: pinned to
 * the peer's a=fingerprint (keying/tlsfp.h) or the focus's TLS-PSK
 * context (keying/tlspsk.h).
 */
#include <re.h>
#include "keying/tlsfp.h"
#include "msrp/msrp.h"
#include "msrp/tls_int.h"


struct msrp_tls {
	struct tls *tls;
	struct tlsfp *pin;       /* NULL: TLS-PSK */
};


static void destructor(void *arg)
{
	struct msrp_tls *t = arg;

	mem_deref(t->tls);
	mem_deref(t->pin);
}


int msrp_tls_alloc(struct msrp_tls **tp, const struct msrp_tls_cfg *cfg)
{
	struct msrp_tls *t;
	int err = 0;

	if (!tp || !cfg || !cfg->cert)
		return EINVAL;
	if (!!cfg->fingerprint == !!cfg->psk_tls)
		return EINVAL;          /* exactly one way to authenticate */

	t = mem_zalloc(sizeof(*t), destructor);
	if (!t)
		return ENOMEM;

	if (cfg->psk_tls) {
		t->tls = mem_ref(cfg->psk_tls);
	}
	else {
		err = tlsfp_alloc(&t->pin, cfg->cert, cfg->fingerprint);
		if (!err)
			t->tls = mem_ref(tlsfp_tls(t->pin));
	}

	if (err)
		mem_deref(t);
	else
		*tp = t;
	return err;
}


struct tls *msrp_tls_ctx(const struct msrp_tls *t)
{
	return t ? t->tls : NULL;
}


int msrp_tls_check(const struct msrp_tls *t, const struct tls_conn *tc)
{
	if (!t || !tc)
		return EINVAL;

	/* a completed TLS-PSK handshake proves the TEK */
	return t->pin ? tlsfp_check(t->pin, tc) : 0;
}

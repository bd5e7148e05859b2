/**
 * @file sdp_dtls.c  DTLS-SRTP offers and answers (sdp_dtls_int.h).
 */
#include <string.h>
#include <re.h>
#include "keying/tcpsetup.h"
#include "keying/tlsfp.h"
#include "media/media.h"
#include "focus/focus_int.h"
#include "focus/stream_int.h"
#include "focus/sdp_dtls_int.h"


static bool is_dtls_proto(const char *proto)
{
	return proto && (!str_casecmp(proto, "UDP/TLS/RTP/SAVP") ||
			 !str_casecmp(proto, "UDP/TLS/RTP/SAVPF"));
}


int dtlspick_offer(struct dtlspick *d, const struct participant *p,
		   const struct sdp_media *m, struct negotiation_error *ne)
{
	struct tlsfp_digest dig;
	enum tcpsetup setup;
	int err;

	memset(d, 0, sizeof(*d));
	d->mux = sdp_media_rattr(m, "rtcp-mux") != NULL;

	if (!is_dtls_proto(sdp_media_proto(m)))
		return 0;
	d->offered = true;

	d->fingerprint = oa_rattr(p, m, "fingerprint");
	if (!d->fingerprint) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "DTLS-SRTP offered without a=fingerprint";
		return EPROTO;
	}
	err = tlsfp_decode(&dig, d->fingerprint);
	if (err) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = err == ENOTSUP ?
			"a=fingerprint hash function not supported" :
			"Malformed a=fingerprint";
		return EPROTO;
	}

	if (tcpsetup_decode(oa_rattr(p, m, "setup"), &setup) ||
	    setup == TCPSETUP_HOLDCONN ||
	    tcpsetup_answer(setup, &d->ours)) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "DTLS-SRTP needs a=setup actpass, active or "
			"passive";
		return EPROTO;
	}

	return 0;
}


int dtlspick_answer(struct sdp_media *m, const struct focus *f,
		    const struct dtlspick *d)
{
	int err;

	/* RFC 5761 5.1.1: multiplexing is answered when offered; we take
	 * RTCP on the RTP port in any case (consent_int.h) */
	if (d->mux)
		err = sdp_media_set_lattr(m, true, "rtcp-mux", NULL);
	else
		err = (sdp_media_del_lattr(m, "rtcp-mux"), 0);
	if (err)
		return err;

	if (!d->offered) {
		sdp_media_del_lattr(m, "fingerprint");
		sdp_media_del_lattr(m, "setup");
		return 0;
	}

	if (!f->fingerprint[0])
		return ENOENT;

	err = sdp_media_set_lattr(m, true, "fingerprint", "sha-256 %s",
				  f->fingerprint);
	err |= sdp_media_set_lattr(m, true, "setup", "%s",
				   tcpsetup_name(d->ours));

	return err;
}


int dtlspick_pin(struct tlsfp **pinp, const struct focus *f,
		 const struct dtlspick *d)
{
	struct tlsfp *pin;
	int err;

	if (!f->tls)
		return ENOENT;

	if (*pinp && tlsfp_same(*pinp, d->fingerprint))
		return 0;

	err = tlsfp_alloc_dtls(&pin, f->tls, d->fingerprint,
			       MEDIA_DTLS_SRTP_PROFILES);
	if (err)
		return err;

	mem_deref(*pinp);
	*pinp = pin;
	return 0;
}

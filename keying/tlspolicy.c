/**
 * @file tlspolicy.c  confd's TLS versions and cipher suites (tlspolicy.h).
 */
#include <openssl/ssl.h>
#include <re.h>
#include "keying/tlspolicy.h"


int tlspolicy_apply(struct tls *tls, enum tlspolicy_auth auth)
{
	SSL_CTX *ctx = tls ? tls_openssl_context(tls) : NULL;

	if (!ctx)
		return EINVAL;

	/* DTLS has its own version numbers: DTLS 1.2 is TLS 1.2's twin
	 * (RFC 6347); DTLS 1.0 (TLS 1.1's) is not taken */
	if (auth == TLSPOLICY_DTLS) {
		if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
		    !SSL_CTX_set_cipher_list(ctx, TLSPOLICY_CIPHERS ":!aPSK"))
			return EINVAL;
		return 0;
	}

	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		return EINVAL;

	switch (auth) {

	case TLSPOLICY_CERT:
		/* the certificate half of the one list */
		if (!SSL_CTX_set_cipher_list(ctx, TLSPOLICY_CIPHERS ":!aPSK")
		    || !SSL_CTX_set_ciphersuites(ctx, TLSPOLICY_CIPHERS_TLS13))
			return EINVAL;
		return 0;

	case TLSPOLICY_PSK:
		/* the PSK half; TLS 1.2 only (see tlspolicy.h) */
		if (!SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) ||
		    !SSL_CTX_set_cipher_list(ctx, TLSPOLICY_CIPHERS
					     ":!aECDSA:!aRSA"))
			return EINVAL;
		return 0;

	default:
		return EINVAL;
	}
}

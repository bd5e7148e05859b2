/**
 * @file tlspsk.c  TLS-PSK server contexts from MIKEY-TICKET TEKs.
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/tlspolicy.h"
#include "keying/tlspsk.h"


enum { PSK_MAX = 64 };

struct tlspsk {
	struct tls *tls;
	uint8_t psk[PSK_MAX];
	size_t len;
};

static int ex_index = -1;


static void destructor(void *arg)
{
	struct tlspsk *tp = arg;
	SSL_CTX *ctx = tp->tls ? tls_openssl_context(tp->tls) : NULL;

	if (ctx)
		SSL_CTX_set_ex_data(ctx, ex_index, NULL);
	mem_deref(tp->tls);
	OPENSSL_cleanse(tp->psk, sizeof(tp->psk));
}


static unsigned int psk_server_cb(SSL *ssl, const char *identity,
				  unsigned char *psk,
				  unsigned int max_psk_len)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	const struct tlspsk *tp = ctx ? SSL_CTX_get_ex_data(ctx, ex_index)
		: NULL;

	/* Annex H: the identity is empty; anything else is not ours */
	if (!tp || (identity && identity[0]) || tp->len > max_psk_len)
		return 0;

	memcpy(psk, tp->psk, tp->len);
	return (unsigned int)tp->len;
}


/* confd as the TLS client (a=setup:active): empty identity as well */
static unsigned int psk_client_cb(SSL *ssl, const char *hint,
				  char *identity, unsigned int max_id_len,
				  unsigned char *psk, unsigned int max_psk_len)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	const struct tlspsk *tp = ctx ? SSL_CTX_get_ex_data(ctx, ex_index)
		: NULL;
	(void)hint;

	if (!tp || !max_id_len || tp->len > max_psk_len)
		return 0;

	identity[0] = '\0';
	memcpy(psk, tp->psk, tp->len);
	return (unsigned int)tp->len;
}


int tlspsk_alloc(struct tlspsk **tpp, const uint8_t *psk, size_t len)
{
	struct tlspsk *tp;
	SSL_CTX *ctx;
	int err;

	if (!tpp || !psk || !len || len > PSK_MAX)
		return EINVAL;

	if (ex_index < 0) {
		ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
		if (ex_index < 0)
			return ENOMEM;
	}

	tp = mem_zalloc(sizeof(*tp), destructor);
	if (!tp)
		return ENOMEM;

	memcpy(tp->psk, psk, len);
	tp->len = len;

	err = tls_alloc(&tp->tls, TLS_METHOD_SSLV23, NULL, NULL);
	if (err)
		goto out;

	err = tlspolicy_apply(tp->tls, TLSPOLICY_PSK);
	if (err)
		goto out;

	ctx = tls_openssl_context(tp->tls);
	if (!SSL_CTX_set_ex_data(ctx, ex_index, tp)) {
		err = EINVAL;
		goto out;
	}

	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
	SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);

 out:
	if (err)
		mem_deref(tp);
	else
		*tpp = tp;

	return err;
}


struct tls *tlspsk_tls(const struct tlspsk *tp)
{
	return tp ? tp->tls : NULL;
}

/**
 * @file msrp_tls.c  Per-participant TLS context: pinned fingerprint or PSK
 */
#include <ctype.h>
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "msrp/msrp.h"
#include "msrp/tls_int.h"


#define DEBUG_MODULE "msrp_tls"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


enum { FP_MAX = EVP_MAX_MD_SIZE };

struct msrp_tls {
	struct tls *tls;
	bool psk;                /* tls is the focus's TLS-PSK context */
	char alg[16];
	const EVP_MD *md;
	uint8_t fp[FP_MAX];
	size_t fp_len;
};


static int ex_idx = -1;


static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}


int msrp_fp_decode(const char *s, char *alg, size_t alg_sz, uint8_t *md,
		   size_t *md_len)
{
	const char *sp;
	size_t n = 0, i;

	if (!s || !alg || !md || !md_len)
		return EINVAL;

	sp = strchr(s, ' ');
	if (!sp || sp == s || (size_t)(sp - s) >= alg_sz)
		return EBADMSG;
	memcpy(alg, s, sp - s);
	alg[sp - s] = '\0';
	for (i = 0; alg[i]; i++)
		alg[i] = (char)tolower((unsigned char)alg[i]);

	for (s = sp; *s == ' '; s++)
		;
	/* RFC 8122: 2UHEX *(":" 2UHEX); lower case accepted too */
	while (*s) {
		int a = hexval(s[0]), b = a >= 0 ? hexval(s[1]) : -1;
		if (a < 0 || b < 0 || n >= *md_len)
			return EBADMSG;
		md[n++] = (uint8_t)(a << 4 | b);
		s += 2;
		if (*s == ':')
			++s;
		else if (*s)
			return EBADMSG;
	}
	if (!n)
		return EBADMSG;

	*md_len = n;
	return 0;
}


static const EVP_MD *md_by_name(const char *alg)
{
	if (!strcmp(alg, "sha-1"))   return EVP_sha1();
	if (!strcmp(alg, "sha-224")) return EVP_sha224();
	if (!strcmp(alg, "sha-256")) return EVP_sha256();
	if (!strcmp(alg, "sha-384")) return EVP_sha384();
	if (!strcmp(alg, "sha-512")) return EVP_sha512();
	return NULL;   /* md5/md2 are not taken (RFC 8122 s.5) */
}


static bool cert_matches(const struct msrp_tls *t, X509 *x)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!x || !t->md || !X509_digest(x, t->md, md, &mdlen))
		return false;

	return mdlen == t->fp_len && CRYPTO_memcmp(md, t->fp, mdlen) == 0;
}


/* Self-signed certificates are the norm here: the chain does not
 * matter, the leaf's digest does (RFC 4975 s.14.4, RFC 8122). */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
				SSL_get_ex_data_X509_STORE_CTX_idx());
	const struct msrp_tls *t;
	(void)ok;

	if (!ssl)
		return 0;
	t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_idx);
	if (!t)
		return 0;

	if (X509_STORE_CTX_get_error_depth(xs) > 0)
		return 1;

	if (!cert_matches(t, X509_STORE_CTX_get_current_cert(xs))) {
		DEBUG_NOTICE("peer certificate does not match a=fingerprint\n");
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return 0;
	}

	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}


static void destructor(void *arg)
{
	struct msrp_tls *t = arg;

	if (t->tls && !t->psk)
		SSL_CTX_set_ex_data(tls_openssl_context(t->tls), ex_idx, NULL);
	mem_deref(t->tls);
}


int msrp_tls_alloc(struct msrp_tls **tp, const struct msrp_tls_cfg *cfg)
{
	static const char *ciphers =
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
		"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
		"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
	struct msrp_tls *t;
	SSL_CTX *ctx, *parent;
	int err;

	if (!tp || !cfg || !cfg->cert)
		return EINVAL;
	if (!!cfg->fingerprint == !!cfg->psk_tls)
		return EINVAL;          /* exactly one way to authenticate */

	if (ex_idx < 0) {
		ex_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
		if (ex_idx < 0)
			return ENOMEM;
	}

	t = mem_zalloc(sizeof(*t), destructor);
	if (!t)
		return ENOMEM;

	/* TLS-PSK: the context keying/tlspsk.c made from the TEK */
	if (cfg->psk_tls) {
		t->tls = mem_ref(cfg->psk_tls);
		t->psk = true;
		*tp = t;
		return 0;
	}

	t->fp_len = sizeof(t->fp);
	err = msrp_fp_decode(cfg->fingerprint, t->alg, sizeof(t->alg), t->fp,
			     &t->fp_len);
	if (err)
		goto out;
	t->md = md_by_name(t->alg);
	if (!t->md || (size_t)EVP_MD_get_size(t->md) != t->fp_len) {
		err = EINVAL;
		goto out;
	}

	err = tls_alloc(&t->tls, TLS_METHOD_SSLV23, NULL, NULL);
	if (err)
		goto out;

	ctx = tls_openssl_context(t->tls);
	parent = tls_openssl_context(cfg->cert);
	err = EINVAL;
	if (!ctx || !parent || !SSL_CTX_set_ex_data(ctx, ex_idx, t))
		goto out;

	/* confd's own certificate, shared with the parent context */
	if (!SSL_CTX_get0_certificate(parent) ||
	    SSL_CTX_use_certificate(ctx, SSL_CTX_get0_certificate(parent))
	    != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, SSL_CTX_get0_privatekey(parent)) != 1)
		goto out;

	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		goto out;

	if (!SSL_CTX_set_cipher_list(ctx, ciphers))
		goto out;
	/* ask for the client certificate; the verify callback pins it (and
	 * the server's, when we are the client) */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	err = 0;

 out:
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
	uint8_t md[32];
	enum tls_fingerprint type;
	size_t len;

	if (!t || !tc)
		return EINVAL;
	if (t->psk)
		return 0;   /* a completed TLS-PSK handshake proves the TEK */

	/* the verify callback already decided; check again where libre
	 * can tell us the digest (sha-1 and sha-256) */
	if (!strcmp(t->alg, "sha-256")) {
		type = TLS_FINGERPRINT_SHA256;
		len = 32;
	}
	else if (!strcmp(t->alg, "sha-1")) {
		type = TLS_FINGERPRINT_SHA1;
		len = 20;
	}
	else
		return 0;

	if (tls_peer_fingerprint(tc, type, md, len))
		return EAUTH;
	return (len == t->fp_len && !CRYPTO_memcmp(md, t->fp, len)) ?
		0 : EAUTH;
}

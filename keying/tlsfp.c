/**
 * @file tlsfp.c  Fingerprint-pinned TLS contexts (tlsfp.h).
 */
#include <string.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/tlspolicy.h"
#include "keying/tlsfp.h"


#define DEBUG_MODULE "tlsfp"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


struct tlsfp {
	struct tls *tls;
	struct tlsfp_digest pin;
	const EVP_MD *md;
	unsigned mismatches;        /* leaf certificates refused */
};

static const struct {
	const char *name;
	enum tlsfp_hash hash;
	size_t len;
} hashes[] = {
	{"sha-1",   TLSFP_SHA1,   20},
	{"sha-224", TLSFP_SHA224, 28},
	{"sha-256", TLSFP_SHA256, 32},
	{"sha-384", TLSFP_SHA384, 48},
	{"sha-512", TLSFP_SHA512, 64},
};

static int ex_idx = -1;


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


int tlsfp_decode(struct tlsfp_digest *d, const char *value)
{
	const char *s = value, *name;
	size_t nlen, n = 0, want = 0, i;

	if (!d || !value)
		return EINVAL;

	while (is_ws(*s))
		++s;
	name = s;
	while (*s && !is_ws(*s))
		++s;
	nlen = (size_t)(s - name);
	if (!nlen || !*s)
		return EBADMSG;         /* no hash-func, or nothing after it */

	for (i = 0; i < ARRAY_SIZE(hashes); i++) {
		if (strlen(hashes[i].name) == nlen &&
		    !strncasecmp(hashes[i].name, name, nlen)) {
			d->hash = hashes[i].hash;
			want = hashes[i].len;
			break;
		}
	}
	if (!want)
		return ENOTSUP;

	while (is_ws(*s))
		++s;

	/* 2HEX *(":" 2HEX), then only trailing white space */
	for (;;) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0 || n == want)
			return EBADMSG;
		d->md[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s != ':')
			break;
		++s;
	}
	while (is_ws(*s))
		++s;
	if (*s || n != want)
		return EBADMSG;

	d->len = n;
	return 0;
}


static const EVP_MD *md_of(enum tlsfp_hash h)
{
	switch (h) {

	case TLSFP_SHA1:   return EVP_sha1();
	case TLSFP_SHA224: return EVP_sha224();
	case TLSFP_SHA256: return EVP_sha256();
	case TLSFP_SHA384: return EVP_sha384();
	case TLSFP_SHA512: return EVP_sha512();
	default:           return NULL;
	}
}


static bool cert_matches(const struct tlsfp *tf, X509 *x)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!x || !X509_digest(x, tf->md, md, &mdlen))
		return false;

	return mdlen == tf->pin.len &&
		CRYPTO_memcmp(md, tf->pin.md, mdlen) == 0;
}


/* Only the leaf counts (RFC 4975 14.4, RFC 8122 6.2): an issuer the
 * peer sends along is neither needed nor trusted. */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs,
				SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tlsfp *tf;
	(void)ok;

	if (!ssl)
		return 0;
	tf = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_idx);
	if (!tf)
		return 0;

	if (X509_STORE_CTX_get_error_depth(xs) > 0)
		return 1;

	if (!cert_matches(tf, X509_STORE_CTX_get_current_cert(xs))) {
		DEBUG_NOTICE("peer certificate does not match a=fingerprint\n");
		++tf->mismatches;
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return 0;
	}

	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return 1;
}


static void destructor(void *arg)
{
	struct tlsfp *tf = arg;
	SSL_CTX *ctx = tf->tls ? tls_openssl_context(tf->tls) : NULL;

	/* the SSL_CTX may outlive us inside a tls_conn */
	if (ctx)
		SSL_CTX_set_ex_data(ctx, ex_idx, NULL);
	mem_deref(tf->tls);
}


static int alloc(struct tlsfp **tfp, struct tls *cert,
		 const char *fingerprint, const char *srtp)
{
	SSL_CTX *ctx, *parent;
	struct tlsfp *tf;
	X509 *x;
	EVP_PKEY *pk;
	int err;

	if (!tfp || !cert || !fingerprint)
		return EINVAL;

	parent = tls_openssl_context(cert);
	x  = parent ? SSL_CTX_get0_certificate(parent) : NULL;
	pk = parent ? SSL_CTX_get0_privatekey(parent) : NULL;
	if (!x || !pk)
		return EINVAL;

	if (ex_idx < 0) {
		ex_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
		if (ex_idx < 0)
			return ENOMEM;
	}

	tf = mem_zalloc(sizeof(*tf), destructor);
	if (!tf)
		return ENOMEM;

	err = tlsfp_decode(&tf->pin, fingerprint);
	if (err)
		goto out;
	tf->md = md_of(tf->pin.hash);
	if (!tf->md) {
		err = ENOTSUP;
		goto out;
	}

	/* a context of our own: asking peers for a certificate must not
	 * change confd's shared one (SIP over TLS uses it) */
	err = tls_alloc(&tf->tls, srtp ? TLS_METHOD_DTLS : TLS_METHOD_SSLV23,
			NULL, NULL);
	if (err)
		goto out;

	err = tlspolicy_apply(tf->tls, srtp ? TLSPOLICY_DTLS : TLSPOLICY_CERT);
	if (err)
		goto out;

	/* RFC 5764 4.1.2: the use_srtp extension, our profiles */
	if (srtp) {
		err = tls_set_srtp(tf->tls, srtp);
		if (err)
			goto out;
	}

	ctx = tls_openssl_context(tf->tls);
	err = EINVAL;
	if (!ctx || !SSL_CTX_set_ex_data(ctx, ex_idx, tf) ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pk) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto out;

	/* no resumption: a resumed session skips the verify callback */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (!SSL_CTX_set_num_tickets(ctx, 0))
		goto out;

	/* as server: ask for the client's certificate, insist on one; as
	 * client: the server's is checked the same way */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	err = 0;

 out:
	if (err)
		mem_deref(tf);
	else
		*tfp = tf;
	return err;
}


int tlsfp_alloc(struct tlsfp **tfp, struct tls *cert,
		const char *fingerprint)
{
	return alloc(tfp, cert, fingerprint, NULL);
}


int tlsfp_alloc_dtls(struct tlsfp **tfp, struct tls *cert,
		     const char *fingerprint, const char *srtp_profiles)
{
	if (!srtp_profiles)
		return EINVAL;

	return alloc(tfp, cert, fingerprint, srtp_profiles);
}


unsigned tlsfp_mismatches(const struct tlsfp *tf)
{
	return tf ? tf->mismatches : 0;
}


bool tlsfp_same(const struct tlsfp *tf, const char *fingerprint)
{
	struct tlsfp_digest d;

	if (!tf || !fingerprint || tlsfp_decode(&d, fingerprint))
		return false;

	return d.hash == tf->pin.hash && d.len == tf->pin.len &&
		!CRYPTO_memcmp(d.md, tf->pin.md, d.len);
}


struct tls *tlsfp_tls(const struct tlsfp *tf)
{
	return tf ? tf->tls : NULL;
}


int tlsfp_check(const struct tlsfp *tf, const struct tls_conn *tc)
{
	uint8_t md[32];
	enum tls_fingerprint type;
	size_t len;

	if (!tf || !tc)
		return EINVAL;

	/* libre 1.1.0 gives no access to the peer certificate itself,
	 * only these two digests; other hashes rest on verify_cb alone */
	switch (tf->pin.hash) {

	case TLSFP_SHA1:
		type = TLS_FINGERPRINT_SHA1;
		len = 20;
		break;

	case TLSFP_SHA256:
		type = TLS_FINGERPRINT_SHA256;
		len = 32;
		break;

	default:
		return 0;
	}

	if (tls_peer_fingerprint(tc, type, md, len))
		return EAUTH;

	return (len == tf->pin.len && !CRYPTO_memcmp(md, tf->pin.md, len)) ?
		0 : EAUTH;
}

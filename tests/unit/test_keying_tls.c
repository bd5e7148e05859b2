/**
 * @file test_keying_tls.c  keying/'s TLS helpers: a=fingerprint values
 * (RFC 8122 5), the a=setup answer (RFC 4145 4.1), the one cipher
 * policy, and real handshakes (in memory) through fingerprint-pinned
 * and TLS-PSK contexts.
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include <re.h>
#include "keying/cert.h"
#include "keying/tlspolicy.h"
#include "keying/tlsfp.h"
#include "keying/tlspsk.h"
#include "keying/tcpsetup.h"
#include "tests/unit/check.h"


#define FP32 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
	     "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"


static int test_fingerprint_decode(void)
{
	struct tlsfp_digest d;

	memset(&d, 0, sizeof(d));
	CHECK_EQ(tlsfp_decode(&d, "sha-256 " FP32), 0);
	CHECK_EQ(d.hash, TLSFP_SHA256);
	CHECK_EQ(d.len, 32);
	CHECK_EQ(d.md[10], 0xaa);
	CHECK_EQ(d.md[31], 0xff);

	/* hash names in any case, extra white space around */
	CHECK_EQ(tlsfp_decode(&d, "  SHA-256   " FP32 " \r\n"), 0);
	CHECK_EQ(d.hash, TLSFP_SHA256);

	CHECK_EQ(tlsfp_decode(&d, "sha-1 00:11:22:33:44:55:66:77:88:99:"
			      "AA:BB:CC:DD:EE:FF:00:11:22:33"), 0);
	CHECK_EQ(d.hash, TLSFP_SHA1);
	CHECK_EQ(d.len, 20);

	/* the length must be the hash's own */
	CHECK_EQ(tlsfp_decode(&d, "sha-256 00:11"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-1 " FP32), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 " FP32 ":00"), EBADMSG);
	/* RFC 8122 grammar: hash-func SP 2HEX *(":" 2HEX) */
	CHECK_EQ(tlsfp_decode(&d, FP32), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 " FP32 ":"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 0:11"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 00-11"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 0G:11"), EBADMSG);
	CHECK_EQ(tlsfp_decode(&d, "sha-256 " FP32 " x"), EBADMSG);
	/* md5 and md2 are not taken (RFC 8122 5) */
	CHECK_EQ(tlsfp_decode(&d, "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:"
			      "CC:DD:EE:FF"), ENOTSUP);
	CHECK_EQ(tlsfp_decode(&d, NULL), EINVAL);
	return 0;
}


static int test_setup_answer(void)
{
	enum tcpsetup s, a;

	/* no a=setup: the offerer is active (RFC 4145 4) */
	CHECK_EQ(tcpsetup_decode(NULL, &s), 0);
	CHECK_EQ(s, TCPSETUP_ACTIVE);
	CHECK_EQ(tcpsetup_answer(s, &a), 0);
	CHECK_EQ(a, TCPSETUP_PASSIVE);

	CHECK_EQ(tcpsetup_decode("ACTPASS", &s), 0);
	CHECK_EQ(s, TCPSETUP_ACTPASS);
	CHECK_EQ(tcpsetup_answer(s, &a), 0);
	CHECK_EQ(a, TCPSETUP_PASSIVE);

	CHECK_EQ(tcpsetup_decode("passive", &s), 0);
	CHECK_EQ(tcpsetup_answer(s, &a), 0);
	CHECK_EQ(a, TCPSETUP_ACTIVE);
	CHECK_STR(tcpsetup_name(a), "active");

	CHECK_EQ(tcpsetup_decode("holdconn", &s), 0);
	CHECK_EQ(tcpsetup_answer(s, &a), 0);
	CHECK_EQ(a, TCPSETUP_HOLDCONN);
	CHECK_STR(tcpsetup_name(a), "holdconn");

	CHECK_EQ(tcpsetup_decode("sometimes", &s), EBADMSG);
	CHECK_EQ(tcpsetup_answer((enum tcpsetup)42, &a), EINVAL);
	return 0;
}


/* Every suite a context may negotiate, against tlspolicy.h. */
static int check_ciphers(SSL_CTX *ctx, bool psk)
{
	STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
	int i, n = 0;

	CHECK(sk != NULL);
	for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
		int kx = SSL_CIPHER_get_kx_nid(c);
		int au = SSL_CIPHER_get_auth_nid(c);

		/* TLS 1.3 suites are listed whatever the max version */
		if (kx == NID_kx_any) {
			CHECK(!psk || SSL_CTX_get_max_proto_version(ctx) ==
			      TLS1_2_VERSION);
			continue;
		}
		CHECK(SSL_CIPHER_is_aead(c));
		if (psk) {
			CHECK_EQ(kx, NID_kx_psk);    /* no (EC)DHE-PSK */
			CHECK_EQ(au, NID_auth_psk);
		}
		else {
			CHECK_EQ(kx, NID_kx_ecdhe);
			CHECK(au == NID_auth_rsa || au == NID_auth_ecdsa);
		}
		++n;
	}
	CHECK(n > 0);
	CHECK_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	return 0;
}


static char tmpdir[] = "/tmp/test_keying_tls.XXXXXX";

static int mkcert(struct tls **tlsp, const char *name)
{
	char path[128];

	re_snprintf(path, sizeof(path), "%s/%s.pem", tmpdir, name);
	if (cert_ensure(path, name))
		return EIO;
	return cert_tls_alloc(tlsp, path);
}


/* "sha-NNN AB:CD:..." of a context's certificate, computed by OpenSSL */
static void fp_of(char *buf, size_t size, struct tls *tls, const char *alg,
		  const EVP_MD *md)
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	size_t off;

	X509_digest(SSL_CTX_get0_certificate(tls_openssl_context(tls)), md,
		    d, &n);
	off = (size_t)re_snprintf(buf, size, "%s ", alg);
	for (i = 0; i < n && off < size; i++)
		off += (size_t)re_snprintf(buf + off, size - off, "%02X%s",
					   d[i], i + 1 < n ? ":" : "");
}


/* A handshake between two contexts through a BIO pair: 0 when both
 * ends complete it.  *cipher: the suite chosen (when both did). */
static int handshake(struct tls *client, struct tls *server,
		     const char **cipher, int *version)
{
	SSL *c = SSL_new(tls_openssl_context(client));
	SSL *s = SSL_new(tls_openssl_context(server));
	BIO *bc = NULL, *bs = NULL;
	bool cdone = false, sdone = false;
	int i, r, err = EAUTH;

	if (!c || !s || !BIO_new_bio_pair(&bc, 0, &bs, 0))
		goto out;
	SSL_set_bio(c, bc, bc);
	SSL_set_bio(s, bs, bs);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);

	for (i = 0; i < 50 && !(cdone && sdone); i++) {
		if (!cdone) {
			r = SSL_do_handshake(c);
			if (r == 1)
				cdone = true;
			else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
				break;
		}
		if (!sdone) {
			r = SSL_do_handshake(s);
			if (r == 1)
				sdone = true;
			else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
				break;
		}
	}

	/* TLS 1.3: the client is done before the server has looked at
	 * its certificate; a server that rejects it never is */
	if (cdone && sdone) {
		if (cipher)
			*cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(s));
		if (version)
			*version = SSL_version(s);
		err = 0;
	}

 out:
	SSL_free(c);
	SSL_free(s);
	return err;
}


static int test_pinned_handshake(void)
{
	struct tls *a = NULL, *b = NULL, *evil = NULL;
	struct tlsfp *srv = NULL, *cli = NULL, *cli_evil = NULL;
	struct tlsfp *srv512 = NULL, *cli_wrong = NULL;
	char fa[256], fb[256], fb512[256];
	int err;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(mkcert(&a, "a"), 0);
	CHECK_EQ(mkcert(&b, "b"), 0);
	CHECK_EQ(mkcert(&evil, "evil"), 0);
	CHECK_EQ(check_ciphers(tls_openssl_context(a), false), 0);

	fp_of(fa, sizeof(fa), a, "sha-256", EVP_sha256());
	fp_of(fb, sizeof(fb), b, "sha-256", EVP_sha256());
	fp_of(fb512, sizeof(fb512), b, "sha-512", EVP_sha512());

	/* a (confd) serves b; b pins a */
	CHECK_EQ(tlsfp_alloc(&srv, a, fb), 0);
	CHECK_EQ(tlsfp_alloc(&cli, b, fa), 0);
	CHECK_EQ(tlsfp_alloc(&cli_evil, evil, fa), 0);
	CHECK_EQ(tlsfp_alloc(&srv512, a, fb512), 0);
	CHECK_EQ(tlsfp_alloc(&cli_wrong, b, fb), 0);  /* pins b, not a */
	CHECK_EQ(check_ciphers(tls_openssl_context(tlsfp_tls(srv)), false),
		 0);

	CHECK_EQ(handshake(tlsfp_tls(cli), tlsfp_tls(srv), NULL, NULL), 0);
	/* any hash of RFC 8122, not only what libre can compute */
	CHECK_EQ(handshake(tlsfp_tls(cli), tlsfp_tls(srv512), NULL, NULL),
		 0);
	/* another client certificate on b's context: refused */
	CHECK_EQ(handshake(tlsfp_tls(cli_evil), tlsfp_tls(srv), NULL, NULL),
		 EAUTH);
	/* confd as the client refuses a server that is not the pinned one */
	CHECK_EQ(handshake(tlsfp_tls(cli_wrong), tlsfp_tls(srv), NULL,
			   NULL), EAUTH);
	/* and the shared SIP context did not start asking for one */
	CHECK_EQ(SSL_CTX_get_verify_mode(tls_openssl_context(a)) &
		 SSL_VERIFY_PEER, 0);

	/* unusable values */
	CHECK_EQ(tlsfp_alloc(&cli, b, "md5 00:11"), ENOTSUP);
	CHECK_EQ(tlsfp_alloc(&cli, b, "sha-256 00:11"), EBADMSG);

	mem_deref(srv);
	mem_deref(cli);
	mem_deref(cli_evil);
	mem_deref(srv512);
	mem_deref(cli_wrong);
	mem_deref(a);
	mem_deref(b);
	mem_deref(evil);
	err = 0;
	return err;
}


static int test_psk_handshake(void)
{
	static const uint8_t k1[16] = "0123456789abcdef";
	static const uint8_t k2[16] = "0123456789abcdeX";
	struct tlspsk *s = NULL, *c = NULL, *bad = NULL;
	struct tlsfp *srv_fp = NULL;
	struct tls *a = NULL;
	const char *cipher = NULL;
	char fa[256];
	int version = 0;

	CHECK_EQ(libre_init(), 0);
	CHECK_EQ(tlspsk_alloc(&s, k1, sizeof(k1)), 0);
	CHECK_EQ(tlspsk_alloc(&c, k1, sizeof(k1)), 0);
	CHECK_EQ(tlspsk_alloc(&bad, k2, sizeof(k2)), 0);
	CHECK_EQ(check_ciphers(tls_openssl_context(tlspsk_tls(s)), true), 0);

	CHECK_EQ(handshake(tlspsk_tls(c), tlspsk_tls(s), &cipher, &version),
		 0);
	CHECK_EQ(version, TLS1_2_VERSION);
	CHECK(!strncmp(cipher, "PSK-AES", 7));
	CHECK_EQ(handshake(tlspsk_tls(bad), tlspsk_tls(s), NULL, NULL),
		 EAUTH);

	/* a TLS-PSK client accepts no certificate suite from a server */
	CHECK_EQ(mkcert(&a, "a"), 0);
	fp_of(fa, sizeof(fa), a, "sha-256", EVP_sha256());
	CHECK_EQ(tlsfp_alloc(&srv_fp, a, fa), 0);
	CHECK_EQ(handshake(tlspsk_tls(c), tlsfp_tls(srv_fp), NULL, NULL),
		 EAUTH);

	mem_deref(s);
	mem_deref(c);
	mem_deref(bad);
	mem_deref(srv_fp);
	mem_deref(a);
	return 0;
}


static int test_policy_errors(void)
{
	CHECK_EQ(tlspolicy_apply(NULL, TLSPOLICY_CERT), EINVAL);
	return 0;
}


static int cleanup(void)
{
	static const char *names[] = {"a", "b", "evil"};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		re_snprintf(path, sizeof(path), "%s/%s.pem", tmpdir,
			    names[i]);
		(void)unlink(path);
	}
	return rmdir(tmpdir) ? errno : 0;
}


static int setup(void)
{
	return mkdtemp(tmpdir) ? 0 : errno;
}


TEST_MAIN("keying_tls",
	  CASE(setup),
	  CASE(test_fingerprint_decode),
	  CASE(test_setup_answer),
	  CASE(test_policy_errors),
	  CASE(test_pinned_handshake),
	  CASE(test_psk_handshake),
	  CASE(cleanup))

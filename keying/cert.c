/**
 * @file cert.c  Self-signed certificate on first start, TLS context.
 */
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/ssl.h>
#include <openssl/rand.h>
#include <re.h>
#include "keying/tlspolicy.h"
#include "keying/cert.h"


#define DEBUG_MODULE "cert"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static int write_pem(const char *path, X509 *x, EVP_PKEY *pkey)
{
	BIO *bio;
	int fd, err = 0;

	/* O_EXCL: never clobber a certificate someone else just wrote */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return errno;

	bio = BIO_new_fd(fd, BIO_CLOSE);
	if (!bio) {
		close(fd);
		return ENOMEM;
	}

	if (!PEM_write_bio_X509(bio, x) ||
	    !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL))
		err = EIO;

	BIO_free(bio);
	if (err)
		unlink(path);

	return err;
}


int cert_ensure(const char *path, const char *cn)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	struct stat st;
	int err = 0;

	if (!path || !cn)
		return EINVAL;

	if (stat(path, &st) == 0)
		return 0;

	pkey = EVP_EC_gen("P-256");
	x = X509_new();
	if (!pkey || !x) {
		err = ENOMEM;
		goto out;
	}

	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		err = EIO;
		goto out;
	}
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);

	if (!X509_set_version(x, 2) || !bn ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) ||
	    !X509_set_pubkey(x, pkey)) {
		err = EIO;
		goto out;
	}

	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0)
	    || !X509_set_issuer_name(x, name)
	    || !X509_sign(x, pkey, EVP_sha256())) {
		err = EIO;
		goto out;
	}

	err = write_pem(path, x, pkey);
	if (!err)
		DEBUG_NOTICE("created self-signed certificate %s (CN=%s)\n",
			     path, cn);

 out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return err;
}


int cert_tls_alloc(struct tls **tlsp, const char *path)
{
	struct tls *tls;
	int err;

	if (!tlsp || !path)
		return EINVAL;

	err = tls_alloc(&tls, TLS_METHOD_SSLV23, path, NULL);
	if (err)
		return err;

	err = tlspolicy_apply(tls, TLSPOLICY_CERT);
	if (err) {
		mem_deref(tls);
		return err;
	}

	*tlsp = tls;
	return 0;
}


/* libre's tls_fingerprint() knows only certificates set through its
 * own setters, not one loaded from a file, so ask OpenSSL. */
int cert_fingerprint(const struct tls *tls, char *buf, size_t size)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	X509 *x;

	if (!tls || !buf)
		return EINVAL;

	x = SSL_CTX_get0_certificate(tls_openssl_context(tls));
	if (!x || !X509_digest(x, EVP_sha256(), md, &mdlen) || mdlen != 32)
		return EINVAL;
	if (size < mdlen * 3)
		return ENOMEM;

	for (i = 0; i < mdlen; i++)
		re_snprintf(buf + i * 3, size - i * 3, "%02X%s", md[i],
			    i + 1 < mdlen ? ":" : "");

	return 0;
}

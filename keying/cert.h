/**
 * @file cert.h  confd's own certificate and its TLS server context.
 */

/* Create a self-signed P-256 certificate + key PEM at path (mode 0600)
 * when no file is there; an existing file is kept as it is. */
int cert_ensure(const char *path, const char *cn);

/* A TLS context over that PEM, under keying/tlspolicy.h. */
int cert_tls_alloc(struct tls **tlsp, const char *path);

/* SHA-256 fingerprint of our certificate, "AB:CD:..." for a=fingerprint. */
int cert_fingerprint(const struct tls *tls, char *buf, size_t size);

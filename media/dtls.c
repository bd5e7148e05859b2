/**
 * @file dtls.c  DTLS-SRTP on one media socket (dtls_int.h).
 *
 * libre's dtls_sock keeps one tls_conn per source address; we decide
 * which of them to accept.  Up to ATTEMPTS handshakes run at once, so
 * that a stranger's ClientHello that stalls halfway does not lock the
 * participant out; when all are busy the oldest gives way.  The first
 * that completes wins and the others are dropped.
 */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/tlsfp.h"
#include "media/dtls_int.h"


#define DEBUG_MODULE "dtls-srtp"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum {
	ATTEMPTS    = 4,
	LAYER_DTLS  = 20,        /* above our RTP handler (layer 0) */
	RETRY_MS    = 1000,      /* client: a new ClientHello after a failure */
};

struct attempt {
	struct media_dtls *d;
	struct tls_conn *tc;
	uint64_t started;
};

struct media_dtls {
	struct dtls_sock *sock;
	struct tlsfp *pin;
	struct attempt attv[ATTEMPTS];
	struct attempt *won;
	struct sa peer;              /* client: where we connect */
	bool active;
	bool up;
	bool reported;
	unsigned mismatches;         /* tlsfp's count when we started */
	const char *fail;            /* the last failure, for the report */
	struct tmr deadline;
	struct tmr retry;
	char name[64];
	media_dtls_h *h;
	void *arg;
};


static void attempt_drop(struct attempt *at)
{
	at->tc = mem_deref(at->tc);
	at->started = 0;
}


static void destructor(void *arg)
{
	struct media_dtls *d = arg;
	size_t i;

	tmr_cancel(&d->deadline);
	tmr_cancel(&d->retry);
	for (i = 0; i < ATTEMPTS; i++)
		attempt_drop(&d->attv[i]);
	mem_deref(d->sock);
	mem_deref(d->pin);
}


void media_dtls_keyid(char id[13], const uint8_t *key, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!key || !len ||
	    !EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL)) {
		str_ncpy(id, "-", 13);
		return;
	}

	(void)re_snprintf(id, 13, "%w", md, (size_t)6);
}


static size_t keysalt_len(enum srtp_suite suite)
{
	switch (suite) {

	case SRTP_AES_CM_128_HMAC_SHA1_32:
	case SRTP_AES_CM_128_HMAC_SHA1_80: return 16 + 14;
	case SRTP_AES_128_GCM:             return 16 + 12;
	case SRTP_AES_256_GCM:             return 32 + 12;
	default:                           return 0;
	}
}


static void estab_handler(void *arg)
{
	struct attempt *at = arg;
	struct media_dtls *d = at->d;
	struct media_dtls_keys k;
	uint8_t cli[MEDIA_DTLS_KEYSALT], srv[MEDIA_DTLS_KEYSALT];
	const struct sa *peer = dtls_peer(at->tc);
	char txid[13], rxid[13];
	size_t i;
	int err;

	if (d->up) {
		attempt_drop(at);
		return;
	}

	/* the verify callback already held the certificate to the pin;
	 * this is the second look libre allows (tlsfp.h) */
	if (tlsfp_check(d->pin, at->tc)) {
		DEBUG_NOTICE("%s: %J: certificate does not match "
			     "a=fingerprint\n", d->name, peer);
		d->fail = "DTLS certificate does not match a=fingerprint";
		attempt_drop(at);
		return;
	}

	memset(&k, 0, sizeof(k));
	err = tls_srtp_keyinfo(at->tc, &k.suite, cli, sizeof(cli),
			       srv, sizeof(srv));
	k.len = keysalt_len(k.suite);
	if (err || !k.len) {
		DEBUG_NOTICE("%s: %J: no SRTP profile agreed (%m)\n",
			     d->name, peer, err);
		d->fail = "DTLS: no SRTP profile agreed (RFC 5764 4.1.2)";
		attempt_drop(at);
		goto out;
	}

	/* RFC 5764 4.2: client_write_SRTP_master_key is what the client
	 * sends with */
	memcpy(k.tx, d->active ? cli : srv, k.len);
	memcpy(k.rx, d->active ? srv : cli, k.len);

	d->up = true;
	d->won = at;
	tmr_cancel(&d->deadline);
	tmr_cancel(&d->retry);
	for (i = 0; i < ATTEMPTS; i++) {
		if (&d->attv[i] != at)
			attempt_drop(&d->attv[i]);
	}

	media_dtls_keyid(txid, k.tx, k.len);
	media_dtls_keyid(rxid, k.rx, k.len);
	DEBUG_INFO("%s: %J: DTLS-SRTP up (%s), %s, tx key id %s, "
		   "rx key id %s\n", d->name, peer,
		   d->active ? "client" : "server", srtp_suite_name(k.suite),
		   txid, rxid);

	d->reported = true;
	if (d->h)
		d->h(0, &k, NULL, d->arg);

 out:
	OPENSSL_cleanse(cli, sizeof(cli));
	OPENSSL_cleanse(srv, sizeof(srv));
	OPENSSL_cleanse(&k, sizeof(k));
}


static void connect_tmr(void *arg);


static void close_handler(int err, void *arg)
{
	struct attempt *at = arg;
	struct media_dtls *d = at->d;

	if (d->won == at) {
		/* RFC 5764 leaves SRTP running on its keys; a new
		 * association needs a new offer (RFC 5763 5) */
		DEBUG_INFO("%s: DTLS association closed (%m); SRTP "
			   "goes on\n", d->name, err);
		at->tc = mem_deref(at->tc);
		return;
	}

	if (tlsfp_mismatches(d->pin) != d->mismatches) {
		d->mismatches = tlsfp_mismatches(d->pin);
		d->fail = "DTLS certificate does not match a=fingerprint";
	}
	else {
		d->fail = "DTLS handshake failed";
	}
	DEBUG_NOTICE("%s: %J: %s (%m)\n", d->name,
		     at->tc ? dtls_peer(at->tc) : NULL, d->fail, err);

	attempt_drop(at);

	if (d->active && !d->up)
		tmr_start(&d->retry, RETRY_MS, connect_tmr, d);
}


static struct attempt *attempt_slot(struct media_dtls *d)
{
	struct attempt *old = NULL;
	size_t i;

	for (i = 0; i < ATTEMPTS; i++) {
		struct attempt *at = &d->attv[i];

		if (!at->tc)
			return at;
		if (!old || at->started < old->started)
			old = at;
	}

	attempt_drop(old);
	return old;
}


static void conn_handler(const struct sa *peer, void *arg)
{
	struct media_dtls *d = arg;
	struct attempt *at;
	int err;

	/* once up, or as the client, nobody else's ClientHello counts */
	if (d->up || d->active)
		return;

	at = attempt_slot(d);
	at->d = d;
	at->started = tmr_jiffies();
	err = dtls_accept(&at->tc, tlsfp_tls(d->pin), d->sock,
			  estab_handler, NULL, close_handler, at);
	if (err) {
		DEBUG_NOTICE("%s: %J: dtls_accept: %m\n", d->name, peer, err);
		at->tc = NULL;
	}
}


static void connect_tmr(void *arg)
{
	struct media_dtls *d = arg;
	struct attempt *at = &d->attv[0];
	int err;

	if (d->up || at->tc)
		return;

	at->d = d;
	at->started = tmr_jiffies();
	err = dtls_connect(&at->tc, tlsfp_tls(d->pin), d->sock, &d->peer,
			   estab_handler, NULL, close_handler, at);
	if (err) {
		DEBUG_NOTICE("%s: dtls_connect to %J: %m\n", d->name,
			     &d->peer, err);
		at->tc = NULL;
		tmr_start(&d->retry, RETRY_MS, connect_tmr, d);
	}
}


static void deadline_handler(void *arg)
{
	struct media_dtls *d = arg;
	size_t i;

	if (d->up || d->reported)
		return;

	for (i = 0; i < ATTEMPTS; i++)
		attempt_drop(&d->attv[i]);
	tmr_cancel(&d->retry);

	d->reported = true;
	DEBUG_NOTICE("%s: no DTLS association in time: %s\n", d->name,
		     d->fail ? d->fail : "no handshake");
	if (d->h)
		d->h(ETIMEDOUT, NULL, d->fail ? d->fail :
		     "No DTLS handshake in time", d->arg);
}


int media_dtls_alloc(struct media_dtls **dp, struct udp_sock *us,
		     struct tlsfp *pin, bool active, const struct sa *peer,
		     uint32_t timeout_ms, const char *name,
		     media_dtls_h *h, void *arg)
{
	struct media_dtls *d;
	size_t i;
	int err;

	if (!dp || !us || !pin || (active && !sa_isset(peer, SA_ALL)))
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	tmr_init(&d->deadline);
	tmr_init(&d->retry);
	for (i = 0; i < ATTEMPTS; i++)
		d->attv[i].d = d;
	d->pin = mem_ref(pin);
	d->mismatches = tlsfp_mismatches(pin);
	d->active = active;
	if (peer)
		d->peer = *peer;
	d->h = h;
	d->arg = arg;
	str_ncpy(d->name, name ? name : "dtls", sizeof(d->name));

	err = dtls_listen(&d->sock, NULL, us, ATTEMPTS, LAYER_DTLS,
			  conn_handler, d);
	if (err)
		goto out;

	tmr_start(&d->deadline, timeout_ms, deadline_handler, d);
	if (active)
		tmr_start(&d->retry, 0, connect_tmr, d);

 out:
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


bool media_dtls_up(const struct media_dtls *d)
{
	return d && d->up;
}


const struct tlsfp *media_dtls_pin(const struct media_dtls *d)
{
	return d ? d->pin : NULL;
}


bool media_dtls_active(const struct media_dtls *d)
{
	return d && d->active;
}

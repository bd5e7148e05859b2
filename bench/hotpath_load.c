/**
 * @file hotpath_load.c  CPU per operation of the per-packet and
 * per-timer paths issue 15 names, measured in-process with the
 * process CPU clock (robust on a shared machine where wall-clock
 * system benchmarks are not):
 *   - SRTP send of a 172-byte PCMU packet: libre's srtp_encrypt()
 *     (what audio.c used) against media/srtp_tx.c;
 *   - HMAC-SHA1 of the same: EVP_MAC re-initialised per packet (what
 *     media/srtp.c did) against media/hmac.c's precomputed pads;
 *   - SRTP receive (media_srtprx_rtp), whole;
 *   - starting a 20 ms timer while N 32-second timers are pending (SIP
 *     transaction timers): libre's tmr_start() against media_tmr_start().
 * Output: bench.hotpath.METRIC=VALUE lines (bench/README.md).
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <re.h>
#include "media/media.h"
#include "media/rtpp_int.h"
#include "media/srtp_int.h"
#include "media/hmac_int.h"


static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}


static size_t rtp_packet(uint8_t *p, uint16_t seq)
{
	p[0] = 0x80;
	p[1] = 0;
	p[2] = seq >> 8;
	p[3] = seq & 0xff;
	media_srtp_wr32(p + 4, 160u * seq);
	media_srtp_wr32(p + 8, 0x12345678);
	memset(p + 12, 0xd5, 160);
	return 172;
}


static void bench_srtp(unsigned n)
{
	const enum srtp_suite s = SRTP_AES_CM_128_HMAC_SHA1_80;
	uint8_t key[30], p[256];
	struct srtp *ref = NULL;
	struct media_srtptx *tx = NULL;
	struct media_srtprx *rx = NULL;
	struct mbuf *mb = mbuf_alloc(256);
	double t0, libre_ns, ours_ns, rx_ns;
	size_t len;
	unsigned i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 1);
	if (!mb || srtp_alloc(&ref, s, key, sizeof(key), 0) ||
	    media_srtptx_alloc(&tx, s, key, sizeof(key), false) ||
	    media_srtprx_alloc(&rx, s, key, sizeof(key), 0)) {
		fprintf(stderr, "hotpath: srtp setup failed\n");
		exit(1);
	}

	/* as audio.c did: build in an mbuf, srtp_encrypt() */
	t0 = cpu_ns();
	for (i = 0; i < n; i++) {
		len = rtp_packet(p, (uint16_t)i);
		mbuf_rewind(mb);
		(void)mbuf_write_mem(mb, p, len);
		mb->pos = 0;
		(void)srtp_encrypt(ref, mb);
	}
	libre_ns = (cpu_ns() - t0) / n;

	t0 = cpu_ns();
	for (i = 0; i < n; i++) {
		len = rtp_packet(p, (uint16_t)i);
		(void)media_srtptx_rtp(tx, p, &len, sizeof(p));
	}
	ours_ns = (cpu_ns() - t0) / n;

	/* receive: protect a batch outside the clock, then time the
	 * receiver over it (each packet once: no replays) */
	{
		enum { BATCH = 20000 };
		uint8_t (*pk)[256] = malloc(BATCH * sizeof(*pk));
		size_t *pl = malloc(BATCH * sizeof(*pl));

		if (!pk || !pl)
			exit(1);
		mem_deref(tx);
		tx = NULL;
		(void)media_srtptx_alloc(&tx, s, key, sizeof(key), false);
		for (i = 0; i < BATCH; i++) {
			pl[i] = rtp_packet(pk[i], (uint16_t)i);
			(void)media_srtptx_rtp(tx, pk[i], &pl[i], 256);
		}
		t0 = cpu_ns();
		for (i = 0; i < BATCH; i++)
			(void)media_srtprx_rtp(rx, pk[i], &pl[i]);
		rx_ns = (cpu_ns() - t0) / BATCH;
		free(pk);
		free(pl);
	}

	printf("hotpath: SRTP send, 172-byte PCMU: libre %.0f ns, confd %.0f"
	       " ns (%.2fx); receive %.0f ns\n",
	       libre_ns, ours_ns, libre_ns / ours_ns, rx_ns);
	printf("bench.hotpath.srtp_tx_libre_ns=%.0f\n", libre_ns);
	printf("bench.hotpath.srtp_tx_ns=%.0f\n", ours_ns);
	printf("bench.hotpath.srtp_rx_ns=%.0f\n", rx_ns);

	mem_deref(rx);
	mem_deref(tx);
	mem_deref(ref);
	mem_deref(mb);
}


static void bench_hmac(unsigned n)
{
	uint8_t key[20], buf[176], md[EVP_MAX_MD_SIZE];
	struct media_hmac *h = NULL;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM prm[2];
	double t0, evp_ns, ours_ns;
	size_t mdlen;
	unsigned i;

	memset(key, 7, sizeof(key));
	memset(buf, 1, sizeof(buf));
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						  (char *)"SHA1", 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (!c || !EVP_MAC_init(c, key, sizeof(key), prm) ||
	    media_hmac_alloc(&h, key, sizeof(key))) {
		fprintf(stderr, "hotpath: hmac setup failed\n");
		exit(1);
	}

	t0 = cpu_ns();
	for (i = 0; i < n; i++) {
		(void)EVP_MAC_init(c, NULL, 0, NULL);
		(void)EVP_MAC_update(c, buf, sizeof(buf));
		(void)EVP_MAC_final(c, md, &mdlen, sizeof(md));
	}
	evp_ns = (cpu_ns() - t0) / n;

	t0 = cpu_ns();
	for (i = 0; i < n; i++)
		media_hmac_sha1(h, buf, sizeof(buf), NULL, 0, md);
	ours_ns = (cpu_ns() - t0) / n;

	printf("hotpath: HMAC-SHA1 of 176 bytes: EVP_MAC re-init %.0f ns, "
	       "precomputed pads %.0f ns (%.2fx)\n",
	       evp_ns, ours_ns, evp_ns / ours_ns);
	printf("bench.hotpath.hmac_evp_ns=%.0f\n", evp_ns);
	printf("bench.hotpath.hmac_ns=%.0f\n", ours_ns);

	mem_deref(h);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
}


static void nop(void *arg)
{
	(void)arg;
}


/* n timers of 32 s pending (as SIP's Timer J of the last 32 s of
 * calls), then k starts of a 20 ms timer */
static void bench_tmr(unsigned pending, unsigned k)
{
	struct tmr *lt = calloc(pending, sizeof(*lt));
	struct tmr t;
	struct media_tmr mt, *mtv = calloc(pending, sizeof(*mtv));
	double t0, libre_us, ours_us, ours_pend_us;
	unsigned i;

	if (!lt || !mtv) {
		fprintf(stderr, "hotpath: no memory\n");
		exit(1);
	}

	for (i = 0; i < pending; i++) {
		tmr_init(&lt[i]);
		tmr_start(&lt[i], 32000 - (pending - i) % 1000, nop, NULL);
	}
	tmr_init(&t);
	media_tmr_init(&mt);

	t0 = cpu_ns();
	for (i = 0; i < k; i++)
		tmr_start(&t, 20, nop, NULL);
	libre_us = (cpu_ns() - t0) / k / 1000;
	tmr_cancel(&t);

	t0 = cpu_ns();
	for (i = 0; i < k; i++)
		media_tmr_start(&mt, 20, nop, NULL);
	ours_us = (cpu_ns() - t0) / k / 1000;
	media_tmr_cancel(&mt);

	/* the heap with the same pending load in it */
	for (i = 0; i < pending; i++)
		media_tmr_start(&mtv[i], 32000 - (pending - i) % 1000, nop,
				NULL);
	t0 = cpu_ns();
	for (i = 0; i < k; i++)
		media_tmr_start(&mt, 20, nop, NULL);
	ours_pend_us = (cpu_ns() - t0) / k / 1000;
	media_tmr_cancel(&mt);

	for (i = 0; i < pending; i++) {
		tmr_cancel(&lt[i]);
		media_tmr_cancel(&mtv[i]);
	}

	printf("hotpath: a 20 ms timer start with %u 32-s timers pending: "
	       "libre %.3f us, media_tmr %.3f us (same %u in the heap: "
	       "%.3f us)\n", pending, libre_us, ours_us, pending,
	       ours_pend_us);
	printf("bench.hotpath.p%u.tmr_libre_us=%.3f\n", pending, libre_us);
	printf("bench.hotpath.p%u.tmr_us=%.3f\n", pending, ours_us);
	printf("bench.hotpath.p%u.tmr_heap_loaded_us=%.3f\n", pending,
	       ours_pend_us);

	free(lt);
	free(mtv);
}


int main(int argc, char **argv)
{
	const unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;

	if (libre_init())
		return 1;

	bench_hmac(n);
	bench_srtp(n);
	bench_tmr(16000, 2000);
	bench_tmr(64000, 1000);

	libre_close();
	return 0;
}

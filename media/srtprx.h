/**
 * @file srtprx.h  SRTP/SRTCP receive side (RFC 3711, RFC 7714)
 *
 * Our own receiver instead of libre's srtp_decrypt(): libre creates
 * per-SSRC state and moves its rollover counter before a packet is
 * authenticated, so one forged packet could desynchronise a stream.
 * Here nothing changes until the tag verified, and an MKI is skipped.
 *
 * Include after re.h.
 */

struct srtprx;

int srtprx_alloc(struct srtprx **rxp, enum srtp_suite suite,
		 const uint8_t *key, size_t key_len, uint8_t mki_len);
int srtprx_rtp(struct srtprx *rx, uint8_t *p, size_t *lenp);
int srtprx_rtcp(struct srtprx *rx, uint8_t *p, size_t *lenp);

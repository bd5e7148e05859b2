/**
 * @file audio_int.h  One participant's audio stream (struct audio),
 * shared by its receive and control side (audio.c) and its send side
 * (audio_tx.c); media/ only.
 */

enum {
	MAX_KEYSALT   = 46,           /* 32-byte key + 14-byte salt */
	RTCP_INTERVAL = 250,          /* ticks: 5 s, RFC 3550 6.2 */
	TX_SIZE       = RTP_HEADER_SIZE + 512,
};


struct audio {
	struct le le;                 /* in the mixer's list */
	struct mixer *mx;             /* no reference, see media_int.h */
	struct media_port *port;      /* the leased RTP/RTCP pair */
	struct udp_sock *rtp_us;      /* owned by port */
	struct udp_sock *rtcp_us;     /* owned by port */
	char *cname;

	bool started;
	bool mixed;
	struct media_consent consent; /* where we may send (consent.c) */
	bool muted;                   /* by the creator (web interface) */
	uint8_t level;                /* -dBov, smoothed (media_level.c) */
	enum audio_codec codec;
	const struct media_codec_info *ci;
	struct media_enc_cfg ecfg;    /* what they asked us to send */
	uint8_t pt;
	bool send, recv;

	/* mixing (media_int.h) */
	struct media_talk talk;
	struct media_enc *enc;        /* our own encoding, made when needed */
	bool enc_used;                /* on the last tick */
	struct media_resamp *rx_rs;   /* codec rate -> mix rate */
	uint32_t rx_rs_rate;
	int16_t raw[MEDIA_FRAME_MAX];
	uint8_t pld[MEDIA_PLD_MAX];

	/* receive */
	struct media_rtprx *rx;
	struct media_srtprx *srx;
	enum srtp_suite rx_suite;
	uint8_t rx_key[MAX_KEYSALT];
	size_t rx_key_len;
	uint8_t rx_mki_len;
	int16_t pcm[MEDIA_FRAME_MAX];
	bool has_pcm;
	uint32_t loud;                /* audio_loudness(), x16 */

	/* send */
	struct media_srtptx *stx;
	enum srtp_suite tx_suite;
	uint8_t tx_key[MAX_KEYSALT];
	size_t tx_key_len;
	bool tx_srtcp_unenc;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool marker;
	uint32_t psent, osent;
	unsigned rtcp_due;
	struct mbuf *txmb;
	struct mbuf *rtcpmb;

	uint64_t tx_packets;

	/* DTLS-SRTP (dtls_int.h): keys come from the handshakes; RTCP has
	 * its own association and keys when not multiplexed (RFC 5764
	 * 4.1.1), used for SRTCP on the RTCP port */
	bool dtls;
	struct media_dtls *dtls_rtp, *dtls_rtcp;
	struct media_srtptx *stx_rtcp;
	struct media_srtprx *srx_rtcp;
	audio_dtls_h *dtlsh;
	void *dtls_arg;

	struct media_ice *ice;        /* ICE-lite responder, or NULL */
	uint64_t ice_checks;
};

/**
 * @file focus.h  The SIP conference focus (RFC 4579): the public face
 * that confd/main.c wires to the SIP stack and the store.
 */

struct focus;
struct confdef;
struct media_portpool;

struct focus_cfg {
	const char *domain;
	struct sa media_addr;          /* RTP bind address and SDP c= */
	struct media_portpool *rtp_pool;  /* rtp_ports: audio, slides */
	const struct sa *trusted;      /* peers whose P-Asserted-Identity */
	size_t trustedc;               /* we believe (port 0 = any)       */
	struct tls *tls;               /* our certificate (BFCP, MSRP)    */
	struct media_portpool *tcp_pool;  /* tcp_ports: BFCP and MSRP   */
	struct kmsc *kms;              /* MIKEY-TICKET, or NULL           */
	uint8_t mikey_prot_tls;        /* Prot Type of TLS crypto sessions */
	uint8_t mikey_prot_smime;      /* ... and of PSK S/MIME ones       */
	uint32_t handshake_ms;         /* BFCP/MSRP connections must
					* authenticate within (0: 5 s)     */
	bool tcp_peers_any;            /* let BFCP/MSRP connections come
					* from any address, not only the
					* participant's (tcp_peer_check no) */
};

int  focus_alloc(struct focus **fp, struct sip *sip,
		 const struct focus_cfg *cfg);

/* Replace the conference definitions.  Moves every struct confdef out of
 * defs (which is left empty).  Calls in progress are kept; a conference
 * that disappeared takes no new participants and ends with its last. */
int  focus_set_confdefs(struct focus *f, struct list *defs);

/* Hang up on every participant (BYE).  The SIP stack stays up so that
 * the BYE transactions can finish; the caller closes it afterwards. */
void focus_shutdown(struct focus *f);

uint32_t focus_conference_count(const struct focus *f);
uint32_t focus_participant_count(const struct focus *f);

/**
 * @file tlspsk.h  TLS-PSK contexts keyed by a MIKEY-TICKET TEK
 * (TS 33.328 Annex H): one per participant and stream.
 *
 * PSK = the TEK of the stream's crypto session, PSK identity empty,
 * TLS 1.2 with the PSK suites of keying/tlspolicy.h only: no
 * (EC)DHE-PSK, no null cipher.  The one TLS-PSK implementation of confd:
 * BFCP (floor/) and MSRP (msrp/) get these contexts from the focus.
 * The PSK is copied and wiped when the context is freed.
 */

struct tlspsk;

int  tlspsk_alloc(struct tlspsk **tpp, const uint8_t *psk, size_t len);
/* The libre TLS context, for tls_start_tcp() as server or client. */
struct tls *tlspsk_tls(const struct tlspsk *tp);

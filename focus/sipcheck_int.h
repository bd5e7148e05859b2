/**
 * @file sipcheck_int.h  RFC 3261 8.2 request checks (sipcheck.c)
 */

/* the methods the focus takes (focus.c, 405 and 501 answers) */
#define SIPCHECK_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, SUBSCRIBE"

/* A listener for every request, to be added right after admission.c's
 * and before any other: it answers (400/416/420/406/501) what must not
 * reach a handler. */
int  sipcheck_listen(struct sip_lsnr **lsnrp, struct sip *sip);

/* true when the request was answered (or is dropped) here */
bool sipcheck_request(struct sip *sip, const struct sip_msg *msg);

/* a method of RFC 3261 or a SIP extension: 405 rather than 501 */
bool sipcheck_method_known(const struct pl *met);

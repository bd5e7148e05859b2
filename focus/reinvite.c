/**
 * @file reinvite.c  An INVITE that overlaps an offer of ours gets 491.
 *
 * RFC 3261 14.2 has two rules for an INVITE that arrives while another
 * is under way on the dialog: 500 with Retry-After when the first
 * INVITE has no final response yet, and 491 Request Pending when the
 * pending exchange is one we started.  confd answers every re-INVITE at
 * once, so the first case does not arise; the second does: after an
 * offerless INVITE or re-INVITE our 2xx carries an offer, and until the
 * ACK brings the answer that offer is outstanding.  A new offer then is
 * glare (as RFC 3311 5.2 says for UPDATE), and the answer is 491.
 *
 * libre 1.1.0's sipsess answers this case itself with "500 Server
 * Internal Error" and "Retry-After: 5" (src/sipsess/listen.c,
 * reinvite_handler, sess->awaiting_answer), and its struct sipsess is
 * opaque.  So this listener is registered before sipsess's (libre calls
 * request listeners in the order they were added) and replies 491 for a
 * dialog whose participant has an offer outstanding; everything else it
 * leaves to sipsess.  See docs/libre.md.
 */
#include <re.h>
#include "focus/focus_int.h"


static struct participant *find(const struct focus *f,
				const struct sip_msg *msg)
{
	struct le *le, *pe;

	for (le = f->confs.head; le; le = le->next) {
		const struct conference *conf = le->data;

		for (pe = conf->parts.head; pe; pe = pe->next) {
			struct participant *p = pe->data;

			if (p->sess && sip_dialog_cmp(sipsess_dialog(p->sess),
						       msg))
				return p;
		}
	}

	return NULL;
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct focus *f = arg;
	struct participant *p;

	if (pl_strcmp(&msg->met, "INVITE") || !pl_isset(&msg->to.tag))
		return false;

	p = find(f, msg);
	if (!p || !p->offer_pending)
		return false;

	(void)sip_treplyf(NULL, NULL, f->sip, msg, true, 491,
			  "Request Pending",
			  "Content-Length: 0\r\n\r\n");
	return true;
}


/* Before sipsess_listen(), so that this listener comes first. */
int reinvite_listen(struct focus *f)
{
	return sip_listen(&f->reinvite_lsnr, f->sip, true, request_handler,
			  f);
}

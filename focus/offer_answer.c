/**
 * @file offer_answer.c  SDP offer/answer (RFC 3264) for a participant:
 * one SDP session, one m-line per kind of stream, each driven through
 * its struct stream_ops (stream_int.h).
 *
 * The focus answers today (dial-in).  Where it offers (an offerless
 * INVITE or re-INVITE) each stream's make_offer shapes its m-line and
 * the answer comes back through take_answer; dial-out will use the
 * same two steps.
 */
#include <re.h>
#include "focus/focus_int.h"
#include "focus/stream_int.h"


/* The m-lines in the order we offer them: audio, slides, chat, floor
 * control (answers follow the offer's order, libre sees to that).  This
 * is also the order of answering: the slides before BFCP, whose answer
 * names their label. */
static const struct stream_ops *const streams[] = {
	&stream_audio_ops,
	&stream_video_ops,
	&stream_msrp_ops,
	&stream_bfcp_ops,
};


static void media_failed(struct negotiation_error *ne)
{
	ne->scode = 500;
	ne->warn_code = 399;
	ne->warn_text = "Media setup failed";
}


int oa_setup(struct participant *p)
{
	const struct focus *f = p->conf->focus;
	size_t i;
	int err;

	/* dial-in chose the offer's family (oa_media_addr); otherwise
	 * IPv4 when we have it */
	if (sa_af(&p->maddr) == AF_UNSPEC)
		sa_cpy(&p->maddr, sa_af(&f->media_addr) == AF_INET
		       ? &f->media_addr : &f->media_addr6);

	err = sdp_session_alloc(&p->sdp, &p->maddr);
	if (err)
		return err;

	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		err = streams[i]->setup(p);
		if (err)
			return err;
	}

	return 0;
}


static int decode(struct participant *p, struct mbuf *mb, bool offer,
		  struct negotiation_error *ne)
{
	int err;

	/* libre's decoder wraps ports and takes any address: ours first.
	 * c=0.0.0.0 is legacy hold, so only in an established call. */
	err = sdp_addr_check(mb, p->estab, &p->hold0, ne);
	if (err)
		return err;

	err = sdp_decode(p->sdp, mb, offer);
	if (err) {
		ne->scode = 488;
		ne->warn_code = 399;
		ne->warn_text = "Malformed SDP";
	}

	return err;
}


int oa_decode_offer(struct participant *p, struct mbuf *offer,
		    struct negotiation_error *ne)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		if (!streams[i]->rewind)
			continue;
		err = streams[i]->rewind(p);
		if (err)
			return err;
	}

	return decode(p, offer, true, ne);
}


/* A stream that cannot be served declines itself; an error from an
 * optional stream is therefore ours, not the offer's. */
static int stream_done(const struct stream_ops *st, int err,
		       struct negotiation_error *ne)
{
	if (err && st->optional)
		media_failed(ne);

	return err;
}


static int answer_stream(const struct stream_ops *st, struct participant *p,
			 struct negotiation_error *ne)
{
	int err;

	err = st->take_offer(p, ne);
	if (!err)
		err = st->make_answer(p, ne);

	return err;
}


/* Stream by stream, so that one refused stops the rest as it always
 * has; mixing follows once every stream stands (the audio floor). */
static int negotiate(struct participant *p, struct negotiation_error *ne,
		     bool answer)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		const struct stream_ops *st = streams[i];

		if (answer && st->take_answer)
			err = st->take_answer(p, ne);
		else
			err = answer_stream(st, p, ne);
		err = stream_done(st, err, ne);
		if (err)
			return err;
	}

	conference_audio_update(p->conf);
	stream_video_floor_update(p->conf);
	return 0;
}


/* The offer is decoded (oa_decode_offer): our answer, in p->sdp. */
int oa_answer(struct participant *p, struct negotiation_error *ne)
{
	return negotiate(p, ne, false);
}


int oa_offer_received(struct participant *p, struct mbuf *offer,
		      struct negotiation_error *ne)
{
	int err = oa_decode_offer(p, offer, ne);

	return err ? err : negotiate(p, ne, false);
}


int oa_answer_received(struct participant *p, struct mbuf *answer,
		       struct negotiation_error *ne)
{
	int err = decode(p, answer, false, ne);

	return err ? err : negotiate(p, ne, true);
}


/* Our SDP: an offer (each stream's make_offer first) or the answer the
 * streams have written. */
int oa_encode(struct participant *p, struct mbuf **mbp, bool offer)
{
	size_t i;
	int err;

	for (i = 0; offer && i < ARRAY_SIZE(streams); i++) {
		if (!streams[i]->make_offer)
			continue;
		err = streams[i]->make_offer(p);
		if (err)
			return err;
	}

	return sdp_encode(mbp, p->sdp, offer);
}


const char *oa_rattr(const struct participant *p, const struct sdp_media *m,
		     const char *name)
{
	const char *v = sdp_media_rattr(m, name);

	return v ? v : sdp_media_session_rattr(m, p->sdp, name);
}

/**
 * @file calllog_int.h  One log line (or event) per join, leave and
 * refusal of a dial-in INVITE, with the conference, the participant,
 * the keying mechanism and the reason; and the counters metrics read
 * (focus/calllog.c).  Include after focus/focus.h and focus_int.h.
 *
 * A refusal is logged once, where the final error response is sent;
 * a refused call is never logged as a join or a leave.  401 and 407
 * (a digest challenge, the normal first step of an authenticated join)
 * are counted but logged at debug level only.
 */

struct calllog;

int  calllog_alloc(struct calllog **clp, focus_event_h *eh, void *arg);

/* The keying of a participant's audio as negotiated; of an offer
 * (SDP text) as offered, for a refusal before anything was decoded. */
enum focus_keying calllog_keying(const struct participant *p);
enum focus_keying calllog_offer_keying(const struct mbuf *body);

void calllog_joined(struct participant *p, uint32_t count);
void calllog_left(struct participant *p, uint32_t count);
void calllog_refused(struct focus *f, const char *conf, const char *who,
		     enum focus_keying keying, uint16_t scode,
		     const char *reason);
void calllog_media_timeout(struct focus *f);
void calllog_stats(const struct calllog *cl, struct focus_stats *st);

/* sdp_audio.c: how the audio stream is keyed */
enum focus_keying stream_audio_mech(const struct stream_audio *sa);

/**
 * @file admission_int.h  Who may start a call or a transaction now
 * (focus/admission.c; focus/ only).
 *
 * Two checkpoints, both before anything is allocated for the caller:
 *
 *  - every request, in a SIP listener registered before libre's
 *    session and event listeners: the transactions a source address may
 *    start each second, and silence for a source that ignores 503s;
 *  - every new INVITE, from participant_connect() once the conference
 *    is known and the caller authorized: calls overall and in the
 *    conference, calls not yet established (overall and per source),
 *    the reserve open conferences may not touch, descriptors.
 *
 * An admitted INVITE gets a struct adm_call that the participant owns:
 * it counts the call until it is freed, counts it as pending until
 * admission_call_established(), and ends a call that is not established
 * within ack_timeout.
 */

struct admission;
struct adm_call;
struct focus_limits;
struct media_portpool;

int  admission_alloc(struct admission **admp, struct sip *sip,
		     const struct focus_limits *lim,
		     struct media_portpool *rtp_pool,
		     const struct sa *trusted, size_t trustedc);

/* 0: admitted, *callp set.  Otherwise the request has been answered
 * (503 with Retry-After) or dropped, and nothing is to be done. */
int  admission_call(struct adm_call **callp, struct admission *adm,
		    const struct sip_msg *msg, bool open_conf,
		    uint32_t conf_calls);
typedef void (adm_timeout_h)(void *arg);
void admission_call_watch(struct adm_call *call, adm_timeout_h *th,
			  void *arg);
void admission_call_established(struct adm_call *call);

/* The Retry-After of a 503 that is not admission's own (ports). */
uint32_t admission_retry_after(const struct admission *adm);

struct admission_stats {
	uint32_t calls, open_calls, pending, sources;
	uint64_t admitted;             /* calls admitted */
	uint64_t refused;              /* 503s sent for a limit */
	uint64_t dropped;              /* requests left unanswered */
	uint64_t ack_timeouts;         /* calls ended without their ACK */
};
void admission_stats(const struct admission *adm,
		     struct admission_stats *st);

/**
 * @file admission.c  Admission control: bounded state per source and
 * overall, so that nobody can starve the conferences of others
 * (issue 18, "Bounded state per source and overall"; issue 14,
 * "Resource exhaustion gets 503 with Retry-After").
 *
 * Every limit is checked before a port, a socket or a session is
 * allocated, and a request over a limit is answered statelessly:
 * 503 Service Unavailable with Retry-After (RFC 3261 21.5.4) and a
 * reason phrase that names the limit.  Stateless (RFC 3261 8.2.7): no
 * server transaction, no retransmission, no 32 s Timer H per refusal,
 * which is what made a refused INVITE as dear as an accepted one in
 * libre (its timers are one sorted list, docs/libre.md).  A client
 * that misses the 503 retransmits its INVITE and gets another one.
 *
 * A source that keeps sending while being refused gets silence: past
 * flood_drop_per_source refusals in one second its further requests in
 * that second are dropped unanswered.  RFC 3261 21.5.4 allows it
 * ("Servers MAY refuse the connection or drop the request instead of
 * responding with 503"), and 26.3.2.4 asks servers to behave
 * statelessly towards unauthenticated floods: answering a flood costs
 * a formatted response and a datagram each, and those datagrams go to
 * whatever source address the flood claims.
 *
 * Sources are IP addresses (the port is ignored: one host, one
 * budget).  A trusted peer (trusted_peers, a proxy in front of us)
 * speaks for many users, so per-source limits do not apply to it; the
 * overall ones do.
 *
 * The reserve (open_conf_share): an open conference admits anybody,
 * so it must not be able to take what a closed conference's listed
 * participants need.  A call to an open conference is refused once
 * open_conf_share percent of max_calls are calls to open conferences,
 * or that share of the RTP port pool or of the descriptors is in use,
 * whoever uses them; the rest is left for closed conferences.
 *
 * Descriptors: libre polls at most min(RLIMIT_NOFILE, 65536)
 * descriptors (confd/main.c sizes its poll set so).  The kernel hands
 * out the lowest free descriptor number, so the lowest free number
 * tells how many are left: when it reaches limit - fd_reserve a new
 * call is refused, keeping fd_reserve descriptors for SIP over TCP and
 * TLS, the store and the KMS.
 *
 * A call that is not established (ACKed) within ack_timeout is ended
 * and its ports freed at once.  libre's sipsess would hold it for
 * 64*T1 = 32 s, retransmitting its 200, and then send BYE
 * (src/sipsess/reply.c tmr_handler); ports and descriptors are ours,
 * so we free them early.  The 2xx retransmissions and that BYE are
 * libre's and still happen (sipsess has no way to stop them), but they
 * hold no descriptor.
 */
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <re.h>
#include "focus/focus.h"
#include "media/media.h"
#include "focus/admission_int.h"


#define DEBUG_MODULE "admission"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum {
	SOURCES_MAX    = 65536,   /* source entries kept at once */
	GC_MS          = 2000,    /* idle entries go after this */
	WINDOW_MS      = 1000,    /* the flood window */
	FD_POLL_MAX    = 65536,   /* libre's poll set (confd/main.c) */
	RETRY_DEFAULT  = 10,
};


struct admission {
	struct focus_limits lim;
	struct sip *sip;
	struct sip_lsnr *lsnr;
	struct media_portpool *rtp_pool;
	struct sa *trusted;
	size_t trustedc;
	struct hash *srcs;             /* struct source, by IP */
	uint32_t nsrc;
	struct tmr tmr_gc;
	int probe_fd;                  /* F_DUPFD probe for the lowest free */
	uint32_t fd_limit;
	uint32_t calls, open_calls, pending;
	uint64_t admitted, refused, dropped, ack_timeouts;
	uint64_t log_ms;               /* last refusal log line */
	uint64_t log_refused, log_dropped;  /* since that line */
};

struct source {
	struct le he;
	struct sa addr;
	uint32_t calls;                /* admitted, any state */
	uint32_t pending;              /* admitted, not established */
	uint64_t tokens;               /* transactions, in 1/1000 */
	uint64_t refill_ms;
	uint64_t window_ms;            /* start of the flood window */
	uint32_t refused;              /* 503s in that window */
	uint64_t used_ms;              /* last request */
};

struct adm_call {
	struct admission *adm;
	struct source *src;            /* NULL for a trusted peer */
	bool open;
	bool pending;
	struct media_tmr tmr;          /* off libre's list (media.h) */
	adm_timeout_h *th;
	void *arg;
};


/* A v4-mapped IPv6 source (dual-stack socket) counts as IPv4. */
static void unmap(struct sa *out, const struct sa *in)
{
	if (sa_af(in) == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&in->u.in6.sin6_addr)) {
		uint32_t a;

		memcpy(&a, &in->u.in6.sin6_addr.s6_addr[12], 4);
		sa_set_in(out, ntohl(a), 0);
		return;
	}

	sa_cpy(out, in);
	sa_set_port(out, 0);
}


static bool is_trusted(const struct admission *adm, const struct sa *src)
{
	size_t i;

	for (i = 0; i < adm->trustedc; i++) {
		const struct sa *t = &adm->trusted[i];

		if (sa_cmp(t, src, SA_ADDR) &&
		    (!sa_port(t) || sa_port(t) == sa_port(src)))
			return true;
	}

	return false;
}


static bool src_cmp(struct le *le, void *arg)
{
	const struct source *s = le->data;

	return sa_cmp(&s->addr, arg, SA_ADDR);
}


static struct source *source_find(struct admission *adm,
				  const struct sa *ip)
{
	return list_ledata(hash_lookup(adm->srcs, sa_hash(ip, SA_ADDR),
				       src_cmp, (void *)ip));
}


static void source_destructor(void *arg)
{
	struct source *s = arg;

	hash_unlink(&s->he);
}


/* The entry of msg's source; NULL for a trusted peer, and when the
 * table is full (then only the overall limits apply to it). */
static struct source *source_get(struct admission *adm,
				 const struct sip_msg *msg, bool *fullp)
{
	struct source *s;
	struct sa ip;

	*fullp = false;

	if (is_trusted(adm, &msg->src))
		return NULL;

	unmap(&ip, &msg->src);
	s = source_find(adm, &ip);
	if (s)
		return s;

	if (adm->nsrc >= SOURCES_MAX) {
		*fullp = true;
		return NULL;
	}

	s = mem_zalloc(sizeof(*s), source_destructor);
	if (!s)
		return NULL;

	s->addr = ip;
	s->tokens = (uint64_t)adm->lim.max_transactions_per_source * 1000;
	s->refill_ms = s->window_ms = s->used_ms = tmr_jiffies();
	hash_append(adm->srcs, sa_hash(&ip, SA_ADDR), &s->he, s);
	++adm->nsrc;

	return s;
}


static bool gc_apply(struct le *le, void *arg)
{
	struct source *s = le->data;
	struct admission *adm = arg;

	if (!s->calls && tmr_jiffies() - s->used_ms >= GC_MS) {
		mem_deref(s);
		--adm->nsrc;
	}

	return false;
}


static void gc_tmr(void *arg)
{
	struct admission *adm = arg;

	(void)hash_apply(adm->srcs, gc_apply, adm);
	tmr_start(&adm->tmr_gc, GC_MS, gc_tmr, adm);
}


/*
 * Refuse msg for the limit named by reason: 503 + Retry-After, or
 * nothing at all once its source has had flood_drop_per_source 503s in
 * the current second.  Logged at most once a second, with counts.
 */
static void refuse(struct admission *adm, struct source *s,
		   const struct sip_msg *msg, const char *reason)
{
	const uint64_t now = tmr_jiffies();
	bool drop = false;

	if (s) {
		if (now - s->window_ms >= WINDOW_MS) {
			s->window_ms = now;
			s->refused = 0;
		}
		drop = adm->lim.flood_drop_per_source &&
			s->refused >= adm->lim.flood_drop_per_source;
		if (!drop)
			++s->refused;
	}

	if (drop) {
		++adm->dropped;
		++adm->log_dropped;
	}
	else {
		++adm->refused;
		++adm->log_refused;
		(void)sip_replyf(adm->sip, msg, 503, reason,
				 "Retry-After: %u\r\n"
				 "Content-Length: 0\r\n\r\n",
				 admission_retry_after(adm));
	}

	if (now - adm->log_ms >= 1000 || !adm->log_ms) {
		DEBUG_NOTICE("%r from %j refused: %s (%llu refused, %llu "
			     "dropped since last line; %u calls, %u pending)"
			     "\n", &msg->met, &msg->src, reason,
			     (unsigned long long)adm->log_refused,
			     (unsigned long long)adm->log_dropped,
			     adm->calls, adm->pending);
		adm->log_ms = now;
		adm->log_refused = adm->log_dropped = 0;
	}
}


/* Token bucket: max_transactions_per_source a second, as a burst too. */
static bool take_token(const struct admission *adm, struct source *s)
{
	const uint64_t rate = adm->lim.max_transactions_per_source;
	const uint64_t now = tmr_jiffies();

	s->tokens += (now - s->refill_ms) * rate;
	if (s->tokens > rate * 1000)
		s->tokens = rate * 1000;
	s->refill_ms = now;

	if (s->tokens < 1000)
		return false;

	s->tokens -= 1000;
	return true;
}


/*
 * Every request, before libre's session and event listeners: new
 * transactions outside a dialog are rate-limited per source.  ACK and
 * CANCEL start none of their own, and in-dialog requests belong to
 * dialogs the source already holds (BYE must always get through), so
 * they pass.
 */
static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct admission *adm = arg;
	struct source *s;
	bool full;

	if (!adm->lim.max_transactions_per_source &&
	    !adm->lim.flood_drop_per_source)
		return false;

	if (pl_isset(&msg->to.tag) || !pl_strcmp(&msg->met, "ACK") ||
	    !pl_strcmp(&msg->met, "CANCEL"))
		return false;

	s = source_get(adm, msg, &full);
	if (!s)
		return false;

	s->used_ms = tmr_jiffies();

	/* a flooding source stays silent for the rest of its window */
	if (adm->lim.flood_drop_per_source &&
	    s->refused >= adm->lim.flood_drop_per_source &&
	    s->used_ms - s->window_ms < WINDOW_MS) {
		refuse(adm, s, msg, "Too Many Requests From Source");
		return true;
	}

	if (adm->lim.max_transactions_per_source && !take_token(adm, s)) {
		refuse(adm, s, msg, "Too Many Requests From Source");
		return true;
	}

	return false;
}


/* The lowest free descriptor number, which is how many are in use
 * from the bottom: UINT32_MAX when none is left. */
static uint32_t fd_lowest_free(const struct admission *adm)
{
	int fd;

	if (adm->probe_fd < 0)
		return 0;

	fd = fcntl(adm->probe_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return UINT32_MAX;

	(void)close(fd);
	return (uint32_t)fd;
}


static bool over_share(uint32_t used, uint32_t total, uint32_t pct)
{
	return total && (uint64_t)used * 100 >= (uint64_t)total * pct;
}


/* Why a call cannot be admitted now, or NULL. */
static const char *call_check(struct admission *adm, const struct source *s,
			      bool open_conf, uint32_t conf_calls, bool full)
{
	const struct focus_limits *l = &adm->lim;
	const uint32_t share = l->open_conf_share;
	const bool reserve = open_conf && share && share < 100;
	uint32_t fds, fd_room;

	if (l->max_participants && conf_calls >= l->max_participants)
		return "Conference Full (max_participants)";
	if (l->max_calls && adm->calls >= l->max_calls)
		return "Server Full (max_calls)";
	if (l->max_pending && adm->pending >= l->max_pending)
		return "Too Many Calls Being Set Up (max_pending)";
	if (full)
		return "Too Many Sources";
	if (s && l->max_pending_per_source &&
	    s->pending >= l->max_pending_per_source)
		return "Too Many Calls From Source (max_pending_per_source)";

	fds = fd_lowest_free(adm);
	fd_room = adm->fd_limit > l->fd_reserve ?
		adm->fd_limit - l->fd_reserve : 0;
	if (fds >= fd_room)
		return "Descriptors Low (fd_reserve)";

	if (!reserve)
		return NULL;

	if (l->max_calls && over_share(adm->open_calls, l->max_calls, share))
		return "Open Conference Share Used (open_conf_share)";
	if (over_share(media_portpool_used(adm->rtp_pool),
		       media_portpool_size(adm->rtp_pool), share))
		return "Open Conference Share Of Ports Used (open_conf_share)";
	if (over_share(fds, fd_room, share))
		return "Open Conference Share Of Descriptors Used "
			"(open_conf_share)";

	return NULL;
}


static void call_destructor(void *arg)
{
	struct adm_call *call = arg;
	struct admission *adm = call->adm;

	media_tmr_cancel(&call->tmr);
	admission_call_established(call);
	--adm->calls;
	if (call->open)
		--adm->open_calls;
	if (call->src) {
		--call->src->calls;
		call->src->used_ms = tmr_jiffies();
	}
	mem_deref(adm);
}


int admission_call(struct adm_call **callp, struct admission *adm,
		   const struct sip_msg *msg, bool open_conf,
		   uint32_t conf_calls)
{
	struct adm_call *call;
	struct source *s;
	const char *why;
	bool full;

	if (!callp || !adm || !msg)
		return EINVAL;

	s = source_get(adm, msg, &full);
	if (s)
		s->used_ms = tmr_jiffies();

	why = call_check(adm, s, open_conf, conf_calls, full);
	if (why) {
		refuse(adm, s, msg, why);
		return EBUSY;
	}

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call) {
		(void)sip_treply(NULL, adm->sip, msg, 500,
				 "Server Internal Error");
		return ENOMEM;
	}

	call->adm = mem_ref(adm);
	call->src = s;
	call->open = open_conf;
	call->pending = true;
	++adm->admitted;
	++adm->calls;
	++adm->pending;
	if (open_conf)
		++adm->open_calls;
	if (s) {
		++s->calls;
		++s->pending;
	}

	*callp = call;
	return 0;
}


static void ack_tmr(void *arg)
{
	struct adm_call *call = arg;

	++call->adm->ack_timeouts;
	call->th(call->arg);      /* frees call */
}


/* th is called (and must free the call) when it is not established
 * within ack_timeout of its INVITE. */
void admission_call_watch(struct adm_call *call, adm_timeout_h *th,
			  void *arg)
{
	if (!call || !th || !call->pending || !call->adm->lim.ack_timeout_ms)
		return;

	call->th = th;
	call->arg = arg;
	media_tmr_start(&call->tmr, call->adm->lim.ack_timeout_ms,
			ack_tmr, call);
}


void admission_call_established(struct adm_call *call)
{
	if (!call || !call->pending)
		return;

	call->pending = false;
	media_tmr_cancel(&call->tmr);
	--call->adm->pending;
	if (call->src)
		--call->src->pending;
}


uint32_t admission_retry_after(const struct admission *adm)
{
	return adm && adm->lim.retry_after ? adm->lim.retry_after
		: RETRY_DEFAULT;
}


void admission_stats(const struct admission *adm, struct admission_stats *st)
{
	if (!st)
		return;

	memset(st, 0, sizeof(*st));
	if (!adm)
		return;

	st->calls = adm->calls;
	st->open_calls = adm->open_calls;
	st->pending = adm->pending;
	st->sources = adm->nsrc;
	st->admitted = adm->admitted;
	st->refused = adm->refused;
	st->dropped = adm->dropped;
	st->ack_timeouts = adm->ack_timeouts;
}


static bool flush_apply(struct le *le, void *arg)
{
	(void)arg;
	mem_deref(le->data);
	return false;
}


static void admission_destructor(void *arg)
{
	struct admission *adm = arg;

	tmr_cancel(&adm->tmr_gc);
	mem_deref(adm->lsnr);
	(void)hash_apply(adm->srcs, flush_apply, NULL);
	mem_deref(adm->srcs);
	mem_deref(adm->trusted);
	mem_deref(adm->rtp_pool);
	if (adm->probe_fd >= 0)
		(void)close(adm->probe_fd);
}


/* Must run before libre's session and event listeners are registered:
 * libre offers each request to its listeners in that order. */
int admission_alloc(struct admission **admp, struct sip *sip,
		    const struct focus_limits *lim,
		    struct media_portpool *rtp_pool,
		    const struct sa *trusted, size_t trustedc)
{
	struct admission *adm;
	struct rlimit rl;
	int err;

	if (!admp || !sip || !lim)
		return EINVAL;

	adm = mem_zalloc(sizeof(*adm), admission_destructor);
	if (!adm)
		return ENOMEM;

	adm->probe_fd = -1;
	adm->lim = *lim;
	adm->sip = sip;
	adm->rtp_pool = mem_ref(rtp_pool);

	if (trustedc) {
		adm->trusted = mem_alloc(trustedc * sizeof(*trusted), NULL);
		if (!adm->trusted) {
			err = ENOMEM;
			goto out;
		}
		memcpy(adm->trusted, trusted, trustedc * sizeof(*trusted));
		adm->trustedc = trustedc;
	}

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = FD_POLL_MAX;
	adm->fd_limit = (uint32_t)(rl.rlim_cur < FD_POLL_MAX ? rl.rlim_cur
				   : FD_POLL_MAX);
	adm->probe_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (lim->fd_reserve && adm->fd_limit <= 2 * lim->fd_reserve)
		DEBUG_WARNING("only %u descriptors (RLIMIT_NOFILE) for a "
			      "reserve of %u: few calls fit\n",
			      adm->fd_limit, lim->fd_reserve);

	err = hash_alloc(&adm->srcs, 4096);
	if (err)
		goto out;

	err = sip_listen(&adm->lsnr, sip, true, request_handler, adm);
	if (err)
		goto out;

	tmr_start(&adm->tmr_gc, GC_MS, gc_tmr, adm);

	DEBUG_INFO("limits: %u calls, %u per conference, %u pending (%u per "
		   "source), %u transactions/s per source, open share %u%%, "
		   "%u of %u descriptors reserved, ack_timeout %u ms\n",
		   lim->max_calls, lim->max_participants, lim->max_pending,
		   lim->max_pending_per_source,
		   lim->max_transactions_per_source, lim->open_conf_share,
		   lim->fd_reserve, adm->fd_limit, lim->ack_timeout_ms);

 out:
	if (err)
		mem_deref(adm);
	else
		*admp = adm;

	return err;
}

/**
 * @file load.c  `confd-ua load`: many SDES-SRTP participants from one
 *               process, for the mixer benchmark.
 *
 * Participants join at a controlled rate, ten (--per-conf) to a room.
 * Once all have joined and a settling time has passed, a steady window
 * of --duration seconds is measured: every participant's received
 * packets against the 50 a second it should get, sequence gaps, late
 * frames (transit more than 20 ms above the stream's best), inter-
 * arrival gaps and SRTP failures.  Then everyone hangs up.
 *
 * Efficiency: one media clock drives all streams, spread over slots of
 * the 20 ms period; sending reuses one buffer; received packets are
 * decrypted and scanned in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <sys/resource.h>
#include <re.h>
#include "tests/ua/ua.h"


enum { NTONES = 10, RAMP_TICK_MS = 10 };

enum phase { PH_RAMP, PH_SETTLE, PH_STEADY, PH_DONE };

struct part {
	struct loadst *ls;
	struct ua_call *call;
	unsigned idx;
	uint64_t t_invite;
	bool estab;
	bool closed;
};

struct loadst {
	struct ua_frames *wb_tones[NTONES];
	struct ua_frames *wb_quiet[2];  /* Opus, G.722 */
	const char *codec;         /* "pcmu", "opus", "g722", "mixed" */
	unsigned talkers;          /* per room; the others are silent */
	struct sip *sip;
	struct sipsess_sock *sock;
	struct ua_clock *mc;
	struct part *partv;
	struct ua_tone *tones[NTONES];
	struct ua_call_prm prm;
	const char *to_pat;
	const char *from_pat;
	unsigned count;
	unsigned per_conf;
	unsigned first_room;
	unsigned max_pending;
	unsigned slots;
	double rate;
	double duration;
	double settle;
	bool quiet;

	enum phase phase;
	unsigned started;
	unsigned estab;
	unsigned failed;
	unsigned dropped;          /* closed after being established */
	unsigned pending;
	uint64_t setup_sum_us;
	uint64_t setup_max_us;
	uint64_t t_start;
	uint64_t t_ramp_end;
	uint64_t t_steady;
	uint64_t t_done;
	uint64_t late_ticks0;
	struct rusage ru0;
	unsigned fail_printed;
	unsigned fail_codes[700];  /* by final status; 0 = no response */

	struct tmr tmr_ramp;
	struct tmr tmr_phase;
	struct tmr tmr_exit;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: confd-ua load --to PATTERN --count N [options]\n"
		"  --to PATTERN        room URI, %%d = room number\n"
		"                      (sip:bench%%d@127.0.0.1:5060)\n"
		"  --from PATTERN      participant URI, %%d = participant\n"
		"                      (default sip:load%%d@localhost)\n"
		"  --count N           participants (default 10)\n"
		"  --per-conf N        participants per room (default 10)\n"
		"  --codec C           pcmu (default), opus, g722 or mixed\n"
		"                      (seats take opus, g722, pcmu in turn)\n"
		"  --talkers N         seats per room that talk (default all);\n"
		"                      the others send silence, Opus ones\n"
		"                      with DTX (a frame every 400 ms)\n"
		"  --first-room N      number of the first room (default 1)\n"
		"  --rate R            joins per second (default 100)\n"
		"  --max-pending N     INVITEs in flight at most (default 100)\n"
		"  --settle S          wait after the last join (default 3)\n"
		"  --duration S        measured steady window (default 10)\n"
		"  --srtp | --no-srtp  SDES-SRTP (default) or plain RTP\n"
		"  --suite NAME        offered suite (default _80)\n"
		"  --slots N           send slots per 20 ms (default 10)\n"
		"  --local IP          local address (default 127.0.0.1)\n"
		"  --rtp-ports MIN-MAX local RTP ports (default 40000-59999)\n"
		"  --quiet             no per-failure lines on stderr\n");
}


/* Replaces the first %d (or %u) in pat with n; nothing else is a
 * format directive, so a pattern cannot misuse printf. */
static int subst(char *buf, size_t sz, const char *pat, unsigned n)
{
	const char *p = strstr(pat, "%d");
	int r;

	if (!p)
		p = strstr(pat, "%u");
	if (!p)
		r = snprintf(buf, sz, "%s", pat);
	else
		r = snprintf(buf, sz, "%.*s%u%s", (int)(p - pat), pat, n,
			     p + 2);
	return (r < 0 || (size_t)r >= sz) ? ENAMETOOLONG : 0;
}


static double cpu_s(const struct rusage *a, const struct rusage *b)
{
	return (double)(b->ru_utime.tv_sec - a->ru_utime.tv_sec) +
		(double)(b->ru_stime.tv_sec - a->ru_stime.tv_sec) +
		((double)(b->ru_utime.tv_usec - a->ru_utime.tv_usec) +
		 (double)(b->ru_stime.tv_usec - a->ru_stime.tv_usec)) / 1e6;
}


static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static struct loadst *sig_ls;
static void finish(struct loadst *ls);

/* First signal: hang everyone up; second: quit now. */
static void signal_h(int sig)
{
	static bool once;
	(void)sig;
	if (!sig_ls || once) {
		re_cancel();
		return;
	}
	once = true;
	fprintf(stderr, "confd-ua: signal, hanging up\n");
	if (sig_ls->phase != PH_DONE) {
		finish(sig_ls);
		sig_ls->phase = PH_RAMP;  /* reported as interrupted */
	}
}


static void clock_h(uint32_t slot, uint32_t frame, void *arg)
{
	struct loadst *ls = arg;

	for (unsigned i = slot; i < ls->count; i += ls->slots) {
		struct part *p = &ls->partv[i];
		struct ua_stream *rs;

		if (!p->estab || p->closed)
			continue;
		rs = ua_call_stream(p->call);
		ua_stream_send(rs, frame);
		/* an SR every 5 s, spread over participants */
		if ((frame + i) % 250 == 0)
			ua_stream_send_rtcp(rs);
	}
}


static void summary(struct loadst *ls)
{
	struct ua_rxstats t, s;
	struct rusage ru1;
	double win = (double)(ls->t_done - ls->t_steady) / 1e6;
	uint64_t expected_pp = (uint64_t)(win * 50.0 + 0.5);
	uint64_t rx_min = UINT64_MAX, tx = 0, expected = 0;
	unsigned measured = 0, short_parts = 0;
	double cpu;

	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < ls->count; i++) {
		struct part *p = &ls->partv[i];

		if (!p->estab)
			continue;
		++measured;
		ua_stream_stats(ua_call_stream(p->call), &s);
		tx += ua_stream_txcount(ua_call_stream(p->call));
		expected += expected_pp;
		t.pkts += s.pkts;
		t.decrypt_fail += s.decrypt_fail;
		t.bad += s.bad;
		t.missing += s.missing;
		t.dup += s.dup;
		t.late += s.late;
		t.silent += s.silent;
		t.rtcp += s.rtcp;
		t.rtcp_fail += s.rtcp_fail;
		t.max_gap_us = max(t.max_gap_us, s.max_gap_us);
		t.max_late_us = max(t.max_late_us, s.max_late_us);
		t.jitter_us = max(t.jitter_us, s.jitter_us);
		rx_min = min(rx_min, s.pkts);
		/* a participant that got under 99% of its frames */
		if (s.pkts * 100 < expected_pp * 99)
			++short_parts;
	}
	if (!measured)
		rx_min = 0;

	getrusage(RUSAGE_SELF, &ru1);
	cpu = cpu_s(&ls->ru0, &ru1);

	ua_kv("participants", "%u", ls->count);
	ua_kv("per_conf", "%u", ls->per_conf);
	ua_kv("calls_established", "%u", ls->estab);
	ua_kv("calls_failed", "%u", ls->failed);
	ua_kv("calls_dropped", "%u", ls->dropped);
	{
		char buf[256] = "";
		size_t o = 0;

		for (unsigned c = 0; c < UA_ARRAY_SIZE(ls->fail_codes); c++) {
			int r;

			if (!ls->fail_codes[c])
				continue;
			r = snprintf(buf + o, sizeof(buf) - o, "%s%u:%u",
				     o ? "," : "", c, ls->fail_codes[c]);
			if (r < 0 || (size_t)r >= sizeof(buf) - o)
				break;
			o += (size_t)r;
		}
		ua_kv("fail_codes", "%s", o ? buf : "none");
	}
	ua_kv("setup_ms_avg", "%.1f", ls->estab ?
	      (double)ls->setup_sum_us / ls->estab / 1000.0 : 0.0);
	ua_kv("setup_ms_max", "%.1f", (double)ls->setup_max_us / 1000.0);
	ua_kv("ramp_s", "%.2f", (double)(ls->t_ramp_end - ls->t_start) / 1e6);
	ua_kv("window_s", "%.2f", win);
	ua_kv("measured", "%u", measured);
	ua_kv("rx_expected", "%llu", (unsigned long long)expected);
	ua_kv("rx_packets", "%llu", (unsigned long long)t.pkts);
	ua_kv("rx_ratio", "%.4f", expected ? (double)t.pkts / expected : 0.0);
	ua_kv("rx_min_per_part", "%llu", (unsigned long long)rx_min);
	ua_kv("rx_expected_per_part", "%llu", (unsigned long long)expected_pp);
	ua_kv("parts_short", "%u", short_parts);
	ua_kv("rx_missing", "%llu", (unsigned long long)t.missing);
	ua_kv("rx_late", "%llu", (unsigned long long)t.late);
	ua_kv("rx_dup", "%llu", (unsigned long long)t.dup);
	ua_kv("rx_silent", "%llu", (unsigned long long)t.silent);
	ua_kv("rx_decrypt_fail", "%llu", (unsigned long long)t.decrypt_fail);
	ua_kv("rx_bad", "%llu", (unsigned long long)t.bad);
	ua_kv("rx_max_late_ms", "%.1f", t.max_late_us / 1000.0);
	ua_kv("rx_max_gap_ms", "%.1f", t.max_gap_us / 1000.0);
	ua_kv("rx_max_jitter_ms", "%.2f", t.jitter_us / 1000.0);
	ua_kv("rtcp_rx", "%llu", (unsigned long long)t.rtcp);
	ua_kv("rtcp_fail", "%llu", (unsigned long long)t.rtcp_fail);
	ua_kv("tx_packets_total", "%llu", (unsigned long long)tx);
	ua_kv("ua_late_ticks", "%llu", (unsigned long long)
	      (ua_clock_late(ls->mc) - ls->late_ticks0));
	ua_kv("ua_skipped_ticks", "%llu",
	      (unsigned long long)ua_clock_skipped(ls->mc));
	ua_kv("ua_cpu_pct", "%.1f", win > 0 ? 100.0 * cpu / win : 0.0);
}


static void finish(struct loadst *ls)
{
	ls->phase = PH_DONE;
	tmr_cancel(&ls->tmr_ramp);
	tmr_cancel(&ls->tmr_phase);
	ls->mc = mem_deref(ls->mc);
	for (unsigned i = 0; i < ls->count; i++)
		ua_call_hangup(ls->partv[i].call);
	sip_close(ls->sip, false);
	tmr_start(&ls->tmr_exit, 10000, exit_h, NULL);
}


static void steady_end_h(void *arg)
{
	struct loadst *ls = arg;

	ls->t_done = ua_now_us();
	ua_kv("phase", "done");
	summary(ls);
	finish(ls);
}


static void steady_start_h(void *arg)
{
	struct loadst *ls = arg;

	for (unsigned i = 0; i < ls->count; i++)
		ua_stream_stats_reset(ua_call_stream(ls->partv[i].call));
	ls->phase = PH_STEADY;
	ls->late_ticks0 = ua_clock_late(ls->mc);
	getrusage(RUSAGE_SELF, &ls->ru0);
	ls->t_steady = ua_now_us();
	ua_kv("phase", "steady");
	tmr_start(&ls->tmr_phase, (uint64_t)(ls->duration * 1000),
		  steady_end_h, ls);
}


static void check_ramp_done(struct loadst *ls)
{
	if (ls->phase != PH_RAMP || ls->started < ls->count || ls->pending)
		return;
	ls->phase = PH_SETTLE;
	ls->t_ramp_end = ua_now_us();
	tmr_cancel(&ls->tmr_ramp);
	fprintf(stderr, "confd-ua: %u joined, %u failed in %.2f s\n",
		ls->estab, ls->failed,
		(double)(ls->t_ramp_end - ls->t_start) / 1e6);
	ua_kv("phase", "settle");
	tmr_start(&ls->tmr_phase, (uint64_t)(ls->settle * 1000),
		  steady_start_h, ls);
}


/* "mixed": seats take Opus, G.722 and PCMU in turn */
static const char *seat_codec(const struct loadst *ls, unsigned seat)
{
	static const char *mixed[3] = {"opus", "G722", "PCMU"};

	if (!str_casecmp(ls->codec, "mixed"))
		return mixed[seat % 3];
	if (!str_casecmp(ls->codec, "opus"))
		return "opus";
	if (!str_casecmp(ls->codec, "g722"))
		return "G722";
	return "PCMU";
}


/* the pre-encoded tone of a seat (NTONES: silence), made on first use */
static const struct ua_frames *frames_of(struct loadst *ls, const char *c,
					 unsigned seat)
{
	struct ua_frames **fp = seat < NTONES ? &ls->wb_tones[seat] :
		&ls->wb_quiet[!str_casecmp(c, "opus") ? 0 : 1];

	/* one codec per slot: "mixed" gives seat s codec s % 3 always */
	if (!*fp)
		(void)ua_frames_alloc(fp, c, seat >= NTONES ? 0 :
				      300 + 100 * seat, 3000, true,
				      false);
	return *fp;
}


static void part_estab_h(struct ua_call *call, void *arg)
{
	struct part *p = arg;
	struct loadst *ls = p->ls;
	struct ua_stream *rs = ua_call_stream(call);
	uint64_t dt = ua_now_us() - p->t_invite;

	p->estab = true;
	--ls->pending;
	++ls->estab;
	ls->setup_sum_us += dt;
	ls->setup_max_us = max(ls->setup_max_us, dt);
	{
		const unsigned seat = p->idx % ls->per_conf;
		const char *c = seat_codec(ls, seat);

		if (!str_casecmp(c, "PCMU")) {
			/* G.711 has no DTX: a silent seat sends silence */
			ua_stream_set_tone(rs, seat < ls->talkers ?
					   ls->tones[seat % NTONES] : NULL);
		}
		else if (seat < ls->talkers) {
			ua_stream_set_frames(rs, frames_of(ls, c, seat), 1);
		}
		else {
			/* a silent seat with DTX: an update every 400 ms
			 * (Opus's DTX interval; G.722 sends silence) */
			ua_stream_set_frames(rs, frames_of(ls, c, NTONES),
					     !str_casecmp(c, "opus") ? 20 : 1);
		}
	}
	check_ramp_done(ls);
}


static void part_close_h(struct ua_call *call, int err, uint16_t scode,
			 void *arg)
{
	struct part *p = arg;
	struct loadst *ls = p->ls;

	if (p->closed)
		return;
	p->closed = true;
	if (p->estab) {
		++ls->dropped;
		if (!ls->quiet && ls->fail_printed++ < 10)
			fprintf(stderr, "confd-ua: participant %u dropped "
				"(%s)\n", p->idx, err ? strerror(err) : "BYE");
		return;
	}
	--ls->pending;
	++ls->failed;
	++ls->fail_codes[scode < UA_ARRAY_SIZE(ls->fail_codes) ? scode : 0];
	if (!ls->quiet && ls->fail_printed++ < 10) {
		const char *e = ua_call_error(call);
		fprintf(stderr, "confd-ua: participant %u failed: %u %s%s%s\n",
			p->idx, scode, ua_call_reason(call),
			e ? ": " : "", e ? e : "");
	}
	check_ramp_done(ls);
}


static void start_one(struct loadst *ls)
{
	struct part *p = &ls->partv[ls->started];
	char to[256], from[256];
	struct ua_call_prm prm = ls->prm;
	int err;

	p->ls = ls;
	p->idx = ls->started++;
	prm.codec = seat_codec(ls, p->idx % ls->per_conf);
	err  = subst(to, sizeof(to), ls->to_pat,
		     ls->first_room + p->idx / ls->per_conf);
	err |= subst(from, sizeof(from), ls->from_pat, p->idx);
	prm.to = to;
	prm.from = from;
	prm.cuser = "load";
	p->t_invite = ua_now_us();
	if (!err)
		err = ua_call_alloc(&p->call, ls->sock, &prm, part_estab_h,
				    part_close_h, p);
	if (err) {
		p->closed = true;
		++ls->failed;
		if (!ls->quiet && ls->fail_printed++ < 10)
			fprintf(stderr, "confd-ua: participant %u: %s\n",
				p->idx, strerror(err));
		return;
	}
	++ls->pending;
}


static void ramp_h(void *arg)
{
	struct loadst *ls = arg;
	double el = (double)(ua_now_us() - ls->t_start) / 1e6;
	unsigned target = (unsigned)(el * ls->rate) + 1;

	while (ls->started < ls->count && ls->started < target &&
	       ls->pending < ls->max_pending)
		start_one(ls);

	if (ls->started < ls->count)
		tmr_start(&ls->tmr_ramp, RAMP_TICK_MS, ramp_h, ls);
	else
		check_ramp_done(ls);
}


int ua_cmd_load(int argc, char *argv[])
{
	static const struct option lopt[] = {
		{"to",          required_argument, NULL, 't'},
		{"rooms",       required_argument, NULL, 't'},
		{"from",        required_argument, NULL, 'f'},
		{"count",       required_argument, NULL, 'n'},
		{"per-conf",    required_argument, NULL, 'c'},
		{"first-room",  required_argument, NULL, 'F'},
		{"rate",        required_argument, NULL, 'R'},
		{"max-pending", required_argument, NULL, 'M'},
		{"settle",      required_argument, NULL, 'w'},
		{"duration",    required_argument, NULL, 'd'},
		{"srtp",        no_argument,       NULL, 's'},
		{"no-srtp",     no_argument,       NULL, 'N'},
		{"suite",       required_argument, NULL, 'S'},
		{"slots",       required_argument, NULL, 'L'},
		{"local",       required_argument, NULL, 'l'},
		{"rtp-ports",   required_argument, NULL, 'P'},
		{"quiet",       no_argument,       NULL, 'q'},
		{"codec",       required_argument, NULL, 'C'},
		{"talkers",     required_argument, NULL, 'T'},
		{"help",        no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct loadst ls;
	const char *local = "127.0.0.1";
	int c, err, ret = 1;

	memset(&ls, 0, sizeof(ls));
	ls.from_pat = "sip:load%d@localhost";
	ls.count = 10;
	ls.per_conf = 10;
	ls.first_room = 1;
	ls.rate = 100;
	ls.max_pending = 100;
	ls.settle = 3;
	ls.duration = 10;
	ls.slots = 10;
	ls.prm.srtp = SRTP_MAND;
	ls.codec = "pcmu";
	ls.talkers = UINT32_MAX;
	ls.prm.port_min = 40000;
	ls.prm.port_max = 59999;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopt, NULL)) != -1) {
		switch (c) {
		case 't': ls.to_pat = optarg; break;
		case 'f': ls.from_pat = optarg; break;
		case 'n': ls.count = (unsigned)atoi(optarg); break;
		case 'c': ls.per_conf = (unsigned)atoi(optarg); break;
		case 'F': ls.first_room = (unsigned)atoi(optarg); break;
		case 'R': ls.rate = atof(optarg); break;
		case 'M': ls.max_pending = (unsigned)atoi(optarg); break;
		case 'w':
			if (ua_parse_dur(optarg, &ls.settle))
				goto bad;
			break;
		case 'd':
			if (ua_parse_dur(optarg, &ls.duration))
				goto bad;
			break;
		case 's': ls.prm.srtp = SRTP_MAND; break;
		case 'N': ls.prm.srtp = SRTP_OFF; break;
		case 'S':
			if (ua_parse_suite(optarg, ls.prm.suites,
					   &ls.prm.suitec,
					   UA_ARRAY_SIZE(ls.prm.suites)))
				goto bad;
			break;
		case 'L': ls.slots = (unsigned)atoi(optarg); break;
		case 'l': local = optarg; break;
		case 'P':
			if (ua_parse_range(optarg, &ls.prm.port_min,
					   &ls.prm.port_max))
				goto bad;
			break;
		case 'q': ls.quiet = true; break;
		case 'C': ls.codec = optarg; break;
		case 'T': ls.talkers = (unsigned)atoi(optarg); break;
		case 'h': usage(); return 0;
		default: goto bad;
		}
	}
	if (!ls.to_pat || optind != argc || ls.count == 0 ||
	    ls.count > 30000 || ls.per_conf == 0 || ls.rate <= 0 ||
	    ls.max_pending == 0 || ls.slots == 0 || ls.slots > 20 ||
	    PTIME_US % ls.slots)
		goto bad;
	if (ls.prm.srtp != SRTP_OFF && ls.prm.suitec == 0)
		ls.prm.suites[ls.prm.suitec++] =
			ua_sdes_suite_find("AES_CM_128_HMAC_SHA1_80", 23);
	if (sa_set_str(&ls.prm.media, local, 0))
		goto bad;

	ls.partv = mem_zalloc(ls.count * sizeof(*ls.partv), NULL);
	if (!ls.partv) {
		err = ENOMEM;
		goto out;
	}
	/* Ten tones, 300..1200 Hz, one per seat in a room; quiet enough
	 * that nine summed stay clear of clipping. */
	for (unsigned i = 0; i < NTONES; i++) {
		err = ua_tone_alloc(&ls.tones[i], 300 + 100 * i, 3000);
		if (err)
			goto out;
	}
	err = ua_sip_open(&ls.sip, &ls.sock, &ls.prm.media, exit_h, &ls);
	if (err) {
		fprintf(stderr, "confd-ua: SIP stack: %s\n", strerror(err));
		goto out;
	}
	err = ua_clock_alloc(&ls.mc, ls.slots, clock_h, &ls);
	if (err)
		goto out;

	ls.t_start = ua_now_us();
	ua_kv("phase", "ramp");
	tmr_start(&ls.tmr_ramp, 0, ramp_h, &ls);

	sig_ls = &ls;
	(void)re_main(signal_h);
	sig_ls = NULL;

	if (ls.phase != PH_DONE) {
		fprintf(stderr, "confd-ua: interrupted\n");
		ret = 1;
	}
	else {
		ret = (ls.estab == ls.count && !ls.dropped) ? 0 : 1;
	}
	ua_kv("result", "%s", ret ? "fail" : "ok");

 out:
	tmr_cancel(&ls.tmr_ramp);
	tmr_cancel(&ls.tmr_phase);
	tmr_cancel(&ls.tmr_exit);
	ls.mc = mem_deref(ls.mc);
	for (unsigned i = 0; ls.partv && i < ls.count; i++)
		mem_deref(ls.partv[i].call);
	mem_deref(ls.partv);
	ls.sock = mem_deref(ls.sock);
	if (ls.sip)
		sip_close(ls.sip, true);
	ls.sip = mem_deref(ls.sip);
	for (unsigned i = 0; i < NTONES; i++) {
		mem_deref(ls.tones[i]);
		mem_deref(ls.wb_tones[i]);
	}
	mem_deref(ls.wb_quiet[0]);
	mem_deref(ls.wb_quiet[1]);
	return ret;

 bad:
	usage();
	return 2;
}

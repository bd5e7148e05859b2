/**
 * @file call.c  `confd-ua call`: one participant.
 *
 * Dials, sends a PCMU tone (or silence) every 20 ms for --duration
 * seconds, receives and decodes what the conference sends (optionally
 * into a WAV file), hangs up with BYE and prints key=value lines.
 * Exit 0 when the final status is the one expected (--expect, 200 by
 * default) and, for an established call, no packet failed to decrypt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <re.h>
#include "tests/ua/ua.h"


struct callst {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct ua_call *call;
	struct ua_clock *mc;
	struct tmr tmr_dur;
	struct tmr tmr_exit;
	struct ua_wav *wav;
	struct ua_tone *tone;
	double duration;
	bool have_ts0;
	uint32_t ts0;
	uint64_t t_estab;
	uint64_t frames;
	bool hungup;        /* we sent BYE */
	bool done;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: confd-ua call --to SIP-URI [options]\n"
		"  --to URI            conference URI (sip:room@127.0.0.1:5060)\n"
		"  --from URI          our identity (sip:ua@localhost)\n"
		"  --srtp              RTP/SAVP with SDES a=crypto (RFC 4568)\n"
		"  --srtp-besteffort   RTP/AVP with a=crypto lines\n"
		"  --suite NAME        offer this suite (repeatable, or 'all';\n"
		"                      default AES_CM_128_HMAC_SHA1_80 and _32)\n"
		"  --duration S        seconds of media (default 5)\n"
		"  --tone HZ           send a tone (default: silence)\n"
		"  --amplitude N       tone amplitude, 16-bit (default 8000)\n"
		"  --record FILE.wav   write what we hear (8 kHz 16-bit mono)\n"
		"  --transport udp|tcp SIP transport (default udp)\n"
		"  --local IP          local address (default 127.0.0.1)\n"
		"  --rtp-ports MIN-MAX local RTP ports (default 40000-49999)\n"
		"  --expect CODE       exit 0 iff the final status is CODE\n");
}


static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static void stop(struct callst *st)
{
	if (st->done)
		return;
	st->done = true;
	st->mc = mem_deref(st->mc);
	tmr_cancel(&st->tmr_dur);
	ua_call_hangup(st->call);
	/* Give the BYE transaction time to finish, then quit either way. */
	sip_close(st->sip, false);
	tmr_start(&st->tmr_exit, 3000, exit_h, NULL);
}


static struct callst *sig_st;

static void signal_h(int sig)
{
	(void)sig;
	if (!sig_st || sig_st->done) {
		re_cancel();
		return;
	}
	sig_st->hungup = true;
	stop(sig_st);
}


static void clock_h(uint32_t slot, uint32_t frame, void *arg)
{
	struct callst *st = arg;
	struct ua_stream *rs = ua_call_stream(st->call);
	(void)slot;

	ua_stream_send(rs, frame);
	++st->frames;
	/* RTCP SR after 1 s and then every 5 s (RFC 3550 6.2 scale). */
	if (st->frames % 250 == 50)
		ua_stream_send_rtcp(rs);
}


static void audio_h(uint32_t ts, const uint8_t *pcmu, size_t n, void *arg)
{
	struct callst *st = arg;
	int16_t pcm[FRAME_SAMPLES * 2];

	if (!st->wav)
		return;
	if (!st->have_ts0) {
		st->ts0 = ts;
		st->have_ts0 = true;
	}
	n = min(n, UA_ARRAY_SIZE(pcm));
	for (size_t i = 0; i < n; i++)
		pcm[i] = ua_ulaw_dec(pcmu[i]);
	/* Place by timestamp; anything from before ts0 is dropped. */
	if ((int32_t)(ts - st->ts0) >= 0)
		ua_wav_put(st->wav, (uint32_t)(ts - st->ts0), pcm, n);
}


static void dur_h(void *arg)
{
	struct callst *st = arg;

	st->hungup = true;
	stop(st);
}


static void estab_h(struct ua_call *call, void *arg)
{
	struct callst *st = arg;
	struct ua_stream *rs = ua_call_stream(call);
	int err;

	st->t_estab = ua_now_us();
	ua_stream_set_tone(rs, st->tone);
	ua_stream_set_audioh(rs, audio_h, st);
	err = ua_clock_alloc(&st->mc, 1, clock_h, st);
	if (err) {
		fprintf(stderr, "confd-ua: media clock: %s\n", strerror(err));
		stop(st);
		return;
	}
	tmr_start(&st->tmr_dur, (uint64_t)(st->duration * 1000), dur_h, st);
}


static void close_h(struct ua_call *call, int err, uint16_t scode,
		    void *arg)
{
	struct callst *st = arg;
	(void)call;
	(void)scode;

	if (err)
		fprintf(stderr, "confd-ua: call closed: %s\n", strerror(err));
	stop(st);
}


static void report(struct callst *st, const char *transport)
{
	const struct ua_sdes_crypto *rx = ua_call_crypto_rx(st->call);
	struct ua_stream *rs = ua_call_stream(st->call);
	struct ua_rxstats rxs;
	const char *e = ua_call_error(st->call);
	char raddr[64];

	memset(&rxs, 0, sizeof(rxs));
	ua_stream_stats(rs, &rxs);

	ua_kv("status", "%u", ua_call_scode(st->call));
	ua_kv("reason", "%s", ua_call_reason(st->call));
	ua_kv("transport", "%s", transport);
	ua_kv("established", "%s", st->t_estab ? "yes" : "no");
	ua_kv("ended_by", "%s", st->hungup ? "us" : "peer");
	if (e)
		ua_kv("error", "%s", e);
	ua_kv("proto", "%s", ua_call_proto(st->call));
	if (sa_isset(ua_call_raddr(st->call), SA_ALL)) {
		re_snprintf(raddr, sizeof(raddr), "%J",
			    ua_call_raddr(st->call));
		ua_kv("remote_rtp", "%s", raddr);
	}
	if (rx) {
		ua_kv("suite", "%s", rx->suite->name);
		ua_kv("crypto_tag", "%u", rx->tag);
		/* The key confd chose for this participant: tests compare
		 * these across participants, so it is printed on purpose. */
		ua_kv("key_rx", "%s", rx->b64);
	}
	else {
		ua_kv("suite", "none");
	}
	ua_kv("tx_packets", "%llu",
	      (unsigned long long)ua_stream_txcount(rs));
	ua_kv("rx_packets", "%llu", (unsigned long long)rxs.pkts);
	ua_kv("rx_decrypt_fail", "%llu",
	      (unsigned long long)rxs.decrypt_fail);
	ua_kv("rx_bad", "%llu", (unsigned long long)rxs.bad);
	ua_kv("rx_missing", "%llu", (unsigned long long)rxs.missing);
	ua_kv("rx_late", "%llu", (unsigned long long)rxs.late);
	ua_kv("rx_silent", "%llu", (unsigned long long)rxs.silent);
	ua_kv("rx_jitter_ms", "%.2f", rxs.jitter_us / 1000.0);
	ua_kv("rx_max_gap_ms", "%.1f", rxs.max_gap_us / 1000.0);
	ua_kv("rx_level", "%llu", (unsigned long long)
	      (rxs.samples ? rxs.energy / rxs.samples : 0));
	ua_kv("rtcp_rx", "%llu", (unsigned long long)rxs.rtcp);
	ua_kv("rtcp_fail", "%llu", (unsigned long long)rxs.rtcp_fail);
}


int ua_cmd_call(int argc, char *argv[])
{
	static const struct option lopt[] = {
		{"to",              required_argument, NULL, 't'},
		{"from",            required_argument, NULL, 'f'},
		{"srtp",            no_argument,       NULL, 's'},
		{"srtp-besteffort", no_argument,       NULL, 'B'},
		{"suite",           required_argument, NULL, 'S'},
		{"duration",        required_argument, NULL, 'd'},
		{"tone",            required_argument, NULL, 'T'},
		{"amplitude",       required_argument, NULL, 'A'},
		{"record",          required_argument, NULL, 'r'},
		{"transport",       required_argument, NULL, 'p'},
		{"local",           required_argument, NULL, 'l'},
		{"rtp-ports",       required_argument, NULL, 'P'},
		{"expect",          required_argument, NULL, 'e'},
		{"help",            no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct callst st;
	struct ua_call_prm prm;
	const char *to = NULL, *from = "sip:ua@localhost", *record = NULL;
	const char *transport = "udp", *local = "127.0.0.1";
	unsigned tone_hz = 0, expect = 200;
	int amplitude = 8000;
	char touri[512];
	int c, err, ret = 1;
	struct ua_rxstats rxs;

	memset(&st, 0, sizeof(st));
	memset(&prm, 0, sizeof(prm));
	prm.srtp = SRTP_OFF;
	prm.port_min = 40000;
	prm.port_max = 49999;
	st.duration = 5;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopt, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'f': from = optarg; break;
		case 's': prm.srtp = SRTP_MAND; break;
		case 'B': prm.srtp = SRTP_BESTEFFORT; break;
		case 'S':
			err = ua_parse_suite(optarg, prm.suites, &prm.suitec,
					     UA_ARRAY_SIZE(prm.suites));
			if (err) {
				fprintf(stderr, "confd-ua: --suite %s: %s\n",
					optarg, err == ENOTSUP ?
					"unknown suite" : "too many");
				return 2;
			}
			break;
		case 'd':
			if (ua_parse_dur(optarg, &st.duration)) {
				fprintf(stderr, "confd-ua: bad --duration\n");
				return 2;
			}
			break;
		case 'T': tone_hz = (unsigned)atoi(optarg); break;
		case 'A': amplitude = atoi(optarg); break;
		case 'r': record = optarg; break;
		case 'p': transport = optarg; break;
		case 'l': local = optarg; break;
		case 'P':
			if (ua_parse_range(optarg, &prm.port_min,
					   &prm.port_max)) {
				fprintf(stderr, "confd-ua: bad --rtp-ports\n");
				return 2;
			}
			break;
		case 'e': expect = (unsigned)atoi(optarg); break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!to || optind != argc || tone_hz >= 4000 || amplitude < 0 ||
	    amplitude > 32767 ||
	    (strcmp(transport, "udp") && strcmp(transport, "tcp"))) {
		usage();
		return 2;
	}
	if (prm.srtp != SRTP_OFF && prm.suitec == 0) {
		prm.suites[prm.suitec++] =
			ua_sdes_suite_find("AES_CM_128_HMAC_SHA1_80", 23);
		prm.suites[prm.suitec++] =
			ua_sdes_suite_find("AES_CM_128_HMAC_SHA1_32", 23);
	}
	if (sa_set_str(&prm.media, local, 0)) {
		fprintf(stderr, "confd-ua: bad --local %s\n", local);
		return 2;
	}
	if (!strcmp(transport, "tcp") && !strstr(to, ";transport="))
		re_snprintf(touri, sizeof(touri), "%s;transport=tcp", to);
	else
		re_snprintf(touri, sizeof(touri), "%s", to);
	prm.to = touri;
	prm.from = from;
	prm.cuser = "ua";

	err = ua_tone_alloc(&st.tone, tone_hz, amplitude);
	if (err)
		goto out;
	if (record) {
		err = ua_wav_open(&st.wav, record);
		if (err) {
			fprintf(stderr, "confd-ua: %s: %s\n", record,
				strerror(err));
			goto out;
		}
	}
	err = ua_sip_open(&st.sip, &st.sock, &prm.media, exit_h, &st);
	if (err) {
		fprintf(stderr, "confd-ua: SIP stack: %s\n", strerror(err));
		goto out;
	}
	err = ua_call_alloc(&st.call, st.sock, &prm, estab_h, close_h, &st);
	if (err) {
		fprintf(stderr, "confd-ua: INVITE: %s\n", strerror(err));
		goto out;
	}

	sig_st = &st;
	(void)re_main(signal_h);
	sig_st = NULL;

	report(&st, transport);
	memset(&rxs, 0, sizeof(rxs));
	ua_stream_stats(ua_call_stream(st.call), &rxs);
	if (ua_call_scode(st.call) != expect)
		ret = 1;
	else if (expect >= 200 && expect < 300 &&
		 (!st.t_estab || ua_call_error(st.call) ||
		  rxs.decrypt_fail || rxs.rtcp_fail))
		ret = 1;
	else
		ret = 0;
	ua_kv("result", "%s", ret ? "fail" : "ok");

 out:
	tmr_cancel(&st.tmr_dur);
	tmr_cancel(&st.tmr_exit);
	st.mc = mem_deref(st.mc);
	st.call = mem_deref(st.call);
	st.sock = mem_deref(st.sock);
	if (st.sip)
		sip_close(st.sip, true);
	st.sip = mem_deref(st.sip);
	st.wav = mem_deref(st.wav);
	st.tone = mem_deref(st.tone);
	return ret;
}

/**
 * @file call.c  `confd-ua call`: one participant.
 *
 * Dials, sends a PCMU tone (or silence) every 20 ms for --duration
 * seconds, receives and decodes what the conference sends (optionally
 * into a WAV file), hangs up with BYE and prints key=value lines.
 * Exit 0 when the final status is the one expected (--expect, 200 by
 * default) and, for an established call, no packet failed to decrypt.
 *
 * --bfcp adds a BFCP stream (RFC 8856) and prints what the answer says
 * about it as soon as the call is established (bfcp_port=, bfcp_confid=,
 * bfcp_userid=, one bfcp_floorid= per a=floorid, ...), so that a test can
 * connect its own clients while the call runs.  --bfcp-script runs
 * `confd-ua bfcp` as a child process against that port for the length
 * of the call: a separate process keeps the blocking BFCP client away
 * from the media clock, and is simply killed when the call ends.  Its
 * lines (CONNECTED, RECV ..., MATCH ..., TIMEOUT ...) go to our stdout.
 *
 * --msrp adds an MSRP chat stream (RFC 4975, m=message TCP/TLS/MSRP or
 * TCP/MSRP, we are active) and prints msrp_port=, msrp_path= (the
 * answer's a=path, our To-Path), msrp_sid= (the session-id of our own
 * a=path) and, with MIKEY, msrp_cs= (its TLS crypto session).
 * --msrp-script runs `confd-ua msrp` the same way as the BFCP client:
 * a child process, with the TEK as its TLS-PSK (-K) under MIKEY, or our
 * --cert and the answer's a=fingerprint otherwise.  Its commands are
 * separated by ';' (e.g. "recv:1; sleep:20000"); its lines (TLS ...,
 * CONNECTED, RESP ..., RX ...) go to our stdout.
 *
 * --mikey keys the call by MIKEY-TICKET: a ticket from the KMS first
 * (blocking, before any SIP), then TRANSFER_INIT in the offer; the TEKs
 * of every crypto session are printed as mikey_tek_cs<N>= lines (tests
 * compare them across participants and use the TLS one as the PSK).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/crypto.h>
#include <re.h>
#include "tests/ua/ua.h"
#include "tests/ua/mikey_ua.h"
#include "tests/ua/bfcp_client.h"

extern char **environ;


struct callst {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct ua_call *call;
	struct ua_clock *mc;
	struct tmr tmr_dur;
	struct tmr tmr_exit;
	struct ua_wav *wav;
	struct ua_tone *tone;
	struct ua_frames *wb;       /* --codec opus|G722: what we send */
	unsigned loss;              /* --loss PCT */
	double duration;
	bool have_ts0;
	uint32_t ts0;
	uint64_t t_estab;
	uint64_t frames;
	bool hungup;        /* we sent BYE */
	bool done;
	struct ua_mikey *mikey;
	char mikey_peer[256];
	const char *cert;           /* --cert: our BFCP TLS identity */
	const char *bfcp_script;
	pid_t bfcp_pid;             /* the BFCP client child, or 0 */
	int bfcp_status;            /* its wait status */
	bool bfcp_killed;           /* still running when the call ended */
	bool bfcp_ran;
	const char *msrp_script;
	const char *msrp_id;        /* CPIM From the MSRP client claims */
	const char *room;           /* conference URI, CPIM To */
	pid_t msrp_pid;             /* the MSRP client child, or 0 */
	int msrp_status;
	bool msrp_killed;
	bool msrp_ran;
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
		"  --record FILE.wav   write what we hear (8 kHz 16-bit mono;\n"
		"                      PCMU only)\n"
		"  --codec C           offer and send PCMU (default), opus or\n"
		"                      G722 (the tone pre-encoded, 1 s looped)\n"
		"  --no-fec            Opus without in-band FEC (RFC 7587)\n"
		"  --swell             Opus/G.722 tone swells and fades twice\n"
		"                      a second, as speech does (a steady one\n"
		"                      is noise to SILK's VAD: no FEC data)\n"
		"  --loss PCT          drop PCT%% of our frames (seeded)\n"
		"  --transport udp|tcp SIP transport (default udp)\n"
		"  --local IP          local address (default 127.0.0.1)\n"
		"  --rtp-ports MIN-MAX local RTP ports (default 40000-49999)\n"
		"  --expect CODE       exit 0 iff the final status is CODE\n"
		"  --bfcp tls|tcp      add m=application TCP/TLS/BFCP (or\n"
		"                      TCP/BFCP) as floor control client\n"
		"  --cert PEM          BFCP TLS certificate+key (made when\n"
		"                      missing); its a=fingerprint is offered\n"
		"  --bfcp-script \"..\" run `confd-ua bfcp` with this script\n"
		"                      against the answer's port during the call\n"
		"  --msrp tls|tcp      add m=message TCP/TLS/MSRP (or TCP/MSRP)\n"
		"                      as chat participant (TLS: --cert or\n"
		"                      --mikey)\n"
		"  --msrp-first        put the MSRP m-line before the BFCP one\n"
		"  --msrp-script \"..\" run `confd-ua msrp` with these commands\n"
		"                      (';' separated) during the call\n"
		"  --msrp-id URI       CPIM From the MSRP client claims (--from)\n"
		"  --msrp-room URI     CPIM To of its messages (--to without\n"
		"                      parameters)\n"
		"  --mikey UID:PSKHEX:KMSID:KMSIP:KMSPORT:RESPONDER\n"
		"                      key by MIKEY-TICKET (ticket from the KMS,\n"
		"                      TRANSFER_INIT in a=key-mgmt; UID and\n"
		"                      RESPONDER may contain ':')\n"
		"  --mikey-prot-tls N  Prot Type of the TLS crypto session (241)\n"
		"  --auth-user U, --auth-pass P\n"
		"                      answer a 401/407 digest challenge\n"
		"  --video main|slides|both\n"
		"                      add m=video VP8 lines (SDES or plain):\n"
		"                      the main video, a=content:slides, or\n"
		"                      both; payloads carry --video-tag N\n"
		"  --video-kbps N      rate we send (300); --video-recvonly:\n"
		"                      send no video, only RTCP\n"
		"  --record: WAV time 0 is the moment the call was established\n");
}


static void exit_h(void *arg)
{
	(void)arg;
	re_cancel();
}


/* Collects a client child; kill: end it first if it still runs. */
static void child_reap(pid_t *pid, int *status, bool *killed, bool kill_it)
{
	pid_t r;

	if (*pid <= 0)
		return;
	r = waitpid(*pid, status, WNOHANG);
	if (r == 0 && kill_it) {
		*killed = true;
		(void)kill(*pid, SIGTERM);
		r = waitpid(*pid, status, 0);
	}
	if (r != 0)
		*pid = 0;
}


static void bfcp_reap(struct callst *st, bool kill_it)
{
	child_reap(&st->bfcp_pid, &st->bfcp_status, &st->bfcp_killed,
		   kill_it);
}


static void msrp_reap(struct callst *st, bool kill_it)
{
	child_reap(&st->msrp_pid, &st->msrp_status, &st->msrp_killed,
		   kill_it);
}


static void hex(char *buf, size_t sz, const uint8_t *p, size_t n)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < sz; i++)
		(void)re_snprintf(buf + 2 * i, sz - 2 * i, "%02x", p[i]);
}


/* The TEK (PSK) of TLS crypto session cs, hex, or "" */
static void tls_psk_hex(const struct callst *st, uint8_t cs, char *buf,
			size_t sz)
{
	uint8_t key[64], salt[16];
	size_t kl = 0, sl = 0;

	buf[0] = '\0';
	if (st->mikey && cs &&
	    0 == ua_mikey_tek(st->mikey, cs, key, &kl, salt, &sl))
		hex(buf, sz, key, kl);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
}


static void print_keys(const struct callst *st)
{
	uint8_t key[64], salt[16];
	size_t kl, sl;
	char name[32], h[200];

	if (!st->mikey)
		return;
	for (uint8_t cs = 1; cs < 16; cs++) {
		if (ua_mikey_tek(st->mikey, cs, key, &kl, salt, &sl))
			break;
		hex(h, sizeof(h), key, kl);
		re_snprintf(name, sizeof(name), "mikey_tek_cs%u", cs);
		ua_kv(name, "%s", h);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	OPENSSL_cleanse(h, sizeof(h));
}


static void print_bfcp(const struct ua_call *call)
{
	const struct ua_bfcp_ans *b = ua_call_bfcp(call);

	if (!b)
		return;
	ua_kv("bfcp_proto", "%s", b->proto);
	ua_kv("bfcp_port", "%u", b->port);
	if (!b->port)
		return;
	ua_kv("bfcp_confid", "%u", b->confid);
	ua_kv("bfcp_userid", "%u", b->userid);
	ua_kv("bfcp_setup", "%s", b->setup);
	ua_kv("bfcp_connection", "%s", b->connection);
	ua_kv("bfcp_floorctrl", "%s", b->floorctrl);
	ua_kv("bfcp_bfcpver", "%s", b->bfcpver);
	if (b->fingerprint[0])
		ua_kv("bfcp_fingerprint", "%s", b->fingerprint);
	for (size_t i = 0; i < b->floorc; i++)
		ua_kv("bfcp_floorid", "%s", b->floorid[i]);
	if (b->audio_label[0])
		ua_kv("audio_label", "%s", b->audio_label);
	if (ua_call_cs_bfcp(call))
		ua_kv("bfcp_cs", "%u", ua_call_cs_bfcp(call));
}


static void print_msrp(const struct ua_call *call)
{
	const struct ua_msrp_ans *a = ua_call_msrp(call);

	if (!a)
		return;
	ua_kv("msrp_proto", "%s", a->proto);
	ua_kv("msrp_port", "%u", a->port);
	if (!a->port)
		return;
	ua_kv("msrp_path", "%s", a->path);
	ua_kv("msrp_sid", "%s", ua_call_msrp_sid(call));
	ua_kv("msrp_setup", "%s", a->setup);
	ua_kv("msrp_accept_types", "%s", a->accept_types);
	if (a->fingerprint[0])
		ua_kv("msrp_fingerprint", "%s", a->fingerprint);
	if (ua_call_cs_msrp(call))
		ua_kv("msrp_cs", "%u", ua_call_cs_msrp(call));
}


/* `confd-ua msrp -c ADDR -p PATH ... CMD...` as a child process, like
 * the BFCP client: it blocks nothing here and dies with the call. */
static int msrp_spawn(struct callst *st)
{
	const struct ua_msrp_ans *a = ua_call_msrp(st->call);
	char exe[512], addr[64], psk[160], tmo[16], *copy = NULL;
	char *argv[80], *cmd, *sv = NULL;
	int argc = 0, err;
	ssize_t n;

	if (!a || !a->port || !a->path[0])
		return ENOENT;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return errno;
	exe[n] = '\0';
	re_snprintf(addr, sizeof(addr), "%j:%u", &a->addr, a->port);
	re_snprintf(tmo, sizeof(tmo), "%u", (unsigned)st->duration + 10);
	tls_psk_hex(st, ua_call_cs_msrp(st->call), psk, sizeof(psk));

	argv[argc++] = exe;
	argv[argc++] = "msrp";
	argv[argc++] = "-c";
	argv[argc++] = addr;
	argv[argc++] = "-p";
	argv[argc++] = (char *)a->path;
	argv[argc++] = "-P";
	argv[argc++] = (char *)ua_call_msrp_sid(st->call);
	argv[argc++] = "-i";
	argv[argc++] = (char *)st->msrp_id;
	argv[argc++] = "-r";
	argv[argc++] = (char *)st->room;
	argv[argc++] = "-t";
	argv[argc++] = tmo;
	if (!strcmp(a->proto, "TCP/TLS/MSRP")) {
		argv[argc++] = "-T";
		if (psk[0]) {
			argv[argc++] = "-K";
			argv[argc++] = psk;
		}
		else {
			argv[argc++] = "-k";
			argv[argc++] = (char *)st->cert;
			if (a->fingerprint[0]) {
				argv[argc++] = "-f";
				argv[argc++] = (char *)a->fingerprint;
			}
		}
	}
	err = str_dup(&copy, st->msrp_script);
	if (err)
		goto out;
	for (cmd = strtok_r(copy, ";", &sv); cmd; cmd = strtok_r(NULL, ";",
								  &sv)) {
		while (isspace((unsigned char)*cmd))
			++cmd;
		for (char *e = cmd + strlen(cmd);
		     e > cmd && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		if (!*cmd)
			continue;
		if (argc + 1 >= (int)UA_ARRAY_SIZE(argv)) {
			err = E2BIG;
			goto out;
		}
		argv[argc++] = cmd;
	}
	argv[argc] = NULL;

	fflush(stdout);
	err = posix_spawn(&st->msrp_pid, exe, NULL, NULL, argv, environ);
	if (err) {
		st->msrp_pid = 0;
		goto out;
	}
	st->msrp_ran = true;
 out:
	OPENSSL_cleanse(psk, sizeof(psk));
	mem_deref(copy);
	return err;
}


/* `confd-ua bfcp --connect ... --script S` as a child process. */
static int bfcp_spawn(struct callst *st)
{
	const struct ua_bfcp_ans *b = ua_call_bfcp(st->call);
	char exe[512], addr[64], conf[16], user[16], psk[160];
	char *argv[20];
	int argc = 0, err;
	ssize_t n;

	if (!b || !b->port)
		return ENOENT;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return errno;
	exe[n] = '\0';
	re_snprintf(addr, sizeof(addr), "%j:%u", &b->addr, b->port);
	re_snprintf(conf, sizeof(conf), "%u", b->confid);
	re_snprintf(user, sizeof(user), "%u", b->userid);
	tls_psk_hex(st, ua_call_cs_bfcp(st->call), psk, sizeof(psk));

	argv[argc++] = exe;
	argv[argc++] = "bfcp";
	argv[argc++] = "--connect";
	argv[argc++] = addr;
	argv[argc++] = "--conf";
	argv[argc++] = conf;
	argv[argc++] = "--user";
	argv[argc++] = user;
	if (!strcmp(b->proto, "TCP/TLS/BFCP")) {
		if (psk[0]) {
			argv[argc++] = "--psk";
			argv[argc++] = psk;
		}
		else {
			argv[argc++] = "--tls";
			argv[argc++] = "--cert";
			argv[argc++] = (char *)st->cert;
			if (b->fingerprint[0]) {
				argv[argc++] = "--peer-fp";
				argv[argc++] = (char *)b->fingerprint;
			}
		}
	}
	argv[argc++] = "--script";
	argv[argc++] = (char *)st->bfcp_script;
	argv[argc] = NULL;

	fflush(stdout);
	err = posix_spawn(&st->bfcp_pid, exe, NULL, NULL, argv, environ);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (err) {
		st->bfcp_pid = 0;
		return err;
	}
	st->bfcp_ran = true;
	return 0;
}


static int mikey_setup(struct callst *st, const char *spec)
{
	return ua_mikey_from_spec(&st->mikey, spec, NULL, st->mikey_peer,
				  sizeof(st->mikey_peer));
}


static void stop(struct callst *st)
{
	if (st->done)
		return;
	st->done = true;
	st->mc = mem_deref(st->mc);
	tmr_cancel(&st->tmr_dur);
	bfcp_reap(st, true);
	msrp_reap(st, true);
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
		/* time 0 of the file is call set-up, not the first packet:
		 * a floor-gated participant may hear nothing for a while,
		 * and tests cut recordings by call time */
		uint64_t ms = (ua_now_us() - st->t_estab) / 1000;

		st->ts0 = ts - (uint32_t)(ms * 8);
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
	print_bfcp(call);
	print_msrp(call);
	print_keys(st);
	if (st->bfcp_script) {
		err = bfcp_spawn(st);
		if (err)
			fprintf(stderr, "confd-ua: BFCP client: %s\n",
				strerror(err));
	}
	if (st->msrp_script) {
		err = msrp_spawn(st);
		if (err)
			fprintf(stderr, "confd-ua: MSRP client: %s\n",
				strerror(err));
	}
	ua_stream_set_tone(rs, st->tone);
	if (st->wb)
		ua_stream_set_frames(rs, st->wb, 1);
	ua_stream_set_loss(rs, st->loss, 0);
	ua_stream_set_audioh(rs, audio_h, st);
	err = ua_clock_alloc(&st->mc, 1, clock_h, st);
	if (err) {
		fprintf(stderr, "confd-ua: media clock: %s\n", strerror(err));
		stop(st);
		return;
	}
	tmr_start(&st->tmr_dur, (uint64_t)(st->duration * 1000), dur_h, st);
	/* tests read ports and keys from our output while the call runs */
	fflush(stdout);
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
	if (st->loss)
		ua_kv("tx_lost", "%llu",
		      (unsigned long long)ua_stream_lost(rs));
	if (sa_isset(ua_call_raddr(st->call), SA_ALL)) {
		re_snprintf(raddr, sizeof(raddr), "%J",
			    ua_call_raddr(st->call));
		ua_kv("remote_rtp", "%s", raddr);
	}
	ua_kv("keying", "%s", st->mikey ? "mikey" : rx ? "sdes" : "none");
	if (rx) {
		ua_kv("suite", "%s", rx->suite->name);
		ua_kv("crypto_tag", "%u", rx->tag);
		/* The key confd chose for this participant: tests compare
		 * these across participants, so it is printed on purpose. */
		ua_kv("key_rx", "%s", rx->b64);
		/* ours, for tests that look for key copies (key_copies.sh,
		 * log_secrets.sh) */
		if (ua_call_crypto_tx(st->call))
			ua_kv("key_tx", "%s",
			      ua_call_crypto_tx(st->call)->b64);
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
	for (int i = 0; i < 2; i++) {
		if (ua_call_video(st->call, i))
			ua_video_report(ua_call_video(st->call, i));
	}
	if (st->bfcp_ran) {
		if (st->bfcp_killed)
			ua_kv("bfcp_exit", "killed");
		else if (WIFEXITED(st->bfcp_status))
			ua_kv("bfcp_exit", "%d", WEXITSTATUS(st->bfcp_status));
		else
			ua_kv("bfcp_exit", "signal");
	}
	if (st->msrp_ran) {
		if (st->msrp_killed)
			ua_kv("msrp_exit", "killed");
		else if (WIFEXITED(st->msrp_status))
			ua_kv("msrp_exit", "%d", WEXITSTATUS(st->msrp_status));
		else
			ua_kv("msrp_exit", "signal");
	}
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
		{"bfcp",            required_argument, NULL, 'b'},
		{"cert",            required_argument, NULL, 'c'},
		{"bfcp-script",     required_argument, NULL, 'x'},
		{"msrp",            required_argument, NULL, 'M'},
		{"msrp-first",      no_argument,       NULL, 'F'},
		{"msrp-script",     required_argument, NULL, 'X'},
		{"msrp-id",         required_argument, NULL, 'I'},
		{"msrp-room",       required_argument, NULL, 'R'},
		{"mikey",           required_argument, NULL, 'm'},
		{"mikey-prot-tls",  required_argument, NULL, 'k'},
		{"auth-user",       required_argument, NULL, 'u'},
		{"auth-pass",       required_argument, NULL, 'w'},
		{"video",           required_argument, NULL, 'V'},
		{"video-tag",       required_argument, NULL, 'G'},
		{"video-kbps",      required_argument, NULL, 'K'},
		{"video-recvonly",  no_argument,       NULL, 'Y'},
		{"codec",           required_argument, NULL, 'o'},
		{"no-fec",          no_argument,       NULL, 'N'},
		{"swell",           no_argument,       NULL, 'J'},
		{"loss",            required_argument, NULL, 'L'},
		{"help",            no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct callst st;
	struct ua_call_prm prm;
	const char *to = NULL, *from = "sip:ua@localhost", *record = NULL;
	const char *transport = "udp", *local = "127.0.0.1";
	const char *bfcp = NULL, *mikey = NULL, *msrp = NULL;
	char fp[160], room[512];
	unsigned prot_tls = 241;
	unsigned tone_hz = 0, expect = 200;
	bool fec = true, swell = false;
	int amplitude = 8000;
	char touri[512];
	int c, err, ret = 1;
	struct ua_rxstats rxs;

	memset(&st, 0, sizeof(st));
	memset(&prm, 0, sizeof(prm));
	prm.srtp = SRTP_OFF;
	prm.port_min = 40000;
	prm.port_max = 49999;
	prm.video_kbps = 300;
	prm.video_send = true;
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
		case 'o': prm.codec = optarg; break;
		case 'N': fec = false; break;
		case 'J': swell = true; break;
		case 'L': st.loss = (unsigned)atoi(optarg); break;
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
		case 'b': bfcp = optarg; break;
		case 'c': st.cert = optarg; break;
		case 'x': st.bfcp_script = optarg; break;
		case 'M': msrp = optarg; break;
		case 'F': prm.msrp_first = true; break;
		case 'X': st.msrp_script = optarg; break;
		case 'I': st.msrp_id = optarg; break;
		case 'R': st.room = optarg; break;
		case 'm': mikey = optarg; break;
		case 'k': prot_tls = (unsigned)atoi(optarg); break;
		case 'u': prm.auth_user = optarg; break;
		case 'w': prm.auth_pass = optarg; break;
		case 'V':
			if (!strcmp(optarg, "main") || !strcmp(optarg, "both"))
				prm.video_main = true;
			if (!strcmp(optarg, "slides") ||
			    !strcmp(optarg, "both"))
				prm.video_slides = true;
			break;
		case 'G': prm.video_tag = (uint8_t)atoi(optarg); break;
		case 'K': prm.video_kbps = (unsigned)atoi(optarg); break;
		case 'Y': prm.video_send = false; break;
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
	if (bfcp) {
		if (!strcmp(bfcp, "tls"))
			prm.bfcp = UA_BFCP_TLS;
		else if (!strcmp(bfcp, "tcp"))
			prm.bfcp = UA_BFCP_TCP;
		else {
			usage();
			return 2;
		}
	}
	if (msrp) {
		if (!strcmp(msrp, "tls"))
			prm.msrp = UA_MSRP_TLS;
		else if (!strcmp(msrp, "tcp"))
			prm.msrp = UA_MSRP_TCP;
		else {
			usage();
			return 2;
		}
	}
	if ((st.msrp_script && !prm.msrp) ||
	    (prm.msrp == UA_MSRP_TLS && !mikey && !st.cert)) {
		fprintf(stderr, "confd-ua: --msrp-script needs --msrp, and "
			"--msrp tls needs --cert (or --mikey)\n");
		return 2;
	}
	if (prot_tls == 0 || prot_tls > 255 ||
	    (st.bfcp_script && !prm.bfcp) ||
	    (prm.bfcp == UA_BFCP_TLS && !mikey && !st.cert)) {
		fprintf(stderr, "confd-ua: --bfcp-script needs --bfcp, and "
			"--bfcp tls needs --cert (or --mikey)\n");
		return 2;
	}
	if (prm.bfcp == UA_BFCP_TLS && !mikey) {
		err = ua_bfcp_cert_fp(st.cert, fp, sizeof(fp));
		if (err) {
			fprintf(stderr, "confd-ua: --cert %s: %s\n", st.cert,
				strerror(err));
			return 2;
		}
		prm.bfcp_fp = fp;
	}
	if (prm.msrp == UA_MSRP_TLS && !mikey) {
		err = ua_bfcp_cert_fp(st.cert, fp, sizeof(fp));
		if (err) {
			fprintf(stderr, "confd-ua: --cert %s: %s\n", st.cert,
				strerror(err));
			return 2;
		}
		prm.msrp_fp = fp;
	}
	if (mikey) {
		err = mikey_setup(&st, mikey);
		if (err) {
			if (err == EINVAL)
				fprintf(stderr, "confd-ua: bad --mikey\n");
			st.mikey = mem_deref(st.mikey);
			return err == EINVAL ? 2 : 1;
		}
		prm.mikey = st.mikey;
		prm.mikey_peer = st.mikey_peer;
		prm.mikey_prot_tls = (uint8_t)prot_tls;
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
	/* the conference URI without URI parameters: the CPIM To */
	str_ncpy(room, to, sizeof(room));
	room[strcspn(room, ";")] = '\0';
	if (!st.room)
		st.room = room;
	if (!st.msrp_id)
		st.msrp_id = from;
	prm.cuser = "ua";

	if (prm.codec && str_casecmp(prm.codec, "PCMU") &&
	    str_casecmp(prm.codec, "opus") && str_casecmp(prm.codec, "G722")) {
		fprintf(stderr, "confd-ua: --codec: PCMU, opus or G722\n");
		return 2;
	}
	if (st.loss > 100) {
		fprintf(stderr, "confd-ua: --loss: 0-100\n");
		return 2;
	}
	err = ua_tone_alloc(&st.tone, tone_hz, amplitude);
	if (err)
		goto out;
	if (prm.codec && str_casecmp(prm.codec, "PCMU")) {
		err = ua_frames_alloc(&st.wb, prm.codec, tone_hz,
				      amplitude, fec, swell);
		if (err)
			goto out;
	}
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

	bfcp_reap(&st, true);
	msrp_reap(&st, true);
	report(&st, transport);
	memset(&rxs, 0, sizeof(rxs));
	ua_stream_stats(ua_call_stream(st.call), &rxs);
	if (ua_call_scode(st.call) != expect)
		ret = 1;
	else if (st.bfcp_ran && !st.bfcp_killed &&
		 !(WIFEXITED(st.bfcp_status) &&
		   WEXITSTATUS(st.bfcp_status) == 0))
		ret = 1;   /* the script stopped on an error */
	else if (st.msrp_ran && !st.msrp_killed &&
		 !(WIFEXITED(st.msrp_status) &&
		   WEXITSTATUS(st.msrp_status) == 0))
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
	st.wb = mem_deref(st.wb);
	st.mikey = mem_deref(st.mikey);
	return ret;
}

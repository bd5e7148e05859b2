/**
 * @file answer.c  `confd-ua answer`: a participant that is dialled.
 *
 * Listens for one INVITE on --listen IP:PORT (the focus dialling out),
 * answers it 200 and runs a PCMU tone for --duration seconds, printing
 * key=value lines at the end.  With --mikey it is the MIKEY-TICKET
 * responder (RFC 6043, tests/ua/mikey_resp.c): the offer's
 * a=key-mgmt:mikey TRANSFER_INIT is resolved at the KMS under our own
 * KMS identity, and the answer carries TRANSFER_RESP; the TEKs of the
 * two SRTP crypto sessions of the audio m-line key the media (RFC 4567
 * 7.1: the first is the initiator's stream, the second ours).  If the
 * KMS refuses (the ticket names someone else), the answer carries the
 * MIKEY Error message instead, as a UE that cannot key the call would.
 * --tamper flips a bit of our TRANSFER_RESP's MAC.
 *
 * Lines: invite=1, mikey=ok|refused|none, answered=1, bye=1 (the focus
 * hung up), rx_packets=, rx_decrypt_fail=, rx_level= (mean |sample|),
 * tx_packets=.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <re.h>
#include "tests/ua/ua.h"
#include "tests/ua/mikey_resp.h"


struct ansst {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sipsess *sess;
	struct sdp_session *sdp;
	struct sdp_media *am;
	struct ua_stream *rs;
	struct ua_clock *mc;
	struct ua_tone *tone;
	struct ua_mikey_resp *mr;
	struct tmr tmr;
	struct sa laddr;
	uint16_t port_min, port_max;
	double duration;
	const char *kms_ip;
	uint16_t kms_port;
	uint8_t kms_fp[32];
	bool tamper;
	bool invited, answered, bye, keyed, refused;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: confd-ua answer --listen IP:PORT [options]\n"
		"  --duration S        seconds of media after the answer (5)\n"
		"  --tone HZ           send a tone (default 1000)\n"
		"  --rtp-ports MIN-MAX local RTP ports (default 40000-49999)\n"
		"  --mikey UID:PSKHEX:KMSID:KMSIP:KMSPORT:KMSFP\n"
		"                      be the MIKEY-TICKET responder\n"
		"  --tamper            corrupt our TRANSFER_RESP's MAC\n");
}


static int unhex(uint8_t *out, size_t n, const char *s, size_t *lenp)
{
	size_t k = 0;

	while (*s && k < n) {
		char h[3];

		if (*s == ':') {
			++s;
			continue;
		}
		if (!s[1])
			return EINVAL;
		h[0] = s[0];
		h[1] = s[1];
		h[2] = '\0';
		out[k++] = (uint8_t)strtoul(h, NULL, 16);
		s += 2;
	}
	if (*s)
		return EINVAL;
	*lenp = k;
	return 0;
}


static void media_h(uint32_t slot, uint32_t frame, void *arg)
{
	struct ansst *st = arg;
	(void)slot;

	ua_stream_send(st->rs, frame);
}


static void quit_tmr(void *arg)
{
	(void)arg;
	re_cancel();
}


/* the media ran its time: hang up (BYE), then leave */
static void done_tmr(void *arg)
{
	struct ansst *st = arg;

	st->sess = mem_deref(st->sess);
	tmr_start(&st->tmr, 500, quit_tmr, st);
}


static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct ansst *st = arg;
	(void)err;
	(void)msg;

	st->bye = true;
	st->sess = mem_deref(st->sess);
	tmr_start(&st->tmr, 300, quit_tmr, st);
}


static void estab_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}


static int srtp_of(struct ansst *st, uint8_t cs, struct srtp **srtpp)
{
	uint8_t key[64], salt[32], ks[96];
	size_t kl = 0, sl = 0;
	int err;

	err = ua_mikey_resp_tek(st->mr, cs, key, &kl, salt, &sl);
	if (err || kl != 16 || sl != 14)
		return err ? err : ENOTSUP;

	memcpy(ks, key, kl);
	memcpy(ks + kl, salt, sl);
	return srtp_alloc(srtpp, SRTP_AES_CM_128_HMAC_SHA1_80, ks, kl + sl,
			  0);
}


/* TRANSFER_INIT -> KMS -> TRANSFER_RESP (or a MIKEY Error) */
static int mikey_answer(struct ansst *st, char **b64p)
{
	const char *v = sdp_session_rattr(st->sdp, "key-mgmt");
	uint8_t ti[8192], *resp = NULL;
	size_t til = sizeof(ti), rl = 0, bl;
	struct pl prot, data;
	char *b64;
	int err;

	if (!v)
		v = sdp_media_rattr(st->am, "key-mgmt");
	if (!v || re_regex(v, strlen(v), "[^ ]+ [^ ]+", &prot, &data) ||
	    pl_strcasecmp(&prot, "mikey"))
		return EPROTO;
	if (base64_decode(data.p, data.l, ti, &til))
		return EPROTO;

	err = ua_mikey_resp_transfer_init(st->mr, st->kms_ip, st->kms_port,
					  st->kms_fp, ti, til, "mikey");
	if (!err) {
		uint32_t ssrc = rand_u32();

		/* our stream's SSRC in CS 2 (RFC 6043 responder) */
		ua_stream_set_ssrc(st->rs, ssrc);
		err = ua_mikey_resp_set_ssrc(st->mr, 2, ssrc);
		if (!err)
			err = ua_mikey_resp_transfer_resp(st->mr, &resp,
							  &rl);
		if (!err && st->tamper)
			resp[rl - 1] ^= 0x01;
		st->keyed = !err;
	}
	else {
		fprintf(stderr, "confd-ua answer: TRANSFER_INIT: %s (KMS "
			"error %d)\n", strerror(err),
			ua_mikey_resp_kms_error(st->mr));
		st->refused = true;
		err = ua_mikey_resp_error(st->mr, &resp, &rl);
	}
	if (err)
		return err;

	bl = rl * 4 / 3 + 5;
	b64 = mem_zalloc(bl, NULL);
	if (!b64) {
		free(resp);
		return ENOMEM;
	}
	err = base64_encode(resp, rl, b64, &bl);
	free(resp);
	if (err) {
		mem_deref(b64);
		return err;
	}
	b64[bl] = '\0';
	*b64p = b64;
	return 0;
}


static void conn_h(const struct sip_msg *msg, void *arg)
{
	struct ansst *st = arg;
	struct srtp *tx = NULL, *rx = NULL;
	struct mbuf *desc = NULL;
	char *b64 = NULL;
	struct sa rtcp;
	int err;

	if (st->invited) {
		(void)sip_treply(NULL, st->sip, msg, 486, "Busy Here");
		return;
	}
	st->invited = true;
	ua_kv("invite", "1");

	err = sdp_decode(st->sdp, msg->mb, true);
	if (err || !sdp_media_rport(st->am)) {
		(void)sip_treply(NULL, st->sip, msg, 488,
				 "Not Acceptable Here");
		return;
	}

	if (st->mr) {
		err = mikey_answer(st, &b64);
		if (err) {
			(void)sip_treply(NULL, st->sip, msg, 488,
					 "Not Acceptable Here");
			return;
		}
		(void)sdp_session_set_lattr(st->sdp, true, "key-mgmt",
					    "mikey %s", b64);
		mem_deref(b64);
	}

	if (st->keyed) {
		/* CS 1: the initiator's stream (what we hear), CS 2: ours */
		err  = srtp_of(st, 1, &rx);
		err |= srtp_of(st, 2, &tx);
		if (err) {
			fprintf(stderr, "confd-ua answer: TEKs: %d\n", err);
			tx = mem_deref(tx);
			rx = mem_deref(rx);
		}
	}
	ua_kv("mikey", "%s", !st->mr ? "none" : st->keyed ? "ok"
	      : "refused");

	sdp_media_raddr_rtcp(st->am, &rtcp);
	ua_stream_start(st->rs, sdp_media_raddr(st->am), &rtcp, tx, rx, 0);
	mem_deref(tx);
	mem_deref(rx);

	err = sdp_encode(&desc, st->sdp, false);
	if (!err)
		err = sipsess_accept(&st->sess, st->sock, msg, 200, "OK",
				     "ua", "application/sdp", desc, NULL,
				     NULL, false, NULL, NULL, estab_h, NULL,
				     NULL, close_h, st, NULL);
	mem_deref(desc);
	if (err) {
		(void)sip_treply(NULL, st->sip, msg, 500, "Error");
		return;
	}

	st->answered = true;
	ua_kv("answered", "1");
	(void)ua_clock_alloc(&st->mc, 1, media_h, st);
	tmr_start(&st->tmr, (uint64_t)(st->duration * 1000), done_tmr, st);
}


static int mikey_opt(struct ansst *st, char *spec)
{
	char *f[6];
	uint8_t psk[64];
	size_t pl = 0, fl = 0;
	int i;

	/* UID:PSKHEX:KMSID:KMSIP:KMSPORT:KMSFP, the UID may hold ':' */
	for (i = 5; i > 0; i--) {
		char *c = strrchr(spec, ':');

		/* the fingerprint has ':' of its own: take 95 chars */
		if (i == 5) {
			size_t n = strlen(spec);

			if (n < 96)
				return EINVAL;
			f[5] = spec + n - 95;
			spec[n - 96] = '\0';
			continue;
		}
		if (!c)
			return EINVAL;
		*c = '\0';
		f[i] = c + 1;
	}
	f[0] = spec;

	if (unhex(psk, sizeof(psk), f[1], &pl) || !pl ||
	    unhex(st->kms_fp, sizeof(st->kms_fp), f[5], &fl) || fl != 32)
		return EINVAL;
	st->kms_ip = f[3];
	st->kms_port = (uint16_t)atoi(f[4]);

	return ua_mikey_resp_alloc(&st->mr, f[0], psk, pl, f[2]);
}


int ua_cmd_answer(int argc, char *argv[])
{
	static const struct option lo[] = {
		{"listen",    required_argument, NULL, 'l'},
		{"duration",  required_argument, NULL, 'd'},
		{"tone",      required_argument, NULL, 't'},
		{"rtp-ports", required_argument, NULL, 'r'},
		{"mikey",     required_argument, NULL, 'm'},
		{"tamper",    no_argument,       NULL, 'x'},
		{"help",      no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ansst st;
	struct ua_rxstats rxs;
	unsigned hz = 1000;
	int c, err;

	memset(&st, 0, sizeof(st));
	st.duration = 5;
	st.port_min = 40000;
	st.port_max = 49999;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (sa_decode(&st.laddr, optarg, strlen(optarg))) {
				usage();
				return 2;
			}
			break;
		case 'd':
			if (ua_parse_dur(optarg, &st.duration)) {
				usage();
				return 2;
			}
			break;
		case 't': hz = (unsigned)atoi(optarg); break;
		case 'r':
			if (ua_parse_range(optarg, &st.port_min,
					   &st.port_max)) {
				usage();
				return 2;
			}
			break;
		case 'm':
			if (mikey_opt(&st, optarg)) {
				fprintf(stderr, "confd-ua: bad --mikey\n");
				return 2;
			}
			break;
		case 'x': st.tamper = true; break;
		default:
			usage();
			return 2;
		}
	}
	if (!sa_port(&st.laddr)) {
		usage();
		return 2;
	}

	err = sip_alloc(&st.sip, NULL, 32, 32, 32, "confd-ua", NULL, NULL);
	if (!err)
		err = sip_transp_add(st.sip, SIP_TRANSP_UDP, &st.laddr);
	if (!err)
		err = sipsess_listen(&st.sock, st.sip, 32, conn_h, &st);
	if (!err)
		err = sdp_session_alloc(&st.sdp, &st.laddr);
	if (!err)
		err = ua_stream_alloc(&st.rs, &st.laddr, st.port_min,
				      st.port_max);
	if (!err)
		err = sdp_media_add(&st.am, st.sdp, "audio",
				    ua_stream_port(st.rs),
				    st.mr ? "RTP/SAVP" : "RTP/AVP");
	if (!err)
		err = sdp_format_add(NULL, st.am, false, "0", "PCMU", 8000, 1,
				     NULL, NULL, NULL, false, NULL);
	if (!err)
		err = ua_tone_alloc(&st.tone, hz, 8000);
	if (err) {
		fprintf(stderr, "confd-ua answer: set-up: %s\n",
			strerror(err));
		goto out;
	}
	ua_stream_set_tone(st.rs, st.tone);
	{
		char a[64];

		re_snprintf(a, sizeof(a), "%J", &st.laddr);
		ua_kv("listening", "%s", a);
	}

	(void)re_main(NULL);

	ua_stream_stats(st.rs, &rxs);
	ua_kv("bye", "%d", st.bye);
	ua_kv("rx_packets", "%llu", (unsigned long long)rxs.pkts);
	ua_kv("rx_decrypt_fail", "%llu",
	      (unsigned long long)rxs.decrypt_fail);
	ua_kv("rx_level", "%llu", (unsigned long long)
	      (rxs.samples ? rxs.energy / rxs.samples : 0));
	ua_kv("tx_packets", "%llu",
	      (unsigned long long)ua_stream_txcount(st.rs));

 out:
	tmr_cancel(&st.tmr);
	st.mc = mem_deref(st.mc);
	st.sess = mem_deref(st.sess);
	st.sock = mem_deref(st.sock);
	if (st.sip)
		sip_close(st.sip, true);
	st.sip = mem_deref(st.sip);
	mem_deref(st.rs);
	mem_deref(st.tone);
	mem_deref(st.sdp);
	mem_deref(st.mr);
	return err ? 1 : 0;
}

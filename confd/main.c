/**
 * @file main.c  confd: the conference focus and media server daemon.
 */
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "confd/config.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/ctl.h"
#include "confd/log.h"
#include "confd/metrics.h"
#include "confd/wipe.h"
#include "keying/cert.h"
#include "media/media.h"
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/mikey/kms_client.h"


/* Where an installed confd finds its configuration: PREFIX/etc/confd
 * (the Makefile passes the PREFIX it was built for). */
#ifndef CONFD_SYSCONFDIR
#define CONFD_SYSCONFDIR "/usr/local/etc"
#endif
#define CONFD_DEFAULT_CONF CONFD_SYSCONFDIR "/confd/confd.conf"


#define DEBUG_MODULE "confd"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static struct {
	struct config cfg;
	struct sip *sip;
	struct tls *tls;
	struct dnsc *dnsc;
	struct store *store;
	struct focus *focus;
	struct media_portpool *rtp_pool;   /* rtp_ports: audio, slides */
	struct media_portpool *tcp_pool;   /* tcp_ports: BFCP and MSRP */
	struct kmsc *kms;
	struct mikey_replay *replay;
	struct web *web;                   /* http_listen */
	struct ctl *ctl;
	struct metrics *metrics;
	bool pid_written;
	struct tmr tmr_exit;
	struct tmr tmr_wipe;
	int hup_pipe[2];
	bool terminating;
	uint32_t bye_pending;
	int exit_code;
} d;


static int reload(void)
{
	struct list defs = LIST_INIT;
	int err;

	err = store_conf_load(d.store, &defs);
	if (err) {
		DEBUG_WARNING("store: cannot load conferences: %m\n", err);
		list_flush(&defs);
		return err;
	}

	err = focus_set_confdefs(d.focus, &defs);
	list_flush(&defs);
	if (!err)
		DEBUG_NOTICE("%u conference(s) defined\n",
			     focus_conference_count(d.focus));

	return err;
}


/* Apply one conference from the store: its current definition, or its
 * removal when the store no longer has it. */
static int apply_conf(const char *uri)
{
	struct confdef *cd = NULL;
	int err;

	err = store_conf_get(d.store, &cd, uri);
	if (err == ENOENT)
		return focus_set_confdef(d.focus, uri, NULL);
	if (err)
		return err;

	return focus_set_confdef(d.focus, uri, cd);
}


/* Another node, confctl or psql changed a conference in a shared store
 * (PostgreSQL LISTEN/NOTIFY, store_pg.c): apply that one conference,
 * or everything when the change feed was lost for a while. */
static void store_changed(const char *uri, void *arg)
{
	int err;
	(void)arg;

	if (!uri) {
		(void)reload();
		return;
	}

	err = apply_conf(uri);
	if (err)
		DEBUG_WARNING("store: %s changed, not applied: %m\n", uri,
			      err);
	else
		DEBUG_INFO("store: %s changed\n", uri);
}


/* confctl reload, through the control socket */
static int ctl_reload(char *msg, size_t size, void *arg)
{
	int err;
	(void)arg;

	DEBUG_NOTICE("control: reloading conferences\n");
	err = reload();
	if (!err)
		(void)re_snprintf(msg, size, "%u conference(s) defined",
				  focus_conference_count(d.focus));
	return err;
}


/* pid_file: for init scripts; confctl uses the control socket. */
static int pid_write(void)
{
	FILE *f;

	if (!d.cfg.pid_file[0])
		return 0;

	f = fopen(d.cfg.pid_file, "w");
	if (!f) {
		int err = errno;

		DEBUG_WARNING("pid_file %s: %m\n", d.cfg.pid_file, err);
		return err;
	}
	(void)fprintf(f, "%ld\n", (long)getpid());
	(void)fclose(f);
	d.pid_written = true;
	return 0;
}


/* The web interface changed one conference in the store: apply that
 * one now (not the whole store, as SIGHUP does: issue 11) */
static int web_reload(const char *conf_uri, struct confdef *def, void *arg)
{
	int err;
	(void)arg;

	if (def) {
		/* EINVAL (no URI or another one) leaves def with us */
		err = conf_uri ? focus_set_confdef(d.focus, conf_uri, def)
			: EINVAL;
		if (err == EINVAL)
			mem_deref(def);
		return err;
	}

	if (!conf_uri)
		return reload();

	return apply_conf(conf_uri);
}


static int web_setup(void)
{
	struct web_cfg wc;
	int err;

	if (!sa_isset(&d.cfg.http_listen, SA_PORT))
		return 0;

	memset(&wc, 0, sizeof(wc));
	wc.laddr = d.cfg.http_listen;
	wc.cert = d.cfg.tls_cert;
	wc.tls = d.tls;
	wc.root = d.cfg.http_root;
	wc.domain = d.cfg.domain;
	wc.session_idle_s = d.cfg.http_session_idle_s;
	wc.session_max_s = d.cfg.http_session_max_s;
	wc.store = d.store;
	wc.focus = d.focus;
	wc.reloadh = web_reload;

	err = web_alloc(&d.web, &wc);
	if (err)
		DEBUG_WARNING("web interface on %J: %m\n", &d.cfg.http_listen,
			      err);
	else
		DEBUG_NOTICE("web interface on https://%J/\n",
			     &d.cfg.http_listen);

	return err;
}


/* What deep calls left on the stack (SDP text with keys) is cleared
 * from here, a shallow frame of the main loop (confd/wipe.h). */
static void wipe_tmr(void *arg)
{
	(void)arg;
	wipe_stack();
	tmr_start(&d.tmr_wipe, 1000, wipe_tmr, NULL);
}


static void exit_tmr(void *arg)
{
	(void)arg;
	DEBUG_NOTICE("exit\n");
	re_cancel();
}


static void sip_exit_handler(void *arg)
{
	(void)arg;
	/* every transaction finished */
	tmr_start(&d.tmr_exit, 0, exit_tmr, NULL);
}


/* libre sends the BYEs when the sessions are freed and tells nobody
 * about the replies, so while shutting down we watch the wire for the
 * final responses to BYE, to leave as soon as the last one is in. */
static void shutdown_trace(bool tx, enum sip_transp tp,
			   const struct sa *src, const struct sa *dst,
			   const uint8_t *pkt, size_t len, void *arg)
{
	struct sip_msg *msg = NULL;
	struct mbuf mb;
	(void)tp; (void)src; (void)dst; (void)arg;

	if (tx || !d.bye_pending || len < 8 || memcmp(pkt, "SIP/2.0 ", 8))
		return;

	mbuf_init(&mb);
	mb.buf = (uint8_t *)pkt;
	mb.size = mb.end = len;
	if (sip_msg_decode(&msg, &mb))
		return;

	if (!msg->req && msg->scode >= 200 &&
	    !pl_strcmp(&msg->cseq.met, "BYE") && --d.bye_pending == 0)
		tmr_start(&d.tmr_exit, 0, exit_tmr, NULL);

	mem_deref(msg);
}


static void terminate(void)
{
	if (d.terminating) {
		re_cancel();   /* second signal: leave at once */
		return;
	}

	d.terminating = true;
	d.bye_pending = focus_participant_count(d.focus);
	DEBUG_NOTICE("shutting down: hanging up %u participant(s)\n",
		     d.bye_pending);
	if (d.bye_pending)
		sip_set_trace_handler(d.sip, shutdown_trace);
	focus_shutdown(d.focus);
	tmr_start(&d.tmr_exit, d.bye_pending ? d.cfg.shutdown_wait_ms : 0,
		  exit_tmr, NULL);
}


static void signal_handler(int sig)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		terminate();
		break;
	default:
		break;
	}
}


/* SIGHUP arrives through a pipe so that the reload runs in the main
 * loop, not in signal context. */
static void hup_signal(int sig)
{
	const char c = 'h';
	(void)sig;
	if (write(d.hup_pipe[1], &c, 1) < 0) {
		/* nothing to do: a reload is already pending */
	}
}


static void hup_handler(int flags, void *arg)
{
	char buf[16];
	(void)flags;
	(void)arg;

	while (read(d.hup_pipe[0], buf, sizeof(buf)) > 0)
		;
	DEBUG_NOTICE("SIGHUP: reloading conferences\n");
	(void)reload();
}


static int sip_setup(void)
{
	struct sa nsv[8];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char dom[64];
	int err;

	if (!dns_srv_get(dom, sizeof(dom), nsv, &nsn) && nsn)
		(void)dnsc_alloc(&d.dnsc, NULL, nsv, nsn);

	/* Hash sizes for client and server transactions and connections:
	 * an INVITE server transaction lives 32 s after its answer (RFC
	 * 3261 17.2.1), so at hundreds of joins a second there are many
	 * thousands of them; small tables make every lookup a long walk. */
	err = sip_alloc(&d.sip, d.dnsc, 1024, 8192, 1024,
			"confd/" CONFD_VERSION, sip_exit_handler, NULL);
	if (err)
		return err;

	err  = sip_transp_add(d.sip, SIP_TRANSP_UDP, &d.cfg.sip_listen);
	err |= sip_transp_add(d.sip, SIP_TRANSP_TCP, &d.cfg.sip_listen);
	if (err) {
		DEBUG_WARNING("cannot listen on %J: %m\n",
			      &d.cfg.sip_listen, err);
		return err;
	}

	if (sa_isset(&d.cfg.sip_tls_listen, SA_PORT)) {
		err = sip_transp_add(d.sip, SIP_TRANSP_TLS,
				     &d.cfg.sip_tls_listen, d.tls);
		if (err) {
			DEBUG_WARNING("cannot listen on TLS %J: %m\n",
				      &d.cfg.sip_tls_listen, err);
			return err;
		}
	}

	return 0;
}


/* MIKEY-TICKET is offered only when confd.conf names a KMS. */
static int kms_setup(void)
{
	struct kmsc_cfg kc;
	int err;

	if (!d.cfg.kms_url[0])
		return 0;

	if (!d.cfg.kms_uid[0] || !d.cfg.kms_psk_len ||
	    (!d.cfg.kms_ca[0] && !d.cfg.kms_fingerprint[0])) {
		DEBUG_WARNING("kms_url needs kms_uid, kms_psk and kms_ca or "
			      "kms_fingerprint\n");
		return EINVAL;
	}

	/* one replay cache over the whole clock-skew window, for every
	 * TRANSFER_INIT this focus sees (RFC 3830 5.4) */
	err = mikey_replay_alloc(&d.replay, MIKEY_SKEW_DEFAULT, 65536);
	if (err)
		return err;

	memset(&kc, 0, sizeof(kc));
	mikey_cfg_default(&kc.mikey);
	kc.mikey.prot_tls = d.cfg.mikey_prot_tls;
	kc.mikey.prot_smime = d.cfg.mikey_prot_psk_smime;
	kc.mikey.prot_app = d.cfg.mikey_prot_app;
	kc.url = d.cfg.kms_url;
	kc.uid = d.cfg.kms_uid;
	kc.psk = d.cfg.kms_psk;
	kc.psk_len = d.cfg.kms_psk_len;
	kc.kms_id = d.cfg.kms_id[0] ? d.cfg.kms_id : NULL;
	kc.ca = d.cfg.kms_ca[0] ? d.cfg.kms_ca : NULL;
	kc.fingerprint = d.cfg.kms_fingerprint[0] ? d.cfg.kms_fingerprint
		: NULL;
	kc.timeout_ms = d.cfg.kms_timeout_ms;
	kc.rc = d.replay;
	kc.observeh = metrics_kms_observe;

	err = kmsc_alloc(&d.kms, &kc);
	if (err)
		DEBUG_WARNING("KMS client for %s: %m\n", d.cfg.kms_url, err);
	else
		DEBUG_NOTICE("MIKEY-TICKET via KMS %s as %s\n",
			     d.cfg.kms_url, d.cfg.kms_uid);

	return err;
}


/* The conference factory's new conference goes into the store before
 * anyone joins it, so that SIGHUP and restarts keep it (RFC 4579 5.4:
 * the URI stays valid). */
static int factory_store(const struct confdef *def, void *arg)
{
	const struct confdef_member *m = list_ledata(list_head(&def->members));
	int err;
	(void)arg;

	err = store_conf_add(d.store, def->uri, def->subject, def->creator,
			     def->open, def->anonymous, def->srtp);
	if (!err && m)
		err = store_part_add(d.store, def->uri, m->sip_uri, NULL,
				     m->role);
	if (!err)
		err = store_conf_set_floor(d.store, def->uri, &def->floor);
	if (err)
		(void)store_conf_del(d.store, def->uri);

	return err;
}


static int run(void)
{
	struct confdef tmpl;
	struct focus_cfg fcfg;
	int err;

	err = cert_ensure(d.cfg.tls_cert, d.cfg.domain);
	if (err) {
		DEBUG_WARNING("certificate %s: %m\n", d.cfg.tls_cert, err);
		return err;
	}

	err = cert_tls_alloc(&d.tls, d.cfg.tls_cert);
	if (err) {
		DEBUG_WARNING("TLS context from %s: %m\n", d.cfg.tls_cert,
			      err);
		return err;
	}

	/* OpenSSL decrypts a record in place in its read buffer, which
	 * would hold the last SDP (a=crypto) read on a SIP TLS connection
	 * for as long as the connection lives; released buffers are freed
	 * when idle, and so wiped (confd/wipe.c) */
	if (tls_openssl_context(d.tls))
		SSL_CTX_set_mode(tls_openssl_context(d.tls),
				 SSL_MODE_RELEASE_BUFFERS);

	err = store_open(&d.store, d.cfg.store);
	if (err) {
		/* a database URL may carry a password: not in the log */
		DEBUG_WARNING("store %s: %m\n", store_is_url(d.cfg.store) ?
			      "(postgresql)" : d.cfg.store, err);
		return err;
	}

	err = sip_setup();
	if (err)
		return err;

	err = kms_setup();
	if (err)
		return err;

	/* Every port a participant gets comes from these two pools
	 * (media/portpool.c), named by their confd.conf keys so that an
	 * exhausted range is logged by the name an operator can change. */
	err  = media_portpool_alloc(&d.rtp_pool, "rtp_ports",
				    d.cfg.rtp_port_min, d.cfg.rtp_port_max);
	err |= media_portpool_alloc(&d.tcp_pool, "tcp_ports",
				    d.cfg.tcp_port_min, d.cfg.tcp_port_max);
	if (err)
		return EINVAL;

	memset(&fcfg, 0, sizeof(fcfg));
	fcfg.domain = d.cfg.domain;
	fcfg.media_addr = d.cfg.media_addr;
	fcfg.media_addr6 = d.cfg.media_addr6;
	fcfg.rtp_pool = d.rtp_pool;
	fcfg.trusted = d.cfg.trusted;
	fcfg.trustedc = d.cfg.trustedc;
	fcfg.tls = d.tls;
	fcfg.tcp_pool = d.tcp_pool;
	fcfg.kms = d.kms;
	fcfg.mikey_prot_tls = d.cfg.mikey_prot_tls;
	fcfg.mikey_prot_smime = d.cfg.mikey_prot_psk_smime;
	fcfg.outbound_proxy = d.cfg.outbound_proxy;
	fcfg.outbound_tp = d.cfg.outbound_tp;
	fcfg.dialout_timeout_s = d.cfg.dialout_timeout_s;
	if (d.cfg.factory_uri[0]) {
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.open = d.cfg.factory_open;
		tmpl.anonymous = d.cfg.factory_anonymous;
		(void)confdef_srtp_decode(&tmpl.srtp, d.cfg.factory_srtp);
		tmpl.floor.pres_max = 1;
		fcfg.factory_uri = d.cfg.factory_uri;
		fcfg.factory_tmpl = &tmpl;
		fcfg.factoryh = factory_store;
	}
	fcfg.media_timeout = d.cfg.media_timeout;
	fcfg.digest_algv[0] = d.cfg.digest_algv[0];
	fcfg.digest_algv[1] = d.cfg.digest_algv[1];
	fcfg.digest_algc = d.cfg.digest_algc;
	fcfg.digest_nonce_lifetime = d.cfg.digest_nonce_lifetime;
	fcfg.limits.max_calls = d.cfg.max_calls;
	fcfg.limits.max_participants = d.cfg.max_participants;
	fcfg.limits.max_pending = d.cfg.max_pending;
	fcfg.limits.max_pending_per_source = d.cfg.max_pending_per_source;
	fcfg.limits.max_transactions_per_source =
		d.cfg.max_transactions_per_source;
	fcfg.limits.flood_drop_per_source = d.cfg.flood_drop_per_source;
	fcfg.limits.open_conf_share = d.cfg.open_conf_share;
	fcfg.limits.fd_reserve = d.cfg.fd_reserve;
	fcfg.limits.ack_timeout_ms = d.cfg.ack_timeout * 1000;
	fcfg.limits.retry_after = d.cfg.retry_after;
	fcfg.limits.sub_max_per_identity = d.cfg.sub_max_per_identity;
	fcfg.limits.sub_max_per_source = d.cfg.sub_max_per_source;
	fcfg.limits.sub_max_total = d.cfg.sub_max_total;
	fcfg.limits.sub_retry_after = d.cfg.sub_retry_after;
	fcfg.limits.notify_rate = d.cfg.notify_rate;
	fcfg.limits.notify_burst = d.cfg.notify_burst;
	fcfg.handshake_ms = d.cfg.handshake_timeout_ms;
	fcfg.tcp_peers_any = !d.cfg.tcp_peer_check;
	fcfg.eventh = log_focus_event;

	err = focus_alloc(&d.focus, d.sip, &fcfg);
	if (err)
		return err;

	err = reload();
	if (err)
		return err;

	/* SQLite serves one node: no change feed, SIGHUP as before */
	err = store_watch(d.store, store_changed, NULL);
	if (err == ENOTSUP)
		err = 0;
	else if (err)
		return err;
	else
		DEBUG_NOTICE("store: following changes by other nodes\n");

	err = web_setup();
	if (err)
		return err;

	if (pipe2(d.hup_pipe, O_NONBLOCK | O_CLOEXEC))
		return errno;
	err = fd_listen(d.hup_pipe[0], FD_READ, hup_handler, NULL);
	if (err)
		return err;
	signal(SIGHUP, hup_signal);
	signal(SIGPIPE, SIG_IGN);

	if (d.cfg.control_socket[0]) {
		err = ctl_alloc(&d.ctl, d.cfg.control_socket, d.focus,
				ctl_reload, NULL);
		if (err) {
			DEBUG_WARNING("control_socket %s: %m%s\n",
				      d.cfg.control_socket, err,
				      err == EADDRINUSE ? " (another confd"
				      " runs on it)" : "");
			return err;
		}
		DEBUG_NOTICE("control socket %s\n", d.cfg.control_socket);
	}

	if (sa_isset(&d.cfg.metrics_listen, SA_PORT)) {
		err = metrics_alloc(&d.metrics, &d.cfg.metrics_listen,
				    d.focus);
		if (err) {
			DEBUG_WARNING("metrics_listen %J: %m\n",
				      &d.cfg.metrics_listen, err);
			return err;
		}
		media_rtcp_observer(metrics_rtcp_observe, NULL);
		/* plain HTTP: nobody but the host should see it */
		if (!sa_is_loopback(&d.cfg.metrics_listen))
			DEBUG_WARNING("metrics on %J: plain HTTP, not on "
				      "loopback: anyone who reaches it sees "
				      "the call counts\n",
				      &d.cfg.metrics_listen);
		DEBUG_NOTICE("metrics on http://%J/metrics\n",
			     &d.cfg.metrics_listen);
	}

	err = pid_write();
	if (err)
		return err;

	if (wipe_active())
		tmr_start(&d.tmr_wipe, 1000, wipe_tmr, NULL);

	DEBUG_NOTICE("confd " CONFD_VERSION " listening on %J (udp, tcp)\n",
		     &d.cfg.sip_listen);
	if (sa_isset(&d.cfg.sip_tls_listen, SA_PORT))
		DEBUG_NOTICE("  and %J (tls)\n", &d.cfg.sip_tls_listen);

	return re_main(signal_handler);
}


static void usage(FILE *out)
{
	(void)re_fprintf(out,
		 "usage: confd [-f FILE] [-t] [-v] [-h]\n"
		 "  -f, --config FILE  configuration (default: "
		 CONFD_DEFAULT_CONF ")\n"
		 "  -t, --test         check the configuration, print it"
		 " and exit\n"
		 "  -v, --version      print the version and exit\n"
		 "  -h, --help         this text\n"
		 "Signals: TERM/INT end every call and exit; HUP reloads"
		 " the store\n"
		 "(as does `confctl reload`, through control_socket).\n");
}


int main(int argc, char *argv[])
{
	const char *cfgfile = CONFD_DEFAULT_CONF;
	bool check = false;
	int c, err;

	static const struct option longopts[] = {
		{"config",  required_argument, NULL, 'f'},
		{"test",    no_argument,       NULL, 't'},
		{"version", no_argument,       NULL, 'v'},
		{"help",    no_argument,       NULL, 'h'},
		{NULL, 0, NULL, 0},
	};

	while ((c = getopt_long(argc, argv, "f:tvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cfgfile = optarg; break;
		case 't': check = true; break;
		case 'v': (void)re_printf("confd " CONFD_VERSION "\n");
			return 0;
		case 'h': usage(stdout);
			return 0;
		default: usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	err = config_load(&d.cfg, cfgfile);
	if (err) {
		(void)re_fprintf(stderr, "confd: %s: %m\n", cfgfile, err);
		return 2;
	}
	wipe_set(d.cfg.wipe_memory);
	if (check) {
		(void)re_printf("# %s\n%H", cfgfile, config_print, &d.cfg);
		return 0;
	}

	/* relative paths (store, tls_cert, control_socket, pid_file...)
	 * are relative to state_dir when there is one */
	if (d.cfg.state_dir[0]) {
		(void)mkdir(d.cfg.state_dir, 0700);
		if (chdir(d.cfg.state_dir)) {
			err = errno;
			(void)re_fprintf(stderr, "confd: state_dir %s: %m\n",
					 d.cfg.state_dir, err);
			return 1;
		}
	}

	err = libre_init();
	if (err)
		return 1;

	/* Every participant holds several sockets (RTP, RTCP, BFCP...):
	 * raise the descriptor limit and size libre's poll set to it before
	 * anything listens, since libre fixes the size at first use. */
	{
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) &&
		    rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl))
			rl.rlim_cur = 1024;
		(void)fd_setsize((int)(rl.rlim_cur < 65536 ? rl.rlim_cur
				       : 65536));
	}

	log_init(d.cfg.log_level, d.cfg.log_json);

	err = run();
	if (err && !d.terminating) {
		DEBUG_WARNING("fatal: %m\n", err);
		d.exit_code = 1;
	}

	{
		struct mixer_stats ms;

		/* the exit report, whatever the log level */
		mixer_totals(&ms);
		log_report("mixer: %llu ticks, %llu late, worst tick %llu us",
			   (unsigned long long)ms.ticks,
			   (unsigned long long)ms.late_ticks,
			   (unsigned long long)ms.max_tick_us);
	}
	if (d.focus)
		log_report("admission: %H", focus_admission_print, d.focus);

	tmr_cancel(&d.tmr_exit);
	tmr_cancel(&d.tmr_wipe);
	if (d.hup_pipe[0] > 0) {
		fd_close(d.hup_pipe[0]);
		close(d.hup_pipe[0]);
		close(d.hup_pipe[1]);
	}
	d.ctl = mem_deref(d.ctl);
	d.metrics = mem_deref(d.metrics);
	media_rtcp_observer(NULL, NULL);
	if (d.pid_written)
		(void)unlink(d.cfg.pid_file);
	d.web = mem_deref(d.web);
	d.focus = mem_deref(d.focus);
	d.rtp_pool = mem_deref(d.rtp_pool);
	d.tcp_pool = mem_deref(d.tcp_pool);
	if (d.sip)
		sip_close(d.sip, true);
	d.sip = mem_deref(d.sip);
	d.dnsc = mem_deref(d.dnsc);
	d.kms = mem_deref(d.kms);
	d.replay = mem_deref(d.replay);
	OPENSSL_cleanse(d.cfg.kms_psk, sizeof(d.cfg.kms_psk));
	d.tls = mem_deref(d.tls);
	d.store = mem_deref(d.store);

	libre_close();
	tmr_debug();
	mem_debug();

	return d.exit_code;
}

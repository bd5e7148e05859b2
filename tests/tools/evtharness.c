/**
 * @file evtharness.c  A stand-in focus for testing eventpkg with real
 * SIP subscribers (SIPp) before the focus wiring exists.
 *
 *   evtharness -l ADDR:PORT -c CONF_URI -d DUMP [-a URI]... [-A]
 *              [-p URI=KEK] [-e MS] [-L IDENT,SOURCE,TOTAL] [-t MS] [-S MS]
 *
 * Subscribers whose From URI is given with -a are accepted, others get
 * 403; -A accepts everyone (as a focus fooled by a spoofed From would:
 * the limits are what stands then).  -L sets eventpkg's caps per
 * identity, per source address and in total (eventpkg.h; 0 keeps a
 * default).  -p gives a subscriber a PSK S/MIME key (32 hex digits; CSB ID
 * 0x01020304, CS ID 1).  A SUBSCRIBE with an application/mikey body is
 * answered after 100 ms (as the focus will, after asking the KMS) with
 * a 200 carrying an application/mikey body.
 *
 * When the first subscription is accepted it plays a script of roster
 * changes (joins, holds, media, leaves; some in bursts), writes the
 * final full document to DUMP, ends the conference after -e ms (default
 * 5000) and exits a second later.  With -t it plays no script but
 * changes the roster every MS ms from the start (a participant goes on
 * and off hold).  -S prints eventpkg's counters every MS ms:
 *   stats subs=N queued=N refused=N sent=N failed=N
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "eventpkg/eventpkg.h"


struct psk {
	char uri[128];
	uint8_t kek[16];
};

static struct {
	struct sip *sip;
	struct eventpkg *ep;
	struct eventpkg_conf *conf;
	const char *allowed[16];
	size_t allowedc;
	struct psk psks[8];
	size_t pskc;
	const char *dump;
	uint32_t end_ms;
	uint32_t tick_ms, stats_ms;
	struct tmr tmr, tmr_end, tmr_exit, tmr_tick, tmr_stats;
	int step;
	bool started;
	bool accept_all;
} h;


static void do_exit(void *arg)
{
	(void)arg;
	re_cancel();
}


static int dump_full(void)
{
	struct mbuf *mb = NULL;
	FILE *f;
	int err;

	err = cinfo_encode(&mb, eventpkg_conf_info(h.conf), 0, 0, NULL);
	if (err)
		return err;
	f = fopen(h.dump, "wb");
	if (!f) {
		mem_deref(mb);
		return errno;
	}
	fwrite(mb->buf, 1, mb->end, f);
	fclose(f);
	mem_deref(mb);
	return 0;
}


static void end_conf(void *arg)
{
	(void)arg;

	if (dump_full())
		re_fprintf(stderr, "evtharness: cannot write %s\n", h.dump);
	eventpkg_conf_end(h.conf);
	tmr_start(&h.tmr_exit, 1000, do_exit, NULL);
}


#define A "sip:alice@example.org"
#define B "sip:bob@example.org"
#define C "sip:carol@example.org"
#define D "sip:dave@example.org"


/* One step of the script; returns the delay to the next, 0 at the end.
 * Phase 1 runs right after the first subscription, phase 2 two seconds
 * later (after the subscriber refreshed). */
static uint32_t script(int step)
{
	struct cinfo *ci = eventpkg_conf_info(h.conf);

	switch (step) {

	case 0:
		cinfo_ep_set(ci, A, "sip:alice@10.0.0.1", CINFO_EP_CONNECTED,
			     CINFO_JOIN_DIALED_IN, A);
		cinfo_user_set(ci, A, "Alice", "participant");
		cinfo_media_set(ci, A, "sip:alice@10.0.0.1", "1", "audio", "1",
				"1111", CINFO_MS_SENDRECV);
		return 50;
	case 1:
		cinfo_ep_set(ci, B, "sip:bob@10.0.0.2", CINFO_EP_DIALING_OUT,
			     CINFO_JOIN_DIALED_OUT, "sip:room@example.org");
		return 50;
	case 2:
		cinfo_ep_status(ci, B, "sip:bob@10.0.0.2", CINFO_EP_ALERTING);
		eventpkg_conf_publish(h.conf);
		/* a burst: several publishes while a NOTIFY is in flight */
		cinfo_ep_status(ci, B, "sip:bob@10.0.0.2", CINFO_EP_CONNECTED);
		eventpkg_conf_publish(h.conf);
		cinfo_media_set(ci, B, "sip:bob@10.0.0.2", "1", "audio", "1",
				"2222", CINFO_MS_SENDRECV);
		eventpkg_conf_publish(h.conf);
		cinfo_ep_set(ci, C, "sip:carol@10.0.0.3", CINFO_EP_CONNECTED,
			     CINFO_JOIN_DIALED_IN, NULL);
		return 50;
	case 3:
		cinfo_ep_status(ci, A, "sip:alice@10.0.0.1", CINFO_EP_ON_HOLD);
		cinfo_media_set(ci, A, "sip:alice@10.0.0.1", "1", "audio", "1",
				"1111", CINFO_MS_SENDONLY);
		return 50;
	case 4:
		cinfo_ep_disconnect(ci, C, "sip:carol@10.0.0.3",
				    CINFO_DISC_DEPARTED, NULL);
		return 50;
	case 5:
		cinfo_user_remove(ci, C);
		return 2500;
	/* phase 2 */
	case 6:
		cinfo_ep_status(ci, A, "sip:alice@10.0.0.1",
				CINFO_EP_CONNECTED);
		cinfo_media_set(ci, A, "sip:alice@10.0.0.1", "1", "audio", "1",
				"1111", CINFO_MS_SENDRECV);
		return 50;
	case 7:
		cinfo_ep_set(ci, D, "sip:dave@10.0.0.4", CINFO_EP_CONNECTED,
			     CINFO_JOIN_DIALED_IN, NULL);
		cinfo_ep_disconnect(ci, B, "sip:bob@10.0.0.2",
				    CINFO_DISC_BOOTED, "removed by chair");
		return 50;
	case 8:
		cinfo_user_remove(ci, B);
		cinfo_set_subject(ci, "Standup (late)");
		return 0;
	default:
		return 0;
	}
}


/* -t: one change per tick, published at once */
static void tick_handler(void *arg)
{
	struct cinfo *ci = eventpkg_conf_info(h.conf);
	static bool hold;
	(void)arg;

	hold = !hold;
	cinfo_ep_set(ci, "sip:ticker@example.org", "sip:ticker@10.0.0.9",
		     hold ? CINFO_EP_ON_HOLD : CINFO_EP_CONNECTED,
		     CINFO_JOIN_DIALED_IN, NULL);
	eventpkg_conf_publish(h.conf);
	tmr_start(&h.tmr_tick, h.tick_ms, tick_handler, NULL);
}


static void print_stats(void)
{
	struct eventpkg_stats st;

	eventpkg_stats(h.ep, &st);
	re_printf("stats subs=%u queued=%u refused=%llu sent=%llu"
		  " failed=%llu\n", st.subs, st.queued,
		  (unsigned long long)st.refused_limit,
		  (unsigned long long)st.notify_sent,
		  (unsigned long long)st.notify_failed);
	fflush(stdout);
}


static void stats_handler(void *arg)
{
	(void)arg;

	print_stats();
	tmr_start(&h.tmr_stats, h.stats_ms, stats_handler, NULL);
}


static void script_handler(void *arg)
{
	uint32_t next = script(h.step++);
	(void)arg;

	eventpkg_conf_publish(h.conf);

	if (next)
		tmr_start(&h.tmr, next, script_handler, NULL);
}


static bool from_is(const struct sip_msg *msg, const char *uri)
{
	return 0 == pl_strcmp(&msg->from.auri, uri);
}


static void accept_sub(struct eventpkg_sub *sub, const struct sip_msg *msg,
		       bool mikey)
{
	static const uint8_t resp[] = "TRANSFER_RESP-placeholder";
	size_t i;
	int err;

	for (i = 0; i < h.pskc; i++) {
		if (from_is(msg, h.psks[i].uri))
			eventpkg_sub_set_psk(sub, h.psks[i].kek, 16,
					     0x01020304, 1);
	}

	err = eventpkg_sub_accept(sub, h.conf,
				  mikey ? "application/mikey" : NULL,
				  mikey ? resp : NULL,
				  mikey ? sizeof(resp) - 1 : 0);
	if (err)
		re_fprintf(stderr, "evtharness: accept: %m\n", err);

	if (!err && !h.started) {
		h.started = true;
		if (!h.tick_ms)
			tmr_start(&h.tmr, 200, script_handler, NULL);
		tmr_start(&h.tmr_end, h.end_ms, end_conf, NULL);
	}
}


struct deferred {
	struct eventpkg_sub *sub;
	struct sip_msg *msg;
	struct tmr tmr;
};


static void deferred_destructor(void *arg)
{
	struct deferred *d = arg;

	tmr_cancel(&d->tmr);
	mem_deref(d->sub);
	mem_deref(d->msg);
}


static void deferred_handler(void *arg)
{
	struct deferred *d = arg;

	accept_sub(d->sub, d->msg, true);
	mem_deref(d);
}


static void auth_handler(struct eventpkg_sub *sub, const struct sip_msg *msg,
			 void *arg)
{
	const uint8_t *mk;
	size_t i, mkn;
	(void)arg;

	for (i = 0; i < h.allowedc; i++)
		if (from_is(msg, h.allowed[i]))
			break;

	if (i == h.allowedc && !h.accept_all) {
		eventpkg_sub_reject(sub, 403, "Not On The List");
		return;
	}

	if (!eventpkg_sub_mikey(sub, &mk, &mkn)) {
		/* the KMS round trip of the real focus */
		struct deferred *d = mem_zalloc(sizeof(*d),
						deferred_destructor);
		if (!d) {
			eventpkg_sub_reject(sub, 500, "No Memory");
			return;
		}
		d->sub = mem_ref(sub);
		d->msg = mem_ref((void *)msg);
		tmr_start(&d->tmr, 100, deferred_handler, d);
		return;
	}

	accept_sub(sub, msg, false);
}


static int setup_conf(const char *uri)
{
	struct cinfo *ci;
	int err;

	err = eventpkg_conf_alloc(&h.conf, h.ep, uri);
	if (err)
		return err;

	ci = eventpkg_conf_info(h.conf);
	err |= cinfo_set_subject(ci, "Standup");
	err |= cinfo_add_conf_uri(ci, uri, "participation", NULL);
	err |= cinfo_add_avail_media(ci, "1", "audio", CINFO_MS_SENDRECV);
	err |= cinfo_set_host(ci, "confd harness", "sip:confd@example.org");

	return err;
}


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


int main(int argc, char *argv[])
{
	const char *laddr = "127.0.0.1:5070", *conf = "sip:room@example.org";
	struct eventpkg_cfg cfg;
	struct sa sa;
	int c, err;

	h.end_ms = 5000;
	memset(&cfg, 0, sizeof(cfg));

	while ((c = getopt(argc, argv, "l:c:d:a:Ap:e:L:t:S:")) != -1) {
		switch (c) {

		case 'l': laddr = optarg; break;
		case 'c': conf = optarg; break;
		case 'd': h.dump = optarg; break;
		case 'e': h.end_ms = (uint32_t)atoi(optarg); break;
		case 'A': h.accept_all = true; break;
		case 't': h.tick_ms = (uint32_t)atoi(optarg); break;
		case 'S': h.stats_ms = (uint32_t)atoi(optarg); break;
		case 'L':
			if (sscanf(optarg, "%u,%u,%u", &cfg.max_per_identity,
				   &cfg.max_per_source, &cfg.max_total) != 3)
				goto usage;
			break;
		case 'a':
			if (h.allowedc < 16)
				h.allowed[h.allowedc++] = optarg;
			break;
		case 'p': {
			char *eq = strchr(optarg, '=');
			struct psk *p = &h.psks[h.pskc];
			if (!eq || h.pskc >= 8 || strlen(eq + 1) != 32 ||
			    (size_t)(eq - optarg) >= sizeof(p->uri))
				goto usage;
			memcpy(p->uri, optarg, (size_t)(eq - optarg));
			p->uri[eq - optarg] = '\0';
			if (str_hex(p->kek, 16, eq + 1))
				goto usage;
			h.pskc++;
			break;
		}
		default:
			goto usage;
		}
	}

	if (!h.dump)
		goto usage;

	err = libre_init();
	if (err)
		return 1;

	err = sa_decode(&sa, laddr, strlen(laddr));
	err |= sip_alloc(&h.sip, NULL, 32, 32, 32, "evtharness", NULL, NULL);
	if (!err)
		err = sip_transp_add(h.sip, SIP_TRANSP_UDP, &sa);
	if (!err)
		err = eventpkg_alloc(&h.ep, h.sip, &cfg, auth_handler, NULL);
	if (!err)
		err = setup_conf(conf);
	if (err) {
		re_fprintf(stderr, "evtharness: setup: %m\n", err);
		return 1;
	}

	re_printf("evtharness: listening on %s\n", laddr);
	fflush(stdout);
	if (h.tick_ms)
		tmr_start(&h.tmr_tick, h.tick_ms, tick_handler, NULL);
	if (h.stats_ms)
		tmr_start(&h.tmr_stats, h.stats_ms, stats_handler, NULL);
	err = re_main(signal_handler);
	print_stats();

	tmr_cancel(&h.tmr);
	tmr_cancel(&h.tmr_end);
	tmr_cancel(&h.tmr_exit);
	tmr_cancel(&h.tmr_tick);
	tmr_cancel(&h.tmr_stats);
	h.conf = mem_deref(h.conf);
	h.ep = mem_deref(h.ep);
	sip_close(h.sip, true);
	h.sip = mem_deref(h.sip);
	libre_close();

	return err ? 1 : 0;

 usage:
	fprintf(stderr, "usage: evtharness -l ADDR:PORT -c CONF_URI -d DUMP"
		" [-a URI]... [-A] [-p URI=KEKHEX] [-e MS]"
		" [-L IDENT,SOURCE,TOTAL] [-t MS] [-S MS]\n");
	return 2;
}

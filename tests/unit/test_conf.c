/**
 * @file test_conf.c  confd.conf parsing, and the conference definition
 * helpers (members, SIP URI matching, policy names).
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/config.h"
#include "focus/digest.h"
#include "tests/unit/check.h"


static int parse_str(struct config *cfg, const char *s)
{
	return config_parse_buf(cfg, (const uint8_t *)s, strlen(s));
}


static bool sa_is(const struct sa *sa, const char *ip, uint16_t port)
{
	struct sa want;

	if (sa_set_str(&want, ip, port))
		return false;

	return sa_cmp(sa, &want, SA_ALL);
}


static int test_defaults(void)
{
	struct config cfg;

	CHECK_EQ(config_load(&cfg, NULL), 0);
	CHECK(sa_is(&cfg.sip_listen, "127.0.0.1", 5060));
	CHECK(sa_is(&cfg.sip_tls_listen, "127.0.0.1", 5061));
	CHECK_STR(cfg.domain, "localhost");  /* loopback: as README says */
	CHECK_STR(cfg.store, "confd.db");
	CHECK_STR(cfg.tls_cert, "confd.pem");
	CHECK_EQ(cfg.rtp_port_min, 10000);
	CHECK_EQ(cfg.rtp_port_max, 20000);
	CHECK(sa_is(&cfg.media_addr, "127.0.0.1", 0));
	CHECK_EQ(sa_af(&cfg.media_addr6), AF_UNSPEC);  /* IPv4 listener */
	CHECK_EQ(cfg.trustedc, 0);
	CHECK_EQ(cfg.log_level, 2);
	CHECK_EQ(cfg.shutdown_wait_ms, 2000);
	CHECK_EQ(cfg.media_timeout, 30);
	CHECK_STR(cfg.control_socket, "confd.ctl");    /* beside confd.db */
	CHECK_STR(cfg.pid_file, "");
	CHECK_STR(cfg.state_dir, "");
	CHECK_EQ(cfg.handshake_timeout_ms, 5000);
	CHECK(cfg.tcp_peer_check);

	/* an empty file is the defaults too */
	CHECK_EQ(parse_str(&cfg, ""), 0);
	CHECK_EQ(cfg.rtp_port_min, 10000);

	return 0;
}


static int test_every_key_from_file(void)
{
	static const char text[] =
		"# a comment\n"
		"   # an indented comment\n"
		"\n"
		"sip_listen     10.1.2.3:5080\n"
		"sip_tls_listen [::1]:5081   # trailing comment\n"
		"domain         conf.example.org\r\n"
		"store          /var/lib/confd/confd.db\n"
		"tls_cert       /etc/confd/cert#1.pem\n"
		"rtp_ports      20000-20099\n"
		"media_addr     192.0.2.7\n"
		"trusted_peers  127.0.0.1:5070, 127.0.0.2\n"
		"trusted_peers  [::1]:5072 ::2\n"
		"log_level      debug\n"
		"media_timeout  0\n"
		"handshake_timeout 1500\n"
		"tcp_peer_check no\n"
		"shutdown_wait  500";  /* no newline at the end */
	char path[] = "/tmp/confd-conf.XXXXXX";
	struct config cfg;
	int fd;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);

	CHECK_EQ(config_load(&cfg, path), 0);
	unlink(path);

	CHECK(sa_is(&cfg.sip_listen, "10.1.2.3", 5080));
	CHECK(sa_is(&cfg.sip_tls_listen, "::1", 5081));
	CHECK_STR(cfg.domain, "conf.example.org");
	CHECK_STR(cfg.store, "/var/lib/confd/confd.db");
	CHECK_STR(cfg.tls_cert, "/etc/confd/cert#1.pem");
	CHECK_EQ(cfg.rtp_port_min, 20000);
	CHECK_EQ(cfg.rtp_port_max, 20099);
	CHECK(sa_is(&cfg.media_addr, "192.0.2.7", 0));
	CHECK_EQ(cfg.trustedc, 4);
	CHECK(sa_is(&cfg.trusted[0], "127.0.0.1", 5070));
	CHECK(sa_is(&cfg.trusted[1], "127.0.0.2", 0));
	CHECK(sa_is(&cfg.trusted[2], "::1", 5072));
	CHECK(sa_is(&cfg.trusted[3], "::2", 0));
	CHECK_EQ(cfg.log_level, 3);
	CHECK_EQ(cfg.shutdown_wait_ms, 500);
	CHECK_EQ(cfg.media_timeout, 0);
	CHECK_EQ(cfg.handshake_timeout_ms, 1500);
	CHECK(!cfg.tcp_peer_check);

	CHECK_EQ(config_load(&cfg, "/nonexistent/confd.conf"), ENOENT);

	return 0;
}


static int test_derived_defaults(void)
{
	struct config cfg;

	/* domain and media_addr follow sip_listen */
	CHECK_EQ(parse_str(&cfg, "sip_listen 192.0.2.1:5060\n"), 0);
	CHECK_STR(cfg.domain, "192.0.2.1");
	CHECK(sa_is(&cfg.media_addr, "192.0.2.1", 0));

	CHECK_EQ(parse_str(&cfg, "sip_listen 0.0.0.0\n"), 0);
	CHECK(sa_is(&cfg.sip_listen, "0.0.0.0", 5060));
	CHECK_STR(cfg.domain, "localhost");

	CHECK_EQ(parse_str(&cfg, "sip_listen [::1]:5062\n"), 0);
	CHECK_STR(cfg.domain, "localhost");
	CHECK_EQ(parse_str(&cfg, "sip_listen [2001:db8::1]:5062\n"), 0);
	CHECK_STR(cfg.domain, "[2001:db8::1]");

	/* the media addresses follow sip_listen in its own family only,
	 * and so does SIP over TLS (port 5061) */
	CHECK_EQ(parse_str(&cfg, "sip_listen [::1]:5062\n"), 0);
	CHECK(sa_is(&cfg.media_addr6, "::1", 0));
	CHECK_EQ(sa_af(&cfg.media_addr), AF_UNSPEC);
	CHECK(sa_is(&cfg.sip_tls_listen, "::1", 5061));
	CHECK_EQ(parse_str(&cfg, "sip_listen [::1]\nmedia_addr 127.0.0.1\n"),
		 0);
	CHECK(sa_is(&cfg.media_addr, "127.0.0.1", 0));
	CHECK(sa_is(&cfg.media_addr6, "::1", 0));
	CHECK_EQ(parse_str(&cfg, "media_addr6 ::1\n"), 0);
	CHECK(sa_is(&cfg.media_addr, "127.0.0.1", 0));
	CHECK(sa_is(&cfg.media_addr6, "::1", 0));
	CHECK_EQ(parse_str(&cfg, "sip_listen 192.0.2.1:5070\n"), 0);
	CHECK(sa_is(&cfg.sip_tls_listen, "192.0.2.1", 5061));
	/* no media address at all */
	CHECK_EQ(parse_str(&cfg, "media_addr off\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "media_addr off\nmedia_addr6 ::1\n"), 0);
	CHECK_EQ(sa_af(&cfg.media_addr), AF_UNSPEC);

	/* the control socket beside the store, unless given or off */
	CHECK_EQ(parse_str(&cfg, "store /var/lib/confd/confd.db\n"), 0);
	CHECK_STR(cfg.control_socket, "/var/lib/confd/confd.ctl");
	CHECK_EQ(parse_str(&cfg, "store /x/c.db\ncontrol_socket /run/c\n"),
		 0);
	CHECK_STR(cfg.control_socket, "/run/c");
	CHECK_EQ(parse_str(&cfg, "control_socket off\npid_file /run/p\n"
			   "state_dir /var/lib/confd\n"), 0);
	CHECK_STR(cfg.control_socket, "");
	CHECK_STR(cfg.pid_file, "/run/p");
	CHECK_STR(cfg.state_dir, "/var/lib/confd");

	/* TLS off */
	CHECK_EQ(parse_str(&cfg, "sip_tls_listen off\n"), 0);
	CHECK_EQ(sa_port(&cfg.sip_tls_listen), 0);
	CHECK_EQ(parse_str(&cfg, "sip_tls_listen\n"), 0);
	CHECK_EQ(sa_port(&cfg.sip_tls_listen), 0);

	/* numeric log levels; an empty trusted_peers line is no peer */
	CHECK_EQ(parse_str(&cfg, "log_level 0\ntrusted_peers\n"), 0);
	CHECK_EQ(cfg.log_level, 0);
	CHECK_EQ(cfg.trustedc, 0);
	CHECK_EQ(parse_str(&cfg, "log_level warn\n"), 0);
	CHECK_EQ(cfg.log_level, 1);

	/* unknown keys are only a warning */
	CHECK_EQ(parse_str(&cfg, "no_such_key 1\nlog_level error\n"), 0);
	CHECK_EQ(cfg.log_level, 0);

	return 0;
}


static int test_bad_values(void)
{
	static const char *const bad[] = {
		"rtp_ports 10001-20000\n",    /* odd MIN */
		"rtp_ports 20000-10000\n",    /* reversed */
		"rtp_ports 10000-10000\n",    /* empty */
		"rtp_ports 10000\n",
		"rtp_ports abc-def\n",
		"rtp_ports 10000-70000\n",
		"rtp_ports -10000\n",
		"rtp_ports 0-100\n",
		"media_addr ::1\n",          /* IPv6 goes in media_addr6 */
		"media_addr6 127.0.0.1\n",
		"media_addr6 [::1]:5000\n",
		"control_socket /tmp/0123456789012345678901234567890123456789"
		"01234567890123456789012345678901234567890123456789012345678"
		"9/0123456789/c\n",          /* longer than sun_path */
		"sip_listen 999.1.1.1:5060\n",
		"sip_listen example.org:5060\n",
		"sip_listen 127.0.0.1:0\n",
		"sip_listen 127.0.0.1:65536\n",
		"sip_listen 127.0.0.1:\n",
		"sip_listen [::1\n",
		"sip_listen 127.0.0.1 127.0.0.2\n", /* two values */
		"sip_listen\n",                    /* no value */
		"sip_tls_listen on\n",
		"media_addr 127.0.0.1:4000\n",     /* no port here */
		"trusted_peers 127.0.0.1, bogus\n",
		"log_level loud\n",
		"log_level 4\n",
		"shutdown_wait -1\n",
		"shutdown_wait 99999999999\n",
		"shutdown_wait 1e3\n",
		"media_timeout -1\n",
		"media_timeout 86401\n",
		"media_timeout 3s\n",
		"handshake_timeout 99\n",         /* 100-60000 ms */
		"handshake_timeout 60001\n",
		"handshake_timeout 0\n",
		"tcp_peer_check maybe\n",
		"domain bad/domain\n",
		"domain [not-v6]\n",
		"log_level info\nlog_level debug\n",  /* given twice */
		"outbound_proxy proxy.example.org:5060\n",  /* no DNS */
		"outbound_proxy 127.0.0.1:5070;transport=sctp\n",
		"outbound_proxy 127.0.0.1:5070;lr\n",
		"dialout_timeout 0\n",
		"dialout_timeout 3601\n",
		"factory_uri factory@conf.test\n",
		"factory_uri <sip:factory@conf.test>\n",
		"factory_open maybe\n",
		"factory_srtp mandatory\n",
	};
	struct config cfg;
	size_t i;
	char big[400];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = parse_str(&cfg, bad[i]);
		if (err != EINVAL) {
			fprintf(stderr, "accepted: %s", bad[i]);
			return EINVAL;
		}
	}

	/* NUL inside the buffer */
	CHECK_EQ(config_parse_buf(&cfg, (const uint8_t *)"store a\0b\n", 10),
		 EINVAL);

	/* a path that does not fit */
	memset(big, 'a', sizeof(big));
	memcpy(big, "store ", 6);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(parse_str(&cfg, big), EINVAL);

	/* more trusted peers than fit */
	CHECK_EQ(parse_str(&cfg, "trusted_peers 127.0.0.1 127.0.0.2"
			   " 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6"
			   " 127.0.0.7 127.0.0.8 127.0.0.9 127.0.0.10"
			   " 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14"
			   " 127.0.0.15 127.0.0.16 127.0.0.17\n"), EINVAL);

	return 0;
}


/* dial-out and factory keys (issue 10) */
static int test_dialout_keys(void)
{
	struct config cfg;

	CHECK_EQ(parse_str(&cfg, ""), 0);
	CHECK_EQ(sa_isset(&cfg.outbound_proxy, SA_PORT), false);
	CHECK_EQ(cfg.dialout_timeout_s, 60u);
	CHECK_EQ(cfg.factory_uri[0], '\0');
	CHECK_EQ(strcmp(cfg.factory_srtp, "required"), 0);

	CHECK_EQ(parse_str(&cfg, "outbound_proxy 127.0.0.1:5070;"
			   "transport=tcp\ndialout_timeout 5\n"
			   "factory_uri sip:factory@conf.test\n"
			   "factory_open yes\nfactory_srtp optional\n"), 0);
	CHECK_EQ(sa_port(&cfg.outbound_proxy), 5070);
	CHECK_EQ(cfg.outbound_tp, SIP_TRANSP_TCP);
	CHECK_EQ(cfg.dialout_timeout_s, 5u);
	CHECK_EQ(strcmp(cfg.factory_uri, "sip:factory@conf.test"), 0);
	CHECK_EQ(cfg.factory_open, true);
	CHECK_EQ(strcmp(cfg.factory_srtp, "optional"), 0);

	CHECK_EQ(parse_str(&cfg, "outbound_proxy 127.0.0.1\n"), 0);
	CHECK_EQ(sa_port(&cfg.outbound_proxy), 5060);
	CHECK_EQ(cfg.outbound_tp, SIP_TRANSP_UDP);

	return 0;
}


static int test_trusted(void)
{
	struct config cfg;
	struct sa peer;

	CHECK_EQ(parse_str(&cfg, "trusted_peers 127.0.0.2:5070,127.0.0.3\n"
			   "trusted_peers [::1]:5080\n"), 0);

	/* with a port: that port only */
	CHECK_EQ(sa_set_str(&peer, "127.0.0.2", 5070), 0);
	CHECK(config_trusted(&cfg, &peer));
	CHECK_EQ(sa_set_str(&peer, "127.0.0.2", 5071), 0);
	CHECK(!config_trusted(&cfg, &peer));

	/* without a port: any port */
	CHECK_EQ(sa_set_str(&peer, "127.0.0.3", 1), 0);
	CHECK(config_trusted(&cfg, &peer));
	CHECK_EQ(sa_set_str(&peer, "127.0.0.3", 65000), 0);
	CHECK(config_trusted(&cfg, &peer));

	CHECK_EQ(sa_set_str(&peer, "127.0.0.4", 5070), 0);
	CHECK(!config_trusted(&cfg, &peer));

	/* IPv6, and an IPv4 peer seen on a dual-stack socket */
	CHECK_EQ(sa_set_str(&peer, "::1", 5080), 0);
	CHECK(config_trusted(&cfg, &peer));
	CHECK_EQ(sa_set_str(&peer, "::ffff:127.0.0.3", 9), 0);
	CHECK(config_trusted(&cfg, &peer));

	CHECK(!config_trusted(&cfg, NULL));

	/* no trusted peers: nobody */
	CHECK_EQ(config_load(&cfg, NULL), 0);
	CHECK_EQ(sa_set_str(&peer, "127.0.0.1", 5060), 0);
	CHECK(!config_trusted(&cfg, &peer));

	return 0;
}


static int test_print(void)
{
	struct config cfg;
	char *s = NULL;

	CHECK_EQ(parse_str(&cfg, "trusted_peers 127.0.0.2:5070 127.0.0.3\n"
			   "sip_tls_listen off\n"), 0);
	CHECK_EQ(re_sdprintf(&s, "%H", config_print, &cfg), 0);
	CHECK(strstr(s, "sip_listen      127.0.0.1:5060") != NULL);
	CHECK(strstr(s, "sip_tls_listen  off") != NULL);
	CHECK(strstr(s, "127.0.0.2:5070 127.0.0.3") != NULL);
	CHECK(strstr(s, "log_level       info") != NULL);
	mem_deref(s);

	return 0;
}


/* The limits (focus/admission.c): defaults, each key, 0, the edges. */
static int test_limits(void)
{
	struct config cfg;

	CHECK_EQ(config_load(&cfg, NULL), 0);
	CHECK_EQ(cfg.max_calls, 2000);
	CHECK_EQ(cfg.max_participants, 500);
	CHECK_EQ(cfg.max_pending, 256);
	CHECK_EQ(cfg.max_pending_per_source, 32);
	CHECK_EQ(cfg.max_transactions_per_source, 400);
	CHECK_EQ(cfg.flood_drop_per_source, 50);
	CHECK_EQ(cfg.open_conf_share, 80);
	CHECK_EQ(cfg.fd_reserve, 128);
	CHECK_EQ(cfg.ack_timeout, 8);
	CHECK_EQ(cfg.retry_after, 10);
	CHECK_EQ(cfg.sub_max_per_identity, 4);
	CHECK_EQ(cfg.sub_max_per_source, 16);
	CHECK_EQ(cfg.sub_max_total, 1000);
	CHECK_EQ(cfg.sub_retry_after, 60);
	CHECK_EQ(cfg.notify_rate, 200);
	CHECK_EQ(cfg.notify_burst, 50);

	CHECK_EQ(parse_str(&cfg, "max_calls 3\nmax_participants 2\n"
			   "max_pending 0\nmax_pending_per_source 1\n"
			   "max_transactions_per_source 7\n"
			   "flood_drop_per_source 0\nopen_conf_share 100\n"
			   "fd_reserve 0\nack_timeout 32\nretry_after 3600\n"
			   "sub_max_per_identity 1\nsub_max_per_source 2\n"
			   "sub_max_total 3\nsub_retry_after 1\n"
			   "notify_rate 0\nnotify_burst 1\n"), 0);
	CHECK_EQ(cfg.max_calls, 3);
	CHECK_EQ(cfg.max_participants, 2);
	CHECK_EQ(cfg.max_pending, 0);
	CHECK_EQ(cfg.max_pending_per_source, 1);
	CHECK_EQ(cfg.max_transactions_per_source, 7);
	CHECK_EQ(cfg.flood_drop_per_source, 0);
	CHECK_EQ(cfg.open_conf_share, 100);
	CHECK_EQ(cfg.fd_reserve, 0);
	CHECK_EQ(cfg.ack_timeout, 32);
	CHECK_EQ(cfg.retry_after, 3600);
	CHECK_EQ(cfg.sub_max_per_identity, 1);
	CHECK_EQ(cfg.sub_max_per_source, 2);
	CHECK_EQ(cfg.sub_max_total, 3);
	CHECK_EQ(cfg.sub_retry_after, 1);
	CHECK_EQ(cfg.notify_rate, 0);
	CHECK_EQ(cfg.notify_burst, 1);

	/* one over (and under) each edge */
	CHECK_EQ(parse_str(&cfg, "open_conf_share 0\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "open_conf_share 101\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "ack_timeout 33\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "retry_after 0\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "retry_after 3601\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "fd_reserve 65537\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "max_calls 1000001\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "max_calls -1\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "max_calls 1 2\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "max_calls 1\nmax_calls 2\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "notify_burst 0\n"), EINVAL);
	/* keys past the 32nd of the table are still seen twice */
	CHECK_EQ(parse_str(&cfg, "notify_burst 1\nnotify_burst 2\n"),
		 EINVAL);

	/* a MIKEY join's ACK timer must outlast the KMS request */
	CHECK_EQ(parse_str(&cfg, "kms_url https://127.0.0.1:1/m\n"
			   "kms_timeout 8000\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "kms_url https://127.0.0.1:1/m\n"
			   "kms_timeout 7999\n"), 0);
	CHECK_EQ(parse_str(&cfg, "kms_url https://127.0.0.1:1/m\n"
			   "kms_timeout 9000\nack_timeout 0\n"), 0);

	return 0;
}


/* The shipped confd.conf must load (tests run from the repo root). */
static int test_shipped_conf(void)
{
	struct config cfg;

	if (access("confd.conf", R_OK))
		return 0;

	CHECK_EQ(config_load(&cfg, "confd.conf"), 0);
	CHECK_STR(cfg.domain, "localhost");
	CHECK_EQ(cfg.rtp_port_min, 10000);
	CHECK_EQ(cfg.rtp_port_max, 10999);

	return 0;
}


static int test_uri_match(void)
{
	/* host is case-insensitive, user is not */
	CHECK(confdef_uri_match("sip:alice@example.org",
				"sip:alice@EXAMPLE.ORG"));
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sip:Alice@example.org"));
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sip:bob@example.org"));
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sip:alice@example.com"));
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sip:example.org"));

	/* scheme is case-insensitive */
	CHECK(confdef_uri_match("SIP:alice@example.org",
				"sip:alice@example.org"));

	/* parameters, headers and passwords are ignored */
	CHECK(confdef_uri_match("sip:alice@example.org",
				"sip:alice@example.org;transport=tcp;lr"));
	CHECK(confdef_uri_match("sip:alice@example.org;user=phone",
				"sip:alice@example.org?subject=x"));
	CHECK(confdef_uri_match("sip:alice:secret@example.org",
				"sip:alice@example.org"));

	/* escapes equal the characters they stand for */
	CHECK(confdef_uri_match("sip:%61lice@example.org",
				"sip:alice@example.org"));

	/* ports: absent is the scheme's default */
	CHECK(confdef_uri_match("sip:alice@example.org",
				"sip:alice@example.org:5060"));
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sip:alice@example.org:5070"));
	CHECK(confdef_uri_match("sips:alice@example.org:5061",
				"sips:alice@example.org"));

	/* sip and sips are different identities (RFC 3261 19.1.4) */
	CHECK(!confdef_uri_match("sip:alice@example.org",
				 "sips:alice@example.org"));

	/* IP literals compare as addresses */
	CHECK(confdef_uri_match("sip:alice@[::1]",
				"sip:alice@[0:0:0:0:0:0:0:1]"));
	CHECK(confdef_uri_match("sip:alice@127.0.0.1",
				"sip:alice@127.0.0.1:5060"));

	/* not bare sip URIs: nothing matches */
	CHECK(!confdef_uri_match("<sip:alice@example.org>",
				 "<sip:alice@example.org>"));
	CHECK(!confdef_uri_match("tel:+123", "tel:+123"));
	CHECK(!confdef_uri_match("alice", "alice"));
	CHECK(!confdef_uri_match(NULL, "sip:alice@example.org"));
	CHECK(!confdef_uri_match("sip:alice@example.org:99999",
				 "sip:alice@example.org:34463"));

	CHECK(confdef_uri_valid("sip:room@localhost"));
	CHECK(confdef_uri_valid("sips:[::1]:5061;transport=tls"));
	CHECK(!confdef_uri_valid("sip:"));
	CHECK(!confdef_uri_valid("sip:a b@c"));
	CHECK(!confdef_uri_valid("http://example.org/"));
	CHECK(!confdef_uri_valid("sip:a@b:0"));
	CHECK(!confdef_uri_valid("sip:a@b:x"));
	CHECK(!confdef_uri_valid(""));

	return 0;
}


static int test_members(void)
{
	struct confdef *cd = NULL;
	const struct confdef_member *m;

	CHECK_EQ(confdef_alloc(&cd, "sip:room@example.org"), 0);
	CHECK_STR(cd->uri, "sip:room@example.org");
	CHECK_STR(cd->subject, "");
	CHECK_EQ(cd->srtp, CONFDEF_SRTP_REQUIRED);
	CHECK(!cd->open);

	CHECK_EQ(confdef_member_add(cd, "sip:alice@example.org", NULL,
				    CONFDEF_CHAIR), 0);
	CHECK_EQ(confdef_member_add(cd, "sip:bob@example.org", "kms-bob",
				    CONFDEF_PARTICIPANT), 0);
	CHECK_EQ(confdef_member_add(cd, "sip:alice@Example.org", NULL,
				    CONFDEF_PARTICIPANT), EEXIST);
	CHECK_EQ(confdef_member_add(cd, "", NULL, CONFDEF_PARTICIPANT),
		 EINVAL);
	CHECK_EQ(list_count(&cd->members), 2);

	m = confdef_member_find(cd, "sip:alice@EXAMPLE.org;transport=udp");
	CHECK(m != NULL);
	CHECK_EQ(m->role, CONFDEF_CHAIR);
	CHECK_STR(m->kms_uid, "sip:alice@example.org");

	CHECK(confdef_member_find(cd, "sip:carol@example.org") == NULL);

	m = confdef_member_find_kms(cd, "kms-bob");
	CHECK(m != NULL);
	CHECK_STR(m->sip_uri, "sip:bob@example.org");

	/* KMS UIDs are exact: no case folding */
	CHECK(confdef_member_find_kms(cd, "KMS-bob") == NULL);
	CHECK(confdef_member_find_kms(cd, "sip:alice@example.org") != NULL);
	CHECK(confdef_member_find_kms(cd, "sip:alice@EXAMPLE.org") == NULL);

	mem_deref(cd);

	CHECK_EQ(confdef_alloc(&cd, NULL), EINVAL);

	return 0;
}


/* confdef_member_find goes through a hash of canonical URIs (issue 11):
 * it must find exactly what confdef_uri_match would, for every pair. */
static int test_member_hash(void)
{
	static const char *uris[] = {
		"sip:alice@example.org",
		"sip:alice@EXAMPLE.ORG",
		"SIP:alice@example.org:5060;transport=tcp",
		"sip:%61lice@example.org?subject=x",
		"sip:alice:secret@example.org",
		"sip:Alice@example.org",
		"sip:alice@example.org:5070",
		"sips:alice@example.org",
		"sips:alice@example.org:5061",
		"sip:alice@[::1]",
		"sip:alice@[0:0:0:0:0:0:0:1]:5060",
		"sip:alice@127.0.0.1",
		"sip:alice@127.0.0.1:5060",
		"sip:example.org",
		"sip:a%zzb@example.org",
		"<sip:alice@example.org>",
		"tel:+123",
		"sip:alice@example.org:99999",
	};
	struct confdef *cd = NULL;
	const struct confdef_member *m;
	char uri[64];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(uris); i++) {
		for (j = 0; j < ARRAY_SIZE(uris); j++) {
			bool match = confdef_uri_match(uris[i], uris[j]);
			uint32_t ki, kj;

			/* equal URIs have equal keys; no key: matches
			 * nothing */
			if (match) {
				CHECK_EQ(confdef_uri_key(&ki, uris[i]), 0);
				CHECK_EQ(confdef_uri_key(&kj, uris[j]), 0);
				CHECK_EQ(ki, kj);
			}
			if (confdef_uri_key(&ki, uris[i]))
				CHECK(!match);

			CHECK_EQ(confdef_alloc(&cd, "sip:room@example.org"),
				 0);
			CHECK_EQ(confdef_member_add(cd, uris[i], NULL,
						    CONFDEF_PARTICIPANT), 0);
			CHECK_EQ(confdef_member_find(cd, uris[j]) != NULL,
				 match);
			CHECK_EQ(confdef_member_add(cd, uris[j], NULL,
						    CONFDEF_PARTICIPANT),
				 match ? EEXIST : 0);
			cd = mem_deref(cd);
		}
	}

	/* a long list: every member found, none twice, and a member freed
	 * leaves the hash with it */
	CHECK_EQ(confdef_alloc(&cd, "sip:room@example.org"), 0);
	for (i = 0; i < 5000; i++) {
		(void)re_snprintf(uri, sizeof(uri), "sip:p%zu@example.org", i);
		CHECK_EQ(confdef_member_add(cd, uri, NULL,
					    CONFDEF_PARTICIPANT), 0);
	}
	CHECK_EQ(list_count(&cd->members), 5000);
	for (i = 0; i < 5000; i += 7) {
		(void)re_snprintf(uri, sizeof(uri), "sip:p%zu@EXAMPLE.org",
				  i);
		m = confdef_member_find(cd, uri);
		CHECK(m != NULL);
		(void)re_snprintf(uri, sizeof(uri), "sip:p%zu@example.org", i);
		CHECK_STR(m->sip_uri, uri);
		CHECK_EQ(confdef_member_add(cd, uri, NULL,
					    CONFDEF_PARTICIPANT), EEXIST);
	}
	m = confdef_member_find(cd, "sip:p4999@example.org");
	CHECK(m != NULL);
	mem_deref((void *)m);
	CHECK(confdef_member_find(cd, "sip:p4999@example.org") == NULL);
	CHECK_EQ(list_count(&cd->members), 4999);
	CHECK_EQ(confdef_member_add(cd, "sip:p4999@example.org", NULL,
				    CONFDEF_PARTICIPANT), 0);
	mem_deref(cd);

	return 0;
}


static int test_names(void)
{
	enum confdef_srtp srtp;
	enum confdef_role role;

	CHECK_STR(confdef_srtp_name(CONFDEF_SRTP_REQUIRED), "required");
	CHECK_STR(confdef_srtp_name(CONFDEF_SRTP_OPTIONAL), "optional");
	CHECK_STR(confdef_srtp_name(CONFDEF_SRTP_OFF), "off");
	CHECK_STR(confdef_role_name(CONFDEF_CHAIR), "chair");
	CHECK_STR(confdef_role_name(CONFDEF_PARTICIPANT), "participant");

	CHECK_EQ(confdef_srtp_decode(&srtp, "optional"), 0);
	CHECK_EQ(srtp, CONFDEF_SRTP_OPTIONAL);
	CHECK_EQ(confdef_srtp_decode(&srtp, "off"), 0);
	CHECK_EQ(srtp, CONFDEF_SRTP_OFF);
	CHECK_EQ(confdef_srtp_decode(&srtp, "required"), 0);
	CHECK_EQ(srtp, CONFDEF_SRTP_REQUIRED);
	CHECK_EQ(confdef_srtp_decode(&srtp, "Required"), EINVAL);
	CHECK_EQ(confdef_srtp_decode(&srtp, ""), EINVAL);

	CHECK_EQ(confdef_role_decode(&role, "chair"), 0);
	CHECK_EQ(role, CONFDEF_CHAIR);
	CHECK_EQ(confdef_role_decode(&role, "participant"), 0);
	CHECK_EQ(role, CONFDEF_PARTICIPANT);
	CHECK_EQ(confdef_role_decode(&role, "admin"), EINVAL);

	return 0;
}


/* the keying policy's comma list (confdef.h) */
static int test_keying_names(void)
{
	unsigned k = 0;
	char buf[64];

	CHECK_EQ(confdef_keying_decode(&k, "sdes,dtls,mikey,tls"), 0);
	CHECK_EQ(k, CONFDEF_KEY_ALL);
	CHECK_EQ(confdef_keying_decode(&k, "all"), 0);
	CHECK_EQ(k, CONFDEF_KEY_ALL);
	CHECK_EQ(confdef_keying_decode(&k, "dtls"), 0);
	CHECK_EQ(k, CONFDEF_KEY_DTLS);
	CHECK_EQ(confdef_keying_decode(&k, "mikey,sdes"), 0);
	CHECK_EQ(k, CONFDEF_KEY_MIKEY | CONFDEF_KEY_SDES);
	CHECK_EQ(confdef_keying_print(buf, sizeof(buf), k), 0);
	CHECK_STR(buf, "sdes,mikey");

	CHECK_EQ(confdef_keying_decode(&k, ""), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, "sdes,"), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, ",sdes"), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, "sdes,sdes"), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, "SDES"), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, "sdes dtls"), EINVAL);
	CHECK_EQ(confdef_keying_decode(&k, "zrtp"), EINVAL);
	CHECK_EQ(confdef_keying_print(buf, sizeof(buf), 0), EINVAL);
	CHECK_EQ(confdef_keying_print(buf, 4, CONFDEF_KEY_ALL), ENOMEM);

	return 0;
}


/* digest_algorithms: MD5 alone by default (docs/libre.md), the order
 * kept as given (RFC 8760 2.4), each once; nonce lifetime 1-3600 s */
static int test_digest_keys(void)
{
	struct config cfg;

	CHECK_EQ(parse_str(&cfg, ""), 0);
	CHECK_EQ(cfg.digest_algc, 1);
	CHECK_EQ(cfg.digest_algv[0], DIGEST_MD5);
	CHECK_EQ(cfg.digest_nonce_lifetime, 300);

	CHECK_EQ(parse_str(&cfg, "digest_algorithms SHA-256,MD5\n"
			   "digest_nonce_lifetime 2\n"), 0);
	CHECK_EQ(cfg.digest_algc, 2);
	CHECK_EQ(cfg.digest_algv[0], DIGEST_SHA256);
	CHECK_EQ(cfg.digest_algv[1], DIGEST_MD5);
	CHECK_EQ(cfg.digest_nonce_lifetime, 2);

	CHECK_EQ(parse_str(&cfg, "digest_algorithms sha-256\n"), 0);
	CHECK_EQ(cfg.digest_algc, 1);
	CHECK_EQ(cfg.digest_algv[0], DIGEST_SHA256);

	CHECK_EQ(parse_str(&cfg, "digest_algorithms SHA-1\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "digest_algorithms MD5,MD5\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "digest_algorithms MD5,\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "digest_nonce_lifetime 0\n"), EINVAL);
	CHECK_EQ(parse_str(&cfg, "digest_nonce_lifetime 3601\n"), EINVAL);

	return 0;
}


TEST_MAIN("conf",
	  CASE(test_defaults),
	  CASE(test_every_key_from_file),
	  CASE(test_derived_defaults),
	  CASE(test_bad_values),
	  CASE(test_dialout_keys),
	  CASE(test_trusted),
	  CASE(test_print),
	  CASE(test_limits),
	  CASE(test_shipped_conf),
	  CASE(test_uri_match),
	  CASE(test_members),
	  CASE(test_member_hash),
	  CASE(test_names),
	  CASE(test_keying_names),
	  CASE(test_digest_keys))

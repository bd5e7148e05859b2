/**
 * @file kmsd.c  kmsd, the reference MIKEY-TICKET KMS (RFC 6043, 33.328 G.3)
 *
 *   kmsd -f kmsd.conf
 *
 * kmsd.conf: see kms/kmsd_conf.h (read by our own bounded scanner, not
 * libre's conf_get(): kms/kmsd_conf.c says why).  The users file has
 * "KMS-UID PSK-HEX" a line, '#' comments.
 *
 * Stateless except for the replay cache: tickets carry their keys,
 * sealed with the master key.  Each answer is in the requester's suite
 * (RFC 6043 12.1; keying/mikey/kms.c).
 */
#include <string.h>
#include <stdlib.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <re.h>
#include "keying/mikey/mikey.h"
#include "keying/mikey/mikey_ticket.h"
#include "keying/cert.h"
#include "kms/kms_srv.h"
#include "kms/kmsd_conf.h"


enum { USERS_MAX = 100000, PSK_MAX = 64 };

struct user {
	struct le he;
	char *uid;
	uint8_t psk[PSK_MAX];
	size_t psk_len;
	struct mikey_kms_user u;
};

static struct {
	struct hash *users;
	struct mikey_kms kms;
	struct kmsd_conf conf;
} g;


static void user_destructor(void *arg)
{
	struct user *u = arg;

	hash_unlink(&u->he);
	OPENSSL_cleanse(u->psk, sizeof(u->psk));
	mem_deref(u->uid);
}


static bool uid_cmp(struct le *le, void *arg)
{
	const struct user *u = le->data;
	const struct pl *id = arg;

	return !pl_strcmp(id, u->uid);
}


static const struct mikey_kms_user *user_h(const uint8_t *id, size_t len,
					   void *arg)
{
	struct pl pl = {(const char *)id, len};
	struct le *le;
	(void)arg;

	le = hash_lookup(g.users, hash_joaat((const uint8_t *)id, len),
			 uid_cmp, &pl);
	return le ? &((struct user *)le->data)->u : NULL;
}


static int users_load(const char *path)
{
	struct pl line, rest;
	size_t count = 0, lineno = 0;
	int err = 0;

	{
		FILE *f = fopen(path, "r");
		char buf[1024];

		if (!f) {
			err = errno;
			re_fprintf(stderr, "kmsd: %s: %m\n", path, err);
			return err;
		}
		while (fgets(buf, sizeof(buf), f)) {
			struct pl uid, psk;
			struct user *u;

			++lineno;
			pl_set_str(&line, buf);
			/* fgets() would hand a longer line over in pieces */
			if (line.l == sizeof(buf) - 1 &&
			    buf[line.l - 1] != '\n' && !feof(f)) {
				re_fprintf(stderr, "kmsd: %s:%zu: line too "
					   "long\n", path, lineno);
				err = EINVAL;
				break;
			}
			/* skip blanks; '#' starts a comment */
			while (line.l && strchr(" \t", *line.p)) {
				++line.p;
				--line.l;
			}
			if (!line.l || strchr("#\r\n", *line.p))
				continue;
			if (re_regex(line.p, line.l, "[^ \t]+[ \t]+"
				     "[0-9a-fA-F]+[ \t\r\n]*[^]*", &uid, NULL,
				     &psk, NULL, &rest) || rest.l) {
				re_fprintf(stderr, "kmsd: %s:%zu: expected "
					   "UID PSK-HEX\n", path, lineno);
				err = EINVAL;
				break;
			}
			if (++count > USERS_MAX) {
				err = E2BIG;
				break;
			}
			u = mem_zalloc(sizeof(*u), user_destructor);
			if (!u) {
				err = ENOMEM;
				break;
			}
			err = pl_strdup(&u->uid, &uid);
			if (!err)
				err = kmsd_hex_decode(u->psk, sizeof(u->psk),
						 &u->psk_len, &psk);
			if (err) {
				re_fprintf(stderr, "kmsd: %s:%zu: bad PSK\n",
					   path, lineno);
				mem_deref(u);
				break;
			}
			u->u.uid = u->uid;
			u->u.psk = u->psk;
			u->u.psk_len = u->psk_len;
			hash_append(g.users, hash_joaat_str(u->uid), &u->he,
				    u);
		}
		OPENSSL_cleanse(buf, sizeof(buf));
		fclose(f);
	}
	if (!err)
		re_printf("kmsd: %zu users\n", count);
	return err;
}


static int handle(const uint8_t *req, size_t len, struct mbuf **mbp,
		  void *arg)
{
	(void)arg;
	return mikey_kms_handle(&g.kms, req, len, mbp);
}


static void signal_h(int sig)
{
	(void)sig;
	re_cancel();
}


static void usage(void)
{
	re_fprintf(stderr, "usage: kmsd -f kmsd.conf\n");
}


int main(int argc, char *argv[])
{
	const char *conf_path = NULL;
	struct mikey_replay *rc = NULL;
	struct kms_srv *srv = NULL;
	struct tls *tls = NULL;
	struct sa laddr;
	int c, err;

	while ((c = getopt(argc, argv, "f:h")) != -1) {
		switch (c) {
		case 'f':
			conf_path = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!conf_path) {
		usage();
		return 2;
	}

	err = libre_init();
	if (err)
		return 1;

	err = kmsd_conf_load(&g.conf, conf_path);
	if (err) {
		re_fprintf(stderr, "kmsd: %s: bad configuration\n",
			   conf_path);
		goto out;
	}
	err = sa_decode(&laddr, g.conf.listen, strlen(g.conf.listen));
	if (err) {
		re_fprintf(stderr, "kmsd: bad listen address %s\n",
			   g.conf.listen);
		goto out;
	}

	err = hash_alloc(&g.users, 1024);
	if (!err)
		err = users_load(g.conf.users);
	if (err)
		goto out;

	err = mikey_replay_alloc(&rc, g.conf.skew, 1000000);
	if (err)
		goto out;

	mikey_cfg_default(&g.kms.cfg);
	g.kms.cfg.skew = g.conf.skew;
	g.kms.kms_id = g.conf.kms_id;
	g.kms.tpk = g.conf.master_key;
	g.kms.tpk_len = g.conf.master_key_len;
	g.kms.max_lifetime = g.conf.ticket_lifetime;
	g.kms.userh = user_h;
	g.kms.rc = rc;

	err = cert_ensure(g.conf.cert, g.conf.kms_id);
	if (!err)
		err = cert_tls_alloc(&tls, g.conf.cert);
	if (err) {
		re_fprintf(stderr, "kmsd: certificate %s: %m\n", g.conf.cert,
			   err);
		goto out;
	}

	err = kms_srv_alloc(&srv, &laddr, tls, handle, NULL);
	if (err) {
		re_fprintf(stderr, "kmsd: listen %J: %m\n", &laddr, err);
		goto out;
	}
	(void)kms_srv_laddr(srv, &laddr);
	re_printf("kmsd: listening on https://%J/mikey\n", &laddr);
	fflush(stdout);

	err = re_main(signal_h);

 out:
	mem_deref(srv);
	mem_deref(tls);
	mem_deref(rc);
	if (g.users)
		hash_flush(g.users);
	mem_deref(g.users);
	kmsd_conf_wipe(&g.conf);
	libre_close();
	return err ? 1 : 0;
}

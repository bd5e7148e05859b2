/**
 * @file confctl_accounts.c  confctl's commands that take a password or
 * a credential: a participant's digest password (HA1 only is stored)
 * and client certificate, and the creator accounts of the web
 * interface.
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <termios.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/confctl_int.h"


/* One line from stdin, without echo when it is a terminal. */
static int read_password(char *buf, size_t size)
{
	struct termios old, raw;
	bool tty = isatty(STDIN_FILENO);
	size_t n;
	int err = 0;

	if (tty) {
		fputs("Password: ", stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			raw = old;
			raw.c_lflag &= ~(tcflag_t)ECHO;
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
		}
		else {
			tty = false;
		}
	}

	if (!fgets(buf, (int)size, stdin))
		err = ENOENT;

	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stderr);
	}

	if (err)
		return err;

	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n + 1 >= size)
		return E2BIG;   /* no newline in a full buffer: too long */
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';

	return 0;
}


/* The new password: $CONFCTL_PASSWORD, else stdin; asked twice on a
 * terminal so that a typo does not lock anyone out. */
static int get_password(char *pw, size_t size)
{
	char again[PW_MAX + 2];
	const char *env = getenv("CONFCTL_PASSWORD");
	int rc = 0;

	if (env) {
		if (strlen(env) > PW_MAX)
			return confctl_usage_err("password longer than %d", PW_MAX);
		str_ncpy(pw, env, size);
	}
	else if (read_password(pw, size)) {
		return confctl_usage_err("no password: set CONFCTL_PASSWORD or"
				 " give it on stdin (at most %d bytes)",
				 PW_MAX);
	}
	else if (isatty(STDIN_FILENO)) {
		fputs("Again: ", stderr);
		if (read_password(again, sizeof(again)) || strcmp(pw, again))
			rc = confctl_usage_err("the passwords differ");
		OPENSSL_cleanse(again, sizeof(again));
	}

	if (!rc && !pw[0])
		rc = confctl_usage_err("empty password");

	return rc;
}


int cmd_part_list(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct confdef *cd = NULL;
	struct opts o;
	struct le *le;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 1, "");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_conf_get(st, &cd, o.pos[0]);
	if (err) {
		rc = confctl_store_err("part list", o.pos[0], err);
		goto out;
	}

	for (le = cd->members.head; le; le = le->next) {
		const struct confdef_member *m = le->data;

		re_printf("%s role=%s kms_uid=%s digest=%s cert=%s\n",
			  m->sip_uri, confdef_role_name(m->role), m->kms_uid,
			  m->has_digest ? m->auth_user : "-",
			  str_isset(m->cert_fp) ? "yes" : "-");
	}

 out:
	mem_deref(cd);
	mem_deref(st);
	return rc;
}


int cmd_part_passwd(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	char pw[PW_MAX + 2];
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 2, "--user");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (!rc)
		rc = confctl_check_uri("participant URI", o.pos[1]);
	if (rc)
		return rc;

	rc = get_password(pw, sizeof(pw));
	if (rc)
		goto out;

	rc = confctl_open_store(&st, db);
	if (rc)
		goto out;

	err = store_part_set_password(st, o.pos[0], o.pos[1], o.user, pw);
	if (err == EEXIST) {
		re_fprintf(stderr, "confctl: part passwd: another participant"
			   " of %s already has that username\n", o.pos[0]);
		rc = EXIT_STORE;
	}
	else if (err) {
		rc = confctl_store_err("part passwd", o.pos[1], err);
	}
	else {
		char realm[256] = "";
		(void)store_conf_realm(realm, sizeof(realm), o.pos[0]);
		re_printf("digest password set for %s in %s (realm %s)\n",
			  o.pos[1], o.pos[0], realm);
	}

 out:
	OPENSSL_cleanse(pw, sizeof(pw));
	mem_deref(st);
	return rc;
}


/* "sha-256 AB:CD:..." as RFC 8122 writes it, or "" to remove */
static bool fingerprint_ok(const char *fp)
{
	const char *p;
	size_t n = 0;

	if (!fp[0])
		return true;
	if (strncasecmp(fp, "sha-256 ", 8) && strncasecmp(fp, "sha-1 ", 6) &&
	    strncasecmp(fp, "sha-384 ", 8) && strncasecmp(fp, "sha-512 ", 8))
		return false;

	for (p = strchr(fp, ' ') + 1; *p; p += 3, n++) {
		if (!isxdigit((unsigned char)p[0]) ||
		    !isxdigit((unsigned char)p[1]))
			return false;
		if (p[2] != ':' && p[2] != '\0')
			return false;
		if (!p[2]) {
			++n;
			break;
		}
	}

	return n >= 20 && n <= 64;
}


int cmd_part_cert(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 3, "");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (!rc)
		rc = confctl_check_uri("participant URI", o.pos[1]);
	if (rc)
		return rc;
	if (!fingerprint_ok(o.pos[2]))
		return confctl_usage_err("'%s' is not a fingerprint like"
				 " \"sha-256 AB:CD:...\"", o.pos[2]);

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_part_set_cert(st, o.pos[0], o.pos[1], o.pos[2]);
	if (err)
		rc = confctl_store_err("part cert", o.pos[1], err);
	else
		re_printf("certificate %s for %s in %s\n",
			  o.pos[2][0] ? "registered" : "removed",
			  o.pos[1], o.pos[0]);

	mem_deref(st);
	return rc;
}


static int creator_name(const struct opts *o)
{
	if (!confctl_text_ok(o->pos[0]) || strlen(o->pos[0]) > 256)
		return confctl_usage_err("creator name too long or has control"
				 " characters");
	return 0;
}


/* creator add and creator passwd: the same steps, one store call */
static int creator_password(const char *db, int argc, char *argv[],
			    bool add)
{
	struct store *st = NULL;
	char pw[PW_MAX + 2];
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 1, "");
	if (!rc)
		rc = creator_name(&o);
	if (rc)
		return rc;

	rc = get_password(pw, sizeof(pw));
	if (rc)
		goto out;

	rc = confctl_open_store(&st, db);
	if (rc)
		goto out;

	err = add ? store_creator_add(st, o.pos[0], pw)
		: store_creator_passwd(st, o.pos[0], pw);
	if (err)
		rc = confctl_store_err(add ? "creator add" : "creator passwd",
				       o.pos[0], err);
	else if (add)
		re_printf("creator %s added\n", o.pos[0]);
	else
		re_printf("password of creator %s changed\n", o.pos[0]);

 out:
	OPENSSL_cleanse(pw, sizeof(pw));
	mem_deref(st);
	return rc;
}


int cmd_creator_add(const char *db, int argc, char *argv[])
{
	return creator_password(db, argc, argv, true);
}


int cmd_creator_passwd(const char *db, int argc, char *argv[])
{
	return creator_password(db, argc, argv, false);
}


int cmd_creator_del(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 1, "");
	if (!rc)
		rc = creator_name(&o);
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_creator_del(st, o.pos[0]);
	if (err)
		rc = confctl_store_err("creator del", o.pos[0], err);
	else
		re_printf("creator %s deleted\n", o.pos[0]);

	mem_deref(st);
	return rc;
}


static bool print_creator(const char *name, void *arg)
{
	(void)arg;
	re_printf("%s\n", name);
	return false;
}


int cmd_creator_list(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 0, "");
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_creator_list(st, print_creator, NULL);
	if (err)
		rc = confctl_store_err("creator list", db, err);

	mem_deref(st);
	return rc;
}

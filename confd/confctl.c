/**
 * @file confctl.c  Command-line administration of the confd store:
 * conferences, their authorized participants and creator accounts; and
 * of the running confd through its control socket (confd/ctl.h): status,
 * kick, dial, reload.
 *
 * Exit status: 0 done, 1 the store or confd refused or failed, 2 bad
 * arguments, 3 confd is not running (nobody at the control socket).
 */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <errno.h>
#include <unistd.h>
#include <termios.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/config.h"
#include "confd/ctl.h"
#include "confd/confctl_int.h"


/* An installed confctl manages the installed confd's store (the
 * Makefile passes the state directory it was built for). */
#ifndef CONFD_STATEDIR
#define CONFD_STATEDIR "/var/lib/confd"
#endif
#define CONFCTL_DEFAULT_DB CONFD_STATEDIR "/confd.db"





static const char usage_text[] =
	"usage: confctl [-d DB] [-s SOCKET] [--create] COMMAND ...\n"
	"\n"
	"The running confd (through its control socket):\n"
	"  status [URI]        who is in which conference: media, keying\n"
	"  kick URI SIPURI     end SIPURI's call in conference URI\n"
	"  dial URI SIPURI     call SIPURI into conference URI\n"
	"  reload              read the store again (instead of SIGHUP)\n"
	"\n"
	"The store:\n"
	"  conf add URI [--subject S] [--creator C] [--open [--anonymous]]\n"
	"               [--srtp required|optional|off]\n"
	"  conf del URI\n"
	"  conf list\n"
	"  conf policy URI [--open|--closed] [--anonymous|--no-anonymous]\n"
	"                  [--srtp required|optional|off]\n"
	"                  [--keying sdes,dtls,mikey,tls|all]\n"
	"                  [--floor-pres auto|chair] [--floor-pres-max N]\n"
	"                  [--floor-audio off|auto|chair]\n"
	"                  [--notify-smime on|off]\n"
	"  part add URI SIPURI [--kms-uid UID] [--role chair|participant]\n"
	"  part del URI SIPURI [--kick]           --kick: end the call too\n"
	"  part list URI\n"
	"  part passwd URI SIPURI [--user NAME]   digest password, from\n"
	"                                         $CONFCTL_PASSWORD or stdin\n"
	"  part cert URI SIPURI FINGERPRINT       TLS client certificate,\n"
	"                                         \"sha-256 AB:CD:..\" or \"\"\n"
	"  creator add NAME      password from $CONFCTL_PASSWORD or stdin\n"
	"  creator passwd NAME\n"
	"  creator del NAME\n"
	"  creator list\n"
	"  (user is another name for creator)\n"
	"\n"
	"  -d DB      the store (default " CONFCTL_DEFAULT_DB ")\n"
	"  -s SOCKET  confd's control_socket (default: confd.ctl beside"
	" DB)\n"
	"  --create   create the store if it does not exist\n"
	"  -h, --help this text; COMMAND --help for one command\n"
	"  --version  confctl's version\n"
	"\n"
	"URIs are bare sip: or sips: URIs, e.g. sip:room@example.org.\n"
	"Exit status: 0 done, 1 store error, 2 bad arguments.\n";





/* Set by main(): whether a missing store may be created, and -s. */
static bool create_store;
static const char *ctl_path;


int confctl_usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("confctl: ", stderr);
	va_start(ap, fmt);
	(void)re_vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(confctl --help for usage)\n", stderr);

	return EXIT_USAGE;
}


int confctl_store_err(const char *what, const char *obj, int err)
{
	const char *why;

	switch (err) {

	case EEXIST: why = "already exists";               break;
	case ENOENT: why = "not found";                    break;
	case EINVAL: why = "rejected as invalid";          break;
	case EBUSY:  why = "store is busy, try again";     break;
	case EACCES: why = "permission denied";            break;
	case ENOTSUP: why = "store is from a newer confd"; break;
	default:     why = NULL;                           break;
	}

	if (why)
		re_fprintf(stderr, "confctl: %s %s: %s\n", what, obj, why);
	else
		re_fprintf(stderr, "confctl: %s %s: %m\n", what, obj, err);

	return EXIT_STORE;
}


/* "--opt VALUE": the value must be there and must not be empty. */
static const char *optval(int argc, char *argv[], int *i)
{
	if (*i + 1 >= argc || !argv[*i + 1][0])
		return NULL;

	return argv[++*i];
}


static bool allowed(const char *opt, const char *allow)
{
	const char *p = strstr(allow, opt);
	size_t n = strlen(opt);

	/* allow is a space-separated list of option names */
	while (p) {
		if ((p == allow || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
		p = strstr(p + 1, opt);
	}

	return false;
}


bool confctl_text_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n > TEXT_MAX)
		return false;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}

	return true;
}


int confctl_parse_opts(struct opts *o, int argc, char *argv[],
		      int maxpos, const char *allow)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->open = -1;
	o->anonymous = -1;
	o->floor_pres_chair = -1;
	o->notify_smime = -1;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v;

		if (a[0] != '-' || a[1] != '-') {
			if (o->posc >= maxpos)
				return confctl_usage_err("unexpected argument '%s'",
						 a);
			o->pos[o->posc++] = a;
			continue;
		}

		if (!allowed(a, allow))
			return confctl_usage_err("unknown option '%s' here", a);

		if (!strcmp(a, "--kick")) {
			o->kick = true;
		}
		else if (!strcmp(a, "--open") || !strcmp(a, "--closed")) {
			o->open = !strcmp(a, "--open");
		}
		else if (!strcmp(a, "--anonymous") ||
			 !strcmp(a, "--no-anonymous")) {
			o->anonymous = !strcmp(a, "--anonymous");
		}
		else if (!(v = optval(argc, argv, &i))) {
			return confctl_usage_err("%s needs a value", a);
		}
		else if (!strcmp(a, "--subject")) {
			if (!confctl_text_ok(v))
				return confctl_usage_err("--subject: too long or has"
						 " control characters");
			o->subject = v;
		}
		else if (!strcmp(a, "--creator")) {
			if (!confctl_text_ok(v))
				return confctl_usage_err("--creator: too long or has"
						 " control characters");
			o->creator = v;
		}
		else if (!strcmp(a, "--kms-uid")) {
			if (!confctl_text_ok(v))
				return confctl_usage_err("--kms-uid: too long or has"
						 " control characters");
			o->kms_uid = v;
		}
		else if (!strcmp(a, "--srtp")) {
			if (confdef_srtp_decode(&o->srtp, v))
				return confctl_usage_err("--srtp: '%s' is not"
						 " required, optional or off",
						 v);
			o->srtp_set = true;
		}
		else if (!strcmp(a, "--keying")) {
			if (confdef_keying_decode(&o->keying, v))
				return confctl_usage_err("--keying: '%s' is not a comma"
						 " list of sdes, dtls, mikey"
						 " and tls (or all)", v);
		}
		else if (!strcmp(a, "--floor-pres")) {
			if (strcmp(v, "auto") && strcmp(v, "chair"))
				return confctl_usage_err("--floor-pres: '%s' is not"
						 " auto or chair", v);
			o->floor_pres_chair = !strcmp(v, "chair");
		}
		else if (!strcmp(a, "--floor-pres-max")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (*end || n < 1 || n > 16 || v[0] == '-')
				return confctl_usage_err("--floor-pres-max: '%s' is"
						 " not 1-16", v);
			o->floor_pres_max = (unsigned)n;
		}
		else if (!strcmp(a, "--notify-smime")) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return confctl_usage_err("--notify-smime: '%s' is not"
						 " on or off", v);
			o->notify_smime = !strcmp(v, "on");
		}
		else if (!strcmp(a, "--floor-audio")) {
			if (confdef_audio_floor_decode(&o->floor_audio, v))
				return confctl_usage_err("--floor-audio: '%s' is not"
						 " off, auto or chair", v);
			o->floor_audio_set = true;
		}
		else if (!strcmp(a, "--user")) {
			if (!confctl_text_ok(v) || strlen(v) > 256 || strchr(v, ':'))
				return confctl_usage_err("--user: too long, or has"
						 " ':' or control characters");
			o->user = v;
		}
		else if (!strcmp(a, "--role")) {
			if (confdef_role_decode(&o->role, v))
				return confctl_usage_err("--role: '%s' is not chair"
						 " or participant", v);
			o->role_set = true;
		}
	}

	if (o->posc != maxpos)
		return confctl_usage_err("missing argument (%d of %d given)",
				 o->posc, maxpos);

	return 0;
}


int confctl_check_uri(const char *what, const char *uri)
{
	if (confdef_uri_valid(uri))
		return 0;

	return confctl_usage_err("%s '%s' is not a bare sip: or sips: URI"
			 " (like sip:room@example.org)", what, uri);
}


int confctl_open_store(struct store **stp, const char *db)
{
	int err;

	/* A typo in -d, or the wrong directory, must not leave a new
	 * empty store behind and report success */
	if (!create_store && !store_is_url(db) && access(db, F_OK) != 0) {
		re_fprintf(stderr, "confctl: no store at %s (confd creates"
			   " it when it starts; --create makes it here)\n",
			   db);
		return EXIT_STORE;
	}

	err = store_open(stp, db);

	if (err)
		return confctl_store_err("open", db, err);

	return 0;
}


static int cmd_conf_add(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 1,
			"--subject --creator --open --anonymous --srtp");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (rc)
		return rc;
	if (o.anonymous == 1 && o.open != 1)
		return confctl_usage_err("--anonymous needs --open: a closed"
				 " conference admits only its list");

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_conf_add(st, o.pos[0], o.subject, o.creator,
			     o.open == 1, o.anonymous == 1,
			     o.srtp_set ? o.srtp : CONFDEF_SRTP_REQUIRED);
	if (err)
		rc = confctl_store_err("conf add", o.pos[0], err);
	else
		re_printf("conference %s added (%s, srtp %s)\n", o.pos[0],
			  o.open == 1 ? "open" : "closed: add participants"
			  " with 'part add'",
			  confdef_srtp_name(o.srtp_set ? o.srtp :
					    CONFDEF_SRTP_REQUIRED));

	mem_deref(st);
	return rc;
}


static int cmd_conf_del(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
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

	err = store_conf_del(st, o.pos[0]);
	if (err)
		rc = confctl_store_err("conf del", o.pos[0], err);
	else
		re_printf("conference %s deleted\n", o.pos[0]);

	mem_deref(st);
	return rc;
}


static int cmd_conf_list(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct list l = LIST_INIT;
	struct opts o;
	struct le *le, *me;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 0, "");
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_conf_load(st, &l);
	if (err) {
		rc = confctl_store_err("conf list", db, err);
		goto out;
	}

	for (le = l.head; le; le = le->next) {
		const struct confdef *cd = le->data;

		char keying[64] = "none";

		(void)confdef_keying_print(keying, sizeof(keying),
					   cd->keying);
		re_printf("%s open=%s anonymous=%s srtp=%s keying=%s"
			  " floor_pres=%s/%u"
			  " floor_audio=%s notify_smime=%s creator=\"%s\""
			  " subject=\"%s\"\n",
			  cd->uri,
			  cd->open ? "yes" : "no",
			  cd->anonymous ? "yes" : "no",
			  confdef_srtp_name(cd->srtp), keying,
			  cd->floor.pres_chair ? "chair" : "auto",
			  cd->floor.pres_max,
			  confdef_audio_floor_name(cd->floor.audio),
			  cd->notify_smime ? "on" : "off",
			  cd->creator, cd->subject);

		for (me = cd->members.head; me; me = me->next) {
			const struct confdef_member *m = me->data;

			re_printf("    %s role=%s kms_uid=%s\n", m->sip_uri,
				  confdef_role_name(m->role), m->kms_uid);
		}
	}

 out:
	list_flush(&l);
	mem_deref(st);
	return rc;
}


static int cmd_conf_policy(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct confdef *cd = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 1,
			"--open --closed --anonymous --no-anonymous --srtp"
			" --keying --floor-pres --floor-pres-max --floor-audio"
			" --notify-smime");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (rc)
		return rc;
	if (o.open < 0 && o.anonymous < 0 && !o.srtp_set && !o.keying &&
	    o.floor_pres_chair < 0 && !o.floor_pres_max &&
	    !o.floor_audio_set && o.notify_smime < 0)
		return confctl_usage_err("conf policy: nothing to change");

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	/* Only what was given changes; the rest keeps its value */
	err = store_conf_get(st, &cd, o.pos[0]);
	if (!err) {
		err = store_conf_set_policy(st, o.pos[0],
				o.open >= 0 ? o.open == 1 : cd->open,
				o.anonymous >= 0 ? o.anonymous == 1 :
				cd->anonymous,
				o.srtp_set ? o.srtp : cd->srtp);
	}
	if (!err) {
		struct confdef_floor fl = cd->floor;

		if (o.floor_pres_chair >= 0)
			fl.pres_chair = o.floor_pres_chair == 1;
		if (o.floor_pres_max)
			fl.pres_max = o.floor_pres_max;
		if (o.floor_audio_set)
			fl.audio = o.floor_audio;
		err = store_conf_set_floor(st, o.pos[0], &fl);
	}
	if (!err && o.notify_smime >= 0)
		err = store_conf_set_notify_smime(st, o.pos[0],
						  o.notify_smime == 1);
	if (!err && o.keying)
		err = store_conf_set_keying(st, o.pos[0], o.keying);
	if (!err && o.anonymous == 1 && o.open < 0 && !cd->open) {
		/* the store keeps it, but a closed room ignores it */
		re_fprintf(stderr, "confctl: note: --anonymous has no effect"
			   " until the conference is --open\n");
	}
	if (err)
		rc = confctl_store_err("conf policy", o.pos[0], err);
	else
		re_printf("conference %s policy updated\n", o.pos[0]);

	mem_deref(cd);
	mem_deref(st);
	return rc;
}


static int cmd_part_add(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 2, "--kms-uid --role");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (!rc)
		rc = confctl_check_uri("participant URI", o.pos[1]);
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_part_add(st, o.pos[0], o.pos[1], o.kms_uid,
			     o.role_set ? o.role : CONFDEF_PARTICIPANT);
	if (err == ENOENT) {
		re_fprintf(stderr, "confctl: part add: no conference %s\n",
			   o.pos[0]);
		rc = EXIT_STORE;
	}
	else if (err) {
		rc = confctl_store_err("part add", o.pos[1], err);
	}
	else {
		re_printf("%s added to %s as %s\n", o.pos[1], o.pos[0],
			  confdef_role_name(o.role_set ? o.role :
					    CONFDEF_PARTICIPANT));
	}

	mem_deref(st);
	return rc;
}


static int live(const char *db, const char *verb, const char *a,
		const char *b, bool quiet_ok);


static int cmd_part_del(const char *db, int argc, char *argv[])
{
	struct store *st = NULL;
	struct opts o;
	int rc, err;

	rc = confctl_parse_opts(&o, argc, argv, 2, "--kick");
	if (rc)
		return rc;
	rc = confctl_check_uri("conference URI", o.pos[0]);
	if (!rc)
		rc = confctl_check_uri("participant URI", o.pos[1]);
	if (rc)
		return rc;

	rc = confctl_open_store(&st, db);
	if (rc)
		return rc;

	err = store_part_del(st, o.pos[0], o.pos[1]);
	if (err)
		rc = confctl_store_err("part del", o.pos[1], err);
	else
		re_printf("%s removed from %s\n", o.pos[1], o.pos[0]);

	mem_deref(st);
	if (rc || !o.kick)
		return rc;

	/* confd reads the list again first, so that the one kicked cannot
	 * dial straight back in */
	rc = live(db, "reload", NULL, NULL, true);
	if (!rc)
		rc = live(db, "kick", o.pos[0], o.pos[1], true);
	return rc;
}


/* The control socket: -s, else confd.ctl beside the store (confd's
 * default control_socket, confd/config.c). */
static const char *socket_path(const char *db, char *buf, size_t size)
{
	if (ctl_path)
		return ctl_path;

	config_ctl_default(buf, size, db);
	return buf;
}


/* One request to the running confd: "verb [a [b]]".  quiet_ok: for
 * part del --kick, where "nobody in the call" is fine. */
static int live(const char *db, const char *verb, const char *a,
		const char *b, bool quiet_ok)
{
	char path[256], line[CTL_LINE_MAX], status[512];
	const char *sock = socket_path(db, path, sizeof(path));
	int err;

	if (re_snprintf(line, sizeof(line), "%s%s%s%s%s", verb,
			a ? " " : "", a ? a : "", b ? " " : "",
			b ? b : "") < 0)
		return confctl_usage_err("request too long");

	err = ctl_request(sock, line, stdout, status, sizeof(status));
	switch (err) {

	case 0:
		if (status[0])
			re_printf("%s\n", status);
		return 0;

	case EPROTO:
		if (quiet_ok && !strncmp(status, "404 ", 4) && b) {
			re_printf("%s was not in a call\n", b);
			return 0;
		}
		re_fprintf(stderr, "confctl: %s: %s\n", verb, status);
		return EXIT_STORE;

	case ENOENT:
	case ECONNREFUSED:
		re_fprintf(stderr, "confctl: %s: confd is not running (nobody"
			   " at %s%s)\n", verb, sock,
			   ctl_path ? "" : "; -s SOCKET names another");
		return EXIT_NOT_RUNNING;

	default:
		re_fprintf(stderr, "confctl: %s: control socket %s: %m\n",
			   verb, sock, err);
		return EXIT_STORE;
	}
}


static int cmd_status(const char *db, int argc, char *argv[])
{
	if (argc > 1)
		return confctl_usage_err("status takes at most one conference URI");
	if (argc == 1 && confctl_check_uri("conference URI", argv[0]))
		return EXIT_USAGE;

	return live(db, "status", argc ? argv[0] : NULL, NULL, false);
}


static int two_uris(const char *what, int argc, char *argv[])
{
	if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
		return confctl_usage_err("%s needs a conference URI and a"
				 " participant URI", what);
	if (confctl_check_uri("conference URI", argv[0]) ||
	    confctl_check_uri("participant URI", argv[1]))
		return EXIT_USAGE;
	return 0;
}


static int cmd_kick(const char *db, int argc, char *argv[])
{
	int rc = two_uris("kick", argc, argv);

	return rc ? rc : live(db, "kick", argv[0], argv[1], false);
}


static int cmd_dial(const char *db, int argc, char *argv[])
{
	int rc = two_uris("dial", argc, argv);

	return rc ? rc : live(db, "dial", argv[0], argv[1], false);
}


static int cmd_reload(const char *db, int argc, char *argv[])
{
	(void)argv;
	if (argc)
		return confctl_usage_err("reload takes no arguments");

	return live(db, "reload", NULL, NULL, false);
}


struct cmd {
	const char *obj;
	const char *verb;
	int (*fn)(const char *db, int argc, char *argv[]);
	const char *help;
};

static const struct cmd cmdv[] = {
	{"conf", "add", cmd_conf_add,
	 "conf add URI [--subject S] [--creator C] [--open [--anonymous]]\n"
	 "             [--srtp required|optional|off]\n"
	 "  Makes a conference. Closed unless --open: only the participants\n"
	 "  added with 'part add' may join. --anonymous (open rooms only)\n"
	 "  admits anonymous callers. SRTP is required unless --srtp says.\n"},
	{"conf", "del", cmd_conf_del,
	 "conf del URI\n  Deletes a conference and its participant list.\n"},
	{"conf", "list", cmd_conf_list,
	 "conf list\n  Every conference with its policy and list.\n"},
	{"conf", "policy", cmd_conf_policy,
	 "conf policy URI [--open|--closed] [--anonymous|--no-anonymous]\n"
	 "                [--srtp required|optional|off]\n"
	 "                [--keying sdes,dtls,mikey,tls|all]\n"
	 "                [--floor-pres auto|chair] [--floor-pres-max N]\n"
	 "                [--floor-audio off|auto|chair]\n"
	 "                [--notify-smime on|off]\n"
	 "  Changes only what is given. --keying lists the ways media may\n"
	 "  be keyed: SDES a=crypto, DTLS-SRTP, MIKEY-TICKET, TLS by\n"
	 "  a=fingerprint (MSRP, BFCP); all of them by default.\n"},
	{"part", "add", cmd_part_add,
	 "part add URI SIPURI [--kms-uid UID] [--role chair|participant]\n"
	 "  Lists SIPURI as allowed in conference URI. --kms-uid is the\n"
	 "  identity its MIKEY-TICKET KMS vouches for (default SIPURI).\n"},
	{"part", "del", cmd_part_del,
	 "part del URI SIPURI [--kick]\n  Takes SIPURI off the list."
	 " --kick also ends its call, if it is\n  in one (through the"
	 " running confd's control socket).\n"},
	{"part", "list", cmd_part_list,
	 "part list URI\n  The participants of one conference.\n"},
	{"part", "passwd", cmd_part_passwd,
	 "part passwd URI SIPURI [--user NAME]\n"
	 "  Sets the SIP digest password with which SIPURI proves who it\n"
	 "  is (RFC 3261 section 22, MD5 and SHA-256). The username is\n"
	 "  NAME, or the user part of SIPURI; the realm is the host of URI.\n"
	 "  The password comes from $CONFCTL_PASSWORD or stdin and is\n"
	 "  stored only as digests.\n"},
	{"part", "cert", cmd_part_cert,
	 "part cert URI SIPURI FINGERPRINT\n"
	 "  Registers the TLS client certificate (\"sha-256 AB:CD:..\")\n"
	 "  that authenticates SIPURI over SIP TLS; \"\" removes it.\n"},
	{"creator", "add", cmd_creator_add,
	 "creator add NAME\n  A creator account for the web interface;"
	 " password from\n  $CONFCTL_PASSWORD or stdin.\n"},
	{"creator", "passwd", cmd_creator_passwd,
	 "creator passwd NAME\n  Changes a creator's password.\n"},
	{"creator", "del", cmd_creator_del,
	 "creator del NAME\n  Deletes a creator account.\n"},
	{"creator", "list", cmd_creator_list,
	 "creator list\n  The creator accounts.\n"},
};


/* One-word commands: the running confd, through its control socket */
static const struct cmd livev[] = {
	{"status", NULL, cmd_status,
	 "status [URI]\n  Every conference (or URI) now: its participants,"
	 " each stream's\n  direction, codec, transport, keying (never a"
	 " key) and addresses.\n"},
	{"kick", NULL, cmd_kick,
	 "kick URI SIPURI\n  Ends SIPURI's call(s) in conference URI (BYE)."
	 " It stays on the\n  list: 'part del URI SIPURI --kick' does"
	 " both.\n"},
	{"dial", NULL, cmd_dial,
	 "dial URI SIPURI\n  The focus calls SIPURI into conference URI.\n"},
	{"reload", NULL, cmd_reload,
	 "reload\n  confd reads the conferences from the store again, as"
	 " on SIGHUP.\n"},
};


static bool wants_help(int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	}

	return false;
}


int main(int argc, char *argv[])
{
	const char *db = CONFCTL_DEFAULT_DB;
	const char *obj;
	bool found = false;
	size_t j;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		else if (!strcmp(argv[i], "--version")) {
			printf("confctl %s\n", CONFD_VERSION);
			return 0;
		}
		else if (!strcmp(argv[i], "--create")) {
			create_store = true;
			++i;
		}
		else if (!strcmp(argv[i], "-s")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return confctl_usage_err("-s needs a socket path");
			ctl_path = argv[i + 1];
			i += 2;
		}
		else if (!strcmp(argv[i], "-d")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return confctl_usage_err("-d needs a file name");
			db = argv[i + 1];
			i += 2;
		}
		else {
			return confctl_usage_err("unknown option '%s'", argv[i]);
		}
	}

	if (argc - i < 1) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}

	obj = argv[i];
	if (!strcmp(obj, "user"))
		obj = "creator";

	for (j = 0; j < ARRAY_SIZE(livev); j++) {
		if (strcmp(obj, livev[j].obj))
			continue;
		if (wants_help(argc - i - 1, argv + i + 1)) {
			printf("usage: confctl [-d DB] [-s SOCKET] %s",
			       livev[j].help);
			return 0;
		}
		return livev[j].fn(db, argc - i - 1, argv + i + 1);
	}

	/* "confctl conf --help", or too few words: the object's commands */
	if (argc - i < 2 || argv[i + 1][0] == '-') {
		bool help = wants_help(argc - i, argv + i);
		FILE *out = help ? stdout : stderr;

		for (j = 0; j < ARRAY_SIZE(cmdv); j++) {
			if (strcmp(obj, cmdv[j].obj))
				continue;
			if (!found)
				fprintf(out, "usage: confctl [-d DB] ...\n");
			found = true;
			fprintf(out, "  %s", cmdv[j].help);
		}
		if (!found)
			return confctl_usage_err("unknown command '%s'", argv[i]);
		return help ? 0 : EXIT_USAGE;
	}

	for (j = 0; j < ARRAY_SIZE(cmdv); j++) {
		if (strcmp(obj, cmdv[j].obj) || strcmp(argv[i + 1], cmdv[j].verb))
			continue;

		if (wants_help(argc - i - 2, argv + i + 2)) {
			printf("usage: confctl [-d DB] %s", cmdv[j].help);
			return 0;
		}

		return cmdv[j].fn(db, argc - i - 2, argv + i + 2);
	}

	return confctl_usage_err("unknown command '%s %s'", argv[i], argv[i + 1]);
}

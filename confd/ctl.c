/**
 * @file ctl.c  The control socket, server side: confctl's status, kick,
 * dial and reload reach the running confd here (protocol in ctl.h).
 *
 * A Unix socket, not a TCP port: who may use it is decided by its file
 * mode (0600, the user confd runs as) and checked again on every
 * connection with SO_PEERCRED (that user or root), so no password is
 * needed and nothing is reachable from the network.  This replaces
 * SIGHUP, which `kill -HUP $(pidof confd)` sent to every confd on the
 * machine.
 *
 * Requests are tiny and answered at once from the main loop; a client
 * that does not finish its line within CONN_TIMEOUT is dropped, and at
 * most CONN_MAX are open at a time.
 */
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <re.h>
#include "focus/focus.h"
#include "confd/ctl.h"


#define DEBUG_MODULE "ctl"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


enum {
	CONN_MAX     = 8,
	CONN_TIMEOUT = 5000,   /* ms to send one line */
	SEND_TIMEOUT = 2,      /* s to take the answer */
};

struct ctl {
	int fd;
	char *path;
	struct focus *focus;
	ctl_reload_h *reloadh;
	void *arg;
	struct list conns;
};

struct ctl_conn {
	struct le le;
	struct ctl *ctl;
	int fd;
	struct tmr tmr;
	size_t len;
	char buf[CTL_LINE_MAX + 1];
};


static void conn_destructor(void *arg)
{
	struct ctl_conn *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	if (c->fd >= 0) {
		fd_close(c->fd);
		(void)close(c->fd);
	}
}


static void ctl_destructor(void *arg)
{
	struct ctl *ctl = arg;

	list_flush(&ctl->conns);
	if (ctl->fd >= 0) {
		fd_close(ctl->fd);
		(void)close(ctl->fd);
		if (ctl->path)
			(void)unlink(ctl->path);
	}
	mem_deref(ctl->path);
}


/* Split "verb a b" into at most argm words (in place). */
static int split(char *line, char *argv[], int argm)
{
	int argc = 0;
	char *save = NULL;
	char *w;

	for (w = strtok_r(line, " \t", &save); w && argc < argm;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;

	return w ? -1 : argc;   /* -1: too many words */
}


static int err_line(struct mbuf *mb, int err, const char *what)
{
	switch (err) {

	case ENOENT:
		return mbuf_printf(mb, "ERR 404 no such conference: %s\n",
				   what);
	case ESRCH:
		return mbuf_printf(mb, "ERR 404 %s\n", what);
	case ENOSYS:
		return mbuf_printf(mb, "ERR 501 %s\n", what);
	case EINVAL:
		return mbuf_printf(mb, "ERR 400 %s\n", what);
	default:
		return mbuf_printf(mb, "ERR 500 %s: %m\n", what, err);
	}
}


struct status_arg {
	const struct focus *f;
	const char *room;
	int err;
};

static int status_print(struct re_printf *pf, void *arg)
{
	struct status_arg *sa = arg;

	sa->err = focus_status(pf, sa->f, sa->room);
	return sa->err == ENOENT ? 0 : sa->err;
}


static void handle(struct ctl *ctl, struct mbuf *mb, char *line)
{
	char *argv[4];
	char msg[256] = "";
	int argc, err;

	argc = split(line, argv, ARRAY_SIZE(argv));
	if (argc <= 0) {
		(void)mbuf_printf(mb, "ERR 400 empty or overlong request\n");
		return;
	}

	if (!strcmp(argv[0], "status") && argc <= 2) {
		struct status_arg sa = {ctl->focus,
					argc == 2 ? argv[1] : NULL, 0};

		err = mbuf_printf(mb, "%H", status_print, &sa);
		if (sa.err == ENOENT)
			(void)err_line(mb, ENOENT, argv[1]);
		else if (err || sa.err)
			(void)err_line(mb, err ? err : sa.err, "status");
		else
			(void)mbuf_printf(mb, "OK\n");
	}
	else if (!strcmp(argv[0], "kick") && argc == 3) {
		err = focus_kick(ctl->focus, argv[1], argv[2],
				 "removed by the operator");
		if (err == ESRCH)
			(void)mbuf_printf(mb, "ERR 404 %s is not in %s\n",
					  argv[2], argv[1]);
		else if (err)
			(void)err_line(mb, err, argv[1]);
		else
			(void)mbuf_printf(mb, "OK %s removed from %s\n",
					  argv[2], argv[1]);
	}
	else if (!strcmp(argv[0], "dial") && argc == 3) {
		err = focus_dialout(ctl->focus, argv[1], argv[2], NULL,
				    msg, sizeof(msg));
		if (err)
			(void)err_line(mb, err, msg[0] ? msg : argv[1]);
		else
			(void)mbuf_printf(mb, "OK dialling %s into %s\n",
					  argv[2], argv[1]);
	}
	else if (!strcmp(argv[0], "reload") && argc == 1) {
		err = ctl->reloadh(msg, sizeof(msg), ctl->arg);
		if (err)
			(void)err_line(mb, err, "reload");
		else
			(void)mbuf_printf(mb, "OK %s\n", msg);
	}
	else {
		(void)mbuf_printf(mb, "ERR 400 unknown request '%s' (status"
				  " [ROOM], kick ROOM URI, dial ROOM URI,"
				  " reload)\n", argv[0]);
	}
}


/* The answer is small: send it whole, blocking for at most
 * SEND_TIMEOUT, then close. */
static void reply(struct ctl_conn *c, const struct mbuf *mb)
{
	struct timeval tv = {SEND_TIMEOUT, 0};
	size_t off = 0;

	(void)fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	while (off < mb->end) {
		ssize_t n = send(c->fd, mb->buf + off, mb->end - off,
				 MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}


static void conn_read(int flags, void *arg)
{
	struct ctl_conn *c = arg;
	struct mbuf *mb;
	char *nl;
	ssize_t n;
	(void)flags;

	n = read(c->fd, c->buf + c->len, CTL_LINE_MAX - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		mem_deref(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';

	nl = memchr(c->buf, '\n', c->len);
	if (!nl && c->len < CTL_LINE_MAX)
		return;

	mb = mbuf_alloc(1024);
	if (mb) {
		if (!nl) {
			(void)mbuf_printf(mb, "ERR 400 request longer than"
					  " %u bytes\n", CTL_LINE_MAX);
		}
		else {
			*nl = '\0';
			if (nl > c->buf && nl[-1] == '\r')
				nl[-1] = '\0';
			DEBUG_INFO("control: %s\n", c->buf);
			handle(c->ctl, mb, c->buf);
		}
		reply(c, mb);
		mem_deref(mb);
	}

	mem_deref(c);
}


static void conn_timeout(void *arg)
{
	mem_deref(arg);
}


/* SO_PEERCRED: our own user or root, whatever the file mode says */
static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;

	return cr.uid == 0 || cr.uid == geteuid();
}


static void accept_handler(int flags, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_conn *c;
	int fd;
	(void)flags;

	fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;

	if (list_count(&ctl->conns) >= CONN_MAX || !peer_allowed(fd)) {
		(void)close(fd);
		return;
	}

	c = mem_zalloc(sizeof(*c), conn_destructor);
	if (!c) {
		(void)close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	list_append(&ctl->conns, &c->le, c);

	if (fd_listen(fd, FD_READ, conn_read, c)) {
		mem_deref(c);
		return;
	}
	tmr_start(&c->tmr, CONN_TIMEOUT, conn_timeout, c);
}


/* A socket file left by a confd that died is replaced; one where a
 * confd still answers is not (two daemons on one store). */
static int clear_stale(const struct sockaddr_un *un)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(un->sun_path, &st))
		return errno == ENOENT ? 0 : errno;

	if (!S_ISSOCK(st.st_mode))
		return EEXIST;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (!connect(fd, (const struct sockaddr *)un, sizeof(*un)))
		err = EADDRINUSE;
	(void)close(fd);

	if (!err && unlink(un->sun_path))
		err = errno;

	return err;
}


int ctl_alloc(struct ctl **ctlp, const char *path, struct focus *focus,
	      ctl_reload_h *reloadh, void *arg)
{
	struct sockaddr_un un;
	struct ctl *ctl;
	mode_t old;
	int err;

	if (!ctlp || !path || !focus || !reloadh)
		return EINVAL;

	if (strlen(path) >= sizeof(un.sun_path))
		return ENAMETOOLONG;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	str_ncpy(un.sun_path, path, sizeof(un.sun_path));

	ctl = mem_zalloc(sizeof(*ctl), ctl_destructor);
	if (!ctl)
		return ENOMEM;
	ctl->fd = -1;
	ctl->focus = focus;
	ctl->reloadh = reloadh;
	ctl->arg = arg;

	err = clear_stale(&un);
	if (err)
		goto out;

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 0);
	if (ctl->fd < 0) {
		err = errno;
		goto out;
	}

	/* created 0600: never a moment where others may connect */
	old = umask(0177);
	err = bind(ctl->fd, (struct sockaddr *)&un, sizeof(un)) ? errno : 0;
	umask(old);
	if (err)
		goto out;

	err = str_dup(&ctl->path, path);
	if (!err && listen(ctl->fd, CONN_MAX))
		err = errno;
	if (!err)
		err = fd_listen(ctl->fd, FD_READ, accept_handler, ctl);

 out:
	if (err)
		mem_deref(ctl);
	else
		*ctlp = ctl;

	return err;
}

/**
 * @file ctl_client.c  The control socket, client side (confctl): one
 * request line, the answer's lines back (protocol in ctl.h).
 */
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <re.h>
#include "confd/ctl.h"


enum { ANSWER_TIMEOUT = 10 };   /* s */


/* The last line of buf[0..len) and where it starts. */
static const char *last_line(const char *buf, size_t len, size_t *startp)
{
	size_t s = len;

	while (s > 0 && buf[s - 1] == '\n')
		--s;
	while (s > 0 && buf[s - 1] != '\n')
		--s;
	*startp = s;
	return buf + s;
}


int ctl_request(const char *path, const char *line, FILE *out,
		char *status, size_t size)
{
	struct timeval tv = {ANSWER_TIMEOUT, 0};
	struct sockaddr_un un;
	struct mbuf *mb = NULL;
	const char *last;
	size_t start, n;
	int fd, err = 0;

	if (!path || !line || !status || !size)
		return EINVAL;
	status[0] = '\0';

	if (strlen(path) >= sizeof(un.sun_path) ||
	    strlen(line) >= CTL_LINE_MAX)
		return ENAMETOOLONG;

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	str_ncpy(un.sun_path, path, sizeof(un.sun_path));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	if (connect(fd, (struct sockaddr *)&un, sizeof(un))) {
		err = errno;
		goto out;
	}

	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		err = errno;
		goto out;
	}

	mb = mbuf_alloc(4096);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}

	for (;;) {
		ssize_t r;

		if (mbuf_get_space(mb) < 1024 && mbuf_resize(mb, mb->size * 2)) {
			err = ENOMEM;
			goto out;
		}
		r = recv(fd, mb->buf + mb->end, mbuf_get_space(mb), 0);
		if (r < 0) {
			err = errno;
			goto out;
		}
		if (r == 0)
			break;
		mb->end += (size_t)r;
	}

	last = last_line((const char *)mb->buf, mb->end, &start);
	n = mb->end - start;
	while (n && last[n - 1] == '\n')
		--n;

	if (n >= 2 && !strncmp(last, "OK", 2) && (n == 2 || last[2] == ' ')) {
		(void)re_snprintf(status, size, "%b", last + (n > 2 ? 3 : 2),
				  n > 2 ? n - 3 : (size_t)0);
	}
	else if (n >= 4 && !strncmp(last, "ERR ", 4)) {
		(void)re_snprintf(status, size, "%b", last + 4, n - 4);
		err = EPROTO;
	}
	else {
		(void)re_snprintf(status, size, "no answer from confd");
		err = EBADMSG;
	}

	if (out && start)
		(void)fwrite(mb->buf, 1, start, out);

 out:
	mem_deref(mb);
	(void)close(fd);
	return err;
}

/**
 * @file ctl.h  The control socket: how confctl reaches the running
 * confd (a local Unix stream socket, mode 0600).
 *
 * The protocol is one request line per connection, words separated by
 * one blank, ending in "\n" (at most CTL_LINE_MAX bytes):
 *
 *	status [ROOM]        who is in which conference, media, keying
 *	kick ROOM URI        end URI's call(s) in ROOM
 *	dial ROOM URI        dial URI into ROOM (dial-out)
 *	reload               read the conference definitions again
 *
 * The answer is any number of text lines, then one last line: "OK" or
 * "OK text", or "ERR code text" where code is a SIP-like status (400 bad
 * request, 404 no such conference or participant, 501 not built, 500).
 */

enum { CTL_LINE_MAX = 1024 };

struct ctl;
struct focus;

/* Reload the store; the text (e.g. "3 conference(s)") goes after OK. */
typedef int (ctl_reload_h)(char *msg, size_t size, void *arg);

/* Listen on path (an existing socket there is replaced unless a confd
 * answers on it: then EADDRINUSE). */
int ctl_alloc(struct ctl **ctlp, const char *path, struct focus *focus,
	      ctl_reload_h *reloadh, void *arg);

/* Client side (confctl): send line, copy the answer's text lines to out
 * and the final line's text to *status (OK/ERR line without the word).
 * Returns 0 for OK, EPROTO for ERR, ECONNREFUSED/ENOENT when no confd
 * listens at path, or another errno. */
int ctl_request(const char *path, const char *line, FILE *out,
		char *status, size_t size);

/**
 * @file log.c  Log lines on stderr, as text or as JSON (log_format).
 *
 * Everything confd logs goes through libre's dbg (DEBUG_* in each
 * file).  Text is dbg's own output: "[ms since start] module: msg".
 * JSON installs a dbg print handler that turns each line into one
 * object, {"time", "level", "module", "msg"}; dbg formats a line into
 * 256 bytes before a handler sees it, so a longer message is cut
 * there.  Joins, leaves and refusals (focus_event) carry structured
 * fields as well: event, conference, participant, keying, status,
 * reason, count.
 *
 * No key is ever an argument of a log line (docs/threat-model.md,
 * tests/integ/log_secrets.sh checks it at log_level debug).
 */
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <re.h>
#include "focus/focus.h"
#include "confd/log.h"


#define DEBUG_MODULE "log"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static struct {
	int level;          /* DBG_* threshold */
	bool json;
} lg = {DBG_INFO, false};


static const char *level_name(int level)
{
	switch (level) {
	case DBG_EMERG:
	case DBG_ALERT:
	case DBG_CRIT:
	case DBG_ERR:     return "error";
	case DBG_WARNING: return "warning";
	case DBG_NOTICE:  return "notice";
	case DBG_INFO:    return "info";
	default:          return "debug";
	}
}


/* A JSON string body: quotes, backslash and every byte outside
 * printable ASCII escaped, so that the line is valid JSON whatever a
 * peer put in a URI. */
static void json_str(FILE *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			(void)fprintf(f, "\\%c", c);
		else if (c == '\n')
			(void)fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			(void)fprintf(f, "\\u%04x", c);
		else
			(void)fputc(c, f);
	}
}


static void json_head(FILE *f, int level, const char *module, size_t mlen)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	(void)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	(void)fprintf(f, "{\"time\":\"%s.%03dZ\",\"level\":\"%s\","
		      "\"module\":\"", ts, (int)(tv.tv_usec / 1000),
		      level_name(level));
	json_str(f, module, mlen);
	(void)fputs("\",\"msg\":\"", f);
}


/* dbg's line is "module: message\n" (re_dbg.h puts the module first) */
static void json_handler(int level, const char *p, size_t len, void *arg)
{
	const char *colon;
	size_t mlen = 0;
	(void)arg;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		--len;

	colon = memchr(p, ':', len);
	if (colon && (size_t)(colon - p) < 32 && colon + 1 < p + len &&
	    colon[1] == ' ') {
		mlen = (size_t)(colon - p);
	}

	json_head(stderr, level, p, mlen);
	if (mlen)
		json_str(stderr, p + mlen + 2, len - mlen - 2);
	else
		json_str(stderr, p, len);
	(void)fputs("\"}\n", stderr);
	(void)fflush(stderr);
}


void log_init(int level, bool json)
{
	static const int levels[] = {DBG_ERR, DBG_WARNING, DBG_INFO,
				     DBG_DEBUG};

	lg.level = levels[level < 0 ? 0 : level > 3 ? 3 : level];
	lg.json = json;

	dbg_init(lg.level, json ? 0 : DBG_TIME);
	dbg_handler_set(json ? json_handler : NULL, NULL);
}


static const char *event_name(enum focus_event_type t)
{
	switch (t) {
	case FOCUS_EV_JOIN:  return "join";
	case FOCUS_EV_LEAVE: return "leave";
	default:             return "refuse";
	}
}


static void json_field(const char *name, const char *v)
{
	(void)fprintf(stderr, ",\"%s\":\"", name);
	json_str(stderr, v, strlen(v));
	(void)fputc('"', stderr);
}


void log_focus_event(const struct focus_event *ev, void *arg)
{
	const char *kname = focus_keying_name(ev->keying);
	char msg[512];
	int level;
	(void)arg;

	/* a digest challenge is the normal first step of a join */
	if (ev->type == FOCUS_EV_REFUSE)
		level = (ev->scode == 401 || ev->scode == 407) ? DBG_INFO
			: DBG_NOTICE;
	else
		level = DBG_INFO;

	switch (ev->type) {

	case FOCUS_EV_JOIN:
		(void)re_snprintf(msg, sizeof(msg), "%s joined %s (%u in; "
				  "keying %s)", ev->participant, ev->conf,
				  ev->count, kname);
		break;

	case FOCUS_EV_LEAVE:
		(void)re_snprintf(msg, sizeof(msg), "%s left %s (%u in; "
				  "keying %s; %s)", ev->participant, ev->conf,
				  ev->count, kname, ev->reason);
		break;

	default:
		(void)re_snprintf(msg, sizeof(msg), "%s refused from %s: "
				  "%u %s (keying %s)", ev->participant,
				  ev->conf, ev->scode, ev->reason, kname);
		break;
	}

	if (!lg.json) {
		dbg_printf(level, "conference: %s\n", msg);
		return;
	}

	if (level > lg.level)
		return;

	json_head(stderr, level, "conference", 10);
	json_str(stderr, msg, strlen(msg));
	(void)fputc('"', stderr);
	json_field("event", event_name(ev->type));
	json_field("conference", ev->conf);
	json_field("participant", ev->participant);
	json_field("keying", kname);
	if (ev->type == FOCUS_EV_REFUSE)
		(void)fprintf(stderr, ",\"status\":%u", ev->scode);
	else
		(void)fprintf(stderr, ",\"count\":%u", ev->count);
	if (ev->type != FOCUS_EV_JOIN)
		json_field("reason", ev->reason);
	(void)fputs("}\n", stderr);
	(void)fflush(stderr);
}


void log_report(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (!lg.json) {
		(void)re_fprintf(stderr, "confd: %s\n", msg);
		return;
	}

	json_head(stderr, DBG_NOTICE, "confd", 5);
	json_str(stderr, msg, strlen(msg));
	(void)fputs("\"}\n", stderr);
	(void)fflush(stderr);
}

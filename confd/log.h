/**
 * @file log.h  confd's log lines (confd/log.c): libre's dbg output as
 * text or as JSON (log_format), and the focus's join/leave/refusal
 * events.  Include after focus/focus.h.
 */

/* level: 0 error .. 3 debug (log_level); json: one object a line */
void log_init(int level, bool json);
/* focus_event_h: one line per join, leave and refusal */
void log_focus_event(const struct focus_event *ev, void *arg);
/* A line whatever log_level says (the exit report): "confd: ..." as
 * text, or a notice object in JSON */
void log_report(const char *fmt, ...);

/**
 * @file parse.c  Streaming, bounded MSRP frame parser
 *
 * Header lines are gathered into a fixed buffer; body bytes are handed
 * on as they arrive while a small matcher looks for the end-line
 * "CRLF -------TID flag CRLF".  The matcher holds at most one end-line
 * worth of bytes across reads, so a body of any size costs nothing.
 */
#include <string.h>
#include <re.h>
#include "msrp/msrp_parse.h"
#include "msrp/syntax_int.h"


enum pstate {
	ST_START = 0,     /* reading the start line */
	ST_HDRS,          /* reading header lines */
	ST_BODY,          /* body bytes, looking for the end-line */
	ST_SKIP,          /* a bad frame: drop bytes up to its end-line */
	ST_FAILED,        /* unframeable: nothing more is read */
};

struct msrp_parser {
	enum pstate st;
	struct msrp_hdrs h;
	char hbuf[MSRP_HDR_MAX];
	size_t hlen;           /* bytes in hbuf */
	size_t lstart;         /* start of the line being read */
	unsigned nhdrs;
	/* end-line matcher */
	char pat[MSRP_ENDLINE_MAX];
	size_t patlen;
	size_t flagpos;
	size_t m;              /* bytes of pat matched so far */
	char flag;
	const char *fail;
	msrp_hdr_h *hdrh;
	msrp_body_h *bodyh;
	msrp_end_h *endh;
	msrp_perr_h *errh;
	void *arg;
};


static int dec_u64(const struct pl *pl, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!pl->l || pl->l > 19)
		return EBADMSG;

	for (i = 0; i < pl->l; i++) {
		if (!is_digit(pl->p[i]))
			return EBADMSG;
		x = x * 10 + (pl->p[i] - '0');
	}

	*v = x;
	return 0;
}


static int dec_range(struct msrp_range *r, const struct pl *v)
{
	struct pl s, e, t;
	const char *dash, *slash;

	dash = memchr(v->p, '-', v->l);
	slash = memchr(v->p, '/', v->l);
	if (!dash || !slash || slash < dash)
		return EBADMSG;

	s.p = v->p;           s.l = dash - v->p;
	e.p = dash + 1;       e.l = slash - dash - 1;
	t.p = slash + 1;      t.l = v->p + v->l - slash - 1;

	if (dec_u64(&s, &r->start) || r->start < 1)
		return EBADMSG;

	if (e.l == 1 && e.p[0] == '*')
		r->end = MSRP_RANGE_STAR;
	else if (dec_u64(&e, &r->end) || r->end + 1 < r->start)
		return EBADMSG;

	if (t.l == 1 && t.p[0] == '*')
		r->total = MSRP_RANGE_STAR;
	else if (dec_u64(&t, &r->total))
		return EBADMSG;

	if (r->total != MSRP_RANGE_STAR && r->end != MSRP_RANGE_STAR &&
	    r->end > r->total)
		return EBADMSG;
	if (r->total != MSRP_RANGE_STAR && r->start > r->total + 1)
		return EBADMSG;

	r->present = true;
	return 0;
}


static int dec_status(struct msrp_hdrs *h, const struct pl *v)
{
	/* namespace SP status-code [SP comment] */
	if (v->l < 7 || !is_digit(v->p[0]) || !is_digit(v->p[1]) ||
	    !is_digit(v->p[2]) || v->p[3] != ' ' || !is_digit(v->p[4]) ||
	    !is_digit(v->p[5]) || !is_digit(v->p[6]))
		return EBADMSG;
	if (v->l > 7 && v->p[7] != ' ')
		return EBADMSG;

	h->status_ns = (v->p[0] - '0') * 100 + (v->p[1] - '0') * 10 +
		(v->p[2] - '0');
	h->status_code = (v->p[4] - '0') * 100 + (v->p[5] - '0') * 10 +
		(v->p[6] - '0');
	h->status_comment.p = v->p + (v->l > 7 ? 8 : 7);
	h->status_comment.l = v->l > 7 ? v->l - 8 : 0;
	h->has_status = true;
	return 0;
}


static int dec_ctype(const struct pl *v)
{
	size_t i = 0;

	/* type "/" subtype, then parameters we do not look into */
	while (i < v->l && is_token(v->p[i]) && v->p[i] != '/')
		++i;
	if (!i || i >= v->l || v->p[i] != '/')
		return EBADMSG;
	++i;
	if (i >= v->l || !is_token(v->p[i]))
		return EBADMSG;
	return 0;
}


static bool set_once(struct pl *f, const struct pl *v)
{
	if (f->p)
		return false;
	*f = *v;
	return true;
}


/* One header line, without CRLF.  Returns a reason or NULL. */
static const char *header_line(struct msrp_parser *p, const char *l,
			       size_t n)
{
	struct msrp_hdrs *h = &p->h;
	struct pl name, v;
	size_t i;

	if (++p->nhdrs > MSRP_HDRS_MAX)
		return "too many header fields";

	for (i = 0; i < n && l[i] != ':'; i++)
		if (!is_token(l[i]))
			return "bad header name";
	if (i == 0 || i == n)
		return "bad header line";

	name.p = l;
	name.l = i;
	++i;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		++i;
	v.p = l + i;
	v.l = n - i;
	while (v.l && (v.p[v.l - 1] == ' ' || v.p[v.l - 1] == '\t'))
		--v.l;

	for (i = 0; i < v.l; i++) {
		unsigned char c = v.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return "control character in header";
	}

	if (!pl_strcasecmp(&name, "To-Path")) {
		if (!msrp_path_valid(&v) || !set_once(&h->to_path, &v))
			return "bad To-Path";
	}
	else if (!pl_strcasecmp(&name, "From-Path")) {
		if (!msrp_path_valid(&v) || !set_once(&h->from_path, &v))
			return "bad From-Path";
	}
	else if (!pl_strcasecmp(&name, "Message-ID")) {
		if (!msrp_ident_valid(&v) || !set_once(&h->msgid, &v))
			return "bad Message-ID";
	}
	else if (!pl_strcasecmp(&name, "Byte-Range")) {
		if (h->range.present || dec_range(&h->range, &v))
			return "bad Byte-Range";
	}
	else if (!pl_strcasecmp(&name, "Success-Report")) {
		if (h->success_report)
			return "duplicate Success-Report";
		if (!pl_strcmp(&v, "yes"))
			h->success_report = MSRP_REP_YES;
		else if (!pl_strcmp(&v, "no"))
			h->success_report = MSRP_REP_NO;
		else
			return "bad Success-Report";
	}
	else if (!pl_strcasecmp(&name, "Failure-Report")) {
		if (h->failure_report)
			return "duplicate Failure-Report";
		if (!pl_strcmp(&v, "yes"))
			h->failure_report = MSRP_REP_YES;
		else if (!pl_strcmp(&v, "no"))
			h->failure_report = MSRP_REP_NO;
		else if (!pl_strcmp(&v, "partial"))
			h->failure_report = MSRP_REP_PARTIAL;
		else
			return "bad Failure-Report";
	}
	else if (!pl_strcasecmp(&name, "Status")) {
		if (h->has_status || dec_status(h, &v))
			return "bad Status";
	}
	else if (!pl_strcasecmp(&name, "Content-Type")) {
		if (dec_ctype(&v) || !set_once(&h->ctype, &v))
			return "bad Content-Type";
	}
	else {
		++h->n_other;
	}

	return NULL;
}


/* Returns a reason, or NULL with tid filled in. */
static const char *start_line(struct msrp_parser *p, const char *l,
			      size_t n, bool *have_tid)
{
	struct msrp_hdrs *h = &p->h;
	const char *sp;
	struct pl tid, rest;

	*have_tid = false;

	if (n < 5 || memcmp(l, "MSRP ", 5))
		return "no MSRP start line";

	tid.p = l + 5;
	sp = memchr(tid.p, ' ', n - 5);
	if (!sp)
		return "no transaction id";
	tid.l = sp - tid.p;
	if (!msrp_ident_valid(&tid))
		return "bad transaction id";

	memcpy(h->tid, tid.p, tid.l);
	h->tid[tid.l] = '\0';
	*have_tid = true;

	rest.p = sp + 1;
	rest.l = l + n - rest.p;
	if (!rest.l)
		return "no method or status";

	if (is_digit(rest.p[0])) {
		if (rest.l < 3 || !is_digit(rest.p[1]) ||
		    !is_digit(rest.p[2]) || (rest.l > 3 && rest.p[3] != ' '))
			return "bad status code";
		h->kind = MSRP_RESPONSE;
		h->scode = (rest.p[0] - '0') * 100 + (rest.p[1] - '0') * 10 +
			(rest.p[2] - '0');
		if (h->scode < 100)
			return "bad status code";
		h->comment.p = rest.p + (rest.l > 3 ? 4 : 3);
		h->comment.l = rest.l > 3 ? rest.l - 4 : 0;
		return NULL;
	}

	if (rest.l > 16)
		return "method too long";
	for (size_t i = 0; i < rest.l; i++)
		if (rest.p[i] < 'A' || rest.p[i] > 'Z')
			return "bad method";

	h->kind = MSRP_REQUEST;
	h->method_name = rest;
	if (!pl_strcmp(&rest, "SEND"))
		h->method = MSRP_SEND;
	else if (!pl_strcmp(&rest, "REPORT"))
		h->method = MSRP_REPORT;
	else
		h->method = MSRP_OTHER;

	return NULL;
}


static void reset(struct msrp_parser *p)
{
	memset(&p->h, 0, sizeof(p->h));
	p->hlen = 0;
	p->lstart = 0;
	p->nhdrs = 0;
	p->m = 0;
	p->st = ST_START;
}


static void set_pattern(struct msrp_parser *p)
{
	size_t tl = strlen(p->h.tid);

	memcpy(p->pat, "\r\n-------", 9);
	memcpy(p->pat + 9, p->h.tid, tl);
	p->flagpos = 9 + tl;
	p->pat[p->flagpos] = '$';
	p->pat[p->flagpos + 1] = '\r';
	p->pat[p->flagpos + 2] = '\n';
	p->patlen = p->flagpos + 3;
}


/* Skip the rest of a bad frame; at_line_start means an end-line may
 * follow at once (it is then preceded by the CRLF just read). */
static void frame_error_m(struct msrp_parser *p, const char *reason,
			  size_t m)
{
	if (p->errh)
		p->errh(&p->h, reason, p->arg);

	set_pattern(p);
	p->m = m;
	p->st = ST_SKIP;
}


static void frame_error(struct msrp_parser *p, const char *reason,
			bool at_line_start)
{
	frame_error_m(p, reason, at_line_start ? 2 : 0);
}


static bool pat_match(const struct msrp_parser *p, size_t m, char c)
{
	if (m == p->flagpos)
		return c == '$' || c == '+' || c == '#';
	return c == p->pat[m];
}


static void emit(struct msrp_parser *p, const uint8_t *b, size_t n)
{
	if (n && p->st == ST_BODY && p->bodyh)
		p->bodyh(&p->h, b, n, p->arg);
}


/* Scan body (or skipped) bytes.  Returns bytes consumed; when the
 * end-line was found the frame is over and the parser is reset. */
static size_t body_scan(struct msrp_parser *p, const uint8_t *b, size_t n)
{
	size_t i = 0, run = 0;
	size_t held = p->m;        /* pattern bytes held from earlier reads */
	long ms = held ? -1 : 0;   /* where the current match started */

	while (i < n) {
		uint8_t c;

		if (p->m == 0) {
			const uint8_t *q = memchr(b + i, '\r', n - i);
			if (!q) {
				i = n;
				break;
			}
			i = q - b;
			ms = (long)i;
			held = 0;
			p->m = 1;
			++i;
			continue;
		}

		c = b[i];
		if (pat_match(p, p->m, c)) {
			if (p->m == p->flagpos)
				p->flag = c;
			++p->m;
			++i;
			if (p->m == p->patlen) {
				char flag = p->flag;

				if (ms >= 0)
					emit(p, b + run, ms - run);
				if (p->st == ST_BODY && p->endh)
					p->endh(&p->h, flag, p->arg);
				reset(p);
				return i;
			}
			continue;
		}

		/* mismatch: the held bytes were body after all */
		if (ms < 0 && held) {
			char tmp[MSRP_ENDLINE_MAX];
			memcpy(tmp, p->pat, held);
			if (held > p->flagpos)
				tmp[p->flagpos] = p->flag;
			emit(p, (const uint8_t *)tmp, held);
			held = 0;
			run = 0;
		}
		p->m = 0;
		ms = 0;
		/* the current byte may start a new match: loop again */
		if (c != '\r')
			++i;
	}

	/* end of this read: pass on all but a partial match */
	if (p->m > 0 && ms >= 0) {
		emit(p, b + run, ms - run);
	}
	else if (p->m == 0) {
		emit(p, b + run, n - run);
	}
	/* else: the whole read belongs to a match begun earlier */

	return n;
}


static bool is_endline(const struct msrp_parser *p, const char *l, size_t n,
		       char *flag)
{
	size_t tl = strlen(p->h.tid);

	if (n != 7 + tl + 1 || memcmp(l, "-------", 7) ||
	    memcmp(l + 7, p->h.tid, tl))
		return false;

	*flag = l[n - 1];
	return *flag == '$' || *flag == '+' || *flag == '#';
}


static const char *validate(const struct msrp_hdrs *h)
{
	if (!h->to_path.p)
		return "no To-Path";
	if (!h->from_path.p)
		return "no From-Path";
	if (h->kind == MSRP_RESPONSE && h->body)
		return "response with a body";
	if (h->body && !h->ctype.p)
		return "body without Content-Type";
	if (h->kind == MSRP_REQUEST && h->method == MSRP_REPORT) {
		if (!h->has_status)
			return "REPORT without Status";
		if (!h->msgid.p)
			return "REPORT without Message-ID";
	}
	if (h->kind == MSRP_REQUEST && h->method == MSRP_SEND && !h->msgid.p)
		return "SEND without Message-ID";
	return NULL;
}


/* A complete line is in hbuf[lstart .. hlen) ending with LF. */
static void line_done(struct msrp_parser *p)
{
	char *l = p->hbuf + p->lstart;
	size_t n = p->hlen - p->lstart;
	const char *reason;
	char flag = '$';

	if (n < 2 || l[n - 2] != '\r') {
		if (p->st == ST_START) {
			p->fail = "bare LF in start line";
			p->st = ST_FAILED;
		}
		else
			frame_error(p, "bare LF", true);
		return;
	}
	n -= 2;

	if (p->st == ST_START) {
		bool have_tid;

		reason = start_line(p, l, n, &have_tid);
		if (reason) {
			if (!have_tid) {
				p->fail = reason;
				p->st = ST_FAILED;
				return;
			}
			frame_error(p, reason, true);
			return;
		}
		p->st = ST_HDRS;
		p->lstart = p->hlen;
		return;
	}

	/* ST_HDRS */
	if (is_endline(p, l, n, &flag) || n == 0) {
		p->h.body = (n == 0);
		reason = validate(&p->h);
		if (reason) {
			if (p->h.body)
				frame_error(p, reason, true);
			else {
				if (p->errh)
					p->errh(&p->h, reason, p->arg);
				reset(p);
			}
			return;
		}

		if (p->hdrh)
			p->hdrh(&p->h, p->arg);

		if (p->h.body) {
			set_pattern(p);
			p->m = 0;
			p->st = ST_BODY;
		}
		else {
			if (p->endh)
				p->endh(&p->h, flag, p->arg);
			reset(p);
		}
		return;
	}

	reason = header_line(p, l, n);
	if (reason) {
		frame_error(p, reason, true);
		return;
	}
	p->lstart = p->hlen;
}


/* Line mode: returns bytes consumed. */
static size_t line_scan(struct msrp_parser *p, const uint8_t *b, size_t n)
{
	const uint8_t *lf = memchr(b, '\n', n);
	size_t take = lf ? (size_t)(lf - b) + 1 : n;
	size_t room = sizeof(p->hbuf) - p->hlen;
	size_t llen;

	if (take > room) {
		/* the header block outgrew its buffer */
		if (p->st == ST_START) {
			p->fail = "start line too long";
			p->st = ST_FAILED;
			return n;
		}
		/* skip to the end-line, which may be the very line that
		 * overflowed: match from its start, over the part of it
		 * already held (no LF in there, so no end-line either) */
		frame_error(p, "header block too large", true);
		(void)body_scan(p, (const uint8_t *)p->hbuf + p->lstart,
				p->hlen - p->lstart);
		return 0;
	}

	memcpy(p->hbuf + p->hlen, b, take);
	p->hlen += take;
	llen = p->hlen - p->lstart;

	if (llen > MSRP_LINE_MAX) {
		if (p->st == ST_START) {
			p->fail = "start line too long";
			p->st = ST_FAILED;
			return n;
		}
		/* skip from here; what was just read may end in CR or CRLF */
		frame_error_m(p, "header line too long",
			      lf ? 2 : (b[take - 1] == '\r' ? 1 : 0));
		return take;
	}

	/* a start line has to look like one early: fail fast on noise */
	if (p->st == ST_START) {
		size_t k = llen < 5 ? llen : 5;
		if (memcmp(p->hbuf, "MSRP ", k)) {
			p->fail = "no MSRP start line";
			p->st = ST_FAILED;
			return n;
		}
	}

	if (lf)
		line_done(p);

	return take;
}


int msrp_parser_feed(struct msrp_parser *p, const uint8_t *buf, size_t n)
{
	if (!p || (!buf && n))
		return EINVAL;

	while (n) {
		size_t used;

		switch (p->st) {

		case ST_START:
		case ST_HDRS:
			used = line_scan(p, buf, n);
			break;

		case ST_BODY:
		case ST_SKIP:
			used = body_scan(p, buf, n);
			break;

		default:
			return EBADMSG;
		}

		if (p->st == ST_FAILED)
			return EBADMSG;

		buf += used;
		n -= used;
	}

	return p->st == ST_FAILED ? EBADMSG : 0;
}


const char *msrp_parser_error(const struct msrp_parser *p)
{
	return p ? p->fail : NULL;
}


int msrp_parser_alloc(struct msrp_parser **pp, msrp_hdr_h *hdrh,
		      msrp_body_h *bodyh, msrp_end_h *endh,
		      msrp_perr_h *errh, void *arg)
{
	struct msrp_parser *p;

	if (!pp)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), NULL);
	if (!p)
		return ENOMEM;

	p->hdrh = hdrh;
	p->bodyh = bodyh;
	p->endh = endh;
	p->errh = errh;
	p->arg = arg;
	reset(p);

	*pp = p;
	return 0;
}

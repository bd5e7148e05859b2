/**
 * @file msrp_parse.h  Streaming, bounded MSRP frame parser (RFC 4975 s.9)
 *
 * Pure code over buffers: feed it whatever a read returned, in any
 * split, and it calls back with the parsed header block, with body
 * bytes as they arrive, and with the end-line.  The header block is
 * kept in a fixed buffer inside the parser; a body is never kept.
 *
 * A malformed header block whose start line carried a transaction id
 * is reported through the error handler (so a 400 can be sent) and the
 * parser skips to that transaction's end-line and goes on.  A start
 * line that cannot be read leaves the stream unframed: feed returns
 * EBADMSG and the connection has to go.
 */

enum {
	MSRP_TID_MAX   = 32,      /* ident = ALPHANUM 3*31ident-char */
	MSRP_LINE_MAX  = 2048,    /* one header line, CRLF included */
	MSRP_HDR_MAX   = 8192,    /* the whole header block */
	MSRP_HDRS_MAX  = 32,      /* header fields in one block */
	MSRP_ENDLINE_MAX = 2 + 7 + MSRP_TID_MAX + 1 + 2,
};

enum msrp_kind {
	MSRP_REQUEST = 0,
	MSRP_RESPONSE,
};

enum msrp_method {
	MSRP_SEND = 0,
	MSRP_REPORT,
	MSRP_OTHER,     /* 1*UPALPHA that we do not know: 501 */
};

enum msrp_report {
	MSRP_REP_ABSENT = 0,
	MSRP_REP_YES,
	MSRP_REP_NO,
	MSRP_REP_PARTIAL,   /* Failure-Report only */
};

#define MSRP_RANGE_STAR UINT64_MAX   /* "*" in range-end or total */

struct msrp_range {
	bool present;
	uint64_t start;     /* >= 1 */
	uint64_t end;       /* MSRP_RANGE_STAR when "*" */
	uint64_t total;     /* MSRP_RANGE_STAR when "*" */
};

/* A parsed header block.  The pls point into the parser's own header
 * buffer and stay valid until the end-line handler has returned. */
struct msrp_hdrs {
	enum msrp_kind kind;
	char tid[MSRP_TID_MAX + 1];
	enum msrp_method method;
	struct pl method_name;
	uint16_t scode;          /* responses */
	struct pl comment;       /* responses, may be empty */
	struct pl to_path;       /* whole value: URIs separated by SP */
	struct pl from_path;
	struct pl msgid;
	struct msrp_range range;
	enum msrp_report success_report;
	enum msrp_report failure_report;
	bool has_status;
	uint16_t status_ns;
	uint16_t status_code;
	struct pl status_comment;
	struct pl ctype;         /* Content-Type, empty when absent */
	unsigned n_other;        /* extension headers seen (kept, unused) */
	bool body;               /* a blank line opened a body */
};

/* Called when a header block is complete and valid. */
typedef void (msrp_hdr_h)(const struct msrp_hdrs *h, void *arg);
/* Body bytes of the current frame, as they arrive; p is only valid
 * during the call. */
typedef void (msrp_body_h)(const struct msrp_hdrs *h, const uint8_t *p,
			   size_t n, void *arg);
/* The end-line: flag is '$', '+' or '#'. */
typedef void (msrp_end_h)(const struct msrp_hdrs *h, char flag, void *arg);
/* A malformed frame with a usable transaction id; h holds whatever was
 * parsed before the error (tid always, From-Path if it came first).
 * The parser then skips the rest of that frame. */
typedef void (msrp_perr_h)(const struct msrp_hdrs *h, const char *reason,
			   void *arg);

struct msrp_parser;

int  msrp_parser_alloc(struct msrp_parser **pp, msrp_hdr_h *hdrh,
		       msrp_body_h *bodyh, msrp_end_h *endh,
		       msrp_perr_h *errh, void *arg);
/* 0 when every byte was consumed; EBADMSG when the stream can no longer
 * be framed (the parser stays failed). */
int  msrp_parser_feed(struct msrp_parser *p, const uint8_t *buf, size_t n);
/* What made the stream unframeable, for the log. */
const char *msrp_parser_error(const struct msrp_parser *p);

/* Helpers over one URI list (To-Path / From-Path value). */
uint32_t msrp_path_count(const struct pl *path);
int  msrp_path_first(const struct pl *path, struct pl *uri);
int  msrp_path_last(const struct pl *path, struct pl *uri);

/* RFC 4975 s.6.1 URI comparison; true when equal.  Both must parse. */
bool msrp_uri_equal(const struct pl *a, const struct pl *b);

/* An MSRP URI split in parts (RFC 4975 s.9). */
struct msrp_uri {
	bool secure;             /* msrps */
	struct pl host;          /* without brackets for IPv6 */
	uint16_t port;           /* 0 when absent */
	struct pl session;       /* may be empty */
	struct pl transport;
};
int  msrp_uri_decode(struct msrp_uri *u, const struct pl *pl);

bool msrp_ident_valid(const struct pl *pl);

/**
 * @file subreq_int.h  What a SUBSCRIBE for the conference package asks
 * for; private to eventpkg/ (the listener's parser).
 *
 * Pure over a decoded struct sip_msg (no sockets), so it can be fuzzed
 * alone: the Event header, Expires, Accept and an application/mikey
 * body (the TRANSFER_INIT of the PSK S/MIME profile).  A request that
 * cannot be served gets the status code and reason to answer with.
 */

struct sip_msg;

enum {
	EVENTPKG_SUBREQ_MIKEY_MAX = 8192, /* far above any TRANSFER_INIT */
};

struct eventpkg_subreq {
	struct pl event_id;        /* Event: conference;id=... (may be unset) */
	bool has_expires;
	uint32_t expires;
	bool accept_xml;           /* application/conference-info+xml */
	bool accept_smime;         /* application/pkcs7-mime */
	const uint8_t *mikey;      /* points into the message, or NULL */
	size_t mikey_len;
};

/* 0 if the request is well formed, otherwise EPROTO with *scode and
 * *reason set (400, 406, 415, 489). */
int  eventpkg_subreq_parse(struct eventpkg_subreq *sr,
			   const struct sip_msg *msg,
			   uint16_t *scode, const char **reason);

/* Is this request for the conference package at all?  (Event header
 * present and its package is "conference".) */
bool eventpkg_subreq_is_conference(const struct sip_msg *msg);

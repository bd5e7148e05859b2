/**
 * @file fuzz_web.c  Fuzz the web interface's request parsing: an HTTP
 * request as libre's server decodes it (http_msg_decode), then our
 * router (method, percent-decoded path, query flags) and the JSON body
 * with every field getter; and the whole input as a JSON body as well.
 * Over an exact-size heap copy, so a read past the end is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void body(const uint8_t *p, size_t n)
{
	static const char *const names[] = {"uri", "subject", "open",
					    "floor_pres_max", NULL};
	struct odict *o = NULL;
	const char *why, *s, *bad;
	int64_t i;
	bool b;

	if (web_json_body(&o, p, n, &why))
		return;

	(void)web_json_only(o, names, &bad);
	if (!web_json_str(o, "uri", WEB_URI_MAX, &s)) {
		(void)web_sip_uri_ok(s);
		(void)web_uri_in_domain(s, "conf.test");
		(void)web_name_ok(s);
	}
	(void)web_json_str(o, "subject", WEB_TEXT_MAX, &s);
	(void)web_json_bool(o, "open", &b);
	(void)web_json_int(o, "floor_pres_max", 1, 16, &i);
	mem_deref(o);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_msg *msg = NULL;
	struct web_match m;
	enum web_method meth;
	uint8_t *buf;
	struct mbuf *mb;

	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	body(buf, size);

	mb = mbuf_alloc(size + 1);
	if (mb) {
		(void)mbuf_write_mem(mb, buf, size);
		mb->pos = 0;
		if (!http_msg_decode(&msg, mb, true)) {
			(void)web_method_decode(&meth, &msg->met);
			if (!web_route_match(&m, &msg->path)) {
				char allow[64];
				(void)re_snprintf(allow, sizeof(allow), "%H",
						  web_allow_print,
						  &m.methods);
			}
			(void)web_query_flag(&msg->prm, "kick");
			if (mbuf_get_left(mb) >= msg->clen)
				body(mbuf_buf(mb), msg->clen);
			mem_deref(msg);
		}
		mem_deref(mb);
	}

	free(buf);
	return 0;
}

/**
 * @file fuzz_config.c  Feeds arbitrary bytes to the confd.conf parser.
 *
 * Whatever the input, the parser must return without reading outside
 * the buffer, and a config it accepts must satisfy the invariants the
 * rest of confd relies on.
 *
 * The same bytes also go to the SIP URI comparison of confdef.c, which
 * sees untrusted From and P-Asserted-Identity URIs: a URI must match
 * itself exactly when it is valid.
 */
#include <string.h>
#include <stdlib.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* The parser explains every rejection on stderr; run with
 * -close_fd_mask=2 to keep the fuzzer's output readable. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct sa peer;
	char *s = NULL;
	char uri[1100];

	if (size < sizeof(uri)) {
		bool valid;

		memcpy(uri, data, size);
		uri[size] = '\0';
		valid = confdef_uri_valid(uri);
		if (valid != confdef_uri_match(uri, uri))
			abort();
		(void)confdef_uri_match(uri, "sip:alice@example.org");
	}

	if (config_parse_buf(&cfg, data, size))
		return 0;

	if (cfg.rtp_port_min >= cfg.rtp_port_max || (cfg.rtp_port_min & 1))
		abort();
	if (cfg.trustedc > CONFIG_TRUSTED_MAX)
		abort();
	if (cfg.log_level < 0 || cfg.log_level > 3)
		abort();
	if (!memchr(cfg.domain, '\0', sizeof(cfg.domain)) ||
	    !memchr(cfg.store, '\0', sizeof(cfg.store)) ||
	    !memchr(cfg.tls_cert, '\0', sizeof(cfg.tls_cert)))
		abort();

	(void)sa_set_str(&peer, "127.0.0.1", 5060);
	(void)config_trusted(&cfg, &peer);

	if (0 == re_sdprintf(&s, "%H", config_print, &cfg))
		mem_deref(s);

	return 0;
}

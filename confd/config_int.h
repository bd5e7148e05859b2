/**
 * @file config_int.h  What the confd.conf scanner (config.c) and the
 * handlers of its service keys (config_svc.c) share; confd/ only.
 */

struct parser {
	struct config *cfg;
	const char *name;             /* file name, for messages */
	unsigned line;
	uint64_t seen[2];             /* bit per key, both tables */
	bool domain_set;
	bool media_set;
	bool media6_set;
	bool tls_set;
	bool ctl_set;
};

struct config_key {
	const char *name;
	int (*h)(struct parser *p, const char *key, const struct pl *val);
	bool list;         /* whole line, may repeat */
	bool may_be_empty;
};

/* "file:line: key: bad value 'v': why" on stderr */
void config_perr(const struct parser *p, const char *key,
		 const struct pl *val, const char *why);
int  config_parse_u32(uint32_t *v, const struct pl *pl, uint32_t max);
int  config_parse_addr(struct sa *sa, const struct pl *val,
		       uint16_t defport, bool *port_given);
int  config_set_str(struct parser *p, const char *key, char *dst,
		    size_t size, const struct pl *val);

/* config_svc.c: logging, limits, web, dial-out and the factory */
extern const struct config_key config_keyv_svc[];
extern const size_t config_keyv_svc_n;
/* the limits' lines of config_print() */
int  config_print_limits(struct re_printf *pf, const struct config *cfg);

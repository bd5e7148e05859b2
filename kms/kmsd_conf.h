/**
 * @file kmsd_conf.h  kmsd.conf: libre's conf format, one "key value" a line
 *
 * Read by a bounded scanner of our own rather than libre's conf_get():
 * see kmsd_conf.c for why.  Every key takes one value word; '#' starts
 * a comment at the start of a line or after a blank.  A value that does
 * not fit, a key given twice or a missing required key is EINVAL with a
 * message on stderr naming the key and line; an unknown key draws a
 * warning.
 *
 *   listen           127.0.0.1:8443     HTTPS address (default)
 *   cert             kmsd.pem           certificate + key (default)
 *   kms_id           kms.example.org    our identity (IDRkms), required
 *   master_key       <32..64 hex bytes> the TPK protecting tickets,
 *                                       required
 *   users            kms-users.txt      "KMS-UID PSK-HEX" a line,
 *                                       required
 *   ticket_lifetime  86400              longest validity we grant (s)
 *   skew             300                allowed clock skew (s)
 */

enum { KMSD_MASTER_MAX = 64 };

struct kmsd_conf {
	char listen[64];
	char cert[256];
	char kms_id[256];
	uint8_t master_key[KMSD_MASTER_MAX];
	size_t master_key_len;
	char users[256];
	uint32_t ticket_lifetime;
	uint32_t skew;
};

/* Defaults, then the file at path */
int  kmsd_conf_load(struct kmsd_conf *cfg, const char *path);
/* Defaults, then the len bytes at buf (need not be NUL-terminated);
 * name is used in messages */
int  kmsd_conf_parse(struct kmsd_conf *cfg, const char *name,
		     const uint8_t *buf, size_t len);
/* Wipes the master key */
void kmsd_conf_wipe(struct kmsd_conf *cfg);
/* Hex digits to bytes: EINVAL when odd, empty, not hex or over size */
int  kmsd_hex_decode(uint8_t *out, size_t size, size_t *n,
		     const struct pl *hex);

/**
 * @file confinfo_int.h  Internals shared by confinfo.c (the roster and
 * its change log) and confinfo_xml.c (the encoder); private to eventpkg/
 * (tests/unit may look inside).
 */

struct cinfo_uri {
	struct le le;
	char *uri;
	char *purpose;
	char *display;
};

struct cinfo_avail {
	struct le le;
	char *label;
	char *type;
	enum cinfo_mstatus status;
};

struct cinfo_media {
	struct le le;
	char *id;
	char *type;
	char *label;
	char *src_id;
	enum cinfo_mstatus status;
};

struct cinfo_ep {
	struct le le;                  /* in cinfo_user.eps */
	struct le le_tomb;             /* in cinfo_user.tombs when deleted */
	char *entity;
	enum cinfo_epstatus status;
	enum cinfo_joining jm;
	char *join_by;
	time_t join_when;
	enum cinfo_disc dm;
	char *disc_reason;
	time_t disc_when;
	struct list media;             /* struct cinfo_media */
	uint64_t seq;                  /* last change */
	uint64_t created;
	bool deleted;
};

struct cinfo_user {
	struct le he;                  /* in cinfo.users, by entity */
	struct le le_ord;              /* in cinfo.order, by seq */
	struct le le_tomb;             /* in cinfo.tombs when deleted */
	struct cinfo *ci;
	char *entity;
	char *display;
	char *role;
	struct list eps;               /* struct cinfo_ep, tombstones too */
	struct list tombs;             /* deleted endpoints, oldest first */
	uint32_t ntombs;
	uint64_t seq;                  /* last change to it or below it */
	uint64_t fields_seq;           /* last change of its own fields */
	uint64_t created;
	bool deleted;
};

struct cinfo {
	char *entity;
	char *subject;
	struct list conf_uris;         /* struct cinfo_uri */
	struct list avail;             /* struct cinfo_avail */
	char *host_display;
	char *host_uri;
	bool active;
	uint32_t nusers;               /* users not deleted */

	uint64_t seq;                  /* change counter */
	uint64_t desc_seq, host_seq, state_seq;
	uint64_t horizon;              /* partials since < this are full */

	struct hash *users;            /* users and tombstones by entity */
	struct list order;             /* users and tombstones, by seq */
	struct list tombs;             /* deleted users, oldest first */
	uint32_t ntombs;
	uint32_t tomb_limit;
	uint32_t ep_tomb_limit;
};

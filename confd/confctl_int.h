/**
 * @file confctl_int.h  What confctl.c (arguments, the store, the
 * conference and participant commands, the control socket) and
 * confctl_accounts.c (passwords: digest credentials, client
 * certificates, creator accounts) share.
 */

enum {
	EXIT_STORE = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,
	TEXT_MAX   = 1024,
	PW_MAX     = 1024,
};


/* Options after the command words, collected before anything is done
 * so that a typo never leaves half a change behind. */
struct opts {
	const char *pos[3];
	int posc;
	const char *subject;
	const char *creator;
	const char *kms_uid;
	int open;                 /* -1 unchanged, 0, 1 */
	int anonymous;
	bool srtp_set;
	enum confdef_srtp srtp;
	unsigned keying;          /* 0 unchanged */
	int floor_pres_chair;     /* -1 unchanged, 0, 1 */
	unsigned floor_pres_max;  /* 0 unchanged */
	bool floor_audio_set;
	enum confdef_audio_floor floor_audio;
	int notify_smime;         /* -1 unchanged, 0, 1 */
	bool role_set;
	enum confdef_role role;
	const char *user;
	bool kick;
};


int  confctl_usage_err(const char *fmt, ...);
int  confctl_store_err(const char *what, const char *obj, int err);
int  confctl_parse_opts(struct opts *o, int argc, char *argv[],
			int maxpos, const char *allow);
int  confctl_check_uri(const char *what, const char *uri);
int  confctl_open_store(struct store **stp, const char *db);
bool confctl_text_ok(const char *s);

/* confctl_accounts.c */
int  cmd_part_list(const char *db, int argc, char *argv[]);
int  cmd_part_passwd(const char *db, int argc, char *argv[]);
int  cmd_part_cert(const char *db, int argc, char *argv[]);
int  cmd_creator_add(const char *db, int argc, char *argv[]);
int  cmd_creator_passwd(const char *db, int argc, char *argv[]);
int  cmd_creator_del(const char *db, int argc, char *argv[]);
int  cmd_creator_list(const char *db, int argc, char *argv[]);

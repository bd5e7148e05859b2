/**
 * @file ctl_dialout_pending.c  focus_dialout until dial-out lands:
 * replaced by focus/dialout.c at merge (delete this file then).
 */
#include <re.h>
#include "focus/focus.h"


int focus_dialout(struct focus *f, const char *conf_uri,
		  const char *target_uri, const char *by,
		  char *err, size_t errsz)
{
	(void)f;
	(void)conf_uri;
	(void)target_uri;
	(void)by;

	if (err && errsz)
		(void)re_snprintf(err, errsz, "dial-out is not built yet");

	return ENOSYS;
}

/**
 * @file dialout_pending.c  Stand-ins for the dial-out branch's API
 * (focus/focus.h): replaced by focus/dialout.c at merge -- the lead
 * deletes this file then.
 */
#include <errno.h>
#include <re.h>
#include "focus/focus.h"


int focus_dialout(struct focus *f, const char *conf_uri,
		  const char *target_uri, const char *by, char *err,
		  size_t errsz)
{
	(void)f; (void)conf_uri; (void)target_uri; (void)by;
	if (err && errsz)
		str_ncpy(err, "dial-out is not built yet", errsz);
	return ENOSYS;
}


int focus_refer_to_conf(struct focus *f, const char *conf_uri,
			const char *target_uri, const char *by, char *err,
			size_t errsz)
{
	(void)f; (void)conf_uri; (void)target_uri; (void)by;
	if (err && errsz)
		str_ncpy(err, "REFER is not built yet", errsz);
	return ENOSYS;
}

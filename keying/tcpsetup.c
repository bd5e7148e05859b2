/**
 * @file tcpsetup.c  The a=setup answer rule (tcpsetup.h).
 */
#include <string.h>
#include <re.h>
#include "keying/tcpsetup.h"


static const char * const names[] = {
	[TCPSETUP_ACTIVE]   = "active",
	[TCPSETUP_PASSIVE]  = "passive",
	[TCPSETUP_ACTPASS]  = "actpass",
	[TCPSETUP_HOLDCONN] = "holdconn",
};


int tcpsetup_decode(const char *value, enum tcpsetup *s)
{
	size_t i;

	if (!s)
		return EINVAL;

	if (!value) {
		*s = TCPSETUP_ACTIVE;
		return 0;
	}

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!str_casecmp(value, names[i])) {
			*s = (enum tcpsetup)i;
			return 0;
		}
	}

	return EBADMSG;
}


const char *tcpsetup_name(enum tcpsetup s)
{
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}


int tcpsetup_answer(enum tcpsetup offer, enum tcpsetup *ans)
{
	if (!ans)
		return EINVAL;

	switch (offer) {

	case TCPSETUP_ACTIVE:
	case TCPSETUP_ACTPASS:
		*ans = TCPSETUP_PASSIVE;
		return 0;

	case TCPSETUP_PASSIVE:
		*ans = TCPSETUP_ACTIVE;
		return 0;

	case TCPSETUP_HOLDCONN:
		*ans = TCPSETUP_HOLDCONN;
		return 0;

	default:
		return EINVAL;
	}
}

/**
 * @file factory.c  The conference factory (RFC 4579 5.4): an INVITE to
 * factory_uri creates an ad-hoc conference.
 *
 * The new conference takes its policy from the factory_* template of
 * confd.conf; its creator is the caller's identity (identity.c: the
 * same rules as for joining, so an anonymous caller cannot create one)
 * and the creator is on its list as chair.  It is written to the store
 * (through the callback confd/main.c gives: focus/ never touches SQL)
 * before the caller joins, so that a reload keeps it.  The caller then
 * joins at once, as any dial-in; the 200's Contact is the new URI with
 * ;isfocus (participant.c, contact_print()).
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "focus/focus_int.h"


#define DEBUG_MODULE "factory"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


struct factory {
	char *uri;
	bool open, anonymous;
	enum confdef_srtp srtp;
	struct confdef_floor floor;
	int (*createh)(const struct confdef *def, void *arg);
	void *arg;
	uint64_t count;                /* conferences created */
};


static void destructor(void *arg)
{
	struct factory *fa = arg;

	mem_deref(fa->uri);
}


int factory_alloc(struct factory **fp, const struct focus_cfg *cfg)
{
	struct factory *fa;
	int err;

	if (!cfg->factory_uri || !cfg->factory_uri[0]) {
		*fp = NULL;
		return 0;
	}
	if (!confdef_uri_valid(cfg->factory_uri))
		return EINVAL;

	fa = mem_zalloc(sizeof(*fa), destructor);
	if (!fa)
		return ENOMEM;

	err = str_dup(&fa->uri, cfg->factory_uri);
	if (err) {
		mem_deref(fa);
		return err;
	}

	if (cfg->factory_tmpl) {
		fa->open = cfg->factory_tmpl->open;
		fa->anonymous = cfg->factory_tmpl->anonymous;
		fa->srtp = cfg->factory_tmpl->srtp;
		fa->floor = cfg->factory_tmpl->floor;
	}
	else {
		fa->srtp = CONFDEF_SRTP_REQUIRED;
		fa->floor.pres_max = 1;
	}
	fa->createh = cfg->factoryh;
	fa->arg = cfg->factory_arg;

	*fp = fa;
	return 0;
}


/* A fresh conference URI in the factory's domain: 64 random bits, so
 * that nobody can guess a conference's name from another's. */
static int new_uri(char *buf, size_t sz, const struct focus *f)
{
	const char *host = strchr(f->factory->uri, '@');

	return re_snprintf(buf, sz, "sip:adhoc-%016llx@%s", rand_u64(),
			   host ? host + 1 : f->domain) < 0 ? ENOMEM : 0;
}


static bool is_factory(const struct focus *f, const struct uri *ruri)
{
	char uri[256], uri2[256];

	if (!pl_isset(&ruri->user))
		return false;

	/* as conference_find(): our domain or the host dialled */
	if (re_snprintf(uri, sizeof(uri), "sip:%r@%r", &ruri->user,
			&ruri->host) < 0 ||
	    re_snprintf(uri2, sizeof(uri2), "sip:%r@%s", &ruri->user,
			f->domain) < 0)
		return false;

	return confdef_uri_match(f->factory->uri, uri) ||
		confdef_uri_match(f->factory->uri, uri2);
}


/* true when msg was for the factory (and has been answered) */
bool factory_invite(struct focus *f, const struct sip_msg *msg)
{
	struct factory *fa = f->factory;
	struct confdef *def = NULL;
	struct conference *conf = NULL;
	struct identity id;
	char uri[256];
	int err;

	if (!fa || !is_factory(f, &msg->uri))
		return false;

	if (f->closing) {
		(void)sip_treply(NULL, f->sip, msg, 503, "Shutting Down");
		return true;
	}

	if (identity_get(&id, f, msg)) {
		(void)sip_treply(NULL, f->sip, msg, 400, "Bad Identity");
		return true;
	}
	if (id.anonymous) {
		(void)sip_treply(NULL, f->sip, msg, 403,
				 "Anonymous Callers Cannot Create "
				 "Conferences");
		return true;
	}

	err = new_uri(uri, sizeof(uri), f);
	if (!err)
		err = confdef_alloc(&def, uri);
	if (!err) {
		/* confdef_alloc() starts them as "" */
		def->creator = mem_deref(def->creator);
		def->subject = mem_deref(def->subject);
		err  = str_dup(&def->creator, id.uri);
		err |= str_dup(&def->subject, "ad-hoc");
	}
	if (!err)
		err = confdef_member_add(def, id.uri, NULL, CONFDEF_CHAIR);
	if (err)
		goto fail;

	def->open = fa->open;
	def->anonymous = fa->anonymous;
	def->srtp = fa->srtp;
	def->floor = fa->floor;

	if (fa->createh) {
		err = fa->createh(def, fa->arg);
		if (err) {
			DEBUG_WARNING("%s: not stored: %m\n", uri, err);
			goto fail;
		}
	}

	err = conference_alloc(&conf, f, def);
	if (err)
		goto fail;
	def = NULL;                 /* conf has it */
	(void)events_conf_update(conf);

	++fa->count;
	DEBUG_NOTICE("%s created %s (factory)\n", id.uri, conf->def->uri);

	participant_connect_conf(f, conf, msg);
	return true;

 fail:
	mem_deref(def);
	(void)sip_treply(NULL, f->sip, msg, 500, "Server Internal Error");
	return true;
}

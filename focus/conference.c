/**
 * @file conference.c  Conferences: definition, mixer and roster.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "media/media.h"
#include "floor/floor.h"
#include "focus/focus.h"
#include "focus/focus_int.h"
#include "focus/calllog_int.h"


#define DEBUG_MODULE "conference"
#define DEBUG_LEVEL 7
#include <re_dbg.h>


static void conference_destructor(void *arg)
{
	struct conference *conf = arg;

	list_unlink(&conf->le);
	/* ends every subscription: terminated;reason=noresource */
	mem_deref(conf->evc);
	mem_deref(conf->chat);
	conf->video = mem_deref(conf->video);   /* floor may still call back */
	mem_deref(conf->floor);
	mem_deref(conf->mixer);
	mem_deref(conf->def);
}


/* A conference of f, defined by def (which it takes over). */
int conference_alloc(struct conference **confp, struct focus *f,
		     struct confdef *def)
{
	struct conference *conf;

	conf = mem_zalloc(sizeof(*conf), conference_destructor);
	if (!conf)
		return ENOMEM;

	conf->focus = f;
	conf->def = def;
	list_append(&f->confs, &conf->le, conf);

	*confp = conf;
	return 0;
}


/* A new definition from the store (which it takes over); calls in
 * progress are kept. */
void conference_redefine(struct conference *conf, struct confdef *def)
{
	mem_deref(conf->def);
	conf->def = def;
	conf->removed = false;
}


static struct conference *conference_by_uri(struct focus *f, const char *uri)
{
	struct le *le;

	for (le = f->confs.head; le; le = le->next) {
		struct conference *conf = le->data;

		if (!conf->removed && confdef_uri_match(conf->def->uri, uri))
			return conf;
	}

	return NULL;
}


/* The Request-URI names the conference.  Its host may be our domain or
 * the address the caller reached us on; only scheme, user and host
 * count, so parameters such as ;transport do not matter. */
struct conference *conference_find(struct focus *f, const struct uri *ruri)
{
	struct conference *conf;
	char uri[256];

	if (!pl_isset(&ruri->user))
		return NULL;

	if (re_snprintf(uri, sizeof(uri), "sip:%r@%r",
			&ruri->user, &ruri->host) < 0)
		return NULL;

	conf = conference_by_uri(f, uri);
	if (conf)
		return conf;

	if (re_snprintf(uri, sizeof(uri), "sip:%r@%s",
			&ruri->user, f->domain) < 0)
		return NULL;

	return conference_by_uri(f, uri);
}


int conference_join(struct conference *conf, struct participant *p)
{
	int err;

	if (!conf->mixer) {
		err = mixer_alloc(&conf->mixer);
		if (err)
			return err;
	}

	/* in the list from the INVITE on, so that its streams can be set
	 * up; it has joined only once answered (conference_joined) */
	list_append(&conf->parts, &p->le, p);
	p->conf = conf;
	return 0;
}


static uint32_t joined_count(const struct conference *conf)
{
	const struct le *le;
	uint32_t n = 0;

	for (le = conf->parts.head; le; le = le->next) {
		const struct participant *q = le->data;

		n += q->joined;
	}

	return n;
}


/* The 200 OK went out: a refused call is never logged as a join. */
void conference_joined(struct participant *p)
{
	struct conference *conf = p->conf;

	if (!conf || p->joined)
		return;

	p->joined = true;
	calllog_joined(p, joined_count(conf));
}


void conference_leave(struct participant *p)
{
	struct conference *conf = p->conf;

	if (!conf)
		return;

	list_unlink(&p->le);
	if (p->joined)
		calllog_left(p, joined_count(conf));
	p->conf = NULL;
	conference_gc(conf);
}


/* An empty conference keeps no clock running; a deleted one goes. */
void conference_gc(struct conference *conf)
{
	if (!list_isempty(&conf->parts))
		return;

	conf->mixer = mem_deref(conf->mixer);
	conf->floor = mem_deref(conf->floor);
	conf->chat = mem_deref(conf->chat);
	conf->video = mem_deref(conf->video);

	if (conf->removed)
		mem_deref(conf);
}


/* With a moderated audio floor only its holders are mixed (issue 3);
 * without one, everybody is. */
void conference_audio_update(struct conference *conf)
{
	bool gated = conf->def->floor.audio != CONFDEF_AUDIO_FLOOR_OFF;
	struct le *le;

	for (le = conf->parts.head; le; le = le->next) {
		struct participant *p = le->data;
		bool mixed = !gated;
		uint16_t userid;

		if (gated && conf->floor &&
		    stream_bfcp_userid(p->bfcp, &userid))
			mixed = floor_conf_holds(conf->floor, FLOOR_ID_AUDIO,
						 userid);
		stream_audio_set_mixed(p->audio, mixed);
	}
}


void conference_gate_audio(struct conference *conf, const uint16_t *userv,
			   size_t userc)
{
	(void)userv;
	(void)userc;
	conference_audio_update(conf);
}

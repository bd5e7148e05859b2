/**
 * @file control.c  What the creator web interface may see and do in a
 * running conference: the live roster, mute, a chair's floor decision,
 * and BYE to one participant.
 *
 * The roster is fed from the same points that update the RFC 4575
 * state (events.c calls focus_roster_changed where it changes the
 * conference-info document), plus floor changes (floor_change_h) and
 * mutes, and it reads the same participant objects, so the page and
 * the event package never disagree on who is in.
 */
#include <string.h>
#include <re.h>
#include "focus/confdef.h"
#include "focus/focus.h"
#include "floor/floor.h"
#include "media/media.h"
#include "focus/focus_int.h"


void focus_set_roster_handler(struct focus *f, focus_roster_h *h, void *arg)
{
	if (!f)
		return;
	f->rosterh = h;
	f->roster_arg = arg;
}


void focus_roster_changed(struct conference *conf)
{
	struct focus *f;

	if (!conf || !conf->def)
		return;

	f = conf->focus;
	if (f && f->rosterh)
		f->rosterh(conf->def->uri, f->roster_arg);
}


void focus_roster_floor(void *arg)
{
	focus_roster_changed(arg);
}


static struct conference *live_conf(struct focus *f, const char *uri)
{
	struct le *le;

	for (le = f ? f->confs.head : NULL; le; le = le->next) {
		struct conference *conf = le->data;

		if (!conf->removed && !strcmp(conf->def->uri, uri))
			return conf;
	}

	return NULL;
}


static struct participant *part_get(struct conference *conf,
				    const char *uri)
{
	struct le *le;

	for (le = conf ? conf->parts.head : NULL; le; le = le->next) {
		struct participant *p = le->data;

		if (p->estab && confdef_uri_match(p->uri, uri))
			return p;
	}

	return NULL;
}


static const char *part_uri(const struct conference *conf, uint16_t userid)
{
	struct le *le;

	for (le = conf->parts.head; le; le = le->next) {
		const struct participant *p = le->data;
		uint16_t u;

		if (stream_bfcp_userid(p->bfcp, &u) && u == userid)
			return p->uri;
	}

	return NULL;
}


static int add_media(struct odict *arr, const char *type, const char *keying,
		     enum sdp_dir dir, int64_t extra, const char *extra_name)
{
	static const char *dirs[] = {"inactive", "recvonly", "sendonly",
				     "sendrecv"};
	struct odict *o;
	char key[8];
	int err;

	if (!keying)
		return 0;

	err = odict_alloc(&o, 4);
	if (err)
		return err;

	err  = odict_entry_add(o, "type", ODICT_STRING, type);
	err |= odict_entry_add(o, "keying", ODICT_STRING, keying);
	if ((unsigned)dir < ARRAY_SIZE(dirs))
		err |= odict_entry_add(o, "dir", ODICT_STRING,
				       dirs[(unsigned)dir]);
	if (extra_name)
		err |= odict_entry_add(o, extra_name, ODICT_INT, extra);

	(void)re_snprintf(key, sizeof(key), "%zu", odict_count(arr, false));
	err |= odict_entry_add(arr, key, ODICT_OBJECT, o);
	mem_deref(o);

	return err ? ENOMEM : 0;
}


static int part_odict(struct odict *arr, const struct participant *p)
{
	const struct confdef_member *m;
	struct odict *o = NULL, *media = NULL;
	enum sdp_dir dir = stream_audio_dir(p->audio);
	uint8_t level = stream_audio_level(p->audio);
	uint16_t userid = 0;
	bool has_bfcp;
	char key[8];
	int err;

	m = confdef_member_find(p->conf->def, p->uri);
	has_bfcp = stream_bfcp_userid(p->bfcp, &userid);

	err  = odict_alloc(&o, 16);
	err |= odict_alloc(&media, 8);
	if (err)
		goto out;

	err  = add_media(media, "audio", stream_audio_keying(p->audio), dir,
			 0, NULL);
	err |= add_media(media, "video", stream_video_keying(p->video),
			 stream_video_dir(p->video), 0, NULL);
	err |= add_media(media, "msrp", stream_msrp_keying(p->msrp),
			 SDP_SENDRECV, 0, NULL);
	err |= add_media(media, "bfcp", stream_bfcp_keying(p->bfcp),
			 SDP_SENDRECV, userid, has_bfcp ? "userid" : NULL);

	err |= odict_entry_add(o, "uri", ODICT_STRING, p->uri);
	err |= odict_entry_add(o, "role", ODICT_STRING,
			       m && m->role == CONFDEF_CHAIR ? "chair"
			       : "participant");
	err |= odict_entry_add(o, "status", ODICT_STRING,
			       dir == SDP_INACTIVE || dir == SDP_RECVONLY ?
			       "on-hold" : "connected");
	err |= odict_entry_add(o, "anonymous", ODICT_BOOL, p->anonymous);
	err |= odict_entry_add(o, "muted", ODICT_BOOL,
			       stream_audio_muted(p->audio));
	/* in 10 dB steps: the roster is re-sent only when it changes */
	err |= odict_entry_add(o, "level", ODICT_INT,
			       (int64_t)(level / 10 * 10));
	err |= odict_entry_add(o, "talking", ODICT_BOOL,
			       level < MEDIA_LEVEL_TALKING);
	err |= odict_entry_add(o, "media", ODICT_ARRAY, media);

	(void)re_snprintf(key, sizeof(key), "%zu", odict_count(arr, false));
	err |= odict_entry_add(arr, key, ODICT_OBJECT, o);

 out:
	mem_deref(media);
	mem_deref(o);
	return err ? ENOMEM : 0;
}


struct floorwalk {
	const struct conference *conf;
	uint16_t floorid;
	struct odict *holders, *queue;
	int err;
};


static bool floor_req(uint16_t floorid, uint16_t userid,
		      enum floor_req_state st, unsigned qpos, void *arg)
{
	struct floorwalk *fw = arg;
	const char *uri;
	char key[8];

	if (floorid != fw->floorid)
		return false;

	uri = part_uri(fw->conf, userid);
	if (!uri)
		return false;

	if (st == FLOOR_REQ_GRANTED) {
		(void)re_snprintf(key, sizeof(key), "%zu",
				  odict_count(fw->holders, false));
		fw->err |= odict_entry_add(fw->holders, key, ODICT_STRING,
					   uri);
	}
	else {
		struct odict *q;

		fw->err |= odict_alloc(&q, 4);
		if (fw->err)
			return true;
		fw->err |= odict_entry_add(q, "uri", ODICT_STRING, uri);
		fw->err |= odict_entry_add(q, "status", ODICT_STRING,
					   st == FLOOR_REQ_PENDING ? "pending"
					   : "accepted");
		fw->err |= odict_entry_add(q, "position", ODICT_INT,
					   (int64_t)qpos);
		(void)re_snprintf(key, sizeof(key), "%zu",
				  odict_count(fw->queue, false));
		fw->err |= odict_entry_add(fw->queue, key, ODICT_OBJECT, q);
		mem_deref(q);
	}

	return fw->err != 0;
}


static int floors_odict(struct odict *arr, const struct conference *conf)
{
	static const struct { uint16_t id; const char *name; } fl[] = {
		{FLOOR_ID_PRES, "presentation"},
		{FLOOR_ID_AUDIO, "audio"},
	};
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(fl) && !err; i++) {
		struct floorwalk fw;
		struct odict *o = NULL;
		char key[8];

		if (fl[i].id == FLOOR_ID_AUDIO &&
		    conf->def->floor.audio == CONFDEF_AUDIO_FLOOR_OFF)
			continue;

		memset(&fw, 0, sizeof(fw));
		fw.conf = conf;
		fw.floorid = fl[i].id;

		err  = odict_alloc(&o, 4);
		err |= odict_alloc(&fw.holders, 4);
		err |= odict_alloc(&fw.queue, 4);
		if (!err) {
			floor_conf_requests(conf->floor, floor_req, &fw);
			err = fw.err;
		}
		if (!err) {
			bool chair = fl[i].id == FLOOR_ID_PRES ?
				conf->def->floor.pres_chair :
				conf->def->floor.audio ==
				CONFDEF_AUDIO_FLOOR_CHAIR;

			err  = odict_entry_add(o, "id", ODICT_INT,
					       (int64_t)fl[i].id);
			err |= odict_entry_add(o, "name", ODICT_STRING,
					       fl[i].name);
			err |= odict_entry_add(o, "policy", ODICT_STRING,
					       chair ? "chair" : "auto");
			err |= odict_entry_add(o, "holders", ODICT_ARRAY,
					       fw.holders);
			err |= odict_entry_add(o, "queue", ODICT_ARRAY,
					       fw.queue);
			(void)re_snprintf(key, sizeof(key), "%zu",
					  odict_count(arr, false));
			err |= odict_entry_add(arr, key, ODICT_OBJECT, o);
		}

		mem_deref(fw.holders);
		mem_deref(fw.queue);
		mem_deref(o);
	}

	return err ? ENOMEM : 0;
}


int focus_roster(struct focus *f, const char *conf_uri, struct odict **odp)
{
	struct conference *conf;
	struct odict *o = NULL, *parts = NULL, *floors = NULL;
	struct le *le;
	int err;

	if (!f || !conf_uri || !odp)
		return EINVAL;

	conf = live_conf(f, conf_uri);

	err  = odict_alloc(&o, 8);
	err |= odict_alloc(&parts, 32);
	err |= odict_alloc(&floors, 4);
	if (err)
		goto out;

	for (le = conf ? conf->parts.head : NULL; le && !err; le = le->next) {
		const struct participant *p = le->data;

		if (p->estab)
			err = part_odict(parts, p);
	}

	if (!err && conf)
		err = floors_odict(floors, conf);

	if (!err) {
		err  = odict_entry_add(o, "type", ODICT_STRING, "roster");
		err |= odict_entry_add(o, "conf", ODICT_STRING, conf_uri);
		err |= odict_entry_add(o, "active", ODICT_BOOL,
				       conf && !list_isempty(&conf->parts));
		err |= odict_entry_add(o, "participants", ODICT_ARRAY, parts);
		err |= odict_entry_add(o, "floors", ODICT_ARRAY, floors);
	}

 out:
	mem_deref(parts);
	mem_deref(floors);
	if (err)
		mem_deref(o);
	else
		*odp = o;

	return err ? ENOMEM : 0;
}


int focus_mute(struct focus *f, const char *conf_uri, const char *target,
	       bool mute)
{
	struct participant *p;

	if (!f || !conf_uri || !target)
		return EINVAL;

	p = part_get(live_conf(f, conf_uri), target);
	if (!p || !p->audio)
		return ENOENT;

	stream_audio_set_muted(p->audio, mute);
	/* RFC 4575 has "muted-via-focus" for exactly this */
	focus_roster_changed(p->conf);
	return 0;
}


int focus_floor_chair(struct focus *f, const char *conf_uri,
		      const char *target, uint16_t floorid, bool grant)
{
	struct participant *p;
	uint16_t userid;

	if (!f || !conf_uri || !target)
		return EINVAL;

	p = part_get(live_conf(f, conf_uri), target);
	if (!p || !p->conf->floor || !stream_bfcp_userid(p->bfcp, &userid))
		return ENOENT;

	return floor_conf_chair(p->conf->floor, floorid, userid, grant);
}


int focus_part_bye(struct focus *f, const char *conf_uri, const char *target,
		   const char *reason)
{
	struct participant *p;

	if (!f || !conf_uri || !target)
		return EINVAL;

	p = part_get(live_conf(f, conf_uri), target);
	if (!p)
		return ENOENT;

	participant_hangup(p, 0, reason);
	return 0;
}

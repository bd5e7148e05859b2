/**
 * @file confinfo.c  The conference roster and its change log (RFC 4575)
 *
 * Every update stamps what it touched with a new sequence number and
 * moves the user it belongs to to the newest end of cinfo.order; the
 * encoder (confinfo_xml.c) reads that order backwards to build partial
 * documents.  Each call costs O(1) plus the size of the one user it
 * touches.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "eventpkg/eventpkg.h"
#include "eventpkg/confinfo_int.h"


enum {
	USERS_HTSIZE   = 256,
	TOMB_LIMIT     = 1024,
	EP_TOMB_LIMIT  = 8,
};


static void uri_destructor(void *arg)
{
	struct cinfo_uri *u = arg;

	mem_deref(u->uri);
	mem_deref(u->purpose);
	mem_deref(u->display);
}


static void avail_destructor(void *arg)
{
	struct cinfo_avail *a = arg;

	mem_deref(a->label);
	mem_deref(a->type);
}


static void media_destructor(void *arg)
{
	struct cinfo_media *m = arg;

	list_unlink(&m->le);
	mem_deref(m->id);
	mem_deref(m->type);
	mem_deref(m->label);
	mem_deref(m->src_id);
}


static void ep_destructor(void *arg)
{
	struct cinfo_ep *ep = arg;

	list_unlink(&ep->le);
	list_unlink(&ep->le_tomb);
	list_flush(&ep->media);
	mem_deref(ep->entity);
	mem_deref(ep->join_by);
	mem_deref(ep->disc_reason);
}


static void user_destructor(void *arg)
{
	struct cinfo_user *u = arg;

	hash_unlink(&u->he);
	list_unlink(&u->le_ord);
	list_unlink(&u->le_tomb);
	list_flush(&u->eps);
	mem_deref(u->entity);
	mem_deref(u->display);
	mem_deref(u->role);
}


static void destructor(void *arg)
{
	struct cinfo *ci = arg;

	list_flush(&ci->order);
	mem_deref(ci->users);
	list_flush(&ci->conf_uris);
	list_flush(&ci->avail);
	mem_deref(ci->entity);
	mem_deref(ci->subject);
	mem_deref(ci->host_display);
	mem_deref(ci->host_uri);
}


/* Replace *dst by a copy of src (NULL clears).  Returns true if the
 * value changed, so callers only log real changes. */
static int set_str(char **dst, const char *src, bool *changed)
{
	char *s = NULL;

	if (!*dst && !src)
		return 0;
	if (*dst && src && !strcmp(*dst, src))
		return 0;

	if (src) {
		int err = str_dup(&s, src);
		if (err)
			return err;
	}

	mem_deref(*dst);
	*dst = s;
	*changed = true;

	return 0;
}


int cinfo_alloc(struct cinfo **cip, const char *entity)
{
	struct cinfo *ci;
	int err;

	if (!cip || !entity)
		return EINVAL;

	ci = mem_zalloc(sizeof(*ci), destructor);
	if (!ci)
		return ENOMEM;

	ci->tomb_limit    = TOMB_LIMIT;
	ci->ep_tomb_limit = EP_TOMB_LIMIT;
	ci->active        = true;

	err  = str_dup(&ci->entity, entity);
	err |= hash_alloc(&ci->users, USERS_HTSIZE);
	if (err) {
		mem_deref(ci);
		return err ? ENOMEM : 0;
	}

	*cip = ci;

	return 0;
}


void cinfo_set_tomb_limit(struct cinfo *ci, uint32_t users,
			  uint32_t eps_per_user)
{
	if (!ci)
		return;

	ci->tomb_limit    = users;
	ci->ep_tomb_limit = eps_per_user;
}


uint64_t cinfo_seq(const struct cinfo *ci)
{
	return ci ? ci->seq : 0;
}


uint32_t cinfo_user_count(const struct cinfo *ci)
{
	return ci ? ci->nusers : 0;
}


int cinfo_set_subject(struct cinfo *ci, const char *subject)
{
	bool changed = false;
	int err;

	if (!ci)
		return EINVAL;

	err = set_str(&ci->subject, subject, &changed);
	if (!err && changed)
		ci->desc_seq = ++ci->seq;

	return err;
}


int cinfo_add_conf_uri(struct cinfo *ci, const char *uri,
		       const char *purpose, const char *display)
{
	struct cinfo_uri *u;
	int err = 0;

	if (!ci || !uri)
		return EINVAL;

	u = mem_zalloc(sizeof(*u), uri_destructor);
	if (!u)
		return ENOMEM;

	err |= str_dup(&u->uri, uri);
	if (purpose)
		err |= str_dup(&u->purpose, purpose);
	if (display)
		err |= str_dup(&u->display, display);
	if (err) {
		mem_deref(u);
		return ENOMEM;
	}

	list_append(&ci->conf_uris, &u->le, u);
	ci->desc_seq = ++ci->seq;

	return 0;
}


int cinfo_add_avail_media(struct cinfo *ci, const char *label,
			  const char *type, enum cinfo_mstatus status)
{
	struct cinfo_avail *a;
	int err;

	if (!ci || !label || !type)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), avail_destructor);
	if (!a)
		return ENOMEM;

	err  = str_dup(&a->label, label);
	err |= str_dup(&a->type, type);
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}

	a->status = status;
	list_append(&ci->avail, &a->le, a);
	ci->desc_seq = ++ci->seq;

	return 0;
}


int cinfo_set_host(struct cinfo *ci, const char *display, const char *uri)
{
	bool changed = false;
	int err;

	if (!ci)
		return EINVAL;

	err  = set_str(&ci->host_display, display, &changed);
	err |= set_str(&ci->host_uri, uri, &changed);
	if (changed)
		ci->host_seq = ++ci->seq;

	return err;
}


void cinfo_set_active(struct cinfo *ci, bool active)
{
	if (!ci || ci->active == active)
		return;

	ci->active = active;
	ci->state_seq = ++ci->seq;
}


static bool user_cmp(struct le *le, void *arg)
{
	const struct cinfo_user *u = le->data;

	return 0 == strcmp(u->entity, arg);
}


static struct cinfo_user *user_find(const struct cinfo *ci,
				    const char *entity)
{
	return list_ledata(hash_lookup(ci->users, hash_joaat_str(entity),
				       user_cmp, (void *)entity));
}


/* Stamp a user with a new change and move it to the newest end. */
static uint64_t user_touch(struct cinfo_user *u)
{
	struct cinfo *ci = u->ci;

	u->seq = ++ci->seq;
	list_unlink(&u->le_ord);
	list_append(&ci->order, &u->le_ord, u);

	return u->seq;
}


static void count_changed(struct cinfo *ci, int delta)
{
	ci->nusers = (uint32_t)((int)ci->nusers + delta);
	ci->state_seq = ++ci->seq;
}


/* A user that comes back after being deleted is a new row for the
 * subscribers: drop its tombstone so the order list holds one entry. */
static int user_get(struct cinfo *ci, const char *entity,
		    struct cinfo_user **up)
{
	struct cinfo_user *u = user_find(ci, entity);
	int err;

	if (u && !u->deleted) {
		*up = u;
		return 0;
	}

	if (u) {
		/* revived: a new row for the subscribers, as from scratch */
		list_unlink(&u->le_tomb);
		--ci->ntombs;
		u->deleted = false;
		u->display = mem_deref(u->display);
		u->role = mem_deref(u->role);
		count_changed(ci, +1);
		u->created = user_touch(u);
		u->fields_seq = u->created;
		*up = u;
		return 0;
	}

	u = mem_zalloc(sizeof(*u), user_destructor);
	if (!u)
		return ENOMEM;

	err = str_dup(&u->entity, entity);
	if (err) {
		mem_deref(u);
		return err;
	}

	u->ci = ci;
	hash_append(ci->users, hash_joaat_str(entity), &u->he, u);
	list_append(&ci->order, &u->le_ord, u);
	count_changed(ci, +1);
	u->created = user_touch(u);
	u->fields_seq = u->created;

	*up = u;

	return 0;
}


int cinfo_user_set(struct cinfo *ci, const char *user,
		   const char *display, const char *role)
{
	struct cinfo_user *u;
	bool changed = false;
	int err;

	if (!ci || !user)
		return EINVAL;

	err = user_get(ci, user, &u);
	if (err)
		return err;

	err  = set_str(&u->display, display, &changed);
	err |= set_str(&u->role, role, &changed);
	if (changed)
		u->fields_seq = user_touch(u);

	return err;
}


/* Keep at most `limit` tombstones; dropping one means subscribers that
 * have not seen its deletion can only be served a full document. */
static void tomb_trim(struct cinfo *ci)
{
	while (ci->ntombs > ci->tomb_limit) {
		struct cinfo_user *t = list_ledata(list_head(&ci->tombs));

		if (t->seq > ci->horizon)
			ci->horizon = t->seq;
		--ci->ntombs;
		mem_deref(t);
	}
}


int cinfo_user_remove(struct cinfo *ci, const char *user)
{
	struct cinfo_user *u;

	if (!ci || !user)
		return EINVAL;

	u = user_find(ci, user);
	if (!u || u->deleted)
		return ENOENT;

	list_flush(&u->eps);
	u->ntombs = 0;
	u->deleted = true;
	count_changed(ci, -1);
	user_touch(u);
	list_append(&ci->tombs, &u->le_tomb, u);
	++ci->ntombs;
	tomb_trim(ci);

	return 0;
}


static struct cinfo_ep *ep_find(const struct cinfo_user *u, const char *ep)
{
	struct le *le;

	LIST_FOREACH(&u->eps, le) {
		struct cinfo_ep *e = le->data;
		if (!strcmp(e->entity, ep))
			return e;
	}

	return NULL;
}


static int ep_get(struct cinfo *ci, const char *user, const char *ep,
		  struct cinfo_ep **epp, struct cinfo_user **up)
{
	struct cinfo_user *u;
	struct cinfo_ep *e;
	int err;

	err = user_get(ci, user, &u);
	if (err)
		return err;

	e = ep_find(u, ep);
	if (e && e->deleted) {
		/* revived: no longer a tombstone */
		list_unlink(&e->le_tomb);
		--u->ntombs;
		e->deleted = false;
		e->created = ci->seq + 1;
	}

	if (!e) {
		e = mem_zalloc(sizeof(*e), ep_destructor);
		if (!e)
			return ENOMEM;
		err = str_dup(&e->entity, ep);
		if (err) {
			mem_deref(e);
			return err;
		}
		e->created = ci->seq + 1;
		list_append(&u->eps, &e->le, e);
	}

	*epp = e;
	*up  = u;

	return 0;
}


static struct cinfo_ep *ep_lookup(struct cinfo *ci, const char *user,
				  const char *ep, struct cinfo_user **up)
{
	struct cinfo_user *u = user_find(ci, user);
	struct cinfo_ep *e;

	if (!u || u->deleted)
		return NULL;

	e = ep_find(u, ep);
	if (!e || e->deleted)
		return NULL;

	*up = u;

	return e;
}


int cinfo_ep_set(struct cinfo *ci, const char *user, const char *ep,
		 enum cinfo_epstatus status, enum cinfo_joining jm,
		 const char *by)
{
	struct cinfo_user *u;
	struct cinfo_ep *e;
	bool changed = false;
	int err;

	if (!ci || !user || !ep)
		return EINVAL;

	err = ep_get(ci, user, ep, &e, &u);
	if (err)
		return err;

	err = set_str(&e->join_by, by, &changed);
	if (e->status != status || e->jm != jm || e->created > ci->seq)
		changed = true;
	if (e->jm != jm)
		e->join_when = time(NULL);

	e->status = status;
	e->jm = jm;
	if (status != CINFO_EP_DISCONNECTED && e->dm != CINFO_DISC_NONE) {
		e->dm = CINFO_DISC_NONE;
		e->disc_reason = mem_deref(e->disc_reason);
	}

	if (changed)
		e->seq = user_touch(u);

	return err;
}


int cinfo_ep_status(struct cinfo *ci, const char *user, const char *ep,
		    enum cinfo_epstatus status)
{
	struct cinfo_user *u;
	struct cinfo_ep *e;

	if (!ci || !user || !ep)
		return EINVAL;

	e = ep_lookup(ci, user, ep, &u);
	if (!e)
		return ENOENT;

	if (e->status == status)
		return 0;

	e->status = status;
	e->seq = user_touch(u);

	return 0;
}


int cinfo_ep_disconnect(struct cinfo *ci, const char *user, const char *ep,
			enum cinfo_disc dm, const char *reason)
{
	struct cinfo_user *u;
	struct cinfo_ep *e;
	bool changed = false;
	int err;

	if (!ci || !user || !ep)
		return EINVAL;

	e = ep_lookup(ci, user, ep, &u);
	if (!e)
		return ENOENT;

	err = set_str(&e->disc_reason, reason, &changed);
	if (e->status != CINFO_EP_DISCONNECTED || e->dm != dm)
		changed = true;

	e->status = CINFO_EP_DISCONNECTED;
	e->dm = dm;
	e->disc_when = time(NULL);

	/* a disconnected endpoint has no media streams any more */
	list_flush(&e->media);

	if (changed)
		e->seq = user_touch(u);

	return err;
}


int cinfo_ep_remove(struct cinfo *ci, const char *user, const char *ep)
{
	struct cinfo_user *u;
	struct cinfo_ep *e;

	if (!ci || !user || !ep)
		return EINVAL;

	e = ep_lookup(ci, user, ep, &u);
	if (!e)
		return ENOENT;

	list_flush(&e->media);
	e->deleted = true;
	e->seq = user_touch(u);
	list_append(&u->tombs, &e->le_tomb, e);
	++u->ntombs;

	while (u->ntombs > ci->ep_tomb_limit) {
		struct cinfo_ep *t = list_ledata(list_head(&u->tombs));

		if (t->seq > ci->horizon)
			ci->horizon = t->seq;
		--u->ntombs;
		mem_deref(t);
	}

	return 0;
}


static struct cinfo_media *media_find(const struct cinfo_ep *e,
				      const char *id)
{
	struct le *le;

	LIST_FOREACH(&e->media, le) {
		struct cinfo_media *m = le->data;
		if (!strcmp(m->id, id))
			return m;
	}

	return NULL;
}


int cinfo_media_set(struct cinfo *ci, const char *user, const char *ep,
		    const char *id, const char *type, const char *label,
		    const char *src_id, enum cinfo_mstatus status)
{
	struct cinfo_media *m;
	struct cinfo_user *u;
	struct cinfo_ep *e;
	bool changed = false;
	int err = 0;

	if (!ci || !user || !ep || !id)
		return EINVAL;

	e = ep_lookup(ci, user, ep, &u);
	if (!e)
		return ENOENT;

	m = media_find(e, id);
	if (!m) {
		m = mem_zalloc(sizeof(*m), media_destructor);
		if (!m)
			return ENOMEM;
		err = str_dup(&m->id, id);
		if (err) {
			mem_deref(m);
			return err;
		}
		list_append(&e->media, &m->le, m);
		changed = true;
	}

	err |= set_str(&m->type, type, &changed);
	err |= set_str(&m->label, label, &changed);
	err |= set_str(&m->src_id, src_id, &changed);
	if (m->status != status)
		changed = true;
	m->status = status;

	if (changed)
		e->seq = user_touch(u);

	return err;
}


int cinfo_media_remove(struct cinfo *ci, const char *user, const char *ep,
		       const char *id)
{
	struct cinfo_media *m;
	struct cinfo_user *u;
	struct cinfo_ep *e;

	if (!ci || !user || !ep || !id)
		return EINVAL;

	e = ep_lookup(ci, user, ep, &u);
	if (!e)
		return ENOENT;

	m = media_find(e, id);
	if (!m)
		return ENOENT;

	mem_deref(m);
	e->seq = user_touch(u);

	return 0;
}

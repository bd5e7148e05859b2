/**
 * @file confinfo_xml.c  Encode conference-info documents (RFC 4575 5, 6)
 *
 * libxml2's text writer does the escaping; element order follows the
 * schema's xs:sequence for each type, since validators check it.
 *
 * A partial document (RFC 4575 4.4, 4.6) holds:
 *  - conference-description, host-info and conference-state as whole
 *    elements when they changed (they carry no 'state' attribute, so
 *    they are replaced as a whole);
 *  - <users state="partial"> with each user changed since `since`:
 *    "full" if it appeared after `since`, "deleted" if it went away,
 *    otherwise "partial" with its own fields (if they changed) and each
 *    changed endpoint, "full" or "deleted".  A changed endpoint is
 *    always sent whole: its <media> children cannot be partial.
 */
#include <string.h>
#include <time.h>
#include <libxml/xmlwriter.h>
#include <re.h>
#include "eventpkg/eventpkg.h"
#include "eventpkg/confinfo_int.h"


#define NS "urn:ietf:params:xml:ns:conference-info"
#define X(s) ((const xmlChar *)(s))


static const char *epstatus_name(enum cinfo_epstatus s)
{
	switch (s) {

	case CINFO_EP_PENDING:         return "pending";
	case CINFO_EP_DIALING_OUT:     return "dialing-out";
	case CINFO_EP_DIALING_IN:      return "dialing-in";
	case CINFO_EP_ALERTING:        return "alerting";
	case CINFO_EP_ON_HOLD:         return "on-hold";
	case CINFO_EP_CONNECTED:       return "connected";
	case CINFO_EP_MUTED_VIA_FOCUS: return "muted-via-focus";
	case CINFO_EP_DISCONNECTING:   return "disconnecting";
	case CINFO_EP_DISCONNECTED:    return "disconnected";
	default:                       return NULL;
	}
}


static const char *joining_name(enum cinfo_joining j)
{
	switch (j) {

	case CINFO_JOIN_DIALED_IN:   return "dialed-in";
	case CINFO_JOIN_DIALED_OUT:  return "dialed-out";
	case CINFO_JOIN_FOCUS_OWNER: return "focus-owner";
	default:                     return NULL;
	}
}


static const char *disc_name(enum cinfo_disc d)
{
	switch (d) {

	case CINFO_DISC_DEPARTED: return "departed";
	case CINFO_DISC_BOOTED:   return "booted";
	case CINFO_DISC_FAILED:   return "failed";
	case CINFO_DISC_BUSY:     return "busy";
	default:                  return NULL;
	}
}


static const char *mstatus_name(enum cinfo_mstatus s)
{
	switch (s) {

	case CINFO_MS_RECVONLY: return "recvonly";
	case CINFO_MS_SENDONLY: return "sendonly";
	case CINFO_MS_SENDRECV: return "sendrecv";
	case CINFO_MS_INACTIVE: return "inactive";
	default:                return NULL;
	}
}


/* Collects the writer's return codes: libxml2 returns < 0 on error. */
struct enc {
	xmlTextWriterPtr w;
	bool err;
};


static void start(struct enc *e, const char *name)
{
	if (xmlTextWriterStartElement(e->w, X(name)) < 0)
		e->err = true;
}


static void end(struct enc *e)
{
	if (xmlTextWriterEndElement(e->w) < 0)
		e->err = true;
}


static void attr(struct enc *e, const char *name, const char *val)
{
	if (xmlTextWriterWriteAttribute(e->w, X(name), X(val)) < 0)
		e->err = true;
}


static void elem(struct enc *e, const char *name, const char *val)
{
	if (!val)
		return;
	if (xmlTextWriterWriteElement(e->w, X(name), X(val)) < 0)
		e->err = true;
}


static void elem_time(struct enc *e, const char *name, time_t t)
{
	struct tm tm;
	char buf[32];

	if (!t || !gmtime_r(&t, &tm))
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	elem(e, name, buf);
}


static void enc_description(struct enc *e, const struct cinfo *ci)
{
	struct le *le;

	start(e, "conference-description");
	elem(e, "subject", ci->subject);

	if (!list_isempty(&ci->conf_uris)) {
		start(e, "conf-uris");
		LIST_FOREACH(&ci->conf_uris, le) {
			const struct cinfo_uri *u = le->data;
			start(e, "entry");
			elem(e, "uri", u->uri);
			elem(e, "display-text", u->display);
			elem(e, "purpose", u->purpose);
			end(e);
		}
		end(e);
	}

	if (!list_isempty(&ci->avail)) {
		start(e, "available-media");
		LIST_FOREACH(&ci->avail, le) {
			const struct cinfo_avail *a = le->data;
			start(e, "entry");
			attr(e, "label", a->label);
			elem(e, "type", a->type);
			elem(e, "status", mstatus_name(a->status));
			end(e);
		}
		end(e);
	}

	end(e);
}


static void enc_host(struct enc *e, const struct cinfo *ci)
{
	start(e, "host-info");
	elem(e, "display-text", ci->host_display);
	if (ci->host_uri) {
		start(e, "uris");
		start(e, "entry");
		elem(e, "uri", ci->host_uri);
		end(e);
		end(e);
	}
	end(e);
}


static void enc_state(struct enc *e, const struct cinfo *ci)
{
	char n[16];

	re_snprintf(n, sizeof(n), "%u", ci->nusers);
	start(e, "conference-state");
	elem(e, "user-count", n);
	elem(e, "active", ci->active ? "true" : "false");
	/* confd has no conference lock: who may join is the list's
	 * business (DESIGN.md), so the state never says locked */
	elem(e, "locked", "false");
	end(e);
}


static void enc_ep(struct enc *e, const struct cinfo_ep *ep)
{
	struct le *le;

	start(e, "endpoint");
	attr(e, "entity", ep->entity);

	if (ep->deleted) {
		attr(e, "state", "deleted");
		end(e);
		return;
	}

	elem(e, "status", epstatus_name(ep->status));
	elem(e, "joining-method", joining_name(ep->jm));
	if (ep->jm != CINFO_JOIN_NONE && (ep->join_when || ep->join_by)) {
		start(e, "joining-info");
		elem_time(e, "when", ep->join_when);
		elem(e, "by", ep->join_by);
		end(e);
	}
	if (ep->dm != CINFO_DISC_NONE) {
		elem(e, "disconnection-method", disc_name(ep->dm));
		start(e, "disconnection-info");
		elem_time(e, "when", ep->disc_when);
		elem(e, "reason", ep->disc_reason);
		end(e);
	}

	LIST_FOREACH(&ep->media, le) {
		const struct cinfo_media *m = le->data;

		start(e, "media");
		attr(e, "id", m->id);
		elem(e, "type", m->type);
		elem(e, "label", m->label);
		elem(e, "src-id", m->src_id);
		elem(e, "status", mstatus_name(m->status));
		end(e);
	}

	end(e);
}


static void enc_user_fields(struct enc *e, const struct cinfo_user *u)
{
	elem(e, "display-text", u->display);
	if (u->role) {
		start(e, "roles");
		elem(e, "entry", u->role);
		end(e);
	}
}


static void enc_user_full(struct enc *e, const struct cinfo_user *u,
			  bool mark_full)
{
	struct le *le;

	start(e, "user");
	attr(e, "entity", u->entity);
	if (mark_full)
		attr(e, "state", "full");
	enc_user_fields(e, u);
	LIST_FOREACH(&u->eps, le) {
		const struct cinfo_ep *ep = le->data;
		if (!ep->deleted)
			enc_ep(e, ep);
	}
	end(e);
}


static void enc_user_partial(struct enc *e, const struct cinfo_user *u,
			     uint64_t since)
{
	struct le *le;

	if (u->deleted) {
		start(e, "user");
		attr(e, "entity", u->entity);
		attr(e, "state", "deleted");
		end(e);
		return;
	}

	if (u->created > since) {
		enc_user_full(e, u, true);
		return;
	}

	start(e, "user");
	attr(e, "entity", u->entity);
	attr(e, "state", "partial");
	if (u->fields_seq > since)
		enc_user_fields(e, u);

	LIST_FOREACH(&u->eps, le) {
		const struct cinfo_ep *ep = le->data;

		if (ep->seq <= since)
			continue;
		/* came and went in between: the subscriber never knew */
		if (ep->deleted && ep->created > since)
			continue;
		enc_ep(e, ep);
	}
	end(e);
}


static void enc_root(struct enc *e, const struct cinfo *ci, bool full,
		     uint32_t version)
{
	char v[16];

	re_snprintf(v, sizeof(v), "%u", version);

	if (xmlTextWriterStartElementNS(e->w, NULL, X("conference-info"),
					X(NS)) < 0)
		e->err = true;
	attr(e, "entity", ci->entity);
	attr(e, "state", full ? "full" : "partial");
	attr(e, "version", v);
}


static void enc_full(struct enc *e, const struct cinfo *ci)
{
	struct le *le;

	enc_description(e, ci);
	enc_host(e, ci);
	enc_state(e, ci);

	start(e, "users");
	LIST_FOREACH(&ci->order, le) {
		const struct cinfo_user *u = le->data;
		if (!u->deleted)
			enc_user_full(e, u, false);
	}
	end(e);
}


/* Anything for a partial since `since`?  O(1): the newest change. */
static bool partial_empty(const struct cinfo *ci, uint64_t since)
{
	return ci->seq <= since;
}


static void enc_partial(struct enc *e, const struct cinfo *ci,
			uint64_t since)
{
	struct le *le, *first = NULL;

	if (ci->desc_seq > since)
		enc_description(e, ci);
	if (ci->host_seq > since)
		enc_host(e, ci);
	if (ci->state_seq > since)
		enc_state(e, ci);

	/* walk back to the oldest user changed after `since` ... */
	for (le = list_tail(&ci->order); le; le = le->prev) {
		const struct cinfo_user *u = le->data;
		if (u->seq <= since)
			break;
		first = le;
	}

	if (!first)
		return;

	/* ... and encode forwards, so the document reads in change order */
	start(e, "users");
	attr(e, "state", "partial");
	for (le = first; le; le = le->next) {
		const struct cinfo_user *u = le->data;

		if (u->deleted && u->created > since)
			continue;
		enc_user_partial(e, u, since);
	}
	end(e);
}


int cinfo_encode(struct mbuf **mbp, const struct cinfo *ci,
		 uint64_t since, uint32_t version, bool *fullp)
{
	struct enc e = {NULL, false};
	xmlBufferPtr buf;
	struct mbuf *mb;
	bool full;
	int err = 0;

	if (!mbp || !ci)
		return EINVAL;

	full = (since == 0 || since < ci->horizon);
	if (!full && partial_empty(ci, since))
		return ENODATA;

	buf = xmlBufferCreate();
	if (!buf)
		return ENOMEM;

	e.w = xmlNewTextWriterMemory(buf, 0);
	if (!e.w) {
		xmlBufferFree(buf);
		return ENOMEM;
	}

	if (xmlTextWriterStartDocument(e.w, "1.0", "UTF-8", NULL) < 0)
		e.err = true;

	enc_root(&e, ci, full, version);
	if (full)
		enc_full(&e, ci);
	else
		enc_partial(&e, ci, since);
	end(&e);

	if (xmlTextWriterEndDocument(e.w) < 0)
		e.err = true;

	xmlFreeTextWriter(e.w);   /* flushes into buf */

	if (e.err) {
		err = ENOMEM;
		goto out;
	}

	mb = mbuf_alloc(xmlBufferLength(buf));
	if (!mb) {
		err = ENOMEM;
		goto out;
	}

	err = mbuf_write_mem(mb, xmlBufferContent(buf),
			     (size_t)xmlBufferLength(buf));
	if (err) {
		mem_deref(mb);
		goto out;
	}

	mb->pos = 0;
	*mbp = mb;
	if (fullp)
		*fullp = full;

 out:
	xmlBufferFree(buf);
	return err;
}

/**
 * @file test_confinfo.c  The roster, its change log and the RFC 4575
 * documents.
 *
 * Documents are checked by xmllint against the schema copied out of
 * RFC 4575 section 6 (tests/data/conference-info.xsd), and read back
 * with libxml2's parser (not with our encoder's own structures).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <re.h>
#include "eventpkg/eventpkg.h"
#include "tests/unit/check.h"


#define XSD "tests/data/conference-info.xsd"


/* Write the document to a file and run xmllint --schema on it. */
static int validate(const struct mbuf *mb)
{
	char path[] = "/tmp/confd-ci-XXXXXX";
	char cmd[256];
	FILE *f;
	int fd, rc;

	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f)
		return errno;
	fwrite(mb->buf, 1, mb->end, f);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "xmllint --nonet --noout --schema %s %s"
		 " >/dev/null 2>/tmp/confd-ci-xmllint.err", XSD, path);
	rc = system(cmd);
	if (rc) {
		fprintf(stderr, "xmllint rejected:\n%.*s\n",
			(int)mb->end, mb->buf);
		system("cat /tmp/confd-ci-xmllint.err >&2");
	}
	unlink(path);

	return rc ? EBADMSG : 0;
}


static xmlDocPtr parse(const struct mbuf *mb)
{
	return xmlReadMemory((const char *)mb->buf, (int)mb->end, "ci.xml",
			     NULL, XML_PARSE_NONET);
}


static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}


static int nchildren(xmlNodePtr n, const char *name)
{
	int c = 0;

	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, name))
			++c;
	return c;
}


static bool prop_is(xmlNodePtr n, const char *name, const char *val)
{
	xmlChar *p = xmlGetProp(n, (const xmlChar *)name);
	bool eq = p && !strcmp((const char *)p, val);

	xmlFree(p);
	return eq;
}


static bool text_is(xmlNodePtr n, const char *val)
{
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	bool eq = c && !strcmp((const char *)c, val);

	xmlFree(c);
	return eq;
}


static int roster(struct cinfo **cip)
{
	struct cinfo *ci;
	int err;

	err = cinfo_alloc(&ci, "sip:room@example.org");
	if (err)
		return err;

	err |= cinfo_set_subject(ci, "Standup & <review>");
	err |= cinfo_add_conf_uri(ci, "sip:room@example.org", "participation",
				  NULL);
	err |= cinfo_add_avail_media(ci, "1", "audio", CINFO_MS_SENDRECV);
	err |= cinfo_set_host(ci, "confd", "sip:confd@example.org");
	err |= cinfo_user_set(ci, "sip:alice@example.org", "Alice", "chair");
	err |= cinfo_ep_set(ci, "sip:alice@example.org",
			    "sip:alice@10.0.0.1", CINFO_EP_CONNECTED,
			    CINFO_JOIN_DIALED_IN, "sip:alice@example.org");
	err |= cinfo_media_set(ci, "sip:alice@example.org",
			       "sip:alice@10.0.0.1", "1", "audio", "1",
			       "1234", CINFO_MS_SENDRECV);
	err |= cinfo_user_set(ci, "sip:bob@example.org", "Bob", NULL);
	err |= cinfo_ep_set(ci, "sip:bob@example.org", "sip:bob@10.0.0.2",
			    CINFO_EP_DIALING_OUT, CINFO_JOIN_DIALED_OUT,
			    "sip:room@example.org");
	if (err) {
		mem_deref(ci);
		return err;
	}

	*cip = ci;
	return 0;
}


static int test_full(void)
{
	struct cinfo *ci;
	struct mbuf *mb = NULL;
	xmlDocPtr doc;
	xmlNodePtr root, users, u;
	bool full = false;
	int err;

	err = roster(&ci);
	CHECK_EQ(err, 0);
	CHECK_EQ(cinfo_user_count(ci), 2);

	err = cinfo_encode(&mb, ci, 0, 1, &full);
	CHECK_EQ(err, 0);
	CHECK(full);
	CHECK_EQ(validate(mb), 0);

	doc = parse(mb);
	CHECK(doc);
	root = xmlDocGetRootElement(doc);
	CHECK(prop_is(root, "state", "full"));
	CHECK(prop_is(root, "version", "1"));
	CHECK(prop_is(root, "entity", "sip:room@example.org"));
	CHECK(text_is(child(child(root, "conference-description"),
			    "subject"), "Standup & <review>"));
	CHECK(text_is(child(child(root, "conference-state"), "user-count"),
		      "2"));
	users = child(root, "users");
	CHECK_EQ(nchildren(users, "user"), 2);
	u = child(users, "user");
	CHECK(prop_is(u, "entity", "sip:alice@example.org"));
	CHECK(text_is(child(child(u, "endpoint"), "status"), "connected"));
	CHECK(text_is(child(child(child(u, "endpoint"), "media"), "src-id"),
		      "1234"));
	xmlFreeDoc(doc);

	mem_deref(mb);
	mem_deref(ci);
	return 0;
}


static int test_partial(void)
{
	struct cinfo *ci;
	struct mbuf *mb = NULL;
	xmlDocPtr doc;
	xmlNodePtr root, users, u, ep;
	uint64_t s0, s1;
	bool full = true;
	int err;

	err = roster(&ci);
	CHECK_EQ(err, 0);
	s0 = cinfo_seq(ci);

	/* nothing changed: no partial */
	CHECK_EQ(cinfo_encode(&mb, ci, s0, 2, &full), ENODATA);

	/* bob answers, alice goes on hold */
	CHECK_EQ(cinfo_ep_status(ci, "sip:bob@example.org",
				 "sip:bob@10.0.0.2", CINFO_EP_CONNECTED), 0);
	CHECK_EQ(cinfo_ep_status(ci, "sip:alice@example.org",
				 "sip:alice@10.0.0.1", CINFO_EP_ON_HOLD), 0);

	err = cinfo_encode(&mb, ci, s0, 2, &full);
	CHECK_EQ(err, 0);
	CHECK(!full);
	CHECK_EQ(validate(mb), 0);
	doc = parse(mb);
	root = xmlDocGetRootElement(doc);
	CHECK(prop_is(root, "state", "partial"));
	CHECK(prop_is(root, "version", "2"));
	CHECK(!child(root, "conference-description"));
	CHECK(!child(root, "conference-state"));
	users = child(root, "users");
	CHECK(prop_is(users, "state", "partial"));
	CHECK_EQ(nchildren(users, "user"), 2);
	/* change order: bob first */
	u = child(users, "user");
	CHECK(prop_is(u, "entity", "sip:bob@example.org"));
	CHECK(prop_is(u, "state", "partial"));
	CHECK(!child(u, "display-text"));
	ep = child(u, "endpoint");
	CHECK(text_is(child(ep, "status"), "connected"));
	xmlFreeDoc(doc);
	mb = mem_deref(mb);

	/* alice leaves; carol joins */
	s1 = cinfo_seq(ci);
	CHECK_EQ(cinfo_user_remove(ci, "sip:alice@example.org"), 0);
	CHECK_EQ(cinfo_ep_set(ci, "sip:carol@example.org", "sip:carol@h",
			      CINFO_EP_CONNECTED, CINFO_JOIN_DIALED_IN,
			      NULL), 0);
	err = cinfo_encode(&mb, ci, s1, 3, &full);
	CHECK_EQ(err, 0);
	CHECK_EQ(validate(mb), 0);
	doc = parse(mb);
	root = xmlDocGetRootElement(doc);
	CHECK(text_is(child(child(root, "conference-state"), "user-count"),
		      "2"));
	users = child(root, "users");
	CHECK_EQ(nchildren(users, "user"), 2);
	u = child(users, "user");
	CHECK(prop_is(u, "entity", "sip:alice@example.org"));
	CHECK(prop_is(u, "state", "deleted"));
	CHECK(!u->children);
	u = xmlNextElementSibling(u);
	CHECK(prop_is(u, "entity", "sip:carol@example.org"));
	CHECK(prop_is(u, "state", "full"));
	xmlFreeDoc(doc);
	mb = mem_deref(mb);

	/* from the start the partial carries all of it, and bob is not
	 * repeated as changed twice */
	err = cinfo_encode(&mb, ci, s0, 3, &full);
	CHECK_EQ(err, 0);
	CHECK_EQ(validate(mb), 0);
	doc = parse(mb);
	CHECK_EQ(nchildren(child(xmlDocGetRootElement(doc), "users"),
			   "user"), 3);
	xmlFreeDoc(doc);
	mb = mem_deref(mb);

	mem_deref(ci);
	return 0;
}


static int test_disconnect_and_media(void)
{
	struct cinfo *ci;
	struct mbuf *mb = NULL;
	xmlDocPtr doc;
	xmlNodePtr ep;
	uint64_t s;
	bool full;
	int err;

	err = roster(&ci);
	CHECK_EQ(err, 0);
	s = cinfo_seq(ci);

	CHECK_EQ(cinfo_ep_disconnect(ci, "sip:alice@example.org",
				     "sip:alice@10.0.0.1",
				     CINFO_DISC_BOOTED, "by chair"), 0);
	CHECK_EQ(cinfo_media_set(ci, "sip:alice@example.org",
				 "sip:alice@10.0.0.1", "1", "audio", NULL,
				 NULL, CINFO_MS_INACTIVE), 0);
	CHECK_EQ(cinfo_ep_remove(ci, "sip:bob@example.org",
				 "sip:bob@10.0.0.2"), 0);
	CHECK_EQ(cinfo_media_set(ci, "nobody", "x", "1", "audio", NULL,
				 NULL, CINFO_MS_INACTIVE), ENOENT);

	err = cinfo_encode(&mb, ci, s, 9, &full);
	CHECK_EQ(err, 0);
	CHECK_EQ(validate(mb), 0);
	doc = parse(mb);
	ep = child(child(child(xmlDocGetRootElement(doc), "users"), "user"),
		   "endpoint");
	CHECK(text_is(child(ep, "status"), "disconnected"));
	CHECK(text_is(child(ep, "disconnection-method"), "booted"));
	CHECK(text_is(child(child(ep, "disconnection-info"), "reason"),
		      "by chair"));
	CHECK(text_is(child(child(ep, "media"), "status"), "inactive"));
	ep = child(xmlNextElementSibling(child(child(
		xmlDocGetRootElement(doc), "users"), "user")), "endpoint");
	CHECK(prop_is(ep, "state", "deleted"));
	xmlFreeDoc(doc);
	mem_deref(mb);

	mem_deref(ci);
	return 0;
}


/* Past the tombstone limit a subscriber that is too far behind must get
 * a full document, since it would otherwise miss a deletion. */
static int test_horizon(void)
{
	struct cinfo *ci;
	struct mbuf *mb = NULL;
	uint64_t s;
	bool full = false;
	char uri[64];
	int i, err;

	err = cinfo_alloc(&ci, "sip:room@h");
	CHECK_EQ(err, 0);
	cinfo_set_tomb_limit(ci, 2, 2);

	for (i = 0; i < 4; i++) {
		re_snprintf(uri, sizeof(uri), "sip:u%d@h", i);
		CHECK_EQ(cinfo_user_set(ci, uri, NULL, NULL), 0);
	}
	s = cinfo_seq(ci);
	for (i = 0; i < 3; i++) {
		re_snprintf(uri, sizeof(uri), "sip:u%d@h", i);
		CHECK_EQ(cinfo_user_remove(ci, uri), 0);
	}

	err = cinfo_encode(&mb, ci, s, 2, &full);
	CHECK_EQ(err, 0);
	CHECK(full);
	CHECK_EQ(validate(mb), 0);
	mb = mem_deref(mb);

	/* a subscriber that saw the first removal is still served
	 * partially */
	err = cinfo_encode(&mb, ci, cinfo_seq(ci) - 1, 2, &full);
	CHECK_EQ(err, 0);
	CHECK(!full);
	mb = mem_deref(mb);

	/* a user that comes back is one row, announced in full */
	s = cinfo_seq(ci);
	CHECK_EQ(cinfo_user_set(ci, "sip:u2@h", "back", NULL), 0);
	CHECK_EQ(cinfo_user_count(ci), 2);
	err = cinfo_encode(&mb, ci, s, 3, &full);
	CHECK_EQ(err, 0);
	CHECK_EQ(validate(mb), 0);
	CHECK(strstr((char *)mb->buf, "state=\"full\""));
	mb = mem_deref(mb);

	mem_deref(ci);
	return 0;
}


static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


/* Time per (change + partial document) with n users in the roster. */
static double change_cost(int n)
{
	struct cinfo *ci;
	struct mbuf *mb;
	char uri[64];
	double t0, t;
	int i, rounds = 2000;

	if (cinfo_alloc(&ci, "sip:room@h"))
		return -1;
	for (i = 0; i < n; i++) {
		re_snprintf(uri, sizeof(uri), "sip:u%d@h", i);
		cinfo_ep_set(ci, uri, uri, CINFO_EP_CONNECTED,
			     CINFO_JOIN_DIALED_IN, NULL);
	}

	t0 = now_sec();
	for (i = 0; i < rounds; i++) {
		uint64_t s = cinfo_seq(ci);
		re_snprintf(uri, sizeof(uri), "sip:u%d@h", (i * 7) % n);
		cinfo_ep_status(ci, uri, uri, ((i / n) & 1) ? CINFO_EP_CONNECTED
				: CINFO_EP_ON_HOLD);
		if (cinfo_encode(&mb, ci, s, 2, NULL))
			break;
		mem_deref(mb);
	}
	t = (now_sec() - t0) / rounds;

	mem_deref(ci);
	return i == rounds ? t : -1;
}


static int test_cost_independent_of_roster(void)
{
	double small = change_cost(10), big = change_cost(10000);

	printf("change+partial: %.2f us with 10 users, %.2f us with 10000\n",
	       small * 1e6, big * 1e6);
	CHECK(small > 0 && big > 0);
	/* a whole-roster walk would be ~1000x; allow cache effects */
	CHECK(big < small * 4);
	return 0;
}


TEST_MAIN("confinfo",
	  CASE(test_full),
	  CASE(test_partial),
	  CASE(test_disconnect_and_media),
	  CASE(test_horizon),
	  CASE(test_cost_independent_of_roster))

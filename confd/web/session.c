/**
 * @file session.c  Who is asking: login sessions (cookie + CSRF token),
 * API tokens (Authorization: Bearer) and the login throttle.
 *
 * Sessions live in memory only: a restart logs everyone out, which is
 * the safe direction.  The id and the CSRF token are 128 random bits
 * each (RAND_bytes), compared in constant time; a session ends when
 * unused for idle_s, after max_s in any case, and at logout.
 *
 * The cookie is __Host- prefixed (Secure, Path=/, no Domain: no other
 * host or path can set or shadow it), HttpOnly and SameSite=Strict.
 * Changes need the session's CSRF token in X-CSRF-Token as well, so a
 * stolen page cannot act even from the same site.
 *
 * Tokens for scripts are "cft_" + 32 hex digits; the store keeps only
 * their SHA-256 (they have 128 random bits, so no slow hash is needed).
 */
#include <string.h>
#include <strings.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <re.h>
#include "focus/confdef.h"
#include "confd/store.h"
#include "confd/web/web.h"
#include "confd/web/web_int.h"

#define DEBUG_MODULE "web"
#define DEBUG_LEVEL 5
#include <re_dbg.h>


#define COOKIE_NAME "__Host-confd"

enum {
	ID_HEX = 32,
	/* failures allowed before each further try must wait, doubling
	 * from 1 s up to THROTTLE_MAX_MS */
	THROTTLE_FREE_USER = 5,
	THROTTLE_FREE_ADDR = 20,
	THROTTLE_MAX_MS    = 300000,
	THROTTLE_FORGET_MS = 900000,   /* a quiet key is forgotten */
	THROTTLE_ENTRIES   = 4096,
	SESSIONS_PER_USER  = 32,
};

struct web_session {
	struct le le;
	char id[ID_HEX + 1];
	char csrf[ID_HEX + 1];
	char user[WEB_NAME_MAX + 1];
	uint64_t created;
	uint64_t last;
};

struct web_throttle {
	struct le le;
	char key[80];
	uint32_t fails;
	uint64_t last;
};


static int rand_hex(char *out, size_t hexlen)
{
	uint8_t b[32];

	if (hexlen / 2 > sizeof(b) || 1 != RAND_bytes(b, (int)hexlen / 2))
		return EIO;

	(void)re_snprintf(out, hexlen + 1, "%w", b, hexlen / 2);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}


static void session_destructor(void *arg)
{
	struct web_session *s = arg;

	list_unlink(&s->le);
	OPENSSL_cleanse(s->id, sizeof(s->id));
	OPENSSL_cleanse(s->csrf, sizeof(s->csrf));
}


int web_session_new(struct web *w, const char *user,
		    struct web_session **sp)
{
	struct web_session *s;
	struct le *le;
	uint32_t mine = 0;
	int err;

	/* at most SESSIONS_PER_USER per account and WEB_SESSIONS_MAX in
	 * all: the oldest goes first */
	for (le = w->sessions.head; le; le = le->next) {
		struct web_session *o = le->data;
		if (!strcmp(o->user, user))
			++mine;
	}
	for (le = w->sessions.head; le && mine >= SESSIONS_PER_USER;) {
		struct web_session *o = le->data;
		le = le->next;
		if (!strcmp(o->user, user)) {
			mem_deref(o);
			--mine;
		}
	}
	while (list_count(&w->sessions) >= WEB_SESSIONS_MAX)
		mem_deref(list_ledata(list_head(&w->sessions)));

	s = mem_zalloc(sizeof(*s), session_destructor);
	if (!s)
		return ENOMEM;

	err  = rand_hex(s->id, ID_HEX);
	err |= rand_hex(s->csrf, ID_HEX);
	if (err) {
		mem_deref(s);
		return EIO;
	}

	str_ncpy(s->user, user, sizeof(s->user));
	s->created = s->last = tmr_jiffies();
	list_append(&w->sessions, &s->le, s);

	*sp = s;
	return 0;
}


void web_session_end(struct web *w, struct web_session *s)
{
	(void)w;
	mem_deref(s);
}


void web_session_end_user(struct web *w, const char *user)
{
	struct le *le = w->sessions.head;

	while (le) {
		struct web_session *s = le->data;
		le = le->next;
		if (!strcmp(s->user, user))
			mem_deref(s);
	}
}


const char *web_session_csrf(const struct web_session *s)
{
	return s ? s->csrf : "";
}


int web_cookie_print(struct re_printf *pf, const struct web_session *s)
{
	if (!s)
		return re_hprintf(pf, "Set-Cookie: " COOKIE_NAME "=; Path=/;"
				  " Secure; HttpOnly; SameSite=Strict;"
				  " Max-Age=0\r\n");

	return re_hprintf(pf, "Set-Cookie: " COOKIE_NAME "=%s; Path=/;"
			  " Secure; HttpOnly; SameSite=Strict\r\n", s->id);
}


/* The value of our cookie in a Cookie header, if any */
static bool cookie_get(struct pl *val, const struct http_msg *msg)
{
	struct le *le;

	for (le = msg->hdrl.head; le; le = le->next) {
		const struct http_hdr *h = le->data;
		struct pl rest = h->val;

		if (pl_strcasecmp(&h->name, "Cookie"))
			continue;

		while (rest.l) {
			struct pl name, v;
			const char *sc = pl_strchr(&rest, ';');
			struct pl item = {rest.p, sc ? (size_t)(sc - rest.p)
					  : rest.l};
			const char *eq;

			while (item.l && item.p[0] == ' ')
				pl_advance(&item, 1);
			eq = pl_strchr(&item, '=');
			if (eq) {
				name.p = item.p;
				name.l = (size_t)(eq - item.p);
				v.p = eq + 1;
				v.l = item.l - name.l - 1;
				if (!pl_strcmp(&name, COOKIE_NAME)) {
					*val = v;
					return true;
				}
			}
			if (!sc)
				break;
			pl_advance(&rest, (size_t)(sc - rest.p) + 1);
		}
	}

	return false;
}


static struct web_session *session_find(struct web *w, const struct pl *id,
					bool *expired)
{
	uint64_t now = tmr_jiffies();
	struct web_session *found = NULL;
	struct le *le;

	*expired = false;
	if (id->l != ID_HEX)
		return NULL;

	/* every session is compared, in constant time each */
	for (le = w->sessions.head; le; le = le->next) {
		struct web_session *s = le->data;

		if (!CRYPTO_memcmp(s->id, id->p, ID_HEX))
			found = s;
	}

	if (!found)
		return NULL;

	if (now - found->last > (uint64_t)w->idle_s * 1000 ||
	    now - found->created > (uint64_t)w->max_s * 1000) {
		mem_deref(found);
		*expired = true;
		return NULL;
	}

	found->last = now;
	return found;
}


int web_token_new(char *tok, size_t sz, uint8_t *hash)
{
	char hex[ID_HEX + 1];

	if (sz < 4 + ID_HEX + 1 || rand_hex(hex, ID_HEX))
		return EINVAL;

	(void)re_snprintf(tok, sz, "cft_%s", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	SHA256((const uint8_t *)tok, strlen(tok), hash);
	return 0;
}


static bool bearer(struct web_req *r, bool *present)
{
	const struct http_hdr *h = http_msg_hdr(r->msg,
						HTTP_HDR_AUTHORIZATION);
	uint8_t hash[SHA256_DIGEST_LENGTH];
	struct pl tok;

	*present = false;
	if (!h || h->val.l < 7 || strncasecmp(h->val.p, "Bearer ", 7))
		return false;

	*present = true;
	tok.p = h->val.p + 7;
	tok.l = h->val.l - 7;
	if (tok.l != 4 + ID_HEX || memcmp(tok.p, "cft_", 4))
		return false;

	SHA256((const uint8_t *)tok.p, tok.l, hash);

	return 0 == store_token_find(r->w->st, hash, r->user,
				     sizeof(r->user));
}


bool web_authenticate(struct web_req *r)
{
	const struct http_hdr *csrf;
	bool present, expired = false;
	struct pl id;

	if (bearer(r, &present))
		return true;

	if (present) {
		(void)web_reply_error(r, 401, "Unauthorized", NULL,
				      "unknown or revoked token");
		return false;
	}

	if (!cookie_get(&id, r->msg) ||
	    !(r->sess = session_find(r->w, &id, &expired))) {
		(void)web_reply_error(r, 401, "Unauthorized", NULL,
				      expired ? "session expired"
				      : "login required");
		return false;
	}

	str_ncpy(r->user, r->sess->user, sizeof(r->user));

	if (r->method == WEB_GET || r->method == WEB_HEAD)
		return true;

	csrf = http_msg_xhdr(r->msg, "X-CSRF-Token");
	if (!csrf || csrf->val.l != ID_HEX ||
	    CRYPTO_memcmp(csrf->val.p, r->sess->csrf, ID_HEX)) {
		(void)web_reply_error(r, 403, "Forbidden", "X-CSRF-Token",
				      "missing or wrong CSRF token");
		return false;
	}

	return true;
}


/* ---- login throttle ---- */

static struct web_throttle *thr_find(struct web *w, const char *key,
				     bool create)
{
	uint64_t now = tmr_jiffies();
	struct web_throttle *t;
	struct le *le = w->throttle.head;

	while (le) {
		t = le->data;
		le = le->next;

		if (now - t->last > THROTTLE_FORGET_MS) {
			list_unlink(&t->le);
			mem_deref(t);
			continue;
		}
		if (!strcmp(t->key, key))
			return t;
	}

	if (!create)
		return NULL;

	if (list_count(&w->throttle) >= THROTTLE_ENTRIES) {
		/* the least recently failed key goes */
		t = list_ledata(list_head(&w->throttle));
		list_unlink(&t->le);
		mem_deref(t);
	}

	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return NULL;
	str_ncpy(t->key, key, sizeof(t->key));
	list_append(&w->throttle, &t->le, t);
	return t;
}


static uint64_t thr_wait(const struct web_throttle *t, uint32_t free)
{
	uint64_t d, now = tmr_jiffies();
	uint32_t over;

	if (!t || t->fails < free)
		return 0;

	over = t->fails - free;
	d = over >= 9 ? THROTTLE_MAX_MS : 1000ull << over;
	if (d > THROTTLE_MAX_MS)
		d = THROTTLE_MAX_MS;

	return now - t->last >= d ? 0 : d - (now - t->last);
}


static void keys(char *uk, size_t usz, char *ak, size_t asz,
		 const char *user, const struct sa *peer)
{
	(void)re_snprintf(uk, usz, "u:%s", user);
	(void)re_snprintf(ak, asz, "a:%j", peer);
}


int web_throttle_check(struct web *w, const char *user,
		       const struct sa *peer, uint32_t *retryp)
{
	char uk[80], ak[80];
	uint64_t a, b;

	keys(uk, sizeof(uk), ak, sizeof(ak), user, peer);

	a = thr_wait(thr_find(w, uk, false), THROTTLE_FREE_USER);
	b = thr_wait(thr_find(w, ak, false), THROTTLE_FREE_ADDR);
	if (b > a)
		a = b;

	if (!a)
		return 0;

	*retryp = (uint32_t)((a + 999) / 1000);
	return EAGAIN;
}


void web_throttle_result(struct web *w, const char *user,
			 const struct sa *peer, bool ok)
{
	char uk[80], ak[80];
	struct web_throttle *t;
	size_t i;

	keys(uk, sizeof(uk), ak, sizeof(ak), user, peer);

	if (ok) {
		/* the account is fine again; the address keeps its count
		 * (one good account must not reset guessing at others) */
		t = thr_find(w, uk, false);
		if (t) {
			list_unlink(&t->le);
			mem_deref(t);
		}
		return;
	}

	for (i = 0; i < 2; i++) {
		t = thr_find(w, i ? ak : uk, true);
		if (!t)
			continue;
		++t->fails;
		t->last = tmr_jiffies();
		/* most recent at the tail: the head is evicted first */
		list_unlink(&t->le);
		list_append(&w->throttle, &t->le, t);
	}
}


void web_throttle_flush(struct web *w)
{
	struct le *le;

	while ((le = list_head(&w->throttle))) {
		list_unlink(le);
		mem_deref(le->data);
	}
}

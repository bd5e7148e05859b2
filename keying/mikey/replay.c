/**
 * @file replay.c  MIKEY timestamps and the replay cache (RFC 3830 5.4)
 *
 * The cache remembers a SHA-256 digest of each authenticated message
 * for as long as its timestamp could still pass the clock-skew check,
 * so a message is either too old or found here.  It has a hard size
 * bound: when full, RFC 3830 5.4 says to refuse everything until the
 * window has passed, which is what mikey_replay_add() answers (ENOSPC).
 */
#include <string.h>
#include <time.h>
#include <openssl/sha.h>
#include <re.h>
#include "keying/mikey/mikey.h"


enum { NTP_UNIX_OFFSET = 2208988800u };


uint64_t mikey_ntp_from_unix(uint64_t unix_s)
{
	/* RFC 4330 3: values wrap in 2036; keep the low 32 bits */
	return (uint64_t)(uint32_t)(unix_s + NTP_UNIX_OFFSET) << 32;
}


uint64_t mikey_ntp_now(void)
{
	struct timespec ts;
	uint64_t frac;

	clock_gettime(CLOCK_REALTIME, &ts);
	frac = ((uint64_t)ts.tv_nsec << 32) / 1000000000u;
	return mikey_ntp_from_unix((uint64_t)ts.tv_sec) | (uint32_t)frac;
}


uint64_t mikey_ntp_to_unix(uint64_t ntp)
{
	uint64_t s = ntp >> 32;

	/* RFC 4330 3: MSB 0 means 2036..2104 (era 1) */
	if (!(s & 0x80000000u))
		s += (uint64_t)1 << 32;
	return s - NTP_UNIX_OFFSET;
}


int mikey_ts_check(const struct mikey_ts *t, uint64_t now_unix,
		   uint32_t skew)
{
	uint64_t u;

	if (!t)
		return EINVAL;
	/* COUNTER has no relation to the clock; we do not accept it */
	if (t->type == MIKEY_TS_COUNTER)
		return ENOTSUP;
	u = mikey_ntp_to_unix(t->ntp);
	if (u + skew < now_unix || u > now_unix + skew)
		return ETIMEDOUT;
	return 0;
}


struct mikey_replay;

struct entry {
	struct mikey_replay *rc;
	struct le he;            /* in the hash table */
	struct le le;            /* in age order */
	uint8_t md[32];
	uint64_t expires;
};

struct mikey_replay {
	struct hash *ht;
	struct list age;
	uint32_t window;
	size_t max;
	size_t n;
};


static void destructor(void *arg)
{
	struct mikey_replay *rc = arg;

	hash_flush(rc->ht);      /* entries are owned by the table */
	list_clear(&rc->age);
	mem_deref(rc->ht);
}


static void entry_destructor(void *arg)
{
	struct entry *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
	--e->rc->n;
}


int mikey_replay_alloc(struct mikey_replay **rcp, uint32_t window_s,
		       size_t max_entries)
{
	struct mikey_replay *rc;
	int err;

	if (!rcp || !window_s || !max_entries)
		return EINVAL;

	rc = mem_zalloc(sizeof(*rc), destructor);
	if (!rc)
		return ENOMEM;

	err = hash_alloc(&rc->ht, 256);
	if (err) {
		mem_deref(rc);
		return err;
	}
	rc->window = window_s;
	rc->max = max_entries;
	*rcp = rc;
	return 0;
}


static void purge(struct mikey_replay *rc, uint64_t now)
{
	struct le *le = rc->age.head;

	while (le) {
		struct entry *e = le->data;

		le = le->next;
		if (e->expires > now)
			break;
		mem_deref(e);
	}
}


static bool md_cmp(struct le *le, void *arg)
{
	const struct entry *e = le->data;

	return memcmp(e->md, arg, sizeof(e->md)) == 0;
}


static uint32_t md_key(const uint8_t *md)
{
	return (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 |
		(uint32_t)md[2] << 8 | md[3];
}


bool mikey_replay_seen(const struct mikey_replay *rc, const uint8_t *msg,
		       size_t len, uint64_t now_unix)
{
	uint8_t md[32];
	struct le *le;

	if (!rc || !msg)
		return false;

	SHA256(msg, len, md);
	le = hash_lookup(rc->ht, md_key(md), md_cmp, md);
	if (!le)
		return false;
	return ((struct entry *)le->data)->expires > now_unix;
}


int mikey_replay_add(struct mikey_replay *rc, const uint8_t *msg,
		     size_t len, uint64_t now_unix)
{
	struct entry *e;

	if (!rc || !msg)
		return EINVAL;

	purge(rc, now_unix);

	if (mikey_replay_seen(rc, msg, len, now_unix))
		return EALREADY;
	if (rc->n >= rc->max)
		return ENOSPC;

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return ENOMEM;

	e->rc = rc;
	++rc->n;
	SHA256(msg, len, e->md);
	/* a message timestamped up to +window ahead stays valid until
	 * +2 windows from now */
	e->expires = now_unix + 2 * (uint64_t)rc->window + 1;
	hash_append(rc->ht, md_key(e->md), &e->he, e);
	list_append(&rc->age, &e->le, e);
	return 0;
}

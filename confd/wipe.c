/**
 * @file wipe.c  Overwrite every heap block when it is freed.
 *
 * The executable's free() and realloc() take precedence over glibc's
 * for every library in the process (ELF symbol interposition: libre
 * and OpenSSL call free through the PLT, and the linker exports these
 * definitions because those libraries reference them).  free() clears
 * malloc_usable_size() bytes, then hands the block to glibc's own
 * __libc_free(); realloc() that has to move a block copies it into a
 * fresh one and frees (so wipes) the old, since glibc's realloc would
 * free the old block inside libc where no interposition reaches.
 *
 * Cost: one memset per free, of the block's size (libre's UDP receive
 * buffer is 8 KiB a packet).  At 500 participants, 25 000 packets a
 * second, that is 200 MB/s of memset: about one percent of a core.
 * wipe_memory no turns it off for benchmarks.
 *
 * Sanitizers replace malloc/free themselves: there this file defines
 * nothing and wipe_active() is false (tests/integ/key_copies.sh skips).
 */
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <stdbool.h>
#include "confd/wipe.h"


#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) \
	|| __has_feature(thread_sanitizer)
#define WIPE_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WIPE_SANITIZER 1
#endif


/* deeper than any call chain confd runs from the main loop */
enum { WIPE_STACK = 128 * 1024 };


/* read in free() on every thread; written once at start-up */
static volatile bool wipe_on = true;


void wipe_set(bool on)
{
	wipe_on = on;
}


__attribute__((noinline)) void wipe_stack(void)
{
	char buf[WIPE_STACK];

	if (wipe_on)
		explicit_bzero(buf, sizeof(buf));
}


#ifdef WIPE_SANITIZER

bool wipe_active(void)
{
	return false;
}

#else

void __libc_free(void *p);
void *__libc_malloc(size_t n);
void *__libc_realloc(void *p, size_t n);

/* the interposers have the C library's names, not confd's prefix */
void free(void *p);
void *realloc(void *p, size_t n);


bool wipe_active(void)
{
	return wipe_on;
}


void free(void *p)
{
	if (p && wipe_on)
		explicit_bzero(p, malloc_usable_size(p));

	__libc_free(p);
}


void *realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p || !wipe_on)
		return __libc_realloc(p, n);

	if (!n) {
		free(p);
		return NULL;
	}

	/* shrinking keeps the block: its tail stays ours until free */
	old = malloc_usable_size(p);
	if (n <= old)
		return p;

	q = __libc_malloc(n);
	if (!q)
		return NULL;

	memcpy(q, p, old);
	free(p);

	return q;
}

#endif

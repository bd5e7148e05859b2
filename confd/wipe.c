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


/*
 * The vector registers: glibc's memcpy and strlen move text through
 * them, and on an idle thread the last SDP copied (a=crypto and all)
 * stays there -- a core dump saves them (seen in tests: the key's text
 * in the XSAVE area of the core, 34 s after the call).  x86-64 only;
 * with AVX-512, glibc's EVEX routines use ymm16-31, which vzeroall
 * does not reach.  The compiler never allocates xmm16-31 without
 * -mavx512f, so only xmm0-15 need clobbers.
 */
static void wipe_simd(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (__builtin_cpu_supports("avx512f"))
		__asm__ volatile(
			"vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
			"vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
			"vpxord %%zmm18, %%zmm18, %%zmm18\n\t"
			"vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
			"vpxord %%zmm20, %%zmm20, %%zmm20\n\t"
			"vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
			"vpxord %%zmm22, %%zmm22, %%zmm22\n\t"
			"vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
			"vpxord %%zmm24, %%zmm24, %%zmm24\n\t"
			"vpxord %%zmm25, %%zmm25, %%zmm25\n\t"
			"vpxord %%zmm26, %%zmm26, %%zmm26\n\t"
			"vpxord %%zmm27, %%zmm27, %%zmm27\n\t"
			"vpxord %%zmm28, %%zmm28, %%zmm28\n\t"
			"vpxord %%zmm29, %%zmm29, %%zmm29\n\t"
			"vpxord %%zmm30, %%zmm30, %%zmm30\n\t"
			"vpxord %%zmm31, %%zmm31, %%zmm31\n\t"
			::: "memory");
	if (__builtin_cpu_supports("avx"))
		__asm__ volatile("vzeroall" ::: "xmm0", "xmm1", "xmm2",
				 "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
				 "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
				 "xmm13", "xmm14", "xmm15");
	else
		__asm__ volatile(
			"pxor %%xmm0, %%xmm0\n\t"   "pxor %%xmm1, %%xmm1\n\t"
			"pxor %%xmm2, %%xmm2\n\t"   "pxor %%xmm3, %%xmm3\n\t"
			"pxor %%xmm4, %%xmm4\n\t"   "pxor %%xmm5, %%xmm5\n\t"
			"pxor %%xmm6, %%xmm6\n\t"   "pxor %%xmm7, %%xmm7\n\t"
			"pxor %%xmm8, %%xmm8\n\t"   "pxor %%xmm9, %%xmm9\n\t"
			"pxor %%xmm10, %%xmm10\n\t" "pxor %%xmm11, %%xmm11\n\t"
			"pxor %%xmm12, %%xmm12\n\t" "pxor %%xmm13, %%xmm13\n\t"
			"pxor %%xmm14, %%xmm14\n\t" "pxor %%xmm15, %%xmm15\n\t"
			::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
			"xmm12", "xmm13", "xmm14", "xmm15");
#endif
}


__attribute__((noinline)) void wipe_stack(void)
{
	char buf[WIPE_STACK];

	if (!wipe_on)
		return;

	explicit_bzero(buf, sizeof(buf));
	wipe_simd();
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

/**
 * @file check.h  A tiny unit-test harness.
 *
 * Each test function returns 0 on success or an errno.  TEST_MAIN runs
 * them all, prints "PASS name" / "FAIL name" lines that tests/run.sh
 * counts, and exits non-zero if any failed.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#define CHECK(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
			return EINVAL;					\
		}							\
	} while (0)

#define CHECK_EQ(a, b) do {						\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			fprintf(stderr, "%s:%d: %s == %s failed:"	\
				" %lld != %lld\n", __FILE__, __LINE__,	\
				#a, #b, _a, _b);			\
			return EINVAL;					\
		}							\
	} while (0)

#define CHECK_STR(a, b) do {						\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b)) {			\
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n",	\
				__FILE__, __LINE__, _a ? _a : "(null)",	\
				_b ? _b : "(null)");			\
			return EINVAL;					\
		}							\
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

struct check_case {
	const char *name;
	int (*fn)(void);
};

#define CASE(f) { #f, f }

static inline int check_run(const char *suite, const struct check_case *c,
			    size_t n)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		int err = c[i].fn();
		printf("%s %s.%s\n", err ? "FAIL" : "PASS", suite, c[i].name);
		if (err)
			++failed;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

#define TEST_MAIN(suite, ...)						\
	int main(void)							\
	{								\
		static const struct check_case cases[] = { __VA_ARGS__ };\
		return check_run(suite, cases,				\
				 sizeof(cases) / sizeof(cases[0]));	\
	}

/**
 * @file replay_main.c  Runs a libFuzzer target over files, without
 * libFuzzer: the regression half of fuzzing.
 *
 * Linked with one tests/fuzz/fuzz_*.c, it reads every file named on the
 * command line (every regular file, in name order, of a directory) into
 * a heap buffer of exactly its size and hands it to
 * LLVMFuzzerTestOneInput(), as libFuzzer would.  A crash input once
 * committed to tests/fuzz/corpus/<target>/ is thus replayed by every
 * `make test` (gcc) and `make asan` (ASan/UBSan); a target that
 * aborts, or an input it crashes on, fails the run.  Ends with
 * "PASS fuzz_replay.<target> (N inputs)" for tests/run.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int run_file(const char *path, unsigned *count)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return errno;
	}
	if (fstat(fileno(f), &st) || st.st_size < 0) {
		fclose(f);
		return EIO;
	}

	/* exactly the input's size, so ASan sees any read past it; one
	 * byte for an empty file, which is still passed as size 0 */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		free(buf);
		fprintf(stderr, "%s: short read\n", path);
		return EIO;
	}

	/* name the input first: if it crashes, this is the last line */
	fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	++*count;
	return 0;
}


static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


static int run_dir(const char *path, unsigned *count)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int err = 0;
	DIR *d;

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return errno;
	}

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				err = ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
		if (!names[n]) {
			err = ENOMEM;
			break;
		}
		sprintf(names[n], "%s/%s", path, de->d_name);
		++n;
	}
	closedir(d);

	if (!err)
		qsort(names, n, sizeof(*names), cmp_str);

	for (i = 0; i < n; i++) {
		struct stat st;

		if (!err && !stat(names[i], &st) && S_ISREG(st.st_mode))
			err = run_file(names[i], count);
		free(names[i]);
	}
	free(names);
	return err;
}


int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	unsigned count = 0;
	int i, err = 0;

	name = name ? name + 1 : argv[0];
	if (!strncmp(name, "fuzz_", 5))
		name += 5;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}

	for (i = 1; i < argc && !err; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			err = errno;
		}
		else if (S_ISDIR(st.st_mode))
			err = run_dir(argv[i], &count);
		else
			err = run_file(argv[i], &count);
	}

	/* an empty corpus would make this test pass on nothing */
	if (err || !count) {
		printf("FAIL fuzz_replay.%s (%u inputs%s)\n", name, count,
		       err ? ", error" : "");
		return 1;
	}

	printf("PASS fuzz_replay.%s (%u inputs)\n", name, count);
	return 0;
}

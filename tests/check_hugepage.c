/*
 * check_hugepage.c - the zygote's heap on huge pages keeps what it held,
 * and a forked job's writes to it stay the job's own (copy on write of a
 * huge page is still copy on write): no item can leave anything for the
 * next one through the shared warm heap.  Once the zygote has taken its
 * free chunks (mg_worker_heap_fresh), a job's mallocs come from above the
 * heap's old top, memory the zygote never touched.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

#include "sandbox.h"
#include "testutil.h"
#include "worker_proto.h"

#define BIG ((size_t)16 << 20)

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31u + seed);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31u + seed))
			return 0;
	return 1;
}

/* kB of AnonHugePages this process has, 0 without the kernel's support */
static long huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	char line[256];
	long kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

START_TEST(heap_kept_and_child_writes_stay_private)
{
	/* below the mmap threshold in pieces, so it lives in the brk heap */
	enum { PIECES = 128 };
	unsigned char *piece[PIECES];
	size_t each = BIG / PIECES;
	int status;
	pid_t pid;

	for (int i = 0; i < PIECES; i++) {
		piece[i] = malloc(each);
		ck_assert_ptr_nonnull(piece[i]);
		fill(piece[i], each, (unsigned)i);
	}
	mg_worker_heap_to_hugepages();
	for (int i = 0; i < PIECES; i++)
		ck_assert(same(piece[i], each, (unsigned)i));
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0)
		fprintf(stderr, "check_hugepage: %ld kB on huge pages\n", huge_kb());
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* the job: sees the warm heap, then scribbles over all of it */
		int ok = 1;

		for (int i = 0; i < PIECES; i++) {
			ok &= same(piece[i], each, (unsigned)i);
			memset(piece[i], 0xEE, each);
		}
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* the zygote's copy is untouched by the job's writes */
	for (int i = 0; i < PIECES; i++) {
		ck_assert(same(piece[i], each, (unsigned)i));
		free(piece[i]);
	}
}
END_TEST

/* In a child, so that the test process keeps its own heap as it was. */
static int fresh_heap_child(void)
{
	enum { N = 400 };
	static const size_t sizes[] = { 24, 100, 700, 5000, 70000, 300000 };
	void *keep[N], *hole[N];
	uintptr_t top;
	unsigned long taken;

	/* a warm-up's leavings: freed chunks of every size between live ones */
	for (int i = 0; i < N; i++) {
		hole[i] = malloc(sizes[i % 6]);
		keep[i] = malloc(32);
	}
	for (int i = 0; i < N; i++)
		free(hole[i]);
	top = (uintptr_t)sbrk(0);
	taken = mg_worker_heap_fresh();
	if (taken == 0)
		return 1;
	/* the job: every request, of every size, from above the old top */
	if (fork() == 0) {
		for (int i = 0; i < N; i++) {
			void *p = malloc(sizes[i % 6]);

			if (!p || (uintptr_t)p < top)
				_exit(2);
		}
		_exit(0);
	}
	{
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 3;
	}
	for (int i = 0; i < N; i++)
		free(keep[i]);
	return 0;
}

START_TEST(job_allocates_from_fresh_pages)
{
	int status;
	pid_t pid;

#ifdef UNDER_ASAN
	return; /* ASan's allocator has no brk heap to take chunks from */
#endif
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fresh_heap_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("hugepage");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, heap_kept_and_child_writes_stay_private);
	tcase_add_test(tc, job_allocates_from_fresh_pages);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_proctitle.c - process titles: what /proc/PID/cmdline (and so
 * `ps -o args`) shows after mg_proctitle_set, the environment intact
 * after it moved, and a job process named after its item, seen by ps
 * while it runs.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proctitle.h"
#include "testutil.h"
#include "worker.h"

/* This program's own argv, rebuilt from the kernel's copy: the strings
 * are the ones the process started with, so the title has their room. */
static void init_from_self(void)
{
	static char *argv[64];
	char buf[8192];
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n, argc = 0;
	char *base = program_invocation_name;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (size_t off = 0; off < n && argc < 63; off += strlen(buf + off) + 1)
		argv[argc++] = base + off;
	mg_proctitle_init((int)argc, argv);
}

static char *cmdline_of(pid_t pid)
{
	static char buf[4096];
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

START_TEST(title_replaces_cmdline)
{
	const char *path = getenv("PATH");
	char *saved = path ? strdup(path) : NULL;

	init_from_self();
	mg_proctitle_set("mugaid: %s", "smtpd[3]");
	ck_assert_str_eq(cmdline_of(getpid()), "mugaid: smtpd[3]");
	/* shorter again: nothing of the longer one is left */
	mg_proctitle_set("mugaid: dropd");
	ck_assert_str_eq(cmdline_of(getpid()), "mugaid: dropd");
	/* the environment moved, and still reads and writes */
	if (saved)
		ck_assert_str_eq(getenv("PATH"), saved);
	ck_assert_int_eq(setenv("MUGAI_PROCTITLE_PROBE", "yes", 1), 0);
	ck_assert_str_eq(getenv("MUGAI_PROCTITLE_PROBE"), "yes");
	free(saved);
}
END_TEST

START_TEST(long_title_is_cut)
{
	char big[20000];

	init_from_self();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	mg_proctitle_set("mugaid: job %s", big);
	ck_assert(strncmp(cmdline_of(getpid()), "mugaid: job xxx", 15) == 0);
}
END_TEST

/* The job sleeps until the watcher has seen it and killed it. */
static int hook(const mg_input *in, char *reason, size_t len)
{
	(void)in, (void)reason, (void)len;
	for (;;)
		nanosleep(&(struct timespec){ 10, 0 }, NULL);
	return 0;
}

/* A child that runs `ps -o pid=,args= --ppid ZYGOTE` until a job that
 * has its item shows (not the spare waiting for the next one),
 * writes that line to fd and kills the job; exits 1 after 30 s without. */
static pid_t watch(pid_t zygote, int fd)
{
	pid_t pid = fork();
	char cmd[128], line[512];

	ck_assert_int_ge(pid, 0);
	if (pid > 0)
		return pid;
	snprintf(cmd, sizeof(cmd), "ps -o pid=,args= --ppid %ld", (long)zygote);
	for (int round = 0; round < 600; round++) {
		FILE *ps = popen(cmd, "r");

		while (ps && fgets(line, sizeof(line), ps)) {
			long job;
			int at = 0;

			if (sscanf(line, " %ld %n", &job, &at) == 1 && strstr(line + at, "mugaid: job ") &&
			    !strstr(line + at, "(spare)")) {
				line[strcspn(line, "\n")] = 0;
				(void)!write(fd, line + at, strlen(line + at));
				kill((pid_t)job, SIGKILL);
				_exit(0);
			}
		}
		if (ps)
			pclose(ps);
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	_exit(1);
}

START_TEST(job_titled_with_item)
{
	mg_policy *p = mg_policy_new();
	mg_worker_limits lim = { 60, 1u << 30, 60, 0, NULL, 0, 0 };
	mg_worker *w = mg_worker_new(p, &lim);
	mg_input in = { (const unsigned char *)"data", 4, "a.txt", NULL, NULL, 0 };
	mg_result res;
	char *err = NULL, seen[512] = "", want[128];
	int fds[2], status;
	pid_t watcher;
	ssize_t n;

	mg_policy_free(p);
	init_from_self();
	mg_worker_set_test_hook(w, hook);
	ck_assert_msg(mg_worker_start(w, &err) == 0, "worker: %s", err ? err : "?");
	ck_assert_str_eq(cmdline_of(mg_worker_pid(w)), "mugaid: zygote (mugai)");
	ck_assert_int_eq(pipe(fds), 0);
	watcher = watch(mg_worker_pid(w), fds[1]);
	close(fds[1]);
	mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res);
	ck_assert_int_eq(waitpid(watcher, &status, 0), watcher);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ps never showed the job");
	n = read(fds[0], seen, sizeof(seen) - 1);
	ck_assert_int_gt(n, 0);
	seen[n] = 0;
	snprintf(want, sizeof(want), "mugaid: job %s", res.item_id);
	ck_assert_str_eq(seen, want);
	/* killed in the middle: the item is blocked, never passed */
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	close(fds[0]);
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("proctitle");
	TCase *tc = tcase_create("titles");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, title_replaces_cmdline);
	tcase_add_test(tc, long_title_is_cut);
	tcase_add_test(tc, job_titled_with_item);
	suite_add_tcase(s, tc);
	return s;
}

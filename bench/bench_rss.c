/*
 * bench_rss.c - the peak memory of a worker's job process, per input.
 *
 * Like the worker's zygote, the parent loads the core and warms it up
 * (worker_warmup.c) once, moves its heap onto huge pages and takes its
 * free chunks (worker_hugepage.c, worker_heap_fresh.c: a job's memory
 * then grows from the heap's top and is never given back); each input is
 * then sanitised in a forked child,
 * as a job process would, and the child's peak resident set is read from
 * wait4().  Files under a "mail" directory or named *.eml go through the
 * mail channel, as mugaid hands them to the core.
 *
 *   bench_rss FILE...   one line per input:
 *                       "rss_kib=N verdict=sanitised|blocked|crashed file=F"
 *                       then "max_rss_kib=N file=F inputs=K"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "internal.h"
#include "worker_proto.h"

static bool mail_channel(const char *path)
{
	size_t n = strlen(path);

	return strstr(path, "/mail/") != NULL || (n > 4 && strcmp(path + n - 4, ".eml") == 0);
}

/* The child: one item, exit 0 if sanitised, 1 if blocked. */
static _Noreturn void job(mg_core *core, const char *path)
{
	size_t len = 0;
	unsigned char *data = mg_read_file(path, (size_t)1 << 31, &len);
	const char *base = strrchr(path, '/');
	mg_input in = { 0 };
	mg_result res;

	if (!data)
		_exit(2);
	in.data = data;
	in.len = len;
	in.name = base ? base + 1 : path;
	in.is_mail = mail_channel(path);
	mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
	_exit(res.verdict == MG_VERDICT_SANITISED ? 0 : 1);
}

int main(int argc, char **argv)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	long max = 0;
	const char *max_file = "";

	if (!core) {
		fprintf(stderr, "bench_rss: %s\n", err ? err : "no core");
		return 1;
	}
	mg_worker_warm_up(core);
	mg_worker_heap_to_hugepages();
	mg_worker_heap_fresh();
	for (int i = 1; i < argc; i++) {
		struct rusage ru;
		int status = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			job(core, argv[i]);
		if (wait4(pid, &status, 0, &ru) < 0)
			return 1;
		printf("rss_kib=%ld verdict=%s file=%s\n", ru.ru_maxrss,
		       !WIFEXITED(status) || WEXITSTATUS(status) > 1 ? "crashed" :
		       WEXITSTATUS(status) == 0 ? "sanitised" : "blocked", argv[i]);
		if (ru.ru_maxrss > max) {
			max = ru.ru_maxrss;
			max_file = argv[i];
		}
	}
	printf("max_rss_kib=%ld file=%s inputs=%d\n", max, max_file, argc - 1);
	mg_core_free(core);
	mg_policy_free(p);
	return 0;
}

/*
 * check_worker.c - sanitising in the sandboxed child: same results as in
 * process (over the whole corpus), and every way the child can fail ends
 * the job blocked, with the reason, and a fresh child for the next job.
 *
 * The misbehaviour comes from a test hook run inside the sandbox, chosen
 * by the item's name ("hook-socket" ...).
 */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sandbox.h"
#include "testutil.h"
#include "worker.h"
#include "worker_proto.h"

/* Every family the registry links, tried in the sandbox. */
extern const mg_filter mg_filter_mail, mg_filter_text, mg_filter_html, mg_filter_xml,
	mg_filter_pdf, mg_filter_ooxml, mg_filter_odf, mg_filter_ole2, mg_filter_rtf,
	mg_filter_image, mg_filter_archive;
static const mg_filter *const linked[] = {
	&mg_filter_mail, &mg_filter_text, &mg_filter_html, &mg_filter_xml, &mg_filter_pdf,
	&mg_filter_ooxml, &mg_filter_odf, &mg_filter_ole2, &mg_filter_rtf, &mg_filter_image,
	&mg_filter_archive, NULL
};

static const char scratch[] = "/tmp/mugai-worker-probe";
static int leak_fd = -1; /* a descriptor the child must not inherit */
static const char *planted; /* set in a child by one item, seen by the next? */

static void forge_reply(const char *item_id, int sealed)
{
	char id[40];
	mg_reply r = { id, MG_E_TYPE_BLOCKED, MG_VERDICT_BLOCKED, NULL, NULL, NULL, 0, 2, -1, -1, 0, NULL };
	mg_msg m;

	snprintf(id, sizeof(id), "%s", item_id);
	if (sealed) {
		r.report_fd = mg_memfd_sealed("forged", "{}", 2);
	} else {
		r.report_fd = memfd_create("forged", 0);
		(void)!write(r.report_fd, "{}", 2);
	}
	mg_reply_encode(&m, &r);
	mg_ipc_send(3, &m);
	mg_msg_free(&m);
}

/* What a job process does once its reply is sent. */
static int after_reply(const char *n)
{
	if (strcmp(n, "hook-after-segv.txt") == 0)
		raise(SIGSEGV);
	else if (strcmp(n, "hook-after-sleep.txt") == 0)
		for (;;)
			nanosleep(&(struct timespec){ 10, 0 }, NULL);
	return 0;
}

static int hook(const mg_input *in, char *reason, size_t len)
{
	const char *n = in->name ? in->name : "";
	char *const argv[] = { NULL };
	volatile unsigned long spin = 0;

	if (!reason)
		return after_reply(n);
	if (strcmp(n, "hook-socket") == 0)
		socket(AF_INET, SOCK_STREAM, 0);
	else if (strcmp(n, "hook-write") == 0)
		open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	else if (strcmp(n, "hook-exec") == 0)
		execve("/bin/sh", argv, argv);
	else if (strcmp(n, "hook-ptrace") == 0)
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(n, "hook-loop") == 0 || strcmp(n, "hook-cpu") == 0)
		for (;;)
			spin++;
	else if (strcmp(n, "hook-sleep") == 0)
		for (;;)
			nanosleep(&(struct timespec){ 10, 0 }, NULL);
	else if (strcmp(n, "hook-segv") == 0)
		raise(SIGSEGV);
	else if (strcmp(n, "hook-exit") == 0)
		_exit(0);
	else if (strcmp(n, "hook-memory") == 0) {
		void *p = malloc(512u << 20);

		snprintf(reason, len, "allocation of 512 MiB %s", p ? "granted" : "refused");
		return 1;
	} else if (strcmp(n, "hook-gmalloc") == 0) {
		/* what a library does on a failed allocation: abort */
		g_free(g_malloc(512u << 20));
	} else if (strcmp(n, "hook-exec-memory") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		snprintf(reason, len, "executable mapping %s (errno %d)",
		         p == MAP_FAILED ? "refused" : "granted", p == MAP_FAILED ? errno : 0);
		return 1;
	} else if (strcmp(n, "hook-fds") == 0) {
		int inherited = fcntl(leak_fd, F_GETFD) >= 0;

		snprintf(reason, len, "descriptor %d %s, root %s", leak_fd,
		         inherited ? "inherited" : "closed", getuid() == 0 ? "yes" : "no");
		return 1;
	} else if (strcmp(n, "hook-remember") == 0) {
		/* what an item that took over the parser could leave behind */
		snprintf(reason, len, "left behind by an earlier item: %s", planted ? planted : "nothing");
		planted = "a planted state";
		return 1;
	} else if (strcmp(n, "hook-forge-id") == 0) {
		forge_reply("20000101T000000-000000000000", 1);
	} else if (strcmp(n, "hook-forge-unsealed") == 0) {
		forge_reply(in->item_id, 0);
	}
	return 0;
}

static mg_worker *new_worker(unsigned timeout, unsigned cpu, uint64_t memory, uint64_t max_output)
{
	mg_policy *p = mg_policy_new();
	mg_worker_limits lim = { timeout, memory, cpu, max_output, NULL, 0, 0 };
	mg_worker *w = mg_worker_new(p, &lim);

	mg_policy_free(p); /* the worker keeps a copy */
	ck_assert_ptr_nonnull(w);
	mg_worker_set_test_hook(w, hook);
	return w;
}

static mg_status run(mg_worker *w, const char *name, const char *data, mg_result *res)
{
	mg_input in = { (const unsigned char *)data, strlen(data), name, NULL, NULL, 0 };

	return mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, res);
}

/* The report is JSON about this item and says blocked, with this reason. */
static json_t *blocked_report(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);

	ck_assert_msg(json_is_object(r), "report is not JSON: %s", res->report_json);
	ck_assert_str_eq(json_string_value(json_object_get(r, "item_id")), res->item_id);
	ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "blocked");
	ck_assert_str_eq(json_string_value(json_object_get(r, "status")),
	                 mg_status_name(res->status));
	ck_assert_str_eq(json_string_value(json_object_get(r, "reason")), res->reason);
	ck_assert(json_is_null(json_object_get(r, "output")));
	return r;
}

static void assert_blocked(const mg_result *res, mg_status st, const char *reason)
{
	json_t *r;

	ck_assert_int_eq(res->verdict, MG_VERDICT_BLOCKED);
	ck_assert_int_eq(res->status, st);
	ck_assert_ptr_null(res->out);
	ck_assert_ptr_nonnull(res->reason);
	ck_assert_msg(strstr(res->reason, reason), "reason '%s' lacks '%s'", res->reason, reason);
	r = blocked_report(res);
	json_decref(r);
}

/* A zip member whose LZMA properties ask for a 2.2 GiB dictionary (an
 * input fuzz_archive found: its local header names method 0xA70E, which
 * libarchive decodes as LZMA, 14, its low byte): refused by the probe
 * before libarchive allocates anything, not left to the job's
 * address-space limit, and without a restart. */
START_TEST(huge_lzma_dictionary_blocks)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	size_t len;
	unsigned char *zip = tu_read(FIXTURE_DIR "/archive/zip-lzma-huge-dictionary.zip", &len);
	mg_input in = { zip, len, "a.zip", NULL, NULL, 0 };
	mg_result res;

	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_E_LIMIT_SIZE);
	assert_blocked(&res, MG_E_LIMIT_SIZE,
	               "a zip member's LZMA dictionary of 2261 MiB is over the 256 MiB allowed");
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	mg_result_free(&res);
	free(zip);
	mg_worker_free(w);
}
END_TEST

START_TEST(same_result_as_in_process)
{
	static const char text[] = "Hello,\r\nworld\r\n=1+2,\xe3\x81\x82\n";
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result a, b;
	pid_t pid, job;

	ck_assert_int_eq(mg_worker_pid(w), 0); /* started lazily */
	ck_assert_int_eq(run(w, "note.txt", text, &a), MG_OK);
	pid = mg_worker_pid(w);
	job = mg_worker_last_job_pid(w);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_ne(pid, getpid());
	/* the job ran in a process of its own, which ends (and is reaped by
	 * the zygote) after its reply without the service waiting for it */
	ck_assert_int_gt(job, 0);
	ck_assert_int_ne(job, pid);
	for (int i = 0; i < 500 && kill(job, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	ck_assert_int_eq(kill(job, 0), -1);
	tu_sanitize(text, strlen(text), "note.txt", MG_MODE_DEFAULT, &b);
	ck_assert_int_eq(a.verdict, MG_VERDICT_SANITISED);
	ck_assert_int_eq(a.status, b.status);
	ck_assert_uint_eq(a.out_len, b.out_len);
	ck_assert_mem_eq(a.out, b.out, b.out_len);
	ck_assert_str_eq(a.out_type, b.out_type);
	ck_assert_str_eq(a.out_ext, b.out_ext);
	ck_assert_ptr_null(a.reason);
	ck_assert_ptr_nonnull(strstr(a.report_json, a.item_id));
	mg_result_free(&a);
	mg_result_free(&b);

	/* the same zygote, a new job process; the given item id is kept */
	{
		mg_input in = { (const unsigned char *)"x", 1, "x.exe", NULL,
		                "20240101T000000-aaaaaaaaaaaa", 0 };

		mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &a);
		ck_assert_str_eq(a.item_id, "20240101T000000-aaaaaaaaaaaa");
		ck_assert_int_eq(mg_worker_pid(w), pid);
		ck_assert_int_ne(mg_worker_last_job_pid(w), job);
		mg_result_free(&a);
	}
	/* an empty item too */
	run(w, "empty.txt", "", &a);
	tu_sanitize("", 0, "empty.txt", MG_MODE_DEFAULT, &b);
	ck_assert_int_eq(a.status, b.status);
	ck_assert_int_eq(a.verdict, b.verdict);
	mg_result_free(&a);
	mg_result_free(&b);
	ck_assert_int_eq(mg_worker_pid(w), pid);
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	mg_worker_free(w);
	/* freeing the worker ends the zygote */
	ck_assert_int_eq(kill(pid, 0), -1);
}
END_TEST

START_TEST(fresh_process_per_item)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	char *err = NULL;
	pid_t first;

	/* started at once, e.g. before a service loads its TLS key */
	ck_assert_int_eq(mg_worker_start(w, &err), 0);
	ck_assert_int_gt(mg_worker_pid(w), 0);
	/* what an item leaves in its process is gone for the next one */
	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	first = mg_worker_last_job_pid(w);
	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	ck_assert_int_ne(mg_worker_last_job_pid(w), first);
	ck_assert_int_eq(run(w, "a.txt", "still sanitised", &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "still sanitised"));
	mg_result_free(&res);
	/* a hook that returns non-zero is not a worker failure */
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	mg_worker_free(w);
}
END_TEST

/* The children of pid (from /proc/N/stat, readable whoever owns them):
 * at most cap of them into kids, their number. */
static int children_of(pid_t pid, pid_t *kids, int cap)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[300], buf[512], *close_paren;
		int ppid = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')) &&
		    sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == pid && n < cap)
			kids[n++] = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* The zygote's one spare, once the last job's process is gone (the
 * service no longer waits for that; the spare was forked meanwhile). */
static pid_t spare_of(const mg_worker *w)
{
	pid_t kids[4], last = mg_worker_last_job_pid(w);
	int n = 0;

	for (int i = 0; i < 500; i++) {
		n = children_of(mg_worker_pid(w), kids, 4);
		if (n == 1 && kids[0] != last)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	ck_assert_int_eq(n, 1);
	ck_assert_int_ne(kids[0], last);
	return kids[0];
}

/* Dead and not yet reaped by its parent. */
static bool is_zombie(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	char state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
		sscanf(close_paren + 1, " %c", &state);
	fclose(f);
	return state == 'Z';
}

/* The job process is forked before its item: the zygote's one spare,
 * waiting in its sandbox, takes the next item; what the previous item
 * left in its own process is not there; a spare that dies while it waits
 * is replaced without the item noticing. */
START_TEST(spare_job_process_is_fresh)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	char *err = NULL;
	pid_t spare, first;

	ck_assert_int_eq(mg_worker_start(w, &err), 0);
	spare = spare_of(w);
	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	first = mg_worker_last_job_pid(w);
	ck_assert_int_eq(first, spare); /* it existed before the item came */
	/* the next spare, forked while the first item was parsed */
	spare = spare_of(w);
	ck_assert_int_ne(spare, first);
	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	ck_assert_int_eq(mg_worker_last_job_pid(w), spare);
	/* a spare killed while waiting: the item goes to a new one */
	spare = spare_of(w);
	ck_assert_int_eq(kill(spare, SIGKILL), 0);
	for (int i = 0; i < 500 && !is_zombie(spare); i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	ck_assert(is_zombie(spare));
	ck_assert_int_eq(run(w, "a.txt", "still sanitised", &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "still sanitised"));
	mg_result_free(&res);
	ck_assert_int_ne(mg_worker_last_job_pid(w), spare);
	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

START_TEST(forbidden_calls_kill_the_child)
{
	static const char *const hooks[] = { "hook-socket", "hook-write", "hook-exec", "hook-ptrace" };
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;

	unlink(scratch);
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		json_t *r;

		ck_assert_int_eq(run(w, hooks[i], "data", &res), MG_E_INTERNAL);
		assert_blocked(&res, MG_E_INTERNAL,
		               "worker killed by signal 31 (SIGSYS: forbidden system call)");
		r = blocked_report(&res);
		ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r, "worker"),
		                                                     "signal")), SIGSYS);
		ck_assert_str_eq(json_string_value(json_object_get(r, "name")), hooks[i]);
		json_decref(r);
		mg_result_free(&res);
	}
	ck_assert_int_eq(access(scratch, F_OK), -1);
	ck_assert_uint_eq(mg_worker_restarts(w), 4);
	mg_worker_free(w);
}
END_TEST

START_TEST(crash_fails_closed_and_next_job_works)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	pid_t first;

	ck_assert_int_eq(run(w, "a.txt", "first", &res), MG_OK);
	mg_result_free(&res);
	ck_assert_int_eq(run(w, "hook-segv", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker killed by signal 11 (SIGSEGV");
	mg_result_free(&res);
	first = mg_worker_last_job_pid(w);
	ck_assert_uint_eq(mg_worker_restarts(w), 1);

	ck_assert_int_eq(run(w, "b.txt", "second", &res), MG_OK);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert(tu_contains(res.out, res.out_len, "second"));
	mg_result_free(&res);
	ck_assert_int_ne(mg_worker_last_job_pid(w), first);
	ck_assert_uint_eq(mg_worker_restarts(w), 1);

	/* a clean exit without a reply is a failure too */
	ck_assert_int_eq(run(w, "hook-exit", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker exited with status 0");
	mg_result_free(&res);
	ck_assert_uint_eq(mg_worker_restarts(w), 2);
	mg_worker_free(w);
}
END_TEST

/* The reply is the item's result once it arrived complete and valid: the
 * service does not wait for the job process to end.  A crash after the
 * reply does not undo it (it is counted); a process that lingers after
 * its reply is killed before the next job and counted; the next item
 * still gets a fresh process.  A crash before the reply blocks (above). */
START_TEST(reply_then_crash_keeps_the_reply)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	pid_t first, second;

	ck_assert_int_eq(run(w, "hook-after-segv.txt", "kept after the crash", &res), MG_OK);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert(tu_contains(res.out, res.out_len, "kept after the crash"));
	mg_result_free(&res);
	first = mg_worker_last_job_pid(w);

	ck_assert_int_eq(run(w, "hook-after-sleep.txt", "kept, then lingering", &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "kept, then lingering"));
	mg_result_free(&res);
	second = mg_worker_last_job_pid(w);
	ck_assert_int_ne(second, first);
	ck_assert_uint_eq(mg_worker_restarts(w), 1); /* the crash, counted at this job */
	ck_assert_int_eq(kill(second, 0), 0);         /* still there after its reply */

	ck_assert_int_eq(run(w, "hook-remember", "x", &res), MG_E_INTERNAL);
	ck_assert_str_eq(res.reason, "left behind by an earlier item: nothing");
	mg_result_free(&res);
	ck_assert_int_ne(mg_worker_last_job_pid(w), second);
	ck_assert_int_ne(kill(second, 0), 0); /* killed and reaped before that job */
	ck_assert_uint_eq(mg_worker_restarts(w), 2);
	mg_worker_free(w);
}
END_TEST

START_TEST(zygote_dead_while_idle_is_replaced)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	pid_t first;

	ck_assert_int_eq(run(w, "a.txt", "first", &res), MG_OK);
	mg_result_free(&res);
	/* e.g. the kernel's OOM killer between two jobs */
	first = mg_worker_pid(w);
	ck_assert_int_eq(kill(first, SIGKILL), 0);
	usleep(100 * 1000);
	first = mg_worker_pid(w);
	ck_assert_int_eq(run(w, "b.txt", "second", &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "second"));
	mg_result_free(&res);
	ck_assert_int_ne(mg_worker_pid(w), first);
	ck_assert_uint_eq(mg_worker_restarts(w), 1);
	mg_worker_free(w);
}
END_TEST

/* A zygote killed between items is counted by mg_worker_check without
 * an item, and not counted again when the next item replaces it. */
START_TEST(zygote_dead_while_idle_is_counted_at_once)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	pid_t first;

	ck_assert_int_eq(run(w, "a.txt", "first", &res), MG_OK);
	mg_result_free(&res);
	mg_worker_check(w); /* alive: nothing */
	first = mg_worker_pid(w);
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	ck_assert_int_gt(first, 0);
	ck_assert_int_eq(kill(first, SIGKILL), 0);
	for (int i = 0; i < 500 && mg_worker_restarts(w) == 0; i++) {
		usleep(10 * 1000);
		mg_worker_check(w);
	}
	ck_assert_uint_eq(mg_worker_restarts(w), 1);
	ck_assert_int_eq(mg_worker_pid(w), 0);
	ck_assert_int_eq(kill(first, 0), -1); /* reaped: no zombie left */
	mg_worker_check(w);
	ck_assert_uint_eq(mg_worker_restarts(w), 1);
	ck_assert_int_eq(run(w, "b.txt", "second", &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "second"));
	mg_result_free(&res);
	ck_assert_int_gt(mg_worker_pid(w), 0);
	ck_assert_uint_eq(mg_worker_restarts(w), 1);
	mg_worker_free(w);
}
END_TEST

START_TEST(wall_clock_deadline)
{
	mg_worker *w = new_worker(2, 100, 1u << 30, 0);
	mg_result res;
	time_t t0 = time(NULL);
	json_t *r;

	ck_assert_int_eq(run(w, "hook-sleep", "data", &res), MG_E_LIMIT_TIME);
	assert_blocked(&res, MG_E_LIMIT_TIME, "worker exceeded 2 s");
	ck_assert_int_le(time(NULL) - t0, 5);
	r = blocked_report(&res);
	ck_assert_str_eq(json_string_value(json_object_get(r, "status")), "limit_time");
	json_decref(r);
	mg_result_free(&res);

	ck_assert_int_eq(run(w, "hook-loop", "data", &res), MG_E_LIMIT_TIME);
	assert_blocked(&res, MG_E_LIMIT_TIME, "worker exceeded 2 s");
	mg_result_free(&res);
	/* and the next job gets a fresh child */
	ck_assert_int_eq(run(w, "c.txt", "after", &res), MG_OK);
	mg_result_free(&res);
	ck_assert_uint_eq(mg_worker_restarts(w), 2);
	mg_worker_free(w);
}
END_TEST

START_TEST(cpu_limit)
{
	mg_worker *w = new_worker(20, 1, 1u << 30, 0);
	mg_result res;

	ck_assert_int_eq(run(w, "hook-cpu", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker killed by signal 24 (SIGXCPU: CPU time limit)");
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

START_TEST(memory_limit)
{
	mg_worker *w = new_worker(30, 0, 256u << 20, 0);
	mg_result res;

#ifdef UNDER_ASAN
	/* no RLIMIT_AS under ASan (its shadow memory); the limit is not tested */
	(void)res;
#else
	ck_assert_int_eq(run(w, "hook-memory", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "allocation of 512 MiB refused");
	mg_result_free(&res);
	ck_assert_int_eq(run(w, "hook-gmalloc", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker killed by signal");
	mg_result_free(&res);
	/* real work still fits */
	ck_assert_int_eq(run(w, "ok.txt", "fits", &res), MG_OK);
	mg_result_free(&res);
#endif
	mg_worker_free(w);
}
END_TEST

START_TEST(no_executable_memory_and_no_inherited_fds)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;
	char want[64];

	ck_assert_int_eq(run(w, "hook-exec-memory", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "executable mapping refused (errno 13)");
	mg_result_free(&res);

	/* opened before the child forks, far above what the child opens itself */
	leak_fd = fcntl(open("/dev/null", O_RDONLY), F_DUPFD, 200);
	mg_worker_free(w);
	w = new_worker(30, 0, 1u << 30, 0);
	ck_assert_int_eq(run(w, "hook-fds", "data", &res), MG_E_INTERNAL);
	snprintf(want, sizeof(want), "descriptor %d closed, root no", leak_fd);
	assert_blocked(&res, MG_E_INTERNAL, want);
	mg_result_free(&res);
	close(leak_fd);
	mg_worker_free(w);
}
END_TEST

START_TEST(forged_replies_are_refused)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	mg_result res;

	ck_assert_int_eq(run(w, "hook-forge-id", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker sent a reply about another item");
	mg_result_free(&res);
	ck_assert_uint_eq(mg_worker_restarts(w), 1); /* counted as a failed worker */

	ck_assert_int_eq(run(w, "hook-forge-unsealed", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker sent an unreadable report");
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

START_TEST(output_limit)
{
	mg_worker *w = new_worker(30, 0, 1u << 30, 16);
	mg_result res;

	ck_assert_int_eq(run(w, "long.txt", "more than sixteen bytes of text\n", &res),
	                 MG_E_LIMIT_SIZE);
	assert_blocked(&res, MG_E_LIMIT_SIZE, "larger than the worker's output limit of 16");
	mg_result_free(&res);
	ck_assert_int_eq(run(w, "short.txt", "short\n", &res), MG_OK);
	ck_assert_uint_eq(res.out_len, 6);
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

START_TEST(setup_failure_blocks)
{
	mg_policy *p = mg_policy_new();
	mg_worker_limits lim = { 10, 1u << 30, 0, 0, "no-such-user-mugai", 0, 0 };
	mg_worker *w = mg_worker_new(p, &lim);
	mg_worker_set_program(w, MUGAI_WORKER_BUILT);
	mg_result res;

	mg_policy_free(p);
	if (getuid() != 0) {
		mg_worker_free(w);
		return; /* the user is looked up only to drop root */
	}
	ck_assert_int_eq(run(w, "a.txt", "data", &res), MG_E_INTERNAL);
	assert_blocked(&res, MG_E_INTERNAL, "worker setup: sandbox: no-such-user-mugai");
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

START_TEST(child_dies_with_its_parent)
{
	int p[2];
	pid_t mid, child = 0;
	int st;

	ck_assert_int_eq(pipe(p), 0);
	mid = fork();
	if (mid == 0) {
		mg_worker *w = new_worker(30, 0, 1u << 30, 0);
		mg_result res;

		run(w, "a.txt", "data", &res);
		child = mg_worker_pid(w); /* the zygote */
		(void)!write(p[1], &child, sizeof(child));
		_exit(0); /* without mg_worker_free */
	}
	ck_assert_int_eq(read(p[0], &child, sizeof(child)), (ssize_t)sizeof(child));
	ck_assert_int_gt(child, 0);
	waitpid(mid, &st, 0);
	for (int i = 0; i < 100 && kill(child, 0) == 0; i++)
		usleep(20 * 1000);
	ck_assert_int_eq(kill(child, 0), -1);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* An SVG drawn in the sandbox (librsvg, cairo, pango with fontconfig and
 * its font-matching threads, gdk-pixbuf for an embedded PNG, a filter
 * effect on rayon's threads) gives the same PNG as in process: librsvg
 * makes no call the sandbox refuses. */
/* policy pdf across the sandbox: the job asks its service (this process)
 * for LibreOffice on its socket and gets the answer back; here the
 * service finds no soffice (MUGAI_SOFFICE names none), so the job makes
 * the .doc text and says why, and a second item on the same worker is
 * served as usual. */
START_TEST(conversion_asked_of_the_service)
{
	char path[512];
	size_t len;
	unsigned char *doc;
	mg_worker *w;
	mg_input in = { NULL, 0, "a.doc", NULL, NULL, 0 };
	mg_result res;

	snprintf(path, sizeof(path), "%s/office/harmless-clean.doc", CORPUS_DIR);
	doc = tu_read(path, &len);
	in.data = doc;
	in.len = len;
	setenv("MUGAI_SOFFICE", "/nonexistent/soffice", 1);
	w = new_worker(60, 0, 1u << 30, 0);
	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert(tu_contains(res.out, res.out_len, "This is a harmless test document."));
	ck_assert_msg(tu_report_has(&res, "findings", "LibreOffice is not available (LibreOffice "
	                            "(soffice) is not installed)"), "%s", res.report_json);
	mg_result_free(&res);
	ck_assert_int_eq(run(w, "b.txt", "after the conversion\n", &res), MG_OK);
	mg_result_free(&res);
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	mg_worker_free(w);
	unsetenv("MUGAI_SOFFICE");
	free(doc);
}
END_TEST

START_TEST(svg_drawn_in_the_sandbox)
{
	static const char *const svgs[] = {
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"40\">"
		"<rect width=\"40\" height=\"40\" fill=\"red\"/>"
		"<text x=\"45\" y=\"25\" font-family=\"serif\" font-size=\"13\">mugai "
		"\xe7\x84\xa1\xe5\xae\xb3</text></svg>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"60\">"
		"<defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#0f0\"/>"
		"<stop offset=\"1\" stop-color=\"#00f\"/></linearGradient></defs>"
		"<path d=\"M5 5 L55 5 L30 55 Z\" fill=\"url(#g)\" stroke=\"black\"/></svg>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><image "
		"width=\"10\" height=\"10\" href=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
		"CAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC\"/></svg>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"300\">"
		"<filter id=\"b\"><feGaussianBlur stdDeviation=\"8\"/><feOffset dx=\"3\"/></filter>"
		"<circle cx=\"200\" cy=\"150\" r=\"90\" fill=\"blue\" filter=\"url(#b)\"/></svg>",
	};
	mg_worker *w = new_worker(60, 0, 1u << 30, 0);

	for (size_t i = 0; i < sizeof(svgs) / sizeof(svgs[0]); i++) {
		mg_result a, b;

		ck_assert_msg(run(w, "drawing.svg", svgs[i], &a) == MG_OK, "svg %zu: %s", i, a.reason);
		tu_sanitize(svgs[i], strlen(svgs[i]), "drawing.svg", MG_MODE_DEFAULT, &b);
		ck_assert_msg(a.verdict == MG_VERDICT_SANITISED, "svg %zu: %s", i, a.reason);
		ck_assert_str_eq(a.out_type, "image/png");
		ck_assert_msg(a.out_len == b.out_len && memcmp(a.out, b.out, b.out_len) == 0,
		              "svg %zu: another PNG in the sandbox", i);
		mg_result_free(&a);
		mg_result_free(&b);
	}
	ck_assert_uint_eq(mg_worker_restarts(w), 0);
	mg_worker_free(w);
}
END_TEST


/* The one member of a sanitised zip, read without any passphrase: the
 * artefact is not encrypted. */
static char *zip_member(const mg_result *res, const char *want)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *text = NULL;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, res->out, res->out_len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), want) != 0)
			continue;
		ck_assert_int_eq(archive_entry_is_encrypted(e), 0);
		text = calloc(1, 4096);
		ck_assert_int_ge(archive_read_data(a, text, 4095), 0);
	}
	archive_read_free(a);
	ck_assert_msg(text, "%s not in the sanitised zip", want);
	return text;
}

/* A PPAP zip made now with zip -P: blocked as encrypted without
 * candidates, opened in the job process with the right one, and the
 * password is in neither the report nor the artefact. */
START_TEST(candidates_unlock_in_the_sandbox)
{
	static const char pw[] = "Kagi-2024!x";
	const char *wrong[] = { "nope", "Kagi-2024" }, *right[] = { "nope", pw };
	const char *many[MG_WORKER_MAX_PASSWORDS + 1];
	char *tmp = g_dir_make_tmp("mugai-worker-XXXXXX", NULL), *cmd, *path, *member;
	mg_worker *w = new_worker(30, 0, 1u << 30, 0);
	unsigned char *zip;
	size_t len;
	mg_input in;
	mg_result res;
	pid_t job;

	ck_assert_ptr_nonnull(tmp);
	cmd = g_strdup_printf("cd '%s' && printf 'PPAP memo: 会議は10時から\\n' > memo.txt && "
	                      "zip -q -P '%s' ppap.zip memo.txt", tmp, pw);
	ck_assert_int_eq(system(cmd), 0);
	path = g_build_filename(tmp, "ppap.zip", NULL);
	zip = tu_read(path, &len);
	ck_assert_ptr_nonnull(zip);
	in = (mg_input){ zip, len, "ppap.zip", NULL, NULL, 0 };

	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	mg_result_free(&res);
	job = mg_worker_last_job_pid(w);

	ck_assert_int_eq(mg_worker_sanitize_unlock(w, &in, wrong, 2, MG_MODE_DEFAULT, &res),
	                 MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_null(strstr(res.report_json, "Kagi"));
	mg_result_free(&res);

	ck_assert_int_eq(mg_worker_sanitize_unlock(w, &in, right, 2, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert_int_ne(mg_worker_last_job_pid(w), job); /* a job process of its own */
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"password_candidate\": 2"));
	ck_assert_ptr_null(strstr(res.report_json, pw));
	ck_assert_ptr_null(memmem(res.out, res.out_len, pw, strlen(pw)));
	member = zip_member(&res, "memo.txt");
	ck_assert_str_eq(member, "PPAP memo: 会議は10時から\n");
	free(member);
	mg_result_free(&res);

	/* more candidates than a job carries: refused whole, fail closed */
	for (size_t i = 0; i < MG_WORKER_MAX_PASSWORDS + 1; i++)
		many[i] = pw;
	mg_worker_sanitize_unlock(w, &in, many, MG_WORKER_MAX_PASSWORDS + 1, MG_MODE_DEFAULT,
	                          &res);
	assert_blocked(&res, MG_E_LIMIT_COUNT, "candidate passwords refused");
	mg_result_free(&res);
	ck_assert_uint_eq(mg_worker_restarts(w), 0);

	mg_worker_free(w);
	free(zip);
	cmd = (g_free(cmd), g_strdup_printf("rm -rf '%s'", tmp));
	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
	g_free(path);
	g_free(tmp);
}
END_TEST

/* Every corpus file: the same verdict and status through the worker as in
 * process, and the same artefact byte for byte.  The sandbox must not
 * break a family, and a job process, which leaves what it parsed to the
 * kernel (mg_core_set_disposable), must write what the in-process core
 * writes. */
struct corpus_run {
	mg_core *core;
	mg_worker *worker;
	unsigned files, mismatches, sanitised;
	char first[512];
};

static void compare(struct corpus_run *cr, const char *path, const char *name)
{
	size_t len;
	unsigned char *data = tu_read(path, &len);
	/* one item id for both: a mail's artefact names it */
	mg_input in = { data, len, name, NULL, "20240101T000000-cccccccccccc", 0 };
	mg_result a, b;

	mg_sanitize(cr->core, &in, MG_MODE_DEFAULT, &a);
	mg_worker_sanitize(cr->worker, &in, MG_MODE_DEFAULT, &b);
	cr->files++;
	cr->sanitised += b.verdict == MG_VERDICT_SANITISED;
	if (a.verdict != b.verdict || a.status != b.status ||
	    (a.out_type && strcmp(a.out_type, b.out_type ? b.out_type : "") != 0) ||
	    a.out_len != b.out_len || (a.out_len && memcmp(a.out, b.out, a.out_len) != 0)) {
		fprintf(stderr, "corpus mismatch: %s: in process %s (%s), worker %s (%s)\n", path,
		        mg_status_name(a.status), a.reason ? a.reason : "-",
		        mg_status_name(b.status), b.reason ? b.reason : "-");
		if (!cr->mismatches++)
			snprintf(cr->first, sizeof(cr->first), "%s: %s vs %s", name,
			         mg_status_name(a.status), b.reason ? b.reason : mg_status_name(b.status));
	}
	mg_result_free(&a);
	mg_result_free(&b);
	free(data);
}

static void walk(struct corpus_run *cr, const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);

	ck_assert_msg(n >= 0, "cannot read %s", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (list[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
				walk(cr, path);
			else if (S_ISREG(st.st_mode))
				compare(cr, path, list[i]->d_name);
		}
		free(list[i]);
	}
	free(list);
}

START_TEST(corpus_same_verdicts)
{
	mg_policy *p = mg_policy_new();
	mg_worker_limits lim = { 60, 1u << 30, 0, 0, NULL, 0, 0 };
	struct corpus_run cr = { 0 };
	char *err = NULL;

	/* the in-process core has no converter: office documents as text on
	 * both sides (LibreOffice's path is it_office_pdf's) */
	ck_assert_int_eq(mg_policy_set(p, "office", "text", &err), 0);
	cr.core = mg_core_new(p, &err);
	cr.worker = mg_worker_new(p, &lim);
	mg_worker_set_program(cr.worker, MUGAI_WORKER_BUILT);
	mg_policy_free(p);
	ck_assert_ptr_nonnull(cr.core);
	walk(&cr, CORPUS_DIR);
	ck_assert_uint_ge(cr.files, 20);
	printf("corpus: %u files, %u sanitised in the worker; families:", cr.files, cr.sanitised);
	for (size_t i = 0; linked[i]; i++)
		printf(" %s", linked[i]->name);
	printf("\n");
	/* the families that exist must really run in the sandbox */
	ck_assert_uint_ge(cr.sanitised, 10);
	ck_assert_msg(cr.mismatches == 0, "%u of %u corpus files differ, first: %s", cr.mismatches,
	              cr.files, cr.first);
	/* and no file crashed the child */
	ck_assert_uint_eq(mg_worker_restarts(cr.worker), 0);
	mg_worker_free(cr.worker);
	mg_core_free(cr.core);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("sandboxed child");
	TCase *corpus = tcase_create("corpus");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, same_result_as_in_process);
	tcase_add_test(tc, fresh_process_per_item);
	tcase_add_test(tc, spare_job_process_is_fresh);
	tcase_add_test(tc, forbidden_calls_kill_the_child);
	tcase_add_test(tc, crash_fails_closed_and_next_job_works);
	tcase_add_test(tc, reply_then_crash_keeps_the_reply);
	tcase_add_test(tc, zygote_dead_while_idle_is_replaced);
	tcase_add_test(tc, zygote_dead_while_idle_is_counted_at_once);
	tcase_add_test(tc, wall_clock_deadline);
	tcase_add_test(tc, cpu_limit);
	tcase_add_test(tc, memory_limit);
	tcase_add_test(tc, huge_lzma_dictionary_blocks);
	tcase_add_test(tc, no_executable_memory_and_no_inherited_fds);
	tcase_add_test(tc, forged_replies_are_refused);
	tcase_add_test(tc, output_limit);
	tcase_add_test(tc, setup_failure_blocks);
	tcase_add_test(tc, child_dies_with_its_parent);
	tcase_add_test(tc, svg_drawn_in_the_sandbox);
	tcase_add_test(tc, conversion_asked_of_the_service);
	tcase_add_test(tc, candidates_unlock_in_the_sandbox);
	suite_add_tcase(s, tc);
	tcase_set_timeout(corpus, 600);
	tcase_add_test(corpus, corpus_same_verdicts);
	suite_add_tcase(s, corpus);
	return s;
}

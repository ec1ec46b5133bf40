/*
 * check_worker_exec.c - the zygote is mugai-worker, a program of its own,
 * and holds nothing of the service that starts it: not a secret in the
 * service's heap, not libpq's variables, not the service's database and
 * web libraries; neither does a zygote started again after a crash, when
 * a service has worked for a while.  The setup message it is started
 * with carries the banks and limits whole and refuses another build's.
 *
 * The memory is read through /proc/PID/mem, which needs root (as CI
 * runs); without it that part is skipped and said so.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include "worker.h"
#include "worker_proto.h"

/* Whether pid's memory holds needle in a writable mapping: 1 yes, 0 no,
 * -1 the memory could not be read (not root). */
static int memory_holds(pid_t pid, const char *needle)
{
	char path[64], line[512];
	size_t nlen = strlen(needle), cap = 1u << 20;
	unsigned char *buf = malloc(cap + nlen);
	FILE *maps;
	int mem, found = 0, read_any = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	mem = open(path, O_RDONLY);
	ck_assert_ptr_nonnull(buf);
	if (!maps || mem < 0) {
		if (maps)
			fclose(maps);
		if (mem >= 0)
			close(mem);
		free(buf);
		return -1;
	}
	while (!found && fgets(line, sizeof(line), maps)) {
		uintptr_t lo, hi;
		char perms[8];

		/* no heap is 1 GiB here (the job limit); AddressSanitizer's
		 * shadow is terabytes that reading would fill with page tables */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w' || strstr(line, "[vvar") ||
		    hi - lo > ((uintptr_t)1 << 30))
			continue;
		for (uintptr_t at = lo; at < hi && !found; at += cap) {
			size_t want = hi - at < cap + nlen ? hi - at : cap + nlen;
			ssize_t n = pread(mem, buf, want, (off_t)at);

			if (n <= 0)
				break;
			read_any = 1;
			found = memmem(buf, (size_t)n, needle, nlen) != NULL;
		}
	}
	fclose(maps);
	close(mem);
	free(buf);
	return read_any ? found : -1;
}

/* A file of /proc whole (their size reads 0): NUL-terminated, NULL when
 * it cannot be opened. */
static char *read_proc(pid_t pid, const char *what, size_t *len)
{
	char path[64];
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY);
	ck_assert_ptr_nonnull(buf);
	*len = 0;
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + *len, cap - *len - 1)) > 0) {
		*len += (size_t)n;
		if (cap - *len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

static void assert_program(pid_t pid)
{
	char path[64], exe[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_msg(strcmp(strrchr(exe, '/'), "/mugai-worker") == 0, "zygote runs %s", exe);
}

/* Nothing of this process in the zygote pid: not the heap's secret, not
 * PGPASSWORD's, not libpq or SQLite; the rest of the environment kept.
 * Returns whether the memory could be read. */
static bool assert_fresh(pid_t pid, const char *heap_secret, const char *pg_secret)
{
	size_t len;
	char *maps;
	int held;

	assert_program(pid);
	maps = read_proc(pid, "maps", &len);
	ck_assert_ptr_nonnull(maps);
	ck_assert_msg(!strstr(maps, "libpq.so"), "the zygote maps libpq");
	ck_assert_msg(!strstr(maps, "libsqlite3.so"), "the zygote maps SQLite");
	ck_assert_msg(!strstr(maps, "libmicrohttpd.so"), "the zygote maps libmicrohttpd");
	ck_assert_msg(strstr(maps, "libgmime"), "the zygote lacks the core's gmime");
	free(maps);
	held = memory_holds(pid, heap_secret);
	if (held < 0)
		return false;
	ck_assert_msg(held == 0, "the service's secret is in the zygote's memory");
	ck_assert_msg(memory_holds(pid, pg_secret) == 0, "PGPASSWORD reached the zygote");
	ck_assert_msg(memory_holds(pid, "MUGAI_EXEC_TEST=kept") == 1, "the environment was lost");
	return true;
}

/* Until pid, killed, is a zombie (its service reaps it), at most 5 s. */
static void wait_dead(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		size_t len;
		char *stat = read_proc(pid, "stat", &len);
		char *end = stat ? strrchr(stat, ')') : NULL;
		bool zombie = !stat || (end && end[1] == ' ' && end[2] == 'Z');

		free(stat);
		if (zombie)
			return;
		usleep(10 * 1000);
	}
	ck_abort_msg("the zygote %d did not die", (int)pid);
}

static mg_worker *new_worker(void)
{
	mg_policy *p = mg_policy_new();
	mg_worker_limits lim = { 20, 1u << 30, 0, 0, NULL, 0, 0 };
	mg_worker *w = mg_worker_new(p, &lim);

	mg_policy_free(p);
	ck_assert_ptr_nonnull(w);
	mg_worker_set_program(w, MUGAI_WORKER_BUILT);
	return w;
}

static void sanitise_text(mg_worker *w)
{
	static const char text[] = "hello from a fresh program\n";
	mg_input in = { (const unsigned char *)text, sizeof(text) - 1, "a.txt", NULL, NULL, 0 };
	mg_result res;

	mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res);
	ck_assert_msg(res.status == MG_OK, "not sanitised: %s", res.reason);
	ck_assert_uint_eq(res.out_len, sizeof(text) - 1);
	ck_assert(memcmp(res.out, text, res.out_len) == 0);
	mg_result_free(&res);
}

START_TEST(zygote_shares_nothing_with_its_service)
{
	char *secret = malloc(64), pg[64];
	mg_worker *w;
	pid_t first;
	bool read_mem;

	/* made at run time: in no binary, only in this heap and environment */
	snprintf(secret, 64, "service-secret-%d-%ld", (int)getpid(), (long)time(NULL));
	snprintf(pg, sizeof(pg), "pg-secret-%d-%ld", (int)getpid(), (long)time(NULL));
	setenv("PGPASSWORD", pg, 1);
	setenv("MUGAI_EXEC_TEST", "kept", 1);
	ck_assert_int_eq(memory_holds(getpid(), secret), 1); /* the scan sees them here */
	ck_assert_int_eq(memory_holds(getpid(), pg), 1);
	w = new_worker();
	sanitise_text(w);
	first = mg_worker_pid(w);
	read_mem = assert_fresh(first, secret, pg);
	/* replaced after a crash: started as a program again, not forked
	 * from a service that has worked */
	ck_assert_int_eq(kill(first, SIGKILL), 0);
	wait_dead(first);
	sanitise_text(w);
	ck_assert_int_ne(mg_worker_pid(w), first);
	assert_fresh(mg_worker_pid(w), secret, pg);
	if (!read_mem)
		fprintf(stderr, "check_worker_exec: not root, the zygote's memory was not read\n");
	mg_worker_free(w);
	unsetenv("PGPASSWORD");
	free(secret);
}
END_TEST

START_TEST(missing_program_blocks_the_item)
{
	static const char text[] = "data\n";
	mg_input in = { (const unsigned char *)text, sizeof(text) - 1, "a.txt", NULL, NULL, 0 };
	mg_worker *w = new_worker();
	mg_result res;

	mg_worker_set_program(w, "/nonexistent/mugai-worker");
	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_E_INTERNAL);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_msg(strstr(res.reason, "/nonexistent/mugai-worker: No such file or directory"),
	              "reason: %s", res.reason);
	mg_result_free(&res);
	mg_worker_free(w);
}
END_TEST

/* Two banks and every limit through the message and back. */
START_TEST(setup_carries_banks_and_limits)
{
	mg_policy banks[2], *def = mg_policy_new();
	mg_worker_limits lim = { 11, 123u << 20, 7, 4567, "someone", 3, 99 };
	mg_setup s;
	const char *why;
	char *err = NULL;
	int sv[2];

	memcpy(&banks[0], def, sizeof(*def));
	memcpy(&banks[1], def, sizeof(*def));
	mg_policy_free(def);
	ck_assert_int_eq(mg_policy_set(&banks[1], "pdf_dpi", "96", &err), 0);
	snprintf(banks[1].name, sizeof(banks[1].name), "partner");
	banks[1].allow = (const mg_allowlist *)&lim; /* a pointer that must not travel */
	ck_assert_int_eq(mg_ipc_pair(sv), 0);
	ck_assert_int_eq(mg_setup_send(sv[0], banks, 2, &lim), 0);
	ck_assert_int_eq(mg_setup_recv(sv[1], 1000, &s, &why), 0);
	ck_assert_uint_eq(s.nbanks, 2);
	ck_assert_ptr_null(s.banks[1].allow);
	banks[1].allow = NULL;
	ck_assert(memcmp(&s.banks[0], &banks[0], sizeof(banks[0])) == 0);
	ck_assert(memcmp(&s.banks[1], &banks[1], sizeof(banks[1])) == 0);
	ck_assert_uint_eq(s.banks[1].pdf_dpi, 96);
	ck_assert_uint_eq(s.limits.timeout, 11);
	ck_assert_uint_eq(s.limits.memory, 123u << 20);
	ck_assert_uint_eq(s.limits.cpu_seconds, 7);
	ck_assert_uint_eq(s.limits.max_output, 4567);
	ck_assert_str_eq(s.limits.user, "someone");
	ck_assert_uint_eq(s.limits.page_seconds, 3);
	ck_assert_uint_eq(s.limits.max_seconds, 99);
	free(s.banks);
	free(s.user);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A setup from another build (version, policy layout) or cut short is
 * refused with its reason, never read as banks. */
START_TEST(setup_from_another_build_is_refused)
{
	static const char *const versions[] = { "0.0.0-other", NULL };
	mg_setup s;
	const char *why;
	int sv[2];

	for (size_t i = 0; i < 2; i++) {
		mg_msg m;

		ck_assert_int_eq(mg_ipc_pair(sv), 0);
		mg_msg_init(&m, MG_MSG_WORKER_SETUP);
		mg_msg_put_str(&m, versions[i]);
		ck_assert_int_eq(mg_ipc_send(sv[0], &m), 0);
		mg_msg_free(&m);
		ck_assert_int_eq(mg_setup_recv(sv[1], 1000, &s, &why), -1);
		ck_assert_msg(strstr(why, "another version"), "why: %s", why);
		close(sv[0]);
		close(sv[1]);
	}
	/* the right version, another layout of the policy */
	{
		static const unsigned char bytes[sizeof(mg_policy) + 8];
		int fd = mg_memfd_sealed("policy", bytes, sizeof(bytes));
		mg_msg m;

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(mg_ipc_pair(sv), 0);
		mg_msg_init(&m, MG_MSG_WORKER_SETUP);
		mg_msg_put_str(&m, MUGAI_VERSION);
		mg_msg_put_u64(&m, sizeof(bytes));
		mg_msg_put_u32(&m, 1);
		mg_msg_put_u32(&m, 10);      /* timeout */
		mg_msg_put_u64(&m, 1u << 30); /* memory */
		mg_msg_put_u32(&m, 0);       /* cpu_seconds */
		mg_msg_put_u64(&m, 0);       /* max_output */
		mg_msg_put_str(&m, NULL);    /* user */
		mg_msg_put_u32(&m, 0);       /* page_seconds */
		mg_msg_put_u32(&m, 0);       /* max_seconds */
		mg_msg_put_str(&m, "test");  /* log prog */
		mg_msg_put_str(&m, "");      /* log node */
		mg_msg_put_u32(&m, 1);       /* log level */
		mg_msg_put_fd(&m, fd);
		ck_assert_int_eq(mg_ipc_send(sv[0], &m), 0);
		mg_msg_free(&m);
		close(fd);
		ck_assert_int_eq(mg_setup_recv(sv[1], 1000, &s, &why), -1);
		ck_assert_msg(strstr(why, "another layout"), "why: %s", why);
		close(sv[0]);
		close(sv[1]);
	}
	/* nothing sent: the service closed */
	ck_assert_int_eq(mg_ipc_pair(sv), 0);
	close(sv[0]);
	ck_assert_int_eq(mg_setup_recv(sv[1], 1000, &s, &why), -1);
	ck_assert_msg(strstr(why, "closed"), "why: %s", why);
	close(sv[1]);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("worker_exec");
	TCase *tc = tcase_create("zygote program");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, zygote_shares_nothing_with_its_service);
	tcase_add_test(tc, missing_program_blocks_the_item);
	tcase_add_test(tc, setup_carries_banks_and_limits);
	tcase_add_test(tc, setup_from_another_build_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

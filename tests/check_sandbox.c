/*
 * check_sandbox.c - each restriction of mg_sandbox_enter() proved in a
 * forked child: what is forbidden kills it with SIGSYS (or fails with the
 * documented errno), what a filter needs still works.
 */
#include <check.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "testutil.h"

/* What the child does once confined; its return value is its exit code. */
typedef int (*probe)(void);

static int sock_pair[2];
static const char *scratch = "/tmp/mugai-sandbox-probe";

/* Runs fn in a sandboxed child; returns the wait status. */
static int confined(probe fn, uint64_t memory, unsigned cpu, uint64_t fsize)
{
	int status;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock_pair), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mg_sandbox sb = { memory, cpu, fsize, 0, NULL, sock_pair[1] };
		char err[256];

		if (mg_sandbox_enter(&sb, err, sizeof(err)) < 0) {
			fprintf(stderr, "sandbox: %s\n", err);
			_exit(100);
		}
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(sock_pair[0]);
	close(sock_pair[1]);
	return status;
}

#define ck_killed_by(st, sig)                                                          \
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == (sig),                        \
	              "expected signal %d, got %s %d", (sig),                          \
	              WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) \
	                                                                 : WEXITSTATUS(st))
#define ck_exited(st, code)                                                            \
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == (code),                      \
	              "expected exit %d, got %s %d", (code),                           \
	              WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) \
	                                                                 : WEXITSTATUS(st))

static int p_nothing(void) { return 7; }
static int p_socket(void) { return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1; }
static int p_unix_socket(void) { return socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1; }
static int p_exec(void)
{
	char *const argv[] = { NULL };

	execve("/bin/true", argv, argv);
	return 1;
}
static int p_fork(void) { return fork() >= 0 ? 0 : 1; }
static void *thread_body(void *arg) { return arg; }
/* a thread (pango and librsvg start some), joined */
static int p_thread(void)
{
	static int token;
	pthread_t t;
	void *ret = NULL;

	if (pthread_create(&t, NULL, thread_body, &token) != 0 || pthread_join(t, &ret) != 0)
		return 1;
	return ret == &token ? 0 : 2;
}
static int p_ptrace(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : 1; }
static int p_kill_parent(void) { return kill(getppid(), SIGCONT) == 0 ? 0 : 1; }
static int p_write_file(void) { return open(scratch, O_WRONLY | O_CREAT, 0600) >= 0 ? 0 : 1; }
static int p_rdwr_file(void) { return open("/etc/hostname", O_RDWR) >= 0 ? 0 : 1; }
static int p_append_file(void)
{
	return openat(AT_FDCWD, "/etc/hostname", O_WRONLY | O_APPEND) >= 0 ? 0 : 1;
}
static int p_tmpfile(void) { return open("/tmp", O_TMPFILE | O_WRONLY, 0600) >= 0 ? 0 : 1; }
static int p_setuid(void) { return setuid(0) == 0 ? 0 : 1; }

static int p_read_file(void)
{
	char buf[16];
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	return fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) && close(fd) == 0
	       ? 0 : 1;
}

static int p_sendmsg_other(void)
{
	char b = 0;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	/* the peer end is a socket too, but not the job socket */
	return sendmsg(sock_pair[0], &mh, 0) >= 0 ? 0 : 1;
}

static int p_sendmsg_job(void)
{
	char b = 0;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return sendmsg(sock_pair[1], &mh, MSG_NOSIGNAL) == 1 ? 0 : 1;
}

static int p_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED && errno == EACCES ? 0 : 1;
}

static int p_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	return mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 && errno == EACCES ? 0 : 1;
}

/* memfds are how artefacts leave: allowed, sealable, bounded by RLIMIT_FSIZE */
static int p_memfd(void)
{
	static char block[8192];
	int fd = memfd_create("probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	signal(SIGXFSZ, SIG_IGN); /* as the worker does: EFBIG instead of death */
	if (fd < 0 || write(fd, block, 4096) != 4096)
		return 1;
	/* only what fits under the 8 KiB limit is written */
	if (write(fd, block, sizeof(block)) != 4096)
		return 2;
	if (write(fd, block, 1) != -1 || errno != EFBIG)
		return 3;
	if (ftruncate(fd, 1 << 20) == 0)
		return 4;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK) < 0)
		return 5;
	return 0;
}

static int p_status(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (n <= 0)
		return 1;
	buf[n] = 0;
	if (!strstr(buf, "NoNewPrivs:\t1"))
		return 2;
	if (!strstr(buf, "Seccomp:\t2"))
		return 3;
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
		return 4;
	return 0;
}

static int p_limits(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_max != 0)
		return 2;
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_max != 8192)
		return 3;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max != 64)
		return 4;
	return 0;
}

/* the limits are final */
static int p_raise_fsize(void)
{
	struct rlimit rl = { 8192, 8192 };

	return setrlimit(RLIMIT_FSIZE, &rl) == 0 ? 0 : 1;
}

#ifndef UNDER_ASAN
static int p_memory(void)
{
	/* 512 MiB against a 256 MiB address space */
	void *p = malloc(512u << 20);

	return p == NULL ? 0 : 1;
}
#endif

static int p_cpu(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
	return 1;
}

/* The zygote stage: it may fork (and nothing else may it do that the
 * strict stage forbids but waiting, socketpairs and confining a child);
 * each child confines itself further. */
static int zygote_probe = 0;
/* the zygote compiles the job filter once (mg_sandbox_prepare_job) */
static int zygote_prepares = 0;

static int in_job(void)
{
	mg_sandbox sb = { 0, 1, 8192, 0, NULL, sock_pair[1] };
	char err[256];

	if (mg_sandbox_enter_job(&sb, err, sizeof(err)) < 0)
		return 100;
	switch (zygote_probe) {
	case 1: return p_fork();
	case 2: return p_socket();
	case 3: return p_cpu();
	case 4: return p_sendmsg_job();
	case 5: return kill(getpid(), 0) == 0 ? 0 : 1;
	case 6: return p_kill_parent();
	case 7: return p_exec();
	default: return 7;
	}
}

static int p_zygote(void)
{
	int st, sv[2];
	pid_t pid;

	/* what the zygote itself may do */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return 90;
	close(sv[0]);
	close(sv[1]);
	pid = fork();
	if (pid < 0)
		return 91;
	if (pid == 0)
		_exit(in_job());
	if (waitpid(pid, &st, 0) != pid)
		return 92;
	/* report the job's end as our exit: signal n -> 128 + n */
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* Runs fn in a child confined as a zygote; returns the wait status. */
static int as_zygote(probe fn)
{
	int status;
	pid_t pid;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock_pair), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		mg_sandbox sb = { 0, 0, 8192, 0, NULL, -1 };
		char err[256];

		if (zygote_prepares && mg_sandbox_prepare_job(sock_pair[1], err, sizeof(err)) < 0) {
			fprintf(stderr, "prepare: %s\n", err);
			_exit(101);
		}
		if (mg_sandbox_enter_zygote(&sb, err, sizeof(err)) < 0) {
			fprintf(stderr, "zygote: %s\n", err);
			_exit(100);
		}
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(sock_pair[0]);
	close(sock_pair[1]);
	return status;
}

#if defined(__x86_64__)
/* The i386 entry point on x86-64: another syscall numbering, killed. */
static int p_other_arch(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
	return ret > 0 ? 0 : 1;
}
#endif

START_TEST(baseline_runs)
{
	ck_exited(confined(p_nothing, 0, 0, 8192), 7);
	ck_exited(confined(p_read_file, 0, 0, 8192), 0);
	ck_exited(confined(p_sendmsg_job, 0, 0, 8192), 0);
	ck_exited(confined(p_status, 0, 0, 8192), 0);
	ck_exited(confined(p_limits, 0, 0, 8192), 0);
	ck_exited(confined(p_thread, 0, 0, 8192), 0);
}
END_TEST

START_TEST(network_is_forbidden)
{
	ck_killed_by(confined(p_socket, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_unix_socket, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_sendmsg_other, 0, 0, 8192), SIGSYS);
}
END_TEST

START_TEST(processes_are_forbidden)
{
	ck_killed_by(confined(p_exec, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_fork, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_ptrace, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_kill_parent, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_setuid, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_raise_fsize, 0, 0, 8192), SIGSYS);
}
END_TEST

START_TEST(writing_files_is_forbidden)
{
	unlink(scratch);
	ck_killed_by(confined(p_write_file, 0, 0, 8192), SIGSYS);
	ck_assert_int_eq(access(scratch, F_OK), -1);
	ck_killed_by(confined(p_rdwr_file, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_append_file, 0, 0, 8192), SIGSYS);
	ck_killed_by(confined(p_tmpfile, 0, 0, 8192), SIGSYS);
}
END_TEST

START_TEST(no_executable_memory)
{
	ck_exited(confined(p_mmap_exec, 0, 0, 8192), 0);
	ck_exited(confined(p_mprotect_exec, 0, 0, 8192), 0);
}
END_TEST

START_TEST(memfd_bounded_by_fsize)
{
	ck_exited(confined(p_memfd, 0, 0, 8192), 0);
}
END_TEST

START_TEST(memory_limit)
{
#ifdef UNDER_ASAN
	/* ASan's shadow memory rules out RLIMIT_AS: the limit is not applied */
	ck_exited(confined(p_nothing, 256u << 20, 0, 8192), 7);
#else
	ck_exited(confined(p_memory, 256u << 20, 0, 8192), 0);
	ck_exited(confined(p_memory, 0, 0, 8192), 1);
#endif
}
END_TEST

START_TEST(cpu_limit)
{
	ck_killed_by(confined(p_cpu, 0, 1, 8192), SIGXCPU);
}
END_TEST

START_TEST(zygote_and_job_stages)
{
	/* the zygote forks; its child runs confined */
	zygote_probe = 0;
	ck_exited(as_zygote(p_zygote), 7);
	zygote_probe = 4;
	ck_exited(as_zygote(p_zygote), 0);
	/* a job process may not fork, open sockets, or run past its CPU time */
	zygote_probe = 1;
	ck_exited(as_zygote(p_zygote), 128 + SIGSYS);
	zygote_probe = 2;
	ck_exited(as_zygote(p_zygote), 128 + SIGSYS);
	zygote_probe = 3;
	ck_exited(as_zygote(p_zygote), 128 + SIGXCPU);
	/* the zygote itself: no network, no exec, no writing files */
	ck_killed_by(as_zygote(p_socket), SIGSYS);
	ck_killed_by(as_zygote(p_exec), SIGSYS);
	ck_killed_by(as_zygote(p_write_file), SIGSYS);
	ck_killed_by(as_zygote(p_ptrace), SIGSYS);
	ck_exited(as_zygote(p_mmap_exec), 0);
}
END_TEST

/* The job filter compiled once in the zygote is the job filter: the same
 * calls pass and die, and the pid each job may signal is its own. */
START_TEST(prepared_job_filter)
{
	static const struct { int probe, status; } cases[] = {
		{ 0, 7 },
		{ 1, 128 + SIGSYS }, /* fork */
		{ 2, 128 + SIGSYS }, /* a socket */
		{ 3, 128 + SIGXCPU },
		{ 4, 0 },            /* sendmsg on its own socket */
		{ 5, 0 },            /* a signal to itself */
		{ 6, 128 + SIGSYS }, /* a signal to the zygote */
		{ 7, 128 + SIGSYS }, /* exec */
	};

	for (zygote_prepares = 0; zygote_prepares <= 1; zygote_prepares++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			zygote_probe = cases[i].probe;
			ck_exited(as_zygote(p_zygote), cases[i].status);
		}
	zygote_prepares = 0;
}
END_TEST

/* A probe in a plain child, outside any sandbox. */
static int unconfined(probe fn)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(architecture_checked)
{
#if defined(__x86_64__)
	/* A kernel without the i386 entry (ia32_emulation=0, or a PVM guest)
	 * refuses int 0x80 to every process with SIGSEGV (under ASan, an
	 * exit): there is no other architecture to filter. */
	int plain = unconfined(p_other_arch);

	if (!WIFEXITED(plain) || WEXITSTATUS(plain) != 0) {
		fprintf(stderr, "check_sandbox: no i386 system calls on this kernel\n");
		return;
	}
	ck_killed_by(confined(p_other_arch, 0, 0, 8192), SIGSYS);
#endif
}
END_TEST

START_TEST(privilege_drop)
{
	char err[256];
	pid_t pid;
	int st;

	if (getuid() != 0)
		return; /* nothing to drop */
	pid = fork();
	if (pid == 0) {
		uid_t r, e, s;

		if (mg_sandbox_drop_to("no-such-user-mugai", err, sizeof(err)) == 0)
			_exit(1);
		if (!strstr(err, "no-such-user-mugai"))
			_exit(2);
		if (mg_sandbox_drop_to("root", err, sizeof(err)) == 0 || !strstr(err, "root"))
			_exit(3);
		if (mg_sandbox_drop_to(NULL, err, sizeof(err)) < 0)
			_exit(4);
		getresuid(&r, &e, &s);
		_exit(r && e && s && setuid(0) < 0 && setgid(0) < 0 ? 0 : 5);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_exited(st, 0);
}
END_TEST

START_TEST(signal_causes)
{
	ck_assert_str_eq(mg_sandbox_signal_cause(SIGSYS), "SIGSYS: forbidden system call");
	ck_assert_str_eq(mg_sandbox_signal_cause(SIGXCPU), "SIGXCPU: CPU time limit");
	ck_assert_ptr_nonnull(strstr(mg_sandbox_signal_cause(SIGSEGV), "SIGSEGV"));
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("restrictions");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, baseline_runs);
	tcase_add_test(tc, network_is_forbidden);
	tcase_add_test(tc, processes_are_forbidden);
	tcase_add_test(tc, writing_files_is_forbidden);
	tcase_add_test(tc, no_executable_memory);
	tcase_add_test(tc, memfd_bounded_by_fsize);
	tcase_add_test(tc, memory_limit);
	tcase_add_test(tc, cpu_limit);
	tcase_add_test(tc, zygote_and_job_stages);
	tcase_add_test(tc, prepared_job_filter);
	tcase_add_test(tc, architecture_checked);
	tcase_add_test(tc, privilege_drop);
	tcase_add_test(tc, signal_causes);
	suite_add_tcase(s, tc);
	return s;
}

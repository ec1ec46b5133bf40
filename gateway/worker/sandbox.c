/*
 * sandbox.c - rlimits, privilege drop, no-new-privs and a seccomp
 * allow-list for the worker child.
 *
 * The allow-list was found by running every filter family over the test
 * corpus under the filter (build with -DMUGAI_SANDBOX_DEBUG to trap and
 * print a forbidden call instead of dying silently).  Everything a filter
 * loads lazily from disk (iconv modules, fonts, poppler's data) is either
 * loaded before the sandbox (worker.c's warm-up) or read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_prepared.h"

/* Calls needed by glibc, glib, poppler, cairo, libarchive, libxml2,
 * gmime and the memfd handoff; none of them reaches outside the process. */
static const char *const allowed[] = {
	"read", "readv", "pread64", "write", "writev", "pwrite64", "close",
	"fstat", "newfstatat", "statx", "stat", "lstat", "lseek",
	"brk", "munmap", "mremap", "madvise", "futex",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
	"getrandom", "exit", "exit_group", "restart_syscall",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	"memfd_create", "ftruncate", "getdents64",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getrusage",
	"uname", "sched_yield", "sched_getaffinity", "sysinfo",
	"readlink", "readlinkat", "access", "faccessat", "faccessat2",
	"dup", "poll", "ppoll", "set_robust_list", "rseq",
	"getsockname", "getpeername", /* glib asks whether stderr is the journal */
};

static int errf(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -1;
}

const char *mg_sandbox_default_user(void)
{
	return getpwnam("mugai") ? "mugai" : "nobody";
}

int mg_sandbox_drop_to(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getuid() != 0 && geteuid() != 0)
		return 0;
	if (!user || !*user)
		user = mg_sandbox_default_user();
	errno = 0;
	pw = getpwnam(user);
	if (!pw)
		return errf(err, errlen, user, errno ? errno : ENOENT);
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "refusing to run as %s: it is root", user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0)
		return errf(err, errlen, "setgroups", errno);
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0)
		return errf(err, errlen, "setresgid", errno);
	if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return errf(err, errlen, "setresuid", errno);
	/* a drop that can be undone is no drop */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != pw->pw_uid || eu != pw->pw_uid || su != pw->pw_uid ||
	    rg != pw->pw_gid || eg != pw->pw_gid || sg != pw->pw_gid || setuid(0) == 0) {
		snprintf(err, errlen, "privileges of %s not dropped for good", user);
		return -1;
	}
	return 0;
}

static int limit(int resource, rlim_t cur, rlim_t max)
{
	struct rlimit rl = { cur, max };

	return setrlimit(resource, &rl);
}

/* What every stage shares: memory, output size, descriptors, no cores. */
static int set_limits(const mg_sandbox *sb, char *err, size_t errlen)
{
	rlim_t nofile = sb->nofile ? sb->nofile : 64;

#ifndef UNDER_ASAN
	/* ASan reserves terabytes of shadow address space: no RLIMIT_AS there */
	if (sb->memory && limit(RLIMIT_AS, sb->memory, sb->memory) < 0)
		return errf(err, errlen, "RLIMIT_AS", errno);
#endif
	/* memfd writes count against RLIMIT_FSIZE: it bounds artefact and report */
	if (limit(RLIMIT_FSIZE, sb->fsize, sb->fsize) < 0)
		return errf(err, errlen, "RLIMIT_FSIZE", errno);
	if (limit(RLIMIT_NOFILE, nofile, nofile) < 0)
		return errf(err, errlen, "RLIMIT_NOFILE", errno);
	if (limit(RLIMIT_CORE, 0, 0) < 0)
		return errf(err, errlen, "RLIMIT_CORE", errno);
	return 0;
}

/* What only the process that parses gets: its CPU time (counted from its
 * fork).  No RLIMIT_NPROC: it would refuse threads as well, which pango
 * (a font match per new font) and librsvg (filter effects) start and
 * abort without; processes stay impossible through the filter, which
 * kills fork, vfork and any clone without CLONE_THREAD (and a thread
 * shares this process's memory, limits and filter). */
static int set_job_limits(const mg_sandbox *sb, char *err, size_t errlen)
{
	/* SIGXCPU at the soft limit, SIGKILL a second later */
	if (sb->cpu_seconds && limit(RLIMIT_CPU, sb->cpu_seconds, sb->cpu_seconds + 1) < 0)
		return errf(err, errlen, "RLIMIT_CPU", errno);
	return 0;
}

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
               const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	/* a call this architecture does not have needs no rule */
	if (nr == __NR_SCMP_ERROR || nr < 0)
		return 0;
	return seccomp_rule_add_array(ctx, action, nr, n, args);
}

/* argument i equals v; argument i with mask applied equals v */
#define ARG_EQ(i, v) ((struct scmp_arg_cmp){ (i), SCMP_CMP_EQ, (uint64_t)(v), 0 })
#define ARG_MASK(i, mask, v) ((struct scmp_arg_cmp){ (i), SCMP_CMP_MASKED_EQ, (mask), (v) })

enum stage { STRICT, ZYGOTE };

/* Calls allowed only with some arguments. */
static int add_argument_rules(scmp_filter_ctx ctx, enum stage stage, int sock, uint64_t self)
{
	const uint64_t write_flags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND |
	                             (O_TMPFILE & ~O_DIRECTORY);
	struct scmp_arg_cmp a[2];
	int rc = 0;

	/* files: read-only opens only */
	a[0] = ARG_MASK(1, write_flags, 0);
	rc |= add(ctx, SCMP_ACT_ALLOW, "open", 1, a);
	a[0] = ARG_MASK(2, write_flags, 0);
	rc |= add(ctx, SCMP_ACT_ALLOW, "openat", 1, a);
	rc |= add(ctx, SCMP_ACT_ERRNO(ENOSYS), "openat2", 0, NULL);
	/* memory: never executable */
	a[0] = ARG_MASK(2, PROT_EXEC, 0);
	rc |= add(ctx, SCMP_ACT_ALLOW, "mmap", 1, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "mprotect", 1, a);
	a[0] = ARG_MASK(2, PROT_EXEC, PROT_EXEC);
	rc |= add(ctx, SCMP_ACT_ERRNO(EACCES), "mmap", 1, a);
	rc |= add(ctx, SCMP_ACT_ERRNO(EACCES), "mprotect", 1, a);
	rc |= add(ctx, SCMP_ACT_ERRNO(ENOSYS), "pkey_mprotect", 0, NULL);
	/* the job socket only */
	a[0] = ARG_EQ(0, (uint64_t)sock);
	rc |= add(ctx, SCMP_ACT_ALLOW, "sendmsg", stage == STRICT ? 1 : 0, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "recvmsg", stage == STRICT ? 1 : 0, a);
	/* descriptor flags and memfd seals; no F_SETOWN (signals to others) */
	static const int fcntl_cmds[] = { F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC,
	                                  F_ADD_SEALS, F_GET_SEALS };
	for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++) {
		a[0] = ARG_EQ(1, (uint64_t)fcntl_cmds[i]);
		rc |= add(ctx, SCMP_ACT_ALLOW, "fcntl", 1, a);
	}
	/* isatty() */
	a[0] = ARG_EQ(1, (uint64_t)TCGETS);
	rc |= add(ctx, SCMP_ACT_ALLOW, "ioctl", 1, a);
	/* limits: read any, change none */
	a[0] = ARG_EQ(0, 0);
	a[1] = ARG_EQ(2, 0);
	rc |= add(ctx, SCMP_ACT_ALLOW, "prlimit64", 2, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "getrlimit", 0, NULL);
	/* signals to itself only: raise(), abort().  The zygote's filter
	 * cannot know its children's pids: there the job's own filter,
	 * stacked on it, is what restricts them */
	a[0] = ARG_EQ(0, self);
	rc |= add(ctx, SCMP_ACT_ALLOW, "kill", stage == STRICT ? 1 : 0, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "tgkill", stage == STRICT ? 1 : 0, a);
	/* threads may be asked for, never processes.  clone3's flags cannot
	 * be inspected: glibc falls back */
	a[0] = ARG_MASK(0, CLONE_THREAD, CLONE_THREAD);
	rc |= add(ctx, SCMP_ACT_ALLOW, "clone", 1, a);
	rc |= add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	return rc ? -1 : 0;
}

/* The zygote never parses: it forks one job process per item, hands it a
 * socket, waits for it.  Before its own filter a job process moves its
 * socket, sets its limits and loads that filter. */
static int add_zygote_rules(scmp_filter_ctx ctx)
{
	const uint64_t fork_flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD;
	struct scmp_arg_cmp a[2];
	int rc = 0;

	a[0] = ARG_EQ(0, fork_flags); /* fork(), nothing else: no namespaces, no vm sharing */
	rc |= add(ctx, SCMP_ACT_ALLOW, "clone", 1, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "wait4", 0, NULL);
	a[0] = ARG_EQ(0, AF_UNIX);
	rc |= add(ctx, SCMP_ACT_ALLOW, "socketpair", 1, a);
	rc |= add(ctx, SCMP_ACT_ALLOW, "dup2", 0, NULL);
	rc |= add(ctx, SCMP_ACT_ALLOW, "dup3", 0, NULL);
	rc |= add(ctx, SCMP_ACT_ALLOW, "getppid", 0, NULL);
	a[0] = ARG_EQ(0, PR_SET_PDEATHSIG);
	rc |= add(ctx, SCMP_ACT_ALLOW, "prctl", 1, a);
	/* libseccomp sets no-new-privs again before loading a filter */
	a[0] = ARG_EQ(0, PR_SET_NO_NEW_PRIVS);
	rc |= add(ctx, SCMP_ACT_ALLOW, "prctl", 1, a);
	a[0] = ARG_EQ(0, PR_GET_NO_NEW_PRIVS);
	rc |= add(ctx, SCMP_ACT_ALLOW, "prctl", 1, a);
	a[0] = ARG_EQ(0, 0);
	a[1] = ARG_EQ(1, RLIMIT_CPU);
	rc |= add(ctx, SCMP_ACT_ALLOW, "prlimit64", 2, a);
	/* adding a filter only ever takes rights away */
	rc |= add(ctx, SCMP_ACT_ALLOW, "seccomp", 0, NULL);
	return rc ? -1 : 0;
}

#ifdef MUGAI_SANDBOX_DEBUG
/* Development only: name the forbidden call instead of dying silently. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "sandbox: forbidden system call %d\n", si->si_syscall);

	(void)!write(STDERR_FILENO, msg, (size_t)n);
	_exit(128 + sig);
}
#define DEFAULT_ACTION SCMP_ACT_TRAP
#else
#define DEFAULT_ACTION SCMP_ACT_KILL_PROCESS
#endif

/* The filter of a stage, built (not loaded): NULL with err filled. */
static scmp_filter_ctx build_filter(enum stage stage, int sock, uint64_t self, char *err,
                                    size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(DEFAULT_ACTION);

	if (!ctx) {
		errf(err, errlen, "seccomp_init", ENOMEM);
		return NULL;
	}
	/* another architecture's numbering (x32, i386 on x86-64) is killed */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0) {
		errf(err, errlen, "seccomp_attr_set", EINVAL);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL) < 0) {
			snprintf(err, errlen, "seccomp rule for %s failed", allowed[i]);
			goto fail;
		}
	if (add_argument_rules(ctx, stage, sock, self) < 0 ||
	    (stage == ZYGOTE && add_zygote_rules(ctx) < 0)) {
		snprintf(err, errlen, "seccomp argument rules failed");
		goto fail;
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

static void trap_sigsys(void)
{
#ifdef MUGAI_SANDBOX_DEBUG
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	sigaction(SIGSYS, &sa, NULL);
#endif
}

static int load_filter(enum stage stage, int sock, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = build_filter(stage, sock, (uint64_t)getpid(), err, errlen);
	int rc;

	if (!ctx)
		return -1;
	trap_sigsys();
	rc = seccomp_load(ctx);
	if (rc < 0)
		errf(err, errlen, "seccomp_load", -rc);
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}

/* Limits, the drop, no new privileges, not dumpable: every stage's base. */
static int confine(const mg_sandbox *sb, char *err, size_t errlen)
{
	if (set_limits(sb, err, errlen) < 0)
		return -1;
	if (mg_sandbox_drop_to(sb->user, err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errf(err, errlen, "PR_SET_NO_NEW_PRIVS", errno);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return errf(err, errlen, "PR_SET_DUMPABLE", errno);
	return 0;
}

int mg_sandbox_enter(const mg_sandbox *sb, char *err, size_t errlen)
{
	if (confine(sb, err, errlen) < 0 || set_job_limits(sb, err, errlen) < 0)
		return -1;
	return load_filter(STRICT, sb->sock, err, errlen);
}

int mg_sandbox_enter_zygote(const mg_sandbox *sb, char *err, size_t errlen)
{
	if (confine(sb, err, errlen) < 0)
		return -1;
	return load_filter(ZYGOTE, -1, err, errlen);
}

int mg_sandbox_prepare_job(int sock, char *err, size_t errlen)
{
	const uint64_t check_pid = MG_JOB_FILTER_SELF - 1;
	scmp_filter_ctx ctx = build_filter(STRICT, sock, MG_JOB_FILTER_SELF, err, errlen);
	scmp_filter_ctx check = ctx ? build_filter(STRICT, sock, check_pid, err, errlen) : NULL;
	int rc = check ? mg_job_filter_keep(ctx, check, (__u32)check_pid, sock, err, errlen) : -1;

	if (check)
		seccomp_release(check);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

int mg_sandbox_enter_job(const mg_sandbox *sb, char *err, size_t errlen)
{
	if (set_job_limits(sb, err, errlen) < 0)
		return -1;
	if (mg_job_filter_ready(sb->sock)) {
		trap_sigsys();
		return mg_job_filter_load(err, errlen);
	}
	return load_filter(STRICT, sb->sock, err, errlen);
}

const char *mg_sandbox_signal_cause(int sig)
{
	switch (sig) {
	case SIGSYS: return "SIGSYS: forbidden system call";
	case SIGXCPU: return "SIGXCPU: CPU time limit";
	case SIGXFSZ: return "SIGXFSZ: output size limit";
	case SIGSEGV: return "SIGSEGV: invalid memory access";
	case SIGBUS: return "SIGBUS: bad memory access";
	case SIGABRT: return "SIGABRT: aborted, e.g. out of memory";
	case SIGTRAP: return "SIGTRAP: library assertion, e.g. out of memory";
	case SIGFPE: return "SIGFPE: arithmetic error";
	case SIGILL: return "SIGILL: illegal instruction";
	case SIGKILL: return "SIGKILL: killed, e.g. by the kernel out of memory";
	case SIGTERM: return "SIGTERM: terminated";
	default: return strsignal(sig);
	}
}

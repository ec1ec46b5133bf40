/*
 * sandbox.h - what confines a worker child (openssh's sandbox-seccomp-filter
 * shape: one call in the child, after everything it needs is loaded).
 *
 * mg_sandbox_enter() applies, in this order and each step checked:
 *   1. resource limits: RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE (the
 *      largest memfd the child may write: artefact and report), a small
 *      RLIMIT_NOFILE and RLIMIT_CORE 0;
 *   2. when root: the drop to an unprivileged user (mg_sandbox_drop_to);
 *   3. PR_SET_NO_NEW_PRIVS and PR_SET_DUMPABLE 0 (siblings running as the
 *      same user cannot read this one's memory through /proc);
 *   4. a seccomp allow-list that checks the architecture; anything not
 *      listed kills the process (SIGSYS).  No sockets, no exec, no new
 *      processes (threads only: clone with CLONE_THREAD), no ptrace, no signals to other processes, files opened
 *      read-only only, sendmsg/recvmsg only on the job socket, no memory
 *      mapped executable (refused with EACCES, so a library that would
 *      dlopen a module degrades instead of dying).
 */
#ifndef MUGAI_SANDBOX_H
#define MUGAI_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* UNDER_ASAN: built with AddressSanitizer (gcc or clang).  Its shadow
 * memory takes terabytes of address space, so the sandbox sets no
 * RLIMIT_AS there; the worker's tests ask it too. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

typedef struct mg_sandbox {
	uint64_t memory;      /* RLIMIT_AS in bytes; 0: none */
	unsigned cpu_seconds; /* RLIMIT_CPU of the process that parses; 0: none */
	uint64_t fsize;       /* RLIMIT_FSIZE in bytes */
	unsigned nofile;      /* RLIMIT_NOFILE; 0: 64 */
	const char *user;     /* when root: drop to this user; NULL: the default */
	int sock;             /* the only socket the parsing process may use */
} mg_sandbox;

/* The unprivileged user a root process drops to when none is configured:
 * "mugai" when that user exists, else "nobody". */
const char *mg_sandbox_default_user(void);

/* When the real or effective uid is 0: setgroups, setresgid, setresuid to
 * user (OpenSMTPD's order), then checks that root cannot be regained.  A
 * no-op for any other uid.  0, or -1 with a message in err. */
int mg_sandbox_drop_to(const char *user, char *err, size_t errlen);

/* Confines the calling process for good, all steps at once.  0, or -1
 * with a message in err (the caller must then exit: it is half-confined). */
int mg_sandbox_enter(const mg_sandbox *sb, char *err, size_t errlen);

/* The same in two stages, for a zygote that forks one process per item:
 *   mg_sandbox_enter_zygote()  steps 1-4 without the CPU and process
 *       limits, and a filter that also allows fork() (no other clone),
 *       waiting for children, AF_UNIX socketpairs, and what a child needs
 *       to confine itself further; it never parses an item;
 *   mg_sandbox_enter_job()  in each forked child: RLIMIT_CPU (counted from
 *       the fork) and the strict filter of
 *       mg_sandbox_enter() on top (filters stack: only ever stricter). */
int mg_sandbox_enter_zygote(const mg_sandbox *sb, char *err, size_t errlen);
int mg_sandbox_enter_job(const mg_sandbox *sb, char *err, size_t errlen);
/* In the zygote: the job stage's filter for jobs whose socket is sock,
 * compiled now, so that mg_sandbox_enter_job() in each child only loads
 * it (the same filter as compiling it there).  0, or -1 with err: jobs
 * then compile their own. */
int mg_sandbox_prepare_job(int sock, char *err, size_t errlen);

/* A name for a signal that killed a worker, with the likely cause:
 * "SIGSYS: forbidden system call", "SIGXCPU: CPU time limit" ... */
const char *mg_sandbox_signal_cause(int sig);

#endif

/*
 * worker.h - sanitising in a sandboxed child process.
 *
 * A service process (smtpd, dropd, the CLI) owns one worker: the only
 * processes that parse untrusted bytes.  The worker is a zygote, forked
 * from the service and warmed up once, that forks a fresh job process for
 * every item; both run with no privileges, rlimits and a seccomp
 * allow-list, the job process with a stricter one (no processes at all),
 * so nothing an item does survives it.  The service hands a job over as
 * file descriptors and enforces a wall-clock deadline.  The interface is
 * mg_sanitize()'s: same input, same result.  A job that crashes, is killed
 * by its filter or overruns fails closed (MG_VERDICT_BLOCKED,
 * MG_E_INTERNAL or MG_E_LIMIT_TIME, with the reason); a zygote that dies
 * is replaced on the next job.
 *
 * The worker is forked, not exec'ed: it starts with a copy of the
 * service's memory.  Start it (mg_worker_start) before loading secrets.
 * The owning process must not ignore SIGCHLD (the worker reaps its own
 * children with waitpid) and should fork it while single-threaded.
 */
#ifndef MUGAI_WORKER_H
#define MUGAI_WORKER_H

#include <stdint.h>
#include <sys/types.h>

#include "mugai.h"

typedef struct mg_worker mg_worker;

typedef struct mg_worker_limits {
	unsigned timeout;         /* wall-clock seconds of one job */
	uint64_t memory;          /* address-space limit, bytes */
	unsigned cpu_seconds;     /* RLIMIT_CPU of one job; 0 = timeout */
	uint64_t max_output;      /* largest artefact accepted back; 0 = the policy's */
	const char *user;         /* when root: the user the child drops to; NULL = mugai or nobody */
	/* deadlines that follow progress (mg_pace): timeout is the base,
	 * each page or member the job reports gets page_seconds, the whole
	 * job at most max_seconds; 0 = the policy's page_seconds, max_time */
	unsigned page_seconds;
	unsigned max_seconds;
} mg_worker_limits;

/* Prepares a worker (the child is started lazily on the first job, and
 * again after a crash).  The policy is copied. */
mg_worker *mg_worker_new(const mg_policy *policy, const mg_worker_limits *limits);
void mg_worker_free(mg_worker *w);

/* Like mg_sanitize(), run in the sandboxed child.  Always fills *res. */
mg_status mg_worker_sanitize(mg_worker *w, const mg_input *in, mg_mode mode, mg_result *res);
/* Like mg_sanitize_unlock(): the candidates travel with the job to the
 * sandboxed process and nowhere else.  At most MG_WORKER_MAX_PASSWORDS
 * (100), each 1 to 255 bytes; more or longer ones block the item
 * (limit_count) rather than being cut silently. */
mg_status mg_worker_sanitize_unlock(mg_worker *w, const mg_input *in,
                                    const char *const *passwords, size_t n_passwords,
                                    mg_mode mode, mg_result *res);

/* The policy banks items may be sanitised by (banks.h), copied: banks[0]
 * is the default.  Before the first job (the zygote is forked with them,
 * their allow_sha256 lists read before it enters its sandbox); at most 65.
 * 0, or -1 when there are too many or no memory. */
int mg_worker_set_banks(mg_worker *w, const mg_policy *const *banks, size_t n);
/* Like mg_worker_sanitize_unlock(), by bank number bank (0: the default);
 * a bank the worker does not hold blocks the item. */
mg_status mg_worker_sanitize_bank(mg_worker *w, const mg_input *in, unsigned bank,
                                  const char *const *passwords, size_t n_passwords,
                                  mg_mode mode, mg_result *res);

/* Starts the worker now instead of at the first job, e.g. before the
 * service loads secrets (TLS keys) that the worker, forked from it, would
 * otherwise carry in its memory.  0, or -1 with *err (free() it). */
int mg_worker_start(mg_worker *w, char **err);

/* Between items: reaps a zygote that has died since the last one, and
 * counts it at once (else it is counted when the next item replaces it,
 * which on a quiet service may be never).  Its successor starts with the
 * next item. */
void mg_worker_check(mg_worker *w);

/* How many worker processes died or were killed (crash, forbidden call,
 * overrun, bad reply), job processes and zygotes alike (for /metrics). */
unsigned long mg_worker_restarts(const mg_worker *w);
/* The long-lived process (the zygote), 0 when none runs. */
pid_t mg_worker_pid(const mg_worker *w);
/* The process that ran the last job: a fresh one for every item. */
pid_t mg_worker_last_job_pid(const mg_worker *w);

/* Tests only: a function the child runs inside the sandbox before each
 * job (with a hook the zygote is forked from the caller, not started as
 * mugai-worker, so the pointer stays valid).
 * Returning non-zero ends the job blocked with reason as its reason.
 * It runs again, with reason NULL, once the job's reply is sent: what a
 * job process does after its reply (its return value is ignored). */
typedef int (*mg_worker_hook)(const mg_input *in, char *reason, size_t reason_len);
void mg_worker_set_test_hook(mg_worker *w, mg_worker_hook hook);
/* The zygote's program (mugai-worker): by default the one beside the
 * running program, else the installed one.  Read when the zygote starts. */
void mg_worker_set_program(mg_worker *w, const char *path);

#endif

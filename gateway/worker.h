/*
 * worker.h - sanitising in a sandboxed child process.
 *
 * A service process (smtpd, dropd, the CLI) owns one worker child: the
 * only process that parses untrusted bytes.  The worker runs with no
 * privileges, rlimits and a seccomp allow-list; the parent hands it a job
 * as file descriptors and enforces a wall-clock deadline.  The interface is
 * mg_sanitize()'s: same input, same result.  A worker that crashes, is
 * killed by its filter or overruns fails the job closed (MG_VERDICT_BLOCKED,
 * MG_E_INTERNAL or MG_E_LIMIT_TIME, with the reason) and is replaced on the
 * next job.
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
	unsigned max_jobs;        /* jobs one child serves before a fresh one replaces it;
	                             1: nothing survives from one item to the next; 0: no limit */
} mg_worker_limits;

/* Prepares a worker (the child is started lazily on the first job, and
 * again after a crash).  The policy is copied. */
mg_worker *mg_worker_new(const mg_policy *policy, const mg_worker_limits *limits);
void mg_worker_free(mg_worker *w);

/* Like mg_sanitize(), run in the sandboxed child.  Always fills *res. */
mg_status mg_worker_sanitize(mg_worker *w, const mg_input *in, mg_mode mode, mg_result *res);

/* How many times the child had to be replaced after a crash, a kill or an
 * overrun (for /metrics); the planned replacement after max_jobs is not
 * counted. */
unsigned long mg_worker_restarts(const mg_worker *w);
pid_t mg_worker_pid(const mg_worker *w);

/* Tests only: a function the child runs inside the sandbox before each
 * job (the worker is forked, not exec'ed, so the pointer stays valid).
 * Returning non-zero ends the job blocked with reason as its reason. */
typedef int (*mg_worker_hook)(const mg_input *in, char *reason, size_t reason_len);
void mg_worker_set_test_hook(mg_worker *w, mg_worker_hook hook);

#endif

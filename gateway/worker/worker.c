/*
 * worker.c - the service's side of the sandboxed worker.
 *
 * The worker is a zygote (forked lazily, warmed up, sandboxed) that forks
 * one job process per item (worker_child.c).  The service hands a job over
 * as a sealed memfd, learns the job process's pid and socket, waits for
 * the reply no longer than the wall-clock limit, and trusts nothing it
 * gets back: the reply's fields are checked, the memfds must be sealed and
 * of the announced size, the report must be JSON about this item.  Anything
 * else blocks the item with a report written here; a job process that
 * overruns is killed.  A zygote that dies or misbehaves is replaced on the
 * next job.
 *
 * A complete, valid reply is the item's result the moment it arrives: the
 * job process has nothing left to do but end, and the end of a process
 * that maps the whole warm core (hundreds of mappings) costs more than
 * many a small item.  So the service does not wait for it: the zygote's
 * word on how the process ended (DONE) is taken before the next job, and
 * a process that lingers after its reply is killed then.  How it ended no
 * longer changes the reply it sent (it is counted as a restart when it
 * crashed); a job process that ends without a valid reply blocks its item
 * as before, its exit status awaited to say why.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h" /* struct mg_policy: the worker keeps its own copy */
#include "sandbox.h"
#include "worker_proto.h"

/* A zygote gets at least this long to load and warm up. */
#define START_SECONDS 30
/* The zygote answers at once: STARTED after a fork, DONE after a wait. */
#define ZYGOTE_SECONDS 10
/* A job process that replied has this long to exit before it is killed. */
#define EXIT_SECONDS 2
/* run_job(): the zygote was gone before it got the job. */
#define SEND_FAILED (-2)

struct mg_worker {
	mg_policy policy;
	mg_policy *banks;     /* NULL: the one policy above */
	size_t nbanks;
	mg_worker_limits limits;
	mg_worker_limits limits_given; /* as the service set them: 0 = the policy's */
	mg_worker_hook hook;  /* set: the zygote is forked from us, not exec'd */
	char program[PATH_MAX]; /* mugai-worker, the zygote's program */
	pid_t pid;            /* the zygote */
	int sock;
	int ready;            /* the zygote said it is in its sandbox */
	int crashed;          /* the last zygote died: the next start is a restart */
	pid_t last_job;       /* the process of the last job */
	pid_t unsettled;      /* a job that replied; the zygote's DONE is due */
	double settle_by;     /* when it is killed if it has not ended */
	unsigned long restarts;
};

/* Why a job failed: the status, the reason, and what the parent saw. */
struct failure {
	mg_status status;
	char reason[512];
	json_t *detail;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mugai-worker beside the running program (a build tree, a relocated
 * install), else where it is installed. */
static void default_program(char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			if ((size_t)snprintf(out, cap, "%s/mugai-worker", self) < cap &&
			    access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, cap, "%s", MUGAI_WORKER_PROGRAM);
}

mg_worker *mg_worker_new(const mg_policy *policy, const mg_worker_limits *limits)
{
	mg_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->policy = *policy;
	w->limits = *limits;
	w->limits_given = *limits;
	if (!w->limits.timeout)
		w->limits.timeout = policy->time_limit;
	if (!w->limits.max_output)
		w->limits.max_output = policy->max_output;
	if (!w->limits.page_seconds)
		w->limits.page_seconds = policy->page_seconds;
	if (!w->limits.max_seconds)
		w->limits.max_seconds = policy->max_time;
	w->sock = -1;
	default_program(w->program, sizeof(w->program));
	return w;
}

static void fail(struct failure *f, mg_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct failure *f, mg_status st, const char *fmt, ...)
{
	va_list ap;

	f->status = st;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

/* What a wait status says, as the item's reason and the report's detail. */
static void fail_status(struct failure *f, pid_t pid, int st, const char *when)
{
	json_decref(f->detail);
	f->detail = json_pack("{s:{s:i}}", "worker", "pid", (int)pid);
	if (WIFSIGNALED(st)) {
		fail(f, MG_E_INTERNAL, "worker killed by signal %d (%s)%s", WTERMSIG(st),
		     mg_sandbox_signal_cause(WTERMSIG(st)), when);
		json_object_set_new(json_object_get(f->detail, "worker"), "signal",
		                    json_integer(WTERMSIG(st)));
	} else {
		fail(f, MG_E_INTERNAL, "worker exited with status %d%s", WEXITSTATUS(st), when);
		json_object_set_new(json_object_get(f->detail, "worker"), "exit_status",
		                    json_integer(WEXITSTATUS(st)));
	}
}

/* The zygote reaped: its socket closed, none running. */
static void forget_zygote(mg_worker *w)
{
	if (w->sock >= 0)
		close(w->sock);
	w->sock = -1;
	w->pid = 0;
	w->ready = 0;
}

/* Reaps the zygote (SIGKILL after grace seconds); *status is its wait status. */
static void reap(mg_worker *w, int *status, double grace)
{
	double until = now() + grace;
	pid_t r;

	*status = 0;
	for (;;) {
		r = waitpid(w->pid, status, WNOHANG);
		if (r == w->pid || (r < 0 && errno != EINTR))
			break;
		if (r == 0 && now() >= until) {
			kill(w->pid, SIGKILL);
			while (waitpid(w->pid, status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (r == 0)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	forget_zygote(w);
}

/* The zygote is gone (EOF): why, as the item's reason. */
static void zygote_died(mg_worker *w, struct failure *f)
{
	pid_t pid = w->pid;
	int st;

	reap(w, &st, 2);
	w->crashed = 1;
	fail_status(f, pid, st, "");
}

static void kill_zygote(mg_worker *w)
{
	int st;

	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		reap(w, &st, 5);
		w->crashed = 1;
	}
}

/* Waits for one message until the deadline: 1, 0 on EOF, -1 (ETIMEDOUT).
 * A message already there is taken even when the deadline has passed. */
static int recv_until(int sock, mg_msg *m, double deadline)
{
	for (;;) {
		struct pollfd p = { sock, POLLIN, 0 };
		double left = deadline - now();
		int rc = poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc > 0)
			return mg_ipc_recv(sock, m, 0);
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

/* The environment the zygote is started with: the service's, without
 * libpq's variables (PGPASSWORD and its like), which a parser has no
 * business seeing.  At most cap - 1 entries. */
static void worker_environ(char **env, size_t cap)
{
	size_t n = 0;

	for (char **e = environ; e && *e && n + 1 < cap; e++)
		if (strncmp(*e, "PG", 2) != 0)
			env[n++] = *e;
	env[n] = NULL;
}

/* In the forked child: the zygote's program, with the socket as
 * MG_WORKER_SOCK_FD and nothing else but stdio.  Only async-signal-safe
 * calls (a service may have threads). */
static _Noreturn void exec_zygote(int sock, const char *program, char **env)
{
	char name[] = "mugai-worker";
	char *argv[] = { name, NULL };

	if (sock != MG_WORKER_SOCK_FD && dup2(sock, MG_WORKER_SOCK_FD) < 0)
		_exit(127);
	if (fcntl(MG_WORKER_SOCK_FD, F_SETFD, 0) < 0)
		_exit(127);
	close_range(MG_WORKER_SOCK_FD + 1, ~0u, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	execve(program, argv, env);
	_exit(127);
}

/* Starts the zygote, which loads, warms up and enters its sandbox: the
 * program mugai-worker, which shares nothing with this process but what
 * mg_setup_send() tells it (no heap, no keys, no other item's bytes);
 * with a test hook, a fork of this process that keeps the hook. */
static int spawn_zygote(mg_worker *w, struct failure *f)
{
	char *env[512];
	int sv[2];

	if (!w->hook && access(w->program, X_OK) < 0) {
		fail(f, MG_E_INTERNAL, "worker not started: %s: %s", w->program, strerror(errno));
		return -1;
	}
	if (mg_ipc_pair(sv) < 0) {
		fail(f, MG_E_INTERNAL, "worker not started: socketpair: %s", strerror(errno));
		return -1;
	}
	worker_environ(env, sizeof(env) / sizeof(env[0]));
	w->pid = fork();
	if (w->pid < 0) {
		w->pid = 0;
		close(sv[0]);
		close(sv[1]);
		fail(f, MG_E_INTERNAL, "worker not started: fork: %s", strerror(errno));
		return -1;
	}
	if (w->pid == 0 && !w->hook)
		exec_zygote(sv[1], w->program, env);
	if (w->pid == 0) {
		close(sv[0]);
		mg_worker_child(sv[1], w->banks ? w->banks : &w->policy, w->banks ? w->nbanks : 1,
		                &w->limits, w->hook);
	}
	close(sv[1]);
	w->sock = sv[0];
	w->ready = 0;
	/* a zygote gone already is seen, with its exit status, at READY */
	if (!w->hook)
		(void)mg_setup_send(w->sock, w->banks ? w->banks : &w->policy,
		                    w->banks ? w->nbanks : 1, &w->limits);
	if (w->crashed)
		w->restarts++;
	w->crashed = 0;
	return 0;
}

/* A setup error message: its reason into f. */
static void fail_setup(struct failure *f, mg_msg *m)
{
	char *why = NULL;

	mg_msg_get_str(m, &why, MG_IPC_MAX_STR);
	fail(f, MG_E_INTERNAL, "%s", why ? why : "worker setup failed");
	free(why);
}

/* Starts the zygote if needed and waits for its word that it is ready. */
static int start_zygote(mg_worker *w, struct failure *f)
{
	mg_msg m;
	int n;

	if (w->pid <= 0 && spawn_zygote(w, f) < 0)
		return -1;
	if (w->ready)
		return 0;
	n = recv_until(w->sock, &m, now() + (w->limits.timeout > START_SECONDS ?
	                                     w->limits.timeout : START_SECONDS));
	if (n == 1 && m.type == MG_MSG_WORKER_READY && mg_msg_end(&m) == 0) {
		mg_msg_free(&m);
		w->ready = 1;
		return 0;
	}
	if (n == 1 && m.type == MG_MSG_WORKER_ERROR) {
		fail_setup(f, &m);
		kill_zygote(w);
	} else if (n == 0) {
		zygote_died(w, f);
	} else {
		fail(f, MG_E_INTERNAL, "worker not ready: %s",
		     n < 0 ? strerror(errno) : "unexpected message");
		kill_zygote(w);
	}
	if (n == 1)
		mg_msg_free(&m);
	return -1;
}

/* Checks a reply against the job and reads its memfds into res. */
static int accept_reply(mg_worker *w, const mg_job *job, mg_reply *r, mg_result *res,
                        struct failure *f)
{
	const char *why = NULL;
	json_t *report = NULL;

	if (strcmp(r->item_id ? r->item_id : "", job->item_id) != 0)
		why = "a reply about another item";
	else if (r->status >= MG_STATUS_COUNT || r->verdict > MG_VERDICT_BLOCKED ||
	         (r->verdict == MG_VERDICT_SANITISED) != (r->status == MG_OK))
		why = "an inconsistent verdict";
	else if (r->verdict == MG_VERDICT_SANITISED &&
	         (!r->out_type || !r->out_ext || r->out_len > w->limits.max_output))
		why = "an artefact without a type or over the output limit";
	else if (!(res->report_json = (char *)mg_memfd_read(r->report_fd, r->report_len,
	                                                     MG_WORKER_MAX_REPORT)))
		why = "an unreadable report";
	else if (!(report = json_loads(res->report_json, 0, NULL)) || !json_is_object(report) ||
	         !json_is_string(json_object_get(report, "item_id")) ||
	         strcmp(json_string_value(json_object_get(report, "item_id")), job->item_id) != 0)
		why = "a report that is not this item's JSON";
	else if (r->verdict == MG_VERDICT_SANITISED &&
	         !(res->out = mg_memfd_read(r->out_fd, r->out_len, w->limits.max_output)))
		why = "an unreadable artefact";
	json_decref(report);
	if (why) {
		fail(f, MG_E_INTERNAL, "worker sent %s", why);
		return -1;
	}
	res->status = (mg_status)r->status;
	res->verdict = (mg_verdict)r->verdict;
	res->candidates = r->candidates;
	res->n_candidates = r->n_candidates;
	r->candidates = NULL;
	r->n_candidates = 0;
	if (res->verdict == MG_VERDICT_SANITISED) {
		res->out_len = (size_t)r->out_len;
		res->out_type = r->out_type;
		res->out_ext = r->out_ext;
		r->out_type = r->out_ext = NULL;
	} else {
		res->reason = r->reason ? r->reason : strdup(mg_status_name(res->status));
		r->reason = NULL;
	}
	return 0;
}

/* A page or member began: the deadline moves (mg_pace).  A job that lies
 * about its progress gains no more than max_seconds.  -1: malformed. */
static int take_progress(mg_msg *m, mg_pace *pace)
{
	uint64_t done;
	char *unit;

	if (mg_progress_decode(m, &done, &unit) < 0)
		return -1;
	mg_pace_begin(pace, now(), unit);
	free(unit);
	return 0;
}

/* Why the job's deadline passed: the page in flight when one overran. */
static void fail_overrun(mg_worker *w, const mg_pace *pace, struct failure *f)
{
	if (!pace->done || !pace->unit)
		fail(f, MG_E_LIMIT_TIME, "worker exceeded %u s", w->limits.timeout);
	else if (mg_pace_deadline(pace) < pace->start + pace->cap)
		fail(f, MG_E_LIMIT_TIME, "worker: %s took over its %u s (policy page_seconds), "
		     "killed", pace->what, w->limits.page_seconds);
	else
		fail(f, MG_E_LIMIT_TIME, "worker exceeded %g s (policy max_time) at %s, killed",
		     pace->cap, pace->what);
}

/* The job's messages before its result: conversions asked for, pages
 * begun.  Returns what recv_until returned for the first other one. */
static int serve_job(mg_worker *w, int jsock, mg_msg *m, mg_pace *pace, struct failure *f,
                     int *timed_out)
{
	int n = recv_until(jsock, m, mg_pace_deadline(pace));

	while (n == 1 && (m->type == MG_MSG_WORKER_CONVERT || m->type == MG_MSG_WORKER_PROGRESS)) {
		int c = m->type == MG_MSG_WORKER_PROGRESS ? take_progress(m, pace) :
		        mg_worker_serve_convert(m, jsock, mg_pace_deadline(pace), f->reason,
		                                sizeof(f->reason));

		mg_msg_free(m);
		if (c != 0) {
			if (!f->reason[0])
				fail(f, MG_E_INTERNAL, "worker sent a malformed progress message");
			f->status = c > 0 ? MG_E_LIMIT_TIME : MG_E_INTERNAL;
			*timed_out = 1; /* the job is killed */
			return -2;
		}
		n = recv_until(jsock, m, mg_pace_deadline(pace));
	}
	if (n < 0 && errno == ETIMEDOUT) {
		*timed_out = 1;
		fail_overrun(w, pace, f);
		return -2;
	}
	return n;
}

/* The job process's one message: 0 with res filled, -1 with f filled. */
static int read_result(mg_worker *w, const mg_job *job, int jsock, mg_result *res,
                       struct failure *f, int *timed_out)
{
	mg_msg m;
	mg_reply r;
	mg_pace pace;
	int n, rc = -1;

	*timed_out = 0;
	mg_pace_init(&pace, now(), w->limits.timeout, w->limits.page_seconds,
	             w->limits.max_seconds);
	n = serve_job(w, jsock, &m, &pace, f, timed_out);
	if (n == -2)
		return -1;
	if (n <= 0)
		return -1; /* it died: the zygote's DONE says how */
	if (m.type == MG_MSG_WORKER_ERROR) {
		fail_setup(f, &m);
	} else if (mg_reply_decode(&m, &r) < 0 || accept_reply(w, job, &r, res, f) < 0) {
		if (!f->reason[0])
			fail(f, MG_E_INTERNAL, "worker sent a malformed reply");
		mg_reply_clear(&r);
	} else {
		mg_reply_clear(&r);
		rc = 0;
	}
	mg_msg_free(&m);
	return rc;
}

/* The zygote's STARTED: the job's pid and socket.  -1 with f filled. */
static int job_started(mg_worker *w, pid_t *jpid, int *jsock, struct failure *f)
{
	mg_msg m;
	uint32_t pid = 0;
	char *error = NULL;
	int n = recv_until(w->sock, &m, now() + ZYGOTE_SECONDS), rc = -1;

	if (n == 0) {
		zygote_died(w, f);
		return -1;
	}
	if (n < 0 || mg_started_decode(&m, &pid, &error, jsock) < 0) {
		fail(f, MG_E_INTERNAL, "worker did not start the job");
		kill_zygote(w);
	} else if (!pid) {
		fail(f, MG_E_INTERNAL, "worker could not start the job: %s", error);
	} else {
		*jpid = (pid_t)pid;
		rc = 0;
	}
	free(error);
	if (n == 1)
		mg_msg_free(&m);
	return rc;
}

/* The zygote's DONE: how the job process ended.  A process that replied
 * has until `until` to exit; any that lingers is killed.  -1 when the
 * zygote failed to say (it is then replaced). */
static int job_done(mg_worker *w, pid_t jpid, int kill_now, double until, int *status)
{
	mg_msg m;
	uint32_t pid = 0;
	int n;

	if (kill_now)
		kill(jpid, SIGKILL);
	n = recv_until(w->sock, &m, until);
	if (n < 0 && errno == ETIMEDOUT && !kill_now) {
		kill(jpid, SIGKILL);
		n = recv_until(w->sock, &m, now() + ZYGOTE_SECONDS);
	}
	if (n == 1 && mg_done_decode(&m, &pid, status) == 0 && (pid_t)pid == jpid) {
		mg_msg_free(&m);
		return 0;
	}
	if (n == 1)
		mg_msg_free(&m);
	kill(jpid, SIGKILL);
	kill_zygote(w);
	return -1;
}

/* The DONE of the last job that replied, before the zygote gets another
 * job: how it ended is counted, it no longer decides anything. */
static void settle(mg_worker *w)
{
	pid_t jpid = w->unsettled;
	int status = 0;

	if (!jpid)
		return;
	w->unsettled = 0;
	if (w->pid <= 0)
		return;
	if (job_done(w, jpid, 0, w->settle_by, &status) < 0)
		return; /* the zygote was replaced: counted when it restarts */
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		w->restarts++;
}

static int send_job(mg_worker *w, const mg_job *job)
{
	mg_msg m;
	int rc;

	mg_job_encode(&m, job);
	rc = mg_ipc_send(w->sock, &m);
	mg_msg_free(&m);
	return rc;
}

/* One job: 0, -1 with f filled when it failed, or SEND_FAILED when the
 * zygote could not even be given the job. */
static int run_job(mg_worker *w, const mg_job *job, mg_result *res, struct failure *f)
{
	pid_t jpid = 0;
	int jsock = -1, status = 0, timed_out = 0;

	if (send_job(w, job) < 0) {
		zygote_died(w, f);
		return SEND_FAILED;
	}
	if (job_started(w, &jpid, &jsock, f) < 0)
		return -1;
	w->last_job = jpid;
	if (read_result(w, job, jsock, res, f, &timed_out) == 0) {
		close(jsock);
		/* the reply stands; the process ends off the item's path */
		w->unsettled = jpid;
		w->settle_by = now() + EXIT_SECONDS;
		return 0;
	}
	close(jsock);
	/* without a timeout the job process may only be killed once it had
	 * its chance to exit: before the zygote reaps it, its pid is its own */
	if (job_done(w, jpid, timed_out, now() + EXIT_SECONDS, &status) < 0) {
		if (!f->reason[0])
			fail(f, MG_E_INTERNAL, "worker lost track of its job");
	} else if (timed_out) {
		json_decref(f->detail);
		f->detail = json_pack("{s:{s:i,s:i}}", "worker", "pid", (int)jpid, "signal", SIGKILL);
	} else if (!f->reason[0]) {
		fail_status(f, jpid, status, ""); /* it ended without a reply */
	}
	if (w->pid > 0)
		w->restarts++; /* a dead zygote is counted when it is replaced */
	free(res->report_json);
	free(res->out);
	free(res->out_type);
	free(res->out_ext);
	free(res->reason);
	res->report_json = res->reason = res->out_type = res->out_ext = NULL;
	res->out = NULL;
	res->out_len = 0;
	return -1;
}

static void blocked(mg_result *res, const mg_input *in, mg_mode mode, struct failure *f)
{
	res->verdict = MG_VERDICT_BLOCKED;
	res->status = f->status;
	res->reason = strdup(f->reason);
	res->report_json = mg_worker_blocked_report(NULL, in, res->item_id, mode, f->status,
	                                            f->reason, f->detail);
	f->detail = NULL;
}

mg_status mg_worker_sanitize(mg_worker *w, const mg_input *in, mg_mode mode, mg_result *res)
{
	return mg_worker_sanitize_unlock(w, in, NULL, 0, mode, res);
}

/* Candidates the job message cannot carry: refused whole, not cut. */
static int passwords_fit(const char *const *passwords, size_t n)
{
	if (n > MG_WORKER_MAX_PASSWORDS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!passwords[i] || !*passwords[i] ||
		    strlen(passwords[i]) > MG_WORKER_MAX_PASSWORD_LEN)
			return 0;
	return 1;
}

mg_status mg_worker_sanitize_unlock(mg_worker *w, const mg_input *in,
                                    const char *const *passwords, size_t n_passwords,
                                    mg_mode mode, mg_result *res)
{
	return mg_worker_sanitize_bank(w, in, 0, passwords, n_passwords, mode, res);
}

int mg_worker_set_banks(mg_worker *w, const mg_policy *const *banks, size_t n)
{
	mg_policy *copy;

	if (n == 0 || n > MG_WORKER_MAX_BANKS || !(copy = calloc(n, sizeof(*copy))))
		return -1;
	for (size_t i = 0; i < n; i++) {
		copy[i] = *banks[i];
		/* the slowest and largest bank bound every job */
		if (!w->limits_given.timeout && copy[i].time_limit > w->limits.timeout)
			w->limits.timeout = copy[i].time_limit;
		if (!w->limits_given.max_output && copy[i].max_output > w->limits.max_output)
			w->limits.max_output = copy[i].max_output;
		if (!w->limits_given.page_seconds && copy[i].page_seconds > w->limits.page_seconds)
			w->limits.page_seconds = copy[i].page_seconds;
		if (!w->limits_given.max_seconds && copy[i].max_time > w->limits.max_seconds)
			w->limits.max_seconds = copy[i].max_time;
	}
	free(w->banks);
	w->banks = copy;
	w->nbanks = n;
	return 0;
}

mg_status mg_worker_sanitize_bank(mg_worker *w, const mg_input *in, unsigned bank,
                                  const char *const *passwords, size_t n_passwords,
                                  mg_mode mode, mg_result *res)
{
	struct failure f = { MG_OK, "", NULL };
	mg_job job = { (uint32_t)mode, in->is_mail ? 1 : 0, res->item_id, (char *)(uintptr_t)in->name,
	               (char *)(uintptr_t)in->declared_type, in->len, -1, (uint32_t)n_passwords,
	               (char **)(uintptr_t)passwords, 0 };

	memset(res, 0, sizeof(*res));
	if (in->item_id)
		snprintf(res->item_id, sizeof(res->item_id), "%s", in->item_id);
	else
		mg_item_id_new(res->item_id);
	job.bank = bank;
	if (bank >= (w->banks ? w->nbanks : 1)) {
		fail(&f, MG_E_INTERNAL, "no policy bank %u in this worker", bank);
		goto done;
	}
	if (!passwords_fit(passwords, n_passwords)) {
		fail(&f, MG_E_LIMIT_COUNT, "candidate passwords refused: more than %d, or one empty "
		     "or longer than %d bytes", MG_WORKER_MAX_PASSWORDS, MG_WORKER_MAX_PASSWORD_LEN);
		goto done;
	}
	job.fd = mg_memfd_sealed("mugai-input", in->data, in->len);
	if (job.fd < 0) {
		fail(&f, MG_E_INTERNAL, "item not handed to the worker: %s", strerror(errno));
		goto done;
	}
	/* a zygote that died while idle is replaced, and the job sent again */
	for (int attempt = 0;; attempt++) {
		settle(w);
		if (start_zygote(w, &f) < 0 || run_job(w, &job, res, &f) != SEND_FAILED ||
		    attempt > 0)
			break;
		json_decref(f.detail);
		f = (struct failure){ MG_OK, "", NULL };
	}
done:
	if (job.fd >= 0)
		close(job.fd);
	/* fail closed: no result without a report, whatever happened */
	if (!f.reason[0] && !res->report_json)
		fail(&f, MG_E_INTERNAL, "worker gave no result");
	if (f.reason[0])
		blocked(res, in, mode, &f);
	json_decref(f.detail);
	return res->status;
}

int mg_worker_start(mg_worker *w, char **err)
{
	struct failure f = { MG_OK, "", NULL };
	int rc = start_zygote(w, &f);

	*err = rc < 0 ? strdup(f.reason) : NULL;
	json_decref(f.detail);
	return rc;
}

void mg_worker_free(mg_worker *w)
{
	int st;

	if (!w)
		return;
	settle(w);
	if (w->pid > 0) {
		/* EOF tells the zygote to leave; it gets a moment before SIGKILL */
		close(w->sock);
		w->sock = -1;
		reap(w, &st, 1);
	}
	free(w->banks);
	free(w);
}

void mg_worker_check(mg_worker *w)
{
	int st;

	if (w->pid <= 0 || waitpid(w->pid, &st, WNOHANG) != w->pid)
		return;
	/* counted now: the next item starts its successor as for a zygote
	 * never started, without counting it again */
	forget_zygote(w);
	w->restarts++;
}

unsigned long mg_worker_restarts(const mg_worker *w)
{
	return w->restarts;
}

pid_t mg_worker_pid(const mg_worker *w)
{
	return w->pid;
}

pid_t mg_worker_last_job_pid(const mg_worker *w)
{
	return w->last_job;
}

void mg_worker_set_test_hook(mg_worker *w, mg_worker_hook hook)
{
	w->hook = hook;
}

void mg_worker_set_program(mg_worker *w, const char *path)
{
	snprintf(w->program, sizeof(w->program), "%s", path);
}

/*
 * worker_child.c - the sandboxed worker: the only processes that parse
 * untrusted bytes.
 *
 * The zygote is forked (not exec'ed) from its service: the core,
 * libmagic's database, gmime, fontconfig and the iconv modules are loaded
 * first (warm-up), then it enters its sandbox for good.  From then on it
 * only forks: each job runs in a fresh process that inherits the warm
 * state, confines itself further (the strict filter, its own CPU limit, no
 * processes), parses one item, replies on a socket of its own and exits.
 * An item that subverts its parser therefore never sees another item.
 * Neither process logs: everything they have to say travels in messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proctitle.h"
#include "sandbox.h"
#include "worker_proto.h"

/* The zygote's socket to the service; in a job process, its own socket. */
#define SOCK_FD 3

struct child {
	mg_core *core;
	const mg_worker_limits *limits;
	mg_worker_hook hook;
	pid_t zygote;
};

static void send_error(int sock, const char *what, const char *why)
{
	mg_msg m;
	char reason[512];

	snprintf(reason, sizeof(reason), "worker setup: %s: %s", what, why ? why : "failed");
	mg_msg_init(&m, MG_MSG_WORKER_ERROR);
	mg_msg_put_str(&m, reason);
	mg_ipc_send(sock, &m);
	mg_msg_free(&m);
}

static _Noreturn void fail_setup(int sock, const char *what, const char *why)
{
	send_error(sock, what, why);
	_exit(1);
}

/* Default signal dispositions and only the job socket and stdio left open. */
static void reset_process(int sock)
{
	sigset_t all;
	int null;

	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	/* a too large memfd write fails with EFBIG instead of killing */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (sock != SOCK_FD && (dup2(sock, SOCK_FD) < 0 || close(sock) < 0))
		_exit(1);
	if (fcntl(SOCK_FD, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1);
	close_range(SOCK_FD + 1, ~0u, 0);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	prctl(PR_SET_NAME, "mugai-worker", 0, 0, 0);
}

/* Writes the artefact and the report into sealed memfds; on failure the
 * item is blocked instead (a partial artefact never leaves). */
static void seal_outputs(const struct child *c, const mg_input *in, mg_mode mode,
                         mg_result *res, mg_reply *r)
{
	char reason[256] = "";

	if (res->verdict == MG_VERDICT_SANITISED) {
		if (res->out_len > c->limits->max_output)
			snprintf(reason, sizeof(reason), "artefact of %zu bytes is larger than the "
			         "worker's output limit of %llu", res->out_len,
			         (unsigned long long)c->limits->max_output);
		else if ((r->out_fd = mg_memfd_sealed("mugai-out", res->out, res->out_len)) < 0)
			snprintf(reason, sizeof(reason), "artefact of %zu bytes not handed over: %s",
			         res->out_len, strerror(errno));
	}
	if (reason[0]) {
		char *report = mg_worker_blocked_report(res->report_json, in, res->item_id, mode,
		                                        MG_E_LIMIT_SIZE, reason, NULL);

		free(res->report_json);
		res->report_json = report;
		free(res->reason);
		res->reason = strdup(reason);
		res->status = MG_E_LIMIT_SIZE;
		res->verdict = MG_VERDICT_BLOCKED;
	}
	r->report_len = strlen(res->report_json);
	if (r->report_len > MG_WORKER_MAX_REPORT ||
	    (r->report_fd = mg_memfd_sealed("mugai-report", res->report_json, r->report_len)) < 0)
		_exit(3); /* the parent writes its own report of the crash */
	r->item_id = res->item_id;
	r->status = res->status;
	r->verdict = res->verdict;
	r->reason = res->reason;
	r->out_type = res->verdict == MG_VERDICT_SANITISED ? res->out_type : NULL;
	r->out_ext = res->verdict == MG_VERDICT_SANITISED ? res->out_ext : NULL;
	r->out_len = res->verdict == MG_VERDICT_SANITISED ? res->out_len : 0;
}

static void hook_result(mg_result *res, const mg_input *in, mg_mode mode, const char *reason)
{
	res->status = MG_E_INTERNAL;
	res->verdict = MG_VERDICT_BLOCKED;
	res->reason = strdup(reason);
	res->report_json = mg_worker_blocked_report(NULL, in, res->item_id, mode, MG_E_INTERNAL,
	                                            reason, NULL);
}

static void serve(const struct child *c, mg_job *job)
{
	mg_input in = { (const unsigned char *)"", (size_t)job->len, job->name,
	                job->declared_type, job->item_id, (int)job->is_mail };
	void *map = NULL;
	mg_result res;
	mg_reply r = { .report_fd = -1, .out_fd = -1 };
	mg_msg m;
	char reason[512] = "";

	if (mg_memfd_check(job->fd, job->len) < 0)
		_exit(4);
	if (job->len) {
		map = mmap(NULL, (size_t)job->len, PROT_READ, MAP_PRIVATE, job->fd, 0);
		if (map == MAP_FAILED)
			_exit(5);
		in.data = map;
	}
	memset(&res, 0, sizeof(res));
	if (c->hook && c->hook(&in, reason, sizeof(reason)) != 0) {
		snprintf(res.item_id, sizeof(res.item_id), "%s", job->item_id);
		hook_result(&res, &in, (mg_mode)job->mode, reason);
	} else {
		mg_sanitize(c->core, &in, (mg_mode)job->mode, &res);
	}
	seal_outputs(c, &in, (mg_mode)job->mode, &res, &r);
	mg_reply_encode(&m, &r);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(6);
	mg_msg_free(&m);
	close(r.report_fd);
	if (r.out_fd >= 0)
		close(r.out_fd);
	if (map)
		munmap(map, (size_t)job->len);
	mg_result_free(&res);
}

/* One item in a fresh process: its own socket as SOCK_FD, the strict
 * sandbox on top of the zygote's, the reply, the end. */
static _Noreturn void job_main(const struct child *c, mg_job *job, int sock)
{
	mg_sandbox sb = { 0 };
	char err[256];

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != c->zygote)
		_exit(1);
	close(SOCK_FD); /* the zygote's: a job cannot speak for it */
	if (dup2(sock, SOCK_FD) < 0)
		_exit(1);
	close(sock);
	mg_proctitle_set("mugaid: job %s", job->item_id && *job->item_id ? job->item_id : "(new)");
	sb.cpu_seconds = c->limits->cpu_seconds ? c->limits->cpu_seconds : c->limits->timeout;
	sb.sock = SOCK_FD;
	if (mg_sandbox_enter_job(&sb, err, sizeof(err)) < 0) {
		send_error(SOCK_FD, "job sandbox", err);
		_exit(1);
	}
	serve(c, job);
	_exit(0);
}

static void send_started(uint32_t pid, const char *error, int fd)
{
	mg_msg m;

	mg_started_encode(&m, pid, error, fd);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(1);
	mg_msg_free(&m);
}

/* Forks the job's process, tells the service, waits for it to end. */
static void run_job(const struct child *c, mg_job *job)
{
	char why[128];
	int sv[2], status = 0;
	pid_t pid;
	mg_msg m;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, sizeof(why), "socketpair: %s", strerror(errno));
		send_started(0, why, -1);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		job_main(c, job, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		close(sv[0]);
		send_started(0, why, -1);
		return;
	}
	send_started((uint32_t)pid, NULL, sv[0]);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	mg_done_encode(&m, (uint32_t)pid, status);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(1);
	mg_msg_free(&m);
}

void mg_worker_child(int sock, const mg_policy *policy, const mg_worker_limits *limits,
                     mg_worker_hook hook)
{
	struct child c = { NULL, limits, hook, 0 };
	mg_sandbox sb = { 0 };
	char err[256];
	char *cerr = NULL;
	mg_msg m;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	reset_process(sock);
	mg_proctitle_set("mugaid: zygote (%s)", mg_log_prog());
	c.zygote = getpid();
	c.core = mg_core_new(policy, &cerr);
	if (!c.core)
		fail_setup(SOCK_FD, "core", cerr);
	mg_worker_warm_up(c.core);
	sb.memory = limits->memory;
	sb.fsize = limits->max_output + MG_WORKER_MAX_REPORT;
	sb.user = limits->user;
	sb.sock = -1;
	if (mg_sandbox_enter_zygote(&sb, err, sizeof(err)) < 0)
		fail_setup(SOCK_FD, "sandbox", err);
	mg_msg_init(&m, MG_MSG_WORKER_READY);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(1);
	mg_msg_free(&m);
	for (;;) {
		mg_job job;
		int n = mg_ipc_recv(SOCK_FD, &m, -1);

		if (n == 0)
			_exit(0); /* the service is done with us */
		if (n < 0)
			_exit(1);
		if (mg_job_decode(&m, &job) < 0)
			_exit(2);
		mg_msg_free(&m);
		run_job(&c, &job);
		mg_job_clear(&job);
	}
}

/*
 * worker_child.c - the sandboxed worker: the only processes that parse
 * untrusted bytes.
 *
 * The zygote is a program of its own (mugai-worker.c), started by its
 * service with nothing of the service's memory: not its configuration,
 * keys or database connection, nor the originals of other items that a
 * service holds once it has stored some (a zygote replaced after a crash
 * is started the same way).  The core, libmagic's database, gmime,
 * fontconfig and the iconv modules are loaded first (warm-up), then it
 * enters its sandbox for good.  From then on it only forks: each job runs
 * in a fresh process that inherits the warm state, confines itself
 * further (the strict filter, its own CPU limit, no processes), parses
 * one item, replies on a socket of its own and exits.
 * An item that subverts its parser therefore never sees another item.
 *
 * The job process is forked before its item arrives: the zygote keeps one
 * spare, already in its strict sandbox and waiting on its socket, and
 * forks the next one as soon as it has handed the item over, while the
 * item is parsed, stored and relayed.  Fork and filter load are off the item's
 * path; the spare comes from the zygote, which never saw an item, so it
 * is exactly as fresh as a process forked when the item came.
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

#include "internal.h" /* struct mg_policy: the banks are an array of them */
#include "log.h"
#include "proctitle.h"
#include "sandbox.h"
#include "worker_proto.h"

#define SOCK_FD MG_WORKER_SOCK_FD
/* How long a service may take to send the setup after starting us. */
#define SETUP_MS 30000

struct child {
	mg_core *core;
	const mg_worker_limits *limits;
	mg_worker_hook hook;
	pid_t zygote;
	pid_t spare;          /* the next job's process, 0 when none */
	int spare_sock;       /* the zygote's end of its socket */
	const mg_policy *banks; /* the policy banks, [0] the default */
	size_t nbanks;
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

/* The sandbox allows no new socket, which syslog(3) would open again (its
 * descriptor was just closed): a worker's lines, libraries' warnings
 * among them, go to stderr, the service's. */
static void log_to_stderr(void)
{
	char prog[64];

	snprintf(prog, sizeof(prog), "%s", mg_log_prog());
	mg_log_open(prog, "stderr");
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
	r->candidates = res->candidates;
	/* a policy may allow more than one message carries: the first ones */
	r->n_candidates = !res->candidates ? 0
	                  : res->n_candidates > MG_WORKER_MAX_PASSWORDS ? MG_WORKER_MAX_PASSWORDS
	                                                                : (uint32_t)res->n_candidates;
}

static void hook_result(mg_result *res, const mg_input *in, mg_mode mode, const char *reason)
{
	res->status = MG_E_INTERNAL;
	res->verdict = MG_VERDICT_BLOCKED;
	res->reason = strdup(reason);
	res->report_json = mg_worker_blocked_report(NULL, in, res->item_id, mode, MG_E_INTERNAL,
	                                            reason, NULL);
}

static _Noreturn void serve(const struct child *c, mg_job *job)
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
	} else if (job->bank >= c->nbanks) {
		snprintf(res.item_id, sizeof(res.item_id), "%s", job->item_id);
		hook_result(&res, &in, (mg_mode)job->mode, "no such policy bank in the worker");
	} else {
		/* this process's own copy of the core: the bank lasts its one item */
		mg_core_use_policy(c->core, &c->banks[job->bank]);
		mg_sanitize_unlock(c->core, &in, (const char *const *)job->passwords,
		                   job->n_passwords, (mg_mode)job->mode, &res);
	}
	seal_outputs(c, &in, (mg_mode)job->mode, &res, &r);
	mg_reply_encode(&m, &r);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(6);
	/* the reply is the job's whole work: nothing is freed, the process
	 * ends at once and the kernel takes its memory back (the service no
	 * longer waits for that) */
	if (c->hook)
		c->hook(&in, NULL, 0);
	_exit(0);
}

/* One item in a fresh process: its own socket as SOCK_FD, the strict
 * sandbox on top of the zygote's, then it waits for its item (forwarded
 * by the zygote with the item's memfd), replies, and ends. */
static _Noreturn void job_main(const struct child *c, int sock)
{
	mg_sandbox sb = { 0 };
	mg_job job;
	mg_msg m;
	char err[256];
	int n;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != c->zygote)
		_exit(1);
	close(SOCK_FD); /* the zygote's: a job cannot speak for it */
	if (dup2(sock, SOCK_FD) < 0)
		_exit(1);
	close(sock);
	mg_proctitle_set("mugaid: job (spare)");
	/* a long document may run up to the cap the parent allows it */
	sb.cpu_seconds = c->limits->cpu_seconds ? c->limits->cpu_seconds :
	                 c->limits->max_seconds > c->limits->timeout ? c->limits->max_seconds :
	                 c->limits->timeout;
	sb.sock = SOCK_FD;
	if (mg_sandbox_enter_job(&sb, err, sizeof(err)) < 0) {
		send_error(SOCK_FD, "job sandbox", err);
		_exit(1);
	}
	n = mg_ipc_recv(SOCK_FD, &m, -1);
	if (n == 0)
		_exit(0); /* retired unused: the zygote is leaving */
	if (n < 0 || mg_job_decode(&m, &job) < 0)
		_exit(2);
	mg_msg_free(&m);
	mg_proctitle_set("mugaid: job %s", job.item_id && *job.item_id ? job.item_id : "(new)");
	mg_log_set_item(job.item_id); /* a library's warning names the item */
	serve(c, &job);
}

static void send_started(uint32_t pid, const char *error, int fd)
{
	mg_msg m;

	mg_started_encode(&m, pid, error, fd);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(1);
	mg_msg_free(&m);
}

/* Forks the spare job process; 0, or -1 with why. */
static int fork_spare(struct child *c, char *why, size_t cap)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, cap, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		job_main(c, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		snprintf(why, cap, "fork: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	c->spare = pid;
	c->spare_sock = sv[0];
	return 0;
}

/* A spare that cannot take its item (it died while waiting, or its
 * sandbox failed): killed if need be and reaped. */
static void drop_spare(struct child *c)
{
	int status;

	kill(c->spare, SIGKILL);
	while (waitpid(c->spare, &status, 0) < 0 && errno == EINTR)
		;
	close(c->spare_sock);
	c->spare = 0;
	c->spare_sock = -1;
}

/* What a spare that failed to confine itself said before it ended. */
static void spare_error(const struct child *c, char *why, size_t cap)
{
	char *said = NULL;
	mg_msg m;

	if (mg_ipc_recv(c->spare_sock, &m, 0) != 1)
		return;
	if (m.type == MG_MSG_WORKER_ERROR && mg_msg_get_str(&m, &said, MG_IPC_MAX_STR) == 0 && said)
		snprintf(why, cap, "%s", said);
	free(said);
	mg_msg_free(&m);
}

/* Hands the job to the spare (a new one if it is gone); 0, or -1 with why. */
static int give_to_spare(struct child *c, const mg_job *job, char *why, size_t cap)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		mg_msg m;
		int rc;

		if (!c->spare && fork_spare(c, why, cap) < 0)
			return -1;
		mg_job_encode(&m, job);
		rc = mg_ipc_send(c->spare_sock, &m);
		mg_msg_free(&m);
		if (rc == 0)
			return 0;
		snprintf(why, cap, "job process gone before its item: %s", strerror(errno));
		spare_error(c, why, cap);
		drop_spare(c);
	}
	return -1;
}

/* Gives the job to the spare, tells the service, forks the next spare,
 * then waits for the job's process to end. */
static void run_job(struct child *c, const mg_job *job)
{
	char why[512];
	int status = 0;
	pid_t pid;
	mg_msg m;

	if (give_to_spare(c, job, why, sizeof(why)) < 0) {
		send_started(0, why, -1);
		return;
	}
	pid = c->spare;
	send_started((uint32_t)pid, NULL, c->spare_sock);
	close(c->spare_sock);
	c->spare = 0;
	c->spare_sock = -1;
	/* the next spare now, while this job runs: the service does not wait
	 * for this job's end, so the next item may come right after its reply;
	 * a failure shows, with its reason, when the next item comes */
	fork_spare(c, why, sizeof(why));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	mg_done_encode(&m, (uint32_t)pid, status);
	if (mg_ipc_send(SOCK_FD, &m) < 0)
		_exit(1);
	mg_msg_free(&m);
}

/* Every bank's allow_sha256 list, read while files can still be opened. */
static void load_lists(mg_policy *banks, size_t nbanks)
{
	for (size_t i = 0; i < nbanks; i++) {
		char *err = NULL;

		if (mg_policy_load_lists(&banks[i], &err) < 0)
			fail_setup(SOCK_FD, "policy", err ? err : "allow_sha256: out of memory");
	}
}

void mg_worker_child(int sock, mg_policy *banks, size_t nbanks, const mg_worker_limits *limits,
                     mg_worker_hook hook)
{
	struct child c = { NULL, limits, hook, 0, 0, -1, banks, nbanks };
	mg_sandbox sb = { 0 };
	char err[256];
	char *cerr = NULL;
	mg_msg m;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	reset_process(sock);
	mg_proctitle_set("mugaid: zygote (%s)", mg_log_prog());
	log_to_stderr();
	c.zygote = getpid();
	load_lists(banks, nbanks);
	c.core = mg_core_new(&banks[0], &cerr);
	if (!c.core)
		fail_setup(SOCK_FD, "core", cerr);
	mg_worker_warm_up(c.core);
	mg_worker_heap_to_hugepages();
	mg_worker_heap_fresh();
	/* policy pdf: a job asks its service, on its own socket */
	mg_core_set_converter(c.core, mg_job_convert, (void *)(intptr_t)SOCK_FD);
	/* each page or member moves the deadline the service enforces */
	mg_core_set_progress(c.core, mg_job_progress, (void *)(intptr_t)SOCK_FD);
	sb.memory = limits->memory;
	sb.fsize = limits->max_output + MG_WORKER_MAX_REPORT;
	sb.user = limits->user;
	sb.sock = -1;
	if (mg_sandbox_prepare_job(SOCK_FD, err, sizeof(err)) < 0)
		fprintf(stderr, "mugai: warning: %s; each job compiles its own filter\n", err);
	if (mg_sandbox_enter_zygote(&sb, err, sizeof(err)) < 0)
		fail_setup(SOCK_FD, "sandbox", err);
	fork_spare(&c, err, sizeof(err));
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

void mg_worker_program_main(void)
{
	mg_setup s;
	const char *why;

	if (mg_setup_recv(SOCK_FD, SETUP_MS, &s, &why) < 0) {
		fprintf(stderr, "mugai-worker: %s\n", why);
		fail_setup(SOCK_FD, "service message", why);
	}
	mg_log_capture_libraries();
	mg_worker_child(SOCK_FD, s.banks, s.nbanks, &s.limits, NULL);
}

/*
 * services.c - the services mugaid runs, and the skeleton every service
 * process goes through (Postfix's single_server idea: one way to start,
 * be named, be asked to drain, and exit).
 *
 * A service is listed when its file exists (checked at compile time), so
 * that the daemon builds while services are still being written.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "proctitle.h"

static const mg_service services[] = {
#if __has_include("smtpd.c")
	{ "smtpd", mg_smtpd_main, 0, MG_LISTEN_SMTP },
#endif
#if __has_include("dropd.c")
	{ "dropd", mg_dropd_main, 1, MG_LISTEN_NONE },
#endif
#if __has_include("apid.c")
	{ "apid", mg_apid_main, 1, MG_LISTEN_API },
#endif
#if __has_include("admind.c")
	{ "admind", mg_admind_main, 1, MG_LISTEN_ADMIN },
#endif
	{ NULL, NULL, 0, MG_LISTEN_NONE },
};

const mg_service *mg_services(size_t *n)
{
	*n = sizeof(services) / sizeof(services[0]) - 1;
	return services;
}

static volatile sig_atomic_t drain_requested;
static int drain_pipe[2] = { -1, -1 };

static void on_drain(int sig)
{
	int saved = errno;

	(void)sig;
	drain_requested = 1;
	(void)!write(drain_pipe[1], "", 1);
	errno = saved;
}

bool mg_service_draining(const mg_service_ctx *ctx)
{
	(void)ctx;
	return drain_requested != 0;
}

void mg_service_worker_limits(const mg_service_ctx *ctx, mg_worker_limits *limits)
{
	const mg_config *c = ctx->config;

	memset(limits, 0, sizeof(*limits));
	limits->timeout = c->workers_timeout;
	limits->memory = c->workers_memory;
	limits->cpu_seconds = c->workers_cpu;
	limits->max_output = 0; /* the policy's */
	limits->user = c->daemon_user;
}

/* SIGTERM and SIGINT ask for a drain; the rest as a fresh process has them. */
static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_drain };
	sigset_t none;

	if (pipe2(drain_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* a terminal's hangup is the master's business (reload) */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

void mg_service_run(const mg_service *svc, mg_service_ctx *ctx, pid_t master)
{
	char prog[64], title[16];
	int rc;

	snprintf(prog, sizeof(prog), "%s[%u]", svc->name, ctx->index);
	mg_log_set_prog(prog);
	/* a service of one process needs no slot number in ps */
	mg_proctitle_set("mugaid: %s", svc->count == 1 ? svc->name : prog);
	/* the master gone, nobody restarts us: drain and leave */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	snprintf(title, sizeof(title), "mugai-%s", svc->name);
	prctl(PR_SET_NAME, title, 0, 0, 0);
	if (install_signals() < 0)
		mg_log_fatal("cannot set up signals: %s", strerror(errno));
	if (getppid() != master)
		drain_requested = 1; /* the master died before PDEATHSIG was set */
	ctx->drain_fd = drain_pipe[0];
	if (drain_requested)
		(void)!write(drain_pipe[1], "", 1);
	mg_log_info("started");
	rc = svc->main(ctx);
	if (rc == 0 && drain_requested)
		mg_log_info("drained, exiting");
	else
		mg_log_warn("exiting with status %d%s", rc, drain_requested ? "" : " without a drain");
	exit(rc);
}

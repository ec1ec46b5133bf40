/*
 * admind.c - the review UI and /metrics as one of mugaid's services.
 *
 * SECURITY.  admind runs unprivileged, started by the master with the
 * listening socket for admin.listen already bound (it never binds one
 * itself).  It parses no mail and no file: it shows what the quarantine
 * index holds and acts only through the store's API, which checks every
 * user's role and the two-person rule; the HTTP side is bounded in
 * connections, memory, time and body size (quarantine/web.c).  The one
 * page that opens an item (/unlock/TOKEN) hands it to a sandboxed worker
 * this service forks at start (unlock_hook.h), like smtpd's.  Approved
 * originals leave through the default release hook (release.h).  A crash
 * loses the sessions only: users sign in again.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admind.h"
#include "audit_checkpoint.h"
#include "log.h"
#include "metrics.h"
#include "service.h"
#include "unlock_hook.h"

#define DRAIN_SECONDS 5

/* The gateway's shared counters after the quarantine's gauges. */
static char *gateway_metrics(void *ctx)
{
	(void)ctx;
	return mg_metrics_render(NULL);
}

static void checkpoint(const mg_config *c, mq_store *store)
{
	char *err = NULL;

	if (mg_audit_checkpoint(c, store, NULL, &err) < 0)
		mg_log_item(MG_LOG_ERROR, NULL, json_pack("{s:s}", "event", "audit_checkpoint_failed"),
		            "audit checkpoint not taken: %s", err ? err : "error");
	free(err);
}

/* Until the master asks for a drain (drain_fd readable or closed),
 * signing the audit chain's head every audit.checkpoint_interval. */
static void wait_for_drain(const mg_service_ctx *ctx, mq_store *store)
{
	const mg_config *c = ctx->config;
	struct pollfd p = { .fd = ctx->drain_fd, .events = POLLIN };
	int every = c->audit_checkpoint_interval ? (int)c->audit_checkpoint_interval * 1000 : -1;
	int n;

	if (every > 0)
		checkpoint(c, store);
	/* a negative fd is ignored by poll(): then this waits until killed */
	while ((n = poll(&p, 1, every)) <= 0)
		if (n == 0)
			checkpoint(c, store);
		else if (errno != EINTR)
			break;
}

int mg_admind_main(const mg_service_ctx *ctx)
{
	const mg_config *c = ctx->config;
	mw_options opt;
	mg_worker_limits lim;
	mg_unlock_hook *unlock = NULL;
	mw_server *srv = NULL;
	mq_store *store = NULL;
	char *err = NULL;
	int rc = 1;

	if (ctx->listen_fd < 0) {
		mg_log_error("admind: no listening socket for admin.listen");
		return 1;
	}
	if (mg_web_options(c, &opt, &err) < 0)
		goto done;
	opt.metrics = gateway_metrics;
	/* forked before the store (and its credentials) is opened */
	mg_service_worker_limits(ctx, &lim);
	if ((unlock = mg_unlock_hook_new(c, &lim, &err))) {
		opt.unlock = mg_unlock_hook_run;
		opt.unlock_ctx = unlock;
	} else {
		mg_log_error("admind: no worker for the unlock page: %s", err ? err : "?");
		free(err);
		err = NULL;
	}
	if (!(store = mg_web_open_store(c, &err)) || !(srv = mw_server_new(store, &opt, &err)) ||
	    mw_server_start(srv, ctx->listen_fd, &err) < 0)
		goto done;
	mg_log_info("review UI on %s", c->admin_listen);
	wait_for_drain(ctx, store);
	mg_log_info("draining: no new connections, %d s for open ones", DRAIN_SECONDS);
	mw_server_drain(srv, DRAIN_SECONDS);
	rc = 0;
done:
	if (err)
		mg_log_error("admind: %s", err);
	free(err);
	mw_server_free(srv);
	mg_unlock_hook_free(unlock);
	mq_close(store);
	return rc;
}

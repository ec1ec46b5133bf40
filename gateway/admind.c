/*
 * admind.c - the review UI and /metrics as one of mugaid's services.
 *
 * SECURITY.  admind runs unprivileged, started by the master with the
 * listening socket for admin.listen already bound (it never binds one
 * itself).  It parses no mail and no file: it shows what the quarantine
 * index holds and acts only through the store's API, which checks every
 * user's role and the two-person rule; the HTTP side is bounded in
 * connections, memory, time and body size (quarantine/web.c).  Approved
 * originals leave through the default release hook (release.h).  A crash
 * loses the sessions only: users sign in again.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admind.h"
#include "log.h"
#include "metrics.h"
#include "service.h"

#define DRAIN_SECONDS 5

/* The gateway's shared counters after the quarantine's gauges. */
static char *gateway_metrics(void *ctx)
{
	(void)ctx;
	return mg_metrics_render(NULL);
}

/* Until the master asks for a drain (drain_fd readable or closed). */
static void wait_for_drain(const mg_service_ctx *ctx)
{
	struct pollfd p = { .fd = ctx->drain_fd, .events = POLLIN };

	/* a negative fd is ignored by poll(): then this waits until killed */
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

int mg_admind_main(const mg_service_ctx *ctx)
{
	const mg_config *c = ctx->config;
	mw_options opt;
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
	if (!(store = mg_web_open_store(c, &err)) || !(srv = mw_server_new(store, &opt, &err)) ||
	    mw_server_start(srv, ctx->listen_fd, &err) < 0)
		goto done;
	mg_log_info("review UI on %s", c->admin_listen);
	wait_for_drain(ctx);
	mg_log_info("draining: no new connections, %d s for open ones", DRAIN_SECONDS);
	mw_server_drain(srv, DRAIN_SECONDS);
	rc = 0;
done:
	if (err)
		mg_log_error("admind: %s", err);
	free(err);
	mw_server_free(srv);
	mq_close(store);
	return rc;
}

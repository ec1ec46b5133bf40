/*
 * service.h - what the master gives each service process it starts.
 *
 * mugaid's master binds the listening sockets, creates the directories,
 * drops privileges and then forks one process per service slot: smtpd
 * (workers.count of them), dropd (one), admind (one).  Each runs
 * unprivileged and calls its service's main with an mg_service_ctx:
 *
 *     int mg_smtpd_main(const mg_service_ctx *ctx);   gateway/smtpd/smtpd.c
 *     int mg_dropd_main(const mg_service_ctx *ctx);   gateway/dropd/dropd.c
 *     int mg_admind_main(const mg_service_ctx *ctx);  gateway/admind/admind.c
 *     int mg_apid_main(const mg_service_ctx *ctx);    gateway/apid/apid.c
 *
 * A service whose file does not exist yet is simply not started (the
 * master's table in services.c checks for the file at compile time: keep
 * those names).  A service:
 *   - owns its sanitising worker (worker.h; mg_service_worker_limits()
 *     gives the limits from the configuration), started with
 *     mg_worker_start() before it loads any secret (a TLS key): the
 *     worker is forked from it and would carry a copy;
 *   - watches ctx->drain_fd in its poll set (or calls mg_service_draining()
 *     between items): once it is readable the master wants it to finish the
 *     item in hand, accept nothing new, and return 0.  The master sends
 *     SIGTERM to ask; the skeleton catches it, so SIGTERM never kills a
 *     service in the middle of an item.  After drain_timeout it is killed;
 *   - logs through log.h (the skeleton already named it "smtpd[0]" etc.);
 *   - returns 0 only after a drain.  Any other return, a crash or an exit
 *     makes the master start it again, with exponential backoff.
 */
#ifndef MUGAI_SERVICE_H
#define MUGAI_SERVICE_H

#include <stdbool.h>

#include "config.h"
#include "worker.h"

typedef struct mg_service_ctx {
	const char *name;        /* "smtpd", "dropd", "admind" */
	unsigned index;          /* this slot, 0 .. count-1 */
	unsigned count;          /* slots of this service */
	const mg_config *config; /* as loaded by the master; a reload restarts the service */
	int listen_fd;           /* listening socket bound by the master (O_NONBLOCK), or -1 */
	int drain_fd;            /* becomes readable when a drain was requested */
} mg_service_ctx;

typedef int (*mg_service_main)(const mg_service_ctx *ctx);

/* True once the master asked this process to drain (SIGTERM). */
bool mg_service_draining(const mg_service_ctx *ctx);

/* The worker limits the configuration asks for (workers.timeout,
 * workers.memory, workers.cpu, the policy's max_output). */
void mg_service_worker_limits(const mg_service_ctx *ctx, mg_worker_limits *limits);

/* The services' mains (each defined in its own file, see above). */
int mg_smtpd_main(const mg_service_ctx *ctx);
int mg_dropd_main(const mg_service_ctx *ctx);
int mg_admind_main(const mg_service_ctx *ctx);
int mg_apid_main(const mg_service_ctx *ctx);

#endif

/*
 * master.h - mugaid's master process: supervises the service processes.
 *
 * The master only supervises (Postfix's master): it reads and checks the
 * configuration, creates the directories, binds the listening sockets,
 * drops privileges, then forks one process per service slot and keeps
 * them running.  It parses no mail and no file.
 *
 *   SIGCHLD  a service died: started again after a backoff (1 s, doubling
 *            up to 60 s; back to 1 s once it ran a minute)
 *   SIGHUP   reload: the configuration is read again; when it is valid, the
 *            running services are asked to drain and new ones start with it
 *            (an invalid one is logged and the old one kept)
 *   SIGTERM, SIGINT  stop: every service drains (finishes its item), those
 *            still running after daemon.drain_timeout are killed
 */
#ifndef MUGAI_MASTER_H
#define MUGAI_MASTER_H

#include <sys/types.h>

#include "config.h"
#include "service.h"

/* Which listening socket a service gets. */
typedef enum mg_listen {
	MG_LISTEN_NONE = 0,
	MG_LISTEN_SMTP,  /* smtp.listen */
	MG_LISTEN_ADMIN, /* admin.listen */
	MG_LISTEN_API,   /* api.listen */
	MG_LISTEN_COUNT
} mg_listen;

/* One service: its main, how many processes (0: workers.count, itself 0
 * meaning two per core), and its socket. */
typedef struct mg_service {
	const char *name;
	mg_service_main main;
	unsigned count;
	mg_listen listen;
} mg_service;

/* services.c: the services this build has (one whose file does not exist
 * yet is absent).  Sets *n. */
const mg_service *mg_services(size_t *n);

/* services.c: the life of one service process, forked by the master
 * (pid master): names it for the log, turns SIGTERM into a drain request
 * (ctx->drain_fd, mg_service_draining), runs the service's main and exits
 * with its status. */
_Noreturn void mg_service_run(const mg_service *svc, mg_service_ctx *ctx, pid_t master);

/* How mugaid was asked to read its configuration: the same -c FILE and
 * -o section.key=value options, kept to read it again on SIGHUP. */
typedef struct mg_master_args {
	const char *config_path;  /* NULL: embedded defaults only */
	char **overrides;         /* "section.key=value", n_overrides of them */
	int n_overrides;
	int foreground;           /* -f: no daemon(3), log to stderr by default */
} mg_master_args;

/* Reads the configuration exactly as `mugai check-config` does (the file,
 * then each -o).  NULL with *err (free() it). */
mg_config *mg_master_load_config(const mg_master_args *args, char **err);

/* Runs the master until stopped; returns the exit status.  Takes cfg. */
int mg_master_run(mg_config *cfg, const mg_master_args *args);

/* listen.c: a bound, listening, non-blocking, close-on-exec TCP socket for
 * "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses).  -1 with *err. */
int mg_listen_tcp(const char *address, char **err);
/* The same address parsed and resolved, nothing bound: 0, or -1 with *err. */
int mg_listen_check(const char *address, char **err);

#endif

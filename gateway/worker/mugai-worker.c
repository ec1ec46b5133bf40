/*
 * mugai-worker.c - the zygote's program.  A service starts it with its
 * socket as descriptor 3 (worker.c), tells it the policy banks and job
 * limits in one message, and from then on it is the zygote of
 * worker_child.c: warm-up, sandbox, one forked job process per item.
 *
 * Why a program and not a fork of the service: a fork would carry the
 * service's whole memory into the processes that parse untrusted bytes,
 * the configuration with its database address, and once the service has
 * worked, its TLS key and the quarantine's cached pages (other items'
 * originals).  A zygote replaced after a crash would be forked from such
 * a service.  This program starts from nothing and maps only what the
 * core needs: not libpq, SQLite or libmicrohttpd.
 *
 * Not for running by hand: without a service on descriptor 3 it exits.
 */
#include <stdio.h>

#include "log.h"
#include "proctitle.h"
#include "worker_proto.h"

/* How long a service may take to send the setup after starting us. */
#define SETUP_MS 30000

int main(int argc, char **argv)
{
	mg_setup s;
	const char *why;

	mg_proctitle_init(argc, argv);
	if (mg_setup_recv(MG_WORKER_SOCK_FD, SETUP_MS, &s, &why) < 0) {
		char reason[256];
		mg_msg m;

		snprintf(reason, sizeof(reason), "worker setup: %s", why);
		fprintf(stderr, "mugai-worker: %s\n", why);
		mg_msg_init(&m, MG_MSG_WORKER_ERROR);
		mg_msg_put_str(&m, reason);
		(void)mg_ipc_send(MG_WORKER_SOCK_FD, &m);
		mg_msg_free(&m);
		return 1;
	}
	mg_log_capture_libraries();
	mg_worker_child(MG_WORKER_SOCK_FD, s.banks, s.nbanks, &s.limits, NULL);
}

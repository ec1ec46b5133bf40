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
#include "proctitle.h"
#include "worker_proto.h"

int main(int argc, char **argv)
{
	mg_proctitle_init(argc, argv);
	mg_worker_program_main();
}

/*
 * mugaid - the mugai gateway daemon: the master of the service processes.
 *
 * SYNOPSIS
 *	mugaid [-f] [-t | -T] [-c FILE] [-o section.key=value ...]
 *
 * DESCRIPTION
 *	mugaid reads mugai.conf, checks it as `mugai check-config` does,
 *	creates the directories it names, binds smtp.listen and admin.listen,
 *	and runs the services: smtpd (workers.count processes), dropd and
 *	admind, each in its own process, each restarted with a backoff when
 *	it dies.  SIGHUP reloads the configuration; SIGTERM drains (every
 *	service finishes the item in hand) and stops.  -f stays in the
 *	foreground and logs to stderr; without it mugaid becomes a daemon and
 *	logs to syslog (log.target decides either way).  -t only checks the
 *	configuration and exits; -T also prints the effective configuration.
 *
 * SECURITY
 *	mugaid is started as root only so that it may bind ports below 1024,
 *	write a pid file under /run and create the directories for its user.
 *	Right after that, before any service process exists, it drops to
 *	daemon.user (setgroups, setresgid, setresuid, checked to be
 *	irreversible) and never regains root.  The master itself reads no
 *	network input and parses no mail or file: it reads its configuration,
 *	forks and waits.  Each service gets only the listening socket it
 *	needs.  The bytes of mail and files are parsed only in the sandboxed
 *	worker children of smtpd and dropd (worker.h, sandbox.h): no
 *	privileges, resource limits, a seccomp allow-list without network,
 *	exec or file writes, and a wall-clock deadline; a worker that crashes
 *	or overruns blocks its item and is replaced.
 *
 * DIAGNOSTICS
 *	One JSON object per line (log.h), every line about an item with its
 *	id.  Exit status 0 after a clean stop or a good -t, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "proctitle.h"

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugaid [-f] [-t | -T] [-c FILE] [-o section.key=value ...]\n\n"
	        "The mugai gateway: runs smtpd, dropd and admind under one master.\n\n"
	        "  -c FILE   the configuration (mugai.conf); without it, the embedded defaults\n"
	        "  -o K=V    override one key, e.g. -o smtp.listen=127.0.0.1:2525 (repeatable)\n"
	        "  -f        stay in the foreground; log to stderr unless log.target says otherwise\n"
	        "  -t        check the configuration and exit\n"
	        "  -T        check the configuration, print it with every default, and exit\n\n"
	        "Signals: SIGHUP reloads the configuration, SIGTERM drains and stops.\n");
}

int main(int argc, char **argv)
{
	mg_master_args args = { 0 };
	mg_config *cfg;
	char *err = NULL;
	int check_only = 0, rc;

	mg_proctitle_init(argc, argv);
	args.overrides = calloc((size_t)argc, sizeof(char *));
	if (!args.overrides)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			args.config_path = argv[++i];
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			args.overrides[args.n_overrides++] = argv[++i];
		} else if (strcmp(argv[i], "-f") == 0) {
			args.foreground = 1;
		} else if (strcmp(argv[i], "-t") == 0) {
			check_only = 1;
		} else if (strcmp(argv[i], "-T") == 0) {
			check_only = 2;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			free(args.overrides);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("mugaid %s\n", MUGAI_VERSION);
			free(args.overrides);
			return 0;
		} else {
			fprintf(stderr, "mugaid: unexpected argument '%s'\n\n", argv[i]);
			usage(stderr);
			free(args.overrides);
			return 1;
		}
	}
	cfg = mg_master_load_config(&args, &err);
	if (!cfg) {
		fprintf(stderr, "mugaid: %s\n", err ? err : "configuration error");
		free(err);
		free(args.overrides);
		return 1;
	}
	if (check_only) {
		char *text = check_only == 2 ? mg_config_describe(cfg) : NULL;

		if (text)
			fputs(text, stdout);
		else
			fprintf(stderr, "mugaid: configuration ok\n");
		free(text);
		mg_config_free(cfg);
		free(args.overrides);
		return 0;
	}
	rc = mg_master_run(cfg, &args);
	free(args.overrides);
	return rc;
}

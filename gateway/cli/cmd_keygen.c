/*
 * cmd_keygen.c - `mugai keygen`: the Ed25519 key pair that signs reports
 * (report.signing_key).  The secret is written 0600 (to daemon.user when
 * run as root), never over an existing file; the public half beside it as
 * FILE.pub and on stdout, for whoever verifies reports offline.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "sign_key.h"

static void usage(FILE *to)
{
	fprintf(to, "usage: mugai keygen [-c FILE] [-o section.key=value] [--out FILE]\n\n"
	            "Makes the Ed25519 key pair that signs reports and marks delivered mails.\n"
	            "The secret key goes to FILE (default: report.signing_key, relative to\n"
	            "daemon.directory), mode 0600, never over an existing file; the public key\n"
	            "to FILE.pub and stdout.  Exit 0, or 1 after printing why.\n");
}

/* A path from the configuration as the daemon sees it. */
char *mg_cli_daemon_path(const mg_config *c, const char *path)
{
	char *s = NULL;

	if (path[0] == '/' || !c->daemon_directory[0])
		return strdup(path);
	if (asprintf(&s, "%s/%s", c->daemon_directory, path) < 0)
		return NULL;
	return s;
}

int mg_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *owner;
	char pk[65], *path, *err = NULL;
	mg_config *c;
	int o, rc = 1;

	c = mg_config_from_args(&argc, argv);
	if (!c)
		return 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'O') {
			out = optarg;
		} else {
			usage(o == 'h' ? stdout : stderr);
			mg_config_free(c);
			return o == 'h' ? 0 : 1;
		}
	}
	if (optind != argc || (!out && !c->report_signing_key[0])) {
		if (optind == argc)
			fprintf(stderr, "mugai keygen: give --out FILE or set report.signing_key\n");
		usage(stderr);
		mg_config_free(c);
		return 1;
	}
	path = out ? strdup(out) : mg_cli_daemon_path(c, c->report_signing_key);
	/* the key belongs to whoever mugaid's services will run as, or they
	 * could not read it */
	owner = mg_config_run_user(c);
	if (path && mg_sign_key_create(path, owner, pk, &err) == 0) {
		printf("%s\n", pk);
		if (owner && geteuid() == 0 && strcmp(owner, c->daemon_user) != 0)
			fprintf(stderr, "mugai keygen: user %s does not exist: the key belongs to %s, "
			        "as mugaid will run (create %s, or set daemon.user)\n",
			        c->daemon_user, owner, c->daemon_user);
		fprintf(stderr, "mugai keygen: secret key in %s (0600), public key in %s.pub; keep a "
		                "copy of the public key where reports are verified\n", path, path);
		rc = 0;
	} else {
		fprintf(stderr, "mugai keygen: %s\n", err ? err : "out of memory");
	}
	free(err);
	free(path);
	mg_config_free(c);
	return rc;
}

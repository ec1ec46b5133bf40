/*
 * mugai.c - the `mugai` command: one front end, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "mugai.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "sanitize", mg_cmd_sanitize, "sanitise a file, a mail or a directory" },
	{ "scan", mg_cmd_scan, "tell what sanitising would remove or block, writing nothing" },
	{ "check-config", mg_cmd_check_config, "check mugai.conf and print the effective configuration" },
	{ "quarantine", mg_cmd_quarantine, "review quarantined items: list, show, request, approve, verify" },
	{ "user", mg_cmd_user, "add and manage the reviewers, approvers and admins" },
	{ "token", mg_cmd_token, "make, list and revoke the REST API's client tokens" },
	{ "web", mg_cmd_web, "serve the review UI (Japanese and English) alone, without the daemon" },
	{ "keygen", mg_cmd_keygen, "make the Ed25519 key that signs reports (report.signing_key)" },
	{ "report", mg_cmd_report, "verify a signed report and its artefact offline" },
};

static void usage(FILE *to)
{
	fprintf(to, "usage: mugai COMMAND [ARGS]\n\n"
	            "mugai %s - sanitising gateway for the LGWAN segment (mugai: 無害)\n\ncommands:\n",
	        MUGAI_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\n'mugai COMMAND --help' describes one command.\n"
	            "Commands that read the configuration take -c FILE and -o section.key=value.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mugai %s\n", MUGAI_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mugai: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 1;
}

/* cmd_check_config.c - `mugai check-config`: the same checks mugaid runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"

int mg_cmd_check_config(int argc, char **argv)
{
	mg_config *c;
	char *text, *err = NULL;

	if (mg_cli_asks_help(argc, argv)) {
		printf("usage: mugai check-config [-c FILE] [-o section.key=value ...]\n\n"
		       "Reads the configuration like mugaid does, reports the first error\n"
		       "and exits 1, or prints the effective configuration and exits 0.\n");
		return 0;
	}
	c = mg_config_from_args(&argc, argv);
	if (!c)
		return 1;
	if (argc > 1) {
		fprintf(stderr, "mugai check-config: unexpected argument '%s'\n", argv[1]);
		mg_config_free(c);
		return 1;
	}
	if (mg_config_check(c, &err) < 0) {
		fprintf(stderr, "mugai: %s\n", err ? err : "configuration error");
		free(err);
		mg_config_free(c);
		return 1;
	}
	text = mg_config_describe(c);
	fputs(text ? text : "", stdout);
	free(text);
	mg_config_free(c);
	return 0;
}

/* cli_help.c - whether a command's arguments ask for its help. */
#include <string.h>

#include "commands.h"

int mg_cli_asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

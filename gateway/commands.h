/* commands.h - the `mugai` subcommands; each takes argv from its own name on. */
#ifndef MUGAI_COMMANDS_H
#define MUGAI_COMMANDS_H

int mg_cmd_sanitize(int argc, char **argv);
int mg_cmd_check_config(int argc, char **argv);

#endif

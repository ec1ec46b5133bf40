/* commands.h - the `mugai` subcommands; each takes argv from its own name on. */
#ifndef MUGAI_COMMANDS_H
#define MUGAI_COMMANDS_H

int mg_cmd_sanitize(int argc, char **argv);
int mg_cmd_scan(int argc, char **argv);
int mg_cmd_check_config(int argc, char **argv);
int mg_cmd_quarantine(int argc, char **argv);
int mg_cmd_user(int argc, char **argv);
int mg_cmd_web(int argc, char **argv);
int mg_cmd_keygen(int argc, char **argv);
int mg_cmd_report(int argc, char **argv);
int mg_cmd_token(int argc, char **argv);

/* Whether any argument after the command's name is --help or -h
 * (cli_help.c): asked before the configuration is read. */
int mg_cli_asks_help(int argc, char **argv);

/* Shared by the quarantine and user commands (cmd_user.c). */
struct mg_config;
struct mq_store;
/* Opens quarantine.dir + quarantine.index with the default release hook;
 * NULL after printing the error. */
struct mq_store *mg_cli_open_quarantine(const struct mg_config *c, const char *who);
/* A password from FILE (its first line), MUGAI_PASSWORD, or the terminal
 * (asked twice when confirm); NULL after printing why.  free() it. */
char *mg_cli_password(const char *file, const char *prompt, int confirm);
/* Checks USER's password; 0, or -1 after printing why. */
int mg_cli_authenticate(struct mq_store *s, const char *user, const char *password_file);
/* A path from the configuration as the daemon sees it (relative to
 * daemon.directory); free() it (cmd_keygen.c). */
char *mg_cli_daemon_path(const struct mg_config *c, const char *path);
/* `mugai quarantine unlock` (cmd_unlock.c): 0, or 1 after printing why. */
int mg_cli_unlock(struct mq_store *s, const struct mg_config *c, const char *id,
                  const char *user, const char *user_pwfile, const char *cand_file);
/* `mugai quarantine link` (cmd_link.c): 0, or 1 after printing why. */
int mg_cli_link(struct mq_store *s, const struct mg_config *c, const char *id,
                const char *recipient, const char *user, const char *user_pwfile);

#endif

/*
 * cmd_user.c - `mugai user`: the people who review the quarantine, and
 * the helpers the quarantine commands share (opening the store, reading a
 * password, authenticating the acting user).
 *
 * User management from the command line is the local operator's: whoever
 * can run mugai with write access to the index.  The audit log records
 * each change as "local:<login>".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "quarantine_open.h"
#include "config.h"
#include "fileio.h"
#include "quarantine.h"
#include "release.h"

#define PASSWORD_MAX 1024

mq_store *mg_cli_open_quarantine(const mg_config *c, const char *who)
{
	char *err = NULL;
	mq_store *s = mg_quarantine_open(c, &err);

	if (!s) {
		fprintf(stderr, "mugai %s: %s\n", who, err ? err : "cannot open the quarantine");
		free(err);
		return NULL;
	}
	mq_set_release_hook(s, mg_release_hook, (void *)(uintptr_t)c);
	return s;
}

static char *strip_newline(char *s)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		s[--n] = 0;
	if (n > 0 && s[n - 1] == '\r')
		s[--n] = 0;
	return s;
}

static char *password_from_file(const char *path)
{
	size_t len;
	unsigned char *data = mg_read_file(path, PASSWORD_MAX + 2, &len);
	char *pw, *nl;

	if (!data) {
		fprintf(stderr, "mugai: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (len > PASSWORD_MAX + 1 || memchr(data, 0, len)) {
		fprintf(stderr, "mugai: %s: not a password file\n", path);
		explicit_bzero(data, len);
		free(data);
		return NULL;
	}
	pw = strndup((const char *)data, len);
	explicit_bzero(data, len);
	free(data);
	if (!pw)
		return NULL;
	nl = strchr(pw, '\n'); /* the first line only */
	if (nl)
		nl[1] = 0;
	return strip_newline(pw);
}

static char *prompt_tty(const char *prompt)
{
	struct termios old, quiet;
	char buf[PASSWORD_MAX + 2];
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	FILE *tty;
	char *line = NULL;

	if (fd < 0)
		return NULL;
	tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return NULL;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof(buf), tty))
		line = strdup(strip_newline(buf));
	tcsetattr(fd, TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	explicit_bzero(buf, sizeof(buf));
	return line;
}

char *mg_cli_password(const char *file, const char *prompt, int confirm)
{
	const char *env = getenv("MUGAI_PASSWORD");
	char *pw, *again;

	if (file)
		return password_from_file(file);
	if (env)
		return strdup(env);
	pw = prompt_tty(prompt);
	if (!pw) {
		fprintf(stderr, "mugai: no password: give --password-file FILE, set MUGAI_PASSWORD, "
		                "or run on a terminal\n");
		return NULL;
	}
	if (!confirm)
		return pw;
	again = prompt_tty("Again: ");
	if (!again || strcmp(pw, again) != 0) {
		fprintf(stderr, "mugai: the passwords differ\n");
		free(pw);
		pw = NULL;
	}
	free(again);
	return pw;
}

int mg_cli_authenticate(mq_store *s, const char *user, const char *password_file)
{
	char prompt[128], *pw, *err = NULL;
	int rc;

	if (!user) {
		fprintf(stderr, "mugai: this action needs --user NAME (the person doing it)\n");
		return -1;
	}
	snprintf(prompt, sizeof(prompt), "Password for %.64s: ", user);
	pw = mg_cli_password(password_file, prompt, 0);
	if (!pw)
		return -1;
	rc = mq_user_auth(s, user, pw, NULL, &err);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (rc != MQ_OK)
		fprintf(stderr, "mugai: %s\n", err ? err : "authentication failed");
	free(err);
	return rc == MQ_OK ? 0 : -1;
}

/* --- mugai user --------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai user [-c FILE] [-o section.key=value] ACTION ...\n\n"
	        "  add NAME --role reviewer|approver|admin|auditor [--password-file FILE]\n"
	        "  passwd NAME [--password-file FILE]\n"
	        "  role NAME reviewer|approver|admin|auditor\n"
	        "  disable NAME | enable NAME\n"
	        "  lang NAME ja|en\n"
	        "  list\n\n"
	        "Passwords come from --password-file (its first line), the MUGAI_PASSWORD\n"
	        "environment variable, or the terminal (asked twice).  At least 8 characters.\n"
	        "Roles: a reviewer requests releases, an approver approves or denies them\n"
	        "(never their own request) and may download originals, an admin does both\n"
	        "and deletes, purges and manages users; an auditor reads items, reports and\n"
	        "the audit log but never releases or downloads an original.\n");
}

static int report(int rc, char *err, const char *done)
{
	if (rc == MQ_OK)
		printf("%s\n", done);
	else
		fprintf(stderr, "mugai user: %s\n", err ? err : "failed");
	free(err);
	return rc == MQ_OK ? 0 : 1;
}

static int list_users(mq_store *s)
{
	mq_user *u;
	size_t n;
	char *err = NULL;

	if (mq_user_list(s, &u, &n, &err) != MQ_OK)
		return report(MQ_E_ERROR, err, "");
	printf("%-24s %-9s %-4s %-8s %s\n", "NAME", "ROLE", "LANG", "STATE", "CREATED");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)u[i].created;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
		printf("%-24s %-9s %-4s %-8s %s\n", u[i].name, mq_role_name(u[i].role), u[i].lang,
		       u[i].disabled ? "disabled" : "enabled", when);
	}
	mq_users_free(u, n);
	return 0;
}

static int with_password(mq_store *s, const char *action, const char *name, mq_role role,
                         const char *pwfile)
{
	char prompt[128], *pw, *err = NULL, done[160];
	int rc;

	snprintf(prompt, sizeof(prompt), "New password for %.64s: ", name);
	pw = mg_cli_password(pwfile, prompt, 1);
	if (!pw)
		return 1;
	if (strcmp(action, "add") == 0) {
		rc = mq_user_add(s, NULL, name, role, pw, &err);
		snprintf(done, sizeof(done), "user %.64s added as %s", name, mq_role_name(role));
	} else {
		rc = mq_user_set_password(s, NULL, name, pw, &err);
		snprintf(done, sizeof(done), "password of %.64s changed", name);
	}
	explicit_bzero(pw, strlen(pw));
	free(pw);
	return report(rc, err, done);
}

static int run(mq_store *s, const char *action, int argc, char **argv, const char *role_opt,
               const char *pwfile)
{
	const char *name = argc > 0 ? argv[0] : NULL;
	char *err = NULL, done[160];
	mq_role role = MQ_ROLE_NONE;
	int rc;

	if (strcmp(action, "list") == 0 && argc == 0)
		return list_users(s);
	if (!name || argc > 2)
		goto bad;
	if (strcmp(action, "add") == 0 && argc == 1) {
		if (!role_opt || mq_role_parse(role_opt, &role) < 0) {
			fprintf(stderr, "mugai user add: --role reviewer|approver|admin|auditor is required\n");
			return 1;
		}
		return with_password(s, action, name, role, pwfile);
	}
	if (strcmp(action, "passwd") == 0 && argc == 1)
		return with_password(s, action, name, role, pwfile);
	if (strcmp(action, "role") == 0 && argc == 2) {
		if (mq_role_parse(argv[1], &role) < 0)
			goto bad;
		rc = mq_user_set_role(s, NULL, name, role, &err);
		snprintf(done, sizeof(done), "%.64s is now %s", name, mq_role_name(role));
		return report(rc, err, done);
	}
	if ((strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) && argc == 1) {
		rc = mq_user_set_disabled(s, NULL, name, action[0] == 'd', &err);
		snprintf(done, sizeof(done), "%.64s %sd", name, action);
		return report(rc, err, done);
	}
	if (strcmp(action, "lang") == 0 && argc == 2) {
		rc = mq_user_set_lang(s, NULL, name, argv[1], &err);
		snprintf(done, sizeof(done), "%.64s's language is %s", name, argv[1]);
		return report(rc, err, done);
	}
bad:
	usage(stderr);
	return 1;
}

int mg_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *role = NULL, *pwfile = NULL;
	mg_config *c;
	mq_store *s;
	int opt, rc;

	if (mg_cli_asks_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	c = mg_config_from_args(&argc, argv);
	if (!c)
		return 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r')
			role = optarg;
		else if (opt == 'p')
			pwfile = optarg;
		else {
			usage(stderr);
			mg_config_free(c);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		mg_config_free(c);
		return 1;
	}
	s = mg_cli_open_quarantine(c, "user");
	rc = s ? run(s, argv[optind], argc - optind - 1, argv + optind + 1, role, pwfile) : 1;
	mq_close(s);
	mg_config_free(c);
	return rc;
}

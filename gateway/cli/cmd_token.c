/*
 * cmd_token.c - `mugai token`: the REST API's clients.  A token is shown
 * once, when made; the index keeps only its hash.  Each change is in the
 * audit chain as the operator ("local:<login>").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_token.h"
#include "commands.h"
#include "config.h"

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai token [-c FILE] [-o section.key=value] ACTION ...\n\n"
	        "  add NAME --scopes sanitize,read,request   make a client's token (shown once)\n"
	        "  revoke NAME                                the token stops working at once\n"
	        "  list                                       every client, live and revoked\n\n"
	        "Scopes: sanitize (POST /api/v1/sanitize), read (GET an item and its report),\n"
	        "request (ask for a release; approval stays a reviewer's, in the review UI).\n"
	        "Clients call the API on api.listen with \"Authorization: Bearer TOKEN\".\n");
}

static int add(mq_store *s, const char *name, const char *scopes_opt)
{
	char token[MQ_API_TOKEN_SIZE], scopes_txt[32], *err = NULL;
	unsigned scopes;

	if (!scopes_opt || mq_api_scopes_parse(scopes_opt, &scopes) < 0) {
		fprintf(stderr, "mugai token add: --scopes takes sanitize, read and request, "
		                "comma separated\n");
		return 1;
	}
	if (mq_api_token_add(s, NULL, name, scopes, token, sizeof(token), &err) != MQ_OK) {
		fprintf(stderr, "mugai token add: %s\n", err ? err : "failed");
		free(err);
		return 1;
	}
	mq_api_scopes_format(scopes, scopes_txt, sizeof(scopes_txt));
	fprintf(stderr, "token for %s (%s); it is not shown again:\n", name, scopes_txt);
	printf("%s\n", token);
	memset(token, 0, sizeof(token));
	return 0;
}

static int revoke(mq_store *s, const char *name)
{
	char *err = NULL;

	if (mq_api_token_revoke(s, NULL, name, &err) != MQ_OK) {
		fprintf(stderr, "mugai token revoke: %s\n", err ? err : "failed");
		free(err);
		return 1;
	}
	printf("token of %s revoked\n", name);
	return 0;
}

static void print_time(int64_t t)
{
	char when[32] = "-";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&tt, &tm));
	printf(" %-16s", when);
}

static int list(mq_store *s)
{
	mq_api_token *t;
	size_t n;
	char *err = NULL, scopes[32];

	if (mq_api_token_list(s, &t, &n, &err) != MQ_OK) {
		fprintf(stderr, "mugai token list: %s\n", err ? err : "failed");
		free(err);
		return 1;
	}
	printf("%-24s %-24s %-16s %-16s %s\n", "NAME", "SCOPES", "CREATED", "REVOKED", "BY");
	for (size_t i = 0; i < n; i++) {
		mq_api_scopes_format(t[i].scopes, scopes, sizeof(scopes));
		printf("%-24s %-24s", t[i].name, scopes);
		print_time(t[i].created);
		print_time(t[i].revoked);
		printf(" %s\n", t[i].created_by);
	}
	free(t);
	return 0;
}

static int run(mq_store *s, int argc, char **argv, const char *scopes)
{
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return list(s);
	if (argc == 2 && strcmp(argv[0], "add") == 0)
		return add(s, argv[1], scopes);
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return revoke(s, argv[1]);
	usage(stderr);
	return 1;
}

int mg_cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scopes", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *scopes = NULL;
	mg_config *c;
	mq_store *s;
	int opt, rc;

	if (mg_cli_asks_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	if (!(c = mg_config_from_args(&argc, argv)))
		return 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 's') {
			usage(stderr);
			mg_config_free(c);
			return 1;
		}
		scopes = optarg;
	}
	s = mg_cli_open_quarantine(c, "token");
	rc = s ? run(s, argc - optind, argv + optind, scopes) : 1;
	mq_close(s);
	mg_config_free(c);
	return rc;
}

/*
 * cmd_scan.c - `mugai scan`: what sanitising would remove or block, with
 * nothing written but the report.
 *
 * Each input (a file, a mail, or every file below a directory) goes
 * through the core exactly as `mugai sanitize` sends it, and the artefact
 * is thrown away; the report says, per item, every element that would be
 * removed (at any depth: attachments, archive members) and whether the
 * item would be blocked.  An administrator runs it before changing a
 * policy, or on a sample of mail, to see what users would lose.
 *
 * Exit codes are a contract for scripts: 0 nothing would be removed or
 * blocked, 2 something would, 1 usage or internal error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "banks.h"
#include "commands.h"
#include "config.h"
#include "fileio.h"
#include "mugai.h"

enum { EXIT_CLEAN = 0, EXIT_ERROR = 1, EXIT_FOUND = 2 };

struct scan {
	mg_core *core;
	mg_mode mode;
	size_t max_size;
	bool mail;            /* --mail: inputs are messages, as on the SMTP channel */
	json_t *items;        /* one entry per input file */
	unsigned clean, found, blocked, failed;
};

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai scan [--mode text|flatten|cdr] [--policy FILE] [--bank NAME]\n"
	        "                  [--report FILE] [--mail] [-c mugai.conf]\n"
	        "                  [-o section.key=value ...] IN...\n\n"
	        "Tells what sanitising each IN (a file, a mail, or every file below a\n"
	        "directory) would remove or block, without writing any output.\n\n"
	        "  --mode MODE     as for mugai sanitize\n"
	        "  --policy FILE   INI file with a [policy] section (actions and limits)\n"
	        "  --bank NAME     the policy bank [policy:NAME] of mugai.conf instead of\n"
	        "                  [policy]\n"
	        "  --report FILE   write the JSON report of every item there\n"
	        "  --mail          read each IN as a message, as the SMTP channel does\n"
	        "  -c FILE, -o section.key=value\n"
	        "                  read mugai.conf and override keys, as mugaid does\n\n"
	        "Exit status: 0 nothing would be removed or blocked, 2 something would,\n"
	        "1 usage or internal error.\n");
}

/* Every removal below report r, each as {"where","what","why"}, into out:
 * the "removed" entries, links removed, and nested items blocked. */
static void collect(json_t *r, const char *where, json_t *out)
{
	json_t *e, *child;
	size_t i;

	json_array_foreach(json_object_get(r, "removed"), i, e)
		json_array_append_new(out, json_pack("{s:s,s:O,s:O}", "where", where,
		                                     "what", json_object_get(e, "what"),
		                                     "why", json_object_get(e, "why")));
	json_array_foreach(json_object_get(r, "links"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "action")) ?: "", "removed") == 0)
			json_array_append_new(out, json_pack("{s:s,s:s,s:O}", "where", where,
			                                     "what", "link", "why", json_object_get(e, "url")));
	json_array_foreach(json_object_get(r, "children"), i, child) {
		const char *name = json_string_value(json_object_get(child, "name"));
		char *sub = NULL;

		if (asprintf(&sub, "%s/%s", where, name ? name : "?") < 0)
			continue;
		collect(child, sub, out);
		free(sub);
	}
}

static void print_item(const char *path, const mg_result *res, json_t *removals)
{
	size_t i;
	json_t *e;

	if (res->verdict != MG_VERDICT_SANITISED)
		printf("%s: would be blocked (%s): %s\n", path, mg_status_name(res->status),
		       res->reason ? res->reason : "");
	else if (json_array_size(removals) == 0)
		printf("%s: clean\n", path);
	else
		printf("%s: %zu elements would be removed\n", path, json_array_size(removals));
	json_array_foreach(removals, i, e)
		printf("  - %s: %s: %s\n", json_string_value(json_object_get(e, "where")),
		       json_string_value(json_object_get(e, "what")) ?: "?",
		       json_string_value(json_object_get(e, "why")) ?: "");
}

static int scan_one(struct scan *sc, const char *path)
{
	mg_input in = { 0 };
	mg_result res;
	size_t len = 0;
	unsigned char *data = mg_read_file(path, sc->max_size, &len);
	json_t *report, *removals;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	bool found;

	if (!data) {
		fprintf(stderr, "mugai scan: %s: %s\n", path, strerror(errno));
		sc->failed++;
		return EXIT_ERROR;
	}
	in.data = data;
	in.len = len;
	in.name = base;
	in.is_mail = sc->mail;
	mg_sanitize(sc->core, &in, sc->mode, &res);
	report = json_loads(res.report_json, 0, NULL);
	removals = json_array();
	collect(report, base, removals);
	found = res.verdict != MG_VERDICT_SANITISED || json_array_size(removals) > 0;
	print_item(path, &res, removals);
	json_array_append_new(sc->items,
	                      json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "path", path,
	                                "verdict", mg_verdict_name(res.verdict),
	                                "status", mg_status_name(res.status),
	                                "would_remove", removals,
	                                "clean", json_boolean(!found),
	                                "report", report ? report : json_null()));
	if (res.verdict != MG_VERDICT_SANITISED)
		sc->blocked++;
	else if (found)
		sc->found++;
	else
		sc->clean++;
	mg_result_free(&res);
	free(data);
	return found ? EXIT_FOUND : EXIT_CLEAN;
}

static int worst(int a, int b)
{
	return a == EXIT_ERROR || b == EXIT_ERROR ? EXIT_ERROR : a > b ? a : b;
}

static int scan_path(struct scan *sc, const char *path);

static int scan_dir(struct scan *sc, const char *dir)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort), rc = EXIT_CLEAN;

	if (n < 0) {
		fprintf(stderr, "mugai scan: %s: %s\n", dir, strerror(errno));
		sc->failed++;
		return EXIT_ERROR;
	}
	for (int i = 0; i < n; i++) {
		char *sub = NULL;

		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..") &&
		    asprintf(&sub, "%s/%s", dir, list[i]->d_name) >= 0)
			rc = worst(rc, scan_path(sc, sub));
		free(sub);
		free(list[i]);
	}
	free(list);
	return rc;
}

static int scan_path(struct scan *sc, const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		fprintf(stderr, "mugai scan: %s: %s\n", path, strerror(errno));
		sc->failed++;
		return EXIT_ERROR;
	}
	if (S_ISDIR(st.st_mode))
		return scan_dir(sc, path);
	if (S_ISREG(st.st_mode))
		return scan_one(sc, path);
	return EXIT_CLEAN; /* links, devices: never followed */
}

static int write_report(struct scan *sc, const char *path)
{
	json_t *doc = json_pack("{s:s,s:{s:i,s:i,s:i,s:i},s:O}", "mugai_version", MUGAI_VERSION,
	                        "summary", "clean", sc->clean, "would_remove", sc->found,
	                        "would_block", sc->blocked, "errors", sc->failed,
	                        "items", sc->items);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int rc = 0;

	if (!text || mg_write_file_atomic(path, text, strlen(text)) < 0) {
		fprintf(stderr, "mugai scan: %s: %s\n", path, text ? strerror(errno) : "out of memory");
		rc = -1;
	}
	free(text);
	json_decref(doc);
	return rc;
}

int mg_cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "policy", required_argument, NULL, 'p' },
		{ "bank", required_argument, NULL, 'b' },
		{ "report", required_argument, NULL, 'r' },
		{ "mail", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan sc = { 0 };
	const char *report = NULL, *bank = NULL;
	const mg_policy *policy;
	mg_config *cfg = mg_config_from_args(&argc, argv);
	char *err = NULL;
	int c, rc = EXIT_CLEAN;

	if (!cfg)
		return EXIT_ERROR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (mg_mode_parse(optarg, &sc.mode) < 0) {
				fprintf(stderr, "mugai scan: unknown mode '%s'\n", optarg);
				goto usage_error;
			}
			break;
		case 'p':
			if (mg_policy_load(cfg->policy, optarg, &err) < 0) {
				fprintf(stderr, "mugai scan: %s\n", err);
				free(err);
				mg_config_free(cfg);
				return EXIT_ERROR;
			}
			break;
		case 'b':
			bank = optarg;
			break;
		case 'r':
			report = optarg;
			break;
		case 'M':
			sc.mail = true;
			break;
		case 'h':
			usage(stdout);
			mg_config_free(cfg);
			return EXIT_CLEAN;
		default:
			goto usage_error;
		}
	}
	if (optind >= argc)
		goto usage_error;
	policy = bank ? mg_banks_named(cfg->banks, cfg->policy, bank, &err) : cfg->policy;
	sc.core = policy ? mg_core_new(policy, &err) : NULL;
	if (!sc.core) {
		fprintf(stderr, "mugai scan: %s\n", err ? err : "cannot start the core");
		free(err);
		mg_config_free(cfg);
		return EXIT_ERROR;
	}
	sc.max_size = (size_t)mg_policy_max_size(policy);
	sc.items = json_array();
	for (int i = optind; i < argc; i++)
		rc = worst(rc, scan_path(&sc, argv[i]));
	printf("%u clean, %u with something to remove, %u to block, %u errors\n", sc.clean,
	       sc.found, sc.blocked, sc.failed);
	if (report && write_report(&sc, report) < 0)
		rc = EXIT_ERROR;
	json_decref(sc.items);
	mg_core_free(sc.core);
	mg_config_free(cfg);
	return rc;
usage_error:
	usage(stderr);
	mg_config_free(cfg);
	return EXIT_ERROR;
}

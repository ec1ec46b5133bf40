/*
 * cmd_sanitize.c - `mugai sanitize`: one file or mail, or a directory tree.
 *
 * Exit codes are a contract for scripts: 0 every item sanitised and
 * written, 2 something was blocked (nothing written for it, the reason in
 * its report), 1 usage or internal error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banks.h"
#include "commands.h"
#include "config.h"
#include "fileio.h"
#include "mugai.h"
#include "office_convert.h"
#include "password_file.h"

enum { EXIT_SANITISED = 0, EXIT_ERROR = 1, EXIT_BLOCKED = 2 };

struct job {
	mg_core *core;
	mg_mode mode;
	char **passwords;        /* --password-file: candidates, one a line */
	size_t n_passwords;
	size_t max_size;
	const char *report_path; /* single-file mode */
	bool progress;
	unsigned done, total;
	unsigned sanitised, blocked, failed;
};

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai sanitize [--mode text|flatten|cdr] [--policy FILE] [--bank NAME]\n"
	        "                      [--report FILE] [--password-file FILE] [-c mugai.conf]\n"
	        "                      [-o section.key=value ...] IN OUT\n\n"
	        "Sanitises IN (a file or a mail) into OUT, or every file below the directory\n"
	        "IN into the directory OUT.  The type comes from the content, never the name.\n\n"
	        "  --mode MODE     text: extract text; flatten: render PDFs to page images with\n"
	        "                  their text as an invisible layer; cdr: rebuild documents\n"
	        "                  without active content.  Default: the policy's action for\n"
	        "                  each type.\n"
	        "  --policy FILE   INI file with a [policy] section (actions and limits)\n"
	        "  --bank NAME     the policy bank [policy:NAME] of mugai.conf instead of\n"
	        "                  [policy], as mugaid would choose it by its [rules]\n"
	        "  --report FILE   write the JSON report there (single file).  In directory mode\n"
	        "                  each report is written beside its output as NAME.report.json.\n"
	        "  --password-file FILE\n"
	        "                  candidate passwords for encrypted items (a PPAP zip, a PDF\n"
	        "                  or Office document with a password), one a line, tried in\n"
	        "                  order (at most policy.max_password_candidates).  What one\n"
	        "                  opens is sanitised like any other content; no password is\n"
	        "                  written to the output, the report or the terminal.\n"
	        "  -c FILE, -o section.key=value\n"
	        "                  read mugai.conf and override keys, as mugaid does\n\n"
	        "Exit status: 0 sanitised, 2 blocked (nothing written to OUT; the reason is in\n"
	        "the report), 1 usage or internal error.\n");
}

/* Writes the artefact and the report; out is a file path, or with out_dir
 * set, the artefact is named after the input and its new type. */
static int deliver(const char *in, const mg_result *res, const char *out, const char *out_dir,
                   const char *report)
{
	char *path = NULL, *name = NULL;
	int rc = EXIT_SANITISED;

	if (report && mg_write_file_atomic(report, res->report_json, strlen(res->report_json)) < 0) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", report, strerror(errno));
		return EXIT_ERROR;
	}
	if (res->verdict != MG_VERDICT_SANITISED)
		return EXIT_BLOCKED;
	if (out_dir) {
		name = mg_output_name(in, res->out_ext);
		if (!name || asprintf(&path, "%s/%s", out_dir, name) < 0)
			path = NULL;
		out = path;
	}
	if (!out || mg_write_file_atomic(out, res->out, res->out_len) < 0) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", out ? out : in, strerror(errno));
		rc = EXIT_ERROR;
	}
	free(name);
	free(path);
	return rc;
}

static int sanitize_one(struct job *job, const char *in, const char *out, const char *out_dir,
                        const char *report)
{
	mg_input input = { 0 };
	mg_result res;
	size_t len = 0;
	unsigned char *data = mg_read_file(in, job->max_size, &len);
	int rc;

	if (!data) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", in, strerror(errno));
		job->failed++;
		return EXIT_ERROR;
	}
	input.data = data;
	input.len = len;
	input.name = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
	mg_sanitize_unlock(job->core, &input, (const char *const *)job->passwords,
	                   job->n_passwords, job->mode, &res);
	rc = deliver(in, &res, out, out_dir, report);
	if (!job->progress) {
		if (res.verdict == MG_VERDICT_SANITISED)
			fprintf(stderr, "%s: sanitised (%s)\n", in, res.out_type);
		else
			fprintf(stderr, "%s: blocked (%s): %s\n", in, mg_status_name(res.status),
			        res.reason);
	}
	if (rc == EXIT_ERROR)
		job->failed++;
	else if (res.verdict == MG_VERDICT_SANITISED)
		job->sanitised++;
	else
		job->blocked++;
	mg_result_free(&res);
	free(data);
	return rc;
}

/* The candidates of --password-file (password_file.h): kept in memory
 * only, wiped when done. */
static int read_passwords(struct job *job, const char *path)
{
	char *err = NULL;

	job->passwords = mg_password_file_read(path, &job->n_passwords, &err);
	if (!job->passwords) {
		fprintf(stderr, "mugai sanitize: %s\n", err ? err : "out of memory");
		free(err);
		return -1;
	}
	return 0;
}

static void free_passwords(struct job *job)
{
	mg_password_found_free(job->passwords, job->n_passwords);
	job->passwords = NULL;
	job->n_passwords = 0;
}

static void progress(struct job *job, const char *name)
{
	enum { WIDTH = 30 };
	unsigned fill = job->total ? job->done * WIDTH / job->total : WIDTH;

	if (!job->progress)
		return;
	printf("\r[");
	for (unsigned i = 0; i < WIDTH; i++)
		putchar(i < fill ? '#' : ' ');
	printf("] %u/%u %-40.40s", job->done, job->total, name);
	fflush(stdout);
}

static int join(char **out, const char *dir, const char *name)
{
	return asprintf(out, "%s/%s", dir, name) < 0 ? -1 : 0;
}

/* Counts (count_only) or sanitises every regular file below in. */
static int walk(struct job *job, const char *in, const char *out, bool count_only)
{
	DIR *d = opendir(in);
	struct dirent *e;
	int worst = EXIT_SANITISED;

	if (!d) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", in, strerror(errno));
		return EXIT_ERROR;
	}
	if (!count_only && mg_mkdirs(out, 0755) < 0) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", out, strerror(errno));
		closedir(d);
		return EXIT_ERROR;
	}
	while ((e = readdir(d))) {
		char *src = NULL, *dst = NULL, *report = NULL;
		struct stat st;
		int rc = EXIT_SANITISED;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (join(&src, in, e->d_name) < 0 || lstat(src, &st) < 0) {
			free(src);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (join(&dst, out, e->d_name) == 0)
				rc = walk(job, src, dst, count_only);
		} else if (S_ISREG(st.st_mode) && count_only) {
			job->total++;
		} else if (S_ISREG(st.st_mode)) {
			if (asprintf(&report, "%s/%s.report.json", out, e->d_name) < 0)
				report = NULL;
			rc = report ? sanitize_one(job, src, NULL, out, report) : EXIT_ERROR;
			job->done++;
			progress(job, e->d_name);
		}
		/* worst of: sanitised < blocked < error */
		if (rc == EXIT_ERROR || (rc == EXIT_BLOCKED && worst == EXIT_SANITISED))
			worst = rc;
		free(src);
		free(dst);
		free(report);
	}
	closedir(d);
	return worst;
}

int mg_cmd_sanitize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "policy", required_argument, NULL, 'p' },
		{ "bank", required_argument, NULL, 'b' },
		{ "report", required_argument, NULL, 'r' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job job = { 0 };
	mg_config *cfg;
	const mg_policy *policy;
	const char *bank = NULL;
	struct stat st;
	char *err = NULL;
	int c, rc;

	cfg = mg_config_from_args(&argc, argv);
	if (!cfg)
		return EXIT_ERROR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (mg_mode_parse(optarg, &job.mode) < 0) {
				fprintf(stderr, "mugai sanitize: unknown mode '%s'\n", optarg);
				goto usage_error;
			}
			break;
		case 'p':
			if (mg_policy_load(cfg->policy, optarg, &err) < 0) {
				fprintf(stderr, "mugai sanitize: %s\n", err);
				free(err);
				free_passwords(&job);
				mg_config_free(cfg);
				return EXIT_ERROR;
			}
			break;
		case 'b':
			bank = optarg;
			break;
		case 'r':
			job.report_path = optarg;
			break;
		case 'P':
			if (job.passwords || read_passwords(&job, optarg) < 0) {
				free_passwords(&job);
				mg_config_free(cfg);
				return EXIT_ERROR;
			}
			break;
		case 'h':
			usage(stdout);
			free_passwords(&job);
			mg_config_free(cfg);
			return EXIT_SANITISED;
		default:
			goto usage_error;
		}
	}
	if (argc - optind != 2)
		goto usage_error;
	policy = bank ? mg_banks_named(cfg->banks, cfg->policy, bank, &err) : cfg->policy;
	job.core = policy ? mg_core_new(policy, &err) : NULL;
	if (!job.core) {
		fprintf(stderr, "mugai sanitize: %s\n", err ? err : "cannot start the core");
		free(err);
		free_passwords(&job);
		mg_config_free(cfg);
		return EXIT_ERROR;
	}
	/* policy pdf: LibreOffice in bubblewrap, started from here */
	mg_core_set_converter(job.core, mg_office_convert, NULL);
	job.max_size = (size_t)mg_policy_max_size(policy);
	if (stat(argv[optind], &st) < 0) {
		fprintf(stderr, "mugai sanitize: %s: %s\n", argv[optind], strerror(errno));
		rc = EXIT_ERROR;
	} else if (S_ISDIR(st.st_mode)) {
		job.progress = isatty(STDOUT_FILENO);
		walk(&job, argv[optind], argv[optind + 1], true);
		rc = walk(&job, argv[optind], argv[optind + 1], false);
		if (job.progress)
			putchar('\n');
		printf("%u sanitised, %u blocked, %u errors\n", job.sanitised, job.blocked, job.failed);
	} else {
		rc = sanitize_one(&job, argv[optind], argv[optind + 1], NULL, job.report_path);
	}
	mg_core_free(job.core);
	free_passwords(&job);
	mg_config_free(cfg);
	return rc;
usage_error:
	free_passwords(&job);
	usage(stderr);
	mg_config_free(cfg);
	return EXIT_ERROR;
}

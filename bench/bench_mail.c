/*
 * bench_mail.c - how fast the mail core and the HTML -> text conversion run.
 *
 *   bench_mail mail DIR [ROUNDS]   sanitises every file of DIR as a mail
 *   bench_mail html DIR [ROUNDS]   converts every file of DIR from HTML to text
 *
 * Prints one line "items=N bytes=B seconds=S per_s=R mb_s=M sanitised=K"
 * for bench/sections/mail.sh to compare with Python's email and html2text.
 * Files are read once before the clock starts: only the core is timed, warmed
 * up as a worker's zygote warms it (iconv modules held open).  The policy is
 * the default one, with the settings of MUGAI_BENCH_POLICY ("key=value,...")
 * on top, to time a feature that is off by default.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mugai.h"
#include "text.h"
#include "worker_proto.h"

/* Referenced so the families a mail needs are linked and registered. */
extern const mg_filter mg_filter_mail, mg_filter_text, mg_filter_html;

struct file {
	unsigned char *data;
	size_t len;
};

static int load(const char *dir, struct file **files, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*files = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		FILE *f;
		long len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*files = realloc(*files, cap * sizeof(**files));
		}
		(*files)[*n].data = malloc((size_t)len + 1);
		(*files)[*n].len = fread((*files)[*n].data, 1, (size_t)len, f);
		(*n)++;
		fclose(f);
	}
	closedir(d);
	return 0;
}

static unsigned run_mail(mg_core *core, const struct file *f)
{
	mg_input in = { f->data, f->len, "bench.eml", NULL, NULL, 1 };
	mg_result res;
	unsigned ok;

	mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
	ok = res.verdict == MG_VERDICT_SANITISED;
	mg_result_free(&res);
	return ok;
}

static unsigned run_html(const mg_policy *p, const struct file *f)
{
	mg_ctx ctx = { 0 };
	mg_buf out;
	unsigned ok;

	ctx.policy = p;
	ctx.deadline = mg_now() + 60;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&out, 1u << 26);
	ok = mg_html_to_text(&ctx, f->data, f->len, NULL, &out, NULL) == MG_OK;
	mg_buf_free(&out);
	json_decref(ctx.report);
	return ok;
}

/* MUGAI_BENCH_POLICY's settings into p; -1 on a bad one. */
static int policy_from_env(mg_policy *p)
{
	const char *env = getenv("MUGAI_BENCH_POLICY");
	char *copy, *save = NULL, *err = NULL;
	int rc = 0;

	if (!env || !*env)
		return 0;
	copy = strdup(env);
	for (char *kv = strtok_r(copy, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq || (*eq = 0, mg_policy_set(p, kv, eq + 1, &err) < 0)) {
			fprintf(stderr, "bench_mail: MUGAI_BENCH_POLICY: %s\n", err ? err : kv);
			free(err);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

int main(int argc, char **argv)
{
	struct file *files;
	size_t n, bytes = 0;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 1, ok = 0;
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core;
	double t0, secs;

	if (argc < 3 || (strcmp(argv[1], "mail") && strcmp(argv[1], "html"))) {
		fprintf(stderr, "usage: bench_mail mail|html DIR [ROUNDS]\n");
		return 1;
	}
	if (!mg_filter_mail.run || !mg_filter_text.run || !mg_filter_html.run || policy_from_env(p) < 0)
		return 1;
	core = mg_core_new(p, &err);
	if (!core || load(argv[2], &files, &n) < 0 || n == 0) {
		fprintf(stderr, "bench_mail: nothing to run (%s)\n", err ? err : argv[2]);
		return 1;
	}
	if (rounds == 0)
		rounds = 1;
	mg_worker_warm_up(core);
	t0 = mg_now();
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			ok += strcmp(argv[1], "mail") == 0 ? run_mail(core, &files[i]) : run_html(p, &files[i]);
			bytes += files[i].len;
		}
	secs = mg_now() - t0;
	printf("items=%zu bytes=%zu seconds=%.3f per_s=%.1f mb_s=%.2f sanitised=%u\n", n * rounds,
	       bytes, secs, (double)(n * rounds) / secs, (double)bytes / secs / 1048576.0, ok);
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
	free(files);
	mg_core_free(core);
	mg_policy_free(p);
	return 0;
}

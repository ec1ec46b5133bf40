/*
 * bench_archive.c - one zip through the archive filter (every member
 * unpacked, sanitised by the text family, packed again), for
 * bench/sections/archive.sh.  With --generate N OUT it writes a zip of N
 * text and CSV members instead, so the benchmark needs no large file in
 * the repository.
 *
 *   bench_archive IN.zip OUT.zip   -> "members=600 content_bytes=... seconds=0.412 bytes=..."
 *   bench_archive --generate 600 OUT.zip
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "internal.h"

extern const mg_filter mg_filter_archive;
extern const mg_filter mg_filter_text;

#define RUNS 3

/* Member i: a CSV of sales rows or a plain-text report, 20-40 KB each. */
static void member(mg_buf *b, unsigned i, char *name, size_t nlen)
{
	mg_buf_reset(b);
	if (i % 2 == 0) {
		snprintf(name, nlen, "sales/region%03u.csv", i);
		mg_buf_puts(b, "date,store,item,quantity,price\n");
		for (unsigned r = 0; b->len < 20000 + (i % 7) * 3000; r++)
			mg_buf_printf(b, "2024-%02u-%02u,store %u,item %u,%u,%u.%02u\n", r % 12 + 1,
			              r % 28 + 1, (i * 31 + r) % 50, (r * 7919) % 1000, r % 20 + 1,
			              (r * 37) % 500, r % 100);
	} else {
		snprintf(name, nlen, "reports/minutes%03u.txt", i);
		for (unsigned r = 0; b->len < 20000 + (i % 5) * 4000; r++)
			mg_buf_printf(b, "Item %u: the committee reviewed case %u and agreed to "
			              "follow up with department %u by the end of the month.\n",
			              r + 1, (i * 131 + r * 17) % 9973, r % 12 + 1);
	}
}

static int generate(unsigned n, const char *out)
{
	struct archive *a = archive_write_new();
	mg_buf b;
	char name[64];
	int rc = 1;

	mg_buf_init(&b, 1u << 20);
	archive_write_set_format_zip(a);
	if (archive_write_open_filename(a, out) != ARCHIVE_OK)
		goto done;
	for (unsigned i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();

		member(&b, i, name, sizeof(name));
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)b.len);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, b.data, b.len) != (la_ssize_t)b.len) {
			archive_entry_free(e);
			goto done;
		}
		archive_entry_free(e);
	}
	rc = archive_write_close(a) == ARCHIVE_OK ? 0 : 1;
done:
	if (rc)
		fprintf(stderr, "bench_archive: cannot write %s: %s\n", out, archive_error_string(a));
	archive_write_free(a);
	mg_buf_free(&b);
	return rc;
}

/* Members and their bytes, from the report's children. */
static void count(const char *report, unsigned *members, size_t *bytes)
{
	json_t *root = json_loads(report, 0, NULL), *child;
	size_t i;

	*members = 0;
	*bytes = 0;
	json_array_foreach(json_object_get(root, "children"), i, child) {
		(*members)++;
		*bytes += (size_t)json_integer_value(json_object_get(json_object_get(child, "input"),
		                                                     "size"));
	}
	json_decref(root);
}

int main(int argc, char **argv)
{
	mg_policy *policy;
	mg_core *core;
	mg_result res = { 0 };
	char *err = NULL;
	unsigned char *data;
	size_t len, bytes = 0;
	unsigned members = 0;
	double best = 1e9;
	int rc = 1;

	if (argc == 4 && strcmp(argv[1], "--generate") == 0)
		return generate((unsigned)atoi(argv[2]), argv[3]);
	if (argc != 3 || !mg_filter_archive.run || !mg_filter_text.run) {
		fprintf(stderr, "usage: bench_archive IN.zip OUT.zip | bench_archive --generate N OUT.zip\n");
		return 1;
	}
	data = mg_read_file(argv[1], 1u << 30, &len);
	if (!data) {
		perror(argv[1]);
		return 1;
	}
	policy = mg_policy_new();
	if (mg_policy_set(policy, "max_parts", "100000", &err) != 0 ||
	    !(core = mg_core_new(policy, &err))) {
		fprintf(stderr, "bench_archive: %s\n", err ? err : "core");
		goto done;
	}
	for (int run = 0; run < RUNS; run++) {
		mg_input in = { data, len, argv[1], NULL, NULL, 0 };
		double t0 = mg_now(), t;

		mg_result_free(&res);
		mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
		t = mg_now() - t0;
		if (res.verdict != MG_VERDICT_SANITISED)
			break;
		best = t < best ? t : best;
	}
	if (res.verdict == MG_VERDICT_SANITISED &&
	    mg_write_file_atomic(argv[2], res.out, res.out_len) == 0) {
		count(res.report_json, &members, &bytes);
		printf("members=%u content_bytes=%zu seconds=%.3f bytes=%zu\n", members, bytes, best,
		       res.out_len);
		rc = 0;
	} else {
		fprintf(stderr, "bench_archive: %s: %s\n", argv[1], res.reason ? res.reason : "cannot write");
	}
	mg_result_free(&res);
	mg_core_free(core);
done:
	mg_policy_free(policy);
	free(data);
	return rc;
}

/*
 * fuzz_ooxml.c - the OOXML and ODF filters on arbitrary bytes, in both
 * actions (cdr and text), and the StarOffice filter in both of its (the
 * package without its scripts that LibreOffice would get, and text).
 *
 * The filters are called directly (detection in front would send most
 * inputs elsewhere); images inside still go through mg_sanitize_child()
 * and the image filter.  Beyond "no crash, no leak, no hang", a rebuilt
 * package must read back as a zip with safe names, no macro or OLE part
 * and no external relationship, and text must be UTF-8: anything else
 * aborts, so the fuzzer reports it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_policy.h"
#include "internal.h"

extern const mg_filter mg_filter_ooxml, mg_filter_odf, mg_filter_staroffice;
extern const mg_filter mg_filter_image; /* linked in: the parts' images */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *policy;
static magic_t magic;

static void init(void)
{
	static const char *const limits[][2] = {
		{ "max_size", "8M" }, { "max_output", "16M" }, { "max_total", "32M" },
		{ "max_parts", "300" }, { "time_limit", "10s" },
	};

	policy = fuzz_policy(limits, sizeof(limits) / sizeof(limits[0]));
	magic = magic_open(MAGIC_NONE);
	if (!magic || magic_load(magic, NULL) != 0 || !mg_filter_image.run)
		abort();
}

static void check_member(const char *name, const char *data)
{
	static const char *const banned[] = { "vbaProject", "vbaData", "activeX", "embeddings/",
		                              "macrosheets/", "customUI", "Basic/", "Scripts/",
		                              "Object " };

	if (!name || name[0] == '/' || strstr(name, "..") || strchr(name, '\\'))
		abort();
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strcasestr(name, banned[i]))
			abort();
	if (strstr(name, ".rels") && (strstr(data, "TargetMode") || strstr(data, "Target=\"http")))
		abort();
}

static void check_package(const mg_buf *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc;

	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, out->data, out->len) != ARCHIVE_OK)
		abort();
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		size_t n = (size_t)archive_entry_size(e);
		char *buf = calloc(1, n + 1);

		if (!buf || archive_read_data(a, buf, n) != (la_ssize_t)n)
			abort();
		check_member(archive_entry_pathname(e), buf);
		free(buf);
	}
	if (rc != ARCHIVE_EOF)
		abort();
	archive_read_free(a);
}

static void run(const mg_filter *f, mg_action act, const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz", NULL, { 0 } };
	mg_ctx ctx = { 0 };
	mg_out out;

	ctx.policy = policy;
	ctx.magic = magic;
	ctx.deadline = mg_now() + policy->time_limit;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(&out, policy->max_output);
	if (f->run(&ctx, &item, act, &out) == MG_OK && ctx.status == MG_OK) {
		if (act == MG_ACT_CDR || act == MG_ACT_PDF)
			check_package(&out.data);
		else if (!g_utf8_validate((const char *)out.data.data, (gssize)out.data.len, NULL))
			abort();
	}
	mg_out_free(&out);
	json_decref(ctx.report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!policy)
		init();
	run(&mg_filter_ooxml, MG_ACT_CDR, data, size);
	run(&mg_filter_ooxml, MG_ACT_TEXT, data, size);
	run(&mg_filter_odf, MG_ACT_CDR, data, size);
	run(&mg_filter_odf, MG_ACT_TEXT, data, size);
	run(&mg_filter_staroffice, MG_ACT_PDF, data, size);
	run(&mg_filter_staroffice, MG_ACT_TEXT, data, size);
	return 0;
}

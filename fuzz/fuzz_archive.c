/*
 * fuzz_archive.c - the archive filter on arbitrary bytes.
 *
 * The filter is called directly (detection in front would send most
 * inputs elsewhere); members still go through mg_sanitize_child() and
 * their own families.  Limits are small so that one input stays short.
 * Beyond "no crash, no leak, no hang", a sanitised result must be a zip
 * whose every name is safe: a name that escapes is a crash too.
 */
#include <archive.h>
#include <archive_entry.h>
#include <glib.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_policy.h"
#include "internal.h"

extern const mg_filter mg_filter_archive;
extern const mg_filter mg_filter_text; /* linked in: the members' usual family */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *policy;
static magic_t magic;
static locale_t utf8;

static void init(void)
{
	static const char *const limits[][2] = {
		{ "max_size", "8M" }, { "max_output", "16M" }, { "max_total", "32M" },
		{ "max_parts", "200" }, { "time_limit", "10s" },
	};

	policy = fuzz_policy(limits, sizeof(limits) / sizeof(limits[0]));
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	magic = magic_open(MAGIC_NONE);
	if (!utf8 || !magic || magic_load(magic, NULL) != 0 || !mg_filter_text.run)
		abort();
}

static bool name_is_safe(const char *n)
{
	if (!n || !*n || n[0] == '/' || strchr(n, '\\') || !g_utf8_validate(n, -1, NULL))
		return false;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return false;
	return strcmp(n, "..") != 0 && strncmp(n, "../", 3) != 0 && !strstr(n, "/../") &&
	       !strstr(n, "/./") && strncmp(n, "./", 2) != 0 &&
	       (strlen(n) < 3 || strcmp(n + strlen(n) - 3, "/..") != 0);
}

/* The artefact must read back as a zip with safe names only (read in a
 * UTF-8 locale, so that libarchive hands the names over unconverted). */
static void check_artefact(const mg_buf *out)
{
	locale_t old = uselocale(utf8);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc;

	archive_read_support_format_zip_seekable(a);
	/* an empty zip is its end record alone, which the seekable reader refuses */
	if (out->len == 22 && memcmp(out->data, "PK\5\6", 4) == 0)
		rc = ARCHIVE_EOF;
	else if (archive_read_open_memory(a, out->data, out->len) != ARCHIVE_OK)
		abort();
	else
		while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK)
			if (!name_is_safe(archive_entry_pathname_utf8(e)) ||
			    archive_entry_filetype(e) != AE_IFREG)
				abort();
	if (rc != ARCHIVE_EOF)
		abort();
	archive_read_free(a);
	uselocale(old);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz.bin", NULL, { 0 } };
	mg_ctx ctx = { 0 };
	mg_out out;

	if (!policy)
		init();
	ctx.policy = policy;
	ctx.magic = magic;
	ctx.deadline = mg_now() + policy->time_limit;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(&out, policy->max_output);
	if (mg_filter_archive.run(&ctx, &item, MG_ACT_RECURSE, &out) == MG_OK &&
	    ctx.status == MG_OK)
		check_artefact(&out.data);
	mg_out_free(&out);
	json_decref(ctx.report);
	return 0;
}

/*
 * fuzz_ppap.c - the whole core on arbitrary bytes with candidate
 * passwords, as the gateway will call it for a PPAP attachment: detection,
 * then the zip probe (archive_crypt.c), the PDF unlock or Office
 * decryption, and whatever family the opened content belongs to.
 *
 * Beyond "no crash, no leak, no hang": no candidate password may appear
 * in the report or the artefact unless the input itself holds it (the
 * item's name and id hold none), and a zip artefact never has an
 * encrypted member.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_policy.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the seeds' passwords, and two that open nothing */
static const char *const candidates[] = { "wrong-guess", "fuzz", "VelvetSweatshop",
	                                  "12345678", "password", "" };
#define N_CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))
/* "password" is a word of mugai's own reasons ("password-protected") */
#define N_WATCHED 4

static mg_core *core;

static void init(void)
{
	static const char *const limits[][2] = {
		{ "max_size", "4M" }, { "max_output", "8M" }, { "max_total", "16M" },
		{ "max_parts", "100" }, { "time_limit", "10s" }, { "max_spin_count", "100000" },
	};
	mg_policy *p = fuzz_policy(limits, sizeof(limits) / sizeof(limits[0]));
	char *err = NULL;

	core = mg_core_new(p, &err);
	mg_policy_free(p);
	if (!core)
		abort();
}

static bool holds(const void *hay, size_t len, const char *needle)
{
	return hay && *needle && memmem(hay, len, needle, strlen(needle)) != NULL;
}

static void check_zip(const mg_result *res)
{
	struct archive *a;
	struct archive_entry *e;

	if (!res->out_type || strcmp(res->out_type, "application/zip") != 0)
		return;
	a = archive_read_new();
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, res->out, res->out_len) == ARCHIVE_OK)
		while (archive_read_next_header(a, &e) == ARCHIVE_OK)
			if (archive_entry_is_encrypted(e))
				abort();
	archive_read_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_input in = { 0 };
	mg_result res;

	if (!core)
		init();
	in.data = data;
	in.len = size;
	in.name = "item.bin";
	in.item_id = "item-1";
	mg_sanitize_unlock(core, &in, candidates, N_CANDIDATES, MG_MODE_DEFAULT, &res);
	for (size_t i = 0; i < N_WATCHED; i++)
		if (!holds(data, size, candidates[i]) &&
		    (holds(res.report_json, strlen(res.report_json), candidates[i]) ||
		     holds(res.out, res.out_len, candidates[i])))
			abort();
	if (res.verdict == MG_VERDICT_SANITISED)
		check_zip(&res);
	mg_result_free(&res);
	return 0;
}

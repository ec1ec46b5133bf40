/*
 * fuzz_ole2.c - the legacy Office filter (compound files: Word piece
 * tables, BIFF8 records, PowerPoint records) on arbitrary bytes.
 *
 * Called directly, past detection.  Beyond "no crash, no leak, no hang",
 * the text it writes must be UTF-8 with no control character but tab and
 * newline.
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_policy.h"
#include "internal.h"

extern const mg_filter mg_filter_ole2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *policy;

static void init(void)
{
	static const char *const limits[][2] = {
		{ "max_size", "8M" }, { "max_output", "16M" }, { "max_parts", "2000" },
		{ "time_limit", "10s" },
	};

	policy = fuzz_policy(limits, sizeof(limits) / sizeof(limits[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz", NULL, { 0 } };
	mg_ctx ctx = { 0 };
	mg_out out;

	if (!policy)
		init();
	ctx.policy = policy;
	ctx.deadline = mg_now() + policy->time_limit;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(&out, policy->max_output);
	if (mg_filter_ole2.run(&ctx, &item, MG_ACT_TEXT, &out) == MG_OK && ctx.status == MG_OK)
		fuzz_check_text(&out.data);
	mg_out_free(&out);
	json_decref(ctx.report);
	return 0;
}

/*
 * fuzz_pdf.c - the PDF filter on arbitrary bytes, in both modes.
 *
 * The filter is called directly (no type detection in front) so every
 * input reaches poppler.  Limits are small so one input stays well under
 * the fuzzer's timeout: a few pages at a low resolution.
 *
 * pdf/multimedia_annotations.pdf is left out of the seeds on purpose:
 * mutations of its rendition actions reach a NULL dereference inside
 * poppler-glib 22.12 (_poppler_media_new on a media clip without a file
 * name, called while listing annotations) within seconds.  That crash is
 * the library's; in the gateway the sandboxed worker dies and the item is
 * blocked, which is the fail-closed outcome.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

extern const mg_filter mg_filter_pdf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* fontconfig (under poppler and cairo) never frees what it allocates while
 * parsing its own configuration, once per process: not a leak of ours. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static mg_policy *fuzz_policy(void)
{
	static mg_policy *p;
	char *err = NULL;

	if (!p) {
		p = mg_policy_new();
		mg_policy_set(p, "max_pages", "4", &err);
		mg_policy_set(p, "pdf_dpi", "36", &err);
		mg_policy_set(p, "max_pixels", "4M", &err);
		mg_policy_set(p, "max_output", "16M", &err);
		mg_policy_set(p, "time_limit", "10s", &err);
		/* Tesseract is fuzzed by its own project; here it would only
		 * slow every blank page down */
		mg_policy_set(p, "ocr", "no", &err);
	}
	return p;
}

static void run(const mg_item *item, mg_action action)
{
	mg_ctx ctx = { 0 };
	mg_out out;

	ctx.policy = fuzz_policy();
	ctx.deadline = mg_now() + ctx.policy->time_limit;
	ctx.report = mg_report_new(NULL, item);
	mg_out_init(&out, ctx.policy->max_output);
	mg_filter_pdf.run(&ctx, item, action, &out);
	mg_out_free(&out);
	json_decref(ctx.report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz.pdf", NULL, { MG_FAM_PDF, "application/pdf", "" } };

	run(&item, MG_ACT_FLATTEN);
	run(&item, MG_ACT_TEXT);
	return 0;
}

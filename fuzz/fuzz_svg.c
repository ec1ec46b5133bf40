/*
 * fuzz_svg.c - the SVG path on arbitrary bytes: the check for references
 * outside the document, then librsvg's drawing of what the check let by.
 *
 * The reference check also runs on its own, so that inputs it refuses
 * still exercise its walk; max_pixels is small so that a large canvas is
 * refused (or drawn small) quickly.
 */
#include <stdint.h>
#include <stdlib.h>

#include "image_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *fuzz_policy(void)
{
	static mg_policy *p;
	char *err = NULL;

	if (!p) {
		p = mg_policy_new();
		mg_policy_set(p, "max_pixels", "1M", &err);
		mg_policy_set(p, "max_dimension", "4096", &err);
		mg_policy_set(p, "time_limit", "10s", &err);
	}
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz.svg", NULL, { MG_FAM_IMAGE, "image/svg+xml", "" } };
	mg_ctx ctx = { 0 };
	mg_image img = { 0 };

	ctx.policy = fuzz_policy();
	ctx.deadline = mg_now() + ctx.policy->time_limit;
	ctx.report = mg_report_new(NULL, &item);
	if (mg_svg_sniff(data, size))
		mg_svg_decode(&ctx, data, size, &img);
	else
		mg_svg_check_refs(&ctx, data, size);
	mg_image_free(&img);
	json_decref(ctx.report);
	return 0;
}

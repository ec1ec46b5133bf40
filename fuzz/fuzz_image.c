/*
 * fuzz_image.c - the image filter on arbitrary bytes.
 *
 * The filter is called directly: it picks the decoder from the signature,
 * so the fuzzer reaches all six decoders and both encoders.  max_pixels is
 * small so a header declaring a large image is refused quickly.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

extern const mg_filter mg_filter_image;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *fuzz_policy(void)
{
	static mg_policy *p;
	char *err = NULL;

	if (!p) {
		p = mg_policy_new();
		mg_policy_set(p, "max_pixels", "4M", &err);
		mg_policy_set(p, "max_dimension", "8192", &err);
		mg_policy_set(p, "max_output", "64M", &err);
		mg_policy_set(p, "time_limit", "10s", &err);
	}
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_item item = { data, size, "fuzz.img", NULL, { MG_FAM_IMAGE, "image/x-fuzz", "" } };
	mg_ctx ctx = { 0 };
	mg_out out;

	ctx.policy = fuzz_policy();
	ctx.deadline = mg_now() + ctx.policy->time_limit;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(&out, ctx.policy->max_output);
	mg_filter_image.run(&ctx, &item, MG_ACT_REENCODE, &out);
	mg_out_free(&out);
	json_decref(ctx.report);
	return 0;
}

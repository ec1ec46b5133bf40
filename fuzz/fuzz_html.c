/* fuzz_html.c - HTML -> text, as mail bodies and the html family use it. */
#include <glib.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "internal.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "shift_jis", "iso-2022-jp",
		                                "euc-jp", "windows-1252", "bogus" };
	mg_ctx ctx = { 0 };
	mg_buf out;
	mg_html_stats st;

	if (!policy)
		policy = mg_policy_new();
	ctx.policy = policy;
	ctx.deadline = mg_now() + 10;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&out, 1u << 24);
	/* the first byte picks the declared charset, the rest is the page */
	if (mg_html_to_text(&ctx, size ? data + 1 : data, size ? size - 1 : 0,
	                    charsets[size ? data[0] % 7 : 0], &out, &st) == MG_OK && out.len &&
	    !g_utf8_validate((const char *)out.data, (gssize)out.len, NULL))
		abort(); /* the text must always be valid UTF-8 */
	mg_buf_free(&out);
	json_decref(ctx.report);
	return 0;
}

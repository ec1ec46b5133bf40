/* fuzz_html_safe.c - HTML kept but disarmed (policy html = safe): the
 * rebuilt page, parsed again, must hold html_safe_invariant.h whatever the
 * input, the declared charset and the policy links. */
#include <glib.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_safe.h"
#include "html_safe_invariant.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_policy *policies[3];

/* Every other cid: image is kept, as a mail with some parts missing. */
static char *resolve(void *user, const char *cid)
{
	unsigned *n = user;

	(void)cid;
	if ((*n)++ % 2)
		return NULL;
	return g_strdup_printf("cid:img%u@mugai", *n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "shift_jis", "iso-2022-jp",
		                                "euc-jp", "windows-1252", "bogus" };
	static const char *const links[] = { "text", "defang", "remove" };
	mg_ctx ctx = { 0 };
	mg_html_safe_stats st;
	mg_buf body, page;
	unsigned asked = 0;
	const char *why;

	if (!policies[0])
		for (unsigned i = 0; i < 3; i++) {
			char *err = NULL;

			policies[i] = mg_policy_new();
			if (mg_policy_set(policies[i], "links", links[i], &err) < 0)
				abort();
		}
	/* the first byte picks the charset and the policy links, the rest is the page */
	ctx.policy = policies[size ? data[0] / 7 % 3 : 0];
	ctx.deadline = mg_now() + 10;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&body, 1u << 24);
	mg_buf_init(&page, 1u << 25);
	if (mg_html_safe_body(&ctx, size ? data + 1 : data, size ? size - 1 : 0,
	                      charsets[size ? data[0] % 7 : 0], resolve, &asked, &body, &st) == MG_OK) {
		if (mg_html_safe_document(&page, body.data ? (const char *)body.data : "", body.len) < 0)
			abort();
		why = html_safe_invariant((const char *)page.data, page.len);
		if (why) {
			fprintf(stderr, "invariant broken: %s\n%.*s\n", why, (int)page.len,
			        (const char *)page.data);
			abort();
		}
	}
	mg_buf_free(&body);
	mg_buf_free(&page);
	json_decref(ctx.report);
	return 0;
}

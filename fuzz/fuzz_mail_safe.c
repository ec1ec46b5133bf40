/* fuzz_mail_safe.c - the mail rebuild under policy html = safe: fail closed
 * as in fuzz_mail, and every HTML version it delivers holds the page's
 * invariant (html_safe_invariant.h) when parsed again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "html_safe_invariant.h"
#include "mugai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_core *safe_core_once(void)
{
	static mg_core *core;
	char *err = NULL;
	mg_policy *p;

	if (core)
		return core;
	p = mg_policy_new();
	mg_policy_set(p, "max_parts", "200", &err);
	mg_policy_set(p, "time_limit", "10s", &err);
	if (mg_policy_set(p, "html", "safe", &err) < 0)
		abort();
	core = mg_core_new(p, &err);
	mg_policy_free(p);
	if (!core)
		abort();
	return core;
}

/* Each text/html part of the delivered message, checked. */
static void check_pages(const unsigned char *out, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)out, len);
	GMimeParser *ps = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
	GMimePartIter *it;

	if (!m)
		abort(); /* mugai's own output always parses */
	it = g_mime_part_iter_new(GMIME_OBJECT(m));
	do {
		GMimeObject *o = g_mime_part_iter_get_current(it);

		if (o && GMIME_IS_TEXT_PART(o) &&
		    g_mime_content_type_is_type(g_mime_object_get_content_type(o), "text", "html")) {
			char *page = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
			const char *why = page ? html_safe_invariant(page, strlen(page)) : "no text";

			if (why) {
				fprintf(stderr, "invariant broken: %s\n%s\n", why, page ? page : "");
				abort();
			}
			g_free(page);
		}
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(m);
	g_object_unref(ps);
	g_object_unref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_input in = { data, size, "fuzz.eml", NULL, "fuzz", 1 };
	mg_result res;

	mg_sanitize(safe_core_once(), &in, MG_MODE_DEFAULT, &res);
	if (res.verdict == MG_VERDICT_SANITISED && !res.out)
		abort();
	if (res.verdict == MG_VERDICT_BLOCKED && (res.out || !res.reason))
		abort();
	if (res.verdict == MG_VERDICT_SANITISED)
		check_pages(res.out, res.out_len);
	mg_result_free(&res);
	return 0;
}

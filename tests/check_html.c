/* check_html.c - HTML -> text: structure kept, active content gone. */
#include <check.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "text.h"

/* Referenced here so the family file is linked and registered. */
extern const mg_filter mg_filter_html;

START_TEST(family_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_HTML), &mg_filter_html);
}
END_TEST

/* Converts len bytes with a throwaway context; returns the text (free
 * it) and, when removed is not NULL, the report's removed list as JSON. */
static char *to_text_len(const char *html, size_t len, const char *charset, mg_html_stats *stats,
                         char **removed)
{
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	mg_buf out;
	char *s;

	ctx.policy = p;
	ctx.deadline = mg_now() + 30;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&out, 1 << 20);
	ck_assert_int_eq(mg_html_to_text(&ctx, (const unsigned char *)html, len, charset, &out,
	                                 stats), MG_OK);
	s = strdup(out.data ? (const char *)out.data : "");
	if (removed)
		*removed = json_dumps(json_object_get(ctx.report, "removed"), 0);
	mg_buf_free(&out);
	json_decref(ctx.report);
	mg_policy_free(p);
	return s;
}

static char *to_text(const char *html, const char *charset, mg_html_stats *stats)
{
	return to_text_len(html, strlen(html), charset, stats, NULL);
}

START_TEST(paragraphs_and_breaks)
{
	char *s = to_text("<html><head><title>T</title></head><body>"
	                  "<h1>Title</h1><p>First   paragraph\nwrapped.</p>"
	                  "<p>Second<br>line two<br/>line three</p><div>div text</div></body></html>",
	                  NULL, NULL);

	ck_assert_str_eq(s, "Title\n\nFirst paragraph wrapped.\n\nSecond\nline two\nline three\n\n"
	                    "div text\n");
	free(s);
}
END_TEST

START_TEST(lists)
{
	char *s = to_text("<p>Items:</p><ul><li>one</li><li> two <ul><li>two.a</li></ul></li></ul>"
	                  "<ol start=\"3\"><li>third</li><li>fourth</li></ol><p>end</p>", NULL, NULL);

	ck_assert_str_eq(s, "Items:\n\n- one\n- two\n  - two.a\n\n3. third\n4. fourth\n\nend\n");
	free(s);
}
END_TEST

START_TEST(tables)
{
	char *s = to_text("<table><tr><th>Name</th><th>Qty</th></tr>"
	                  "<tr><td>りんご</td><td> 3 </td></tr><tr><td>Pear</td><td></td></tr></table>",
	                  NULL, NULL);

	ck_assert_str_eq(s, "Name | Qty\nりんご | 3\nPear |\n");
	free(s);
}
END_TEST

START_TEST(links_as_visible_text)
{
	mg_html_stats st;
	char *s = to_text("<p>See <a href=\"https://example.org/a?b=1&amp;c=2\">our site</a>, "
	                  "<a href=\"https://example.org/x\">https://example.org/x</a>, "
	                  "<a href=\"mailto:info@example.jp\">info@example.jp</a>, "
	                  "<a href=\"javascript:alert(1)\">click</a> and "
	                  "<a href=\"/relative\">rel</a>.</p>", NULL, &st);

	ck_assert_str_eq(s, "See our site <https://example.org/a?b=1&c=2>, https://example.org/x, "
	                    "info@example.jp, click and rel.\n");
	ck_assert_uint_eq(st.links, 3);
	ck_assert_uint_eq(st.unsafe_links, 1);
	ck_assert_ptr_null(strstr(s, "javascript"));
	free(s);
	/* a link before any text, with no label: nothing written yet */
	s = to_text("<a href=\"https://example.org/\"></a>", NULL, &st);
	ck_assert_str_eq(s, "<https://example.org/>\n");
	ck_assert_uint_eq(st.links, 1);
	free(s);
}
END_TEST

START_TEST(scripts_and_styles_removed)
{
	mg_html_stats st;
	char *s = to_text("<html><head><style>p{color:red}</style><script>var x=1;</script></head>"
	                  "<body><p>Hello<script>document.write('evil')</script></p>"
	                  "<iframe src=\"https://evil.example/\">frame text</iframe>"
	                  "<object data=\"x.swf\">obj</object><noscript>ns</noscript>"
	                  "<img src=\"https://track.example/p.gif\" width=1 height=1>"
	                  "<img src=\"cid:logo\" alt=\"Logo\"></body></html>", NULL, &st);

	ck_assert_str_eq(s, "Hello\n\n[Logo]\n");
	ck_assert_ptr_null(strstr(s, "evil"));
	ck_assert_ptr_null(strstr(s, "color"));
	ck_assert_uint_eq(st.active, 5);
	ck_assert_uint_eq(st.images, 2);
	ck_assert_uint_eq(st.remote_images, 1);
	free(s);
}
END_TEST

START_TEST(preformatted_and_entities)
{
	char *s = to_text("<p>a &lt;b&gt; &amp; &#x3042; &nbsp;c</p><pre>  x\n    y</pre>", NULL, NULL);

	ck_assert_str_eq(s, "a <b> & あ \xc2\xa0" "c\n\n  x\n    y\n");
	free(s);
}
END_TEST

START_TEST(charsets)
{
	char *s;

	/* declared by the caller (the mail part's Content-Type) */
	s = to_text("<p>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd</p>", "Shift_JIS", NULL);
	ck_assert_str_eq(s, "こんにちは\n");
	free(s);
	/* declared by <meta> only */
	s = to_text("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
	            "charset=euc-jp\"></head><body>\xa4\xb3\xa4\xf3</body></html>", NULL, NULL);
	ck_assert_str_eq(s, "こん\n");
	free(s);
	/* a wrong <meta> is overridden by what the bytes are */
	s = to_text("<meta charset=\"utf-8\"><p>\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd</p>", NULL,
	            NULL);
	ck_assert_str_eq(s, "こんにちは\n");
	free(s);
}
END_TEST

START_TEST(no_outside_entities_or_network)
{
	/* an external DTD and entity never load: the text has no file content */
	char *s = to_text("<!DOCTYPE html SYSTEM \"file:///etc/passwd\">"
	                  "<p>&xxe; safe</p><img src=\"file:///etc/passwd\">", NULL, NULL);

	ck_assert_ptr_null(strstr(s, "root:"));
	ck_assert_ptr_nonnull(strstr(s, "safe"));
	free(s);
}
END_TEST

START_TEST(tag_soup_and_deep_nesting)
{
	GString *g = g_string_new("<p>unclosed <b>bold <i>both</p></div></table>");
	char *s;

	for (int i = 0; i < 20000; i++)
		g_string_append(g, "<div>");
	g_string_append(g, "deep");
	s = to_text(g->str, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(s, "unclosed bold both"));
	free(s);
	g_string_free(g, TRUE);
}
END_TEST

/* The text is written from the parser's events, read as the tree libxml2
 * builds of them reads: a prefix is split off an element's name, and an
 * end closes the element opened last (here a start tag cut short by a
 * NUL byte, after which libxml2 reads no more). */
START_TEST(events_read_as_the_tree)
{
	static const char cut[] = "<p>See <a href=\"http:\0\0x\">label</a> more</p><p>next";
	mg_html_stats st;
	char *s = to_text("<s:script>x</s:script>y <svg:a href=\"https://a.example/\">b</svg:a> "
	                  "<c:>w</c:>", NULL, &st);

	ck_assert_str_eq(s, "y b <https://a.example/> w\n");
	ck_assert_uint_eq(st.active, 1);
	ck_assert_uint_eq(st.links, 1);
	free(s);
	s = to_text_len(cut, sizeof(cut) - 1, NULL, &st, NULL);
	ck_assert_str_eq(s, "See <http:>\n");
	free(s);
}
END_TEST

/* 257 elements deep (html, body and 255 divs) is read; one more stops
 * libxml2's parser, as it stops its tree, and the report says so. */
START_TEST(nesting_limit_reported)
{
	for (int divs = 255; divs <= 256; divs++) {
		GString *g = g_string_new("<p>top</p>");
		char *s, *removed;

		for (int i = 0; i < divs; i++)
			g_string_append(g, "<div>");
		g_string_append(g, "END");
		for (int i = 0; i < divs; i++)
			g_string_append(g, "</div>");
		g_string_append(g, "after");
		s = to_text_len(g->str, g->len, NULL, NULL, &removed);
		if (divs == 255) {
			ck_assert_str_eq(s, "top\n\nEND\nafter\n");
			ck_assert_str_eq(removed, "[]");
		} else {
			ck_assert_str_eq(s, "top\n");
			ck_assert_ptr_nonnull(strstr(removed, "nested deeper than 257"));
		}
		free(s);
		free(removed);
		g_string_free(g, TRUE);
	}
}
END_TEST

/* An empty part's body has no bytes at all: an empty text, no error. */
START_TEST(empty_body)
{
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	mg_buf out;

	ctx.policy = p;
	ctx.deadline = mg_now() + 30;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&out, 1 << 20);
	ck_assert_int_eq(mg_html_to_text(&ctx, NULL, 0, NULL, &out, NULL), MG_OK);
	ck_assert_uint_eq(out.len, 0);
	mg_buf_free(&out);
	json_decref(ctx.report);
	mg_policy_free(p);
}
END_TEST

START_TEST(family_filter_output)
{
	static const char page[] = "<html><body><p>Notice</p><script>x()</script></body></html>";
	mg_result res;
	json_t *r;

	ck_assert_int_eq(tu_sanitize(page, sizeof(page) - 1, "page.html", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert_str_eq((const char *)res.out, "Notice\n");
	r = json_loads(res.report_json, 0, NULL);
	ck_assert_uint_ge(json_array_size(json_object_get(r, "removed")), 1);
	json_decref(r);
	mg_result_free(&res);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("html");

	tcase_add_test(tc, family_registered);
	tcase_add_test(tc, paragraphs_and_breaks);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, tables);
	tcase_add_test(tc, links_as_visible_text);
	tcase_add_test(tc, scripts_and_styles_removed);
	tcase_add_test(tc, preformatted_and_entities);
	tcase_add_test(tc, charsets);
	tcase_add_test(tc, no_outside_entities_or_network);
	tcase_add_test(tc, tag_soup_and_deep_nesting);
	tcase_add_test(tc, events_read_as_the_tree);
	tcase_add_test(tc, nesting_limit_reported);
	tcase_add_test(tc, empty_body);
	tcase_add_test(tc, family_filter_output);
	suite_add_tcase(s, tc);
	return s;
}

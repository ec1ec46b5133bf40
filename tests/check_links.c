/* check_links.c - policy links (text, defang, remove) in HTML and text bodies. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "text.h"

#define CRLF "\r\n"

static mg_policy *policy_links(const char *mode)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	ck_assert_msg(mg_policy_set(p, "links", mode, &err) == 0, "%s", err);
	return p;
}

/* mg_links_apply on a string with a throwaway context; returns the text. */
static char *apply(const char *mode, const char *in, unsigned *changed, json_t **report)
{
	mg_policy *p = policy_links(mode);
	mg_ctx ctx = { 0 };
	mg_buf b;
	char *s;

	ctx.policy = p;
	ctx.report = json_object();
	mg_buf_init(&b, 1 << 20);
	mg_buf_puts(&b, in);
	ck_assert_int_eq(mg_links_apply(&ctx, &b, changed), MG_OK);
	s = strdup(b.data ? (const char *)b.data : "");
	mg_buf_free(&b);
	if (report)
		*report = ctx.report;
	else
		json_decref(ctx.report);
	mg_policy_free(p);
	return s;
}

START_TEST(policy_key)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *d;

	ck_assert_uint_eq(p->links, MG_LINKS_TEXT);
	ck_assert_int_eq(mg_policy_set(p, "links", "defang", &err), 0);
	ck_assert_uint_eq(p->links, MG_LINKS_DEFANG);
	ck_assert_int_eq(mg_policy_set(p, "links", "remove", &err), 0);
	ck_assert_uint_eq(p->links, MG_LINKS_REMOVE);
	ck_assert_int_eq(mg_policy_set(p, "links", "clickable", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "policy.links"));
	free(err);
	d = mg_policy_describe(p);
	ck_assert_ptr_nonnull(strstr(d, "\nlinks = remove\n"));
	free(d);
	mg_policy_free(p);
}
END_TEST

START_TEST(text_mode_changes_nothing)
{
	unsigned n = 9;
	const char *in = "See https://www.city.example.lg.jp/a.html and www.example.jp.\n";
	char *s = apply("text", in, &n, NULL);

	ck_assert_str_eq(s, in);
	ck_assert_uint_eq(n, 0);
	free(s);
}
END_TEST

START_TEST(defang_forms)
{
	unsigned n = 0;
	json_t *r;
	char *s = apply("defang",
	                "詳細はhttps://www.city.example.lg.jp/kurashi/a.html?x=1.2をご覧ください。\n"
	                "(http://example.jp:8080/p) FTP://files.example.com/x.zip.\n"
	                "www.example.jp, mail info@www.example.jp, hxxps://done[.]jp/\n"
	                "no link: example.jp or https:// alone\n", &n, &r);

	ck_assert_str_eq(s,
	                 "詳細はhxxps://www[.]city[.]example[.]lg[.]jp/kurashi/a.html?x=1.2をご覧ください。\n"
	                 "(hxxp://example[.]jp:8080/p) fxp://files[.]example[.]com/x.zip.\n"
	                 "www[.]example[.]jp, mail info@www.example.jp, hxxps://done[.]jp/\n"
	                 "no link: example.jp or https:// alone\n");
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "links")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r, "links"),
	                                                                  1), "url")),
	                 "http://example.jp:8080/p");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r, "links"),
	                                                                  0), "action")),
	                 "defanged");
	json_decref(r);
	free(s);
}
END_TEST

START_TEST(defang_is_a_fixed_point)
{
	unsigned n = 0;
	char *once = apply("defang", "a https://a.example.jp/x b www.b.example.jp c\n", &n, NULL);
	char *twice = apply("defang", once, &n, NULL);

	ck_assert_str_eq(once, twice);
	ck_assert_uint_eq(n, 0);
	free(once);
	free(twice);
}
END_TEST

START_TEST(remove_forms)
{
	unsigned n = 0;
	char *s = apply("remove", "申込: https://form.example.jp/apply?id=3 まで。www.example.jp!\n",
	                &n, NULL);

	ck_assert_str_eq(s, "申込: [リンク削除] まで。[リンク削除]!\n");
	ck_assert_uint_eq(n, 2);
	free(s);
}
END_TEST

static const char page[] =
	"<html><body><p>See <a href=\"https://www.example.org/a?b=1\">our site</a>, "
	"<a href=\"http://city.example.jp/x\">http://city.example.jp/x</a>, "
	"<a href=\"mailto:info@example.jp\">Mail us</a> and "
	"<a href=\"javascript:alert(1)\">click</a>.</p>"
	"<p>Bare text https://bare.example.jp/doc.pdf here.</p></body></html>";

static char *html_text(const char *mode, mg_result *res)
{
	mg_policy *p = policy_links(mode);
	char *s;

	ck_assert_int_eq(tu_sanitize_policy(p, page, strlen(page), "page.html", MG_MODE_DEFAULT, res),
	                 MG_OK);
	mg_policy_free(p);
	s = g_strndup((const char *)res->out, res->out_len);
	return s;
}

static json_t *report_links(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);
	json_t *l;

	ck_assert_ptr_nonnull(r);
	l = json_incref(json_object_get(r, "links"));
	json_decref(r);
	return l;
}

START_TEST(html_text_mode)
{
	mg_result res;
	char *s = html_text("text", &res);

	ck_assert_str_eq(s, "See our site <https://www.example.org/a?b=1>, http://city.example.jp/x, "
	                    "Mail us <mailto:info@example.jp> and click.\n\n"
	                    "Bare text https://bare.example.jp/doc.pdf here.\n");
	ck_assert_ptr_null(report_links(&res));
	g_free(s);
	mg_result_free(&res);
}
END_TEST

START_TEST(html_defang_mode)
{
	mg_result res;
	char *s = html_text("defang", &res);
	json_t *l;

	ck_assert_str_eq(s, "See our site <hxxps://www[.]example[.]org/a?b=1>, "
	                    "hxxp://city[.]example[.]jp/x, Mail us <info@example.jp> and click.\n\n"
	                    "Bare text hxxps://bare[.]example[.]jp/doc.pdf here.\n");
	l = report_links(&res);
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0), "url")),
	                 "https://www.example.org/a?b=1");
	ck_assert(tu_report_has(&res, "actions", "3 links defanged"));
	json_decref(l);
	g_free(s);
	mg_result_free(&res);
}
END_TEST

START_TEST(html_remove_mode)
{
	mg_result res;
	char *s = html_text("remove", &res);
	json_t *l;

	ck_assert_str_eq(s, "See our site, [リンク削除], Mail us <info@example.jp> and click.\n\n"
	                    "Bare text [リンク削除] here.\n");
	l = report_links(&res);
	ck_assert_uint_eq(json_array_size(l), 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, i), "action")),
		                 "removed");
	json_decref(l);
	g_free(s);
	mg_result_free(&res);
}
END_TEST

static const char mail_src[] =
	"From: =?UTF-8?B?5biC5b255omA?= <info@city.example.lg.jp>" CRLF
	"To: staff@example.lg.jp" CRLF
	"Subject: links" CRLF
	"MIME-Version: 1.0" CRLF
	"Content-Type: multipart/mixed; boundary=\"b\"" CRLF CRLF
	"--b" CRLF
	"Content-Type: text/plain; charset=utf-8" CRLF CRLF
	"お知らせ: https://www.city.example.lg.jp/news/1.html をご覧ください。" CRLF
	"--b" CRLF
	"Content-Type: text/html; charset=utf-8" CRLF CRLF
	"<p>申込は<a href=\"https://form.example.jp/apply\">こちら</a>から。</p>" CRLF
	"--b--" CRLF;

static char *mail_out(const char *mode, mg_result *res)
{
	mg_policy *p = policy_links(mode);
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)mail_src, sizeof(mail_src) - 1, "m.eml", NULL, NULL,
	                1 };

	ck_assert_ptr_nonnull(core);
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, res), MG_OK);
	mg_core_free(core);
	mg_policy_free(p);
	/* the body is UTF-8 text in base64 or 8bit: decode through gmime */
	{
		GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
		GMimeParser *ps = g_mime_parser_new_with_stream(s);
		GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
		GMimeObject *o = g_mime_message_get_mime_part(m);
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));

		g_object_unref(m);
		g_object_unref(ps);
		g_object_unref(s);
		return t;
	}
}

START_TEST(mail_defang)
{
	mg_result res;
	char *t = mail_out("defang", &res);
	json_t *l = report_links(&res);

	ck_assert_ptr_nonnull(strstr(t, "お知らせ: hxxps://www[.]city[.]example[.]lg[.]jp/news/1.html "));
	ck_assert_ptr_nonnull(strstr(t, "申込はこちら <hxxps://form[.]example[.]jp/apply>から。"));
	ck_assert_ptr_null(strstr(t, "https://"));
	ck_assert_ptr_nonnull(strstr(t, "本文中のリンク（2件）をクリックできない形に変更しました"));
	ck_assert_ptr_nonnull(strstr(t, "2 links in the body made unclickable"));
	ck_assert_uint_eq(json_array_size(l), 2);
	json_decref(l);
	g_free(t);
	mg_result_free(&res);
}
END_TEST

START_TEST(mail_remove)
{
	mg_result res;
	char *t = mail_out("remove", &res);
	json_t *l = report_links(&res);

	ck_assert_ptr_nonnull(strstr(t, "お知らせ: [リンク削除] をご覧ください。"));
	ck_assert_ptr_nonnull(strstr(t, "申込はこちらから。"));
	ck_assert_ptr_null(strstr(t, "example.jp/"));
	ck_assert_ptr_nonnull(strstr(t, "本文中のリンク（2件）を削除しました"));
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 1), "url")),
	                 "https://form.example.jp/apply");
	json_decref(l);
	g_free(t);
	mg_result_free(&res);
}
END_TEST

START_TEST(mail_text_mode_unchanged)
{
	mg_result res;
	char *t = mail_out("text", &res);

	ck_assert_ptr_nonnull(strstr(t, "お知らせ: https://www.city.example.lg.jp/news/1.html "));
	ck_assert_ptr_nonnull(strstr(t, "こちら <https://form.example.jp/apply>"));
	ck_assert_ptr_null(strstr(t, "本文中のリンク"));
	ck_assert_ptr_null(report_links(&res));
	g_free(t);
	mg_result_free(&res);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("links");
	TCase *tc = tcase_create("links");

	tcase_add_test(tc, policy_key);
	tcase_add_test(tc, text_mode_changes_nothing);
	tcase_add_test(tc, defang_forms);
	tcase_add_test(tc, defang_is_a_fixed_point);
	tcase_add_test(tc, remove_forms);
	tcase_add_test(tc, html_text_mode);
	tcase_add_test(tc, html_defang_mode);
	tcase_add_test(tc, html_remove_mode);
	tcase_add_test(tc, mail_defang);
	tcase_add_test(tc, mail_remove);
	tcase_add_test(tc, mail_text_mode_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

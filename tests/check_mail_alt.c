/* check_mail_alt.c - multipart/alternative: the version that carries the
 * message is the one delivered.  Empty, blank and stub plain versions
 * beside a full HTML one, in several charsets, plain or inside
 * multipart/related; complete plain versions are still preferred. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define CRLF "\r\n"

static const char message_ja[] = "令和7年度の実績報告書を送付します。提出期限は3月15日です。"
                                 "ご確認のほどよろしくお願いいたします。";
static const char message_en[] = "Please find the annual report attached; the deadline for "
                                 "comments is March 15th.";

/* The plain version of each kind, in UTF-8 (converted later). */
static const char *const stub_plains[] = {
	"",
	"   " CRLF CRLF "\t" CRLF,
	"This message is in HTML format. Please use an HTML capable mail reader.",
	"このメールはHTML形式です。HTMLメールを表示できるソフトでご覧ください。",
	"令和7年度", /* the first words only */
};

static char *convert(const char *utf8, const char *cs)
{
	char *c = g_convert(utf8, -1, cs, "UTF-8", NULL, NULL, NULL);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* A multipart/alternative of a plain and an HTML version (the HTML one
 * inside multipart/related with an image when related is set). */
static char *alt_mail(const char *plain, const char *plain_cs, const char *html_text,
                      const char *html_cs, bool related)
{
	char *p = convert(plain, plain_cs);
	char *h_utf8 = g_strdup_printf("<html><head><title>t</title></head><body><p>%s</p>"
	                               "<script>steal()</script><img src=\"cid:img1\"></body></html>",
	                               html_text);
	char *h = convert(h_utf8, html_cs);
	char *html_part = g_strdup_printf("Content-Type: text/html; charset=%s" CRLF CRLF "%s" CRLF,
	                                  html_cs, h);
	char *rich = related
		? g_strdup_printf("Content-Type: multipart/related; boundary=\"REL\"" CRLF CRLF
		                  "--REL" CRLF "%s"
		                  "--REL" CRLF
		                  "Content-Type: image/gif" CRLF
		                  "Content-ID: <img1>" CRLF
		                  "Content-Transfer-Encoding: base64" CRLF CRLF
		                  "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=" CRLF
		                  "--REL--" CRLF, html_part)
		: g_strdup(html_part);
	char *mail = g_strdup_printf(
		"From: sender@example.jp" CRLF
		"To: staff@city.example.lg.jp" CRLF
		"Subject: alt" CRLF
		"MIME-Version: 1.0" CRLF
		"Content-Type: multipart/alternative; boundary=\"ALT\"" CRLF CRLF
		"--ALT" CRLF
		"Content-Type: text/plain; charset=%s" CRLF CRLF
		"%s" CRLF
		"--ALT" CRLF
		"%s"
		"--ALT--" CRLF,
		plain_cs, p, rich);

	g_free(p);
	g_free(h_utf8);
	g_free(h);
	g_free(html_part);
	g_free(rich);
	return mail;
}

static char *delivered_body(const mg_result *res)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *o;
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;
	char *body;

	ck_assert_ptr_nonnull(m);
	o = g_mime_message_get_mime_part(m);
	if (GMIME_IS_MULTIPART(o))
		o = g_mime_multipart_get_part(GMIME_MULTIPART(o), 0);
	ck_assert(GMIME_IS_TEXT_PART(o));
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	body = g_strndup((const char *)a->data, a->len);
	g_object_unref(mem);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	return body;
}

static void check_delivered(const char *mail, const char *must, const char *action)
{
	mg_result res;
	char *body;

	ck_assert_int_eq(tu_sanitize(mail, strlen(mail), "mail.eml", MG_MODE_DEFAULT, &res), MG_OK);
	body = delivered_body(&res);
	ck_assert_msg(strstr(body, must) != NULL, "[%s] not in the body:\n%s", must, body);
	ck_assert_ptr_null(strstr(body, "steal"));
	ck_assert_msg(tu_report_has(&res, "actions", action), "no action [%s] in %s", action,
	              res.report_json);
	g_free(body);
	mg_result_free(&res);
}

/* Stub plain versions: the HTML's text is delivered, and said so. */
START_TEST(stub_plain_loses)
{
	static const char *const cs[][2] = {
		{ "UTF-8", "UTF-8" }, { "ISO-2022-JP", "ISO-2022-JP" }, { "Shift_JIS", "UTF-8" },
		{ "UTF-8", "Shift_JIS" },
	};
	size_t nstub = sizeof(stub_plains) / sizeof(stub_plains[0]);
	const char *plain = stub_plains[_i % nstub];
	const char *const *c = cs[(_i / nstub) % 4];
	bool related = _i >= (int)(nstub * 4);
	char *mail = alt_mail(plain, c[0], message_ja, c[1], related);

	check_delivered(mail, "提出期限は3月15日です", "the HTML version delivered");
	g_free(mail);
}
END_TEST

/* An English stub beside English HTML. */
START_TEST(english_stub_loses)
{
	char *mail = alt_mail(stub_plains[2], "US-ASCII", message_en, "ISO-8859-1", _i);

	check_delivered(mail, "deadline for comments is March 15th", "the HTML version delivered");
	g_free(mail);
}
END_TEST

/* A complete plain version wins, whatever its charset, even when the HTML
 * has a few words more (a title, alt text). */
START_TEST(complete_plain_wins)
{
	static const char *const cs[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS" };
	char *plain = g_strconcat(message_ja, CRLF, "-- " CRLF "総務課", NULL);
	char *mail = alt_mail(plain, cs[_i % 3], message_ja, cs[(_i + 1) % 3], _i >= 3);
	mg_result res;
	char *body;

	check_delivered(mail, "総務課", "the plain text version delivered");
	ck_assert_int_eq(tu_sanitize(mail, strlen(mail), "mail.eml", MG_MODE_DEFAULT, &res), MG_OK);
	body = delivered_body(&res);
	ck_assert_ptr_null(strstr(body, "HTML"));
	g_free(body);
	mg_result_free(&res);
	g_free(mail);
	g_free(plain);
}
END_TEST

/* A plain version that carries half the text loses. */
START_TEST(half_plain_loses)
{
	char *mail = alt_mail("令和7年度の実績報告書を送付します。", "UTF-8", message_ja, "UTF-8", false);

	check_delivered(mail, "ご確認のほどよろしくお願いいたします", "the HTML version delivered");
	g_free(mail);
}
END_TEST

/* The HTML is read only until the verdict is sure; it is the verdict of
 * the whole.  The plain version has 100 words, the HTML as many extra
 * words first and the same 100 after: 11 extra are a tenth of 111 or less
 * (the plain one wins), 12 are more, and the rest is left unread. */
START_TEST(verdict_of_the_whole_html)
{
	static const unsigned extra[] = { 5, 11, 12, 30 };
	unsigned k = extra[_i];
	bool html_wins = k * 10 > k + 100;
	GString *plain = g_string_new(NULL), *html = g_string_new(NULL);
	char *mail, *why;

	for (unsigned i = 0; i < k; i++)
		g_string_append_printf(html, "extra%02u ", i);
	for (unsigned i = 0; i < 100; i++) {
		g_string_append_printf(plain, "word%03u ", i);
		g_string_append_printf(html, "word%03u ", i);
	}
	mail = alt_mail(plain->str, "UTF-8", html->str, "UTF-8", false);
	/* the twelfth missing word decides: nine of them for each plain word */
	why = html_wins ? g_strdup("lacks 12 of the first 12 words")
	                : g_strdup_printf("lacks only %u of the %u words", k, k + 100);
	check_delivered(mail, html_wins ? "extra00" : "word099", why);
	g_free(why);
	g_free(mail);
	g_string_free(plain, TRUE);
	g_string_free(html, TRUE);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail_alt");
	TCase *tc = tcase_create("alternative");
	int nstub = (int)(sizeof(stub_plains) / sizeof(stub_plains[0]));

	tcase_add_loop_test(tc, stub_plain_loses, 0, nstub * 8);
	tcase_add_loop_test(tc, english_stub_loses, 0, 2);
	tcase_add_loop_test(tc, complete_plain_wins, 0, 6);
	tcase_add_test(tc, half_plain_loses);
	tcase_add_loop_test(tc, verdict_of_the_whole_html, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

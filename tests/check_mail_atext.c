/* check_mail_atext.c - policy attachment_text = append: each attachment's
 * text at the end of the body, under a line naming the file. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define CRLF "\r\n"

static void part(GString *m, const char *type, const char *name, const void *data, size_t len)
{
	gchar *b64 = g_base64_encode(data, len);

	g_string_append_printf(m, "--b" CRLF "Content-Type: %s" CRLF
	                          "Content-Disposition: attachment; filename=\"%s\"" CRLF
	                          "Content-Transfer-Encoding: base64" CRLF CRLF "%s" CRLF,
	                       type, name, b64);
	g_free(b64);
}

static GString *mail(void)
{
	static const char minutes[] = "議事録: 予算は承認されました。詳細 https://www.city.example.lg.jp/yosan/\r\n";
	static const unsigned char exe[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF };
	GString *m = g_string_new("From: soumu@city.example.lg.jp" CRLF "To: staff@example.lg.jp" CRLF
	                          "Subject: atext" CRLF "MIME-Version: 1.0" CRLF
	                          "Content-Type: multipart/mixed; boundary=\"b\"" CRLF CRLF
	                          "--b" CRLF "Content-Type: text/plain; charset=utf-8" CRLF CRLF
	                          "資料を添付します。" CRLF);
	size_t len;
	unsigned char *docm = tu_read(CORPUS_DIR "/office/harmless-clean.docm", &len);
	unsigned char *jpg;

	part(m, "text/plain; charset=utf-8", "minutes.txt", minutes, sizeof(minutes) - 1);
	part(m, "application/vnd.ms-word.document.macroEnabled.12", "report.docm", docm, len);
	free(docm);
	jpg = tu_read(CORPUS_DIR "/image/gmime_photo.jpg", &len);
	part(m, "image/jpeg", "photo.jpg", jpg, len);
	free(jpg);
	part(m, "application/octet-stream", "tool.exe", exe, sizeof(exe));
	g_string_append(m, "--b--" CRLF);
	return m;
}

static char *body_with(const char *atext, const char *links, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *t;
	GString *m = mail();
	mg_core *core;
	mg_input in = { 0 };
	GMimeStream *s;
	GMimeParser *ps;
	GMimeMessage *msg;
	GMimeObject *o;

	ck_assert_int_eq(mg_policy_set(p, "attachment_text", atext, &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "links", links, &err), 0);
	core = mg_core_new(p, &err);
	in.data = (const unsigned char *)m->str;
	in.len = m->len;
	in.name = "m.eml";
	in.is_mail = 1;
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, res), MG_OK);
	mg_core_free(core);
	mg_policy_free(p);
	g_string_free(m, TRUE);
	s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
	ps = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(ps, NULL);
	o = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(msg)), 0);
	t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
	g_object_unref(msg);
	g_object_unref(ps);
	g_object_unref(s);
	return t;
}

static size_t children(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);
	size_t n = json_array_size(json_object_get(r, "children"));

	json_decref(r);
	return n;
}

START_TEST(policy_key)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *d;

	ck_assert(!p->attachment_text);
	ck_assert_int_eq(mg_policy_set(p, "attachment_text", "append", &err), 0);
	ck_assert(p->attachment_text);
	ck_assert_int_eq(mg_policy_set(p, "attachment_text", "yes", &err), -1);
	free(err);
	d = mg_policy_describe(p);
	ck_assert_ptr_nonnull(strstr(d, "\nattachment_text = append\n"));
	free(d);
	mg_policy_free(p);
}
END_TEST

START_TEST(default_appends_nothing)
{
	mg_result res;
	char *t = body_with("no", "text", &res);

	ck_assert_ptr_null(strstr(t, "のテキスト / Text of attachment"));
	ck_assert_ptr_null(strstr(t, "harmless test document"));
	ck_assert_uint_eq(children(&res), 4);
	g_free(t);
	mg_result_free(&res);
}
END_TEST

START_TEST(append_adds_each_text)
{
	mg_result res;
	char *t = body_with("append", "text", &res);
	const char *txt = strstr(t, "=== 添付ファイル「minutes.txt」のテキスト / Text of attachment \"minutes.txt\" ===");
	const char *doc = strstr(t, "=== 添付ファイル「report.docm」のテキスト / Text of attachment \"report.docm\" ===");

	ck_assert_msg(txt != NULL, "%s", t);
	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_nonnull(strstr(txt, "予算は承認されました"));
	ck_assert_ptr_nonnull(strstr(doc, "This is a harmless test document."));
	/* after the body, in the attachments' order; no image or program text */
	ck_assert(strstr(t, "資料を添付します。") < txt && txt < doc);
	ck_assert_ptr_null(strstr(t, "「photo.jpg」のテキスト"));
	ck_assert_ptr_null(strstr(t, "「tool.exe」のテキスト"));
	/* the text run leaves no second report per attachment */
	ck_assert_uint_eq(children(&res), 4);
	ck_assert(tu_report_has(&res, "actions", "text of attachment report.docm appended"));
	g_free(t);
	mg_result_free(&res);
}
END_TEST

START_TEST(appended_text_under_links_policy)
{
	mg_result res;
	char *t = body_with("append", "defang", &res);

	ck_assert_ptr_nonnull(strstr(t, "詳細 hxxps://www[.]city[.]example[.]lg[.]jp/yosan/"));
	ck_assert_ptr_null(strstr(t, "https://www.city"));
	g_free(t);
	mg_result_free(&res);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail_atext");
	TCase *tc = tcase_create("mail_atext");

	tcase_add_test(tc, policy_key);
	tcase_add_test(tc, default_appends_nothing);
	tcase_add_test(tc, append_adds_each_text);
	tcase_add_test(tc, appended_text_under_links_policy);
	suite_add_tcase(s, tc);
	return s;
}

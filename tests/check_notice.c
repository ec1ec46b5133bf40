/*
 * check_notice.c - the notice sent in place of a blocked mail: a valid
 * MIME message (parsed back with gmime), bilingual, carrying the id and
 * the reason, with hostile values neutralised; operator templates.
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "notice.h"
#include "testutil.h"

static const char *const rcpts[] = { "bob@example.lg.jp", "secret-bcc@example.lg.jp" };

static mg_notice_info info(void)
{
	return (mg_notice_info){ "20240501T090000-a1b2c3d4e5f6", "malware", MG_E_MALWARE,
		                 "malware found by clamd: Eicar-Test-Signature", "alice@example.org",
		                 rcpts, 2, "請求書 / invoice", 1234, "mugai.example.lg.jp",
		                 1714554000 };
}

/* Parses the notice; returns the message and its decoded body text. */
static GMimeMessage *parse(const mg_buf *b, char **body)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)b->data, b->len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *part;
	GMimeDataWrapper *w;
	GMimeStream *out = g_mime_stream_mem_new();
	GByteArray *arr;
	char *mime;

	ck_assert(m != NULL);
	part = g_mime_message_get_mime_part(m);
	ck_assert(GMIME_IS_TEXT_PART(part));
	mime = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
	ck_assert_str_eq(mime, "text/plain");
	g_free(mime);
	w = g_mime_part_get_content(GMIME_PART(part));
	g_mime_data_wrapper_write_to_stream(w, out);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	*body = strndup((const char *)arr->data, arr->len);
	g_object_unref(out);
	g_object_unref(p);
	g_object_unref(st);
	return m;
}

START_TEST(builtin_notice)
{
	mg_notice_info n = info();
	mg_buf b;
	char *body;
	GMimeMessage *m;

	g_mime_init();
	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_notice_build(&b, &n, NULL), 0);
	m = parse(&b, &body);
	ck_assert_str_eq(g_mime_message_get_subject(m),
	                 "[mugai] メールを隔離しました / A message was quarantined");
	ck_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(m), "X-Mugai-Id"),
	                 "20240501T090000-a1b2c3d4e5f6");
	ck_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(m), "X-Mugai-Verdict"), "malware");
	ck_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(m), "Auto-Submitted"), "auto-generated");
	ck_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(m), "Date"),
	                 "Wed, 1 May 2024 09:00:00 +0000");
	/* Japanese and English, the id to quote, the reason, the subject */
	ck_assert(strstr(body, "無害化ゲートウェイ（mugai）が隔離しました") != NULL);
	ck_assert(strstr(body, "理由:   マルウェアを検出しました\r\n") != NULL);
	ck_assert(strstr(body, "A message to you was quarantined") != NULL);
	ck_assert(strstr(body, "  Id:      20240501T090000-a1b2c3d4e5f6\r\n") != NULL);
	ck_assert(strstr(body, "  Reason:  malware found by clamd: Eicar-Test-Signature\r\n") != NULL);
	ck_assert(strstr(body, "  件名:   請求書 / invoice\r\n") != NULL);
	ck_assert(strstr(body, "  Size:    1234 bytes\r\n") != NULL);
	/* the other recipients (a Bcc among them) are not disclosed */
	ck_assert(strstr((char *)b.data, "secret-bcc") == NULL);
	ck_assert(strstr(body, "secret-bcc") == NULL);
	free(body);
	g_object_unref(m);
	mg_buf_free(&b);
}
END_TEST

START_TEST(hostile_values)
{
	mg_notice_info n = info();
	mg_buf b;
	char *body;
	GMimeMessage *m;

	g_mime_init();
	n.reason = "bad \r\nX-Injected: yes\x1b[31m name \xff\xfe.exe";
	n.subject = "\r\n\r\n<html>";
	n.host = "evil host>\r\nBcc: x@y";
	n.status = MG_E_LIMIT_SIZE;
	n.verdict = "blocked";
	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_notice_build(&b, &n, NULL), 0);
	m = parse(&b, &body);
	/* nothing reached the header: no new field, no Bcc */
	ck_assert(g_mime_object_get_header(GMIME_OBJECT(m), "X-Injected") == NULL);
	ck_assert(g_mime_object_get_header(GMIME_OBJECT(m), "Bcc") == NULL);
	ck_assert(strstr((char *)b.data, "X-Injected") == NULL);
	ck_assert(g_utf8_validate(body, -1, NULL));
	ck_assert(strstr(body, "処理できる上限を超えています") != NULL);
	ck_assert(strstr(body, "\x1b") == NULL);
	ck_assert(strstr(body, "bad   X-Injected: yes [31m name") != NULL);
	free(body);
	g_object_unref(m);
	mg_buf_free(&b);
}
END_TEST

/* A long subject in the notice's Subject comes back whole from gmime,
 * which joins adjacent words and stops at base64 padding. */
START_TEST(long_subject_whole)
{
	mg_notice_info n = info();
	GString *subj = g_string_new(NULL);
	mg_buf b;
	char *body, *want;
	GMimeMessage *m;

	g_mime_init();
	/* 240 bytes: under the 300 a template value is cut to */
	for (int i = 0; i < 30; i++)
		g_string_append(subj, i % 7 == 3 ? "a " : "報告書");
	n.subject = subj->str;
	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_notice_build(&b, &n, "Subject: [mugai] 隔離 {subject}\n\n{item}\n"), 0);
	m = parse(&b, &body);
	want = g_strconcat("[mugai] 隔離 ", subj->str, NULL);
	g_strchomp(want);
	ck_assert_str_eq(g_mime_message_get_subject(m), want);
	g_free(want);
	free(body);
	g_object_unref(m);
	mg_buf_free(&b);
	g_string_free(subj, TRUE);
}
END_TEST

START_TEST(operator_template)
{
	mg_notice_info n = info();
	mg_buf b;
	char *body;
	GMimeMessage *m;

	g_mime_init();
	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_notice_build(&b, &n,
	                                 "Subject: 隔離 {item}\n\n{verdict}: {reason}\n{unknown} {x\n"
	                                 "to {recipients}\n"),
	                 0);
	m = parse(&b, &body);
	ck_assert_str_eq(g_mime_message_get_subject(m), "隔離 20240501T090000-a1b2c3d4e5f6");
	ck_assert_str_eq(body, "malware: malware found by clamd: Eicar-Test-Signature\r\n{unknown} {x\r\n"
	                       "to bob@example.lg.jp, secret-bcc@example.lg.jp\r\n");
	free(body);
	g_object_unref(m);
	mg_buf_free(&b);

	/* no Subject: line: the default subject, the whole text is the body */
	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_notice_build(&b, &n, "only {size}"), 0);
	m = parse(&b, &body);
	ck_assert_str_eq(g_mime_message_get_subject(m), "[mugai] Message quarantined");
	ck_assert_str_eq(body, "only 1234");
	free(body);
	g_object_unref(m);
	mg_buf_free(&b);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("notice");
	TCase *t = tcase_create("notice");

	tcase_add_test(t, builtin_notice);
	tcase_add_test(t, hostile_values);
	tcase_add_test(t, operator_template);
	tcase_add_test(t, long_subject_whole);
	suite_add_tcase(s, t);
	return s;
}

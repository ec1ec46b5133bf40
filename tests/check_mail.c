/* check_mail.c - the mail rebuild: headers, bodies, attachments, notice, limits. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "mail_priv.h"
#include "testutil.h"

/* Referenced here so the family files are linked and registered. */
extern const mg_filter mg_filter_mail, mg_filter_text, mg_filter_html;

#define CRLF "\r\n"

static mg_status run_mail_policy(const mg_policy *p, const void *data, size_t len, mg_result *res)
{
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { data, len, "mail.eml", NULL, NULL, 1 };
	mg_status st;

	ck_assert_msg(core != NULL, "core: %s", err);
	st = mg_sanitize(core, &in, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	return st;
}

static mg_status run_mail(const void *data, size_t len, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	mg_status st = run_mail_policy(p, data, len, res);

	mg_policy_free(p);
	return st;
}

static GMimeMessage *reparse(const mg_result *res)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	ck_assert_ptr_nonnull(m);
	g_object_unref(p);
	g_object_unref(s);
	return m;
}

static void collect_type(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));

	g_string_append_printf(data, "%s;", t);
	g_free(t);
}

/* Every part's type, in order: "multipart/mixed;text/plain;..." (free it). */
static char *part_types(GMimeMessage *m)
{
	GString *g = g_string_new(NULL);

	g_mime_message_foreach(m, collect_type, g); /* the top part included */
	return g_string_free(g, FALSE);
}

/* The decoded text of the first text/plain part (free it). */
static char *body_text(GMimeMessage *m)
{
	GMimeObject *o = g_mime_message_get_mime_part(m);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;
	char *s;

	if (GMIME_IS_MULTIPART(o))
		o = g_mime_multipart_get_part(GMIME_MULTIPART(o), 0);
	ck_assert(GMIME_IS_TEXT_PART(o));
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	s = g_strndup((const char *)a->data, a->len);
	g_object_unref(mem);
	return s;
}

static const char rich_mail[] =
	"Received: from evil.example by mx.example; Mon, 1 Jan 2024 00:00:00 +0000" CRLF
	"X-Evil: <script>alert(1)</script>" CRLF
	"Return-Path: <bounce@evil.example>" CRLF
	"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?= <taro@example.jp>" CRLF
	"To: staff@city.example.lg.jp, =?UTF-8?B?5biC5b255omA?= <info@city.example.lg.jp>" CRLF
	"Subject: =?ISO-2022-JP?B?GyRCMnE1RCROJDQwRkZiGyhC?=" CRLF
	"Date: Mon, 1 Jan 2024 09:00:00 +0900" CRLF
	"Message-ID: <abc123@example.jp>" CRLF
	"References: <r1@example.jp> <r2@example.jp>" CRLF
	"MIME-Version: 1.0" CRLF
	"Content-Type: multipart/mixed; boundary=\"OUTER\"" CRLF
	CRLF
	"--OUTER" CRLF
	"Content-Type: multipart/alternative; boundary=\"ALT\"" CRLF
	CRLF
	"--ALT" CRLF
	"Content-Type: text/plain; charset=ISO-2022-JP" CRLF
	CRLF
	"\x1b$B@bL@2q\x1b(B" CRLF
	"--ALT" CRLF
	"Content-Type: text/html; charset=UTF-8" CRLF
	CRLF
	"<html><body><p>\xe8\xaa\xac\xe6\x98\x8e\xe4\xbc\x9a</p><script>steal()</script></body></html>" CRLF
	"--ALT--" CRLF
	"--OUTER" CRLF
	"Content-Type: text/csv; name=\"list.csv\"" CRLF
	"Content-Disposition: attachment; filename=\"list.csv\"" CRLF
	CRLF
	"name,value" CRLF
	"a,=cmd|'/c calc'!A0" CRLF
	"--OUTER" CRLF
	"Content-Type: application/octet-stream; name=\"invoice.exe\"" CRLF
	"Content-Disposition: attachment; filename=\"invoice.exe\"" CRLF
	"Content-Transfer-Encoding: base64" CRLF
	CRLF
	"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=" CRLF
	"--OUTER--" CRLF;

START_TEST(families_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_MAIL), &mg_filter_mail);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_TEXT), &mg_filter_text);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_HTML), &mg_filter_html);
}
END_TEST

START_TEST(rebuild_whitelist_bodies_attachments)
{
	mg_result res;
	GMimeMessage *m;
	char *types, *body;
	InternetAddressList *to;

	ck_assert_int_eq(run_mail(rich_mail, sizeof(rich_mail) - 1, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "eml");
	/* headers outside the whitelist are gone, not only their values */
	ck_assert(!tu_contains(res.out, res.out_len, "Received:"));
	ck_assert(!tu_contains(res.out, res.out_len, "X-Evil"));
	ck_assert(!tu_contains(res.out, res.out_len, "Return-Path"));
	ck_assert(!tu_contains(res.out, res.out_len, "<script"));
	ck_assert(tu_contains(res.report_json, strlen(res.report_json),
	                      "\"subject\": \"会議のご案内\""));
	m = reparse(&res);
	ck_assert_str_eq(g_mime_message_get_subject(m), "会議のご案内");
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(
		g_mime_message_get_from(m), 0)), "山田 太郎");
	to = g_mime_message_get_to(m);
	ck_assert_int_eq(internet_address_list_length(to), 2);
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(to, 1)), "市役所");
	ck_assert_str_eq(g_mime_message_get_message_id(m), "abc123@example.jp");
	ck_assert_str_eq(g_mime_object_get_header(GMIME_OBJECT(m), "X-Mugai-Id"), res.item_id);
	ck_assert_ptr_nonnull(strstr(g_mime_object_get_header(GMIME_OBJECT(m), "X-Mugai-Verdict"),
	                             "sanitised"));
	ck_assert_ptr_nonnull(strstr(g_mime_object_get_header(GMIME_OBJECT(m), "References"),
	                             "<r2@example.jp>"));
	/* one text body, the CSV as sanitised text, the program gone */
	types = part_types(m);
	ck_assert_str_eq(types, "multipart/mixed;text/plain;text/csv;");
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "説明会\r\n"));
	/* both versions carry the same words: the plain one is delivered */
	ck_assert_ptr_null(strstr(body, "HTML"));
	ck_assert_ptr_null(strstr(body, "steal"));
	ck_assert_ptr_nonnull(strstr(body, "添付ファイル「invoice.exe」を削除しました"));
	ck_assert_ptr_nonnull(strstr(body, "Attachment \"invoice.exe\" removed: "));
	ck_assert_ptr_nonnull(strstr(body, res.item_id));
	/* the notice comes first */
	ck_assert(g_str_has_prefix(body, "【無害化通知】"));
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "X-Evil"));
	g_free(types);
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

START_TEST(csv_attachment_is_defanged)
{
	mg_result res;
	GMimeMessage *m;
	GMimeObject *csv;
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;

	ck_assert_int_eq(run_mail(rich_mail, sizeof(rich_mail) - 1, &res), MG_OK);
	m = reparse(&res);
	csv = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(m)), 1);
	ck_assert_str_eq(g_mime_part_get_filename(GMIME_PART(csv)), "list.csv");
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(csv)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	ck_assert(tu_contains(a->data, a->len, "a,'=cmd|'/c calc'!A0"));
	g_object_unref(mem);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

static const char html_mail[] =
	"From: news@shop.example" CRLF
	"Subject: News" CRLF
	"MIME-Version: 1.0" CRLF
	"Content-Type: text/html; charset=Shift_JIS" CRLF
	CRLF
	"<html><body><h1>\x82\xa8\x92\x6d\x82\xe7\x82\xb9</h1><p>Read <a href=\"https://shop.example/a\">"
	"more</a></p><img src=\"https://track.example/o.gif\" width=\"1\" height=\"1\">"
	"<script>x()</script><ul><li>one</li><li>two</li></ul></body></html>" CRLF;

START_TEST(html_only_mail_becomes_text)
{
	mg_result res;
	GMimeMessage *m;
	char *types, *body;

	ck_assert_int_eq(run_mail(html_mail, sizeof(html_mail) - 1, &res), MG_OK);
	m = reparse(&res);
	types = part_types(m);
	ck_assert_str_eq(types, "text/plain;");
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "お知らせ\r\n\r\nRead more <https://shop.example/a>\r\n\r\n"
	                                   "- one\r\n- two\r\n"));
	ck_assert_ptr_nonnull(strstr(body, "HTML body converted to text"));
	ck_assert_ptr_nonnull(strstr(body, "1 remote images"));
	ck_assert_ptr_null(strstr(body, "x()"));
	ck_assert_ptr_null(strstr(body, "track.example"));
	g_free(types);
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

static const char raw_japanese_headers[] =
	"From: \x1b$B;3ED\x1b(B <yamada@example.jp>" CRLF
	"Subject: \x89\xef\x8b\x63\x82\xcc\x82\xb2\x88\xc4\x93\xe0" CRLF
	"Content-Type: text/plain" CRLF
	CRLF
	"\x82\xa0\x82\xa2\x82\xa4" CRLF;

START_TEST(raw_8bit_and_iso2022_headers)
{
	mg_result res;
	GMimeMessage *m;
	char *body;

	ck_assert_int_eq(run_mail(raw_japanese_headers, sizeof(raw_japanese_headers) - 1, &res), MG_OK);
	m = reparse(&res);
	ck_assert_str_eq(g_mime_message_get_subject(m), "会議のご案内");
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(
		g_mime_message_get_from(m), 0)), "山田");
	/* re-encoded as RFC 2047: no raw 8-bit byte in the header block */
	ck_assert(tu_contains(res.out, res.out_len, "Subject: =?"));
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "あいう\r\n"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

START_TEST(corpus_iso2022jp_exact)
{
	size_t len;
	unsigned char *d = tu_read(CORPUS_DIR "/mail/mikel_japanese_iso_2022.eml", &len);
	mg_result res;
	GMimeMessage *m;
	char *body;

	ck_assert_int_eq(run_mail(d, len, &res), MG_OK);
	m = reparse(&res);
	ck_assert_str_eq(g_mime_message_get_subject(m), "まみむめも");
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(
		g_mime_message_get_to(m), 0)), "みける");
	body = body_text(m);
	ck_assert(g_str_has_suffix(body, "-\r\n\r\nすみません。\r\n"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(corpus_shift_jis_exact)
{
	size_t len;
	unsigned char *d = tu_read(CORPUS_DIR "/mail/mikel_japanese_shift_jis.eml", &len);
	mg_result res;
	GMimeMessage *m;
	char *body;

	ck_assert_int_eq(run_mail(d, len, &res), MG_OK);
	m = reparse(&res);
	body = body_text(m);
	ck_assert(g_str_has_suffix(body, "-\r\n\r\nあいうえお\r\n\r\nこのメールはテスト用のメールです。\r\n"
	                                 "\r\n今後ともよろしくお願い申し上げます！\r\n"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(corpus_signed_and_partial)
{
	mg_result res;
	GMimeMessage *m;
	char *types, *body;

	ck_assert_int_eq(tu_sanitize_corpus("mail/mikel_raw_email_with_nested_attachment.eml",
	                                    MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(!tu_contains(res.out, res.out_len, "pkcs7-signature"));
	ck_assert(!tu_contains(res.out, res.out_len, "multipart/signed"));
	m = reparse(&res);
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "Digital signature removed"));
	ck_assert_ptr_nonnull(strstr(body, "truncated.png"));
	ck_assert_ptr_nonnull(strstr(body, "Here is a test of an attachment via email."));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);

	ck_assert_int_eq(tu_sanitize_corpus("mail/gmime_message-partial.0.eml", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	m = reparse(&res);
	types = part_types(m);
	ck_assert_str_eq(types, "text/plain;");
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "message/partial"));
	g_free(types);
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

START_TEST(nested_message_is_sanitised)
{
	mg_result res;
	GMimeMessage *m, *inner;
	GMimeObject *att;
	char *types;

	ck_assert_int_eq(tu_sanitize_corpus("mail/mikel_attachment_message_rfc822.eml", MG_MODE_DEFAULT,
	                                    &res), MG_OK);
	m = reparse(&res);
	types = part_types(m);
	ck_assert_str_eq(types, "multipart/mixed;text/plain;message/rfc822;");
	att = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(m)), 1);
	inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(att));
	ck_assert_str_eq(g_mime_message_get_subject(inner), "Another PDF");
	ck_assert_ptr_nonnull(g_mime_object_get_header(GMIME_OBJECT(inner), "X-Mugai-Verdict"));
	ck_assert_ptr_null(g_mime_object_get_header(GMIME_OBJECT(inner), "Received"));
	ck_assert_ptr_null(g_mime_object_get_header(GMIME_OBJECT(inner), "DomainKey-Signature"));
	g_free(types);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

/* A message nested n times in message/rfc822 parts. */
static GString *nested(int n)
{
	GString *g = g_string_new("From: a@example.org" CRLF "Subject: innermost" CRLF CRLF "core" CRLF);

	for (int i = 0; i < n; i++) {
		GString *outer = g_string_new(NULL);

		g_string_append_printf(outer, "From: a@example.org" CRLF "Subject: level %d" CRLF
		                       "MIME-Version: 1.0" CRLF
		                       "Content-Type: multipart/mixed; boundary=\"b%d\"" CRLF CRLF
		                       "--b%d" CRLF "Content-Type: text/plain" CRLF CRLF "level %d" CRLF
		                       "--b%d" CRLF "Content-Type: message/rfc822" CRLF CRLF "%s" CRLF
		                       "--b%d--" CRLF, n - i, i, i, n - i, i, g->str, i);
		g_string_free(g, TRUE);
		g = outer;
	}
	return g;
}

START_TEST(nesting_depth_limit)
{
	GString *g = nested(12);
	mg_result res;

	ck_assert_int_eq(run_mail(g->str, g->len, &res), MG_OK);
	/* the top stays readable; the message past max_depth is removed with the reason */
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "limit_depth"));
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "max_depth"));
	mg_result_free(&res);
	g_string_free(g, TRUE);
}
END_TEST

START_TEST(too_many_parts_blocks)
{
	GString *g = g_string_new("From: a@example.org" CRLF "MIME-Version: 1.0" CRLF
	                          "Content-Type: multipart/mixed; boundary=\"B\"" CRLF CRLF);
	mg_result res;

	for (int i = 0; i < 1500; i++)
		g_string_append(g, "--B" CRLF "Content-Type: text/plain" CRLF CRLF "x" CRLF);
	g_string_append(g, "--B--" CRLF);
	ck_assert_int_eq(run_mail(g->str, g->len, &res), MG_E_LIMIT_COUNT);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_parts"));
	mg_result_free(&res);
	g_string_free(g, TRUE);
}
END_TEST

START_TEST(deep_multipart_nesting_blocks)
{
	GString *g = g_string_new("From: a@example.org" CRLF "MIME-Version: 1.0" CRLF);
	mg_result res;

	for (int i = 0; i < 3000; i++)
		g_string_append_printf(g, "Content-Type: multipart/mixed; boundary=\"b%d\"" CRLF CRLF
		                          "--b%d" CRLF, i, i);
	g_string_append(g, "Content-Type: text/plain" CRLF CRLF "deep" CRLF);
	ck_assert_int_eq(run_mail(g->str, g->len, &res), MG_E_LIMIT_DEPTH);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "nested"));
	mg_result_free(&res);
	g_string_free(g, TRUE);
}
END_TEST

START_TEST(huge_header_is_dropped)
{
	GString *g = g_string_new("From: a@example.org" CRLF "Subject: ");
	mg_result res;
	GMimeMessage *m;

	for (int i = 0; i < 10000; i++)
		g_string_append(g, "long words ");
	g_string_append(g, CRLF "To: b@example.org" CRLF CRLF "body" CRLF);
	ck_assert_int_eq(run_mail(g->str, g->len, &res), MG_OK);
	m = reparse(&res);
	ck_assert_ptr_null(g_mime_message_get_subject(m));
	ck_assert_int_eq(internet_address_list_length(g_mime_message_get_to(m)), 1);
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "max_header_bytes"));
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(g, TRUE);
}
END_TEST

static const char encrypted_mail[] =
	"From: a@example.org" CRLF
	"Subject: secret" CRLF
	"MIME-Version: 1.0" CRLF
	"Content-Type: multipart/mixed; boundary=\"M\"" CRLF CRLF
	"--M" CRLF "Content-Type: text/plain" CRLF CRLF "see attached" CRLF
	"--M" CRLF
	"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"E\"" CRLF CRLF
	"--E" CRLF "Content-Type: application/pgp-encrypted" CRLF CRLF "Version: 1" CRLF
	"--E" CRLF "Content-Type: application/octet-stream" CRLF CRLF
	"-----BEGIN PGP MESSAGE-----" CRLF "hQEMA" CRLF "-----END PGP MESSAGE-----" CRLF
	"--E--" CRLF
	"--M" CRLF
	"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m" CRLF
	"Content-Disposition: attachment; filename=smime.p7m" CRLF
	"Content-Transfer-Encoding: base64" CRLF CRLF "MIAGCSqGSIb3DQEHA6CAMIACAQA=" CRLF
	"--M" CRLF
	"Content-Type: application/ms-tnef; name=winmail.dat" CRLF
	"Content-Disposition: attachment; filename=winmail.dat" CRLF CRLF "x" CRLF
	"--M--" CRLF;

START_TEST(encrypted_signed_tnef_removed)
{
	mg_result res;
	GMimeMessage *m;
	char *types, *body;

	ck_assert_int_eq(run_mail(encrypted_mail, sizeof(encrypted_mail) - 1, &res), MG_OK);
	m = reparse(&res);
	types = part_types(m);
	ck_assert_str_eq(types, "text/plain;");
	body = body_text(m);
	ck_assert_ptr_nonnull(strstr(body, "Encrypted content \"multipart/encrypted\" removed"));
	ck_assert_ptr_nonnull(strstr(body, "Encrypted content \"smime.p7m\" removed"));
	ck_assert_ptr_nonnull(strstr(body, "TNEF attachment \"winmail.dat\" removed"));
	ck_assert_ptr_null(strstr(body, "PGP MESSAGE"));
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "encrypted"));
	g_free(types);
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
}
END_TEST

START_TEST(notice_policy)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *body;
	mg_result res;
	GMimeMessage *m;

	ck_assert_int_eq(mg_policy_set(p, "notice_lang", "en", &err), 0);
	ck_assert_int_eq(run_mail_policy(p, rich_mail, sizeof(rich_mail) - 1, &res), MG_OK);
	m = reparse(&res);
	body = body_text(m);
	ck_assert(g_str_has_prefix(body, "[mugai] This message was sanitised."));
	ck_assert_ptr_null(strstr(body, "無害化"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);

	ck_assert_int_eq(mg_policy_set(p, "notice", "no", &err), 0);
	ck_assert_int_eq(run_mail_policy(p, rich_mail, sizeof(rich_mail) - 1, &res), MG_OK);
	m = reparse(&res);
	body = body_text(m);
	ck_assert_str_eq(body, "説明会\r\n");
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* The encoding gmime's own best filter chooses under a 7-bit constraint. */
static GMimeContentEncoding gmime_choice(const char *text, size_t len)
{
	GMimeFilter *f = g_mime_filter_best_new(GMIME_FILTER_BEST_ENCODING);
	char *copy = g_memdup2(text, len + 1), *out;
	GMimeContentEncoding enc;
	size_t outlen, outpre;

	g_mime_filter_complete(f, copy, len, 0, &out, &outlen, &outpre);
	enc = g_mime_filter_best_encoding(GMIME_FILTER_BEST(f), GMIME_ENCODING_CONSTRAINT_7BIT);
	g_object_unref(f);
	g_free(copy);
	return enc;
}

/* mail_text_encoding keeps gmime's rule (NUL or 17% 8-bit: base64; some
 * 8-bit, a long line, a "From " line: quoted-printable) on every text
 * shorter than 998 octets in all, where gmime's filter measures lines
 * right; past that, a line is measured on its own. */
START_TEST(text_encoding_as_gmime_chooses)
{
	static const struct {
		const char *text;
		GMimeContentEncoding want;
	} fixed[] = {
		{ "", GMIME_CONTENT_ENCODING_DEFAULT },
		{ "hello\r\nworld\r\n", GMIME_CONTENT_ENCODING_DEFAULT },
		{ "本文です。\r\n", GMIME_CONTENT_ENCODING_BASE64 },
		{ "Meeting at 10:00 in room 3, see the agenda attached. 会議\r\n",
		  GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "From the desk of the mayor\r\n", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "Dear all,\r\nFrom tomorrow on\r\n", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE },
		{ "Dear all,\r\n From tomorrow\r\nFrom", GMIME_CONTENT_ENCODING_DEFAULT },
	};
	GString *g = g_string_new(NULL);
	GRand *rng = g_rand_new_with_seed(14);

	for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++) {
		size_t n = strlen(fixed[i].text);

		ck_assert_int_eq(mail_text_encoding(fixed[i].text, n), fixed[i].want);
		ck_assert_int_eq(gmime_choice(fixed[i].text, n), fixed[i].want);
	}
	/* a NUL anywhere */
	ck_assert_int_eq(mail_text_encoding("a\0b\r\n", 5), GMIME_CONTENT_ENCODING_BASE64);
	/* one line of 998 octets, then of 999 */
	g_string_assign(g, "");
	for (int k = 0; k < 998; k++)
		g_string_append_c(g, 'x');
	ck_assert_int_eq(mail_text_encoding(g->str, g->len), GMIME_CONTENT_ENCODING_DEFAULT);
	g_string_append(g, "x\r\n");
	ck_assert_int_eq(mail_text_encoding(g->str, g->len), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	ck_assert_int_eq(gmime_choice(g->str, g->len), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	/* random texts under 998 octets: ASCII lines, some 8-bit, a rare NUL */
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)g_rand_int_range(rng, 0, 990);
		int eight = g_rand_int_range(rng, 0, 4) == 0 ? 0 : g_rand_int_range(rng, 0, 40);

		g_string_assign(g, "");
		while (g->len < len) {
			int r = g_rand_int_range(rng, 0, 100);

			if (r < eight)
				g_string_append_c(g, (char)g_rand_int_range(rng, 0x80, 0x100));
			else if (r < eight + 4)
				g_string_append(g, "\r\n");
			else if (r == 99 && round % 50 == 0)
				g_string_append_c(g, '\0');
			else if (r == 98)
				g_string_append(g, "\nFrom ");
			else
				g_string_append_c(g, (char)g_rand_int_range(rng, 0x20, 0x7f));
		}
		ck_assert_msg(mail_text_encoding(g->str, g->len) == gmime_choice(g->str, g->len),
		              "round %d: %d against gmime's %d", round,
		              (int)mail_text_encoding(g->str, g->len), (int)gmime_choice(g->str, g->len));
	}
	/* past 998 octets in all, short lines: as it is (gmime: quoted-printable) */
	g_string_assign(g, "");
	for (int k = 0; k < 40; k++)
		g_string_append(g, "The minutes of the meeting are attached, in plain text.\r\n");
	ck_assert_int_eq(mail_text_encoding(g->str, g->len), GMIME_CONTENT_ENCODING_DEFAULT);
	g_rand_free(rng);
	g_string_free(g, TRUE);
}
END_TEST

/* What gmime's data wrapper writes through its decoding filter. */
static GByteArray *gmime_decoded(GMimePart *part)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;

	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part), mem);
	a = g_byte_array_new();
	g_byte_array_append(a, g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->data,
	                    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len);
	g_object_unref(mem);
	return a;
}

/* One part of every transfer encoding, its body as given. */
static void add_part(GString *m, const char *cte, const char *body)
{
	g_string_append_printf(m, "--b" CRLF "Content-Type: application/octet-stream" CRLF
	                          "Content-Transfer-Encoding: %s" CRLF CRLF "%s" CRLF, cte, body);
}

/* mail_part_bytes decodes a parsed part in one call, not through gmime's
 * filter stream: the bytes must be those gmime's filter gives, for good
 * and broken base64 and quoted-printable (soft breaks, a trailing '=',
 * bad escapes), the identity encodings and uuencode. */
START_TEST(part_bytes_as_gmime_decodes)
{
	GString *m = g_string_new("MIME-Version: 1.0" CRLF
	                          "Content-Type: multipart/mixed; boundary=b" CRLF CRLF);
	GRand *rng = g_rand_new_with_seed(88);
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeMultipart *mp;
	int parts;

	g_mime_init(); /* no core here, which would */
	add_part(m, "base64", "SGVsbG8sIHdvcmxkIQ==" CRLF "5pys5paH44Gn44GZ");
	add_part(m, "base64", "SGVs*bG8@@=\r\nx");
	add_part(m, "base64", "SGVsbG8");
	add_part(m, "quoted-printable", "caf=C3=A9 =E6=9C=AC=" CRLF "=E6=96=87 soft=" CRLF "end=");
	add_part(m, "quoted-printable", "bad =ZZ =4 =\t tail  " CRLF "=3D=3d");
	add_part(m, "7bit", "plain line" CRLF "second");
	add_part(m, "8bit", "\xe6\x97\xa5\xe6\x9c\xac");
	add_part(m, "binary", "bin\x01\x02");
	add_part(m, "x-uuencode", "begin 644 a.txt" CRLF "#86)C" CRLF "`" CRLF "end");
	for (int k = 0; k < 20; k++) {
		guint8 raw[700];
		size_t n = (size_t)g_rand_int_range(rng, 0, (gint32)sizeof(raw));
		char *b64, *qp;
		GMimeEncoding e;

		for (size_t i = 0; i < n; i++)
			raw[i] = (guint8)g_rand_int_range(rng, 0, 256);
		b64 = g_base64_encode(raw, n);
		add_part(m, "base64", b64);
		g_mime_encoding_init_encode(&e, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
		qp = g_malloc(g_mime_encoding_outlen(&e, n) + 1);
		qp[g_mime_encoding_flush(&e, (const char *)raw, n, qp)] = 0;
		add_part(m, "quoted-printable", qp);
		g_free(b64);
		g_free(qp);
	}
	g_string_append(m, "--b--" CRLF);
	s = g_mime_stream_mem_new_with_buffer(m->str, m->len);
	parser = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(msg);
	mp = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
	parts = g_mime_multipart_get_count(mp);
	ck_assert_int_eq(parts, 49);
	for (int i = 0; i < parts; i++) {
		GMimePart *part = GMIME_PART(g_mime_multipart_get_part(mp, i));
		GByteArray *got = mail_part_bytes(part), *want = gmime_decoded(part);

		ck_assert_msg(got->len == want->len && memcmp(got->data, want->data, got->len) == 0,
		              "part %d: %u bytes against gmime's %u", i, got->len, want->len);
		g_byte_array_free(got, TRUE);
		g_byte_array_free(want, TRUE);
	}
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(s);
	g_rand_free(rng);
	g_string_free(m, TRUE);
}
END_TEST

/* One field set either way and written as mail.c writes it: by
 * mail_header_set into mugai's fields, or by gmime into a message. */
static char *written_with(const char *name, const char *value, bool plain)
{
	GMimeFormatOptions *f = g_mime_format_options_new();
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;
	char *out;

	g_mime_format_options_set_newline_format(f, GMIME_NEWLINE_FORMAT_DOS);
	if (plain) {
		mail_fields fields;

		mail_fields_init(&fields, f);
		mail_header_set(&fields, name, value);
		mail_fields_write(&fields, mem);
		g_mime_stream_write_string(mem, CRLF); /* the message's blank line */
		mail_fields_free(&fields);
	} else {
		GMimeMessage *m = g_mime_message_new(FALSE);

		g_mime_object_set_header(GMIME_OBJECT(m), name, value, NULL);
		g_mime_object_write_to_stream(GMIME_OBJECT(m), f, mem);
		g_object_unref(m);
	}
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	out = g_strndup((const char *)a->data, a->len);
	g_object_unref(mem);
	g_mime_format_options_free(f);
	return out;
}

/* mail_header_set writes what g_mime_object_set_header writes, for the
 * values it sets raw and for those it leaves to gmime: long lines,
 * double and edge spaces, tabs, 8-bit, encoded-word shapes; and the
 * message reads a Date set raw. */
START_TEST(header_set_as_gmime_writes)
{
	static const char *const fixed[] = {
		"Mon, 13 May 2024 09:01:00 +0900", "20260101T000000-a1b2c3d4e5f6",
		"sanitised; converted=1; removed=3", "two  spaces", " lead", "trail ", "tab\there",
		"=?UTF-8?B?5pys?=", "a=?b", "caf\xc3\xa9",
		"blocked; reason=a very long reason that goes on well past the column where gmime folds",
		"x", "(comment) \"quoted\" <angle> [square]",
	};
	GRand *rng = g_rand_new_with_seed(76);
	GMimeMessage *m;

	g_mime_init(); /* no core here, which would */
	for (size_t i = 0; i < G_N_ELEMENTS(fixed) + 400; i++) {
		char buf[120];
		const char *v = i < G_N_ELEMENTS(fixed) ? fixed[i] : buf;
		char *plain, *gm;

		if (i >= G_N_ELEMENTS(fixed) && i < G_N_ELEMENTS(fixed) + 100) {
			/* "ab ab ab": a place to fold every third column, 1 to 100 */
			size_t n = i - G_N_ELEMENTS(fixed) + 1;

			for (size_t k = 0; k < n; k++)
				buf[k] = k % 3 == 2 ? ' ' : (char)('a' + k % 3);
			buf[n - 1] = 'z';
			buf[n] = 0;
		} else if (i >= G_N_ELEMENTS(fixed)) {
			/* printable ASCII, spaces among it, 1 to 90 characters */
			int n = g_rand_int_range(rng, 1, 91);

			for (int k = 0; k < n; k++)
				buf[k] = g_rand_int_range(rng, 0, 5) == 0 ? ' '
				                                          : (char)g_rand_int_range(rng, 0x21, 0x7F);
			buf[n] = 0;
		}
		plain = written_with("X-Mugai-Verdict", v, true);
		gm = written_with("X-Mugai-Verdict", v, false);
		ck_assert_msg(strcmp(plain, gm) == 0, "value [%s]: [%s] against gmime's [%s]", v, plain,
		              gm);
		g_free(plain);
		g_free(gm);
	}
	{
		/* the field written raw, parsed back */
		char *block = written_with("Date", fixed[0], true);
		GMimeStream *s = g_mime_stream_mem_new_with_buffer(block, strlen(block));
		GMimeParser *p = g_mime_parser_new_with_stream(s);

		m = g_mime_parser_construct_message(p, NULL);
		ck_assert_ptr_nonnull(m);
		g_object_unref(p);
		g_object_unref(s);
		g_free(block);
	}
	ck_assert_ptr_nonnull(g_mime_message_get_date(m));
	ck_assert_int_eq(g_date_time_to_unix(g_mime_message_get_date(m)), 1715558460);
	g_object_unref(m);
	g_rand_free(rng);
}
END_TEST

/* A message id set raw writes what g_mime_message_set_message_id writes:
 * gmime's Message-Id formatter writes the value as it is, unfolded. */
START_TEST(message_id_raw_as_gmime_writes)
{
	GString *longest = g_string_new(NULL);
	const char *ids[] = { "a@b", "20260101.abc$%&'*+-/=?^_`{|}~@example.org", "x@[192.0.2.1]", NULL };

	g_mime_init(); /* no core here, which would */
	while (longest->len < 248)
		g_string_append_c(longest, (char)('a' + longest->len % 26));
	g_string_append(longest, "@x");
	ids[G_N_ELEMENTS(ids) - 1] = longest->str;
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		GMimeFormatOptions *f = g_mime_format_options_new();
		GMimeStream *a = g_mime_stream_mem_new(), *b = g_mime_stream_mem_new();
		GMimeMessage *m = g_mime_message_new(FALSE);
		char *bracketed = g_strconcat("<", ids[i], ">", NULL);
		GByteArray *ba, *bb;
		mail_fields ours;

		g_mime_format_options_set_newline_format(f, GMIME_NEWLINE_FORMAT_DOS);
		mail_fields_init(&ours, f);
		mail_header_set_raw(&ours, "Message-Id", bracketed);
		mail_fields_write(&ours, b);
		g_mime_stream_write_string(b, CRLF);
		g_mime_message_set_message_id(m, ids[i]);
		g_mime_object_write_to_stream(GMIME_OBJECT(m), f, a);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(a));
		bb = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(b));
		ck_assert_msg(ba->len == bb->len && memcmp(ba->data, bb->data, ba->len) == 0,
		              "[%.*s] against gmime's [%.*s]", (int)bb->len, bb->data, (int)ba->len,
		              ba->data);
		g_free(bracketed);
		mail_fields_free(&ours);
		g_object_unref(m);
		g_object_unref(a);
		g_object_unref(b);
		g_mime_format_options_free(f);
	}
	g_string_free(longest, TRUE);
}
END_TEST

/* Where a part is written from: alone, as a multipart's child, or as the
 * body of a message (gmime then ensures it ends with a newline). */
enum part_place { PLACE_ALONE, PLACE_MULTIPART, PLACE_MESSAGE, PLACES };

/* One part written: made by mugai or by gmime, with content set as
 * mail_part_set_content sets it (or a stream not in memory), in a newline
 * format, in a place. */
static GByteArray *part_written(bool ours, bool text, const GByteArray *content,
                                GMimeContentEncoding enc, bool file_stream,
                                GMimeNewLineFormat nl, enum part_place place, ssize_t *ret)
{
	GMimeContentType *ct = g_mime_content_type_new("application", "x-test");
	GMimeFormatOptions *f = g_mime_format_options_new();
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimePart *p;
	GByteArray *a = g_byte_array_new();

	if (text)
		p = GMIME_PART(ours ? mail_text_part_new("plain", "utf-8") : g_mime_text_part_new_with_subtype("plain"));
	else if (ours)
		p = mail_part_new(ct);
	else
		p = g_mime_part_new_with_type("application", "x-test");
	if (text && !ours)
		g_mime_text_part_set_charset(GMIME_TEXT_PART(p), "utf-8");
	if (file_stream) {
		FILE *fp = tmpfile();
		GMimeStream *fs;
		GMimeDataWrapper *w;

		fwrite(content->data, 1, content->len, fp);
		fs = g_mime_stream_file_new(fp);
		w = g_mime_data_wrapper_new_with_stream(fs, GMIME_CONTENT_ENCODING_DEFAULT);
		g_mime_part_set_content(p, w);
		g_mime_part_set_content_encoding(p, enc);
		g_object_unref(w);
		g_object_unref(fs);
	} else {
		mail_part_set_content(p, content->len ? content->data : (const guint8 *)"", content->len, enc);
	}
	g_mime_object_set_header(GMIME_OBJECT(p), "Content-Description", "x", NULL);
	g_mime_format_options_set_newline_format(f, nl);
	if (place == PLACE_MULTIPART) {
		GMimeMultipart *mp = g_mime_multipart_new_with_subtype("mixed");

		g_mime_multipart_set_boundary(mp, "b");
		g_mime_multipart_add(mp, GMIME_OBJECT(p));
		*ret = g_mime_object_write_to_stream(GMIME_OBJECT(mp), f, mem);
		g_object_unref(mp);
	} else if (place == PLACE_MESSAGE) {
		GMimeMessage *m = g_mime_message_new(FALSE);

		g_mime_message_set_mime_part(m, GMIME_OBJECT(p));
		*ret = g_mime_object_write_to_stream(GMIME_OBJECT(m), f, mem);
		g_object_unref(m);
	} else {
		*ret = g_mime_object_write_to_stream(GMIME_OBJECT(p), f, mem);
	}
	g_byte_array_append(a, g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->data,
	                    g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len);
	g_object_unref(p);
	g_object_unref(ct);
	g_object_unref(mem);
	g_mime_format_options_free(f);
	return a;
}

/* Content made of a few bytes that matter to newlines: CR and LF alone and
 * together, at the start and the end, lines longer than the write buffer. */
static void newline_content(GRand *rng, size_t i, GByteArray *c)
{
	static const char *const fixed[] = { "", "a", "\n", "\r", "\r\n", "\n\n", "\r\r\n", "a\r",
	                                     "a\n", "a\r\n", "\ra", "x\ry\nz\r\n\n\r" };
	static const char alphabet[] = "ab \r\n\t\x80";

	g_byte_array_set_size(c, 0);
	if (i < G_N_ELEMENTS(fixed)) {
		g_byte_array_append(c, (const guint8 *)fixed[i], (guint)strlen(fixed[i]));
		return;
	}
	if (i % 10 == 0) { /* one run past the 8 KiB buffer, then a line */
		g_byte_array_set_size(c, 8192 + (guint)g_rand_int_range(rng, 0, 9000));
		memset(c->data, 'q', c->len);
		c->data[c->len - 1] = '\n';
		return;
	}
	for (int k = g_rand_int_range(rng, 0, 400); k > 0; k--) {
		guint8 b = (guint8)alphabet[g_rand_int_range(rng, 0, (int)sizeof(alphabet) - 1)];

		g_byte_array_append(c, &b, 1);
	}
}

/* The parts mugai makes write what gmime's own write, newline filter and
 * all, for every encoding mail_part_set_content takes, both newline
 * formats, in each place, and from a stream not in memory. */
START_TEST(part_write_as_gmime_writes)
{
	static const GMimeContentEncoding encs[] = {
		GMIME_CONTENT_ENCODING_DEFAULT, GMIME_CONTENT_ENCODING_7BIT, GMIME_CONTENT_ENCODING_8BIT,
		GMIME_CONTENT_ENCODING_BASE64, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE,
		GMIME_CONTENT_ENCODING_BINARY,
	};
	GRand *rng = g_rand_new_with_seed(77);
	GByteArray *c = g_byte_array_new();

	g_mime_init();
	for (size_t i = 0; i < 12 + 120; i++) {
		newline_content(rng, i, c);
		for (unsigned v = 0; v < G_N_ELEMENTS(encs) * 8 * PLACES; v++) {
			GMimeContentEncoding enc = encs[v / (8 * PLACES)];
			enum part_place place = (enum part_place)(v / 8 % PLACES);
			bool text = v & 1, file = v & 2;
			GMimeNewLineFormat nl = v & 4 ? GMIME_NEWLINE_FORMAT_UNIX : GMIME_NEWLINE_FORMAT_DOS;
			ssize_t ra, rb;
			GByteArray *a = part_written(true, text, c, enc, file, nl, place, &ra);
			GByteArray *b = part_written(false, text, c, enc, file, nl, place, &rb);

			ck_assert_msg(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
			              "content %zu (%u bytes), case %u: %u bytes against gmime's %u", i,
			              c->len, v, a->len, b->len);
			ck_assert_int_eq(ra, rb);
			g_byte_array_free(a, TRUE);
			g_byte_array_free(b, TRUE);
		}
	}
	g_byte_array_free(c, TRUE);
	g_rand_free(rng);
}
END_TEST

/* A file's part written: made as mail_file_part_new makes it, or as the
 * rebuild made it before, through g_mime_part_set_filename. */
/* ours: made by mail_file_part_new, else by gmime's setters; gmime_write:
 * written by gmime's own part writer, else by the part's (mail_part_write.c). */
static GByteArray *file_part_written(bool ours, bool gmime_write, const char *type,
                                     const char *disposition, const char *name)
{
	GMimeParserOptions *po = g_mime_parser_options_new();
	GMimeContentType *ct = g_mime_content_type_parse(po, type);
	GMimeFormatOptions *f = g_mime_format_options_new();
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a = g_byte_array_new(), *w;
	GMimePart *p;

	if (ours) {
		p = mail_file_part_new(ct, "data\n", 5, disposition, name);
	} else {
		p = mail_part_new(ct);
		mail_part_set_content(p, "data\n", 5, GMIME_CONTENT_ENCODING_BASE64);
		g_mime_object_set_disposition(GMIME_OBJECT(p), disposition);
		g_mime_part_set_filename(p, name);
	}
	g_mime_format_options_set_newline_format(f, GMIME_NEWLINE_FORMAT_DOS);
	if (gmime_write)
		GMIME_OBJECT_CLASS(g_type_class_peek(GMIME_TYPE_PART))
			->write_to_stream(GMIME_OBJECT(p), f, FALSE, mem);
	else
		g_mime_object_write_to_stream(GMIME_OBJECT(p), f, mem);
	w = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_byte_array_append(a, w->data, w->len);
	g_object_unref(p);
	g_object_unref(ct);
	g_object_unref(mem);
	g_mime_format_options_free(f);
	g_mime_parser_options_free(po);
	return a;
}

/* mail_file_part_new writes what setting the disposition and the file
 * name after the content wrote: the same fields in the same order, names
 * plain, quoted, non-ASCII (RFC 2231) and long, types with parameters;
 * and its header block, written from the values the fields were given,
 * is what gmime's writer, formatting them again, writes. */
START_TEST(file_part_as_gmime_sets)
{
	static const char *const types[] = { "application/pdf", "text/csv; charset=utf-8",
		                             "image/png; x-a=\"b c\"" };
	static const char *const names[] = {
		"a.pdf", "two words.pdf", "q\"uote.txt", "\xe8\xa6\x8b\xe7\xa9\x8d\xe6\x9b\xb8.xlsx",
		"a-very-long-file-name-that-goes-on-and-on-past-the-column-where-gmime-folds.docx",
		"\xe4\xbc\x9a\xe8\xad\xb0\xe8\xb3\x87\xe6\x96\x99 2026\xe5\xb9\xb4\xe5\xba\xa6 "
		"\xe7\xac\xac" "1\xe5\x9b\x9e \xe6\x9c\x80\xe7\xb5\x82\xe7\x89\x88.pdf",
	};

	g_mime_init();
	for (size_t t = 0; t < G_N_ELEMENTS(types); t++)
		for (size_t n = 0; n < G_N_ELEMENTS(names); n++)
			for (int d = 0; d < 2; d++) {
				const char *disp = d ? "inline" : "attachment";
				GByteArray *a = file_part_written(true, false, types[t], disp, names[n]);
				GByteArray *b = file_part_written(false, false, types[t], disp, names[n]);
				GByteArray *c = file_part_written(true, true, types[t], disp, names[n]);

				ck_assert_msg(a->len == b->len && memcmp(a->data, b->data, a->len) == 0,
				              "%s, %s, %s: [%.*s] against [%.*s]", types[t], disp, names[n],
				              (int)a->len, a->data, (int)b->len, b->data);
				ck_assert_msg(a->len == c->len && memcmp(a->data, c->data, a->len) == 0,
				              "%s, %s, %s: [%.*s] against gmime's write [%.*s]", types[t], disp,
				              names[n], (int)a->len, a->data, (int)c->len, c->data);
				g_byte_array_free(a, TRUE);
				g_byte_array_free(b, TRUE);
				g_byte_array_free(c, TRUE);
			}
}
END_TEST

/* With the notice off, a long ASCII body is delivered as it is (7bit,
 * readable in the raw mail); the Japanese notice makes it quoted-printable. */
START_TEST(ascii_body_sent_as_it_is)
{
	GString *mail = g_string_new("From: a@example.org" CRLF "To: b@example.lg.jp" CRLF
	                             "Subject: minutes" CRLF "MIME-Version: 1.0" CRLF
	                             "Content-Type: text/plain; charset=us-ascii" CRLF CRLF);
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	for (int k = 0; k < 40; k++)
		g_string_append(mail, "The minutes of the meeting are attached, in plain text." CRLF);
	ck_assert_int_eq(run_mail_policy(p, mail->str, mail->len, &res), MG_OK);
	ck_assert_ptr_nonnull(g_strstr_len((const char *)res.out, (gssize)res.out_len,
	                                   "Content-Transfer-Encoding: quoted-printable"));
	mg_result_free(&res);
	ck_assert_int_eq(mg_policy_set(p, "notice", "no", &err), 0);
	ck_assert_int_eq(run_mail_policy(p, mail->str, mail->len, &res), MG_OK);
	ck_assert_ptr_null(g_strstr_len((const char *)res.out, (gssize)res.out_len,
	                                "Content-Transfer-Encoding: quoted-printable"));
	ck_assert_ptr_null(g_strstr_len((const char *)res.out, (gssize)res.out_len,
	                                "Content-Transfer-Encoding: base64"));
	ck_assert_ptr_nonnull(g_strstr_len((const char *)res.out, (gssize)res.out_len,
	                                   CRLF "The minutes of the meeting are attached, in plain text."
	                                   CRLF "The minutes"));
	mg_result_free(&res);
	mg_policy_free(p);
	g_string_free(mail, TRUE);
}
END_TEST

START_TEST(garbage_is_handled)
{
	static const unsigned char junk[] = "\x00\xff\xfe:::\r\n\r\n--\x01\x02 boundary=\r\n\x1b$B";
	mg_result res;
	mg_status st = run_mail(junk, sizeof(junk) - 1, &res);

	/* either a rebuilt text mail or a clear block, never a crash */
	if (st == MG_OK)
		ck_assert_str_eq(res.out_type, "message/rfc822");
	else
		ck_assert_ptr_nonnull(res.reason);
	mg_result_free(&res);
}
END_TEST

/* Each multipart's boundary of the message written once is the one its
 * parts hashed apart give: set again on the parsed output, innermost
 * first, every boundary stays what it is (a stand-in left, or a hash of
 * other bytes, would change). */
static unsigned boundaries_rehashed(GMimeObject *o, GMimeFormatOptions *fopts, const char *id)
{
	GMimeMultipart *mp;
	unsigned n = 0;
	char *before;

	if (GMIME_IS_MESSAGE_PART(o))
		return 0; /* a nested message was written by its own pass */
	if (!GMIME_IS_MULTIPART(o))
		return 0;
	mp = GMIME_MULTIPART(o);
	for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
		n += boundaries_rehashed(g_mime_multipart_get_part(mp, i), fopts, id);
	before = g_strdup(g_mime_multipart_get_boundary(mp));
	ck_assert_int_eq(strncmp(before, "=-mugai-", 8), 0);
	mail_boundary_set(mp, fopts, id);
	ck_assert_str_eq(g_mime_multipart_get_boundary(mp), before);
	g_free(before);
	return n + 1;
}

START_TEST(boundaries_hash_their_parts)
{
	static const char *const html[] = { "text", "safe" };

	for (unsigned k = 0; k < 2; k++) {
		mg_policy *p = mg_policy_new();
		char *err = NULL;
		mg_result res;
		GMimeMessage *m;
		GMimeFormatOptions *fopts = g_mime_format_options_new();

		g_mime_format_options_set_newline_format(fopts, GMIME_NEWLINE_FORMAT_DOS);
		ck_assert_int_eq(mg_policy_set(p, "html", html[k], &err), 0);
		ck_assert_int_eq(run_mail_policy(p, rich_mail, sizeof(rich_mail) - 1, &res), MG_OK);
		m = reparse(&res);
		/* mixed, and with html = safe the alternative of text and page */
		ck_assert_uint_eq(boundaries_rehashed(g_mime_message_get_mime_part(m), fopts,
		                                      g_mime_object_get_header(GMIME_OBJECT(m),
		                                                               "X-Mugai-Id")),
		                  1 + k);
		g_object_unref(m);
		g_mime_format_options_free(fopts);
		mg_result_free(&res);
		mg_policy_free(p);
	}
}
END_TEST

/* The header copy hands gmime an address it accepts as its own IDN form
 * (mail_addr_is_own_idn): gmime and libidn2 must make nothing else of it;
 * the ones it refuses are left to them (a trailing dot they drop). */
START_TEST(ascii_address_is_its_idn_form)
{
	static const struct {
		const char *addr;
		bool own;
	} cases[] = {
		{ "staff@city.example.lg.jp", true }, { "Staff@CITY.Example.LG.JP", true },
		{ "a@-dash-.example", true }, { "a.b+c@9.example", true },
		{ "x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", true },
		{ "x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", false },
		{ "a@example.org.", false }, { "a@a..b", false }, { "a@xn--wgv71a119e.jp", false },
		{ "a@XN--WGV71A119E.JP", false }, { "a@under_score.example", false }, { "nodomain", false },
		{ "@example.org", false }, { "a@b@c.example", false }, { "\xe5\xb8\x82@example.jp", false },
		{ "a@\xe5\xb8\x82.jp", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		InternetAddress *ia = internet_address_mailbox_new(NULL, cases[i].addr);

		ck_assert_msg(mail_addr_is_own_idn(cases[i].addr) == cases[i].own, "%s", cases[i].addr);
		if (cases[i].own)
			ck_assert_str_eq(internet_address_mailbox_get_idn_addr(INTERNET_ADDRESS_MAILBOX(ia)),
			                 cases[i].addr);
		g_object_unref(ia);
	}
}
END_TEST

/* A non-ASCII domain still gets its IDN form from gmime. */
START_TEST(idn_domain_written_as_ace)
{
	static const char mail[] =
		"From: a@example.org" CRLF
		"To: info@\xe5\xb8\x82\xe5\xbd\xb9\xe6\x89\x80.jp, b@EXAMPLE.jp, c@example.org." CRLF
		"Subject: idn" CRLF CRLF "body" CRLF;
	mg_result res;

	ck_assert_int_eq(run_mail(mail, sizeof(mail) - 1, &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "info@xn--"));
	ck_assert(tu_contains(res.out, res.out_len, "b@EXAMPLE.jp"));
	ck_assert(tu_contains(res.out, res.out_len, "c@example.org>") ||
	          tu_contains(res.out, res.out_len, "c@example.org\r"));
	mg_result_free(&res);
}
END_TEST

/* The mail is parsed from the caller's bytes, not a copy: in read-only
 * memory, a mail with an attachment and a nested message is sanitised
 * as from the heap, and its bytes are neither written nor freed (either
 * would fault here). */
START_TEST(mail_parsed_from_read_only_bytes)
{
	static const char mail[] =
		"From: a@example.org" CRLF "To: b@example.lg.jp" CRLF "Subject: ro" CRLF
		"MIME-Version: 1.0" CRLF "Content-Type: multipart/mixed; boundary=\"b\"" CRLF CRLF
		"--b" CRLF "Content-Type: text/plain" CRLF CRLF "body text" CRLF
		"--b" CRLF "Content-Type: text/csv; name=\"d.csv\"" CRLF
		"Content-Disposition: attachment; filename=\"d.csv\"" CRLF CRLF "id,value" CRLF "1,=SUM(A1)" CRLF
		"--b" CRLF "Content-Type: message/rfc822" CRLF CRLF
		"From: c@example.org" CRLF "Subject: inner" CRLF CRLF "inner body" CRLF
		"--b--" CRLF;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = (sizeof(mail) + page - 1) / page * page;
	unsigned char *ro = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mg_policy *p = mg_policy_new();
	mg_result heap, ro_res;
	char *err = NULL;

	ck_assert(ro != MAP_FAILED);
	memcpy(ro, mail, sizeof(mail) - 1);
	ck_assert_int_eq(mprotect(ro, size, PROT_READ), 0);
	ck_assert_int_eq(mg_policy_set(p, "notice", "no", &err), 0); /* the text readable */
	ck_assert_int_eq(run_mail_policy(p, mail, sizeof(mail) - 1, &heap), MG_OK);
	ck_assert_int_eq(run_mail_policy(p, ro, sizeof(mail) - 1, &ro_res), MG_OK);
	/* the same but for the item id and the boundaries it salts */
	ck_assert_uint_eq(ro_res.out_len, heap.out_len);
	ck_assert(tu_contains(ro_res.out, ro_res.out_len, "body text"));
	ck_assert(tu_contains(ro_res.out, ro_res.out_len, "inner body"));
	ck_assert(strstr(ro_res.report_json, "defanged 1 spreadsheet formula") != NULL);
	mg_policy_free(p);
	ck_assert(memcmp(ro, mail, sizeof(mail) - 1) == 0);
	mg_result_free(&heap);
	mg_result_free(&ro_res);
	munmap(ro, size);
}
END_TEST

/* An address list written as it was parsed (every name already clean
 * ASCII) and one rebuilt first (names to clean: blanks at an end, two
 * blanks, a tab; an ASCII encoded-word) read the same: the cleaned names,
 * gmime's quoting where a name needs it, no empty name. */
START_TEST(address_lists_kept_or_rebuilt_are_clean)
{
	static const char mail[] =
		"From: \" Spaced  Out \" <s@example.org>" CRLF
		"To: Alice <a@example.org>, b@example.org, \"Three, Jr\" <three@example.org>" CRLF
		"Cc: =?us-ascii?q?Plain_Name?= <p@example.org>, \"\" <e@example.org>" CRLF
		"Reply-To: \"Tab\tName\" <t@example.org>" CRLF
		"Subject: addresses" CRLF CRLF "body" CRLF;
	mg_result res;

	ck_assert_int_eq(run_mail(mail, sizeof(mail) - 1, &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "From: Spaced Out <s@example.org>" CRLF));
	ck_assert(tu_contains(res.out, res.out_len,
	                      CRLF "To: Alice <a@example.org>, b@example.org, \"Three, Jr\" "
	                           "<three@example.org>" CRLF));
	ck_assert(tu_contains(res.out, res.out_len,
	                      CRLF "Cc: Plain Name <p@example.org>, e@example.org" CRLF));
	ck_assert(tu_contains(res.out, res.out_len, CRLF "Reply-To: Tab Name <t@example.org>" CRLF));
	mg_result_free(&res);
}
END_TEST

/* An address field is read from its own value, as the first of its
 * name: not from the list gmime's message keeps, which holds the last
 * field of a name, and the addresses before an unclosed comment where
 * the value alone parses to none. */
START_TEST(address_field_read_from_its_own_value)
{
	static const char mail[] =
		"From: first@example.org" CRLF
		"To: a@example.org, (unclosed" CRLF
		"From: second@example.org" CRLF
		"Subject: addresses" CRLF CRLF "body" CRLF;
	mg_result res;

	ck_assert_int_eq(run_mail(mail, sizeof(mail) - 1, &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "From: first@example.org" CRLF));
	ck_assert(!tu_contains(res.out, res.out_len, "second@example.org"));
	ck_assert(!tu_contains(res.out, res.out_len, CRLF "To:"));
	ck_assert(strstr(res.report_json, "repeated From field dropped") != NULL);
	ck_assert(strstr(res.report_json, "no address could be parsed") != NULL);
	mg_result_free(&res);
}
END_TEST

/* One field of a header block, its folded lines included (g_free it). */
static char *field_in(const char *block, size_t len, const char *name)
{
	GString *want = g_string_new(CRLF);
	const char *at, *end = block + len, *p;
	char *field;

	g_string_append_printf(want, "%s:", name);
	at = g_strstr_len(block, (gssize)len, want->str);
	ck_assert_msg(at != NULL, "no %s field", name);
	at += 2;
	for (p = at; p < end; p++)
		if (p[0] == '\r' && p + 2 < end && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')
			break;
	field = g_strndup(at, (gsize)(p - at));
	g_string_free(want, TRUE);
	return field;
}

/* The field a GMimeMessage writes when the addresses of value are added
 * to its list of that type. */
static char *field_as_message_writes(const char *name, GMimeAddressType type, const char *value)
{
	GMimeMessage *m = g_mime_message_new(FALSE);
	GMimeFormatOptions *f = g_mime_format_options_new();
	InternetAddressList *l = internet_address_list_parse(NULL, value);
	char *written, *headers, *field;

	g_mime_format_options_set_newline_format(f, GMIME_NEWLINE_FORMAT_DOS);
	internet_address_list_append(g_mime_message_get_addresses(m, type), l);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-End", "1", NULL);
	written = g_mime_object_get_headers(GMIME_OBJECT(m), f);
	headers = g_strconcat(CRLF, written, NULL);
	field = field_in(headers, strlen(headers), name);
	g_free(written);
	g_free(headers);
	g_object_unref(l);
	g_mime_format_options_free(f);
	g_object_unref(m);
	return field;
}

/* ASCII address fields are written as a message's address list writes
 * them: folded where gmime folds, the field's name counted on the first
 * line. */
START_TEST(address_fields_as_gmime_message_writes)
{
	static const struct {
		const char *name;
		GMimeAddressType type;
		const char *value;
	} fields[] = {
		{ "From", GMIME_ADDRESS_TYPE_FROM,
		  "Very Long Name That Goes On And On For Quite A While To Force Folding Of The Field "
		  "<long@example.org>" },
		{ "To", GMIME_ADDRESS_TYPE_TO,
		  "Person One <one@example.org>, Person Two <two@example.org>, \"Three, Jr\" "
		  "<three@example.org>, four@example.org, Person Five <five@example.org>, Person Six "
		  "<six@example.org>" },
		{ "Cc", GMIME_ADDRESS_TYPE_CC, "cc@example.org" },
		{ "Reply-To", GMIME_ADDRESS_TYPE_REPLY_TO,
		  "A Reply Address With A Name Of Exactly The Length To Fold <reply@example.org>" },
	};
	GString *mail = g_string_new(NULL);
	mg_result res;

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
		g_string_append_printf(mail, "%s: %s" CRLF, fields[i].name, fields[i].value);
	g_string_append(mail, "Subject: addresses" CRLF CRLF "body" CRLF);
	ck_assert_int_eq(run_mail(mail->str, mail->len, &res), MG_OK);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		char *ours, *gm;
		GString *out = g_string_new(CRLF);

		g_string_append_len(out, (const char *)res.out, (gssize)res.out_len);
		ours = field_in(out->str, out->len, fields[i].name);
		gm = field_as_message_writes(fields[i].name, fields[i].type, fields[i].value);
		ck_assert_msg(strcmp(ours, gm) == 0, "[%s] against gmime's [%s]", ours, gm);
		g_free(ours);
		g_free(gm);
		g_string_free(out, TRUE);
	}
	ck_assert(tu_contains(res.out, res.out_len, "Of" CRLF "\tThe Field"));
	mg_result_free(&res);
	g_string_free(mail, TRUE);
}
END_TEST

/* A message whose text is its only part is written without the part
 * object (mail_message_write_text): the same bytes as with the part, for
 * every transfer encoding the text may take and contents with and
 * without a final newline, empty, with bare LF or CR. */
START_TEST(lone_text_as_text_part_writes)
{
	static const GMimeContentEncoding encs[] = {
		GMIME_CONTENT_ENCODING_DEFAULT, GMIME_CONTENT_ENCODING_7BIT, GMIME_CONTENT_ENCODING_8BIT,
		GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, GMIME_CONTENT_ENCODING_BASE64,
	};
	static const char *const texts[] = {
		"", "a", "line\r\n", "two\r\nlines", "ends\r\n\r\n", "bare\nLF\n", "lone\rCR",
		"caf\xc3\xa9 \xe4\xbc\x9a\xe8\xad\xb0\r\n= at the end =\r\n",
	};

	g_mime_init();
	for (size_t e = 0; e < G_N_ELEMENTS(encs); e++)
		for (size_t t = 0; t < G_N_ELEMENTS(texts); t++) {
			GMimeFormatOptions *f = g_mime_format_options_new();
			GMimeStream *a = g_mime_stream_mem_new(), *b = g_mime_stream_mem_new();
			GMimeTextPart *tp = mail_text_part_new("plain", "utf-8");
			size_t len = strlen(texts[t]);
			GByteArray *content = mail_content_encoded(texts[t], len, encs[e]), *ba, *bb;
			mail_fields ours;

			g_mime_format_options_set_newline_format(f, GMIME_NEWLINE_FORMAT_DOS);
			mail_fields_init(&ours, f);
			mail_fields_set(&ours, "Subject", "lone text", NULL);
			mail_header_set(&ours, "MIME-Version", "1.0");
			mail_part_set_content(GMIME_PART(tp), texts[t], len, encs[e]);
			ck_assert_int_eq(mail_message_write(&ours, GMIME_OBJECT(tp), a), 0);
			ck_assert_int_eq(mail_message_write_text(&ours, encs[e], content, b), 0);
			ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(a));
			bb = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(b));
			ck_assert_msg(ba->len == bb->len && memcmp(ba->data, bb->data, ba->len) == 0,
			              "encoding %d, text %zu: [%.*s] against the part's [%.*s]", encs[e], t,
			              (int)bb->len, bb->data, (int)ba->len, ba->data);
			g_byte_array_free(content, TRUE);
			g_object_unref(tp);
			g_object_unref(a);
			g_object_unref(b);
			mail_fields_free(&ours);
			g_mime_format_options_free(f);
		}
}
END_TEST

/* The body the rebuild may make: a text part of its own or of gmime, with
 * and without a final newline, or a multipart of parts. */
static GMimeObject *body_for_write(int kind)
{
	static const char text[] = "line one\nline two";
	GMimeMultipart *mp;
	GMimeTextPart *tp;
	GMimeContentType *ct;

	switch (kind) {
	case 0:
		tp = mail_text_part_new("plain", "utf-8");
		mail_part_set_content(GMIME_PART(tp), text, strlen(text), GMIME_CONTENT_ENCODING_DEFAULT);
		return GMIME_OBJECT(tp);
	case 1:
		tp = mail_text_part_new("plain", "utf-8");
		mail_part_set_content(GMIME_PART(tp), "ends\r\n", 6, GMIME_CONTENT_ENCODING_BASE64);
		return GMIME_OBJECT(tp);
	case 2:
		tp = g_mime_text_part_new_with_subtype("plain");
		g_mime_text_part_set_text(tp, text);
		return GMIME_OBJECT(tp);
	default:
		mp = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_set_boundary(mp, "=-mugai-test-boundary");
		tp = mail_text_part_new("plain", "utf-8");
		mail_part_set_content(GMIME_PART(tp), text, strlen(text), GMIME_CONTENT_ENCODING_DEFAULT);
		g_mime_multipart_add(mp, GMIME_OBJECT(tp));
		g_object_unref(tp);
		ct = g_mime_content_type_new("application", "pdf");
		g_mime_multipart_add(mp, GMIME_OBJECT(mail_file_part_new(ct, "%PDF", 4, "attachment",
		                                                          "a.pdf")));
		g_object_unref(g_mime_multipart_get_part(mp, 1)); /* the multipart holds it */
		g_object_unref(ct);
		return GMIME_OBJECT(mp);
	}
}

/* mail_message_write gives the bytes a GMimeMessage of the same fields
 * and body writes, the fields formatted by gmime or set raw; a field
 * reads back as the message reads it. */
START_TEST(message_write_as_gmime_message_writes)
{
	static const char *const fields[][3] = {
		{ "Date", "Mon, 13 May 2024 09:01:00 +0900", NULL },
		{ "Subject", "caf\xc3\xa9 and a subject long enough to be folded by gmime when it is written",
		  "utf-8" },
		{ "Message-Id", "<abc@example.org>", NULL },
		{ "MIME-Version", "1.0", NULL },
		{ "X-Mugai-Id", "0123456789abcdef", NULL },
	};

	g_mime_init(); /* no core here, which would */
	/* four bodies with CRLF, then again with LF */
	for (int kind = 0; kind < 8; kind++) {
		GMimeMessage *m = g_mime_message_new(FALSE);
		GMimeFormatOptions *f = g_mime_format_options_new();
		GMimeStream *a = g_mime_stream_mem_new(), *b = g_mime_stream_mem_new();
		GMimeObject *body = body_for_write(kind % 4);
		GByteArray *ba, *bb;
		mail_fields ours;

		g_mime_format_options_set_newline_format(f, kind < 4 ? GMIME_NEWLINE_FORMAT_DOS
		                                                     : GMIME_NEWLINE_FORMAT_UNIX);
		mail_fields_init(&ours, f);
		for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
			g_mime_object_set_header(GMIME_OBJECT(m), fields[i][0], fields[i][1], fields[i][2]);
			mail_fields_set(&ours, fields[i][0], fields[i][1], fields[i][2]);
		}
		/* a field set raw, then formatted in its place (a masked subject) */
		g_mime_object_set_header(GMIME_OBJECT(m), "Subject", "masked  ****  subject", "UTF-8");
		mail_header_set_raw(&ours, "Subject", "first");
		mail_fields_set(&ours, "Subject", "masked  ****  subject", "UTF-8");
		ck_assert_str_eq(mail_fields_value(&ours, "Subject"), g_mime_message_get_subject(m));
		g_mime_message_set_mime_part(m, body);
		ck_assert_int_ge(g_mime_object_write_to_stream(GMIME_OBJECT(m), f, a), 0);
		ck_assert_int_eq(mail_message_write(&ours, body, b), 0);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(a));
		bb = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(b));
		ck_assert_msg(ba->len == bb->len && memcmp(ba->data, bb->data, ba->len) == 0,
		              "body %d: [%.*s] against gmime's [%.*s]", kind, (int)bb->len, bb->data,
		              (int)ba->len, ba->data);
		g_object_unref(body);
		g_object_unref(a);
		g_object_unref(b);
		mail_fields_free(&ours);
		g_mime_format_options_free(f);
		g_object_unref(m);
	}
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("mail");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, families_registered);
	tcase_add_test(tc, rebuild_whitelist_bodies_attachments);
	tcase_add_test(tc, csv_attachment_is_defanged);
	tcase_add_test(tc, html_only_mail_becomes_text);
	tcase_add_test(tc, raw_8bit_and_iso2022_headers);
	tcase_add_test(tc, corpus_iso2022jp_exact);
	tcase_add_test(tc, corpus_shift_jis_exact);
	tcase_add_test(tc, corpus_signed_and_partial);
	tcase_add_test(tc, nested_message_is_sanitised);
	tcase_add_test(tc, nesting_depth_limit);
	tcase_add_test(tc, too_many_parts_blocks);
	tcase_add_test(tc, deep_multipart_nesting_blocks);
	tcase_add_test(tc, huge_header_is_dropped);
	tcase_add_test(tc, encrypted_signed_tnef_removed);
	tcase_add_test(tc, notice_policy);
	tcase_add_test(tc, text_encoding_as_gmime_chooses);
	tcase_add_test(tc, part_bytes_as_gmime_decodes);
	tcase_add_test(tc, header_set_as_gmime_writes);
	tcase_add_test(tc, message_id_raw_as_gmime_writes);
	tcase_add_test(tc, part_write_as_gmime_writes);
	tcase_add_test(tc, file_part_as_gmime_sets);
	tcase_add_test(tc, ascii_body_sent_as_it_is);
	tcase_add_test(tc, garbage_is_handled);
	tcase_add_test(tc, boundaries_hash_their_parts);
	tcase_add_test(tc, ascii_address_is_its_idn_form);
	tcase_add_test(tc, idn_domain_written_as_ace);
	tcase_add_test(tc, mail_parsed_from_read_only_bytes);
	tcase_add_test(tc, address_lists_kept_or_rebuilt_are_clean);
	tcase_add_test(tc, address_field_read_from_its_own_value);
	tcase_add_test(tc, address_fields_as_gmime_message_writes);
	tcase_add_test(tc, message_write_as_gmime_message_writes);
	tcase_add_test(tc, lone_text_as_text_part_writes);
	suite_add_tcase(s, tc);
	return s;
}

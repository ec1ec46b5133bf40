/* check_tnef.c - winmail.dat opened with libytnef: attachments through
 * their families under their Japanese names, the body kept, a broken
 * stream removed with the reason.  The TNEF streams are built here, as
 * Outlook writes them (signature, key, attributes with checksums, MAPI
 * property blocks, OEM code page 932). */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define CRLF "\r\n"

/* ---- a TNEF writer ---- */

static void put16(GByteArray *a, unsigned v)
{
	guint8 b[2] = { (guint8)v, (guint8)(v >> 8) };

	g_byte_array_append(a, b, 2);
}

static void put32(GByteArray *a, unsigned v)
{
	guint8 b[4] = { (guint8)v, (guint8)(v >> 8), (guint8)(v >> 16), (guint8)(v >> 24) };

	g_byte_array_append(a, b, 4);
}

static void attr(GByteArray *a, unsigned level, unsigned id, const void *data, size_t len)
{
	unsigned sum = 0;

	g_byte_array_append(a, (const guint8 *)&(guint8){ (guint8)level }, 1);
	put32(a, id);
	put32(a, (unsigned)len);
	g_byte_array_append(a, data, (guint)len);
	for (size_t i = 0; i < len; i++)
		sum += ((const guint8 *)data)[i];
	put16(a, sum & 0xFFFF);
}

/* One MAPI property of a counted type (binary, string, unicode). */
static void mapi_counted(GByteArray *a, unsigned type, unsigned id, const void *data, size_t len)
{
	static const guint8 zero[4] = { 0 };

	put16(a, type);
	put16(a, id);
	put32(a, 1);
	put32(a, (unsigned)len);
	g_byte_array_append(a, data, (guint)len);
	g_byte_array_append(a, zero, (guint)((4 - len % 4) % 4));
}

static char *to_cp932(const char *utf8, gsize *len)
{
	char *s = g_convert(utf8, -1, "CP932", "UTF-8", NULL, len, NULL);

	ck_assert_ptr_nonnull(s);
	return s;
}

struct tnef_file {
	const char *name;      /* UTF-8 */
	const void *data;
	size_t len;
};

static GByteArray *tnef_begin(void)
{
	GByteArray *a = g_byte_array_new();
	guint8 version[4] = { 0, 0, 1, 0 };
	guint8 cp[8] = { 0xA4, 0x03, 0, 0, 0, 0, 0, 0 }; /* 932 */
	static const char cls[] = "IPM.Microsoft Mail.Note";

	put32(a, 0x223E9F78);
	put16(a, 0x1234);
	attr(a, 1, 0x00089006, version, 4);
	attr(a, 1, 0x00069007, cp, 8);
	attr(a, 1, 0x00078008, cls, sizeof(cls));
	return a;
}

static void tnef_body(GByteArray *a, const char *utf8)
{
	gsize n;
	char *s = to_cp932(utf8, &n);

	attr(a, 1, 0x0002800C, s, n + 1);
	g_free(s);
}

/* An LZFu stream of literals only (a flag byte of 0 before each 8). */
static GByteArray *lzfu(const char *rtf)
{
	GByteArray *a = g_byte_array_new();
	size_t n = strlen(rtf);

	put32(a, 0);
	put32(a, (unsigned)n);
	g_byte_array_append(a, (const guint8 *)"LZFu", 4);
	put32(a, 0);
	for (size_t i = 0; i < n; i += 8) {
		g_byte_array_append(a, (const guint8 *)"", 1);
		g_byte_array_append(a, (const guint8 *)rtf + i, (guint)(n - i < 8 ? n - i : 8));
	}
	a->data[0] = (guint8)(a->len - 4);
	a->data[1] = (guint8)((a->len - 4) >> 8);
	return a;
}

static void tnef_rtf(GByteArray *a, GByteArray *compressed)
{
	GByteArray *props = g_byte_array_new();

	put32(props, 1);
	mapi_counted(props, 0x0102, 0x1009, compressed->data, compressed->len);
	attr(a, 1, 0x00069003, props->data, props->len);
	g_byte_array_free(props, TRUE);
}

static void tnef_file(GByteArray *a, const struct tnef_file *f)
{
	guint8 rend[14] = { 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0 };
	GByteArray *props = g_byte_array_new();
	glong units = 0;
	gunichar2 *u16 = g_utf8_to_utf16(f->name, -1, NULL, &units, NULL);
	guint8 *le = g_malloc((size_t)(units + 1) * 2);
	gsize n;
	char *title = to_cp932(f->name, &n);

	for (glong i = 0; i <= units; i++) {
		le[2 * i] = (guint8)u16[i];
		le[2 * i + 1] = (guint8)(u16[i] >> 8);
	}
	attr(a, 2, 0x00069002, rend, sizeof(rend));
	attr(a, 2, 0x00018010, title, n + 1);
	attr(a, 2, 0x0006800F, f->data, f->len);
	put32(props, 1);
	mapi_counted(props, 0x001F, 0x3707, le, (size_t)(units + 1) * 2);
	attr(a, 2, 0x00069005, props->data, props->len);
	g_byte_array_free(props, TRUE);
	g_free(u16);
	g_free(le);
	g_free(title);
}

/* ---- the mail around it ---- */

static GString *mail_with(const char *body, const GByteArray *tnef, const char *type,
                          const char *name)
{
	GString *m = g_string_new("From: soumu@city.example.lg.jp" CRLF "To: staff@example.lg.jp" CRLF
	                          "Subject: tnef" CRLF "MIME-Version: 1.0" CRLF
	                          "Content-Type: multipart/mixed; boundary=\"b\"" CRLF CRLF);
	gchar *b64 = g_base64_encode(tnef->data, tnef->len);

	if (body)
		g_string_append_printf(m, "--b" CRLF "Content-Type: text/plain; charset=utf-8" CRLF
		                          "Content-Transfer-Encoding: 8bit" CRLF CRLF "%s" CRLF, body);
	g_string_append_printf(m, "--b" CRLF "Content-Type: %s%s%s" CRLF
	                          "Content-Transfer-Encoding: base64" CRLF CRLF "%s" CRLF "--b--" CRLF,
	                       type, name ? "; name=" : "", name ? name : "", b64);
	g_free(b64);
	return m;
}

static GMimeMessage *run(const GString *mail, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)mail->str, mail->len, "m.eml", NULL, NULL, 1 };
	GMimeStream *s;
	GMimeParser *ps;
	GMimeMessage *m;

	ck_assert_ptr_nonnull(core);
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, res), MG_OK);
	mg_core_free(core);
	mg_policy_free(p);
	s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
	ps = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(ps, NULL);
	ck_assert_ptr_nonnull(m);
	g_object_unref(ps);
	g_object_unref(s);
	return m;
}

static char *body_of(GMimeMessage *m)
{
	GMimeObject *o = g_mime_message_get_mime_part(m);

	if (GMIME_IS_MULTIPART(o))
		o = g_mime_multipart_get_part(GMIME_MULTIPART(o), 0);
	return g_mime_text_part_get_text(GMIME_TEXT_PART(o));
}

/* "name|type;" for every attachment, in order. */
static char *attachment_list(GMimeMessage *m)
{
	GMimeObject *o = g_mime_message_get_mime_part(m);
	GString *g = g_string_new(NULL);

	if (GMIME_IS_MULTIPART(o))
		for (int i = 1; i < g_mime_multipart_get_count(GMIME_MULTIPART(o)); i++) {
			GMimeObject *c = g_mime_multipart_get_part(GMIME_MULTIPART(o), i);
			char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(c));

			g_string_append_printf(g, "%s|%s;", g_mime_part_get_filename(GMIME_PART(c)), t);
			g_free(t);
		}
	return g_string_free(g, FALSE);
}

static const unsigned char exe[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0 };

START_TEST(attachments_opened)
{
	size_t docm_len;
	unsigned char *docm = tu_read(CORPUS_DIR "/office/harmless-clean.docm", &docm_len);
	static const char minutes[] = "議事録\r\n第3回 防災会議 令和6年\r\n";
	const struct tnef_file files[] = {
		{ "報告書.docm", docm, docm_len },
		{ "請求書.exe", exe, sizeof(exe) },
		{ "議事録.txt", minutes, sizeof(minutes) - 1 },
	};
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *list, *body;

	tnef_body(t, "お世話になっております。資料を送ります。");
	for (size_t i = 0; i < 3; i++)
		tnef_file(t, &files[i]);
	mail = mail_with("お世話になっております。資料を送ります。", t, "application/ms-tnef",
	                 "winmail.dat");
	m = run(mail, &res);
	list = attachment_list(m);
	body = body_of(m);
	ck_assert_str_eq(list, "報告書.docx|application/vnd.openxmlformats-officedocument."
	                       "wordprocessingml.document;議事録.txt|text/plain;");
	ck_assert_ptr_nonnull(strstr(body, "添付ファイル「請求書.exe」を削除しました"));
	ck_assert_ptr_nonnull(strstr(body, "「winmail.dat」（TNEF）を展開しました（中のファイル 3件"));
	ck_assert_ptr_null(strstr(body, "（TNEF）を削除しました"));
	/* the same text in the TNEF body and the message: not repeated */
	ck_assert_ptr_eq(strstr(body, "資料を送ります"), g_strrstr(body, "資料を送ります"));
	ck_assert(tu_report_has(&res, "actions", "TNEF winmail.dat opened: 3 attachments, plain body"));
	ck_assert(tu_report_has(&res, "removed", "請求書.exe"));
	ck_assert(!tu_contains(res.out, res.out_len, "ms-tnef"));
	g_free(list);
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
	free(docm);
}
END_TEST

START_TEST(text_attachment_content_kept)
{
	static const char minutes[] = "議事録: 予算は承認されました。\r\n";
	const struct tnef_file f = { "議事録.txt", minutes, sizeof(minutes) - 1 };
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	GMimeObject *part;
	GMimeStream *mem;
	GByteArray *bytes;
	mg_result res;

	tnef_file(t, &f);
	mail = mail_with("本文", t, "application/octet-stream", "winmail.dat");
	m = run(mail, &res);
	part = g_mime_multipart_get_part(GMIME_MULTIPART(g_mime_message_get_mime_part(m)), 1);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	ck_assert(tu_contains(bytes->data, bytes->len, "予算は承認されました"));
	g_object_unref(mem);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

START_TEST(rtf_body_through_rtf_family)
{
	GByteArray *t = tnef_begin();
	GByteArray *rtf = lzfu("{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0 MS Gothic;}}"
	                       "\\f0 Kaigi no oshirase: \\u20250?\\u35696? wa 10-ji kara desu.\\par}");
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *body;

	tnef_rtf(t, rtf);
	mail = mail_with(NULL, t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	ck_assert_msg(strstr(body, "Kaigi no oshirase: 会議 wa 10-ji kara desu.") != NULL, "%s", body);
	ck_assert(tu_report_has(&res, "actions", "TNEF RTF body added to the text"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(rtf, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

START_TEST(truncated_rtf_body_removed)
{
	GByteArray *t = tnef_begin();
	GByteArray *rtf = lzfu("{\\rtf1\\ansi hello world, a body cut short\\par}");
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *body;

	/* the stream ends after a flag byte: libytnef itself would exit */
	g_byte_array_set_size(rtf, 16 + 9 * 2 + 1);
	rtf->data[0] = (guint8)(rtf->len - 4);
	tnef_rtf(t, rtf);
	mail = mail_with("本文はこちら", t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	ck_assert_ptr_nonnull(strstr(body, "本文はこちら"));
	ck_assert(tu_report_has(&res, "removed", "compressed RTF that does not decompress"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(rtf, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

START_TEST(found_by_signature)
{
	const struct tnef_file f = { "memo.txt", "budget memo\r\n", 13 };
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *list;

	tnef_file(t, &f);
	mail = mail_with("本文", t, "application/octet-stream", "attachment.bin");
	m = run(mail, &res);
	list = attachment_list(m);
	ck_assert_str_eq(list, "memo.txt|text/plain;");
	g_free(list);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

START_TEST(broken_stream_removed_with_reason)
{
	const struct tnef_file f = { "memo.txt", "budget memo\r\n", 13 };
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *body, *list;

	tnef_file(t, &f);
	t->data[t->len - 1] ^= 0x55; /* the last attribute's checksum */
	mail = mail_with("本文", t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	list = attachment_list(m);
	ck_assert_ptr_nonnull(strstr(body, "「winmail.dat」（TNEF）を削除しました（理由: ファイルが壊れている"));
	ck_assert_ptr_nonnull(strstr(body, "TNEF that libytnef cannot parse"));
	ck_assert(tu_report_has(&res, "removed", "TNEF that libytnef cannot parse"));
	ck_assert_str_eq(list, "");
	g_free(body);
	g_free(list);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

/* A MAPI block libytnef would exit on, or over-read: refused before it. */
static void unsafe_case(GByteArray *props, const char *reason)
{
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *body;

	attr(t, 1, 0x00069003, props->data, props->len);
	mail = mail_with("本文", t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	ck_assert_msg(strstr(body, reason) != NULL, "%s", body);
	ck_assert(tu_report_has(&res, "removed", "cannot read safely"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
}

START_TEST(unsafe_streams_refused)
{
	GByteArray *p = g_byte_array_new();
	guint8 *big = g_malloc0(12000);

	put32(p, 1);
	put16(p, 0x0077); /* no such property type: libytnef would exit() */
	put16(p, 0x1000);
	put32(p, 0);
	unsafe_case(p, "a MAPI property of a type libytnef does not know");
	g_byte_array_set_size(p, 0);
	put32(p, 1);
	mapi_counted(p, 0x001F, 0x1000, big, 12000); /* UTF-16 over 10000 bytes: exit() */
	unsafe_case(p, "a MAPI UTF-16 value longer than libytnef accepts");
	g_byte_array_set_size(p, 0);
	put32(p, 2); /* two properties, one there: the id read past the block */
	mapi_counted(p, 0x0102, 0x1009, "abcd", 4);
	unsafe_case(p, "a MAPI property id past its block");
	g_byte_array_set_size(p, 0);
	put32(p, 1);
	put16(p, 0x1003); /* a multi-valued long with no values */
	put16(p, 0x1000);
	put32(p, 0);
	unsafe_case(p, "a multi-valued MAPI property with no or too many values");
	g_byte_array_free(p, TRUE);
	g_free(big);
}
END_TEST

START_TEST(repeated_or_misplaced_attributes_refused)
{
	GByteArray *t = tnef_begin();
	GString *mail;
	GMimeMessage *m;
	mg_result res;
	char *body;

	/* an attachment's data before any attachment began */
	attr(t, 2, 0x0006800F, "data", 4);
	mail = mail_with("本文", t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	ck_assert_ptr_nonnull(strstr(body, "an attachment attribute before its attachment"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);

	t = tnef_begin();
	tnef_body(t, "一つ目");
	tnef_body(t, "二つ目");
	mail = mail_with("本文", t, "application/ms-tnef", "winmail.dat");
	m = run(mail, &res);
	body = body_of(m);
	ck_assert_ptr_nonnull(strstr(body, "an attribute repeated where libytnef keeps one"));
	g_free(body);
	g_object_unref(m);
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_byte_array_free(t, TRUE);
}
END_TEST

START_TEST(garbage_and_truncation_never_pass)
{
	const struct tnef_file f = { "memo.txt", "budget memo\r\n", 13 };
	GByteArray *t = tnef_begin();

	tnef_file(t, &f);
	/* every prefix of a valid stream: sanitised, never the raw TNEF */
	for (guint cut = 0; cut < t->len; cut += 7) {
		GByteArray part = { t->data, cut };
		GString *mail = mail_with("本文", &part, "application/ms-tnef", "winmail.dat");
		GMimeMessage *m;
		mg_result res;

		m = run(mail, &res);
		ck_assert(!tu_contains(res.out, res.out_len, "ms-tnef"));
		g_object_unref(m);
		mg_result_free(&res);
		g_string_free(mail, TRUE);
	}
	g_byte_array_free(t, TRUE);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("tnef");
	TCase *tc = tcase_create("tnef");

	tcase_add_test(tc, attachments_opened);
	tcase_add_test(tc, text_attachment_content_kept);
	tcase_add_test(tc, rtf_body_through_rtf_family);
	tcase_add_test(tc, truncated_rtf_body_removed);
	tcase_add_test(tc, found_by_signature);
	tcase_add_test(tc, broken_stream_removed_with_reason);
	tcase_add_test(tc, unsafe_streams_refused);
	tcase_add_test(tc, repeated_or_misplaced_attributes_refused);
	tcase_add_test(tc, garbage_and_truncation_never_pass);
	suite_add_tcase(s, tc);
	return s;
}

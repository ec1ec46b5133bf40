/* check_mail_inline.c - files encoded inside text bodies (uuencode,
 * begin-base64, yEnc, BinHex) never stay in the body: decoded and
 * sanitised as attachments, or removed and named in the notice.  Bodies
 * in UTF-8, ISO-2022-JP and Shift_JIS, plain, HTML and non-MIME mails,
 * several and truncated blocks, the part limit. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define CRLF "\r\n"

static const unsigned char exe[] = "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
                                   "\xb8\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00"
                                   "This program cannot be run in DOS mode.\r\r\n$PE\0\0";
static const char vbs[] = "Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"calc.exe\"\r\n";
static const char js[] = "var s = new ActiveXObject(\"WScript.Shell\");\r\ns.Run(\"calc\");\r\n";
static const char harmless[] = "Meeting notes\r\nThe minutes of the meeting are attached.\r\n";

static const char *const charsets[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS" };

static void uuencode(GString *g, const char *name, const unsigned char *d, size_t n)
{
	g_string_append_printf(g, "begin 644 %s" CRLF, name);
	for (size_t i = 0; i < n; i += 45) {
		size_t k = n - i < 45 ? n - i : 45;

		g_string_append_c(g, (char)(k ? 0x20 + k : '`'));
		for (size_t j = 0; j < k; j += 3) {
			unsigned char b[3] = { d[i + j], j + 1 < k ? d[i + j + 1] : 0,
			                       j + 2 < k ? d[i + j + 2] : 0 };
			unsigned char c[4] = { (unsigned char)(b[0] >> 2),
			                       (unsigned char)((b[0] & 3) << 4 | b[1] >> 4),
			                       (unsigned char)((b[1] & 15) << 2 | b[2] >> 6),
			                       (unsigned char)(b[2] & 63) };

			for (int q = 0; q < 4; q++)
				g_string_append_c(g, c[q] ? (char)(0x20 + c[q]) : '`');
		}
		g_string_append(g, CRLF);
	}
	g_string_append(g, "`" CRLF "end" CRLF);
}

static void yenc(GString *g, const char *name, const unsigned char *d, size_t n, size_t declared)
{
	g_string_append_printf(g, "=ybegin line=128 size=%zu name=%s" CRLF, declared, name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)(d[i] + 42);

		if (c == 0 || c == '\n' || c == '\r' || c == '=') {
			g_string_append_c(g, '=');
			c = (unsigned char)(c + 64);
		}
		g_string_append_c(g, (char)c);
		if (i % 100 == 99)
			g_string_append(g, CRLF);
	}
	g_string_append_printf(g, CRLF "=yend size=%zu" CRLF, declared);
}

/* Text of the body around the blocks, in the body's charset. */
static void prose(GString *g, const char *cs, const char *utf8)
{
	gsize n = 0;
	char *c = g_convert(utf8, -1, cs, "UTF-8", NULL, &n, NULL);

	ck_assert_ptr_nonnull(c);
	g_string_append_len(g, c, (gssize)n);
	g_string_append(g, CRLF);
	g_free(c);
}

static char *plain_mail(const char *cs, const GString *body, bool mime)
{
	GString *g = g_string_new("From: sender@example.jp" CRLF "To: staff@example.jp" CRLF
	                          "Subject: inline" CRLF);

	if (mime)
		g_string_append_printf(g, "MIME-Version: 1.0" CRLF
		                          "Content-Type: text/plain; charset=%s" CRLF
		                          "Content-Transfer-Encoding: 8bit" CRLF, cs);
	g_string_append(g, CRLF);
	g_string_append_len(g, body->str, (gssize)body->len);
	return g_string_free(g, FALSE);
}

typedef struct delivered {
	mg_result res;
	char *body;        /* the text body, decoded */
	GString *names;    /* attachment names, each followed by '|' */
	GString *texts;    /* the attachments' decoded content, concatenated */
} delivered;

static void collect(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	delivered *d = data;
	const char *fn;
	GMimeStream *mem;
	GByteArray *a;

	(void)parent;
	if (!GMIME_IS_PART(part) || !(fn = g_mime_part_get_filename(GMIME_PART(part))))
		return;
	g_string_append_printf(d->names, "%s|", fn);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_string_append_len(d->texts, (const char *)a->data, (gssize)a->len);
	g_object_unref(mem);
}

static void run(const char *mail, mg_status want, delivered *d)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeObject *o;
	GMimeStream *mem;
	GByteArray *a;

	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(tu_sanitize(mail, strlen(mail), "mail.eml", MG_MODE_DEFAULT, &d->res), want);
	d->names = g_string_new(NULL);
	d->texts = g_string_new(NULL);
	if (want != MG_OK)
		return;
	s = g_mime_stream_mem_new_with_buffer((const char *)d->res.out, d->res.out_len);
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	ck_assert_ptr_nonnull(m);
	o = g_mime_message_get_mime_part(m);
	if (GMIME_IS_MULTIPART(o))
		o = g_mime_multipart_get_part(GMIME_MULTIPART(o), 0);
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	d->body = g_strndup((const char *)a->data, a->len);
	g_object_unref(mem);
	g_mime_message_foreach(m, collect, d);
	g_object_unref(m);
	g_object_unref(p);
	g_object_unref(s);
	/* no block line is left in the body or in an attachment */
	ck_assert_ptr_null(strstr(d->body, "begin 644"));
	ck_assert_ptr_null(strstr(d->body, "begin-base64"));
	ck_assert_ptr_null(strstr(d->body, "=ybegin "));
	ck_assert_ptr_null(strstr(d->body, "converted with BinHex"));
	ck_assert_ptr_null(strstr(d->texts->str, "begin 644"));
}

static void done(delivered *d)
{
	mg_result_free(&d->res);
	g_free(d->body);
	g_string_free(d->names, TRUE);
	g_string_free(d->texts, TRUE);
}

static void assert_in(const char *hay, const char *needle)
{
	ck_assert_msg(hay && strstr(hay, needle), "[%s] not in:\n%s", needle, hay ? hay : "(null)");
}

/* Programs and scripts are blocked and named; harmless text is attached;
 * the prose around them stays, in every charset. */
START_TEST(uuencoded_in_each_charset)
{
	const char *cs = charsets[_i % 3];
	bool mime = _i < 3;
	GString *body = g_string_new(NULL);
	char *mail;
	delivered d;

	prose(body, cs, "ご査収ください。請求書を送ります。");
	uuencode(body, "invoice.exe", exe, sizeof(exe) - 1);
	prose(body, cs, "スクリプトです。");
	uuencode(body, "run.vbs", (const unsigned char *)vbs, sizeof(vbs) - 1);
	uuencode(body, "setup.js", (const unsigned char *)js, sizeof(js) - 1);
	prose(body, cs, "議事録も添付します。");
	uuencode(body, "minutes.txt", (const unsigned char *)harmless, sizeof(harmless) - 1);
	prose(body, cs, "以上です。");
	mail = plain_mail(cs, body, mime || _i % 3 == 0);
	run(mail, MG_OK, &d);
	assert_in(d.body, "ご査収ください。請求書を送ります。");
	assert_in(d.body, "以上です。");
	assert_in(d.body, "添付ファイル「invoice.exe」を削除しました");
	assert_in(d.body, "添付ファイル「run.vbs」を削除しました");
	assert_in(d.body, "添付ファイル「setup.js」を削除しました");
	assert_in(d.body, "添付ファイル「minutes.txt」を無害化し");
	ck_assert_str_eq(d.names->str, "minutes.txt|");
	assert_in(d.texts->str, "The minutes of the meeting are attached.");
	ck_assert(!tu_contains(d.res.out, d.res.out_len, "This program cannot"));
	ck_assert(tu_report_has(&d.res, "findings", "uuencode block \"invoice.exe\""));
	done(&d);
	g_free(mail);
	g_string_free(body, TRUE);
}
END_TEST

/* begin-base64, yEnc (whole, a fragment, a wrong size) and BinHex. */
START_TEST(base64_yenc_binhex)
{
	const char *cs = charsets[_i % 3];
	GString *body = g_string_new(NULL);
	char *b64 = g_base64_encode((const guchar *)harmless, sizeof(harmless) - 1);
	char *mail;
	delivered d;

	prose(body, cs, "最初の行");
	g_string_append_printf(body, "begin-base64 644 b64.txt" CRLF "%s" CRLF "====" CRLF, b64);
	yenc(body, "yenc note.txt", (const unsigned char *)harmless, sizeof(harmless) - 1,
	     sizeof(harmless) - 1);
	yenc(body, "yenc.exe", exe, sizeof(exe) - 1, sizeof(exe) - 1);
	yenc(body, "wrong.txt", (const unsigned char *)harmless, 10, 99);
	g_string_append(body, "=ybegin part=1 total=2 line=128 size=500 name=part.exe" CRLF
	                      "=ypart begin=1 end=10" CRLF "abcdefghij" CRLF
	                      "=yend size=10 part=1" CRLF);
	g_string_append(body, "(This file must be converted with BinHex 4.0)" CRLF
	                      ":$f*TEQKPH#jdCA0d,R0TG!\"6594%8dP8)3#3\"!&m!*!%EMa6593K!!%!!!&mFNa" CRLF
	                      "KG3)!N!3\"!!!!!!!!!:" CRLF);
	prose(body, cs, "最後の行");
	mail = plain_mail(cs, body, true);
	run(mail, MG_OK, &d);
	assert_in(d.body, "最初の行");
	assert_in(d.body, "最後の行");
	ck_assert_str_eq(d.names->str, "b64.txt|yenc note.txt|");
	assert_in(d.body, "添付ファイル「yenc.exe」を削除しました");
	assert_in(d.body, "添付ファイル「wrong.txt」を削除しました");
	assert_in(d.body, "Attachment \"wrong.txt\" removed: yEnc: the decoded size differs");
	assert_in(d.body, "Attachment \"part.exe\" removed: yEnc: one part of a file");
	assert_in(d.body, "Attachment \"inline6.hqx\" removed: BinHex");
	ck_assert(!tu_contains(d.res.out, d.res.out_len, "$f*TEQKPH"));
	done(&d);
	g_free(mail);
	g_free(b64);
	g_string_free(body, TRUE);
}
END_TEST

/* A block cut short (no end, a damaged line) is removed with a line in
 * the notice; the text after a damaged line stays. */
START_TEST(truncated_blocks)
{
	GString *full = g_string_new(NULL), *body = g_string_new(NULL);
	char *mail;
	delivered d;

	uuencode(full, "cut.exe", exe, sizeof(exe) - 1);
	g_string_append(body, "before" CRLF);
	if (_i == 0) {
		/* the end line lost, and the mail ends inside the data */
		g_string_append_len(body, full->str, (gssize)(full->len - 7 - _i));
	} else if (_i == 1) {
		/* cut in the middle of a data line, then prose */
		g_string_append_len(body, full->str, 40);
		g_string_append(body, CRLF "after the block" CRLF);
	} else {
		g_string_append_len(body, full->str, 20);
		g_string_append(body, "!!" CRLF "after the block" CRLF);
	}
	mail = plain_mail("UTF-8", body, true);
	run(mail, MG_OK, &d);
	assert_in(d.body, "before");
	if (_i > 0)
		assert_in(d.body, "after the block");
	assert_in(d.body, "Attachment \"cut.exe\" removed: uuencode: the encoded block is cut short");
	ck_assert_str_eq(d.names->str, "");
	done(&d);
	g_free(mail);
	g_string_free(body, TRUE);
	g_string_free(full, TRUE);
}
END_TEST

/* A block in an HTML body (in <pre>) is cut from the converted text. */
START_TEST(in_html_body)
{
	GString *html = g_string_new("<html><body><p>HTML本文</p><pre>\n"), *uu = g_string_new(NULL);
	char *mail, *esc;
	delivered d;

	uuencode(uu, "evil.exe", exe, sizeof(exe) - 1);
	uuencode(uu, "ok.txt", (const unsigned char *)harmless, sizeof(harmless) - 1);
	esc = g_markup_escape_text(uu->str, -1);
	g_string_append(html, esc);
	g_string_append(html, "</pre><p>おわり</p></body></html>");
	g_free(esc);
	g_string_free(uu, TRUE);
	mail = g_strdup_printf("From: a@example.jp" CRLF "To: b@example.jp" CRLF "Subject: h" CRLF
	                       "MIME-Version: 1.0" CRLF "Content-Type: text/html; charset=UTF-8" CRLF
	                       CRLF "%s", html->str);
	run(mail, MG_OK, &d);
	assert_in(d.body, "HTML本文");
	assert_in(d.body, "おわり");
	assert_in(d.body, "添付ファイル「evil.exe」を削除しました");
	ck_assert_str_eq(d.names->str, "ok.txt|");
	done(&d);
	g_free(mail);
	g_string_free(html, TRUE);
}
END_TEST

/* Comparing alternatives adds nothing: a block in the delivered version
 * is handed over once, one in the dropped version not at all. */
START_TEST(alternative_blocks_once)
{
	GString *plain = g_string_new("短い" CRLF), *html = g_string_new(NULL);
	char *mail;
	delivered d;

	uuencode(plain, "plain.txt", (const unsigned char *)harmless, sizeof(harmless) - 1);
	g_string_append(html, "<p>令和7年度の実績報告書を送付します。提出期限は3月15日です。</p><pre>\n");
	{
		GString *uu = g_string_new(NULL);
		char *esc;

		uuencode(uu, "html.txt", (const unsigned char *)harmless, sizeof(harmless) - 1);
		esc = g_markup_escape_text(uu->str, -1);
		g_string_append(html, esc);
		g_free(esc);
		g_string_free(uu, TRUE);
	}
	g_string_append(html, "</pre>");
	mail = g_strdup_printf("From: a@example.jp" CRLF "To: b@example.jp" CRLF "Subject: a" CRLF
	                       "MIME-Version: 1.0" CRLF
	                       "Content-Type: multipart/alternative; boundary=A" CRLF CRLF
	                       "--A" CRLF "Content-Type: text/plain; charset=UTF-8" CRLF CRLF "%s"
	                       "--A" CRLF "Content-Type: text/html; charset=UTF-8" CRLF CRLF "%s" CRLF
	                       "--A--" CRLF, plain->str, html->str);
	run(mail, MG_OK, &d);
	ck_assert_str_eq(d.names->str, "html.txt|");
	assert_in(d.body, "提出期限は3月15日です");
	done(&d);
	g_free(mail);
	g_string_free(plain, TRUE);
	g_string_free(html, TRUE);
}
END_TEST

/* Inline files count against max_parts: past it the mail is blocked. */
START_TEST(part_limit)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *mail;
	GString *body = g_string_new(NULL);
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "max_parts", "5", &err), 0);
	for (int i = 0; i < 8; i++) {
		char name[16];

		g_snprintf(name, sizeof(name), "n%d.txt", i);
		uuencode(body, name, (const unsigned char *)harmless, sizeof(harmless) - 1);
	}
	mail = plain_mail("UTF-8", body, true);
	ck_assert_int_eq(tu_sanitize_policy(p, mail, strlen(mail), "mail.eml", MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_COUNT);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
	g_free(mail);
	g_string_free(body, TRUE);
}
END_TEST

/* Prose that looks like a start line but is not one stays as it is. */
START_TEST(prose_is_not_a_block)
{
	GString *body = g_string_new("begin at 9 o'clock" CRLF "begin 64 is not octal mode" CRLF
	                             "=ybeginning" CRLF "end" CRLF);
	char *mail = plain_mail("UTF-8", body, true);
	delivered d;

	run(mail, MG_OK, &d);
	assert_in(d.body, "begin at 9 o'clock\r\nbegin 64 is not octal mode\r\n");
	assert_in(d.body, "=ybeginning\r\nend");
	ck_assert_str_eq(d.names->str, "");
	done(&d);
	g_free(mail);
	g_string_free(body, TRUE);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail_inline");
	TCase *tc = tcase_create("inline");

	tcase_add_loop_test(tc, uuencoded_in_each_charset, 0, 6);
	tcase_add_loop_test(tc, base64_yenc_binhex, 0, 3);
	tcase_add_loop_test(tc, truncated_blocks, 0, 3);
	tcase_add_test(tc, in_html_body);
	tcase_add_test(tc, alternative_blocks_once);
	tcase_add_test(tc, part_limit);
	tcase_add_test(tc, prose_is_not_a_block);
	suite_add_tcase(s, tc);
	return s;
}

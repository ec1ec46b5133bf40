/* check_mail_words.c - folded RFC 2047 and RFC 2231 header values kept whole:
 * subjects, display names and attachment names of 10 to 200 characters,
 * folded by hand into encoded-words of every size, in UTF-8, ISO-2022-JP
 * and Shift_JIS, B and Q, compared whole after the rebuild. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mail_priv.h"
#include "testutil.h"

#define CRLF "\r\n"

static const char *const charsets[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS" };

/* Characters every one of the charsets has, ASCII among them. */
static const char *const pool[] = {
	"令", "和", "7", "年", "度", " ", "実", "績", "報", "告", "書", "の", "送", "付", "に", "つ",
	"い", "て", "（", "ご", "確", "認", "お", "願", "）", "A", "b", "-", "各", "課", "担", "当",
	"者", "様", "へ", "知", "ら", "せ", "と", "提", "出", "期", "限", "ア", "イ", "ウ", "1",
};

/* A text of n characters, different for each seed, no leading or
 * trailing blank and no two blanks in a row (both are folded away). */
static char *make_text(unsigned n, unsigned seed)
{
	GString *g = g_string_new(NULL);
	size_t np = sizeof(pool) / sizeof(pool[0]);
	bool blank = true;

	for (unsigned i = 0; i < n; i++) {
		const char *c = pool[(i * 7 + seed * 13 + i / 5) % np];

		if (*c == ' ' && (blank || i + 1 == n))
			c = "資";
		g_string_append(g, c);
		blank = *c == ' ';
	}
	return g_string_free(g, FALSE);
}

static void append_word(GString *g, const char *cs, bool q, const char *bytes, gsize len)
{
	g_string_append_printf(g, "=?%s?%c?", cs, q ? 'Q' : 'B');
	if (q) {
		for (gsize i = 0; i < len; i++)
			g_string_append_printf(g, "=%02X", (unsigned char)bytes[i]);
	} else {
		char *b = g_base64_encode((const guchar *)bytes, len);

		g_string_append(g, b);
		g_free(b);
	}
	g_string_append(g, "?=");
}

/* text as encoded-words of k characters each, folded onto continuation
 * lines as mail clients write them (each word converted on its own, so an
 * ISO-2022-JP word starts and ends in ASCII). */
static char *fold_words(const char *text, const char *cs, bool q, unsigned k)
{
	GString *g = g_string_new(NULL);
	glong n = g_utf8_strlen(text, -1);

	for (glong i = 0; i < n; i += k) {
		char *chunk = g_utf8_substring(text, i, i + k < n ? i + (glong)k : n);
		gsize len = 0;
		char *conv = g_convert(chunk, -1, cs, "UTF-8", NULL, &len, NULL);

		ck_assert_msg(conv != NULL, "%s cannot hold %s", cs, chunk);
		if (i > 0)
			g_string_append(g, CRLF " ");
		append_word(g, cs, q, conv, len);
		g_free(conv);
		g_free(chunk);
	}
	return g_string_free(g, FALSE);
}

static mg_status run_mail(const char *mail, mg_result *res)
{
	return tu_sanitize(mail, strlen(mail), "mail.eml", MG_MODE_DEFAULT, res);
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

static char *report_subject(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);
	char *s = g_strdup(json_string_value(json_object_get(r, "subject")));

	json_decref(r);
	return s;
}

/* Every line of the header block at most 998 octets and the whole ASCII. */
static void assert_header_block_ascii(const mg_result *res)
{
	const char *end = g_strstr_len((const char *)res->out, (gssize)res->out_len, "\r\n\r\n");

	ck_assert_ptr_nonnull(end);
	for (const unsigned char *p = res->out; p < (const unsigned char *)end; p++)
		ck_assert_msg(*p < 0x80, "raw 8-bit byte in the rebuilt header block");
}

/* The first attachment's file name in the rebuilt mail. */
static const char *first_attachment_name(GMimeMessage *m)
{
	GMimeObject *o = g_mime_message_get_mime_part(m);

	ck_assert(GMIME_IS_MULTIPART(o));
	ck_assert_int_ge(g_mime_multipart_get_count(GMIME_MULTIPART(o)), 2);
	return g_mime_part_get_filename(GMIME_PART(g_mime_multipart_get_part(GMIME_MULTIPART(o), 1)));
}

static char *mail_with(const char *subject_raw, const char *from_raw, const char *disposition)
{
	return g_strdup_printf(
		"From: %s <sender@example.jp>" CRLF
		"To: staff@city.example.lg.jp" CRLF
		"Subject: %s" CRLF
		"Date: Mon, 1 Jan 2024 09:00:00 +0900" CRLF
		"Message-ID: <fold@example.jp>" CRLF
		"MIME-Version: 1.0" CRLF
		"Content-Type: multipart/mixed; boundary=\"B\"" CRLF CRLF
		"--B" CRLF
		"Content-Type: text/plain; charset=UTF-8" CRLF CRLF
		"本文" CRLF
		"--B" CRLF
		"Content-Type: text/plain; charset=UTF-8" CRLF
		"Content-Disposition: attachment;%s" CRLF CRLF
		"添付の本文" CRLF
		"--B--" CRLF,
		from_raw, subject_raw, disposition);
}

/* Subject, From name and a RFC 2047 file name, folded by hand in each
 * charset and encoding, at every length from 10 to 200 characters. */
START_TEST(folded_words_kept_whole)
{
	const char *cs = charsets[_i % 3];
	bool q = (_i / 3) % 2;
	unsigned k_values[] = { 1, 3, 5, 8, 13 };
	unsigned k = k_values[(_i / 6) % 5];

	for (unsigned n = 10; n <= 200; n += 19) {
		char *subject = make_text(n, n + (unsigned)_i);
		char *name = make_text(n, n + 2);
		/* 120 characters with ".txt": longer names are shortened on purpose */
		char *file = make_text(n > 116 ? 116 : n, n + 1);
		char *fname = g_strconcat(file, ".txt", NULL);
		char *s_raw = fold_words(subject, cs, q, k);
		char *n_raw = fold_words(name, cs, q, k + 1);
		char *f_raw = fold_words(fname, cs, q, k + 2);
		char *disp = g_strdup_printf(CRLF " filename=\"%s\"", f_raw);
		char *mail = mail_with(s_raw, n_raw, disp);
		mg_result res;
		GMimeMessage *m;
		char *rs;

		ck_assert_int_eq(run_mail(mail, &res), MG_OK);
		rs = report_subject(&res);
		ck_assert_msg(rs && strcmp(rs, subject) == 0, "%s %c k=%u n=%u: report subject [%s] != [%s]",
		              cs, q ? 'Q' : 'B', k, n, rs, subject);
		assert_header_block_ascii(&res);
		m = reparse(&res);
		ck_assert_str_eq(g_mime_message_get_subject(m), subject);
		ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(
			g_mime_message_get_from(m), 0)), name);
		ck_assert_str_eq(first_attachment_name(m), fname);
		g_object_unref(m);
		mg_result_free(&res);
		g_free(rs);
		g_free(mail);
		g_free(disp);
		g_free(f_raw);
		g_free(n_raw);
		g_free(s_raw);
		g_free(fname);
		g_free(file);
		g_free(name);
		g_free(subject);
	}
}
END_TEST

/* RFC 2231 continuations: name*0*=charset''..., name*1*=..., each a few
 * percent-encoded characters, in the three charsets. */
START_TEST(rfc2231_continuations_kept_whole)
{
	const char *cs = charsets[_i % 3];

	for (unsigned n = 10; n <= 100; n += 15) {
		char *file = make_text(n, n + 3);
		char *fname = g_strconcat(file, ".txt", NULL);
		gsize len = 0;
		char *conv = g_convert(fname, -1, cs, "UTF-8", NULL, &len, NULL);
		GString *disp = g_string_new(NULL);
		char *mail;
		mg_result res;
		GMimeMessage *m;

		ck_assert_ptr_nonnull(conv);
		for (gsize i = 0, part = 0; i < len; part++) {
			gsize take = len - i < 10 ? len - i : 10;

			g_string_append_printf(disp, ";" CRLF " filename*%zu*=%s", part,
			                       part == 0 ? cs : "");
			if (part == 0)
				g_string_append(disp, "''");
			for (gsize b = 0; b < take; b++)
				g_string_append_printf(disp, "%%%02X", (unsigned char)conv[i + b]);
			i += take;
		}
		mail = mail_with("=?UTF-8?B?5Lu25ZCN?=", "=?UTF-8?B?5bGx55Sw?=", disp->str + 1);
		ck_assert_int_eq(run_mail(mail, &res), MG_OK);
		m = reparse(&res);
		ck_assert_msg(strcmp(first_attachment_name(m), fname) == 0, "%s n=%u: [%s] != [%s]", cs,
		              n, first_attachment_name(m), fname);
		g_object_unref(m);
		mg_result_free(&res);
		g_free(mail);
		g_string_free(disp, TRUE);
		g_free(conv);
		g_free(fname);
		g_free(file);
	}
}
END_TEST

/* Headers exactly as Python's email package folds them (policy.SMTP,
 * generated with EmailMessage and kept here as it wrote them). */
static const char python_folded[] =
	"From: =?utf-8?b?5bGx55SwIOWkqumDjiDplbfjgYTooajnpLrlkI3jga7jg4bjgrnjg4jjgac=?=" CRLF
	" =?utf-8?b?44GZ6YCB5L+h6ICF?= <taro@example.jp>" CRLF
	"To: staff@example.jp" CRLF
	"Subject: =?utf-8?b?5Luk5ZKMN+W5tOW6piDlrp/nuL7loLHlkYrmm7jjga7pgIHku5jjgas=?=" CRLF
	" =?utf-8?b?44Gk44GE44Gm77yI44GU56K66KqN44Gu44GK6aGY44GE77yJ5ZCE6Kqy44GU5ouF?=" CRLF
	" =?utf-8?b?5b2T6ICF5qeY44G444Gu44GK55+l44KJ44Gb44Go5o+Q5Ye65pyf6ZmQ44Gu56K6?=" CRLF
	" =?utf-8?b?6KqN?=" CRLF
	"Content-Type: text/plain; charset=\"utf-8\"" CRLF
	"Content-Transfer-Encoding: base64" CRLF
	"MIME-Version: 1.0" CRLF CRLF
	"5pys5paH44Gn44GZ44CCCg==" CRLF;

START_TEST(python_folded_subject)
{
	const char *want = "令和7年度 実績報告書の送付について（ご確認のお願い）"
	                   "各課ご担当者様へのお知らせと提出期限の確認";
	mg_result res;
	GMimeMessage *m;
	char *rs;

	ck_assert_int_eq(run_mail(python_folded, &res), MG_OK);
	rs = report_subject(&res);
	ck_assert_str_eq(rs, want);
	m = reparse(&res);
	ck_assert_str_eq(g_mime_message_get_subject(m), want);
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(
		g_mime_message_get_from(m), 0)), "山田 太郎 長い表示名のテストです送信者");
	g_object_unref(m);
	mg_result_free(&res);
	g_free(rs);
}
END_TEST

/* Groups: an ASCII group name (quoted when it needs it) or a Japanese
 * one, members with long folded Japanese names, all read back whole. */
START_TEST(group_members_whole)
{
	const char *gname = _i ? "各課 ご担当者様" : "Staff, City Hall";
	char *m1 = make_text(60, 7), *m2 = make_text(33, 9);
	char *g_raw = _i ? fold_words(gname, "ISO-2022-JP", false, 3) : g_strdup("\"Staff, City Hall\"");
	char *r1 = fold_words(m1, "UTF-8", false, 4), *r2 = fold_words(m2, "Shift_JIS", true, 5);
	char *mail = g_strdup_printf("From: a@example.jp" CRLF
	                             "To: %s: %s <one@example.jp>," CRLF " %s <two@example.jp>;" CRLF
	                             "Subject: g" CRLF CRLF "body" CRLF, g_raw, r1, r2);
	mg_result res;
	GMimeMessage *m;
	InternetAddress *g;
	InternetAddressList *members;

	ck_assert_int_eq(run_mail(mail, &res), MG_OK);
	assert_header_block_ascii(&res);
	m = reparse(&res);
	g = internet_address_list_get_address(g_mime_message_get_to(m), 0);
	ck_assert(INTERNET_ADDRESS_IS_GROUP(g));
	ck_assert_str_eq(internet_address_get_name(g), gname);
	members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(g));
	ck_assert_int_eq(internet_address_list_length(members), 2);
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(members, 0)), m1);
	ck_assert_str_eq(internet_address_get_name(internet_address_list_get_address(members, 1)), m2);
	g_object_unref(m);
	mg_result_free(&res);
	g_free(mail);
	g_free(r1);
	g_free(r2);
	g_free(g_raw);
	g_free(m1);
	g_free(m2);
}
END_TEST

/* The encoder: words of whole characters, at most 75 columns, lines at
 * most 76, and read back whole by gmime's decoder. */
START_TEST(encoder_round_trip)
{
	g_mime_init();
	for (unsigned n = 1; n <= 200; n += 7) {
		char *text = make_text(n, n * 5 + 1);
		char *enc = mail_words_encode(text, 9);
		char **lines = g_strsplit(enc, "\n", -1);
		char *dec;

		for (char **l = lines; *l; l++) {
			ck_assert_uint_le(strlen(*l) + (l == lines ? 9 : 0), 76);
			for (const char *p = *l; (p = strstr(p, "=?")) != NULL; p += 2) {
				const char *e = strstr(p + 10, "?=");

				ck_assert_ptr_nonnull(e);
				ck_assert_int_le(e + 2 - p, 75);
				p = e;
			}
		}
		dec = g_mime_utils_header_decode_text(NULL, enc);
		ck_assert_str_eq(dec, text);
		g_free(dec);
		g_strfreev(lines);
		g_free(enc);
		g_free(text);
	}
}
END_TEST

/* The rewrite before decoding: B words become Q words of the same bytes,
 * everything else is left as it was. */
START_TEST(unpad_rewrites_b_words_only)
{
	char *s = mail_words_unpad("Re: =?utf-8?b?YQ==?= =?ISO-2022-JP?q?x?= =?x?b?Yg==?= =?bad");

	ck_assert_str_eq(s, "Re: =?utf-8?Q?=61?= =?ISO-2022-JP?q?x?= =?x?Q?=62?= =?bad");
	g_free(s);
	s = mail_words_unpad("=?utf-8?b?YQ==?=\r\n =?utf-8?b?Yg==?=");
	ck_assert_str_eq(s, "=?utf-8?Q?=61?=\r\n =?utf-8?Q?=62?=");
	g_free(s);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail_words");
	TCase *tc = tcase_create("words");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, folded_words_kept_whole, 0, 30);
	tcase_add_loop_test(tc, rfc2231_continuations_kept_whole, 0, 3);
	tcase_add_test(tc, python_folded_subject);
	tcase_add_loop_test(tc, group_members_whole, 0, 2);
	tcase_add_test(tc, encoder_round_trip);
	tcase_add_test(tc, unpad_rewrites_b_words_only);
	suite_add_tcase(s, tc);
	return s;
}

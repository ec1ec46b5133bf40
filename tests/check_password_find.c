/* check_password_find.c - the candidate passwords a PPAP password mail
 * offers: Japanese and English phrasings, full-width characters, brackets
 * and quotes, the password on the line after its keyword, the bounds; and
 * whole mails (UTF-8, ISO-2022-JP, Shift_JIS, HTML only, the subject)
 * sanitised by the core, whose result carries the candidates and whose
 * report never names one. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mugai.h"
#include "testutil.h"

#define NMAX 20

typedef struct found {
	char *list[NMAX];
	size_t n;
} found;

static void find(found *f, const char *text)
{
	char **list = calloc(NMAX, sizeof(char *));

	ck_assert_ptr_nonnull(list);
	f->n = mg_password_find(text, strlen(text), list, 0, NMAX);
	memcpy(f->list, list, sizeof(f->list));
	free(list);
}

static bool has(const found *f, const char *pw)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->list[i], pw) == 0)
			return true;
	return false;
}

static void drop(found *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->list[i]);
	f->n = 0;
}

/* text -> the password it must yield first */
static const struct phrasing {
	const char *text, *first;
} phrasings[] = {
	{ "パスワード：ａｂｃ１２３", "abc123" },
	{ "パスワードは「Xy12ab」です。", "Xy12ab" },
	{ "【解凍PW】Kq7mZ2", "Kq7mZ2" },
	{ "Password: Tk9#pL2q", "Tk9#pL2q" },
	{ "The password is Pq83mv.", "Pq83mv" },
	{ "PW=Ab12cd", "Ab12cd" },
	{ "pw：『Sx55hh』", "Sx55hh" },
	{ "暗証番号 4821", "4821" },
	{ "先ほどのファイルのパスワードをお送りします。\n\n  Zz99yy  \nよろしくお願いします。",
	  "Zz99yy" },
	{ "Password for the attached file:\r\nQw12er!\r\n", "Qw12er!" },
	{ "(pass: Ee44rr)", "Ee44rr" },
	{ "解凍パスワード　“Mm31kk”", "Mm31kk" },
	{ "パス：‘Jj82hh’ です", "Jj82hh" },
	{ "ＰＡＳＳＷＯＲＤ　ｐ＠ｓｓ－７７", "p@ss-77" },
	{ "本日送付したZIPファイルの解凍パスワードは下記の通りです。\n【 Lg26aa 】", "Lg26aa" },
	{ "Your password will follow below:\n\"Rr56tt\"", "Rr56tt" },
	/* keywords after text that begins like one (パ, 暗, 解, p) but is not */
	{ "パンフレットの暗号化は解除済み。pdf の暗証：Vb67nm", "Vb67nm" },
	{ "パパ解説 PASSWORD Up55cs", "Up55cs" },
	/* ASCII keywords after many a 'p' and 'P' that starts none */
	{ "pop up, Pep Pa pas pAsSwOrD: Ty67ui", "Ty67ui" },
	{ "PPP ppa Pas pP pW Gh45jk", "Gh45jk" },
	{ "apple\nPa\nP\nPass:\nWq18zx", "Wq18zx" },
	/* Japanese and full-width keywords after ASCII runs that end at each
	 * place of an eight-byte word */
	{ "The file we sent this morning, as promised: パスワード Hk42lm", "Hk42lm" },
	{ "Regarding the archive sent today (see below) ＰＷ：Zx12cv", "Zx12cv" },
	{ "0123456789abcdef解凍PW Nn73bb", "Nn73bb" },
	{ "0123456暗証番号 5190", "5190" },
};

START_TEST(phrasing_found)
{
	const struct phrasing *p = &phrasings[_i];
	found f;

	find(&f, p->text);
	ck_assert_msg(f.n >= 1, "nothing found in \"%s\"", p->text);
	ck_assert(has(&f, p->first));
	ck_assert_msg(strcmp(f.list[0], p->first) == 0, "\"%s\": first candidate \"%s\", not \"%s\"",
	              p->text, f.list[0], p->first);
	drop(&f);
}
END_TEST

/* No keyword, a keyword inside a word, too short, too long, prose only. */
static const char *const nothing[] = {
	"Zip file attached, Abc12345",
	"We bypass Abcd1234 here",
	"PW: abc",
	"Password: 0123456789012345678901234567890123456789012345678901234567890123X",
	"The password will follow separately.",
	"パスワードは別途お送りします。",
	"末尾にパ",
	"末尾に暗\xe8\xa7",
	"",
};

START_TEST(nothing_found)
{
	found f;

	find(&f, nothing[_i]);
	ck_assert_msg(f.n == 0, "\"%s\" gave \"%s\"", nothing[_i], f.n ? f.list[0] : "");
	drop(&f);
}
END_TEST

START_TEST(lengths_and_dedup)
{
	char text[200];
	found f;

	snprintf(text, sizeof(text), "PW: %s\nPW: %s\nPW: Abcd\nPW: Abcd\n",
	         "0123456789012345678901234567890123456789012345678901234567890123", "Abc");
	find(&f, text);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(strlen(f.list[0]), 64);
	ck_assert_str_eq(f.list[1], "Abcd");
	drop(&f);
}
END_TEST

/* Found candidates are appended to a list, each once, up to max. */
START_TEST(appends_to_list)
{
	char **list = calloc(3, sizeof(char *));
	const char *a = "パスワード：Aa11bb", *b = "Password: Aa11bb\nPW: Cc22dd\nPW: Ee33ff";
	size_t n = mg_password_find(a, strlen(a), list, 0, 3);

	ck_assert_uint_eq(n, 1);
	n = mg_password_find(b, strlen(b), list, n, 3);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[1], "Cc22dd");
	ck_assert_uint_eq(mg_password_find(b, strlen(b), list, n, 3), 3);
	mg_password_found_free(list, n);
}
END_TEST

/* Ten thousand candidate-looking tokens: the first max, no more. */
START_TEST(bounded)
{
	GString *lines = g_string_new(NULL), *one = g_string_new("Password: ");
	char **list = calloc(NMAX, sizeof(char *));
	size_t n;

	for (unsigned i = 0; i < 10000; i++) {
		g_string_append_printf(lines, "PW: tok%05u\n", i);
		g_string_append_printf(one, "tok%05u ", i);
	}
	n = mg_password_find(lines->str, lines->len, list, 0, NMAX);
	ck_assert_uint_eq(n, NMAX);
	ck_assert_str_eq(list[0], "tok00000");
	ck_assert_str_eq(list[NMAX - 1], "tok00019");
	mg_password_found_free(list, n);
	list = calloc(NMAX, sizeof(char *));
	n = mg_password_find(one->str, one->len, list, 0, NMAX);
	ck_assert_uint_eq(n, NMAX);
	mg_password_found_free(list, n);
	g_string_free(lines, TRUE);
	g_string_free(one, TRUE);
}
END_TEST

/* ---- whole mails through the core ---- */

static char *b64(const char *s, size_t len)
{
	return g_base64_encode((const guchar *)s, len);
}

/* The UTF-8 text in charset, as bytes. */
static char *in_charset(const char *utf8, const char *charset, gsize *len)
{
	char *out = g_convert(utf8, -1, charset, "UTF-8", NULL, len, NULL);

	ck_assert_msg(out != NULL, "cannot write %s", charset);
	return out;
}

static void sanitise_mail(const char *mail, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)mail, strlen(mail), NULL, NULL, NULL, 1 };

	ck_assert_msg(core != NULL, "core: %s", err);
	mg_sanitize(core, &in, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	mg_policy_free(p);
}

static bool result_has(const mg_result *res, const char *pw)
{
	for (size_t i = 0; i < res->n_candidates; i++)
		if (strcmp(res->candidates[i], pw) == 0)
			return true;
	return false;
}

#define HEAD "From: sender@example.jp\r\nTo: rcpt@example.lg.jp\r\n" \
             "Date: Fri, 04 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"

static char *body_mail(const char *utf8, const char *charset, const char *type)
{
	gsize len;
	char *bytes = in_charset(utf8, charset, &len), *enc = b64(bytes, len);
	char *mail = g_strdup_printf(HEAD "Subject: file\r\nContent-Type: %s; charset=%s\r\n"
	                             "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n",
	                             type, charset, enc);

	g_free(bytes);
	g_free(enc);
	return mail;
}

static const struct {
	const char *text, *charset, *type, *pw;
} mails[] = {
	{ "先日のファイルのパスワード：ｐａｓｓ１２３４\r\n", "UTF-8", "text/plain", "pass1234" },
	{ "お世話になっております。\r\n解凍パスワードは【Kt83pw】です。\r\n", "ISO-2022-JP",
	  "text/plain", "Kt83pw" },
	{ "パスワード\r\n「Sj44ks」\r\n", "Shift_JIS", "text/plain", "Sj44ks" },
	{ "<html><body><p>パスワードは次のとおりです。</p><p>『Ht77ml』</p></body></html>",
	  "Shift_JIS", "text/html", "Ht77ml" },
	{ "<p>The password is <b>Wx19ab</b></p>", "UTF-8", "text/html", "Wx19ab" },
};

START_TEST(mail_bodies)
{
	char *mail = body_mail(mails[_i].text, mails[_i].charset, mails[_i].type);
	mg_result res;

	sanitise_mail(mail, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert_msg(result_has(&res, mails[_i].pw), "%s %s: %s not found (%zu candidates)",
	              mails[_i].charset, mails[_i].type, mails[_i].pw, res.n_candidates);
	ck_assert(!strstr(res.report_json, mails[_i].pw));
	mg_result_free(&res);
	g_free(mail);
}
END_TEST

/* 【PW】 in an ISO-2022-JP encoded-word subject, the body silent. */
START_TEST(mail_subject)
{
	gsize len;
	char *subj = in_charset("【PW】Sb61ct（先ほどの資料）", "ISO-2022-JP", &len);
	char *enc = b64(subj, len);
	char *mail = g_strdup_printf(HEAD "Subject: =?ISO-2022-JP?B?%s?=\r\n"
	                             "Content-Type: text/plain; charset=us-ascii\r\n\r\nregards\r\n",
	                             enc);
	mg_result res;

	sanitise_mail(mail, &res);
	ck_assert(result_has(&res, "Sb61ct"));
	/* the subject is shown as it came, nowhere else */
	ck_assert_ptr_nonnull(strstr(res.report_json, "Sb61ct"));
	ck_assert_ptr_null(strstr(strstr(res.report_json, "Sb61ct") + 1, "Sb61ct"));
	mg_result_free(&res);
	g_free(mail);
	g_free(enc);
	g_free(subj);
}
END_TEST

/* A message attached to the mail is its own: its text offers nothing. */
START_TEST(attached_message_ignored)
{
	const char *mail = HEAD "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	                   "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
	                   "--b\r\nContent-Type: message/rfc822\r\n\r\n"
	                   "From: a@example.jp\r\nSubject: x\r\n\r\nPassword: In55ner\r\n--b--\r\n";
	mg_result res;

	sanitise_mail(mail, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert(!result_has(&res, "In55ner"));
	mg_result_free(&res);
}
END_TEST

/* A password mail of ten thousand candidate-looking lines: the result
 * holds the policy's bound, the first ones. */
START_TEST(mail_bounded)
{
	GString *g = g_string_new(HEAD "Subject: PW\r\nContent-Type: text/plain\r\n\r\n");
	mg_result res;

	for (unsigned i = 0; i < 10000; i++)
		g_string_append_printf(g, "PW: tok%05u\r\n", i);
	sanitise_mail(g->str, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert_uint_eq(res.n_candidates, 20);
	ck_assert_str_eq(res.candidates[0], "tok00000");
	ck_assert_str_eq(res.candidates[19], "tok00019");
	mg_result_free(&res);
	g_string_free(g, TRUE);
}
END_TEST

/* A file is not a mail: no candidates, whatever it says. */
START_TEST(file_has_none)
{
	const char *t = "Password: Fi88le\n";
	mg_result res;

	tu_sanitize(t, strlen(t), "note.txt", MG_MODE_DEFAULT, &res);
	ck_assert_uint_eq(res.n_candidates, 0);
	mg_result_free(&res);
}
END_TEST

/* policy mask_passwords: the delivered copy's subject and body carry
 * asterisks where the candidates were (ASCII and full-width alike); the
 * result still carries the candidates for pairing. */
START_TEST(masked_when_asked)
{
	const char *mail = HEAD "Subject: =?UTF-8?B?44CQUFfjgJFTYjYxY3Q=?=\r\n"
	                   "Content-Type: text/plain; charset=UTF-8\r\n"
	                   "Content-Transfer-Encoding: 8bit\r\n\r\n"
	                   "パスワード：ｐａｓｓ１２３４\r\nPW: Xy12ab\r\nよろしく\r\n";
	mg_policy *p = mg_policy_new();
	char *err = NULL, *text;
	mg_core *core;
	mg_input in = { (const unsigned char *)mail, strlen(mail), NULL, NULL, NULL, 1 };
	mg_result res;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	GMimeObject *body;

	ck_assert_int_eq(mg_policy_set(p, "mask_passwords", "yes", &err), 0);
	core = mg_core_new(p, &err);
	ck_assert_ptr_nonnull(core);
	mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert(result_has(&res, "pass1234") && result_has(&res, "Xy12ab") &&
	          result_has(&res, "Sb61ct"));
	st = g_mime_stream_mem_new_with_buffer((const char *)res.out, res.out_len);
	parser = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(strstr(g_mime_message_get_subject(m), "Sb61ct"));
	ck_assert_ptr_nonnull(strstr(g_mime_message_get_subject(m), "******"));
	body = g_mime_message_get_body(m);
	ck_assert(GMIME_IS_TEXT_PART(body));
	text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	ck_assert_msg(!strstr(text, "Xy12ab") && !strstr(text, "ｐａｓｓ１２３４") &&
	              strstr(text, "PW: ******") && strstr(text, "＊＊＊＊＊＊＊＊") &&
	              strstr(text, "よろしく"), "%s", text);
	g_free(text);
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(st);
	mg_result_free(&res);
	mg_core_free(core);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("password_find");
	TCase *tc = tcase_create("find");

	tcase_add_loop_test(tc, phrasing_found, 0, sizeof(phrasings) / sizeof(phrasings[0]));
	tcase_add_loop_test(tc, nothing_found, 0, sizeof(nothing) / sizeof(nothing[0]));
	tcase_add_test(tc, lengths_and_dedup);
	tcase_add_test(tc, appends_to_list);
	tcase_add_test(tc, bounded);
	tcase_add_loop_test(tc, mail_bodies, 0, sizeof(mails) / sizeof(mails[0]));
	tcase_add_test(tc, mail_subject);
	tcase_add_test(tc, attached_message_ignored);
	tcase_add_test(tc, file_has_none);
	tcase_add_test(tc, mail_bounded);
	tcase_add_test(tc, masked_when_asked);
	suite_add_tcase(s, tc);
	return s;
}

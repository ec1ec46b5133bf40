/* check_text_shape.c - text is typed by content, not by name: CSV and TSV
 * in UTF-8, UTF-16 (with and without a byte order mark) and Shift_JIS are
 * defanged under .txt, .csv and no name; prose under any name comes out
 * as it came in, apart from the charset. */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "text.h"

extern const mg_filter mg_filter_text;

/* ---- encodings ---- */

enum enc { ENC_UTF8, ENC_UTF16LE_BOM, ENC_UTF16LE, ENC_UTF16BE_BOM, ENC_UTF16BE, ENC_SJIS,
	   ENC_COUNT };

static const char *const enc_names[] = { "UTF-8", "UTF-16LE+BOM", "UTF-16LE", "UTF-16BE+BOM",
	                                 "UTF-16BE", "Shift_JIS" };

/* The UTF-8 text in an encoding; *len gets its length. */
static unsigned char *encode(const char *utf8, enum enc e, size_t *len)
{
	static const char *const iconv_names[] = { "UTF-8", "UTF-16LE", "UTF-16LE", "UTF-16BE",
		                                   "UTF-16BE", "CP932" };
	const char *bom = e == ENC_UTF16LE_BOM ? "\xFF\xFE" : e == ENC_UTF16BE_BOM ? "\xFE\xFF" : "";
	gsize n = 0;
	GError *err = NULL;
	gchar *conv = g_convert(utf8, -1, iconv_names[e], "UTF-8", NULL, &n, &err);
	unsigned char *out;

	ck_assert_msg(conv != NULL, "%s: %s", enc_names[e], err ? err->message : "?");
	out = malloc(strlen(bom) + n + 1);
	memcpy(out, bom, strlen(bom));
	memcpy(out + strlen(bom), conv, n);
	*len = strlen(bom) + n;
	out[*len] = 0;
	g_free(conv);
	return out;
}

/* ---- tables ---- */

/* Cells as written and as a defanged spreadsheet export must show them. */
static const char *const cells[][4][2] = {
	{ { "名前", "名前" }, { "式", "式" }, { "備考", "備考" }, { "値", "値" } },
	{ { "田中", "田中" }, { "=1+1", "'=1+1" }, { "@SUM(A1)", "'@SUM(A1)" }, { "-5", "-5" } },
	{ { "佐藤", "佐藤" }, { "+cmd|' /c calc'!A0", "'+cmd|' /c calc'!A0" },
	  { "-2+3", "'-2+3" }, { "メモ", "メモ" } },
	{ { "鈴木", "鈴木" }, { "=HYPERLINK(\"\"http://x\"\")", "'=HYPERLINK(\"\"http://x\"\")" },
	  { "+3.25", "+3.25" }, { "@", "'@" } },
	{ { "=WEBSERVICE(\"\"http://y\"\")", "'=WEBSERVICE(\"\"http://y\"\")" }, { "ok", "ok" },
	  { "", "" }, { "-1,5", "-1,5" } },
};

/* The table joined by sep and eol; quoted when a cell holds the
 * separator or a quote. */
static char *table(char sep, const char *eol, int defanged)
{
	GString *g = g_string_new(NULL);

	for (size_t r = 0; r < sizeof(cells) / sizeof(cells[0]); r++) {
		for (size_t c = 0; c < 4; c++) {
			const char *v = cells[r][c][defanged];
			bool quote = strchr(v, sep) || strchr(v, '"');

			if (c)
				g_string_append_c(g, sep);
			if (quote && v[0] == '\'')
				g_string_append_printf(g, "\"'%s\"", v + 1);
			else
				g_string_append_printf(g, quote ? "\"%s\"" : "%s", v);
		}
		g_string_append(g, eol);
	}
	return g_string_free(g, FALSE);
}

static json_t *text_report(const mg_result *res)
{
	json_t *root = json_loads(res->report_json, 0, NULL);
	json_t *t = json_incref(json_object_get(root, "text"));

	json_decref(root);
	return t;
}

/* Every table, in every encoding, under every name that does not impose
 * another delimiter: delimited by content, each formula cell defanged,
 * numbers kept, a BOM and UTF-8 out, the line ends as they came. */
START_TEST(tables_by_content)
{
	static const char seps[] = { '\t', ',' };
	static const char *const eols[] = { "\r\n", "\n" };
	static const char *const names[] = { "data.txt", "data", NULL, "DATA.TXT", "data.csv",
		                             "data.tsv" };
	unsigned variants = 0;

	for (size_t s = 0; s < sizeof(seps); s++)
		for (size_t l = 0; l < 2; l++)
			for (int e = 0; e < ENC_COUNT; e++)
				for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
					const char *name = names[n];
					char *in8, *want, *want_bom, what[128];
					unsigned char *in;
					size_t len;
					mg_result res;
					json_t *t;

					/* a .csv is parsed by commas, a .tsv by tabs, whatever it holds */
					if ((name && strstr(name, ".csv") && seps[s] != ',') ||
					    (name && strstr(name, ".tsv") && seps[s] != '\t'))
						continue;
					in8 = table(seps[s], eols[l], 0);
					want = table(seps[s], eols[l], 1);
					want_bom = g_strconcat("\xEF\xBB\xBF", want, NULL);
					in = encode(in8, (enum enc)e, &len);
					snprintf(what, sizeof(what), "%s %s %s as %s",
					         seps[s] == '\t' ? "TSV" : "CSV", l ? "LF" : "CRLF", enc_names[e],
					         name ? name : "(no name)");
					ck_assert_msg(tu_sanitize(in, len, name, MG_MODE_DEFAULT, &res) == MG_OK,
					              "%s: %s", what, res.reason);
					ck_assert_msg(strcmp((const char *)res.out, want_bom) == 0,
					              "%s:\n got '%s'\nwant '%s'", what, res.out, want_bom);
					ck_assert_msg(strcmp(res.out_ext, name && strcasestr(name, ".txt") ? "txt" :
					                     seps[s] == '\t' ? "tsv" : "csv") == 0,
					              "%s: ext %s", what, res.out_ext);
					t = text_report(&res);
					ck_assert_msg(json_is_true(json_object_get(t, "delimited")), "%s", what);
					ck_assert_str_eq(json_string_value(json_object_get(t, "delimiter")),
					                 seps[s] == '\t' ? "tab" : "comma");
					ck_assert(tu_report_has(&res, "actions", "defanged 7 spreadsheet formula"));
					json_decref(t);
					mg_result_free(&res);
					free(in);
					g_free(in8);
					g_free(want);
					g_free(want_bom);
					variants++;
				}
	ck_assert_uint_eq(variants, 2 * 2 * ENC_COUNT * 5);
}
END_TEST

/* ---- prose ---- */

static const char *const prose[] = {
	/* bullet lists, "+" items */
	"買い物リスト\n- 牛乳\n- パン\n+ 追加: 卵\n* その他\n",
	/* phone numbers and a "-- " signature */
	"お世話になっております。\n折り返しお電話ください。\n-- \n山田太郎\n+81-3-1234-5678\n"
	"-内線 123\n",
	/* headings, @mentions */
	"=== 議事録 ===\n本日の議題\n=====\n@tanaka さん、確認をお願いします。\n@all\n",
	/* Markdown, a pipe table among it */
	"# 見出し\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> 引用\n\n"
	"```\ncode = 1\n```\n---\n+ plus\n",
	/* English with commas, as prose writes them */
	"Dear Mr. Tanaka,\nThank you, as always, for your help.\nBest regards, Jiro\n",
	"Hello, world\nGoodbye, moon\n",
	/* bullets indented by a tab */
	"\t- one\n\t- two\n\t- three\n",
	/* formulas in prose are left alone: "=1+1" is arithmetic to a reader */
	"=1+1 は 2\n-1 は負の数\n@メモ\n",
	/* one line, no line end */
	"- 単独の行",
};

/* Every prose text, in every encoding, under every name but .csv/.tsv:
 * not delimited, nothing added or removed, the line ends kept. */
START_TEST(prose_unchanged)
{
	static const char *const names[] = { "notes.txt", "notes", NULL, "memo.TXT" };
	unsigned variants = 0;

	for (size_t p = 0; p < sizeof(prose) / sizeof(prose[0]); p++)
		for (int crlf = 0; crlf < 2; crlf++)
			for (int e = 0; e < ENC_COUNT; e++)
				for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
					gchar **lines;

					/* UTF-16 without a BOM is known by its line ends: one
					 * line without one is "data", blocked (not tested) */
					if ((e == ENC_UTF16LE || e == ENC_UTF16BE) && !strchr(prose[p], '\n')) {
						variants++;
						continue;
					}
					lines = g_strsplit(prose[p], "\n", -1);
					char *want = g_strjoinv(crlf ? "\r\n" : "\n", lines), what[128];
					size_t len;
					unsigned char *in = encode(want, (enum enc)e, &len);
					mg_result res;
					json_t *t;

					snprintf(what, sizeof(what), "prose %zu %s %s as %s", p,
					         crlf ? "CRLF" : "LF", enc_names[e], names[n] ? names[n] : "-");
					ck_assert_msg(tu_sanitize(in, len, names[n], MG_MODE_DEFAULT, &res) == MG_OK,
					              "%s: %s", what, res.reason);
					ck_assert_msg(res.out_len == strlen(want) &&
					                      memcmp(res.out, want, res.out_len) == 0,
					              "%s:\n got '%s'\nwant '%s'", what, res.out, want);
					ck_assert_str_eq(res.out_ext, "txt");
					ck_assert_str_eq(res.out_type, "text/plain; charset=utf-8");
					t = text_report(&res);
					ck_assert_msg(json_is_false(json_object_get(t, "delimited")), "%s", what);
					ck_assert(tu_report_has(&res, "actions", "treated as prose"));
					json_decref(t);
					mg_result_free(&res);
					free(in);
					g_free(want);
					g_strfreev(lines);
					variants++;
				}
	ck_assert_uint_eq(variants, sizeof(prose) / sizeof(prose[0]) * 2 * ENC_COUNT * 4);
}
END_TEST

/* A DDE formula line is not prose: defanged even in a .txt. */
START_TEST(dde_line_in_prose)
{
	static const char in[] = "お知らせ\n=cmd|' /c calc'!A0\n  @SUM(1+1)*cmd|' /c calc'!A0\n"
	                         "- 通常の行 | 区切り\n";
	mg_result res;

	ck_assert_int_eq(tu_sanitize(in, sizeof(in) - 1, "n.txt", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "お知らせ\n'=cmd|' /c calc'!A0\n'  @SUM(1+1)*cmd|' /c "
	                                        "calc'!A0\n- 通常の行 | 区切り\n");
	ck_assert(tu_report_has(&res, "actions", "defanged 2 DDE formula lines"));
	mg_result_free(&res);
}
END_TEST

/* A name that says CSV is parsed so by a spreadsheet: defanged as such
 * even when the content has no table shape. */
START_TEST(named_csv_one_column)
{
	static const char in[] = "=cmd|' /c calc'!A0\r\n";
	mg_result res;
	json_t *t;

	ck_assert_int_eq(tu_sanitize(in, sizeof(in) - 1, "x.csv", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "\xEF\xBB\xBF'=cmd|' /c calc'!A0\r\n");
	t = text_report(&res);
	ck_assert_str_eq(json_string_value(json_object_get(t, "decided_by")), "name");
	json_decref(t);
	mg_result_free(&res);
}
END_TEST

/* ---- the sniffers alone ---- */

START_TEST(utf16_order_units)
{
	size_t len;
	unsigned char *le = encode("名前\t値\r\n田中\t=1\r\n", ENC_UTF16LE, &len);
	unsigned char *be;
	size_t belen;
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";

	ck_assert_str_eq(mg_text_utf16_order(le, len), "UTF-16LE");
	be = encode("abc\ndef\n", ENC_UTF16BE, &belen);
	ck_assert_str_eq(mg_text_utf16_order(be, belen), "UTF-16BE");
	ck_assert_ptr_null(mg_text_utf16_order(le, len - 1)); /* odd length */
	ck_assert_ptr_null(mg_text_utf16_order((const unsigned char *)"plain\nascii\n", 12));
	ck_assert_ptr_null(mg_text_utf16_order((const unsigned char *)"\x82\xa0\x82\xa2\n\n", 6));
	ck_assert_ptr_null(mg_text_utf16_order(png, sizeof(png) - 1));
	ck_assert_ptr_null(mg_text_utf16_order((const unsigned char *)"a\0\0\0\n\0", 6));
	/* a lone surrogate is no text */
	ck_assert_ptr_null(mg_text_utf16_order((const unsigned char *)"\x00\xd8" "a\0\n\0", 6));
	free(le);
	free(be);
	/* kanji and one line end: its byte the only NUL, first or last */
	le = encode("名前\n", ENC_UTF16LE, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(mg_text_utf16_order(le, len), "UTF-16LE");
	be = encode("名前\n", ENC_UTF16BE, &belen);
	ck_assert_str_eq(mg_text_utf16_order(be, belen), "UTF-16BE");
	free(le);
	free(be);
}
END_TEST

static bool delimited(const char *t, char *sep, unsigned *columns)
{
	mg_text_shape s;
	bool r = mg_text_delimited((const unsigned char *)t, strlen(t), &s);

	*sep = s.sep;
	*columns = s.columns;
	return r;
}

START_TEST(delimited_units)
{
	char sep;
	unsigned cols;

	ck_assert(delimited("a,b,c\n1,2,3\n", &sep, &cols));
	ck_assert_int_eq(sep, ',');
	ck_assert_uint_eq(cols, 3);
	/* quoted fields hold separators and line ends */
	ck_assert(delimited("a,\"b,\nc\",d\n1,2,3\n\n", &sep, &cols));
	ck_assert_uint_eq(cols, 3);
	/* tabs win over commas inside cells */
	ck_assert(delimited("a, b\tc\nd, e\tf\n", &sep, &cols));
	ck_assert_int_eq(sep, '\t');
	ck_assert_uint_eq(cols, 2);
	/* one record, one column, prose commas, indents, ragged rows */
	ck_assert(!delimited("a,b,c\n", &sep, &cols));
	ck_assert(!delimited("a\nb\nc\n", &sep, &cols));
	ck_assert(!delimited("Hi, you\nBye, you\n", &sep, &cols));
	ck_assert(!delimited("\tx\n\ty\n", &sep, &cols));
	ck_assert(!delimited("a\tb\nc\nd\te\tf\ng\n", &sep, &cols));
	ck_assert(!delimited("", &sep, &cols));
	/* nine in ten rows of one shape is a table with a title */
	ck_assert(delimited("title\na\tb\n1\t2\n3\t4\n5\t6\n7\t8\n9\t0\n1\t2\n3\t4\n5\t6\n", &sep,
	                    &cols));
}
END_TEST

/* The decoded content of the part named `name`, found by foreach. */
struct find_part {
	const char *name;
	GByteArray *content;
	GMimeStream *mem;
};

static void find_named(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	struct find_part *f = data;
	const char *fn;

	(void)parent;
	if (!GMIME_IS_PART(part) || !(fn = g_mime_part_get_filename(GMIME_PART(part))) ||
	    strcmp(fn, f->name) != 0)
		return;
	f->mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), f->mem);
	f->content = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(f->mem));
}

/* Excel's "Unicode text" export as a mail attachment: defanged there too,
 * while the prose body is left alone. */
START_TEST(unicode_text_attachment)
{
	char *t = table('\t', "\r\n", 0), *want = table('\t', "\r\n", 1);
	char *want_bom = g_strconcat("\xEF\xBB\xBF", want, NULL);
	size_t len;
	unsigned char *u16 = encode(t, ENC_UTF16LE_BOM, &len);
	gchar *b64 = g_base64_encode(u16, len);
	char *mail = g_strdup_printf(
		"From: a@example.org\r\nTo: b@example.jp\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
		"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n- 箇条書き\r\n+81-3-1234-5678\r\n"
		"--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
		"filename=\"book.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n",
		b64);
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)mail, strlen(mail), "m.eml", NULL, NULL, 1 };
	mg_result res;
	struct find_part f = { "book.txt", NULL, NULL };
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *msg;

	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "\"delimiter\": \"tab\""));
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "defanged 7 spreadsheet"));
	s = g_mime_stream_mem_new_with_buffer((const char *)res.out, res.out_len);
	parser = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(msg);
	g_mime_message_foreach(msg, find_named, &f);
	ck_assert_ptr_nonnull(f.content);
	ck_assert_uint_eq(f.content->len, strlen(want_bom));
	ck_assert(memcmp(f.content->data, want_bom, f.content->len) == 0);
	g_object_unref(f.mem);
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(s);
	mg_result_free(&res);
	mg_core_free(core);
	mg_policy_free(p);
	g_free(mail);
	g_free(b64);
	free(u16);
	g_free(t);
	g_free(want);
	g_free(want_bom);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("text_shape");
	TCase *tc = tcase_create("text_shape");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tables_by_content);
	tcase_add_test(tc, prose_unchanged);
	tcase_add_test(tc, dde_line_in_prose);
	tcase_add_test(tc, named_csv_one_column);
	tcase_add_test(tc, utf16_order_units);
	tcase_add_test(tc, delimited_units);
	tcase_add_test(tc, unicode_text_attachment);
	suite_add_tcase(s, tc);
	return s;
}

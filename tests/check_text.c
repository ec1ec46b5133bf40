/* check_text.c - the text and XML families: UTF-8, controls, line ends, formulas. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "text.h"

/* Referenced here so the family files are linked and registered. */
extern const mg_filter mg_filter_text, mg_filter_xml;

START_TEST(families_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_TEXT), &mg_filter_text);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_XML), &mg_filter_xml);
	ck_assert(mg_filter_text.actions & (1u << MG_ACT_NORMALISE));
	ck_assert(mg_filter_xml.actions & (1u << MG_ACT_TEXT));
}
END_TEST

static char *defang(const char *in, mg_text_kind kind, unsigned *count)
{
	mg_buf b;
	char *s;

	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_text_defang((const unsigned char *)in, strlen(in), kind, &b, count), 0);
	s = strdup(b.data ? (const char *)b.data : "");
	mg_buf_free(&b);
	return s;
}

START_TEST(defang_csv_cells)
{
	unsigned n;
	char *s = defang("name,formula,note\n"
	                 "a,=1+1,ok\n"
	                 "b,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"multi\nline, =not a cell\"\n"
	                 "c,  @SUM(A1),+cmd\n"
	                 "d,-5,-2.5\n"
	                 "e,-1+2,\"-3\"\n", MG_TEXT_CSV, &n);

	ck_assert_str_eq(s, "name,formula,note\n"
	                    "a,'=1+1,ok\n"
	                    "b,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"multi\nline, =not a cell\"\n"
	                    "c,'  @SUM(A1),'+cmd\n"
	                    "d,-5,-2.5\n"
	                    "e,'-1+2,\"-3\"\n");
	ck_assert_uint_eq(n, 5);
	free(s);
}
END_TEST

START_TEST(defang_tsv_and_lines)
{
	unsigned n;
	char *s = defang("x\t=A1*2\t+1\n", MG_TEXT_TSV, &n);

	ck_assert_str_eq(s, "x\t'=A1*2\t+1\n");
	ck_assert_uint_eq(n, 1);
	free(s);
	s = defang("plain\n=cmd|'/c calc'!A0\n- item\n\"@x\"\n", MG_TEXT_LINES, &n);
	ck_assert_str_eq(s, "plain\n'=cmd|'/c calc'!A0\n'- item\n\"'@x\"\n");
	ck_assert_uint_eq(n, 3);
	free(s);
}
END_TEST

START_TEST(corpus_dde_csv)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("office/dde-in-csv.csv", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "csv");
	/* BOM, the defanged cell, CRLF kept as the input had it */
	ck_assert_uint_eq(res.out_len, 3 + 1 + 48 + 2);
	ck_assert_int_eq(memcmp(res.out, "\xEF\xBB\xBF'=cmd|'/k \\..\\..\\..\\Windows\\System32\\calc.exe'!A0\r\n",
	                        res.out_len), 0);
	ck_assert(tu_contains(res.report_json, res.report_json ? strlen(res.report_json) : 0,
	                      "defanged 1 spreadsheet formula"));
	mg_result_free(&res);
}
END_TEST

START_TEST(text_controls_and_charset)
{
	static const char in[] = "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x07\x1b[31m\r\nline2\r\n"
	                         "\x82\xa0\x82\xa2\x82\xa4\x82\xa6\x82\xa8\r\n";
	mg_result res;

	ck_assert_int_eq(tu_sanitize(in, sizeof(in) - 1, "memo.txt", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert_str_eq((const char *)res.out, "こんにちは[31m\r\nline2\r\nあいうえお\r\n");
	ck_assert(tu_contains(res.report_json, strlen(res.report_json), "Shift_JIS"));
	mg_result_free(&res);
}
END_TEST

START_TEST(text_lf_and_no_defang_policy)
{
	static const char tsv[] = "x\t=1+1\ny\tplain\n", prose[] = "=1+1\nplain\n";
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	ck_assert_int_eq(tu_sanitize(tsv, sizeof(tsv) - 1, "a.txt", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "\xEF\xBB\xBFx\t'=1+1\ny\tplain\n");
	mg_result_free(&res);
	/* one column is no delimiter structure: prose, left as it is */
	ck_assert_int_eq(tu_sanitize(prose, sizeof(prose) - 1, "a.txt", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, prose);
	mg_result_free(&res);
	ck_assert_int_eq(mg_policy_set(p, "defang_formulas", "no", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, tsv, sizeof(tsv) - 1, "a.txt", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_str_eq((const char *)res.out, "\xEF\xBB\xBFx\t=1+1\ny\tplain\n");
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

START_TEST(xml_corpus_dde)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("office/dde-in-excel2003.xml", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert(tu_contains(res.out, res.out_len,
	                      "This spread sheet has a dde link which starts calc.exe\n"));
	ck_assert(!tu_contains(res.out, res.out_len, "<"));
	ck_assert(!tu_contains(res.out, res.out_len, "Formula"));
	ck_assert(!tu_contains(res.out, res.out_len, "=cmd"));
	mg_result_free(&res);
}
END_TEST

START_TEST(xml_formulas_entities_and_xxe)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n"
	                          "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
	                          "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]>\n"
	                          "<r><c>=HYPERLINK(\"http://x\")</c><c>&xxe;</c><c>&b;</c>"
	                          "<c attr=\"=evil\">  two   words </c><!-- =comment --></r>";
	mg_result res;

	ck_assert_int_eq(tu_sanitize(doc, sizeof(doc) - 1, "a.xml", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "'=HYPERLINK(\"http://x\")\ntwo words\n");
	mg_result_free(&res);
}
END_TEST

START_TEST(xml_malformed_is_blocked)
{
	static const char doc[] = "<?xml version=\"1.0\"?><r><unclosed></r>";
	mg_result res;

	ck_assert_int_eq(tu_sanitize(doc, sizeof(doc) - 1, "a.xml", MG_MODE_DEFAULT, &res),
	                 MG_E_MALFORMED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "XML parser"));
	mg_result_free(&res);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, families_registered);
	tcase_add_test(tc, defang_csv_cells);
	tcase_add_test(tc, defang_tsv_and_lines);
	tcase_add_test(tc, corpus_dde_csv);
	tcase_add_test(tc, text_controls_and_charset);
	tcase_add_test(tc, text_lf_and_no_defang_policy);
	tcase_add_test(tc, xml_corpus_dde);
	tcase_add_test(tc, xml_formulas_entities_and_xxe);
	tcase_add_test(tc, xml_malformed_is_blocked);
	suite_add_tcase(s, tc);
	return s;
}

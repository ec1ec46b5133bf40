/* check_rtf.c - RTF to text: objects and pictures skipped, codepages and
 * Unicode decoded, field codes dropped, hostile nesting and \bin bounded. */
#include <check.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* referenced so that the filter is linked into this program */
extern const mg_filter mg_filter_rtf;

static int report_has(const mg_result *res, const char *array, const char *needle)
{
	json_t *root = json_loads(res->report_json, 0, NULL), *v;
	size_t i;
	int found = 0;

	ck_assert_ptr_nonnull(root);
	json_array_foreach(json_object_get(root, array), i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		const char *what = json_string_value(json_object_get(v, "what"));
		const char *why = json_string_value(json_object_get(v, "why"));

		if ((s && strstr(s, needle)) || (what && strstr(what, needle)) ||
		    (why && strstr(why, needle)))
			found = 1;
	}
	json_decref(root);
	return found;
}

/* Sanitises an RTF string; the text must be clean UTF-8. */
static mg_status rtf(const char *s, mg_result *res)
{
	mg_status st = tu_sanitize(s, strlen(s), "t.rtf", MG_MODE_DEFAULT, res);

	if (st == MG_OK) {
		ck_assert_str_eq(res->out_ext, "txt");
		ck_assert(g_utf8_validate((const char *)res->out, (gssize)res->out_len, NULL));
		for (size_t i = 0; i < res->out_len; i++)
			ck_assert(res->out[i] >= 0x20 || res->out[i] == '\n' || res->out[i] == '\t');
	}
	return st;
}

static void expect_text(const char *in, const char *want)
{
	mg_result res;

	ck_assert_msg(rtf(in, &res) == MG_OK, "%s", res.reason);
	ck_assert_str_eq((const char *)res.out, want);
	mg_result_free(&res);
}

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_RTF), &mg_filter_rtf);
}
END_TEST

START_TEST(corpus_object_removed)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("office/issue_251.rtf", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert_ptr_nonnull(strstr((const char *)res.out,
	                             "DOCUMENT IS PROTECTED, DOWNLOAD AND ENABLE EDITING TO VIEW"));
	ck_assert_ptr_null(strstr((const char *)res.out, "object"));
	ck_assert_ptr_null(strstr((const char *)res.out, "0105000002"));
	ck_assert_ptr_null(strstr((const char *)res.out, "Equation"));
	ck_assert_ptr_null(strstr((const char *)res.out, "Slimh20"));
	ck_assert(report_has(&res, "removed", "\\object"));
	ck_assert(report_has(&res, "removed", "Equation.3"));
	mg_result_free(&res);
}
END_TEST

START_TEST(plain_text_and_symbols)
{
	expect_text("{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red255;}"
	            "{\\stylesheet{\\s0 Normal;}}{\\info{\\title Secret title}}"
	            "\\f0 Hello\\par World\\tab x\\line y\\~z \\{b\\}\\\\ \\emdash\\par}",
	            "Hello\nWorld\tx\ny\xc2\xa0z {b}\\ \xe2\x80\x94\n");
}
END_TEST

START_TEST(japanese_codepages)
{
	/* \ansicpg932: \'hh pairs are Shift_JIS; a font with \fcharset0 is Latin */
	expect_text("{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fcharset128 MS Mincho;}"
	            "{\\f1\\fcharset0 Arial;}}\\f0 \\'93\\'fa\\'96\\'7b\\'8c\\'ea\\f1  Caf\\'e9\\par}",
	            "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e Caf\xc3\xa9\n");
	/* \uN with \uc2: the two fallback bytes are not repeated */
	expect_text("{\\rtf1\\ansicpg932\\uc2 \\u26085\\'93\\'fa\\u26412\\'96\\'7b!\\par}",
	            "\xe6\x97\xa5\xe6\x9c\xac!\n");
	/* a surrogate pair written as two negative \u values: U+20BB7 */
	expect_text("{\\rtf1\\uc1\\u-10174?\\u-8265?\\par}", "\xf0\xa0\xae\xb7\n");
	/* a lone half becomes U+FFFD */
	expect_text("{\\rtf1\\uc0\\u-10174 x}", "\xef\xbf\xbdx");
}
END_TEST

START_TEST(fields_and_destinations)
{
	mg_result res;

	ck_assert_int_eq(rtf("{\\rtf1 a{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\"}"
	                     "{\\fldrslt shown result}}b{\\*\\unknowndest hidden}"
	                     "{\\pict\\pngblip 89504e47}{\\object\\objemb{\\*\\objclass Package}"
	                     "{\\*\\objdata 01050000}{\\result replacement}}c\\par}",
	                     &res),
	                 MG_OK);
	ck_assert_str_eq((const char *)res.out, "ashown resultbreplacementc\n");
	ck_assert(report_has(&res, "removed", "DDEAUTO"));
	ck_assert(report_has(&res, "removed", "Package"));
	ck_assert(report_has(&res, "removed", "1 picture(s)"));
	ck_assert(report_has(&res, "removed", "1 embedded or linked object(s)"));
	mg_result_free(&res);
	/* a display field is not reported */
	ck_assert_int_eq(rtf("{\\rtf1{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}}", &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "1");
	ck_assert(!report_has(&res, "removed", "PAGE"));
	mg_result_free(&res);
}
END_TEST

START_TEST(bin_data_is_never_parsed)
{
	/* the 7 bytes after \bin7 hold braces and a backslash: skipped, not tokens */
	expect_text("{\\rtf1 a{\\*\\blob \\bin7 }}}{\\x}} b\\par}", "a b\n");
	/* \bin larger than the rest of the input stops at the end */
	expect_text("{\\rtf1 a\\bin999999999 xyz}", "a");
}
END_TEST

START_TEST(hostile_structure)
{
	size_t n = 5000;
	char *deep = malloc(n + 16);
	mg_result res;

	memcpy(deep, "{\\rtf1 ", 7);
	memset(deep + 7, '{', n);
	deep[7 + n] = 0;
	ck_assert_int_eq(rtf(deep, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "nested"));
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(deep);
	/* unbalanced and trailing data: text kept, noted */
	ck_assert_int_eq(rtf("{\\rtf1 open {group", &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "open group");
	ck_assert(report_has(&res, "findings", "left open"));
	mg_result_free(&res);
	ck_assert_int_eq(rtf("{\\rtf1 done}MZ\x90\x00 payload", &res), MG_OK);
	ck_assert_str_eq((const char *)res.out, "done");
	ck_assert(report_has(&res, "findings", "after the end"));
	mg_result_free(&res);
	/* control bytes in the text never reach the output */
	expect_text("{\\rtf1 a\x01\x1b[31mb\\'07c}", "a[31mbc");
	/* absurd control words and numbers are cut, not overflowed */
	expect_text("{\\rtf1\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa99999999999999999999 x"
	            "\\u99999999999 y\\uc99999 z}", "x\xef\xbf\xbdz");
}
END_TEST

/* Control words as Word reads them: letters of either case, CR and LF
 * inside a word or its number dropped, "-" a sign only before a digit,
 * "\" before a line break still a paragraph. */
START_TEST(word_tokens_as_word_reads_them)
{
	expect_text("{\\rtf1 a\\PAR b\\par-x\\b\r\ni\r\nn2 cd}", "ab\n-x");
	expect_text("{\\rtf1 a\\\r\nb\\\nc}", "a\nb\nc");
	expect_text("{\\rtf1 a\\pa\nr b\\u2\r\n6085?c}", "a\nb\xe6\x97\xa5" "c");
	expect_text("{\\rt x{\\ob\r\nject{\\*\\objdata 01}{\\result y}}}", "xy");
	expect_text("\xEF\xBB\xBF \r\n{\\rtfabc z}", "z");
}
END_TEST

START_TEST(block_policy)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;
	static const char doc[] = "{\\rtf1 text}";

	ck_assert_int_eq(mg_policy_set(p, "rtf", "block", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, doc, strlen(doc), "t.rtf", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("rtf");
	TCase *tc = tcase_create("rtf");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, corpus_object_removed);
	tcase_add_test(tc, plain_text_and_symbols);
	tcase_add_test(tc, japanese_codepages);
	tcase_add_test(tc, fields_and_destinations);
	tcase_add_test(tc, bin_data_is_never_parsed);
	tcase_add_test(tc, hostile_structure);
	tcase_add_test(tc, word_tokens_as_word_reads_them);
	tcase_add_test(tc, block_policy);
	suite_add_tcase(s, tc);
	return s;
}

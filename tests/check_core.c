/* check_core.c - units, policy, naming, detection and the core's fail-closed path. */
#include <check.h>
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(units_parse)
{
	uint64_t v;

	ck_assert_int_eq(mg_parse_size("50M", &v), 0);
	ck_assert_uint_eq(v, 50ull << 20);
	ck_assert_int_eq(mg_parse_size("4k", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(mg_parse_size("12X", &v), -1);
	ck_assert_int_eq(mg_parse_size("-1", &v), -1);
	ck_assert_int_eq(mg_parse_size("99999999999999999999G", &v), -1);
	ck_assert_int_eq(mg_parse_seconds("2m", &v), 0);
	ck_assert_uint_eq(v, 120);
	ck_assert_int_eq(mg_parse_bool("off", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(mg_parse_bool("maybe", &v), -1);
}
END_TEST

START_TEST(policy_defaults_are_safe)
{
	mg_policy *p = mg_policy_new();

	ck_assert_int_eq(p->action[MG_FAM_UNKNOWN], MG_ACT_BLOCK);
	ck_assert_int_eq(p->action[MG_FAM_EXECUTABLE], MG_ACT_BLOCK);
	ck_assert_int_eq(p->action[MG_FAM_PDF], MG_ACT_FLATTEN);
	ck_assert_int_eq(p->action[MG_FAM_MAIL], MG_ACT_REBUILD);
	ck_assert_uint_eq(p->max_size, 50ull << 20);
	ck_assert_uint_eq(p->time_limit, 60);
	mg_policy_free(p);
}
END_TEST

START_TEST(policy_rejects_unsafe_and_unknown)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	/* an executable can never be allowed through, whatever the file says */
	ck_assert_int_eq(mg_policy_set(p, "executable", "text", &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "unknown", "normalise", &err), -1);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "no_such_key", "1", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key"));
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "max_depth", "1000", &err), -1);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "pdf", "text", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_PDF], MG_ACT_TEXT);
	ck_assert_int_eq(mg_policy_set(p, "pdf", "block", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_PDF], MG_ACT_BLOCK);
	mg_policy_free(p);
}
END_TEST

START_TEST(output_names)
{
	const struct { const char *in, *ext, *want; } cases[] = {
		{ "report.docm", "docx", "report.docx" },
		{ "evil.js", "txt", "evil.js.txt" },
		{ "scan.pdf", "pdf", "scan.pdf" },
		{ "scan.pdf", "txt", "scan.pdf.txt" },
		{ "photo.png", "jpg", "photo.jpg" },
		{ "../../etc/passwd", "txt", "passwd.txt" },
		{ "C:\\Users\\a\\x.csv", "csv", "x.csv" },
		{ "..", "txt", "item.txt" },
		{ NULL, "txt", "item.txt" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mg_output_name(cases[i].in, cases[i].ext);

		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

static mg_type detect_bytes(const void *d, size_t len, const char *name)
{
	magic_t m = magic_open(MAGIC_NONE);
	mg_type t;

	ck_assert_int_eq(magic_load(m, NULL), 0);
	mg_detect(m, d, len, name, &t);
	magic_close(m);
	return t;
}

/* a string literal without its terminating NUL */
#define detect_lit(lit, name) detect_bytes(lit, sizeof(lit) - 1, name)

START_TEST(detect_by_content_not_name)
{
	size_t len;
	unsigned char *jpeg = tu_read(CORPUS_DIR "/image/gmime_raptors.png", &len);
	mg_type t = detect_bytes(jpeg, len, "raptors.png");

	ck_assert_int_eq(t.family, MG_FAM_IMAGE);
	ck_assert_str_eq(t.mime, "image/jpeg");
	free(jpeg);

	t = detect_lit("MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff", "invoice.pdf");
	ck_assert_int_eq(t.family, MG_FAM_EXECUTABLE);
	t = detect_lit("hello, world\n", "notes.vbs");
	ck_assert_int_eq(t.family, MG_FAM_EXECUTABLE);
	t = detect_lit("ID;PWXL;N;E\nC;X1;Y1;K0;EEXEC(\"calc\")\n", "a.txt");
	ck_assert_int_eq(t.family, MG_FAM_EXECUTABLE);
	t = detect_lit("Subject: hi\r\nFrom: a@example.org\r\n\r\nbody\r\n", NULL);
	ck_assert_int_eq(t.family, MG_FAM_MAIL);
	t = detect_lit("a,b,c\n1,2,3\n", "x.csv");
	ck_assert_int_eq(t.family, MG_FAM_TEXT);
}
END_TEST

START_TEST(sha256_known_answers)
{
	char hex[65];

	mg_sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mg_sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* YYYYMMDDTHHMMSS-, then 12 lower-case hex digits of randomness. */
START_TEST(item_id_shape)
{
	char a[40], b[40];

	mg_item_id_new(a);
	mg_item_id_new(b);
	ck_assert_uint_eq(strlen(a), 28);
	ck_assert_msg(g_regex_match_simple("^[0-9]{8}T[0-9]{6}-[0-9a-f]{12}$", a, 0, 0), "%s", a);
	ck_assert_str_ne(a + 16, b + 16);
}
END_TEST

START_TEST(detect_corpus_families)
{
	const struct { const char *file; mg_family fam; } cases[] = {
		{ "/exec/lhasa_explzh723_declha_sfx_ansi.exe", MG_FAM_EXECUTABLE },
		{ "/exec/lhasa_larc333_sfx.com", MG_FAM_EXECUTABLE },
		{ "/office/harmless-clean.docx", MG_FAM_OOXML },
		{ "/office/harmless-clean.docm", MG_FAM_OOXML },
		{ "/office/harmless-clean.doc", MG_FAM_OLE2 },
		{ "/office/issue_251.rtf", MG_FAM_RTF },
		{ "/office/excel4_sample_macro.slk", MG_FAM_EXECUTABLE },
		{ "/office/embedded-simple-2007.odt", MG_FAM_ODF },
		{ "/pdf/tracemonkey.pdf", MG_FAM_PDF },
		{ "/archive/test_read_format_zip_nested.zip", MG_FAM_ARCHIVE },
		{ "/archive/test_read_format_zip_jar.jar", MG_FAM_EXECUTABLE },
		{ "/archive/lhasa_unix114i_h1_lh5.lzh", MG_FAM_ARCHIVE },
		{ "/mail/mikel_basic_email.eml", MG_FAM_MAIL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[4096];
		size_t len;
		unsigned char *d;
		mg_type t;

		snprintf(path, sizeof(path), "%s%s", CORPUS_DIR, cases[i].file);
		d = tu_read(path, &len);
		t = detect_bytes(d, len, strrchr(cases[i].file, '/') + 1);
		ck_assert_msg(t.family == cases[i].fam, "%s: family %s (%s), want %s", cases[i].file,
		              mg_family_name(t.family), t.mime, mg_family_name(cases[i].fam));
		free(d);
	}
}
END_TEST

START_TEST(blocked_items_have_no_output_and_a_reason)
{
	mg_result res;
	json_t *report;

	ck_assert_int_eq(tu_sanitize_corpus("exec/lhasa_lha213_sfx.exe", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "executable"));
	report = json_loads(res.report_json, 0, NULL);
	ck_assert_ptr_nonnull(report);
	ck_assert_str_eq(json_string_value(json_object_get(report, "verdict")), "blocked");
	ck_assert_str_eq(json_string_value(json_object_get(report, "status")), "type_blocked");
	ck_assert_int_eq(strlen(json_string_value(json_object_get(
		json_object_get(report, "input"), "sha256"))), 64);
	json_decref(report);
	mg_result_free(&res);
}
END_TEST

START_TEST(size_limit_blocks)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "max_size", "1", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, "hello", 5, "a.txt", MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_SIZE);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, units_parse);
	tcase_add_test(tc, policy_defaults_are_safe);
	tcase_add_test(tc, policy_rejects_unsafe_and_unknown);
	tcase_add_test(tc, output_names);
	tcase_add_test(tc, detect_by_content_not_name);
	tcase_add_test(tc, detect_corpus_families);
	tcase_add_test(tc, sha256_known_answers);
	tcase_add_test(tc, item_id_shape);
	tcase_add_test(tc, blocked_items_have_no_output_and_a_reason);
	tcase_add_test(tc, size_limit_blocks);
	suite_add_tcase(s, tc);
	return s;
}

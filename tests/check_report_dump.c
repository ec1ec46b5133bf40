/* check_report_dump.c - the report's text is jansson's json_dumps(JSON_INDENT(2)),
 * byte for byte: hand-made trees with every escape, random trees, and the
 * reports of real mails and files; what jansson refuses is refused too. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* Both writers on the same tree: the same bytes, or both nothing. */
static void same_as_jansson(json_t *j)
{
	char *ours = mg_report_dump(j), *theirs = json_dumps(j, FLAGS);

	if (!theirs)
		ck_assert_ptr_null(ours);
	else
		ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
}

START_TEST(escapes_and_shapes)
{
	char controls[40];
	json_t *j = json_object(), *deep = json_array();

	for (int c = 1; c < 0x20; c++)
		controls[c - 1] = (char)c;
	memcpy(controls + 31, "\"\\/\x7f", 5);
	json_object_set_new(j, "controls", json_string(controls));
	json_object_set_new(j, "japanese", json_string("会議のご案内 ｶﾅ 😀"));
	json_object_set_new(j, "", json_string(""));
	json_object_set_new(j, "key \"with\"\tescapes\n", json_integer(-9223372036854775807LL - 1));
	json_object_set_new(j, "max", json_integer(9223372036854775807LL));
	json_object_set_new(j, "zero", json_integer(0));
	json_object_set_new(j, "flags", json_pack("[b,b,n]", 1, 0));
	json_object_set_new(j, "empty", json_pack("{s:{},s:[],s:[[]],s:[{}]}", "o", "a", "aa", "ao"));
	json_array_append_new(deep, json_pack("[[[{s:[s]}]]]", "k", "v"));
	json_object_set_new(j, "deep", deep);
	same_as_jansson(j);
	same_as_jansson(json_object_get(j, "flags")); /* an array at the top */
	json_decref(j);
}
END_TEST

START_TEST(left_to_jansson)
{
	json_t *j = json_object();

	json_object_set_new(j, "ms", json_real(0.1));
	same_as_jansson(j); /* a real: jansson's digits */
	json_object_set_new(j, "nul", json_stringn("a\0b", 3));
	same_as_jansson(j);
	json_object_del(j, "nul");
	json_object_set_new(j, "latin1", json_stringn_nocheck("caf\xe9", 4));
	same_as_jansson(j); /* not UTF-8: jansson writes nothing */
	ck_assert_ptr_null(mg_report_dump(j));
	json_decref(j);
	j = json_string("alone");
	same_as_jansson(j); /* neither writes a bare string */
	ck_assert_ptr_null(mg_report_dump(j));
	json_decref(j);
}
END_TEST

/* Random trees of random strings over the characters that matter. */
static json_t *random_value(unsigned *seed, int depth)
{
	static const char *const atoms[] = { "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01",
	                                     "\x1f", "\x7f", "é", "日本", "😀", "{", "]", ":" };
	int kind = depth > 4 ? 2 + rand_r(seed) % 4 : rand_r(seed) % 6;
	json_t *v;
	char s[64] = "";

	switch (kind) {
	case 0:
		v = json_object();
		for (int n = rand_r(seed) % 4; n > 0; n--) {
			snprintf(s, sizeof(s), "k%d%s", rand_r(seed) % 100, atoms[rand_r(seed) % 17]);
			json_object_set_new(v, s, random_value(seed, depth + 1));
		}
		return v;
	case 1:
		v = json_array();
		for (int n = rand_r(seed) % 4; n > 0; n--)
			json_array_append_new(v, random_value(seed, depth + 1));
		return v;
	case 2:
		for (int n = rand_r(seed) % 8; n > 0; n--)
			strcat(s, atoms[rand_r(seed) % 17]);
		return json_string(s);
	case 3:
		return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
	case 4:
		return json_boolean(rand_r(seed) % 2);
	default:
		return json_null();
	}
}

START_TEST(random_trees)
{
	unsigned seed = 20261205;

	for (int i = 0; i < 3000; i++) {
		json_t *top = json_pack("{s:o}", "t", random_value(&seed, 0));

		same_as_jansson(top);
		json_decref(top);
	}
}
END_TEST

/* The text of real reports read back and written by jansson: the same. */
static void real_reports_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t len;
		unsigned char *data;
		mg_result res;
		json_t *back;
		char *again;

		if (e->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		data = tu_read(path, &len);
		tu_sanitize(data, len, e->d_name, MG_MODE_DEFAULT, &res);
		ck_assert_ptr_nonnull(res.report_json);
		back = json_loads(res.report_json, 0, NULL);
		ck_assert_ptr_nonnull(back);
		again = json_dumps(back, FLAGS);
		ck_assert_str_eq(res.report_json, again);
		free(again);
		json_decref(back);
		mg_result_free(&res);
		free(data);
		n++;
	}
	closedir(d);
	ck_assert_uint_gt(n, 3);
}

START_TEST(real_reports)
{
	real_reports_in(CORPUS_DIR "/mail");
	real_reports_in(CORPUS_DIR "/archive");
}
END_TEST

/* mg_json_members makes what json_pack("{s:o,...}") made: the members in
 * order, or NULL (every value released) when one is missing. */
START_TEST(members_as_json_pack)
{
	json_t *got = mg_json_members("size", json_integer(5), "sha256", json_string("ab"), "type",
	                              json_null(), NULL);
	json_t *want = json_pack("{s:I,s:s,s:n}", "size", (json_int_t)5, "sha256", "ab", "type");
	char *a, *b;

	ck_assert_ptr_nonnull(got);
	a = json_dumps(got, JSON_PRESERVE_ORDER);
	b = json_dumps(want, JSON_PRESERVE_ORDER);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(got);
	json_decref(want);
	/* a string that is not UTF-8 is no value: no object, nothing leaked */
	ck_assert_ptr_null(mg_json_members("a", json_string("x"), "b", json_string("\xff"), "c",
	                                   json_integer(1), NULL));
	ck_assert_ptr_null(mg_json_members("a", NULL, NULL));
	got = mg_json_members(NULL);
	ck_assert_int_eq(json_object_size(got), 0);
	json_decref(got);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("report_dump");
	TCase *tc = tcase_create("report_dump");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, escapes_and_shapes);
	tcase_add_test(tc, left_to_jansson);
	tcase_add_test(tc, random_trees);
	tcase_add_test(tc, real_reports);
	tcase_add_test(tc, members_as_json_pack);
	suite_add_tcase(s, tc);
	return s;
}

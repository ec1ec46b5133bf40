/*
 * check_pace.c - deadlines that follow progress (issue 9, item 6): the
 * arithmetic of mg_pace; a long PDF that finishes, in the core and in a
 * sandboxed worker, although it takes longer than the base deadline; a
 * page that is slow (core) or hangs (worker: the parent kills the job)
 * blocks the item with a reason naming the page; the report's timings.
 * Slow and hanging pages come from test_hooks.c (MUGAI_TEST_UNIT_DELAY_MS,
 * MUGAI_TEST_HANG_UNIT), compiled into test builds only.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "testutil.h"
#include "worker.h"

/* ---- the arithmetic ---- */

START_TEST(base_alone_until_a_unit_begins)
{
	mg_pace p;

	mg_pace_init(&p, 100, 60, 10, 3600);
	ck_assert_double_eq(mg_pace_deadline(&p), 160);
	/* no budget per unit: the base, whatever is reported */
	mg_pace_init(&p, 100, 60, 0, 3600);
	mg_pace_begin(&p, 150, "PDF page 1 of 2");
	mg_pace_begin(&p, 159, "PDF page 2 of 2");
	ck_assert_double_eq(mg_pace_deadline(&p), 160);
}
END_TEST

START_TEST(each_unit_gets_its_budget_after_the_base)
{
	mg_pace p;

	mg_pace_init(&p, 100, 60, 10, 3600);
	/* pages inside the base: the base plus one page in flight */
	mg_pace_begin(&p, 101, "PDF page 1 of 500");
	ck_assert_double_eq(mg_pace_deadline(&p), 170);
	mg_pace_begin(&p, 150, "PDF page 2 of 500");
	ck_assert_double_eq(mg_pace_deadline(&p), 170);
	/* past the base: from the start of the page in flight */
	mg_pace_begin(&p, 165, "PDF page 3 of 500");
	ck_assert_double_eq(mg_pace_deadline(&p), 175);
	ck_assert_uint_eq(p.done, 3);
	ck_assert_str_eq(p.what, "PDF page 3 of 500");
	/* never later than base + budget x units begun (the sum) */
	for (unsigned i = 4; i <= 400; i++) {
		mg_pace_begin(&p, mg_pace_deadline(&p) - 0.001, "page");
		ck_assert(mg_pace_deadline(&p) <= 100 + 60 + 10.0 * (double)p.done + 1e-6);
	}
}
END_TEST

START_TEST(the_cap_holds_however_many_units)
{
	mg_pace p;

	mg_pace_init(&p, 100, 60, 10, 120);
	mg_pace_begin(&p, 155, "a");
	ck_assert_double_eq(mg_pace_deadline(&p), 170);
	mg_pace_begin(&p, 215, "b");
	ck_assert_double_eq(mg_pace_deadline(&p), 220);
	/* a cap below the base is the base */
	mg_pace_init(&p, 0, 60, 10, 30);
	ck_assert_double_eq(p.cap, 60);
	mg_pace_begin(&p, 59, "c");
	ck_assert_double_eq(mg_pace_deadline(&p), 60);
}
END_TEST

/* ---- documents ---- */

/* n small pages of one line of text each. */
static struct tu_buf make_pdf(int n)
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 200, 140);

	for (int i = 0; i < n; i++) {
		cairo_t *cr = cairo_create(s);
		char line[64];

		snprintf(line, sizeof(line), "page %d of %d", i + 1, n);
		cairo_set_font_size(cr, 14);
		cairo_move_to(cr, 20, 40);
		cairo_show_text(cr, line);
		cairo_destroy(cr);
		cairo_surface_show_page(s);
	}
	cairo_surface_destroy(s);
	return m;
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* time_limit 1 s (the base), page_seconds as given, small pages. */
static mg_policy *paced_policy(const char *page_seconds)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	ck_assert_int_eq(mg_policy_set(p, "time_limit", "1s", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "page_seconds", page_seconds, &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "pdf_dpi", "72", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "ocr", "no", &err), 0);
	return p;
}

static json_t *report_of(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);

	ck_assert_msg(json_is_object(r), "report is not JSON: %s", res->report_json);
	return r;
}

static mg_status sanitize_in_core(const mg_policy *p, const struct tu_buf *pdf, mg_result *res)
{
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { pdf->d, pdf->len, "long.pdf", NULL, NULL, 0 };
	mg_status st;

	ck_assert_msg(core != NULL, "core: %s", err ? err : "");
	st = mg_sanitize(core, &in, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	return st;
}

static mg_worker *paced_worker(const mg_policy *p)
{
	mg_worker_limits lim = { 0, 1u << 30, 0, 0, NULL, 0, 0 }; /* the policy's */
	mg_worker *w = mg_worker_new(p, &lim);
	mg_worker_set_program(w, MUGAI_WORKER_BUILT);

	ck_assert_ptr_nonnull(w);
	return w;
}

/* 320 pages of 10 ms each at least: over three times the 1 s base, and
 * sanitised, every page in the output. */
START_TEST(long_pdf_finishes_past_the_base_in_the_core)
{
	mg_policy *p = paced_policy("5s");
	struct tu_buf pdf = make_pdf(320);
	mg_result res;
	double t0 = seconds_now(), took;
	json_t *r;

	setenv("MUGAI_TEST_UNIT_DELAY_MS", "10", 1);
	ck_assert_int_eq(sanitize_in_core(p, &pdf, &res), MG_OK);
	took = seconds_now() - t0;
	ck_assert_msg(took > 3.2, "the document took %.1f s, not longer than the base", took);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	r = report_of(&res);
	ck_assert_msg(strstr(res.report_json, "rendered 320 pages"), "%s", res.report_json);
	json_decref(r);
	mg_result_free(&res);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

/* The same with page_seconds 0: the base alone ends it, as before. */
START_TEST(without_page_budget_the_base_ends_it)
{
	mg_policy *p = paced_policy("0s");
	struct tu_buf pdf = make_pdf(320);
	mg_result res;

	setenv("MUGAI_TEST_UNIT_DELAY_MS", "10", 1);
	ck_assert_int_eq(sanitize_in_core(p, &pdf, &res), MG_E_LIMIT_TIME);
	ck_assert_str_eq(res.reason, "time limit of 1 s reached");
	mg_result_free(&res);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

/* Each page 1.5 s against a budget of 1 s: page 1 still lies in the
 * base's cushion, page 2 overruns and is named. */
START_TEST(slow_page_is_named_by_the_core)
{
	mg_policy *p = paced_policy("1s");
	struct tu_buf pdf = make_pdf(4);
	mg_result res;

	setenv("MUGAI_TEST_UNIT_DELAY_MS", "1500", 1);
	ck_assert_int_eq(sanitize_in_core(p, &pdf, &res), MG_E_LIMIT_TIME);
	ck_assert_ptr_null(res.out);
	ck_assert_msg(strstr(res.reason, "PDF page 2 of 4 took over its 1 s (policy page_seconds)"),
	              "reason: %s", res.reason);
	mg_result_free(&res);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

/* In the sandbox: the job reports each page to its parent, which moves
 * the kill; 320 pages finish although they take over three base times. */
START_TEST(long_pdf_finishes_past_the_base_in_a_worker)
{
	mg_policy *p = paced_policy("5s");
	struct tu_buf pdf = make_pdf(320);
	mg_input in = { pdf.d, pdf.len, "long.pdf", NULL, NULL, 0 };
	mg_worker *w;
	mg_result res;
	double t0, took;

	setenv("MUGAI_TEST_UNIT_DELAY_MS", "10", 1);
	w = paced_worker(p);
	t0 = seconds_now();
	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_OK);
	took = seconds_now() - t0;
	ck_assert_msg(took > 3.2, "the document took %.1f s, not longer than the base", took);
	ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
	ck_assert_msg(strstr(res.report_json, "rendered 320 pages"), "%s", res.report_json);
	mg_result_free(&res);
	mg_worker_free(w);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

/* Page 7 of 20 hangs (sleeps an hour): the core cannot see it, the parent
 * kills the job once the page's budget has passed and names the page. */
START_TEST(hanging_page_is_killed_and_named_by_the_worker)
{
	mg_policy *p = paced_policy("2s");
	struct tu_buf pdf = make_pdf(20);
	mg_input in = { pdf.d, pdf.len, "hang.pdf", NULL, NULL, 0 };
	mg_worker *w;
	mg_result res;
	double t0, took;

	unsetenv("MUGAI_TEST_UNIT_DELAY_MS");
	setenv("MUGAI_TEST_HANG_UNIT", "7", 1);
	w = paced_worker(p);
	t0 = seconds_now();
	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_E_LIMIT_TIME);
	took = seconds_now() - t0;
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_msg(strstr(res.reason, "PDF page 7 of 20 took over its 2 s"), "reason: %s",
	              res.reason);
	ck_assert_msg(strstr(res.report_json, "PDF page 7 of 20"), "%s", res.report_json);
	/* killed at its page's deadline, not at the cap of an hour */
	ck_assert_msg(took < 60, "killed after %.1f s", took);
	/* and the next item gets a fresh process */
	unsetenv("MUGAI_TEST_HANG_UNIT");
	mg_result_free(&res);
	mg_worker_free(w);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

/* ---- timings ---- */

START_TEST(report_has_per_stage_timings)
{
	mg_policy *p = paced_policy("5s");
	struct tu_buf pdf = make_pdf(3);
	static const char *const stages[] = { "detect", "parse", "render", "encode",
	                                      "text_layer", "write" };
	mg_result res;
	json_t *r, *t;

	unsetenv("MUGAI_TEST_UNIT_DELAY_MS");
	ck_assert_int_eq(sanitize_in_core(p, &pdf, &res), MG_OK);
	r = report_of(&res);
	t = json_object_get(r, "timings");
	ck_assert_msg(json_is_object(t), "no timings: %s", res.report_json);
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		json_t *ms = json_object_get(t, stages[i]);

		ck_assert_msg(json_is_integer(ms) && json_integer_value(ms) >= 0,
		              "stage %s: %s", stages[i], res.report_json);
	}
	/* no OCR asked for: no OCR stage */
	ck_assert_ptr_null(json_object_get(t, "ocr"));
	json_decref(r);
	mg_result_free(&res);
	free(pdf.d);
	mg_policy_free(p);
}
END_TEST

START_TEST(policy_keys)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	ck_assert_int_eq(mg_policy_set(p, "page_seconds", "0s", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "max_time", "2h", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "max_time", "0s", &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(mg_policy_set(p, "page_seconds", "2h", &err), -1);
	free(err);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("arithmetic");
	TCase *doc = tcase_create("documents");

	tcase_add_test(tc, base_alone_until_a_unit_begins);
	tcase_add_test(tc, each_unit_gets_its_budget_after_the_base);
	tcase_add_test(tc, the_cap_holds_however_many_units);
	tcase_add_test(tc, policy_keys);
	suite_add_tcase(s, tc);
	tcase_set_timeout(doc, 300);
	tcase_add_test(doc, long_pdf_finishes_past_the_base_in_the_core);
	tcase_add_test(doc, without_page_budget_the_base_ends_it);
	tcase_add_test(doc, slow_page_is_named_by_the_core);
	tcase_add_test(doc, long_pdf_finishes_past_the_base_in_a_worker);
	tcase_add_test(doc, hanging_page_is_killed_and_named_by_the_worker);
	tcase_add_test(doc, report_has_per_stage_timings);
	suite_add_tcase(s, doc);
	return s;
}

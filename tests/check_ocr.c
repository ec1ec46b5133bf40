/* check_ocr.c - scanned PDF pages (made here: text drawn into a picture,
 * the picture wrapped as a PDF) come out of flatten with Tesseract's
 * words as their invisible text layer. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include "testutil_text.h"

/* Lines drawn into a picture of an A4 page at 200 dpi, as a scanner would
 * give it, and the picture as the only content of a PDF page: no text
 * for poppler to find. */
static struct tu_buf make_scan_with(const char *font, double pt, const char *const *lines,
                                    size_t n, const char *real)
{
	const double dpi = 200, scale = dpi / 72;
	int w = (int)(595 * scale), h = (int)(842 * scale);
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cairo_t *cr = cairo_create(img);
	struct tu_buf m = { 0 };
	cairo_surface_t *pdf;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, pt * scale);
	for (size_t i = 0; i < n; i++) {
		cairo_move_to(cr, 60 * scale, (90 + 2.2 * pt * (double)i) * scale);
		cairo_show_text(cr, lines[i]);
	}
	cairo_destroy(cr);
	cairo_surface_flush(img);
	pdf = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 595, 842);
	cr = cairo_create(pdf);
	cairo_scale(cr, 1 / scale, 1 / scale);
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_paint(cr);
	if (real) {
		/* and a line of real text under the picture's lines */
		cairo_identity_matrix(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_select_font_face(cr, font, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(cr, pt);
		cairo_move_to(cr, 60, 600);
		cairo_show_text(cr, real);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(pdf);
	cairo_surface_destroy(img);
	return m;
}

static struct tu_buf make_scan(const char *font, double pt, const char *const *lines, size_t n)
{
	return make_scan_with(font, pt, lines, n, NULL);
}

static const char *const ja_lines[] = {
	"住民票の写しの交付申請書を受け付けました。",
	"課税証明書は窓口または郵送で請求できます。",
	"無害化した書類でも文字を検索できます。",
	"総務課の電話番号は代表番号と同じです。",
};

static const char *const en_lines[] = {
	"The quick brown fox jumps over the lazy dog.",
	"Sanitised documents stay searchable after flattening.",
	"Municipal offices receive scanned forms every day.",
};

/* glib's g_utf8_next_char casts the const away */
static const char *next_char(const char *p)
{
	return p + g_utf8_skip[*(const unsigned char *)p];
}

/* Tokens of a text: its words, or (Japanese) its characters, white space
 * and punctuation dropped, letters folded to lower case. */
static GPtrArray *tokens(const char *text, bool by_char)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	GString *word = g_string_new(NULL);

	for (const char *p = text; *p; p = next_char(p)) {
		gunichar c = g_unichar_tolower(g_utf8_get_char(p));
		bool keep = g_unichar_isalnum(c);

		if (keep)
			g_string_append_unichar(word, c);
		if (word->len && (by_char || !keep)) {
			g_ptr_array_add(a, g_strdup(word->str));
			g_string_truncate(word, 0);
		}
	}
	if (word->len)
		g_ptr_array_add(a, g_strdup(word->str));
	g_string_free(word, TRUE);
	return a;
}

/* Share of want's tokens found in got in the same order (longest common
 * subsequence). */
static double ordered_share(const char *want_text, const char *got_text, bool by_char)
{
	GPtrArray *a = tokens(want_text, by_char), *b = tokens(got_text, by_char);
	double share = a->len ? (double)tu_lcs(a, b) / (double)a->len : 0;

	g_ptr_array_unref(a);
	g_ptr_array_unref(b);
	return share;
}

static char *joined(const char *const *lines, size_t n)
{
	GString *g = g_string_new(NULL);

	for (size_t i = 0; i < n; i++)
		g_string_append_printf(g, "%s\n", lines[i]);
	return g_string_free(g, FALSE);
}

static mg_status flatten(const struct tu_buf *m, const char *const *kv, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_status st;

	for (; kv && kv[0]; kv += 2)
		ck_assert_msg(mg_policy_set(p, kv[0], kv[1], &err) == 0, "%s", err);
	st = tu_sanitize_policy(p, m->d, m->len, "scan.pdf", MG_MODE_FLATTEN, res);
	mg_policy_free(p);
	return st;
}

static unsigned threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void assert_scan_read(const char *font, double pt, const char *const *lines, size_t n,
                             bool by_char)
{
	struct tu_buf m = make_scan(font, pt, lines, n);
	char *before, *want = joined(lines, n), *got;
	mg_result res;
	double share;

	before = tu_pdftotext(m.d, m.len);
	ck_assert_double_lt(ordered_share(want, before, by_char), 0.05);
	ck_assert_int_eq(flatten(&m, NULL, &res), MG_OK);
	ck_assert_msg(tu_report_has(&res, "actions", "recognised the text of 1 pages with OCR"),
	              "%s", res.report_json);
	ck_assert(tu_contains(res.out, res.out_len, "/ToUnicode"));
	ck_assert(!tu_contains(res.out, res.out_len, "/FontFile"));
	got = tu_pdftotext(res.out, res.out_len);
	share = ordered_share(want, got, by_char);
	ck_assert_msg(share >= 0.95, "%s: %.0f %% found in order:\n%s", font, share * 100, got);
	/* Tesseract ran on this thread alone */
	ck_assert_uint_eq(threads_now(), 1);
	g_free(before);
	g_free(want);
	g_free(got);
	mg_result_free(&res);
	free(m.d);
}

START_TEST(japanese_scan_is_searchable)
{
	assert_scan_read("IPAGothic", 12, ja_lines, sizeof(ja_lines) / sizeof(ja_lines[0]), true);
}
END_TEST

START_TEST(english_scan_is_searchable)
{
	assert_scan_read("DejaVu Sans", 12, en_lines, sizeof(en_lines) / sizeof(en_lines[0]), false);
}
END_TEST

/* ocr = no, or no text layer at all: the scan stays a picture. */
START_TEST(ocr_follows_policy)
{
	static const char *const no[] = { "ocr", "no", NULL };
	static const char *const bare[] = { "pdf_text_layer", "no", NULL };
	const char *const *kvs[] = { no, bare };
	struct tu_buf m = make_scan("DejaVu Sans", 12, en_lines, 3);

	for (size_t i = 0; i < 2; i++) {
		mg_result res;
		char *got;

		ck_assert_int_eq(flatten(&m, kvs[i], &res), MG_OK);
		ck_assert(!tu_report_has(&res, "actions", "OCR"));
		ck_assert(!tu_contains(res.out, res.out_len, "/Font"));
		got = tu_pdftotext(res.out, res.out_len);
		ck_assert_double_lt(ordered_share(en_lines[0], got, false), 0.01);
		g_free(got);
		mg_result_free(&res);
	}
	free(m.d);
}
END_TEST

/* always: a page with text of its own keeps it, and the words only the
 * picture holds are added from OCR. */
START_TEST(always_adds_the_words_of_pictures)
{
	static const char *const always[] = { "ocr", "always", NULL };
	struct tu_buf mixed = make_scan_with("DejaVu Sans", 12, en_lines, 3,
	                                     "zebra xylophone quartz");
	mg_result res;
	char *got;

	ck_assert_int_eq(flatten(&mixed, NULL, &res), MG_OK);
	ck_assert(!tu_report_has(&res, "actions", "OCR"));
	got = tu_pdftotext(res.out, res.out_len);
	ck_assert_double_lt(ordered_share(en_lines[0], got, false), 0.5);
	g_free(got);
	mg_result_free(&res);

	ck_assert_int_eq(flatten(&mixed, always, &res), MG_OK);
	ck_assert(tu_report_has(&res, "actions", "recognised the text of 1 pages with OCR"));
	got = tu_pdftotext(res.out, res.out_len);
	ck_assert_double_ge(ordered_share(en_lines[0], got, false), 0.9);
	/* its own words once, not again from OCR */
	ck_assert_ptr_nonnull(strstr(got, "xylophone"));
	ck_assert_ptr_null(strstr(strstr(got, "xylophone") + 1, "xylophone"));
	g_free(got);
	mg_result_free(&res);
	free(mixed.d);
}
END_TEST

/* A page Tesseract cannot finish within ocr_page_seconds (dense text at
 * 600 dpi, one second) keeps its picture, without a layer, with a note;
 * the document is not blocked. */
START_TEST(page_over_its_budget_has_no_layer)
{
	static const char *const tight[] = { "ocr_page_seconds", "1", "pdf_dpi", "600", NULL };
	const char *lines[40];
	struct tu_buf m;
	mg_result res;

	for (size_t i = 0; i < 40; i++)
		lines[i] = en_lines[i % 3];
	m = make_scan("DejaVu Sans", 8, lines, 40);
	ck_assert_int_eq(flatten(&m, tight, &res), MG_OK);
	ck_assert_msg(tu_report_has(&res, "findings", "page 1: no OCR text layer (over its time budget)"),
	              "%s", res.report_json);
	ck_assert(!tu_report_has(&res, "actions", "OCR"));
	ck_assert(!tu_contains(res.out, res.out_len, "/Font"));
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(policy_keys)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *d;

	ck_assert_int_eq(mg_policy_set(p, "ocr", "sometimes", &err), -1);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "ocr_languages", "../../etc/passwd", &err), -1);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "ocr_languages", "jpn++eng", &err), -1);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "ocr_languages", "jpn_vert+eng", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "ocr", "always", &err), 0);
	d = mg_policy_describe(p);
	ck_assert_ptr_nonnull(strstr(d, "\nocr = always\n"));
	ck_assert_ptr_nonnull(strstr(d, "\nocr_languages = jpn_vert+eng\n"));
	ck_assert_ptr_nonnull(strstr(d, "\nocr_page_seconds = 20s\n"));
	free(d);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ocr");
	TCase *tc = tcase_create("ocr");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, japanese_scan_is_searchable);
	tcase_add_test(tc, english_scan_is_searchable);
	tcase_add_test(tc, ocr_follows_policy);
	tcase_add_test(tc, always_adds_the_words_of_pictures);
	tcase_add_test(tc, page_over_its_budget_has_no_layer);
	tcase_add_test(tc, policy_keys);
	suite_add_tcase(s, tc);
	return s;
}

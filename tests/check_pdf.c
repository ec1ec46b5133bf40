/* check_pdf.c - the PDF family: flattened to page images with an invisible
 * text layer, text mode, limits, encryption. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pdf_priv.h"
#include "../fuzz/pdf_image_invariant.h"
#include "testutil.h"
#include "testutil_text.h"

extern const mg_filter mg_filter_pdf;

/* Names of PDF objects that carry behaviour, and font programs: none may
 * be in a flattened file (/FontFile also matches /FontFile2 and 3). */
static const char *const active_names[] = {
	"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/AcroForm",
	"/XFA", "/Annots", "/FontFile", "/URI", "/RichMedia", "/GoToR", "/SubmitForm",
};

static const char *const corpus_pdfs[] = {
	"pdf/alphatrans.pdf", "pdf/annotation-button-widget.pdf", "pdf/attachment.pdf",
	"pdf/autoprint.pdf", "pdf/bug766086.pdf", "pdf/issue16067.pdf", "pdf/issue17846.pdf",
	"pdf/js-authors.pdf", "pdf/multimedia_annotations.pdf", "pdf/opt_demo.pdf",
	"pdf/secHandler.pdf", "pdf/text_field_own_canvas_calc.pdf", "pdf/tracemonkey.pdf",
	"pdf/xfa_issue14315.pdf",
};

/* ---- helpers ---- */

static mg_status run_policy(const char *key, const char *value, const void *d, size_t len,
                            mg_mode mode, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_status st;

	ck_assert_msg(mg_policy_set(p, key, value, &err) == 0, "%s", err);
	st = tu_sanitize_policy(p, d, len, "doc.pdf", mode, res);
	mg_policy_free(p);
	return st;
}

static unsigned char *read_corpus(const char *rel, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	return tu_read(path, len);
}

static PopplerDocument *open_pdf(const unsigned char *d, size_t len)
{
	GBytes *b = g_bytes_new(d, len);
	GError *err = NULL;
	PopplerDocument *doc = poppler_document_new_from_bytes(b, NULL, &err);

	ck_assert_msg(doc != NULL, "output does not open: %s", err ? err->message : "?");
	g_bytes_unref(b);
	return doc;
}

static void assert_no_active_names(const char *what, const unsigned char *d, size_t len)
{
	for (size_t i = 0; i < sizeof(active_names) / sizeof(active_names[0]); i++)
		ck_assert_msg(!tu_contains(d, len, active_names[i]), "%s contains %s", what,
		              active_names[i]);
}

static size_t count_of(const unsigned char *d, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (const unsigned char *p = d; (p = memmem(p, len - (size_t)(p - d), needle, k)); p += k)
		n++;
	return n;
}

/* The output decompressed by qpdf (every stream and object stream opened):
 * a name hidden in a compressed stream would show here. */
static unsigned char *qpdf_expand(const unsigned char *d, size_t len, size_t *outlen)
{
	char in[] = "/tmp/mugai-pdf-in-XXXXXX", out[] = "/tmp/mugai-pdf-out-XXXXXX", cmd[256];
	int fi = mkstemp(in), fo = mkstemp(out), rc;
	unsigned char *q;

	ck_assert(fi >= 0 && fo >= 0);
	ck_assert_int_eq(write(fi, d, len), (ssize_t)len);
	close(fi);
	close(fo);
	snprintf(cmd, sizeof(cmd), "qpdf --qdf --object-streams=disable %s %s >/dev/null 2>&1", in, out);
	rc = system(cmd);
	/* 0: fine, 3: warnings; anything else means qpdf could not read our output */
	ck_assert_msg(WIFEXITED(rc) && (WEXITSTATUS(rc) == 0 || WEXITSTATUS(rc) == 3),
	              "qpdf failed on the flattened PDF (%d)", rc);
	q = tu_read(out, outlen);
	unlink(in);
	unlink(out);
	return q;
}

static int have_qpdf(void)
{
	return system("qpdf --version >/dev/null 2>&1") == 0;
}

/* qpdf --check: the structure, the xref and every stream decode. */
static void assert_qpdf_check(const char *what, const unsigned char *d, size_t len)
{
	char *path = tu_write_temp(d, len), cmd[256];
	int rc;

	snprintf(cmd, sizeof(cmd), "qpdf --check %s >/dev/null 2>&1", path);
	rc = system(cmd);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s: qpdf --check failed (%d)", what, rc);
	unlink(path);
	g_free(path);
}

/* In every page's content stream (qpdf's QDF form marks them) each text
 * object starts in render mode 3 and no other mode is ever set: the layer
 * is placed, never painted.  Returns the number of text objects. */
static size_t assert_text_invisible(const char *what, const unsigned char *q, size_t qlen)
{
	static const char mark[] = "%% Contents for page ";
	const unsigned char *end = q + qlen, *p = q;
	size_t total = 0;

	while ((p = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1))) {
		const unsigned char *s = memmem(p, (size_t)(end - p), "stream\n", 7), *e;
		size_t bt, inv;

		ck_assert_ptr_nonnull(s);
		s += 7;
		e = memmem(s, (size_t)(end - s), "endstream", 9);
		ck_assert_ptr_nonnull(e);
		bt = count_of(s, (size_t)(e - s), "BT\n");
		inv = count_of(s, (size_t)(e - s), "BT\n3 Tr\n");
		ck_assert_msg(bt == inv, "%s: %zu text objects, %zu start in mode 3", what, bt, inv);
		ck_assert_msg(count_of(s, (size_t)(e - s), " Tr") == inv,
		              "%s: a render mode other than 3", what);
		total += bt;
		p = e;
	}
	return total;
}

/* glib's g_utf8_next_char casts the const away */
static const char *next_char(const char *p)
{
	return p + g_utf8_skip[*(const unsigned char *)p];
}

/* The words of a text, or its characters (Japanese has no spaces), white
 * space dropped. */
static GPtrArray *tokens(const char *text, bool by_char)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	if (by_char) {
		for (const char *p = text; *p; p = next_char(p))
			if (!g_unichar_isspace(g_utf8_get_char(p)))
				g_ptr_array_add(a, g_strndup(p, (gsize)(next_char(p) - p)));
		return a;
	}
	{
		char **w = g_strsplit_set(text, " \t\n\f\r", -1);

		for (char **x = w; *x; x++)
			if (**x)
				g_ptr_array_add(a, g_strdup(*x));
		g_strfreev(w);
	}
	return a;
}

/* Share of want's tokens found in got in the same order, page by page
 * (pdftotext ends each page with a form feed). */
static double ordered_share(const char *want_text, const char *got_text, bool by_char)
{
	char **wp = g_strsplit(want_text, "\f", -1), **gp = g_strsplit(got_text, "\f", -1);
	size_t total = 0, found = 0;

	ck_assert_uint_eq(g_strv_length(wp), g_strv_length(gp));
	for (size_t i = 0; wp[i]; i++) {
		GPtrArray *want = tokens(wp[i], by_char), *got = tokens(gp[i], by_char);

		total += want->len;
		found += tu_lcs(want, got);
		g_ptr_array_unref(want);
		g_ptr_array_unref(got);
	}
	g_strfreev(wp);
	g_strfreev(gp);
	return total ? (double)found / (double)total : 0;
}

/* Every page of the output holds one image and nothing else poppler sees
 * but text (the invisible layer). */
static void assert_one_image_per_page(PopplerDocument *doc)
{
	ck_assert(!poppler_document_has_javascript(doc));
	ck_assert(!poppler_document_has_attachments(doc));
	for (int i = 0; i < poppler_document_get_n_pages(doc); i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		GList *images = poppler_page_get_image_mapping(page);
		GList *links = poppler_page_get_link_mapping(page);
		GList *annots = poppler_page_get_annot_mapping(page);
		GList *fields = poppler_page_get_form_field_mapping(page);

		ck_assert_msg(g_list_length(images) == 1, "page %d has %u images", i + 1,
		              g_list_length(images));
		ck_assert_ptr_null(links);
		ck_assert_ptr_null(annots);
		ck_assert_ptr_null(fields);
		poppler_page_free_image_mapping(images);
		g_object_unref(page);
	}
}

/* Flattens, then checks the output every way we can: raw bytes, the
 * qpdf-expanded file, and poppler's view; page count and sizes must match. */
static void assert_flattened(const char *what, const unsigned char *in, size_t inlen,
                             const mg_result *res)
{
	PopplerDocument *src = open_pdf(in, inlen), *out;
	int pages = poppler_document_get_n_pages(src);

	ck_assert_msg(res->status == MG_OK, "%s: %s", what, res->reason);
	ck_assert_str_eq(res->out_type, "application/pdf");
	ck_assert_str_eq(res->out_ext, "pdf");
	ck_assert(res->out_len > 8 && memcmp(res->out, "%PDF-", 5) == 0);
	assert_no_active_names(what, res->out, res->out_len);
	if (have_qpdf()) {
		size_t qlen;
		unsigned char *q = qpdf_expand(res->out, res->out_len, &qlen);

		assert_no_active_names(what, q, qlen);
		ck_assert_uint_eq(count_of(q, qlen, "/Subtype /Image"), (size_t)pages);
		assert_text_invisible(what, q, qlen);
		free(q);
		assert_qpdf_check(what, res->out, res->out_len);
	}
	out = open_pdf(res->out, res->out_len);
	ck_assert_int_eq(poppler_document_get_n_pages(out), pages);
	for (int i = 0; i < pages; i++) {
		PopplerPage *a = poppler_document_get_page(src, i), *b = poppler_document_get_page(out, i);
		double aw, ah, bw, bh;

		poppler_page_get_size(a, &aw, &ah);
		poppler_page_get_size(b, &bw, &bh);
		ck_assert_msg(fabs(aw - bw) < 0.01 && fabs(ah - bh) < 0.01,
		              "%s page %d: %gx%g became %gx%g", what, i + 1, aw, ah, bw, bh);
		g_object_unref(a);
		g_object_unref(b);
	}
	assert_one_image_per_page(out);
	g_object_unref(out);
	g_object_unref(src);
}

/* A PDF of n pages of text, page i of size sizes[i] (points). */
static struct tu_buf make_text_pdf(int n, const double (*sizes)[2])
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, sizes[0][0], sizes[0][1]);

	for (int i = 0; i < n; i++) {
		cairo_t *cr;
		char line[64];

		cairo_pdf_surface_set_size(s, sizes[i][0], sizes[i][1]);
		cr = cairo_create(s);
		cairo_set_font_size(cr, 12);
		snprintf(line, sizeof(line), "page %d of the generated document", i + 1);
		cairo_move_to(cr, 20, 40);
		cairo_show_text(cr, line);
		cairo_rectangle(cr, 10, 10, sizes[i][0] - 20, sizes[i][1] - 20);
		cairo_stroke(cr);
		cairo_destroy(cr);
		cairo_surface_show_page(s);
	}
	cairo_surface_destroy(s);
	return m;
}

/* One A5 page covered by a noisy colour image: a photo, as far as the
 * flattener can tell. */
static struct tu_buf make_photo_pdf(void)
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 420, 595);
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 420, 595);
	unsigned char *px = cairo_image_surface_get_data(img);
	int stride = cairo_image_surface_get_stride(img);
	uint32_t seed = 12345;
	cairo_t *cr;

	for (int y = 0; y < 595; y++)
		for (int x = 0; x < 420; x++) {
			uint32_t *p = (uint32_t *)(void *)(px + y * stride) + x;

			seed = seed * 1103515245u + 12345u;
			*p = ((uint32_t)(x * 255 / 420) << 16) | ((uint32_t)(y * 255 / 595) << 8) |
			     ((seed >> 16) & 0x3f);
		}
	cairo_surface_mark_dirty(img);
	cr = cairo_create(s);
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_destroy(img);
	cairo_surface_destroy(s);
	return m;
}

/* Japanese lines, one with Latin letters and digits, a column written top
 * to bottom (each character upright under the one before, as vertical
 * Japanese is set) and a heading turned a quarter to run down the page, in
 * IPA Gothic: a document a municipality would send. */
static const char *const ja_lines[] = {
	"無害化したPDFでも検索できるように、元の文字を透明な層として残します。",
	"自治体のLGWAN接続系では、メールの添付ファイルを無害化してから受け取ります。",
	"住民票の写し、課税証明書、戸籍謄本の請求書を受け付けました。",
	"令和8年12月4日　総務課　電話03-1234-5678",
};
static const char ja_column[] = "縦書きの文章も読む順に残る";
static const char ja_turned[] = "回転した見出しも一行に読める";

static struct tu_buf make_japanese_pdf(void)
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 595.28, 841.89);
	cairo_t *cr = cairo_create(s);
	double y = 800;

	cairo_select_font_face(cr, "IPAGothic", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	for (size_t i = 0; i < sizeof(ja_lines) / sizeof(ja_lines[0]); i++) {
		cairo_move_to(cr, 40, 60 + 24 * (double)i);
		cairo_show_text(cr, ja_lines[i]);
	}
	cairo_set_font_size(cr, 16);
	y = 200;
	for (const char *p = ja_column; *p; p = next_char(p)) {
		char *one = g_strndup(p, (gsize)(next_char(p) - p));

		cairo_move_to(cr, 500, y);
		cairo_show_text(cr, one);
		g_free(one);
		y += 18;
	}
	cairo_move_to(cr, 540, 200);
	cairo_rotate(cr, M_PI / 2);
	cairo_show_text(cr, ja_turned);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return m;
}

/* Hebrew set right to left as a renderer sets it: each character placed
 * left of the one before it, in logical order. */
static const char he_line[] = "שלום עולם מה שלומך";

static struct tu_buf make_hebrew_pdf(void)
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 420, 200);
	cairo_t *cr = cairo_create(s);
	double x = 380;

	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 14);
	for (const char *p = he_line; *p; p = next_char(p)) {
		char *one = g_strndup(p, (gsize)(next_char(p) - p));
		cairo_text_extents_t e;

		cairo_text_extents(cr, one, &e);
		x -= e.x_advance;
		cairo_move_to(cr, x, 60);
		cairo_show_text(cr, one);
		g_free(one);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return m;
}

/* A one-page PDF whose embedded-files name tree has a file spec and an
 * entry that refers to a string, which poppler-glib's attachment list
 * dereferences as NULL (poppler 22.12). */
static struct tu_buf make_string_attachment_pdf(void)
{
	static const char *const objs[] = {
		("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names "
		 "[(a.txt) 5 0 R (b.txt) 4 0 R] >> >> >>"),
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >>",
		"(b.txt)",
		"<< /Type /Filespec /F (a.txt) /EF << /F 6 0 R >> >>",
		"<< /Type /EmbeddedFile /Length 5 >>\nstream\nhello\nendstream",
	};
	size_t n = sizeof(objs) / sizeof(objs[0]), off[sizeof(objs) / sizeof(objs[0])], xref;
	GString *s = g_string_new("%PDF-1.7\n");
	struct tu_buf b;

	for (size_t i = 0; i < n; i++) {
		off[i] = s->len;
		g_string_append_printf(s, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	xref = s->len;
	g_string_append_printf(s, "xref\n0 %zu\n0000000000 65535 f \n", n + 1);
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%010zu 00000 n \n", off[i]);
	g_string_append_printf(s, "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	                       n + 1, xref);
	b.len = s->len;
	b.d = (unsigned char *)g_string_free(s, FALSE);
	return b;
}

static char *strip_space(const char *t)
{
	GString *g = g_string_new(NULL);

	for (const char *p = t; *p; p = next_char(p))
		if (!g_unichar_isspace(g_utf8_get_char(p)))
			g_string_append_unichar(g, g_utf8_get_char(p));
	return g_string_free(g, FALSE);
}

/* Renders page 1 at 72 dpi: what a reader sees of the file. */
static cairo_surface_t *render_first(const unsigned char *d, size_t len)
{
	PopplerDocument *doc = open_pdf(d, len);
	PopplerPage *page = poppler_document_get_page(doc, 0);
	double w, h;
	cairo_surface_t *img;
	cairo_t *cr;

	poppler_page_get_size(page, &w, &h);
	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w), (int)ceil(h));
	cr = cairo_create(img);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(img);
	g_object_unref(page);
	g_object_unref(doc);
	return img;
}

/* ---- tests ---- */

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_PDF), &mg_filter_pdf);
}
END_TEST

START_TEST(javascript_pdfs_become_image_only)
{
	static const char *const files[] = { "pdf/autoprint.pdf", "pdf/js-authors.pdf" };

	for (size_t i = 0; i < 2; i++) {
		size_t len;
		unsigned char *d = read_corpus(files[i], &len);
		mg_result res;

		PopplerDocument *src = open_pdf(d, len);

		ck_assert(poppler_document_has_javascript(src)); /* the test means something */
		g_object_unref(src);
		tu_sanitize(d, len, "a.pdf", MG_MODE_DEFAULT, &res);
		assert_flattened(files[i], d, len, &res);
		ck_assert_msg(tu_report_has(&res, "removed", "PDF JavaScript"), "%s", files[i]);
		mg_result_free(&res);
		free(d);
	}
}
END_TEST

START_TEST(every_corpus_pdf_flattened)
{
	for (size_t i = 0; i < sizeof(corpus_pdfs) / sizeof(corpus_pdfs[0]); i++) {
		size_t len;
		unsigned char *d = read_corpus(corpus_pdfs[i], &len);
		mg_result res;

		tu_sanitize(d, len, strrchr(corpus_pdfs[i], '/') + 1, MG_MODE_DEFAULT, &res);
		ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
		assert_flattened(corpus_pdfs[i], d, len, &res);
		mg_result_free(&res);
		free(d);
	}
}
END_TEST

START_TEST(tracemonkey_pages_and_size)
{
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(d, len, "tracemonkey.pdf", MG_MODE_FLATTEN, &res), MG_OK);
	assert_flattened("tracemonkey", d, len, &res);
	ck_assert(tu_report_has(&res, "actions", "rendered 14 pages at 150 dpi"));
	/* pdftoppm -r 150 -png | img2pdf gives about 7.7 MB for this file;
	 * text pages in 16 grey levels, or a palette, stay far below that */
	ck_assert_msg(res.out_len < 4000000, "flattened tracemonkey is %zu bytes", res.out_len);
	mg_result_free(&res);
	free(d);
}
END_TEST

/* The flattened copy keeps the original's words where they were: pdftotext
 * finds at least 95 % of them in the same order, no font program is added
 * and every text object is invisible (assert_flattened). */
START_TEST(tracemonkey_text_layer_is_searchable)
{
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	char *want, *got;
	double share;
	mg_result res;

	ck_assert_int_eq(tu_sanitize(d, len, "tracemonkey.pdf", MG_MODE_FLATTEN, &res), MG_OK);
	assert_flattened("tracemonkey", d, len, &res);
	want = tu_pdftotext(d, len);
	got = tu_pdftotext(res.out, res.out_len);
	share = ordered_share(want, got, false);
	ck_assert_msg(share >= 0.95, "only %.1f%% of the words found in order", share * 100);
	ck_assert_ptr_nonnull(strstr(got, "Trace-based Just-in-Time Type Specialization for Dynamic"));
	ck_assert_ptr_nonnull(strstr(got, "Dynamic languages such as JavaScript are more difficult"));
	ck_assert(tu_report_has(&res, "actions", "kept the text of 14 pages"));
	/* the size goal: no more than twice the input */
	ck_assert_msg(res.out_len <= 2 * len, "flattened %zu bytes from %zu", res.out_len, len);
	g_free(want);
	g_free(got);
	mg_result_free(&res);
	free(d);
}
END_TEST

/* Pages turned a quarter, a half and three quarters (/Rotate, set by
 * qpdf at test time): the words are written turned to match and read as
 * on the original. */
START_TEST(turned_pages_keep_their_words)
{
	char *in = NULL, *out, cmd[512];
	size_t len;
	unsigned char *d;
	char *want, *got;
	double share;
	mg_result res;
	int rc;

	if (!have_qpdf())
		return;
	d = read_corpus("pdf/tracemonkey.pdf", &len);
	in = tu_write_temp(d, len);
	free(d);
	out = g_strconcat(in, ".turned", NULL);
	snprintf(cmd, sizeof(cmd), "qpdf --rotate=+90:1 --rotate=+180:2 --rotate=+270:3 --pages %s 1-3 "
	         "-- %s %s >/dev/null 2>&1", in, in, out);
	rc = system(cmd);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "qpdf could not turn the pages");
	d = tu_read(out, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "turned.pdf", MG_MODE_FLATTEN, &res), MG_OK);
	assert_flattened("turned", d, len, &res);
	want = tu_pdftotext(d, len);
	got = tu_pdftotext(res.out, res.out_len);
	share = ordered_share(want, got, false);
	ck_assert_msg(share >= 0.95, "only %.1f%% of the words found in order", share * 100);
	g_free(want);
	g_free(got);
	mg_result_free(&res);
	free(d);
	unlink(in);
	unlink(out);
	g_free(in);
	g_free(out);
}
END_TEST

START_TEST(japanese_text_layer_in_reading_order)
{
	struct tu_buf m = make_japanese_pdf();
	char *want, *got, *flat;
	double share;
	mg_result res;

	ck_assert_int_eq(tu_sanitize(m.d, m.len, "ja.pdf", MG_MODE_FLATTEN, &res), MG_OK);
	assert_flattened("japanese", m.d, m.len, &res);
	want = tu_pdftotext(m.d, m.len);
	ck_assert_msg(strstr(want, "無害化") != NULL, "the generated PDF has no Japanese text: %s", want);
	got = tu_pdftotext(res.out, res.out_len);
	share = ordered_share(want, got, true);
	ck_assert_msg(share >= 0.95, "only %.1f%% of the characters found in order:\n%s", share * 100,
	              got);
	/* each line whole and in order, the column top to bottom; the turned
	 * heading is one line, as in the original */
	flat = strip_space(got);
	for (size_t i = 0; i < sizeof(ja_lines) / sizeof(ja_lines[0]); i++) {
		char *line = strip_space(ja_lines[i]);

		ck_assert_msg(strstr(flat, line) != NULL, "'%s' not in:\n%s", line, got);
		g_free(line);
	}
	ck_assert_msg(strstr(flat, ja_column) != NULL, "the column is not in order in:\n%s", got);
	ck_assert_msg(strstr(want, ja_turned) != NULL, "the original has no turned heading");
	ck_assert_msg(strstr(got, ja_turned) != NULL, "the turned heading is not one line in:\n%s",
	              got);
	g_free(flat);
	g_free(want);
	g_free(got);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

/* Right-to-left script: the flattened copy reads as the original reads. */
START_TEST(hebrew_reads_as_the_original)
{
	struct tu_buf m = make_hebrew_pdf();
	char *want, *got, *w, *g;
	mg_result res;

	ck_assert_int_eq(tu_sanitize(m.d, m.len, "he.pdf", MG_MODE_FLATTEN, &res), MG_OK);
	assert_flattened("hebrew", m.d, m.len, &res);
	want = tu_pdftotext(m.d, m.len);
	got = tu_pdftotext(res.out, res.out_len);
	w = strip_space(want);
	g = strip_space(got);
	ck_assert_msg(strstr(w, "שלום") || strstr(w, "םולש"), "no Hebrew in the original: %s", want);
	ck_assert_msg(strcmp(w, g) == 0, "original:\n%s\nflattened:\n%s", want, got);
	g_free(w);
	g_free(g);
	g_free(want);
	g_free(got);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

/* The layer draws nothing: the page looks exactly as without it. */
START_TEST(text_layer_is_invisible_and_can_be_turned_off)
{
	struct tu_buf m = make_japanese_pdf();
	mg_result with, without;
	cairo_surface_t *a, *b;
	PopplerDocument *doc;
	PopplerPage *page;
	char *text;

	ck_assert_int_eq(run_policy("pdf_text_layer", "yes", m.d, m.len, MG_MODE_FLATTEN, &with), MG_OK);
	ck_assert_int_eq(run_policy("pdf_text_layer", "no", m.d, m.len, MG_MODE_FLATTEN, &without),
	                 MG_OK);
	assert_flattened("without layer", m.d, m.len, &without);
	ck_assert(!tu_contains(without.out, without.out_len, "/Font"));
	ck_assert(tu_contains(with.out, with.out_len, "/ToUnicode"));
	ck_assert(!tu_report_has(&without, "actions", "kept the text"));
	doc = open_pdf(without.out, without.out_len);
	page = poppler_document_get_page(doc, 0);
	text = poppler_page_get_text(page);
	ck_assert_msg(text == NULL || text[0] == 0, "text without a layer: %s", text);
	g_free(text);
	g_object_unref(page);
	g_object_unref(doc);
	a = render_first(with.out, with.out_len);
	b = render_first(without.out, without.out_len);
	ck_assert_int_eq(cairo_image_surface_get_stride(a), cairo_image_surface_get_stride(b));
	ck_assert_int_eq(cairo_image_surface_get_height(a), cairo_image_surface_get_height(b));
	ck_assert(memcmp(cairo_image_surface_get_data(a), cairo_image_surface_get_data(b),
	                 (size_t)cairo_image_surface_get_stride(a) *
	                         (size_t)cairo_image_surface_get_height(a)) == 0);
	cairo_surface_destroy(a);
	cairo_surface_destroy(b);
	mg_result_free(&with);
	mg_result_free(&without);
	free(m.d);
}
END_TEST

/* pdf_page_bits: 8 keeps every grey level of the rendering, 4 keeps 16;
 * photos are JPEG either way. */
START_TEST(page_bits_follow_policy)
{
	static const double a5[1][2] = { { 420, 595 } };
	struct tu_buf text = make_text_pdf(1, a5);
	mg_result r8, r4;

	ck_assert_int_eq(run_policy("pdf_page_bits", "8", text.d, text.len, MG_MODE_FLATTEN, &r8), MG_OK);
	ck_assert_int_eq(run_policy("pdf_page_bits", "4", text.d, text.len, MG_MODE_FLATTEN, &r4), MG_OK);
	assert_flattened("8 bits", text.d, text.len, &r8);
	assert_flattened("4 bits", text.d, text.len, &r4);
	ck_assert(tu_contains(r8.out, r8.out_len, "/BitsPerComponent 8 /ColorSpace /DeviceGray"));
	ck_assert(tu_contains(r4.out, r4.out_len, "/BitsPerComponent 4 /ColorSpace /DeviceGray"));
	ck_assert_uint_lt(r4.out_len, r8.out_len);
	mg_result_free(&r8);
	mg_result_free(&r4);
	free(text.d);
}
END_TEST

/* A 300x200 page of text over colour ramps in blocks of 8x1 points (flat
 * enough not to be a photo), more colours than a palette holds even at 16
 * levels per sample. */
static struct tu_buf make_ramp_pdf(void)
{
	struct tu_buf m = { 0 };
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_write, &m, 300, 200);
	cairo_t *cr = cairo_create(s);

	for (int y = 0; y < 200; y++)
		for (int x = 0; x < 300; x += 8) {
			cairo_set_source_rgb(cr, x / 299.0, y / 199.0, ((x + y) % 64) / 63.0);
			cairo_rectangle(cr, x, y, 8, 1);
			cairo_fill(cr);
		}
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_set_font_size(cr, 14);
	cairo_move_to(cr, 20, 100);
	cairo_show_text(cr, "a ramp of colours under white text");
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return m;
}

/* Page images at fewer bits are the same picture: rendered at one pixel
 * per point, no sample is further than half a level (255 / 15 / 2) from
 * the 8-bit copy.  Checks the packing of grey and RGB samples. */
START_TEST(fewer_bits_keep_the_picture)
{
	static const double a5[1][2] = { { 420, 595 } };
	struct tu_buf ramp = make_ramp_pdf(), text = make_text_pdf(1, a5);
	struct tu_buf *docs[2] = { &ramp, &text };
	static const char *const space[2] = { "/DeviceRGB", "/DeviceGray" };

	for (int d = 0; d < 2; d++) {
		mg_policy *p = mg_policy_new();
		char *err = NULL;
		mg_result r8, r4;
		cairo_surface_t *a, *b;
		int maxdiff = 0;

		ck_assert_int_eq(mg_policy_set(p, "pdf_dpi", "72", &err), 0);
		ck_assert_int_eq(mg_policy_set(p, "pdf_page_bits", "8", &err), 0);
		ck_assert_int_eq(tu_sanitize_policy(p, docs[d]->d, docs[d]->len, "b.pdf", MG_MODE_FLATTEN,
		                                    &r8), MG_OK);
		ck_assert_int_eq(mg_policy_set(p, "pdf_page_bits", "4", &err), 0);
		ck_assert_int_eq(tu_sanitize_policy(p, docs[d]->d, docs[d]->len, "b.pdf", MG_MODE_FLATTEN,
		                                    &r4), MG_OK);
		mg_policy_free(p);
		assert_flattened("4 bits", docs[d]->d, docs[d]->len, &r4);
		ck_assert_msg(tu_contains(r4.out, r4.out_len, "/BitsPerComponent 4 /ColorSpace "),
		              "page %d not at 4 bits", d);
		ck_assert(tu_contains(r4.out, r4.out_len, space[d]));
		ck_assert(!tu_contains(r4.out, r4.out_len, "/DCTDecode"));
		a = render_first(r8.out, r8.out_len);
		b = render_first(r4.out, r4.out_len);
		for (int y = 0; y < cairo_image_surface_get_height(a); y++) {
			const unsigned char *ra = cairo_image_surface_get_data(a) +
			                          (size_t)y * (size_t)cairo_image_surface_get_stride(a);
			const unsigned char *rb = cairo_image_surface_get_data(b) +
			                          (size_t)y * (size_t)cairo_image_surface_get_stride(b);

			for (int x = 0; x < cairo_image_surface_get_width(a) * 4; x++)
				if (x % 4 != 3 && abs(ra[x] - rb[x]) > maxdiff)
					maxdiff = abs(ra[x] - rb[x]);
		}
		ck_assert_msg(maxdiff <= 9, "page %d: a sample %d levels away", d, maxdiff);
		cairo_surface_destroy(a);
		cairo_surface_destroy(b);
		mg_result_free(&r8);
		mg_result_free(&r4);
	}
	free(ramp.d);
	free(text.d);
}
END_TEST

/* The colour of block b (8 pixels wide) of row y of a made page: kind 0
 * greys, 1 five colours and greys, 2 more colours than a palette holds at
 * 4 bits, 3 greys with red one step off (grey only once rounded). */
static uint32_t block_colour(int kind, unsigned b, unsigned y)
{
	static const uint32_t five[5] = { 0xc03020, 0x2050e0, 0x10a040, 0xf0e010, 0x802090 };
	unsigned g = (b * 23 + y * 7) & 255, level = g / 17 * 17;

	switch (kind) {
	case 0:
		return g * 0x010101u;
	case 1:
		return (b + y) % 3 ? five[(b + y) % 5] : g * 0x010101u;
	case 2:
		return (b * 10 & 255) << 16 | (y * 6 & 255) << 8 | ((b * 7 + y * 3) * 5 & 255);
	default:
		return level * 0x010101u + (level < 255 ? 0x010000u : 0) - (level < 255 ? 0 : 0x010000u);
	}
}

/* A page rendering of w x h pixels of one kind of blocks (flat enough not
 * to be taken for a photo). */
static cairo_surface_t *block_page(int kind, int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);

	for (int y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(void *)(cairo_image_surface_get_data(s) +
		                                     (size_t)y * (size_t)cairo_image_surface_get_stride(s));

		for (int x = 0; x < w; x++)
			row[x] = block_colour(kind, (unsigned)x / 8, (unsigned)y);
	}
	cairo_surface_mark_dirty(s);
	return s;
}

/* Every page image, whichever form the encoder picks (grey, palette or
 * RGB, 1 to 8 bits, rows of any length), decodes to each pixel rounded to
 * the nearest of 2^bits levels, and the rendering is left as it was (OCR
 * reads it after the encoder). */
START_TEST(page_image_holds_the_rounded_pixels)
{
	static const char *const bits_of[4] = { "1", "2", "4", "8" };
	static const mg_pdfw_colour at4[4] = { MG_PDFW_GRAY, MG_PDFW_INDEXED, MG_PDFW_RGB,
		                               MG_PDFW_GRAY };

	for (int kind = 0; kind < 4; kind++)
		for (int b = 0; b < 4; b++) {
			int w = 203, h = 41;
			cairo_surface_t *page = block_page(kind, w, h);
			size_t stride = (size_t)cairo_image_surface_get_stride(page);
			unsigned char *before = malloc(stride * (size_t)h);
			unsigned bits = (unsigned)atoi(bits_of[b]);
			mg_policy *p = mg_policy_new();
			mg_ctx ctx = { 0 };
			mg_pdf_image img;
			char *err = NULL;
			const char *why;

			memcpy(before, cairo_image_surface_get_data(page), stride * (size_t)h);
			ck_assert_int_eq(mg_policy_set(p, "pdf_page_bits", bits_of[b], &err), 0);
			ctx.policy = p;
			ctx.deadline = mg_now() + 30;
			ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
			ck_assert_int_eq(mg_pdf_image_encode(&ctx, page, &img), MG_OK);
			ck_assert(!img.img.jpeg);
			ck_assert_msg(memcmp(before, cairo_image_surface_get_data(page), stride * (size_t)h) == 0,
			              "kind %d at %u bits: the rendering was changed", kind, bits);
			if (bits == 4)
				ck_assert_int_eq(img.img.colour, at4[kind]);
			why = pdf_image_invariant(&img.img, before, stride, bits);
			ck_assert_msg(why == NULL, "kind %d at %u bits: %s", kind, bits, why);
			free(before);
			mg_pdf_image_free(&img);
			json_decref(ctx.report);
			mg_policy_free(p);
			cairo_surface_destroy(page);
		}
}
END_TEST

START_TEST(text_mode_extracts_pages)
{
	mg_result res;
	const char *t;

	ck_assert_int_eq(tu_sanitize_corpus("pdf/tracemonkey.pdf", MG_MODE_TEXT, &res), MG_OK);
	ck_assert_str_eq(res.out_type, "text/plain; charset=utf-8");
	ck_assert_str_eq(res.out_ext, "txt");
	t = (const char *)res.out;
	ck_assert(tu_contains(t, res.out_len,
	                      "Trace-based Just-in-Time Type Specialization for Dynamic\nLanguages"));
	ck_assert(tu_contains(t, res.out_len,
	                      "Dynamic languages such as JavaScript are more difficult to com-\n"
	                      "pile than statically typed ones."));
	ck_assert_uint_eq(count_of(res.out, res.out_len, "\f"), 13);
	ck_assert(g_utf8_validate(t, (gssize)res.out_len, NULL));
	ck_assert(!tu_contains(t, res.out_len, "%PDF"));
	ck_assert(tu_report_has(&res, "actions", "extracted the text of 14 pages"));
	mg_result_free(&res);
}
END_TEST

START_TEST(text_mode_reports_active_content)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("pdf/js-authors.pdf", MG_MODE_TEXT, &res), MG_OK);
	ck_assert(tu_report_has(&res, "removed", "PDF JavaScript"));
	ck_assert(!tu_contains(res.out, res.out_len, "app.alert"));
	mg_result_free(&res);
}
END_TEST

START_TEST(over_max_pages_is_blocked)
{
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	mg_result res;

	ck_assert_int_eq(run_policy("max_pages", "13", d, len, MG_MODE_DEFAULT, &res), MG_E_LIMIT_PAGES);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "14 pages"));
	mg_result_free(&res);
	ck_assert_int_eq(run_policy("max_pages", "14", d, len, MG_MODE_TEXT, &res), MG_OK);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(garbage_and_truncated_pdfs_are_malformed)
{
	static const char garbage[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
	                              "endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(garbage, sizeof(garbage) - 1, "g.pdf", MG_MODE_DEFAULT, &res),
	                 MG_E_MALFORMED);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize(d, 3000, "cut.pdf", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "PDF"));
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(password_pdf_is_blocked_as_encrypted)
{
	size_t len;
	unsigned char *d = tu_read(FIXTURE_DIR "/pdf/user-password.pdf", &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(d, len, "locked.pdf", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "password"));
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize(d, len, "locked.pdf", MG_MODE_TEXT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(empty_user_password_is_flattened_and_reported)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("pdf/secHandler.pdf", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(tu_report_has(&res, "findings", "encrypted PDF (opened with the empty user password)"));
	ck_assert(!tu_contains(res.out, res.out_len, "/Encrypt"));
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize_corpus("pdf/tracemonkey.pdf", MG_MODE_TEXT, &res), MG_OK);
	ck_assert(!tu_report_has(&res, "findings", "encrypted"));
	mg_result_free(&res);
}
END_TEST

START_TEST(page_sizes_and_pixels_follow_dpi)
{
	static const double sizes[3][2] = { { 595.28, 841.89 }, { 792, 612 }, { 200, 100 } };
	struct tu_buf m = make_text_pdf(3, sizes);
	mg_result res;
	PopplerDocument *doc;

	ck_assert_int_eq(run_policy("pdf_dpi", "72", m.d, m.len, MG_MODE_DEFAULT, &res), MG_OK);
	assert_flattened("generated", m.d, m.len, &res);
	doc = open_pdf(res.out, res.out_len);
	for (int i = 0; i < 3; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		GList *map = poppler_page_get_image_mapping(page);
		cairo_surface_t *img = poppler_page_get_image(page,
		                                              ((PopplerImageMapping *)map->data)->image_id);

		/* at 72 dpi one pixel per point, rounded up */
		ck_assert_int_eq(cairo_image_surface_get_width(img), (int)ceil(sizes[i][0]));
		ck_assert_int_eq(cairo_image_surface_get_height(img), (int)ceil(sizes[i][1]));
		cairo_surface_destroy(img);
		poppler_page_free_image_mapping(map);
		g_object_unref(page);
	}
	g_object_unref(doc);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(page_over_max_pixels_is_blocked)
{
	static const double a4[1][2] = { { 595.28, 841.89 } };
	struct tu_buf m = make_text_pdf(1, a4);
	mg_result res;

	/* A4 at 150 dpi is 1241 x 1754 = 2.18 M pixels */
	ck_assert_int_eq(run_policy("max_pixels", "2000000", m.d, m.len, MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_PIXELS);
	ck_assert_ptr_nonnull(strstr(res.reason, "page 1"));
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(run_policy("max_pixels", "2200000", m.d, m.len, MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(photo_pages_as_jpeg_text_pages_lossless)
{
	static const double a5[1][2] = { { 420, 595 } };
	struct tu_buf photo = make_photo_pdf(), text = make_text_pdf(1, a5);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(photo.d, photo.len, "p.pdf", MG_MODE_DEFAULT, &res), MG_OK);
	assert_flattened("photo", photo.d, photo.len, &res);
	ck_assert(tu_contains(res.out, res.out_len, "/DCTDecode"));
	ck_assert(tu_report_has(&res, "actions", "1 pages as JPEG"));
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize(text.d, text.len, "t.pdf", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(!tu_contains(res.out, res.out_len, "/DCTDecode"));
	ck_assert(tu_contains(res.out, res.out_len, "/FlateDecode"));
	mg_result_free(&res);
	free(photo.d);
	free(text.d);
}
END_TEST

START_TEST(report_lists_active_content)
{
	static const struct { const char *file, *array, *needle; } cases[] = {
		{ "pdf/attachment.pdf", "removed", "1 embedded file is not carried over" },
		{ "pdf/bug766086.pdf", "removed", "GoToR" },
		{ "pdf/issue17846.pdf", "removed", "Launch" },
		{ "pdf/alphatrans.pdf", "removed", "http://www.tcpdf.org" },
		{ "pdf/multimedia_annotations.pdf", "removed", "screen (multimedia) annotations" },
		{ "pdf/multimedia_annotations.pdf", "removed", "sound annotations" },
		{ "pdf/annotation-button-widget.pdf", "removed", "AcroForm" },
		{ "pdf/text_field_own_canvas_calc.pdf", "removed", "JavaScript action" },
		{ "pdf/issue16067.pdf", "removed", "1 with scripts" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_result res;

		ck_assert_int_eq(tu_sanitize_corpus(cases[i].file, MG_MODE_TEXT, &res), MG_OK);
		ck_assert_msg(tu_report_has(&res, cases[i].array, cases[i].needle), "%s: no '%s' in %s",
		              cases[i].file, cases[i].needle, res.report_json);
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(embedded_file_naming_a_string_is_counted)
{
	struct tu_buf pdf = make_string_attachment_pdf();
	static const mg_mode modes[] = { MG_MODE_DEFAULT, MG_MODE_TEXT };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		mg_result res;

		ck_assert_int_eq(tu_sanitize(pdf.d, pdf.len, "a.pdf", modes[i], &res), MG_OK);
		ck_assert_msg(tu_report_has(&res, "removed", "2 embedded files are not carried over"),
		              "%s", res.report_json);
		assert_no_active_names("output", res.out, res.out_len);
		mg_result_free(&res);
	}
	g_free(pdf.d);
}
END_TEST

START_TEST(output_over_max_output_is_blocked)
{
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	mg_result res;

	ck_assert_int_eq(run_policy("max_output", "64K", d, len, MG_MODE_DEFAULT, &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(run_policy("max_output", "1K", d, len, MG_MODE_TEXT, &res), MG_E_LIMIT_SIZE);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(time_limit_checked_between_pages)
{
	size_t len;
	unsigned char *d = read_corpus("pdf/tracemonkey.pdf", &len);
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	/* 14 pages at 600 dpi take several seconds: the deadline stops it
	 * early (without a budget per page: check_pace covers that one) */
	ck_assert_int_eq(mg_policy_set(p, "pdf_dpi", "600", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "time_limit", "1s", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "page_seconds", "0s", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, d, len, "slow.pdf", MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_TIME);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
	free(d);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("pdf");
	TCase *tc = tcase_create("pdf");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, javascript_pdfs_become_image_only);
	tcase_add_test(tc, every_corpus_pdf_flattened);
	tcase_add_test(tc, tracemonkey_pages_and_size);
	tcase_add_test(tc, tracemonkey_text_layer_is_searchable);
	tcase_add_test(tc, turned_pages_keep_their_words);
	tcase_add_test(tc, japanese_text_layer_in_reading_order);
	tcase_add_test(tc, hebrew_reads_as_the_original);
	tcase_add_test(tc, text_layer_is_invisible_and_can_be_turned_off);
	tcase_add_test(tc, page_bits_follow_policy);
	tcase_add_test(tc, fewer_bits_keep_the_picture);
	tcase_add_test(tc, page_image_holds_the_rounded_pixels);
	tcase_add_test(tc, text_mode_extracts_pages);
	tcase_add_test(tc, text_mode_reports_active_content);
	tcase_add_test(tc, over_max_pages_is_blocked);
	tcase_add_test(tc, garbage_and_truncated_pdfs_are_malformed);
	tcase_add_test(tc, password_pdf_is_blocked_as_encrypted);
	tcase_add_test(tc, empty_user_password_is_flattened_and_reported);
	tcase_add_test(tc, page_sizes_and_pixels_follow_dpi);
	tcase_add_test(tc, page_over_max_pixels_is_blocked);
	tcase_add_test(tc, photo_pages_as_jpeg_text_pages_lossless);
	tcase_add_test(tc, report_lists_active_content);
	tcase_add_test(tc, embedded_file_naming_a_string_is_counted);
	tcase_add_test(tc, output_over_max_output_is_blocked);
	tcase_add_test(tc, time_limit_checked_between_pages);
	suite_add_tcase(s, tc);
	return s;
}

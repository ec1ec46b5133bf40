/* check_pdf_writer.c - the flattened PDF's writer on its own: characters
 * of every plane come back out, hostile numbers cannot break the syntax,
 * misuse and a full buffer fail cleanly. */
#include <check.h>
#include <math.h>
#include <poppler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pdf_writer.h"
#include "testutil.h"

/* One white grey pixel, Flate: enough of an image for a page. */
static mg_pdfw_image white_pixel(mg_buf *z)
{
	static const unsigned char px[1] = { 255 };
	mg_pdfw_image img = { .width = 1, .height = 1, .bits = 8, .colour = MG_PDFW_GRAY };

	mg_buf_init(z, 1024);
	ck_assert_int_eq(mg_pdfw_deflate(px, 1, 6, z), 0);
	img.data = z->data;
	img.len = z->len;
	return img;
}

static void run_of(mg_pdfw *w, const uint32_t *chars, size_t n, double x0, double y0, double x1,
                   double y1, mg_pdfw_dir dir)
{
	mg_pdfw_run r = { chars, n, x0, y0, x1, y1, dir };

	ck_assert_int_eq(mg_pdfw_page_run(w, &r), 0);
}

static PopplerDocument *open_pdf(const mg_buf *b)
{
	GBytes *bytes = g_bytes_new(b->data, b->len);
	GError *err = NULL;
	PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);

	ck_assert_msg(doc != NULL, "output does not open: %s", err ? err->message : "?");
	g_bytes_unref(bytes);
	return doc;
}

static void assert_qpdf_check(const mg_buf *b)
{
	char path[] = "/tmp/mugai-pdfw-XXXXXX", cmd[128];
	int fd = mkstemp(path), rc;

	ck_assert(fd >= 0);
	ck_assert_int_eq(write(fd, b->data, b->len), (ssize_t)b->len);
	close(fd);
	if (system("qpdf --version >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof(cmd), "qpdf --check %s >/dev/null 2>&1", path);
		rc = system(cmd);
		ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "qpdf --check failed (%d)", rc);
	}
	unlink(path);
}

static char *page_text(const mg_buf *b, int index)
{
	PopplerDocument *doc = open_pdf(b);
	PopplerPage *page = poppler_document_get_page(doc, index);
	char *t = poppler_page_get_text(page);

	g_object_unref(page);
	g_object_unref(doc);
	return t;
}

START_TEST(characters_of_every_plane_come_back)
{
	/* Latin, kana and kanji, a half-width katakana, an emoji and a CJK
	 * extension B ideograph (both above the BMP: surrogate pairs) */
	static const uint32_t latin[] = { 'L', 'G', 'W', 'A', 'N' };
	static const uint32_t ja[] = { 0x7121, 0x5bb3, 0x5316, 0x3067, 0x3059, 0xff76 };
	static const uint32_t astral[] = { 0x1f600, 0x20bb7 };
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;
	char *t;

	mg_buf_init(&out, 1 << 20);
	w = mg_pdfw_new(&out);
	ck_assert_int_eq(mg_pdfw_page_begin(w, 595, 842), 0);
	ck_assert_int_eq(mg_pdfw_page_image(w, &img), 0);
	run_of(w, latin, 5, 50, 780, 110, 792, MG_PDFW_EAST);
	run_of(w, ja, 6, 50, 700, 122, 712, MG_PDFW_EAST);
	run_of(w, astral, 2, 50, 600, 74, 612, MG_PDFW_EAST);
	ck_assert_int_eq(mg_pdfw_page_end(w), 0);
	ck_assert_int_eq(mg_pdfw_finish(w), 0);
	ck_assert(!mg_pdfw_failed(w, NULL));
	ck_assert_uint_eq(mg_pdfw_unnamed(w), 0);
	assert_qpdf_check(&out);
	ck_assert(!tu_contains(out.data, out.len, "/FontFile"));
	ck_assert(tu_contains(out.data, out.len, "/Encoding /Identity-H"));
	t = page_text(&out, 0);
	ck_assert_msg(strstr(t, "LGWAN") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "無害化ですｶ") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "\xf0\x9f\x98\x80\xf0\xa0\xae\xb7") != NULL, "%s", t);
	g_free(t);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
}
END_TEST

START_TEST(vertical_run_reads_top_to_bottom)
{
	static const uint32_t col[] = { 0x7e26, 0x66f8, 0x304d };
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;
	char *t;

	mg_buf_init(&out, 1 << 20);
	w = mg_pdfw_new(&out);
	mg_pdfw_page_begin(w, 300, 300);
	mg_pdfw_page_image(w, &img);
	run_of(w, col, 3, 100, 150, 112, 186, MG_PDFW_SOUTH);
	ck_assert_int_eq(mg_pdfw_page_end(w), 0);
	ck_assert_int_eq(mg_pdfw_finish(w), 0);
	t = page_text(&out, 0);
	ck_assert_msg(strstr(t, "縦書き") != NULL, "%s", t);
	g_free(t);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
}
END_TEST

/* NaN, infinities and absurd sizes from a broken layout become plain
 * numbers; control characters, lone surrogates and code points past
 * U+10FFFF are not written at all. */
START_TEST(hostile_runs_cannot_break_the_syntax)
{
	static const uint32_t bad[] = { 0, 7, 0x7f, 0xd800, 0xdfff, 0x110000, 0xffffffff };
	static const uint32_t ok[] = { 'a', ')', '(', '\\', '>' };
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;
	char *t;

	mg_buf_init(&out, 1 << 20);
	w = mg_pdfw_new(&out);
	mg_pdfw_page_begin(w, 612, 792);
	mg_pdfw_page_image(w, &img);
	run_of(w, bad, 7, 0, 0, 10, 10, MG_PDFW_EAST);
	ck_assert(!tu_contains(out.data, out.len, "/Font"));
	run_of(w, ok, 5, NAN, INFINITY, -INFINITY, 1e300, MG_PDFW_EAST);
	run_of(w, ok, 5, -1e308, 5, 5, -1e308, MG_PDFW_SOUTH);
	run_of(w, ok, 5, 10, 10, 10, 10, MG_PDFW_EAST);
	ck_assert_int_eq(mg_pdfw_page_end(w), 0);
	ck_assert_int_eq(mg_pdfw_finish(w), 0);
	ck_assert(!tu_contains(out.data, out.len, "nan"));
	ck_assert(!tu_contains(out.data, out.len, "inf"));
	assert_qpdf_check(&out);
	t = page_text(&out, 0);
	ck_assert_msg(strstr(t, "a)(\\>") != NULL, "%s", t);
	g_free(t);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
}
END_TEST

START_TEST(misuse_fails_and_stays_failed)
{
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;

	mg_buf_init(&out, 1 << 20);
	w = mg_pdfw_new(&out);
	ck_assert_int_eq(mg_pdfw_finish(w), -1); /* no page */
	ck_assert(mg_pdfw_failed(w, NULL));
	ck_assert_int_eq(mg_pdfw_page_begin(w, 10, 10), -1);
	mg_pdfw_free(w);

	mg_buf_reset(&out);
	w = mg_pdfw_new(&out);
	mg_pdfw_page_begin(w, 10, 10);
	ck_assert_int_eq(mg_pdfw_page_end(w), -1); /* no image */
	mg_pdfw_free(w);

	mg_buf_reset(&out);
	w = mg_pdfw_new(&out);
	mg_pdfw_page_begin(w, 10, 10);
	mg_pdfw_page_image(w, &img);
	ck_assert_int_eq(mg_pdfw_page_image(w, &img), -1); /* two images */
	mg_pdfw_free(w);

	mg_buf_reset(&out);
	w = mg_pdfw_new(&out);
	ck_assert_int_eq(mg_pdfw_page_begin(w, NAN, 10), -1);
	mg_pdfw_free(w);

	mg_buf_reset(&out);
	w = mg_pdfw_new(&out);
	img.bits = 3;
	mg_pdfw_page_begin(w, 10, 10);
	ck_assert_int_eq(mg_pdfw_page_image(w, &img), -1);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
}
END_TEST

START_TEST(full_buffer_is_reported_as_full)
{
	static const uint32_t text[] = { 'x', 'y', 'z' };
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;
	bool full = false;
	int i;

	mg_buf_init(&out, 4096);
	w = mg_pdfw_new(&out);
	/* the buffer may fill in any call of a page: none of them is asserted */
	for (i = 0; i < 1000 && !mg_pdfw_failed(w, NULL); i++) {
		mg_pdfw_run r = { text, 3, 1, 1, 20, 10, MG_PDFW_EAST };

		mg_pdfw_page_begin(w, 100, 100);
		mg_pdfw_page_image(w, &img);
		mg_pdfw_page_run(w, &r);
		mg_pdfw_page_end(w);
	}
	ck_assert(mg_pdfw_failed(w, &full));
	ck_assert(full);
	ck_assert_uint_le(out.len, 4096);
	ck_assert_int_eq(mg_pdfw_finish(w), -1);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
}
END_TEST

/* Flate as every reader inflates it (zlib's own inflate here), at every
 * level the writer uses; an output past the buffer's maximum fails. */
START_TEST(deflate_inflates_back_and_respects_the_maximum)
{
	size_t n = 3u << 20;
	unsigned char *plain = malloc(n), *back = malloc(n);
	uLongf back_len = n;
	mg_buf z;

	ck_assert(plain && back);
	for (size_t i = 0; i < n; i++)
		plain[i] = (unsigned char)((i * 2654435761u) >> (i % 7 == 0 ? 24 : 29));
	for (int level = 1; level <= 9; level += 4) {
		mg_buf_init(&z, n * 2);
		ck_assert_int_eq(mg_pdfw_deflate(plain, n, level, &z), 0);
		ck_assert_uint_lt(z.len, n);
		back_len = n;
		ck_assert_int_eq(uncompress(back, &back_len, z.data, z.len), Z_OK);
		ck_assert_uint_eq(back_len, n);
		ck_assert(memcmp(back, plain, n) == 0);
		mg_buf_free(&z);
	}
	mg_buf_init(&z, 100);
	ck_assert_int_eq(mg_pdfw_deflate(plain, n, 6, &z), -1);
	ck_assert_uint_eq(z.len, 0);
	mg_buf_free(&z);
	free(plain);
	free(back);
}
END_TEST

/* More distinct characters than two-byte CIDs can name: the file stays
 * valid, the ones past the limit are laid as .notdef. */
START_TEST(more_characters_than_cids)
{
	enum { N = 70000 };
	uint32_t *chars = malloc(N * sizeof(*chars));
	mg_buf out, z;
	mg_pdfw_image img = white_pixel(&z);
	mg_pdfw *w;

	for (uint32_t i = 0; i < N; i++)
		chars[i] = 0x20000 + i;
	mg_buf_init(&out, 64u << 20);
	w = mg_pdfw_new(&out);
	mg_pdfw_page_begin(w, 612, 792);
	mg_pdfw_page_image(w, &img);
	for (size_t i = 0; i < N; i += 1000)
		run_of(w, chars + i, 1000, 10, 10, 600, 20, MG_PDFW_EAST);
	ck_assert_int_eq(mg_pdfw_page_end(w), 0);
	ck_assert_int_eq(mg_pdfw_finish(w), 0);
	ck_assert_uint_eq(mg_pdfw_unnamed(w), N - 65535);
	assert_qpdf_check(&out);
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
	free(chars);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("pdf_writer");
	TCase *tc = tcase_create("pdf_writer");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, characters_of_every_plane_come_back);
	tcase_add_test(tc, vertical_run_reads_top_to_bottom);
	tcase_add_test(tc, hostile_runs_cannot_break_the_syntax);
	tcase_add_test(tc, misuse_fails_and_stays_failed);
	tcase_add_test(tc, full_buffer_is_reported_as_full);
	tcase_add_test(tc, more_characters_than_cids);
	tcase_add_test(tc, deflate_inflates_back_and_respects_the_maximum);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * bench_pdf.c - flattens one PDF with the core and prints pages per second
 * and the output size, for bench/sections/pdf.sh.  With --generate N OUT it
 * writes an N-page test document instead (text, vector drawing and a
 * photo-like image on every page), so the benchmark does not depend on a
 * large file in the repository.
 *
 *   bench_pdf IN.pdf OUT.pdf [key=value...] -> "pages=14 seconds=0.612 pages_per_s=22.9 bytes=2337152"
 *   bench_pdf --generate 50 OUT.pdf
 *
 * key=value pairs are policy settings (pdf_text_layer=no, pdf_dpi=300).
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fileio.h"

extern const mg_filter mg_filter_pdf;

static void draw_page(cairo_t *cr, int page, double w, double h)
{
	char line[96];

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	for (int y = 0; y < 40; y++) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_set_font_size(cr, 10);
		snprintf(line, sizeof(line), "page %d line %d: the quick brown fox jumps over the lazy dog", page + 1, y + 1);
		cairo_move_to(cr, 50, 60 + y * 12);
		cairo_show_text(cr, line);
	}
	cairo_set_line_width(cr, 1);
	for (int i = 0; i < 20; i++) {
		cairo_move_to(cr, 50 + i * 20, h - 250);
		cairo_line_to(cr, 50 + (i % 7) * 60, h - 60);
	}
	cairo_stroke(cr);
	if (page % 2 == 0) {
		cairo_pattern_t *g = cairo_pattern_create_linear(w - 250, h - 250, w - 50, h - 50);

		cairo_pattern_add_color_stop_rgb(g, 0, 0.9, 0.2, 0.1);
		cairo_pattern_add_color_stop_rgb(g, 1, 0.1, 0.3, 0.9);
		cairo_rectangle(cr, w - 250, h - 250, 200, 200);
		cairo_set_source(cr, g);
		cairo_fill(cr);
		cairo_pattern_destroy(g);
	}
}

static int generate(int pages, const char *out)
{
	cairo_surface_t *s = cairo_pdf_surface_create(out, 595.28, 841.89);
	cairo_t *cr = cairo_create(s);

	for (int i = 0; i < pages; i++) {
		draw_page(cr, i, 595.28, 841.89);
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "bench_pdf: cannot write %s\n", out);
		return 1;
	}
	cairo_surface_destroy(s);
	return 0;
}

static int count_pages(const char *json)
{
	const char *p = strstr(json, "rendered ");

	return p ? atoi(p + 9) : 0;
}

int main(int argc, char **argv)
{
	mg_policy *policy;
	mg_core *core;
	mg_result res;
	char *err = NULL;
	unsigned char *data;
	size_t len;
	double t0, t1;
	int rc = 1;

	if (argc == 4 && strcmp(argv[1], "--generate") == 0)
		return generate(atoi(argv[2]), argv[3]);
	if (argc < 3 || !mg_filter_pdf.run) {
		fprintf(stderr, "usage: bench_pdf IN.pdf OUT.pdf [key=value...] | "
		        "bench_pdf --generate N OUT.pdf\n");
		return 1;
	}
	data = mg_read_file(argv[1], 1u << 30, &len);
	if (!data) {
		perror(argv[1]);
		return 1;
	}
	policy = mg_policy_new();
	for (int i = 3; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq)
			*eq = 0;
		if (!eq || mg_policy_set(policy, argv[i], eq + 1, &err) < 0) {
			fprintf(stderr, "bench_pdf: %s\n", err ? err : "key=value expected");
			free(err);
			mg_policy_free(policy);
			free(data);
			return 1;
		}
	}
	core = mg_core_new(policy, &err);
	if (core) {
		mg_input in = { data, len, argv[1], NULL, NULL, 0 };

		t0 = mg_now();
		mg_sanitize(core, &in, MG_MODE_FLATTEN, &res);
		t1 = mg_now();
		if (res.verdict == MG_VERDICT_SANITISED && mg_write_file_atomic(argv[2], res.out, res.out_len) == 0) {
			int pages = count_pages(res.report_json);

			printf("pages=%d seconds=%.3f pages_per_s=%.1f bytes=%zu\n", pages, t1 - t0,
			       pages / (t1 - t0), res.out_len);
			rc = 0;
		} else {
			fprintf(stderr, "bench_pdf: %s: %s\n", argv[1], res.reason ? res.reason : "cannot write");
		}
		mg_result_free(&res);
		mg_core_free(core);
	} else {
		fprintf(stderr, "bench_pdf: %s\n", err ? err : "core");
	}
	mg_policy_free(policy);
	free(data);
	return rc;
}

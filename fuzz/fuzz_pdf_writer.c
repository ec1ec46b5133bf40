/*
 * fuzz_pdf_writer.c - the flattened PDF's writer driven by arbitrary page
 * sizes, boxes (raw doubles: NaN, infinities, denormals) and code points,
 * in any order of calls.  Whatever the calls, a writer that did not fail
 * must have made a file whose cross-reference table points at every
 * object, that poppler opens with the pages written, and that holds no
 * font program; a writer that failed must say so and stay failed.
 */
#include <poppler.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

struct input {
	const uint8_t *d;
	size_t n;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->d : 0);
		if (in->n) {
			in->d++;
			in->n--;
		}
	}
	return v;
}

static double take_double(struct input *in)
{
	uint64_t bits = (uint64_t)take(in, 4) << 32 | take(in, 4);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

static void fuzz_run(struct input *in, mg_pdfw *w, bool raw)
{
	uint32_t chars[64];
	mg_pdfw_run r = { .chars = chars };

	r.n = take(in, 1) % 65;
	r.dir = (mg_pdfw_dir)(take(in, 1) & 3);
	if (raw) {
		r.x0 = take_double(in);
		r.y0 = take_double(in);
		r.x1 = take_double(in);
		r.y1 = take_double(in);
	} else {
		r.x0 = (int16_t)take(in, 2) / 8.0;
		r.y0 = (int16_t)take(in, 2) / 8.0;
		r.x1 = (int16_t)take(in, 2) / 8.0;
		r.y1 = (int16_t)take(in, 2) / 8.0;
	}
	for (size_t i = 0; i < r.n; i++)
		chars[i] = take(in, 3) ^ (take(in, 1) == 0xff ? 0xff000000u : 0);
	mg_pdfw_page_run(w, &r);
}

/* Every xref entry points at its object; startxref points at the table. */
static void check_xref(const mg_buf *b)
{
	const char *s = (const char *)b->data, *sx = NULL;
	unsigned long xref, count;
	const char *t;

	/* the file is binary up to the table: search the tail only */
	for (size_t at = b->len > 64 ? b->len - 64 : 0; at + 10 <= b->len && !sx; at++)
		if (memcmp(s + at, "startxref\n", 10) == 0)
			sx = s + at;
	if (!sx || memcmp(s, "%PDF-1.7\n", 9) || b->len < 6 || memcmp(s + b->len - 6, "%%EOF\n", 6))
		abort();
	xref = strtoul(sx + 10, NULL, 10);
	if (xref >= b->len || memcmp(s + xref, "xref\n0 ", 7))
		abort();
	count = strtoul(s + xref + 7, NULL, 10);
	t = strchr(s + xref + 7, '\n') + 1 + 20; /* past object 0 */
	for (unsigned long i = 1; i < count; i++, t += 20) {
		unsigned long off = strtoul(t, NULL, 10);
		char head[32];
		int n = snprintf(head, sizeof(head), "%lu 0 obj\n", i);

		if (off >= b->len || memcmp(s + off, head, (size_t)n))
			abort();
	}
}

static void check_output(const mg_buf *b, int pages)
{
	GBytes *bytes;
	PopplerDocument *doc;

	check_xref(b);
	if (memmem(b->data, b->len, "/FontFile", 9))
		abort();
	bytes = g_bytes_new_static(b->data, b->len);
	doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
	if (!doc || poppler_document_get_n_pages(doc) != pages)
		abort();
	g_object_unref(doc);
	g_bytes_unref(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char px[4] = { 0, 85, 170, 255 };
	struct input in = { data, size };
	mg_buf out, z;
	mg_pdfw_image img = { .width = 2, .height = 2, .bits = 8, .colour = MG_PDFW_GRAY };
	mg_pdfw *w;
	int pages = 0, steps = 0;
	bool open = false;

	mg_buf_init(&out, 1u << 20);
	mg_buf_init(&z, 1024);
	mg_pdfw_deflate(px, sizeof(px), 6, &z);
	img.data = z.data;
	img.len = z.len;
	w = mg_pdfw_new(&out);
	while (in.n && steps++ < 4000) {
		switch (take(&in, 1) % 5) {
		case 0: /* a page, ending the open one */
			if (open && mg_pdfw_page_end(w) == 0)
				pages++;
			open = mg_pdfw_page_begin(w, (take(&in, 2) + 1) / 16.0,
			                          (take(&in, 2) + 1) / 16.0) == 0 &&
			       mg_pdfw_page_image(w, &img) == 0;
			break;
		case 1:
			if (open)
				fuzz_run(&in, w, false);
			break;
		case 2:
			if (open)
				fuzz_run(&in, w, true);
			break;
		default:
			if (open && mg_pdfw_page_end(w) == 0)
				pages++;
			open = false;
			break;
		}
	}
	if (open && mg_pdfw_page_end(w) == 0)
		pages++;
	if (mg_pdfw_finish(w) == 0) {
		if (mg_pdfw_failed(w, NULL))
			abort();
		check_output(&out, pages);
	} else if (!mg_pdfw_failed(w, NULL)) {
		abort();
	}
	mg_pdfw_free(w);
	mg_buf_free(&out);
	mg_buf_free(&z);
	return 0;
}

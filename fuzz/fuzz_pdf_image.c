/*
 * fuzz_pdf_image.c - the page image encoder of flattened PDFs
 * (pdf_image.c) on arbitrary renderings: any size up to 97 x 41 pixels,
 * any colours in runs of any length (rendered pages repeat their left
 * neighbour), pdf_page_bits 1, 2, 4 or 8.  Whatever the pixels, the
 * encoder must leave them as they were (OCR reads them after it), and a
 * lossless image must hold pdf_image_invariant.h.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_image_invariant.h"
#include "pdf_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *d;
	size_t n;
};

static unsigned take(struct input *in)
{
	unsigned v = in->n ? *in->d : 0;

	if (in->n) {
		in->d++;
		in->n--;
	}
	return v;
}

/* Pixels in runs: a length byte, then a colour's three bytes. */
static cairo_surface_t *rendering(struct input *in, int w, int h)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	size_t stride = (size_t)cairo_image_surface_get_stride(s);
	uint32_t colour = 0xffffff;
	unsigned left = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint32_t *px = (uint32_t *)(void *)(cairo_image_surface_get_data(s) + (size_t)y * stride);

			if (left == 0 && in->n) {
				left = take(in) % 64 + 1;
				colour = take(in) << 16 | take(in) << 8 | take(in);
			}
			left -= left > 0;
			/* the unused byte of RGB24 is anything: the encoder must ignore it */
			px[x] = colour | (uint32_t)(x * 37 + y) << 24;
		}
	cairo_surface_mark_dirty(s);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bits_of[4] = { "1", "2", "4", "8" };
	struct input in = { data, size };
	int w = (int)(take(&in) % 97) + 1, h = (int)(take(&in) % 41) + 1;
	unsigned pick = take(&in) & 3;
	cairo_surface_t *s = rendering(&in, w, h);
	size_t stride = (size_t)cairo_image_surface_get_stride(s), len = stride * (size_t)h;
	unsigned char *before = malloc(len);
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	mg_pdf_image img;
	char *err = NULL;

	if (!before || !p || mg_policy_set(p, "pdf_page_bits", bits_of[pick], &err) != 0)
		abort();
	memcpy(before, cairo_image_surface_get_data(s), len);
	ctx.policy = p;
	ctx.deadline = mg_now() + 60;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	if (mg_pdf_image_encode(&ctx, s, &img) != MG_OK || img.img.len == 0)
		abort();
	if (memcmp(before, cairo_image_surface_get_data(s), len) != 0)
		abort(); /* the rendering was changed */
	if (!img.img.jpeg && pdf_image_invariant(&img.img, before, stride, 1u << pick))
		abort();
	mg_pdf_image_free(&img);
	json_decref(ctx.report);
	mg_policy_free(p);
	free(before);
	cairo_surface_destroy(s);
	return 0;
}

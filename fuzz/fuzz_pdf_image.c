/*
 * fuzz_pdf_image.c - the page image encoder of flattened PDFs
 * (pdf_image.c) on arbitrary renderings: any size up to 97 x 41 pixels,
 * any colours in runs of any length (rendered pages repeat their left
 * neighbour), pdf_page_bits 1, 2, 4 or 8.  Whatever the pixels, the
 * encoder must leave them as they were (OCR reads them after it), and a
 * lossless image, grey, palette or RGB, must decode to each pixel rounded
 * to the nearest of its levels.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

static unsigned packed(const unsigned char *d, size_t row, unsigned bits, int y, size_t i)
{
	size_t bit = i * bits;

	return (unsigned)(d[(size_t)y * row + bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
}

/* Each pixel of the lossless image against the rendering, rounded to
 * 2^bits levels: a grey sample, an RGB sample or a palette entry (which
 * holds the 8-bit sample its level stands for). */
static void check_lossless(const mg_pdfw_image *img, const unsigned char *px, size_t stride,
                           unsigned bits)
{
	bool indexed = img->colour == MG_PDFW_INDEXED;
	unsigned channels = img->colour == MG_PDFW_RGB ? 3 : 1, top = (1u << bits) - 1;
	size_t row = ((size_t)img->width * channels * img->bits + 7) / 8;
	uLongf n = (uLongf)(row * img->height);
	unsigned char *raw = malloc(n ? n : 1);

	if (!raw || uncompress(raw, &n, img->data, (uLong)img->len) != Z_OK || n != row * img->height)
		abort();
	for (int y = 0; y < (int)img->height; y++)
		for (int x = 0; x < (int)img->width; x++) {
			uint32_t p = ((const uint32_t *)(const void *)(px + (size_t)y * stride))[x];

			for (unsigned c = 0; c < 3; c++) {
				unsigned level = (((p >> (16 - 8 * c)) & 255) * top + 127) / 255, got;

				if (indexed)
					got = img->palette[packed(raw, row, 8, y, (size_t)x) * 3 + c] / (255 / top);
				else if (img->colour == MG_PDFW_GRAY)
					got = packed(raw, row, bits, y, (size_t)x);
				else
					got = packed(raw, row, bits, y, (size_t)x * 3 + c);
				if (got != level)
					abort();
			}
		}
	free(raw);
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
	if (!img.img.jpeg)
		check_lossless(&img.img, before, stride, 1u << pick);
	mg_pdf_image_free(&img);
	json_decref(ctx.report);
	mg_policy_free(p);
	free(before);
	cairo_surface_destroy(s);
	return 0;
}

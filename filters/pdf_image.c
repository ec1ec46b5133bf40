/*
 * pdf_image.c - a rendered page as the image of a flattened PDF page.
 *
 * A page whose pixels mostly repeat their left neighbour is text or
 * drawing: it is kept sharp, never JPEG.  Its samples keep pdf_page_bits
 * each (4 by default: 16 levels per colour, which the anti-aliased edges
 * of text need no more than; the page is a fifth to a third smaller than
 * at 8, which is lossless), then it is Flate-compressed in the smallest
 * form that holds it: grey when every pixel is grey, palette indices when
 * it has at most 256 colours, RGB otherwise.  PNG row filters were tried
 * and dropped: on anti-aliased text they make zlib's output larger.  Below that share the page is a photo or scan
 * and goes in as JPEG at the quality photos get (image_jpeg_quality).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "image_codec.h"
#include "pdf_priv.h"

#define FLAT_SHARE 0.70
/* filtered rows compress well at zlib's default level; higher levels cost
 * much time for a few per cent */
#define IMAGE_LEVEL 6
/* open-addressing table for counting colours: twice the 256 allowed */
#define PALETTE_SLOTS 512

/* Row y of the rendering as RGB24 words (the top byte unused). */
static inline const uint32_t *row_at(const unsigned char *data, size_t stride, int y)
{
	return (const uint32_t *)(const void *)(data + (size_t)y * stride);
}

static inline uint32_t px_at(const unsigned char *data, size_t stride, int x, int y)
{
	return row_at(data, stride, y)[x] & 0xffffff;
}

/* Zero when a pixel is grey as rendered (red = green = blue): the xor of
 * each sample with its neighbour up. */
static inline uint32_t grey_diff(uint32_t p)
{
	return (p ^ p >> 8) & 0xffff;
}

/* One pass over the page: the share of pixels equal to their left
 * neighbour (high for text and drawings, low for photos and scans), and
 * whether every pixel is grey as rendered (red = green = blue), which most
 * text pages are.  Branch-free: each row is one run of loads. */
static double flat_share(const unsigned char *data, int w, int h, size_t stride, bool *grey)
{
	size_t same = 0;
	uint32_t colour = 0; /* any bit: some pixel is not grey */

	for (int y = 0; y < h; y++) {
		const uint32_t *row = row_at(data, stride, y);

		colour |= grey_diff(row[0]);
		for (int x = 1; x < w; x++) {
			same += ((row[x] ^ row[x - 1]) & 0xffffff) == 0;
			colour |= grey_diff(row[x]);
		}
	}
	*grey = colour == 0;
	return w > 1 ? (double)same / ((double)(w - 1) * h) : 1.0;
}

/* Each colour sample rounded to the nearest of 2^bits levels: its level
 * (0 .. 2^bits - 1) and the 8-bit sample that level stands for.  The
 * rendering itself is left as it is: OCR may still read it. */
struct levels {
	unsigned char level[256];
	unsigned char sample[256];
};

static void levels_init(struct levels *lv, unsigned bits)
{
	unsigned top = (1u << bits) - 1;

	for (unsigned v = 0; v < 256; v++) {
		lv->level[v] = (unsigned char)((v * top + 127) / 255);
		lv->sample[v] = (unsigned char)(lv->level[v] * (255 / top));
	}
}

static bool all_grey(const unsigned char *data, int w, int h, size_t stride,
                     const struct levels *lv)
{
	for (int y = 0; y < h; y++) {
		const uint32_t *row = row_at(data, stride, y);

		for (int x = 0; x < w; x++) {
			uint32_t p = row[x];
			unsigned b = p & 255;

			if (grey_diff(p) == 0)
				continue;
			if (lv->level[(p >> 16) & 255] != lv->level[b] ||
			    lv->level[(p >> 8) & 255] != lv->level[b])
				return false;
		}
	}
	return true;
}

/* The page's colours into a palette when there are at most 256; the
 * table maps a colour to its index. */
struct palette {
	uint32_t key[PALETTE_SLOTS];
	unsigned char index[PALETTE_SLOTS];
	bool used[PALETTE_SLOTS];
	unsigned n;
};

static int palette_index(struct palette *pal, unsigned char *rgb, uint32_t c)
{
	unsigned slot = (c * 2654435761u) >> 23; /* 9 bits */

	while (pal->used[slot]) {
		if (pal->key[slot] == c)
			return pal->index[slot];
		slot = (slot + 1) & (PALETTE_SLOTS - 1);
	}
	if (pal->n == 256)
		return -1;
	pal->used[slot] = true;
	pal->key[slot] = c;
	pal->index[slot] = (unsigned char)pal->n;
	rgb[pal->n * 3] = (unsigned char)(c >> 16);
	rgb[pal->n * 3 + 1] = (unsigned char)(c >> 8);
	rgb[pal->n * 3 + 2] = (unsigned char)c;
	return (int)pal->n++;
}

/* One row of grey (the blue sample) or RGB as levels of bits each, packed
 * from the high bit down, the last byte padded.  bits divides 8, so a
 * byte fills exactly.  Inlined once per channel count, so the grey row
 * has no loop over channels. */
static inline __attribute__((always_inline)) void
pack_row(const uint32_t *px, int w, unsigned channels, unsigned bits, const unsigned char *level,
         unsigned char *o)
{
	unsigned acc = 0, held = 0; /* bits held in acc */

	for (int x = 0; x < w; x++)
		for (unsigned c = channels; c-- > 0;) {
			acc = acc << bits | level[(px[x] >> (8 * c)) & 255];
			if ((held += bits) == 8) {
				*o++ = (unsigned char)acc;
				acc = held = 0;
			}
		}
	if (held)
		*o = (unsigned char)(acc << (8 - held));
}

static unsigned char *pack_samples(const unsigned char *data, int w, int h, size_t stride,
                                   unsigned channels, unsigned bits, const struct levels *lv,
                                   size_t *len)
{
	size_t row = ((size_t)w * channels * bits + 7) / 8;
	unsigned char *s = malloc(row * (size_t)h);

	if (!s)
		return NULL;
	for (int y = 0; y < h; y++) {
		const uint32_t *px = row_at(data, stride, y);

		if (channels == 1)
			pack_row(px, w, 1, bits, lv->level, s + (size_t)y * row);
		else
			pack_row(px, w, 3, bits, lv->level, s + (size_t)y * row);
	}
	*len = row * (size_t)h;
	return s;
}

/* Palette indices when the page has at most 256 colours, NULL otherwise.
 * A pixel like its left neighbour (most of a sharp page) reuses its index. */
static unsigned char *index_samples(const unsigned char *data, int w, int h, size_t stride,
                                    const struct levels *lv, mg_pdf_image *out, size_t *len,
                                    bool *oom)
{
	struct palette *pal = calloc(1, sizeof(*pal));
	unsigned char *s = malloc((size_t)w * (size_t)h);

	*oom = !pal || !s;
	for (int y = 0; y < h && !*oom && s; y++) {
		unsigned char *o = s + (size_t)y * (size_t)w;
		uint32_t last = UINT32_MAX; /* no pixel: each is masked to 24 bits */
		int i = 0;

		for (int x = 0; x < w; x++) {
			uint32_t p = px_at(data, stride, x, y);

			if (p != last) {
				i = palette_index(pal, out->palette,
				                  (uint32_t)lv->sample[p >> 16] << 16 |
				                          (uint32_t)lv->sample[(p >> 8) & 255] << 8 |
				                          lv->sample[p & 255]);
				if (i < 0) {
					free(s);
					s = NULL;
					break;
				}
				last = p;
			}
			o[x] = (unsigned char)i;
		}
	}
	if (s && !*oom) {
		out->img.colour = MG_PDFW_INDEXED;
		out->img.colours = pal->n;
		out->img.palette = out->palette;
		*len = (size_t)w * (size_t)h;
	}
	free(pal);
	return *oom ? (free(s), NULL) : s;
}

/* grey: every pixel is grey as rendered, so also once rounded. */
static mg_status encode_sharp(mg_ctx *ctx, const unsigned char *data, int w, int h,
                              size_t stride, bool grey, mg_pdf_image *out)
{
	unsigned want = ctx->policy->pdf_page_bits;
	unsigned bits = want <= 1 ? 1 : want <= 2 ? 2 : want <= 4 ? 4 : 8;
	unsigned char *s = NULL;
	size_t len = 0;
	bool oom = false;
	mg_status st = MG_OK;
	struct levels lv;

	levels_init(&lv, bits);
	out->img.bits = bits;
	if (grey || all_grey(data, w, h, stride, &lv)) {
		out->img.colour = MG_PDFW_GRAY;
		s = pack_samples(data, w, h, stride, 1, bits, &lv, &len);
	} else if (!(s = index_samples(data, w, h, stride, &lv, out, &len, &oom)) && !oom) {
		out->img.colour = MG_PDFW_RGB;
		s = pack_samples(data, w, h, stride, 3, bits, &lv, &len);
	} else if (s) {
		out->img.bits = 8; /* palette indices */
	}
	if (!s)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	if (mg_pdfw_deflate(s, len, IMAGE_LEVEL, &out->data) < 0)
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "flattened PDF larger than max_output");
	free(s);
	return st;
}

mg_status mg_pdf_image_encode(mg_ctx *ctx, cairo_surface_t *surface, mg_pdf_image *out)
{
	const unsigned char *data = cairo_image_surface_get_data(surface);
	int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
	size_t stride = (size_t)cairo_image_surface_get_stride(surface);
	mg_status st;
	bool grey;

	memset(&out->img, 0, sizeof(out->img));
	mg_buf_init(&out->data, ctx->policy->max_output);
	out->img.width = (unsigned)w;
	out->img.height = (unsigned)h;
	if (flat_share(data, w, h, stride, &grey) < FLAT_SHARE) {
		out->img.colour = MG_PDFW_RGB;
		out->img.bits = 8;
		out->img.jpeg = true;
		st = mg_jpeg_encode_rows(ctx, data, (unsigned)w, (unsigned)h, stride, MG_PIX_XRGB32,
		                         ctx->policy->image_jpeg_quality, &out->data);
	} else {
		st = encode_sharp(ctx, data, w, h, stride, grey, out);
	}
	out->img.data = out->data.data;
	out->img.len = out->data.len;
	return st;
}

void mg_pdf_image_free(mg_pdf_image *out)
{
	mg_buf_free(&out->data);
}

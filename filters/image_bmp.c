/*
 * image_bmp.c - Windows and OS/2 bitmaps.
 *
 * None of the linked image libraries reads BMP, and the format is a fixed
 * header in front of uncompressed rows, so it is read here: every field
 * through mg_view, the size checked against the policy before allocation,
 * the whole pixel array proven present before a row is read.  Only the
 * uncompressed layouts are accepted (1, 4, 8 bits with a palette; 16, 24
 * and 32 bits, with or without bit-field masks); RLE and embedded
 * JPEG/PNG bitmaps are refused as unsupported.
 */
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"

enum { BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6 };

struct bmp_field {
	uint32_t mask, max;    /* max: the mask's value range, for scaling to 8 bits */
	unsigned shift;
};

struct bmp {
	int64_t width, height; /* height < 0: rows stored top down */
	unsigned bpp, compression;
	uint32_t pixel_off, header_size;
	const unsigned char *palette;
	unsigned palette_n, palette_entry;
	struct bmp_field f[4]; /* R, G, B, A */
	bool alpha;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* A mask must be one run of set bits; 0 means the channel is absent. */
static bool bmp_field_init(struct bmp_field *f, uint32_t mask)
{
	f->mask = mask;
	f->shift = 0;
	f->max = 0;
	if (!mask)
		return true;
	while (!(mask & 1)) {
		mask >>= 1;
		f->shift++;
	}
	if (mask & (mask + 1)) /* not of the form 0..01..1 */
		return false;
	f->max = mask;
	return true;
}

static unsigned char bmp_field_get(const struct bmp_field *f, uint32_t v)
{
	if (!f->max)
		return 0;
	return (unsigned char)((((uint64_t)(v & f->mask) >> f->shift) * 255u + f->max / 2) / f->max);
}

static mg_status bmp_masks(mg_ctx *ctx, const unsigned char *d, size_t len, struct bmp *b)
{
	uint32_t m[4] = { 0, 0, 0, 0 };
	const unsigned char *p;

	if (b->compression == BI_RGB) {
		if (b->bpp == 16) {
			m[0] = 0x7c00; m[1] = 0x03e0; m[2] = 0x001f;
		} else {
			m[0] = 0xff0000; m[1] = 0xff00; m[2] = 0xff;
		}
	} else {
		/* masks sit in the header (V2 and later) or right after a 40-byte one */
		unsigned n = b->compression == BI_ALPHABITFIELDS || b->header_size >= 56 ? 4 : 3;

		if (!(p = mg_view(d, len, 14 + 40, 4 * n)))
			return mg_fail(ctx, MG_E_MALFORMED, "BMP: bit-field masks missing");
		for (unsigned i = 0; i < n; i++)
			m[i] = le32(p + 4 * i);
	}
	for (int i = 0; i < 4; i++)
		if (!bmp_field_init(&b->f[i], m[i]))
			return mg_fail(ctx, MG_E_MALFORMED, "BMP: bit-field mask is not contiguous");
	b->alpha = m[3] != 0;
	return MG_OK;
}

static mg_status bmp_header(mg_ctx *ctx, const unsigned char *d, size_t len, struct bmp *b)
{
	const unsigned char *fh = mg_view(d, len, 0, 18), *ih;

	if (!fh)
		return mg_fail(ctx, MG_E_MALFORMED, "BMP: truncated header");
	b->pixel_off = le32(fh + 10);
	b->header_size = le32(fh + 14);
	if (b->header_size == 12) {
		if (!(ih = mg_view(d, len, 14, 12)))
			return mg_fail(ctx, MG_E_MALFORMED, "BMP: truncated header");
		b->width = le16(ih + 4);
		b->height = le16(ih + 6);
		b->bpp = le16(ih + 10);
		b->compression = BI_RGB;
		b->palette_entry = 3;
		return MG_OK;
	}
	if (b->header_size < 40 || b->header_size > 1024 || !(ih = mg_view(d, len, 14, 40)))
		return mg_fail(ctx, MG_E_MALFORMED, "BMP: unknown header of %u bytes", b->header_size);
	b->width = (int32_t)le32(ih + 4);
	b->height = (int32_t)le32(ih + 8);
	b->bpp = le16(ih + 14);
	b->compression = le32(ih + 16);
	b->palette_n = le32(ih + 32);
	b->palette_entry = 4;
	return MG_OK;
}

static mg_status bmp_palette(mg_ctx *ctx, const unsigned char *d, size_t len, struct bmp *b)
{
	unsigned max = 1u << b->bpp;
	size_t off = 14 + (size_t)b->header_size;

	if (b->compression == BI_BITFIELDS && b->header_size == 40)
		off += 12;
	if (b->palette_n == 0 || b->palette_n > max)
		b->palette_n = max;
	/* a palette cut short by the pixel data keeps the entries that fit */
	while (b->palette_n > 0 && !mg_view(d, len, off, (size_t)b->palette_n * b->palette_entry))
		b->palette_n--;
	if (b->palette_n == 0)
		return mg_fail(ctx, MG_E_MALFORMED, "BMP: palette missing");
	b->palette = d + off;
	return MG_OK;
}

static mg_status bmp_check(mg_ctx *ctx, const unsigned char *d, size_t len, struct bmp *b)
{
	if (b->compression != BI_RGB && b->compression != BI_BITFIELDS &&
	    b->compression != BI_ALPHABITFIELDS)
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "BMP compression %u (RLE, JPEG or PNG) is not supported",
		               b->compression);
	if (b->width <= 0 || b->height == 0 || b->height == INT32_MIN)
		return mg_fail(ctx, MG_E_MALFORMED, "BMP of %lldx%lld pixels", (long long)b->width,
		               (long long)b->height);
	switch (b->bpp) {
	case 1: case 4: case 8:
		if (b->compression != BI_RGB)
			return mg_fail(ctx, MG_E_MALFORMED, "BMP: bit fields on a palette image");
		return bmp_palette(ctx, d, len, b);
	case 16: case 32:
		return bmp_masks(ctx, d, len, b);
	case 24:
		if (b->compression != BI_RGB)
			return mg_fail(ctx, MG_E_MALFORMED, "BMP: bit fields on a 24-bit image");
		return MG_OK;
	default:
		return mg_fail(ctx, MG_E_MALFORMED, "BMP: %u bits per pixel", b->bpp);
	}
}

static void bmp_row(const struct bmp *b, const unsigned char *src, unsigned char *dst, size_t w)
{
	unsigned ch = b->alpha ? 4 : 3;

	for (size_t x = 0; x < w; x++, dst += ch) {
		uint32_t v;

		switch (b->bpp) {
		case 1: case 4: case 8: {
			size_t bit = x * b->bpp;
			unsigned idx = (src[bit / 8] >> (8 - b->bpp - bit % 8)) & ((1u << b->bpp) - 1);
			const unsigned char *c = b->palette + (size_t)idx * b->palette_entry;

			if (idx >= b->palette_n)
				c = (const unsigned char *)"\0\0\0"; /* past the palette: black */
			dst[0] = c[2]; dst[1] = c[1]; dst[2] = c[0];
			continue;
		}
		case 24:
			dst[0] = src[x * 3 + 2]; dst[1] = src[x * 3 + 1]; dst[2] = src[x * 3];
			continue;
		case 16:
			v = le16(src + x * 2);
			break;
		default:
			v = le32(src + x * 4);
			break;
		}
		for (unsigned c = 0; c < ch; c++)
			dst[c] = bmp_field_get(&b->f[c], v);
	}
}

mg_status mg_bmp_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	struct bmp b = { 0 };
	uint64_t rows, stride, end;
	const unsigned char *px;
	mg_status st;

	if ((st = bmp_header(ctx, data, len, &b)) != MG_OK || (st = bmp_check(ctx, data, len, &b)) != MG_OK)
		return st;
	rows = (uint64_t)(b.height < 0 ? -b.height : b.height);
	if ((st = mg_image_check_size(ctx, (uint64_t)b.width, rows)) != MG_OK)
		return st;
	stride = ((uint64_t)b.width * b.bpp + 31) / 32 * 4;
	px = stride * rows <= len ? mg_view(data, len, b.pixel_off, (size_t)(stride * rows)) : NULL;
	if (!px)
		return mg_fail(ctx, MG_E_MALFORMED, "BMP: pixel data truncated");
	if ((st = mg_image_alloc(ctx, img, (uint64_t)b.width, rows, b.alpha ? 4 : 3)) != MG_OK)
		return st;
	for (uint64_t y = 0; y < rows; y++) {
		uint64_t src_row = b.height < 0 ? y : rows - 1 - y;

		bmp_row(&b, px + src_row * stride, img->pixels + y * img->width * img->channels,
		        img->width);
	}
	end = (uint64_t)b.pixel_off + stride * rows;
	if (b.header_size < 108)
		mg_image_report_trailing(ctx, "BMP", len - (size_t)end);
	return MG_OK;
}

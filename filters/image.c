/*
 * image.c - the image family: decode to pixels, encode again.
 *
 * Nothing of the input survives but its pixels: metadata (EXIF, XMP, IPTC,
 * comments, colour profiles, text chunks), extra frames and any bytes after
 * the image are gone because the encoder writes a new file from the pixel
 * buffer alone.  Photos (JPEG input) stay JPEG at the policy's quality; every
 * other format becomes PNG, which is lossless.  An SVG is to become pixels
 * like any other format, through the decoder in image_svg.c, which refuses
 * every SVG until a rasteriser is there.  The format is taken from the
 * signature bytes (for SVG, the root element); each decoder checks the
 * declared size against the policy before it allocates anything, and
 * treats damaged data as an error: a truncated image is blocked, never
 * passed half-decoded.
 */
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"

typedef mg_status (*decode_fn)(mg_ctx *, const unsigned char *, size_t, mg_image *);
typedef bool (*match_fn)(const unsigned char *, size_t);

static const struct codec {
	const char *name;
	const char *magic;
	size_t magic_len;
	size_t magic_off;
	match_fn match;        /* instead of magic bytes, for a markup format */
	decode_fn decode;
	bool photo;            /* lossy input: re-encode as JPEG */
} codecs[] = {
	{ "PNG", "\x89PNG\r\n\x1a\n", 8, 0, NULL, mg_png_decode, false },
	{ "JPEG", "\xff\xd8\xff", 3, 0, NULL, mg_jpeg_decode, true },
	{ "GIF", "GIF87a", 6, 0, NULL, mg_gif_decode, false },
	{ "GIF", "GIF89a", 6, 0, NULL, mg_gif_decode, false },
	{ "BMP", "BM", 2, 0, NULL, mg_bmp_decode, false },
	{ "TIFF", "II*\0", 4, 0, NULL, mg_tiff_decode, false },
	{ "TIFF", "MM\0*", 4, 0, NULL, mg_tiff_decode, false },
	{ "TIFF", "II+\0", 4, 0, NULL, mg_tiff_decode, false },   /* BigTIFF */
	{ "TIFF", "MM\0+", 4, 0, NULL, mg_tiff_decode, false },
	{ "WebP", "WEBP", 4, 8, NULL, mg_webp_decode, false },    /* after "RIFF" and a size */
	{ "SVG", NULL, 0, 0, mg_svg_sniff, mg_svg_decode, false }, /* image_svg.c */
};

static const struct codec *sniff(const unsigned char *d, size_t len)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		const struct codec *c = &codecs[i];
		const unsigned char *p = c->magic ? mg_view(d, len, c->magic_off, c->magic_len) : NULL;

		if (c->match ? c->match(d, len)
		             : p && memcmp(p, c->magic, c->magic_len) == 0 &&
		                       (c->magic_off == 0 || memcmp(d, "RIFF", 4) == 0))
			return c;
	}
	return NULL;
}

const char *mg_image_format(const unsigned char *d, size_t len)
{
	const struct codec *c = d ? sniff(d, len) : NULL;

	return c ? c->name : NULL;
}

mg_status mg_image_check_size(mg_ctx *ctx, uint64_t width, uint64_t height)
{
	const mg_policy *p = ctx->policy;

	if (width == 0 || height == 0)
		return mg_fail(ctx, MG_E_MALFORMED, "image of %llux%llu pixels",
		               (unsigned long long)width, (unsigned long long)height);
	if (width > p->max_dimension || height > p->max_dimension)
		return mg_fail(ctx, MG_E_LIMIT_PIXELS,
		               "image of %llux%llu pixels is wider or taller than max_dimension %u",
		               (unsigned long long)width, (unsigned long long)height,
		               p->max_dimension);
	/* both are below max_dimension (at most 10^6): the product cannot overflow */
	if (width * height > p->max_pixels)
		return mg_fail(ctx, MG_E_LIMIT_PIXELS,
		               "image of %llux%llu pixels is over max_pixels %llu",
		               (unsigned long long)width, (unsigned long long)height,
		               (unsigned long long)p->max_pixels);
	return MG_OK;
}

mg_status mg_image_alloc(mg_ctx *ctx, mg_image *img, uint64_t width, uint64_t height,
                         unsigned channels)
{
	mg_status st = mg_image_check_size(ctx, width, height);

	if (st != MG_OK)
		return st;
	img->pixels = malloc((size_t)(width * height * channels));
	if (!img->pixels)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory for %llux%llu pixels",
		               (unsigned long long)width, (unsigned long long)height);
	img->width = (unsigned)width;
	img->height = (unsigned)height;
	img->channels = channels;
	return MG_OK;
}

void mg_image_free(mg_image *img)
{
	free(img->pixels);
	memset(img, 0, sizeof(*img));
}

/* Where the pixel that lands at (x, y) of the upright image comes from,
 * for the eight EXIF orientations; w, h are the stored dimensions. */
static void orient_source(unsigned o, size_t w, size_t h, size_t x, size_t y,
                          size_t *sx, size_t *sy)
{
	switch (o) {
	case 2: *sx = w - 1 - x; *sy = y; break;
	case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;
	case 4: *sx = x; *sy = h - 1 - y; break;
	case 5: *sx = y; *sy = x; break;
	case 6: *sx = y; *sy = h - 1 - x; break;
	case 7: *sx = w - 1 - y; *sy = h - 1 - x; break;
	case 8: *sx = w - 1 - y; *sy = x; break;
	default: *sx = x; *sy = y; break;
	}
}

mg_status mg_image_orient(mg_ctx *ctx, mg_image *img, unsigned orientation)
{
	size_t w = img->width, h = img->height, ch = img->channels;
	bool swap = orientation >= 5;
	size_t ow = swap ? h : w, oh = swap ? w : h;
	unsigned char *dst;

	if (orientation < 2 || orientation > 8)
		return MG_OK;
	dst = malloc(w * h * ch);
	if (!dst)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory rotating the image");
	for (size_t y = 0; y < oh; y++)
		for (size_t x = 0; x < ow; x++) {
			size_t sx, sy;

			orient_source(orientation, w, h, x, y, &sx, &sy);
			memcpy(dst + (y * ow + x) * ch, img->pixels + (sy * w + sx) * ch, ch);
		}
	free(img->pixels);
	img->pixels = dst;
	img->width = (unsigned)ow;
	img->height = (unsigned)oh;
	mg_report_action(ctx, "applied EXIF orientation %u to the pixels", orientation);
	return MG_OK;
}

void mg_image_report_trailing(mg_ctx *ctx, const char *format, size_t n)
{
	if (n > 0)
		mg_report_removed(ctx, "trailing data", "%zu bytes after the end of the %s image",
		                  n, format);
}

static mg_status image_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	const struct codec *c = sniff(item->data, item->len);
	mg_image img = { 0 };
	mg_status st;

	if (action != MG_ACT_REENCODE)
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "images can only be re-encoded");
	if (!c)
		return mg_fail(ctx, MG_E_MALFORMED,
		               "not a PNG, JPEG, GIF, BMP, TIFF, WebP or SVG image (%s)", item->type.mime);
	st = c->decode(ctx, item->data, item->len, &img);
	if (st == MG_OK)
		st = mg_check_deadline(ctx);
	if (st == MG_OK && c->photo) {
		st = mg_jpeg_encode(ctx, &img, ctx->policy->image_jpeg_quality, &out->data);
		mg_out_set_type(out, "image/jpeg", "jpg");
	} else if (st == MG_OK) {
		st = mg_png_encode(ctx, &img, &out->data);
		mg_out_set_type(out, "image/png", "png");
	}
	if (st == MG_OK)
		mg_report_action(ctx, "decoded %s image of %ux%u pixels, encoded again as %s", c->name,
		                 img.width, img.height, c->photo ? "JPEG" : "PNG");
	mg_image_free(&img);
	return st;
}

const mg_filter mg_filter_image = {
	.family = MG_FAM_IMAGE,
	.name = "image",
	.actions = 1u << MG_ACT_REENCODE,
	.default_action = MG_ACT_REENCODE,
	.run = image_run,
};

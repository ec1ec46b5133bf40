/*
 * image_webp.c - WebP through libwebp's simple decoder.
 *
 * WebPGetFeatures reads the dimensions before anything is allocated; the
 * pixels are decoded into our own buffer.  Animated WebP needs libwebpdemux
 * to pick a frame and is refused with that reason.  The extended header's
 * flags tell which metadata chunks (EXIF, XMP, ICC) are dropped.
 */
#include <string.h>
#include <webp/decode.h>

#include "image_codec.h"

/* VP8X flags (RIFF header, then "VP8X", its size, then the flag byte) */
#define VP8X_ICC 0x20
#define VP8X_EXIF 0x08
#define VP8X_XMP 0x04

static void webp_report(mg_ctx *ctx, const unsigned char *d, size_t len)
{
	const unsigned char *riff = mg_view(d, len, 4, 4), *x = mg_view(d, len, 12, 9);
	size_t end;

	if (x && memcmp(x, "VP8X", 4) == 0) {
		if (x[8] & VP8X_EXIF)
			mg_report_removed(ctx, "WebP EXIF metadata", "metadata chunk not carried over");
		if (x[8] & VP8X_XMP)
			mg_report_removed(ctx, "WebP XMP metadata", "metadata chunk not carried over");
		if (x[8] & VP8X_ICC)
			mg_report_removed(ctx, "WebP ICC colour profile", "metadata chunk not carried over");
	}
	if (riff) {
		end = 8 + ((size_t)riff[0] | (size_t)riff[1] << 8 | (size_t)riff[2] << 16 |
		           (size_t)riff[3] << 24);
		if (end < len)
			mg_image_report_trailing(ctx, "WebP", len - end);
	}
}

mg_status mg_webp_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	WebPBitstreamFeatures f;
	mg_status st;
	size_t size, stride;
	uint8_t *ok;

	if (WebPGetFeatures(data, len, &f) != VP8_STATUS_OK)
		return mg_fail(ctx, MG_E_MALFORMED, "WebP: cannot read the header");
	if (f.has_animation)
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "animated WebP is not supported");
	if ((st = mg_image_alloc(ctx, img, (uint64_t)f.width, (uint64_t)f.height,
	                         f.has_alpha ? 4 : 3)) != MG_OK)
		return st;
	stride = (size_t)img->width * img->channels;
	size = stride * img->height;
	ok = f.has_alpha ? WebPDecodeRGBAInto(data, len, img->pixels, size, (int)stride)
	                 : WebPDecodeRGBInto(data, len, img->pixels, size, (int)stride);
	if (!ok) {
		mg_image_free(img);
		return mg_fail(ctx, MG_E_MALFORMED, "WebP: cannot decode (damaged or truncated)");
	}
	webp_report(ctx, data, len);
	return MG_OK;
}

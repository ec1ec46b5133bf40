/*
 * image_codec.h - decoders and encoders shared by the image and PDF filters.
 *
 * Every decoder reads the dimensions from the header, checks them against
 * the policy (mg_image_alloc) BEFORE a pixel buffer exists, and turns any
 * library error or warning about damaged data into MG_E_MALFORMED.  What a
 * decoder keeps is pixels only: metadata it meets is reported, never kept.
 */
#ifndef MUGAI_IMAGE_CODEC_H
#define MUGAI_IMAGE_CODEC_H

#include "internal.h"

/* Decoded pixels, rows top to bottom, 8 bits per sample. */
typedef struct mg_image {
	unsigned width, height;
	unsigned channels;      /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
	unsigned char *pixels;  /* width * channels bytes per row */
} mg_image;

/* Pixel layouts an encoder accepts besides mg_image's. */
typedef enum mg_pixfmt {
	MG_PIX_GRAY = 1,
	MG_PIX_RGB = 3,
	MG_PIX_XRGB32,          /* cairo's RGB24: one native-endian 0x00RRGGBB word */
} mg_pixfmt;

/* image.c */
/* MG_E_LIMIT_PIXELS past max_dimension or max_pixels, MG_E_MALFORMED for
 * an empty image; then allocates the buffer (MG_E_INTERNAL if it can't). */
mg_status mg_image_alloc(mg_ctx *ctx, mg_image *img, uint64_t width, uint64_t height,
                         unsigned channels);
mg_status mg_image_check_size(mg_ctx *ctx, uint64_t width, uint64_t height);
void mg_image_free(mg_image *img);
/* Applies an EXIF orientation (2..8) so that the pixels stand upright. */
mg_status mg_image_orient(mg_ctx *ctx, mg_image *img, unsigned orientation);
/* Reports "n bytes after the end of the image" when n > 0. */
void mg_image_report_trailing(mg_ctx *ctx, const char *format, size_t n);

/* One decoder per format: data is the whole file. */
mg_status mg_png_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
mg_status mg_jpeg_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
mg_status mg_gif_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
mg_status mg_bmp_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
mg_status mg_tiff_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
mg_status mg_webp_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
/* image_svg.c: an SVG drawn into RGBA pixels, or refused. */
mg_status mg_svg_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);
/* Pixels of a picture embedded in an SVG at most (gdk-pixbuf holds it
 * whole, 4 bytes a pixel, beside the canvas). */
#define MG_SVG_EMBED_MAX_PIXELS (16ull * 1024 * 1024)
/* image_svg_refs.c: MG_E_TYPE_BLOCKED for a document that refers to a file,
 * a URL, a style sheet or an XInclude; MG_E_MALFORMED for bad XML. */
mg_status mg_svg_check_refs(mg_ctx *ctx, const unsigned char *data, size_t len);
/* image_svg_raster.c: librsvg's drawing, from the bytes alone. */
mg_status mg_svg_render(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img);

/* Encoders append to out (its maximum is the policy's max_output). */
mg_status mg_png_encode(mg_ctx *ctx, const mg_image *img, mg_buf *out);
mg_status mg_jpeg_encode(mg_ctx *ctx, const mg_image *img, unsigned quality, mg_buf *out);
/* JPEG from rows in another layout (a rendered PDF page). */
mg_status mg_jpeg_encode_rows(mg_ctx *ctx, const unsigned char *pixels, unsigned width,
                              unsigned height, size_t stride, mg_pixfmt fmt,
                              unsigned quality, mg_buf *out);

/* EXIF (the TIFF structure inside a JPEG APP1 or a WebP EXIF chunk): the
 * orientation tag (1 when absent) and whether GPS data is present. */
typedef struct mg_exif_info {
	unsigned orientation;
	bool has_gps;
} mg_exif_info;
void mg_exif_scan(const unsigned char *tiff, size_t len, mg_exif_info *info);

#endif

/*
 * image_tiff.c - TIFF through libtiff, read from memory.
 *
 * TIFFClientOpenExt with per-handle error handlers: nothing is printed
 * and no process-wide handler is touched, and any error libtiff reports
 * blocks the image even when the read call itself claimed success.  The
 * first directory (page) is decoded through TIFFRGBAImage, which covers
 * every photometric and compression libtiff knows; other pages and the
 * metadata tags are reported as removed.
 */
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "image_codec.h"

struct tiff_src {
	const unsigned char *data;
	size_t len;
	toff_t pos;
	unsigned errors;
	char msg[200];
};

static tmsize_t tiff_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_src *s = h;
	size_t left = s->pos < s->len ? s->len - (size_t)s->pos : 0;
	size_t got = n <= 0 ? 0 : (size_t)n < left ? (size_t)n : left;

	memcpy(buf, s->data + s->pos, got);
	s->pos += got;
	return (tmsize_t)got;
}

static tmsize_t tiff_write(thandle_t h, void *buf, tmsize_t n)
{
	return 0; /* read only */
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence)
{
	struct tiff_src *s = h;
	toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->len : 0;

	if (off > UINT64_MAX - base)
		return (toff_t)-1;
	s->pos = base + off; /* reads past the end return nothing */
	return s->pos;
}

static int tiff_close(thandle_t h)
{
	return 0;
}

static toff_t tiff_size(thandle_t h)
{
	return ((struct tiff_src *)h)->len;
}

static int tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int tiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	struct tiff_src *s = user;

	if (s->errors++ == 0)
		vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	return 1; /* handled: no global handler prints it */
}

static int tiff_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
	return 1;
}

enum tag_kind { T_BLOB, T_OFFSET, T_STRING };

static bool tiff_has_tag(TIFF *tif, ttag_t tag, enum tag_kind kind)
{
	uint32_t count = 0;
	void *blob = NULL;
	uint64_t off = 0;
	const char *str = NULL;

	/* each tag is read with the argument types libtiff defines for it */
	switch (kind) {
	case T_BLOB:
		return TIFFGetField(tif, tag, &count, &blob) && count > 0;
	case T_OFFSET:
		return TIFFGetField(tif, tag, &off) && off != 0;
	default:
		return TIFFGetField(tif, tag, &str) && str && *str;
	}
}

static void tiff_report_tags(mg_ctx *ctx, TIFF *tif)
{
	static const struct { ttag_t tag; enum tag_kind kind; const char *what; } tags[] = {
		{ TIFFTAG_XMLPACKET, T_BLOB, "TIFF XMP metadata" },
		{ TIFFTAG_EXIFIFD, T_OFFSET, "TIFF EXIF metadata" },
		{ TIFFTAG_GPSIFD, T_OFFSET, "TIFF GPS location" },
		{ TIFFTAG_RICHTIFFIPTC, T_BLOB, "TIFF IPTC metadata" },
		{ TIFFTAG_PHOTOSHOP, T_BLOB, "TIFF Photoshop metadata" },
		{ TIFFTAG_ICCPROFILE, T_BLOB, "TIFF ICC colour profile" },
		{ TIFFTAG_IMAGEDESCRIPTION, T_STRING, "TIFF image description" },
		{ TIFFTAG_ARTIST, T_STRING, "TIFF artist" },
		{ TIFFTAG_SOFTWARE, T_STRING, "TIFF software" },
		{ TIFFTAG_DATETIME, T_STRING, "TIFF date" },
		{ TIFFTAG_HOSTCOMPUTER, T_STRING, "TIFF host computer" },
	};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tiff_has_tag(tif, tags[i].tag, tags[i].kind))
			mg_report_removed(ctx, tags[i].what, "metadata tag not carried over");
}

/* TIFFRGBAImage gives packed ABGR words with premultiplied alpha. */
static void tiff_unpack(mg_image *img)
{
	size_t n = (size_t)img->width * img->height;
	uint32_t *words = (uint32_t *)(void *)img->pixels;

	for (size_t i = 0; i < n; i++) {
		uint32_t v = words[i];
		unsigned a = TIFFGetA(v), c[3] = { TIFFGetR(v), TIFFGetG(v), TIFFGetB(v) };
		unsigned char *p = img->pixels + i * 4;

		for (int k = 0; k < 3; k++) {
			unsigned straight = a == 0 ? 0 : (c[k] * 255 + a / 2) / a;

			p[k] = (unsigned char)(straight > 255 ? 255 : straight);
		}
		p[3] = (unsigned char)a;
	}
}

static mg_status tiff_first_page(mg_ctx *ctx, TIFF *tif, struct tiff_src *s, mg_image *img)
{
	uint32_t w = 0, h = 0;
	char emsg[1024] = "";
	mg_status st;

	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
		return mg_fail(ctx, MG_E_MALFORMED, "TIFF without dimensions");
	if ((st = mg_image_check_size(ctx, w, h)) != MG_OK)
		return st;
	if (!TIFFRGBAImageOK(tif, emsg))
		return mg_fail(ctx, MG_E_MALFORMED, "TIFF: %s", emsg);
	if ((st = mg_image_alloc(ctx, img, w, h, 4)) != MG_OK)
		return st;
	if (!TIFFReadRGBAImageOriented(tif, w, h, (uint32_t *)(void *)img->pixels,
	                               ORIENTATION_TOPLEFT, 1) || s->errors)
		return mg_fail(ctx, MG_E_MALFORMED, "TIFF: %s", s->msg[0] ? s->msg : "cannot decode");
	tiff_unpack(img);
	return MG_OK;
}

mg_status mg_tiff_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	struct tiff_src src = { .data = data, .len = len };
	TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
	TIFF *tif = NULL;
	mg_status st;

	if (!opts)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	/* strips and tiles are the largest single allocations libtiff makes */
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(ctx->policy->max_pixels * 8 + (1u << 20)));
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error, &src);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_warning, &src);
	/* "m": no memory mapping, every read goes through tiff_read */
	tif = TIFFClientOpenExt("input", "rm", &src, tiff_read, tiff_write, tiff_seek, tiff_close,
	                        tiff_size, NULL, NULL, opts);
	if (!tif) {
		st = mg_fail(ctx, MG_E_MALFORMED, "TIFF: %s", src.msg[0] ? src.msg : "cannot open");
		goto done;
	}
	st = tiff_first_page(ctx, tif, &src, img);
	if (st == MG_OK) {
		tiff_report_tags(ctx, tif);
		if (TIFFReadDirectory(tif))
			mg_report_removed(ctx, "TIFF pages", "only the first page of a multi-page TIFF is kept");
	} else {
		mg_image_free(img);
	}
done:
	if (tif)
		TIFFClose(tif);
	TIFFOpenOptionsFree(opts);
	return st;
}

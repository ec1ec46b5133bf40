/*
 * image_gif.c - GIF through giflib's record-level reader.
 *
 * DGifSlurp would allocate every frame at whatever size each one declares;
 * reading record by record lets the limits be checked on the first frame's
 * descriptor before its pixels are allocated, and stops at the second
 * frame: an animation becomes its first frame, and the report says so.
 */
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"

struct gif_dec {
	GifFileType *gif;
	const unsigned char *data;
	size_t len, pos;
	mg_ctx *ctx;
	unsigned char *line;
	int transparent;        /* palette index, -1 for none */
	bool have_frame, animated, complete;
	unsigned comments, app_blocks;
};

static int gif_read_cb(GifFileType *gif, GifByteType *out, int n)
{
	struct gif_dec *d = gif->UserData;
	size_t want = n > 0 ? (size_t)n : 0, left = d->len - d->pos;
	size_t got = want < left ? want : left;

	memcpy(out, d->data + d->pos, got);
	d->pos += got;
	return (int)got;
}

static mg_status gif_error(struct gif_dec *d, const char *what)
{
	const char *why = GifErrorString(d->gif->Error);

	return mg_fail(d->ctx, MG_E_MALFORMED, "GIF %s: %s", what, why ? why : "error");
}

static void gif_put_row(struct gif_dec *d, const ColorMapObject *map, mg_image *img,
                        unsigned y)
{
	const GifImageDesc *desc = &d->gif->Image;

	if (y >= img->height)
		return;
	for (int i = 0; i < desc->Width; i++) {
		size_t x = (size_t)desc->Left + (size_t)i;
		unsigned char *px = img->pixels + ((size_t)y * img->width + x) * 4;
		int idx = d->line[i];

		if (x >= img->width || idx == d->transparent)
			continue;
		if (idx < map->ColorCount) {
			px[0] = map->Colors[idx].Red;
			px[1] = map->Colors[idx].Green;
			px[2] = map->Colors[idx].Blue;
		}
		px[3] = 255; /* an index past the palette shows black, as browsers do */
	}
}

/* Interlaced GIFs store rows in four passes. */
static mg_status gif_read_rows(struct gif_dec *d, const ColorMapObject *map, mg_image *img)
{
	static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
	const GifImageDesc *desc = &d->gif->Image;
	int passes = desc->Interlace ? 4 : 1;

	for (int p = 0; p < passes; p++)
		for (int r = desc->Interlace ? start[p] : 0; r < desc->Height;
		     r += desc->Interlace ? step[p] : 1) {
			if (DGifGetLine(d->gif, d->line, desc->Width) == GIF_ERROR)
				return gif_error(d, "image data");
			gif_put_row(d, map, img, (unsigned)(desc->Top + r));
		}
	return MG_OK;
}

static mg_status gif_first_frame(struct gif_dec *d, mg_image *img)
{
	const GifImageDesc *desc;
	const ColorMapObject *map;
	mg_status st;
	uint64_t w, h;

	if (DGifGetImageDesc(d->gif) == GIF_ERROR)
		return gif_error(d, "image descriptor");
	desc = &d->gif->Image;
	map = desc->ColorMap ? desc->ColorMap : d->gif->SColorMap;
	if (!map)
		return mg_fail(d->ctx, MG_E_MALFORMED, "GIF without a colour table");
	if ((st = mg_image_check_size(d->ctx, (uint64_t)desc->Width, (uint64_t)desc->Height)) != MG_OK)
		return st;
	/* the canvas is the logical screen, or the frame when the screen is empty */
	if (d->gif->SWidth > 0 && d->gif->SHeight > 0) {
		w = (uint64_t)d->gif->SWidth;
		h = (uint64_t)d->gif->SHeight;
	} else {
		w = (uint64_t)desc->Left + (uint64_t)desc->Width;
		h = (uint64_t)desc->Top + (uint64_t)desc->Height;
	}
	if ((st = mg_image_alloc(d->ctx, img, w, h, 4)) != MG_OK)
		return st;
	memset(img->pixels, 0, (size_t)w * h * 4);
	d->line = malloc((size_t)desc->Width);
	if (!d->line)
		return mg_fail(d->ctx, MG_E_INTERNAL, "out of memory");
	d->have_frame = true;
	return gif_read_rows(d, map, img);
}

static mg_status gif_extension(struct gif_dec *d)
{
	GifByteType *ext = NULL;
	int code;
	bool first = true;

	if (DGifGetExtension(d->gif, &code, &ext) == GIF_ERROR)
		return gif_error(d, "extension");
	if (code == COMMENT_EXT_FUNC_CODE)
		d->comments++;
	else if (code == APPLICATION_EXT_FUNC_CODE && ext &&
	         !(ext[0] >= 11 && memcmp(ext + 1, "NETSCAPE2.0", 11) == 0))
		d->app_blocks++;
	while (ext) {
		if (first && code == GRAPHICS_EXT_FUNC_CODE && !d->have_frame) {
			GraphicsControlBlock gcb;

			if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
				d->transparent = gcb.TransparentColor;
		}
		first = false;
		if (DGifGetExtensionNext(d->gif, &ext) == GIF_ERROR)
			return gif_error(d, "extension");
	}
	return MG_OK;
}

static mg_status gif_records(struct gif_dec *d, mg_image *img)
{
	GifRecordType rt;
	mg_status st = MG_OK;

	while (st == MG_OK && !d->complete) {
		if (DGifGetRecordType(d->gif, &rt) == GIF_ERROR)
			return gif_error(d, "record");
		switch (rt) {
		case IMAGE_DESC_RECORD_TYPE:
			if (d->have_frame) {
				d->animated = d->complete = true;
				break;
			}
			st = gif_first_frame(d, img);
			break;
		case EXTENSION_RECORD_TYPE:
			st = gif_extension(d);
			break;
		case TERMINATE_RECORD_TYPE:
			if (!d->have_frame)
				return mg_fail(d->ctx, MG_E_MALFORMED, "GIF without an image");
			d->complete = true;
			break;
		default:
			return mg_fail(d->ctx, MG_E_MALFORMED, "GIF: unknown record");
		}
	}
	return st;
}

static void gif_report(struct gif_dec *d)
{
	if (d->animated)
		mg_report_removed(d->ctx, "animation frames", "animated GIF: only the first frame is kept");
	if (d->comments)
		mg_report_removed(d->ctx, "GIF comment", "%u comment extensions", d->comments);
	if (d->app_blocks)
		mg_report_removed(d->ctx, "GIF application extension",
		                  "%u application blocks (XMP or private data)", d->app_blocks);
	if (!d->animated)
		mg_image_report_trailing(d->ctx, "GIF", d->len - d->pos);
}

mg_status mg_gif_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	struct gif_dec d = { .data = data, .len = len, .ctx = ctx, .transparent = -1 };
	int err = 0;
	mg_status st;

	d.gif = DGifOpen(&d, gif_read_cb, &err);
	if (!d.gif) {
		const char *why = GifErrorString(err);

		return mg_fail(ctx, MG_E_MALFORMED, "GIF header: %s", why ? why : "error");
	}
	if (d.gif->SWidth > 0 && d.gif->SHeight > 0 &&
	    (st = mg_image_check_size(ctx, (uint64_t)d.gif->SWidth, (uint64_t)d.gif->SHeight)) != MG_OK)
		goto done;
	st = gif_records(&d, img);
	if (st == MG_OK)
		gif_report(&d);
done:
	if (st != MG_OK)
		mg_image_free(img);
	DGifCloseFile(d.gif, &err);
	free(d.line);
	return st;
}

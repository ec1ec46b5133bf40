/*
 * image_png.c - PNG through libpng: decode to 8-bit pixels, encode anew.
 *
 * libpng reports errors by longjmp: every resource lives in a struct
 * reached through a pointer, so nothing depends on a local variable that
 * setjmp may have lost, and one cleanup path frees all of it.  Ancillary
 * chunks (text, eXIf, iCCP, time, private chunks) are read only to be
 * reported; the encoder writes IHDR, IDAT and IEND and nothing else.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"

/* Largest ancillary chunk libpng may hold in memory: the pixels are not
 * chunks, they are bounded by max_pixels. */
#define PNG_CHUNK_MAX (8u << 20)
#define PNG_CHUNK_COUNT_MAX 1000
/* metadata chunks listed one by one in the report, at most */
#define PNG_LISTED_MAX 20

/* Metadata chunks libpng would parse (and for zTXt and iCCP inflate) are
 * handed to png_chunk_cb as unknown chunks instead: libpng then checks
 * their length against PNG_CHUNK_MAX before allocating (its own text
 * handlers allocate whatever length the chunk declares). */
static const png_byte metadata_chunks[] = "tEXt\0zTXt\0iTXt\0iCCP\0eXIf\0tIME\0sPLT\0pCAL\0sCAL\0";

struct png_listed {
	char type[5];
	char key[80];           /* the keyword of a text chunk */
};

struct png_dec {
	png_structp png;
	png_infop info, end;
	png_bytepp rows;
	const unsigned char *data;
	size_t len, pos;
	mg_ctx *ctx;
	unsigned chunks;        /* metadata and private chunks seen */
	struct png_listed listed[PNG_LISTED_MAX];
	bool animated;          /* acTL: an APNG whose default image is kept */
	char msg[200];
};

static void png_error_cb(png_structp png, png_const_charp msg)
{
	struct png_dec *d = png_get_error_ptr(png);

	snprintf(d->msg, sizeof(d->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
	/* benign: the chunk concerned is dropped anyway */
}

static void png_read_cb(png_structp png, png_bytep out, size_t n)
{
	struct png_dec *d = png_get_io_ptr(png);
	const unsigned char *p = mg_view(d->data, d->len, d->pos, n);

	if (!p)
		png_error(png, "file ends before the image does (truncated)");
	memcpy(out, p, n);
	d->pos += n;
}

static bool is_text_chunk(const char *type)
{
	return strcmp(type, "tEXt") == 0 || strcmp(type, "zTXt") == 0 || strcmp(type, "iTXt") == 0;
}

/* Records the chunk for the report; libpng keeps nothing of it. */
static int png_chunk_cb(png_structp png, png_unknown_chunkp chunk)
{
	struct png_dec *d = png_get_user_chunk_ptr(png);
	struct png_listed *l;

	if (memcmp(chunk->name, "acTL", 4) == 0) {
		d->animated = true;
		return 1;
	}
	if (d->chunks++ >= PNG_LISTED_MAX)
		return 1;
	l = &d->listed[d->chunks - 1];
	memcpy(l->type, chunk->name, 4);
	l->type[4] = 0;
	for (size_t i = 0; is_text_chunk(l->type) && i < chunk->size && i < sizeof(l->key) - 1 &&
	                   chunk->data[i]; i++)
		l->key[i] = (char)chunk->data[i];
	return 1;
}

static void report_metadata(struct png_dec *d)
{
	unsigned n = d->chunks < PNG_LISTED_MAX ? d->chunks : PNG_LISTED_MAX;

	for (unsigned i = 0; i < n; i++) {
		const struct png_listed *l = &d->listed[i];

		if (is_text_chunk(l->type))
			mg_report_removed(d->ctx, "PNG text chunk", "%s '%s' is metadata", l->type, l->key);
		else
			mg_report_removed(d->ctx, "PNG metadata chunk", "%s is not carried over", l->type);
	}
	if (d->chunks > PNG_LISTED_MAX)
		mg_report_removed(d->ctx, "PNG metadata chunk", "%u more chunks",
		                  d->chunks - PNG_LISTED_MAX);
	if (d->animated)
		mg_report_removed(d->ctx, "animation frames",
		                  "animated PNG: only the default image is kept");
}

/* Expansions that make every PNG 8 bits per sample, 1 to 4 channels. */
static void png_setup_transforms(png_structp png, png_infop info)
{
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

static mg_status png_read_pixels(struct png_dec *d, mg_image *img)
{
	png_uint_32 w, h;
	mg_status st;

	png_read_info(d->png, d->info);
	w = png_get_image_width(d->png, d->info);
	h = png_get_image_height(d->png, d->info);
	if ((st = mg_image_check_size(d->ctx, w, h)) != MG_OK)
		return st;
	png_setup_transforms(d->png, d->info);
	if (png_get_bit_depth(d->png, d->info) != 8 ||
	    png_get_rowbytes(d->png, d->info) != (size_t)w * png_get_channels(d->png, d->info))
		return mg_fail(d->ctx, MG_E_MALFORMED, "PNG: unexpected pixel layout");
	if ((st = mg_image_alloc(d->ctx, img, w, h, png_get_channels(d->png, d->info))) != MG_OK)
		return st;
	d->rows = malloc(sizeof(*d->rows) * h);
	if (!d->rows)
		return mg_fail(d->ctx, MG_E_INTERNAL, "out of memory");
	for (png_uint_32 y = 0; y < h; y++)
		d->rows[y] = img->pixels + (size_t)y * w * img->channels;
	png_read_image(d->png, d->rows);
	png_read_end(d->png, d->end);
	return MG_OK;
}

mg_status mg_png_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	struct png_dec dec = { .data = data, .len = len, .ctx = ctx };
	struct png_dec *d = &dec;
	mg_status st = MG_E_INTERNAL;

	d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, png_error_cb, png_warning_cb);
	if (!d->png)
		return mg_fail(ctx, MG_E_INTERNAL, "libpng: cannot create a reader");
	d->info = png_create_info_struct(d->png);
	d->end = png_create_info_struct(d->png);
	if (!d->info || !d->end) {
		st = mg_fail(ctx, MG_E_INTERNAL, "libpng: out of memory");
		goto done;
	}
	if (setjmp(png_jmpbuf(d->png))) {
		mg_image_free(img);
		st = mg_fail(ctx, MG_E_MALFORMED, "PNG: %s", d->msg);
		goto done;
	}
	/* our own limits decide, with their own status, before allocation */
	png_set_user_limits(d->png, 0x7fffffff, 0x7fffffff);
	png_set_chunk_malloc_max(d->png, PNG_CHUNK_MAX);
	png_set_chunk_cache_max(d->png, PNG_CHUNK_COUNT_MAX);
	png_set_read_fn(d->png, d, png_read_cb);
	png_set_read_user_chunk_fn(d->png, d, png_chunk_cb);
	png_set_keep_unknown_chunks(d->png, PNG_HANDLE_CHUNK_ALWAYS, metadata_chunks,
	                            (int)(sizeof(metadata_chunks) - 1) / 5);
	st = png_read_pixels(d, img);
	if (st == MG_OK) {
		report_metadata(d);
		mg_image_report_trailing(ctx, "PNG", len - d->pos);
	} else {
		mg_image_free(img);
	}
done:
	png_destroy_read_struct(&d->png, &d->info, &d->end);
	free(d->rows);
	return st;
}

/* ---- encoding ---- */

struct png_enc {
	png_structp png;
	png_infop info;
	unsigned char *row;
	mg_buf *out;
	bool overflow;
	char msg[200];
};

static void png_enc_error_cb(png_structp png, png_const_charp msg)
{
	struct png_enc *e = png_get_error_ptr(png);

	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	png_longjmp(png, 1);
}

static void png_write_cb(png_structp png, png_bytep data, size_t n)
{
	struct png_enc *e = png_get_io_ptr(png);

	if (mg_buf_append(e->out, data, n) < 0) {
		e->overflow = true;
		png_error(png, "output larger than max_output");
	}
}

static void png_flush_cb(png_structp png)
{
}

/* The fewest channels that hold the image exactly: an opaque alpha
 * channel and equal R, G, B are dropped. */
static unsigned png_out_channels(const mg_image *img)
{
	size_t n = (size_t)img->width * img->height, ch = img->channels;
	bool has_alpha = ch == 2 || ch == 4, opaque = true, gray = true;

	for (size_t i = 0; i < n && (opaque || gray); i++) {
		const unsigned char *p = img->pixels + i * ch;

		if (has_alpha && p[ch - 1] != 255)
			opaque = false;
		if (ch >= 3 && (p[0] != p[1] || p[1] != p[2]))
			gray = false;
	}
	return (gray ? 1u : 3u) + (has_alpha && !opaque ? 1u : 0u);
}

static void png_convert_row(const mg_image *img, unsigned y, unsigned out_ch,
                            unsigned char *row)
{
	const unsigned char *src = img->pixels + (size_t)y * img->width * img->channels;
	unsigned ch = img->channels;
	bool src_alpha = ch == 2 || ch == 4, dst_alpha = out_ch == 2 || out_ch == 4;

	for (unsigned x = 0; x < img->width; x++, src += ch) {
		unsigned char *dst = row + (size_t)x * out_ch;

		if (out_ch <= 2)
			dst[0] = src[0];
		else
			memcpy(dst, src, 3);
		if (dst_alpha)
			dst[out_ch - 1] = src_alpha ? src[ch - 1] : 255;
	}
}

static const int png_types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
	                           PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };

/* Everything libpng may jump out of; false when it did. */
static bool png_encode_protected(struct png_enc *e, const mg_image *img, unsigned out_ch)
{
	if (setjmp(png_jmpbuf(e->png)))
		return false;
	png_set_write_fn(e->png, e, png_write_cb, png_flush_cb);
	png_set_IHDR(e->png, e->info, img->width, img->height, 8, png_types[out_ch],
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(e->png, 6);
	png_write_info(e->png, e->info);
	for (unsigned y = 0; y < img->height; y++) {
		png_convert_row(img, y, out_ch, e->row);
		png_write_row(e->png, e->row);
	}
	png_write_end(e->png, NULL);
	return true;
}

mg_status mg_png_encode(mg_ctx *ctx, const mg_image *img, mg_buf *out)
{
	struct png_enc enc = { .out = out };
	struct png_enc *e = &enc;
	unsigned out_ch = png_out_channels(img);
	mg_status st = MG_OK;

	e->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, e, png_enc_error_cb, png_warning_cb);
	if (!e->png)
		return mg_fail(ctx, MG_E_INTERNAL, "libpng: cannot create a writer");
	e->info = png_create_info_struct(e->png);
	e->row = malloc((size_t)img->width * out_ch);
	if (!e->info || !e->row)
		st = mg_fail(ctx, MG_E_INTERNAL, "libpng: out of memory");
	else if (!png_encode_protected(e, img, out_ch))
		st = e->overflow ? mg_fail(ctx, MG_E_LIMIT_SIZE, "PNG output larger than max_output")
		                 : mg_fail(ctx, MG_E_INTERNAL, "PNG encoder: %s", e->msg);
	png_destroy_write_struct(&e->png, &e->info);
	free(e->row);
	return st;
}

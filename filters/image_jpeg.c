/*
 * image_jpeg.c - JPEG through libjpeg(-turbo): decode to pixels, encode anew.
 *
 * Errors leave libjpeg by longjmp; all state lives in a struct reached
 * through a pointer and one cleanup path destroys it.  Warnings that mean
 * the data is damaged (premature end, corrupt entropy data) are errors
 * here: a truncated photo is blocked rather than passed with a grey band.
 * Markers are saved only to be reported (EXIF with or without GPS, XMP,
 * IPTC, ICC, comments); the EXIF orientation is applied to the pixels so
 * that dropping the EXIF block does not turn photos on their side.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image_codec.h"

/* A progressive JPEG may carry any number of scans, each a full pass over
 * the coefficients: past this many it is a denial of service, not a photo. */
#define JPEG_MAX_SCANS 500
#define JPEG_OUT_CHUNK 65536

struct jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	mg_status status;      /* why we jumped */
	char msg[JMSG_LENGTH_MAX];
	mg_ctx *ctx;
	unsigned extraneous;   /* bytes of garbage between markers, tolerated */
};

static void jpeg_fail(j_common_ptr cinfo, mg_status st)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	if (st != MG_E_LIMIT_TIME && st != MG_E_LIMIT_SIZE)
		(*cinfo->err->format_message)(cinfo, e->msg);
	e->status = st;
	longjmp(e->jump, 1);
}

static void jpeg_error_exit(j_common_ptr cinfo)
{
	jpeg_fail(cinfo, cinfo->is_decompressor ? MG_E_MALFORMED : MG_E_INTERNAL);
}

/* Warnings (level -1) that only describe odd but complete data are
 * tolerated; the others say pixels are missing or wrong. */
static void jpeg_emit_message(j_common_ptr cinfo, int level)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	if (level >= 0)
		return;
	switch (cinfo->err->msg_code) {
	case JWRN_JFIF_MAJOR:
	case JWRN_ADOBE_XFORM:
	case JWRN_BOGUS_ICC:
		return;
	case JWRN_EXTRANEOUS_DATA:
		e->extraneous++;
		return;
	default:
		jpeg_fail(cinfo, MG_E_MALFORMED);
	}
}

static void jpeg_progress(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	if (cinfo->is_decompressor &&
	    ((j_decompress_ptr)cinfo)->input_scan_number > JPEG_MAX_SCANS) {
		snprintf(e->msg, sizeof(e->msg), "more than %d progressive scans", JPEG_MAX_SCANS);
		e->status = MG_E_MALFORMED;
		longjmp(e->jump, 1);
	}
	if (mg_now() > mg_deadline(e->ctx))
		jpeg_fail(cinfo, MG_E_LIMIT_TIME);
}

static void jpeg_err_init(struct jpeg_err *e, mg_ctx *ctx)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = jpeg_error_exit;
	e->pub.emit_message = jpeg_emit_message;
	e->ctx = ctx;
	e->status = MG_OK;
}

static mg_status jpeg_status(mg_ctx *ctx, const struct jpeg_err *e, const char *what)
{
	if (e->status == MG_E_LIMIT_TIME)
		return mg_check_deadline(ctx);
	if (e->status == MG_E_LIMIT_SIZE)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "JPEG output larger than max_output");
	return mg_fail(ctx, e->status, "JPEG %s: %s", what, e->msg);
}

/* ---- decoding ---- */

/* kinds of metadata segments, for the report */
enum { MK_EXIF, MK_GPS, MK_XMP, MK_ICC, MK_IPTC, MK_COMMENT, MK_OTHER, MK_KINDS };

struct jpeg_dec {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err err;
	struct jpeg_progress_mgr progress;
	unsigned char *row;    /* CMYK scratch row */
	mg_exif_info exif;
	unsigned seen[MK_KINDS];
};

static bool marker_starts(const jpeg_saved_marker_ptr m, const char *sig, size_t n)
{
	return m->data_length >= n && memcmp(m->data, sig, n) == 0;
}

/* The saved markers live in libjpeg's image pool, freed by
 * jpeg_finish_decompress: they are counted right after the header. */
static void jpeg_count_markers(struct jpeg_dec *d)
{
	d->exif.orientation = 1;
	for (jpeg_saved_marker_ptr m = d->cinfo.marker_list; m; m = m->next) {
		if (m->marker == JPEG_APP0 + 1 && marker_starts(m, "Exif\0\0", 6)) {
			mg_exif_info info;

			mg_exif_scan(m->data + 6, m->data_length - 6, &info);
			if (!d->seen[MK_EXIF] && !d->seen[MK_GPS])
				d->exif = info;
			d->seen[info.has_gps ? MK_GPS : MK_EXIF]++;
		} else if (m->marker == JPEG_APP0 + 1 && marker_starts(m, "http://ns.adobe.com/", 20)) {
			d->seen[MK_XMP]++;
		} else if (m->marker == JPEG_APP0 + 2 && marker_starts(m, "ICC_PROFILE", 11)) {
			d->seen[MK_ICC]++;
		} else if (m->marker == JPEG_APP0 + 13) {
			d->seen[MK_IPTC]++;
		} else if (m->marker == JPEG_COM) {
			d->seen[MK_COMMENT]++;
		} else {
			d->seen[MK_OTHER]++;
		}
	}
}

/* One report line per kind of metadata, whatever the number of segments. */
static void jpeg_report_markers(mg_ctx *ctx, const struct jpeg_dec *d)
{
	static const char *const what[MK_KINDS] = {
		"JPEG EXIF metadata (APP1)", "JPEG EXIF metadata with GPS location (APP1)",
		"JPEG XMP metadata (APP1)", "JPEG ICC colour profile (APP2)",
		"JPEG Photoshop/IPTC metadata (APP13)", "JPEG comment (COM)",
		"JPEG application segment",
	};

	for (int k = 0; k < MK_KINDS; k++)
		if (d->seen[k])
			mg_report_removed(ctx, what[k], "%u segment%s of metadata not carried over",
			                  d->seen[k], d->seen[k] == 1 ? "" : "s");
}

static void jpeg_save_all_markers(j_decompress_ptr cinfo)
{
	/* whole APP1 for the EXIF orientation; a prefix of the others names them */
	jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
	jpeg_save_markers(cinfo, JPEG_COM, 16);
	for (int m = 2; m < 16; m++)
		if (m != 14) /* APP14 Adobe: colour transform, read by libjpeg itself */
			jpeg_save_markers(cinfo, JPEG_APP0 + m, 16);
}

/* Adobe CMYK JPEGs store inverted values; others store plain CMYK. */
static void cmyk_to_rgb(const unsigned char *src, unsigned char *dst, unsigned w, bool inverted)
{
	for (unsigned x = 0; x < w; x++, src += 4, dst += 3) {
		unsigned c = src[0], m = src[1], y = src[2], k = src[3];

		if (!inverted) {
			c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
		}
		dst[0] = (unsigned char)(c * k / 255);
		dst[1] = (unsigned char)(m * k / 255);
		dst[2] = (unsigned char)(y * k / 255);
	}
}

static mg_status jpeg_choose_output(mg_ctx *ctx, struct jpeg_dec *d)
{
	j_decompress_ptr c = &d->cinfo;

	switch (c->jpeg_color_space) {
	case JCS_GRAYSCALE:
		c->out_color_space = JCS_GRAYSCALE;
		return MG_OK;
	case JCS_CMYK:
	case JCS_YCCK:
		c->out_color_space = JCS_CMYK;
		d->row = malloc((size_t)c->image_width * 4);
		return d->row ? MG_OK : mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	default:
		c->out_color_space = JCS_RGB;
		return MG_OK;
	}
}

static mg_status jpeg_read_pixels(mg_ctx *ctx, struct jpeg_dec *d, mg_image *img)
{
	j_decompress_ptr c = &d->cinfo;
	mg_status st;

	jpeg_read_header(c, TRUE);
	jpeg_count_markers(d);
	if ((st = mg_image_check_size(ctx, c->image_width, c->image_height)) != MG_OK ||
	    (st = jpeg_choose_output(ctx, d)) != MG_OK)
		return st;
	jpeg_start_decompress(c);
	if (c->output_components != (d->row ? 4 : c->out_color_space == JCS_GRAYSCALE ? 1 : 3))
		return mg_fail(ctx, MG_E_MALFORMED, "JPEG: unexpected number of components");
	if ((st = mg_image_alloc(ctx, img, c->output_width, c->output_height,
	                         d->row ? 3 : (unsigned)c->output_components)) != MG_OK)
		return st;
	while (c->output_scanline < c->output_height) {
		unsigned char *dst = img->pixels +
		                     (size_t)c->output_scanline * img->width * img->channels;
		JSAMPROW row = d->row ? d->row : dst;

		if (jpeg_read_scanlines(c, &row, 1) != 1)
			return mg_fail(ctx, MG_E_MALFORMED, "JPEG: no scanline decoded");
		if (d->row)
			cmyk_to_rgb(d->row, dst, img->width, c->saw_Adobe_marker);
	}
	jpeg_finish_decompress(c);
	return MG_OK;
}

mg_status mg_jpeg_decode(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	struct jpeg_dec *d = calloc(1, sizeof(*d));
	mg_status st;

	if (!d)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	jpeg_err_init(&d->err, ctx);
	d->cinfo.err = &d->err.pub;
	if (setjmp(d->err.jump)) {
		mg_image_free(img);
		st = jpeg_status(ctx, &d->err, "decoder");
		goto done;
	}
	jpeg_create_decompress(&d->cinfo);
	d->progress.progress_monitor = jpeg_progress;
	d->cinfo.progress = &d->progress;
	jpeg_mem_src(&d->cinfo, data, (unsigned long)len);
	jpeg_save_all_markers(&d->cinfo);
	st = jpeg_read_pixels(ctx, d, img);
	if (st == MG_OK) {
		jpeg_report_markers(ctx, d);
		if (d->err.extraneous)
			mg_report_finding(ctx, "JPEG: stray bytes between markers (%u times)",
			                  d->err.extraneous);
		mg_image_report_trailing(ctx, "JPEG", d->cinfo.src->bytes_in_buffer);
		st = mg_image_orient(ctx, img, d->exif.orientation);
	}
	if (st != MG_OK)
		mg_image_free(img);
done:
	jpeg_destroy_decompress(&d->cinfo);
	free(d->row);
	free(d);
	return st;
}

/* ---- encoding ---- */

struct jpeg_dst {
	struct jpeg_destination_mgr pub;
	mg_buf *out;
	unsigned char buf[JPEG_OUT_CHUNK];
};

static void jpeg_dst_init(j_compress_ptr cinfo)
{
	struct jpeg_dst *dst = (struct jpeg_dst *)cinfo->dest;

	dst->pub.next_output_byte = dst->buf;
	dst->pub.free_in_buffer = sizeof(dst->buf);
}

static void jpeg_dst_put(j_compress_ptr cinfo, size_t n)
{
	struct jpeg_dst *dst = (struct jpeg_dst *)cinfo->dest;

	if (mg_buf_append(dst->out, dst->buf, n) < 0)
		jpeg_fail((j_common_ptr)cinfo, MG_E_LIMIT_SIZE);
	jpeg_dst_init(cinfo);
}

static boolean jpeg_dst_empty(j_compress_ptr cinfo)
{
	jpeg_dst_put(cinfo, JPEG_OUT_CHUNK);
	return TRUE;
}

static void jpeg_dst_term(j_compress_ptr cinfo)
{
	struct jpeg_dst *dst = (struct jpeg_dst *)cinfo->dest;

	jpeg_dst_put(cinfo, sizeof(dst->buf) - dst->pub.free_in_buffer);
}

struct jpeg_enc {
	struct jpeg_compress_struct cinfo;
	struct jpeg_err err;
	struct jpeg_dst dst;
};

static J_COLOR_SPACE jpeg_in_space(mg_pixfmt fmt, int *components)
{
	switch (fmt) {
	case MG_PIX_GRAY:
		*components = 1;
		return JCS_GRAYSCALE;
	case MG_PIX_XRGB32:
		*components = 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		return JCS_EXT_BGRX;
#else
		return JCS_EXT_XRGB;
#endif
	default:
		*components = 3;
		return JCS_RGB;
	}
}

static void jpeg_write_all(struct jpeg_enc *e, const unsigned char *pixels, unsigned width,
                           unsigned height, size_t stride, mg_pixfmt fmt, unsigned quality)
{
	j_compress_ptr c = &e->cinfo;

	c->image_width = width;
	c->image_height = height;
	c->in_color_space = jpeg_in_space(fmt, &c->input_components);
	jpeg_set_defaults(c);
	jpeg_set_quality(c, (int)quality, TRUE);
	c->optimize_coding = TRUE;
	jpeg_start_compress(c, TRUE);
	while (c->next_scanline < c->image_height) {
		/* libjpeg's API takes non-const rows; it only reads them */
		JSAMPROW row = (JSAMPROW)(uintptr_t)(pixels + (size_t)c->next_scanline * stride);

		jpeg_write_scanlines(c, &row, 1);
	}
	jpeg_finish_compress(c);
}

/* Everything libjpeg may jump out of; false when it did. */
static bool jpeg_encode_protected(struct jpeg_enc *e, const unsigned char *pixels,
                                  unsigned width, unsigned height, size_t stride,
                                  mg_pixfmt fmt, unsigned quality)
{
	if (setjmp(e->err.jump))
		return false;
	jpeg_create_compress(&e->cinfo);
	e->dst.pub.init_destination = jpeg_dst_init;
	e->dst.pub.empty_output_buffer = jpeg_dst_empty;
	e->dst.pub.term_destination = jpeg_dst_term;
	e->cinfo.dest = &e->dst.pub;
	jpeg_write_all(e, pixels, width, height, stride, fmt, quality);
	return true;
}

mg_status mg_jpeg_encode_rows(mg_ctx *ctx, const unsigned char *pixels, unsigned width,
                              unsigned height, size_t stride, mg_pixfmt fmt,
                              unsigned quality, mg_buf *out)
{
	struct jpeg_enc *e = calloc(1, sizeof(*e));
	mg_status st = MG_OK;

	if (!e)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	jpeg_err_init(&e->err, ctx);
	e->cinfo.err = &e->err.pub;
	e->dst.out = out;
	if (!jpeg_encode_protected(e, pixels, width, height, stride, fmt, quality))
		st = jpeg_status(ctx, &e->err, "encoder");
	jpeg_destroy_compress(&e->cinfo);
	free(e);
	return st;
}

mg_status mg_jpeg_encode(mg_ctx *ctx, const mg_image *img, unsigned quality, mg_buf *out)
{
	if (img->channels != 1 && img->channels != 3)
		return mg_fail(ctx, MG_E_INTERNAL, "JPEG encoder: %u channels", img->channels);
	return mg_jpeg_encode_rows(ctx, img->pixels, img->width, img->height,
	                           (size_t)img->width * img->channels,
	                           img->channels == 1 ? MG_PIX_GRAY : MG_PIX_RGB, quality, out);
}

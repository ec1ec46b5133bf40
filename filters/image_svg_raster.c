/*
 * image_svg_raster.c - an SVG drawn into pixels by librsvg and cairo.
 *
 * The handle is made from the bytes alone, with no base file or URL:
 * librsvg's URL resolver then refuses every load but data: URLs, so that
 * neither a file nor the network is read whatever the document says (and
 * image_svg_refs.c has refused such a document already).  librsvg runs no
 * script, follows no link, keeps its own limits on elements and
 * references, and expands only internal entities.
 *
 * The canvas size is settled before anything is allocated: the intrinsic
 * size (at 96 dpi), else one side and the viewBox's proportions, else the
 * viewBox, else CSS's default object size; it
 * is checked against the policy like any image's, then scaled down (a
 * vector drawing loses nothing to scale) to what the worker's memory
 * holds, filter effects included.
 */
#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <stdbool.h>

#include "image_codec.h"

/* Pixels drawn at most (2048x2048): 4 bytes each in the cairo surface,
 * 4 in the decoded image, and the several surfaces more a chain of filter
 * effects holds stay well under the worker's memory (a blurred 9000x9000
 * drawing peaks near 140 MiB in all, at 8 Mpx it was 235 MiB). */
#define RENDER_MAX_PIXELS (2048ull * 2048)
/* A drawing that says nothing about its size: CSS's default object size. */
#define DEFAULT_WIDTH 300.0
#define DEFAULT_HEIGHT 150.0
/* A drawing with only a viewBox: its longer side at this many pixels. */
#define VIEWBOX_SIDE 1024.0

static void viewbox_size(const RsvgRectangle *vb, double *w, double *h)
{
	double scale = VIEWBOX_SIDE / (vb->width > vb->height ? vb->width : vb->height);

	*w = vb->width * scale;
	*h = vb->height * scale;
}

/* A length in pixels at 96 dpi (em and ex at a 16 px font), or -1 for a
 * percentage, which depends on a viewport an image does not have. */
static double length_px(const RsvgLength *l)
{
	switch (l->unit) {
	case RSVG_UNIT_PX: return l->length;
	case RSVG_UNIT_IN: return l->length * 96.0;
	case RSVG_UNIT_CM: return l->length * 96.0 / 2.54;
	case RSVG_UNIT_MM: return l->length * 96.0 / 25.4;
	case RSVG_UNIT_PT: return l->length * 96.0 / 72.0;
	case RSVG_UNIT_PC: return l->length * 96.0 / 6.0;
	case RSVG_UNIT_EM: return l->length * 16.0;
	case RSVG_UNIT_EX: return l->length * 8.0;
	default: return -1.0;
	}
}

/* One absolute side and a viewBox: the other side from the viewBox's
 * proportions, as a browser does. */
static bool one_side(const RsvgLength *lw, const RsvgLength *lh, const RsvgRectangle *vb,
                     double *w, double *hh)
{
	double pw = length_px(lw), ph = length_px(lh);

	if (pw > 0) {
		*w = pw;
		*hh = pw * vb->height / vb->width;
		return true;
	}
	if (ph > 0) {
		*hh = ph;
		*w = ph * vb->width / vb->height;
		return true;
	}
	return false;
}

/* The size in pixels the document asks for, unchecked. */
static void intrinsic_size(RsvgHandle *h, double *w, double *hh)
{
	gboolean has_w, has_h, has_vb;
	RsvgLength lw, lh;
	RsvgRectangle vb;

	if (rsvg_handle_get_intrinsic_size_in_pixels(h, w, hh))
		return;
	rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
	if (has_vb && vb.width > 0 && vb.height > 0 && isfinite(vb.width) && isfinite(vb.height)) {
		if (!one_side(&lw, &lh, &vb, w, hh))
			viewbox_size(&vb, w, hh);
		return;
	}
	*w = DEFAULT_WIDTH;
	*hh = DEFAULT_HEIGHT;
}

/* Whole pixels, or 0 for a size that is none (negative, NaN, infinite);
 * a huge size stays huge so that the policy check names it. */
static uint64_t pixels_of(double v)
{
	if (!isfinite(v) || v <= 0)
		return 0;
	if (v > 1e12)
		return (uint64_t)1e12;
	return (uint64_t)ceil(v);
}

static mg_status canvas_size(mg_ctx *ctx, RsvgHandle *h, unsigned *cw, unsigned *ch)
{
	double w, hh;
	uint64_t pw, ph;
	mg_status st;

	intrinsic_size(h, &w, &hh);
	pw = pixels_of(w);
	ph = pixels_of(hh);
	st = mg_image_check_size(ctx, pw, ph);
	if (st != MG_OK)
		return st;
	if (pw * ph > RENDER_MAX_PIXELS) {
		double scale = sqrt((double)RENDER_MAX_PIXELS / ((double)pw * (double)ph));
		/* the epsilon keeps 9000 * (2048 / 9000) at 2048 */
		uint64_t sw = (uint64_t)floor((double)pw * scale + 1e-6);
		uint64_t sh = (uint64_t)floor((double)ph * scale + 1e-6);

		sw = sw ? sw : 1;
		sh = sh ? sh : 1;
		while (sw * sh > RENDER_MAX_PIXELS)
			sw > sh ? sw-- : sh--;
		mg_report_action(ctx, "SVG of %llux%llu pixels drawn at %llux%llu, within the "
		                 "renderer's memory", (unsigned long long)pw, (unsigned long long)ph,
		                 (unsigned long long)sw, (unsigned long long)sh);
		pw = sw;
		ph = sh;
	}
	*cw = (unsigned)pw;
	*ch = (unsigned)ph;
	return MG_OK;
}

/* cairo's premultiplied native-endian ARGB words to straight RGBA bytes. */
static void unpremultiply(cairo_surface_t *surf, mg_image *img)
{
	const unsigned char *base = cairo_image_surface_get_data(surf);
	size_t stride = (size_t)cairo_image_surface_get_stride(surf);

	for (size_t y = 0; y < img->height; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(base + y * stride);
		unsigned char *o = img->pixels + y * (size_t)img->width * 4;

		for (size_t x = 0; x < img->width; x++, o += 4) {
			uint32_t p = row[x];
			unsigned a = p >> 24, c[3] = { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff };

			for (int i = 0; i < 3; i++)
				o[i] = (unsigned char)(a ? (c[i] * 255 + a / 2) / a : 0);
			o[3] = (unsigned char)a;
		}
	}
}

static mg_status draw(mg_ctx *ctx, RsvgHandle *h, unsigned w, unsigned hh, mg_image *img)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)hh);
	RsvgRectangle vp = { 0, 0, w, hh };
	GError *err = NULL;
	mg_status st = MG_OK;
	cairo_t *cr;

	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surf);
		return mg_fail(ctx, MG_E_INTERNAL, "no canvas of %ux%u pixels for the SVG", w, hh);
	}
	cr = cairo_create(surf);
	if (!rsvg_handle_render_document(h, cr, &vp, &err))
		st = mg_fail(ctx, MG_E_MALFORMED, "SVG image that cannot be drawn: %s",
		             err ? err->message : "librsvg failed");
	else if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		st = mg_fail(ctx, MG_E_MALFORMED, "SVG image that cannot be drawn: %s",
		             cairo_status_to_string(cairo_status(cr)));
	g_clear_error(&err);
	cairo_destroy(cr);
	cairo_surface_flush(surf);
	if (st == MG_OK)
		st = mg_image_alloc(ctx, img, w, hh, 4);
	if (st == MG_OK)
		unpremultiply(surf, img);
	cairo_surface_destroy(surf);
	return st;
}

mg_status mg_svg_render(mg_ctx *ctx, const unsigned char *data, size_t len, mg_image *img)
{
	GError *err = NULL;
	RsvgHandle *h = rsvg_handle_new_from_data(data, len, &err);
	unsigned w = 0, hh = 0;
	mg_status st;

	if (!h) {
		st = mg_fail(ctx, MG_E_MALFORMED, "SVG image that librsvg cannot read: %s",
		             err ? err->message : "unknown error");
		g_clear_error(&err);
		return st;
	}
	rsvg_handle_set_dpi(h, 96.0);
	st = canvas_size(ctx, h, &w, &hh);
	if (st == MG_OK)
		st = draw(ctx, h, w, hh, img);
	g_object_unref(h);
	return st;
}

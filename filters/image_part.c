/*
 * image_part.c - an image inside a container goes through the image
 * family, or it does not go.
 *
 * OOXML media, ODF pictures: whatever the part is named or declared, the
 * bytes reach the container's output only as the image filter's new PNG
 * or JPEG.  Bytes the image family cannot read (metafiles, EPS, unknown
 * binaries) are dropped without a child run.  An SVG goes through the
 * image family like any picture: librsvg draws it into a PNG from its
 * bytes alone (no base URL, an SVG that refers to anything outside itself
 * refused), and the container renames the part and its references to
 * match, so that no part keeps a name or type it no longer is.  The
 * child's artefact is checked to be a raster, so that bytes libmagic types
 * otherwise (a PDF behind a PNG signature) can never come back as "the
 * image".
 */
#include <string.h>
#include <strings.h>

#include "ooxml_pkg.h"

/* What the report says about bytes the image family cannot read: the
 * usual suspects by their signatures, anything else in general words. */
static const char *unreadable_why(const unsigned char *d, size_t len)
{
	if ((len >= 4 && memcmp(d, "\x01\0\0\0", 4) == 0) ||
	    (len >= 4 && memcmp(d, "\xd7\xcd\xc6\x9a", 4) == 0) ||
	    (len >= 6 && memcmp(d, "\x01\0\x09\0\0\x03", 6) == 0))
		return "Windows metafile (EMF/WMF): Office's metafile renderers are not fed "
		       "untrusted records, and it cannot be re-encoded";
	if ((len >= 4 && memcmp(d, "%!PS", 4) == 0) ||
	    (len >= 4 && memcmp(d, "\xc5\xd0\xd3\xc6", 4) == 0))
		return "PostScript (EPS) image: a program, not pixels";
	if (len >= 2 && memcmp(d, "\x1f\x8b", 2) == 0)
		return "compressed image (SVGZ or other): not re-encoded";
	return "image in a format the image family does not read (not PNG, JPEG, GIF, BMP, "
	       "TIFF or WebP)";
}

static bool is_raster(const mg_out *out)
{
	return (strcasecmp(out->mime, "image/png") == 0 || strcasecmp(out->mime, "image/jpeg") == 0) &&
	       mg_pkg_is_web_image(out->data.data, out->data.len);
}

bool mg_image_part(mg_ctx *ctx, const unsigned char *d, size_t len, const char *name,
                   const char *declared_type, mg_out *out, const char **why)
{
	const char *format = mg_image_format(d, len);
	mg_status st;

	mg_out_init(out, ctx->policy->max_output);
	if (!format) {
		*why = unreadable_why(d, len);
		return false;
	}
	st = mg_sanitize_child(ctx, d, len, name, declared_type, out, NULL);
	if (st == MG_OK && is_raster(out))
		return true;
	if (st == MG_OK)
		*why = "not an image: the image family's output is no raster";
	else
		*why = "image that the image filter blocked";
	mg_out_free(out);
	mg_out_init(out, ctx->policy->max_output);
	return false;
}

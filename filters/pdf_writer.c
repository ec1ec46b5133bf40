/*
 * pdf_writer.c - the PDF writer behind flatten (see pdf_writer.h).
 *
 * Our own rather than cairo, libharu or qpdf's library: cairo cannot draw
 * text without embedding a font program, libharu has no glyphless CID font
 * with a ToUnicode map, and qpdf's library is C++ (its C API cannot build
 * content).  What is written is a fixed, small vocabulary: a catalog, a
 * page tree, per page one image XObject, one content stream and the page,
 * and one font shared by all pages.  Every number goes through pw_num()
 * or pw_num1() (no locale, no NaN or infinity), every string through hex,
 * so nothing taken from the input can change the file's syntax.
 *
 * The font: a Type0 font with Identity-H encoding over a CIDFontType2 with
 * no FontFile at all; CIDs are handed out in order of first use, and the
 * ToUnicode map says which character each CID is (UTF-16BE, surrogate
 * pairs above the BMP).  Text is drawn in render mode 3 (neither filled
 * nor stroked), so the glyphs are never painted and no viewer needs the
 * missing program, while extraction, search, copy and screen readers see
 * the characters at their places.
 */
#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

#include "pdf_writer.h"

/* CIDs are two bytes; 0 is .notdef, used once every other one is taken */
#define CID_MAX 0xffffu
/* the glyphless font's em box, in glyph units: advance 1000, ascent 800 */
#define PW_DESCENT 0.2
/* ToUnicode bfchar entries per block (the CMap limit is 100) */
#define BFCHAR_BLOCK 100
/* content streams are small: the default level is fast enough */
#define CONTENT_LEVEL 6

enum { OBJ_CATALOG = 1, OBJ_PAGES = 2 };

struct mg_pdfw {
	mg_buf *out;
	bool failed, full;
	size_t *offsets;          /* by object number; 0 = not written yet */
	unsigned nobj, capobj;
	unsigned *kids;
	unsigned nkids, capkids;
	unsigned font;            /* first of the font's 4 objects, 0 = none */
	GHashTable *cids;         /* code point -> CID */
	uint32_t *unicode;        /* CID -> code point */
	unsigned ncid;
	unsigned long unnamed;    /* characters past the last CID */
	/* the page being written */
	bool open, text;
	double wpt, hpt;
	unsigned image;
	mg_buf content;
};

/* ---- output ---- */

static int pw_fail(mg_pdfw *w)
{
	w->failed = true;
	return -1;
}

static int pw_put(mg_pdfw *w, mg_buf *b, const void *d, size_t len)
{
	if (w->failed)
		return -1;
	if (len > b->max || b->len > b->max - len) {
		w->full = true;
		return pw_fail(w);
	}
	return mg_buf_append(b, d, len) < 0 ? pw_fail(w) : 0;
}

static int pw_puts(mg_pdfw *w, mg_buf *b, const char *s)
{
	return pw_put(w, b, s, strlen(s));
}

static int pw_printf(mg_pdfw *w, mg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pw_printf(mg_pdfw *w, mg_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return pw_fail(w);
	return pw_put(w, b, tmp, (size_t)n);
}

/* A real number as PDF wants it: plain digits, at most two decimals,
 * within what every reader accepts; the locale plays no part. */
static int pw_num(mg_pdfw *w, mg_buf *b, double v)
{
	long long c;

	if (!isfinite(v))
		v = 0;
	v = fmin(fmax(v, -3e7), 3e7);
	c = llround(v * 100);
	if (c % 100 == 0)
		return pw_printf(w, b, "%lld ", c / 100);
	return pw_printf(w, b, "%s%lld.%02lld ", c < 0 ? "-" : "", llabs(c) / 100, llabs(c) % 100);
}

/* The same to a tenth: a text run's place and size, where a tenth of a
 * point is finer than any selection and the layer a tenth smaller. */
static int pw_num1(mg_pdfw *w, mg_buf *b, double v)
{
	long long c;

	if (!isfinite(v))
		v = 0;
	v = fmin(fmax(v, -3e7), 3e7);
	c = llround(v * 10);
	if (c % 10 == 0)
		return pw_printf(w, b, "%lld ", c / 10);
	return pw_printf(w, b, "%s%lld.%lld ", c < 0 ? "-" : "", llabs(c) / 10, llabs(c) % 10);
}

/* ---- objects ---- */

static unsigned pw_reserve(mg_pdfw *w)
{
	if (w->nobj + 1 >= w->capobj) {
		unsigned cap = w->capobj ? w->capobj * 2 : 64;
		size_t *p = realloc(w->offsets, cap * sizeof(*p));

		if (!p) {
			pw_fail(w);
			return 0;
		}
		memset(p + w->capobj, 0, (cap - w->capobj) * sizeof(*p));
		w->offsets = p;
		w->capobj = cap;
	}
	return ++w->nobj;
}

static int pw_begin_obj(mg_pdfw *w, unsigned n)
{
	if (w->failed || n == 0 || n > w->nobj || w->offsets[n])
		return pw_fail(w);
	w->offsets[n] = w->out->len;
	return pw_printf(w, w->out, "%u 0 obj\n", n);
}

/* A stream object: dict holds every key but /Length. */
static int pw_stream(mg_pdfw *w, unsigned n, const char *dict, const unsigned char *d, size_t len)
{
	pw_begin_obj(w, n);
	pw_printf(w, w->out, "<< %s /Length %zu >>\nstream\n", dict, len);
	pw_put(w, w->out, d, len);
	return pw_puts(w, w->out, "\nendstream\nendobj\n");
}

static int pw_flate_stream(mg_pdfw *w, unsigned n, const mg_buf *plain)
{
	mg_buf z;
	int rc;

	if (w->failed)
		return -1;
	mg_buf_init(&z, w->out->max);
	if (mg_pdfw_deflate(plain->data, plain->len, CONTENT_LEVEL, &z) < 0) {
		mg_buf_free(&z);
		w->full = true;
		return pw_fail(w);
	}
	rc = pw_stream(w, n, "/Filter /FlateDecode", z.data, z.len);
	mg_buf_free(&z);
	return rc;
}

/* libdeflate rather than zlib's stream: the whole input is at hand, and
 * its one-shot compressor writes the same zlib format in about half the
 * time at the same level, the page images being most of a flatten's
 * time after the rendering. */
int mg_pdfw_deflate(const unsigned char *data, size_t len, int level, mg_buf *out)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t bound, n = 0;
	unsigned char *z;
	int rc = -1;

	if (!c)
		return -1;
	bound = libdeflate_zlib_compress_bound(c, len);
	z = malloc(bound);
	if (z) {
		n = libdeflate_zlib_compress(c, data, len, z, bound);
		rc = n > 0 ? mg_buf_append(out, z, n) : -1;
	}
	free(z);
	libdeflate_free_compressor(c);
	return rc;
}

/* ---- the writer ---- */

mg_pdfw *mg_pdfw_new(mg_buf *out)
{
	mg_pdfw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->cids = g_hash_table_new(g_direct_hash, g_direct_equal);
	mg_buf_init(&w->content, out->max);
	/* the binary comment line tells transfer programs the file is binary */
	pw_puts(w, out, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
	if (pw_reserve(w) != OBJ_CATALOG || pw_reserve(w) != OBJ_PAGES)
		pw_fail(w);
	return w;
}

void mg_pdfw_free(mg_pdfw *w)
{
	if (!w)
		return;
	free(w->offsets);
	free(w->kids);
	free(w->unicode);
	g_hash_table_destroy(w->cids);
	mg_buf_free(&w->content);
	free(w);
}

bool mg_pdfw_failed(const mg_pdfw *w, bool *full)
{
	if (full)
		*full = w->full;
	return w->failed;
}

unsigned long mg_pdfw_unnamed(const mg_pdfw *w)
{
	return w->unnamed;
}

int mg_pdfw_page_begin(mg_pdfw *w, double wpt, double hpt)
{
	if (w->failed || w->open || !(wpt > 0 && hpt > 0 && wpt < 3e7 && hpt < 3e7))
		return pw_fail(w);
	w->open = true;
	w->text = false;
	w->image = 0;
	w->wpt = wpt;
	w->hpt = hpt;
	mg_buf_reset(&w->content);
	return 0;
}

static int pw_colour_space(mg_pdfw *w, const mg_pdfw_image *img)
{
	static const char hex[] = "0123456789abcdef";

	if (img->colour == MG_PDFW_GRAY)
		return pw_puts(w, w->out, "/ColorSpace /DeviceGray ");
	if (img->colour == MG_PDFW_RGB)
		return pw_puts(w, w->out, "/ColorSpace /DeviceRGB ");
	if (!img->palette || img->colours == 0 || img->colours > 256)
		return pw_fail(w);
	pw_printf(w, w->out, "/ColorSpace [/Indexed /DeviceRGB %u <", img->colours - 1);
	for (unsigned i = 0; i < img->colours * 3; i++) {
		char h[2] = { hex[img->palette[i] >> 4], hex[img->palette[i] & 15] };

		pw_put(w, w->out, h, 2);
	}
	return pw_puts(w, w->out, ">] ");
}

int mg_pdfw_page_image(mg_pdfw *w, const mg_pdfw_image *img)
{
	bool bits_ok = img->bits == 8 || (img->colour != MG_PDFW_INDEXED && !img->jpeg &&
	                                  (img->bits == 1 || img->bits == 2 || img->bits == 4));

	if (w->failed || !w->open || w->image || img->width == 0 || img->height == 0 || !bits_ok ||
	    (img->jpeg && img->colour == MG_PDFW_INDEXED))
		return pw_fail(w);
	w->image = pw_reserve(w);
	pw_begin_obj(w, w->image);
	pw_printf(w, w->out, "<< /Type /XObject /Subtype /Image /Width %u /Height %u "
	          "/BitsPerComponent %u ", img->width, img->height, img->bits);
	pw_colour_space(w, img);
	pw_puts(w, w->out, img->jpeg ? "/Filter /DCTDecode " : "/Filter /FlateDecode ");
	pw_printf(w, w->out, "/Length %zu >>\nstream\n", img->len);
	pw_put(w, w->out, img->data, img->len);
	return pw_puts(w, w->out, "\nendstream\nendobj\n");
}

/* ---- text ---- */

static unsigned pw_cid(mg_pdfw *w, uint32_t cp)
{
	gpointer v;

	if (g_hash_table_lookup_extended(w->cids, GUINT_TO_POINTER(cp), NULL, &v))
		return GPOINTER_TO_UINT(v);
	if (w->ncid >= CID_MAX) {
		w->unnamed++;
		return 0;
	}
	if ((w->ncid & 255) == 0) {
		uint32_t *p = realloc(w->unicode, (w->ncid + 257) * sizeof(*p));

		if (!p) {
			pw_fail(w);
			return 0;
		}
		w->unicode = p;
	}
	w->unicode[++w->ncid] = cp;
	g_hash_table_insert(w->cids, GUINT_TO_POINTER(cp), GUINT_TO_POINTER(w->ncid));
	return w->ncid;
}

static bool pw_char_ok(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7f && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

/* The text matrix: the run's box filled by its glyphs, one em across the
 * line, the advances scaled to the box's length, the glyphs' feet on the
 * side the run's direction puts them (the em box is 0.8 above the
 * baseline and 0.2 below). */
static int pw_run_matrix(mg_pdfw *w, const mg_pdfw_run *r, size_t glyphs)
{
	bool across = r->dir == MG_PDFW_SOUTH || r->dir == MG_PDFW_NORTH;
	double wd = r->x1 - r->x0, ht = r->y1 - r->y0;
	double size = across ? wd : ht, len = across ? ht : wd, k, m[6];

	if (!(size > 0))
		size = 1;
	k = len > 0 ? len / (double)glyphs : size;
	switch (r->dir) {
	case MG_PDFW_SOUTH: /* advance down, glyph tops to the right */
		m[0] = 0, m[1] = -k, m[2] = size, m[3] = 0;
		m[4] = r->x0 + PW_DESCENT * size, m[5] = r->y1;
		break;
	case MG_PDFW_WEST: /* advance left, glyph tops down */
		m[0] = -k, m[1] = 0, m[2] = 0, m[3] = -size;
		m[4] = r->x1, m[5] = r->y1 - PW_DESCENT * size;
		break;
	case MG_PDFW_NORTH: /* advance up, glyph tops to the left */
		m[0] = 0, m[1] = k, m[2] = -size, m[3] = 0;
		m[4] = r->x1 - PW_DESCENT * size, m[5] = r->y0;
		break;
	default:
		m[0] = k, m[1] = 0, m[2] = 0, m[3] = size;
		m[4] = r->x0, m[5] = r->y0 + PW_DESCENT * size;
		break;
	}
	for (int i = 0; i < 6; i++)
		pw_num1(w, &w->content, m[i]);
	return pw_puts(w, &w->content, "Tm <");
}

int mg_pdfw_page_run(mg_pdfw *w, const mg_pdfw_run *r)
{
	static const char hex[] = "0123456789abcdef";
	size_t glyphs = 0;

	if (w->failed || !w->open)
		return pw_fail(w);
	for (size_t i = 0; i < r->n; i++)
		glyphs += pw_char_ok(r->chars[i]);
	if (glyphs == 0)
		return 0;
	if (!w->font) {
		w->font = pw_reserve(w);
		for (int i = 0; i < 3; i++)
			pw_reserve(w);
	}
	if (!w->text) {
		/* render mode 3: the glyphs are placed, never painted */
		pw_puts(w, &w->content, "BT\n3 Tr\n/F0 1 Tf\n");
		w->text = true;
	}
	pw_run_matrix(w, r, glyphs);
	for (size_t i = 0; i < r->n; i++) {
		unsigned cid;
		char h[4];

		if (!pw_char_ok(r->chars[i]))
			continue;
		cid = pw_cid(w, r->chars[i]);
		h[0] = hex[(cid >> 12) & 15];
		h[1] = hex[(cid >> 8) & 15];
		h[2] = hex[(cid >> 4) & 15];
		h[3] = hex[cid & 15];
		pw_put(w, &w->content, h, 4);
	}
	return pw_puts(w, &w->content, "> Tj\n");
}

int mg_pdfw_page_end(mg_pdfw *w)
{
	mg_buf draw;
	unsigned contents, page;

	if (w->failed || !w->open || !w->image)
		return pw_fail(w);
	w->open = false;
	/* the image first, so the text lies over it; both in one stream */
	mg_buf_init(&draw, w->content.max);
	pw_puts(w, &draw, "q ");
	pw_num(w, &draw, w->wpt);
	pw_puts(w, &draw, "0 0 ");
	pw_num(w, &draw, w->hpt);
	pw_puts(w, &draw, "0 0 cm /Im0 Do Q\n");
	pw_put(w, &draw, w->content.data, w->content.len);
	if (w->text)
		pw_puts(w, &draw, "ET\n");
	contents = pw_reserve(w);
	pw_flate_stream(w, contents, &draw);
	mg_buf_free(&draw);
	page = pw_reserve(w);
	pw_begin_obj(w, page);
	pw_printf(w, w->out, "<< /Type /Page /Parent %u 0 R /MediaBox [0 0 ", OBJ_PAGES);
	pw_num(w, w->out, w->wpt);
	pw_num(w, w->out, w->hpt);
	pw_printf(w, w->out, "] /Resources << /XObject << /Im0 %u 0 R >> ", w->image);
	if (w->text)
		pw_printf(w, w->out, "/Font << /F0 %u 0 R >> ", w->font);
	pw_printf(w, w->out, ">> /Contents %u 0 R >>\nendobj\n", contents);
	if (w->failed)
		return -1;
	if (w->nkids == w->capkids) {
		unsigned cap = w->capkids ? w->capkids * 2 : 16;
		unsigned *p = realloc(w->kids, cap * sizeof(*p));

		if (!p)
			return pw_fail(w);
		w->kids = p;
		w->capkids = cap;
	}
	w->kids[w->nkids++] = page;
	return 0;
}

/* ---- the end ---- */

static void pw_utf16(mg_pdfw *w, mg_buf *b, uint32_t cp)
{
	if (cp < 0x10000) {
		pw_printf(w, b, "%04X", cp);
		return;
	}
	cp -= 0x10000;
	pw_printf(w, b, "%04X%04X", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
}

static int pw_tounicode(mg_pdfw *w, unsigned n)
{
	mg_buf cmap;
	int rc;

	mg_buf_init(&cmap, w->out->max);
	pw_puts(w, &cmap, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
	        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
	        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
	        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	for (unsigned first = 1; first <= w->ncid; first += BFCHAR_BLOCK) {
		unsigned last = first + BFCHAR_BLOCK - 1 < w->ncid ? first + BFCHAR_BLOCK - 1 : w->ncid;

		pw_printf(w, &cmap, "%u beginbfchar\n", last - first + 1);
		for (unsigned cid = first; cid <= last; cid++) {
			pw_printf(w, &cmap, "<%04X> <", cid);
			pw_utf16(w, &cmap, w->unicode[cid]);
			pw_puts(w, &cmap, ">\n");
		}
		pw_puts(w, &cmap, "endbfchar\n");
	}
	pw_puts(w, &cmap, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
	rc = pw_flate_stream(w, n, &cmap);
	mg_buf_free(&cmap);
	return rc;
}

/* Type0 over a CIDFontType2 whose descriptor names no font file: there is
 * no glyph program anywhere in the output. */
static int pw_font(mg_pdfw *w)
{
	unsigned f = w->font;

	pw_begin_obj(w, f);
	pw_printf(w, w->out, "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont "
	          "/Encoding /Identity-H /DescendantFonts [%u 0 R] /ToUnicode %u 0 R >>\nendobj\n",
	          f + 1, f + 3);
	pw_begin_obj(w, f + 1);
	pw_printf(w, w->out, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
	          "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
	          "/FontDescriptor %u 0 R /DW 1000 /CIDToGIDMap /Identity >>\nendobj\n", f + 2);
	pw_begin_obj(w, f + 2);
	pw_puts(w, w->out, "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
	        "/FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 "
	        "/CapHeight 800 /StemV 80 >>\nendobj\n");
	return pw_tounicode(w, f + 3);
}

static int pw_xref(mg_pdfw *w)
{
	size_t start = w->out->len;

	pw_printf(w, w->out, "xref\n0 %u\n0000000000 65535 f \n", w->nobj + 1);
	for (unsigned i = 1; i <= w->nobj && !w->failed; i++) {
		if (!w->offsets[i])
			return pw_fail(w);
		pw_printf(w, w->out, "%010zu 00000 n \n", w->offsets[i]);
	}
	pw_printf(w, w->out, "trailer\n<< /Size %u /Root %u 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	          w->nobj + 1, OBJ_CATALOG, start);
	return w->failed ? -1 : 0;
}

int mg_pdfw_finish(mg_pdfw *w)
{
	if (w->failed || w->open || w->nkids == 0)
		return pw_fail(w);
	if (w->font)
		pw_font(w);
	pw_begin_obj(w, OBJ_PAGES);
	pw_puts(w, w->out, "<< /Type /Pages /Kids [");
	for (unsigned i = 0; i < w->nkids; i++)
		pw_printf(w, w->out, "%u 0 R ", w->kids[i]);
	pw_printf(w, w->out, "] /Count %u >>\nendobj\n", w->nkids);
	pw_begin_obj(w, OBJ_CATALOG);
	pw_printf(w, w->out, "<< /Type /Catalog /Pages %u 0 R >>\nendobj\n", OBJ_PAGES);
	return pw_xref(w);
}

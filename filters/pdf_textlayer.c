/*
 * pdf_textlayer.c - the original page's text, for the invisible layer of
 * its flattened copy.
 *
 * poppler gives the page's text in reading order and one box per
 * character (poppler_page_get_text_layout).  The characters are cut into
 * words at white space and wherever the next box does not follow on the
 * same line; each word becomes one run over the union of its boxes, so
 * that the new page's words sit where the old ones were and extraction,
 * search and selection find them there.  A word advances the way its boxes
 * go: down the page for vertical Japanese or text turned clockwise, up for
 * text turned the other way, leftwards for text upside down (a page turned
 * half round), each written turned to match, in reading order.  Hebrew or
 * Arabic, whose boxes go leftwards too, is written in visual order, so
 * that a reader orders it exactly as it ordered the original.  A word of
 * one character goes the way the word before it went.
 */
#include <math.h>
#include <stdlib.h>

#include "pdf_priv.h"

/* two boxes are on one line when they overlap by this share of the
 * smaller one across the line... */
#define LINE_OVERLAP 0.5
/* ...and are no further apart along it than this many line heights */
#define WORD_GAP 1.5

struct word {
	uint32_t *chars;
	size_t n;
	const PopplerRectangle *first, *last;
	double x0, y0, x1, y1;   /* poppler's space: origin top left */
	mg_pdfw_dir dir;         /* of the last word of two or more characters */
};

/* Scripts written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko and
 * their presentation forms, and those above the BMP). */
static bool rtl_char(uint32_t c)
{
	return (c >= 0x0590 && c <= 0x08ff) || (c >= 0xfb1d && c <= 0xfdff) ||
	       (c >= 0xfe70 && c <= 0xfeff) || (c >= 0x10800 && c <= 0x10fff) ||
	       (c >= 0x1e800 && c <= 0x1efff);
}

static bool rtl_word(const struct word *wd)
{
	for (size_t i = 0; i < wd->n; i++)
		if (rtl_char(wd->chars[i]))
			return true;
	return false;
}

static void reverse(uint32_t *c, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint32_t t = c[i];

		c[i] = c[n - 1 - i];
		c[n - 1 - i] = t;
	}
}

static double overlap(double a0, double a1, double b0, double b1)
{
	double lo = fmax(a0, b0), hi = fmin(a1, b1), small = fmin(a1 - a0, b1 - b0);

	return small > 0 ? (hi - lo) / small : 0;
}

/* Whether box b can follow box a in one word, across or down the page. */
static bool follows(const PopplerRectangle *a, const PopplerRectangle *b)
{
	double ha = a->y2 - a->y1, wa = a->x2 - a->x1;
	double ca = (a->x1 + a->x2) / 2, cb = (b->x1 + b->x2) / 2;
	double ma = (a->y1 + a->y2) / 2, mb = (b->y1 + b->y2) / 2;

	if (overlap(a->y1, a->y2, b->y1, b->y2) >= LINE_OVERLAP &&
	    fabs(cb - ca) <= WORD_GAP * fmax(ha, b->y2 - b->y1))
		return true;
	return overlap(a->x1, a->x2, b->x1, b->x2) >= LINE_OVERLAP &&
	       fabs(mb - ma) <= WORD_GAP * fmax(wa, b->x2 - b->x1);
}

static void word_add(struct word *wd, uint32_t c, const PopplerRectangle *r)
{
	if (wd->n == 0) {
		wd->first = r;
		wd->x0 = r->x1;
		wd->y0 = r->y1;
		wd->x1 = r->x2;
		wd->y1 = r->y2;
	} else {
		wd->x0 = fmin(wd->x0, r->x1);
		wd->y0 = fmin(wd->y0, r->y1);
		wd->x1 = fmax(wd->x1, r->x2);
		wd->y1 = fmax(wd->y1, r->y2);
	}
	wd->last = r;
	wd->chars[wd->n++] = c;
}

static void word_emit(struct word *wd, double hpt, mg_pdfw *w)
{
	mg_pdfw_run run = { .chars = wd->chars, .n = wd->n };
	double dx, dy;

	if (wd->n == 0)
		return;
	dx = (wd->last->x1 + wd->last->x2 - wd->first->x1 - wd->first->x2) / 2;
	dy = (wd->last->y1 + wd->last->y2 - wd->first->y1 - wd->first->y2) / 2;
	if (wd->n > 1)
		wd->dir = fabs(dy) > fabs(dx) ? (dy > 0 ? MG_PDFW_SOUTH : MG_PDFW_NORTH)
		          : dx < 0          ? MG_PDFW_WEST
		                            : MG_PDFW_EAST;
	run.dir = wd->dir;
	if (run.dir == MG_PDFW_WEST && rtl_word(wd)) {
		/* right to left by nature, not turned: drawn in visual order */
		reverse(wd->chars, wd->n);
		run.dir = MG_PDFW_EAST;
	}
	run.x0 = wd->x0;
	run.x1 = wd->x1;
	run.y0 = hpt - wd->y1;
	run.y1 = hpt - wd->y0;
	mg_pdfw_page_run(w, &run);
	wd->n = 0;
}

/* Bidirectional controls (embeddings, overrides, isolates, marks) that
 * poppler puts around right-to-left lines in its text have no box. */
static bool bidi_control(gunichar c)
{
	return c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

static glong drop_bidi_controls(gunichar *c, glong n)
{
	glong k = 0;

	for (glong i = 0; i < n; i++)
		if (!bidi_control(c[i]))
			c[k++] = c[i];
	return k;
}

long mg_pdf_text_layer(PopplerPage *page, double hpt, mg_pdfw *w)
{
	char *text = poppler_page_get_text(page);
	PopplerRectangle *rects = NULL;
	guint nrects = 0;
	glong n = 0;
	gunichar *chars = NULL;
	struct word wd = { 0 };
	long laid = 0;

	if (!text || !*text) {
		g_free(text);
		return 0;
	}
	if (!poppler_page_get_text_layout(page, &rects, &nrects) ||
	    !(chars = g_utf8_to_ucs4_fast(text, -1, &n)) ||
	    (guint)(n = drop_bidi_controls(chars, n)) != nrects ||
	    !(wd.chars = malloc((size_t)n * sizeof(*wd.chars)))) {
		laid = -1;
		goto done;
	}
	for (glong i = 0; i < n; i++) {
		if (g_unichar_isspace(chars[i]) || chars[i] < 0x20) {
			word_emit(&wd, hpt, w);
			continue;
		}
		if (wd.n > 0 && !follows(wd.last, &rects[i]))
			word_emit(&wd, hpt, w);
		word_add(&wd, chars[i], &rects[i]);
		laid++;
	}
	word_emit(&wd, hpt, w);
done:
	free(wd.chars);
	g_free(chars);
	g_free(rects);
	g_free(text);
	return laid;
}

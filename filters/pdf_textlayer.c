/*
 * pdf_textlayer.c - the original page's text, for the invisible layer of
 * its flattened copy.
 *
 * poppler gives the page's text in reading order and one box per
 * character (poppler_page_get_text_layout).  The characters are cut into
 * words at white space and wherever the next box does not follow on the
 * same line; each word becomes one run over the union of its boxes, so
 * that the new page's words sit where the old ones were and extraction,
 * search and selection find them there.  A word whose boxes go down the
 * page is vertical text and is written turned, top to bottom; one whose
 * boxes go right to left is written in visual order, so that a reader
 * orders it exactly as it ordered the original.
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
};

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
	run.vertical = wd->n > 1 && fabs(dy) > fabs(dx);
	if (!run.vertical && dx < 0) /* right to left: drawn in visual order */
		for (size_t i = 0; i < wd->n / 2; i++) {
			uint32_t t = wd->chars[i];

			wd->chars[i] = wd->chars[wd->n - 1 - i];
			wd->chars[wd->n - 1 - i] = t;
		}
	run.x0 = wd->x0;
	run.x1 = wd->x1;
	run.y0 = hpt - wd->y1;
	run.y1 = hpt - wd->y0;
	mg_pdfw_page_run(w, &run);
	wd->n = 0;
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
	    !(chars = g_utf8_to_ucs4_fast(text, -1, &n)) || (guint)n != nrects ||
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

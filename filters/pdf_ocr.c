/*
 * pdf_ocr.c - Tesseract's words for a flattened page that has no text of
 * its own (a scan), laid like the original's text: invisible runs over
 * the boxes Tesseract found them in.
 *
 * The engine (libtesseract, the policy's ocr_languages) is loaded once per
 * process and kept: the worker loads it before its sandbox closes (the
 * traineddata files are read then, never from inside), so every job
 * process starts with it warm.  Tesseract's OpenMP threads are turned off:
 * a thread pool does not survive the worker's fork, and the worker's CPU
 * share is one core per job anyway.  Each page gets ocr_page_seconds (and
 * never more than the item has left): Tesseract's monitor stops the
 * recognition there and the page keeps its image only, with a note.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "pdf_priv.h"

/* libgomp, linked with libtesseract; declared here so that no OpenMP
 * compiler flag is needed.  0 active levels: every parallel region runs
 * on the calling thread alone, none is ever started. */
extern void omp_set_max_active_levels(int levels);

/* Tesseract's word boxes are whole pixels; below this size a page is too
 * small to hold a readable word. */
#define MIN_SIDE 8

static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static TessBaseAPI *engine;
static char engine_langs[sizeof(((mg_policy *)0)->ocr_languages)];

/* The engine for langs, loaded on first use and kept; NULL when
 * Tesseract or one of the languages' data is missing.  Called with
 * engine_lock held. */
/* Before Tesseract's own static objects go (its dictionary cache, made
 * during the first Init and so destroyed after a handler registered
 * after it), which would otherwise complain on stderr and leak what the
 * engine still holds. */
static void engine_free(void)
{
	pthread_mutex_lock(&engine_lock);
	if (engine)
		TessBaseAPIDelete(engine);
	engine = NULL;
	pthread_mutex_unlock(&engine_lock);
}

static TessBaseAPI *engine_for(const char *langs)
{
	static bool registered;

	if (engine && strcmp(engine_langs, langs) == 0)
		return engine;
	if (engine)
		TessBaseAPIDelete(engine);
	engine_langs[0] = 0;
	omp_set_max_active_levels(0);
	if (!(engine = TessBaseAPICreate()))
		return NULL;
	if (TessBaseAPIInit3(engine, NULL, langs) != 0) {
		TessBaseAPIDelete(engine);
		return engine = NULL;
	}
	if (!registered)
		registered = atexit(engine_free) == 0;
	TessBaseAPISetPageSegMode(engine, PSM_AUTO);
	snprintf(engine_langs, sizeof(engine_langs), "%s", langs);
	return engine;
}

int mg_policy_check_ocr(const mg_policy *p, char **err)
{
	TessBaseAPI *api;
	int rc;

	*err = NULL;
	if (p->ocr == MG_OCR_NO || !p->pdf_text_layer)
		return 0;
	if (!(api = TessBaseAPICreate()))
		rc = -1;
	else
		rc = TessBaseAPIInit3(api, NULL, p->ocr_languages) == 0 ? 0 : -1;
	if (api)
		TessBaseAPIDelete(api);
	if (rc < 0 && asprintf(err, "policy.ocr_languages: Tesseract cannot load '%s' (is each "
	                       "language's tesseract-ocr-* package installed?)",
	                       p->ocr_languages) < 0)
		*err = NULL;
	return rc;
}

/* A few dark bars on white: enough for one recognition to allocate what
 * Tesseract allocates on first use. */
int mg_ocr_warm(const mg_policy *p)
{
	enum { W = 160, H = 48 };
	static unsigned char px[W * H];
	TessBaseAPI *api;
	int rc = 0;

	if (p->ocr == MG_OCR_NO)
		return 0;
	memset(px, 255, sizeof(px));
	for (int y = 16; y < 32; y++)
		for (int x = 8; x < W - 8; x++)
			if (x % 24 < 14)
				px[y * W + x] = 0;
	pthread_mutex_lock(&engine_lock);
	if (!(api = engine_for(p->ocr_languages))) {
		rc = -1;
	} else {
		TessBaseAPISetImage(api, px, W, H, 1, W);
		TessBaseAPISetSourceResolution(api, 150);
		omp_set_max_active_levels(0);
		rc = TessBaseAPIRecognize(api, NULL) == 0 ? 0 : -1;
		TessBaseAPIClear(api);
	}
	pthread_mutex_unlock(&engine_lock);
	return rc;
}

int mg_pdf_ocr_grab(cairo_surface_t *img, unsigned dpi, double wpt, double hpt,
                    struct mg_pdf_ocr_page *pg)
{
	const unsigned char *data = cairo_image_surface_get_data(img);
	size_t stride = (size_t)cairo_image_surface_get_stride(img);
	int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);

	*pg = (struct mg_pdf_ocr_page){ .w = (unsigned)w, .h = (unsigned)h, .dpi = dpi,
	                                .wpt = wpt, .hpt = hpt };
	if (!(pg->grey = malloc((size_t)w * (size_t)h)))
		return -1;
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
		unsigned char *g = pg->grey + (size_t)y * (size_t)w;

		for (int x = 0; x < w; x++) {
			uint32_t p = row[x];

			g[x] = (unsigned char)((((p >> 16) & 255) * 77 + ((p >> 8) & 255) * 150 +
			                        (p & 255) * 29) >> 8);
		}
	}
	return 0;
}

void mg_pdf_ocr_release(struct mg_pdf_ocr_page *pg)
{
	free(pg->grey);
	pg->grey = NULL;
}

/* Tesseract asks this between words: past the page's end, stop. */
static bool past(void *limit, int words)
{
	(void)words;
	return mg_now() > *(const double *)limit;
}

/* Whether the centre of a word's box (points, origin top left) is on a
 * character of the page's own text, which is exact where OCR guesses. */
static bool on_own_text(const PopplerRectangle *own, guint n, double x, double y)
{
	for (guint i = 0; i < n; i++)
		if (x >= own[i].x1 && x <= own[i].x2 && y >= own[i].y1 && y <= own[i].y2)
			return true;
	return false;
}

/* One word as a run: across its own box (pixels, origin top left), up
 * and down its line's, so that the words of a line share a baseline and a
 * reader keeps them on one line; none when on the page's own text. */
static long lay_word(const TessResultIterator *it, const struct mg_pdf_ocr_page *pg,
                     const int line[4], const PopplerRectangle *own, guint n_own, mg_pdfw *w)
{
	char *utf8 = TessResultIteratorGetUTF8Text(it, RIL_WORD);
	double sx = pg->wpt / pg->w, sy = pg->hpt / pg->h;
	int l, t, r, b;
	glong n = 0;
	gunichar *chars = utf8 ? g_utf8_to_ucs4_fast(utf8, -1, &n) : NULL;
	long laid = 0;

	if (chars && n > 0 &&
	    TessPageIteratorBoundingBox(TessResultIteratorGetPageIteratorConst(it), RIL_WORD, &l,
	                                &t, &r, &b) &&
	    !on_own_text(own, n_own, (l + r) * sx / 2, (t + b) * sy / 2)) {
		mg_pdfw_run run = { .chars = chars, .n = (size_t)n, .dir = MG_PDFW_EAST };

		run.x0 = l * sx;
		run.x1 = r * sx;
		run.y0 = pg->hpt - (line[3] > line[1] ? line[3] : b) * sy;
		run.y1 = pg->hpt - (line[3] > line[1] ? line[1] : t) * sy;
		mg_pdfw_page_run(w, &run);
		laid = n;
	}
	g_free(chars);
	TessDeleteText(utf8);
	return laid;
}

/* Every word Tesseract found, in its reading order; returns the
 * characters laid. */
static long lay_words(TessBaseAPI *api, const struct mg_pdf_ocr_page *pg,
                      const PopplerRectangle *own, guint n_own, mg_pdfw *w)
{
	TessResultIterator *it = TessBaseAPIGetIterator(api);
	int line[4] = { 0 }; /* left, top, right, bottom */
	long laid = 0;

	if (!it)
		return 0;
	do {
		const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(it);

		if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE) &&
		    !TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &line[0], &line[1], &line[2],
		                                 &line[3]))
			memset(line, 0, sizeof(line));
		laid += lay_word(it, pg, line, own, n_own, w);
	} while (TessResultIteratorNext(it, RIL_WORD));
	TessResultIteratorDelete(it);
	return laid;
}

/* Recognises the page within its budget; 0, or -1 when stopped there. */
static int recognise(TessBaseAPI *api, const struct mg_pdf_ocr_page *pg, double limit)
{
	ETEXT_DESC *monitor = TessMonitorCreate();
	double left = limit - mg_now();
	int rc;

	if (!monitor)
		return -1;
	TessMonitorSetCancelFunc(monitor, past);
	TessMonitorSetCancelThis(monitor, &limit);
	TessMonitorSetDeadlineMSecs(monitor, left > 0 ? (int)(left * 1000) : 0);
	TessBaseAPISetImage(api, pg->grey, (int)pg->w, (int)pg->h, 1, (int)pg->w);
	TessBaseAPISetSourceResolution(api, (int)pg->dpi);
	omp_set_max_active_levels(0);
	rc = left > 0 ? TessBaseAPIRecognize(api, monitor) : -1;
	if (rc == 0 && mg_now() > limit)
		rc = -1;
	TessMonitorDelete(monitor);
	return rc;
}

long mg_pdf_ocr(mg_ctx *ctx, const struct mg_pdf_ocr_page *pg, PopplerPage *own, mg_pdfw *w,
                const char **why)
{
	const mg_policy *p = ctx->policy;
	double limit = mg_now() + p->ocr_page_seconds;
	PopplerRectangle *rects = NULL;
	guint nrects = 0;
	TessBaseAPI *api;
	long laid = -1;

	*why = NULL;
	if (limit > mg_deadline(ctx))
		limit = mg_deadline(ctx);
	if (pg->w < MIN_SIDE || pg->h < MIN_SIDE)
		return 0;
	if (own && !poppler_page_get_text_layout(own, &rects, &nrects))
		nrects = 0;
	pthread_mutex_lock(&engine_lock);
	if (!(api = engine_for(p->ocr_languages)))
		*why = "Tesseract or its language data could not be loaded";
	else if (recognise(api, pg, limit) < 0)
		*why = "over its time budget";
	else
		laid = lay_words(api, pg, rects, nrects, w);
	if (api)
		TessBaseAPIClear(api);
	pthread_mutex_unlock(&engine_lock);
	g_free(rects);
	return laid;
}

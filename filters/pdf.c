/*
 * pdf.c - the PDF family through poppler (reading) and cairo (writing).
 *
 * flatten (default): every page is rendered at the policy's pdf_dpi and a
 * new PDF is written (pdf_writer.c) whose pages each hold that one image,
 * at the page's size in points, and, unless policy.pdf_text_layer is no,
 * the original page's text as an invisible layer at its places
 * (pdf_textlayer.c), so that the copy can be searched, copied from and
 * read aloud.  A page with no text of its own (a scan) gets Tesseract's
 * words instead (pdf_ocr.c, policy.ocr).  The output is a new file built from pixels and code
 * points, so none of the original's objects can survive: no JavaScript,
 * actions, forms, XFA, embedded files, links, font programs or metadata.
 * Annotations are rendered as they appear on screen (a filled form looks
 * filled), never carried as objects.
 *
 * text: the text of each page in reading order, pages separated by a form
 * feed.
 *
 * In both modes the active content poppler can see (JavaScript, link and
 * form actions, embedded files, form fields, multimedia annotations) is
 * listed in the report.  A PDF that needs a password is blocked as
 * encrypted; one that opens with the empty user password is processed and
 * the report says it was encrypted.  poppler-glib routes its parser
 * warnings to g_log at the info level, so broken files print nothing.
 */
#include <cairo.h>
#include <math.h>
#include <poppler.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_priv.h"
#include "pdf_unlock.h"

/* cairo cannot make an image surface wider or taller than this */
#define CAIRO_MAX_SIDE 32767
/* at most this many URIs or attachment names are listed one by one */
#define LIST_MAX 20

struct pdf_tally {
	unsigned actions[POPPLER_ACTION_RESET_FORM + 1];
	unsigned annots[POPPLER_ANNOT_WATERMARK + 1];
	unsigned fields, field_actions, listed_uris;
};

struct pdf_job {
	mg_ctx *ctx;
	PopplerDocument *doc;
	mg_out *out;
	mg_pdfw *w;               /* the new document (flatten) */
	bool overflow;            /* the extracted text passed max_output */
	struct pdf_tally tally;
	unsigned jpeg_pages, text_pages, ocr_pages;
	double since;             /* when the stage being timed began */
};

/* ---- opening ---- */

static mg_status pdf_open_error(mg_ctx *ctx, const GError *err)
{
	if (g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
		return mg_fail(ctx, MG_E_ENCRYPTED, "PDF is encrypted and needs a password");
	return mg_fail(ctx, MG_E_MALFORMED, "PDF cannot be read: %s",
	               err && err->message ? err->message : "unknown error");
}

/* poppler-glib has no "is encrypted" call, and its retry with a second
 * password on a memory stream is unsafe (poppler 22.x), so no probe with a
 * wrong password: restricted permissions prove encryption, and an /Encrypt
 * key in the trailer (plain text even with cross-reference streams) shows
 * it when every permission is granted. */
static bool pdf_was_encrypted(PopplerDocument *doc, const mg_item *item)
{
	if ((poppler_document_get_permissions(doc) & POPPLER_PERMISSIONS_FULL) !=
	    POPPLER_PERMISSIONS_FULL)
		return true;
	return memmem(item->data, item->len, "/Encrypt", 8) != NULL;
}

/* poppler-glib warns through g_warning about annotation types it does not
 * map (RichMedia, 3D): the report lists those, the log need not. */
static void pdf_quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
                          gpointer data)
{
}

static void pdf_silence_poppler(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		g_log_set_handler("Poppler", G_LOG_LEVEL_MASK, pdf_quiet_log, NULL);
		g_once_init_leave(&once, 1);
	}
}

static mg_status pdf_open(mg_ctx *ctx, const mg_item *item, PopplerDocument **doc)
{
	GBytes *bytes = g_bytes_new_static(item->data, item->len);
	GError *err = NULL;
	mg_status st = MG_OK;
	bool unlocked = false;

	pdf_silence_poppler();
	*doc = poppler_document_new_from_bytes(bytes, NULL, &err);
	if (!*doc && g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
		unlocked = (*doc = mg_pdf_unlock(ctx, item)) != NULL;
	if (!*doc)
		st = pdf_open_error(ctx, err);
	else if (!unlocked && pdf_was_encrypted(*doc, item))
		mg_report_finding(ctx, "encrypted PDF (opened with the empty user password)");
	g_clear_error(&err);
	g_bytes_unref(bytes);
	return st;
}

/* ---- what the document carries ---- */

/* The embedded files are counted, not listed by name: poppler-glib's only
 * call that names them, poppler_document_get_attachments(), dereferences
 * NULL when an entry of the name tree refers to a string (poppler 22.12),
 * while the count reads the tree alone. */
static void pdf_report_document(mg_ctx *ctx, PopplerDocument *doc)
{
	guint n = poppler_document_get_n_attachments(doc);

	if (poppler_document_has_javascript(doc))
		mg_report_removed(ctx, "PDF JavaScript", "scripts are not carried over");
	if (n > 0)
		mg_report_removed(ctx, "PDF embedded file", "%u embedded file%s not carried over", n,
		                  n == 1 ? " is" : "s are");
}

static void pdf_tally_action(mg_ctx *ctx, struct pdf_tally *t, const PopplerAction *a)
{
	if (!a || (unsigned)a->type > POPPLER_ACTION_RESET_FORM)
		return;
	t->actions[a->type]++;
	if (a->type == POPPLER_ACTION_URI && a->uri.uri && t->listed_uris++ < LIST_MAX)
		mg_report_removed(ctx, "PDF URI link", "%s", a->uri.uri);
	else if (a->type == POPPLER_ACTION_LAUNCH && a->launch.file_name)
		mg_report_removed(ctx, "PDF Launch action", "would start '%s'", a->launch.file_name);
	else if (a->type == POPPLER_ACTION_GOTO_REMOTE && a->goto_remote.file_name)
		mg_report_removed(ctx, "PDF GoToR action", "would open '%s'", a->goto_remote.file_name);
}

static void pdf_scan_fields(mg_ctx *ctx, struct pdf_tally *t, PopplerPage *page)
{
	static const PopplerAdditionalActionType aa[] = {
		POPPLER_ADDITIONAL_ACTION_FIELD_MODIFIED, POPPLER_ADDITIONAL_ACTION_FORMAT_FIELD,
		POPPLER_ADDITIONAL_ACTION_VALIDATE_FIELD, POPPLER_ADDITIONAL_ACTION_CALCULATE_FIELD,
	};
	GList *fields = poppler_page_get_form_field_mapping(page);

	for (GList *l = fields; l; l = l->next) {
		PopplerFormField *f = ((PopplerFormFieldMapping *)l->data)->field;

		t->fields++;
		pdf_tally_action(ctx, t, poppler_form_field_get_action(f));
		for (size_t i = 0; i < sizeof(aa) / sizeof(aa[0]); i++) {
			PopplerAction *a = poppler_form_field_get_additional_action(f, aa[i]);

			if (a) {
				t->field_actions++;
				pdf_tally_action(ctx, t, a);
			}
		}
	}
	poppler_page_free_form_field_mapping(fields);
}

static void pdf_scan_page(mg_ctx *ctx, struct pdf_tally *t, PopplerPage *page)
{
	GList *links = poppler_page_get_link_mapping(page);
	GList *annots = poppler_page_get_annot_mapping(page);

	for (GList *l = links; l; l = l->next)
		pdf_tally_action(ctx, t, ((PopplerLinkMapping *)l->data)->action);
	for (GList *l = annots; l; l = l->next) {
		PopplerAnnot *a = ((PopplerAnnotMapping *)l->data)->annot;
		PopplerAnnotType type = poppler_annot_get_annot_type(a);

		if ((unsigned)type <= POPPLER_ANNOT_WATERMARK)
			t->annots[type]++;
		if (type == POPPLER_ANNOT_SCREEN)
			pdf_tally_action(ctx, t, poppler_annot_screen_get_action(POPPLER_ANNOT_SCREEN(a)));
	}
	poppler_page_free_link_mapping(links);
	poppler_page_free_annot_mapping(annots);
	pdf_scan_fields(ctx, t, page);
}

static void pdf_report_tally(mg_ctx *ctx, const struct pdf_tally *t)
{
	static const struct { PopplerActionType type; const char *what; } acts[] = {
		{ POPPLER_ACTION_JAVASCRIPT, "PDF JavaScript action" },
		{ POPPLER_ACTION_LAUNCH, "PDF Launch actions" },
		{ POPPLER_ACTION_GOTO_REMOTE, "PDF GoToR (remote go-to) actions" },
		{ POPPLER_ACTION_URI, "PDF URI links" },
		{ POPPLER_ACTION_NAMED, "PDF named actions" },
		{ POPPLER_ACTION_MOVIE, "PDF movie actions" },
		{ POPPLER_ACTION_RENDITION, "PDF rendition (multimedia) actions" },
		{ POPPLER_ACTION_RESET_FORM, "PDF form reset actions" },
		{ POPPLER_ACTION_UNKNOWN, "PDF actions of unknown kind" },
	};
	static const struct { PopplerAnnotType type; const char *what; } ann[] = {
		{ POPPLER_ANNOT_FILE_ATTACHMENT, "PDF file attachment annotations" },
		{ POPPLER_ANNOT_SOUND, "PDF sound annotations" },
		{ POPPLER_ANNOT_MOVIE, "PDF movie annotations" },
		{ POPPLER_ANNOT_SCREEN, "PDF screen (multimedia) annotations" },
		{ POPPLER_ANNOT_UNKNOWN, "PDF annotations of other kinds (RichMedia, 3D)" },
	};
	unsigned total = 0;

	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (t->actions[acts[i].type])
			mg_report_removed(ctx, acts[i].what, "%u", t->actions[acts[i].type]);
	for (size_t i = 0; i < sizeof(ann) / sizeof(ann[0]); i++)
		if (t->annots[ann[i].type])
			mg_report_removed(ctx, ann[i].what, "%u", t->annots[ann[i].type]);
	for (size_t i = 0; i <= POPPLER_ANNOT_WATERMARK; i++)
		total += t->annots[i];
	if (total)
		mg_report_removed(ctx, "PDF annotations", "%u annotations (links, widgets, notes) "
		                  "kept only as their rendered appearance", total);
	if (t->fields)
		mg_report_removed(ctx, "PDF interactive form (AcroForm)",
		                  "%u fields, %u with scripts for change, format, validation or calculation",
		                  t->fields, t->field_actions);
}

/* ---- flatten ---- */

static mg_status pdf_page_pixels(mg_ctx *ctx, int index, double wpt, double hpt, unsigned *w,
                                 unsigned *h)
{
	const mg_policy *p = ctx->policy;
	double pw = ceil(wpt * p->pdf_dpi / 72.0), ph = ceil(hpt * p->pdf_dpi / 72.0);

	if (!(wpt > 0 && hpt > 0 && pw < 1e9 && ph < 1e9))
		return mg_fail(ctx, MG_E_MALFORMED, "PDF page %d of %gx%g points", index + 1, wpt, hpt);
	if (pw * ph > (double)p->max_pixels || pw > p->max_dimension || ph > p->max_dimension ||
	    pw > CAIRO_MAX_SIDE || ph > CAIRO_MAX_SIDE)
		return mg_fail(ctx, MG_E_LIMIT_PIXELS,
		               "PDF page %d renders to %.0fx%.0f pixels at %u dpi, over max_pixels %llu "
		               "or max_dimension %u", index + 1, pw, ph, p->pdf_dpi,
		               (unsigned long long)p->max_pixels, p->max_dimension);
	*w = (unsigned)pw;
	*h = (unsigned)ph;
	return MG_OK;
}

static cairo_surface_t *pdf_render(PopplerPage *page, unsigned w, unsigned h, double wpt,
                                   double hpt)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h);
	cairo_t *cr = cairo_create(img);

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_scale(cr, w / wpt, h / hpt);
	poppler_page_render(page, cr);
	cairo_destroy(cr);
	cairo_surface_flush(img);
	return img;
}

static mg_status pdf_write_failed(struct pdf_job *j)
{
	bool full = false;

	mg_pdfw_failed(j->w, &full);
	return full ? mg_fail(j->ctx, MG_E_LIMIT_SIZE, "flattened PDF larger than max_output")
	            : mg_fail(j->ctx, MG_E_INTERNAL, "cannot write the flattened PDF");
}

/* The original's text over the image, unless the policy says not to; a
 * page whose layout poppler cannot match to its text keeps the image only,
 * and the report says so.  Returns the characters laid, -1 for none. */
static long pdf_text_layer(struct pdf_job *j, PopplerPage *page, int index, double hpt)
{
	long laid;

	mg_timing_add(j->ctx, "write", &j->since);
	laid = mg_pdf_text_layer(page, hpt, j->w);
	mg_timing_add(j->ctx, "text_layer", &j->since);

	if (laid < 0)
		mg_report_finding(j->ctx, "PDF page %d: no text layer (the text and its layout "
		                  "do not match)", index + 1);
	else if (laid > 0)
		j->text_pages++;
	return laid;
}

/* Tesseract's words over a page that has no usable text of its own (or
 * over every page, policy.ocr = always, where its own text wins).  The
 * page is read in grey from the rendering, which the encoder left as it
 * was. */
static mg_status pdf_ocr_layer(struct pdf_job *j, PopplerPage *page, int index,
                               cairo_surface_t *img, double wpt, double hpt, long own)
{
	const mg_policy *p = j->ctx->policy;
	struct mg_pdf_ocr_page scan;
	const char *why = NULL;
	long laid;

	if (p->ocr == MG_OCR_NO || (p->ocr == MG_OCR_AUTO && own > 0))
		return MG_OK;
	if (mg_pdf_ocr_grab(img, p->pdf_dpi, wpt, hpt, &scan) < 0)
		return mg_fail(j->ctx, MG_E_INTERNAL, "out of memory");
	laid = mg_pdf_ocr(j->ctx, &scan, own > 0 ? page : NULL, j->w, &why);
	mg_pdf_ocr_release(&scan);
	mg_timing_add(j->ctx, "ocr", &j->since);
	if (laid < 0)
		mg_report_finding(j->ctx, "PDF page %d: no OCR text layer (%s)", index + 1, why);
	else if (laid > 0)
		j->ocr_pages++;
	return MG_OK;
}

static mg_status pdf_emit_page(struct pdf_job *j, PopplerPage *page, int index,
                               cairo_surface_t *img, double wpt, double hpt)
{
	mg_pdf_image enc;
	mg_status st = mg_pdf_image_encode(j->ctx, img, &enc);

	mg_timing_add(j->ctx, "encode", &j->since);
	if (st == MG_OK && enc.img.jpeg)
		j->jpeg_pages++;
	if (st == MG_OK)
		st = mg_check_deadline(j->ctx);
	if (st == MG_OK) {
		mg_pdfw_page_begin(j->w, wpt, hpt);
		mg_pdfw_page_image(j->w, &enc.img);
		if (j->ctx->policy->pdf_text_layer)
			st = pdf_ocr_layer(j, page, index, img, wpt, hpt,
			                   pdf_text_layer(j, page, index, hpt));
		if (mg_pdfw_page_end(j->w) < 0 && st == MG_OK)
			st = pdf_write_failed(j);
		mg_timing_add(j->ctx, "write", &j->since);
	}
	mg_pdf_image_free(&enc);
	return st;
}

static mg_status pdf_flatten_page(struct pdf_job *j, PopplerPage *page, int index)
{
	double wpt = 0, hpt = 0;
	unsigned w = 0, h = 0;
	cairo_surface_t *img;
	mg_status st;

	poppler_page_get_size(page, &wpt, &hpt);
	if ((st = pdf_page_pixels(j->ctx, index, wpt, hpt, &w, &h)) != MG_OK)
		return st;
	if (!j->w && !(j->w = mg_pdfw_new(&j->out->data)))
		return mg_fail(j->ctx, MG_E_INTERNAL, "out of memory");
	mg_timing_add(j->ctx, "scan", &j->since);
	img = pdf_render(page, w, h, wpt, hpt);
	mg_timing_add(j->ctx, "render", &j->since);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS)
		st = mg_fail(j->ctx, MG_E_INTERNAL, "cannot render page %d: %s", index + 1,
		             cairo_status_to_string(cairo_surface_status(img)));
	else
		st = pdf_emit_page(j, page, index, img, wpt, hpt);
	cairo_surface_destroy(img);
	return st;
}

static mg_status pdf_flatten_finish(struct pdf_job *j, int pages)
{
	int rc = mg_pdfw_finish(j->w);

	mg_timing_add(j->ctx, "write", &j->since);
	if (rc < 0)
		return pdf_write_failed(j);
	mg_out_set_type(j->out, "application/pdf", "pdf");
	mg_report_action(j->ctx, "rendered %d pages at %u dpi into a new PDF of page images "
	                 "(%u pages as JPEG, %d lossless)", pages, j->ctx->policy->pdf_dpi,
	                 j->jpeg_pages, pages - (int)j->jpeg_pages);
	if (j->text_pages)
		mg_report_action(j->ctx, "kept the text of %u pages as an invisible, searchable "
		                 "layer (no font program, nothing drawn)", j->text_pages);
	if (j->ocr_pages)
		mg_report_action(j->ctx, "recognised the text of %u pages with OCR (Tesseract, %s) "
		                 "as an invisible, searchable layer", j->ocr_pages,
		                 j->ctx->policy->ocr_languages);
	if (mg_pdfw_unnamed(j->w))
		mg_report_finding(j->ctx, "%lu characters of the text layer are unnamed: the document "
		                  "has more than 65535 different characters", mg_pdfw_unnamed(j->w));
	return MG_OK;
}

/* ---- text ---- */

/* poppler's text is UTF-8; control characters other than tab and newline
 * are dropped so the form feed stays the only page separator. */
static mg_status pdf_text_page(struct pdf_job *j, PopplerPage *page, int index)
{
	char *text = poppler_page_get_text(page);
	mg_status st = MG_OK;

	if (index > 0 && mg_buf_putc(&j->out->data, '\f') < 0)
		j->overflow = true;
	for (const char *p = text; p && *p && !j->overflow; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			continue;
		if (mg_buf_putc(&j->out->data, c) < 0)
			j->overflow = true;
	}
	g_free(text);
	if (j->overflow)
		st = mg_fail(j->ctx, MG_E_LIMIT_SIZE, "extracted text larger than max_output");
	return st;
}

static mg_status pdf_text_finish(struct pdf_job *j, int pages)
{
	if (j->out->data.len == 0) {
		mg_report_finding(j->ctx, "PDF has no extractable text (scanned pages?)");
		if (mg_buf_append(&j->out->data, "", 0) < 0)
			return mg_fail(j->ctx, MG_E_INTERNAL, "out of memory");
	}
	if (!g_utf8_validate((const char *)j->out->data.data, (gssize)j->out->data.len, NULL))
		return mg_fail(j->ctx, MG_E_INTERNAL, "extracted text is not UTF-8");
	mg_out_set_type(j->out, "text/plain; charset=utf-8", "txt");
	mg_report_action(j->ctx, "extracted the text of %d pages (pages separated by form feeds)",
	                 pages);
	return MG_OK;
}

/* ---- the filter ---- */

static mg_status pdf_pages(struct pdf_job *j, mg_action action, int pages)
{
	mg_status st = MG_OK;

	for (int i = 0; i < pages && st == MG_OK; i++) {
		PopplerPage *page;

		mg_progress(j->ctx, "PDF page %d of %d", i + 1, pages);
		if ((st = mg_check_deadline(j->ctx)) != MG_OK)
			break;
		j->since = mg_now();
		page = poppler_document_get_page(j->doc, i);
		if (!page)
			return mg_fail(j->ctx, MG_E_MALFORMED, "PDF page %d cannot be read", i + 1);
		pdf_scan_page(j->ctx, &j->tally, page);
		st = action == MG_ACT_TEXT ? pdf_text_page(j, page, i) : pdf_flatten_page(j, page, i);
		g_object_unref(page);
	}
	if (st == MG_OK)
		st = action == MG_ACT_TEXT ? pdf_text_finish(j, pages) : pdf_flatten_finish(j, pages);
	return st;
}

static mg_status pdf_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	struct pdf_job j = { .ctx = ctx, .out = out };
	mg_status st;
	int pages;

	if (action != MG_ACT_FLATTEN && action != MG_ACT_TEXT)
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "PDF can only be flattened or turned into text");
	j.since = mg_now();
	st = pdf_open(ctx, item, &j.doc);
	mg_timing_add(ctx, "parse", &j.since);
	if (st != MG_OK)
		return st;
	pages = poppler_document_get_n_pages(j.doc);
	if (pages <= 0)
		st = mg_fail(ctx, MG_E_MALFORMED, "PDF without pages");
	else if ((unsigned)pages > ctx->policy->max_pages)
		st = mg_fail(ctx, MG_E_LIMIT_PAGES, "PDF of %d pages is over max_pages %u", pages,
		             ctx->policy->max_pages);
	else
		st = pdf_pages(&j, action, pages);
	pdf_report_document(ctx, j.doc);
	pdf_report_tally(ctx, &j.tally);
	mg_pdfw_free(j.w);
	g_object_unref(j.doc);
	return st;
}

const mg_filter mg_filter_pdf = {
	.family = MG_FAM_PDF,
	.name = "pdf",
	.actions = 1u << MG_ACT_FLATTEN | 1u << MG_ACT_TEXT,
	.default_action = MG_ACT_FLATTEN,
	.run = pdf_run,
};

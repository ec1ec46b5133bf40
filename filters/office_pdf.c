/*
 * office_pdf.c - the pdf action of the office families: the document, its
 * scripts removed first where the family can, goes to the converter the
 * caller lent the core (LibreOffice in bubblewrap, outside the core and
 * outside the worker's sandbox), and the PDF that comes back is flattened
 * here by the pdf filter, inside the sandbox, like any PDF: nothing
 * LibreOffice wrote reaches the artefact unflattened.
 *
 * Fail closed: a converter that fails on the document or overruns the
 * item's deadline blocks the item; only a converter that is missing or
 * cannot start (no LibreOffice, no bubblewrap) makes the family's text the
 * artefact instead, with the reason in the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

extern const mg_filter mg_filter_pdf;

/* The converter's PDF through the flatten path. */
static mg_status flatten(mg_ctx *ctx, const unsigned char *pdf, size_t len, const char *ext,
                         double took, mg_out *out)
{
	mg_item item = { pdf, len, NULL, NULL, { MG_FAM_PDF, "application/pdf", "" } };
	mg_status st;

	if (len < 5 || memcmp(pdf, "%PDF-", 5) != 0)
		return mg_fail(ctx, MG_E_INTERNAL, "the converter's output for the %s document is "
		               "not a PDF", ext);
	mg_report_action(ctx, "converted from %s to PDF by LibreOffice (%zu bytes, %.0f ms), "
	                 "then flattened", ext, len, took * 1000.0);
	st = mg_filter_pdf.run(ctx, &item, MG_ACT_FLATTEN, out);
	return st == MG_OK ? MG_OK : mg_fail(ctx, st, "the PDF LibreOffice made was not flattened");
}

/* The document to PDF and flattened, or the family's text. */
static mg_status convert(mg_ctx *ctx, const mg_item *item, const mg_filter *f, const mg_out *doc,
                         mg_out *out)
{
	unsigned char *pdf = NULL;
	size_t n = 0;
	char why[256] = "no converter in this process";
	double started = mg_now(), left = mg_deadline(ctx) - started;
	mg_convert_status cs = MG_CONVERT_UNAVAILABLE;
	mg_status st;

	if (left <= 0)
		return mg_check_deadline(ctx);
	if (ctx->convert) {
		why[0] = 0;
		cs = ctx->convert(ctx->convert_user, doc->data.data ? doc->data.data :
		                  (const unsigned char *)"", doc->data.len, doc->ext, left,
		                  ctx->policy->max_output, &pdf, &n, why, sizeof(why));
	}
	switch (cs) {
	case MG_CONVERT_OK:
		st = flatten(ctx, pdf, n, doc->ext, mg_now() - started, out);
		break;
	case MG_CONVERT_TIMEOUT:
		st = mg_fail(ctx, MG_E_LIMIT_TIME, "LibreOffice did not convert the %s document "
		             "within the item's time limit and was killed (%s)", doc->ext, why);
		break;
	case MG_CONVERT_UNAVAILABLE:
		mg_report_finding(ctx, "LibreOffice is not available (%s): the %s document is "
		                  "converted to text instead of PDF", why, doc->ext);
		st = f->run(ctx, item, MG_ACT_TEXT, out);
		break;
	default:
		st = mg_fail(ctx, MG_E_MALFORMED, "LibreOffice could not convert the %s document "
		             "to PDF: %s", doc->ext, why[0] ? why : "failed");
		break;
	}
	free(pdf);
	return st;
}

mg_status mg_office_pdf(mg_ctx *ctx, const mg_item *item, const mg_filter *f, mg_out *out)
{
	mg_action prepare = (f->actions & (1u << MG_ACT_CDR)) ? MG_ACT_CDR : MG_ACT_PDF;
	mg_out doc;
	mg_status st;

	mg_out_init(&doc, ctx->policy->max_output);
	st = f->run(ctx, item, prepare, &doc);
	if (st == MG_OK && prepare == MG_ACT_PDF && strcmp(doc.mime, MG_TO_CONVERT) != 0) {
		/* not a document LibreOffice takes: the family wrote its artefact */
		mg_out_free(out);
		*out = doc;
		return MG_OK;
	}
	if (st == MG_OK)
		st = convert(ctx, item, f, &doc, out);
	mg_out_free(&doc);
	return st;
}

/* pdf_unlock.h - a PDF with a user password, opened with a candidate. */
#ifndef MUGAI_PDF_UNLOCK_H
#define MUGAI_PDF_UNLOCK_H

#include <poppler.h>

#include "internal.h"

/* The document opened with the first candidate password poppler accepts
 * (recorded in the report), NULL when none does (the reason recorded when
 * candidates were tried). */
PopplerDocument *mg_pdf_unlock(mg_ctx *ctx, const mg_item *item);

#endif

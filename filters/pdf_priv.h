/*
 * pdf_priv.h - what the PDF filter's files share: the page image encoder
 * and the text layer, both feeding pdf_writer.
 */
#ifndef MUGAI_PDF_PRIV_H
#define MUGAI_PDF_PRIV_H

#include <cairo.h>
#include <poppler.h>

#include "internal.h"
#include "pdf_writer.h"

/* A rendered page ready for the writer; data holds the compressed pixels. */
typedef struct mg_pdf_image {
	mg_pdfw_image img;
	mg_buf data;
	unsigned char palette[256 * 3];
} mg_pdf_image;

/* pdf_image.c: photos and scans as JPEG at image_jpeg_quality; text and
 * drawings at pdf_page_bits, as grey, indexed (at most 256 colours) or
 * RGB, Flate-compressed.  The surface is only read.  Free with
 * mg_pdf_image_free. */
mg_status mg_pdf_image_encode(mg_ctx *ctx, cairo_surface_t *surface, mg_pdf_image *out);
void mg_pdf_image_free(mg_pdf_image *out);

/* pdf_textlayer.c: the page's text (poppler's characters and their boxes)
 * as runs for the writer, words in reading order, each over the box it
 * covers on the page (hpt: the page height, to turn poppler's top-left
 * origin into PDF's).  Returns the number of characters laid, or -1 when
 * poppler's layout does not match its text (the page then has no layer). */
long mg_pdf_text_layer(PopplerPage *page, double hpt, mg_pdfw *w);

/* A rendered page as pdf_ocr.c hands it to Tesseract. */
struct mg_pdf_ocr_page {
	unsigned char *grey;     /* w * h bytes */
	unsigned w, h, dpi;
	double wpt, hpt;         /* the page in points */
};

/* pdf_ocr.c: the rendered page copied in grey for Tesseract, only for a
 * page the policy sends to OCR (-1: out of memory); released after. */
int mg_pdf_ocr_grab(cairo_surface_t *img, unsigned dpi, double wpt, double hpt,
                    struct mg_pdf_ocr_page *pg);
void mg_pdf_ocr_release(struct mg_pdf_ocr_page *pg);

/* Tesseract's words on the page as runs for the writer, but for those
 * lying on the text of own (NULL: none).  Returns the number of
 * characters laid, 0 when it found none, -1 when OCR could not run or ran
 * past the page's budget (*why says which; the page then has no OCR
 * layer). */
long mg_pdf_ocr(mg_ctx *ctx, const struct mg_pdf_ocr_page *pg, PopplerPage *own, mg_pdfw *w,
                const char **why);

#endif

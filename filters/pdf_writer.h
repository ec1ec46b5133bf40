/*
 * pdf_writer.h - a small PDF writer for flattened documents: one image per
 * page and, over it, an invisible text layer (render mode 3) drawn with a
 * glyphless CID font (Identity-H, a ToUnicode map, no font program), the
 * way OCR engines make scans searchable.  Nothing else can be written:
 * no actions, annotations, forms, scripts, attachments or metadata.
 *
 * Coordinates are PDF points with the origin at the bottom left.  Every
 * call appends to the output buffer, whose maximum (max_output) bounds the
 * file; a call that fails leaves the writer failed and every later call
 * fails too, so a caller may check once, at the end.
 */
#ifndef MUGAI_PDF_WRITER_H
#define MUGAI_PDF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct mg_pdfw mg_pdfw;

typedef enum mg_pdfw_colour {
	MG_PDFW_GRAY,     /* 1 byte per pixel */
	MG_PDFW_RGB,      /* 3 bytes per pixel */
	MG_PDFW_INDEXED,  /* 1 byte per pixel into palette (RGB triplets) */
} mg_pdfw_colour;

/* A page image, already compressed: Flate data (rows padded to whole
 * bytes), or a baseline JPEG (RGB, 8 bits). */
typedef struct mg_pdfw_image {
	unsigned width, height;
	unsigned bits;                 /* per sample: 1, 2, 4 or 8; 8 for JPEG, INDEXED */
	mg_pdfw_colour colour;
	bool jpeg;
	const unsigned char *palette;  /* INDEXED: colours * 3 bytes */
	unsigned colours;
	const unsigned char *data;
	size_t len;
} mg_pdfw_image;

/* Which way a run's characters advance on the page: east is ordinary
 * horizontal text, south vertical Japanese or text turned a quarter
 * clockwise, west text upside down, north text turned counter-clockwise. */
typedef enum mg_pdfw_dir {
	MG_PDFW_EAST,
	MG_PDFW_SOUTH,
	MG_PDFW_WEST,
	MG_PDFW_NORTH,
} mg_pdfw_dir;

/* A run of text to lay over the page: code points in the order they
 * advance and the box they cover. */
typedef struct mg_pdfw_run {
	const uint32_t *chars;
	size_t n;
	double x0, y0, x1, y1;
	mg_pdfw_dir dir;
} mg_pdfw_run;

/* Starts the file in out (the header only). */
mg_pdfw *mg_pdfw_new(mg_buf *out);
void mg_pdfw_free(mg_pdfw *w);
/* true once a write failed; full tells whether out's maximum was reached. */
bool mg_pdfw_failed(const mg_pdfw *w, bool *full);

/* Characters laid as .notdef because all 65,535 CIDs were taken by
 * others: the layer has their places but not their text. */
unsigned long mg_pdfw_unnamed(const mg_pdfw *w);

/* A page: begin, one image covering it, any number of runs, end. */
int mg_pdfw_page_begin(mg_pdfw *w, double wpt, double hpt);
int mg_pdfw_page_image(mg_pdfw *w, const mg_pdfw_image *img);
int mg_pdfw_page_run(mg_pdfw *w, const mg_pdfw_run *run);
int mg_pdfw_page_end(mg_pdfw *w);
/* The font (when any run was written), the page tree, catalog, xref and
 * trailer.  0 on success. */
int mg_pdfw_finish(mg_pdfw *w);

/* zlib at the given level into out; -1 on a zlib error or out's maximum. */
int mg_pdfw_deflate(const unsigned char *data, size_t len, int level, mg_buf *out);

#endif

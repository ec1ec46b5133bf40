/* testutil_text.h - what a reader finds in a PDF, and how much of a text
 * another keeps in order: shared by the flatten and OCR tests. */
#ifndef MUGAI_TESTUTIL_TEXT_H
#define MUGAI_TESTUTIL_TEXT_H

#include <glib.h>
#include <stddef.h>

/* Bytes written to a fresh file under /tmp; its path, g_free() it. */
char *tu_write_temp(const unsigned char *d, size_t len);
/* What pdftotext (the reader a user would try first) finds in a PDF, in
 * UTF-8, pages ended by form feeds; aborts the test if it fails.  free(). */
char *tu_pdftotext(const unsigned char *d, size_t len);
/* Length of the longest common subsequence of two lists of strings: the
 * tokens found in the same order, whatever was added or lost around them. */
size_t tu_lcs(const GPtrArray *a, const GPtrArray *b);

#endif

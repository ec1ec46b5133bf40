/* testutil.h - helpers shared by the Check tests. */
#ifndef MUGAI_TESTUTIL_H
#define MUGAI_TESTUTIL_H

#include <stddef.h>

#include <cairo.h>
#include <check.h>

#include "mugai.h"

/* Each check_<module>.c defines this; check_runner.c runs it. */
Suite *mugai_suite(void);

/* Directory of ../shared/corpus and of tests/fixtures (set by CMake). */
#define CORPUS_DIR MUGAI_CORPUS_DIR
#define FIXTURE_DIR MUGAI_FIXTURE_DIR

/* Bytes gathered in memory, such as a PDF that cairo writes.  free(d). */
struct tu_buf {
	unsigned char *d;
	size_t len;
};
/* A cairo write function (cairo_pdf_surface_create_for_stream) that
 * appends to the struct tu_buf given as its closure. */
cairo_status_t tu_cairo_write(void *closure, const unsigned char *data, unsigned int len);

/* Reads a whole file; aborts the test on failure.  free() it. */
unsigned char *tu_read(const char *path, size_t *len);
/* Sanitises bytes with the default policy (or the given one) and mode. */
mg_status tu_sanitize(const void *data, size_t len, const char *name, mg_mode mode,
                      mg_result *res);
mg_status tu_sanitize_policy(const mg_policy *p, const void *data, size_t len,
                             const char *name, mg_mode mode, mg_result *res);
/* Sanitises a file from the corpus (path relative to the corpus dir). */
mg_status tu_sanitize_corpus(const char *rel, mg_mode mode, mg_result *res);
/* True when the report's top-level array ("removed", "findings",
 * "actions") has an entry containing needle; for "removed" the "what"
 * and "why" fields are searched. */
int tu_report_has(const mg_result *res, const char *array, const char *needle);
/* True when the NUL-terminated haystack of len bytes contains needle. */
int tu_contains(const void *hay, size_t len, const char *needle);

/* Removes dir and everything below it (a test's temporary tree). */
void tu_rm_tree(const char *dir);

#endif

/* testutil_zip.h - zips (and other archives) made and read back with
 * libarchive, for the tests of the families that live in them: ODF,
 * OOXML, SVG inside documents. */
#ifndef MUGAI_TESTUTIL_ZIP_H
#define MUGAI_TESTUTIL_ZIP_H

#include <stddef.h>

typedef struct tu_zip_entry {
	const char *name; /* UTF-8 */
	const void *data;
	size_t len; /* 0: strlen(data) */
} tu_zip_entry;

/* The entries as an archive of format (ARCHIVE_FORMAT_*) through filter
 * (ARCHIVE_FILTER_*), names in UTF-8; aborts the test on failure.  free(). */
unsigned char *tu_make_archive(int format, int filter, const tu_zip_entry *ents, size_t n,
                               size_t *outlen);
/* The same as a zip. */
unsigned char *tu_make_zip(const tu_zip_entry *ents, size_t n, size_t *outlen);
/* One member of a zip, NUL-terminated, its length into *outlen (when not
 * NULL); NULL when absent.  free(). */
char *tu_zip_get(const unsigned char *zip, size_t len, const char *name, size_t *outlen);
/* The member names, each ended by a newline.  free(). */
char *tu_zip_names(const unsigned char *zip, size_t len);

#endif

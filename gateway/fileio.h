/* fileio.h - whole-file reads with a limit, and atomic durable writes. */
#ifndef MUGAI_FILEIO_H
#define MUGAI_FILEIO_H

#include <stddef.h>

/* Reads at most max+1 bytes (so a caller can tell "too large"); NULL with
 * errno set on failure.  free() the result. */
unsigned char *mg_read_file(const char *path, size_t max, size_t *len);
/* Writes to a temporary name in the same directory, fsyncs, renames over
 * path, fsyncs the directory.  0 or -1 with errno set. */
int mg_write_file_atomic(const char *path, const void *data, size_t len);
/* mkdir -p; 0 or -1 with errno set. */
int mg_mkdirs(const char *path, unsigned mode);

#endif

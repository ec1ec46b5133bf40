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
/* Writes the pieces (concatenated) to a fresh file named prefix + six
 * random characters, mode 0644, fsynced and closed: the first half of
 * every durable write.  Its path (free() it), or NULL with errno set. */
char *mg_write_temp(const char *prefix, const void *const *parts, const size_t *lens,
                    size_t nparts);
/* fsync(2) of a directory, so a rename or link in it is durable. */
int mg_fsync_dir(const char *dir);
/* mkdir -p; 0 or -1 with errno set. */
int mg_mkdirs(const char *path, unsigned mode);

#endif

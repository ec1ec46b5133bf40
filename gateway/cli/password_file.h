/*
 * password_file.h - candidate passwords from a file (PPAP), one a line:
 * `mugai sanitize --password-file` and `mugai quarantine unlock`.
 */
#ifndef MUGAI_PASSWORD_FILE_H
#define MUGAI_PASSWORD_FILE_H

#include <stddef.h>

/* A list of candidates is short: a larger file is a mistake. */
#define MG_PASSWORD_FILE_MAX (1u << 20)

/* The candidates of path: line ends (LF or CRLF) and a leading UTF-8
 * byte-order mark (Windows Notepad) dropped, empty lines skipped.  A
 * non-NULL array (maybe of none) with *n, or NULL with *err (free() it).
 * The file's bytes are wiped from memory once read.  The list is wiped and
 * freed by mg_password_found_free (mugai.h), as the core's own are. */
char **mg_password_file_read(const char *path, size_t *n, char **err);

#endif

/*
 * outfile.h - durable output files that never replace an earlier one.
 *
 * The data goes to a temporary name in the target directory, is fsynced,
 * then linked to its final name with renameat2(RENAME_NOREPLACE) (or
 * link(2) where the file system lacks it), and the directory is fsynced.
 * When the name is taken, " (2)", " (3)" ... is put before the extension,
 * as a desktop would: "report.pdf" -> "report (2).pdf".
 */
#ifndef MUGAI_OUTFILE_H
#define MUGAI_OUTFILE_H

#include <stddef.h>

/* Temporary names start with this, so a reader of the directory can
 * skip them (".mugai-tmp-XXXXXX"). */
#define MG_OUTFILE_TMP_PREFIX ".mugai-tmp-"

/* Writes the pieces (concatenated) as dir/name or its first free variant.
 * *final (when final is not NULL) gets the name used; free() it.  0, or
 * -1 with errno. */
int mg_outfile_write(const char *dir, const char *name, const void *const *parts,
                     const size_t *lens, size_t nparts, char **final);

/* "a.pdf", 2 -> "a (2).pdf"; "README", 3 -> "README (3)";
 * "x.report.json" keeps its double extension: "x (2).report.json". */
char *mg_outfile_variant(const char *name, unsigned n);

#endif

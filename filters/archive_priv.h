/*
 * archive_priv.h - what the files of the archive family share.
 *
 * archive.c       the filter: unpack with libarchive, each member through
 *                 its own family, repack the sanitised ones as a zip
 * archive_names.c member names: decoded to UTF-8, made safe, made unique
 * archive_probe.c exact checks libarchive does not offer: the outer
 *                 compression, a prefix before the archive, the zip
 *                 directory's member count, RAR5 encryption records
 * archive_io.c    a CRC-checked gzip source and the zip writer
 * archive_crypt.c which candidate password opens an encrypted zip
 */
#ifndef MUGAI_ARCHIVE_PRIV_H
#define MUGAI_ARCHIVE_PRIV_H

#include <archive.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"

/* ---- archive_names.c ---- */

/* What making a name safe changed, for the report. */
enum {
	MG_NAME_ABSOLUTE = 1u << 0, /* leading '/', drive letter or UNC prefix dropped */
	MG_NAME_DOTDOT = 1u << 1,   /* ".." components dropped */
	MG_NAME_CONTROL = 1u << 2,  /* control or bidirectional characters removed */
	MG_NAME_RESERVED = 1u << 3, /* characters or device names Windows reserves replaced */
	MG_NAME_LENGTH = 1u << 4,   /* an overlong component or path shortened */
	MG_NAME_EMPTY = 1u << 5,    /* nothing was left: a neutral name given */
	MG_NAME_DECODED = 1u << 6,  /* the raw name was not UTF-8 and was decoded */
};

/* The raw name bytes of a member as UTF-8: kept when they already are
 * plausible UTF-8, otherwise decoded from the legacy charset the format's
 * writers use in Japan (legacy: "Shift_JIS" or "EUC-JP"), with detection
 * and U+FFFD for what decodes in nothing.  *used gets the charset taken.
 * NULL only when memory ran out.  free() it. */
char *mg_archive_name_utf8(const char *raw, const char *legacy, const char **used);

/* A relative path that means the same on every system and escapes
 * nothing: NFC, '/' separators, no absolute prefix, no "." or ".."
 * components, no control, bidirectional or Windows-reserved characters,
 * no trailing dots or blanks, no device names, bounded lengths, never
 * empty.  *fixes gets the MG_NAME_* bits of what changed.  free() it. */
char *mg_archive_safe_path(const char *utf8, unsigned *fixes);

/* The names already given inside one rebuilt archive. */
typedef struct mg_names mg_names;

mg_names *mg_names_new(void);
void mg_names_free(mg_names *n);
/* Claims path (a safe path) in the rebuilt archive and returns the name
 * it gets: unchanged when free, otherwise " (2)", " (3)" ... before the
 * extension, compared without case as Windows does; a directory part
 * that is already a file name is renamed the same way.  A name that would
 * make the rebuilt zip look like an Office, OpenDocument or Java package
 * gets a leading '_'.  NULL when no free name was found.  free() it. */
char *mg_names_claim(mg_names *n, const char *path);

/* ---- archive_probe.c ---- */

/* The compression around the whole input (ARCHIVE_FILTER_GZIP, _BZIP2,
 * _XZ, _ZSTD, _LZIP), ARCHIVE_FILTER_NONE when it is not a compressed
 * stream, from the magic bytes at offset 0. */
int mg_archive_outer_filter(const unsigned char *d, size_t len);

/* True when the archive of libarchive's format code starts at offset 0,
 * false when something (a self-extractor, a polyglot) precedes it. */
bool mg_archive_starts_at_zero(int format, const unsigned char *d, size_t len);

/* The number of members a zip's end-of-central-directory record (or its
 * Zip64 form) announces, -1 when there is no readable record. */
int64_t mg_zip_directory_count(const unsigned char *d, size_t len);

/* True when a RAR5 archive carries an archive encryption header or a
 * file encryption record (libarchive before 3.7 does not report them). */
bool mg_rar5_encrypted(const unsigned char *d, size_t len);

/* The largest LZMA dictionary (bytes) that a zip's LZMA members announce,
 * 0 when none does. */
uint64_t mg_zip_lzma_dict_max(const unsigned char *d, size_t len);

/* ---- archive_crypt.c ---- */

/* The index of the first candidate password that opens every encrypted
 * member (each read to its end, through the limits), -1 when the archive
 * needs none or none opens it.  A limit hit while reading is returned. */
mg_status mg_archive_pick_password(mg_ctx *ctx, const mg_item *item, long *picked);
/* True for the formats whose encryption libarchive cannot undo (7z, RAR). */
bool mg_archive_undecryptable(const unsigned char *d, size_t len);

/* ---- archive_io.c ---- */

/* A gzip stream decoded with zlib (through GIO), CRC and length checked,
 * members concatenated, served to libarchive as its input. */
typedef struct mg_gz_source mg_gz_source;

/* The source on the gzip bytes (NULL when memory ran out), and a reader
 * opened on it (formats only: the decoding is the source's).  The source
 * must outlive the reader. */
mg_gz_source *mg_gz_source_new(const unsigned char *d, size_t len);
int mg_gz_source_open(mg_gz_source *src, struct archive *a);
/* The decoding error, NULL when there was none. */
const char *mg_gz_source_error(const mg_gz_source *src);
void mg_gz_source_free(mg_gz_source *src);

/* A zip written into a bounded buffer. */
typedef struct mg_zip_writer mg_zip_writer;

mg_zip_writer *mg_zip_writer_new(mg_buf *out);
/* Adds one regular file (mode 0644).  0, or -1 with the reason in
 * mg_zip_writer_error(); *overflow is set when the buffer's maximum was
 * the reason. */
int mg_zip_writer_add(mg_zip_writer *w, const char *name, time_t mtime, bool store,
                      const unsigned char *data, size_t len);
int mg_zip_writer_finish(mg_zip_writer *w);
const char *mg_zip_writer_error(const mg_zip_writer *w);
bool mg_zip_writer_overflow(const mg_zip_writer *w);
void mg_zip_writer_free(mg_zip_writer *w);

#endif

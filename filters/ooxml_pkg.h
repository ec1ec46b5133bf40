/*
 * ooxml_pkg.h - zip packages (OOXML and ODF) read into memory and written
 * anew, and the hardened XML parser both families use for their parts.
 *
 * Reading applies the policy's limits (member count, total size, ratio),
 * refuses names that leave the package, duplicates and encrypted members.
 * Writing builds a new zip into an mg_buf: nothing of the input container
 * (extra fields, comments, local/central header disagreements) survives.
 */
#ifndef MUGAI_OOXML_PKG_H
#define MUGAI_OOXML_PKG_H

#include <libxml/tree.h>

#include "internal.h"

typedef struct mg_part {
	char *name;            /* as stored in the zip, checked: no "..", no leading "/" */
	unsigned char *data;   /* NUL-terminated copy */
	size_t len;
} mg_part;

typedef struct mg_pkg {
	mg_part *parts;        /* in the order of the zip's central directory */
	size_t n, cap;
	size_t total;          /* uncompressed bytes */
	struct _GHashTable *index; /* lower-cased name -> position + 1 */
} mg_pkg;

/* Reads every member of the zip in item.  MG_E_MALFORMED for a bad zip or
 * a bad member name, MG_E_ENCRYPTED, or the limit's status. */
mg_status mg_pkg_read(mg_ctx *ctx, const mg_item *item, mg_pkg *pkg);
void mg_pkg_free(mg_pkg *pkg);
/* The part of that name (ASCII case-insensitive, as OPC compares), or NULL. */
mg_part *mg_pkg_find(const mg_pkg *pkg, const char *name);

typedef struct mg_zipw mg_zipw;

/* A new zip written into out (bounded by out's maximum).  libarchive
 * writes it; with odf set libgsf does, because ODF wants its first entry
 * stored with sizes in the local header and no extra field, so that the
 * mimetype sits at a fixed offset, and libarchive always adds both a data
 * descriptor and extra fields. */
mg_zipw *mg_zipw_new(mg_buf *out, bool odf);
/* Adds one member; store = no compression (ODF's mimetype).  0 or -1. */
int mg_zipw_add(mg_zipw *w, const char *name, const void *data, size_t len, bool store);
/* Finishes the zip and frees the writer: 0 when everything was written. */
int mg_zipw_finish(mg_zipw *w);
/* The buffer a writer writes into. */
const mg_buf *mg_zipw_buf(const mg_zipw *w);
/* Why writing into out failed: the size limit, or an internal error. */
mg_status mg_zipw_fail(mg_ctx *ctx, const mg_buf *out);

/* Parses an XML part: no network, no DTD, no entity substitution, and a
 * DOCTYPE anywhere makes it fail.  NULL on any error, with *why set. */
xmlDocPtr mg_xml_parse(const unsigned char *data, size_t len, const char **why);
/* Serialises a document as UTF-8 into out (appended).  0 or -1. */
int mg_xml_write(xmlDocPtr doc, mg_buf *out);

/* Percent-decodes and normalises a relative reference against a base
 * directory ("word/" + "../media/a.png" -> "media/a.png").  NULL when it
 * leaves the package or is malformed.  free() it. */
char *mg_pkg_resolve(const char *base_dir, const char *target);

/* True when the bytes start with a PNG, JPEG or GIF signature. */
bool mg_pkg_is_web_image(const unsigned char *d, size_t len);

#endif

/*
 * ole2_int.h - what the legacy Office readers share: the compound file
 * (read by libgsf), the text being written, little-endian reads through
 * bounds-checked views, and character output that never lets a control
 * character through.
 *
 * No Debian library turns .doc piece tables, BIFF8 records or PowerPoint
 * records into text from memory (wv wants a file path), so each reader
 * walks its records itself: every offset and length read from the input
 * is checked against the stream before it is used.
 */
#ifndef MUGAI_OLE2_INT_H
#define MUGAI_OLE2_INT_H

#include <gsf/gsf.h>

#include "internal.h"

typedef struct mg_ole {
	mg_ctx *ctx;
	GsfInfile *root;
	mg_buf *out;          /* the document's text */
	bool full;            /* out reached max_output */
	uint16_t high;        /* a UTF-16 high surrogate waiting for its pair */
	bool checked;         /* the storages were walked and reported */
} mg_ole;

/* Why a storage or stream cannot pass (macros, objects, signatures), NULL
 * when it may. */
const char *mg_ole_drop_reason(const char *name, bool storage, unsigned depth);
/* ole2_strip.c: the compound file written again into out without what
 * mg_ole_drop_reason() names, for LibreOffice. */
mg_status mg_ole_strip(mg_ole *o, mg_buf *out);

/* A whole stream of the root storage, g_free() it; NULL when absent (*st
 * stays MG_OK) or unreadable (*st set). */
unsigned char *mg_ole_stream(mg_ole *o, const char *name, size_t *len, mg_status *st);

/* Text output: one code point, with line ends, tabs and controls mapped;
 * one UTF-16 code unit (surrogate pairs joined, lone halves -> U+FFFD);
 * ASCII or UTF-8 text as it is. */
void mg_ole_putc(mg_ole *o, uint32_t cp);
void mg_ole_put16(mg_ole *o, uint16_t unit);
void mg_ole_puts(mg_ole *o, const char *s);
/* A Windows-1252 byte as a code point. */
uint32_t mg_ole_cp1252(unsigned char c);

static inline uint16_t mg_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t mg_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The readers: each writes the text of its document into o->out and
 * reports what it leaves behind. */
mg_status mg_ole_word(mg_ole *o);
mg_status mg_ole_excel(mg_ole *o);
mg_status mg_ole_ppt(mg_ole *o);

#endif

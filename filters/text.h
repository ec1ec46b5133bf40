/*
 * text.h - the text conversions the text, HTML, XML and mail families
 * share: HTML -> text (html.c) and the text normaliser with its formula
 * defanging (text.c).  Everything produced here is clean UTF-8.
 */
#ifndef MUGAI_TEXT_H
#define MUGAI_TEXT_H

#include "internal.h"

/* What the HTML conversion dropped or kept, for the report and the
 * mail notice. */
typedef struct mg_html_stats {
	unsigned active;         /* script, style, object, embed, iframe ... elements */
	unsigned links;          /* links kept as "label <url>" */
	unsigned unsafe_links;   /* javascript:, data:, vbscript: ... targets dropped */
	unsigned images;         /* images (their alt text kept) */
	unsigned remote_images;  /* of which loaded from the network (trackers) */
	unsigned forms;
	unsigned links_changed;  /* links defanged or removed (policy links) */
} mg_html_stats;

/* HTML bytes -> text with paragraphs, line breaks, lists, table cells
 * (separated by " | ") and links as visible "label <url>".  charset is the
 * declared one (may be NULL: BOM, <meta> and detection then decide).  Uses
 * libxml2's HTML parser without network and without outside entities. */
mg_status mg_html_to_text(mg_ctx *ctx, const unsigned char *html, size_t len,
                          const char *charset, mg_buf *out, mg_html_stats *stats);

/* html bytes decoded (charset NULL: BOM, <meta> and detection decide) and
 * parsed by libxml2's HTML parser without network; *doc (xmlFreeDoc() it)
 * stays NULL when the parser found nothing.  max bounds the decoded text. */
struct _xmlDoc;
mg_status mg_html_parse(mg_ctx *ctx, const unsigned char *html, size_t len, const char *charset,
                        size_t max, struct _xmlDoc **doc);

/* UTF-8 text read by libxml2's HTML parser as mg_html_parse() reads it,
 * with no tree built: the parser's events go to sax (a handler zeroed but
 * for its callbacks, which get the parser context; its _private is priv). */
struct _xmlSAXHandler;
void mg_html_sax(const unsigned char *utf8, size_t len, const struct _xmlSAXHandler *sax,
                 void *priv);

/* links.c: the policy's links applied to the URLs of UTF-8 text (a
 * text body, or the text made from HTML): defanged or removed, each one
 * listed in ctx's report; *changed gets how many.  Nothing is done under
 * links = text.  On success text may hold a new buffer. */
mg_status mg_links_apply(mg_ctx *ctx, mg_buf *text, unsigned *changed);
/* url with its scheme written hxxp/hxxps/fxp and the host's dots as
 * "[.]", appended to out; -1 when out's maximum was reached. */
int mg_link_defang(const char *url, size_t len, mg_buf *out);
/* url listed in ctx's report under "links" with what was done to it. */
void mg_link_record(mg_ctx *ctx, const char *url, size_t len, const char *action);

/* How a text is split into cells for formula defanging. */
typedef enum mg_text_kind {
	MG_TEXT_LINES = 0, /* each line is one cell */
	MG_TEXT_CSV,       /* comma-separated, RFC 4180 quoting */
	MG_TEXT_TSV,       /* tab-separated */
} mg_text_kind;

/* Prefixes with ' every cell of UTF-8 text that a spreadsheet would read
 * as a formula (first character = + - @, also after an opening quote or
 * leading blanks).  Appends the result to out; *count gets how many cells
 * were changed.  -1 when out's maximum was reached. */
int mg_text_defang(const unsigned char *in, size_t len, mg_text_kind kind, mg_buf *out,
                   unsigned *count);

/* The shape of delimited data, as text_sniff.c found it. */
typedef struct mg_text_shape {
	char sep;           /* ',' or '\t'; 0 for prose */
	unsigned columns;   /* fields in most records */
	unsigned records;   /* records looked at (blank lines not counted) */
} mg_text_shape;

/* True when UTF-8 text (LF line ends) is delimited data: two or more
 * records, nearly all with the same number (two or more) of tab- or
 * comma-separated fields.  Prose, whatever its name, is not. */
bool mg_text_delimited(const unsigned char *utf8, size_t len, mg_text_shape *shape);

/* "UTF-16LE" or "UTF-16BE" when bytes without a byte order mark are
 * UTF-16 text with line ends or tabs, NULL otherwise. */
const char *mg_text_utf16_order(const unsigned char *d, size_t len);

#endif

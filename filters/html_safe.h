/*
 * html_safe.h - HTML kept but disarmed (policy html = safe): the page
 * rebuilt from an allow-list of elements and attributes (html_safe.c),
 * its style attributes reduced to safe declarations (html_safe_css.c) and
 * its link and image targets sorted (html_safe_url.c).
 */
#ifndef MUGAI_HTML_SAFE_H
#define MUGAI_HTML_SAFE_H

#include "internal.h"

/* What the rebuild removed, counted per kind for the notice and the
 * report; the names are in mg_html_safe_what(). */
typedef enum mg_html_cut {
	CUT_SCRIPT,       /* script and noscript elements */
	CUT_STYLE,        /* style sheets (elements) */
	CUT_STYLE_ATTR,   /* style attributes or declarations outside the allow-list */
	CUT_EVENT,        /* on* event attributes */
	CUT_FRAME,        /* iframe, frame, object, embed, applet */
	CUT_FORM,         /* forms and their controls */
	CUT_META,         /* meta refresh, base, link */
	CUT_SVG,          /* inline SVG */
	CUT_MATH,         /* MathML */
	CUT_MEDIA,        /* audio, video, canvas, template */
	CUT_IMAGE,        /* images not kept (remote or not an inline part): alt text shown */
	CUT_REMOTE_ATTR,  /* background, srcset and other attributes that load */
	CUT_LINK,         /* link targets other than http, https, mailto */
	CUT_COUNT
} mg_html_cut;

typedef struct mg_html_safe_stats {
	unsigned cut[CUT_COUNT];
	unsigned images_kept;    /* cid: images kept as inline parts */
	unsigned links;          /* links kept or rewritten per policy links */
	unsigned links_changed;  /* of which defanged or removed */
} mg_html_safe_stats;

/* Given the id of a cid: image (without "cid:"), the cid: URL of its
 * sanitised copy (g_free() it), or NULL when it is not kept. */
typedef char *(*mg_html_cid_fn)(void *user, const char *cid);

/* html (bytes in charset, NULL when undeclared) rebuilt as the content of
 * a <body>, appended to out as clean UTF-8 XHTML-compatible markup. */
mg_status mg_html_safe_body(mg_ctx *ctx, const unsigned char *html, size_t len,
                            const char *charset, mg_html_cid_fn cid, void *user, mg_buf *out,
                            mg_html_safe_stats *st);
/* The whole page around a body made by mg_html_safe_body(): a UTF-8
 * declaration and nothing else in its head. */
int mg_html_safe_document(mg_buf *out, const char *body, size_t len);
/* UTF-8 text escaped for element content (entities for & < >, characters
 * XML refuses left out, bad UTF-8 replaced). */
int mg_html_escape(mg_buf *out, const char *s, size_t n, bool attribute);
/* The name of a kind of removed content, in Japanese or English. */
const char *mg_html_safe_what(mg_html_cut cut, bool ja);
/* The findings of st in ctx's report. */
void mg_html_safe_report(mg_ctx *ctx, const mg_html_safe_stats *st);

/* html_safe_css.c: a style attribute's value with only the declarations
 * of the allow-list kept (appended to out); *dropped counts the others.
 * Anything that could load or run (url(), expression(), @import, escapes,
 * comments) drops the whole attribute. */
int mg_css_filter(const char *style, mg_buf *out, unsigned *dropped);

/* html_safe_url.c: what a link or image target is, after the cleaning a
 * browser does (blanks and controls around it, tabs and newlines in it). */
typedef enum mg_url_kind {
	URL_WEB,     /* http, https */
	URL_MAILTO,
	URL_CID,
	URL_OTHER,   /* relative, fragment, ftp, file, tel ... */
	URL_ACTIVE,  /* javascript, vbscript, data */
} mg_url_kind;
/* *clean gets the cleaned target (g_free() it). */
mg_url_kind mg_url_classify(const char *raw, char **clean);

#endif

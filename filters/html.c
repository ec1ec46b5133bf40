/*
 * html.c - HTML -> text, the "html" family and the mail filter's HTML bodies.
 *
 * libxml2's HTML parser reads the page (recovering from any tag soup, no
 * network, no outside entities), and its events are followed as a walk
 * over the tree it would build of them: what a reader sees is written,
 * paragraphs and line breaks, list items with bullets or numbers, table
 * cells separated by " | ", images by their alt text, and links as
 * "label <url>" so that a reader can still see where a link went without
 * anything being clickable or loaded (or defanged or removed: policy links,
 * links.c).  Scripts, styles, objects and frames are dropped with their
 * content.  The tree itself is not built: its nodes, their copies of names
 * and text, and freeing them were a quarter of the conversion's work.  The
 * open elements are a stack on the heap: nesting depth costs no C stack.
 * mg_html_parse() still gives the tree to html = safe, which rewrites it.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "charset.h"
#include "html_safe.h"
#include "text.h"

#define HTML_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
                      HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD)
#define MAX_NEST 32         /* list and table levels tracked; deeper ones share the last */
#define MAX_URL 2048        /* longer link targets are not shown */
#define META_WINDOW 4096    /* where a <meta charset> is looked for */
#define DEADLINE_EVERY 1024 /* nodes between deadline checks */
#define KIND_CACHE 64       /* element names whose kind the walk remembers */

enum {
	K_SKIP = 1u << 0,   /* dropped with its content */
	K_ACTIVE = 1u << 1, /* counted as active content */
	K_PARA = 1u << 2,   /* a blank line before and after */
	K_LINE = 1u << 3,   /* a line of its own */
	K_BR = 1u << 4,
	K_HR = 1u << 5,
	K_LIST = 1u << 6,
	K_OL = 1u << 7,
	K_LI = 1u << 8,
	K_TABLE = 1u << 9,
	K_ROW = 1u << 10,
	K_CELL = 1u << 11,
	K_A = 1u << 12,
	K_IMG = 1u << 13,
	K_PRE = 1u << 14,
	K_FORM = 1u << 15,
	/* void in HTML 5, unknown or a container to libxml2's HTML 4 parser,
	 * which then gives it what follows as children: those are walked */
	K_VOID5 = 1u << 16,
};

/* Sorted by name for bsearch; libxml2 lowercases HTML element names. */
static const struct element {
	const char *name;
	unsigned kind;
} elements[] = {
	{ "a", K_A },
	{ "address", K_PARA },
	{ "applet", K_SKIP | K_ACTIVE },
	{ "article", K_PARA },
	{ "aside", K_PARA },
	{ "audio", K_SKIP | K_ACTIVE },
	{ "base", K_SKIP },
	{ "blockquote", K_PARA },
	{ "body", K_LINE },
	{ "br", K_BR },
	{ "button", K_SKIP },
	{ "canvas", K_SKIP },
	{ "caption", K_LINE },
	{ "center", K_LINE },
	{ "dd", K_LINE },
	{ "details", K_PARA },
	{ "dialog", K_PARA },
	{ "div", K_LINE },
	{ "dl", K_PARA },
	{ "dt", K_LINE },
	{ "embed", K_VOID5 | K_ACTIVE },
	{ "fieldset", K_PARA },
	{ "figcaption", K_LINE },
	{ "figure", K_PARA },
	{ "footer", K_PARA },
	{ "form", K_PARA | K_FORM },
	{ "frame", K_SKIP | K_ACTIVE },
	{ "frameset", K_SKIP | K_ACTIVE },
	{ "h1", K_PARA },
	{ "h2", K_PARA },
	{ "h3", K_PARA },
	{ "h4", K_PARA },
	{ "h5", K_PARA },
	{ "h6", K_PARA },
	{ "head", 0 },      /* walked: its scripts and styles are counted */
	{ "header", K_PARA },
	{ "hr", K_HR },
	{ "iframe", K_SKIP | K_ACTIVE },
	{ "img", K_IMG },
	{ "input", K_SKIP },
	{ "legend", K_LINE },
	{ "li", K_LI },
	{ "link", K_SKIP },
	{ "main", K_PARA },
	{ "math", K_SKIP },
	{ "menu", K_LIST },
	{ "meta", K_SKIP },
	{ "nav", K_PARA },
	{ "noembed", K_SKIP },
	{ "noframes", K_SKIP },
	{ "noscript", K_SKIP },
	{ "object", K_SKIP | K_ACTIVE },
	{ "ol", K_LIST | K_OL },
	{ "p", K_PARA },
	{ "param", K_SKIP },
	{ "pre", K_PARA | K_PRE },
	{ "script", K_SKIP | K_ACTIVE },
	{ "section", K_PARA },
	{ "select", K_SKIP },
	{ "source", K_VOID5 },
	{ "style", K_SKIP | K_ACTIVE },
	{ "summary", K_LINE },
	{ "svg", K_SKIP | K_ACTIVE },
	{ "table", K_TABLE },
	{ "td", K_CELL },
	{ "template", K_SKIP },
	{ "textarea", K_SKIP },
	{ "th", K_CELL },
	{ "title", K_SKIP },
	{ "tr", K_ROW },
	{ "track", K_VOID5 },
	{ "ul", K_LIST },
	{ "video", K_SKIP | K_ACTIVE },
	{ "xmp", K_PARA | K_PRE },
};

struct walk {
	mg_ctx *ctx;
	mg_buf *out;
	mg_html_stats *stats;
	unsigned trailing_nl;   /* newlines at the end of out */
	unsigned pending_nl;    /* newlines wanted before the next text */
	bool pending_space;
	bool line_empty;        /* nothing but indentation on the current line */
	bool at_start;          /* nothing written yet */
	unsigned pre;
	unsigned lists;
	unsigned list_num[MAX_NEST];
	bool list_ordered[MAX_NEST];
	unsigned tables;
	unsigned row_cells[MAX_NEST];
	bool in_link;           /* an <a>'s label is being written */
	size_t link_depth;      /* the depth of that <a> */
	char *link_href;        /* and its target as written */
	size_t link_start;
	int err;
	/* the elements open in the tree the parser's events build: their kinds */
	unsigned *open;
	size_t depth, open_cap;
	size_t skip_at;         /* the depth of an element dropped with its content, or 0 */
	unsigned long events;
	bool late;              /* the item's deadline passed */
	bool too_deep;          /* an element past xmlParserMaxDepth stopped the parser */
	/* the kinds of the element names last looked up, by name_hash() */
	char kind_name[KIND_CACHE][16];
	unsigned kind_of[KIND_CACHE];
};

static int element_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct element *)elem)->name);
}

static unsigned element_kind(const xmlChar *name)
{
	const struct element *e;

	e = bsearch(name, elements, sizeof(elements) / sizeof(elements[0]), sizeof(elements[0]),
	            element_cmp);
	return e ? e->kind : 0;
}

/* FNV-1a of an element name, which is short. */
static size_t name_hash(const xmlChar *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ *name) * 16777619u;
	return h;
}

/* element_kind() through the walk's cache: a page uses a few element
 * names many times.  A slot keeps a copy of a short name (every name of
 * the table is one), so a hit costs one strcmp, not a bsearch. */
static unsigned kind(struct walk *w, const xmlChar *name)
{
	size_t slot, n;

	if (!name)
		return 0;
	slot = name_hash(name) % KIND_CACHE;
	if (strcmp(w->kind_name[slot], (const char *)name) == 0)
		return w->kind_of[slot];
	n = strlen((const char *)name);
	if (n >= sizeof(w->kind_name[slot]))
		return element_kind(name);
	memcpy(w->kind_name[slot], name, n + 1);
	w->kind_of[slot] = element_kind(name);
	return w->kind_of[slot];
}

static void put(struct walk *w, const void *s, size_t n)
{
	if (w->err == 0 && n > 0 && mg_buf_append(w->out, s, n) < 0)
		w->err = -1;
}

static void want_nl(struct walk *w, unsigned n)
{
	if (n > w->pending_nl)
		w->pending_nl = n;
}

/* Writes what is pending before visible content. */
static void flush(struct walk *w)
{
	if (w->pending_nl && !w->at_start) {
		while (w->trailing_nl < w->pending_nl) {
			put(w, "\n", 1);
			w->trailing_nl++;
		}
		w->line_empty = true;
		w->pending_space = false;
	}
	w->pending_nl = 0;
	if (w->pending_space && !w->line_empty)
		put(w, " ", 1);
	w->pending_space = false;
}

static void wrote(struct walk *w)
{
	w->trailing_nl = 0;
	w->line_empty = false;
	w->at_start = false;
}

/* Visible text; whitespace collapses outside <pre>. */
static void text(struct walk *w, const char *s, size_t n)
{
	size_t i = 0;

	if (w->pre) {
		if (n == 0)
			return;
		flush(w);
		put(w, s, n);
		w->at_start = false;
		while (n > 0 && s[n - 1] == '\n') {
			n--;
			i++;
		}
		w->trailing_nl = n == 0 ? w->trailing_nl + (unsigned)i : (unsigned)i;
		w->line_empty = i > 0;
		return;
	}
	while (i < n) {
		size_t j = i;

		if (g_ascii_isspace(s[i])) {
			w->pending_space = true;
			i++;
			continue;
		}
		while (j < n && !g_ascii_isspace(s[j]))
			j++;
		flush(w);
		put(w, s + i, j - i);
		wrote(w);
		i = j;
	}
}

static void hard_break(struct walk *w)
{
	if (w->at_start)
		return;
	w->pending_space = false;
	if (w->pending_nl)
		flush(w);
	put(w, "\n", 1);
	w->trailing_nl++;
	w->line_empty = true;
}

/* An attribute's value as a copy, "" for one written without a value
 * (as a tree's xmlGetProp gives it), NULL when there is none. */
static char *attr(const xmlChar **attrs, const char *name)
{
	for (; attrs && attrs[0]; attrs += 2)
		if (strcmp((const char *)attrs[0], name) == 0)
			return g_strdup(attrs[1] ? (const char *)attrs[1] : "");
	return NULL;
}

static void list_item(struct walk *w)
{
	unsigned level = w->lists ? (w->lists > MAX_NEST ? MAX_NEST : w->lists) : 1;
	char bullet[32];

	want_nl(w, 1);
	w->pending_space = false;
	flush(w);
	for (unsigned i = 1; i < level; i++)
		put(w, "  ", 2);
	if (w->lists && w->list_ordered[level - 1])
		snprintf(bullet, sizeof(bullet), "%u. ", ++w->list_num[level - 1]);
	else
		snprintf(bullet, sizeof(bullet), "- ");
	put(w, bullet, strlen(bullet));
	wrote(w);
	w->line_empty = true; /* the item's own leading blanks are not wanted */
}

static void image(struct walk *w, const xmlChar **attrs)
{
	char *alt = attr(attrs, "alt"), *src = attr(attrs, "src");

	w->stats->images++;
	if (src && (g_ascii_strncasecmp(src, "http:", 5) == 0 ||
	            g_ascii_strncasecmp(src, "https:", 6) == 0 || strncmp(src, "//", 2) == 0))
		w->stats->remote_images++;
	if (alt) {
		g_strstrip(alt);
		if (*alt) {
			text(w, "[", 1);
			w->pending_space = false;
			text(w, alt, strlen(alt));
			w->pending_space = false;
			text(w, "]", 1);
		}
	}
	g_free(alt);
	g_free(src);
}

static void enter_list(struct walk *w, unsigned kind, const xmlChar **attrs)
{
	want_nl(w, w->lists ? 1 : 2);
	if (w->lists < MAX_NEST) {
		char *start = (kind & K_OL) ? attr(attrs, "start") : NULL;
		long v = start ? strtol(start, NULL, 10) : 1;

		w->list_ordered[w->lists] = (kind & K_OL) != 0;
		w->list_num[w->lists] = v > 0 && v < 1000000 ? (unsigned)(v - 1) : 0;
		g_free(start);
	}
	w->lists++;
}

static void cell(struct walk *w)
{
	unsigned t = w->tables ? (w->tables > MAX_NEST ? MAX_NEST : w->tables) - 1 : 0;

	if (w->row_cells[t]++ > 0) {
		w->pending_space = false;
		flush(w);
		put(w, " | ", 3);
		wrote(w);
		w->line_empty = true;
	}
}

/* Returns whether the element's children are to be walked. */
static bool enter(struct walk *w, unsigned k, const xmlChar **attrs)
{
	if (k & K_VOID5) {
		if (k & K_ACTIVE)
			w->stats->active++;
		return true;
	}
	if (k & K_SKIP) {
		if (k & K_ACTIVE)
			w->stats->active++;
		return false;
	}
	if (k & K_BR) {
		hard_break(w);
		return false;
	}
	if (k & K_HR) {
		want_nl(w, 1);
		text(w, "----", 4);
		want_nl(w, 1);
		return false;
	}
	if (k & K_IMG) {
		image(w, attrs);
		return false;
	}
	if (k & K_FORM)
		w->stats->forms++;
	if (k & K_PRE)
		w->pre++;
	if (k & K_PARA)
		want_nl(w, 2);
	if (k & K_LINE)
		want_nl(w, 1);
	if (k & K_LIST)
		enter_list(w, k, attrs);
	if (k & K_LI)
		list_item(w);
	if (k & K_TABLE) {
		want_nl(w, 2);
		w->tables++;
	}
	if (k & K_ROW) {
		want_nl(w, 1);
		w->row_cells[w->tables ? (w->tables > MAX_NEST ? MAX_NEST : w->tables) - 1 : 0] = 0;
	}
	if (k & K_CELL)
		cell(w);
	if ((k & K_A) && !w->in_link) {
		w->in_link = true;
		w->link_depth = w->depth;
		w->link_href = attr(attrs, "href");
		w->link_start = w->out->len;
	}
	return true;
}

static bool scheme_is(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return g_ascii_strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

/* The link target href (freed here) as it may be shown, or NULL when it
 * is not shown. */
static char *shown_url(struct walk *w, char *href)
{
	static const char *const safe[] = { "http", "https", "mailto", "ftp", "tel" };
	GString *s;
	bool ok = false;

	if (!href)
		return NULL;
	g_strstrip(href);
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		ok = ok || scheme_is(href, safe[i]);
	if (!ok || strlen(href) > MAX_URL) {
		/* relative targets mean nothing outside the page; the rest is active */
		if (strchr(href, ':') && !ok)
			w->stats->unsafe_links++;
		g_free(href);
		return NULL;
	}
	s = g_string_sized_new(strlen(href) + 8);
	for (const char *p = href; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7F)
			g_string_append_printf(s, "%%%02X", c);
		else
			g_string_append_c(s, (char)c);
	}
	g_free(href);
	return g_string_free(s, FALSE);
}

static void leave_link(struct walk *w)
{
	char *url = shown_url(w, w->link_href);
	mg_links mode = (mg_links)w->ctx->policy->links;
	/* nothing written yet: no buffer, and no label */
	const char *text_so_far = w->out->data ? (const char *)w->out->data : "";
	const char *label, *label_end, *shown;
	size_t label_len;

	w->in_link = false;
	w->link_href = NULL;
	if (!url || w->err)
		goto done;
	w->stats->links++;
	label = text_so_far + w->link_start;
	label_end = text_so_far + w->out->len;
	while (label < label_end && g_ascii_isspace(*label))
		label++;
	label_len = (size_t)(label_end - label);
	shown = url;
	if (mode != MG_LINKS_TEXT && (scheme_is(url, "mailto") || scheme_is(url, "tel")))
		shown = strchr(url, ':') + 1; /* an address is text, not a link */
	if (label_len == strlen(shown) && memcmp(label, shown, label_len) == 0)
		goto done; /* a label that is a URL is the text pass's (links.c) */
	if (scheme_is(url, "mailto") && label_len == strlen(url) - 7 &&
	    memcmp(label, url + 7, label_len) == 0)
		goto done;
	if (mode == MG_LINKS_REMOVE && shown == url) {
		mg_link_record(w->ctx, url, strlen(url), "removed");
		w->stats->links_changed++;
		goto done;
	}
	if (label_len > 0)
		w->pending_space = true;
	text(w, "<", 1);
	w->pending_space = false;
	text(w, shown, strlen(shown));
	w->pending_space = false;
	text(w, ">", 1);
done:
	g_free(url);
}

/* The end of an element of kind k, at depth in the tree. */
static void leave(struct walk *w, unsigned k, size_t depth)
{
	if (k & (K_SKIP | K_BR | K_HR | K_IMG))
		return;
	if (k & K_PRE && w->pre)
		w->pre--;
	if (k & (K_PARA | K_TABLE))
		want_nl(w, 2);
	if (k & (K_LINE | K_LI | K_ROW))
		want_nl(w, 1);
	if (k & K_TABLE && w->tables)
		w->tables--;
	if (k & K_LIST) {
		if (w->lists)
			w->lists--;
		want_nl(w, w->lists ? 1 : 2);
	}
	if (w->in_link && depth == w->link_depth)
		leave_link(w);
}

/* Every DEADLINE_EVERY events the item's deadline; false (and the parser
 * stopped) past it or once the text is full: the rest is not looked at. */
static bool going(htmlParserCtxtPtr parser, struct walk *w)
{
	if (w->err == 0 && !w->late && ++w->events % DEADLINE_EVERY == 0 &&
	    mg_check_deadline(w->ctx) != MG_OK)
		w->late = true;
	if (w->err == 0 && !w->late)
		return true;
	xmlStopParser(parser);
	return false;
}

/* An element's name as a tree built by libxml2 holds it: the tree splits
 * a prefix off at the first colon (xmlSplitQName), so "s:script" is a
 * script there, while "c:" and ":b" stay whole. */
static const xmlChar *tree_name(const xmlChar *name)
{
	const char *colon = name && name[0] != ':' ? strchr((const char *)name, ':') : NULL;

	return colon && colon[1] ? (const xmlChar *)colon + 1 : name;
}

/* The parser's events, as the tree libxml2 builds of them (xmlSAX2*)
 * would give them to a walk over it: an element's end closes the element
 * opened last, whatever name the parser gives the end (after a start
 * tag cut short they differ); an element dropped with its content hides
 * what it holds; text outside every element, which a tree has no place
 * for, goes; an element past xmlParserMaxDepth stops the parser, as the
 * tree's node stack does. */
static void on_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	htmlParserCtxtPtr parser = ctx;
	struct walk *w = parser->_private;
	unsigned k;

	if (w->depth > xmlParserMaxDepth) {
		w->too_deep = true;
		xmlStopParser(parser);
		return;
	}
	if (!going(parser, w))
		return;
	if (w->depth == w->open_cap) {
		w->open_cap = w->open_cap ? w->open_cap * 2 : 64;
		w->open = g_renew(unsigned, w->open, w->open_cap);
	}
	k = w->skip_at ? 0 : kind(w, tree_name(name));
	w->open[w->depth++] = k;
	if (!w->skip_at && !enter(w, k, attrs))
		w->skip_at = w->depth;
}

static void close_element(struct walk *w)
{
	size_t depth = w->depth--;

	if (w->skip_at == depth)
		w->skip_at = 0;
	else if (!w->skip_at)
		leave(w, w->open[depth - 1], depth);
}

static void on_end(void *ctx, const xmlChar *name)
{
	struct walk *w = ((htmlParserCtxtPtr)ctx)->_private;

	(void)name;
	if (w->depth)
		close_element(w);
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
	htmlParserCtxtPtr parser = ctx;
	struct walk *w = parser->_private;

	if (!w->skip_at && w->depth && len > 0 && going(parser, w))
		text(w, (const char *)ch, (size_t)len);
}

/* The charset a <meta> names near the top of the page, into buf. */
static const char *meta_charset(const unsigned char *d, size_t len, char *buf, size_t buflen)
{
	size_t n = len < META_WINDOW ? len : META_WINDOW, i = 0;
	const unsigned char *p;

	if (!d)
		return NULL; /* an empty part has no bytes at all */
	while ((p = memmem(d + i, n - i, "charset", 7)) != NULL) {
		size_t j = (size_t)(p - d) + 7, k = 0;

		i = j;
		while (j < n && (d[j] == ' ' || d[j] == '\t'))
			j++;
		if (j >= n || d[j] != '=')
			continue;
		j++;
		while (j < n && (d[j] == ' ' || d[j] == '"' || d[j] == '\''))
			j++;
		while (j < n && k + 1 < buflen &&
		       (g_ascii_isalnum(d[j]) || d[j] == '-' || d[j] == '_' || d[j] == '.' || d[j] == ':'))
			buf[k++] = (char)d[j++];
		buf[k] = 0;
		if (k > 0)
			return buf;
	}
	return NULL;
}

static void report_stats(mg_ctx *ctx, const mg_html_stats *st)
{
	mg_report_action(ctx, "HTML converted to text (%u links kept as text)", st->links);
	if (st->links_changed)
		mg_report_action(ctx, "%u links %s (policy links)", st->links_changed,
		                 ctx->policy->links == MG_LINKS_DEFANG ? "defanged" : "removed");
	if (st->active)
		mg_report_removed(ctx, "HTML active content", "%u script, style, object or frame "
		                  "elements dropped", st->active);
	if (st->unsafe_links)
		mg_report_removed(ctx, "HTML links", "%u javascript:, data: or other active link "
		                  "targets dropped", st->unsafe_links);
	if (st->remote_images)
		mg_report_removed(ctx, "HTML remote images", "%u images loaded from the network "
		                  "(possible tracking) not kept", st->remote_images);
	if (st->forms)
		mg_report_finding(ctx, "HTML had %u forms; only their text is kept", st->forms);
}

static void finish_text(mg_buf *b)
{
	while (b->len > 0 && g_ascii_isspace(b->data[b->len - 1]))
		b->len--;
	if (b->data)
		b->data[b->len] = 0;
	if (b->len > 0)
		mg_buf_putc(b, '\n');
}

/* html decoded into utf8 (charset NULL: BOM, <meta> and detection
 * decide), a charset that did not fit reported. */
static mg_status html_utf8(mg_ctx *ctx, const unsigned char *html, size_t len,
                           const char *charset, mg_buf *utf8)
{
	char meta[48];
	mg_charset_info info;

	if (!charset)
		charset = meta_charset(html, len, meta, sizeof(meta));
	if (mg_charset_decode(html, len, charset, utf8, &info) < 0)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "HTML text larger than max_output");
	if (utf8->len > INT_MAX)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "HTML of %zu bytes is too large to parse", utf8->len);
	if (info.guessed)
		mg_report_finding(ctx, "HTML charset %s did not fit; decoded as %s",
		                  charset ? charset : "(none)", info.used);
	return MG_OK;
}

mg_status mg_html_parse(mg_ctx *ctx, const unsigned char *html, size_t len, const char *charset,
                        size_t max, struct _xmlDoc **doc)
{
	mg_buf utf8;
	mg_status st;

	*doc = NULL;
	mg_buf_init(&utf8, max);
	st = html_utf8(ctx, html, len, charset, &utf8);
	if (st == MG_OK)
		*doc = htmlReadMemory(utf8.data ? (const char *)utf8.data : "", (int)utf8.len, NULL,
		                      "UTF-8", HTML_OPTIONS);
	mg_buf_free(&utf8);
	return st;
}

void mg_html_sax(const unsigned char *utf8, size_t len, const struct _xmlSAXHandler *sax,
                 void *priv)
{
	htmlParserCtxtPtr parser = len <= INT_MAX ? htmlNewParserCtxt() : NULL;
	htmlDocPtr doc;

	if (!parser)
		return;
	memcpy(parser->sax, sax, sizeof(*parser->sax));
	parser->_private = priv;
	/* htmlReadMemory's reading: the same events as the tree is built of */
	doc = htmlCtxtReadMemory(parser, utf8 ? (const char *)utf8 : "", (int)len, NULL, "UTF-8",
	                         HTML_OPTIONS);
	if (doc)
		xmlFreeDoc(doc);
	htmlFreeParserCtxt(parser);
}

mg_status mg_html_to_text(mg_ctx *ctx, const unsigned char *html, size_t len,
                          const char *charset, mg_buf *out, mg_html_stats *stats)
{
	mg_buf txt, utf8;
	mg_html_stats local = { 0 };
	struct walk w = { 0 };
	htmlSAXHandler sax;
	mg_status st;
	unsigned changed;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	mg_buf_init(&txt, out->max);
	mg_buf_init(&utf8, out->max);
	st = html_utf8(ctx, html, len, charset, &utf8);
	if (st == MG_OK) {
		memset(&sax, 0, sizeof(sax));
		sax.startElement = on_start;
		sax.endElement = on_end;
		sax.characters = on_text;
		sax.cdataBlock = on_text;
		w.ctx = ctx;
		w.out = &txt;
		w.stats = stats;
		w.at_start = true;
		w.line_empty = true;
		mg_html_sax(utf8.data, utf8.len, &sax, &w);
		/* what the parser left open ends with the text, as a walk ends */
		while (w.depth && !w.late && !w.err)
			close_element(&w);
		g_free(w.link_href); /* an <a> left open by a stopped parser */
		g_free(w.open);
		if (w.too_deep)
			mg_report_removed(ctx, "HTML nesting", "elements nested deeper than %u: the rest of "
			                  "the page is not converted", xmlParserMaxDepth + 1);
		if (w.late)
			st = ctx->status;
		else if (w.err)
			st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text of the HTML larger than max_output");
	}
	mg_buf_free(&utf8);
	/* a document libxml2 finds nothing in is an empty text, not an error */
	if (st != MG_OK)
		goto done;
	mg_utf8_clean(&txt);
	st = mg_links_apply(ctx, &txt, &changed);
	if (st != MG_OK)
		goto done;
	stats->links_changed += changed;
	finish_text(&txt);
	report_stats(ctx, stats);
	if (txt.len && mg_buf_append(out, txt.data, txt.len) < 0)
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text of the HTML larger than max_output");
done:
	mg_buf_free(&txt);
	return st;
}

/* policy html = safe: the page rebuilt and kept, with no image parts to
 * refer to (every image becomes its alt text). */
static mg_status html_safe_run(mg_ctx *ctx, const mg_item *item, mg_out *out)
{
	mg_html_safe_stats st;
	mg_buf body;
	mg_status rc;

	mg_buf_init(&body, out->data.max);
	rc = mg_html_safe_body(ctx, item->data, item->len, NULL, NULL, NULL, &body, &st);
	if (rc == MG_OK && mg_html_safe_document(&out->data, body.data ? (const char *)body.data : "",
	                                         body.len) < 0)
		rc = mg_fail(ctx, MG_E_LIMIT_SIZE, "disarmed HTML larger than max_output");
	if (rc == MG_OK) {
		mg_html_safe_report(ctx, &st);
		mg_out_set_type(out, "text/html; charset=utf-8", "html");
	}
	mg_buf_free(&body);
	return rc;
}

static mg_status html_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	mg_status st;

	if (action == MG_ACT_SAFE)
		return html_safe_run(ctx, item, out);
	st = mg_html_to_text(ctx, item->data, item->len, NULL, &out->data, NULL);
	if (st == MG_OK)
		mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
	return st;
}

const mg_filter mg_filter_html = {
	.family = MG_FAM_HTML,
	.name = "html",
	.actions = 1u << MG_ACT_TEXT | 1u << MG_ACT_SAFE,
	.default_action = MG_ACT_TEXT,
	.run = html_run,
};

/*
 * image_svg_refs.c - an SVG that points outside itself is refused before
 * it is rendered.
 *
 * librsvg, given no base URL, loads nothing but data: URLs; this check is
 * the second wall and the one that explains: a document whose rendering
 * would depend on another file, a URL, a stylesheet or an XInclude is
 * blocked with the reference named, instead of coming out subtly
 * different.  What may stay: references to the document's own elements
 * ("#id", url(#id)), links (<a href>, never followed by a renderer and
 * gone in pixels), and pictures embedded as PNG or JPEG data: URLs that
 * the image family's own decoders accept.
 *
 * The tree is built by libxml2 with no network, no DTD loading and no
 * entity substitution; every value is looked at as librsvg sees it, with
 * the document's own (internal, flat) entities expanded within a budget,
 * so that an entity cannot hide a reference nor blow the check up.
 */
#include <glib.h>
#include <libxml/entities.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#include "image_codec.h"

#define SVG_NS "http://www.w3.org/2000/svg"
#define XINCLUDE_NS "http://www.w3.org/2001/XInclude"
#define XINCLUDE_NS_OLD "http://www.w3.org/2003/XInclude"
/* Entity text the check expands at most: the input's size many times
 * over plus a little, far above any drawing's, far below a bomb's. */
#define EXPAND_FACTOR 8u
#define EXPAND_EXTRA (1u << 20)

struct scan {
	mg_ctx *ctx;
	xmlDocPtr doc;
	size_t budget;      /* entity text still allowed to be expanded */
	mg_status st;
};

static mg_status refuse(struct scan *s, const char *what, const char *value)
{
	if (s->st == MG_OK)
		s->st = mg_fail(s->ctx, MG_E_TYPE_BLOCKED,
		                "SVG image with %s (%.80s): it would read outside itself", what,
		                value ? value : "");
	return s->st;
}

/* A node list's text as librsvg gets it: entity references replaced by
 * their (flat, internal) text, counted against the budget. */
static mg_status expand(struct scan *s, xmlNodePtr n, mg_buf *out)
{
	for (; n && s->st == MG_OK; n = n->next) {
		const xmlChar *t = NULL;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			t = n->content;
		} else if (n->type == XML_ENTITY_REF_NODE) {
			xmlEntityPtr e = xmlGetDocEntity(s->doc, n->name);

			t = e ? e->content : NULL;
			if (t && strlen((const char *)t) > s->budget)
				return s->st = mg_fail(s->ctx, MG_E_LIMIT_RATIO,
				                       "SVG image whose entities expand past %zu bytes",
				                       s->budget);
			if (t)
				s->budget -= strlen((const char *)t);
		}
		if (t && mg_buf_puts(out, (const char *)t) < 0)
			return s->st = mg_fail(s->ctx, MG_E_LIMIT_RATIO,
			                       "SVG image whose text expands past the check's budget");
	}
	return s->st;
}

static bool starts_nocase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f')
		s++;
	return s;
}

/* CSS (a style sheet, a style attribute, a presentation attribute): every
 * url() points into the document; no @import; no escapes, which could
 * spell either of them so that a search does not see it. */
static mg_status check_css(struct scan *s, const char *v)
{
	const char *p;

	if (strchr(v, '\\'))
		return refuse(s, "a CSS escape", v);
	if ((p = strcasestr(v, "@import")) != NULL)
		return refuse(s, "a style sheet import", p);
	for (p = v; (p = strcasestr(p, "url(")) != NULL; p += 4) {
		const char *arg = skip_space(p + 4);

		if (*arg == '"' || *arg == '\'')
			arg = skip_space(arg + 1);
		if (*arg != '#')
			return refuse(s, "a url() outside the document", p);
	}
	return MG_OK;
}

static bool is_svg_elem(xmlNodePtr n, const char *name)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, SVG_NS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* A picture carried inside as base64: decoded first by the image
 * family's own decoder, so that only a PNG or JPEG it accepts, within the
 * policy's size and the renderer's memory, reaches gdk-pixbuf. */
static mg_status check_embedded(struct scan *s, const char *v)
{
	const char *b64 = strcasestr(v, ";base64,");
	unsigned char *bytes;
	const char *format;
	gsize n = 0;
	mg_image img = { 0 };
	mg_status st;

	if (!b64 || strchr(v, ',') < b64)
		return refuse(s, "an embedded picture not in base64", v);
	bytes = g_base64_decode(b64 + 8, &n);
	format = bytes ? mg_image_format(bytes, n) : NULL;
	if (!format || (strcmp(format, "PNG") != 0 && strcmp(format, "JPEG") != 0)) {
		g_free(bytes);
		return s->st = mg_fail(s->ctx, MG_E_MALFORMED,
		                       "SVG image with an embedded picture that is no PNG or JPEG");
	}
	st = strcmp(format, "PNG") == 0 ? mg_png_decode(s->ctx, bytes, n, &img)
	                                : mg_jpeg_decode(s->ctx, bytes, n, &img);
	if (st == MG_OK && (uint64_t)img.width * img.height > MG_SVG_EMBED_MAX_PIXELS)
		st = mg_fail(s->ctx, MG_E_LIMIT_PIXELS,
		             "SVG image with an embedded picture of %ux%u pixels, over %llu",
		             img.width, img.height, (unsigned long long)MG_SVG_EMBED_MAX_PIXELS);
	mg_image_free(&img);
	g_free(bytes);
	return s->st = st;
}

/* An href: into the document, a link, or a picture carried inside. */
static mg_status check_href(struct scan *s, xmlNodePtr elem, const char *v)
{
	const char *p = skip_space(v);

	if (*p == '\0' || *p == '#' || is_svg_elem(elem, "a"))
		return MG_OK;
	if (is_svg_elem(elem, "image") &&
	    (starts_nocase(p, "data:image/png;") || starts_nocase(p, "data:image/png,") ||
	     starts_nocase(p, "data:image/jpeg;") || starts_nocase(p, "data:image/jpeg,")))
		return check_embedded(s, p);
	return refuse(s, "a reference to another file or URL", v);
}

static mg_status check_attr(struct scan *s, xmlNodePtr elem, xmlAttrPtr a)
{
	mg_buf v;

	mg_buf_init(&v, s->budget + EXPAND_EXTRA);
	if (expand(s, a->children, &v) == MG_OK) {
		const char *t = v.data ? (const char *)v.data : "";

		if (strcmp((const char *)a->name, "href") == 0)
			check_href(s, elem, t);
		else if (!a->ns) /* SVG's own attributes (editors' carry a prefix) */
			check_css(s, t);
	}
	mg_buf_free(&v);
	return s->st;
}

static bool is_xinclude(xmlNodePtr n)
{
	return n->ns && n->ns->href &&
	       (strcmp((const char *)n->ns->href, XINCLUDE_NS) == 0 ||
	        strcmp((const char *)n->ns->href, XINCLUDE_NS_OLD) == 0);
}

static mg_status check_element(struct scan *s, xmlNodePtr n)
{
	if (is_xinclude(n))
		return refuse(s, "an XInclude", (const char *)n->name);
	for (xmlAttrPtr a = n->properties; a && s->st == MG_OK; a = a->next)
		check_attr(s, n, a);
	if (s->st == MG_OK && strcmp((const char *)n->name, "style") == 0) {
		mg_buf v;

		mg_buf_init(&v, s->budget + EXPAND_EXTRA);
		if (expand(s, n->children, &v) == MG_OK)
			check_css(s, v.data ? (const char *)v.data : "");
		mg_buf_free(&v);
	}
	return s->st;
}

/* Iterative walk: a deeply nested drawing must not exhaust the stack. */
static mg_status walk(struct scan *s, xmlNodePtr n)
{
	while (n && s->st == MG_OK) {
		if (n->type == XML_ELEMENT_NODE)
			check_element(s, n);
		else if (n->type == XML_PI_NODE && strcmp((const char *)n->name, "xml-stylesheet") == 0)
			refuse(s, "an external style sheet", (const char *)n->content);
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent && n->parent->type != XML_DOCUMENT_NODE ? n->parent : NULL;
		if (n)
			n = n->next;
	}
	return s->st;
}

static void check_entity(void *payload, void *data, const xmlChar *name)
{
	xmlEntityPtr e = payload;
	struct scan *s = data;
	const char *c = e->content ? (const char *)e->content : "";

	(void)name;
	if (s->st != MG_OK)
		return;
	if (e->etype != XML_INTERNAL_GENERAL_ENTITY)
		refuse(s, "an external entity", e->SystemID ? (const char *)e->SystemID
		                                            : (const char *)e->name);
	else
		for (const char *p = strchr(c, '&'); p && s->st == MG_OK; p = strchr(p + 1, '&'))
			if (p[1] != '#') /* an entity in an entity: the bomb's shape */
				refuse(s, "an entity built of entities", (const char *)e->name);
}

/* A DOCTYPE may name the W3C's DTD (it is never loaded); nothing else. */
static mg_status check_dtd(struct scan *s, xmlDtdPtr dtd)
{
	if (!dtd)
		return MG_OK;
	if (dtd->SystemID && !starts_nocase((const char *)dtd->SystemID, "http://www.w3.org/") &&
	    !starts_nocase((const char *)dtd->SystemID, "https://www.w3.org/"))
		return refuse(s, "a DTD of its own", (const char *)dtd->SystemID);
	if (dtd->pentities && xmlHashSize(dtd->pentities) > 0)
		return refuse(s, "parameter entities", "DOCTYPE");
	if (dtd->entities)
		xmlHashScan(dtd->entities, check_entity, s);
	return s->st;
}

mg_status mg_svg_check_refs(mg_ctx *ctx, const unsigned char *data, size_t len)
{
	struct scan s = { ctx, NULL, 0, MG_OK };
	xmlParserCtxtPtr pc;

	if (len > (size_t)INT32_MAX)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "SVG image of %zu bytes", len);
	s.budget = len * EXPAND_FACTOR + EXPAND_EXTRA;
	pc = xmlNewParserCtxt();
	if (!pc)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory for the SVG check");
	s.doc = xmlCtxtReadMemory(pc, (const char *)data, (int)len, NULL, NULL,
	                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!s.doc || !pc->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(pc);
		const char *m = e && e->message ? e->message : "unreadable";

		s.st = mg_fail(ctx, MG_E_MALFORMED, "SVG image that is not well-formed XML: %.*s",
		               (int)strcspn(m, "\n"), m);
	}
	if (s.st == MG_OK && check_dtd(&s, s.doc->intSubset) == MG_OK)
		check_dtd(&s, s.doc->extSubset);
	if (s.st == MG_OK)
		walk(&s, s.doc->children);
	xmlFreeDoc(s.doc);
	xmlFreeParserCtxt(pc);
	return s.st;
}

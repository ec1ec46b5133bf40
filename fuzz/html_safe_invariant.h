/*
 * html_safe_invariant.h - what a page rebuilt by html_safe.c must be,
 * checked on its own terms by parsing it again: well-formed XML, and, read
 * by the HTML parser a browser-like reader uses, nothing but allowed
 * elements and attributes, no comment, no script, no event attribute, no
 * style that loads, and no target other than http, https, mailto (links)
 * and cid (images).  Shared by the fuzz harness and the unit tests;
 * returns NULL when the page holds, else what is wrong.
 */
#ifndef MUGAI_HTML_SAFE_INVARIANT_H
#define MUGAI_HTML_SAFE_INVARIANT_H

#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

static const char *const inv_elements[] = {
	"a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote",
	"body", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd", "del",
	"details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer",
	"h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "img", "ins",
	"kbd", "li", "main", "mark", "meta", "nav", "ol", "p", "pre", "q", "rp", "rt", "ruby",
	"s", "samp", "section", "small", "span", "strike", "strong", "sub", "summary", "sup",
	"table", "tbody", "td", "tfoot", "th", "thead", "time", "title", "tr", "tt", "u", "ul",
	"var", "wbr", NULL,
};

static bool inv_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(s, *list) == 0)
			return true;
	return false;
}

static bool inv_has_ci(const char *s, const char *needle)
{
	char *low = g_ascii_strdown(s, -1);
	bool found = strstr(low, needle) != NULL;

	g_free(low);
	return found;
}

/* One attribute of element el; NULL when allowed. */
static const char *inv_attribute(const char *el, const char *name, const char *value)
{
	if (strncasecmp(name, "on", 2) == 0)
		return "event attribute";
	if (strcasecmp(name, "href") == 0) {
		if (strcasecmp(el, "a") != 0)
			return "href outside <a>";
		if (g_ascii_strncasecmp(value, "http://", 7) && g_ascii_strncasecmp(value, "https://", 8) &&
		    g_ascii_strncasecmp(value, "mailto:", 7))
			return "link to another scheme";
		return NULL;
	}
	if (strcasecmp(name, "src") == 0)
		return strcasecmp(el, "img") == 0 && g_ascii_strncasecmp(value, "cid:", 4) == 0
		       ? NULL : "src not cid:";
	if (strcasecmp(name, "style") == 0)
		return inv_has_ci(value, "url") || inv_has_ci(value, "expression") ||
		       strchr(value, '\\') || strchr(value, '@') || inv_has_ci(value, "/*")
		       ? "style that loads or hides" : NULL;
	if (strcasecmp(el, "meta") == 0)
		return strcasecmp(name, "charset") == 0 ? NULL : "meta other than charset";
	if (inv_in(name, (const char *const[]){ "background", "srcset", "action", "formaction",
	                                       "data", "poster", "codebase", "lowsrc", "dynsrc",
	                                       "xlink:href", "ping", "cite", "longdesc",
	                                       "usemap", "srcdoc", NULL }))
		return "attribute that loads";
	return NULL;
}

static const char *inv_tree(xmlNode *n)
{
	for (; n; n = n->next) {
		const char *why;

		if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
		    n->type == XML_CDATA_SECTION_NODE)
			return "comment, CDATA or processing instruction";
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!inv_in((const char *)n->name, inv_elements))
			return "element outside the allow-list";
		for (xmlAttr *a = n->properties; a; a = a->next) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);

			why = inv_attribute((const char *)n->name, (const char *)a->name,
			                    v ? (const char *)v : "");
			xmlFree(v);
			if (why)
				return why;
		}
		if ((why = inv_tree(n->children)) != NULL)
			return why;
	}
	return NULL;
}

static const char *html_safe_invariant(const char *page, size_t len)
{
	xmlDocPtr doc;
	const char *why;

	if (len > INT_MAX)
		return "too large";
	doc = xmlReadMemory(page, (int)len, NULL, "UTF-8",
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
	if (!doc)
		return "not well-formed";
	why = inv_tree(doc->children);
	xmlFreeDoc(doc);
	if (why)
		return why;
	doc = htmlReadMemory(page, (int)len, NULL, "UTF-8",
	                     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	if (!doc)
		return "not read by the HTML parser";
	why = inv_tree(doc->children);
	xmlFreeDoc(doc);
	return why;
}

#endif

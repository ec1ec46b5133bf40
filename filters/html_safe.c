/*
 * html_safe.c - HTML kept but disarmed (policy html = safe).
 *
 * Nothing of the input is copied as markup: libxml2's HTML parser builds
 * the tree (recovering from any tag soup, no network) and a new page is
 * written from it, element by element, from an allow-list of elements
 * that format text (paragraphs, lists, tables, fonts) and of attributes
 * that cannot load or run anything.  Elements outside the list are either
 * dropped with their content (script, style, frames, objects, forms'
 * controls, SVG, MathML, head matter) or unwrapped (their text kept);
 * comments, conditional comments, CDATA and processing instructions are
 * never written.  Style attributes keep only safe declarations
 * (html_safe_css.c).  Links keep an href only to http, https or mailto,
 * under policy links; images are kept only as cid: parts the caller
 * sanitised again (anything else becomes its alt text).  Text and
 * attribute values are escaped and void elements closed, so the page is
 * also well-formed XML.  The walk is iterative: nesting costs no stack.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "html_safe.h"
#include "text.h"

#define DEADLINE_EVERY 1024 /* nodes between deadline checks */
#define MAX_ATTRS 32        /* attributes written on one element */

/* libxml2 reads HTML 4: an element HTML 5 made void (embed, source,
 * track, wbr) may be given what follows it as children, so those are
 * unwrapped or, when kept, written empty with what follows after them. */
enum todo {
	UNWRAP,     /* children only */
	KEEP,       /* the element, its allowed attributes and its children */
	VOID,       /* an empty element (<br />, <hr />), then any children */
	DROP,       /* with its content */
};

/* Sorted by name for bsearch; libxml2 lowercases HTML element names. */
static const struct element {
	const char *name;
	enum todo todo;
	int cut; /* what a drop counts as, -1 for nothing */
} elements[] = {
	{ "a", KEEP, -1 },  /* decided by its href */
	{ "abbr", KEEP, -1 },
	{ "address", KEEP, -1 },
	{ "applet", DROP, CUT_FRAME },
	{ "article", KEEP, -1 },
	{ "aside", KEEP, -1 },
	{ "audio", DROP, CUT_MEDIA },
	{ "b", KEEP, -1 },
	{ "base", DROP, CUT_META },
	{ "bdi", KEEP, -1 },
	{ "bdo", KEEP, -1 },
	{ "big", KEEP, -1 },
	{ "blockquote", KEEP, -1 },
	{ "br", VOID, -1 },
	{ "button", DROP, CUT_FORM },
	{ "canvas", DROP, CUT_MEDIA },
	{ "caption", KEEP, -1 },
	{ "center", KEEP, -1 },
	{ "cite", KEEP, -1 },
	{ "code", KEEP, -1 },
	{ "col", VOID, -1 },
	{ "colgroup", KEEP, -1 },
	{ "datalist", DROP, CUT_FORM },
	{ "dd", KEEP, -1 },
	{ "del", KEEP, -1 },
	{ "details", KEEP, -1 },
	{ "dfn", KEEP, -1 },
	{ "div", KEEP, -1 },
	{ "dl", KEEP, -1 },
	{ "dt", KEEP, -1 },
	{ "em", KEEP, -1 },
	{ "embed", UNWRAP, CUT_FRAME },   /* void: what follows may be inside */
	{ "figcaption", KEEP, -1 },
	{ "figure", KEEP, -1 },
	{ "font", KEEP, -1 },
	{ "footer", KEEP, -1 },
	{ "form", UNWRAP, CUT_FORM },
	{ "frame", DROP, CUT_FRAME },
	{ "frameset", DROP, CUT_FRAME },
	{ "h1", KEEP, -1 },
	{ "h2", KEEP, -1 },
	{ "h3", KEEP, -1 },
	{ "h4", KEEP, -1 },
	{ "h5", KEEP, -1 },
	{ "h6", KEEP, -1 },
	{ "header", KEEP, -1 },
	{ "hr", VOID, -1 },
	{ "i", KEEP, -1 },
	{ "iframe", DROP, CUT_FRAME },
	{ "img", VOID, -1 }, /* decided by its src */
	{ "input", DROP, CUT_FORM },
	{ "ins", KEEP, -1 },
	{ "isindex", DROP, CUT_FORM },
	{ "kbd", KEEP, -1 },
	{ "keygen", UNWRAP, CUT_FORM },
	{ "li", KEEP, -1 },
	{ "link", DROP, CUT_META },
	{ "main", KEEP, -1 },
	{ "mark", KEEP, -1 },
	{ "math", DROP, CUT_MATH },
	{ "meta", DROP, -1 },  /* counted when it refreshes */
	{ "nav", KEEP, -1 },
	{ "noembed", DROP, -1 },
	{ "noframes", DROP, -1 },
	{ "noscript", DROP, CUT_SCRIPT },
	{ "object", DROP, CUT_FRAME },
	{ "ol", KEEP, -1 },
	{ "optgroup", DROP, CUT_FORM },
	{ "option", DROP, CUT_FORM },
	{ "output", DROP, CUT_FORM },
	{ "p", KEEP, -1 },
	{ "param", DROP, CUT_FRAME },
	{ "portal", DROP, CUT_FRAME },
	{ "pre", KEEP, -1 },
	{ "q", KEEP, -1 },
	{ "rp", KEEP, -1 },
	{ "rt", KEEP, -1 },
	{ "ruby", KEEP, -1 },
	{ "s", KEEP, -1 },
	{ "samp", KEEP, -1 },
	{ "script", DROP, CUT_SCRIPT },
	{ "section", KEEP, -1 },
	{ "select", DROP, CUT_FORM },
	{ "small", KEEP, -1 },
	{ "source", UNWRAP, CUT_MEDIA },
	{ "span", KEEP, -1 },
	{ "strike", KEEP, -1 },
	{ "strong", KEEP, -1 },
	{ "style", DROP, CUT_STYLE },
	{ "sub", KEEP, -1 },
	{ "summary", KEEP, -1 },
	{ "sup", KEEP, -1 },
	{ "svg", DROP, CUT_SVG },
	{ "table", KEEP, -1 },
	{ "tbody", KEEP, -1 },
	{ "td", KEEP, -1 },
	{ "template", DROP, CUT_MEDIA },
	{ "textarea", DROP, CUT_FORM },
	{ "tfoot", KEEP, -1 },
	{ "th", KEEP, -1 },
	{ "thead", KEEP, -1 },
	{ "time", KEEP, -1 },
	{ "title", DROP, -1 },
	{ "tr", KEEP, -1 },
	{ "track", UNWRAP, CUT_MEDIA },
	{ "tt", KEEP, -1 },
	{ "u", KEEP, -1 },
	{ "ul", KEEP, -1 },
	{ "var", KEEP, -1 },
	{ "video", DROP, CUT_MEDIA },
	{ "wbr", VOID, -1 },
};

/* Attributes that only describe text or layout, sorted.  style is
 * filtered, href and src are decided by their element. */
static const char *const attributes[] = {
	"abbr", "align", "alt", "bgcolor", "border", "cellpadding", "cellspacing", "clear",
	"color", "colspan", "datetime", "dir", "face", "height", "hspace", "lang", "noshade",
	"nowrap", "reversed", "rowspan", "rules", "scope", "size", "span", "start", "style",
	"summary", "title", "type", "valign", "value", "vspace", "width",
};

/* Attributes that would load something. */
static const char *const loading[] = {
	"action", "archive", "background", "cite", "code", "codebase", "data", "dynsrc",
	"formaction", "href", "icon", "longdesc", "lowsrc", "manifest", "ping", "poster",
	"profile", "src", "srcdoc", "srcset", "usemap", "xlink:href", "xml:base",
};

struct rebuild {
	mg_ctx *ctx;
	mg_buf *out;
	mg_html_safe_stats *st;
	mg_html_cid_fn cid;
	void *user;
	int err;
};

static int element_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct element *)elem)->name);
}

static const struct element *element_of(const xmlNode *n)
{
	return n->name ? bsearch(n->name, elements, sizeof(elements) / sizeof(elements[0]),
	                         sizeof(elements[0]), element_cmp)
	               : NULL;
}

static int name_cmp(const void *key, const void *elem)
{
	return g_ascii_strcasecmp(key, *(const char *const *)elem);
}

static bool listed(const char *name, const char *const *list, size_t n)
{
	return bsearch(name, list, n, sizeof(list[0]), name_cmp) != NULL;
}

static void put(struct rebuild *r, const char *s)
{
	if (r->err == 0 && mg_buf_puts(r->out, s) < 0)
		r->err = -1;
}

static void put_escaped(struct rebuild *r, const char *s, size_t n, bool attribute)
{
	if (r->err == 0 && mg_html_escape(r->out, s, n, attribute) < 0)
		r->err = -1;
}

/* A character XML 1.0 accepts in content. */
static bool xml_char(gunichar c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

int mg_html_escape(mg_buf *out, const char *s, size_t n, bool attribute)
{
	const char *p = s, *end = s + n;
	int rc = 0;

	while (p < end && rc == 0) {
		unsigned char c = (unsigned char)*p;
		gunichar u;

		if (c < 0x80) {
			if (c == '&')
				rc = mg_buf_puts(out, "&amp;");
			else if (c == '<')
				rc = mg_buf_puts(out, "&lt;");
			else if (c == '>')
				rc = mg_buf_puts(out, "&gt;");
			else if (c == '"' && attribute)
				rc = mg_buf_puts(out, "&quot;");
			else if (attribute && (c == '\n' || c == '\r' || c == '\t'))
				rc = mg_buf_putc(out, ' ');
			else if (xml_char(c))
				rc = mg_buf_putc(out, c);
			p++;
			continue;
		}
		u = g_utf8_get_char_validated(p, end - p);
		if (u == (gunichar)-1 || u == (gunichar)-2) {
			rc = mg_buf_puts(out, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		if (xml_char(u))
			rc = mg_buf_append(out, p, (size_t)g_utf8_skip[c]);
		p += g_utf8_skip[c];
	}
	return rc;
}

static char *prop(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && g_ascii_strcasecmp((const char *)a->name, name) == 0) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			char *s = g_strdup(v ? (const char *)v : "");

			xmlFree(v);
			return s;
		}
	return NULL;
}

/* What the href of an <a> gets: kept, or the link unwrapped. */
static mg_url_kind link_kind(const xmlNode *a, char **url)
{
	char *href = prop(a, "href");
	mg_url_kind k;

	*url = NULL;
	if (!href)
		return URL_OTHER;
	k = mg_url_classify(href, url);
	g_free(href);
	return k;
}

static void style_attr(struct rebuild *r, const char *value)
{
	mg_buf css;
	unsigned dropped = 0;

	mg_buf_init(&css, r->out->max);
	if (mg_css_filter(value, &css, &dropped) < 0)
		r->err = -1;
	if (dropped)
		r->st->cut[CUT_STYLE_ATTR]++;
	if (css.len > 0) {
		put(r, " style=\"");
		put_escaped(r, (const char *)css.data, css.len, true);
		put(r, "\"");
	}
	mg_buf_free(&css);
}

/* Counts an attribute that is not written, by what it could have done. */
static void count_dropped(struct rebuild *r, const char *name)
{
	if (g_ascii_strncasecmp(name, "on", 2) == 0)
		r->st->cut[CUT_EVENT]++;
	else if (listed(name, loading, sizeof(loading) / sizeof(loading[0])))
		r->st->cut[CUT_REMOTE_ATTR]++;
}

/* Counts the attributes of an element that is not written. */
static void count_all(struct rebuild *r, const xmlNode *n, const char *own)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && !listed((const char *)a->name, attributes,
		                       sizeof(attributes) / sizeof(attributes[0])) &&
		    (!own || g_ascii_strcasecmp((const char *)a->name, own) != 0))
			count_dropped(r, (const char *)a->name);
}

/* The allowed attributes of n, each once, in the order written; own is
 * the one its element decides on (href, src). */
static void attributes_of(struct rebuild *r, const xmlNode *n, const char *own)
{
	const char *seen[MAX_ATTRS];
	unsigned nseen = 0;

	for (const xmlAttr *a = n->properties; a; a = a->next) {
		const char *name = (const char *)a->name;
		bool dup = false;
		char *value;

		if (!name)
			continue;
		if (own && g_ascii_strcasecmp(name, own) == 0)
			continue;
		if (!listed(name, attributes, sizeof(attributes) / sizeof(attributes[0]))) {
			count_dropped(r, name);
			continue;
		}
		for (unsigned i = 0; i < nseen && !dup; i++)
			dup = g_ascii_strcasecmp(seen[i], name) == 0;
		if (dup || nseen == MAX_ATTRS)
			continue;
		seen[nseen++] = name;
		value = prop(n, name);
		if (g_ascii_strcasecmp(name, "style") == 0) {
			style_attr(r, value);
		} else {
			char *low = g_ascii_strdown(name, -1);

			put(r, " ");
			put(r, low);
			put(r, "=\"");
			put_escaped(r, value, strlen(value), true);
			put(r, "\"");
			g_free(low);
		}
		g_free(value);
	}
}

static void start_tag(struct rebuild *r, const xmlNode *n, const char *extra, bool is_void)
{
	put(r, "<");
	put(r, (const char *)n->name);
	if (extra)
		put(r, extra);
	attributes_of(r, n, strcmp((const char *)n->name, "a") == 0 ? "href" : NULL);
	put(r, is_void ? " />" : ">");
}

/* Text, with bare URLs under policy links (defang, remove). */
static void text(struct rebuild *r, const char *s, size_t n)
{
	mg_buf t;
	unsigned changed = 0;

	if (n == 0)
		return;
	if (r->ctx->policy->links == MG_LINKS_TEXT) {
		put_escaped(r, s, n, false);
		return;
	}
	mg_buf_init(&t, r->out->max);
	if (mg_buf_append(&t, s, n) < 0 || mg_links_apply(r->ctx, &t, &changed) != MG_OK)
		r->err = -1;
	else
		put_escaped(r, (const char *)t.data, t.len, false);
	r->st->links_changed += changed;
	mg_buf_free(&t);
}

/* An <img>: its cid: part as sanitised by the caller, or its alt text. */
static void image(struct rebuild *r, const xmlNode *n)
{
	char *src = prop(n, "src"), *url = NULL, *kept = NULL;
	mg_url_kind k = src ? mg_url_classify(src, &url) : URL_OTHER;

	if (k == URL_CID && r->cid)
		kept = r->cid(r->user, url + 4);
	if (kept) {
		put(r, "<img src=\"");
		put_escaped(r, kept, strlen(kept), true);
		put(r, "\"");
		attributes_of(r, n, "src");
		put(r, " />");
		r->st->images_kept++;
	} else {
		char *alt = prop(n, "alt");

		if (src)
			r->st->cut[CUT_IMAGE]++;
		count_all(r, n, "src");
		if (alt)
			text(r, alt, strlen(alt));
		g_free(alt);
	}
	g_free(kept);
	g_free(url);
	g_free(src);
}

/* An <a> opened: as an element when its href is kept, else unwrapped
 * (its label stays); the URL is recorded per policy links. */
static void link_open(struct rebuild *r, const xmlNode *a)
{
	char *url;
	mg_url_kind k = link_kind(a, &url);

	if (k == URL_WEB || k == URL_MAILTO) {
		r->st->links++;
		if (r->ctx->policy->links == MG_LINKS_TEXT) {
			char *attr;
			mg_buf esc;

			mg_buf_init(&esc, r->out->max);
			if (mg_html_escape(&esc, url, strlen(url), true) < 0)
				r->err = -1;
			attr = g_strdup_printf(" href=\"%.*s\"", (int)esc.len,
			                       esc.data ? (const char *)esc.data : "");
			start_tag(r, a, attr, false);
			g_free(attr);
			mg_buf_free(&esc);
		} else {
			mg_link_record(r->ctx, url, strlen(url),
			               r->ctx->policy->links == MG_LINKS_DEFANG ? "defanged" : "removed");
			r->st->links_changed++;
			count_all(r, a, "href");
		}
	} else {
		if (k == URL_ACTIVE || (url && *url))
			r->st->cut[CUT_LINK]++;
		count_all(r, a, "href");
	}
	g_free(url);
}

/* An <a> closed: under defang its target follows the label as text. */
static void link_close(struct rebuild *r, const xmlNode *a)
{
	char *url, *label;
	mg_url_kind k = link_kind(a, &url);

	if (k != URL_WEB && k != URL_MAILTO) {
		g_free(url);
		return;
	}
	if (r->ctx->policy->links == MG_LINKS_TEXT) {
		put(r, "</a>");
	} else if (r->ctx->policy->links == MG_LINKS_DEFANG) {
		mg_buf d;
		xmlChar *content = xmlNodeGetContent(a);

		label = g_strstrip(g_strdup(content ? (const char *)content : ""));
		xmlFree(content);
		mg_buf_init(&d, r->out->max);
		if (strcmp(label, url) != 0 && mg_link_defang(url, strlen(url), &d) == 0) {
			put(r, " &lt;");
			put_escaped(r, (const char *)d.data, d.len, false);
			put(r, "&gt;");
		}
		mg_buf_free(&d);
		g_free(label);
	}
	g_free(url);
}

/* A <meta> counts when it would act (refresh, cookies), not when it only
 * names the charset. */
static void meta(struct rebuild *r, const xmlNode *n)
{
	char *eq = prop(n, "http-equiv");

	if (eq && g_ascii_strcasecmp(g_strstrip(eq), "content-type") != 0)
		r->st->cut[CUT_META]++;
	g_free(eq);
}

/* Writes what n opens; whether its children are walked. */
static bool enter(struct rebuild *r, const xmlNode *n)
{
	const struct element *e;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		/* CDATA has no meaning in HTML: its text is plain text */
		if (n->content)
			text(r, (const char *)n->content, strlen((const char *)n->content));
		return false;
	}
	if (n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE)
		return true;
	if (n->type != XML_ELEMENT_NODE)
		return false; /* comments, processing instructions, DTDs */
	e = element_of(n);
	if (!e) {
		count_all(r, n, NULL); /* <body onload> */
		return true; /* html, head, body and anything unknown: unwrapped */
	}
	if (e->cut >= 0 && (e->todo == DROP || e->todo == UNWRAP))
		r->st->cut[e->cut]++;
	if (strcmp(e->name, "meta") == 0)
		meta(r, n);
	if (strcmp(e->name, "img") == 0) {
		image(r, n);
		return false;
	}
	if (strcmp(e->name, "a") == 0) {
		link_open(r, n);
		return true;
	}
	if (e->todo == KEEP || e->todo == VOID)
		start_tag(r, n, NULL, e->todo == VOID);
	return e->todo != DROP;
}

static void leave(struct rebuild *r, const xmlNode *n)
{
	const struct element *e = n->type == XML_ELEMENT_NODE ? element_of(n) : NULL;

	if (!e || e->todo != KEEP)
		return;
	if (strcmp(e->name, "a") == 0) {
		link_close(r, n);
		return;
	}
	put(r, "</");
	put(r, e->name);
	put(r, ">");
}

static mg_status walk(struct rebuild *r, const xmlNode *root)
{
	const xmlNode *n = root;
	unsigned long seen = 0;

	while (n && r->err == 0) {
		bool descend;

		if (++seen % DEADLINE_EVERY == 0 && mg_check_deadline(r->ctx) != MG_OK)
			return r->ctx->status;
		descend = enter(r, n);
		if (descend && n->children) {
			n = n->children;
			continue;
		}
		while (n) {
			leave(r, n);
			if (n == root) {
				n = NULL;
				break;
			}
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
	return MG_OK;
}

mg_status mg_html_safe_body(mg_ctx *ctx, const unsigned char *html, size_t len,
                            const char *charset, mg_html_cid_fn cid, void *user, mg_buf *out,
                            mg_html_safe_stats *st)
{
	struct rebuild r = { ctx, out, st, cid, user, 0 };
	xmlDocPtr doc = NULL;
	mg_status rc;

	memset(st, 0, sizeof(*st));
	rc = mg_html_parse(ctx, html, len, charset, out->max, &doc);
	if (rc == MG_OK && doc)
		rc = walk(&r, (const xmlNode *)doc);
	if (rc == MG_OK && r.err)
		rc = mg_fail(ctx, MG_E_LIMIT_SIZE, "disarmed HTML larger than max_output");
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int mg_html_safe_document(mg_buf *out, const char *body, size_t len)
{
	int rc = mg_buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\" />"
	                          "<title></title></head>\n<body>");

	rc |= mg_buf_append(out, body, len);
	rc |= mg_buf_puts(out, "</body></html>\n");
	return rc < 0 ? -1 : 0;
}

static const char *const what_en[CUT_COUNT] = {
	[CUT_SCRIPT] = "scripts",
	[CUT_STYLE] = "style sheets",
	[CUT_STYLE_ATTR] = "style attributes (or parts) that could load or run",
	[CUT_EVENT] = "event handler attributes",
	[CUT_FRAME] = "frames, objects and embedded programs",
	[CUT_FORM] = "forms and their fields",
	[CUT_META] = "meta refresh, base and link elements",
	[CUT_SVG] = "inline SVG",
	[CUT_MATH] = "MathML",
	[CUT_MEDIA] = "audio, video, canvas and templates",
	[CUT_IMAGE] = "images from the network or not attached (alt text shown)",
	[CUT_REMOTE_ATTR] = "attributes loading remote content (background, srcset ...)",
	[CUT_LINK] = "link targets other than http, https and mailto (javascript: ...)",
};

static const char *const what_ja[CUT_COUNT] = {
	[CUT_SCRIPT] = "スクリプト",
	[CUT_STYLE] = "スタイルシート",
	[CUT_STYLE_ATTR] = "外部読込や実行のおそれがあるスタイル指定",
	[CUT_EVENT] = "イベント属性",
	[CUT_FRAME] = "フレーム・埋め込みオブジェクト",
	[CUT_FORM] = "フォームと入力欄",
	[CUT_META] = "meta refresh・base・link 要素",
	[CUT_SVG] = "SVG",
	[CUT_MATH] = "MathML",
	[CUT_MEDIA] = "音声・動画・canvas・template",
	[CUT_IMAGE] = "外部または添付されていない画像（代替テキストを表示）",
	[CUT_REMOTE_ATTR] = "外部を読み込む属性（background、srcset など）",
	[CUT_LINK] = "http・https・mailto 以外のリンク先（javascript: など）",
};

const char *mg_html_safe_what(mg_html_cut cut, bool ja)
{
	if ((unsigned)cut >= CUT_COUNT)
		return "?";
	return ja ? what_ja[cut] : what_en[cut];
}

void mg_html_safe_report(mg_ctx *ctx, const mg_html_safe_stats *st)
{
	mg_report_action(ctx, "HTML kept, disarmed (%u links, %u inline images kept)", st->links,
	                 st->images_kept);
	if (st->links_changed)
		mg_report_action(ctx, "%u links %s (policy links)", st->links_changed,
		                 ctx->policy->links == MG_LINKS_DEFANG ? "defanged" : "removed");
	for (unsigned i = 0; i < CUT_COUNT; i++)
		if (st->cut[i])
			mg_report_removed(ctx, "HTML", "%u %s", st->cut[i],
			                  mg_html_safe_what((mg_html_cut)i, false));
}

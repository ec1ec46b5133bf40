/*
 * odf.c - the OpenDocument family (odt, ods, odp, odg and templates).
 *
 * cdr: a new package with the four XML streams (content, styles, meta,
 * settings) parsed, disarmed and serialised again, the pictures re-encoded
 * by the image filter (an SVG drawn into a PNG, renamed with its
 * references) or dropped (metafiles: a draw:frame's other draw:image,
 * the raster fallback, stays), a manifest written from what
 * was kept, and the mimetype entry first and stored, as ODF requires.  Left behind: Basic
 * and script libraries, embedded objects and their replacement images,
 * UI configurations, signatures, and in the XML: scripts, event listeners,
 * OLE objects, applets, plugins, DDE and linked sections or tables, macro
 * fields, links to targets outside the package (link text kept), and
 * formulas that call the network or DDE (cached value kept).
 * text: the text of content.xml, table rows as tab-separated lines.
 */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_pkg.h"

#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
#define NS_SCRIPT "urn:oasis:names:tc:opendocument:xmlns:script:1.0"
#define NS_DRAW "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
#define NS_TEXT "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_TABLE "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define NS_PRES "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
#define NS_XLINK "http://www.w3.org/1999/xlink"
#define NS_XFORMS "http://www.w3.org/2002/xforms"
#define NS_MANIFEST "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"

#define MAX_SPACES 64

static const struct {
	const char *mime;
	const char *ext;
} doc_types[] = {
	{ "application/vnd.oasis.opendocument.text", "odt" },
	{ "application/vnd.oasis.opendocument.spreadsheet", "ods" },
	{ "application/vnd.oasis.opendocument.presentation", "odp" },
	{ "application/vnd.oasis.opendocument.graphics", "odg" },
	{ "application/vnd.oasis.opendocument.text-template", "ott" },
	{ "application/vnd.oasis.opendocument.spreadsheet-template", "ots" },
	{ "application/vnd.oasis.opendocument.presentation-template", "otp" },
	{ "application/vnd.oasis.opendocument.graphics-template", "otg" },
};

static const char *const xml_streams[] = { "content.xml", "styles.xml", "meta.xml",
	                                   "settings.xml" };

/* Elements removed with everything inside them. */
static const struct {
	const char *ns, *name, *why;
} dropped[] = {
	{ NS_OFFICE, "scripts", "scripts" },
	{ NS_OFFICE, "event-listeners", "event listeners (macro bindings)" },
	{ NS_SCRIPT, "event-listener", "event listener (macro binding)" },
	{ NS_PRES, "event-listener", "presentation action (program, macro or link)" },
	{ NS_DRAW, "object", "embedded object" },
	{ NS_DRAW, "object-ole", "embedded OLE object" },
	{ NS_DRAW, "applet", "applet" },
	{ NS_DRAW, "plugin", "plugin" },
	{ NS_DRAW, "floating-frame", "frame showing another document" },
	{ NS_TEXT, "section-source", "linked section (another file)" },
	{ NS_TEXT, "dde-connection-decls", "DDE connection" },
	{ NS_TEXT, "script", "script" },
	{ NS_TABLE, "table-source", "linked table (another file)" },
	{ NS_TABLE, "cell-range-source", "linked cell range (another file)" },
	{ NS_TABLE, "dde-source", "DDE link" },
	{ NS_TABLE, "dde-links", "DDE link" },
	{ NS_TABLE, "error-macro", "validation macro" },
	{ NS_OFFICE, "dde-source", "DDE link" },
	{ NS_OFFICE, "binary-data", "inline binary data" },
	{ NS_XFORMS, "model", "XForms model (submits data)" },
};

/* Elements replaced by their content. */
static const struct {
	const char *ns, *name, *why;
} unwrapped[] = {
	{ NS_TEXT, "dde-connection", "DDE field (its text kept)" },
	{ NS_TEXT, "execute-macro", "macro field (its text kept)" },
};

static const char *const risky_formulas[] = { "WEBSERVICE(", "DDE(", "FILTERXML(",
	                                      "HYPERLINK(", "'file:", "'http", "'ftp" };

struct tally {
	char what[48];
	const char *why;
	unsigned n;
};

struct odf {
	mg_ctx *ctx;
	mg_pkg pkg;
	bool *keep;              /* parallel to pkg.parts */
	mg_out *images;          /* re-encoded pictures, parallel to pkg.parts */
	char **names;            /* a picture's new name when its format changed (SVG -> PNG) */
	const char *mime, *ext;  /* of the document */
	char version[8];         /* manifest:version, when valid */
	const char *part;        /* the XML part being disarmed */
	struct tally tally[32];
	unsigned ntally;
};

static bool is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static bool attr_is(const xmlAttr *a, const char *ns, const char *name)
{
	return a->ns && a->ns->href && strcmp((const char *)a->ns->href, ns) == 0 &&
	       strcmp((const char *)a->name, name) == 0;
}

static void note(struct odf *o, const char *what, const char *why)
{
	for (unsigned i = 0; i < o->ntally; i++)
		if (o->tally[i].why == why && strcmp(o->tally[i].what, what) == 0) {
			o->tally[i].n++;
			return;
		}
	if (o->ntally < sizeof(o->tally) / sizeof(o->tally[0])) {
		snprintf(o->tally[o->ntally].what, sizeof(o->tally[0].what), "%s", what);
		o->tally[o->ntally].why = why;
		o->tally[o->ntally++].n = 1;
	}
}

static void report_tally(struct odf *o)
{
	for (unsigned i = 0; i < o->ntally; i++)
		mg_report_removed(o->ctx, o->tally[i].what, "%s in %s (%u)", o->tally[i].why, o->part,
		                  o->tally[i].n);
	o->ntally = 0;
}

/* ---- the package ---- */

static const char *why_dropped(const char *name)
{
	if (strncmp(name, "Basic/", 6) == 0 || strncmp(name, "Scripts/", 8) == 0)
		return "macro library (Basic or scripts)";
	if (strncmp(name, "ObjectReplacements/", 19) == 0)
		return "preview image of an embedded object";
	if (strncmp(name, "Object ", 7) == 0 || strncmp(name, "Object", 6) == 0)
		return "embedded object";
	if (strncmp(name, "Configurations2/", 16) == 0)
		return "UI configuration (toolbars, menus, key bindings)";
	if (strcasestr(name, "signatures"))
		return "digital signature (it cannot survive sanitising)";
	if (strncmp(name, "Thumbnails/", 11) == 0)
		return "thumbnail other than the PNG one ODF defines";
	return "part of a type that is not carried";
}

static bool is_xml_stream(const char *name)
{
	for (size_t i = 0; i < sizeof(xml_streams) / sizeof(xml_streams[0]); i++)
		if (strcmp(name, xml_streams[i]) == 0)
			return true;
	return false;
}

static mg_status check_mimetype(struct odf *o)
{
	mg_part *m = mg_pkg_find(&o->pkg, "mimetype");
	size_t len;

	if (!m)
		return mg_fail(o->ctx, MG_E_MALFORMED, "ODF package without a mimetype entry");
	len = m->len;
	while (len && (m->data[len - 1] == '\n' || m->data[len - 1] == '\r' || m->data[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < sizeof(doc_types) / sizeof(doc_types[0]); i++)
		if (strlen(doc_types[i].mime) == len && memcmp(m->data, doc_types[i].mime, len) == 0) {
			o->mime = doc_types[i].mime;
			o->ext = doc_types[i].ext;
			return MG_OK;
		}
	return mg_fail(o->ctx, MG_E_TYPE_BLOCKED, "unsupported OpenDocument type '%.*s'",
	               (int)(len > 80 ? 80 : len), (const char *)m->data);
}

/* The manifest says whether the package is encrypted; nothing else of it
 * is trusted: the new one is written from what is kept. */
static mg_status check_manifest(struct odf *o)
{
	mg_part *m = mg_pkg_find(&o->pkg, "META-INF/manifest.xml");
	const char *why;
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *v;
	mg_status st = MG_OK;

	if (!m)
		return mg_fail(o->ctx, MG_E_MALFORMED, "ODF package without META-INF/manifest.xml");
	if (!(doc = mg_xml_parse(m->data, m->len, &why)))
		return mg_fail(o->ctx, MG_E_MALFORMED, "META-INF/manifest.xml: %s", why);
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr e = root ? root->children : NULL; e && st == MG_OK; e = e->next)
		for (xmlNodePtr c = e->children; c && st == MG_OK; c = c->next)
			if (is(c, NS_MANIFEST, "encryption-data"))
				st = mg_fail(o->ctx, MG_E_ENCRYPTED, "encrypted OpenDocument package");
	v = root ? xmlGetNsProp(root, (const xmlChar *)"version", (const xmlChar *)NS_MANIFEST) : NULL;
	if (v && strlen((const char *)v) == 3 && v[0] == '1' && v[1] == '.' && v[2] >= '0' &&
	    v[2] <= '3')
		snprintf(o->version, sizeof(o->version), "%s", (const char *)v);
	xmlFree(v);
	xmlFreeDoc(doc);
	return st;
}

/* A picture whose format changed (an SVG drawn into a PNG) takes a name
 * that says so: Pictures/a.svg -> Pictures/a.png, or Pictures/a.svg.png
 * when that is taken.  false when no free name is found. */
static bool rename_picture(struct odf *o, size_t i)
{
	const char *name = o->pkg.parts[i].name, *ext = o->images[i].ext;
	const char *dot = strrchr(name, '.');
	char *to = NULL;

	if (!ext[0] || (dot && !strchr(dot, '/') && strcasecmp(dot + 1, ext) == 0))
		return true;
	if (dot && !strchr(dot, '/') &&
	    asprintf(&to, "%.*s.%s", (int)(dot - name), name, ext) < 0)
		to = NULL;
	if (!to || mg_pkg_find(&o->pkg, to)) {
		free(to);
		if (asprintf(&to, "%s.%s", name, ext) < 0 || mg_pkg_find(&o->pkg, to)) {
			free(to);
			return false;
		}
	}
	o->names[i] = to;
	return true;
}

static const char *out_name(const struct odf *o, size_t i)
{
	return o->names[i] ? o->names[i] : o->pkg.parts[i].name;
}

static void select_parts(struct odf *o, bool reencode)
{
	for (size_t i = 0; i < o->pkg.n; i++) {
		mg_part *p = &o->pkg.parts[i];
		bool picture = strncmp(p->name, "Pictures/", 9) == 0 ||
		               strcmp(p->name, "Thumbnails/thumbnail.png") == 0;
		const char *why;

		mg_out_init(&o->images[i], o->ctx->policy->max_output);
		if (strcmp(p->name, "mimetype") == 0 || strcmp(p->name, "META-INF/manifest.xml") == 0)
			continue; /* written anew */
		if (is_xml_stream(p->name)) {
			o->keep[i] = true;
		} else if (picture && reencode) {
			mg_out_free(&o->images[i]);
			o->keep[i] = mg_image_part(o->ctx, p->data, p->len, p->name, NULL, &o->images[i],
			                           &why);
			if (o->keep[i] && !rename_picture(o, i)) {
				o->keep[i] = false;
				why = "re-encoded picture whose new name is taken";
			}
			if (!o->keep[i])
				mg_report_removed(o->ctx, p->name, "%s", why);
		} else if (picture) {
			o->keep[i] = true; /* text mode: pictures are not written */
		} else {
			mg_report_removed(o->ctx, p->name, "%s", why_dropped(p->name));
		}
	}
}

static bool kept(const struct odf *o, const char *name)
{
	mg_part *p = mg_pkg_find(&o->pkg, name);

	return p && o->keep[p - o->pkg.parts];
}

/* ---- disarming the XML ---- */

enum href_kind { HREF_ANCHOR, HREF_KEPT, HREF_GONE, HREF_EXTERNAL };

static enum href_kind classify_href(const struct odf *o, const char *href)
{
	char *part;
	bool k;

	if (href[0] == '#')
		return HREF_ANCHOR;
	if (strchr(href, ':') || href[0] == '/' || strncmp(href, "..", 2) == 0 || href[0] == '\\')
		return HREF_EXTERNAL;
	part = mg_pkg_resolve("", href);
	k = part && kept(o, part);
	free(part);
	return k ? HREF_KEPT : HREF_GONE;
}

/* The re-encoded picture an href names (its name now in *to), NULL for
 * anything else. */
static const mg_out *picture_of(const struct odf *o, const char *href, const char **to)
{
	char *part = mg_pkg_resolve("", href);
	mg_part *p = part ? mg_pkg_find(&o->pkg, part) : NULL;
	size_t i = p ? (size_t)(p - o->pkg.parts) : 0;

	free(part);
	if (!p || !o->keep[i] || !o->images[i].mime[0])
		return NULL;
	*to = out_name(o, i);
	return &o->images[i];
}

/* An image element shows the re-encoded picture: its href follows a
 * rename, and a media type it declares (draw:mime-type, loext:mime-type)
 * is the picture's new one. */
static void follow_rename(xmlNodePtr n, xmlAttrPtr href, const char *to, const char *mime)
{
	xmlSetNsProp(n, href->ns, href->name, (const xmlChar *)to);
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, "mime-type") == 0)
			xmlSetNsProp(n, a->ns, a->name, (const xmlChar *)mime);
}

static bool formula_risky(const char *f)
{
	for (size_t i = 0; i < sizeof(risky_formulas) / sizeof(risky_formulas[0]); i++)
		if (strcasestr(f, risky_formulas[i]))
			return true;
	return false;
}

static const char *drop_rule(const xmlNode *n)
{
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (is(n, dropped[i].ns, dropped[i].name))
			return dropped[i].why;
	if (is(n, NS_DRAW, "frame"))
		for (const xmlNode *c = n->children; c; c = c->next)
			if (drop_rule(c))
				return "frame of an embedded object";
	return NULL;
}

static const char *unwrap_rule(const xmlNode *n)
{
	for (size_t i = 0; i < sizeof(unwrapped) / sizeof(unwrapped[0]); i++)
		if (is(n, unwrapped[i].ns, unwrapped[i].name))
			return unwrapped[i].why;
	return NULL;
}

/* Links: a link outside the package keeps its text, an image that is not
 * carried goes, any other reference out loses the attribute. */
static const char *href_rule(struct odf *o, xmlNodePtr n, bool *drop, bool *unwrap)
{
	xmlAttrPtr a, next;
	const char *why = NULL;

	for (a = n->properties; a; a = next) {
		xmlChar *v;
		enum href_kind k;
		const mg_out *pic;
		const char *to;

		next = a->next;
		if (attr_is(a, NS_TABLE, "formula")) {
			v = xmlNodeGetContent((xmlNodePtr)a);
			if (v && formula_risky((const char *)v)) {
				note(o, "table:formula", "formula calling DDE or the network (value kept)");
				xmlRemoveProp(a);
			}
			xmlFree(v);
			continue;
		}
		if (!attr_is(a, NS_XLINK, "href"))
			continue;
		v = xmlNodeGetContent((xmlNodePtr)a);
		k = v ? classify_href(o, (const char *)v) : HREF_ANCHOR;
		if (k == HREF_KEPT && (pic = picture_of(o, (const char *)v, &to)))
			follow_rename(n, a, to, pic->mime);
		xmlFree(v);
		if (k == HREF_ANCHOR || k == HREF_KEPT)
			continue;
		if (is(n, NS_TEXT, "a") || is(n, NS_DRAW, "a")) {
			*unwrap = true;
			why = "link to a target outside the document (its text kept)";
		} else if (is(n, NS_DRAW, "image") || is(n, NS_DRAW, "fill-image")) {
			*drop = true;
			why = k == HREF_GONE ? "image that is not carried" : "image outside the document";
		} else {
			note(o, "xlink:href", "reference to a target outside the document");
			xmlRemoveProp(a);
		}
	}
	return why;
}

static void free_node(xmlNodePtr n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static void unwrap_node(xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n->children; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(n, c);
	}
	free_node(n);
}

static void disarm_walk(struct odf *o, xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n->children; c; c = next) {
		const char *why;
		bool drop = false, unwrap = false;

		next = c->next;
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
			free_node(c);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if ((why = drop_rule(c))) {
			note(o, (const char *)c->name, why);
			free_node(c);
			continue;
		}
		unwrap = (why = unwrap_rule(c)) != NULL;
		if (!why)
			why = href_rule(o, c, &drop, &unwrap);
		if (drop) {
			note(o, (const char *)c->name, why);
			free_node(c);
			continue;
		}
		disarm_walk(o, c);
		if (unwrap) {
			note(o, (const char *)c->name, why);
			unwrap_node(c);
		}
	}
}

static mg_status write_xml(struct odf *o, mg_part *p, mg_zipw *zw)
{
	const char *why;
	xmlDocPtr doc = mg_xml_parse(p->data, p->len, &why);
	mg_buf b;
	mg_status st = MG_OK;

	if (!doc)
		return mg_fail(o->ctx, MG_E_MALFORMED, "%s: %s", p->name, why);
	o->part = p->name;
	for (xmlNodePtr c = doc->children, next; c; c = next) {
		next = c->next;
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			free_node(c);
	}
	disarm_walk(o, (xmlNodePtr)doc);
	report_tally(o);
	mg_buf_init(&b, o->ctx->policy->max_output);
	if (mg_xml_write(doc, &b) < 0 || mg_zipw_add(zw, p->name, b.data, b.len, false) < 0)
		st = mg_zipw_fail(o->ctx, mg_zipw_buf(zw));
	mg_buf_free(&b);
	xmlFreeDoc(doc);
	return st;
}

/* ---- the new package ---- */

static void manifest_entry(xmlNodePtr root, xmlNsPtr ns, const char *path, const char *type,
                           const char *version)
{
	xmlNodePtr e = xmlNewChild(root, ns, (const xmlChar *)"file-entry", NULL);

	xmlNewNsProp(e, ns, (const xmlChar *)"full-path", (const xmlChar *)path);
	if (version)
		xmlNewNsProp(e, ns, (const xmlChar *)"version", (const xmlChar *)version);
	xmlNewNsProp(e, ns, (const xmlChar *)"media-type", (const xmlChar *)type);
}

static int write_manifest(struct odf *o, mg_zipw *zw)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"manifest", NULL) : NULL;
	xmlNsPtr ns;
	mg_buf b;
	int rc = -1;

	if (!root)
		goto done;
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, (const xmlChar *)NS_MANIFEST, (const xmlChar *)"manifest");
	xmlSetNs(root, ns);
	if (o->version[0])
		xmlNewNsProp(root, ns, (const xmlChar *)"version", (const xmlChar *)o->version);
	manifest_entry(root, ns, "/", o->mime, o->version[0] ? o->version : NULL);
	for (size_t i = 0; i < o->pkg.n; i++) {
		const char *type = o->images[i].mime[0] ? o->images[i].mime : "text/xml";

		if (o->keep[i])
			manifest_entry(root, ns, out_name(o, i),
			               is_xml_stream(o->pkg.parts[i].name) ? "text/xml" : type, NULL);
	}
	mg_buf_init(&b, o->ctx->policy->max_output);
	rc = mg_xml_write(doc, &b);
	if (rc == 0)
		rc = mg_zipw_add(zw, "META-INF/manifest.xml", b.data, b.len, false);
	mg_buf_free(&b);
done:
	xmlFreeDoc(doc);
	return rc;
}

static mg_status rebuild(struct odf *o, mg_out *out)
{
	mg_zipw *zw = mg_zipw_new(&out->data, true);
	mg_status st = MG_OK;

	if (!zw)
		return mg_fail(o->ctx, MG_E_INTERNAL, "zip writer: out of memory");
	if (mg_zipw_add(zw, "mimetype", o->mime, strlen(o->mime), true) < 0 ||
	    write_manifest(o, zw) < 0)
		st = mg_zipw_fail(o->ctx, mg_zipw_buf(zw));
	for (size_t i = 0; st == MG_OK && i < o->pkg.n; i++) {
		mg_part *p = &o->pkg.parts[i];

		if (!o->keep[i])
			continue;
		if (is_xml_stream(p->name))
			st = write_xml(o, p, zw);
		else if (mg_zipw_add(zw, out_name(o, i), o->images[i].data.data, o->images[i].data.len,
		                     false) < 0)
			st = mg_zipw_fail(o->ctx, mg_zipw_buf(zw));
		if (st == MG_OK)
			st = mg_check_deadline(o->ctx);
	}
	if (mg_zipw_finish(zw) < 0 && st == MG_OK)
		st = mg_zipw_fail(o->ctx, &out->data);
	if (st == MG_OK) {
		mg_out_set_type(out, o->mime, o->ext);
		mg_report_action(o->ctx, "rebuilt as %s", o->ext);
	}
	return st;
}

/* ---- text ---- */

struct text {
	mg_buf *out;
	bool full;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (!t->full && mg_buf_append(t->out, s, n) < 0)
		t->full = true;
}

static void text_walk(struct text *t, xmlNodePtr n, bool in_para, bool in_cell);

static void row_text(struct text *t, xmlNodePtr row)
{
	bool first = true;

	for (xmlNodePtr c = row->children; c; c = c->next) {
		if (!is(c, NS_TABLE, "table-cell") && !is(c, NS_TABLE, "covered-table-cell"))
			continue;
		if (!first)
			put(t, "\t", 1);
		first = false;
		text_walk(t, c, false, true);
	}
	put(t, "\n", 1);
}

static void spaces(struct text *t, xmlNodePtr s)
{
	xmlChar *c = xmlGetNsProp(s, (const xmlChar *)"c", (const xmlChar *)NS_TEXT);
	long n = c ? strtol((const char *)c, NULL, 10) : 1;

	xmlFree(c);
	for (long i = 0; i < (n < 1 ? 1 : n > MAX_SPACES ? MAX_SPACES : n); i++)
		put(t, " ", 1);
}

static void text_walk(struct text *t, xmlNodePtr n, bool in_para, bool in_cell)
{
	for (xmlNodePtr c = n->children; c && !t->full; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (in_para && c->content)
				put(t, (const char *)c->content, strlen((const char *)c->content));
		} else if (c->type != XML_ELEMENT_NODE || is(c, NS_TEXT, "tracked-changes") ||
		           is(c, NS_TEXT, "note-citation")) {
			continue;
		} else if (is(c, NS_TEXT, "p") || is(c, NS_TEXT, "h")) {
			text_walk(t, c, true, in_cell);
			put(t, in_cell ? " " : "\n", 1);
		} else if (is(c, NS_TABLE, "table-row")) {
			row_text(t, c);
		} else if (is(c, NS_TEXT, "s")) {
			spaces(t, c);
		} else if (is(c, NS_TEXT, "tab")) {
			put(t, "\t", 1);
		} else if (is(c, NS_TEXT, "line-break")) {
			put(t, "\n", 1);
		} else {
			text_walk(t, c, in_para, in_cell);
		}
	}
}

static mg_status extract_text(struct odf *o, mg_out *out)
{
	mg_part *p = mg_pkg_find(&o->pkg, "content.xml");
	struct text t = { &out->data, false };
	const char *why;
	xmlDocPtr doc;

	if (!(doc = mg_xml_parse(p->data, p->len, &why)))
		return mg_fail(o->ctx, MG_E_MALFORMED, "content.xml: %s", why);
	text_walk(&t, xmlDocGetRootElement(doc), false, false);
	xmlFreeDoc(doc);
	if (t.full)
		return mg_fail(o->ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
	if (!out->data.data && mg_buf_append(&out->data, "", 0) < 0)
		return mg_fail(o->ctx, MG_E_INTERNAL, "out of memory");
	mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
	mg_report_action(o->ctx, "converted %s to text", o->ext);
	return MG_OK;
}

static mg_status odf_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	struct odf o = { .ctx = ctx };
	mg_status st;

	if ((st = mg_pkg_read(ctx, item, &o.pkg)) != MG_OK)
		return st;
	if ((st = check_mimetype(&o)) != MG_OK || (st = check_manifest(&o)) != MG_OK)
		goto done;
	if (!mg_pkg_find(&o.pkg, "content.xml")) {
		st = mg_fail(ctx, MG_E_MALFORMED, "ODF package without content.xml");
		goto done;
	}
	o.keep = calloc(o.pkg.n + 1, sizeof(*o.keep));
	o.images = calloc(o.pkg.n + 1, sizeof(*o.images));
	o.names = calloc(o.pkg.n + 1, sizeof(*o.names));
	if (!o.keep || !o.images || !o.names) {
		st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
		goto done;
	}
	select_parts(&o, action == MG_ACT_CDR);
	st = action == MG_ACT_TEXT ? extract_text(&o, out) : rebuild(&o, out);
done:
	for (size_t i = 0; o.images && i < o.pkg.n; i++)
		mg_out_free(&o.images[i]);
	for (size_t i = 0; o.names && i < o.pkg.n; i++)
		free(o.names[i]);
	free(o.names);
	free(o.images);
	free(o.keep);
	mg_pkg_free(&o.pkg);
	return st;
}

const mg_filter mg_filter_odf = {
	.family = MG_FAM_ODF,
	.name = "odf",
	.actions = (1u << MG_ACT_CDR) | (1u << MG_ACT_TEXT),
	.default_action = MG_ACT_CDR,
	.run = odf_run,
};

/*
 * staroffice.c - StarOffice and OpenOffice.org 1.x documents (sxw, sxc,
 * sxi, sxd): zip packages like ODF, with their own XML vocabulary, that
 * nothing reads any more but LibreOffice.
 *
 * pdf: a new package of only the XML streams, the manifest and the
 * pictures (no Basic or script libraries, dialogs, embedded objects or
 * anything else, and no manifest entry for them) goes to LibreOffice,
 * then the flatten path (office_pdf.c).
 * text: the paragraphs and table rows of content.xml.
 */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "ooxml_pkg.h"

#define NS_TEXT "http://openoffice.org/2000/text"
#define NS_TABLE "http://openoffice.org/2000/table"
#define NS_MANIFEST "http://openoffice.org/2001/manifest"

static const struct {
	const char *mime, *ext;
} kinds[] = {
	{ "application/vnd.sun.xml.writer", "sxw" },
	{ "application/vnd.sun.xml.writer.template", "stw" },
	{ "application/vnd.sun.xml.writer.global", "sxg" },
	{ "application/vnd.sun.xml.calc", "sxc" },
	{ "application/vnd.sun.xml.calc.template", "stc" },
	{ "application/vnd.sun.xml.impress", "sxi" },
	{ "application/vnd.sun.xml.impress.template", "sti" },
	{ "application/vnd.sun.xml.draw", "sxd" },
	{ "application/vnd.sun.xml.draw.template", "std" },
};

/* Members that never reach LibreOffice, by prefix, with why. */
static const struct {
	const char *prefix, *why;
} dropped[] = {
	{ "Basic/", "Basic macro library" },
	{ "Scripts/", "script library" },
	{ "Dialogs/", "macro dialog library" },
	{ "Object", "embedded object" },
	{ "META-INF/macrosignatures", "macro signature" },
};

/* StarOffice's XML names its DTD by a public id ("office.dtd"), which the
 * hardened parser refuses as it refuses any DOCTYPE: a copy with the
 * declaration blanked is parsed instead.  One with an internal subset
 * (where entities would be declared) stays refused. */
static xmlDocPtr parse(const mg_part *p, const char **why)
{
	unsigned char *copy = malloc(p->len + 1);
	char *dt, *end;
	xmlDocPtr doc;

	if (!copy) {
		*why = "out of memory";
		return NULL;
	}
	memcpy(copy, p->data, p->len + 1); /* parts are NUL-terminated */
	dt = strstr((char *)copy, "<!DOCTYPE");
	end = dt ? strchr(dt, '>') : NULL;
	if (dt && end && !memchr(dt, '[', (size_t)(end - dt)))
		memset(dt, ' ', (size_t)(end - dt) + 1);
	doc = mg_xml_parse(copy, p->len, why);
	free(copy);
	return doc;
}

static const char *kind_ext(mg_ctx *ctx, const mg_pkg *pkg)
{
	mg_part *m = mg_pkg_find(pkg, "mimetype");
	size_t len = m ? m->len : 0;

	while (len && (m->data[len - 1] == '\n' || m->data[len - 1] == '\r' || m->data[len - 1] == ' '))
		len--;
	for (size_t i = 0; m && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].mime) == len && memcmp(m->data, kinds[i].mime, len) == 0)
			return kinds[i].ext;
	mg_fail(ctx, MG_E_TYPE_BLOCKED, "unsupported StarOffice document type");
	return NULL;
}

/* Only what shows the document reaches LibreOffice: the four XML streams,
 * the manifest and the pictures.  Why anything else is left behind. */
static const char *why_dropped(const char *name)
{
	static const char *const kept[] = { "content.xml", "styles.xml", "meta.xml", "settings.xml",
		                            "META-INF/manifest.xml", "/", "Pictures/" };

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (strcmp(name, kept[i]) == 0)
			return NULL;
	if (strncmp(name, "Pictures/", 9) == 0 && !strchr(name + 9, '/') && name[9])
		return NULL;
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (strncmp(name, dropped[i].prefix, strlen(dropped[i].prefix)) == 0)
			return dropped[i].why;
	return "part not needed to show the document";
}

static bool encrypted(const mg_pkg *pkg)
{
	mg_part *m = mg_pkg_find(pkg, "META-INF/manifest.xml");

	return m && strstr((const char *)m->data, "encryption-data") != NULL;
}

/* The manifest without the entries of dropped members. */
static int write_manifest(mg_ctx *ctx, const mg_part *m, mg_zipw *zw)
{
	const char *why;
	xmlDocPtr doc = parse(m, &why);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	mg_buf b;
	int rc;

	if (!root) {
		xmlFreeDoc(doc);
		mg_fail(ctx, MG_E_MALFORMED, "META-INF/manifest.xml: %s", doc ? "empty" : why);
		return -1;
	}
	for (xmlNodePtr e = root->children, next; e; e = next) {
		xmlChar *path = e->type == XML_ELEMENT_NODE ?
		                xmlGetNsProp(e, (const xmlChar *)"full-path", (const xmlChar *)NS_MANIFEST) :
		                NULL;

		next = e->next;
		if (path && why_dropped((const char *)path)) {
			xmlUnlinkNode(e);
			xmlFreeNode(e);
		}
		xmlFree(path);
	}
	mg_buf_init(&b, ctx->policy->max_output);
	rc = mg_xml_write(doc, &b) < 0 ? -1 :
	     mg_zipw_add(zw, "META-INF/manifest.xml", b.data, b.len, false);
	mg_buf_free(&b);
	xmlFreeDoc(doc);
	return rc;
}

/* pdf: the package again, mimetype first and stored, without scripts. */
static mg_status to_convert(mg_ctx *ctx, const mg_pkg *pkg, const char *ext, mg_out *out)
{
	mg_part *mt = mg_pkg_find(pkg, "mimetype");
	mg_zipw *zw = mg_zipw_new(&out->data, true);
	int rc = zw ? mg_zipw_add(zw, "mimetype", mt->data, mt->len, true) : -1;

	for (size_t i = 0; i < pkg->n && rc == 0; i++) {
		const mg_part *p = &pkg->parts[i];
		const char *why = why_dropped(p->name);

		if (strcmp(p->name, "mimetype") == 0)
			continue;
		if (why)
			mg_report_removed(ctx, p->name, "%s", why);
		else if (strcmp(p->name, "META-INF/manifest.xml") == 0)
			rc = write_manifest(ctx, p, zw);
		else
			rc = mg_zipw_add(zw, p->name, p->data, p->len, false);
	}
	if (!zw)
		return mg_fail(ctx, MG_E_INTERNAL, "zip writer failed");
	if (mg_zipw_finish(zw) < 0 || rc < 0)
		return ctx->status != MG_OK ? ctx->status : mg_zipw_fail(ctx, &out->data);
	mg_out_set_type(out, MG_TO_CONVERT, ext);
	return MG_OK;
}

static bool is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Paragraphs and headings end a line, cells a column, rows a line. */
static void text_walk(mg_buf *b, xmlNodePtr n, bool *full)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			*full |= mg_buf_puts(b, (const char *)n->content) < 0;
			continue;
		}
		if (is(n, NS_TEXT, "tab-stop") || is(n, NS_TEXT, "tab"))
			*full |= mg_buf_putc(b, '\t') < 0;
		else if (is(n, NS_TEXT, "s"))
			*full |= mg_buf_putc(b, ' ') < 0;
		else if (is(n, NS_TEXT, "line-break"))
			*full |= mg_buf_putc(b, '\n') < 0;
		text_walk(b, n->children, full);
		if (is(n, NS_TEXT, "p") || is(n, NS_TEXT, "h") || is(n, NS_TABLE, "table-row"))
			*full |= mg_buf_putc(b, '\n') < 0;
		else if (is(n, NS_TABLE, "table-cell"))
			*full |= mg_buf_putc(b, '\t') < 0;
	}
}

static mg_status to_text(mg_ctx *ctx, const mg_pkg *pkg, const char *ext, mg_out *out)
{
	mg_part *c = mg_pkg_find(pkg, "content.xml");
	const char *why = "no content.xml";
	xmlDocPtr doc = c ? parse(c, &why) : NULL;
	bool full = false;

	if (!doc)
		return mg_fail(ctx, MG_E_MALFORMED, "StarOffice document: %s", why);
	text_walk(&out->data, xmlDocGetRootElement(doc), &full);
	xmlFreeDoc(doc);
	if (full)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
	mg_utf8_clean(&out->data);
	if (!out->data.data && mg_buf_append(&out->data, "", 0) < 0)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
	mg_report_action(ctx, "converted %s to text", ext);
	return MG_OK;
}

static mg_status staroffice_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	mg_pkg pkg = { 0 };
	mg_status st = mg_pkg_read(ctx, item, &pkg);
	const char *ext;

	if (st != MG_OK)
		return st;
	if (!(ext = kind_ext(ctx, &pkg)))
		st = ctx->status;
	else if (encrypted(&pkg))
		st = mg_fail(ctx, MG_E_ENCRYPTED, "encrypted StarOffice document");
	else if (action == MG_ACT_PDF)
		st = to_convert(ctx, &pkg, ext, out);
	else
		st = to_text(ctx, &pkg, ext, out);
	mg_pkg_free(&pkg);
	return st;
}

const mg_filter mg_filter_staroffice = {
	.family = MG_FAM_STAROFFICE,
	.name = "staroffice",
	.actions = 1u << MG_ACT_PDF | 1u << MG_ACT_TEXT,
	.default_action = MG_ACT_PDF,
	.run = staroffice_run,
};

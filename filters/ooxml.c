/*
 * ooxml.c - the OOXML family (docx, xlsx, pptx and their macro and
 * template variants).
 *
 * cdr: a new package written from parsed parts.  Only the parts the OPC
 * walk carries go in (ooxml_opc.c); each XML part is parsed, disarmed
 * (ooxml_disarm.c) and serialised again; images are the image filter's
 * re-encoded output (an SVG drawn into a PNG, renamed; the svgBlip that
 * named it goes, its raster fallback stays); [Content_Types].xml and every .rels part are written
 * from the decisions, never copied, so a removed part leaves no reference
 * and macro content types become macro-free.  A binary workbook (xlsb) is
 * blocked: its records cannot be checked.
 * text: the document's text (ooxml_text.c).
 */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_opc.h"

#define NS_TYPES "http://schemas.openxmlformats.org/package/2006/content-types"
#define NS_RELS "http://schemas.openxmlformats.org/package/2006/relationships"
#define CT_RELS "application/vnd.openxmlformats-package.relationships+xml"

/* An absolute part URI ("/word/media/a b.png" -> "/word/media/a%20b.png"). */
static char *part_uri(const char *name)
{
	static const char ok[] = "-._~/!$&'()*+,;=@";
	size_t n = strlen(name);
	char *out = malloc(3 * n + 2), *o = out;

	if (!out)
		return NULL;
	*o++ = '/';
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(ok, *p))
			*o++ = (char)*p;
		else
			o += snprintf(o, 4, "%%%02X", *p);
	}
	*o = 0;
	return out;
}

static const char *out_name(const mg_opc_part *p)
{
	return p->out_name ? p->out_name : p->src->name;
}

static int add_doc(mg_zipw *zw, const char *name, xmlDocPtr doc, size_t max)
{
	mg_buf b;
	int rc;

	mg_buf_init(&b, max);
	rc = mg_xml_write(doc, &b);
	if (rc == 0)
		rc = mg_zipw_add(zw, name, b.data, b.len, false);
	mg_buf_free(&b);
	return rc;
}

static xmlNodePtr new_root(xmlDocPtr doc, const char *name, const char *ns)
{
	xmlNodePtr root = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);

	if (root) {
		xmlSetNs(root, xmlNewNs(root, (const xmlChar *)ns, NULL));
		xmlDocSetRootElement(doc, root);
	}
	return root;
}

static xmlNodePtr add_child(xmlNodePtr parent, const char *name)
{
	return xmlNewChild(parent, parent->ns, (const xmlChar *)name, NULL);
}

static int write_types(mg_opc *opc, mg_zipw *zw, size_t max)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = doc ? new_root(doc, "Types", NS_TYPES) : NULL, e;
	int rc = -1;

	if (!root)
		goto done;
	e = add_child(root, "Default");
	xmlNewProp(e, (const xmlChar *)"Extension", (const xmlChar *)"rels");
	xmlNewProp(e, (const xmlChar *)"ContentType", (const xmlChar *)CT_RELS);
	e = add_child(root, "Default");
	xmlNewProp(e, (const xmlChar *)"Extension", (const xmlChar *)"xml");
	xmlNewProp(e, (const xmlChar *)"ContentType", (const xmlChar *)"application/xml");
	for (size_t i = 0; i < opc->pkg.n; i++) {
		const mg_opc_part *p = &opc->parts[i];
		char *uri;

		if (!p->reached)
			continue;
		if (!(uri = part_uri(out_name(p))))
			goto done;
		e = add_child(root, "Override");
		xmlNewProp(e, (const xmlChar *)"PartName", (const xmlChar *)uri);
		xmlNewProp(e, (const xmlChar *)"ContentType", (const xmlChar *)p->ctype);
		free(uri);
	}
	rc = add_doc(zw, "[Content_Types].xml", doc, max);
done:
	xmlFreeDoc(doc);
	return rc;
}

/* The relationships that were kept, with targets made absolute (the
 * part may have been renamed). */
static int write_rels(mg_opc *opc, mg_zipw *zw, const char *name, const mg_rels *rels, size_t max)
{
	xmlDocPtr doc;
	xmlNodePtr root;
	size_t kept = 0;
	int rc = -1;

	for (size_t i = 0; i < rels->n; i++)
		kept += rels->v[i].keep;
	if (kept == 0)
		return 0;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = doc ? new_root(doc, "Relationships", NS_RELS) : NULL;
	if (!root)
		goto done;
	for (size_t i = 0; i < rels->n; i++) {
		const mg_rel *r = &rels->v[i];
		mg_opc_part *t = r->keep ? mg_opc_find(opc, r->part) : NULL;
		xmlNodePtr e;
		char *uri;

		if (!t)
			continue;
		if (!(uri = part_uri(out_name(t))))
			goto done;
		e = add_child(root, "Relationship");
		xmlNewProp(e, (const xmlChar *)"Id", (const xmlChar *)r->id);
		xmlNewProp(e, (const xmlChar *)"Type", (const xmlChar *)r->type);
		xmlNewProp(e, (const xmlChar *)"Target", (const xmlChar *)uri);
		free(uri);
	}
	rc = add_doc(zw, name, doc, max);
done:
	xmlFreeDoc(doc);
	return rc;
}

static bool root_is_svg(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	return root && root->name && strcasecmp((const char *)root->name, "svg") == 0;
}

static mg_status write_xml_part(mg_ctx *ctx, mg_opc_part *p, mg_zipw *zw)
{
	const char *why;
	xmlDocPtr doc = mg_xml_parse(p->src->data, p->src->len, &why);
	mg_status st;

	if (!doc)
		return mg_fail(ctx, MG_E_MALFORMED, "%s: %s", p->src->name, why);
	if (root_is_svg(doc)) {
		/* the sniff missed it (a prolog past its window): fail closed */
		xmlFreeDoc(doc);
		return mg_fail(ctx, MG_E_MALFORMED, "%s: an SVG image disguised as an XML part",
		               p->src->name);
	}
	st = mg_ooxml_disarm(ctx, p->src->name, doc, &p->rels);
	if (st == MG_OK && add_doc(zw, p->src->name, doc, ctx->policy->max_output) < 0)
		st = mg_zipw_fail(ctx, mg_zipw_buf(zw));
	xmlFreeDoc(doc);
	return st;
}

static mg_status write_part(mg_ctx *ctx, mg_opc *opc, mg_opc_part *p, mg_zipw *zw)
{
	size_t max = ctx->policy->max_output;
	char *rn;
	mg_status st = MG_OK;

	if (p->kind == OPC_XML)
		st = write_xml_part(ctx, p, zw);
	else if (mg_zipw_add(zw, out_name(p), p->image.data.data, p->image.data.len, false) < 0)
		st = mg_zipw_fail(ctx, mg_zipw_buf(zw));
	if (st != MG_OK)
		return st;
	if (!(rn = mg_opc_rels_name(out_name(p))))
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	if (write_rels(opc, zw, rn, &p->rels, max) < 0)
		st = mg_zipw_fail(ctx, mg_zipw_buf(zw));
	free(rn);
	return st == MG_OK ? mg_check_deadline(ctx) : st;
}

static mg_status rebuild(mg_ctx *ctx, mg_opc *opc, mg_out *out)
{
	size_t max = ctx->policy->max_output;
	mg_zipw *zw = mg_zipw_new(&out->data, false);
	mg_status st = MG_OK;

	if (!zw)
		return mg_fail(ctx, MG_E_INTERNAL, "zip writer: out of memory");
	if (write_types(opc, zw, max) < 0 || write_rels(opc, zw, "_rels/.rels", &opc->root, max) < 0)
		st = mg_zipw_fail(ctx, mg_zipw_buf(zw));
	for (size_t i = 0; st == MG_OK && i < opc->pkg.n; i++)
		if (opc->parts[i].reached)
			st = write_part(ctx, opc, &opc->parts[i], zw);
	if (mg_zipw_finish(zw) < 0 && st == MG_OK)
		st = mg_zipw_fail(ctx, &out->data);
	if (st == MG_OK) {
		mg_out_set_type(out, opc->kind->mime, opc->kind->ext);
		mg_report_action(ctx, "rebuilt as %s from %s", opc->kind->ext,
		                 opc->main->src->name);
	}
	return st;
}

static mg_status ooxml_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	mg_opc opc;
	mg_status st = mg_opc_load(ctx, item, action == MG_ACT_CDR, &opc);

	if (st == MG_OK && action == MG_ACT_TEXT) {
		st = mg_ooxml_text(ctx, &opc, &out->data);
		if (st == MG_OK) {
			mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
			mg_report_action(ctx, "converted %s to text", opc.kind->ext);
		}
	} else if (st == MG_OK) {
		st = rebuild(ctx, &opc, out);
	}
	mg_opc_free(&opc);
	return st;
}

const mg_filter mg_filter_ooxml = {
	.family = MG_FAM_OOXML,
	.name = "ooxml",
	.actions = (1u << MG_ACT_CDR) | (1u << MG_ACT_TEXT),
	.default_action = MG_ACT_CDR,
	.run = ooxml_run,
};

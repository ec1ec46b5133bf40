/*
 * ooxml_opc.c - the Open Packaging Conventions layer of an OOXML package:
 * [Content_Types].xml, the relationship graph, and which parts are carried.
 *
 * The walk starts at the package's own relationships and follows only
 * relationships that are internal, of a type that does not carry active
 * content, and lead to a part we understand.  A part nobody reaches that
 * way is not carried, whatever its name or type: an allow-list, not a
 * deny-list.  The deny lists below only name what is removed, so that the
 * report can say why.
 */
#include <glib.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_opc.h"

/* Relationship and part counts beyond which a package is not a document. */
#define MAX_RELS_PER_PART 20000
#define MAX_TYPES 20000

#define CT_W "application/vnd.openxmlformats-officedocument.wordprocessingml."
#define CT_X "application/vnd.openxmlformats-officedocument.spreadsheetml."
#define CT_P "application/vnd.openxmlformats-officedocument.presentationml."

static const mg_ooxml_kind kinds[] = {
	{ CT_W "document.main+xml", CT_W "document.main+xml", CT_W "document", "docx", 'w' },
	{ CT_W "template.main+xml", CT_W "template.main+xml", CT_W "template", "dotx", 'w' },
	{ "application/vnd.ms-word.document.macroEnabled.main+xml", CT_W "document.main+xml",
	  CT_W "document", "docx", 'w' },
	{ "application/vnd.ms-word.template.macroEnabledTemplate.main+xml", CT_W "template.main+xml",
	  CT_W "template", "dotx", 'w' },
	{ CT_X "sheet.main+xml", CT_X "sheet.main+xml", CT_X "sheet", "xlsx", 'x' },
	{ CT_X "template.main+xml", CT_X "template.main+xml", CT_X "template", "xltx", 'x' },
	{ "application/vnd.ms-excel.sheet.macroEnabled.main+xml", CT_X "sheet.main+xml",
	  CT_X "sheet", "xlsx", 'x' },
	{ "application/vnd.ms-excel.template.macroEnabled.main+xml", CT_X "template.main+xml",
	  CT_X "template", "xltx", 'x' },
	{ CT_P "presentation.main+xml", CT_P "presentation.main+xml", CT_P "presentation", "pptx", 'p' },
	{ CT_P "slideshow.main+xml", CT_P "slideshow.main+xml", CT_P "slideshow", "ppsx", 'p' },
	{ CT_P "template.main+xml", CT_P "template.main+xml", CT_P "template", "potx", 'p' },
	{ "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
	  CT_P "presentation.main+xml", CT_P "presentation", "pptx", 'p' },
	{ "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", CT_P "slideshow.main+xml",
	  CT_P "slideshow", "ppsx", 'p' },
	{ "application/vnd.ms-powerpoint.template.macroEnabled.main+xml", CT_P "template.main+xml",
	  CT_P "template", "potx", 'p' },
};

/* Relationship types (last URI segment) whose targets are active content,
 * reach outside the document, or are opaque binaries. */
static const struct {
	const char *type;
	const char *why;
} denied_rels[] = {
	{ "vbaProject", "VBA macro project" },
	{ "vbaProjectSignature", "VBA project signature" },
	{ "vbaProjectSignatureAgile", "VBA project signature" },
	{ "vbaProjectSignatureV3", "VBA project signature" },
	{ "wordVbaData", "VBA data" },
	{ "activeXControl", "ActiveX control" },
	{ "activeXControlBinary", "ActiveX control" },
	{ "control", "form control" },
	{ "ctrlProp", "form control" },
	{ "oleObject", "embedded OLE object" },
	{ "package", "embedded package" },
	{ "attachedTemplate", "attached template" },
	{ "externalLink", "external workbook link" },
	{ "externalLinkPath", "external workbook link" },
	{ "extensibility", "custom UI (ribbon callbacks)" },
	{ "xlMacrosheet", "Excel 4 macro sheet" },
	{ "xlIntlMacrosheet", "Excel 4 macro sheet" },
	{ "dialogsheet", "Excel 5 dialog sheet" },
	{ "frame", "frame to another document" },
	{ "subDocument", "linked subdocument" },
	{ "aFChunk", "alternative-format chunk (embedded document)" },
	{ "webextension", "Office add-in" },
	{ "webextensiontaskpanes", "Office add-in" },
	{ "taskpanes", "Office add-in" },
	{ "connections", "data connection" },
	{ "queryTable", "data query" },
	{ "keyMapCustomizations", "key bindings to macros" },
	{ "attachedToolbars", "custom toolbars" },
	{ "mailMergeSource", "mail merge data source" },
	{ "mailMergeHeaderSource", "mail merge data source" },
	{ "recipientData", "mail merge data source" },
	{ "printerSettings", "printer settings (binary)" },
	{ "font", "embedded font" },
	{ "customData", "custom binary data" },
	{ "legacyDocTextInfo", "legacy binary data" },
	{ "vmlDrawing", "VML drawing (legacy shapes, OLE and control anchors)" },
	{ "audio", "media" },
	{ "video", "media" },
	{ "media", "media" },
	{ "model3d", "3D model" },
	{ "hdphoto", "HD Photo image" },
};

/* Part names that are active content, named so the report can say what. */
static const struct {
	const char *needle;
	const char *why;
} denied_names[] = {
	{ "vbaProject", "VBA macro project" },
	{ "vbaData", "VBA data" },
	{ "activeX/", "ActiveX control" },
	{ "embeddings/", "embedded OLE object or package" },
	{ "customUI", "custom UI (ribbon callbacks)" },
	{ "macrosheets/", "Excel 4 macro sheet" },
	{ "dialogsheets/", "Excel 5 dialog sheet" },
	{ "externalLinks/", "external workbook link" },
	{ "webextensions/", "Office add-in" },
	{ "connections.xml", "data connection" },
	{ "queryTables/", "data query" },
	{ "attachedToolbars", "custom toolbars" },
	{ "keyMapCustomizations", "key bindings to macros" },
	{ "printerSettings/", "printer settings (binary)" },
	{ ".vml", "VML drawing (legacy shapes, OLE and control anchors)" },
};

static const struct {
	const char *needle;
	const char *why;
} denied_types[] = {
	{ "vbaProject", "VBA macro project" },
	{ "vbaData", "VBA data" },
	{ "activeX", "ActiveX control" },
	{ "oleObject", "embedded OLE object" },
	{ "macrosheet", "Excel 4 macro sheet" },
	{ "dialogsheet", "Excel 5 dialog sheet" },
	{ "keyMapCustomizations", "key bindings to macros" },
	{ "attachedToolbars", "custom toolbars" },
	{ "vmlDrawing", "VML drawing (legacy shapes, OLE and control anchors)" },
	{ "webextension", "Office add-in" },
	{ "taskpane", "Office add-in" },
	{ "connections+xml", "data connection" },
	{ "queryTable", "data query" },
	{ "externalLink", "external workbook link" },
	{ "ctrlProp", "form control" },
};

const char *mg_opc_short_type(const char *type)
{
	const char *slash = type ? strrchr(type, '/') : NULL;

	return slash ? slash + 1 : (type ? type : "");
}

static const char *rel_denied(const char *type)
{
	const char *s = mg_opc_short_type(type);

	for (size_t i = 0; i < sizeof(denied_rels) / sizeof(denied_rels[0]); i++)
		if (strcasecmp(s, denied_rels[i].type) == 0)
			return denied_rels[i].why;
	return NULL;
}

static bool is_officedocument(const char *type)
{
	return strcasecmp(mg_opc_short_type(type), "officeDocument") == 0;
}

char *mg_opc_rels_name(const char *part)
{
	const char *slash = strrchr(part, '/');
	char *out = NULL;
	int n;

	if (slash)
		n = asprintf(&out, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
	else
		n = asprintf(&out, "_rels/%s.rels", part);
	return n < 0 ? NULL : out;
}

static char *dir_of(const char *part)
{
	const char *slash = strrchr(part, '/');

	return strndup(part, slash ? (size_t)(slash - part + 1) : 0);
}

mg_opc_part *mg_opc_find(mg_opc *opc, const char *name)
{
	mg_part *p = name ? mg_pkg_find(&opc->pkg, name) : NULL;

	return p ? &opc->parts[p - opc->pkg.parts] : NULL;
}

static const mg_rel *rels_find(const mg_rels *rels, const char *id)
{
	size_t at = rels->ids && id ? GPOINTER_TO_SIZE(g_hash_table_lookup(rels->ids, id)) : 0;

	return at ? &rels->v[at - 1] : NULL;
}

const mg_rel *mg_rels_kept(const mg_rels *rels, const char *id)
{
	const mg_rel *r = rels_find(rels, id);

	return r && r->keep ? r : NULL;
}

mg_opc_part *mg_opc_follow(mg_opc *opc, const mg_opc_part *from, const char *id)
{
	const mg_rel *r = mg_rels_kept(from ? &from->rels : &opc->root, id);

	return r ? mg_opc_find(opc, r->part) : NULL;
}

static void rels_free(mg_rels *rels)
{
	for (size_t i = 0; i < rels->n; i++) {
		free(rels->v[i].id);
		free(rels->v[i].type);
		free(rels->v[i].target);
		free(rels->v[i].part);
	}
	free(rels->v);
	if (rels->ids)
		g_hash_table_destroy(rels->ids);
	memset(rels, 0, sizeof(*rels));
}

void mg_opc_free(mg_opc *opc)
{
	for (size_t i = 0; opc->parts && i < opc->pkg.n; i++) {
		rels_free(&opc->parts[i].rels);
		mg_out_free(&opc->parts[i].image);
		free(opc->parts[i].out_name);
	}
	free(opc->parts);
	rels_free(&opc->root);
	mg_pkg_free(&opc->pkg);
	memset(opc, 0, sizeof(*opc));
}

static const char *attr(xmlNodePtr n, const char *name, xmlChar **hold)
{
	*hold = xmlGetProp(n, (const xmlChar *)name);
	return (const char *)*hold;
}

/* ---- [Content_Types].xml ---- */

/* The declared types, read once: PartName and Extension, lower-cased,
 * to the content type (the first declaration of a name wins). */
typedef struct ctypes {
	GHashTable *parts, *exts;
} ctypes;

static void types_add(GHashTable *t, const char *key, const char *ct)
{
	char *k = g_ascii_strdown(key, -1);

	if (g_hash_table_contains(t, k))
		g_free(k);
	else
		g_hash_table_insert(t, k, g_strdup(ct));
}

static void types_read(xmlDocPtr doc, ctypes *t)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);

	t->parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	t->exts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
		xmlChar *h1 = NULL, *h2 = NULL;
		const char *ct = n->type == XML_ELEMENT_NODE ? attr(n, "ContentType", &h2) : NULL;

		if (ct && xmlStrcmp(n->name, (const xmlChar *)"Override") == 0) {
			const char *pn = attr(n, "PartName", &h1);
			char *norm = pn ? mg_pkg_resolve("", pn) : NULL;

			if (norm)
				types_add(t->parts, norm, ct);
			free(norm);
		} else if (ct && xmlStrcmp(n->name, (const xmlChar *)"Default") == 0) {
			const char *ext = attr(n, "Extension", &h1);

			if (ext)
				types_add(t->exts, ext, ct);
		}
		xmlFree(h1);
		xmlFree(h2);
	}
}

static void types_free(ctypes *t)
{
	g_hash_table_destroy(t->parts);
	g_hash_table_destroy(t->exts);
}

/* An Override for the part, else the Default for its extension. */
static bool lookup_type(const ctypes *t, const char *part, char *out, size_t outlen)
{
	const char *dot = strrchr(part, '.'), *slash = strrchr(part, '/'), *ct;
	char *key = g_ascii_strdown(part, -1);

	ct = g_hash_table_lookup(t->parts, key);
	g_free(key);
	if (!ct && dot && !(slash && dot < slash)) {
		key = g_ascii_strdown(dot + 1, -1);
		ct = g_hash_table_lookup(t->exts, key);
		g_free(key);
	}
	if (ct)
		snprintf(out, outlen, "%s", ct);
	return ct != NULL;
}

/* ---- classification ---- */

static const char *name_denied(const char *name)
{
	for (size_t i = 0; i < sizeof(denied_names) / sizeof(denied_names[0]); i++)
		if (strcasestr(name, denied_names[i].needle))
			return denied_names[i].why;
	return NULL;
}

static const char *type_denied(const char *ct)
{
	for (size_t i = 0; i < sizeof(denied_types) / sizeof(denied_types[0]); i++)
		if (strcasestr(ct, denied_types[i].needle))
			return denied_types[i].why;
	return NULL;
}

static bool type_is_xml(const char *ct)
{
	size_t n = strlen(ct);

	return (n > 4 && strcasecmp(ct + n - 4, "+xml") == 0) ||
	       strcasecmp(ct, "application/xml") == 0 || strcasecmp(ct, "text/xml") == 0;
}

static bool is_rels_name(const char *name)
{
	size_t n = strlen(name);

	return n >= 5 && strcasecmp(name + n - 5, ".rels") == 0 &&
	       (strncasecmp(name, "_rels/", 6) == 0 || strcasestr(name, "/_rels/"));
}

/* An image part goes to the image family, which re-encodes it or says
 * why not: any image content type (image/svg+xml is one, though it ends
 * in +xml), and any XML part that is an SVG whatever its declared type. */
static bool is_image(const mg_opc_part *p)
{
	return strncasecmp(p->ctype, "image/", 6) == 0 ||
	       (type_is_xml(p->ctype) && mg_svg_sniff(p->src->data, p->src->len));
}

static void classify(mg_opc_part *p, const ctypes *types)
{
	const char *name = p->src->name, *why;

	if (strcasecmp(name, "[Content_Types].xml") == 0) {
		p->kind = OPC_TYPES;
		return;
	}
	if (is_rels_name(name)) {
		p->kind = OPC_RELS;
		p->why = "relationships of a part that is not carried";
		return;
	}
	p->kind = OPC_DROP;
	if (!lookup_type(types, name, p->ctype, sizeof(p->ctype)))
		p->why = "part without a content type";
	else if ((why = name_denied(name)) || (why = type_denied(p->ctype)))
		p->why = why;
	else if (is_image(p))
		p->kind = OPC_IMAGE;
	else if (type_is_xml(p->ctype))
		p->kind = OPC_XML;
	else
		p->why = "binary part of a type that is not carried";
}

/* ---- relationships ---- */

/* A relationship as written; a later one with the same Id is ignored. */
static mg_status rels_add(mg_ctx *ctx, mg_rels *rels, const char *id, const char *type,
                          const char *target, const char *mode)
{
	mg_rel *nv = realloc(rels->v, (rels->n + 1) * sizeof(*nv)), *r;

	if (!nv)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	rels->v = nv;
	r = &nv[rels->n];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->type = strdup(type);
	r->target = strdup(target);
	r->external = mode && strcasecmp(mode, "Internal") != 0;
	if (!r->id || !r->type || !r->target) {
		free(r->id);
		free(r->type);
		free(r->target);
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	}
	if (!rels->ids)
		rels->ids = g_hash_table_new(g_str_hash, g_str_equal);
	rels->n++;
	g_hash_table_insert(rels->ids, r->id, GSIZE_TO_POINTER(rels->n));
	return MG_OK;
}

static mg_status parse_rels(mg_ctx *ctx, mg_opc *opc, const char *rels_name, mg_rels *rels)
{
	mg_opc_part *rp = mg_opc_find(opc, rels_name);
	const char *why;
	xmlDocPtr doc;
	xmlNodePtr root;
	mg_status st = MG_OK;

	if (!rp)
		return MG_OK;
	rp->consumed = true;
	if (!(doc = mg_xml_parse(rp->src->data, rp->src->len, &why)))
		return mg_fail(ctx, MG_E_MALFORMED, "%s: %s", rels_name, why);
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
		xmlChar *h[4] = { NULL };
		const char *id, *type, *target, *mode;

		if (n->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(n->name, (const xmlChar *)"Relationship") != 0)
			continue;
		id = attr(n, "Id", &h[0]);
		type = attr(n, "Type", &h[1]);
		target = attr(n, "Target", &h[2]);
		mode = attr(n, "TargetMode", &h[3]);
		if (rels->n >= MAX_RELS_PER_PART) {
			st = mg_fail(ctx, MG_E_LIMIT_COUNT, "%s: more than %d relationships", rels_name,
			             MAX_RELS_PER_PART);
		} else if (id && type && target && !rels_find(rels, id)) {
			st = rels_add(ctx, rels, id, type, target, mode);
		}
		for (int i = 0; i < 4; i++)
			xmlFree(h[i]);
		if (st != MG_OK)
			break;
	}
	xmlFreeDoc(doc);
	return st;
}

static void reencode_image(mg_ctx *ctx, mg_opc *opc, mg_opc_part *p)
{
	const char *dot;

	mg_out_free(&p->image);
	if (!mg_image_part(ctx, p->src->data, p->src->len, p->src->name, p->ctype, &p->image,
	                   &p->why)) {
		p->kind = OPC_DROP;
		return;
	}
	if (!p->image.mime[0] || strcasecmp(p->image.mime, p->ctype) == 0)
		return;
	/* the format changed (GIF -> PNG): the part is renamed to match */
	dot = strrchr(p->src->name, '.');
	if (dot && !strchr(dot, '/') &&
	    asprintf(&p->out_name, "%.*s.%s", (int)(dot - p->src->name), p->src->name,
	             p->image.ext) < 0)
		p->out_name = NULL;
	if (!p->out_name || mg_opc_find(opc, p->out_name)) {
		free(p->out_name);
		if (asprintf(&p->out_name, "%s.%s", p->src->name, p->image.ext) < 0)
			p->out_name = NULL;
	}
	if (!p->out_name || mg_opc_find(opc, p->out_name)) {
		p->kind = OPC_DROP;
		p->why = "re-encoded image whose new name is taken";
		return;
	}
	snprintf(p->ctype, sizeof(p->ctype), "%s", p->image.mime);
}

/* Settles one relationship of a carried part (or of the package): kept
 * only when internal, of an allowed type, to a part that is carried. */
static mg_opc_part *decide_rel(mg_ctx *ctx, mg_opc *opc, const char *src, const char *base,
                               mg_rel *r)
{
	const char *why = rel_denied(r->type);
	mg_opc_part *t;

	if (r->external) {
		mg_report_removed(ctx, r->target, "external %s relationship of %s",
		                  mg_opc_short_type(r->type), src);
		return NULL;
	}
	r->part = mg_pkg_resolve(base, r->target);
	if (!r->part) {
		mg_report_removed(ctx, r->target, "%s relationship of %s to a target outside the package",
		                  mg_opc_short_type(r->type), src);
		return NULL;
	}
	t = mg_opc_find(opc, r->part);
	if (why) {
		mg_report_removed(ctx, r->target, "%s relationship of %s: %s", mg_opc_short_type(r->type),
		                  src, why);
		if (t && t->kind != OPC_DROP && !t->reached) {
			t->kind = OPC_DROP;
			t->why = why;
		}
		return NULL;
	}
	if (!t) {
		mg_report_finding(ctx, "%s: relationship %s to missing part %s removed", src, r->id,
		                  r->part);
		return NULL;
	}
	if (!t->reached && t->kind == OPC_IMAGE && opc->reencode_images)
		reencode_image(ctx, opc, t);
	if (t->kind != OPC_XML && t->kind != OPC_IMAGE)
		return NULL;
	if (t->kind == OPC_XML && strcasecmp(mg_opc_short_type(r->type), "image") == 0) {
		/* what a picture shows is an image, re-encoded, or nothing */
		mg_report_removed(ctx, r->target, "image relationship of %s to a part that is not an "
		                  "image", src);
		return NULL;
	}
	r->keep = true;
	return t;
}

/* Breadth-first from the package relationships: every part reached
 * through kept relationships is carried. */
static mg_status walk(mg_ctx *ctx, mg_opc *opc)
{
	size_t *queue = calloc(opc->pkg.n + 1, sizeof(*queue)), head = 0, tail = 0;
	mg_status st = MG_OK;

	if (!queue)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < opc->root.n; i++) {
		mg_opc_part *t = decide_rel(ctx, opc, "the package", "", &opc->root.v[i]);

		if (t && !t->reached) {
			t->reached = true;
			queue[tail++] = (size_t)(t - opc->parts);
		}
	}
	while (head < tail && st == MG_OK) {
		mg_opc_part *p = &opc->parts[queue[head++]];
		char *rn, *base;

		if (p->kind != OPC_XML)
			continue;
		rn = mg_opc_rels_name(p->src->name);
		base = dir_of(p->src->name);
		if (!rn || !base)
			st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
		else
			st = parse_rels(ctx, opc, rn, &p->rels);
		for (size_t i = 0; st == MG_OK && i < p->rels.n; i++) {
			mg_opc_part *t = decide_rel(ctx, opc, p->src->name, base, &p->rels.v[i]);

			if (t && !t->reached) {
				t->reached = true;
				queue[tail++] = (size_t)(t - opc->parts);
			}
		}
		free(rn);
		free(base);
		if (st == MG_OK)
			st = mg_check_deadline(ctx);
	}
	free(queue);
	return st;
}

static void report_left_behind(mg_ctx *ctx, const mg_opc *opc)
{
	for (size_t i = 0; i < opc->pkg.n; i++) {
		const mg_opc_part *p = &opc->parts[i];

		if (p->reached || p->kind == OPC_TYPES || (p->kind == OPC_RELS && p->consumed))
			continue;
		mg_report_removed(ctx, p->src->name, "%s",
		                  p->why ? p->why : "not reached through a kept relationship");
	}
}

static mg_status find_main(mg_ctx *ctx, mg_opc *opc)
{
	for (size_t i = 0; i < opc->root.n; i++) {
		mg_rel *r = &opc->root.v[i];
		mg_opc_part *m;
		char *name;

		if (!is_officedocument(r->type) || r->external)
			continue;
		name = mg_pkg_resolve("", r->target);
		m = mg_opc_find(opc, name);
		free(name);
		if (!m)
			return mg_fail(ctx, MG_E_MALFORMED, "main part %s is missing", r->target);
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strcasecmp(m->ctype, kinds[k].main_type) == 0) {
				opc->kind = &kinds[k];
				opc->main = m;
				if (strcmp(m->ctype, kinds[k].clean_type) != 0)
					mg_report_action(ctx, "main part type %s made macro-free: %s", m->ctype,
					                 kinds[k].clean_type);
				snprintf(m->ctype, sizeof(m->ctype), "%s", kinds[k].clean_type);
				return MG_OK;
			}
		if (strcasestr(m->ctype, "binary"))
			return mg_fail(ctx, MG_E_TYPE_BLOCKED,
			               "binary workbook (xlsb) is not rebuilt: its records cannot be checked");
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "unsupported OOXML document type %s", m->ctype);
	}
	return mg_fail(ctx, MG_E_MALFORMED, "package has no main document relationship");
}

static mg_status load_types(mg_ctx *ctx, mg_opc *opc)
{
	mg_part *tp = mg_pkg_find(&opc->pkg, "[Content_Types].xml");
	const char *why;
	xmlDocPtr doc;
	ctypes t;

	if (!tp)
		return mg_fail(ctx, MG_E_MALFORMED, "package without [Content_Types].xml");
	if (!(doc = mg_xml_parse(tp->data, tp->len, &why)))
		return mg_fail(ctx, MG_E_MALFORMED, "[Content_Types].xml: %s", why);
	if (xmlChildElementCount(xmlDocGetRootElement(doc)) > MAX_TYPES) {
		xmlFreeDoc(doc);
		return mg_fail(ctx, MG_E_LIMIT_COUNT, "[Content_Types].xml has more than %d entries",
		               MAX_TYPES);
	}
	types_read(doc, &t);
	xmlFreeDoc(doc);
	for (size_t i = 0; i < opc->pkg.n; i++) {
		opc->parts[i].src = &opc->pkg.parts[i];
		mg_out_init(&opc->parts[i].image, ctx->policy->max_output);
		classify(&opc->parts[i], &t);
	}
	types_free(&t);
	return MG_OK;
}

mg_status mg_opc_load(mg_ctx *ctx, const mg_item *item, bool reencode, mg_opc *opc)
{
	mg_status st;

	memset(opc, 0, sizeof(*opc));
	opc->reencode_images = reencode;
	if ((st = mg_pkg_read(ctx, item, &opc->pkg)) != MG_OK)
		return st;
	if (!(opc->parts = calloc(opc->pkg.n + 1, sizeof(*opc->parts))))
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	if ((st = load_types(ctx, opc)) != MG_OK)
		return st;
	if ((st = parse_rels(ctx, opc, "_rels/.rels", &opc->root)) != MG_OK)
		return st;
	if ((st = find_main(ctx, opc)) != MG_OK)
		return st;
	if ((st = walk(ctx, opc)) != MG_OK)
		return st;
	if (!opc->main->reached)
		return mg_fail(ctx, MG_E_MALFORMED, "main part %s cannot be carried: %s",
		               opc->main->src->name, opc->main->why ? opc->main->why : "not XML");
	report_left_behind(ctx, opc);
	return MG_OK;
}

/*
 * ooxml_disarm.c - one OOXML XML part made harmless, in its parsed tree.
 *
 * Removed: field codes that run or fetch things (DDE, DDEAUTO, INCLUDE*,
 * IMPORT, LINK, MACROBUTTON, anything not on the list of display fields;
 * the displayed result text stays), OLE objects and controls with the
 * elements that anchor them, form-field macros, mail merge sources,
 * PowerPoint actions that start programs or macros, spreadsheet formulas
 * that call DLLs, DDE or the web (the cached value stays), auto-run names,
 * SVG pictures (the extension beside the raster blip, which stays: an
 * svgBlip may only name an SVG, and the SVG part is now the image
 * family's PNG), and every element that
 * refers to a relationship that was not kept.
 * Comments and processing instructions go too.  Each removal is reported,
 * counted per kind so a long document does not flood the report.
 */
#include <ctype.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_opc.h"

enum ns { NS_OTHER = 0, NS_W, NS_R, NS_O, NS_V, NS_P, NS_S, NS_A, NS_X, NS_ASVG };

/* Compared by length first: most hrefs share their first 30 bytes. */
#define NAMESPACE(href, ns) { href, sizeof(href) - 1, ns }
static const struct {
	const char *href;
	size_t len;
	enum ns ns;
} namespaces[] = {
	NAMESPACE("http://schemas.openxmlformats.org/wordprocessingml/2006/main", NS_W),
	NAMESPACE("http://purl.oclc.org/ooxml/wordprocessingml/main", NS_W),
	NAMESPACE("http://schemas.openxmlformats.org/officeDocument/2006/relationships", NS_R),
	NAMESPACE("http://purl.oclc.org/ooxml/officeDocument/relationships", NS_R),
	NAMESPACE("urn:schemas-microsoft-com:office:office", NS_O),
	NAMESPACE("urn:schemas-microsoft-com:vml", NS_V),
	NAMESPACE("http://schemas.openxmlformats.org/presentationml/2006/main", NS_P),
	NAMESPACE("http://purl.oclc.org/ooxml/presentationml/main", NS_P),
	NAMESPACE("http://schemas.openxmlformats.org/spreadsheetml/2006/main", NS_S),
	NAMESPACE("http://purl.oclc.org/ooxml/spreadsheetml/main", NS_S),
	NAMESPACE("http://schemas.openxmlformats.org/drawingml/2006/main", NS_A),
	NAMESPACE("http://purl.oclc.org/ooxml/drawingml/main", NS_A),
	NAMESPACE("urn:schemas-microsoft-com:office:excel", NS_X),
	NAMESPACE("http://schemas.microsoft.com/office/drawing/2016/SVG/main", NS_ASVG),
};

/* The a:ext of a picture that carries an SVG beside its raster blip. */
#define SVG_BLIP_EXT "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"

/* Word fields that only display something computed inside the document.
 * Every other field code is removed and its last result kept as text. */
static const char *const safe_fields[] = {
	"PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "CREATEDATE", "SAVEDATE",
	"PRINTDATE", "EDITTIME", "AUTHOR", "TITLE", "SUBJECT", "KEYWORDS", "COMMENTS",
	"LASTSAVEDBY", "FILESIZE", "NUMWORDS", "NUMCHARS", "REVNUM", "DOCPROPERTY", "DOCVARIABLE",
	"USERNAME", "USERINITIALS", "TOC", "TOA", "TC", "TA", "INDEX", "XE", "REF", "PAGEREF",
	"NOTEREF", "STYLEREF", "SEQ", "LISTNUM", "AUTONUM", "AUTONUMLGL", "AUTONUMOUT",
	"MERGEFIELD", "MERGEREC", "MERGESEQ", "NEXT", "NEXTIF", "SKIPIF", "IF", "COMPARE", "EQ",
	"SYMBOL", "ADVANCE", "FORMTEXT", "FORMCHECKBOX", "FORMDROPDOWN", "BIBLIOGRAPHY",
	"CITATION", "BIDIOUTLINE", "=",
};

/* Spreadsheet functions that reach outside the workbook or into code. */
static const char *const risky_functions[] = {
	"CALL(", "REGISTER(", "REGISTER.ID(", "EXEC(", "EXECUTE(", "WEBSERVICE(", "RTD(",
	"HYPERLINK(", "FILTERXML(", "IMPORTXML(", "IMPORTDATA(",
};

/* Removals reported elsewhere (the field's keyword, the content). */
static const char EMPTIED[] = "container left empty";
static const char FIELD_CODE[] = "field code";
static const char SVG_PICTURE[] = "SVG picture (the raster picture kept)";

#define MAX_TALLY 48
#define MAX_FIELD_DEPTH 64
#define MAX_SHEETS 256

struct tally {
	char what[64];
	const char *why;
	unsigned n;
};

struct disarm {
	mg_ctx *ctx;
	const char *part;
	const mg_rels *rels;
	struct tally tally[MAX_TALLY];
	unsigned ntally;
	char *gone_sheets[MAX_SHEETS];  /* sheets whose part was not carried */
	unsigned ngone;
};

static enum ns ns_named(const xmlNs *ns)
{
	size_t len = ns && ns->href ? strlen((const char *)ns->href) : 0;

	for (size_t i = 0; len && i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
		if (namespaces[i].len == len && memcmp(ns->href, namespaces[i].href, len) == 0)
			return namespaces[i].ns;
	return NS_OTHER;
}

static enum ns ns_of(const xmlNode *n)
{
	return ns_named(n->ns);
}

static enum ns attr_ns(const xmlAttr *a)
{
	return ns_named(a->ns);
}

static bool is(const xmlNode *n, enum ns ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && ns_of(n) == ns &&
	       strcmp((const char *)n->name, name) == 0;
}

static void note(struct disarm *d, const xmlNode *n, const char *why)
{
	char what[64];
	const char *prefix = n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "";

	snprintf(what, sizeof(what), "%s%s%s", prefix, *prefix ? ":" : "", (const char *)n->name);
	for (unsigned i = 0; i < d->ntally; i++)
		if (d->tally[i].why == why && strcmp(d->tally[i].what, what) == 0) {
			d->tally[i].n++;
			return;
		}
	if (d->ntally < MAX_TALLY) {
		snprintf(d->tally[d->ntally].what, sizeof(d->tally[0].what), "%s", what);
		d->tally[d->ntally].why = why;
		d->tally[d->ntally++].n = 1;
	} else {
		d->tally[MAX_TALLY - 1].n++;
	}
}

static void drop(struct disarm *d, xmlNodePtr n, const char *why)
{
	note(d, n, why);
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* Replaces an element by its children (a hyperlink becomes its text). */
static void unwrap(struct disarm *d, xmlNodePtr n, const char *why)
{
	xmlNodePtr c = n->children, next;

	note(d, n, why);
	for (; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(n, c);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

static bool has_descendant(const xmlNode *n, enum ns ns, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is(c, ns, name) || (c->type == XML_ELEMENT_NODE && has_descendant(c, ns, name)))
			return true;
	return false;
}

static bool has_element_child(const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* ---- Word fields ---- */

/* The first word of a field instruction, upper-cased. */
static void field_keyword(const char *instr, char *kw, size_t kwlen)
{
	size_t o = 0;

	while (*instr == ' ' || *instr == '\t' || *instr == '\r' || *instr == '\n')
		instr++;
	if (*instr == '=') {
		snprintf(kw, kwlen, "=");
		return;
	}
	while (*instr && !isspace((unsigned char)*instr) && *instr != '\\' && o + 1 < kwlen)
		kw[o++] = (char)toupper((unsigned char)*instr++);
	kw[o] = 0;
}

bool mg_field_is_display(const char *instr)
{
	char kw[32];

	field_keyword(instr, kw, sizeof(kw));
	for (size_t i = 0; i < sizeof(safe_fields) / sizeof(safe_fields[0]); i++)
		if (strcmp(kw, safe_fields[i]) == 0)
			return true;
	return false;
}

static void report_field(struct disarm *d, const char *instr)
{
	char kw[32];

	field_keyword(instr, kw, sizeof(kw));
	mg_report_removed(d->ctx, kw[0] ? kw : "(empty)", "field code in %s (its shown result kept)",
	                  d->part);
}

struct field {
	size_t begin, sep;      /* indexes into the list of field nodes */
	bool separated;
	bool nested_first;      /* a nested field came before any instruction text */
	mg_buf instr;
};

/* fldChar and instrText elements in document order. */
static int collect_fields(xmlNodePtr n, xmlNodePtr **list, size_t *len, size_t *cap)
{
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, NS_W, "fldChar") || is(c, NS_W, "instrText")) {
			if (*len == *cap) {
				size_t ncap = *cap ? *cap * 2 : 64;
				xmlNodePtr *nl = realloc(*list, ncap * sizeof(*nl));

				if (!nl)
					return -1;
				*list = nl;
				*cap = ncap;
			}
			(*list)[(*len)++] = c;
		} else if (collect_fields(c, list, len, cap) < 0) {
			return -1;
		}
	}
	return 0;
}

static const char *fld_type(xmlNodePtr n)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, "fldCharType") == 0 && a->children &&
		    a->children->content)
			return (const char *)a->children->content;
	return "";
}

/* Marks the instruction part of a field (begin .. separate, and the end)
 * for removal when the field is not a display field. */
static void settle_field(struct disarm *d, struct field *f, size_t end, bool *doomed)
{
	const char *instr = f->instr.data ? (const char *)f->instr.data : "";

	if (!f->nested_first && mg_field_is_display(instr))
		return;
	report_field(d, f->nested_first ? "(nested field)" : instr);
	for (size_t i = f->begin; i <= (f->separated ? f->sep : end); i++)
		doomed[i] = true;
	doomed[end] = true;
}

static mg_status disarm_complex_fields(struct disarm *d, xmlNodePtr root)
{
	xmlNodePtr *list = NULL;
	size_t len = 0, cap = 0, depth = 0;
	struct field stack[MAX_FIELD_DEPTH];
	bool *doomed = NULL;
	mg_status st = MG_OK;

	if (collect_fields(root, &list, &len, &cap) < 0 || !(doomed = calloc(len + 1, 1))) {
		st = mg_fail(d->ctx, MG_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < len; i++) {
		const char *t = is(list[i], NS_W, "fldChar") ? fld_type(list[i]) : NULL;

		if (t && strcmp(t, "begin") == 0) {
			if (depth == MAX_FIELD_DEPTH) {
				st = mg_fail(d->ctx, MG_E_MALFORMED, "%s: fields nested deeper than %d",
				             d->part, MAX_FIELD_DEPTH);
				goto done;
			}
			if (depth && !stack[depth - 1].separated && stack[depth - 1].instr.len == 0)
				stack[depth - 1].nested_first = true;
			memset(&stack[depth], 0, sizeof(stack[depth]));
			mg_buf_init(&stack[depth].instr, 4096);
			stack[depth++].begin = i;
		} else if (!t && depth && !stack[depth - 1].separated) {
			xmlChar *s = xmlNodeGetContent(list[i]);
			struct field *f = &stack[depth - 1];

			/* only the start matters: the buffer stops growing at its maximum */
			if (s && (f->instr.len || strspn((const char *)s, " \t") < strlen((const char *)s)))
				(void)mg_buf_puts(&f->instr, (const char *)s);
			xmlFree(s);
		} else if (t && strcmp(t, "separate") == 0 && depth) {
			stack[depth - 1].separated = true;
			stack[depth - 1].sep = i;
		} else if (t && strcmp(t, "end") == 0 && depth) {
			depth--;
			settle_field(d, &stack[depth], i, doomed);
			mg_buf_free(&stack[depth].instr);
		}
	}
	while (depth) { /* unterminated fields: their instructions go */
		depth--;
		settle_field(d, &stack[depth], len - 1, doomed);
		mg_buf_free(&stack[depth].instr);
	}
	for (size_t i = 0; i < len; i++)
		if (doomed[i]) {
			xmlUnlinkNode(list[i]);
			xmlFreeNode(list[i]);
		}
done:
	while (depth)
		mg_buf_free(&stack[--depth].instr);
	free(list);
	free(doomed);
	return st;
}

/* ---- spreadsheet formulas and names ---- */

static bool formula_risky(const char *f)
{
	if (strchr(f, '|'))
		return true; /* DDE: application|topic!item */
	for (const char *b = strchr(f, '['); b; b = strchr(b + 1, '[')) {
		const char *e = b + 1;

		while (isdigit((unsigned char)*e))
			e++;
		if ((e > b + 1 && *e == ']') || strncasecmp(b + 1, "http", 4) == 0 ||
		    strncasecmp(b + 1, "file", 4) == 0)
			return true; /* a reference into another workbook */
		if (strchr(b, ']') && memmem(b, (size_t)(strchr(b, ']') - b), ".xl", 3))
			return true;
	}
	for (size_t i = 0; i < sizeof(risky_functions) / sizeof(risky_functions[0]); i++) {
		const char *fn = risky_functions[i];

		for (const char *p = strcasestr(f, fn); p; p = strcasestr(p + 1, fn))
			if (p == f || !(isalnum((unsigned char)p[-1]) || p[-1] == '.'))
				return true;
	}
	return false;
}

static bool auto_name(const char *name)
{
	static const char *const autos[] = { "auto_open", "auto_close", "auto_activate",
		                             "auto_deactivate" };

	if (strncasecmp(name, "_xlnm.", 6) == 0)
		name += 6;
	for (size_t i = 0; i < sizeof(autos) / sizeof(autos[0]); i++)
		if (strncasecmp(name, autos[i], strlen(autos[i])) == 0)
			return true;
	return false;
}

static bool names_gone_sheet(const struct disarm *d, const char *text)
{
	for (unsigned i = 0; i < d->ngone; i++) {
		const char *s = strstr(text, d->gone_sheets[i]);
		size_t n = strlen(d->gone_sheets[i]);

		if (s && (s[n] == '!' || (s[n] == '\'' && s[n + 1] == '!')))
			return true;
	}
	return false;
}

static bool defined_name_risky(const struct disarm *d, xmlNodePtr n)
{
	xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
	xmlChar *text = xmlNodeGetContent(n);
	bool risky = (name && auto_name((const char *)name)) ||
	             (text && (formula_risky((const char *)text) ||
	                       names_gone_sheet(d, (const char *)text)));

	xmlFree(name);
	xmlFree(text);
	return risky;
}

static bool cell_formula_risky(xmlNodePtr n)
{
	xmlChar *text = xmlNodeGetContent(n);
	bool risky = text && formula_risky((const char *)text);

	xmlFree(text);
	return risky;
}

/* Sheets that referred to a part that is not carried (macro sheets). */
static void collect_gone_sheets(struct disarm *d, xmlNodePtr root)
{
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (!is(c, NS_S, "sheets"))
			continue;
		for (xmlNodePtr s = c->children; s; s = s->next) {
			xmlChar *name, *id = NULL;

			if (!is(s, NS_S, "sheet") || d->ngone == MAX_SHEETS)
				continue;
			for (xmlAttrPtr a = s->properties; a; a = a->next)
				if (attr_ns(a) == NS_R && strcmp((const char *)a->name, "id") == 0)
					id = xmlNodeGetContent((xmlNodePtr)a);
			name = xmlGetProp(s, (const xmlChar *)"name");
			if (name && !mg_rels_kept(d->rels, (const char *)id))
				d->gone_sheets[d->ngone++] = strdup((const char *)name);
			xmlFree(name);
			xmlFree(id);
		}
	}
}

/* ---- the element rules ---- */

enum verdict { KEEP, DROP, UNWRAP };

static bool action_safe(const char *action)
{
	static const char *const ok[] = { "ppaction://hlinkshowjump", "ppaction://hlinksldjump",
		                          "ppaction://noaction", "ppaction://customshow" };

	if (!action || !*action)
		return true;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strncasecmp(action, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

static enum verdict drop_because(const char **why, const char *reason)
{
	*why = reason;
	return DROP;
}

/* What is removed whatever it refers to. */
static enum verdict element_rule(struct disarm *d, xmlNodePtr n, const char **why)
{
	xmlChar *v;
	bool bad;

	switch (ns_of(n)) {
	case NS_W:
		if (is(n, NS_W, "object"))
			return drop_because(why, "embedded OLE object");
		if (is(n, NS_W, "control"))
			return drop_because(why, "ActiveX control");
		if (is(n, NS_W, "entryMacro") || is(n, NS_W, "exitMacro"))
			return drop_because(why, "form field macro");
		if (is(n, NS_W, "mailMerge"))
			return drop_because(why, "mail merge data source");
		if (is(n, NS_W, "attachedTemplate"))
			return drop_because(why, "attached template");
		if (is(n, NS_W, "subDoc") || is(n, NS_W, "altChunk"))
			return drop_because(why, "linked or embedded document");
		if (is(n, NS_W, "fldSimple")) {
			v = xmlGetProp(n, (const xmlChar *)"instr");
			bad = !v || !mg_field_is_display((const char *)v);
			if (bad)
				report_field(d, v ? (const char *)v : "");
			xmlFree(v);
			if (!bad)
				return KEEP;
			*why = FIELD_CODE;
			return UNWRAP;
		}
		break;
	case NS_O:
		if (is(n, NS_O, "OLEObject"))
			return drop_because(why, "embedded OLE object");
		break;
	case NS_P:
		if (is(n, NS_P, "graphicFrame") &&
		    (has_descendant(n, NS_P, "oleObj") || has_descendant(n, NS_P, "control")))
			return drop_because(why, "embedded OLE object or control");
		if (is(n, NS_P, "oleObj") || is(n, NS_P, "controls") || is(n, NS_P, "control"))
			return drop_because(why, "embedded OLE object or control");
		break;
	case NS_S:
		if (is(n, NS_S, "oleObjects") || is(n, NS_S, "controls"))
			return drop_because(why, "embedded OLE object or control");
		if (is(n, NS_S, "externalReferences"))
			return drop_because(why, "external workbook link");
		if (is(n, NS_S, "definedName") && defined_name_risky(d, n))
			return drop_because(why, "auto-run or external name");
		if (is(n, NS_S, "f") && cell_formula_risky(n))
			return drop_because(why, "formula calling DDE, code or the network (cached value kept)");
		break;
	case NS_A:
		if (is(n, NS_A, "ext") && has_descendant(n, NS_ASVG, "svgBlip"))
			return drop_because(why, SVG_PICTURE);
		if (is(n, NS_A, "ext") && (v = xmlGetProp(n, (const xmlChar *)"uri"))) {
			bad = strcasecmp((const char *)v, SVG_BLIP_EXT) == 0;
			xmlFree(v);
			if (bad)
				return drop_because(why, SVG_PICTURE);
		}
		if (is(n, NS_A, "hlinkClick") || is(n, NS_A, "hlinkHover") ||
		    is(n, NS_A, "hlinkMouseOver")) {
			v = xmlGetProp(n, (const xmlChar *)"action");
			bad = !action_safe((const char *)v);
			xmlFree(v);
			if (bad)
				return drop_because(why, "action that starts a program, macro or object");
		}
		break;
	case NS_X:
		if (is(n, NS_X, "FmlaMacro"))
			return drop_because(why, "macro binding");
		break;
	case NS_ASVG:
		if (is(n, NS_ASVG, "svgBlip"))
			return drop_because(why, SVG_PICTURE);
		break;
	default:
		break;
	}
	return KEEP;
}

/* References to relationships that were not kept: the reference goes (a
 * picture keeps its frame, a hyperlink its text), or the element. */
static enum verdict rel_rule(struct disarm *d, xmlNodePtr n, const char **why)
{
	bool attr_only = is(n, NS_A, "blip") || is(n, NS_V, "imagedata") || is(n, NS_V, "fill") ||
	                 is(n, NS_W, "hyperlink") || is(n, NS_S, "pageSetup");
	xmlAttrPtr a, next;

	for (a = n->properties; a; a = next) {
		enum ns ans = attr_ns(a);
		xmlChar *val;
		bool gone;

		next = a->next;
		if (ans != NS_R && !(ans == NS_O && strcmp((const char *)a->name, "relid") == 0))
			continue;
		val = xmlNodeGetContent((xmlNodePtr)a);
		gone = val && *val && !mg_rels_kept(d->rels, (const char *)val);
		xmlFree(val);
		if (!gone)
			continue;
		*why = "reference to a relationship that was removed";
		if (!attr_only)
			return DROP;
		note(d, n, *why);
		xmlRemoveProp(a);
	}
	return KEEP;
}

/* VML can point at the network on its own (href, src). */
static void strip_vml_links(struct disarm *d, xmlNodePtr n)
{
	xmlAttrPtr a, next;

	if (ns_of(n) != NS_V && ns_of(n) != NS_O)
		return;
	for (a = n->properties; a; a = next) {
		next = a->next;
		if (strcmp((const char *)a->name, "href") == 0 || strcmp((const char *)a->name, "src") == 0) {
			note(d, n, "VML link attribute");
			xmlRemoveProp(a);
		}
	}
}

static bool empty_container(const xmlNode *n)
{
	return (is(n, NS_S, "hyperlinks") || is(n, NS_S, "definedNames") ||
	        is(n, NS_P, "custDataLst") || is(n, NS_A, "extLst")) &&
	       !has_element_child(n);
}

static void walk(struct disarm *d, xmlNodePtr n)
{
	xmlNodePtr c, next;
	const char *why = NULL;

	for (c = n->children; c; c = next) {
		enum verdict v;

		next = c->next;
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		v = element_rule(d, c, &why);
		if (v == KEEP)
			v = rel_rule(d, c, &why);
		if (v == DROP) {
			drop(d, c, why);
			continue;
		}
		strip_vml_links(d, c);
		walk(d, c);
		if (v == UNWRAP)
			unwrap(d, c, why);
		else if (empty_container(c))
			drop(d, c, EMPTIED);
	}
}

static void report_tally(struct disarm *d)
{
	for (unsigned i = 0; i < d->ntally; i++) {
		if (d->tally[i].why == EMPTIED || d->tally[i].why == FIELD_CODE)
			continue; /* the container's content, or the field, was reported */
		mg_report_removed(d->ctx, d->tally[i].what, "%s in %s (%u)", d->tally[i].why, d->part,
		                  d->tally[i].n);
	}
}

mg_status mg_ooxml_disarm(mg_ctx *ctx, const char *part, xmlDocPtr doc, const mg_rels *rels)
{
	struct disarm d = { .ctx = ctx, .part = part, .rels = rels };
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr c, next;
	mg_status st = MG_OK;

	if (!root)
		return mg_fail(ctx, MG_E_MALFORMED, "%s: empty XML part", part);
	/* comments and processing instructions around the root element */
	for (c = doc->children; c; c = next) {
		next = c->next;
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	if (is(root, NS_S, "workbook"))
		collect_gone_sheets(&d, root);
	if (ns_of(root) == NS_W || has_descendant(root, NS_W, "fldChar"))
		st = disarm_complex_fields(&d, root);
	if (st == MG_OK) {
		const char *why = NULL;

		if (rel_rule(&d, root, &why) == DROP)
			st = mg_fail(ctx, MG_E_MALFORMED, "%s: root element refers to a removed part", part);
		else
			walk(&d, root);
	}
	report_tally(&d);
	for (unsigned i = 0; i < d.ngone; i++)
		free(d.gone_sheets[i]);
	return st;
}

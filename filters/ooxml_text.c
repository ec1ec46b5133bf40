/*
 * ooxml_text.c - the text of an OOXML document, for the `text` action.
 *
 * Word: the paragraphs of the main document, then footnotes, endnotes and
 * comments; field codes are skipped and their shown results kept.  Excel:
 * each sheet in workbook order, a line per row, cells separated by tabs,
 * shared strings resolved.  PowerPoint: each slide in presentation order,
 * a line per paragraph.  Only parts the package walk carried are read.
 */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_opc.h"

#define NS_MC "http://schemas.openxmlformats.org/markup-compatibility/2006"

struct text {
	mg_ctx *ctx;
	mg_opc *opc;
	mg_buf *out;
	bool full;             /* the output reached max_output */
	char **strings;        /* Excel shared strings */
	size_t nstrings;
};

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static bool is_fallback(const xmlNode *n)
{
	return named(n, "Fallback") && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, NS_MC) == 0;
}

static void put(struct text *t, const char *s)
{
	if (!t->full && mg_buf_puts(t->out, s) < 0)
		t->full = true;
}

static void put_content(struct text *t, xmlNodePtr n)
{
	xmlChar *s = xmlNodeGetContent(n);

	if (s)
		put(t, (const char *)s);
	xmlFree(s);
}

static xmlDocPtr load(struct text *t, mg_opc_part *p)
{
	const char *why;
	xmlDocPtr doc;

	if (!p || p->kind != OPC_XML || !p->reached)
		return NULL;
	doc = mg_xml_parse(p->src->data, p->src->len, &why);
	if (!doc)
		mg_fail(t->ctx, MG_E_MALFORMED, "%s: %s", p->src->name, why);
	return doc;
}

/* The first carried part a relationship of that type leads to. */
static mg_opc_part *follow_type(mg_opc *opc, mg_opc_part *from, const char *type)
{
	for (size_t i = 0; i < from->rels.n; i++) {
		const mg_rel *r = &from->rels.v[i];

		if (r->keep && strcasecmp(mg_opc_short_type(r->type), type) == 0)
			return mg_opc_find(opc, r->part);
	}
	return NULL;
}

static xmlChar *rel_id(xmlNodePtr n)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, "id") == 0 && a->ns && a->ns->href &&
		    strstr((const char *)a->ns->href, "relationships"))
			return xmlNodeGetContent((xmlNodePtr)a);
	return NULL;
}

/* ---- Word ---- */

static void word_walk(struct text *t, xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c && !t->full; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is_fallback(c))
			continue;
		if (named(c, "t"))
			put_content(t, c);
		else if (named(c, "tab"))
			put(t, "\t");
		else if (named(c, "br") || named(c, "cr"))
			put(t, "\n");
		else if (named(c, "instrText") || named(c, "delText") || named(c, "instr"))
			continue;
		else {
			word_walk(t, c);
			if (named(c, "p"))
				put(t, "\n");
		}
	}
}

static void word_part(struct text *t, mg_opc_part *p)
{
	xmlDocPtr doc = load(t, p);

	if (!doc)
		return;
	word_walk(t, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
}

static void word_text(struct text *t)
{
	static const char *const extra[] = { "footnotes", "endnotes", "comments" };
	mg_opc_part *main = t->opc->main;

	word_part(t, main);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		word_part(t, follow_type(t->opc, main, extra[i]));
}

/* ---- Excel ---- */

/* A rich or plain string: its runs' text, without phonetic guides. */
static void string_walk(mg_buf *b, xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || named(c, "rPh"))
			continue;
		if (named(c, "t")) {
			xmlChar *s = xmlNodeGetContent(c);

			if (s)
				(void)mg_buf_puts(b, (const char *)s);
			xmlFree(s);
		} else {
			string_walk(b, c);
		}
	}
}

static void shared_strings(struct text *t, mg_opc_part *p)
{
	xmlDocPtr doc = load(t, p);
	xmlNodePtr root;
	size_t n = 0;

	if (!doc)
		return;
	root = xmlDocGetRootElement(doc);
	n = xmlChildElementCount(root);
	t->strings = calloc(n + 1, sizeof(*t->strings));
	for (xmlNodePtr c = root->children; c && t->strings; c = c->next) {
		mg_buf b;

		if (!named(c, "si") || t->nstrings == n)
			continue;
		mg_buf_init(&b, t->out->max);
		string_walk(&b, c);
		t->strings[t->nstrings++] = b.data ? (char *)mg_buf_steal(&b, &b.len) : strdup("");
		mg_buf_free(&b);
	}
	xmlFreeDoc(doc);
}

static void cell_text(struct text *t, xmlNodePtr c)
{
	xmlChar *type = xmlGetProp(c, (const xmlChar *)"t");

	for (xmlNodePtr v = c->children; v; v = v->next) {
		if (type && strcmp((const char *)type, "inlineStr") == 0 && named(v, "is")) {
			mg_buf b;

			mg_buf_init(&b, t->out->max);
			string_walk(&b, v);
			put(t, b.data ? (const char *)b.data : "");
			mg_buf_free(&b);
		} else if (named(v, "v")) {
			xmlChar *s = xmlNodeGetContent(v);

			if (s && type && strcmp((const char *)type, "s") == 0) {
				char *end;
				unsigned long i = strtoul((const char *)s, &end, 10);

				if (*end == 0 && end != (char *)s && i < t->nstrings)
					put(t, t->strings[i]);
			} else if (s) {
				put(t, (const char *)s);
			}
			xmlFree(s);
		}
	}
	xmlFree(type);
}

static void sheet_text(struct text *t, mg_opc_part *p, const char *name)
{
	xmlDocPtr doc = load(t, p);
	xmlNodePtr root;

	if (!doc)
		return;
	put(t, "[");
	put(t, name ? name : "");
	put(t, "]\n");
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr sd = root->children; sd; sd = sd->next) {
		if (!named(sd, "sheetData"))
			continue;
		for (xmlNodePtr row = sd->children; row && !t->full; row = row->next) {
			bool first = true;

			if (!named(row, "row"))
				continue;
			for (xmlNodePtr c = row->children; c; c = c->next) {
				if (!named(c, "c"))
					continue;
				if (!first)
					put(t, "\t");
				first = false;
				cell_text(t, c);
			}
			put(t, "\n");
		}
	}
	put(t, "\n");
	xmlFreeDoc(doc);
}

static void excel_text(struct text *t)
{
	xmlDocPtr doc;
	xmlNodePtr root;

	shared_strings(t, follow_type(t->opc, t->opc->main, "sharedStrings"));
	if (!(doc = load(t, t->opc->main)))
		return;
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr ss = root->children; ss; ss = ss->next) {
		if (!named(ss, "sheets"))
			continue;
		for (xmlNodePtr s = ss->children; s && !t->full; s = s->next) {
			xmlChar *id, *name;

			if (!named(s, "sheet"))
				continue;
			id = rel_id(s);
			name = xmlGetProp(s, (const xmlChar *)"name");
			sheet_text(t, mg_opc_follow(t->opc, t->opc->main, (const char *)id),
			           (const char *)name);
			xmlFree(id);
			xmlFree(name);
		}
	}
	xmlFreeDoc(doc);
}

/* ---- PowerPoint ---- */

static void slide_walk(struct text *t, xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c && !t->full; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is_fallback(c))
			continue;
		if (named(c, "t"))
			put_content(t, c);
		else if (named(c, "br"))
			put(t, "\n");
		else {
			slide_walk(t, c);
			if (named(c, "p"))
				put(t, "\n");
		}
	}
}

static void powerpoint_text(struct text *t)
{
	xmlDocPtr doc = load(t, t->opc->main), slide;
	xmlNodePtr root;

	if (!doc)
		return;
	root = xmlDocGetRootElement(doc);
	for (xmlNodePtr lst = root->children; lst; lst = lst->next) {
		if (!named(lst, "sldIdLst"))
			continue;
		for (xmlNodePtr s = lst->children; s && !t->full; s = s->next) {
			xmlChar *id;

			if (!named(s, "sldId"))
				continue;
			id = rel_id(s);
			slide = load(t, mg_opc_follow(t->opc, t->opc->main, (const char *)id));
			xmlFree(id);
			if (!slide)
				continue;
			slide_walk(t, xmlDocGetRootElement(slide));
			put(t, "\n");
			xmlFreeDoc(slide);
		}
	}
	xmlFreeDoc(doc);
}

mg_status mg_ooxml_text(mg_ctx *ctx, mg_opc *opc, mg_buf *out)
{
	struct text t = { .ctx = ctx, .opc = opc, .out = out };

	if (opc->kind->app == 'w')
		word_text(&t);
	else if (opc->kind->app == 'x')
		excel_text(&t);
	else
		powerpoint_text(&t);
	for (size_t i = 0; i < t.nstrings; i++)
		free(t.strings[i]);
	free(t.strings);
	if (t.full)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
	if (!out->data && mg_buf_append(out, "", 0) < 0)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	return ctx->status;
}

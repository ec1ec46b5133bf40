/*
 * xml.c - the "xml" family: the document's text, never XML.
 *
 * libxml2 parses without network, without loading a DTD and without
 * substituting entities (an entity reference yields nothing, so neither
 * an outside file nor an entity bomb reaches the output).  Each text run
 * becomes one line; attributes, comments and processing instructions are
 * not text and go, which takes SpreadsheetML's ss:Formula (DDE) with them.
 * The lines then pass the text normaliser's formula defanging.
 */
#include <limits.h>
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "charset.h"
#include "text.h"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
                     XML_PARSE_NOCDATA)
#define DEADLINE_EVERY 1024

/* One line per text run, whitespace collapsed. */
static int put_text(mg_buf *out, const char *s)
{
	bool space = false, any = false;

	for (; *s; s++) {
		if (g_ascii_isspace(*s)) {
			space = any;
			continue;
		}
		if ((space && mg_buf_putc(out, ' ') < 0) || mg_buf_putc(out, *s) < 0)
			return -1;
		space = false;
		any = true;
	}
	return any ? mg_buf_putc(out, '\n') : 0;
}

static mg_status collect(mg_ctx *ctx, const xmlNode *root, mg_buf *out, unsigned *skipped)
{
	const xmlNode *n = root;
	unsigned long seen = 0;

	while (n) {
		bool descend = n->type == XML_ELEMENT_NODE || n->type == XML_DOCUMENT_NODE;

		if (++seen % DEADLINE_EVERY == 0 && mg_check_deadline(ctx) != MG_OK)
			return ctx->status;
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
		    put_text(out, (const char *)n->content) < 0)
			return mg_fail(ctx, MG_E_LIMIT_SIZE, "text of the XML larger than max_output");
		if (n->type == XML_ENTITY_REF_NODE)
			(*skipped)++;
		if (descend && n->children) {
			n = n->children;
			continue;
		}
		while (n) {
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

static mg_status xml_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	xmlDocPtr doc = NULL;
	mg_buf text;
	unsigned skipped = 0, defanged = 0;
	size_t removed;
	mg_status st = MG_OK;

	mg_buf_init(&text, out->data.max);
	if (!pc) {
		st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
		goto done;
	}
	if (item->len > INT_MAX) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "XML of %zu bytes is too large to parse", item->len);
		goto done;
	}
	doc = xmlCtxtReadMemory(pc, (const char *)item->data, (int)item->len, NULL, NULL,
	                        XML_OPTIONS);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(pc);

		st = mg_fail(ctx, MG_E_MALFORMED, "XML parser: %s",
		             e && e->message ? g_strchomp(e->message) : "not well-formed");
		goto done;
	}
	st = collect(ctx, (const xmlNode *)doc, &text, &skipped);
	if (st != MG_OK)
		goto done;
	if (skipped)
		mg_report_removed(ctx, "XML entity references", "%u references not expanded", skipped);
	removed = mg_utf8_clean(&text);
	if (removed)
		mg_report_removed(ctx, "control characters", "%zu", removed);
	if (ctx->policy->defang_formulas
	            ? mg_text_defang(text.data, text.len, MG_TEXT_LINES, &out->data, &defanged) < 0
	            : text.len && mg_buf_append(&out->data, text.data, text.len) < 0) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text of the XML larger than max_output");
		goto done;
	}
	mg_report_action(ctx, "XML converted to text (markup, attributes and comments dropped)");
	if (defanged)
		mg_report_action(ctx, "defanged %u spreadsheet formula lines with a leading '", defanged);
	mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
done:
	if (doc)
		xmlFreeDoc(doc);
	if (pc)
		xmlFreeParserCtxt(pc);
	mg_buf_free(&text);
	return st;
}

const mg_filter mg_filter_xml = {
	.family = MG_FAM_XML,
	.name = "xml",
	.actions = 1u << MG_ACT_TEXT,
	.default_action = MG_ACT_TEXT,
	.run = xml_run,
};

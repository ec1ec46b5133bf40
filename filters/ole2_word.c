/*
 * ole2_word.c - the text of a Word 97-2003 document (.doc) from its piece
 * table, per [MS-DOC].
 *
 * The FIB at the start of the WordDocument stream says whether the file is
 * encrypted or obfuscated (then it is blocked as encrypted), which table
 * stream holds the Clx, and how many characters the main text has.  The
 * Clx's piece table maps character positions to runs of 8-bit
 * (Windows-1252) or UTF-16 text in the WordDocument stream.  Field codes
 * (between 0x13 and 0x14) are left out, field results kept; codes that
 * are not display fields are reported.
 */
#include <stdio.h>
#include <string.h>

#include "ole2_int.h"

#define FIB_MAGIC 0xA5EC
#define F_ENCRYPTED 0x0100
#define F_WHICH_TABLE 0x0200
#define F_OBFUSCATED 0x8000
#define CLX_INDEX 33           /* fcClx in FibRgFcLcb97 */
#define MAX_FIELD_DEPTH 32
#define MAX_CODE 64

struct field {
	bool in_result;
	char code[MAX_CODE];
	size_t len;
};

struct word {
	mg_ole *o;
	const unsigned char *doc, *table;
	size_t doclen, tablelen;
	uint32_t ccp_text;
	uint32_t fc_clx, lcb_clx;
	struct field fields[MAX_FIELD_DEPTH];
	unsigned depth, hidden;      /* open fields, of which in their code */
	unsigned objects;            /* object and picture anchors met */
};

static mg_status read_fib(struct word *w, bool *which_table)
{
	const unsigned char *p = mg_view(w->doc, w->doclen, 0, 34);
	size_t pos;
	uint16_t csw, cslw, cb;
	mg_ctx *ctx = w->o->ctx;

	if (!p || mg_le16(p) != FIB_MAGIC)
		return mg_fail(ctx, MG_E_MALFORMED, "WordDocument stream without a Word FIB");
	if (mg_le16(p + 10) & (F_ENCRYPTED | F_OBFUSCATED))
		return mg_fail(ctx, MG_E_ENCRYPTED, "encrypted Word document");
	*which_table = (mg_le16(p + 10) & F_WHICH_TABLE) != 0;
	csw = mg_le16(p + 32);
	pos = 34 + (size_t)csw * 2;
	if (!(p = mg_view(w->doc, w->doclen, pos, 2)))
		goto old;
	cslw = mg_le16(p);
	if (cslw < 4 || !(p = mg_view(w->doc, w->doclen, pos + 2, (size_t)cslw * 4)))
		goto old;
	w->ccp_text = mg_le32(p + 12);
	pos += 2 + (size_t)cslw * 4;
	if (!(p = mg_view(w->doc, w->doclen, pos, 2)))
		goto old;
	cb = mg_le16(p);
	if (cb <= CLX_INDEX || !(p = mg_view(w->doc, w->doclen, pos + 2 + CLX_INDEX * 8, 8)))
		goto old;
	w->fc_clx = mg_le32(p);
	w->lcb_clx = mg_le32(p + 4);
	return MG_OK;
old:
	return mg_fail(ctx, MG_E_TYPE_BLOCKED, "Word document older than Word 97 is not supported");
}

/* ---- characters ---- */

static void field_code_char(struct word *w, uint32_t c)
{
	struct field *f = &w->fields[w->depth - 1];

	if (f->len + 1 < MAX_CODE && c >= 0x20 && c < 0x7F)
		f->code[f->len++] = (char)c;
	f->code[f->len] = 0;
}

static void field_settle(struct word *w, struct field *f)
{
	if (!mg_field_is_display(f->code))
		mg_report_removed(w->o->ctx, f->code[0] ? f->code : "(empty field code)",
		                  "field code (only its shown result is in the text)");
}

static void field_char(struct word *w, uint32_t c)
{
	if (c == 0x13) {
		if (w->depth == MAX_FIELD_DEPTH)
			return;
		memset(&w->fields[w->depth], 0, sizeof(w->fields[0]));
		w->depth++;
		w->hidden++;
	} else if (c == 0x14 && w->depth && !w->fields[w->depth - 1].in_result) {
		w->fields[w->depth - 1].in_result = true;
		w->hidden--;
		field_settle(w, &w->fields[w->depth - 1]);
	} else if (c == 0x15 && w->depth) {
		struct field *f = &w->fields[--w->depth];

		if (!f->in_result) {
			w->hidden--;
			field_settle(w, f);
		}
	}
}

static void put_char(struct word *w, uint32_t c)
{
	if (c == 0x13 || c == 0x14 || c == 0x15) {
		field_char(w, c);
		return;
	}
	if (w->hidden) {
		if (w->depth && !w->fields[w->depth - 1].in_result)
			field_code_char(w, c);
		return;
	}
	switch (c) {
	case 0x07: /* end of a table cell or row */
		mg_ole_putc(w->o, '\t');
		break;
	case 0x1E: /* non-breaking hyphen */
		mg_ole_putc(w->o, '-');
		break;
	case 0x01: /* picture or embedded object anchor */
	case 0x08: /* drawn object anchor */
		w->objects++;
		break;
	case 0x1F: /* optional hyphen */
		break;
	default:
		mg_ole_putc(w->o, c);
	}
}

/* One piece: n characters at the FcCompressed position fc. */
static mg_status piece(struct word *w, uint32_t fc, uint32_t n)
{
	bool compressed = (fc & 0x40000000u) != 0;
	size_t off = compressed ? (fc & 0x3FFFFFFFu) / 2 : (fc & 0x3FFFFFFFu);
	size_t width = compressed ? 1 : 2;
	const unsigned char *p = mg_view(w->doc, w->doclen, off, (size_t)n * width);

	if (!p)
		return mg_fail(w->o->ctx, MG_E_MALFORMED, "text piece outside the WordDocument stream");
	for (uint32_t i = 0; i < n && !w->o->full; i++) {
		if (compressed) {
			put_char(w, mg_ole_cp1252(p[i]));
		} else {
			uint16_t u = mg_le16(p + 2 * i);

			if (u >= 0xD800 && u <= 0xDFFF && !w->hidden)
				mg_ole_put16(w->o, u);
			else
				put_char(w, u);
		}
	}
	return MG_OK;
}

/* The Clx: Prc entries (skipped) then the Pcdt with the piece table. */
static mg_status piece_table(struct word *w, const unsigned char **plc, size_t *len)
{
	const unsigned char *clx = mg_view(w->table, w->tablelen, w->fc_clx, w->lcb_clx);
	size_t pos = 0;
	mg_ctx *ctx = w->o->ctx;

	if (!clx)
		return mg_fail(ctx, MG_E_MALFORMED, "piece table outside the table stream");
	while (pos < w->lcb_clx) {
		const unsigned char *p;

		if (clx[pos] == 0x01 && (p = mg_view(clx, w->lcb_clx, pos + 1, 2)) &&
		    (int16_t)mg_le16(p) >= 0) {
			pos += 3 + mg_le16(p);
		} else if (clx[pos] == 0x02 && (p = mg_view(clx, w->lcb_clx, pos + 1, 4)) &&
		           (*plc = mg_view(clx, w->lcb_clx, pos + 5, mg_le32(p)))) {
			*len = mg_le32(p);
			return MG_OK;
		} else {
			break;
		}
	}
	return mg_fail(ctx, MG_E_MALFORMED, "Word piece table cannot be read");
}

static mg_status main_text(struct word *w)
{
	const unsigned char *plc = NULL;
	size_t len = 0, n;
	mg_status st = piece_table(w, &plc, &len);

	if (st != MG_OK)
		return st;
	if (len < 4 || (len - 4) % 12 != 0)
		return mg_fail(w->o->ctx, MG_E_MALFORMED, "Word piece table of %zu bytes", len);
	n = (len - 4) / 12;
	for (size_t i = 0; i < n && st == MG_OK && !w->o->full; i++) {
		uint32_t start = mg_le32(plc + 4 * i), end = mg_le32(plc + 4 * (i + 1));
		uint32_t fc = mg_le32(plc + 4 * (n + 1) + 8 * i + 2);

		if (end < start)
			return mg_fail(w->o->ctx, MG_E_MALFORMED, "Word piece table out of order");
		if (start >= w->ccp_text)
			break;
		if (end > w->ccp_text)
			end = w->ccp_text;
		st = piece(w, fc, end - start);
		if (st == MG_OK && (i & 255) == 255)
			st = mg_check_deadline(w->o->ctx);
	}
	return st;
}

mg_status mg_ole_word(mg_ole *o)
{
	struct word w = { .o = o };
	unsigned char *doc, *table = NULL;
	bool which = false;
	mg_status st = MG_OK;

	doc = mg_ole_stream(o, "WordDocument", &w.doclen, &st);
	if (!doc)
		return st != MG_OK ? st : mg_fail(o->ctx, MG_E_MALFORMED, "no WordDocument stream");
	w.doc = doc;
	if ((st = read_fib(&w, &which)) != MG_OK)
		goto done;
	table = mg_ole_stream(o, which ? "1Table" : "0Table", &w.tablelen, &st);
	if (!table) {
		st = st != MG_OK ? st : mg_fail(o->ctx, MG_E_MALFORMED, "Word table stream missing");
		goto done;
	}
	w.table = table;
	st = main_text(&w);
	if (st == MG_OK && w.objects)
		mg_report_removed(o->ctx, "pictures and objects",
		                  "%u anchored in the text (not carried into text)", w.objects);
done:
	g_free(doc);
	g_free(table);
	return st;
}

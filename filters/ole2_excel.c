/*
 * ole2_excel.c - the text of an Excel 97-2003 workbook (BIFF8), per
 * [MS-XLS].
 *
 * The Workbook stream is a flat sequence of records (type, length, data).
 * The globals give the sheet list (BOUNDSHEET8: a macro sheet there is an
 * Excel 4 macro sheet and is reported, never read), the shared strings
 * (SST, continued over CONTINUE records with a fresh flags byte at each
 * break inside a string), FILEPASS (encrypted: blocked) and built-in
 * Auto_Open names.  Each worksheet's cells (LABELSST, LABEL, NUMBER, RK,
 * MULRK, FORMULA results) become tab-separated lines, one per row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ole2_int.h"

enum {
	R_FORMULA = 0x0006, R_EOF = 0x000A, R_NAME = 0x0018, R_FILEPASS = 0x002F,
	R_CONTINUE = 0x003C, R_BOUNDSHEET = 0x0085, R_MULRK = 0x00BD, R_SST = 0x00FC,
	R_LABELSST = 0x00FD, R_NUMBER = 0x0203, R_LABEL = 0x0204, R_STRING = 0x0207,
	R_RK = 0x027E, R_BOF = 0x0809,
};

enum { DT_GLOBALS = 0x0005, DT_SHEET = 0x0010, DT_MACRO = 0x0040 };

#define MAX_SHEETS 4096
#define MAX_SEGMENTS 65536

struct sheet {
	uint32_t pos;          /* of its BOF in the stream */
	char name[100];
	unsigned char type;    /* 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module */
};

/* The SST and its CONTINUE records, read as one string of bytes. */
struct segments {
	const unsigned char *data[MAX_SEGMENTS];
	size_t len[MAX_SEGMENTS];
	size_t n, cur, pos;
};

struct excel {
	mg_ole *o;
	const unsigned char *s;
	size_t len;
	struct sheet *sheets;
	size_t nsheets;
	char **sst;
	size_t nsst;
	unsigned substream;       /* type of the BOF we are in */
	long row;                 /* last row written, -1 at a sheet's start */
	bool string_pending;      /* a FORMULA announced a STRING record */
};

/* ---- strings ---- */

static int seg_byte(struct segments *g)
{
	while (g->cur < g->n && g->pos >= g->len[g->cur]) {
		g->cur++;
		g->pos = 0;
	}
	return g->cur < g->n ? g->data[g->cur][g->pos++] : -1;
}

static long seg_int(struct segments *g, int bytes)
{
	long v = 0;

	for (int i = 0; i < bytes; i++) {
		int b = seg_byte(g);

		if (b < 0)
			return -1;
		v |= (long)b << (8 * i);
	}
	return v;
}

/* cch characters, 8- or 16-bit; at a record break the next record starts
 * with a new flags byte for the rest of the characters. */
static int seg_chars(struct segments *g, long cch, bool wide, mg_buf *out)
{
	for (long i = 0; i < cch; i++) {
		long c;
		char tmp[8];

		if (g->cur < g->n && g->pos >= g->len[g->cur] && g->cur + 1 < g->n) {
			g->cur++;
			g->pos = 0;
			if ((c = seg_byte(g)) < 0)
				return -1;
			wide = (c & 1) != 0;
		}
		if ((c = seg_int(g, wide ? 2 : 1)) < 0)
			return -1;
		if (c < 0x20 && c != '\t' && c != '\n')
			c = ' ';
		if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		if (mg_buf_append(out, tmp, (size_t)g_unichar_to_utf8((gunichar)c, tmp)) < 0)
			return -1;
	}
	return 0;
}

static int seg_skip(struct segments *g, long n)
{
	for (long i = 0; i < n; i++)
		if (seg_byte(g) < 0)
			return -1;
	return 0;
}

/* One XLUnicodeRichExtendedString as UTF-8 (malloc'd), NULL at the end. */
static char *sst_string(struct segments *g, size_t max)
{
	long cch = seg_int(g, 2), flags = seg_int(g, 1), runs = 0, ext = 0;
	mg_buf b;

	if (cch < 0 || flags < 0)
		return NULL;
	if ((flags & 0x08) && (runs = seg_int(g, 2)) < 0)
		return NULL;
	if ((flags & 0x04) && (ext = seg_int(g, 4)) < 0)
		return NULL;
	mg_buf_init(&b, max);
	if (seg_chars(g, cch, flags & 1, &b) < 0 || seg_skip(g, 4 * runs) < 0 ||
	    seg_skip(g, ext) < 0 || mg_buf_append(&b, "", 0) < 0) {
		mg_buf_free(&b);
		return NULL;
	}
	return (char *)mg_buf_steal(&b, &b.len);
}

static mg_status read_sst(struct excel *x, size_t pos, uint16_t len)
{
	struct segments *g = calloc(1, sizeof(*g));
	long unique;
	mg_status st = MG_OK;

	if (!g)
		return mg_fail(x->o->ctx, MG_E_INTERNAL, "out of memory");
	g->data[0] = x->s + pos + 4;
	g->len[0] = len;
	g->n = 1;
	for (size_t p = pos + 4 + len; g->n < MAX_SEGMENTS; g->n++) {
		const unsigned char *h = mg_view(x->s, x->len, p, 4);

		if (!h || mg_le16(h) != R_CONTINUE || !mg_view(x->s, x->len, p + 4, mg_le16(h + 2)))
			break;
		g->data[g->n] = h + 4;
		g->len[g->n] = mg_le16(h + 2);
		p += 4 + g->len[g->n];
	}
	(void)seg_int(g, 4); /* total count, not needed */
	unique = seg_int(g, 4);
	/* a string takes at least 3 bytes: the count cannot be larger */
	if (unique < 0 || (size_t)unique > x->len / 3 ||
	    !(x->sst = calloc((size_t)unique + 1, sizeof(*x->sst)))) {
		st = mg_fail(x->o->ctx, MG_E_MALFORMED, "shared string table cannot be read");
		goto done;
	}
	while (x->nsst < (size_t)unique && (x->sst[x->nsst] = sst_string(g, x->o->out->max)))
		x->nsst++;
done:
	free(g);
	return st;
}

/* A ShortXLUnicodeString (sheet names): cch byte, flags byte, chars. */
static void short_string(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t cch = len >= 1 ? p[0] : 0, o = 0;
	bool wide = len >= 2 && (p[1] & 1);

	for (size_t i = 0; i < cch && o + 5 < outlen; i++) {
		const unsigned char *c = mg_view(p, len, 2 + i * (wide ? 2 : 1), wide ? 2 : 1);
		uint32_t u;

		if (!c)
			break;
		u = wide ? mg_le16(c) : c[0];
		if (u < 0x20 || (u >= 0xD800 && u <= 0xDFFF))
			u = '?';
		o += (size_t)g_unichar_to_utf8(u, out + o);
	}
	out[o] = 0;
}

/* ---- cells ---- */

static void cell_start(struct excel *x, uint16_t row)
{
	if (x->row >= 0 && row != (uint16_t)x->row)
		mg_ole_putc(x->o, '\n');
	else if (x->row >= 0)
		mg_ole_putc(x->o, '\t');
	x->row = row;
}

static void put_number(struct excel *x, double v)
{
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%.15g", v);
	mg_ole_puts(x->o, tmp);
}

static double rk_value(uint32_t rk)
{
	double v;

	if (rk & 2) {
		v = (double)((int32_t)rk >> 2);
	} else {
		uint64_t bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;

		memcpy(&v, &bits, sizeof(v));
	}
	return rk & 1 ? v / 100 : v;
}

/* An XLUnicodeString (LABEL, STRING): cch u16, flags, chars; no breaks. */
static void unicode_string(struct excel *x, const unsigned char *p, size_t len)
{
	uint16_t cch = len >= 3 ? mg_le16(p) : 0;
	bool wide = len >= 3 && (p[2] & 1);

	for (size_t i = 0; i < cch; i++) {
		const unsigned char *c = mg_view(p, len, 3 + i * (wide ? 2 : 1), wide ? 2 : 1);

		if (!c)
			break;
		if (wide)
			mg_ole_put16(x->o, mg_le16(c));
		else
			mg_ole_putc(x->o, c[0]);
	}
}

static void cell_record(struct excel *x, uint16_t type, const unsigned char *d, uint16_t len)
{
	uint64_t bits;
	double v;

	if (len < 6)
		return;
	if (type == R_LABELSST && len >= 10) {
		uint32_t i = mg_le32(d + 6);

		cell_start(x, mg_le16(d));
		if (i < x->nsst)
			mg_ole_puts(x->o, x->sst[i]);
	} else if (type == R_LABEL) {
		cell_start(x, mg_le16(d));
		unicode_string(x, d + 6, len - 6u);
	} else if (type == R_NUMBER && len >= 14) {
		cell_start(x, mg_le16(d));
		memcpy(&bits, d + 6, 8);
		memcpy(&v, &bits, 8);
		put_number(x, v);
	} else if (type == R_RK && len >= 10) {
		cell_start(x, mg_le16(d));
		put_number(x, rk_value(mg_le32(d + 6)));
	} else if (type == R_MULRK) {
		for (size_t off = 4; off + 6 <= (size_t)len - 2; off += 6) {
			cell_start(x, mg_le16(d));
			put_number(x, rk_value(mg_le32(d + off + 2)));
		}
	} else if (type == R_FORMULA && len >= 14) {
		cell_start(x, mg_le16(d));
		if (mg_le16(d + 12) != 0xFFFF) {
			memcpy(&v, d + 6, 8);
			put_number(x, v);
		} else if (d[6] == 0) {
			x->string_pending = true; /* the value is in the next STRING */
		} else if (d[6] == 1) {
			mg_ole_puts(x->o, d[8] ? "TRUE" : "FALSE");
		}
	} else if (type == R_STRING && x->string_pending) {
		unicode_string(x, d, len);
	}
	if (type != R_FORMULA)
		x->string_pending = false;
}

/* ---- globals ---- */

static void boundsheet(struct excel *x, const unsigned char *d, uint16_t len)
{
	static const char *const kinds[] = { [1] = "Excel 4 macro sheet", [6] = "VBA module sheet" };
	struct sheet *s;

	if (len < 8 || x->nsheets == MAX_SHEETS)
		return;
	s = &x->sheets[x->nsheets++];
	s->pos = mg_le32(d);
	s->type = d[5];
	short_string(d + 6, len - 6u, s->name, sizeof(s->name));
	if (s->type < sizeof(kinds) / sizeof(kinds[0]) && kinds[s->type])
		mg_report_removed(x->o->ctx, s->name, "%s (not read)", kinds[s->type]);
}

static void name_record(struct excel *x, const unsigned char *d, uint16_t len)
{
	/* fBuiltin with the one-character name 0x01 is Auto_Open */
	if (len >= 16 && (mg_le16(d) & 0x0020) && d[3] >= 1 && d[15] == 0x01)
		mg_report_removed(x->o->ctx, "Auto_Open", "auto-run name of an Excel 4 macro");
}

static void begin_substream(struct excel *x, size_t pos, const unsigned char *d, uint16_t len)
{
	x->substream = len >= 4 ? mg_le16(d + 2) : 0;
	x->row = -1;
	if (x->substream == DT_MACRO) {
		bool listed = false;

		for (size_t i = 0; i < x->nsheets; i++)
			listed |= x->sheets[i].pos == pos && x->sheets[i].type == 1;
		if (!listed)
			mg_report_removed(x->o->ctx, "macro sheet", "Excel 4 macro sheet (not read)");
		return;
	}
	if (x->substream != DT_SHEET)
		return;
	for (size_t i = 0; i < x->nsheets; i++)
		if (x->sheets[i].pos == pos) {
			mg_ole_puts(x->o, "[");
			mg_ole_puts(x->o, x->sheets[i].name);
			mg_ole_puts(x->o, "]\n");
		}
}

static mg_status record(struct excel *x, size_t pos, uint16_t type, const unsigned char *d,
                        uint16_t len)
{
	if (type == R_BOF) {
		if (pos == 0 && (len < 4 || mg_le16(d) != 0x0600))
			return mg_fail(x->o->ctx, MG_E_TYPE_BLOCKED, "workbook older than BIFF8");
		begin_substream(x, pos, d, len);
	} else if (type == R_EOF) {
		if (x->substream == DT_SHEET)
			mg_ole_puts(x->o, x->row >= 0 ? "\n\n" : "\n");
		x->substream = 0;
	} else if (x->substream == DT_GLOBALS) {
		if (type == R_FILEPASS)
			return mg_fail(x->o->ctx, MG_E_ENCRYPTED, "encrypted Excel workbook (FILEPASS)");
		if (type == R_BOUNDSHEET)
			boundsheet(x, d, len);
		else if (type == R_NAME)
			name_record(x, d, len);
		else if (type == R_SST && !x->sst)
			return read_sst(x, pos, len);
	} else if (x->substream == DT_SHEET) {
		cell_record(x, type, d, len);
	}
	return MG_OK;
}

mg_status mg_ole_excel(mg_ole *o)
{
	struct excel x = { .o = o, .row = -1 };
	unsigned char *s;
	size_t pos = 0, count = 0;
	mg_status st = MG_OK;

	if (!(s = mg_ole_stream(o, "Workbook", &x.len, &st)))
		return st != MG_OK ? st : mg_fail(o->ctx, MG_E_MALFORMED, "no Workbook stream");
	x.s = s;
	if (!(x.sheets = calloc(MAX_SHEETS, sizeof(*x.sheets)))) {
		st = mg_fail(o->ctx, MG_E_INTERNAL, "out of memory");
		goto done;
	}
	while (st == MG_OK && !o->full) {
		const unsigned char *h = mg_view(s, x.len, pos, 4), *d;

		if (!h)
			break;
		if (!(d = mg_view(s, x.len, pos + 4, mg_le16(h + 2)))) {
			st = mg_fail(o->ctx, MG_E_MALFORMED, "BIFF record at %zu runs past the stream", pos);
			break;
		}
		st = record(&x, pos, mg_le16(h), d, mg_le16(h + 2));
		pos += 4 + mg_le16(h + 2);
		if (st == MG_OK && (++count & 4095) == 0)
			st = mg_check_deadline(o->ctx);
	}
done:
	for (size_t i = 0; i < x.nsst; i++)
		free(x.sst[i]);
	free(x.sst);
	free(x.sheets);
	g_free(s);
	return st;
}

/*
 * text.c - the "text" family: plain text and CSV/TSV, normalised.
 *
 * Out comes UTF-8 (decoded as charset.c decides; UTF-16 without a byte
 * order mark recognised), without control characters other than tab and
 * newline, with one line ending throughout (CRLF when the input's first
 * line ended so, LF otherwise).  Delimited data - named .csv/.tsv, or of
 * that shape whatever its name (text_sniff.c) - has every cell a
 * spreadsheet would run as a formula defanged by a leading apostrophe and
 * gets a UTF-8 byte order mark, without which Japanese Excel reads UTF-8
 * as Shift_JIS.  Prose is left as it is (bullets, "+81-3-...", "-- "
 * signatures, "=== headings", "@mentions"), but for DDE formula lines.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <jansson.h>

#include "charset.h"
#include "text.h"

static bool is_trigger(unsigned char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@';
}

/* A plain number ("-5", "+3.25", "-1,5") is data, not a formula: left as
 * it is so that figures stay figures. */
static bool plain_number(const unsigned char *p, size_t n)
{
	size_t i = 1, digits = 0, seps = 0;

	if (n < 2 || (p[0] != '-' && p[0] != '+'))
		return false;
	for (; i < n; i++) {
		if (g_ascii_isdigit(p[i]))
			digits++;
		else if ((p[i] == '.' || p[i] == ',') && seps++ == 0 && digits > 0)
			continue;
		else
			return false;
	}
	return digits > 0 && g_ascii_isdigit(p[n - 1]);
}

/* The output is the input with apostrophes put in: the bytes since the
 * last one are copied in one run, when the next goes in or at the end. */
struct defang {
	const unsigned char *in;
	size_t len;
	mg_buf *out;
	size_t copied; /* in[0, copied) is in out */
	unsigned count;
	int err;
};

static void emit(struct defang *d, const void *p, size_t n)
{
	if (d->err == 0 && n > 0 && mg_buf_append(d->out, p, n) < 0)
		d->err = -1;
}

/* The cell's value starts at in[v] and runs to in[end] (quotes included
 * when quoted): an apostrophe goes in front of a trigger character. */
static void cell(struct defang *d, size_t start, size_t end)
{
	size_t v = start, value_end = end, at = start;

	while (v < end && (d->in[v] == ' ' || d->in[v] == '\t'))
		v++;
	if (v < end && d->in[v] == '"') {
		/* quoted: the apostrophe goes inside the quotes, where Excel keeps it */
		at = ++v;
		if (value_end > v && d->in[value_end - 1] == '"')
			value_end--;
	}
	if (v < end && is_trigger(d->in[v]) && !plain_number(d->in + v, value_end - v)) {
		emit(d, d->in + d->copied, at - d->copied);
		emit(d, "'", 1);
		d->copied = at;
		d->count++;
	}
}

/* The end of the cell starting at pos: a separator or line end outside
 * quotes (RFC 4180: "" inside quotes is a quote). */
static size_t cell_end(const unsigned char *in, size_t len, size_t pos, char sep)
{
	bool quoted = false;

	for (size_t i = pos; i < len; i++) {
		if (in[i] == '"')
			quoted = !quoted;
		else if (!quoted && (in[i] == (unsigned char)sep || in[i] == '\n'))
			return i;
	}
	return len;
}

int mg_text_defang(const unsigned char *in, size_t len, mg_text_kind kind, mg_buf *out,
                   unsigned *count)
{
	struct defang d = { in, len, out, 0, 0, 0 };
	char sep = kind == MG_TEXT_CSV ? ',' : kind == MG_TEXT_TSV ? '\t' : '\n';
	size_t pos = 0;

	while (pos < len && d.err == 0) {
		size_t end = kind == MG_TEXT_LINES ? pos : cell_end(in, len, pos, sep);

		if (kind == MG_TEXT_LINES) {
			const unsigned char *nl = memchr(in + pos, '\n', len - pos);

			end = nl ? (size_t)(nl - in) : len;
		}
		cell(&d, pos, end);
		pos = end + 1;
	}
	emit(&d, in + d.copied, len - d.copied);
	if (count)
		*count = d.count;
	return d.err;
}

/* The kind a name or declared type imposes: a spreadsheet parses a .csv
 * or .tsv as such whatever it holds.  MG_TEXT_LINES when they impose none
 * and the content decides. */
static mg_text_kind named_kind(const mg_item *item)
{
	const char *name = item->name, *dot = name ? strrchr(name, '.') : NULL;
	const char *type = item->declared_type ? item->declared_type : "";

	if ((dot && strcasecmp(dot, ".csv") == 0) ||
	    (!dot && g_ascii_strncasecmp(type, "text/csv", 8) == 0))
		return MG_TEXT_CSV;
	if ((dot && strcasecmp(dot, ".tsv") == 0) ||
	    (!dot && g_ascii_strncasecmp(type, "text/tab-separated-values", 25) == 0))
		return MG_TEXT_TSV;
	return MG_TEXT_LINES;
}

/* The kind of the decoded text, recorded in the report: delimited data
 * (by name or by the shape of its records) or prose. */
static mg_text_kind decide_kind(mg_ctx *ctx, const mg_item *item, const mg_buf *utf8)
{
	mg_text_kind kind = named_kind(item);
	mg_text_shape shape;
	bool shaped = mg_text_delimited(utf8->data, utf8->len, &shape);
	const char *by = "name";

	if (kind == MG_TEXT_LINES && shaped) {
		kind = shape.sep == '\t' ? MG_TEXT_TSV : MG_TEXT_CSV;
		by = "content";
	}
	if (kind == MG_TEXT_LINES) {
		json_object_set_new(ctx->report, "text", json_pack("{s:b}", "delimited", 0));
		mg_report_action(ctx, "treated as prose (no delimiter structure): lines left as "
		                 "they are");
		return kind;
	}
	if (!shaped || (shape.sep == '\t') != (kind == MG_TEXT_TSV))
		shape.columns = 0; /* named so, but not so shaped: cells split as named */
	json_object_set_new(ctx->report, "text",
	                    json_pack("{s:b,s:s,s:I,s:s}", "delimited", 1, "delimiter",
	                              kind == MG_TEXT_TSV ? "tab" : "comma", "columns",
	                              (json_int_t)shape.columns, "decided_by", by));
	mg_report_action(ctx, "treated as %s data (%u columns, decided by its %s)",
	                 kind == MG_TEXT_TSV ? "tab-separated" : "comma-separated", shape.columns,
	                 by);
	return kind;
}

/* The output type: delimited data keeps a .txt name (Excel's "Unicode
 * text" is a tab-separated .txt) and is otherwise .csv or .tsv. */
static void kind_type(const mg_item *item, mg_text_kind kind, const char **ext,
                      const char **mime)
{
	const char *dot = item->name ? strrchr(item->name, '.') : NULL;
	bool txt = dot && strcasecmp(dot, ".txt") == 0;

	*ext = "txt";
	*mime = "text/plain; charset=utf-8";
	if (kind == MG_TEXT_CSV) {
		*ext = txt ? "txt" : "csv";
		*mime = "text/csv; charset=utf-8";
	} else if (kind == MG_TEXT_TSV) {
		*ext = txt ? "txt" : "tsv";
		*mime = "text/tab-separated-values; charset=utf-8";
	}
}

/* A DDE formula ("=cmd|' /c calc'!A0"): an application, a topic after
 * '|' and an item after '!'.  Never prose, so defanged even there. */
static bool dde_line(const unsigned char *p, size_t n)
{
	const unsigned char *bar, *bang;
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || !is_trigger(p[i]))
		return false;
	bar = memchr(p + i, '|', n - i);
	bang = bar ? memchr(bar, '!', n - (size_t)(bar - p)) : NULL;
	return bang != NULL;
}

/* Prose passes as it is, but for DDE formula lines. */
static int defang_prose(const unsigned char *in, size_t len, mg_buf *out, unsigned *count)
{
	size_t pos = 0;

	*count = 0;
	while (pos < len) {
		const unsigned char *nl = memchr(in + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - in) + 1 : len;

		if (dde_line(in + pos, end - pos)) {
			if (mg_buf_append(out, "'", 1) < 0)
				return -1;
			(*count)++;
		}
		if (mg_buf_append(out, in + pos, end - pos) < 0)
			return -1;
		pos = end;
	}
	return 0;
}

/* The byte order mark of UTF-8, UTF-16 or UTF-32 text. */
static bool has_bom(const unsigned char *d, size_t len)
{
	return (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0) ||
	       (len >= 2 && (memcmp(d, "\xFF\xFE", 2) == 0 || memcmp(d, "\xFE\xFF", 2) == 0));
}

/* The charset parameter of a declared "text/csv; charset=..." type. */
static const char *declared_charset(const char *type, char *buf, size_t buflen)
{
	const char *p = type ? strcasestr(type, "charset=") : NULL;
	size_t n = 0;

	if (!p)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	while (p[n] && p[n] != '"' && p[n] != ';' && !g_ascii_isspace(p[n]) && n + 1 < buflen)
		n++;
	memcpy(buf, p, n);
	buf[n] = 0;
	return n ? buf : NULL;
}

static bool first_break_is_crlf(const unsigned char *d, size_t len)
{
	const unsigned char *nl = len ? memchr(d, '\n', len) : NULL;

	return nl && nl > d && nl[-1] == '\r';
}

static int put_lines(mg_buf *out, const mg_buf *text, bool crlf)
{
	const unsigned char *p = text->data, *end;

	if (!p || text->len == 0)
		return 0;
	end = p + text->len;
	if (!crlf)
		return text->len ? mg_buf_append(out, text->data, text->len) : 0;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (mg_buf_append(out, p, n) < 0 || (nl && mg_buf_append(out, "\r\n", 2) < 0))
			return -1;
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

static mg_status text_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	char csbuf[48];
	const char *ext, *mime, *charset = declared_charset(item->declared_type, csbuf, sizeof(csbuf));
	mg_text_kind kind;
	mg_charset_info info;
	mg_buf utf8, defanged;
	size_t removed;
	unsigned changed = 0;
	bool crlf;
	mg_status st = MG_OK;

	(void)action;
	mg_buf_init(&utf8, out->data.max);
	mg_buf_init(&defanged, out->data.max);
	if (!charset && !has_bom(item->data, item->len))
		charset = mg_text_utf16_order(item->data, item->len); /* UTF-16 without a BOM */
	if (mg_charset_decode(item->data, item->len, charset, &utf8, &info) < 0) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output once decoded");
		goto done;
	}
	mg_report_action(ctx, "decoded from %s to UTF-8", info.used);
	if (info.replaced)
		mg_report_finding(ctx, "%u bytes were not valid %s and became U+FFFD", info.replaced,
		                  info.used);
	crlf = first_break_is_crlf(utf8.data, utf8.len);
	removed = mg_utf8_clean(&utf8);
	if (removed)
		mg_report_removed(ctx, "control characters", "%zu control or bidirectional "
		                  "override characters", removed);
	kind = decide_kind(ctx, item, &utf8);
	kind_type(item, kind, &ext, &mime);
	if (ctx->policy->defang_formulas) {
		int rc = kind == MG_TEXT_LINES ? defang_prose(utf8.data, utf8.len, &defanged, &changed)
		                               : mg_text_defang(utf8.data, utf8.len, kind, &defanged,
		                                                &changed);

		if (rc < 0) {
			st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output once defanged");
			goto done;
		}
		if (changed && kind == MG_TEXT_LINES)
			mg_report_action(ctx, "defanged %u DDE formula lines with a leading '", changed);
		else if (changed)
			mg_report_action(ctx, "defanged %u spreadsheet formula cells with a leading '",
			                 changed);
	} else if (utf8.len && mg_buf_append(&defanged, utf8.data, utf8.len) < 0) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
		goto done;
	}
	if ((kind != MG_TEXT_LINES && mg_buf_append(&out->data, "\xEF\xBB\xBF", 3) < 0) ||
	    put_lines(&out->data, &defanged, crlf) < 0) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
		goto done;
	}
	mg_out_set_type(out, mime, ext);
done:
	mg_buf_free(&utf8);
	mg_buf_free(&defanged);
	return st;
}

const mg_filter mg_filter_text = {
	.family = MG_FAM_TEXT,
	.name = "text",
	.actions = 1u << MG_ACT_NORMALISE,
	.default_action = MG_ACT_NORMALISE,
	.run = text_run,
};

/*
 * text_sniff.c - what a text is, from its content: UTF-16 without a byte
 * order mark, and delimited data (CSV, TSV) versus prose.
 *
 * A spreadsheet evaluates the cells of a delimited file whatever it is
 * called (Excel's own "Unicode text" export is a tab-separated UTF-16
 * .txt), while prose named .csv or .txt is only read.  So the name never
 * decides that a text is prose: the shape of its records does.
 */
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Enough of a text to judge it; a decision never reads more. */
#define SNIFF_WINDOW (256u * 1024u)
#define SNIFF_RECORDS 1000u

static unsigned unit_at(const unsigned char *d, size_t i, bool le)
{
	return le ? (unsigned)d[i] | (unsigned)d[i + 1] << 8 : (unsigned)d[i] << 8 | d[i + 1];
}

/* Code units that plain text is made of in this byte order: no NUL, no
 * control but tab and line ends, surrogates in pairs, no non-character.
 * *ascii counts the ASCII ones, *breaks the tabs and line ends. */
static bool utf16_texty(const unsigned char *d, size_t n, bool le, size_t *ascii, size_t *breaks)
{
	*ascii = *breaks = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned u = unit_at(d, i, le);

		if (u == '\t' || u == '\n' || u == '\r')
			(*breaks)++;
		else if (u < 0x20 || u == 0x7F || u == 0xFFFE || u == 0xFFFF || (u >= 0x80 && u < 0xA0))
			return false;
		else if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= n || unit_at(d, i + 2, le) < 0xDC00 || unit_at(d, i + 2, le) > 0xDFFF)
				return false;
			i += 2;
		} else if (u >= 0xDC00 && u <= 0xDFFF)
			return false;
		if (u < 0x80)
			(*ascii)++;
	}
	return true;
}

const char *mg_text_utf16_order(const unsigned char *d, size_t len)
{
	size_t n = len < SNIFF_WINDOW ? len : SNIFF_WINDOW, a_le, b_le, a_be, b_be;
	bool le, be;

	if (!d || len < 4 || len % 2)
		return NULL;
	/* a line end or tab as a whole code unit needs a NUL byte: never so in
	 * ASCII, UTF-8 or Shift_JIS text, always so in UTF-16 text with lines;
	 * without one in the window neither order has a break: no walk */
	if (!memchr(d, 0, n))
		return NULL;
	le = utf16_texty(d, n, true, &a_le, &b_le) && b_le > 0;
	be = utf16_texty(d, n, false, &a_be, &b_be) && b_be > 0;
	if (le && (!be || a_le >= a_be))
		return "UTF-16LE";
	return be ? "UTF-16BE" : NULL;
}

/* One record's shape under a separator. */
struct record {
	unsigned fields;
	unsigned spaced;      /* fields after the first that start with a blank */
	bool first_empty;
};

/* Reads the record at *pos (RFC 4180 quoting: a field that starts with a
 * quote runs to the closing quote, "" inside it is a quote). */
static struct record read_record(const unsigned char *t, size_t len, size_t *pos, char sep)
{
	struct record r = { 1, 0, true };
	size_t i = *pos;
	bool start = true, quoted = false;

	r.first_empty = i >= len || t[i] == (unsigned char)sep || t[i] == '\n';
	for (; i < len; i++) {
		unsigned char c = t[i];

		if (quoted) {
			if (c == '"' && i + 1 < len && t[i + 1] == '"')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (start && c == '"') {
			quoted = true;
			start = false;
			continue;
		}
		if (c == '\n')
			break;
		if (c == (unsigned char)sep) {
			r.fields++;
			if (i + 1 < len && (t[i + 1] == ' ' || t[i + 1] == '\t') && sep != '\t')
				r.spaced++;
			start = true;
			continue;
		}
		start = false;
	}
	*pos = i < len ? i + 1 : len;
	return r;
}

/* The field count of a majority of n records (n > 0), and how many have
 * it: Boyer and Moore's vote finds the only count that can hold a
 * majority, without sorting; a count held by nine records in ten is the
 * one it finds. */
static unsigned majority_of(const unsigned *counts, unsigned n, unsigned *times)
{
	unsigned candidate = counts[0], lead = 0, seen = 0;

	for (unsigned i = 0; i < n; i++) {
		if (lead == 0)
			candidate = counts[i];
		if (counts[i] == candidate)
			lead++;
		else
			lead--;
	}
	for (unsigned i = 0; i < n; i++)
		seen += counts[i] == candidate;
	*times = seen;
	return candidate;
}

/* Delimited under sep: at least two records, nine in ten of them with
 * the same number (two or more) of fields; for commas, fields that do not
 * start with a blank as prose's ", " does; for tabs, not only an indent. */
static bool shaped(const unsigned char *t, size_t len, char sep, mg_text_shape *shape)
{
	unsigned counts[SNIFF_RECORDS], n = 0, times = 0, columns, spaced = 0, extra = 0;
	bool all_indented = true;
	size_t pos = 0, end = len < SNIFF_WINDOW ? len : SNIFF_WINDOW;

	/* no separator anywhere (a record may run past the window): every
	 * record is one field, no walk needed to say so */
	if (!memchr(t, sep, len))
		return false;
	while (pos < end && n < SNIFF_RECORDS) {
		struct record r;

		if (t[pos] == '\n') { /* blank lines are no records */
			pos++;
			continue;
		}
		r = read_record(t, len, &pos, sep);
		counts[n++] = r.fields;
		spaced += r.spaced;
		extra += r.fields - 1;
		all_indented = all_indented && r.first_empty;
	}
	if (n < 2)
		return false;
	columns = majority_of(counts, n, &times);
	if (columns < 2 || (size_t)times * 10 < (size_t)n * 9)
		return false;
	if ((sep == ',' && spaced * 2 >= extra) || (sep == '\t' && all_indented))
		return false;
	shape->sep = sep;
	shape->columns = columns;
	shape->records = n;
	return true;
}

bool mg_text_delimited(const unsigned char *t, size_t len, mg_text_shape *shape)
{
	memset(shape, 0, sizeof(*shape));
	if (!t || !len)
		return false;
	/* tabs first: a tab-separated file may well hold commas in its cells */
	return shaped(t, len, '\t', shape) || shaped(t, len, ',', shape);
}

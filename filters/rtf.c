/*
 * rtf.c - RTF to text.
 *
 * No well-kept C RTF reader exists in Debian, so this is a small tokenizer
 * with hard bounds: groups nest at most MAX_DEPTH deep, control words are
 * at most 32 letters with a 10-digit parameter, \binN skips at most what
 * is left of the input, and the text stops at max_output.  It keeps only
 * text: destinations that are not text (font and colour tables, style
 * sheets, document info, pictures, objects and their data, field
 * instructions, drawing shapes, themes, every \* destination) are skipped.
 * Only an embedded object's \result, its shown replacement, is read.
 * 8-bit text is decoded in the codepage of the current font (\fcharset,
 * \cpg) or of the document (\ansicpg: 932 for Japanese), \uN as Unicode
 * with \ucN fallback characters skipped.  Objects, pictures and field
 * codes that run or fetch things are reported as removed.
 *
 * Control words are read as Word reads them, not as the specification
 * says: letters of either case, CR and LF inside a word or its number
 * dropped, and any "{\rt" header accepted (rtf_header.c), so that no
 * spelling Word understands as \object slips past as text.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "internal.h"

#define MAX_DEPTH 512
#define MAX_FONTS 1024
#define MAX_WORD 32
#define PENDING_MAX 4096
#define CAPTURE_MAX 128

/* Destinations whose content is not text. */
static const char *const skipped[] = {
	"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "objdata", "objclass",
	"objname", "objalias", "objsect", "objtime", "shppict", "nonshppict", "fldinst", "datastore",
	"themedata", "colorschememapping", "latentstyles", "listtable", "listoverridetable",
	"rsidtbl", "generator", "xmlnstbl", "mmathPr", "filetbl", "revtbl", "pgdsctbl", "template",
	"userprops", "private", "sp", "sn", "sv", "blipuid", "bkmkstart", "bkmkend", "do", "xe",
	"tc", "pntext", "pntxta", "pntxtb", "listtext", "fldtype", "datafield", "formfield",
	"docvar", "atnid", "atnauthor", "atndate", "atnref", "annotation", "file", "headerf",
	"footerf", "picprop", "xmlopen", "xmlattrname", "xmlattrvalue", "wgrffmtfilter",
	"passwordhash", "protusertbl", "ud", "upr", "falt", "panose", "fontemb", "fontfile",
	"bliptag", "dptxbxtext", "colortbl", "mhtmltag", "htmltag", "factoidname", "ebcstart",
	"ebcend", "txfieldtext", "oldcprops", "oldpprops", "oldsprops", "oldtprops",
};

/* Control words that stand for a character. */
static const struct {
	const char *word;
	uint32_t cp;
} chars[] = {
	{ "par", '\n' }, { "line", '\n' }, { "sect", '\n' }, { "page", '\n' }, { "row", '\n' },
	{ "tab", '\t' }, { "cell", '\t' }, { "nestcell", '\t' }, { "emdash", 0x2014 },
	{ "endash", 0x2013 }, { "bullet", 0x2022 }, { "lquote", 0x2018 }, { "rquote", 0x2019 },
	{ "ldblquote", 0x201C }, { "rdblquote", 0x201D }, { "emspace", ' ' }, { "enspace", ' ' },
	{ "qmspace", ' ' },
};

enum capture { CAP_NONE = 0, CAP_FIELD, CAP_CLASS };

struct state {
	bool skip;             /* text here is not document text */
	bool in_object;        /* inside \object: only \result is read */
	bool fonttbl;          /* inside the font table */
	enum capture capture;  /* text collected for the report */
	unsigned char uc;      /* fallback characters after \uN */
	int font;              /* current \f */
	int codepage;          /* of 8-bit text here */
};

struct font {
	int num, codepage;
};

struct rtf {
	mg_ctx *ctx;
	const unsigned char *d;
	size_t len, pos;
	struct state st[MAX_DEPTH + 1];
	unsigned depth;
	bool group_start;      /* the next control word may name a destination */
	bool star;             /* "\*" seen: the destination is ignorable */
	unsigned uc_skip;      /* fallback characters still to skip */
	uint16_t high;         /* a \u high surrogate waiting for its pair */
	int doc_codepage, deff;
	struct font *fonts;
	size_t nfonts;
	int def_font;          /* font being defined in the font table */
	unsigned char pending[PENDING_MAX];
	size_t npending;
	int pending_cp;
	char capture[CAPTURE_MAX];
	size_t ncapture;
	unsigned objects, pictures;
	mg_buf *out;
	bool full;
};

static struct state *cur(struct rtf *r)
{
	return &r->st[r->depth];
}

/* ---- output ---- */

static void put(struct rtf *r, const void *s, size_t n)
{
	if (!r->full && mg_buf_append(r->out, s, n) < 0)
		r->full = true;
}

/* A high surrogate that is not followed by its low half. */
static void lone_high(struct rtf *r)
{
	char tmp[8];

	if (!r->high)
		return;
	r->high = 0;
	put(r, tmp, (size_t)g_unichar_to_utf8(0xFFFD, tmp));
}

static void flush(struct rtf *r)
{
	char name[16];

	if (!r->npending)
		return;
	snprintf(name, sizeof(name), "CP%d", r->pending_cp > 0 ? r->pending_cp : 1252);
	if (!r->full && mg_charset_decode(r->pending, r->npending, name, r->out, NULL) < 0)
		r->full = true;
	r->npending = 0;
}

static void put_byte(struct rtf *r, unsigned char c)
{
	int cp = cur(r)->codepage ? cur(r)->codepage : r->doc_codepage;

	lone_high(r);
	if (r->npending && (cp != r->pending_cp || r->npending == PENDING_MAX))
		flush(r);
	r->pending_cp = cp;
	r->pending[r->npending++] = c;
}

static void put_cp(struct rtf *r, uint32_t cp)
{
	char tmp[8];

	flush(r);
	lone_high(r);
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	put(r, tmp, (size_t)g_unichar_to_utf8(cp, tmp));
}

/* A \uN code unit: surrogate halves are paired, a lone half is U+FFFD. */
static void put_unit(struct rtf *r, uint16_t u)
{
	if (u >= 0xD800 && u <= 0xDBFF) {
		flush(r);
		lone_high(r);
		r->high = u;
		return;
	}
	if (u >= 0xDC00 && u <= 0xDFFF && r->high) {
		uint32_t cp = 0x10000u + (((uint32_t)r->high - 0xD800) << 10) + (u - 0xDC00);

		r->high = 0;
		put_cp(r, cp);
		return;
	}
	put_cp(r, u);
}

static void capture(struct rtf *r, unsigned char c)
{
	if (r->ncapture + 1 < CAPTURE_MAX && c >= 0x20 && c < 0x7F)
		r->capture[r->ncapture++] = (char)c;
	r->capture[r->ncapture] = 0;
}

/* A character of text, unless it is a \uN fallback or not document text. */
static void text_byte(struct rtf *r, unsigned char c)
{
	if (r->uc_skip) {
		r->uc_skip--;
		return;
	}
	if (cur(r)->capture)
		capture(r, c);
	if (!cur(r)->skip && (c >= 0x20 || c == '\t'))
		put_byte(r, c);
}

/* ---- fonts and codepages ---- */

static int charset_codepage(int charset)
{
	static const struct {
		int charset, codepage;
	} map[] = {
		{ 0, 1252 }, { 128, 932 }, { 129, 949 }, { 130, 1361 }, { 134, 936 }, { 136, 950 }, { 161, 1253 },
		{ 162, 1254 }, { 163, 1258 }, { 177, 1255 }, { 178, 1256 }, { 186, 1257 },
		{ 204, 1251 }, { 222, 874 }, { 238, 1250 }, { 77, 10000 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].charset == charset)
			return map[i].codepage;
	return 0; /* default (1), OEM... : the document's codepage */
}

static struct font *font_find(struct rtf *r, int num, bool create)
{
	for (size_t i = 0; i < r->nfonts; i++)
		if (r->fonts[i].num == num)
			return &r->fonts[i];
	if (!create || r->nfonts == MAX_FONTS)
		return NULL;
	r->fonts[r->nfonts].num = num;
	r->fonts[r->nfonts].codepage = 0;
	return &r->fonts[r->nfonts++];
}

static void select_font(struct rtf *r, int num)
{
	struct font *f = font_find(r, num, false);

	cur(r)->font = num;
	cur(r)->codepage = f ? f->codepage : 0;
}

static bool valid_codepage(long cp)
{
	return cp > 0 && cp < 100000;
}

static void font_word(struct rtf *r, const char *w, bool has, long p)
{
	struct font *f;

	if (strcmp(w, "f") == 0 && has) {
		r->def_font = (int)p;
		font_find(r, r->def_font, true);
	} else if (strcmp(w, "fcharset") == 0 && has && (f = font_find(r, r->def_font, false))) {
		f->codepage = charset_codepage((int)p);
	} else if (strcmp(w, "cpg") == 0 && has && valid_codepage(p) &&
	           (f = font_find(r, r->def_font, false))) {
		f->codepage = (int)p;
	}
}

/* ---- control words ---- */

static bool is_skipped(const char *w)
{
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (strcmp(w, skipped[i]) == 0)
			return true;
	return false;
}

/* The first control word of a group may make it a destination. */
static void destination(struct rtf *r, const char *w)
{
	struct state *s = cur(r);

	if (strcmp(w, "fonttbl") == 0) {
		s->fonttbl = true;
	} else if (strcmp(w, "object") == 0) {
		r->objects++;
		s->in_object = true;
	} else if (strcmp(w, "pict") == 0) {
		r->pictures++;
	} else if (strcmp(w, "fldinst") == 0) {
		s->capture = CAP_FIELD;
		r->ncapture = 0;
	} else if (strcmp(w, "objclass") == 0) {
		s->capture = CAP_CLASS;
		r->ncapture = 0;
	} else if (strcmp(w, "result") == 0 && s->in_object) {
		s->skip = false; /* an object's shown replacement is text */
		s->in_object = false;
		return;
	}
	if (r->star || is_skipped(w))
		s->skip = true;
}

static void word(struct rtf *r, const char *w, bool has, long p)
{
	struct state *s = cur(r);

	if (r->group_start)
		destination(r, w);
	r->group_start = r->star = false;
	if (strcmp(w, "bin") == 0) { /* raw bytes: never tokens */
		size_t n = has && p > 0 ? (size_t)p : 0;

		r->pos += n > r->len - r->pos ? r->len - r->pos : n;
		return;
	}
	if (s->fonttbl) {
		font_word(r, w, has, p);
		return;
	}
	if (strcmp(w, "u") == 0 && has) {
		if (!s->skip) /* a signed 16-bit value; anything else is not a character */
			put_unit(r, p < -32768 || p > 65535 ? 0xFFFD : (uint16_t)(p < 0 ? p + 65536 : p));
		r->uc_skip = s->uc;
		return;
	}
	if (r->uc_skip) {
		r->uc_skip--;
		return;
	}
	if (strcmp(w, "uc") == 0 && has && p >= 0 && p < 16)
		s->uc = (unsigned char)p;
	else if (strcmp(w, "ansicpg") == 0 && has && valid_codepage(p))
		r->doc_codepage = (int)p;
	else if (strcmp(w, "deff") == 0 && has)
		r->deff = (int)p;
	else if (strcmp(w, "f") == 0 && has)
		select_font(r, (int)p);
	else if (strcmp(w, "plain") == 0)
		select_font(r, r->deff);
	else if (!s->skip)
		for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
			if (strcmp(w, chars[i].word) == 0)
				put_cp(r, chars[i].cp);
}

static bool is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The next byte of a control word: Word drops CR and LF inside one, so
 * "\ob" CRLF "ject" is \object and must be read as such. */
static int word_peek(struct rtf *r)
{
	while (r->pos < r->len && (r->d[r->pos] == '\r' || r->d[r->pos] == '\n'))
		r->pos++;
	return r->pos < r->len ? r->d[r->pos] : -1;
}

/* "\" then letters, an optional signed number and one space. */
static void control_word(struct rtf *r)
{
	char w[MAX_WORD + 1];
	size_t n = 0;
	long p = 0;
	bool neg = false, has = false;
	unsigned digits = 0;
	int c;

	while ((c = word_peek(r)) >= 0 && is_letter((unsigned char)c)) {
		if (n < MAX_WORD)
			w[n++] = (char)c;
		r->pos++;
	}
	w[n] = 0;
	if (word_peek(r) == '-') {
		size_t minus = r->pos++;

		neg = word_peek(r) >= '0' && word_peek(r) <= '9';
		if (!neg)
			r->pos = minus; /* a '-' without digits is text, not a sign */
	}
	while ((c = word_peek(r)) >= '0' && c <= '9') {
		if (digits++ < 10)
			p = p * 10 + (c - '0');
		has = true;
		r->pos++;
	}
	if (neg)
		p = -p;
	if (r->pos < r->len && r->d[r->pos] == ' ')
		r->pos++;
	word(r, w, has, p);
}

static void control_symbol(struct rtf *r, unsigned char c)
{
	if (c == '*') { /* the destination that follows may be ignored */
		r->star = true;
		return;
	}
	r->group_start = false;
	if (c == '\'') {
		int hi = r->pos < r->len ? g_ascii_xdigit_value((gchar)r->d[r->pos]) : -1;
		int lo = r->pos + 1 < r->len ? g_ascii_xdigit_value((gchar)r->d[r->pos + 1]) : -1;

		if (hi >= 0 && lo >= 0) {
			r->pos += 2;
			text_byte(r, (unsigned char)(hi * 16 + lo));
		}
		return;
	}
	if (r->uc_skip) {
		r->uc_skip--;
		return;
	}
	if (cur(r)->skip)
		return;
	if (c == '\\' || c == '{' || c == '}')
		put_byte(r, c);
	else if (c == '~')
		put_cp(r, 0xA0);
	else if (c == '_')
		put_cp(r, '-');
	else if (c == '\n' || c == '\r')
		put_cp(r, '\n');
}

/* ---- groups ---- */

static void close_capture(struct rtf *r, const struct state *s)
{
	if (s->capture == CAP_FIELD && !mg_field_is_display(r->capture))
		mg_report_removed(r->ctx, r->ncapture ? r->capture : "(empty field code)",
		                  "field code (only its shown result is in the text)");
	else if (s->capture == CAP_CLASS)
		mg_report_removed(r->ctx, r->ncapture ? r->capture : "(unnamed)",
		                  "embedded object class");
}

static mg_status open_group(struct rtf *r)
{
	if (r->depth == MAX_DEPTH)
		return mg_fail(r->ctx, MG_E_MALFORMED, "RTF groups nested deeper than %d", MAX_DEPTH);
	r->st[r->depth + 1] = r->st[r->depth];
	r->depth++;
	r->group_start = true;
	r->star = false;
	r->uc_skip = 0;
	return MG_OK;
}

static bool close_group(struct rtf *r)
{
	struct state *s = cur(r);

	flush(r);
	if (s->capture && (r->depth == 1 || r->st[r->depth - 1].capture != s->capture))
		close_capture(r, s);
	r->uc_skip = 0;
	r->group_start = r->star = false;
	if (r->depth <= 1) {
		r->depth = 0;
		return false; /* the document's group is closed */
	}
	r->depth--;
	return true;
}

static mg_status parse(struct rtf *r)
{
	mg_status st = MG_OK;
	unsigned long steps = 0;

	while (r->pos < r->len && st == MG_OK && !r->full) {
		unsigned char c = r->d[r->pos++];

		if (c == '{') {
			st = open_group(r);
		} else if (c == '}') {
			if (!close_group(r))
				break;
		} else if (c == '\\' && r->pos < r->len) {
			if (is_letter(r->d[r->pos]))
				control_word(r);
			else
				control_symbol(r, r->d[r->pos++]);
		} else if (c != '\r' && c != '\n' && r->depth > 0) {
			r->group_start = false;
			text_byte(r, c);
		}
		if ((++steps & 0xFFFF) == 0 && st == MG_OK)
			st = mg_check_deadline(r->ctx);
	}
	flush(r);
	lone_high(r);
	return st;
}

static void report(struct rtf *r)
{
	if (r->objects)
		mg_report_removed(r->ctx, "\\object", "%u embedded or linked object(s)", r->objects);
	if (r->pictures)
		mg_report_removed(r->ctx, "\\pict", "%u picture(s) (not carried into text)",
		                  r->pictures);
	if (r->depth > 0)
		mg_report_finding(r->ctx, "RTF ends with %u group(s) left open", r->depth);
	else if (r->pos < r->len)
		mg_report_finding(r->ctx, "%zu byte(s) after the end of the RTF document ignored",
		                  r->len - r->pos);
}

static mg_status rtf_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	struct rtf *r = calloc(1, sizeof(*r));
	mg_status st;

	if (!r || !(r->fonts = calloc(MAX_FONTS, sizeof(*r->fonts)))) {
		free(r);
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	}
	r->ctx = ctx;
	r->d = item->data;
	r->len = item->len;
	r->out = &out->data;
	r->doc_codepage = 1252;
	r->st[0].uc = 1;
	if (!mg_rtf_opens(r->d, r->len, &r->pos))
		st = mg_fail(ctx, MG_E_MALFORMED, "not an RTF document");
	else
		st = parse(r);
	if (st == MG_OK && r->full)
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
	if (st == MG_OK) {
		mg_utf8_clean(&out->data);
		if (!out->data.data && mg_buf_append(&out->data, "", 0) < 0)
			st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	}
	if (st == MG_OK && action == MG_ACT_PDF) {
		/* RTF carries no scripts: the parsed document goes to LibreOffice
		 * as it came, its objects shown only as the pictures it flattens */
		report(r);
		mg_buf_free(&out->data);
		if (mg_buf_append(&out->data, item->data, item->len) < 0)
			st = mg_fail(ctx, MG_E_LIMIT_SIZE, "RTF larger than max_output");
		mg_out_set_type(out, MG_TO_CONVERT, "rtf");
	} else if (st == MG_OK) {
		report(r);
		mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
		mg_report_action(ctx, "converted RTF to text");
	}
	free(r->fonts);
	free(r);
	return st;
}

const mg_filter mg_filter_rtf = {
	.family = MG_FAM_RTF,
	.name = "rtf",
	.actions = 1u << MG_ACT_TEXT | 1u << MG_ACT_PDF,
	.default_action = MG_ACT_TEXT,
	.run = rtf_run,
};

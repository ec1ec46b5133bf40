/*
 * mail_inline.c - files encoded inside a text body, cut out of it.
 *
 * Outlook, Becky! and other clients show a uuencoded block ("begin 644
 * name" ... "end") inside a text/plain body as an attachment, and some
 * decode yEnc and BinHex blocks too: left in the body, such a block would
 * carry a program across as text.  Each block is cut out of the body:
 * uuencode (also "begin-base64") and single-part yEnc blocks are decoded
 * and handed to the mail as attachments, sanitised by their own family;
 * BinHex blocks, multi-part yEnc fragments and blocks that do not decode
 * (bad lines, wrong size, no end) are removed and named in the notice.
 * These line formats have no maintained library; the decoders below read
 * one line at a time and never write more than the line holds.
 */
#include <string.h>

#include "mail_priv.h"

typedef struct line {
	const unsigned char *p;
	size_t len;   /* without the line end */
	size_t next;  /* offset of the following line */
} line;

typedef struct block {
	char *name;          /* UTF-8 as declared, may be NULL */
	GByteArray *data;    /* decoded bytes, NULL when it does not decode */
	const char *why;     /* why it does not decode */
	mg_status status;    /* and the status the notice gives it */
	const char *kind;    /* "uuencode", "yEnc", "BinHex" */
} block;

static bool next_line(const unsigned char *d, size_t len, size_t off, line *l)
{
	const unsigned char *nl;

	if (off >= len)
		return false;
	l->p = d + off;
	nl = memchr(l->p, '\n', len - off);
	l->len = nl ? (size_t)(nl - l->p) : len - off;
	l->next = nl ? off + l->len + 1 : len;
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	return true;
}

static bool line_is(const line *l, const char *s)
{
	size_t n = strlen(s), len = l->len;

	while (len > n && (l->p[len - 1] == ' ' || l->p[len - 1] == '\t'))
		len--;
	return len == n && memcmp(l->p, s, n) == 0;
}

static bool starts(const line *l, const char *s)
{
	size_t n = strlen(s);

	return l->len >= n && memcmp(l->p, s, n) == 0;
}

static char *line_text(const unsigned char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	return n ? mail_clean_line((const char *)p, n) : NULL;
}

/* "begin 644 name" or "begin-base64 644 name": the name, or NULL. */
static bool uu_begin(const line *l, bool *b64, char **name)
{
	size_t i, digits = 0;

	*b64 = starts(l, "begin-base64 ");
	if (!*b64 && !starts(l, "begin "))
		return false;
	i = *b64 ? 13 : 6;
	while (i < l->len && l->p[i] >= '0' && l->p[i] <= '7' && digits < 5) {
		i++;
		digits++;
	}
	if (digits < 3 || digits > 4 || i >= l->len || l->p[i] != ' ')
		return false;
	*name = line_text(l->p + i + 1, l->len - i - 1);
	return true;
}

/* One uuencoded line into out; false when it is not one. */
static bool uu_line(const line *l, GByteArray *out)
{
	size_t n, need;

	if (l->len == 0 || l->p[0] < 0x20 || l->p[0] > 0x60)
		return false;
	n = (size_t)((l->p[0] - 0x20) & 0x3F);
	need = (n + 2) / 3 * 4;
	/* trailing blanks are often stripped; a checksum character may follow */
	if (l->len - 1 > need + 2 || l->len - 1 + 4 < need)
		return false;
	for (size_t i = 1; i < l->len; i++)
		if (l->p[i] < 0x20 || l->p[i] > 0x60)
			return false;
	for (size_t i = 0, got = 0; got < n; i += 4) {
		unsigned char c[4];
		unsigned char b[3];

		for (int k = 0; k < 4; k++)
			c[k] = 1 + i + (size_t)k < l->len ? (unsigned char)((l->p[1 + i + k] - 0x20) & 0x3F)
			                                  : 0;
		b[0] = (unsigned char)(c[0] << 2 | c[1] >> 4);
		b[1] = (unsigned char)(c[1] << 4 | c[2] >> 2);
		b[2] = (unsigned char)(c[2] << 6 | c[3]);
		for (int k = 0; k < 3 && got < n; k++, got++)
			g_byte_array_append(out, &b[k], 1);
	}
	return true;
}

static bool b64_line(const line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!g_ascii_isalnum(l->p[i]) && l->p[i] != '+' && l->p[i] != '/' && l->p[i] != '=')
			return false;
	return l->len > 0;
}

/* A uuencode block from its begin line; returns the offset after it. */
static size_t uu_block(const unsigned char *d, size_t len, size_t off, bool b64, block *b)
{
	GByteArray *out = g_byte_array_new();
	GString *text = g_string_new(NULL);
	line l;

	b->kind = "uuencode";
	while (next_line(d, len, off, &l)) {
		if (line_is(&l, b64 ? "====" : "end")) {
			off = l.next;
			if (b64) {
				gsize n = 0;
				guchar *raw = g_base64_decode(text->str, &n);

				g_byte_array_append(out, raw, (guint)n);
				g_free(raw);
			}
			b->data = out;
			g_string_free(text, TRUE);
			return off;
		}
		if (b64 ? !b64_line(&l) : !uu_line(&l, out))
			break; /* not part of the block: the block ends unfinished */
		if (b64)
			g_string_append_len(text, (const char *)l.p, (gssize)l.len);
		off = l.next;
	}
	g_byte_array_free(out, TRUE);
	g_string_free(text, TRUE);
	b->why = "the encoded block is cut short or damaged";
	b->status = MG_E_MALFORMED;
	return off;
}

/* The value of key= on a yEnc header line (name= runs to the line end). */
static char *yenc_value(const line *l, const char *key, bool to_end)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k <= l->len; i++)
		if ((i == 0 || l->p[i - 1] == ' ') && memcmp(l->p + i, key, k) == 0) {
			size_t e = i + k;

			while (e < l->len && (to_end || l->p[e] != ' '))
				e++;
			return line_text(l->p + i + k, e - i - k);
		}
	return NULL;
}

static size_t yenc_block(const unsigned char *d, size_t len, size_t off, const line *begin,
                         block *b)
{
	GByteArray *out = g_byte_array_new();
	char *size = yenc_value(begin, "size=", false), *part_no = yenc_value(begin, "part=", false);
	bool part = part_no != NULL, escaped = false;
	line l;

	g_free(part_no);
	b->kind = "yEnc";
	b->name = yenc_value(begin, "name=", true);
	while (next_line(d, len, off, &l)) {
		off = l.next;
		if (starts(&l, "=ypart "))
			continue;
		if (starts(&l, "=yend")) {
			if (part) {
				b->why = "one part of a file split over several messages cannot be checked";
				b->status = MG_E_TYPE_BLOCKED;
			} else if (!size || g_ascii_strtoull(size, NULL, 10) != out->len) {
				b->why = "the decoded size differs from the declared one";
				b->status = MG_E_MALFORMED;
			} else {
				b->data = out;
				out = NULL;
			}
			goto done;
		}
		for (size_t i = 0; i < l.len; i++) {
			unsigned char c = l.p[i];

			if (!escaped && c == '=') {
				escaped = true;
				continue;
			}
			c = (unsigned char)(escaped ? c - 64 - 42 : c - 42);
			escaped = false;
			g_byte_array_append(out, &c, 1);
		}
	}
	b->why = "the encoded block is cut short";
	b->status = MG_E_MALFORMED;
done:
	g_free(size);
	if (out)
		g_byte_array_free(out, TRUE);
	return off;
}

/* BinHex 4.0: from the "(This file must be converted" line to the line
 * that closes the ':'-delimited data; removed, never decoded. */
static size_t binhex_block(const unsigned char *d, size_t len, size_t off, block *b)
{
	bool opened = false;
	line l;

	b->kind = "BinHex";
	b->why = "BinHex 4.0 data is not decoded";
	b->status = MG_E_TYPE_BLOCKED;
	while (next_line(d, len, off, &l)) {
		const unsigned char *colon;

		if (!opened && l.len == 0) {
			off = l.next;
			continue;
		}
		if (!opened && l.p[0] != ':')
			break;
		off = l.next;
		colon = memchr(l.p + (opened ? 0 : 1), ':', l.len - (opened ? 0 : 1));
		opened = true;
		if (colon)
			break;
	}
	return off;
}

/* The block starting at line l, or 0 when l starts none. */
static size_t block_at(const unsigned char *d, size_t len, const line *l, block *b)
{
	bool b64;

	if (uu_begin(l, &b64, &b->name))
		return uu_block(d, len, l->next, b64, b);
	if (starts(l, "=ybegin "))
		return yenc_block(d, len, l->next, l, b);
	if (starts(l, "(This file must be converted with BinHex"))
		return binhex_block(d, len, l->next, b);
	return 0;
}

static mg_status hand_over(mail_job *j, block *b, unsigned index)
{
	char *fallback = b->name && *b->name ? NULL
	                 : g_strdup_printf("inline%u.%s", index, strcmp(b->kind, "BinHex") ? "bin" : "hqx");
	const char *name = fallback ? fallback : b->name;
	mg_status st = MG_OK;

	mg_report_finding(j->ctx, "%s block \"%s\" found in a text body", b->kind, name);
	if (b->data) {
		st = mail_attach(j, b->data->data, b->data->len, name);
	} else {
		char *why = g_strdup_printf("%s: %s", b->kind, b->why);

		mail_note_add(j, NOTE_ATTACHMENT_REMOVED, b->status, 0, name, NULL, why);
		mg_report_removed(j->ctx, name, "%s", why);
		g_free(why);
	}
	g_free(fallback);
	return st;
}

mg_status mail_inline_cut(mail_job *j, unsigned char *d, size_t *len)
{
	size_t off = 0, keep = 0;
	unsigned found = 0;
	mg_status st = MG_OK;
	line l;

	if (!d || *len == 0)
		return MG_OK;
	while (st == MG_OK && next_line(d, *len, off, &l)) {
		block b = { 0 };
		size_t end = block_at(d, *len, &l, &b);

		if (end == 0) {
			memmove(d + keep, d + off, l.next - off);
			keep += l.next - off;
			off = l.next;
			continue;
		}
		found++;
		if (!j->dry)
			st = hand_over(j, &b, found);
		g_free(b.name);
		if (b.data)
			g_byte_array_free(b.data, TRUE);
		off = end;
	}
	if (st == MG_OK) {
		memmove(d + keep, d + off, *len - off);
		*len = keep + (*len - off);
	}
	return st;
}

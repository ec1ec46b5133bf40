/*
 * mail_words.c - RFC 2047 encoded-words that no decoder cuts short.
 *
 * gmime 3.2 joins the payloads of adjacent B words of one charset and
 * decodes them as one base64 stream, so a word that ends in padding ends
 * the header: a long Japanese subject folded by the sender into several
 * words came out as its first word only.  Before gmime decodes a value,
 * every B word is rewritten as the Q word of the same bytes (gmime joins
 * Q words correctly, and joining is still wanted: senders split one
 * character across two words).  The rebuilt mail is written the same way
 * round: B words that hold a multiple of three bytes carry no padding,
 * and a word that cannot be cut so is written as Q.
 */
#include <string.h>

#include "mail_priv.h"

#define WORD_MAX 75     /* RFC 2047: one encoded-word, delimiters included */
#define LINE_MAX_ENC 76 /* RFC 2047: a line holding encoded-words */
#define B_OVERHEAD 12   /* =?UTF-8?B? and ?= */
#define Q_OVERHEAD 12

/* The extent of the encoded-word at s ("=?cs?E?text?="), or 0. */
static size_t word_at(const char *s, size_t *cs_len, char *enc, size_t *text_off, size_t *text_len)
{
	const char *p = s + 2, *q;

	if (s[0] != '=' || s[1] != '?')
		return 0;
	q = p;
	while (*q && *q != '?' && *q > ' ' && *q < 0x7F)
		q++;
	if (*q != '?' || q == p || !q[1] || q[2] != '?')
		return 0;
	*cs_len = (size_t)(q - p);
	*enc = q[1];
	*text_off = (size_t)(q + 3 - s);
	q += 3;
	while (*q && *q != '?' && *q > ' ' && *q < 0x7F)
		q++;
	if (q[0] != '?' || q[1] != '=')
		return 0;
	*text_len = (size_t)(q - s) - *text_off;
	return (size_t)(q + 2 - s);
}

static void append_q_bytes(GString *g, const guchar *b, gsize n)
{
	static const char hex[] = "0123456789ABCDEF";
	gsize at = g->len;

	g_string_set_size(g, at + 3 * n);
	for (gsize i = 0; i < n; i++) {
		g->str[at + 3 * i] = '=';
		g->str[at + 3 * i + 1] = hex[b[i] >> 4];
		g->str[at + 3 * i + 2] = hex[b[i] & 15];
	}
}

char *mail_words_unpad(const char *value)
{
	GString *g = g_string_sized_new(value ? strlen(value) + 16 : 1);

	for (const char *s = value ? value : ""; *s;) {
		size_t cs_len, off, tlen, n;
		char enc;

		n = word_at(s, &cs_len, &enc, &off, &tlen);
		if (n == 0 || (enc != 'B' && enc != 'b')) {
			if (n == 0)
				n = 1;
			g_string_append_len(g, s, (gssize)n);
			s += n;
			continue;
		}
		{
			char *text = g_strndup(s + off, tlen);
			gsize blen = 0;
			guchar *bytes = g_base64_decode(text, &blen);

			g_string_append_len(g, s, (gssize)(cs_len + 2));
			g_string_append(g, "?Q?");
			append_q_bytes(g, bytes, blen);
			g_string_append(g, "?=");
			g_free(bytes);
			g_free(text);
		}
		s += n;
	}
	return g_string_free(g, FALSE);
}

/* How many bytes of the UTF-8 text at s go into the next word: whole
 * characters, at most max, a multiple of three when that is possible
 * (*b says whether the word can be B without padding before the end). */
static size_t next_chunk(const char *s, size_t left, size_t max, bool *b)
{
	size_t n = 0, last3 = 0;

	while (n < left) {
		size_t c = MIN((size_t)g_utf8_skip[(guchar)s[n]], left - n);

		if (n + c > max)
			break;
		n += c;
		if (n % 3 == 0)
			last3 = n;
	}
	*b = n == left || last3 > 0;
	if (n == left || last3 == 0)
		return n;
	return last3;
}

/* A Q word of whole characters in room columns (at least one character). */
static size_t q_chunk(const char *s, size_t left, size_t room)
{
	size_t n = 0;

	while (n < left) {
		size_t c = MIN((size_t)g_utf8_skip[(guchar)s[n]], left - n);

		if ((n + c) * 3 + Q_OVERHEAD > room)
			break;
		n += c;
	}
	return n ? n : MIN((size_t)g_utf8_skip[(guchar)s[0]], left);
}

char *mail_words_encode(const char *utf8, size_t first_line_used)
{
	size_t len = strlen(utf8);
	bool ascii = true;
	GString *g = g_string_new(NULL);

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)utf8[i] >= 0x80 || utf8[i] == '\r' || utf8[i] == '\n')
			ascii = false;
	if (ascii && len + first_line_used <= 998)
		return g_strdup(utf8);
	for (size_t i = 0; i < len;) {
		/* one word a line: the first after the field name, the others
		 * on continuation lines (the fold is not part of the text) */
		size_t room = i == 0 && first_line_used < LINE_MAX_ENC - 24
		              ? LINE_MAX_ENC - first_line_used : WORD_MAX;
		size_t max = (room - B_OVERHEAD) / 4 * 3;
		bool b;
		size_t n = next_chunk(utf8 + i, len - i, max, &b);

		if (i > 0)
			g_string_append(g, "\n ");
		if (b) {
			char *enc = g_base64_encode((const guchar *)utf8 + i, n);

			g_string_append_printf(g, "=?UTF-8?B?%s?=", enc);
			g_free(enc);
		} else {
			n = q_chunk(utf8 + i, len - i, room);
			g_string_append(g, "=?UTF-8?Q?");
			append_q_bytes(g, (const guchar *)utf8 + i, n);
			g_string_append(g, "?=");
		}
		i += n;
	}
	return g_string_free(g, FALSE);
}

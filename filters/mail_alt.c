/*
 * mail_alt.c - which version of a multipart/alternative carries the message.
 *
 * Senders often write an empty or stub text/plain version ("This message
 * is in HTML format") beside the HTML that holds the text; delivering the
 * plain one left the reader with the notice only.  The two are compared by
 * their words: runs of letters and digits (folded to lower case), and each
 * CJK character, kana or full-width sign on its own, since Japanese has no
 * spaces.  The HTML version wins when the plain one is empty or lacks more
 * than a tenth of the HTML's distinct words.  The HTML's words come from
 * libxml2's SAX parser (the character data outside script, style and
 * head): no tree is built for a version that is most often dropped.
 */
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "charset.h"
#include "mail_priv.h"
#include "text.h"

#define MISSING_PER_TEN 1 /* more than 1 in 10 HTML words missing: HTML */

/* Words repeat: a copy only for the first of each. */
static void add_word(GHashTable *set, const char *w)
{
	if (!g_hash_table_contains(set, w))
		g_hash_table_add(set, g_strdup(w));
}

/* The distinct words of UTF-8 text, as keys of a set. */
static GHashTable *words_of(const char *text, size_t len)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *p = text ? text : "", *end = p + len;
	GString *w = g_string_new(NULL);

	while (p < end) {
		gunichar c;
		const char *next;
		bool letter;

		/* ASCII, most of the words of most mails, without the Unicode
		 * tables: the same letters, digits and lower case */
		if ((unsigned char)*p < 0x80) {
			if (g_ascii_isalnum(*p)) {
				g_string_append_c(w, g_ascii_tolower(*p));
			} else {
				if (w->len > 1)
					add_word(set, w->str);
				g_string_truncate(w, 0);
			}
			p++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		next = c == (gunichar)-1 || c == (gunichar)-2 ? p + 1 : p + g_utf8_skip[*(const guchar *)p];
		letter = c < 0x110000 && g_unichar_isalnum(c);

		if (letter && !g_unichar_iswide(c)) {
			g_string_append_unichar(w, g_unichar_tolower(c));
		} else {
			if (w->len > 1)
				add_word(set, w->str);
			g_string_truncate(w, 0);
			if (letter) {
				char one[8] = { 0 };

				g_unichar_to_utf8(c, one);
				add_word(set, one);
			}
		}
		p = next;
	}
	if (w->len > 1)
		add_word(set, w->str);
	g_string_free(w, TRUE);
	return set;
}

struct sax_text {
	GString *text;
	unsigned skip; /* inside script, style or head */
	size_t max;
};

static bool hidden(const xmlChar *name)
{
	return name && (strcasecmp((const char *)name, "script") == 0 ||
	                strcasecmp((const char *)name, "style") == 0 ||
	                strcasecmp((const char *)name, "head") == 0);
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	(void)attrs;
	if (hidden(name))
		st->skip++;
	/* an element ends a word: "<td>a</td><td>b</td>" is two */
	g_string_append_c(st->text, ' ');
}

static void sax_end(void *ctx, const xmlChar *name)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	if (hidden(name) && st->skip)
		st->skip--;
	g_string_append_c(st->text, ' ');
}

static void sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	if (!st->skip && len > 0 && st->text->len + (size_t)len <= st->max)
		g_string_append_len(st->text, (const char *)ch, len);
}

/* The character data of an HTML body, decoded to UTF-8 first. */
static GString *html_chars(const unsigned char *html, size_t len, const char *charset, size_t max)
{
	struct sax_text st = { g_string_new(NULL), 0, max };
	htmlSAXHandler sax;
	mg_buf utf8;

	mg_buf_init(&utf8, max);
	if (mg_charset_decode(html, len, charset, &utf8, NULL) == 0) {
		memset(&sax, 0, sizeof(sax));
		sax.startElement = sax_start;
		sax.endElement = sax_end;
		sax.characters = sax_chars;
		sax.cdataBlock = sax_chars;
		mg_html_sax(utf8.data, utf8.len, &sax, &st);
	}
	mg_buf_free(&utf8);
	return st.text;
}

bool mail_alt_html_richer(const mg_buf *plain, const unsigned char *html, size_t html_len,
                          const char *charset, char **why)
{
	GString *chars = html_chars(html, html_len, charset, plain->max);
	GHashTable *pw = words_of((const char *)plain->data, plain->len),
	           *hw = words_of(chars->str, chars->len);
	GHashTableIter it;
	gpointer key;
	unsigned total = g_hash_table_size(hw), missing = 0;
	bool richer;

	g_hash_table_iter_init(&it, hw);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(pw, key))
			missing++;
	if (total == 0) {
		richer = false;
		*why = g_strdup("the HTML version has no text");
	} else if (g_hash_table_size(pw) == 0) {
		richer = true;
		*why = g_strdup("the plain text version is empty");
	} else {
		richer = missing * 10 > total * MISSING_PER_TEN;
		*why = g_strdup_printf("the plain text version %s %u of the %u words of the HTML version",
		                       richer ? "lacks" : "lacks only", missing, total);
	}
	g_hash_table_destroy(pw);
	g_hash_table_destroy(hw);
	g_string_free(chars, TRUE);
	return richer;
}

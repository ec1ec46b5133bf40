/*
 * mail_alt.c - which version of a multipart/alternative carries the message.
 *
 * Senders often write an empty or stub text/plain version ("This message
 * is in HTML format") beside the HTML that holds the text; delivering the
 * plain one left the reader with the notice only.  The two are compared by
 * their words: runs of letters and digits (folded to lower case), and each
 * CJK character, kana or full-width sign on its own, since Japanese has no
 * spaces.  The HTML version wins when the plain one is empty or lacks more
 * than a tenth of the HTML's distinct words.
 */
#include <string.h>

#include "mail_priv.h"

#define MISSING_PER_TEN 1 /* more than 1 in 10 HTML words missing: HTML */

/* The distinct words of UTF-8 text, as keys of a set. */
static GHashTable *words_of(const mg_buf *t)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *p = t->data ? (const char *)t->data : "", *end = p + t->len;
	GString *w = g_string_new(NULL);

	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		const char *next = c == (gunichar)-1 || c == (gunichar)-2 ? p + 1 : p + g_utf8_skip[*(const guchar *)p];
		bool letter = c < 0x110000 && g_unichar_isalnum(c);

		if (letter && !g_unichar_iswide(c)) {
			g_string_append_unichar(w, g_unichar_tolower(c));
		} else {
			if (w->len > 1)
				g_hash_table_add(set, g_strdup(w->str));
			g_string_truncate(w, 0);
			if (letter) {
				char one[8] = { 0 };

				g_unichar_to_utf8(c, one);
				g_hash_table_add(set, g_strdup(one));
			}
		}
		p = next;
	}
	if (w->len > 1)
		g_hash_table_add(set, g_strdup(w->str));
	g_string_free(w, TRUE);
	return set;
}

bool mail_alt_html_richer(const mg_buf *plain, const mg_buf *html, char **why)
{
	GHashTable *pw = words_of(plain), *hw = words_of(html);
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
	return richer;
}

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
 * head): no tree is built for a version that is most often dropped, and
 * the parse stops once the verdict cannot change.
 */
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "charset.h"
#include "mail_priv.h"
#include "text.h"

#define MISSING_PER_TEN 1 /* more than 1 in 10 HTML words missing: HTML */

/* A set of words kept as their 64-bit FNV-1a hashes, in open addressing:
 * no copy of a word.  Two different words of one mail share a hash about
 * once in 2^64 / n^2 tries, and would only count as one word. */
typedef struct word_set {
	guint64 *slot; /* 0: empty */
	size_t cap, n;  /* cap a power of two, kept at least twice n */
} word_set;

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static guint64 fnv_byte(guint64 h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

static void set_grow(word_set *s)
{
	word_set bigger = { g_new0(guint64, s->cap ? s->cap * 2 : 256), s->cap ? s->cap * 2 : 256, 0 };

	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i]) {
			size_t k = (size_t)s->slot[i] & (bigger.cap - 1);

			while (bigger.slot[k])
				k = (k + 1) & (bigger.cap - 1);
			bigger.slot[k] = s->slot[i];
			bigger.n++;
		}
	g_free(s->slot);
	*s = bigger;
}

static bool set_has(const word_set *s, guint64 h)
{
	for (size_t k = (size_t)h & (s->cap - 1); s->cap && s->slot[k]; k = (k + 1) & (s->cap - 1))
		if (s->slot[k] == h)
			return true;
	return false;
}

/* Adds h (never 0: an empty slot); true when it was not in the set yet. */
static bool set_add(word_set *s, guint64 h)
{
	size_t k;

	if (2 * (s->n + 1) > s->cap)
		set_grow(s);
	for (k = (size_t)h & (s->cap - 1); s->slot[k]; k = (k + 1) & (s->cap - 1))
		if (s->slot[k] == h)
			return false;
	s->slot[k] = h;
	s->n++;
	return true;
}

/* Words read from text that may come in pieces: the word being read (its
 * hash so far and its length in bytes) lasts from one piece to the next. */
typedef struct words {
	word_set set;
	guint64 h;
	size_t len;
	const word_set *against; /* the plain version's words, or NULL */
	unsigned missing;        /* distinct words not among them */
	bool decided;            /* enough missing: the rest is not read */
} words;

static void words_init(words *ws, const word_set *against)
{
	memset(ws, 0, sizeof(*ws));
	set_grow(&ws->set);
	ws->h = FNV_OFFSET;
	ws->against = against;
}

/* Once the HTML has more than nine missing words for each word of the
 * plain version, more than a tenth of its words are missing whatever the
 * rest holds (those it shares are among the plain version's words). */
static void words_add(words *ws, guint64 h)
{
	h = h ? h : 1;
	if (set_add(&ws->set, h) && ws->against && !set_has(ws->against, h)) {
		ws->missing++;
		ws->decided = (size_t)ws->missing * (10 - MISSING_PER_TEN) >
		              ws->against->n * MISSING_PER_TEN;
	}
}

static void words_put(words *ws, const char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ws->h = fnv_byte(ws->h, (unsigned char)bytes[i]);
	ws->len += n;
}

/* A word of two bytes or more counts; a new word starts. */
static void words_end(words *ws)
{
	if (ws->len > 1)
		words_add(ws, ws->h);
	ws->h = FNV_OFFSET;
	ws->len = 0;
}

/* Runs of letters and digits, lower case; a CJK character on its own. */
static void words_feed(words *ws, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end && !ws->decided) {
		gunichar c;
		const char *next;
		bool letter;
		char one[8];

		/* ASCII, most of the words of most mails, without the Unicode
		 * tables: the same letters, digits and lower case */
		if ((unsigned char)*p < 0x80) {
			if (g_ascii_isalnum(*p)) {
				one[0] = g_ascii_tolower(*p);
				words_put(ws, one, 1);
			} else {
				words_end(ws);
			}
			p++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		next = c == (gunichar)-1 || c == (gunichar)-2 ? p + 1 : p + g_utf8_skip[*(const guchar *)p];
		letter = c < 0x110000 && g_unichar_isalnum(c);

		if (letter && !g_unichar_iswide(c)) {
			words_put(ws, one, (size_t)g_unichar_to_utf8(g_unichar_tolower(c), one));
		} else {
			words_end(ws);
			if (letter) {
				/* a word of its own: three bytes or four, never one */
				words_put(ws, one, (size_t)g_unichar_to_utf8(c, one));
				words_end(ws);
			}
		}
		p = next;
	}
}

struct sax_text {
	words *ws;
	size_t len, max; /* the character data read, each element edge one space */
	unsigned skip;   /* inside script, style or head */
};

static bool hidden(const xmlChar *name)
{
	return name && (strcasecmp((const char *)name, "script") == 0 ||
	                strcasecmp((const char *)name, "style") == 0 ||
	                strcasecmp((const char *)name, "head") == 0);
}

/* An element ends a word: "<td>a</td><td>b</td>" is two. */
static void element_edge(void *ctx, struct sax_text *st)
{
	words_end(st->ws);
	st->len++;
	if (st->ws->decided)
		xmlStopParser((xmlParserCtxtPtr)ctx);
}

static void sax_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	(void)attrs;
	if (hidden(name))
		st->skip++;
	element_edge(ctx, st);
}

static void sax_end(void *ctx, const xmlChar *name)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	if (hidden(name) && st->skip)
		st->skip--;
	element_edge(ctx, st);
}

static void sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct sax_text *st = ((htmlParserCtxtPtr)ctx)->_private;

	if (!st->skip && len > 0 && st->len + (size_t)len <= st->max) {
		words_feed(st->ws, (const char *)ch, (size_t)len);
		st->len += (size_t)len;
		if (st->ws->decided)
			xmlStopParser((xmlParserCtxtPtr)ctx);
	}
}

/* The words of an HTML body's character data, decoded to UTF-8 first, until
 * the verdict is sure. */
static void html_words(const unsigned char *html, size_t len, const char *charset, size_t max,
                       words *ws)
{
	struct sax_text st = { ws, 0, max, 0 };
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
	words_end(ws);
}

bool mail_alt_html_richer(const mg_buf *plain, const unsigned char *html, size_t html_len,
                          const char *charset, char **why)
{
	words pw, hw;
	unsigned total;
	bool richer;

	words_init(&pw, NULL);
	words_feed(&pw, plain->data ? (const char *)plain->data : "", plain->len);
	words_end(&pw);
	words_init(&hw, &pw.set);
	html_words(html, html_len, charset, plain->max, &hw);
	total = (unsigned)hw.set.n;
	if (total == 0) {
		richer = false;
		*why = g_strdup("the HTML version has no text");
	} else if (pw.set.n == 0) {
		richer = true;
		*why = g_strdup("the plain text version is empty");
	} else if (hw.decided) {
		richer = true;
		*why = g_strdup_printf("the plain text version lacks %u of the first %u words of the HTML "
		                       "version, more than a tenth of all its words whatever the rest holds",
		                       hw.missing, total);
	} else {
		richer = hw.missing * 10 > total * MISSING_PER_TEN;
		*why = g_strdup_printf("the plain text version %s %u of the %u words of the HTML version",
		                       richer ? "lacks" : "lacks only", hw.missing, total);
	}
	g_free(pw.set.slot);
	g_free(hw.set.slot);
	return richer;
}

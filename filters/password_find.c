/*
 * password_find.c - the candidate passwords a PPAP password mail offers.
 *
 * Japanese senders write the zip's password in a second mail in a dozen
 * ways: "パスワード：ａｂｃ１２３", "【解凍PW】Xy12ab", "Password is
 * K7q2", or the keyword alone with the password on the next line.  This
 * file reads UTF-8 text (a subject, or a body as the mail filter decoded
 * it) and lists what follows such a keyword: full-width characters made
 * ASCII, brackets and quotes stripped, runs of 4 to 64 printable ASCII
 * characters, each once.  Pure: no I/O, one pass per line, and it stops at
 * the policy's bound, so a mail made of ten thousand "PW: xxxx" lines
 * costs no more than a plain one of its size.
 *
 * Nothing here is stored or reported: the list lives in the caller's
 * memory and is wiped by mg_password_found_free().
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "internal.h"

#define MIN_LEN 4
#define MAX_LEN 64

/* Japanese keywords, longest first where one begins another.  All begin
 * with one of three characters, so other text is passed over after a
 * comparison or two (the scan runs on every mail's whole text). */
#define KW(s) { s, sizeof(s) - 1 }
static const struct {
	const char *s;
	size_t len;
} keywords_ja[] = {
	KW("\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89"), /* パスワード */
	KW("\xe6\x9a\x97\xe8\xa8\xbc\xe7\x95\xaa\xe5\x8f\xb7"),             /* 暗証番号 */
	KW("\xe6\x9a\x97\xe8\xa8\xbc"),                                     /* 暗証 */
	KW("\xe8\xa7\xa3\xe5\x87\x8d"),                                     /* 解凍 */
	KW("\xe3\x83\x91\xe3\x82\xb9"),                                     /* パス */
};

/* Whether a keyword may begin at p: p or P of "pass"/"pw", or the first
 * character (three bytes) of a Japanese one: パ, 暗 or 解. */
static bool may_begin_keyword(const unsigned char *p, const unsigned char *end)
{
	if (*p < 0x80)
		return *p == 'p' || *p == 'P';
	return end - p >= 3 && ((p[0] == 0xe3 && p[1] == 0x83 && p[2] == 0x91) ||
	                        (p[0] == 0xe6 && p[1] == 0x9a && p[2] == 0x97) ||
	                        (p[0] == 0xe8 && p[1] == 0xa7 && p[2] == 0xa3));
}

/* Words that follow "password" in English prose and are never one. */
static const char *const stopwords[] = {
	"will", "with", "this", "that", "from", "sent", "send", "follow", "follows", "following",
	"below", "above", "file", "files", "separately", "separate", "mail", "email", "e-mail",
	"attached", "attachment", "attachments", "here", "your", "please", "word", "next",
	"password", "passwords", "passcode", "again", "shortly", "later", "message", "soon",
	"same", "protected", "open", "opening", "have", "been", "into", "zip-file", "zipfile",
};

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Full-width ASCII (U+FF01..U+FF5E) and the ideographic space become
 * ASCII; everything else is copied.  out has room for len bytes. */
static size_t normalise(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		if (i + 2 < len && in[i] == 0xEF && (in[i + 1] == 0xBC || in[i + 1] == 0xBD) &&
		    in[i + 2] >= 0x80 && in[i + 2] <= 0xBF) {
			unsigned cp = 0xF000u | ((in[i + 1] & 0x3Fu) << 6) | (in[i + 2] & 0x3Fu);

			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				out[o++] = (unsigned char)(cp - 0xFF01 + 0x21);
				i += 3;
				continue;
			}
		}
		if (i + 2 < len && in[i] == 0xE3 && in[i + 1] == 0x80 && in[i + 2] == 0x80) {
			out[o++] = ' ';
			i += 3;
			continue;
		}
		out[o++] = in[i++];
	}
	return o;
}

/* The end of the Japanese keyword at p, or NULL. */
static const unsigned char *after_ja_keyword(const unsigned char *p, const unsigned char *end)
{
	for (size_t k = 0; k < sizeof(keywords_ja) / sizeof(keywords_ja[0]); k++)
		if ((size_t)(end - p) >= keywords_ja[k].len &&
		    memcmp(p, keywords_ja[k].s, keywords_ja[k].len) == 0)
			return p + keywords_ja[k].len;
	return NULL;
}

/* Where the text after the first keyword of line starts, or NULL. */
static const unsigned char *after_keyword(const unsigned char *s, const unsigned char *end)
{
	for (const unsigned char *p = s; p < end; p++) {
		if (!may_begin_keyword(p, end))
			continue;
		if (*p >= 0x80) {
			const unsigned char *k = after_ja_keyword(p, end);

			if (k)
				return k;
			continue;
		}
		if (p > s && is_alpha(p[-1]))
			continue;
		/* pass, password, passwd, passcode; pw, pwd */
		if (((size_t)(end - p) >= 4 && strncasecmp((const char *)p, "pass", 4) == 0) ||
		    ((size_t)(end - p) >= 2 && strncasecmp((const char *)p, "pw", 2) == 0)) {
			while (p < end && is_alpha(*p))
				p++;
			return p;
		}
	}
	return NULL;
}

static bool is_stopword(const unsigned char *t, size_t n)
{
	for (size_t i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]); i++)
		if (strlen(stopwords[i]) == n && strncasecmp((const char *)t, stopwords[i], n) == 0)
			return true;
	return false;
}

static bool is_wrapper(unsigned char c)
{
	return c && strchr("\"'`()[]{}<>", c) != NULL;
}

typedef struct found {
	char **list;
	size_t n, max;
} found;

/* One candidate kept unless it is too short or long, a stopword or
 * already listed.  false once the list is full. */
static bool keep(found *f, const unsigned char *t, size_t n)
{
	char *c;

	if (f->n >= f->max)
		return false;
	if (n < MIN_LEN || n > MAX_LEN || is_stopword(t, n))
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->list[i]) == n && memcmp(f->list[i], t, n) == 0)
			return true;
	c = malloc(n + 1);
	if (!c)
		return false;
	memcpy(c, t, n);
	c[n] = 0;
	f->list[f->n++] = c;
	return f->n < f->max;
}

/* A run of printable ASCII: brackets and quotes around it stripped, a
 * separator before it (":" "=") dropped; a sentence's full stop after
 * it tried both without and with.  false once the list is full. */
static bool token(found *f, const unsigned char *t, size_t n, bool *any)
{
	size_t before = f->n;
	bool more;

	while (n && (is_wrapper(*t) || *t == ':' || *t == '='))
		t++, n--;
	while (n && is_wrapper(t[n - 1]))
		n--;
	if (n > 1 && strchr(".,;:", t[n - 1])) {
		/* "below:" is the word below, not a password */
		more = is_stopword(t, n - 1) || (keep(f, t, n - 1) && keep(f, t, n));
	} else {
		more = keep(f, t, n);
	}
	if (f->n > before)
		*any = true;
	return more;
}

/* Every token of [s, end): false once the list is full.  *any is set
 * when one was kept. */
static bool tokens(found *f, const unsigned char *s, const unsigned char *end, bool *any)
{
	const unsigned char *p = s;

	while (p < end) {
		const unsigned char *t;

		while (p < end && !is_token_char(*p))
			p++;
		t = p;
		while (p < end && is_token_char(*p))
			p++;
		if (p > t && !token(f, t, (size_t)(p - t), any))
			return false;
	}
	return true;
}

static const unsigned char *line_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static bool blank(const unsigned char *p, const unsigned char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

/* The line after a keyword that had nothing after it on its own line. */
static bool next_line(found *f, const unsigned char *p, const unsigned char *end, bool *any)
{
	while (p < end) {
		const unsigned char *e = line_end(p, end);

		if (!blank(p, e))
			return tokens(f, p, e, any);
		p = e + 1;
	}
	return true;
}

static void scan(found *f, const unsigned char *s, size_t len)
{
	const unsigned char *end = s + len;

	for (const unsigned char *p = s; p < end && f->n < f->max;) {
		const unsigned char *e = line_end(p, end), *k = after_keyword(p, e);
		bool any = false;

		if (k && !tokens(f, k, e, &any))
			return;
		if (k && !any && e < end && !next_line(f, e + 1, end, &any))
			return;
		p = e + 1;
	}
}

/* Whether "pw" or "pass", in any case, starts at p (a 'p' or 'P'). */
static bool ascii_keyword_at(const unsigned char *p, const unsigned char *end)
{
	unsigned char d = end - p > 1 ? p[1] | 0x20 : 0;

	return d == 'w' || (d == 'a' && end - p > 3 && (p[2] | 0x20) == 's' && (p[3] | 0x20) == 's');
}

/* Whether "pw" or "pass" starts at some byte "first": memchr skips the
 * text between two candidates many bytes at a time. */
static bool ascii_keyword_from(const unsigned char *s, size_t len, unsigned char first)
{
	const unsigned char *end = s + len;

	for (const unsigned char *p = memchr(s, first, len); p;
	     p = memchr(p + 1, first, (size_t)(end - p - 1)))
		if (ascii_keyword_at(p, end))
			return true;
	return false;
}

/* Whether the three bytes at p (end - p >= 3) spell the first character
 * of a Japanese keyword: パ, 暗 or 解. */
static bool wide_first_at(const unsigned char *p)
{
	switch (p[0]) {
	case 0xE3:
		return p[1] == 0x83 && p[2] == 0x91;
	case 0xE6:
		return p[1] == 0x9A && p[2] == 0x97;
	case 0xE8:
		return p[1] == 0xA7 && p[2] == 0xA3;
	default:
		return false;
	}
}

/* Whether a full-width form (a 0xEF byte) or the first character of a
 * Japanese keyword is in the text: one pass that steps over ASCII eight
 * bytes at a time, where a search for each of the four went over the
 * whole text. */
static bool wide_keyword_from(const unsigned char *s, size_t len)
{
	const unsigned char *p = s, *end = s + len;

	while (p < end) {
		if (*p < 0x80) {
			p += mg_ascii_run(p, (size_t)(end - p));
			continue;
		}
		if (*p == 0xEF || (*p >= 0xE3 && end - p >= 3 && wide_first_at(p)))
			return true;
		p++;
	}
	return false;
}

/* Whether the text may hold a keyword at all: one of the three first
 * characters of the Japanese ones, "pass" or "pw" in any case, or any
 * full-width form (a 0xEF byte: normalised, it may spell one; without
 * one, normalising only makes ideographic spaces ASCII ones, which no
 * keyword holds).  Most mails hold none and are spared the normalised
 * copy and the scan line by line. */
static bool may_hold_keyword(const unsigned char *s, size_t len)
{
	return wide_keyword_from(s, len) || ascii_keyword_from(s, len, 'p') ||
	       ascii_keyword_from(s, len, 'P');
}

size_t mg_password_find(const char *utf8, size_t len, char **list, size_t n, size_t max)
{
	found f = { list, n, max };
	unsigned char *norm;

	if (!utf8 || !len || n >= max || !may_hold_keyword((const unsigned char *)utf8, len))
		return n;
	norm = malloc(len);
	if (!norm)
		return n;
	scan(&f, norm, normalise((const unsigned char *)utf8, len, norm));
	explicit_bzero(norm, len);
	free(norm);
	return f.n;
}

void mg_password_found_free(char **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++) {
		if (list[i]) {
			explicit_bzero(list[i], strlen(list[i]));
			free(list[i]);
		}
	}
	free(list);
}

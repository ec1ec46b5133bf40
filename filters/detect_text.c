/*
 * detect_text.c - plain text proven from its bytes, without libmagic.
 *
 * Most attachments and archive members are plain text or CSV, and libmagic
 * spends most of its time on text: every text rule (scripts, sources,
 * markup, mail, certificates, calendars) is a search or a regular
 * expression over the first kilobytes.  Text that gives none of those
 * rules a hold is text to libmagic too (what that means exactly is
 * below): UTF-8 (or ASCII, or ISO-2022-JP's 7-bit escapes) with no
 * control character but tab, line feed, form feed and carriage return; no
 * markup '<', no RTF or TeX '\', no braces; no line opening as a script,
 * a source file, a header block, a directive, a section or a diff does;
 * none of the script markers libmagic searches for anywhere; no printable
 * signature of a format with a parser (GIF, BMP, bzip2, tar, ISO 9660...).
 * The proof only ever says "plain text" or "ask libmagic", and detect.c's
 * exact checks (RTF, SYLK, HTA, mail, programs) run after it as after
 * libmagic.
 *
 * What it guarantees (check_detect tests it against libmagic): what
 * it calls plain text is text to libmagic, or something libmagic only
 * guesses and mugai blocks as unknown (a short file, source code of a
 * compiled language, an audio sync word made of letters); never mail,
 * markup, RTF, a script or program, nor a format with a parser.  Such a
 * guess no longer blocks text that is valid UTF-8 with none of the above:
 * it leaves as text.
 */
#include <glib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "internal.h"

/* Words libmagic's rules look for at the start of a line of a script
 * (Python, Ruby, Perl, JavaScript modules, batch files, m4), a diff or a
 * mail or news message; and VBScript's Dim, which libmagic does not know. */
static const char *const line_words[] = {
	"import", "from", "def", "class", "except", "try", "elif", "end", "include", "require",
	"export", "use", "package", "module", "rem", "set", "echo", "dnl", "diff", "index",
	"only", "article", "forward", "pipe", "relay-version", "regedit", "dim",
};

/* Characters that may not open a line: comments and directives (# % . /),
 * sections and arrays ([), batch and decorators (@), shell and Perl
 * sigils ($ ! & | ;), header-ish and label lines (:), quotes (' ` "),
 * Lisp forms ((). */
static bool bad_line_start(unsigned char c)
{
	return strchr("#%./[@!$&|;:'`\"(", c) != NULL && c != 0;
}

static bool word_char(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

/* A line opening with a listed word, a diff or PEM marker, or a field
 * name followed by ':' (a header block, "BEGIN:VCARD", "all:"). */
static bool bad_line(const unsigned char *d, size_t len)
{
	size_t i = 0, w;
	char first;

	while (i < len && (d[i] == ' ' || d[i] == '\t'))
		i++;
	if (i == len || d[i] == '\n' || d[i] == '\r')
		return false;
	if (bad_line_start(d[i]))
		return true;
	if (len - i >= 2 && (memcmp(d + i, "--", 2) == 0 || memcmp(d + i, "++", 2) == 0 ||
	                     memcmp(d + i, "**", 2) == 0 || memcmp(d + i, "==", 2) == 0))
		return true;
	for (w = i; w < len && (word_char(d[w]) || d[w] == '-'); w++)
		;
	if (w < len && w > i && d[w] == ':')
		return true;
	/* Python's "def f(a, b):" shape: a line ending in "):" */
	{
		size_t e = len;

		while (e > i && (d[e - 1] == '\r' || d[e - 1] == ' ' || d[e - 1] == '\t'))
			e--;
		if (e - i >= 2 && d[e - 2] == ')' && d[e - 1] == ':')
			return true;
	}
	if (w == i || (w < len && word_char(d[w])))
		return false;
	/* the first letter first (folded once, not per word): most lines
	 * open with none of the words */
	first = g_ascii_tolower(d[i]);
	for (size_t k = 0; k < sizeof(line_words) / sizeof(line_words[0]); k++)
		if (first == line_words[k][0] && w - i == strlen(line_words[k]) &&
		    g_ascii_strncasecmp((const char *)d + i, line_words[k], w - i) == 0)
			return true;
	return false;
}

/* ISO-2022-JP's designations: ESC $ @, ESC $ B (two-byte), ESC ( B,
 * ESC ( J (one-byte).  Returns the sequence's length, 0 if not one. */
static size_t iso2022_escape(const unsigned char *d, size_t len, bool *two_byte)
{
	if (len < 3 || d[0] != 0x1b)
		return 0;
	if (d[1] == '$' && (d[2] == '@' || d[2] == 'B')) {
		*two_byte = true;
		return 3;
	}
	if (d[1] == '(' && (d[2] == 'B' || d[2] == 'J')) {
		*two_byte = false;
		return 3;
	}
	return 0;
}

/* Script markers libmagic searches for anywhere in its window (Perl's
 * "eval 'exec perl", JavaScript's "(function(" and "require(", Python's
 * "__main__", a batch file's "echo off", a PDF behind a line, Lisp forms):
 * text holding one, in any case, is left to libmagic.  Those anchored at
 * a line's start are line_words. */
static const char *const markers[] = {
	"eval", "exec", "use strict", "use warnings", "function", "require(", "#!", "<?",
	"try:", "except", "finally", "echo off", "wscript", "createobject", "$_", "(def", "(set",
	"(autoload", "(provide", "(lambda", "(let", "typeof", "exports", "self", "__bundle",
	"__main__", "__init__", "%pdf-",
};

/* The window detect.c hands libmagic: markers beyond it are not seen. */
#define MARKER_WINDOW (1u << 20)

/* Whether the marker is at d, in any case (markers are lower case). */
static bool marker_at(const unsigned char *d, size_t room, const char *m, size_t mlen)
{
	if (mlen > room)
		return false;
	for (size_t k = 1; k < mlen; k++)
		if ((d[k] | ((d[k] >= 'A' && d[k] <= 'Z') ? 0x20 : 0)) != (unsigned char)m[k])
			return false;
	return true;
}

static unsigned char lower(unsigned char c)
{
	return c | ((c >= 'A' && c <= 'Z') ? 0x20 : 0);
}

/* One pass over the window, in any case, instead of a lower-case copy
 * searched once per marker: only where two bytes may open a marker (a bit
 * per pair of first and second byte: 'e', 'f', 's', 't' open markers and
 * most English words too) are the markers that open with the first (a
 * chain per first byte) compared.  Every marker has two bytes at least. */
static bool has_marker(const unsigned char *d, size_t len)
{
	enum { NMARKERS = sizeof(markers) / sizeof(markers[0]) };
	size_t n = len < MARKER_WINDOW ? len : MARKER_WINDOW, mlen[NMARKERS];
	signed char head[256], next[NMARKERS];
	unsigned char pair[256][32] = { { 0 } };

	memset(head, -1, sizeof(head));
	for (size_t k = NMARKERS; k-- > 0;) {
		unsigned char c = (unsigned char)markers[k][0], c2 = (unsigned char)markers[k][1];

		mlen[k] = strlen(markers[k]);
		next[k] = head[c];
		head[c] = (signed char)k;
		if (c >= 'a' && c <= 'z')
			head[c - 0x20] = (signed char)k;
		pair[c][c2 >> 3] |= (unsigned char)(1u << (c2 & 7));
	}
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c2 = lower(d[i + 1]);

		if (head[d[i]] < 0 || !(pair[lower(d[i])][c2 >> 3] & (1u << (c2 & 7))))
			continue;
		for (int k = head[d[i]]; k >= 0; k = next[k])
			if (marker_at(d + i, n - i, markers[k], mlen[k]))
				return true;
	}
	return false;
}

/* Formats with a parser of their own whose signatures are printable text:
 * GIF, BMP, RIFF (WebP), bzip2, cpio, LHA, tar, ISO 9660 (a disk image). */
static bool text_signature(const unsigned char *d, size_t len)
{
	static const char *const prefixes[] = { "GIF8", "BM", "RIFF", "BZh", "0707" };
	static const struct {
		size_t off;
		const char *s;
	} at[] = { { 2, "-lh" }, { 2, "-lz" }, { 257, "ustar" }, { 32769, "CD001" },
		   { 37633, "CD001" } };

	for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
		if (len >= strlen(prefixes[k]) && memcmp(d, prefixes[k], strlen(prefixes[k])) == 0)
			return true;
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++)
		if (len >= at[k].off + strlen(at[k].s) && memcmp(d + at[k].off, at[k].s, strlen(at[k].s)) == 0)
			return true;
	return false;
}

/* What one byte of single-byte text is to the proof. */
enum { B_PLAIN, B_NEWLINE, B_ESC, B_REJECT };

/* Control bytes but tab, form feed and carriage return; markup, RTF and
 * TeX, braces: all send the bytes to libmagic. */
static const unsigned char byte_class[256] = {
	[0x00] = B_REJECT, [0x01] = B_REJECT, [0x02] = B_REJECT, [0x03] = B_REJECT,
	[0x04] = B_REJECT, [0x05] = B_REJECT, [0x06] = B_REJECT, [0x07] = B_REJECT,
	[0x08] = B_REJECT, [0x0b] = B_REJECT, [0x0e] = B_REJECT, [0x0f] = B_REJECT,
	[0x10] = B_REJECT, [0x11] = B_REJECT, [0x12] = B_REJECT, [0x13] = B_REJECT,
	[0x14] = B_REJECT, [0x15] = B_REJECT, [0x16] = B_REJECT, [0x17] = B_REJECT,
	[0x18] = B_REJECT, [0x19] = B_REJECT, [0x1a] = B_REJECT, [0x1c] = B_REJECT,
	[0x1d] = B_REJECT, [0x1e] = B_REJECT, [0x1f] = B_REJECT,
	[0x7f] = B_REJECT, ['<'] = B_REJECT, ['>'] = B_REJECT, ['\\'] = B_REJECT,
	['{'] = B_REJECT, ['}'] = B_REJECT, ['\n'] = B_NEWLINE, [0x1b] = B_ESC,
};

bool mg_detect_plain_text(const unsigned char *d, size_t len)
{
	const unsigned char *cls = byte_class;
	bool two_byte = false, seven_bit;
	size_t i = 0;

	if (len < 2)
		return false; /* "very short file" to libmagic: not typed as text */
	if (text_signature(d, len))
		return false;
	if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	seven_bit = mg_ascii_run(d + i, len - i) == len - i;
	if (!seven_bit && !g_utf8_validate_len((const char *)d + i, len - i, NULL))
		return false;
	while (i < len) {
		const unsigned char *nl = memchr(d + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - d) : len;

		/* one line: its opening, then every byte */
		if (!two_byte && bad_line(d + i, end - i))
			return false;
		while (i < end) {
			size_t esc;

			/* eight plain bytes at a time: most of a line is nothing else */
			while (end - i >= 8 && (cls[d[i]] | cls[d[i + 1]] | cls[d[i + 2]] | cls[d[i + 3]] |
			                        cls[d[i + 4]] | cls[d[i + 5]] | cls[d[i + 6]] |
			                        cls[d[i + 7]]) == B_PLAIN)
				i += 8;
			if (i == end)
				break;
			switch (cls[d[i]]) {
			case B_PLAIN:
				i++;
				break;
			case B_ESC:
				esc = seven_bit ? iso2022_escape(d + i, len - i, &two_byte) : 0;
				if (!esc)
					return false;
				i += esc;
				break;
			default:
				if (!two_byte || d[i] < 0x20 || d[i] == 0x7f)
					return false;
				i++; /* JIS X 0208 pairs use every printable byte */
			}
		}
		i = end + 1;
	}
	return !has_marker(d, len);
}

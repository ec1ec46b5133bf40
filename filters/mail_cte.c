/*
 * mail_cte.c - the transfer encoding of a text part mugai writes.
 *
 * The rule is gmime's best filter's under a 7-bit constraint: a NUL byte,
 * or 8-bit bytes making 17% of the text or more, base64; fewer 8-bit
 * bytes, a line longer than 998 octets or a line starting "From ",
 * quoted-printable; otherwise the text as it is.  Counted here over the
 * bytes, eight at a time (the lines looked at only when all are ASCII),
 * instead of through a filter object made and freed for each part (a
 * third of the new text part's time, 1.7% of the core's).  One difference:
 * gmime's filter never resets its line length, so ASCII text longer than
 * 998 octets in all was sent quoted-printable however short its lines;
 * here each line is measured on its own, and such text is sent as it is.
 */
#include <string.h>

#include "bytes8.h"
#include "mail_priv.h"

#define MAX_LINE 998 /* RFC 5322 2.1.1, without the CRLF */

static bool starts_from(const char *line, const char *end)
{
	return end - line >= 5 && memcmp(line, "From ", 5) == 0;
}

GMimeContentEncoding mail_text_encoding(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t count8 = 0, longest = 0, i = 0;
	bool nul = false, from = false;

	for (; len - i >= 8; i += 8) {
		uint64_t w = mg_bytes8(p + i);

		count8 += mg_count_high8(w);
		nul |= mg_any_below8(w, 1);
	}
	for (; i < len; i++) {
		count8 += p[i] >> 7;
		nul |= p[i] == 0;
	}
	if (nul)
		return GMIME_CONTENT_ENCODING_BASE64;
	if (count8 > 0)
		return count8 >= len * 17 / 100 ? GMIME_CONTENT_ENCODING_BASE64
		                                 : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	for (const char *line = text, *end = text + len; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		size_t n = (size_t)(stop - line);

		if (n > 0 && nl && line[n - 1] == '\r')
			n--;
		if (n > longest)
			longest = n;
		from |= starts_from(line, end);
		line = nl ? nl + 1 : end;
	}
	return longest > MAX_LINE || from ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
	                                  : GMIME_CONTENT_ENCODING_DEFAULT;
}

/*
 * charset.h - hostile bytes in some charset -> clean UTF-8.
 *
 * The declared charset is tried first; when it is missing, unknown to
 * iconv or plainly wrong (the bytes do not decode), a detection among the
 * charsets Japanese and Western mail really uses takes over.  Bytes that
 * decode in no charset become U+FFFD: decoding never fails and never
 * reads past the input.
 */
#ifndef MUGAI_CHARSET_H
#define MUGAI_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "bytes8.h"

typedef struct mg_charset_info {
	char used[32];      /* canonical name of the charset actually used */
	unsigned replaced;  /* bytes that decoded to U+FFFD */
	bool guessed;       /* the declared charset was missing or wrong */
} mg_charset_info;

/* Appends the UTF-8 form of in to out.  declared may be NULL.  0 on
 * success, -1 when out's maximum was reached. */
int mg_charset_decode(const unsigned char *in, size_t len, const char *declared, mg_buf *out,
                      mg_charset_info *info);

/* The canonical name of the charset the bytes most likely are in:
 * "UTF-8", "ISO-2022-JP", "Shift_JIS", "EUC-JP" or "windows-1252". */
const char *mg_charset_guess(const unsigned char *in, size_t len);

/* A declared charset name mapped to the canonical name used above, or
 * NULL when the name is empty, malformed or unknown to iconv. */
const char *mg_charset_canonical(const char *declared, char *tmp, size_t tmplen);

/* Opens the converters the decoder keeps (one per charset of its own
 * table), so that a process forked afterwards (a worker's job) opens
 * none of them itself. */
void mg_charset_warm(void);

/* The length of the ASCII run s starts with, found eight bytes at a
 * time: most mail text is ASCII for long stretches. */
static inline size_t mg_ascii_run(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (len - i >= 8 && !mg_any_high8(mg_bytes8(s + i)))
		i += 8;
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/* Removes in place what must not reach a reader from UTF-8 text: C0
 * controls except tab and newline, DEL, C1 controls, bidirectional
 * overrides and NUL; CRLF and lone CR become "\n".  Returns how many
 * characters were removed (line ends not counted). */
size_t mg_utf8_clean(mg_buf *b);

#endif

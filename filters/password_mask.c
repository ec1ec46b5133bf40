/*
 * password_mask.c - PPAP: the password line of a password mail masked in
 * the delivered copy (policy mask_passwords).
 *
 * The candidates password_find.c took from the text are overwritten in
 * place, in ASCII and in their full-width form (what the sender may have
 * typed), byte for byte: "*" for an ASCII character, "＊" for a
 * full-width one, so the text keeps its length and its line breaks.  The
 * original, kept in the quarantine, is not touched.
 */
#include <string.h>

#include "internal.h"

#define MAX_MASKED 64 /* the finder's longest candidate */

/* The full-width form of an ASCII candidate: 3 bytes a character. */
static size_t full_width(const char *c, char *out, size_t cap)
{
	size_t o = 0;

	for (; *c && o + 3 < cap; c++) {
		unsigned cp = 0xFF01u + (unsigned)((unsigned char)*c - 0x21);

		out[o++] = (char)(0xE0 | (cp >> 12));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[o++] = (char)(0x80 | (cp & 0x3F));
	}
	out[o] = 0;
	return o;
}

/* Every occurrence of needle (len bytes) in text overwritten with mask,
 * which is 1 or 3 bytes a character. */
static size_t overwrite(char *text, size_t tlen, const char *needle, size_t len, const char *mask,
                        size_t mlen)
{
	size_t n = 0;

	if (!len)
		return 0;
	for (char *p = text; (size_t)(p - text) + len <= tlen;) {
		char *hit = memmem(p, tlen - (size_t)(p - text), needle, len);

		if (!hit)
			break;
		for (size_t k = 0; k + mlen <= len; k += mlen)
			memcpy(hit + k, mask, mlen);
		p = hit + len;
		n++;
	}
	return n;
}

size_t mg_password_mask(char *text, size_t len, char *const *cands, size_t n)
{
	char wide[MAX_MASKED * 3 + 4];
	size_t masked = 0;

	for (size_t i = 0; text && i < n; i++) {
		size_t cl = strlen(cands[i]);

		if (cl == 0 || cl > MAX_MASKED)
			continue;
		masked += overwrite(text, len, cands[i], cl, "*", 1);
		masked += overwrite(text, len, wide, full_width(cands[i], wide, sizeof(wide)),
		                    "\xef\xbc\x8a", 3);
	}
	explicit_bzero(wide, sizeof(wide));
	return masked;
}

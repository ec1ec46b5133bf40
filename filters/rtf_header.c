/*
 * rtf_header.c - what Word opens as RTF.
 *
 * Word reads a file as RTF whenever its bytes begin with "{\rt": the rest
 * of "{\rtf1" is not checked, whatever the file is called.  Detection, the
 * RTF reader and the check on every artefact share this one test, so that
 * a file Word would open as RTF is never typed as text on the way in nor
 * produced as text on the way out.  A UTF-8 byte order mark, blanks and
 * line breaks in front and upper case letters are accepted too: reading
 * such a file as RTF costs nothing, missing one would let an object cross.
 */
#include <string.h>

#include "internal.h"

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool mg_rtf_opens(const unsigned char *d, size_t len, size_t *start)
{
	size_t i = 0;

	if (!d)
		return false;
	if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && is_blank(d[i]))
		i++;
	if (len - i < 4 || d[i] != '{' || d[i + 1] != '\\' || (d[i + 2] | 0x20) != 'r' ||
	    (d[i + 3] | 0x20) != 't')
		return false;
	if (start)
		*start = i;
	return true;
}

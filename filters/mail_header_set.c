/*
 * mail_header_set.c - a header field whose value gmime would write as it
 * is, set as that raw value.
 *
 * gmime formats an unstructured field twice: when it is set (encoded
 * words where needed, then folded) and again when the message is written
 * (the field is marked to be reformatted with the writer's options).  A
 * value of printable ASCII with no space at either end, on a line short
 * of the fold, comes out of both exactly as it went in (its spaces as
 * they are, encoded-word shapes as words of text): it is set as
 * " value\n" (the writer makes that CRLF, as gmime's newline filter
 * does), and neither format runs.  Any other value goes
 * through gmime as before.  check_mail compares the bytes written both
 * ways.
 */
#include <string.h>

#include "mail_priv.h"

/* "Name: value" within this many columns: gmime folds past them. */
#define PLAIN_LINE 78

static bool writes_as_is(const char *name, const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || strlen(name) + 2 + n > PLAIN_LINE || value[0] == ' ' || value[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c > 0x7E)
			return false;
	}
	return true;
}

void mail_header_set_raw(mail_fields *f, const char *name, const char *folded)
{
	char *raw = g_strconcat(" ", folded, "\n", NULL);

	mail_fields_set_raw(f, name, raw);
	g_free(raw);
}

bool mail_header_set_as_is(mail_fields *f, const char *name, const char *value)
{
	if (!writes_as_is(name, value))
		return false;
	mail_header_set_raw(f, name, value);
	return true;
}

void mail_header_set(mail_fields *f, const char *name, const char *value)
{
	if (!mail_header_set_as_is(f, name, value))
		mail_fields_set(f, name, value, NULL);
}

/*
 * html_safe_url.c - link and image targets sorted before they are kept.
 *
 * A browser strips blanks and control characters around a URL and tabs
 * and newlines inside it before reading its scheme, so "java\tscript:"
 * and " JaVaScRiPt:" run script; the target is cleaned the same way here
 * (entities were decoded by the parser) and its scheme compared without
 * case.  Only http, https, mailto and cid are ever kept; anything with
 * another control character left is refused.
 */
#include <string.h>

#include <glib.h>

#include "html_safe.h"

static bool has_scheme(const char *s, const char *scheme)
{
	size_t n = strlen(scheme);

	return g_ascii_strncasecmp(s, scheme, n) == 0 && s[n] == ':';
}

mg_url_kind mg_url_classify(const char *raw, char **clean)
{
	const char *s = raw ? raw : "";
	size_t n = strlen(s);
	GString *g;

	while (n > 0 && (unsigned char)s[0] <= ' ') {
		s++;
		n--;
	}
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	g = g_string_sized_new(n + 1);
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			g_string_append_c(g, s[i]);
	*clean = g_string_free(g, FALSE);
	for (const char *p = *clean; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7F)
			return URL_ACTIVE;
	if (has_scheme(*clean, "javascript") || has_scheme(*clean, "vbscript") ||
	    has_scheme(*clean, "data") || has_scheme(*clean, "livescript") ||
	    has_scheme(*clean, "mocha"))
		return URL_ACTIVE;
	if ((has_scheme(*clean, "http") || has_scheme(*clean, "https")) &&
	    strncmp(strchr(*clean, ':'), "://", 3) == 0 && strchr(*clean, ':')[3] != '\0')
		return URL_WEB;
	if (has_scheme(*clean, "mailto") && (*clean)[7] != '\0')
		return URL_MAILTO;
	if (has_scheme(*clean, "cid") && (*clean)[4] != '\0')
		return URL_CID;
	return URL_OTHER;
}

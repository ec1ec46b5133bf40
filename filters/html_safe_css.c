/*
 * html_safe_css.c - a style attribute reduced to declarations that only
 * colour, size and place text.
 *
 * This is no CSS parser: it accepts a small sublanguage and drops what it
 * does not recognise.  The whole attribute goes when it holds anything
 * through which CSS loads or runs (url(), image-set(), expression(),
 * @import, behavior, -moz-binding) or hides them (backslash escapes,
 * comments, braces, angle brackets).  What is left is split into
 * "name: value" declarations; a declaration is kept only when its name is
 * in the allow-list and its value is made of words, numbers, colours,
 * quoted font names and rgb()/hsl() colours.  The kept ones are written
 * again, so what comes out is always in this sublanguage.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "html_safe.h"

#define MAX_STYLE 8192 /* longer style attributes are dropped */

/* Sorted for bsearch.  None of them takes a URL or an image. */
static const char *const properties[] = {
	"background-color", "border", "border-bottom", "border-bottom-color",
	"border-bottom-style", "border-bottom-width", "border-collapse", "border-color",
	"border-left", "border-left-color", "border-left-style", "border-left-width",
	"border-right", "border-right-color", "border-right-style", "border-right-width",
	"border-spacing", "border-style", "border-top", "border-top-color", "border-top-style",
	"border-top-width", "border-width", "color", "font", "font-family", "font-size",
	"font-style", "font-variant", "font-weight", "height", "letter-spacing", "line-height",
	"list-style-type", "margin", "margin-bottom", "margin-left", "margin-right",
	"margin-top", "max-width", "min-width", "padding", "padding-bottom", "padding-left",
	"padding-right", "padding-top", "table-layout", "text-align", "text-decoration",
	"text-indent", "text-transform", "vertical-align", "white-space", "width", "word-break",
	"word-spacing", "word-wrap",
};

/* Substrings that drop the whole attribute (compared without case). */
static const char *const refused[] = {
	"\\", "/*", "*/", "@", "{", "}", "<", ">", "&", "url", "image", "expression",
	"script", "behavior", "binding", "var(", "attr(", "env(",
};

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool allowed_property(const char *name)
{
	return bsearch(name, properties, sizeof(properties) / sizeof(properties[0]),
	               sizeof(properties[0]), name_cmp) != NULL;
}

static bool refused_anywhere(const char *s)
{
	char *low = g_ascii_strdown(s, -1);
	bool bad = false;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]) && !bad; i++)
		bad = strstr(low, refused[i]) != NULL;
	g_free(low);
	return bad;
}

/* A colour function: the only parentheses allowed. */
static bool colour_function_before(const char *value, const char *paren)
{
	static const char *const fns[] = { "rgba", "rgb", "hsla", "hsl" };

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		size_t n = strlen(fns[i]);

		if ((size_t)(paren - value) >= n && g_ascii_strncasecmp(paren - n, fns[i], n) == 0 &&
		    (paren - n == value || !g_ascii_isalnum(paren[-(long)n - 1])))
			return true;
	}
	return false;
}

static bool safe_value(const char *v)
{
	unsigned single = 0, dbl = 0;
	bool in_fn = false;

	if (!*v)
		return false;
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '(') {
			if (in_fn || !colour_function_before(v, p))
				return false;
			in_fn = true;
		} else if (c == ')') {
			if (!in_fn)
				return false;
			in_fn = false;
		} else if (c == '\'') {
			single++;
		} else if (c == '"') {
			dbl++;
		} else if (!(c >= 0x80 || g_ascii_isalnum(c) || strchr(" #%.,-+!/", c))) {
			return false;
		}
	}
	return !in_fn && single % 2 == 0 && dbl % 2 == 0;
}

/* One "name: value" declaration, written to out when it is safe. */
static int declaration(const char *d, mg_buf *out, bool *kept)
{
	const char *colon = strchr(d, ':');
	char *name, *value;
	int rc = 0;

	*kept = false;
	if (!colon)
		return 0;
	name = g_ascii_strdown(d, colon - d);
	value = g_strdup(colon + 1);
	g_strstrip(name);
	g_strstrip(value);
	if (allowed_property(name) && safe_value(value)) {
		if (out->len > 0)
			rc |= mg_buf_puts(out, "; ");
		rc |= mg_buf_printf(out, "%s: %s", name, value);
		*kept = true;
	}
	g_free(name);
	g_free(value);
	return rc < 0 ? -1 : 0;
}

int mg_css_filter(const char *style, mg_buf *out, unsigned *dropped)
{
	char **decls;
	int rc = 0;

	*dropped = 0;
	if (strlen(style) > MAX_STYLE || refused_anywhere(style)) {
		*dropped = 1;
		return 0;
	}
	decls = g_strsplit(style, ";", -1);
	for (char **d = decls; *d && rc == 0; d++) {
		bool kept;
		char *t = g_strstrip(g_strdup(*d));

		if (*t) {
			rc = declaration(t, out, &kept);
			*dropped += !kept;
		}
		g_free(t);
	}
	g_strfreev(decls);
	return rc;
}

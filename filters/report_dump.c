/*
 * report_dump.c - an item's report as text, the very bytes of jansson's
 * json_dumps(JSON_INDENT(2)).  Every item's report is written once, and
 * jansson's general writer took a twentieth of a mail's rebuild: for each
 * object and array a printf and a hash table entry to find cycles (a
 * report is a tree built by the core: it has none), and for each
 * character a UTF-8 decode.  Written here is only what reports hold:
 * objects, arrays, UTF-8 strings, integers, true, false and null.  Any
 * other value (a real number, a string that is not UTF-8, a tree deeper
 * than a report) leaves the whole report to json_dumps, so the text is
 * jansson's in every case; check_report_dump compares the two.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define MAX_DEPTH 64 /* a report nests children of children, never this deep */
#define FIRST_SIZE 8192 /* most reports fit: one allocation, not five doublings */

/* The text being written: appends are most of the work, inline here. */
typedef struct text {
	char *p;
	size_t len, cap;
} text;

static bool grow(text *t, size_t n)
{
	size_t cap = t->cap ? t->cap : FIRST_SIZE;
	char *p;

	while (cap - t->len <= n) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	p = realloc(t->p, cap);
	if (!p)
		return false;
	t->p = p;
	t->cap = cap;
	return true;
}

static inline bool put(text *t, const char *s, size_t n)
{
	if (t->cap - t->len <= n && !grow(t, n))
		return false;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	return true;
}

/* A line break and two spaces for each level, as JSON_INDENT(2). */
static bool indent(text *t, unsigned depth)
{
	static const char spaces[] = "\n                                ";

	if (!put(t, spaces, 1))
		return false;
	for (size_t n = 2 * (size_t)depth; n > 0;) {
		size_t step = n < sizeof(spaces) - 2 ? n : sizeof(spaces) - 2;

		if (!put(t, spaces + 1, step))
			return false;
		n -= step;
	}
	return true;
}

/* jansson's escapes: the quote, the backslash and the control characters
 * (NUL too), named where JSON has a name, else \u with upper-case hex. */
static bool put_escape(text *t, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char seq[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
	const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" :
	                    c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" :
	                    c == '\t' ? "\\t" : NULL;

	return named ? put(t, named, 2) : put(t, seq, 6);
}

static bool put_string(text *t, const char *s, size_t len)
{
	size_t run = 0;
	unsigned char high = 0;

	if (!put(t, "\"", 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		high |= c;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (!put(t, s + run, i - run) || !put_escape(t, c))
			return false;
		run = i + 1;
	}
	/* jansson refuses to write what is not UTF-8 (NUL it escapes, as above) */
	if ((high & 0x80) && !g_utf8_validate_len(s, len, NULL))
		return false;
	return put(t, s + run, len - run) && put(t, "\"", 1);
}

static bool put_value(text *b, json_t *v, unsigned depth);

static bool put_object(text *b, json_t *o, unsigned depth)
{
	void *it = json_object_iter(o);

	if (!put(b, "{", 1))
		return false;
	if (it && !indent(b, depth + 1))
		return false;
	while (it) {
		void *next = json_object_iter_next(o, it);

		if (!put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) ||
		    !put(b, ": ", 2) || !put_value(b, json_object_iter_value(it), depth + 1) ||
		    (next ? !put(b, ",", 1) || !indent(b, depth + 1) : !indent(b, depth)))
			return false;
		it = next;
	}
	return put(b, "}", 1);
}

static bool put_array(text *b, json_t *a, unsigned depth)
{
	size_t n = json_array_size(a);

	if (!put(b, "[", 1))
		return false;
	if (n && !indent(b, depth + 1))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!put_value(b, json_array_get(a, i), depth + 1) ||
		    (i + 1 < n ? !put(b, ",", 1) || !indent(b, depth + 1) : !indent(b, depth)))
			return false;
	return put(b, "]", 1);
}

static bool put_value(text *b, json_t *v, unsigned depth)
{
	char num[32];
	int n;

	if (!v || depth > MAX_DEPTH)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v, depth);
	case JSON_ARRAY:
		return put_array(b, v, depth);
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return n > 0 && (size_t)n < sizeof(num) && put(b, num, (size_t)n);
	case JSON_TRUE:
		return put(b, "true", 4);
	case JSON_FALSE:
		return put(b, "false", 5);
	case JSON_NULL:
		return put(b, "null", 4);
	default:
		return false; /* a real: jansson's own formatting */
	}
}

char *mg_report_dump(json_t *report)
{
	text t = { NULL, 0, 0 };

	/* json_dumps writes an object or an array only, else nothing */
	if (!json_is_object(report) && !json_is_array(report))
		return NULL;
	if (!put_value(&t, report, 0) || !put(&t, "", 1)) {
		free(t.p);
		return json_dumps(report, FLAGS);
	}
	return t.p;
}

/* report.c - the structured report: one JSON object per item, children nested. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* jansson rejects invalid UTF-8; declared names come from hostile input. */
json_t *mg_json_text(const char *s)
{
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	if (!j) {
		char *copy = strdup(s);

		if (!copy)
			return json_null();
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j ? j : json_null();
}

json_t *mg_json_members(const char *key, ...)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	va_list ap;

	va_start(ap, key);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		json_t *v = va_arg(ap, json_t *);

		if (ok && v) {
			ok = json_object_set_new_nocheck(o, k, v) == 0; /* v taken either way */
		} else {
			json_decref(v);
			ok = false;
		}
	}
	va_end(ap);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *mg_report_new(const char *item_id, const mg_item *item)
{
	char hex[65];
	json_t *r = json_object();

	mg_sha256_hex(item->data, item->len, hex);
	if (item_id)
		json_object_set_new(r, "item_id", json_string(item_id));
	json_object_set_new(r, "name", mg_json_text(item->name));
	json_object_set_new(r, "declared_type", mg_json_text(item->declared_type));
	json_object_set_new(r, "input", mg_json_members("size", json_integer((json_int_t)item->len),
	                                                "sha256", json_string(hex), NULL));
	json_object_set_new(r, "actions", json_array());
	json_object_set_new(r, "removed", json_array());
	json_object_set_new(r, "findings", json_array());
	json_object_set_new(r, "children", json_array());
	return r;
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static void append_text(json_t *report, const char *key, json_t *value)
{
	json_t *arr = json_object_get(report, key);

	if (arr && value)
		json_array_append_new(arr, value);
	else
		json_decref(value);
}

void mg_report_removed(mg_ctx *ctx, const char *what, const char *why, ...)
{
	va_list ap;
	char *reason;

	va_start(ap, why);
	reason = vformat(why, ap);
	va_end(ap);
	append_text(ctx->report, "removed",
	            mg_json_members("what", mg_json_text(what), "why", mg_json_text(reason), NULL));
	free(reason);
}

void mg_report_finding(mg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	append_text(ctx->report, "findings", mg_json_text(s));
	free(s);
}

void mg_report_action(mg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	append_text(ctx->report, "actions", mg_json_text(s));
	free(s);
}

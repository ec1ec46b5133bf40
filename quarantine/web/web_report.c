/*
 * web_report.c - the core's JSON report as something a reviewer can
 * read: what was detected, what was done, what was removed and why, the
 * findings, and the same for every contained item (attachments, archive
 * members) recursively.  The report describes hostile input, so every
 * string in it is escaped, and the walk is bounded in depth and size.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "web_internal.h"

#define MAX_REPORT (4u << 20) /* bytes of JSON we parse */
#define MAX_DEPTH 12
#define MAX_ELEMENTS 2000     /* lines shown in all; the JSON has the rest */

struct walk {
	mw_out *o;
	mw_lang l;
	unsigned budget;
	bool truncated;
};

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static bool spend(struct walk *w)
{
	if (w->budget == 0) {
		w->truncated = true;
		return false;
	}
	w->budget--;
	return true;
}

static void dt(struct walk *w, mw_msg m)
{
	mw_raw(w->o, "<dt>");
	mw_tr(w->o, w->l, m);
	mw_raw(w->o, "</dt><dd>");
}

static void facts(struct walk *w, const json_t *r)
{
	const json_t *det = json_object_get(r, "detected"), *out = json_object_get(r, "output");
	const char *reason = str(r, "reason");

	mw_raw(w->o, "<dl class=\"kv\">");
	if (json_is_object(det)) {
		dt(w, MW_REPORT_DETECTED);
		mw_raw(w->o, "<span class=\"mono\">");
		mw_esc(w->o, str(det, "type"));
		mw_raw(w->o, "</span> <span class=\"muted\">");
		mw_esc(w->o, str(det, "description"));
		mw_raw(w->o, "</span></dd>");
	}
	if (*str(r, "action")) {
		dt(w, MW_REPORT_ACTION);
		mw_word(w->o, w->l, "action", str(r, "action"));
		mw_raw(w->o, "</dd>");
	}
	if (*str(r, "verdict")) {
		dt(w, MW_REPORT_OUTCOME);
		mw_badge(w->o, w->l, "verdict", str(r, "verdict"));
		if (*reason) {
			mw_raw(w->o, " <span class=\"reason\">");
			mw_esc(w->o, reason);
			mw_raw(w->o, "</span>");
		}
		mw_raw(w->o, "</dd>");
	}
	if (json_is_object(out)) {
		dt(w, MW_REPORT_OUTPUT);
		mw_raw(w->o, "<span class=\"mono\">");
		mw_esc(w->o, str(out, "type"));
		mw_raw(w->o, "</span>, ");
		mw_size(w->o, (uint64_t)json_integer_value(json_object_get(out, "size")));
		mw_raw(w->o, "</dd>");
	}
	mw_raw(w->o, "</dl>");
}

static void removed(struct walk *w, const json_t *arr)
{
	size_t i;
	const json_t *e;

	mw_raw(w->o, "<h4>");
	mw_tr(w->o, w->l, MW_REPORT_REMOVED);
	mw_raw(w->o, "</h4>");
	if (json_array_size(arr) == 0) {
		mw_raw(w->o, "<p class=\"muted\">");
		mw_tr(w->o, w->l, MW_REPORT_NOTHING_REMOVED);
		mw_raw(w->o, "</p>");
		return;
	}
	mw_raw(w->o, "<table class=\"removed\"><thead><tr><th>");
	mw_tr(w->o, w->l, MW_REPORT_WHAT);
	mw_raw(w->o, "</th><th>");
	mw_tr(w->o, w->l, MW_REPORT_WHY);
	mw_raw(w->o, "</th></tr></thead><tbody>");
	json_array_foreach(arr, i, e) {
		if (!spend(w))
			break;
		mw_raw(w->o, "<tr><td class=\"mono\">");
		mw_esc(w->o, json_is_string(e) ? json_string_value(e) : str(e, "what"));
		mw_raw(w->o, "</td><td>");
		mw_esc(w->o, str(e, "why"));
		mw_raw(w->o, "</td></tr>");
	}
	mw_raw(w->o, "</tbody></table>");
}

static void strings(struct walk *w, const json_t *arr, mw_msg title, const char *cls)
{
	size_t i;
	const json_t *e;

	if (json_array_size(arr) == 0)
		return;
	mw_raw(w->o, "<h4>");
	mw_tr(w->o, w->l, title);
	mw_rawf(w->o, "</h4><ul class=\"%s\">", cls);
	json_array_foreach(arr, i, e) {
		if (!spend(w))
			break;
		mw_raw(w->o, "<li>");
		mw_esc(w->o, json_is_string(e) ? json_string_value(e) : "");
		mw_raw(w->o, "</li>");
	}
	mw_raw(w->o, "</ul>");
}

static void node(struct walk *w, const json_t *r, unsigned depth);

static void children(struct walk *w, const json_t *arr, unsigned depth)
{
	size_t i;
	const json_t *c;

	if (json_array_size(arr) == 0)
		return;
	mw_raw(w->o, "<h4>");
	mw_tr(w->o, w->l, MW_REPORT_CHILDREN);
	mw_raw(w->o, "</h4>");
	json_array_foreach(arr, i, c) {
		const char *name = str(c, "name");

		if (!json_is_object(c) || !spend(w))
			continue;
		if (depth + 1 >= MAX_DEPTH) {
			w->truncated = true;
			return;
		}
		mw_raw(w->o, "<details class=\"child\" open><summary><span class=\"name\">");
		mw_esc(w->o, *name ? name : mw_t(w->l, MW_REPORT_UNNAMED));
		mw_raw(w->o, "</span> ");
		mw_badge(w->o, w->l, "verdict", str(c, "verdict"));
		mw_raw(w->o, "</summary>");
		node(w, c, depth + 1);
		mw_raw(w->o, "</details>");
	}
}

static void node(struct walk *w, const json_t *r, unsigned depth)
{
	mw_raw(w->o, "<div class=\"report-node\">");
	facts(w, r);
	removed(w, json_object_get(r, "removed"));
	strings(w, json_object_get(r, "findings"), MW_REPORT_FINDINGS, "findings");
	strings(w, json_object_get(r, "actions"), MW_REPORT_ACTIONS, "actions");
	children(w, json_object_get(r, "children"), depth);
	mw_raw(w->o, "</div>");
}

void mw_render_report(mw_out *o, mw_lang lang, const char *report_json)
{
	struct walk w = { o, lang, MAX_ELEMENTS, false };
	size_t len = report_json ? strlen(report_json) : 0;
	json_t *root = NULL;

	if (len == 0) {
		mw_raw(o, "<p class=\"muted\">");
		mw_tr(o, lang, MW_REPORT_NONE);
		mw_raw(o, "</p>");
		return;
	}
	if (len <= MAX_REPORT)
		root = json_loadb(report_json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		mw_raw(o, "<p class=\"flash error\">");
		mw_tr(o, lang, MW_REPORT_UNREADABLE);
		mw_raw(o, "</p>");
	} else {
		node(&w, root, 0);
		if (w.truncated) {
			mw_raw(o, "<p class=\"flash error\">");
			mw_tr(o, lang, MW_REPORT_TRUNCATED);
			mw_raw(o, "</p>");
		}
	}
	json_decref(root);
	mw_raw(o, "<details class=\"raw\" id=\"raw-report\"><summary>");
	mw_tr(o, lang, MW_REPORT_RAW);
	mw_raw(o, "</summary><pre>");
	mw_esc_n(o, report_json, len);
	mw_raw(o, "</pre></details>");
}

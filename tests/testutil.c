/* testutil.c - file reading and one-call sanitising for the tests. */
#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

unsigned char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

mg_status tu_sanitize_policy(const mg_policy *p, const void *data, size_t len,
                             const char *name, mg_mode mode, mg_result *res)
{
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { data, len, name, NULL, NULL, 0 };
	mg_status st;

	ck_assert_msg(core != NULL, "core: %s", err);
	st = mg_sanitize(core, &in, mode, res);
	mg_core_free(core);
	return st;
}

mg_status tu_sanitize(const void *data, size_t len, const char *name, mg_mode mode,
                      mg_result *res)
{
	mg_policy *p = mg_policy_new();
	mg_status st = tu_sanitize_policy(p, data, len, name, mode, res);

	mg_policy_free(p);
	return st;
}

mg_status tu_sanitize_corpus(const char *rel, mg_mode mode, mg_result *res)
{
	char path[4096];
	size_t len;
	unsigned char *data;
	mg_status st;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	data = tu_read(path, &len);
	st = tu_sanitize(data, len, strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel, mode, res);
	free(data);
	return st;
}

int tu_contains(const void *hay, size_t len, const char *needle)
{
	return hay && memmem(hay, len, needle, strlen(needle)) != NULL;
}

int tu_report_has(const mg_result *res, const char *array, const char *needle)
{
	json_t *root = json_loads(res->report_json, 0, NULL), *arr, *v;
	size_t i;
	int found = 0;

	ck_assert_ptr_nonnull(root);
	arr = json_object_get(root, array);
	json_array_foreach(arr, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		const char *what = json_string_value(json_object_get(v, "what"));
		const char *why = json_string_value(json_object_get(v, "why"));

		if ((s && strstr(s, needle)) || (what && strstr(what, needle)) ||
		    (why && strstr(why, needle)))
			found = 1;
	}
	json_decref(root);
	return found;
}

cairo_status_t tu_cairo_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct tu_buf *m = closure;

	m->d = realloc(m->d, m->len + len);
	ck_assert_ptr_nonnull(m->d);
	memcpy(m->d + m->len, data, len);
	m->len += len;
	return CAIRO_STATUS_SUCCESS;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rm_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

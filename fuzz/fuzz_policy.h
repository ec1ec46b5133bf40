/* fuzz_policy.h - what the harnesses that call a filter directly share:
 * a policy of small limits, which keep each run short and reach the limit
 * paths, and the check of the text a filter writes. */
#ifndef FUZZ_POLICY_H
#define FUZZ_POLICY_H

#include <glib.h>
#include <stdlib.h>

#include "internal.h"

/* The default policy with each { key, value } of limits set; aborts on a
 * key the policy refuses (the harness itself would be wrong). */
static inline mg_policy *fuzz_policy(const char *const (*limits)[2], size_t n)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	if (!p)
		abort();
	for (size_t i = 0; i < n; i++)
		if (mg_policy_set(p, limits[i][0], limits[i][1], &err) != 0)
			abort();
	return p;
}

/* Text a filter wrote: UTF-8 with no control character but tab and
 * newline, or the harness aborts. */
static inline void fuzz_check_text(const mg_buf *b)
{
	if (!g_utf8_validate((const char *)b->data, (gssize)b->len, NULL))
		abort();
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] < 0x20 && b->data[i] != '\n' && b->data[i] != '\t')
			abort();
}

#endif

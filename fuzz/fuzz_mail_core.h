/* fuzz_mail_core.h - the core as the mail harnesses (fuzz_mail, fuzz_tnef)
 * use it: one per process, with small limits that keep each run short and
 * reach the limit paths. */
#ifndef FUZZ_MAIL_CORE_H
#define FUZZ_MAIL_CORE_H

#include <stdlib.h>

#include "mugai.h"

static mg_core *mail_core_once(void)
{
	static mg_core *core;
	char *err = NULL;
	mg_policy *p;

	if (core)
		return core;
	p = mg_policy_new();
	mg_policy_set(p, "max_parts", "200", &err);
	mg_policy_set(p, "time_limit", "10s", &err);
	core = mg_core_new(p, &err);
	mg_policy_free(p);
	if (!core)
		abort();
	return core;
}

#endif

/* fuzz_mail.c - the mail rebuild, as the SMTP channel feeds it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mugai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mg_core *core;

static mg_core *core_once(void)
{
	char *err = NULL;
	mg_policy *p;

	if (core)
		return core;
	p = mg_policy_new();
	/* small limits keep each run short and reach the limit paths */
	mg_policy_set(p, "max_parts", "200", &err);
	mg_policy_set(p, "time_limit", "10s", &err);
	core = mg_core_new(p, &err);
	mg_policy_free(p);
	if (!core)
		abort();
	return core;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_input in = { data, size, "fuzz.eml", NULL, "fuzz", 1 };
	mg_result res;

	mg_sanitize(core_once(), &in, MG_MODE_DEFAULT, &res);
	/* fail closed: an artefact only with a sanitised verdict */
	if (res.verdict == MG_VERDICT_SANITISED && !res.out)
		abort();
	if (res.verdict == MG_VERDICT_BLOCKED && (res.out || !res.reason))
		abort();
	mg_result_free(&res);
	return 0;
}

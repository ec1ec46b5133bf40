/* fuzz_mail.c - the mail rebuild, as the SMTP channel feeds it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_mail_core.h"
#include "mugai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_input in = { data, size, "fuzz.eml", NULL, "fuzz", 1 };
	mg_result res;

	mg_sanitize(mail_core_once(), &in, MG_MODE_DEFAULT, &res);
	/* fail closed: an artefact only with a sanitised verdict */
	if (res.verdict == MG_VERDICT_SANITISED && !res.out)
		abort();
	if (res.verdict == MG_VERDICT_BLOCKED && (res.out || !res.reason))
		abort();
	mg_result_free(&res);
	return 0;
}

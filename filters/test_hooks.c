/*
 * test_hooks.c - slow or hanging pages on demand, for the tests of the
 * deadlines that follow progress (a real pathological page is not
 * reproducible).  Compiled in only with MUGAI_TEST_HOOKS, which the
 * package build turns off: an installed mugaid has no such knob.
 */
#ifdef MUGAI_TEST_HOOKS
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

void mg_test_unit_delay(unsigned long n)
{
	const char *every = getenv("MUGAI_TEST_UNIT_DELAY_MS");
	const char *hang = getenv("MUGAI_TEST_HANG_UNIT");

	if (every && *every)
		sleep_ms(strtoul(every, NULL, 10));
	if (hang && *hang && strtoul(hang, NULL, 10) == n)
		sleep_ms(3600ul * 1000);
}
#else
typedef int mg_test_hooks_unused; /* ISO C wants something in a file */
#endif

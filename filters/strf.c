/* strf.c - a formatted message in memory of its own, for the errors the
 * policy, the configuration and the gateway hand back to their callers. */
#include <stdarg.h>
#include <stdio.h>

#include "mugai.h"

char *mg_strf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

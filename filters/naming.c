/* naming.c - what a sanitised artefact is called. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

char *mg_output_name(const char *name, const char *out_ext)
{
	const char *base, *dot;
	char probe[32];
	char *out = NULL;
	int n;

	base = name && *name ? name : "item";
	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	if (strrchr(base, '\\'))
		base = strrchr(base, '\\') + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		base = "item";
	if (!out_ext || !*out_ext)
		return strdup(base);
	dot = strrchr(base, '.');
	if (dot && strcasecmp(dot + 1, out_ext) == 0)
		return strdup(base);
	snprintf(probe, sizeof(probe), "x.%s", out_ext);
	if (dot && dot != base && mg_family_of_name(base) != MG_FAM_EXECUTABLE &&
	    mg_family_of_name(base) == mg_family_of_name(probe))
		n = asprintf(&out, "%.*s.%s", (int)(dot - base), base, out_ext);
	else
		n = asprintf(&out, "%s.%s", base, out_ext);
	return n < 0 ? NULL : out;
}

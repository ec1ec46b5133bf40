/* units.c - sizes, durations, counts and booleans as written in INI files. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mugai.h"

static int parse_scaled(const char *s, uint64_t *out, const char *suffixes,
                        const uint64_t *scales)
{
	char *end;
	unsigned long long v;
	const char *hit;
	uint64_t scale = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		hit = strchr(suffixes, *end);
		if (!hit || end[1])
			return -1;
		scale = scales[hit - suffixes];
	}
	if (v > UINT64_MAX / scale)
		return -1;
	*out = v * scale;
	return 0;
}

int mg_parse_size(const char *s, uint64_t *out)
{
	static const uint64_t scales[] = { 1024, 1024, 1ull << 20, 1ull << 20, 1ull << 30, 1ull << 30, 1 };

	return parse_scaled(s, out, "kKmMgGB", scales);
}

int mg_parse_seconds(const char *s, uint64_t *out)
{
	static const uint64_t scales[] = { 1, 60, 3600, 86400 };

	return parse_scaled(s, out, "smhd", scales);
}

int mg_parse_count(const char *s, uint64_t *out)
{
	return parse_scaled(s, out, "", NULL);
}

int mg_parse_bool(const char *s, uint64_t *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

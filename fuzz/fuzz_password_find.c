/*
 * fuzz_password_find.c - the PPAP candidate finder on arbitrary text.
 *
 * Beyond "no crash, no leak, no hang": never more than the bound, each
 * candidate 4 to 64 printable ASCII characters and listed once, and the
 * list appended to, never rewritten; masking them (password_mask.c)
 * stays inside the text and leaves no ASCII candidate that contains no
 * asterisk of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX 20

static void check(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (len < 4 || len > 64)
			abort();
		for (size_t k = 0; k < len; k++)
			if (list[i][k] <= 0x20 || list[i][k] >= 0x7f)
				abort();
		for (size_t k = 0; k < i; k++)
			if (strcmp(list[k], list[i]) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **list = calloc(MAX, sizeof(char *)), *first;
	size_t half = size / 2, n;

	if (!list)
		return 0;
	/* the subject, then the body, as the mail filter calls it */
	n = mg_password_find((const char *)data, half, list, 0, MAX);
	if (n > MAX)
		abort();
	first = n ? strdup(list[0]) : NULL;
	n = mg_password_find((const char *)data + half, size - half, list, n, MAX);
	if (n > MAX || (first && strcmp(first, list[0]) != 0))
		abort();
	check(list, n);
	if (size) {
		char *copy = malloc(size);

		if (!copy)
			abort();
		memcpy(copy, data, size);
		mg_password_mask(copy, size, list, n);
		for (size_t i = 0; i < n; i++)
			if (!strchr(list[i], '*') && memmem(copy, size, list[i], strlen(list[i])))
				abort();
		free(copy);
	}
	free(first);
	mg_password_found_free(list, n);
	return 0;
}

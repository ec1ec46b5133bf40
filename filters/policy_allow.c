/*
 * policy_allow.c - policy allow_sha256: the originals an administrator
 * vouched for, by SHA-256.
 *
 * The file is what `sha256sum FILE... > list` writes (a hash, then
 * anything, usually the name), or bare hashes; blank lines and lines
 * starting with # are ignored.  Any other line refuses the whole file with
 * its line number: a list that is half read would silently block what the
 * administrator allowed, or worse, be taken for complete.  The hashes are
 * kept sorted and looked up by bisection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A list this long is a mistake (a file of files, not of hashes). */
#define MAX_ENTRIES 1000000u

struct mg_allowlist {
	size_t n, cap;
	char (*hex)[65];
	char digest[65];
};

/* The line's hash, lowercased into out: 0, 1 for a line to skip, -1 bad. */
static int parse_line(const char *line, char out[65])
{
	size_t i = 0;

	while (line[i] == ' ' || line[i] == '\t')
		i++;
	if (line[i] == '\0' || line[i] == '\n' || line[i] == '\r' || line[i] == '#')
		return 1;
	line += i;
	for (i = 0; i < 64; i++) {
		char c = line[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[64] = 0;
	/* sha256sum: "HASH  name" or "HASH *name" (binary mode) */
	return line[64] == '\0' || line[64] == '\n' || line[64] == '\r' || line[64] == ' ' ||
	               line[64] == '\t'
	           ? 0
	           : -1;
}

static int add(mg_allowlist *l, const char hex[65])
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char(*grown)[65] = realloc(l->hex, cap * sizeof(*grown));

		if (!grown)
			return -1;
		l->hex = grown;
		l->cap = cap;
	}
	memcpy(l->hex[l->n++], hex, 65);
	return 0;
}

static int cmp_hex(const void *a, const void *b)
{
	return memcmp(a, b, 64);
}

/* Sorted, duplicates dropped, and the digest of what remains. */
static void finish(mg_allowlist *l)
{
	size_t w = 0;
	mg_buf b;

	if (l->n)
		qsort(l->hex, l->n, sizeof(*l->hex), cmp_hex);
	for (size_t r = 0; r < l->n; r++)
		if (w == 0 || memcmp(l->hex[w - 1], l->hex[r], 64) != 0)
			memmove(l->hex[w++], l->hex[r], 65);
	l->n = w;
	mg_buf_init(&b, (l->n + 1) * 65);
	for (size_t i = 0; i < l->n; i++)
		mg_buf_printf(&b, "%s\n", l->hex[i]);
	mg_sha256_hex(b.data ? b.data : (const unsigned char *)"", b.len, l->digest);
	mg_buf_free(&b);
}

mg_allowlist *mg_allowlist_read(const char *path, char **err)
{
	FILE *f = fopen(path, "re");
	mg_allowlist *l;
	char *line = NULL, hex[65];
	size_t cap = 0;
	unsigned lineno = 0;

	*err = NULL;
	if (!f) {
		*err = mg_strf("policy.allow_sha256 %s: %s", path, strerror(errno));
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	while (l && getline(&line, &cap, f) >= 0) {
		int rc = parse_line(line, hex);

		lineno++;
		if (rc == 1)
			continue;
		if (rc < 0 || l->n >= MAX_ENTRIES || add(l, hex) < 0) {
			*err = mg_strf("policy.allow_sha256 %s:%u: %s", path, lineno,
			               rc < 0 ? "not a SHA-256 in hex (64 digits, as sha256sum writes)"
			                      : l->n >= MAX_ENTRIES ? "more than 1000000 hashes"
			                                            : "out of memory");
			goto fail;
		}
	}
	if (!l || ferror(f)) {
		*err = mg_strf("policy.allow_sha256 %s: %s", path, l ? "read error" : "out of memory");
		goto fail;
	}
	free(line);
	fclose(f);
	finish(l);
	return l;
fail:
	free(line);
	fclose(f);
	mg_allowlist_free(l);
	return NULL;
}

void mg_allowlist_free(mg_allowlist *l)
{
	if (!l)
		return;
	free(l->hex);
	free(l);
}

bool mg_allowlist_has(const mg_allowlist *l, const char *hex)
{
	return l && hex && strlen(hex) == 64 && l->n &&
	       bsearch(hex, l->hex, l->n, sizeof(*l->hex), cmp_hex) != NULL;
}

size_t mg_allowlist_count(const mg_allowlist *l)
{
	return l ? l->n : 0;
}

const char *mg_allowlist_digest(const mg_allowlist *l)
{
	return l ? l->digest : "";
}

/* password_file.c - candidate passwords read from a file, kept in memory only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "mugai.h"
#include "password_file.h"

static int add(char ***list, size_t *n, const char *line, size_t len)
{
	char **grown = realloc(*list, (*n + 2) * sizeof(*grown));

	if (!grown)
		return -1;
	*list = grown;
	grown[*n] = strndup(line, len);
	if (!grown[*n])
		return -1;
	grown[++*n] = NULL;
	return 0;
}

char **mg_password_file_read(const char *path, size_t *n, char **err)
{
	size_t len = 0;
	char *data = (char *)mg_read_file(path, MG_PASSWORD_FILE_MAX, &len);
	char **list = calloc(1, sizeof(*list));
	const char *p, *end;

	*n = 0;
	if (!data || !list || len > MG_PASSWORD_FILE_MAX) {
		if (asprintf(err, "%s: %s", path,
		             !data ? strerror(errno) : !list ? "out of memory" : "larger than 1 MiB") < 0)
			*err = NULL;
		free(list);
		if (data)
			explicit_bzero(data, len);
		free(data);
		return NULL;
	}
	/* the bytes read are not NUL-terminated: lines are found by length */
	p = len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? data + 3 : data;
	for (end = data + len; p < end && list;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
		const char *cr = memchr(p, '\r', (size_t)(stop - p));
		size_t k = (size_t)((cr ? cr : stop) - p);

		if (k > 0 && add(&list, n, p, k) < 0) {
			mg_password_found_free(list, *n);
			list = NULL;
			*err = strdup("out of memory");
		}
		p = stop + 1;
	}
	explicit_bzero(data, len);
	free(data);
	return list;
}

/* testutil_text.c - see testutil_text.h. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "testutil_text.h"

char *tu_write_temp(const unsigned char *d, size_t len)
{
	char *path = g_strdup("/tmp/mugai-test-XXXXXX");
	int fd = g_mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, d, len), (ssize_t)len);
	close(fd);
	return path;
}

char *tu_pdftotext(const unsigned char *d, size_t len)
{
	char *in = tu_write_temp(d, len), *out = g_strconcat(in, ".txt", NULL), cmd[512];
	unsigned char *t;
	size_t tlen;
	int rc;

	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s %s 2>/dev/null", in, out);
	rc = system(cmd);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "pdftotext failed (%d)", rc);
	t = tu_read(out, &tlen);
	unlink(in);
	unlink(out);
	g_free(in);
	g_free(out);
	return (char *)t;
}

size_t tu_lcs(const GPtrArray *a, const GPtrArray *b)
{
	size_t *prev = calloc(b->len + 1, sizeof(size_t)), *cur = calloc(b->len + 1, sizeof(size_t));
	size_t n;

	ck_assert(prev && cur);
	for (size_t i = 1; i <= a->len; i++) {
		size_t *t;

		for (size_t j = 1; j <= b->len; j++)
			cur[j] = strcmp(a->pdata[i - 1], b->pdata[j - 1]) == 0 ? prev[j - 1] + 1
			         : prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
		t = prev;
		prev = cur;
		cur = t;
	}
	n = prev[b->len];
	free(prev);
	free(cur);
	return n;
}

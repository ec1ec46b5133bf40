/* buf.c - the bounded growing buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void mg_buf_init(mg_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void mg_buf_free(mg_buf *b)
{
	free(b->data);
	mg_buf_init(b, b->max);
}

void mg_buf_reset(mg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

static int mg_buf_reserve(mg_buf *b, size_t extra)
{
	size_t need, cap;
	unsigned char *p;

	if (extra > b->max || b->len > b->max - extra)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int mg_buf_append(mg_buf *b, const void *data, size_t len)
{
	if (mg_buf_reserve(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

int mg_buf_puts(mg_buf *b, const char *s)
{
	return mg_buf_append(b, s, strlen(s));
}

int mg_buf_putc(mg_buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return mg_buf_append(b, &ch, 1);
}

int mg_buf_printf(mg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || mg_buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

unsigned char *mg_buf_steal(mg_buf *b, size_t *len)
{
	unsigned char *p = b->data;

	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	mg_buf_init(b, b->max);
	return p;
}

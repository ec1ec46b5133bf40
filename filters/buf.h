/*
 * buf.h - a growing byte buffer with a hard maximum set at creation
 * (curl's dynbuf idea): past the maximum an append fails, it never aborts
 * and never grows without bound.  The data is always NUL-terminated.
 */
#ifndef MUGAI_BUF_H
#define MUGAI_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mg_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;
} mg_buf;

void mg_buf_init(mg_buf *b, size_t max);
void mg_buf_free(mg_buf *b);
void mg_buf_reset(mg_buf *b);
/* 0 on success, -1 when the maximum would be passed or memory ran out. */
int mg_buf_append(mg_buf *b, const void *data, size_t len);
int mg_buf_puts(mg_buf *b, const char *s);
int mg_buf_putc(mg_buf *b, int c);
int mg_buf_printf(mg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data over to the caller (free() it); the buffer is empty after. */
unsigned char *mg_buf_steal(mg_buf *b, size_t *len);

/* A bounds-checked window on input bytes (ClamAV's fmap idea): asking for
 * bytes outside the input returns NULL instead of reading past it. */
static inline const unsigned char *mg_view(const unsigned char *data, size_t len,
                                           size_t off, size_t n)
{
	if (off > len || n > len - off)
		return NULL;
	return data + off;
}

#endif

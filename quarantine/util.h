/* util.h - small helpers shared by the quarantine's files. */
#ifndef MUGAI_QUARANTINE_UTIL_H
#define MUGAI_QUARANTINE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Sets *err (when err is not NULL) to a formatted message; returns rc. */
int mq_fail(char **err, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* strdup that maps NULL to "" and returns NULL only when out of memory. */
char *mq_strdup0(const char *s);
/* Decimal text to int64; 0 for NULL or garbage (cells we wrote ourselves). */
int64_t mq_atoi64(const char *s);
int64_t mq_now(void);
/* A copy fit for the index and a terminal: valid UTF-8 (bad bytes become
 * U+FFFD), control characters other than tab and newline replaced by
 * U+FFFD, at most max bytes (cut at a character boundary).  NULL -> "".
 * NULL only when out of memory; free() it. */
char *mq_clean_text(const char *s, size_t max);
/* Exactly len bytes from fd (a read cut short by a signal is resumed);
 * 0, or -1 on an error or an early end of file. */
int mq_read_exact(int fd, unsigned char *buf, size_t len);
/* "local:<login>" for the operator running the command. */
const char *mq_local_actor(void);

#endif

/* util.c - error messages, strings, time. */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int mq_fail(char **err, int rc, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!err)
		return rc;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(*err);
	*err = msg;
	return rc;
}

char *mq_strdup0(const char *s)
{
	return strdup(s ? s : "");
}

int64_t mq_atoi64(const char *s)
{
	char *end;
	long long v;

	if (!s)
		return 0;
	v = strtoll(s, &end, 10);
	return *end ? 0 : (int64_t)v;
}

int64_t mq_now(void)
{
	return (int64_t)time(NULL);
}

const char *mq_local_actor(void)
{
	static char buf[80];
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		snprintf(buf, sizeof(buf), "local:%.64s", pw->pw_name);
	else
		snprintf(buf, sizeof(buf), "local:uid%u", (unsigned)geteuid());
	return buf;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int is_control(uint32_t c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c <= 0x9f);
}

char *mq_clean_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), o = 0;
	/* each input byte becomes at most 3 output bytes (U+FFFD) */
	char *out = malloc((n < max ? n : max) * 3 + 1);

	if (!out)
		return NULL;
	while (n > 0) {
		uint32_t c = 0;
		size_t len = utf8_len(p, n, &c);
		const char *put = (const char *)p;
		size_t plen = len;

		if (len == 0 || is_control(c)) {
			put = "\xef\xbf\xbd";
			plen = 3;
			len = len ? len : 1;
		}
		if (o + plen > max)
			break;
		memcpy(out + o, put, plen);
		o += plen;
		p += len;
		n -= len;
	}
	out[o] = 0;
	return out;
}

int mq_read_exact(int fd, unsigned char *buf, size_t len)
{
	size_t n = 0;

	while (n < len) {
		ssize_t r = read(fd, buf + n, len - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	return 0;
}

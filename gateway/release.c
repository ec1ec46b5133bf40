/*
 * release.c - the default release hook: an approved original leaves the
 * quarantine through the normal way out, marked as released.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "release.h"

#define NAME_MAX_BYTES 200

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

/* The original's own line ending, so the new header matches the rest. */
static const char *line_end(const unsigned char *data, size_t len)
{
	const unsigned char *nl = memchr(data, '\n', len);

	return nl && nl > data && nl[-1] == '\r' ? "\r\n" : "\n";
}

static int release_mail(const mg_config *c, const mq_item *item, const unsigned char *data,
                        size_t len, const char *approver, char **err)
{
	const char *hop = c->relay_next_hop ? c->relay_next_hop : "";
	char *header = NULL, *path = NULL;
	unsigned char *buf = NULL;
	int hlen, rc = -1;

	if (strncmp(hop, "dir:", 4) != 0 || hop[4] == 0)
		return fail(err, "releasing mail to relay.next_hop '%s' is not supported (%s)", hop,
		            "only dir:PATH");
	hlen = asprintf(&header, "X-Mugai-Released: %s; by %s; requested by %s%s", item->item_id,
	                approver, item->requested_by, line_end(data, len));
	if (hlen < 0 || asprintf(&path, "%s/released-%s.eml", hop + 4, item->item_id) < 0 ||
	    !(buf = malloc((size_t)hlen + len + 1))) {
		fail(err, "out of memory");
		goto done;
	}
	memcpy(buf, header, (size_t)hlen);
	if (len)
		memcpy(buf + hlen, data, len);
	if (mg_mkdirs(hop + 4, 0750) < 0 || mg_write_file_atomic(path, buf, (size_t)hlen + len) < 0) {
		fail(err, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	free(buf);
	free(path);
	free(header);
	return rc;
}

char *mg_release_file_name(const char *name, const char *item_id)
{
	const char *base = name ? name : "";
	const char *p;
	char *out = NULL;
	size_t n;

	for (p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = strlen(base);
	while (n > NAME_MAX_BYTES || (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80))
		n--; /* cut at a character boundary */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)base[i] < 0x20 || base[i] == 0x7f)
			n = 0;
	if (n == 0 || base[0] == '.') {
		if (n > 0 && strcmp(base, ".") != 0 && strcmp(base, "..") != 0)
			return asprintf(&out, "%s-%.*s", item_id, (int)n, base) < 0 ? NULL : out;
		return asprintf(&out, "%s.bin", item_id) < 0 ? NULL : out;
	}
	return asprintf(&out, "%.*s", (int)n, base) < 0 ? NULL : out;
}

static int release_file(const mg_config *c, const mq_item *item, const unsigned char *data,
                        size_t len, char **err)
{
	const char *outbox = c->drop_outbox;
	char *name = mg_release_file_name(item->subject, item->item_id);
	char *path = NULL;
	struct stat st;
	int rc = -1;

	if (!outbox || !*outbox) {
		free(name);
		return fail(err, "drop.outbox is not set");
	}
	if (!name || asprintf(&path, "%s/%s", outbox, name) < 0) {
		path = NULL;
		fail(err, "out of memory");
		goto done;
	}
	/* someone else's file of that name stays; ours (a retry) is replaced */
	if (lstat(path, &st) == 0) {
		free(path);
		if (asprintf(&path, "%s/%s-%s", outbox, item->item_id, name) < 0) {
			path = NULL;
			fail(err, "out of memory");
			goto done;
		}
	}
	if (mg_mkdirs(outbox, 0750) < 0 || mg_write_file_atomic(path, data, len) < 0) {
		fail(err, "cannot write %s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	free(path);
	free(name);
	return rc;
}

int mg_release_hook(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                    const char *approver, char **err)
{
	const mg_config *c = ctx;

	if (strcmp(item->channel, "mail") == 0)
		return release_mail(c, item, original, len, approver, err);
	return release_file(c, item, original, len, err);
}

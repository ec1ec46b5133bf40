/*
 * release.c - the default release hook: an approved original leaves the
 * quarantine through the normal way out, marked as released.
 *
 * Mail goes through the same transport as sanitised mail (transport.h:
 * smtp: or dir:), so a released original reaches the LGWAN-side MTA the
 * way every other message does; files go to the drop folder's outbox,
 * never replacing a file already there (outfile.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileio.h"
#include "outfile.h"
#include "release.h"
#include "transport.h"

#define NAME_MAX_BYTES 200
#define MAX_RCPTS 1000

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

/* The index keeps the envelope recipients joined by ", ". */
static size_t split_rcpts(char *joined, const char **rcpts, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *r = strtok_r(joined, ", ", &save); r && n < max; r = strtok_r(NULL, ", ", &save))
		rcpts[n++] = r;
	return n;
}

/* The message with first_line (a header, no line end) put before it, to
 * the item's envelope recipients through relay.next_hop. */
int mg_release_mail(const mg_config *c, const mq_item *item, const unsigned char *data,
                    size_t len, const char *first_line, const char *id_prefix, char **err)
{
	mg_transport_opts opts = { .hostname = c->smtp_hostname, .timeout = c->relay_timeout,
		                   .tls = c->relay_tls, .tls_ca = c->relay_tls_ca };
	const char **rcpts = calloc(MAX_RCPTS, sizeof(*rcpts));
	char *joined = strdup(item->recipients), *header = NULL, *name = NULL, *terr = NULL;
	unsigned char *msg = NULL;
	mg_transport *t = NULL;
	mg_smtp_reply reply = { 0 };
	mg_envelope env = { .sender = item->sender, .rcpts = rcpts };
	int hlen, rc = -1;

	if (!rcpts || !joined) {
		fail(err, "out of memory");
		goto done;
	}
	env.nrcpts = split_rcpts(joined, rcpts, MAX_RCPTS);
	if (env.nrcpts == 0) {
		fail(err, "item %s has no envelope recipient to release to", item->item_id);
		goto done;
	}
	hlen = asprintf(&header, "%s%s", first_line, line_end(data, len));
	if (hlen < 0 || asprintf(&name, "%s-%s", id_prefix, item->item_id) < 0 ||
	    !(msg = malloc((size_t)hlen + len + 1))) {
		fail(err, "out of memory");
		goto done;
	}
	env.id = name;
	memcpy(msg, header, (size_t)hlen);
	if (len)
		memcpy(msg + hlen, data, len);
	t = mg_transport_new(c->relay_next_hop ? c->relay_next_hop : "", &opts, &terr);
	if (!t) {
		fail(err, "%s", terr ? terr : "relay.next_hop is not usable");
		goto done;
	}
	if (mg_transport_send(t, &env, msg, (size_t)hlen + len, &reply) != MG_TR_OK) {
		fail(err, "%s refused the release: %d %s", mg_transport_name(t), reply.code,
		     reply.text);
		goto done;
	}
	rc = 0;
done:
	mg_transport_free(t);
	free(terr);
	free(msg);
	free(name);
	free(header);
	free(joined);
	free(rcpts);
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

static int release_file(const mg_config *c, const char *file_name, const mq_item *item,
                        const unsigned char *data, size_t len)
{
	const char *outbox = c->drop_outbox;
	char *name = mg_release_file_name(file_name, item->item_id);
	const void *parts[1] = { data };
	size_t lens[1] = { len };
	int rc = -1;

	if (!outbox || !*outbox) {
		free(name);
		errno = EINVAL;
		return -1;
	}
	if (name && mg_mkdirs(outbox, 0750) == 0 &&
	    mg_outfile_write(outbox, name, parts, lens, 1, NULL) == 0)
		rc = 0;
	free(name);
	return rc;
}

int mg_release_hook(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                    const char *approver, char **err)
{
	const mg_config *c = ctx;
	char *line = NULL;
	int rc;

	if (strcmp(item->channel, "mail") != 0) {
		if (release_file(c, item->subject, item, original, len) < 0)
			return fail(err, "cannot write to drop.outbox %s: %s",
			            c->drop_outbox ? c->drop_outbox : "", strerror(errno));
		return 0;
	}
	if (asprintf(&line, "X-Mugai-Released: %s; by %s; requested by %s", item->item_id,
	             approver, item->requested_by) < 0)
		return fail(err, "out of memory");
	rc = mg_release_mail(c, item, original, len, line, "released", err);
	free(line);
	return rc;
}

int mg_release_unlocked(const mg_config *c, const mq_item *item, const unsigned char *data,
                        size_t len, const char *unlocked_by, const char *file_name, char **err)
{
	char *line = NULL;
	int rc;

	if (strcmp(item->channel, "mail") != 0) {
		if (release_file(c, file_name, item, data, len) < 0)
			return fail(err, "cannot write to drop.outbox %s: %s",
			            c->drop_outbox ? c->drop_outbox : "", strerror(errno));
		return 0;
	}
	if (asprintf(&line, "X-Mugai-Unlocked: %s; by %s; sanitised after opening with a "
	             "password", item->item_id, unlocked_by) < 0)
		return fail(err, "out of memory");
	rc = mg_release_mail(c, item, data, len, line, "unlocked", err);
	free(line);
	return rc;
}

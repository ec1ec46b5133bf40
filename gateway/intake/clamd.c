/*
 * clamd.c - the INSTREAM client (clamd(8): "zINSTREAM\0", then chunks of
 * <4-byte big-endian length><data>, a zero length to end, and one
 * NUL-terminated reply).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clamd.h"
#include "conn.h"

#define CHUNK 65536
#define REPLY_MAX 1024

static int open_conn(const mg_clamd_opts *o, mg_conn *c, char *what, size_t cap)
{
	unsigned timeout = o->timeout ? o->timeout : 60;
	int fd;

	if (!o->socket || !*o->socket) {
		snprintf(what, cap, "no clamd socket configured");
		return -1;
	}
	fd = mg_unix_connect(o->socket, (int)timeout * 1000);
	if (fd < 0) {
		snprintf(what, cap, "clamd %s: %s", o->socket, strerror(errno));
		return -1;
	}
	mg_conn_init(c, fd, (int)timeout * 1000);
	c->deadline = mg_conn_now() + timeout;
	return 0;
}

/* Reads clamd's reply up to its NUL into out; 0 or -1. */
static int read_reply(mg_conn *c, char *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		const unsigned char *p, *nul;
		size_t avail, take;

		if (mg_conn_fill(c) < 0)
			return n ? 0 : -1; /* a reply cut short by the close still counts */
		p = mg_conn_peek(c, &avail);
		nul = memchr(p, 0, avail);
		take = nul ? (size_t)(nul - p) : avail;
		if (take > cap - 1 - n)
			return -1;
		memcpy(out + n, p, take);
		n += take;
		out[n] = 0;
		mg_conn_consume(c, nul ? take + 1 : take);
		if (nul)
			return 0;
	}
}

static int stream(mg_conn *c, const unsigned char *p, size_t len)
{
	uint32_t be;

	if (mg_conn_write(c, "zINSTREAM", 10) < 0)
		return -1;
	while (len > 0) {
		size_t n = len < CHUNK ? len : CHUNK;

		be = htonl((uint32_t)n);
		if (mg_conn_write(c, &be, 4) < 0 || mg_conn_write(c, p, n) < 0)
			return -1;
		p += n;
		len -= n;
	}
	be = 0;
	if (mg_conn_write(c, &be, 4) < 0)
		return -1;
	return mg_conn_flush(c);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Maps a reply to a result (what gets the signature or the error). */
static mg_clamd_result verdict(const char *reply, char *what, size_t cap)
{
	const char *body = strncmp(reply, "stream: ", 8) == 0 ? reply + 8 : reply;

	if (strcmp(body, "OK") == 0) {
		snprintf(what, cap, "%s", "");
		return MG_CLAMD_CLEAN;
	}
	if (ends_with(body, " FOUND") && body != reply) {
		snprintf(what, cap, "%.*s", (int)(strlen(body) - 6), body);
		return MG_CLAMD_FOUND;
	}
	snprintf(what, cap, "clamd: %s", reply);
	if (strstr(reply, "size limit exceeded"))
		return MG_CLAMD_TOO_LARGE;
	return MG_CLAMD_ERROR;
}

mg_clamd_result mg_clamd_scan(const mg_clamd_opts *o, const void *data, size_t len, char *what,
                              size_t cap)
{
	char reply[REPLY_MAX];
	mg_clamd_result res;
	mg_conn c;
	int sent;

	if (o->max_size && len > o->max_size) {
		snprintf(what, cap, "larger than clamd.max_size (%llu bytes)",
		         (unsigned long long)o->max_size);
		return MG_CLAMD_TOO_LARGE;
	}
	if (open_conn(o, &c, what, cap) < 0)
		return MG_CLAMD_ERROR;
	sent = stream(&c, data, len);
	/* clamd answers and closes early when the stream passes its limit:
	 * read the reply even when sending failed */
	c.err = 0;
	c.out_len = 0;
	if (read_reply(&c, reply, sizeof(reply)) < 0) {
		snprintf(what, cap, "clamd %s: %s", o->socket,
		         sent < 0 ? "connection lost while sending" : "no reply");
		res = MG_CLAMD_ERROR;
	} else {
		res = verdict(reply, what, cap);
		if (res == MG_CLAMD_CLEAN && sent < 0)
			res = MG_CLAMD_ERROR; /* "OK" for bytes it did not get is no verdict */
	}
	mg_conn_close(&c);
	return res;
}

int mg_clamd_ping(const mg_clamd_opts *o)
{
	char reply[REPLY_MAX], what[256];
	mg_conn c;
	int rc = -1;

	if (open_conn(o, &c, what, sizeof(what)) < 0)
		return -1;
	if (mg_conn_write(&c, "zPING", 6) == 0 && mg_conn_flush(&c) == 0 &&
	    read_reply(&c, reply, sizeof(reply)) == 0 && strcmp(reply, "PONG") == 0)
		rc = 0;
	mg_conn_close(&c);
	return rc;
}

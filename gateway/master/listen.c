/* listen.c - the master's listening sockets, bound before any service starts. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "master.h"

#define BACKLOG 128

static int errf(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int errf(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" or "*:PORT" into host ("" for all) and port. */
static int split(const char *spec, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon, *h = spec;
	size_t hlen;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return -1;
		h = spec + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - spec);
	}
	if (hlen >= hsize || strlen(colon + 1) >= psize || !colon[1] ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) > 65535)
		return -1;
	snprintf(host, hsize, "%.*s", (int)hlen, h);
	if (strcmp(host, "*") == 0)
		host[0] = 0;
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

int mg_listen_check(const char *address, char **err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_family = AF_UNSPEC,
	                          .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char host[256], port[8];
	int rc;

	*err = NULL;
	if (split(address, host, sizeof(host), port, sizeof(port)) < 0)
		return errf(err, "'%s': expected HOST:PORT", address);
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc != 0 || !ai)
		return errf(err, "'%s': %s", address, gai_strerror(rc));
	freeaddrinfo(ai);
	return 0;
}

int mg_listen_tcp(const char *address, char **err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_family = AF_UNSPEC,
	                          .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	char host[256], port[8];
	int fd = -1, one = 1, rc;

	*err = NULL;
	if (split(address, host, sizeof(host), port, sizeof(port)) < 0)
		return errf(err, "'%s': expected HOST:PORT", address);
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc != 0 || !ai)
		return errf(err, "'%s': %s", address, gai_strerror(rc));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		errf(err, "'%s': socket: %s", address, strerror(errno));
		goto done;
	}
	/* "all addresses" on an IPv6 socket covers IPv4 too */
	if (ai->ai_family == AF_INET6) {
		int v6only = host[0] ? 1 : 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, BACKLOG) < 0) {
		errf(err, "'%s': %s", address, strerror(errno));
		close(fd);
		fd = -1;
	}
done:
	freeaddrinfo(ai);
	return fd;
}

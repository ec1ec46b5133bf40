/*
 * web_host.c - the Host names the review UI answers (DNS rebinding).
 *
 * A page on an attacker's site can make its own name resolve to the
 * review UI's address (DNS rebinding); the browser then sends the
 * attacker's name as Host, with the attacker's page in control.  A
 * request is served only when its Host is one the operator listed in
 * admin.allowed_hosts, by default the admin.listen address, localhost,
 * 127.0.0.1 and [::1].  Anything else, a missing Host included, is 400.
 *
 * An entry is NAME (any port) or NAME:PORT; an IPv6 address is written
 * in brackets, [::1] or [::1]:8025.  Names compare without case.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define MAX_HOST 255

/* Splits "name", "name:port", "[v6]" or "[v6]:port" into a lower-case
 * host (brackets kept) and a port ("" when none); false when malformed. */
static bool split_host(const char *s, size_t n, char host[MAX_HOST + 1], char port[6])
{
	size_t hl, i;

	if (n == 0 || n > MAX_HOST)
		return false;
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (!end || end == s + 1)
			return false;
		hl = (size_t)(end - s) + 1;
		for (i = 1; i < hl - 1; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
				return false;
	} else {
		const char *colon = memchr(s, ':', n);

		hl = colon ? (size_t)(colon - s) : n;
		if (hl == 0)
			return false;
		for (i = 0; i < hl; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
				return false;
	}
	for (i = 0; i < hl; i++)
		host[i] = (char)tolower((unsigned char)s[i]);
	host[hl] = '\0';
	port[0] = '\0';
	if (hl == n)
		return true;
	if (s[hl] != ':' || n - hl - 1 == 0 || n - hl - 1 > 5)
		return false;
	for (i = hl + 1; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	memcpy(port, s + hl + 1, n - hl - 1);
	port[n - hl - 1] = '\0';
	return true;
}

static int add_host(mw_server *srv, const char *s, size_t n, char **err)
{
	char host[MAX_HOST + 1], port[6], **grown;

	if (!split_host(s, n, host, port)) {
		if (asprintf(err, "admin.allowed_hosts: bad entry '%.*s' (NAME, NAME:PORT or [IPv6]:PORT)",
		             (int)(n > 80 ? 80 : n), s) < 0)
			*err = NULL;
		return -1;
	}
	grown = realloc(srv->hosts, (srv->nhosts + 1) * sizeof(*grown));
	if (!grown)
		goto oom;
	srv->hosts = grown;
	if (asprintf(&srv->hosts[srv->nhosts], "%s%s%s", host, port[0] ? ":" : "", port) < 0)
		goto oom;
	srv->nhosts++;
	return 0;
oom:
	*err = strdup("out of memory");
	return -1;
}

/* Entries separated by commas or blanks. */
static int add_list(mw_server *srv, const char *list, char **err)
{
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n && add_host(srv, p, n, err) < 0)
			return -1;
		p += n;
	}
	return 0;
}

/* The host part of admin.listen, unless it is every address. */
static int add_listen(mw_server *srv, const char *listen, char **err)
{
	const char *colon = listen ? strrchr(listen, ':') : NULL;
	size_t n = colon ? (size_t)(colon - listen) : 0;

	if (n == 0 || (n == 7 && memcmp(listen, "0.0.0.0", 7) == 0) ||
	    (n == 4 && memcmp(listen, "[::]", 4) == 0) || (n == 1 && listen[0] == '*'))
		return 0;
	return add_host(srv, listen, n, err);
}

int mw_hosts_init(mw_server *srv, const char *allowed, const char *listen, char **err)
{
	if (allowed && allowed[strspn(allowed, ", \t")])
		return add_list(srv, allowed, err);
	if (add_listen(srv, listen, err) < 0)
		return -1;
	return add_list(srv, "localhost,127.0.0.1,[::1]", err);
}

int mw_hosts_check(const char *allowed, char **err)
{
	mw_server probe = { 0 };
	int rc = add_list(&probe, allowed ? allowed : "", err);

	mw_hosts_free(&probe);
	return rc;
}

bool mw_host_allowed(const mw_server *srv, const char *header)
{
	char host[MAX_HOST + 1], port[6], entry[MAX_HOST + 8];

	if (!header || !split_host(header, strlen(header), host, port))
		return false;
	for (size_t i = 0; i < srv->nhosts; i++) {
		if (strcmp(srv->hosts[i], host) == 0)
			return true; /* NAME: any port */
		snprintf(entry, sizeof(entry), "%s:%s", host, port);
		if (port[0] && strcmp(srv->hosts[i], entry) == 0)
			return true;
	}
	return false;
}

void mw_hosts_free(mw_server *srv)
{
	for (size_t i = 0; i < srv->nhosts; i++)
		free(srv->hosts[i]);
	free(srv->hosts);
	srv->hosts = NULL;
	srv->nhosts = 0;
}

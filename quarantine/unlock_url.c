/*
 * unlock_url.c - admin.public_url and the unlock links made from it.
 *
 * The link is written into notices and reports that leave mugai, and
 * shown in HTML: so the address is held to a plain form (scheme, host,
 * port, path of unreserved characters) rather than escaped at every use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarantine.h"
#include "util.h"

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
#define PATH_CHARS HOST_CHARS "_~/%"

static const char *after_scheme(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return url + 8;
	if (strncmp(url, "http://", 7) == 0)
		return url + 7;
	return NULL;
}

/* HOST, [IPv6] or an IPv4 address, then an optional :PORT. */
static const char *host_port(const char *p)
{
	size_t n;

	if (*p == '[') {
		n = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || p[1 + n] != ']')
			return NULL;
		p += n + 2;
	} else {
		n = strspn(p, HOST_CHARS);
		if (n == 0 || p[0] == '.' || p[0] == '-')
			return NULL;
		p += n;
	}
	if (*p == ':') {
		long port;
		char *end;

		port = strtol(p + 1, &end, 10);
		if (end == p + 1 || end - p > 6 || port < 1 || port > 65535)
			return NULL;
		p = end;
	}
	return p;
}

int mq_public_url_check(const char *url, char **err)
{
	const char *p;

	if (!url || !*url)
		return MQ_OK;
	if (strlen(url) > 200 || !(p = after_scheme(url)) || !(p = host_port(p)) ||
	    (*p && *p != '/') || strspn(p, PATH_CHARS) != strlen(p))
		return mq_fail(err, MQ_E_REFUSED,
		               "admin.public_url: '%.200s' is not http(s)://HOST[:PORT][/PATH] "
		               "(no query, fragment or user)",
		               url);
	return MQ_OK;
}

int mq_unlock_url(const char *public_url, const char *token, char *out, size_t outlen)
{
	size_t n;
	int w;

	if (!public_url || !*public_url || mq_public_url_check(public_url, NULL) != MQ_OK)
		return -1;
	n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	w = snprintf(out, outlen, "%.*s/unlock/%s", (int)n, public_url, token);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

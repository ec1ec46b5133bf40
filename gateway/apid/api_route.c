/*
 * api_route.c - the REST API's routes and the checks of what a client
 * names (see api_route.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_route.h"
#include "api_token.h"

#define PREFIX "/api/v1/"
#define ITEMS "items/"

/* An item id as the quarantine makes them: [A-Za-z0-9_-], 1-39. */
static bool id_ok(const char *s, size_t n)
{
	if (n == 0 || n > 39)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static unsigned want(mg_api_route *r, mg_api_route_id id, unsigned scope, const char *allow,
                     const char *method)
{
	r->id = id;
	r->scope = scope;
	r->allow = allow;
	if (strcmp(method, allow) == 0 || (strcmp(allow, "GET") == 0 && strcmp(method, "HEAD") == 0))
		return 0;
	return 405;
}

/* items/{id}, items/{id}/report, items/{id}/artefact,
 * items/{id}/release-requests */
static unsigned item_route(const char *method, const char *rest, mg_api_route *r)
{
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (!id_ok(rest, n))
		return 404;
	memcpy(r->item_id, rest, n);
	r->item_id[n] = '\0';
	if (!slash)
		return want(r, MG_API_ITEM, MQ_SCOPE_READ, "GET", method);
	if (strcmp(slash, "/report") == 0)
		return want(r, MG_API_REPORT, MQ_SCOPE_READ, "GET", method);
	if (strcmp(slash, "/artefact") == 0)
		return want(r, MG_API_ARTEFACT, MQ_SCOPE_READ, "GET", method);
	if (strcmp(slash, "/release-requests") == 0)
		return want(r, MG_API_RELEASE_REQUEST, MQ_SCOPE_REQUEST, "POST", method);
	return 404;
}

unsigned mg_api_route_parse(const char *method, const char *path, mg_api_route *r)
{
	const char *rest;

	memset(r, 0, sizeof(*r));
	if (!method || !path || strlen(path) > 256 || strncmp(path, PREFIX, strlen(PREFIX)) != 0)
		return 404;
	rest = path + strlen(PREFIX);
	if (strcmp(rest, "sanitize") == 0)
		return want(r, MG_API_SANITIZE, MQ_SCOPE_SANITIZE, "POST", method);
	if (strncmp(rest, ITEMS, strlen(ITEMS)) == 0)
		return item_route(method, rest + strlen(ITEMS), r);
	return 404;
}

/* Length of the UTF-8 sequence at s, or 0 when it is not well formed. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (n == 2 && s[0] < 0xc2)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

bool mg_api_name_ok(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i);

		if (n == 0 || i + n > len || s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' || s[i] == '\\')
			return false;
		i += n;
	}
	return true;
}

static bool restricted(const char *s, size_t n)
{
	static const char extra[] = "!#$&-^_.+";

	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (i > 0 && strchr(extra, c))))
			return false;
	}
	return true;
}

bool mg_api_type_ok(const char *type)
{
	const char *slash = type ? strchr(type, '/') : NULL;

	return slash && strlen(type) <= 127 && restricted(type, (size_t)(slash - type)) &&
	       restricted(slash + 1, strlen(slash + 1));
}

const char *mg_api_bearer(const char *authorization)
{
	const char *t;

	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	t = authorization + 7;
	while (*t == ' ')
		t++;
	return *t ? t : NULL;
}

char *mg_api_disposition(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(name), off = 0;
	char *fallback = malloc(n + 1), *pct = malloc(3 * n + 1), *out = NULL;

	if (fallback && pct) {
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)name[i];
			bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			             (c >= '0' && c <= '9') || strchr("._-", c);

			fallback[i] = plain ? (char)c : '_';
			if (plain)
				pct[off++] = (char)c;
			else {
				pct[off++] = '%';
				pct[off++] = hex[c >> 4];
				pct[off++] = hex[c & 15];
			}
		}
		fallback[n] = pct[off] = '\0';
		if (asprintf(&out, "attachment; filename=\"%s\"; filename*=UTF-8''%s", fallback, pct) < 0)
			out = NULL;
	}
	free(fallback);
	free(pct);
	return out;
}

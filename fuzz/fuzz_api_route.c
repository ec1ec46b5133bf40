/*
 * fuzz_api_route.c - the REST API's request checks on hostile input:
 * method and path to a route, the file name and declared type a client
 * gives, the Authorization header, and the Content-Disposition made from
 * a name.  Invariants: a route's item id is only [A-Za-z0-9_-]; an
 * accepted name has no '/', '\\' or control character; a disposition
 * carries no CR, LF or unescaped quote.
 *
 * The input is NUL-separated: method, path, name, type, authorization.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../gateway/apid/api_route.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next NUL-terminated field of [*p, end), copied. */
static char *field(const char **p, const char *end)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));
	size_t n = nul ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = strndup(*p, n);

	*p += n + (nul != NULL);
	return s;
}

static void check_route(const char *method, const char *path)
{
	mg_api_route r;
	unsigned st = mg_api_route_parse(method, path, &r);

	if (st != 0 && st != 404 && st != 405)
		abort();
	if (st == 0 && r.id == MG_API_NONE)
		abort();
	if (strspn(r.item_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
	    strlen(r.item_id))
		abort();
}

static void check_name(const char *name)
{
	char *d;

	if (!mg_api_name_ok(name))
		return;
	if (strchr(name, '/') || strchr(name, '\\'))
		abort();
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			abort();
	if ((d = mg_api_disposition(name))) {
		const char *q = strstr(d, "filename=\"") + 10;

		if (strpbrk(d, "\r\n") || strchr(q, '"') != strstr(q, "\";"))
			abort();
		free(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method = field(&p, end), *path = field(&p, end), *name = field(&p, end);
	char *type = field(&p, end), *auth = field(&p, end);

	if (method && path && name && type && auth) {
		check_route(method, path);
		check_name(name);
		if (mg_api_type_ok(type) && (strlen(type) > 127 || !strchr(type, '/')))
			abort();
		(void)mg_api_bearer(auth);
	}
	free(method);
	free(path);
	free(name);
	free(type);
	free(auth);
	return 0;
}

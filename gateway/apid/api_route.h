/*
 * api_route.h - the REST API's routes, from method and path to what is
 * asked, before anything else looks at the request.
 *
 *   POST /api/v1/sanitize                         scope sanitize
 *   GET  /api/v1/items/{id}                       scope read
 *   GET  /api/v1/items/{id}/report                scope read
 *   GET  /api/v1/items/{id}/artefact              scope read
 *   POST /api/v1/items/{id}/release-requests      scope request
 *
 * Pure: no I/O, fuzzed by fuzz/fuzz_api_route.c.
 */
#ifndef MUGAI_API_ROUTE_H
#define MUGAI_API_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum mg_api_route_id {
	MG_API_NONE = 0, /* no such route: 404 */
	MG_API_SANITIZE,
	MG_API_ITEM,
	MG_API_REPORT,
	MG_API_ARTEFACT,
	MG_API_RELEASE_REQUEST,
} mg_api_route_id;

typedef struct mg_api_route {
	mg_api_route_id id;
	unsigned scope;    /* MQ_SCOPE_* the route needs */
	const char *allow; /* the one method it answers, for 405 */
	char item_id[40];  /* the {id}, checked */
} mg_api_route;

/* Fills *r from the path; returns the HTTP status the route alone gives:
 * 0 (go on), 404 (no such route or a malformed id) or 405 (wrong method;
 * r->allow says which). */
unsigned mg_api_route_parse(const char *method, const char *path, mg_api_route *r);

/* A file name a client may give: 1-255 bytes of UTF-8 without '/', '\\',
 * control characters, "." or "..". */
bool mg_api_name_ok(const char *name);
/* A declared type: "type/subtype" of RFC 6838 restricted-name characters,
 * at most 127 bytes. */
bool mg_api_type_ok(const char *type);
/* A Content-Disposition for a file name: attachment; an ASCII fallback
 * and the UTF-8 name (RFC 6266, RFC 8187).  free() it. */
char *mg_api_disposition(const char *name);
/* The credential of "Authorization: Bearer TOKEN", or NULL. */
const char *mg_api_bearer(const char *authorization);

#endif

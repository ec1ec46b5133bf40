/*
 * api.h - the REST API's requests and answers, without HTTP: apid.c reads
 * a request off libmicrohttpd into an mg_api_request and writes the
 * mg_api_response back; the tests call mg_api_handle() directly too.
 *
 * Every call is authenticated by a bearer token (api_token.h), checked
 * for the route's scope, held to the client's limits (api_limits.h) and
 * written to the audit chain.  Sanitising goes through the same pipeline
 * as a dropped file (intake/item.h: clamd, a sandboxed worker, the
 * original stored before the answer), on the channel "api"; a file past
 * api.async_size in the background (api_async.h), answered 202.
 */
#ifndef MUGAI_API_H
#define MUGAI_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "api_limits.h"
#include "config.h"
#include "item.h"

typedef struct mg_api_jobs mg_api_jobs; /* api_async.h */

typedef struct mg_api {
	const mg_config *config;
	mg_pipeline pipe;        /* its store is the quarantine's */
	pthread_mutex_t pipe_lock; /* one item at a time through the worker */
	mg_api_limits *limits;
	double (*now)(void);     /* monotonic seconds; tests may set it */
	mg_api_jobs *jobs;       /* items past api.async_size, in the background */
} mg_api;

typedef struct mg_api_request {
	const char *method, *path;
	const char *authorization;  /* the header, or NULL */
	const char *name, *type;    /* sanitize: ?name= and ?type= */
	bool raw;                   /* sanitize: the artefact itself, not JSON */
	const unsigned char *body;
	size_t body_len;
	bool body_too_large;        /* past api.max_size */
} mg_api_request;

typedef struct mg_api_response {
	unsigned status;
	const char *content_type;
	char *body;                 /* malloc()ed */
	size_t len;
	unsigned retry_after;       /* 429, 503 */
	const char *allow;          /* 405 */
	bool authenticate;          /* 401: WWW-Authenticate: Bearer */
	char item_id[40];           /* X-Mugai-Item-Id, when an item is concerned */
	char verdict[16];           /* X-Mugai-Verdict */
	char disposition[400];      /* raw artefact: its file name */
	char location[80];
	char type_buf[128];         /* content_type when it is the artefact's */          /* 202: Location, where the item's status is */
} mg_api_response;

/* 0, or -1 with *err (free()). */
int mg_api_open(mg_api *api, const mg_config *c, const mg_worker_limits *limits, char **err);
void mg_api_close(mg_api *api);

/* The answer before the body is read: 0 to go on reading it, else the
 * status already set in resp (404, 405, 401, 403, 413).  *client gets the
 * token's name (MQ_API_NAME_MAX + 1). */
unsigned mg_api_precheck(mg_api *api, const mg_api_request *req, long long content_length,
                         char *client, mg_api_response *resp);
/* The whole call; resp->status always set. */
void mg_api_handle(mg_api *api, const mg_api_request *req, mg_api_response *resp);
void mg_api_response_free(mg_api_response *resp);

#endif

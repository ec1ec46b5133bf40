/*
 * api_async.h - large files sanitised in the background (api.async_size).
 *
 * A file larger than api.async_size is not held on a connection for as
 * long as it takes (a client's proxy or load balancer would cut it): the
 * call is answered 202 with Location: /api/v1/items/{id} at once and the
 * item runs on a thread of its own through the same pipeline, one item at
 * a time through the worker like any call.  Until the item is stored its
 * status is "processing"; then GET /api/v1/items/{id}/artefact gives the
 * artefact.
 *
 * The artefact is kept in the memory of the apid that took the call, for
 * MG_API_JOB_KEEP seconds and at most MG_API_JOBS jobs (the original and
 * the report are in the quarantine as for every item): a restarted apid,
 * or another node behind a load balancer, answers 404 for it and the
 * client sends the file again.
 */
#ifndef MUGAI_API_ASYNC_H
#define MUGAI_API_ASYNC_H

#include <stddef.h>

#include "api.h"

#define MG_API_JOBS 64         /* jobs kept, running or done */
#define MG_API_JOB_KEEP 3600   /* seconds a finished job's artefact is kept */

typedef enum mg_api_job_state {
	MG_API_JOB_UNKNOWN = 0, /* no such job here */
	MG_API_JOB_RUNNING,
	MG_API_JOB_DONE,        /* stored: sanitised (an artefact) or blocked */
	MG_API_JOB_FAILED,      /* nothing stored (the quarantine or worker away): send again */
} mg_api_job_state;

/* What GET shows of a job; the artefact only when asked and sanitised. */
typedef struct mg_api_job_view {
	mg_api_job_state state;
	char verdict[16];
	char reason[600];
	unsigned char *artefact; /* malloc()ed copy, or NULL */
	size_t len;
	char name[256];
	char type[128];
} mg_api_job_view;

mg_api_jobs *mg_api_jobs_new(void);
/* Waits for the running jobs, then frees everything. */
void mg_api_jobs_free(mg_api_jobs *jobs);

/* Starts sanitising the body in the background; id gets the item's id.
 * 0, or -1 when MG_API_JOBS are running (or out of memory). */
int mg_api_async_start(mg_api *api, const mg_api_request *req, char id[40]);
/* The job of item id; with_artefact: a copy of the artefact too.  Free
 * view->artefact. */
void mg_api_async_view(mg_api *api, const char *id, int with_artefact, mg_api_job_view *view);

#endif

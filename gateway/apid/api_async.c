/*
 * api_async.c - background items of the REST API (see api_async.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_async.h"
#include "log.h"

typedef struct mg_api_job {
	struct mg_api_job *next;
	mg_api *api;
	pthread_t thread;
	char id[40];             /* the item's id, for GET: the item is the thread's */
	mg_item item;            /* its data, name and type owned below */
	unsigned char *body;
	char *name, *type;
	mg_api_job_state state;
	time_t finished;
	char verdict[16];
	char reason[600];
	unsigned char *artefact;
	size_t len;
	char out_name[256];
	char out_type[128];
} mg_api_job;

struct mg_api_jobs {
	pthread_mutex_t mu;
	mg_api_job *head;
};

mg_api_jobs *mg_api_jobs_new(void)
{
	mg_api_jobs *j = calloc(1, sizeof(*j));

	if (j)
		pthread_mutex_init(&j->mu, NULL);
	return j;
}

static void job_free(mg_api_job *job)
{
	free(job->body);
	free(job->name);
	free(job->type);
	free(job->artefact);
	free(job);
}

void mg_api_jobs_free(mg_api_jobs *jobs)
{
	mg_api_job *job, *next;

	if (!jobs)
		return;
	/* every thread is joined once: the running ones end by themselves */
	for (job = jobs->head; job; job = next) {
		next = job->next;
		pthread_join(job->thread, NULL);
		job_free(job);
	}
	pthread_mutex_destroy(&jobs->mu);
	free(jobs);
}

/* The outcome into the job, under the lock: what GET shows.  The last
 * thing the thread does with the list (prune() joins it holding the lock). */
static void publish(mg_api_job *job, int prepared, unsigned char *copy, const char *out_name)
{
	mg_api_jobs *jobs = job->api->jobs;
	const mg_item *it = &job->item;

	pthread_mutex_lock(&jobs->mu);
	job->finished = time(NULL);
	snprintf(job->reason, sizeof(job->reason), "%s", it->reason);
	if (prepared < 0) {
		job->state = MG_API_JOB_FAILED;
	} else {
		job->state = MG_API_JOB_DONE;
		snprintf(job->verdict, sizeof(job->verdict), "%s", it->verdict);
		job->artefact = copy;
		job->len = copy ? it->res.out_len : 0;
		snprintf(job->out_name, sizeof(job->out_name), "%s", out_name ? out_name : "sanitised");
		snprintf(job->out_type, sizeof(job->out_type), "%s",
		         it->res.out_type ? it->res.out_type : "application/octet-stream");
		copy = NULL;
	}
	free(job->body); /* the artefact waits for its GET, the upload is done with */
	job->body = NULL;
	pthread_mutex_unlock(&jobs->mu);
	free(copy);
}

static void *run(void *arg)
{
	mg_api_job *job = arg;
	mg_api *api = job->api;
	mg_item *it = &job->item;
	unsigned char *copy = NULL;
	char *out_name = NULL;
	int rc;

	pthread_mutex_lock(&api->pipe_lock);
	rc = mg_item_prepare(&api->pipe, it);
	pthread_mutex_unlock(&api->pipe_lock);
	if (rc == 0 && strcmp(it->verdict, "sanitised") == 0 && it->res.out) {
		copy = malloc(it->res.out_len ? it->res.out_len : 1);
		out_name = mg_output_name(it->name, it->res.out_ext);
		if (copy)
			memcpy(copy, it->res.out, it->res.out_len);
	}
	if (rc < 0)
		mg_item_done(&api->pipe, it, "deferred", "api (background)", 0);
	else if (copy)
		mg_item_done(&api->pipe, it, "delivered", "api (background)", it->res.out_len);
	else
		mg_item_done(&api->pipe, it, "reported", "api (background)", 0);
	publish(job, rc, copy, out_name);
	free(out_name);
	mg_item_free(it); /* only this thread touches the item; GET looks at job->id */
	return NULL;
}

/* Drops finished jobs past MG_API_JOB_KEEP, and the oldest finished one
 * when the list is full; returns how many are left.  Under the lock. */
static unsigned prune(mg_api_jobs *jobs, time_t now)
{
	mg_api_job **p = &jobs->head, *oldest = NULL;
	unsigned n = 0;

	while (*p) {
		mg_api_job *job = *p;

		if (job->state != MG_API_JOB_RUNNING && now - job->finished > MG_API_JOB_KEEP) {
			*p = job->next;
			pthread_join(job->thread, NULL);
			job_free(job);
			continue;
		}
		if (job->state != MG_API_JOB_RUNNING && (!oldest || job->finished <= oldest->finished))
			oldest = job;
		n++;
		p = &job->next;
	}
	if (n >= MG_API_JOBS && oldest) {
		for (p = &jobs->head; *p != oldest; p = &(*p)->next)
			;
		*p = oldest->next;
		pthread_join(oldest->thread, NULL);
		job_free(oldest);
		n--;
	}
	return n;
}

int mg_api_async_start(mg_api *api, const mg_api_request *req, char id[40])
{
	mg_api_jobs *jobs = api->jobs;
	mg_api_job *job = calloc(1, sizeof(*job));
	int rc = -1;

	if (!job)
		return -1;
	job->api = api;
	job->state = MG_API_JOB_RUNNING;
	job->body = malloc(req->body_len ? req->body_len : 1);
	job->name = strdup(req->name ? req->name : "upload");
	job->type = req->type ? strdup(req->type) : NULL;
	if (!job->body || !job->name || (req->type && !job->type)) {
		job_free(job);
		return -1;
	}
	memcpy(job->body, req->body, req->body_len);
	mg_item_init(&job->item);
	job->item.data = job->body;
	job->item.len = req->body_len;
	job->item.name = job->name;
	job->item.declared_type = job->type;
	memcpy(job->id, job->item.id, sizeof(job->id));
	memcpy(id, job->id, sizeof(job->id));
	pthread_mutex_lock(&jobs->mu);
	if (prune(jobs, time(NULL)) < MG_API_JOBS &&
	    pthread_create(&job->thread, NULL, run, job) == 0) {
		job->next = jobs->head;
		jobs->head = job;
		rc = 0;
	}
	pthread_mutex_unlock(&jobs->mu);
	if (rc < 0) {
		mg_log_warn("api: background item refused: %u jobs running", MG_API_JOBS);
		job_free(job);
	}
	return rc;
}

void mg_api_async_view(mg_api *api, const char *id, int with_artefact, mg_api_job_view *view)
{
	mg_api_jobs *jobs = api->jobs;
	mg_api_job *job;

	memset(view, 0, sizeof(*view));
	pthread_mutex_lock(&jobs->mu);
	for (job = jobs->head; job && strcmp(job->id, id) != 0; job = job->next)
		;
	if (job) {
		view->state = job->state;
		snprintf(view->verdict, sizeof(view->verdict), "%s", job->verdict);
		snprintf(view->reason, sizeof(view->reason), "%s", job->reason);
		snprintf(view->name, sizeof(view->name), "%s", job->out_name);
		snprintf(view->type, sizeof(view->type), "%s", job->out_type);
		view->len = job->artefact ? job->len : 0;
		if (with_artefact && job->artefact && (view->artefact = malloc(job->len ? job->len : 1)))
			memcpy(view->artefact, job->artefact, job->len);
	}
	pthread_mutex_unlock(&jobs->mu);
}

/*
 * api.c - the REST API's calls (see api.h).
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_async.h"
#include "api_route.h"
#include "api_token.h"
#include "log.h"

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mg_api_open(mg_api *api, const mg_config *c, const mg_worker_limits *limits, char **err)
{
	memset(api, 0, sizeof(*api));
	api->config = c;
	api->now = monotonic;
	pthread_mutex_init(&api->pipe_lock, NULL);
	if (!(api->limits = mg_api_limits_new(c->api_rate, c->api_concurrency)) ||
	    !(api->jobs = mg_api_jobs_new())) {
		*err = strdup("out of memory");
		return -1;
	}
	return mg_pipeline_open(&api->pipe, c, MG_CHANNEL_API, limits, err);
}

void mg_api_close(mg_api *api)
{
	mg_api_jobs_free(api->jobs); /* its threads use the pipeline */
	mg_pipeline_close(&api->pipe);
	mg_api_limits_free(api->limits);
	pthread_mutex_destroy(&api->pipe_lock);
}

void mg_api_response_free(mg_api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
}

/* The answer as compact JSON; takes j. */
static void answer_json(mg_api_response *resp, unsigned status, json_t *j)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(j);
	if (!resp->body)
		resp->status = 500;
}

static unsigned fail(mg_api_response *resp, unsigned status, const char *code, const char *msg)
{
	answer_json(resp, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
	return status;
}

/* Route, token and scope: what can be answered before the body. */
static unsigned check_call(mg_api *api, const mg_api_request *req, mg_api_route *route,
                           char *client, mg_api_response *resp)
{
	mq_api_token tok;
	unsigned st = mg_api_route_parse(req->method, req->path, route);

	client[0] = '\0';
	if (st == 404)
		return fail(resp, 404, "not_found", "no such route");
	if (st == 405) {
		resp->allow = route->allow;
		return fail(resp, 405, "method_not_allowed", "wrong method for this route");
	}
	if (mq_api_token_check(api->pipe.store, mg_api_bearer(req->authorization), &tok, NULL) !=
	    MQ_OK) {
		resp->authenticate = true;
		return fail(resp, 401, "unauthorized", "a valid bearer token is required");
	}
	snprintf(client, MQ_API_NAME_MAX + 1, "%s", tok.name);
	if (!(tok.scopes & route->scope))
		return fail(resp, 403, "forbidden", "this token's scopes do not allow this route");
	return 0;
}

static void audit(mg_api *api, const mg_api_request *req, const char *client,
                  const mg_api_response *resp);

unsigned mg_api_precheck(mg_api *api, const mg_api_request *req, long long content_length,
                         char *client, mg_api_response *resp)
{
	mg_api_route route;
	unsigned st = check_call(api, req, &route, client, resp);

	if (st == 0 && content_length >= 0 &&
	    (unsigned long long)content_length > api->config->api_max_size)
		st = fail(resp, 413, "too_large", "the file is larger than api.max_size");
	if (st)
		audit(api, req, client, resp);
	return st;
}

static json_t *report_of(const char *report_json)
{
	json_t *r = report_json ? json_loads(report_json, 0, NULL) : NULL;

	return r ? r : json_null();
}

static char *base64(const unsigned char *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(cap);

	if (out)
		sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

/* A sanitised artefact: itself (raw) or in JSON with the report. */
static void answer_artefact(const mg_api_request *req, const mg_item *it, const char *out_name,
                            mg_api_response *resp)
{
	char *b64;

	if (req->raw) {
		resp->status = 200;
		resp->content_type = it->res.out_type ? it->res.out_type : "application/octet-stream";
		if (!(resp->body = malloc(it->res.out_len ? it->res.out_len : 1))) {
			fail(resp, 500, "internal", "out of memory");
			return;
		}
		memcpy(resp->body, it->res.out, it->res.out_len);
		resp->len = it->res.out_len;
		snprintf(resp->disposition, sizeof(resp->disposition), "%s", out_name);
		return;
	}
	if (!(b64 = base64(it->res.out, it->res.out_len))) {
		fail(resp, 500, "internal", "out of memory");
		return;
	}
	answer_json(resp, 200,
	            json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:o}", "item_id", it->id, "verdict",
	                      it->verdict, "name", out_name, "type",
	                      it->res.out_type ? it->res.out_type : "application/octet-stream",
	                      "size", (json_int_t)it->res.out_len, "artefact", b64, "report",
	                      report_of(it->report)));
	free(b64);
}

/* A large file: 202 at once, the item in the background (api_async.h). */
static void sanitize_later(mg_api *api, const mg_api_request *req, mg_api_response *resp)
{
	char id[40];

	if (mg_api_async_start(api, req, id) < 0) {
		resp->retry_after = 30;
		fail(resp, 503, "unavailable", "too many large files in progress; try again later");
		return;
	}
	snprintf(resp->item_id, sizeof(resp->item_id), "%s", id);
	snprintf(resp->location, sizeof(resp->location), "/api/v1/items/%s", id);
	answer_json(resp, 202, json_pack("{s:s,s:s,s:s}", "item_id", id, "status", "processing",
	                                 "location", resp->location));
}

static void sanitize(mg_api *api, const mg_api_request *req, mg_api_response *resp)
{
	mg_item it = { 0 };
	char *out_name;
	int rc;

	if (req->body_too_large) {
		fail(resp, 413, "too_large", "the file is larger than api.max_size");
		return;
	}
	if ((req->name && !mg_api_name_ok(req->name)) || (req->type && !mg_api_type_ok(req->type))) {
		fail(resp, 400, "bad_request", "name or type is not acceptable");
		return;
	}
	if (req->body_len > api->config->api_async_size) {
		sanitize_later(api, req, resp);
		return;
	}
	mg_item_init(&it);
	it.data = req->body ? req->body : (const unsigned char *)"";
	it.len = req->body_len;
	it.name = req->name ? req->name : "upload";
	it.declared_type = req->type;
	pthread_mutex_lock(&api->pipe_lock);
	rc = mg_item_prepare(&api->pipe, &it);
	pthread_mutex_unlock(&api->pipe_lock);
	snprintf(resp->item_id, sizeof(resp->item_id), "%s", it.id);
	if (rc < 0) {
		resp->retry_after = 30;
		fail(resp, 503, "unavailable", it.reason[0] ? it.reason : "try again later");
		mg_item_done(&api->pipe, &it, "deferred", "api", 0);
		mg_item_free(&it);
		return;
	}
	snprintf(resp->verdict, sizeof(resp->verdict), "%s", it.verdict);
	if (strcmp(it.verdict, "sanitised") == 0 && it.res.out) {
		out_name = mg_output_name(it.name, it.res.out_ext);
		answer_artefact(req, &it, out_name ? out_name : "sanitised", resp);
		free(out_name);
		mg_item_done(&api->pipe, &it, "delivered", "api", it.res.out_len);
	} else {
		answer_json(resp, 422,
		            json_pack("{s:s,s:s,s:s,s:o}", "item_id", it.id, "verdict", it.verdict,
		                      "reason", it.reason, "report", report_of(it.report)));
		mg_item_done(&api->pipe, &it, "reported", "api", 0);
	}
	mg_item_free(&it);
}

static json_t *item_json(const mq_item *it)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "item_id", it->item_id, "channel",
	                 it->channel, "name", it->subject, "verdict", it->verdict, "reasons",
	                 it->reasons, "status", mq_status_name(it->status), "size",
	                 (json_int_t)it->size, "received", (json_int_t)it->received, "sha256",
	                 it->sha256);
}

/* A background item not stored yet: its status, or why it failed. */
static bool job_pending(const mg_api_route *route, const mg_api_job_view *job,
                        mg_api_response *resp)
{
	snprintf(resp->item_id, sizeof(resp->item_id), "%s", route->item_id);
	if (job->state == MG_API_JOB_RUNNING) {
		resp->retry_after = 2;
		answer_json(resp, 200, json_pack("{s:s,s:s}", "item_id", route->item_id, "status",
		                                 "processing"));
		return true;
	}
	if (job->state == MG_API_JOB_FAILED) {
		answer_json(resp, 200, json_pack("{s:s,s:s,s:s}", "item_id", route->item_id, "status",
		                                 "failed", "reason", job->reason));
		return true;
	}
	return false;
}

static void get_item(mg_api *api, const mg_api_route *route, bool report, mg_api_response *resp)
{
	mg_api_job_view job;
	json_t *j;
	mq_item it;
	int rc;

	mg_api_async_view(api, route->item_id, 0, &job);
	if (job_pending(route, &job, resp))
		return;
	rc = mq_get(api->pipe.store, route->item_id, &it, NULL);

	if (rc == MQ_E_NOTFOUND) {
		fail(resp, 404, "not_found", "no such item");
		return;
	}
	if (rc != MQ_OK) {
		resp->retry_after = 30;
		fail(resp, 503, "unavailable", "the quarantine index did not answer");
		return;
	}
	snprintf(resp->item_id, sizeof(resp->item_id), "%s", it.item_id);
	j = report ? report_of(it.report_json) : item_json(&it);
	if (!report && job.state == MG_API_JOB_DONE && job.len) {
		char where[100];

		snprintf(where, sizeof(where), "/api/v1/items/%s/artefact", it.item_id);
		json_object_set_new(j, "artefact", json_string(where));
	}
	answer_json(resp, 200, j);
	mq_item_free(&it);
}

/* The artefact of a background item, once done. */
static void get_artefact(mg_api *api, const mg_api_route *route, mg_api_response *resp)
{
	mg_api_job_view job;

	mg_api_async_view(api, route->item_id, 1, &job);
	if (job.state == MG_API_JOB_UNKNOWN) {
		fail(resp, 404, "not_found",
		     "no artefact kept here for this item (kept an hour by the node that took the call)");
		return;
	}
	if (job_pending(route, &job, resp)) {
		if (job.state == MG_API_JOB_RUNNING) {
			resp->status = 202;
			snprintf(resp->location, sizeof(resp->location), "/api/v1/items/%s",
			         route->item_id);
		} else {
			resp->status = 503;
			resp->retry_after = 30;
		}
		return;
	}
	snprintf(resp->verdict, sizeof(resp->verdict), "%s", job.verdict);
	if (!job.artefact) {
		answer_json(resp, 422, json_pack("{s:s,s:s,s:s}", "item_id", route->item_id, "verdict",
		                                 job.verdict, "reason", job.reason));
		return;
	}
	resp->status = 200;
	snprintf(resp->type_buf, sizeof(resp->type_buf), "%s",
	         job.type[0] ? job.type : "application/octet-stream");
	resp->content_type = resp->type_buf;
	resp->body = (char *)job.artefact;
	resp->len = job.len;
	snprintf(resp->disposition, sizeof(resp->disposition), "%s", job.name);
}

/* The body is {"reason": "..."}; the requester is "api:CLIENT", which no
 * approver can be, so the two-person rule holds. */
static void release_request(mg_api *api, const mg_api_route *route, const mg_api_request *req,
                            const char *client, mg_api_response *resp)
{
	json_t *j = req->body_len ? json_loadb((const char *)req->body, req->body_len, 0, NULL) : NULL;
	const char *reason = json_string_value(json_object_get(j, "reason"));
	char user[80], *err = NULL;
	int rc;

	snprintf(user, sizeof(user), "api:%s", client);
	if (!reason || !*reason) {
		json_decref(j);
		fail(resp, 400, "bad_request", "a JSON body with a \"reason\" is required");
		return;
	}
	rc = mq_request(api->pipe.store, user, route->item_id, reason, &err);
	json_decref(j);
	snprintf(resp->item_id, sizeof(resp->item_id), "%s", route->item_id);
	if (rc == MQ_OK)
		answer_json(resp, 201, json_pack("{s:s,s:s,s:s}", "item_id", route->item_id, "status",
		                                 "release_requested", "requested_by", user));
	else
		fail(resp, rc == MQ_E_NOTFOUND ? 404 : rc == MQ_E_REFUSED ? 409 : 503,
		     rc == MQ_E_NOTFOUND ? "not_found" : rc == MQ_E_REFUSED ? "conflict" : "unavailable",
		     err ? err : "refused");
	free(err);
}

static void dispatch(mg_api *api, const mg_api_route *route, const mg_api_request *req,
                     const char *client, mg_api_response *resp)
{
	switch (route->id) {
	case MG_API_SANITIZE:
		sanitize(api, req, resp);
		break;
	case MG_API_ITEM:
	case MG_API_REPORT:
		get_item(api, route, route->id == MG_API_REPORT, resp);
		break;
	case MG_API_ARTEFACT:
		get_artefact(api, route, resp);
		break;
	case MG_API_RELEASE_REQUEST:
		release_request(api, route, req, client, resp);
		break;
	default:
		fail(resp, 404, "not_found", "no such route");
	}
}

/* Every call into the audit chain: who, what, the answer. */
static void audit(mg_api *api, const mg_api_request *req, const char *client,
                  const mg_api_response *resp)
{
	char detail[400], *err = NULL;

	snprintf(detail, sizeof(detail), "%.8s %.256s %u%s%s", req->method ? req->method : "?",
	         req->path ? req->path : "?", resp->status, resp->verdict[0] ? " verdict=" : "",
	         resp->verdict);
	if (mq_api_audit(api->pipe.store, client[0] ? client : NULL,
	                 resp->item_id[0] ? resp->item_id : NULL, detail, &err) != MQ_OK)
		mg_log_warn("api: call not audited: %s", err ? err : "?");
	free(err);
}

void mg_api_handle(mg_api *api, const mg_api_request *req, mg_api_response *resp)
{
	char client[MQ_API_NAME_MAX + 1];
	mg_api_route route;
	unsigned retry;

	if (check_call(api, req, &route, client, resp) == 0) {
		if (mg_api_limits_enter(api->limits, client, api->now(), &retry) < 0) {
			resp->retry_after = retry;
			fail(resp, 429, "too_many_requests", "this token's rate or concurrency limit");
		} else {
			dispatch(api, &route, req, client, resp);
			mg_api_limits_leave(api->limits, client);
		}
	}
	audit(api, req, client, resp);
}

/*
 * apid.c - the REST API as one of mugaid's services (api.listen, off by
 * default): libmicrohttpd on the socket the master bound, one thread a
 * connection, the calls themselves in api.c.
 *
 * SECURITY.  apid runs unprivileged like every service and parses no
 * file itself: an uploaded file goes to its own sandboxed worker (the
 * same zygote and job process as smtpd's and dropd's).  A caller is
 * refused before its body is read when the route, its token or its scope
 * is wrong or the declared length is over api.max_size; a body without a
 * length is cut off past the limit.  Bodies live in memory up to
 * api.max_size, and api.concurrency bounds them per client.
 *
 * It is a service of its own, not part of admind, so that the review UI
 * keeps no worker and no uploaded bytes, and an API under load or a
 * crash in it leaves the reviewers' UI alone.
 */
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "api_route.h"
#include "api_token.h"
#include "log.h"
#include "service.h"

#define MAX_CONNECTIONS 32
#define CONN_TIMEOUT 120 /* seconds of silence on a connection */
#define DRAIN_SECONDS 30

struct call {
	mg_api_request req;
	char *method, *path, *authorization, *name, *type;
	unsigned char *body;
	size_t len, cap;
	unsigned refused; /* the precheck's status, 0 when none */
	char client[MQ_API_NAME_MAX + 1];
	mg_api_response resp;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void call_free(struct call *c)
{
	if (!c)
		return;
	free(c->method);
	free(c->path);
	if (c->authorization)
		memset(c->authorization, 0, strlen(c->authorization));
	free(c->authorization);
	free(c->name);
	free(c->type);
	free(c->body);
	mg_api_response_free(&c->resp);
	free(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	call_free(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result send_answer(struct MHD_Connection *conn, mg_api_response *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ok;
	char num[24];

	mr = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!mr)
		return MHD_NO;
	r->body = NULL; /* the response owns it now */
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        r->content_type ? r->content_type : "application/json");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->item_id[0])
		MHD_add_response_header(mr, "X-Mugai-Item-Id", r->item_id);
	if (r->verdict[0])
		MHD_add_response_header(mr, "X-Mugai-Verdict", r->verdict);
	if (r->allow)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->authenticate)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"mugai\"");
	if (r->location[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->retry_after) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (r->disposition[0]) {
		char *enc = mg_api_disposition(r->disposition);

		if (enc)
			MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_DISPOSITION, enc);
		free(enc);
	}
	ok = MHD_queue_response(conn, r->status, mr);
	MHD_destroy_response(mr);
	return ok;
}

static long long content_length(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	long long n;

	if (!cl)
		return -1;
	errno = 0;
	n = strtoll(cl, &end, 10);
	return errno || *end || n < 0 ? -1 : n;
}

static int begin(mg_api *api, struct call *c, struct MHD_Connection *conn, const char *url,
                 const char *method)
{
	const char *raw = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "output");
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	c->method = strdup(method);
	c->path = strdup(url);
	c->authorization = dup_or_null(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                           MHD_HTTP_HEADER_AUTHORIZATION));
	c->name = dup_or_null(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "name"));
	c->type = dup_or_null(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "type"));
	if (!c->method || !c->path)
		return -1;
	c->req = (mg_api_request){ .method = c->method, .path = c->path,
		                   .authorization = c->authorization, .name = c->name,
		                   .type = c->type };
	c->req.raw = (raw && strcmp(raw, "raw") == 0) ||
	             (accept && strcmp(accept, "application/octet-stream") == 0);
	c->refused = mg_api_precheck(api, &c->req, content_length(conn), c->client, &c->resp);
	return 0;
}

/* Appends a piece of the body, up to api.max_size (then only counted). */
static int take_body(mg_api *api, struct call *c, const char *data, size_t n)
{
	uint64_t max = api->config->api_max_size;

	if (c->req.body_too_large || c->len + n > max) {
		c->req.body_too_large = true;
		return c->len + n > 2 * max ? -1 : 0; /* far past: cut the connection */
	}
	if (c->len + n > c->cap) {
		size_t cap = c->cap ? c->cap : 65536;
		unsigned char *b;

		while (cap < c->len + n)
			cap *= 2;
		if (cap > max)
			cap = (size_t)max;
		if (!(b = realloc(c->body, cap)))
			return -1;
		c->body = b;
		c->cap = cap;
	}
	memcpy(c->body + c->len, data, n);
	c->len += n;
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	mg_api *api = cls;
	struct call *c = *con_cls;

	(void)version;
	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return MHD_NO;
		*con_cls = c;
		if (begin(api, c, conn, url, method) < 0)
			return MHD_NO;
		return c->refused ? send_answer(conn, &c->resp) : MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return take_body(api, c, upload_data, n) < 0 ? MHD_NO : MHD_YES;
	}
	c->req.body = c->body;
	c->req.body_len = c->len;
	mg_api_handle(api, &c->req, &c->resp);
	return send_answer(conn, &c->resp);
}

static struct MHD_Daemon *start_http(mg_api *api, int listen_fd)
{
	return MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, api, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, api, MHD_OPTION_END);
}

static void wait_for_drain(const mg_service_ctx *ctx)
{
	struct pollfd p = { .fd = ctx->drain_fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

static void drain(struct MHD_Daemon *mhd)
{
	MHD_socket fd = MHD_quiesce_daemon(mhd);

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (unsigned i = 0; i < DRAIN_SECONDS * 10; i++) {
		const union MHD_DaemonInfo *info =
			MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		if (!info || info->num_connections == 0)
			return;
		usleep(100 * 1000);
	}
}

int mg_apid_main(const mg_service_ctx *ctx)
{
	mg_worker_limits limits;
	struct MHD_Daemon *mhd = NULL;
	mg_api api;
	char *err = NULL;
	int rc = 1;

	if (ctx->listen_fd < 0) {
		mg_log_error("apid: no listening socket for api.listen");
		return 1;
	}
	mg_service_worker_limits(ctx, &limits);
	if (mg_api_open(&api, ctx->config, &limits, &err) < 0) {
		mg_log_error("apid: %s", err ? err : "cannot start");
		free(err);
		return 1;
	}
	if (!(mhd = start_http(&api, ctx->listen_fd))) {
		mg_log_error("apid: the HTTP server could not start on api.listen");
		goto done;
	}
	mg_log_info("REST API on %s", ctx->config->api_listen);
	wait_for_drain(ctx);
	mg_log_info("draining: no new calls, %d s for the ones in progress", DRAIN_SECONDS);
	drain(mhd);
	rc = 0;
done:
	if (mhd)
		MHD_stop_daemon(mhd);
	mg_api_close(&api);
	return rc;
}

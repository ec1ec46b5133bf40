/*
 * web.c - the review UI's HTTP side: libmicrohttpd in a small pool of
 * internal polling threads (so that one slow answer, a recipient's unlock
 * waiting on the sandbox, does not hold up the reviewers' pages), bounded
 * in connections, per-connection memory, time and body size; every
 * response carries the security headers.  Everything a request touches
 * takes its own lock: the store, the sessions, the rate limits, the
 * counters, the unlocked files.
 *
 * SECURITY.  Everything here faces the admin network: names, subjects and
 * reports shown come from hostile mail and files, and the client may be
 * anyone who reaches the port.  Hence: no path parameter at all (item ids
 * are checked against a strict pattern before use), every value escaped
 * (web_html.c), every state change a POST carrying the session's CSRF
 * token, sessions with 256-bit random ids in HttpOnly SameSite=Strict
 * cookies, a CSP that allows no script, and the store deciding every
 * action by role.  The thread only ever calls the store's API.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "web_internal.h"

#define CONN_MEMORY (64 * 1024)
#define CONN_TIMEOUT 30
#define MAX_SESSIONS 256
#define RL_SLOTS 4096
#define THREADS 4

static const char csp[] = "default-src 'self'; script-src 'none'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* What one request collects before it is answered. */
struct conn_state {
	mw_request req;
	struct MHD_PostProcessor *pp;
	size_t body;
	char ip[INET6_ADDRSTRLEN];
	char *path, *method, *cookie_session, *cookie_login, *accept_language, *host;
};

static char *dup_or_null(const char *s)
{
	return s ? strndup(s, 4096) : NULL;
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "unknown");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)size);
}

static enum MHD_Result on_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	struct conn_state *cs = cls;

	if (key)
		mw_args_add(&cs->req.query, key, value ? value : "", value ? strlen(value) : 0);
	return MHD_YES;
}

static enum MHD_Result on_post(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
	struct conn_state *cs = cls;

	if (!key || filename)
		return MHD_YES; /* no form of ours uploads files */
	return mw_args_add(&cs->req.form, key, size ? data : "", size) == 0 ? MHD_YES : MHD_NO;
}

/* Percent-decoding of the path and the query, by MHD; a value that
 * decodes to a NUL byte would be cut short by every C string function,
 * so it becomes a single DEL, which no route and no check accepts. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	size_t n = MHD_http_unescape(s);

	if (memchr(s, '\0', n)) {
		s[0] = 0x7f;
		s[1] = '\0';
		return 1;
	}
	return n;
}

static int begin(struct conn_state *cs, struct MHD_Connection *conn, const char *url,
                 const char *method)
{
	mw_request *r = &cs->req;

	cs->path = strndup(url ? url : "", 4096);
	cs->method = strndup(method ? method : "", 16);
	cs->cookie_session = dup_or_null(MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	                                                             MW_COOKIE_SESSION));
	cs->cookie_login = dup_or_null(MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	                                                           MW_COOKIE_LOGIN));
	cs->accept_language = dup_or_null(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                              MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	cs->host = dup_or_null(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                   MHD_HTTP_HEADER_HOST));
	if (!cs->path || !cs->method)
		return -1;
	peer_address(conn, cs->ip, sizeof(cs->ip));
	r->path = cs->path;
	r->method = cs->method;
	r->cookie_session = cs->cookie_session;
	r->cookie_login = cs->cookie_login;
	r->accept_language = cs->accept_language;
	r->host = cs->host;
	r->ip = cs->ip;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query, cs);
	if (strcmp(cs->method, "POST") == 0)
		/* NULL for a body that is not a form: the CSRF check then fails */
		cs->pp = MHD_create_post_processor(conn, 4096, on_post, cs);
	return 0;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	if (!cs)
		return;
	if (cs->pp)
		MHD_destroy_post_processor(cs->pp);
	mw_args_free(&cs->req.query);
	mw_args_free(&cs->req.form);
	free(cs->path);
	free(cs->method);
	free(cs->cookie_session);
	free(cs->cookie_login);
	free(cs->accept_language);
	free(cs->host);
	sodium_memzero(cs, sizeof(*cs));
	free(cs);
	*con_cls = NULL;
}

static void add_headers(mw_server *srv, struct MHD_Response *mr, const mw_response *r)
{
	char num[24];

	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(mr, "Content-Security-Policy", csp);
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(mr, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL,
	                        r->cacheable ? "public, max-age=3600" : "no-store");
	if (srv->opt.secure_cookies)
		MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
	for (size_t i = 0; i < r->ncookies; i++)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, r->cookies[i]);
	if (r->location[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->disposition[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	if (r->allow[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->retry_after) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
}

static void count_status(mw_server *srv, unsigned status)
{
	pthread_mutex_lock(&srv->stats_lock);
	if (status / 100 < 6)
		srv->responses[status / 100]++;
	pthread_mutex_unlock(&srv->stats_lock);
}

static enum MHD_Result send_response(mw_server *srv, struct MHD_Connection *conn, mw_response *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ok;
	unsigned char *data;
	size_t len = 0;

	if (r->blob) {
		mr = MHD_create_response_from_buffer(r->blob_len, r->blob, MHD_RESPMEM_MUST_FREE);
		if (mr)
			r->blob = NULL;
	} else {
		data = mg_buf_steal(&r->body.b, &len);
		mr = MHD_create_response_from_buffer(len, data ? (void *)data : NULL,
		                                     data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		if (!mr)
			free(data);
	}
	if (!mr)
		return MHD_NO;
	add_headers(srv, mr, r);
	ok = MHD_queue_response(conn, r->status, mr);
	MHD_destroy_response(mr);
	count_status(srv, r->status);
	return ok;
}

/* A response that needs no session: an oversized body, an internal error. */
static enum MHD_Result send_plain(mw_server *srv, struct MHD_Connection *conn, unsigned status,
                                  const char *text)
{
	mw_response r;
	enum MHD_Result ok;

	mw_response_init(&r);
	r.status = status;
	r.content_type = "text/plain; charset=utf-8";
	mw_raw(&r.body, text);
	ok = send_response(srv, conn, &r);
	mw_response_free(&r);
	return ok;
}

static enum MHD_Result respond(mw_server *srv, struct conn_state *cs,
                               struct MHD_Connection *conn)
{
	mw_response r;
	enum MHD_Result ok;

	mw_response_init(&r);
	cs->req.now = (int64_t)time(NULL);
	mw_handle(srv, &cs->req, &r);
	if (r.body.failed) {
		mw_response_free(&r);
		return send_plain(srv, conn, 500, "internal error: page too large\n");
	}
	ok = send_response(srv, conn, &r);
	mw_response_free(&r);
	return ok;
}

static bool declared_too_large(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);

	return cl && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > MW_MAX_BODY);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	mw_server *srv = cls;
	struct conn_state *cs = *con_cls;
	size_t n;

	if (!cs) {
		if (!(cs = calloc(1, sizeof(*cs))))
			return MHD_NO;
		*con_cls = cs;
		if (begin(cs, conn, url, method) < 0)
			return MHD_NO;
		if (declared_too_large(conn))
			return send_plain(srv, conn, 413, "request too large\n");
		return MHD_YES;
	}
	n = *upload_data_size;
	if (n == 0)
		return respond(srv, cs, conn);
	*upload_data_size = 0;
	cs->body += n;
	/* a body without a length that runs past the limit is read on (and
	 * dropped) to answer 413 at its end; one that goes on far past it is
	 * cut off by closing the connection */
	if (cs->body > 16 * MW_MAX_BODY)
		return MHD_NO;
	if (cs->body > MW_MAX_BODY)
		cs->req.body_too_large = true;
	else if (cs->pp && MHD_post_process(cs->pp, upload_data, n) != MHD_YES)
		cs->req.form.overflow = true;
	return MHD_YES;
}

void mw_log(mw_server *srv, bool warning, const char *item_id, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!srv->opt.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	srv->opt.log(srv->opt.log_ctx, warning, item_id, msg);
}

/* --- lifetime ------------------------------------------------------------- */

mw_server *mw_server_new(mq_store *store, const mw_options *opt, char **err)
{
	mw_server *srv;

	if (sodium_init() < 0) {
		*err = strdup("libsodium could not be initialised");
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		goto oom;
	srv->store = store;
	if (opt)
		srv->opt = *opt;
	if (!srv->opt.session_idle)
		srv->opt.session_idle = 30 * 60;
	if (!srv->opt.session_max)
		srv->opt.session_max = 12 * 3600;
	if (!srv->opt.max_connections)
		srv->opt.max_connections = 64;
	if (mw_hosts_init(srv, srv->opt.allowed_hosts, srv->opt.listen, err) < 0) {
		mw_server_free(srv);
		return NULL;
	}
	/* copied: the caller's strings need not outlive the server */
	srv->opt.allowed_hosts = srv->opt.listen = NULL;
	pthread_mutex_init(&srv->stats_lock, NULL);
	if (srv->opt.public_url && *srv->opt.public_url &&
	    !(srv->public_url = strdup(srv->opt.public_url)))
		goto oom;
	srv->opt.public_url = NULL;
	srv->sessions = mw_sessions_new(MAX_SESSIONS, srv->opt.session_idle, srv->opt.session_max);
	srv->rl_ip = mw_ratelimit_new(MW_LOGIN_FAILURES, MW_LOGIN_WINDOW, RL_SLOTS);
	srv->rl_user = mw_ratelimit_new(MW_LOGIN_FAILURES, MW_LOGIN_WINDOW, RL_SLOTS);
	srv->rl_unlock_token = mw_ratelimit_new(MW_UNLOCK_TOKEN_FAILURES, MW_UNLOCK_WINDOW, RL_SLOTS);
	srv->rl_unlock_ip = mw_ratelimit_new(MW_UNLOCK_IP_FAILURES, MW_UNLOCK_WINDOW, RL_SLOTS);
	srv->unlocked = mw_unlock_files_new();
	if (!srv->sessions || !srv->rl_ip || !srv->rl_user || !srv->rl_unlock_token ||
	    !srv->rl_unlock_ip || !srv->unlocked)
		goto oom;
	return srv;
oom:
	mw_server_free(srv);
	*err = strdup("out of memory");
	return NULL;
}

int mw_server_start(mw_server *srv, int listen_fd, char **err)
{
	unsigned per_ip = srv->opt.max_connections / 2;

	srv->mhd = MHD_start_daemon(
		MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->opt.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip < 4 ? 4u : per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, srv,
		MHD_OPTION_END);
	if (!srv->mhd) {
		close(listen_fd);
		*err = strdup("the HTTP server could not start on the listening socket");
		return -1;
	}
	return 0;
}

void mw_server_drain(mw_server *srv, unsigned timeout)
{
	const union MHD_DaemonInfo *info;
	MHD_socket fd;

	if (!srv || !srv->mhd)
		return;
	fd = MHD_quiesce_daemon(srv->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (unsigned i = 0; i < timeout * 10; i++) {
		info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!info || info->num_connections == 0)
			return;
		usleep(100 * 1000);
	}
}

void mw_server_free(mw_server *srv)
{
	if (!srv)
		return;
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	mw_sessions_free(srv->sessions);
	mw_ratelimit_free(srv->rl_ip);
	mw_ratelimit_free(srv->rl_user);
	mw_ratelimit_free(srv->rl_unlock_token);
	mw_ratelimit_free(srv->rl_unlock_ip);
	mw_unlock_files_free(srv->unlocked);
	free(srv->public_url);
	mw_hosts_free(srv);
	pthread_mutex_destroy(&srv->stats_lock);
	free(srv);
}

/*
 * web_route.c - from a request to a page: path checks, the session, the
 * CSRF check of every POST, and which routes need which method and login.
 *
 * Paths are checked before anything else looks at them: only
 * [A-Za-z0-9/_.-], no empty and no dot segments, so "../", "%2e%2e" (the
 * HTTP library decodes it to "..") and a double-encoded "%252e" are all
 * refused with 400 whatever route they aim at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define MAX_PATH 256

bool mw_item_id_valid(const char *s)
{
	size_t n;

	if (!s || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	            (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (n >= 39 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		                 (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool path_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '/' || c == '_' || c == '.' || c == '-';
}

/* Well-formed: absolute, short, plain characters, no "", "." or ".." segment. */
static bool path_ok(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (n == 0 || n > MAX_PATH || path[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!path_char_ok(path[i]))
			return false;
	for (const char *seg = path + 1; seg <= path + n; ) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if ((len == 0 && end) || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (!end)
			break;
		seg = end + 1;
	}
	return true;
}

static const struct fixed {
	const char *path;
	mw_route_id id;
} fixed[] = {
	{ "/", MW_R_ROOT },
	{ "/login", MW_R_LOGIN },
	{ "/logout", MW_R_LOGOUT },
	{ "/items", MW_R_ITEMS },
	{ "/audit", MW_R_AUDIT },
	{ "/account", MW_R_ACCOUNT },
	{ "/account/lang", MW_R_ACCOUNT_LANG },
	{ "/account/password", MW_R_ACCOUNT_PASSWORD },
	{ "/static/mugai.css", MW_R_CSS },
	{ "/healthz", MW_R_HEALTHZ },
	{ "/metrics", MW_R_METRICS },
	{ "/dashboard", MW_R_DASHBOARD },
	{ "/items.csv", MW_R_ITEMS_CSV },
	{ "/audit.csv", MW_R_AUDIT_CSV },
};

static void parse_item(const char *rest, mw_route *r)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	char id[64];

	if (idlen == 0 || idlen >= sizeof(id)) {
		r->id = idlen ? MW_R_BAD : MW_R_NOT_FOUND;
		return;
	}
	memcpy(id, rest, idlen);
	id[idlen] = '\0';
	if (!mw_item_id_valid(id)) {
		r->id = MW_R_BAD;
		return;
	}
	memcpy(r->item, id, idlen + 1); /* valid ids are shorter than r->item */
	if (!slash) {
		r->id = MW_R_ITEM;
	} else if (strcmp(slash, "/original") == 0) {
		r->id = MW_R_ITEM_ORIGINAL;
	} else if (strcmp(slash, "/request") == 0 || strcmp(slash, "/approve") == 0 ||
	           strcmp(slash, "/approve_self") == 0 || strcmp(slash, "/link") == 0 ||
	           strcmp(slash, "/deny") == 0 || strcmp(slash, "/delete") == 0) {
		r->id = MW_R_ITEM_ACTION;
		snprintf(r->action, sizeof(r->action), "%s", slash + 1);
	} else {
		r->id = MW_R_NOT_FOUND;
	}
}

/* /unlock/TOKEN or /unlock/file/ID: the store decides whether a token
 * exists; here only its characters are checked. */
static void parse_unlock(const char *rest, mw_route *r)
{
	size_t n = strlen(rest);

	if (strncmp(rest, "file/", 5) == 0) {
		r->id = mw_token_wellformed(rest + 5) ? MW_R_UNLOCK_FILE : MW_R_NOT_FOUND;
		if (r->id == MW_R_UNLOCK_FILE)
			snprintf(r->token, sizeof(r->token), "%s", rest + 5);
		return;
	}
	if (n == 0 || n >= sizeof(r->token) ||
	    strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != n) {
		r->id = MW_R_NOT_FOUND;
		return;
	}
	r->id = MW_R_UNLOCK;
	memcpy(r->token, rest, n + 1);
}

void mw_route_parse(const char *path, mw_route *r)
{
	memset(r, 0, sizeof(*r));
	if (!path_ok(path)) {
		r->id = MW_R_BAD;
		return;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i].path) == 0) {
			r->id = fixed[i].id;
			return;
		}
	if (strncmp(path, "/items/", 7) == 0)
		parse_item(path + 7, r);
	else if (strncmp(path, "/unlock/", 8) == 0)
		parse_unlock(path + 8, r);
	else
		r->id = MW_R_NOT_FOUND;
}

/* --- sessions ------------------------------------------------------------- */

/* The session named by the cookie, checked against the store on every
 * request: a user disabled or removed since login is signed out now, and
 * a role changed since login applies now. */
static int load_session(mw_server *srv, mw_request *req)
{
	mq_user u = { 0 };
	int rc;

	if (!req->cookie_session || mw_session_get(srv->sessions, req->cookie_session, req->now,
	                                           &req->sess) < 0)
		return 0;
	rc = mq_user_get(srv->store, req->sess.user, &u, NULL);
	if (rc == MQ_E_ERROR)
		return -1;
	if (rc != MQ_OK || u.disabled) {
		mw_session_drop(srv->sessions, req->sess.id);
		memset(&req->sess, 0, sizeof(req->sess));
	} else {
		req->sess.role = u.role;
		req->authed = true;
		req->lang = req->sess.lang;
	}
	mq_user_free(&u);
	return 0;
}

/* --- dispatch ------------------------------------------------------------- */

static bool is_get(const mw_request *req)
{
	return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

static bool is_post(const mw_request *req)
{
	return strcmp(req->method, "POST") == 0;
}

/* Which method a route takes: 'G' GET/HEAD, 'P' POST, 'B' both. */
static char route_method(mw_route_id id)
{
	switch (id) {
	case MW_R_LOGIN:
	case MW_R_UNLOCK:
		return 'B';
	case MW_R_LOGOUT:
	case MW_R_ITEM_ACTION:
	case MW_R_ACCOUNT_LANG:
	case MW_R_ACCOUNT_PASSWORD:
		return 'P';
	default:
		return 'G';
	}
}

static bool method_ok(mw_request *req, const mw_route *r, mw_response *resp)
{
	char m = route_method(r->id);

	if ((m == 'G' && is_get(req)) || (m == 'P' && is_post(req)) ||
	    (m == 'B' && (is_get(req) || is_post(req))))
		return true;
	snprintf(resp->allow, sizeof(resp->allow), "%s",
	         m == 'G' ? "GET, HEAD" : m == 'P' ? "POST" : "GET, HEAD, POST");
	return false;
}

static void count_csrf(mw_server *srv)
{
	pthread_mutex_lock(&srv->stats_lock);
	srv->csrf_refused++;
	pthread_mutex_unlock(&srv->stats_lock);
}

/* A state change needs a live session and its CSRF token in the form;
 * the forms used without a session (login, unlock) have their own token
 * (a cookie matched by a form field). */
static bool csrf_ok(mw_server *srv, mw_request *req, const mw_route *r)
{
	bool ok;

	if (r->id == MW_R_LOGIN || r->id == MW_R_UNLOCK)
		ok = mw_token_equal(req->cookie_login, mw_arg(&req->form, "csrf"));
	else
		ok = req->authed && mw_token_equal(req->sess.csrf, mw_arg(&req->form, "csrf"));
	if (!ok) {
		count_csrf(srv);
		mw_log(srv, true, NULL, "POST %s from %s refused: no valid CSRF token", req->path,
		       req->ip ? req->ip : "?");
	}
	return ok;
}

static void need_login(mw_request *req, mw_response *resp)
{
	mw_redirect(resp, req->cookie_session ? "/login?expired=1" : "/login");
}

static void dispatch(mw_server *srv, mw_request *req, mw_response *resp, const mw_route *r)
{
	switch (r->id) {
	case MW_R_ROOT:
		mw_redirect(resp, req->authed ? "/items" : "/login");
		return;
	case MW_R_LOGIN:
		mw_page_login(srv, req, resp);
		return;
	case MW_R_LOGOUT:
		mw_do_logout(srv, req, resp);
		return;
	case MW_R_ITEMS:
		mw_page_list(srv, req, resp);
		return;
	case MW_R_ITEM:
		mw_page_item(srv, req, resp, r->item);
		return;
	case MW_R_ITEM_ORIGINAL:
		mw_do_download(srv, req, resp, r->item);
		return;
	case MW_R_ITEM_ACTION:
		if (strcmp(r->action, "link") == 0)
			mw_do_item_link(srv, req, resp, r->item);
		else
			mw_do_item_action(srv, req, resp, r->item, r->action);
		return;
	case MW_R_AUDIT:
		mw_page_audit(srv, req, resp);
		return;
	case MW_R_DASHBOARD:
		mw_page_dashboard(srv, req, resp);
		return;
	case MW_R_ITEMS_CSV:
		mw_export_items(srv, req, resp);
		return;
	case MW_R_AUDIT_CSV:
		mw_export_audit(srv, req, resp);
		return;
	case MW_R_UNLOCK:
		mw_page_unlock(srv, req, resp, r->token);
		return;
	case MW_R_UNLOCK_FILE:
		mw_do_unlock_file(srv, req, resp, r->token);
		return;
	case MW_R_ACCOUNT:
		mw_page_account(srv, req, resp);
		return;
	case MW_R_ACCOUNT_LANG:
		mw_do_lang(srv, req, resp);
		return;
	case MW_R_ACCOUNT_PASSWORD:
		mw_do_password(srv, req, resp);
		return;
	default:
		mw_error_page(srv, req, resp, 404, MW_ERR_NOT_FOUND);
		return;
	}
}

static bool is_public(mw_route_id id)
{
	return id == MW_R_LOGIN || id == MW_R_CSS || id == MW_R_HEALTHZ || id == MW_R_ROOT ||
	       id == MW_R_UNLOCK || id == MW_R_UNLOCK_FILE;
}

void mw_handle(mw_server *srv, mw_request *req, mw_response *resp)
{
	mw_route r;

	req->lang = mw_lang_negotiate(req->accept_language, MW_JA);
	/* before the session, the path or anything else: a rebound name gets nothing */
	if (!mw_host_allowed(srv, req->host)) {
		mw_log(srv, true, NULL, "review UI: Host '%.100s' from %s refused (admin.allowed_hosts)",
		       req->host ? req->host : "(none)", req->ip ? req->ip : "?");
		mw_error_page(srv, req, resp, 400, MW_ERR_BAD_REQUEST);
		return;
	}
	mw_route_parse(req->path, &r);
	if (load_session(srv, req) < 0) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	if (r.id == MW_R_BAD) {
		mw_error_page(srv, req, resp, 400, MW_ERR_BAD_REQUEST);
		return;
	}
	if (r.id == MW_R_NOT_FOUND) {
		mw_error_page(srv, req, resp, 404, MW_ERR_NOT_FOUND);
		return;
	}
	if (!method_ok(req, &r, resp)) {
		mw_error_page(srv, req, resp, 405, MW_ERR_METHOD);
		return;
	}
	if (req->body_too_large || req->form.overflow || req->query.overflow) {
		mw_error_page(srv, req, resp, 413, MW_ERR_TOO_LARGE);
		return;
	}
	if (is_post(req) && !csrf_ok(srv, req, &r)) {
		mw_error_page(srv, req, resp, 403, MW_ERR_CSRF);
		return;
	}
	if (r.id == MW_R_CSS) {
		mw_serve_css(resp);
	} else if (r.id == MW_R_HEALTHZ) {
		mw_serve_healthz(srv, resp);
	} else if (r.id == MW_R_METRICS) {
		if (srv->opt.metrics_public || req->authed)
			mw_serve_metrics(srv, resp);
		else
			mw_error_page(srv, req, resp, 403, MW_ERR_NEED_LOGIN);
	} else if (!is_public(r.id) && !req->authed) {
		need_login(req, resp);
	} else {
		dispatch(srv, req, resp, &r);
	}
}

/*
 * web_login.c - logging in and out.
 *
 * Passwords are checked by the store (Argon2id).  Failures are counted
 * per client address and per user name; past MW_LOGIN_FAILURES within
 * MW_LOGIN_WINDOW seconds the next attempt is answered 429 without
 * checking the password at all.  A success clears the name's count, not
 * the address's, so one valid account cannot be used to reset the limit
 * while guessing another's password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

/* The login form's CSRF token: a cookie the form must echo (a cross-site
 * page can neither read it nor, with SameSite=Strict, send it). */
static const char *login_token(mw_server *srv, mw_request *req, mw_response *resp, char *fresh)
{
	if (mw_token_wellformed(req->cookie_login))
		return req->cookie_login;
	mw_token_new(fresh);
	mw_set_cookie(srv, resp, MW_COOKIE_LOGIN, fresh, false);
	return fresh;
}

static void login_form(mw_server *srv, mw_request *req, mw_response *resp, mw_msg notice,
                       bool error, const char *const *args, const char *user)
{
	char fresh[MW_TOKEN_HEX + 1];
	const char *token = login_token(srv, req, resp, fresh);
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	mw_page_begin(srv, req, resp, mw_t(l, MW_LOGIN_TITLE));
	mw_raw(o, "<section class=\"panel login\"><p class=\"app\">");
	mw_tr(o, l, MW_APP_NAME);
	mw_raw(o, "</p><h1>");
	mw_tr(o, l, MW_LOGIN_TITLE);
	mw_raw(o, "</h1>");
	if (notice != MW_MSG_COUNT) {
		mw_rawf(o, "<div class=\"flash %s\" id=\"flash\" role=\"status\">", error ? "error" : "ok");
		mw_trf(o, l, notice, args, args ? 1 : 0);
		mw_raw(o, "</div>");
	}
	mw_raw(o, "<form method=\"post\" action=\"/login\" class=\"stack\">"
	          "<input type=\"hidden\" name=\"csrf\" value=\"");
	mw_esc(o, token);
	mw_rawf(o, "\"><input type=\"hidden\" name=\"lang\" value=\"%s\"><label for=\"user\">",
	        mw_lang_code(l));
	mw_tr(o, l, MW_USERNAME);
	mw_raw(o, "</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required "
	          "maxlength=\"64\" autofocus value=\"");
	mw_esc(o, user ? user : "");
	mw_raw(o, "\"><label for=\"password\">");
	mw_tr(o, l, MW_PASSWORD);
	mw_raw(o, "</label><input id=\"password\" name=\"password\" type=\"password\" "
	          "autocomplete=\"current-password\" required maxlength=\"1024\">"
	          "<button type=\"submit\" class=\"primary\" id=\"login\">");
	mw_tr(o, l, MW_LOGIN_BUTTON);
	mw_raw(o, "</button></form><p class=\"note\">");
	mw_tr(o, l, MW_LOGIN_NOTE);
	mw_raw(o, "</p></section>");
	mw_page_end(resp);
}

static void count(mw_server *srv, uint64_t *counter)
{
	pthread_mutex_lock(&srv->stats_lock);
	(*counter)++;
	pthread_mutex_unlock(&srv->stats_lock);
}

static void rate_limited(mw_server *srv, mw_request *req, mw_response *resp, unsigned wait,
                         const char *user)
{
	char minutes[16];
	const char *args[1] = { minutes };

	count(srv, &srv->rate_limited);
	mw_log(srv, true, NULL, "login of '%.64s' from %s refused: rate limit, %u s left",
	       user ? user : "", req->ip ? req->ip : "?", wait);
	snprintf(minutes, sizeof(minutes), "%u", (wait + 59) / 60);
	resp->status = 429;
	resp->retry_after = wait;
	login_form(srv, req, resp, MW_LOGIN_RATE_LIMITED, true, args, user);
}

static void try_login(mw_server *srv, mw_request *req, mw_response *resp)
{
	const char *user = mw_arg(&req->form, "user"), *pw = mw_arg(&req->form, "password");
	char ipkey[96], userkey[96], detail[128];
	unsigned wait, wait_user;
	mq_user u = { 0 };
	mw_session s;
	mw_lang pref;
	int rc;

	snprintf(ipkey, sizeof(ipkey), "ip:%s", req->ip ? req->ip : "");
	snprintf(userkey, sizeof(userkey), "user:%s", user ? user : "");
	wait = mw_ratelimit_check(srv->rl_ip, ipkey, req->now);
	wait_user = mw_ratelimit_check(srv->rl_user, userkey, req->now);
	if (wait_user > wait)
		wait = wait_user;
	if (wait) {
		rate_limited(srv, req, resp, wait, user);
		return;
	}
	rc = user && pw && *user && *pw ? mq_user_auth(srv->store, user, pw, &u, NULL) : MQ_E_REFUSED;
	if (rc == MQ_E_ERROR) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	if (rc != MQ_OK) {
		snprintf(detail, sizeof(detail), "ip=%s", req->ip ? req->ip : "?");
		/* bounded by the rate limit: at most a few entries per address and window */
		if (mq_audit_note(srv->store, user && *user ? user : "(none)", "login_failed", detail,
		                  NULL) < 0)
			mw_log(srv, true, NULL, "login failure of '%.64s' not in the audit log",
			       user ? user : "");
		count(srv, &srv->login_failures);
		mw_ratelimit_fail(srv->rl_ip, ipkey, req->now);
		mw_ratelimit_fail(srv->rl_user, userkey, req->now);
		mw_log(srv, true, NULL, "login of '%.64s' from %s failed", user ? user : "",
		       req->ip ? req->ip : "?");
		login_form(srv, req, resp, MW_LOGIN_FAILED, true, NULL, user);
		return;
	}
	mw_ratelimit_clear(srv->rl_user, userkey);
	snprintf(detail, sizeof(detail), "ip=%s role=%s", req->ip ? req->ip : "?",
	         mq_role_name(u.role));
	/* a sign-in the audit log cannot record does not happen */
	if (mq_audit_note(srv->store, u.name, "login", detail, NULL) < 0) {
		mq_user_free(&u);
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	if (mw_lang_parse(u.lang, &pref) < 0)
		pref = req->lang;
	rc = mw_session_create(srv->sessions, u.name, u.role, pref, req->now, &s);
	mq_user_free(&u);
	if (rc < 0) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	count(srv, &srv->logins);
	mw_log(srv, false, NULL, "%s logged in from %s", s.user, req->ip ? req->ip : "?");
	mw_set_cookie(srv, resp, MW_COOKIE_SESSION, s.id, false);
	mw_set_cookie(srv, resp, MW_COOKIE_LOGIN, "", true);
	mw_redirect(resp, "/items");
}

void mw_page_login(mw_server *srv, mw_request *req, mw_response *resp)
{
	mw_lang chosen;
	const char *lang = mw_arg(strcmp(req->method, "POST") == 0 ? &req->form : &req->query, "lang");

	if (mw_lang_parse(lang, &chosen) == 0)
		req->lang = chosen;
	if (strcmp(req->method, "POST") == 0) {
		try_login(srv, req, resp);
		return;
	}
	if (req->authed) {
		mw_redirect(resp, "/items");
		return;
	}
	if (mw_arg(&req->query, "expired"))
		login_form(srv, req, resp, MW_LOGIN_EXPIRED, true, NULL, NULL);
	else if (mw_arg(&req->query, "bye"))
		login_form(srv, req, resp, MW_LOGGED_OUT, false, NULL, NULL);
	else
		login_form(srv, req, resp, MW_MSG_COUNT, false, NULL, NULL);
}

void mw_do_logout(mw_server *srv, mw_request *req, mw_response *resp)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "ip=%s", req->ip ? req->ip : "?");
	if (mq_audit_note(srv->store, req->sess.user, "logout", detail, NULL) < 0)
		mw_log(srv, true, NULL, "logout of %s not in the audit log", req->sess.user);
	mw_log(srv, false, NULL, "%s logged out", req->sess.user);
	mw_session_drop(srv->sessions, req->sess.id);
	mw_set_cookie(srv, resp, MW_COOKIE_SESSION, "", true);
	mw_redirect(resp, "/login?bye=1");
}

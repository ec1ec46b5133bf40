/*
 * web_account.c - the signed-in user's own settings: the UI language
 * (stored with the account) and the password (the current one is asked
 * again; wrong guesses count towards the login rate limit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static void lang_form(mw_out *o, const mw_request *req)
{
	mw_lang l = req->lang;

	mw_raw(o, "<section class=\"panel\"><h2>");
	mw_tr(o, l, MW_LANG_TITLE);
	mw_raw(o, "</h2><form method=\"post\" action=\"/account/lang\" class=\"row\">");
	mw_csrf_field(o, req);
	mw_raw(o, "<select name=\"lang\" id=\"lang\">");
	for (mw_lang x = MW_JA; x < MW_LANG_COUNT; x++) {
		mw_rawf(o, "<option value=\"%s\"%s>", mw_lang_code(x), x == l ? " selected" : "");
		mw_tr(o, x, x == MW_JA ? MW_LANG_NAME_JA : MW_LANG_NAME_EN);
		mw_raw(o, "</option>");
	}
	mw_raw(o, "</select><button type=\"submit\" class=\"primary\" id=\"save-lang\">");
	mw_tr(o, l, MW_SAVE);
	mw_raw(o, "</button></form></section>");
}

static void password_input(mw_out *o, mw_lang l, const char *name, mw_msg label,
                           const char *autocomplete)
{
	mw_rawf(o, "<label for=\"%s\">", name);
	mw_tr(o, l, label);
	mw_rawf(o, "</label><input type=\"password\" id=\"%s\" name=\"%s\" required "
	           "maxlength=\"1024\" autocomplete=\"%s\">", name, name, autocomplete);
}

static void password_form(mw_out *o, const mw_request *req)
{
	mw_lang l = req->lang;

	mw_raw(o, "<section class=\"panel\"><h2>");
	mw_tr(o, l, MW_PW_TITLE);
	mw_raw(o, "</h2><form method=\"post\" action=\"/account/password\" class=\"stack narrow\">");
	mw_csrf_field(o, req);
	password_input(o, l, "current", MW_PW_CURRENT, "current-password");
	password_input(o, l, "new", MW_PW_NEW, "new-password");
	password_input(o, l, "again", MW_PW_AGAIN, "new-password");
	mw_raw(o, "<p class=\"hint\">");
	mw_tr(o, l, MW_PW_RULE);
	mw_raw(o, "</p><button type=\"submit\" class=\"primary\" id=\"change-password\">");
	mw_tr(o, l, MW_PW_CHANGE);
	mw_raw(o, "</button></form></section>");
}

void mw_page_account(mw_server *srv, mw_request *req, mw_response *resp)
{
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	mw_page_begin(srv, req, resp, mw_t(l, MW_ACCOUNT_TITLE));
	mw_raw(o, "<section class=\"panel\"><h1>");
	mw_tr(o, l, MW_ACCOUNT_TITLE);
	mw_raw(o, "</h1><dl class=\"kv\"><dt>");
	mw_tr(o, l, MW_USERNAME);
	mw_raw(o, "</dt><dd id=\"account-user\">");
	mw_esc(o, req->sess.user);
	mw_raw(o, "</dd><dt>");
	mw_tr(o, l, MW_ACCOUNT_ROLE);
	mw_raw(o, "</dt><dd id=\"account-role\">");
	mw_word(o, l, "role", mq_role_name(req->sess.role));
	mw_raw(o, "</dd></dl></section>");
	lang_form(o, req);
	password_form(o, req);
	mw_page_end(resp);
}

/* Only a page of ours may be returned to (never another site). */
static const char *safe_back(const char *back)
{
	mw_route r;

	if (!back)
		return "/account";
	mw_route_parse(back, &r);
	switch (r.id) {
	case MW_R_ITEMS:
	case MW_R_ITEM:
	case MW_R_AUDIT:
	case MW_R_ACCOUNT:
		return back;
	default:
		return "/account";
	}
}

void mw_do_lang(mw_server *srv, mw_request *req, mw_response *resp)
{
	mw_lang lang;
	char *err = NULL;
	int rc;

	if (mw_lang_parse(mw_arg(&req->form, "lang"), &lang) < 0) {
		mw_error_page(srv, req, resp, 400, MW_ERR_BAD_REQUEST);
		return;
	}
	rc = mq_user_set_lang(srv->store, req->sess.user, req->sess.user, mw_lang_code(lang), &err);
	if (rc == MQ_OK) {
		mw_session_set_lang(srv->sessions, req->sess.id, lang);
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_OK,
		                     mw_t(lang, MW_LANG_SAVED));
	} else {
		mw_flash_store(srv, req, rc, err);
	}
	free(err);
	mw_redirect(resp, safe_back(mw_arg(&req->form, "back")));
}

static void flash(mw_server *srv, const mw_request *req, mw_flash kind, mw_msg m)
{
	mw_session_flash_set(srv->sessions, req->sess.id, kind, mw_t(req->lang, m));
}

void mw_do_password(mw_server *srv, mw_request *req, mw_response *resp)
{
	const char *cur = mw_arg(&req->form, "current"), *pw = mw_arg(&req->form, "new"),
		   *again = mw_arg(&req->form, "again");
	char key[96], *err = NULL;
	int rc;

	mw_redirect(resp, "/account");
	snprintf(key, sizeof(key), "user:%s", req->sess.user);
	if (mw_ratelimit_check(srv->rl_user, key, req->now)) {
		flash(srv, req, MW_FLASH_ERR, MW_PW_WRONG);
		return;
	}
	if (!cur || !pw || !again || strcmp(pw, again) != 0) {
		flash(srv, req, MW_FLASH_ERR, MW_PW_MISMATCH);
		return;
	}
	rc = mq_user_auth(srv->store, req->sess.user, cur, NULL, NULL);
	if (rc != MQ_OK) {
		if (rc == MQ_E_REFUSED)
			mw_ratelimit_fail(srv->rl_user, key, req->now);
		flash(srv, req, MW_FLASH_ERR, rc == MQ_E_REFUSED ? MW_PW_WRONG : MW_ERR_INTERNAL);
		return;
	}
	rc = mq_user_set_password(srv->store, req->sess.user, req->sess.user, pw, &err);
	if (rc == MQ_OK) {
		/* other browsers signed in with the old password are signed out */
		mw_session_drop_user(srv->sessions, req->sess.user, req->sess.id);
		mw_log(srv, false, NULL, "%s changed their password", req->sess.user);
		flash(srv, req, MW_FLASH_OK, MW_PW_CHANGED);
	} else {
		mw_flash_store(srv, req, rc, err);
	}
	free(err);
}

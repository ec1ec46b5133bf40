/*
 * web_unlock.c - /unlock/TOKEN: the recipient of a password-protected
 * attachment (PPAP) types its password; the file is opened in the
 * sandbox, sanitised, delivered to that recipient and offered for
 * download.
 *
 * SECURITY.  The page needs no login: the token in the link is the
 * credential (unlock_token.c: 192 random bits, only its hash stored,
 * bound to one item and one recipient, dead after its first success).
 * The form carries a CSRF token like the login form (a cookie echoed by
 * a field).  Wrong passwords are limited per link and per client address
 * (the login's limiter, with its own counts), and every try with a
 * password is one audit entry saying who, how many and what came of it,
 * never the password; the form value is wiped once tried.  This process
 * never opens the item: the unlock hook hands it to a sandboxed worker.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static void count(mw_server *srv, uint64_t *counter)
{
	pthread_mutex_lock(&srv->stats_lock);
	(*counter)++;
	pthread_mutex_unlock(&srv->stats_lock);
}

/* The form's CSRF token: the cookie when the browser sent one (a link
 * opened from a mail client arrives without it, SameSite=Strict), else a
 * fresh one set now. */
static const char *form_token(mw_server *srv, mw_request *req, mw_response *resp, char *fresh)
{
	if (mw_token_wellformed(req->cookie_login))
		return req->cookie_login;
	mw_token_new(fresh);
	mw_set_cookie(srv, resp, MW_COOKIE_LOGIN, fresh, false);
	return fresh;
}

static void heading(mw_out *o, mw_lang l, mw_msg title)
{
	mw_raw(o, "<section class=\"panel login unlock\"><p class=\"app\">");
	mw_tr(o, l, MW_APP_NAME);
	mw_raw(o, "</p><h1>");
	mw_tr(o, l, title);
	mw_raw(o, "</h1>");
}

/* A page that only says something: an unknown, used or expired link ... */
static void message_page(mw_server *srv, mw_request *req, mw_response *resp, unsigned status,
                         mw_msg msg)
{
	mw_out *o = &resp->body;

	resp->status = status;
	mw_page_begin(srv, req, resp, mw_t(req->lang, MW_UNLOCK_TITLE));
	heading(o, req->lang, MW_UNLOCK_TITLE);
	mw_raw(o, "<p class=\"error-text\" id=\"unlock-error\">");
	mw_tr(o, req->lang, msg);
	mw_raw(o, "</p></section>");
	mw_page_end(resp);
}

static void detail_row(mw_out *o, mw_lang l, mw_msg label, const char *value, const char *id)
{
	mw_raw(o, "<dt>");
	mw_tr(o, l, label);
	mw_rawf(o, "</dt><dd id=\"%s\">", id);
	mw_esc(o, value && *value ? value : mw_t(l, MW_NONE));
	mw_raw(o, "</dd>");
}

/* What the recipient is about to open, so that they know which password. */
static void details(mw_out *o, mw_lang l, const mq_unlock_token *tok, const mq_item *it)
{
	bool outbox = strcmp(tok->recipient, MQ_UNLOCK_OUTBOX) == 0;

	mw_raw(o, "<dl class=\"meta\">");
	detail_row(o, l, MW_COL_SENDER, it->sender, "unlock-sender");
	detail_row(o, l, MW_COL_SUBJECT, it->subject, "unlock-subject");
	mw_raw(o, "<dt>");
	mw_tr(o, l, MW_COL_RECEIVED);
	mw_raw(o, "</dt><dd>");
	mw_time(o, l, it->received);
	mw_raw(o, "</dd>");
	detail_row(o, l, MW_UNLOCK_DELIVER_TO, outbox ? mw_t(l, MW_UNLOCK_OUTBOX) : tok->recipient,
	           "unlock-recipient");
	mw_raw(o, "</dl>");
}

struct form {
	const char *token;
	const mq_unlock_token *tok;
	const mq_item *item;
	mw_msg notice;       /* MW_MSG_COUNT: none */
	const char *arg;     /* the notice's {1} */
};

static void form_page(mw_server *srv, mw_request *req, mw_response *resp, const struct form *f)
{
	char fresh[MW_TOKEN_HEX + 1];
	const char *csrf = form_token(srv, req, resp, fresh);
	const char *args[1] = { f->arg };
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	mw_page_begin(srv, req, resp, mw_t(l, MW_UNLOCK_TITLE));
	heading(o, l, MW_UNLOCK_TITLE);
	if (f->notice != MW_MSG_COUNT) {
		mw_raw(o, "<div class=\"flash error\" id=\"flash\" role=\"status\">");
		mw_trf(o, l, f->notice, args, f->arg ? 1 : 0);
		mw_raw(o, "</div>");
	}
	mw_raw(o, "<p id=\"unlock-intro\">");
	mw_tr(o, l, MW_UNLOCK_INTRO);
	mw_raw(o, "</p>");
	details(o, l, f->tok, f->item);
	mw_raw(o, "<form method=\"post\" action=\"/unlock/");
	mw_esc(o, f->token);
	mw_raw(o, "\" class=\"stack\"><input type=\"hidden\" name=\"csrf\" value=\"");
	mw_esc(o, csrf);
	mw_rawf(o, "\"><input type=\"hidden\" name=\"lang\" value=\"%s\"><label for=\"password\">",
	        mw_lang_code(l));
	mw_tr(o, l, MW_UNLOCK_PASSWORD);
	mw_raw(o, "</label><input id=\"password\" name=\"password\" type=\"password\" "
	          "autocomplete=\"off\" required maxlength=\"255\" autofocus>"
	          "<button type=\"submit\" class=\"primary\" id=\"unlock\">");
	mw_tr(o, l, MW_UNLOCK_BUTTON);
	mw_raw(o, "</button></form><p class=\"note\">");
	mw_tr(o, l, MW_UNLOCK_NOTE);
	mw_raw(o, "</p></section>");
	mw_page_end(resp);
}

static void done_page(mw_server *srv, mw_request *req, mw_response *resp,
                      const mq_unlock_token *tok, const char *file_id)
{
	char minutes[16];
	const char *args[1] = { tok->recipient };
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	mw_page_begin(srv, req, resp, mw_t(l, MW_UNLOCK_DONE_TITLE));
	heading(o, l, MW_UNLOCK_DONE_TITLE);
	mw_raw(o, "<div class=\"flash ok\" id=\"unlock-done\" role=\"status\">");
	if (strcmp(tok->recipient, MQ_UNLOCK_OUTBOX) == 0)
		mw_tr(o, l, MW_UNLOCK_DONE_OUTBOX);
	else
		mw_trf(o, l, MW_UNLOCK_DONE_MAIL, args, 1);
	mw_raw(o, "</div>");
	if (file_id) {
		snprintf(minutes, sizeof(minutes), "%d", MW_UNLOCK_FILE_TTL / 60);
		args[0] = minutes;
		mw_rawf(o, "<p><a class=\"button primary\" id=\"download\" href=\"/unlock/file/%s\">",
		        file_id);
		mw_tr(o, l, MW_UNLOCK_DOWNLOAD);
		mw_raw(o, "</a></p><p class=\"note\">");
		mw_trf(o, l, MW_UNLOCK_DOWNLOAD_NOTE, args, 1);
		mw_raw(o, "</p>");
	}
	mw_raw(o, "</section>");
	mw_page_end(resp);
}

/* The page for a link that cannot be used (any more). */
static void dead_link(mw_server *srv, mw_request *req, mw_response *resp, int rc,
                      const mq_unlock_token *tok)
{
	if (rc == MQ_E_NOTFOUND)
		message_page(srv, req, resp, 404, MW_UNLOCK_UNKNOWN);
	else if (rc == MQ_E_REFUSED)
		message_page(srv, req, resp, 410,
		             tok->state == MQ_TOKEN_USED      ? MW_UNLOCK_USED
		             : tok->state == MQ_TOKEN_EXPIRED ? MW_UNLOCK_EXPIRED
		                                              : MW_UNLOCK_GONE);
	else
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
}

static void choose_lang(mw_request *req)
{
	mw_lang chosen;
	const char *lang = mw_arg(strcmp(req->method, "POST") == 0 ? &req->form : &req->query, "lang");

	if (mw_lang_parse(lang, &chosen) == 0)
		req->lang = chosen;
}

static void show(mw_server *srv, mw_request *req, mw_response *resp, const char *token)
{
	mq_unlock_token tok;
	mq_item it;
	int rc = mq_unlock_token_check(srv->store, token, &tok, &it, NULL, NULL);
	struct form f = { token, &tok, &it, MW_MSG_COUNT, NULL };

	if (rc != MQ_OK) {
		dead_link(srv, req, resp, rc, &tok);
		return;
	}
	form_page(srv, req, resp, &f);
	mq_item_free(&it);
}

/* Seconds until this link or this address may try again; 0: now. */
static unsigned limited(mw_server *srv, const mw_request *req, const mq_unlock_token *tok,
                        char *tkey, char *ikey, size_t size)
{
	unsigned a, b;

	snprintf(tkey, size, "token:%s", tok->tag);
	snprintf(ikey, size, "ip:%s", req->ip ? req->ip : "");
	a = mw_ratelimit_check(srv->rl_unlock_token, tkey, req->now);
	b = mw_ratelimit_check(srv->rl_unlock_ip, ikey, req->now);
	return a > b ? a : b;
}

/* A try the store could not even start (the item is gone, the link died
 * meanwhile), or a wrong password or a failure: recorded, then shown. */
static void record_failure(mw_server *srv, const char *token, const mq_unlock_token *tok,
                           const char *outcome)
{
	count(srv, &srv->unlock_failures);
	if (mq_unlock_token_fail(srv->store, token, 1, outcome, NULL) != MQ_OK)
		mw_log(srv, true, tok->item_id, "unlock link %s: the failed try is not in the audit log",
		       tok->tag);
}

struct attempt {
	const char *token;
	mq_unlock_token tok;
	mq_item item;
	unsigned char *original;
	mw_unlock_result res;
};

static void opened(mw_server *srv, mw_request *req, mw_response *resp, struct attempt *a)
{
	char file_id[MW_TOKEN_HEX + 1], *err = NULL;
	bool have_file = false;

	/* the contents left already: a dead link only means a second tab won */
	if (mq_unlock_token_consume(srv->store, a->token, 1, a->res.outcome, &err) != MQ_OK)
		mw_log(srv, true, a->tok.item_id, "unlock link %s: delivered, but not recorded: %s",
		       a->tok.tag, err ? err : "?");
	free(err);
	count(srv, &srv->unlocks);
	mw_log(srv, false, a->tok.item_id, "unlocked through link %s by %s from %s: %s",
	       a->tok.tag, a->tok.recipient, req->ip ? req->ip : "?", a->res.outcome);
	if (a->res.file) {
		have_file = mw_unlock_files_put(srv->unlocked, a->res.file, a->res.file_len,
		                                a->res.file_name, req->now, file_id) == 0;
		a->res.file = NULL; /* taken over */
	}
	done_page(srv, req, resp, &a->tok, have_file ? file_id : NULL);
}

static void try_password(mw_server *srv, mw_request *req, mw_response *resp, struct attempt *a,
                         const char *password, const char *tkey, const char *ikey)
{
	struct form f = { a->token, &a->tok, &a->item, MW_UNLOCK_WRONG, NULL };
	int r = srv->opt.unlock(srv->opt.unlock_ctx, &a->item, a->original, (size_t)a->item.size,
	                        password, a->tok.recipient, &a->res);

	if (r > 0) {
		opened(srv, req, resp, a);
		return;
	}
	if (!a->res.outcome[0])
		snprintf(a->res.outcome, sizeof(a->res.outcome), "%s",
		         r == 0 ? "wrong password" : "failed");
	record_failure(srv, a->token, &a->tok, a->res.outcome);
	mw_log(srv, true, a->tok.item_id, "unlock link %s from %s: %s", a->tok.tag,
	       req->ip ? req->ip : "?", a->res.outcome);
	if (r < 0) {
		message_page(srv, req, resp, 500, MW_UNLOCK_FAILED);
		return;
	}
	mw_ratelimit_fail(srv->rl_unlock_token, tkey, req->now);
	mw_ratelimit_fail(srv->rl_unlock_ip, ikey, req->now);
	form_page(srv, req, resp, &f);
}

static void post(mw_server *srv, mw_request *req, mw_response *resp, const char *token)
{
	struct attempt a = { .token = token };
	const char *password = mw_arg(&req->form, "password");
	char tkey[128], ikey[128], minutes[16];
	struct form f = { token, &a.tok, &a.item, MW_UNLOCK_EMPTY, NULL };
	unsigned wait;
	int rc = mq_unlock_token_check(srv->store, token, &a.tok, &a.item, NULL, NULL);

	if (rc != MQ_OK) {
		if (rc == MQ_E_REFUSED)
			record_failure(srv, token, &a.tok, a.tok.state == MQ_TOKEN_LIVE ? "item gone"
			                                   : a.tok.state == MQ_TOKEN_USED ? "link used"
			                                                                  : "link expired");
		dead_link(srv, req, resp, rc, &a.tok);
		return;
	}
	if ((wait = limited(srv, req, &a.tok, tkey, ikey, sizeof(tkey)))) {
		count(srv, &srv->rate_limited);
		mw_log(srv, true, a.tok.item_id, "unlock link %s from %s refused: rate limit, %u s left",
		       a.tok.tag, req->ip ? req->ip : "?", wait);
		snprintf(minutes, sizeof(minutes), "%u", (wait + 59) / 60);
		resp->status = 429;
		resp->retry_after = wait;
		f.notice = MW_UNLOCK_RATE_LIMITED;
		f.arg = minutes;
		form_page(srv, req, resp, &f);
	} else if (!password || !*password) {
		form_page(srv, req, resp, &f);
	} else if (!srv->opt.unlock) {
		message_page(srv, req, resp, 503, MW_UNLOCK_UNAVAILABLE);
	} else {
		/* now the bytes, for the sandbox only */
		mq_item_free(&a.item);
		if (mq_unlock_token_check(srv->store, token, &a.tok, &a.item, &a.original, NULL) ==
		    MQ_OK) {
			try_password(srv, req, resp, &a, password, tkey, ikey);
		} else {
			record_failure(srv, token, &a.tok, "original unreadable");
			message_page(srv, req, resp, 500, MW_UNLOCK_FAILED);
		}
	}
	free(a.original);
	free(a.res.file);
	mq_item_free(&a.item);
}

/* The form's value dies with the request: wiped, not only freed. */
static void wipe_password(mw_request *req)
{
	for (size_t i = 0; i < req->form.n; i++)
		if (strcmp(req->form.kv[i].key, "password") == 0)
			sodium_memzero(req->form.kv[i].value, req->form.kv[i].len);
}

void mw_page_unlock(mw_server *srv, mw_request *req, mw_response *resp, const char *token)
{
	choose_lang(req);
	if (strcmp(req->method, "POST") == 0)
		post(srv, req, resp, token);
	else
		show(srv, req, resp, token);
	wipe_password(req);
}

void mw_do_unlock_file(mw_server *srv, mw_request *req, mw_response *resp, const char *id)
{
	unsigned char *data;
	size_t len;
	char name[256];

	choose_lang(req);
	if (mw_unlock_files_get(srv->unlocked, id, req->now, &data, &len, name, sizeof(name)) < 0) {
		message_page(srv, req, resp, 404, MW_UNLOCK_FILE_GONE);
		return;
	}
	/* the name is ours (item id and type), never the sender's */
	snprintf(resp->disposition, sizeof(resp->disposition), "attachment; filename=\"%.100s\"",
	         name);
	resp->content_type = "application/octet-stream";
	resp->blob = data;
	resp->blob_len = len;
}

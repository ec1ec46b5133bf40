/*
 * web_html.c - writing HTML safely: every value that came from a mail, a
 * file name, a user or the store goes through mw_esc(); markup is only
 * ever written from literals.  Also the request arguments and responses.
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_internal.h"

/* --- arguments ------------------------------------------------------------ */

int mw_args_add(mw_args *a, const char *key, const char *data, size_t len)
{
	mw_kv *kv = NULL;
	char *grown;

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->kv[i].key, key) == 0)
			kv = &a->kv[i];
	if (!kv) {
		if (a->n >= MW_MAX_ARGS || strlen(key) > 64)
			goto overflow;
		kv = &a->kv[a->n];
		kv->key = strdup(key);
		kv->value = calloc(1, 1);
		kv->len = 0;
		if (!kv->key || !kv->value) {
			free(kv->key);
			free(kv->value);
			goto overflow;
		}
		a->n++;
	}
	if (len > MW_MAX_FIELD - kv->len)
		goto overflow;
	grown = realloc(kv->value, kv->len + len + 1);
	if (!grown)
		goto overflow;
	memcpy(grown + kv->len, data, len);
	kv->len += len;
	grown[kv->len] = '\0';
	kv->value = grown;
	return 0;
overflow:
	a->overflow = true;
	return -1;
}

const char *mw_arg(const mw_args *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->kv[i].key, key) == 0)
			/* a NUL inside a value would make C see another string */
			return strlen(a->kv[i].value) == a->kv[i].len ? a->kv[i].value : NULL;
	return NULL;
}

void mw_args_free(mw_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->kv[i].key);
		free(a->kv[i].value);
	}
	memset(a, 0, sizeof(*a));
}

/* --- output --------------------------------------------------------------- */

void mw_out_init(mw_out *o)
{
	mg_buf_init(&o->b, MW_MAX_PAGE);
	o->failed = false;
}

static void put(mw_out *o, const char *s, size_t n)
{
	if (!o->failed && n && mg_buf_append(&o->b, s, n) < 0)
		o->failed = true;
}

void mw_raw(mw_out *o, const char *s)
{
	put(o, s, strlen(s));
}

void mw_rawf(mw_out *o, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small))
		o->failed = true; /* formats are ours and short: longer is a bug */
	else
		put(o, small, (size_t)n);
}

/* Escapes one valid UTF-8 run. */
static void esc_valid(mw_out *o, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				rep = "";
		}
		if (!rep)
			continue;
		put(o, s + start, i - start);
		mw_raw(o, rep);
		start = i + 1;
	}
	put(o, s + start, n - start);
}

void mw_esc_n(mw_out *o, const char *s, size_t n)
{
	const char *end;

	if (!s)
		return;
	/* invalid sequences become U+FFFD: a browser never guesses an encoding */
	while (n > 0) {
		if (g_utf8_validate(s, (gssize)n, &end)) {
			esc_valid(o, s, n);
			return;
		}
		esc_valid(o, s, (size_t)(end - s));
		mw_raw(o, "\xef\xbf\xbd");
		n -= (size_t)(end - s) + 1;
		s = end + 1;
	}
}

void mw_esc(mw_out *o, const char *s)
{
	if (s)
		mw_esc_n(o, s, strlen(s));
}

void mw_tr(mw_out *o, mw_lang lang, mw_msg m)
{
	mw_esc(o, mw_t(lang, m));
}

void mw_trf(mw_out *o, mw_lang lang, mw_msg m, const char *const *args, size_t nargs)
{
	const char *t = mw_t(lang, m), *p = t;

	while (*p) {
		const char *brace = strchr(p, '{');
		size_t k;

		if (!brace) {
			mw_esc(o, p);
			return;
		}
		mw_esc_n(o, p, (size_t)(brace - p));
		if (brace[1] >= '1' && brace[1] <= '9' && brace[2] == '}') {
			k = (size_t)(brace[1] - '1');
			if (k < nargs)
				mw_esc(o, args[k]);
			p = brace + 3;
		} else {
			mw_raw(o, "{");
			p = brace + 1;
		}
	}
}

void mw_urlenc(mw_out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4] = { '%', hex[c >> 4], hex[c & 15], '\0' };

		if (g_ascii_isalnum((char)c) || c == '-' || c == '_' || c == '.' || c == '~') {
			enc[0] = (char)c;
			enc[1] = '\0';
		}
		mw_raw(o, enc);
	}
}

void mw_time(mw_out *o, mw_lang lang, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm)) {
		mw_tr(o, lang, MW_NONE);
		return;
	}
	mw_raw(o, s);
}

void mw_word(mw_out *o, mw_lang lang, const char *kind, const char *word)
{
	const char *t = mw_t_word(lang, kind, word);

	if (!word || !*word)
		mw_tr(o, lang, MW_NONE);
	else
		mw_esc(o, t ? t : word);
}

/* Class names come only from known words: an unknown word gets none. */
void mw_badge(mw_out *o, mw_lang lang, const char *kind, const char *word)
{
	if (mw_t_word(lang, kind, word))
		mw_rawf(o, "<span class=\"badge %s-%s\">", kind, word);
	else
		mw_raw(o, "<span class=\"badge\">");
	mw_word(o, lang, kind, word);
	mw_raw(o, "</span>");
}

/* --- responses ------------------------------------------------------------ */

void mw_response_init(mw_response *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->content_type = "text/html; charset=utf-8";
	mw_out_init(&r->body);
}

void mw_response_free(mw_response *r)
{
	mg_buf_free(&r->body.b);
	free(r->blob);
	r->blob = NULL;
}

void mw_redirect(mw_response *resp, const char *location)
{
	resp->status = 303;
	snprintf(resp->location, sizeof(resp->location), "%s", location);
	mg_buf_reset(&resp->body.b);
}

/* --- the frame of every page ---------------------------------------------- */

void mw_csrf_field(mw_out *o, const mw_request *req)
{
	mw_raw(o, "<input type=\"hidden\" name=\"csrf\" value=\"");
	mw_esc(o, req->sess.csrf);
	mw_raw(o, "\">");
}

static void nav_link(mw_out *o, mw_lang lang, const char *href, mw_msg m, bool current)
{
	mw_rawf(o, "<a href=\"%s\"%s>", href, current ? " class=\"current\" aria-current=\"page\"" : "");
	mw_tr(o, lang, m);
	mw_raw(o, "</a>");
}

/* The language switcher: a POST for a signed-in user (stored with the
 * account), a plain link on the login page. */
static void lang_switch(mw_out *o, const mw_request *req)
{
	mw_lang other = req->lang == MW_JA ? MW_EN : MW_JA;
	mw_msg name = other == MW_JA ? MW_LANG_NAME_JA : MW_LANG_NAME_EN;

	if (!req->authed) {
		/* an unlock page switches to itself; its path passed the route's checks */
		mw_raw(o, "<a class=\"lang\" href=\"");
		mw_esc(o, strncmp(req->path, "/unlock/", 8) == 0 ? req->path : "/login");
		mw_rawf(o, "?lang=%s\" lang=\"%s\">", mw_lang_code(other), mw_lang_code(other));
		mw_tr(o, other, name);
		mw_raw(o, "</a>");
		return;
	}
	mw_raw(o, "<form class=\"inline\" method=\"post\" action=\"/account/lang\">");
	mw_csrf_field(o, req);
	mw_rawf(o, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", mw_lang_code(other));
	mw_raw(o, "<input type=\"hidden\" name=\"back\" value=\"");
	mw_esc(o, req->path);
	mw_rawf(o, "\"><button class=\"link lang\" type=\"submit\" lang=\"%s\">", mw_lang_code(other));
	mw_tr(o, other, name);
	mw_raw(o, "</button></form>");
}

static void flash(mw_server *srv, mw_request *req, mw_out *o)
{
	char text[1024];
	mw_flash kind;

	if (!req->authed)
		return;
	kind = mw_session_flash_take(srv->sessions, req->sess.id, text, sizeof(text));
	if (kind == MW_FLASH_NONE)
		return;
	mw_rawf(o, "<div class=\"flash %s\" role=\"status\" id=\"flash\">",
	        kind == MW_FLASH_OK ? "ok" : "error");
	mw_esc(o, text);
	mw_raw(o, "</div>");
}

void mw_page_begin(mw_server *srv, mw_request *req, mw_response *resp, const char *title)
{
	mw_out *o = &resp->body;
	mw_lang l = req->lang;
	char role[64] = "";
	const char *args[2] = { req->sess.user, role };

	mw_rawf(o, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	           "<title>", mw_lang_code(l));
	mw_esc(o, title);
	mw_raw(o, " - ");
	mw_tr(o, l, MW_APP_NAME);
	mw_raw(o, "</title><link rel=\"stylesheet\" href=\"/static/mugai.css\"></head><body>"
	          "<header class=\"top\"><div class=\"brand\"><span class=\"logo\">mugai</span>"
	          "<span class=\"area\">");
	mw_tr(o, l, MW_APP_AREA);
	mw_raw(o, "</span></div>");
	if (req->authed) {
		mw_raw(o, "<nav>");
		nav_link(o, l, "/dashboard", MW_NAV_DASHBOARD, strcmp(req->path, "/dashboard") == 0);
		nav_link(o, l, "/items", MW_NAV_ITEMS, strncmp(req->path, "/items", 6) == 0);
		nav_link(o, l, "/audit", MW_NAV_AUDIT, strcmp(req->path, "/audit") == 0);
		nav_link(o, l, "/account", MW_NAV_ACCOUNT, strncmp(req->path, "/account", 8) == 0);
		mw_raw(o, "</nav>");
	}
	mw_raw(o, "<div class=\"who\">");
	if (req->authed) {
		const char *r = mw_t_word(l, "role", mq_role_name(req->sess.role));

		snprintf(role, sizeof(role), "%s", r ? r : "");
		mw_raw(o, "<span class=\"user\" id=\"whoami\">");
		mw_trf(o, l, MW_SIGNED_IN_AS, args, 2);
		mw_raw(o, "</span>");
	}
	lang_switch(o, req);
	if (req->authed) {
		mw_raw(o, "<form class=\"inline\" method=\"post\" action=\"/logout\">");
		mw_csrf_field(o, req);
		mw_raw(o, "<button class=\"link\" type=\"submit\" id=\"logout\">");
		mw_tr(o, l, MW_LOGOUT);
		mw_raw(o, "</button></form>");
	}
	mw_raw(o, "</div></header><main>");
	flash(srv, req, o);
}

void mw_page_end(mw_response *resp)
{
	mw_raw(&resp->body, "</main><footer>mugai " MUGAI_VERSION "</footer></body></html>\n");
}

void mw_error_page(mw_server *srv, mw_request *req, mw_response *resp, unsigned status,
                   mw_msg msg)
{
	mg_buf_reset(&resp->body.b);
	resp->body.failed = false;
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	mw_page_begin(srv, req, resp, mw_t(req->lang, MW_ERROR_TITLE));
	mw_rawf(&resp->body, "<section class=\"panel\"><h1>%u ", status);
	mw_tr(&resp->body, req->lang, MW_ERROR_TITLE);
	mw_raw(&resp->body, "</h1><p class=\"error-text\" id=\"error\">");
	mw_tr(&resp->body, req->lang, msg);
	mw_raw(&resp->body, "</p><p><a href=\"/\">");
	mw_tr(&resp->body, req->lang, MW_GO_HOME);
	mw_raw(&resp->body, "</a></p></section>");
	mw_page_end(resp);
}

/* Plain text (not HTML) of a catalog template: a flash is escaped when shown. */
void mw_text(char *out, size_t size, mw_lang lang, mw_msg m, const char *const *args, size_t nargs)
{
	const char *p = mw_t(lang, m);
	size_t n = 0;

	while (*p && n + 1 < size) {
		const char *s = NULL;

		if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
			size_t k = (size_t)(p[1] - '1');

			s = k < nargs && args[k] ? args[k] : "";
			p += 3;
			while (*s && n + 1 < size)
				out[n++] = *s++;
			continue;
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
}

void mw_flash_store(mw_server *srv, mw_request *req, int rc, const char *err)
{
	const char *args[1] = { err ? err : "" };
	char msg[1024];

	/* the store says "refused: ..." itself; the catalog has the prefix */
	if (strncmp(args[0], "refused: ", 9) == 0)
		args[0] += 9;

	mw_text(msg, sizeof(msg), req->lang, rc == MQ_E_REFUSED ? MW_REFUSED : MW_FAILED, args, 1);
	mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_ERR, msg);
}

void mw_set_cookie(const mw_server *srv, mw_response *resp, const char *name, const char *value,
                   bool expire)
{
	if (resp->ncookies >= sizeof(resp->cookies) / sizeof(resp->cookies[0]))
		return;
	snprintf(resp->cookies[resp->ncookies++], sizeof(resp->cookies[0]),
	         "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name, expire ? "" : value,
	         expire ? "; Max-Age=0" : "", srv->opt.secure_cookies ? "; Secure" : "");
}

void mw_size(mw_out *o, uint64_t n)
{
	static const char *const unit[] = { "KB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		mw_rawf(o, "%llu B", (unsigned long long)n);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024.0;
		u++;
	}
	mw_rawf(o, "%.1f %s", v, unit[u]);
}

/*
 * fuzz_web.c - the review UI's router and report renderer on hostile
 * requests: what anyone who reaches admin.listen can send, and what a
 * hostile mail can put into a report.
 *
 * The input is lines: method, path (where "@LINK@" stands for a live
 * unlock link's token), Host, Accept-Language, a flags line
 * (s: send the live admin session, c: send its CSRF token, l: a login
 * cookie), then "q key=value" and "f key=value" lines for the query and
 * the form, and after a line "--" the rest is a report rendered as JSON.
 * The store is one SQLite index in a temporary directory with three items
 * (one encrypted, with an unlock link) and three users, made once; the
 * unlock page's sandbox is a stand-in that opens with the password "open".
 *
 * Invariants checked on every input: a status the UI can answer, never a
 * failed (truncated) page, a redirect only to a local path, and no
 * "<script" in any page, whatever the request or report carried.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPORT_SEED "{\"verdict\":\"sanitised\",\"type\":\"mail\",\"removed\":[]}"

static mq_store *store;
static mw_server *srv;
static mw_session admin;
static char link[MQ_UNLOCK_TOKEN_SIZE];
static const struct {
	const char *id, *subject, *verdict;
} items[] = {
	{ "20261204T000000Z-aaaaaaaa", "<script>alert(1)</script>", "blocked" },
	{ "20261204T000001Z-bbbbbbbb", "会議資料", "blocked" },
	{ "20261204T000002Z-cccccccc", "<img src=x>見積書.zip", "encrypted" },
};

/* The sandbox's stand-in: "open" opens, anything else is wrong. */
static int fake_unlock(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                       const char *password, const char *recipient, mw_unlock_result *res)
{
	(void)ctx;
	(void)item;
	(void)original;
	(void)len;
	(void)recipient;
	if (strcmp(password, "open") != 0)
		return 0;
	res->file = (unsigned char *)strdup("<script>x</script>");
	res->file_len = res->file ? strlen((char *)res->file) : 0;
	snprintf(res->file_name, sizeof(res->file_name), "x-sanitised.zip");
	return 1;
}

/* A live link for the encrypted item (the last one died opening it). */
static void fresh_link(void)
{
	mq_unlock_token t;

	if (link[0] && mq_unlock_token_lookup(store, link, &t, NULL) == MQ_OK)
		return;
	/* refused once an input released or deleted the item: the link stays dead */
	if (mq_unlock_token_create(store, items[2].id, "staff@city.example.lg.jp", 3600, link,
	                           sizeof(link), NULL) != MQ_OK && !link[0])
		snprintf(link, sizeof(link), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

static void put_item(const char *id, const char *subject, const char *verdict)
{
	mq_meta m = { 0 };
	const char *rcpt[] = { "staff@city.example.lg.jp" };
	char *err = NULL;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	m.channel = "mail";
	m.sender = "sender@example.com";
	m.recipients = rcpt;
	m.nrecipients = 1;
	m.subject = subject;
	m.verdict = verdict;
	m.reasons = "macro";
	if (mq_put(store, &m, "x", 1, REPORT_SEED, &err) != MQ_OK)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/fuzz_web.XXXXXX";
	char uri[64];
	mw_options opt = { .unlock = fake_unlock };
	char *err = NULL;

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(uri, sizeof(uri), "sqlite:%s/index.db", dir);
	store = mq_open(dir, uri, &err);
	if (!store ||
	    mq_user_add(store, NULL, "alice", MQ_ROLE_REVIEWER, "alice-password", NULL) != 0 ||
	    mq_user_add(store, NULL, "carol", MQ_ROLE_ADMIN, "carol-password", NULL) != 0 ||
	    mq_user_add(store, NULL, "dave", MQ_ROLE_AUDITOR, "dave-password", NULL) != 0)
		abort();
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		put_item(items[i].id, items[i].subject, items[i].verdict);
	srv = mw_server_new(store, &opt, &err);
	if (!srv || mw_session_create(srv->sessions, "carol", MQ_ROLE_ADMIN, MW_JA,
	                              (int64_t)time(NULL), &admin) != 0)
		abort();
	return 0;
}

/* The next line of [*p, end) as a NUL-terminated copy in line. */
static bool next_line(const char **p, const char *end, char *line, size_t cap)
{
	size_t n = 0;

	if (*p >= end)
		return false;
	while (*p < end && **p != '\n') {
		if (n + 1 < cap)
			line[n++] = **p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	line[n] = '\0';
	return true;
}

static void add_arg(mw_args *a, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq)
		return;
	char key[128];
	size_t klen = (size_t)(eq - kv) < sizeof(key) - 1 ? (size_t)(eq - kv) : sizeof(key) - 1;

	memcpy(key, kv, klen);
	key[klen] = '\0';
	mw_args_add(a, key, eq + 1, strlen(eq + 1));
}

static void check_page(const mw_response *r)
{
	if (r->body.failed)
		abort();
	if (r->status < 200 || r->status > 599)
		abort();
	if (r->location[0] && r->location[0] != '/')
		abort();
	if (r->location[0] == '/' && r->location[1] == '/')
		abort();
	if (r->body.b.data && r->body.b.len &&
	    memmem(r->body.b.data, r->body.b.len, "<script", 7))
		abort();
}

static void route(const char **p, const char *end)
{
	char method[16], path[512], host[128], lang[128], flags[16], line[4096];
	mw_request req;
	mw_response resp;

	if (!next_line(p, end, method, sizeof(method)) || !next_line(p, end, path, sizeof(path)) ||
	    !next_line(p, end, host, sizeof(host)) || !next_line(p, end, lang, sizeof(lang)) ||
	    !next_line(p, end, flags, sizeof(flags)))
		return;
	{
		char *at = strstr(path, "@LINK@");

		if (at && strlen(path) + sizeof(link) < sizeof(path)) {
			memmove(at + strlen(link), at + 6, strlen(at + 6) + 1);
			memcpy(at, link, strlen(link));
		}
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.host = host[0] ? host : NULL;
	req.accept_language = lang;
	req.ip = "192.0.2.1";
	req.now = (int64_t)time(NULL);
	req.cookie_session = strchr(flags, 's') ? admin.id : NULL;
	req.cookie_login = strchr(flags, 'l') ? admin.csrf : NULL;
	if (strchr(flags, 'c'))
		mw_args_add(&req.form, "csrf", admin.csrf, strlen(admin.csrf));
	while (next_line(p, end, line, sizeof(line)) && strcmp(line, "--") != 0) {
		if (line[0] == 'q' && line[1] == ' ')
			add_arg(&req.query, line + 2);
		else if (line[0] == 'f' && line[1] == ' ')
			add_arg(&req.form, line + 2);
	}
	mw_response_init(&resp);
	mw_handle(srv, &req, &resp);
	check_page(&resp);
	mw_response_free(&resp);
	mw_args_free(&req.query);
	mw_args_free(&req.form);
}

static void render(const char *p, const char *end)
{
	char *json = strndup(p, (size_t)(end - p));
	mw_out o;

	if (!json)
		return;
	mw_out_init(&o);
	mw_render_report(&o, MW_EN, json);
	if (o.b.data && o.b.len && memmem(o.b.data, o.b.len, "<script", 7))
		abort();
	mg_buf_free(&o.b);
	free(json);
}

/* A logout or a deleted item in one input must not starve the next. */
static void restore(void)
{
	mw_session s;
	mq_item it;

	if (mw_session_get(srv->sessions, admin.id, (int64_t)time(NULL), &s) != 0 &&
	    mw_session_create(srv->sessions, "carol", MQ_ROLE_ADMIN, MW_JA, (int64_t)time(NULL),
	                      &admin) != 0)
		abort();
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (mq_get(store, items[i].id, &it, NULL) == MQ_OK)
			mq_item_free(&it);
		else
			put_item(items[i].id, items[i].subject, items[i].verdict);
	}
	fresh_link();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	if (size > 65536)
		return 0;
	restore();
	route(&p, end);
	if (p < end)
		render(p, end);
	return 0;
}

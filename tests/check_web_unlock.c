/*
 * check_web_unlock.c - the review UI's /unlock/TOKEN page through the
 * router, with a stand-in for the sandbox hook: the form and its CSRF
 * token, a wrong and a right password, the audit entries, the rate limit
 * per link and per address, dead and expired links, the download, and
 * the password in no log line, audit entry or page; over a socket, a
 * reviewer's page is answered while an unlock waits on the sandbox.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "web_internal.h"

#define ITEM "20241204T090000-a1b2c3d4e5f6"
#define RIGHT "Kagi#2024-right"
#define WRONG "Kagi#2024-wrong"
#define RCPT "tanaka@city.example.lg.jp"

static char tmpdir[256];
static mq_store *store;
static mw_server *srv;
static char logged[16384];
static int hook_calls;
static char hook_recipient[330];

static void capture_log(void *ctx, bool warning, const char *item_id, const char *msg)
{
	size_t n = strlen(logged);

	snprintf(logged + n, sizeof(logged) - n, "%c|%s|%s\n", warning ? 'W' : 'I',
	         item_id ? item_id : "-", msg);
}

/* The sandbox's stand-in: RIGHT opens, "broken" fails, the rest is wrong. */
static int fake_unlock(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                       const char *password, const char *recipient, mw_unlock_result *res)
{
	hook_calls++;
	snprintf(hook_recipient, sizeof(hook_recipient), "%s", recipient);
	ck_assert_mem_eq(original, "PK-encrypted", len);
	if (strcmp(password, "broken") == 0) {
		snprintf(res->outcome, sizeof(res->outcome), "opened, but delivery failed: 451");
		return -1;
	}
	if (strcmp(password, RIGHT) != 0)
		return 0;
	snprintf(res->outcome, sizeof(res->outcome), "sanitised contents delivered to %s",
	         recipient);
	res->file = (unsigned char *)strdup("SANITISED BYTES");
	res->file_len = 15;
	snprintf(res->file_name, sizeof(res->file_name), "%s-sanitised.zip", item->item_id);
	return 1;
}

static void setup_with(mw_unlock_fn hook)
{
	mw_options opt = { .unlock = hook, .public_url = "https://mugai.example.lg.jp/ui/" };
	const char *rcpt[] = { RCPT, "suzuki@city.example.lg.jp" };
	mq_meta m = { .item_id = ITEM, .channel = "mail", .sender = "sato@example.org",
		      .recipients = rcpt, .nrecipients = 2, .subject = "【資料送付】<b>議事録</b>",
		      .verdict = "encrypted", .reasons = "encrypted zip" };
	char uri[300], *err = NULL;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_web_unlock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(uri, sizeof(uri), "sqlite:%s/index.db", tmpdir);
	store = mq_open(tmpdir, uri, &err);
	ck_assert_msg(store != NULL, "mq_open: %s", err ? err : "");
	ck_assert_int_eq(mq_put(store, &m, "PK-encrypted", 12, "{}", NULL), MQ_OK);
	srv = mw_server_new(store, &opt, &err);
	ck_assert_ptr_nonnull(srv);
	srv->opt.log = capture_log;
	logged[0] = '\0';
	hook_calls = 0;
}

static void setup(void)
{
	setup_with(fake_unlock);
}

static void teardown(void)
{
	char cmd[300];

	mw_server_free(srv);
	mq_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void new_link(const char *rcpt, char token[MQ_UNLOCK_TOKEN_SIZE])
{
	ck_assert_int_eq(mq_unlock_token_create(store, ITEM, rcpt, 3600, token,
	                                        MQ_UNLOCK_TOKEN_SIZE, NULL),
	                 MQ_OK);
}

struct call {
	const char *method, *path, *ip, *cookie, *lang;
	const char *form[8];
	int64_t now;
};

/* One request through the router; the password field is checked wiped
 * once answered. */
static void run(const struct call *c, mw_response *resp)
{
	mw_request req;

	memset(&req, 0, sizeof(req));
	req.method = c->method ? c->method : "GET";
	req.path = c->path;
	req.ip = c->ip ? c->ip : "192.0.2.7";
	req.host = "127.0.0.1:8025";
	req.cookie_login = c->cookie;
	req.accept_language = c->lang;
	req.now = c->now ? c->now : (int64_t)time(NULL);
	for (size_t i = 0; i + 1 < 8 && c->form[i]; i += 2)
		mw_args_add(&req.form, c->form[i], c->form[i + 1], strlen(c->form[i + 1]));
	mw_response_init(resp);
	mw_handle(srv, &req, resp);
	ck_assert(!resp->body.failed);
	for (size_t i = 0; i < req.form.n; i++)
		if (strcmp(req.form.kv[i].key, "password") == 0 && strcmp(req.method, "POST") == 0 &&
		    resp->status != 403)
			for (size_t k = 0; k < req.form.kv[i].len; k++)
				ck_assert_int_eq(req.form.kv[i].value[k], 0);
	mw_args_free(&req.form);
}

static const char *body(const mw_response *r)
{
	return r->body.b.data ? (const char *)r->body.b.data : "";
}

/* GETs the page; the form's CSRF token (its cookie) into csrf. */
static void open_form(const char *path, char csrf[MW_TOKEN_HEX + 1])
{
	struct call c = { .path = path };
	mw_response r;
	const char *set = NULL;

	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	for (size_t i = 0; i < r.ncookies; i++)
		if (strncmp(r.cookies[i], MW_COOKIE_LOGIN "=", strlen(MW_COOKIE_LOGIN) + 1) == 0)
			set = r.cookies[i] + strlen(MW_COOKIE_LOGIN) + 1;
	ck_assert_ptr_nonnull(set);
	memcpy(csrf, set, MW_TOKEN_HEX);
	csrf[MW_TOKEN_HEX] = 0;
	ck_assert_ptr_nonnull(strstr(body(&r), csrf));
	mw_response_free(&r);
}

static unsigned post(const char *path, const char *csrf, const char *pw, const char *ip,
                     char *page, size_t size)
{
	struct call c = { .method = "POST", .path = path, .cookie = csrf, .ip = ip,
		          .form = { "csrf", csrf, "password", pw } };
	mw_response r;
	unsigned st;

	run(&c, &r);
	st = r.status;
	if (page)
		snprintf(page, size, "%s", body(&r));
	mw_response_free(&r);
	return st;
}

static mq_item get_item(void)
{
	mq_item it;

	ck_assert_int_eq(mq_get(store, ITEM, &it, NULL), MQ_OK);
	return it;
}

/* No page, log line or audit entry holds a password. */
static void no_password_anywhere(const char *page)
{
	mq_audit_entry *e;
	size_t n;

	ck_assert_ptr_null(strstr(logged, RIGHT));
	ck_assert_ptr_null(strstr(logged, WRONG));
	ck_assert_ptr_null(strstr(page, RIGHT));
	ck_assert_ptr_null(strstr(page, WRONG));
	ck_assert_int_eq(mq_audit_list(store, 0, 1000, &e, &n, NULL), MQ_OK);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_null(strstr(e[i].detail, RIGHT));
		ck_assert_ptr_null(strstr(e[i].detail, WRONG));
	}
	mq_audit_free(e, n);
}

START_TEST(form_wrong_then_right)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], path[80], csrf[MW_TOKEN_HEX + 1], page[32768], *dl;
	struct call c = { 0 };
	mw_response r;
	mq_item it;

	new_link(RCPT, tok);
	snprintf(path, sizeof(path), "/unlock/%s", tok);
	/* the page, without login, escaped, no script */
	c.path = path;
	c.lang = "en";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "Receive a password-protected file"));
	ck_assert_ptr_nonnull(strstr(body(&r), "&lt;b&gt;議事録&lt;/b&gt;"));
	ck_assert_ptr_nonnull(strstr(body(&r), RCPT));
	ck_assert_ptr_null(strstr(body(&r), "suzuki@"));
	ck_assert_ptr_null(strstr(body(&r), "<script"));
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/unlock/"));
	mw_response_free(&r);
	c.lang = "ja";
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "パスワード付きファイルの受け取り"));
	mw_response_free(&r);
	open_form(path, csrf);

	/* without the form's token: refused before anything is tried */
	{
		struct call p = { .method = "POST", .path = path, .form = { "password", RIGHT } };

		run(&p, &r);
		ck_assert_uint_eq(r.status, 403);
		mw_response_free(&r);
	}
	ck_assert_int_eq(hook_calls, 0);
	/* an empty password is not a try */
	ck_assert_uint_eq(post(path, csrf, "", NULL, page, sizeof(page)), 200);
	ck_assert_ptr_nonnull(strstr(page, "パスワードを入力してください"));
	ck_assert_int_eq(hook_calls, 0);

	ck_assert_uint_eq(post(path, csrf, WRONG, NULL, page, sizeof(page)), 200);
	ck_assert_ptr_nonnull(strstr(page, "パスワードが違います"));
	ck_assert_int_eq(hook_calls, 1);
	it = get_item();
	ck_assert_int_eq(it.status, MQ_QUARANTINED);
	ck_assert_str_eq(it.audit[it.naudit - 1].action, "unlock_failed");
	ck_assert_str_eq(it.audit[it.naudit - 1].actor, "recipient:" RCPT);
	ck_assert_ptr_nonnull(strstr(it.audit[it.naudit - 1].detail, "outcome=wrong password"));
	mq_item_free(&it);

	ck_assert_uint_eq(post(path, csrf, RIGHT, NULL, page, sizeof(page)), 200);
	ck_assert_str_eq(hook_recipient, RCPT);
	ck_assert_ptr_nonnull(strstr(page, "id=\"unlock-done\""));
	ck_assert_ptr_nonnull(strstr(page, RCPT " 宛てにメールでお届けしました"));
	it = get_item();
	ck_assert_int_eq(it.status, MQ_UNLOCKED);
	ck_assert_str_eq(it.decided_by, "recipient:" RCPT);
	ck_assert_ptr_nonnull(strstr(it.audit[it.naudit - 1].detail,
	                             "outcome=sanitised contents delivered to " RCPT));
	mq_item_free(&it);
	no_password_anywhere(page);

	/* the download: a fresh id, not the dead token */
	dl = strstr(page, "href=\"/unlock/file/");
	ck_assert_ptr_nonnull(dl);
	dl = strndup(dl + 6, strlen("/unlock/file/") + MW_TOKEN_HEX);
	ck_assert_ptr_null(strstr(dl, tok));
	c = (struct call){ .path = dl };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.blob_len, 15);
	ck_assert_mem_eq(r.blob, "SANITISED BYTES", 15);
	ck_assert_str_eq(r.disposition, "attachment; filename=\"" ITEM "-sanitised.zip\"");
	mw_response_free(&r);
	/* ... for a while only */
	c.now = (int64_t)time(NULL) + MW_UNLOCK_FILE_TTL + 1;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 404);
	mw_response_free(&r);
	free(dl);

	/* the link is dead: shown so, and a POST tries nothing */
	c = (struct call){ .path = path, .lang = "en" };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 410);
	ck_assert_ptr_nonnull(strstr(body(&r), "This link was used already"));
	ck_assert_ptr_null(strstr(body(&r), "name=\"password\""));
	mw_response_free(&r);
	ck_assert_uint_eq(post(path, csrf, RIGHT, NULL, page, sizeof(page)), 410);
	ck_assert_int_eq(hook_calls, 2);
}
END_TEST

START_TEST(rate_limited_per_link_and_address)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], path[80], csrf[MW_TOKEN_HEX + 1], page[32768];
	char ip[32];
	unsigned st;

	new_link(RCPT, tok);
	snprintf(path, sizeof(path), "/unlock/%s", tok);
	open_form(path, csrf);
	/* per link, whatever the address */
	for (int i = 0; i < MW_UNLOCK_TOKEN_FAILURES; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		ck_assert_uint_eq(post(path, csrf, WRONG, ip, NULL, 0), 200);
	}
	st = post(path, csrf, RIGHT, "203.0.113.9", page, sizeof(page));
	ck_assert_uint_eq(st, 429);
	ck_assert_ptr_nonnull(strstr(page, "分後に再度お試しください"));
	ck_assert_int_eq(hook_calls, MW_UNLOCK_TOKEN_FAILURES);
	/* per address, across links */
	for (int i = 0; hook_calls < MW_UNLOCK_TOKEN_FAILURES + MW_UNLOCK_IP_FAILURES; i++) {
		char t[MQ_UNLOCK_TOKEN_SIZE], p[80];

		new_link("suzuki@city.example.lg.jp", t);
		snprintf(p, sizeof(p), "/unlock/%s", t);
		for (int k = 0; k < MW_UNLOCK_TOKEN_FAILURES - 1 &&
		                hook_calls < MW_UNLOCK_TOKEN_FAILURES + MW_UNLOCK_IP_FAILURES; k++)
			ck_assert_uint_eq(post(p, csrf, WRONG, "203.0.113.50", NULL, 0), 200);
	}
	{
		char t[MQ_UNLOCK_TOKEN_SIZE], p[80];

		new_link("suzuki@city.example.lg.jp", t);
		snprintf(p, sizeof(p), "/unlock/%s", t);
		ck_assert_uint_eq(post(p, csrf, RIGHT, "203.0.113.50", NULL, 0), 429);
		/* another address still may */
		ck_assert_uint_eq(post(p, csrf, RIGHT, "203.0.113.51", page, sizeof(page)), 200);
		ck_assert_ptr_nonnull(strstr(page, "id=\"unlock-done\""));
	}
	ck_assert_ptr_nonnull(strstr(logged, "rate limit"));
	no_password_anywhere(page);
}
END_TEST

START_TEST(dead_and_unknown_links)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], path[80], csrf[MW_TOKEN_HEX + 1], page[32768];
	struct call c = { .lang = "en" };
	mw_response r;
	sqlite3 *db;
	char dbpath[300];

	c.path = "/unlock/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(body(&r), "This link is not valid"));
	mw_response_free(&r);
	c.path = "/unlock/bad%token";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 400);
	mw_response_free(&r);
	c.path = "/unlock/file/123";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 404);
	mw_response_free(&r);

	/* expired: a clear page, and a try is refused and recorded */
	new_link(RCPT, tok);
	snprintf(path, sizeof(path), "/unlock/%s", tok);
	open_form(path, csrf);
	snprintf(dbpath, sizeof(dbpath), "%s/index.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE mq_unlock_tokens SET expires = created - 1", NULL,
	                              NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	c.path = path;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 410);
	ck_assert_ptr_nonnull(strstr(body(&r), "This link has expired"));
	mw_response_free(&r);
	ck_assert_uint_eq(post(path, csrf, RIGHT, NULL, page, sizeof(page)), 410);
	ck_assert_ptr_nonnull(strstr(page, "有効期限が切れています"));
	ck_assert_int_eq(hook_calls, 0);
	{
		mq_item it = get_item();

		ck_assert_str_eq(it.audit[it.naudit - 1].action, "unlock_failed");
		ck_assert_ptr_nonnull(strstr(it.audit[it.naudit - 1].detail, "outcome=link expired"));
		mq_item_free(&it);
	}
}
END_TEST

START_TEST(failure_keeps_the_link)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], path[80], csrf[MW_TOKEN_HEX + 1], page[32768];
	mq_unlock_token t;

	new_link(RCPT, tok);
	snprintf(path, sizeof(path), "/unlock/%s", tok);
	open_form(path, csrf);
	ck_assert_uint_eq(post(path, csrf, "broken", NULL, page, sizeof(page)), 500);
	ck_assert_ptr_nonnull(strstr(page, "届けることができませんでした"));
	ck_assert_int_eq(mq_unlock_token_lookup(store, tok, &t, NULL), MQ_OK);
	ck_assert_ptr_nonnull(strstr(logged, "delivery failed"));
}
END_TEST

START_TEST(no_hook_no_unlock)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], path[80], csrf[MW_TOKEN_HEX + 1], page[32768];

	teardown();
	setup_with(NULL);
	new_link(RCPT, tok);
	snprintf(path, sizeof(path), "/unlock/%s", tok);
	open_form(path, csrf);
	ck_assert_uint_eq(post(path, csrf, RIGHT, NULL, page, sizeof(page)), 503);
	ck_assert_ptr_nonnull(strstr(page, "利用できません"));
}
END_TEST

/* --- links issued on the item page ---------------------------------------- */

/* A signed-in session of a new user with that role. */
static void session_of(const char *user, mq_role role, mw_session *sess)
{
	ck_assert_int_eq(mq_user_add(store, NULL, user, role, "long enough pw", NULL), MQ_OK);
	ck_assert_int_eq(mw_session_create(srv->sessions, user, role, MW_EN, (int64_t)time(NULL),
	                                   sess),
	                 0);
}

static unsigned session_call(const mw_session *sess, const char *method, const char *path,
                             const char *rcpt, char *page, size_t size)
{
	mw_request req;
	mw_response r;
	unsigned st;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.ip = "192.0.2.8";
	req.host = "127.0.0.1:8025";
	req.cookie_session = sess->id;
	req.now = (int64_t)time(NULL);
	if (strcmp(method, "POST") == 0) {
		mw_args_add(&req.form, "csrf", sess->csrf, strlen(sess->csrf));
		mw_args_add(&req.form, "recipient", rcpt, strlen(rcpt));
	}
	mw_response_init(&r);
	mw_handle(srv, &req, &r);
	st = r.status;
	snprintf(page, size, "%s", body(&r));
	mw_response_free(&r);
	mw_args_free(&req.form);
	return st;
}

START_TEST(approver_issues_a_link)
{
	mw_session bob, alice;
	char page[65536], path[80], csrf[MW_TOKEN_HEX + 1], *at;
	const char *prefix = "https://mugai.example.lg.jp/ui/unlock/";

	session_of("bob", MQ_ROLE_APPROVER, &bob);
	session_of("alice", MQ_ROLE_REVIEWER, &alice);
	ck_assert_uint_eq(session_call(&bob, "GET", "/items/" ITEM, NULL, page, sizeof(page)), 200);
	ck_assert_ptr_nonnull(strstr(page, "id=\"links\""));
	ck_assert_ptr_nonnull(strstr(page, "No unlock link for this item yet."));
	ck_assert_ptr_nonnull(strstr(page, "<option value=\"" RCPT "\">"));
	ck_assert_ptr_nonnull(strstr(page, "<option value=\"suzuki@city.example.lg.jp\">"));
	/* a reviewer sees the links, issues none */
	ck_assert_uint_eq(session_call(&alice, "GET", "/items/" ITEM, NULL, page, sizeof(page)),
	                  200);
	ck_assert_ptr_nonnull(strstr(page, "id=\"links\""));
	ck_assert_ptr_null(strstr(page, "form-link"));
	ck_assert_uint_eq(session_call(&alice, "POST", "/items/" ITEM "/link", RCPT, page,
	                               sizeof(page)),
	                  303);
	session_call(&alice, "GET", "/items/" ITEM, NULL, page, sizeof(page));
	ck_assert_ptr_nonnull(strstr(page, "approver or admin"));
	/* nor to an address the item was not for */
	session_call(&bob, "POST", "/items/" ITEM "/link", "evil@example.com", page, sizeof(page));
	session_call(&bob, "GET", "/items/" ITEM, NULL, page, sizeof(page));
	ck_assert_ptr_nonnull(strstr(page, "not a recipient"));
	ck_assert_ptr_null(strstr(page, prefix));

	ck_assert_uint_eq(session_call(&bob, "POST", "/items/" ITEM "/link", RCPT, page,
	                               sizeof(page)),
	                  303);
	ck_assert_uint_eq(session_call(&bob, "GET", "/items/" ITEM, NULL, page, sizeof(page)), 200);
	at = strstr(page, prefix);
	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_nonnull(strstr(page, "Unlock link for " RCPT " issued"));
	ck_assert_ptr_nonnull(strstr(page, "id=\"links-table\""));
	ck_assert_ptr_nonnull(strstr(page, "Live"));
	snprintf(path, sizeof(path), "/unlock/%.32s", at + strlen(prefix));
	/* shown this once */
	session_call(&bob, "GET", "/items/" ITEM, NULL, page, sizeof(page));
	ck_assert_ptr_null(strstr(page, prefix));
	/* and it works */
	open_form(path, csrf);
	ck_assert_uint_eq(post(path, csrf, RIGHT, NULL, page, sizeof(page)), 200);
	ck_assert_ptr_nonnull(strstr(page, "id=\"unlock-done\""));
	session_call(&bob, "GET", "/items/" ITEM, NULL, page, sizeof(page));
	ck_assert_ptr_nonnull(strstr(page, "Used"));
}
END_TEST

/* --- over a socket ------------------------------------------------------ */

static sem_t entered, release;
static int port;

/* A sandbox job that lasts until the test lets it end. */
static int slow_unlock(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                       const char *password, const char *recipient, mw_unlock_result *res)
{
	struct timespec until;

	sem_post(&entered);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	sem_timedwait(&release, &until);
	return 0;
}

static void wire_setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char *err = NULL;
	int fd;

	setup_with(slow_unlock);
	sem_init(&entered, 0, 0);
	sem_init(&release, 0, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	ck_assert_msg(mw_server_start(srv, fd, &err) == 0, "%s", err ? err : "");
}

/* Sends a request, returns the answer's first bytes (a static buffer per
 * caller). */
static void exchange(const char *request, char *answer, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 20, 0 };
	size_t off = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	answer[0] = 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    send(fd, request, strlen(request), MSG_NOSIGNAL) == (ssize_t)strlen(request))
		while (off + 1 < size && (n = recv(fd, answer + off, size - off - 1, 0)) > 0)
			off += (size_t)n;
	answer[off] = 0;
	close(fd);
}

static char unlock_request[1024], unlock_answer[65536];

static void *post_unlock(void *arg)
{
	(void)arg;
	exchange(unlock_request, unlock_answer, sizeof(unlock_answer));
	return NULL;
}

START_TEST(reviewers_answered_while_unlocking)
{
	char tok[MQ_UNLOCK_TOKEN_SIZE], answer[4096], body[200], csrf[MW_TOKEN_HEX + 1];
	struct timespec until;
	pthread_t t;

	new_link(RCPT, tok);
	mw_token_new(csrf);
	snprintf(body, sizeof(body), "csrf=%s&password=x", csrf);
	snprintf(unlock_request, sizeof(unlock_request),
	         "POST /unlock/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s=%s\r\n"
	         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n%s",
	         tok, MW_COOKIE_LOGIN, csrf, strlen(body), body);
	ck_assert_int_eq(pthread_create(&t, NULL, post_unlock, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	ck_assert_int_eq(sem_timedwait(&entered, &until), 0);
	/* the job is in the sandbox: another page is answered meanwhile */
	exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", answer,
	         sizeof(answer));
	sem_post(&release);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_msg(strncmp(answer, "HTTP/1.1 200", 12) == 0, "healthz: %.80s", answer);
	ck_assert_msg(strncmp(unlock_answer, "HTTP/1.1 200", 12) == 0, "unlock: %.80s", unlock_answer);
	ck_assert_ptr_nonnull(strstr(unlock_answer, "パスワードが違います"));
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("web_unlock");
	TCase *tc = tcase_create("unlock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, form_wrong_then_right);
	tcase_add_test(tc, rate_limited_per_link_and_address);
	tcase_add_test(tc, dead_and_unknown_links);
	tcase_add_test(tc, failure_keeps_the_link);
	tcase_add_test(tc, no_hook_no_unlock);
	tcase_add_test(tc, approver_issues_a_link);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	{
		TCase *wire = tcase_create("wire");

		tcase_add_checked_fixture(wire, wire_setup, teardown);
		tcase_add_test(wire, reviewers_answered_while_unlocking);
		tcase_set_timeout(wire, 60);
		suite_add_tcase(s, wire);
	}
	return s;
}

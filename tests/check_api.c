/*
 * check_api.c - the REST API without HTTP: routes and what a client may
 * name, the per-client limits, and the tokens in a real SQLite index
 * (hashed, scoped, revocable, audited).  The calls themselves, over HTTP
 * through a real mugaid, are tests/integration/rest_api.sh.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_limits.h"
#include "api_route.h"
#include "api_token.h"
#include "config.h"
#include "store.h"
#include "testutil.h"

/* --- routes ---------------------------------------------------------- */

static unsigned route(const char *method, const char *path, mg_api_route *r)
{
	return mg_api_route_parse(method, path, r);
}

START_TEST(routes_and_their_scopes)
{
	mg_api_route r;

	ck_assert_uint_eq(route("POST", "/api/v1/sanitize", &r), 0);
	ck_assert_int_eq(r.id, MG_API_SANITIZE);
	ck_assert_uint_eq(r.scope, MQ_SCOPE_SANITIZE);
	ck_assert_uint_eq(route("GET", "/api/v1/items/20261204T000000-abcdef", &r), 0);
	ck_assert_int_eq(r.id, MG_API_ITEM);
	ck_assert_str_eq(r.item_id, "20261204T000000-abcdef");
	ck_assert_uint_eq(r.scope, MQ_SCOPE_READ);
	ck_assert_uint_eq(route("HEAD", "/api/v1/items/x1/report", &r), 0);
	ck_assert_int_eq(r.id, MG_API_REPORT);
	ck_assert_uint_eq(route("POST", "/api/v1/items/x1/release-requests", &r), 0);
	ck_assert_int_eq(r.id, MG_API_RELEASE_REQUEST);
	ck_assert_uint_eq(r.scope, MQ_SCOPE_REQUEST);
	/* a background item's artefact (api.async_size) */
	ck_assert_uint_eq(route("GET", "/api/v1/items/x1/artefact", &r), 0);
	ck_assert_int_eq(r.id, MG_API_ARTEFACT);
	ck_assert_str_eq(r.item_id, "x1");
	ck_assert_uint_eq(r.scope, MQ_SCOPE_READ);
}
END_TEST

START_TEST(wrong_methods_and_paths)
{
	static const char *const not_found[] = {
		"/", "/api/v1", "/api/v1/", "/api/v2/sanitize", "/api/v1/sanitize/", "/api/v1/items/",
		"/api/v1/items/../etc", "/api/v1/items/a/b", "/api/v1/items/a/report/x",
		"/api/v1/items/a%2e", "/api/v1/items/a/artefact/x", "/api/v1/items/a/artefacts",
		"/api/v1/items/0123456789012345678901234567890123456789", /* an id too long */
		"/API/V1/SANITIZE", "/api/v1/sanitize\n",
	};
	mg_api_route r;

	for (size_t i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++)
		ck_assert_msg(route("GET", not_found[i], &r) == 404, "%s", not_found[i]);
	ck_assert_uint_eq(route("GET", "/api/v1/sanitize", &r), 405);
	ck_assert_str_eq(r.allow, "POST");
	ck_assert_uint_eq(route("DELETE", "/api/v1/items/x1", &r), 405);
	ck_assert_str_eq(r.allow, "GET");
	ck_assert_uint_eq(route("GET", "/api/v1/items/x1/release-requests", &r), 405);
	ck_assert_uint_eq(route("POST", "/api/v1/items/x1/artefact", &r), 405);
	ck_assert_str_eq(r.allow, "GET");
	ck_assert_uint_eq(route(NULL, "/api/v1/sanitize", &r), 404);
}
END_TEST

START_TEST(names_types_and_bearer)
{
	ck_assert(mg_api_name_ok("申請書.docm"));
	ck_assert(mg_api_name_ok("a b (1).pdf"));
	ck_assert(!mg_api_name_ok(""));
	ck_assert(!mg_api_name_ok(".."));
	ck_assert(!mg_api_name_ok("../x"));
	ck_assert(!mg_api_name_ok("a\\b"));
	ck_assert(!mg_api_name_ok("a\nb"));
	ck_assert(!mg_api_name_ok("\xff\xfe.txt"));
	ck_assert(!mg_api_name_ok("\xe7\x94.txt")); /* a truncated sequence */
	ck_assert(mg_api_type_ok("application/vnd.ms-word.document.macroEnabled.12"));
	ck_assert(mg_api_type_ok("text/plain"));
	ck_assert(!mg_api_type_ok("text"));
	ck_assert(!mg_api_type_ok("text/plain; charset=utf-8"));
	ck_assert(!mg_api_type_ok("/plain"));
	ck_assert(!mg_api_type_ok("text/"));
	ck_assert_str_eq(mg_api_bearer("Bearer mgk_x"), "mgk_x");
	ck_assert_str_eq(mg_api_bearer("bearer   mgk_y"), "mgk_y");
	ck_assert_ptr_null(mg_api_bearer("Basic dXNlcjpwdw=="));
	ck_assert_ptr_null(mg_api_bearer("Bearer "));
	ck_assert_ptr_null(mg_api_bearer(NULL));
}
END_TEST

START_TEST(disposition_is_quoted_safely)
{
	char *d = mg_api_disposition("申請書 \"x\";.docx");

	ck_assert_str_eq(d, "attachment; filename=\"___________x__.docx\"; "
	                    "filename*=UTF-8''%E7%94%B3%E8%AB%8B%E6%9B%B8%20%22x%22%3B.docx");
	free(d);
}
END_TEST

/* --- limits ---------------------------------------------------------- */

START_TEST(rate_is_a_bucket_per_client)
{
	mg_api_limits *l = mg_api_limits_new(3, 10);
	unsigned retry = 0;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(mg_api_limits_enter(l, "a", 100.0, &retry), 0);
		mg_api_limits_leave(l, "a");
	}
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 100.0, &retry), -1);
	ck_assert_uint_eq(retry, 20); /* one call every 20 s at 3 a minute */
	/* another client is not held back by a */
	ck_assert_int_eq(mg_api_limits_enter(l, "b", 100.0, &retry), 0);
	/* 20 s later one more call passes, and only one */
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 120.0, &retry), 0);
	mg_api_limits_leave(l, "a");
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 120.5, &retry), -1);
	mg_api_limits_free(l);
}
END_TEST

START_TEST(concurrency_counts_calls_in_progress)
{
	mg_api_limits *l = mg_api_limits_new(600, 2);
	unsigned retry = 0;

	ck_assert_int_eq(mg_api_limits_enter(l, "a", 1.0, &retry), 0);
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 1.0, &retry), 0);
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 1.0, &retry), -1);
	ck_assert_uint_eq(retry, 1);
	mg_api_limits_leave(l, "a");
	ck_assert_int_eq(mg_api_limits_enter(l, "a", 1.0, &retry), 0);
	mg_api_limits_free(l);
}
END_TEST

START_TEST(more_clients_than_slots_share_one)
{
	mg_api_limits *l = mg_api_limits_new(600, 1);
	unsigned retry = 0;
	char name[32];

	for (int i = 0; i < 255; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		ck_assert_int_eq(mg_api_limits_enter(l, name, 1.0, &retry), 0);
	}
	/* the 256th and 257th share the last slot: stricter, never looser */
	ck_assert_int_eq(mg_api_limits_enter(l, "late-1", 1.0, &retry), 0);
	ck_assert_int_eq(mg_api_limits_enter(l, "late-2", 1.0, &retry), -1);
	mg_api_limits_leave(l, "late-1");
	ck_assert_int_eq(mg_api_limits_enter(l, "late-2", 1.0, &retry), 0);
	mg_api_limits_free(l);
}
END_TEST

/* --- tokens in a real index ------------------------------------------ */

static char dir[64];
static mq_store *store;

static void store_open(void)
{
	char uri[128], *err = NULL;

	snprintf(dir, sizeof(dir), "/tmp/check_api.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(uri, sizeof(uri), "sqlite:%s/index.db", dir);
	store = mq_open(dir, uri, &err);
	ck_assert_msg(store != NULL, "%s", err ? err : "");
}

static void store_close(void)
{
	char cmd[128];

	mq_close(store);
	store = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The index file's bytes contain needle. */
static bool index_contains(const char *needle)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cat '%s'/index.db* | grep -qaF '%s'", dir, needle);
	return system(cmd) == 0;
}

START_TEST(scopes_parse_and_format)
{
	unsigned s;
	char txt[32];

	ck_assert_int_eq(mq_api_scopes_parse("read,sanitize", &s), 0);
	ck_assert_uint_eq(s, MQ_SCOPE_READ | MQ_SCOPE_SANITIZE);
	mq_api_scopes_format(s, txt, sizeof(txt));
	ck_assert_str_eq(txt, "sanitize,read");
	ck_assert_int_eq(mq_api_scopes_parse("read,admin", &s), -1);
	ck_assert_int_eq(mq_api_scopes_parse("", &s), -1);
	ck_assert_int_eq(mq_api_scopes_parse(",", &s), -1);
	ck_assert_int_eq(mq_api_scopes_parse("readx", &s), -1);
}
END_TEST

START_TEST(tokens_are_hashed_scoped_and_revocable)
{
	char token[MQ_API_TOKEN_SIZE], other[MQ_API_TOKEN_SIZE], *err = NULL;
	mq_api_token t;
	mq_api_token *list;
	size_t n;

	ck_assert_int_eq(mq_api_token_add(store, "local:test", "portal", MQ_SCOPE_SANITIZE,
	                                  token, sizeof(token), &err), MQ_OK);
	ck_assert_int_eq((int)strlen(token), MQ_API_TOKEN_SIZE - 1);
	ck_assert(strncmp(token, "mgk_", 4) == 0);
	ck_assert(!index_contains(token + 4));
	ck_assert_int_eq(mq_api_token_add(store, NULL, "portal", MQ_SCOPE_READ, other, sizeof(other),
	                                  &err), MQ_E_REFUSED);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_api_token_add(store, NULL, "bad name", MQ_SCOPE_READ, other,
	                                  sizeof(other), &err), MQ_E_ERROR);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_api_token_check(store, token, &t, NULL), MQ_OK);
	ck_assert_str_eq(t.name, "portal");
	ck_assert_uint_eq(t.scopes, MQ_SCOPE_SANITIZE);
	/* one character changed, a prefix, garbage: all unknown */
	token[10] = token[10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(mq_api_token_check(store, token, &t, NULL), MQ_E_NOTFOUND);
	token[10] = token[10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(mq_api_token_check(store, "mgk_", &t, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_api_token_check(store, NULL, &t, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_api_token_revoke(store, "local:test", "portal", &err), MQ_OK);
	ck_assert_int_eq(mq_api_token_check(store, token, &t, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_api_token_revoke(store, NULL, "portal", &err), MQ_E_NOTFOUND);
	free(err);
	ck_assert_int_eq(mq_api_token_list(store, &list, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].name, "portal");
	ck_assert(list[0].revoked > 0);
	ck_assert_str_eq(list[0].created_by, "local:test");
	free(list);
}
END_TEST

START_TEST(clients_request_but_never_approve)
{
	char token[MQ_API_TOKEN_SIZE];
	mq_role role;

	ck_assert_int_eq(mq_api_token_add(store, NULL, "asker", MQ_SCOPE_REQUEST, token,
	                                  sizeof(token), NULL), MQ_OK);
	ck_assert_int_eq(mq_api_token_add(store, NULL, "reader", MQ_SCOPE_READ, token, sizeof(token),
	                                  NULL), MQ_OK);
	ck_assert_int_eq(mq_actor_role(store, "api:asker", &role, NULL), MQ_OK);
	ck_assert_int_eq(role, MQ_ROLE_REVIEWER);
	ck_assert_int_eq(mq_actor_role(store, "api:reader", &role, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_actor_role(store, "api:nobody", &role, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_api_token_revoke(store, NULL, "asker", NULL), MQ_OK);
	ck_assert_int_eq(mq_actor_role(store, "api:asker", &role, NULL), MQ_E_REFUSED);
}
END_TEST

START_TEST(changes_and_calls_are_audited)
{
	char token[MQ_API_TOKEN_SIZE];
	mq_audit_entry *a;
	size_t n;
	bool add = false, revoke = false, call = false;

	ck_assert_int_eq(mq_api_token_add(store, "local:op", "portal", MQ_SCOPE_ALL, token,
	                                  sizeof(token), NULL), MQ_OK);
	ck_assert_int_eq(mq_api_audit(store, "portal", NULL, "GET /api/v1/items/x 404", NULL), MQ_OK);
	ck_assert_int_eq(mq_api_token_revoke(store, "local:op", "portal", NULL), MQ_OK);
	ck_assert_int_eq(mq_audit_list(store, 0, 100, &a, &n, NULL), MQ_OK);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_null(strstr(a[i].detail, token + 4));
		add |= strcmp(a[i].action, "api_token_add") == 0 && strcmp(a[i].actor, "local:op") == 0 &&
		       strstr(a[i].detail, "scopes=sanitize,read,request") != NULL;
		revoke |= strcmp(a[i].action, "api_token_revoke") == 0;
		call |= strcmp(a[i].action, "api_call") == 0 && strcmp(a[i].actor, "api:portal") == 0;
	}
	mq_audit_free(a, n);
	ck_assert(add && revoke && call);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("api");
	TCase *r = tcase_create("routes");
	TCase *l = tcase_create("limits");
	TCase *t = tcase_create("tokens");

	tcase_add_test(r, routes_and_their_scopes);
	tcase_add_test(r, wrong_methods_and_paths);
	tcase_add_test(r, names_types_and_bearer);
	tcase_add_test(r, disposition_is_quoted_safely);
	tcase_add_test(l, rate_is_a_bucket_per_client);
	tcase_add_test(l, concurrency_counts_calls_in_progress);
	tcase_add_test(l, more_clients_than_slots_share_one);
	tcase_add_checked_fixture(t, store_open, store_close);
	tcase_add_test(t, scopes_parse_and_format);
	tcase_add_test(t, tokens_are_hashed_scoped_and_revocable);
	tcase_add_test(t, clients_request_but_never_approve);
	tcase_add_test(t, changes_and_calls_are_audited);
	suite_add_tcase(s, r);
	suite_add_tcase(s, l);
	suite_add_tcase(s, t);
	return s;
}

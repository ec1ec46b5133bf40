/*
 * check_unlock_token.c - the recipients' unlock links: made, looked up,
 * refused when expired, dead after their first success, every step in
 * the audit chain and never the token itself in the index.
 *
 * Every test runs against SQLite, and against PostgreSQL too when
 * MUGAI_TEST_PG_URI names a database the tests may wipe (see
 * tests/integration/quarantine_pg.sh).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"
#include "testutil.h"
#include "testutil_store.h"

struct env {
	char root[256];
	char dir[320];
	char uri[1024];
	int pg;
	mq_store *s;
};

static void env_open(struct env *e, int backend)
{
	char *err = NULL;

	memset(e, 0, sizeof(*e));
	snprintf(e->root, sizeof(e->root), "/tmp/mugai-t-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->root));
	snprintf(e->dir, sizeof(e->dir), "%s/store", e->root);
	e->pg = backend == 1;
	if (e->pg) {
		snprintf(e->uri, sizeof(e->uri), "%s", getenv("MUGAI_TEST_PG_URI"));
		ts_pg_wipe();
	} else {
		snprintf(e->uri, sizeof(e->uri), "sqlite:%s/index/q.db", e->root);
	}
	e->s = mq_open(e->dir, e->uri, &err);
	ck_assert_msg(e->s != NULL, "mq_open: %s", err ? err : "?");
}

static void env_close(struct env *e)
{
	mq_close(e->s);
	tu_rm_tree(e->root);
}

static int64_t test_now(void)
{
	return (int64_t)time(NULL);
}

static void put_on(mq_store *s, const char *channel, const char *id, const char *verdict,
                   const char *content)
{
	const char *rcpts[] = { "a@lg.example.jp", "b@lg.example.jp" };
	mq_meta m = { .channel = channel, .sender = "x@example.com", .recipients = rcpts,
		      .nrecipients = 2, .subject = "請求書", .verdict = verdict,
		      .reasons = "encrypted: zip" };
	char *err = NULL;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	ck_assert_msg(mq_put(s, &m, content, strlen(content), "{}", &err) == MQ_OK, "put: %s",
	              err ? err : "?");
}

static void put(mq_store *s, const char *id, const char *verdict, const char *content)
{
	put_on(s, "mail", id, verdict, content);
}

static void make_token(mq_store *s, const char *id, const char *rcpt, char tok[MQ_UNLOCK_TOKEN_SIZE])
{
	char *err = NULL;
	int rc = mq_unlock_token_create(s, id, rcpt, MQ_UNLOCK_TTL_DEFAULT, tok,
	                                MQ_UNLOCK_TOKEN_SIZE, &err);

	ck_assert_msg(rc == MQ_OK, "create: %s", err ? err : "?");
}

/* The whole chain and every row agree; no entry holds the token. */
static void audit_clean(mq_store *s, const char *token)
{
	mq_verify_result v;
	mq_items_check ic;
	mq_audit_entry *log;
	size_t n;

	ck_assert_int_eq(mq_verify(s, &v, NULL), MQ_OK);
	ck_assert_msg(v.bad_seq == 0, "chain: %s", v.problem);
	ck_assert_int_eq(mq_verify_items(s, 1, &ic, NULL), MQ_OK);
	ck_assert_msg(ic.problem == NULL, "items: %s", ic.problem);
	ck_assert_int_eq(mq_audit_list(s, 0, 1000, &log, &n, NULL), MQ_OK);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_null(strstr(log[i].detail, token));
		ck_assert_ptr_null(strstr(log[i].actor, token));
	}
	mq_audit_free(log, n);
}

static const mq_audit_entry *last_entry(const mq_item *it)
{
	ck_assert_uint_gt(it->naudit, 0);
	return &it->audit[it->naudit - 1];
}

START_TEST(create_lookup_consume)
{
	struct env e;
	char tok[MQ_UNLOCK_TOKEN_SIZE], hash[80], *err = NULL;
	mq_unlock_token t;
	mq_item it;
	unsigned char *orig = NULL;

	env_open(&e, _i);
	put(e.s, "enc-1", "encrypted", "PK-secret-zip");
	ck_assert_int_eq(mq_await_password(e.s, "enc-1", "mail", NULL), MQ_OK);
	make_token(e.s, "enc-1", "a@lg.example.jp", tok);
	/* 32 URL-safe characters */
	ck_assert_uint_eq(strlen(tok), 32);
	ck_assert_uint_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	                              "-_"),
	                  32);

	ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, &err), MQ_OK);
	ck_assert_str_eq(t.item_id, "enc-1");
	ck_assert_str_eq(t.recipient, "a@lg.example.jp");
	ck_assert_int_eq(t.state, MQ_TOKEN_LIVE);
	ck_assert_int_eq(t.expires - t.created, MQ_UNLOCK_TTL_DEFAULT);
	ck_assert_uint_eq(strlen(t.tag), 8);

	/* the index holds the hash, never the token */
	ts_sql(e.uri, "SELECT token_sha256 FROM mq_unlock_tokens", hash, sizeof(hash));
	ck_assert_uint_eq(strlen(hash), 64);
	ck_assert_ptr_null(strstr(hash, tok));
	ck_assert_int_eq(strncmp(hash, t.tag, 8), 0);

	ck_assert_int_eq(mq_unlock_token_check(e.s, tok, &t, &it, &orig, &err), MQ_OK);
	ck_assert_mem_eq(orig, "PK-secret-zip", 13);
	ck_assert_int_eq(it.status, MQ_AWAITING_PASSWORD);
	free(orig);
	mq_item_free(&it);

	/* a wrong password: recorded, the link lives on */
	ck_assert_int_eq(mq_unlock_token_fail(e.s, tok, 1, "wrong password", &err), MQ_OK);
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, &err), MQ_OK);
	ck_assert_int_eq(mq_get(e.s, "enc-1", &it, &err), MQ_OK);
	ck_assert_int_eq(it.status, MQ_AWAITING_PASSWORD);
	ck_assert_str_eq(last_entry(&it)->action, "unlock_failed");
	ck_assert_str_eq(last_entry(&it)->actor, "recipient:a@lg.example.jp");
	ck_assert_ptr_nonnull(strstr(last_entry(&it)->detail,
	                             "source=recipient:a@lg.example.jp candidates=1 "
	                             "outcome=wrong password link="));
	mq_item_free(&it);

	/* the right one: the item is unlocked and the link dead */
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tok, 1, "delivered", &err), MQ_OK);
	ck_assert_int_eq(mq_get(e.s, "enc-1", &it, &err), MQ_OK);
	ck_assert_int_eq(it.status, MQ_UNLOCKED);
	ck_assert_str_eq(it.decided_by, "recipient:a@lg.example.jp");
	ck_assert_str_eq(last_entry(&it)->action, "unlock");
	ck_assert_str_eq(it.audit[2].action, "unlock_link");
	ck_assert_ptr_nonnull(strstr(it.audit[2].detail, "recipient=a@lg.example.jp"));
	mq_item_free(&it);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, &err), MQ_E_REFUSED);
	ck_assert_int_eq(t.state, MQ_TOKEN_USED);
	ck_assert_ptr_nonnull(strstr(err, "used"));
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tok, 1, NULL, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_check(e.s, tok, &t, &it, NULL, NULL), MQ_E_REFUSED);
	/* a try with the dead link is still in the chain */
	ck_assert_int_eq(mq_unlock_token_fail(e.s, tok, 0, "link used", NULL), MQ_OK);
	audit_clean(e.s, tok);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(each_recipient_has_a_link)
{
	struct env e;
	char ta[MQ_UNLOCK_TOKEN_SIZE], tb[MQ_UNLOCK_TOKEN_SIZE];
	mq_unlock_token t;
	mq_item it;

	env_open(&e, _i);
	put(e.s, "enc-2", "encrypted", "PK-two");
	make_token(e.s, "enc-2", "a@lg.example.jp", ta);
	make_token(e.s, "enc-2", "b@lg.example.jp", tb);
	ck_assert_str_ne(ta, tb);
	ck_assert_int_eq(mq_unlock_token_consume(e.s, ta, 1, NULL, NULL), MQ_OK);
	/* b's link still opens the item a unlocked */
	ck_assert_int_eq(mq_unlock_token_check(e.s, tb, &t, &it, NULL, NULL), MQ_OK);
	ck_assert_str_eq(t.recipient, "b@lg.example.jp");
	mq_item_free(&it);
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tb, 1, NULL, NULL), MQ_OK);
	ck_assert_int_eq(mq_get(e.s, "enc-2", &it, NULL), MQ_OK);
	ck_assert_str_eq(it.decided_by, "recipient:b@lg.example.jp");
	mq_item_free(&it);
	audit_clean(e.s, ta);
	audit_clean(e.s, tb);
	env_close(&e);
}
END_TEST

START_TEST(expired_link_is_refused)
{
	struct env e;
	char tok[MQ_UNLOCK_TOKEN_SIZE], *err = NULL;
	mq_unlock_token t;
	mq_item it;

	env_open(&e, _i);
	put_on(e.s, "file", "enc-3", "encrypted", "PK-three");
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-3", MQ_UNLOCK_OUTBOX, 60, tok, sizeof(tok),
	                                        &err),
	                 MQ_OK);
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, NULL), MQ_OK);
	ck_assert_int_eq(t.expires - t.created, 60);
	/* its ttl over, as the clock would make it */
	ts_sql(e.uri, "UPDATE mq_unlock_tokens SET expires = created - 1", NULL, 0);
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, &err), MQ_E_REFUSED);
	ck_assert_int_eq(t.state, MQ_TOKEN_EXPIRED);
	ck_assert_ptr_nonnull(strstr(err, "expired"));
	ck_assert_int_eq(mq_unlock_token_check(e.s, tok, &t, &it, NULL, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tok, 1, NULL, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_get(e.s, "enc-3", &it, NULL), MQ_OK);
	ck_assert_int_eq(it.status, MQ_QUARANTINED);
	mq_item_free(&it);
	audit_clean(e.s, tok);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(bad_links_and_items_refused)
{
	struct env e;
	char tok[MQ_UNLOCK_TOKEN_SIZE], *err = NULL;
	mq_unlock_token t;
	mq_item it;

	env_open(&e, _i);
	put(e.s, "enc-4", "encrypted", "PK-four");
	put(e.s, "plain-4", "blocked", "MZ-plain");
	/* only what a password could open takes a link */
	ck_assert_int_eq(mq_unlock_token_create(e.s, "plain-4", "a@lg.example.jp", 60, tok, sizeof(tok), &err),
	                 MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "no encrypted part"));
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &t, NULL),
	                 MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, "x' OR 1=1 --", &t, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_unlock_token_lookup(e.s, "", &t, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_unlock_token_check(e.s, "short", &t, &it, NULL, NULL), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_unlock_token_fail(e.s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1, NULL, NULL),
	                 MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "nope", "a@lg.example.jp", 60, tok,
	                                        sizeof(tok), &err),
	                 MQ_E_NOTFOUND);
	free(err);
	err = NULL;
	/* only to the item's own recipients */
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "evil@example.com", 60, tok,
	                                        sizeof(tok), &err),
	                 MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "not a recipient"));
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "a@lg.example", 60, tok, sizeof(tok),
	                                        NULL),
	                 MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", MQ_UNLOCK_OUTBOX, 60, tok,
	                                        sizeof(tok), NULL),
	                 MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "a@lg.example.jp", 0, tok, sizeof(tok), NULL),
	                 MQ_E_ERROR);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "", 60, tok, sizeof(tok), NULL),
	                 MQ_E_ERROR);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "a@lg.example.jp", 60, tok, 10, NULL), MQ_E_ERROR);
	/* an item on its way out or gone takes no link, and its links die */
	make_token(e.s, "enc-4", "a@lg.example.jp", tok);
	ck_assert_int_eq(mq_user_add(e.s, NULL, "root", MQ_ROLE_ADMIN, "long enough pw", NULL),
	                 MQ_OK);
	ck_assert_int_eq(mq_delete(e.s, "root", "enc-4", "test", NULL), MQ_OK);
	ck_assert_int_eq(mq_unlock_token_check(e.s, tok, &t, &it, NULL, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tok, 1, NULL, NULL), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_token_create(e.s, "enc-4", "a@lg.example.jp", 60, tok, sizeof(tok), NULL),
	                 MQ_E_REFUSED);
	/* a purged item's links are gone with it */
	{
		char n[16];
		uint64_t purged = 0;

		put(e.s, "enc-5", "encrypted", "PK-five");
		make_token(e.s, "enc-5", "a@lg.example.jp", tok);
		ck_assert_int_eq(mq_purge(e.s, NULL, test_now() + 10, &purged, NULL), MQ_OK);
		ck_assert_uint_ge(purged, 1);
		ts_sql(e.uri, "SELECT COUNT(*) FROM mq_unlock_tokens", n, sizeof(n));
		ck_assert_str_eq(n, "0");
		ck_assert_int_eq(mq_unlock_token_lookup(e.s, tok, &t, NULL), MQ_E_NOTFOUND);
	}
	env_close(&e);
}
END_TEST

START_TEST(public_url_and_links)
{
	char out[300], *err = NULL;
	const char *tok = "abcdefghijklmnopqrstuvwxyz012345";
	const char *good[] = { "", "http://mugai.example.lg.jp", "https://mugai.example.lg.jp:8443/",
		               "https://10.0.0.5/review", "http://[fd00::1]:8025/a/b" };
	const char *bad[] = { "ftp://x", "http://", "https://a b", "https://x/?q=1",
		              "https://user@x/", "https://x:0/", "https://x:99999/",
		              "https://x/\"><script>", "mugai.example.lg.jp", "https://x#f" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(mq_public_url_check(good[i], NULL) == MQ_OK, "refused %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(mq_public_url_check(bad[i], &err) == MQ_E_REFUSED, "took %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "admin.public_url"));
		free(err);
		err = NULL;
	}
	ck_assert_int_eq(mq_unlock_url("https://mugai.example.lg.jp:8443/", tok, out, sizeof(out)),
	                 0);
	ck_assert_str_eq(out, "https://mugai.example.lg.jp:8443/unlock/abcdefghijklmnopqrstuvwxyz012345");
	ck_assert_int_eq(mq_unlock_url("http://h/ui", tok, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "http://h/ui/unlock/abcdefghijklmnopqrstuvwxyz012345");
	ck_assert_int_eq(mq_unlock_url("", tok, out, sizeof(out)), -1);
	ck_assert_int_eq(mq_unlock_url("http://h", tok, out, 20), -1);
}
END_TEST

START_TEST(issued_by_people_and_listed)
{
	struct env e;
	char ta[MQ_UNLOCK_TOKEN_SIZE], tb[MQ_UNLOCK_TOKEN_SIZE], *err = NULL;
	mq_unlock_token *links;
	mq_item it;
	size_t n;

	env_open(&e, _i);
	put(e.s, "enc-6", "encrypted", "PK-six");
	ck_assert_int_eq(mq_user_add(e.s, NULL, "rev", MQ_ROLE_REVIEWER, "long enough pw", NULL),
	                 MQ_OK);
	ck_assert_int_eq(mq_user_add(e.s, NULL, "appr", MQ_ROLE_APPROVER, "long enough pw", NULL),
	                 MQ_OK);
	ck_assert_int_eq(mq_unlock_token_issue(e.s, "rev", "enc-6", "a@lg.example.jp", 60, ta,
	                                       sizeof(ta), &err),
	                 MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "approver or admin"));
	free(err);
	ck_assert_int_eq(mq_unlock_token_issue(e.s, "appr", "enc-6", "a@lg.example.jp", 60, ta,
	                                       sizeof(ta), NULL),
	                 MQ_OK);
	make_token(e.s, "enc-6", "b@lg.example.jp", tb);
	ck_assert_int_eq(mq_unlock_token_consume(e.s, tb, 1, NULL, NULL), MQ_OK);
	ck_assert_int_eq(mq_get(e.s, "enc-6", &it, NULL), MQ_OK);
	ck_assert_str_eq(it.audit[1].action, "unlock_link");
	ck_assert_str_eq(it.audit[1].actor, "appr");
	mq_item_free(&it);
	ck_assert_int_eq(mq_unlock_token_list(e.s, "enc-6", &links, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(links[i].item_id, "enc-6");
		ck_assert_uint_eq(strlen(links[i].tag), 8);
		ck_assert_int_eq(links[i].state, strcmp(links[i].recipient, "a@lg.example.jp") == 0
		                                         ? MQ_TOKEN_LIVE
		                                         : MQ_TOKEN_USED);
	}
	free(links);
	ck_assert_int_eq(mq_unlock_token_list(e.s, "none", &links, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 0);
	audit_clean(e.s, ta);
	env_close(&e);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("unlock_token");
	TCase *tc = tcase_create("tokens");
	int nb = ts_backends();

	tcase_add_loop_test(tc, create_lookup_consume, 0, nb);
	tcase_add_loop_test(tc, each_recipient_has_a_link, 0, nb);
	tcase_add_loop_test(tc, expired_link_is_refused, 0, nb);
	tcase_add_loop_test(tc, bad_links_and_items_refused, 0, nb);
	tcase_add_loop_test(tc, issued_by_people_and_listed, 0, nb);
	tcase_add_test(tc, public_url_and_links);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * check_checkpoint.c - signed checkpoints catch what the chain alone
 * cannot: its last entry deleted, a middle entry rewritten with every
 * later hash computed again (a chain that verifies), and a chain cut
 * short.  Each is caught with the checkpoint file and not without it.
 * A checkpoint altered, or signed by another key, is refused too.
 */
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "quarantine.h"
#include "testutil.h"

static char dir[64], db_path[128], cp_path[128];
static mq_store *store;
static unsigned char pk[32], sk[64];

static void sql(const char *text)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, text, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", text,
	              msg ? msg : "?");
	sqlite3_close(db);
}

/* Twelve entries in the chain: users added by the local operator. */
static void setup(void)
{
	char uri[160], *err = NULL, name[16];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/check_checkpoint.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/index.db", dir);
	snprintf(cp_path, sizeof(cp_path), "%s/checkpoints.jsonl", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", db_path);
	store = mq_open(dir, uri, &err);
	ck_assert_msg(store != NULL, "%s", err ? err : "?");
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "user%02d", i);
		ck_assert_int_eq(mq_user_add(store, NULL, name, MQ_ROLE_REVIEWER, "password-123", NULL),
		                 MQ_OK);
	}
	crypto_sign_keypair(pk, sk);
}

static void teardown(void)
{
	char cmd[128];

	mq_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void checkpoint(void)
{
	char *line = NULL, *err = NULL;
	FILE *f;

	ck_assert_msg(mq_checkpoint_take(store, sk, &line, &err) == MQ_OK, "%s", err ? err : "?");
	f = fopen(cp_path, "a");
	fprintf(f, "%s\n", line);
	fclose(f);
	free(line);
}

static bool chain_whole(void)
{
	mq_verify_result v;

	ck_assert_int_eq(mq_verify(store, &v, NULL), MQ_OK);
	free(v.problem);
	return v.bad_seq == 0;
}

/* NULL when every checkpoint holds, else the problem (free()). */
static char *checkpoints_problem(const unsigned char *key)
{
	mq_verify_result v;
	char *err = NULL;

	ck_assert_msg(mq_checkpoint_verify(store, cp_path, key, &v, &err) == MQ_OK, "%s",
	              err ? err : "?");
	if (!v.problem)
		ck_assert_uint_gt(v.entries, 0);
	return v.problem;
}

START_TEST(intact_chain_holds_its_checkpoints)
{
	checkpoint();
	ck_assert_int_eq(mq_user_add(store, NULL, "later", MQ_ROLE_ADMIN, "password-123", NULL), MQ_OK);
	checkpoint();
	/* growing after a checkpoint is what a chain does */
	ck_assert_int_eq(mq_user_add(store, NULL, "later2", MQ_ROLE_ADMIN, "password-123", NULL), MQ_OK);
	ck_assert(chain_whole());
	ck_assert_ptr_null(checkpoints_problem(pk));
}
END_TEST

START_TEST(deleted_last_entry)
{
	char *p;

	checkpoint();
	sql("DELETE FROM mq_audit WHERE seq = 12");
	ck_assert_msg(chain_whole(), "the chain alone cannot see a missing tail");
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "entry 12, the head signed at ") && strstr(p, "is missing"), "%s", p);
	free(p);
}
END_TEST

/* Entry 5 rewritten, 5..12 hashed again: a chain that verifies. */
START_TEST(rewritten_middle_entry)
{
	mq_audit_entry *e = NULL;
	size_t n = 0;
	char prev[65], *p;

	checkpoint();
	sql("UPDATE mq_audit SET detail = 'user04 role=admin' WHERE seq = 5");
	ck_assert_int_eq(mq_audit_list(store, 3, 100, &e, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 9); /* entries 4..12 */
	snprintf(prev, sizeof(prev), "%s", e[0].hash);
	for (size_t i = 1; i < n; i++) {
		char stmt[300];

		snprintf(e[i].prev, sizeof(e[i].prev), "%s", prev);
		mq_audit_hash(&e[i], e[i].hash);
		snprintf(stmt, sizeof(stmt), "UPDATE mq_audit SET prev = '%s', hash = '%s' WHERE seq = %d",
		         e[i].prev, e[i].hash, (int)e[i].seq);
		sql(stmt);
		snprintf(prev, sizeof(prev), "%s", e[i].hash);
	}
	mq_audit_free(e, n);
	ck_assert_msg(chain_whole(), "a rehashed chain verifies on its own");
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "entry 12 hashes to") && strstr(p, "rewritten"), "%s", p);
	free(p);
}
END_TEST

START_TEST(truncated_chain)
{
	char *p;

	checkpoint(); /* head 12 */
	sql("DELETE FROM mq_audit WHERE seq > 7");
	ck_assert(chain_whole());
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "entry 12") && strstr(p, "cut short"), "%s", p);
	free(p);
	/* cut and grown back to the same length: another head, still caught */
	for (int i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "forged%d", i);
		ck_assert_int_eq(mq_user_add(store, NULL, name, MQ_ROLE_ADMIN, "password-123", NULL),
		                 MQ_OK);
	}
	ck_assert(chain_whole());
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "rewritten"), "%s", p);
	free(p);
}
END_TEST

START_TEST(altered_or_foreign_checkpoint)
{
	unsigned char other_pk[32], other_sk[64];
	char *p, text[2048] = "";
	FILE *f;

	checkpoint();
	/* with another key: refused as such */
	crypto_sign_keypair(other_pk, other_sk);
	p = checkpoints_problem(other_pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "signed with another key"), "%s", p);
	free(p);
	/* the seq edited to one the chain has: the signature no longer fits */
	f = fopen(cp_path, "r");
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\"seq\":12,"));
	memcpy(strstr(text, "\"seq\":12,"), "\"seq\":11,", 9);
	f = fopen(cp_path, "w");
	fputs(text, f);
	fclose(f);
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "bad signature"), "%s", p);
	free(p);
	/* not a checkpoint at all */
	f = fopen(cp_path, "w");
	fputs("{\"hello\":1}\n", f);
	fclose(f);
	p = checkpoints_problem(pk);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strstr(p, "not a checkpoint"), "%s", p);
	free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("checkpoint");
	TCase *tc = tcase_create("checkpoints");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, intact_chain_holds_its_checkpoints);
	tcase_add_test(tc, deleted_last_entry);
	tcase_add_test(tc, rewritten_middle_entry);
	tcase_add_test(tc, truncated_chain);
	tcase_add_test(tc, altered_or_foreign_checkpoint);
	suite_add_tcase(s, tc);
	return s;
}

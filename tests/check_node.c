/*
 * check_node.c - daemon.node in the quarantine: every item and audit entry
 * names the node that wrote it, an index from before nodes is upgraded in
 * place (its chain still verifies), and a node's name cannot be changed or
 * blanked without the chain saying so.
 *
 * SQLite always; PostgreSQL too when MUGAI_TEST_PG_URI names a database
 * the tests may wipe.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine.h"
#include "testutil.h"
#include "testutil_store.h"

static char root[256], uri[1024];
static int pg;

static void env_open(int backend)
{
	snprintf(root, sizeof(root), "/tmp/mugai-node-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	pg = backend == 1;
	if (pg) {
		snprintf(uri, sizeof(uri), "%s", getenv("MUGAI_TEST_PG_URI"));
		ts_pg_wipe();
	} else {
		snprintf(uri, sizeof(uri), "sqlite:%s/q.db", root);
	}
}

static void env_close(void)
{
	tu_rm_tree(root);
}

static mq_store *open_as(const char *node)
{
	char dir[400], *err = NULL;
	mq_options o = { .dir = dir, .index_uri = uri, .node = node };
	mq_store *s;

	snprintf(dir, sizeof(dir), "%s/blobs", root);
	s = mq_open_with(&o, &err);
	ck_assert_msg(s != NULL, "open: %s", err ? err : "?");
	return s;
}

static void put(mq_store *s, const char *id)
{
	mq_meta m = { .channel = "mail", .sender = "x@example.com", .subject = id,
		      .verdict = "sanitised", .reasons = "test" };
	char *err = NULL;
	int rc;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	rc = mq_put(s, &m, id, strlen(id), "{}", &err);
	ck_assert_msg(rc == MQ_OK, "put %s: %s", id, err ? err : "?");
}

static void expect_chain(mq_store *s, int whole)
{
	mq_verify_result v;

	ck_assert_int_eq(mq_verify(s, &v, NULL), MQ_OK);
	ck_assert_msg(whole ? v.bad_seq == 0 : v.bad_seq != 0, "chain: %s",
	              v.problem ? v.problem : "whole");
	free(v.problem);
}

static void expect_node(mq_store *s, const char *id, const char *node)
{
	mq_item it;

	ck_assert_int_eq(mq_get(s, id, &it, NULL), MQ_OK);
	ck_assert_str_eq(it.node, node);
	ck_assert_uint_ge(it.naudit, 1);
	ck_assert_str_eq(it.audit[0].node, node);
	mq_item_free(&it);
}

START_TEST(items_and_entries_name_their_node)
{
	mq_store *a, *b;
	mq_item *items;
	size_t n;

	if (_i == 1 && !(getenv("MUGAI_TEST_PG_URI") && *getenv("MUGAI_TEST_PG_URI")))
		return;
	env_open(_i);
	a = open_as("gw-1");
	b = open_as("gw-2.lg.example.jp");
	put(a, "from-a");
	put(b, "from-b");
	ck_assert_int_eq(mq_note_delivery(b, "from-a", 1, "250 ok", NULL), MQ_OK);
	expect_node(a, "from-a", "gw-1");
	expect_node(a, "from-b", "gw-2.lg.example.jp");
	{
		mq_item it;

		ck_assert_int_eq(mq_get(a, "from-a", &it, NULL), MQ_OK);
		ck_assert_uint_eq(it.naudit, 2);
		ck_assert_str_eq(it.audit[1].action, "deliver");
		ck_assert_str_eq(it.audit[1].node, "gw-2.lg.example.jp");
		mq_item_free(&it);
	}
	ck_assert_int_eq(mq_list(b, NULL, &items, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(items[0].item_id, "from-b");
	ck_assert_str_eq(items[0].node, "gw-2.lg.example.jp");
	ck_assert_str_eq(items[1].node, "gw-1");
	mq_items_free(items, n);
	expect_chain(a, 1);
	mq_close(a);
	mq_close(b);
	env_close();
}
END_TEST

/* An index written before nodes were recorded: upgraded when opened. */
START_TEST(old_index_upgraded_in_place)
{
	mq_store *s;

	if (_i == 1 && !(getenv("MUGAI_TEST_PG_URI") && *getenv("MUGAI_TEST_PG_URI")))
		return;
	env_open(_i);
	s = open_as(NULL);
	put(s, "old-1");
	put(s, "old-2");
	mq_close(s);
	/* back to the version-1 shape */
	ts_sql(uri, "ALTER TABLE mq_items DROP COLUMN node", NULL, 0);
	ts_sql(uri, "ALTER TABLE mq_audit DROP COLUMN node", NULL, 0);
	ts_sql(uri, "UPDATE mq_schema SET version = 1", NULL, 0);

	s = open_as("gw-new");
	expect_node(s, "old-1", "");
	expect_chain(s, 1); /* the version-1 entries still verify */
	put(s, "new-1");
	expect_node(s, "new-1", "gw-new");
	expect_chain(s, 1);
	mq_close(s);
	/* opened again: nothing to upgrade, nothing lost */
	s = open_as("gw-new");
	expect_node(s, "new-1", "gw-new");
	expect_chain(s, 1);
	mq_close(s);
	env_close();
}
END_TEST

START_TEST(node_cannot_be_edited_unseen)
{
	const char *const edits[] = {
		"UPDATE mq_audit SET node = 'gw-other' WHERE node = 'gw-1'",
		"UPDATE mq_audit SET node = '' WHERE node = 'gw-1'",
	};
	mq_store *s;

	if (_i >= 2 && !(getenv("MUGAI_TEST_PG_URI") && *getenv("MUGAI_TEST_PG_URI")))
		return;
	env_open(_i / 2);
	s = open_as("gw-1");
	put(s, "x-1");
	put(s, "x-2");
	expect_chain(s, 1);
	ts_sql(uri, edits[_i % 2], NULL, 0);
	expect_chain(s, 0);
	mq_close(s);
	env_close();
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("node");
	TCase *t = tcase_create("node");

	tcase_add_loop_test(t, items_and_entries_name_their_node, 0, 2);
	tcase_add_loop_test(t, old_index_upgraded_in_place, 0, 2);
	tcase_add_loop_test(t, node_cannot_be_edited_unseen, 0, 4);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	return s;
}

/*
 * check_blob_pg.c - originals in PostgreSQL (quarantine.store =
 * postgresql): chunked, kept once, committed with their row, read and
 * released by another node, re-hashed by verify, moved there from a blob
 * directory.
 *
 * The PostgreSQL tests run when MUGAI_TEST_PG_URI names a database they may
 * wipe (tests/integration/quarantine_pg.sh starts a throwaway one).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "blob_db.h"
#include "quarantine.h"
#include "testutil.h"
#include "testutil_store.h"

#define PW "correct horse battery"

static char root[256];

static void pg_sql(const char *sql)
{
	ts_sql(ts_pg_uri(), sql, NULL, 0);
}

static long pg_long(const char *sql)
{
	char cell[32];

	ts_sql(ts_pg_uri(), sql, cell, sizeof(cell));
	return atol(cell);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/mugai-bpg-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	if (getenv("MUGAI_TEST_PG_URI") && *getenv("MUGAI_TEST_PG_URI"))
		ts_pg_wipe();
}

static void teardown(void)
{
	tu_rm_tree(root);
}

/* A node: its own directory, the one database. */
static mq_store *node(const char *name, mq_store_kind kind)
{
	char dir[400], *err = NULL;
	mq_options o = { .dir = dir, .index_uri = getenv("MUGAI_TEST_PG_URI"), .store = kind };
	mq_store *s;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	s = mq_open_with(&o, &err);
	ck_assert_msg(s != NULL, "open %s: %s", name, err ? err : "?");
	return s;
}

static void team(mq_store *s)
{
	ck_assert_int_eq(mq_user_add(s, NULL, "rev", MQ_ROLE_REVIEWER, PW, NULL), MQ_OK);
	ck_assert_int_eq(mq_user_add(s, NULL, "app", MQ_ROLE_APPROVER, PW, NULL), MQ_OK);
	ck_assert_int_eq(mq_user_add(s, NULL, "adm", MQ_ROLE_ADMIN, PW, NULL), MQ_OK);
}

static int have_pg(void)
{
	const char *u = getenv("MUGAI_TEST_PG_URI");

	if (u && *u)
		return 1;
	fprintf(stderr, "MUGAI_TEST_PG_URI unset: PostgreSQL part not run\n");
	return 0;
}

START_TEST(pg_store_needs_a_pg_index)
{
	char dir[400], uri[450], *err = NULL;
	mq_options o = { .dir = dir, .index_uri = uri, .store = MQ_STORE_POSTGRESQL };
	mq_store_kind k;

	snprintf(dir, sizeof(dir), "%s/q", root);
	snprintf(uri, sizeof(uri), "sqlite:%s/q.db", root);
	ck_assert_ptr_null(mq_open_with(&o, &err));
	ck_assert_ptr_nonnull(strstr(err, "postgresql:// index"));
	free(err);
	ck_assert_int_eq(mq_store_kind_parse("postgresql", &k), 0);
	ck_assert_int_eq(k, MQ_STORE_POSTGRESQL);
	ck_assert_int_eq(mq_store_kind_parse("dir", &k), 0);
	ck_assert_int_eq(k, MQ_STORE_DIR);
	ck_assert_int_eq(mq_store_kind_parse("s3", &k), -1);
}
END_TEST

struct hook {
	unsigned char *got;
	size_t len;
};

static int keep_release(void *ctx, const mq_item *it, const unsigned char *data, size_t len,
                        const char *approver, char **err)
{
	struct hook *h = ctx;

	h->got = malloc(len ? len : 1);
	memcpy(h->got, data, len);
	h->len = len;
	return 0;
}

/* What node A stores, node B reads, downloads and releases. */
START_TEST(other_node_reads_and_releases)
{
	size_t sizes[] = { 0, 1, MQ_DB_CHUNK, MQ_DB_CHUNK + 1, 3 * MQ_DB_CHUNK - 7 };
	mq_store *a, *b;
	struct hook h = { 0 };
	char id[40], dir_a[400];
	struct stat st;

	if (!have_pg())
		return;
	a = node("a", MQ_STORE_POSTGRESQL);
	b = node("b", MQ_STORE_POSTGRESQL);
	team(a);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *c = ts_random_original(sizes[i]), *data = NULL;
		size_t len = 99;

		snprintf(id, sizeof(id), "item-%zu", i);
		ts_put_file(a, id, c, sizes[i]);
		ck_assert_int_eq(mq_read_original(b, "app", id, &data, &len, NULL), MQ_OK);
		ck_assert_uint_eq(len, sizes[i]);
		ck_assert(len == 0 || memcmp(data, c, len) == 0);
		free(data);
		free(c);
	}
	/* rows only: no node wrote a file */
	snprintf(dir_a, sizeof(dir_a), "%s/a", root);
	ck_assert_int_eq(stat(dir_a, &st), -1);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_chunks WHERE seq > 0"), 0 + 0 + 0 + 1 + 2);
	ck_assert_int_eq(pg_long("SELECT max(octet_length(data)) FROM mq_chunks"), (long)MQ_DB_CHUNK);

	/* requested on A, approved and released on B */
	mq_set_release_hook(b, keep_release, &h);
	ck_assert_int_eq(mq_request(a, "rev", "item-4", "the sender needs it", NULL), MQ_OK);
	ck_assert_int_eq(mq_approve(b, "app", "item-4", NULL), MQ_OK);
	ck_assert_uint_eq(h.len, 3 * MQ_DB_CHUNK - 7);
	{
		unsigned char *again = NULL;
		size_t len = 0;

		ck_assert_int_eq(mq_read_original(a, "adm", "item-4", &again, &len, NULL), MQ_OK);
		ck_assert_uint_eq(len, h.len);
		ck_assert_int_eq(memcmp(again, h.got, len), 0);
		free(again);
	}
	free(h.got);
	mq_close(a);
	mq_close(b);
}
END_TEST

/* Kept once per SHA-256; gone with the last item that used it. */
START_TEST(stored_once_removed_with_the_last_item)
{
	mq_store *a, *b;
	unsigned char *c = ts_random_original(MQ_DB_CHUNK + 100);

	if (!have_pg()) {
		free(c);
		return;
	}
	a = node("a", MQ_STORE_POSTGRESQL);
	b = node("b", MQ_STORE_POSTGRESQL);
	team(a);
	ts_put_file(a, "one", c, MQ_DB_CHUNK + 100);
	ts_put_file(b, "two", c, MQ_DB_CHUNK + 100);
	ts_put_file(b, "two", c, MQ_DB_CHUNK + 100); /* a retry: a no-op */
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_chunks"), 2);
	ck_assert_int_eq(mq_delete(a, "adm", "one", "spam", NULL), MQ_OK);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_chunks"), 2);
	ck_assert_int_eq(mq_delete(b, "adm", "two", "spam", NULL), MQ_OK);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_chunks"), 0);
	free(c);
	mq_close(a);
	mq_close(b);
}
END_TEST

/* The chunks commit with the row: a put that fails leaves none. */
START_TEST(failed_put_leaves_no_chunks)
{
	mq_store *a;
	mq_meta m = { .channel = "file", .subject = "x", .verdict = "blocked", .reasons = "t" };
	unsigned char *c1 = ts_random_original(1000), *c2 = ts_random_original(2 * MQ_DB_CHUNK);
	char *err = NULL;

	if (!have_pg()) {
		free(c1);
		free(c2);
		return;
	}
	a = node("a", MQ_STORE_POSTGRESQL);
	ts_put_file(a, "dup", c1, 1000);
	snprintf(m.item_id, sizeof(m.item_id), "dup");
	ck_assert_int_eq(mq_put(a, &m, c2, 2 * MQ_DB_CHUNK, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "other content"));
	free(err);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_chunks"), 1);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_audit WHERE action = 'store'"), 1);
	free(c1);
	free(c2);
	mq_close(a);
}
END_TEST

static void expect_problem(mq_store *s, const char *item, const char *words)
{
	mq_items_check c;

	ck_assert_int_eq(mq_verify_items(s, 1, &c, NULL), MQ_OK);
	ck_assert_msg(c.problem != NULL, "verify --blobs missed the damage");
	ck_assert_str_eq(c.bad_item, item);
	ck_assert_msg(strstr(c.problem, words), "problem: %s", c.problem);
	free(c.problem);
}

START_TEST(verify_blobs_catches_a_damaged_chunk)
{
	mq_store *a;
	mq_items_check c;
	unsigned char *c1 = ts_random_original(3 * MQ_DB_CHUNK), *c2 = ts_random_original(5000);

	if (!have_pg()) {
		free(c1);
		free(c2);
		return;
	}
	a = node("a", MQ_STORE_POSTGRESQL);
	ts_put_file(a, "big", c1, 3 * MQ_DB_CHUNK);
	ts_put_file(a, "small", c2, 5000);
	ck_assert_int_eq(mq_verify_items(a, 1, &c, NULL), MQ_OK);
	ck_assert_ptr_null(c.problem);
	ck_assert_uint_eq(c.items, 2);
	/* one byte of the middle chunk flipped, its length unchanged */
	pg_sql("UPDATE mq_chunks SET data = set_byte(data, 1000, 255 - get_byte(data, 1000))"
	       " WHERE seq = 1");
	expect_problem(a, "big", "damaged");
	/* without --blobs the rows still agree with the log */
	ck_assert_int_eq(mq_verify_items(a, 0, &c, NULL), MQ_OK);
	ck_assert_ptr_null(c.problem);
	pg_sql("UPDATE mq_chunks SET data = set_byte(data, 1000, 255 - get_byte(data, 1000))"
	       " WHERE seq = 1");
	pg_sql("DELETE FROM mq_chunks WHERE seq = 2");
	expect_problem(a, "big", "missing");
	free(c1);
	free(c2);
	mq_close(a);
}
END_TEST

/* The file of an original in a blob directory, for damaging it. */
static void damage_file(const char *dir, const char *sha)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%.2s/%s", dir, sha, sha);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "!", 1, 3), 1);
	close(fd);
}

START_TEST(migrate_moves_a_directory)
{
	size_t sizes[] = { 10, 2 * MQ_DB_CHUNK + 3, 777, 0 };
	unsigned char *c[4];
	char dir[400], sha[65], *err = NULL;
	uint64_t moved, skipped;
	mq_store *old, *now;
	mq_items_check ic;

	if (!have_pg())
		return;
	snprintf(dir, sizeof(dir), "%s/a", root);
	old = node("a", MQ_STORE_DIR);
	team(old);
	for (int i = 0; i < 4; i++) {
		char id[16];

		c[i] = ts_random_original(sizes[i]);
		snprintf(id, sizeof(id), "m-%d", i);
		ts_put_file(old, id, c[i], sizes[i]);
	}
	ts_put_file(old, "m-copy", c[1], sizes[1]);
	ck_assert_int_eq(mq_delete(old, "adm", "m-2", "gone", NULL), MQ_OK);
	ck_assert_int_eq(mq_migrate_store(old, dir, &moved, &skipped, &err), MQ_OK);
	ck_assert_uint_eq(moved, 3); /* m-0, m-1 (= m-copy), m-3; m-2 deleted */
	ck_assert_uint_eq(skipped, 0);
	ck_assert_int_eq(pg_long("SELECT count(*) FROM mq_audit WHERE action = 'migrate_store'"), 1);
	mq_close(old);

	now = node("b", MQ_STORE_POSTGRESQL);
	ck_assert_int_eq(mq_verify_items(now, 1, &ic, NULL), MQ_OK);
	ck_assert_msg(ic.problem == NULL, "%s", ic.problem);
	for (int i = 0; i < 4; i++) {
		unsigned char *data = NULL;
		size_t len = 0;
		char id[16];

		snprintf(id, sizeof(id), "m-%d", i);
		if (i == 2)
			continue;
		ck_assert_int_eq(mq_read_original(now, "app", id, &data, &len, NULL), MQ_OK);
		ck_assert_uint_eq(len, sizes[i]);
		ck_assert(len == 0 || memcmp(data, c[i], len) == 0);
		free(data);
	}
	/* a node not yet switched stores one more; the second run copies it */
	old = node("a", MQ_STORE_DIR);
	ts_put_file(old, "late", "late original", 13);
	ck_assert_int_eq(mq_migrate_store(old, dir, &moved, &skipped, &err), MQ_OK);
	ck_assert_uint_eq(moved, 1);
	ck_assert_uint_eq(skipped, 3);
	/* a damaged file is not copied, and says so */
	ts_put_file(old, "bad", "this file will be damaged", 25);
	mq_sha256_hex("this file will be damaged", 25, sha);
	damage_file(dir, sha);
	ck_assert_int_eq(mq_migrate_store(old, dir, &moved, &skipped, &err), MQ_E_ERROR);
	ck_assert_msg(strstr(err, "damaged"), "%s", err);
	free(err);
	{
		char q[200];

		snprintf(q, sizeof(q), "SELECT count(*) FROM mq_chunks WHERE sha256 = '%s'", sha);
		ck_assert_int_eq(pg_long(q), 0);
	}
	for (int i = 0; i < 4; i++)
		free(c[i]);
	mq_close(old);
	mq_close(now);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("blob_pg");
	TCase *t = tcase_create("pg");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, pg_store_needs_a_pg_index);
	tcase_add_test(t, other_node_reads_and_releases);
	tcase_add_test(t, stored_once_removed_with_the_last_item);
	tcase_add_test(t, failed_put_leaves_no_chunks);
	tcase_add_test(t, verify_blobs_catches_a_damaged_chunk);
	tcase_add_test(t, migrate_moves_a_directory);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	return s;
}

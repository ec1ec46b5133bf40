/*
 * check_blob_sqlite.c - originals in the SQLite index (quarantine.store =
 * index, the default): chunked, kept once, committed with their row and
 * no file made for them, read back and re-hashed by verify, removed with
 * the last item; originals a dir store left before the switch still read,
 * checked and removed from the directory.
 */
#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob_db.h"
#include "quarantine.h"
#include "testutil.h"
#include "testutil_store.h"

#define PW "correct horse battery"

static char root[256], dir[400], db[450], uri[500];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/mugai-bsq-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/quarantine", root);
	snprintf(db, sizeof(db), "%s/index.db", dir);
	snprintf(uri, sizeof(uri), "sqlite:%s", db);
}

static void teardown(void)
{
	tu_rm_tree(root);
}

static mq_store *open_store(mq_store_kind kind)
{
	mq_options o = { .dir = dir, .index_uri = uri, .store = kind };
	char *err = NULL;
	mq_store *s = mq_open_with(&o, &err);

	ck_assert_msg(s != NULL, "open: %s", err ? err : "?");
	return s;
}

static void team(mq_store *s)
{
	ck_assert_int_eq(mq_user_add(s, NULL, "adm", MQ_ROLE_ADMIN, PW, NULL), MQ_OK);
}

/* Straight into the database file, behind the store's back. */
static long sql_long(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long v = -1;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void sql_exec(const char *sql)
{
	sqlite3 *h;

	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	ck_assert_int_eq(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static int blob_file_exists(const void *data, size_t len)
{
	char sha[65], path[600];
	unsigned char d[32];

	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(sha, sizeof(sha), d, sizeof(d));
	snprintf(path, sizeof(path), "%s/%.2s/%s", dir, sha, sha);
	return access(path, F_OK) == 0;
}

static void read_back(mq_store *s, const char *id, const void *want, size_t len)
{
	unsigned char *got = NULL;
	size_t n = 0;
	char *err = NULL;

	ck_assert_msg(mq_read_original(s, "adm", id, &got, &n, &err) == MQ_OK, "read %s: %s", id,
	              err ? err : "?");
	ck_assert_uint_eq(n, len);
	ck_assert(len == 0 || memcmp(got, want, len) == 0);
	free(got);
}

START_TEST(chunks_not_files)
{
	size_t len = 2 * MQ_DB_CHUNK + 77;
	unsigned char *c = ts_random_original(len), *small = ts_random_original(900);
	mq_store *s = open_store(MQ_STORE_INDEX);

	team(s);
	ts_put_file(s, "big", c, len);
	ts_put_file(s, "small", small, 900);
	ts_put_file(s, "empty", "", 0);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 3 + 1 + 1);
	ck_assert(!blob_file_exists(c, len));
	ck_assert(!blob_file_exists(small, 900));
	read_back(s, "big", c, len);
	read_back(s, "small", small, 900);
	read_back(s, "empty", "", 0);
	mq_close(s);
	/* another process opening the same index reads them too */
	s = open_store(MQ_STORE_INDEX);
	read_back(s, "big", c, len);
	mq_close(s);
	free(c);
	free(small);
}
END_TEST

START_TEST(stored_once_removed_with_the_last_item)
{
	unsigned char *c = ts_random_original(5000);
	mq_store *s = open_store(MQ_STORE_INDEX);

	team(s);
	ts_put_file(s, "one", c, 5000);
	ts_put_file(s, "two", c, 5000);
	ts_put_file(s, "two", c, 5000); /* a retry: a no-op */
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 1);
	ck_assert_int_eq(mq_delete(s, "adm", "one", "spam", NULL), MQ_OK);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 1);
	read_back(s, "two", c, 5000);
	ck_assert_int_eq(mq_delete(s, "adm", "two", "spam", NULL), MQ_OK);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 0);
	mq_close(s);
	free(c);
}
END_TEST

/* The chunks commit with the row: a put that fails leaves none. */
START_TEST(failed_put_leaves_no_chunks)
{
	mq_meta m = { .channel = "file", .subject = "x", .verdict = "blocked", .reasons = "t" };
	unsigned char *c1 = ts_random_original(1000), *c2 = ts_random_original(2 * MQ_DB_CHUNK);
	mq_store *s = open_store(MQ_STORE_INDEX);
	char *err = NULL;

	ts_put_file(s, "dup", c1, 1000);
	snprintf(m.item_id, sizeof(m.item_id), "dup");
	ck_assert_int_eq(mq_put(s, &m, c2, 2 * MQ_DB_CHUNK, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "other content"));
	free(err);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 1);
	mq_close(s);
	free(c1);
	free(c2);
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
	unsigned char *c1 = ts_random_original(3 * MQ_DB_CHUNK), *c2 = ts_random_original(5000);
	mq_store *s = open_store(MQ_STORE_INDEX);
	mq_items_check c;

	ts_put_file(s, "big", c1, 3 * MQ_DB_CHUNK);
	ts_put_file(s, "small", c2, 5000);
	ck_assert_int_eq(mq_verify_items(s, 1, &c, NULL), MQ_OK);
	ck_assert_ptr_null(c.problem);
	ck_assert_uint_eq(c.items, 2);
	/* one byte of the middle chunk changed, its length unchanged */
	sql_exec("UPDATE mq_chunks SET data = zeroblob(length(data)) WHERE seq = 1");
	expect_problem(s, "big", "damaged");
	sql_exec("DELETE FROM mq_chunks WHERE seq = 2");
	expect_problem(s, "big", "missing");
	mq_close(s);
	free(c1);
	free(c2);
}
END_TEST

/* A node that kept files switches to the index store: what the directory
 * holds is still read, checked and removed; what comes after is rows. */
START_TEST(files_of_an_earlier_dir_store)
{
	unsigned char *old = ts_random_original(4000), *new = ts_random_original(3000);
	mq_store *s = open_store(MQ_STORE_DIR);
	mq_items_check c;

	team(s);
	ts_put_file(s, "old", old, 4000);
	mq_close(s);
	ck_assert(blob_file_exists(old, 4000));
	s = open_store(MQ_STORE_INDEX);
	ts_put_file(s, "new", new, 3000);
	ck_assert(!blob_file_exists(new, 3000));
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 1);
	read_back(s, "old", old, 4000);
	read_back(s, "new", new, 3000);
	ck_assert_int_eq(mq_verify_items(s, 1, &c, NULL), MQ_OK);
	ck_assert_ptr_null(c.problem);
	ck_assert_int_eq(mq_delete(s, "adm", "old", "spam", NULL), MQ_OK);
	ck_assert(!blob_file_exists(old, 4000));
	read_back(s, "new", new, 3000);
	mq_close(s);
	free(old);
	free(new);
}
END_TEST

/* migrate-store --to index moves the files in and checks each. */
START_TEST(migrate_into_the_index)
{
	unsigned char *a = ts_random_original(MQ_DB_CHUNK + 5), *b = ts_random_original(10);
	mq_store *s = open_store(MQ_STORE_DIR);
	uint64_t moved = 0, skipped = 0;
	char *err = NULL;

	team(s);
	ts_put_file(s, "a", a, MQ_DB_CHUNK + 5);
	ts_put_file(s, "b", b, 10);
	mq_close(s);
	s = open_store(MQ_STORE_INDEX);
	ck_assert_msg(mq_migrate_store(s, dir, &moved, &skipped, &err) == MQ_OK, "%s", err);
	ck_assert_uint_eq(moved, 2);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM mq_chunks"), 3);
	ck_assert_int_eq(mq_migrate_store(s, dir, &moved, &skipped, &err), MQ_OK);
	ck_assert_uint_eq(moved, 0);
	ck_assert_uint_eq(skipped, 2);
	read_back(s, "a", a, MQ_DB_CHUNK + 5);
	mq_close(s);
	free(a);
	free(b);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("blob_sqlite");
	TCase *t = tcase_create("index store");

	tcase_set_timeout(t, 60);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, chunks_not_files);
	tcase_add_test(t, stored_once_removed_with_the_last_item);
	tcase_add_test(t, failed_put_leaves_no_chunks);
	tcase_add_test(t, verify_blobs_catches_a_damaged_chunk);
	tcase_add_test(t, files_of_an_earlier_dir_store);
	tcase_add_test(t, migrate_into_the_index);
	suite_add_tcase(s, t);
	return s;
}

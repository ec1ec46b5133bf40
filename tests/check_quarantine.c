/*
 * check_quarantine.c - the quarantine store, its index, the audit chain,
 * users and the two-person release.
 *
 * Every test runs against SQLite, and against PostgreSQL too when
 * MUGAI_TEST_PG_URI names a database the tests may wipe (see
 * tests/integration/quarantine_pg.sh, which starts a throwaway one).
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "blob.h"
#include "quarantine.h"
#include "testutil.h"
#include "testutil_store.h"

#define PW "correct horse battery"
#define DAY (24 * 3600)

struct env {
	char root[256];
	char dir[320];
	char uri[1024];
	int pg;
	mq_store *s;
};

static mq_store *open_store(struct env *e)
{
	char *err = NULL;
	mq_store *s = mq_open(e->dir, e->uri, &err);

	ck_assert_msg(s != NULL, "mq_open: %s", err ? err : "?");
	return s;
}

static void env_open(struct env *e, int backend)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->root, sizeof(e->root), "/tmp/mugai-q-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->root));
	snprintf(e->dir, sizeof(e->dir), "%s/store", e->root);
	e->pg = backend == 1;
	if (e->pg) {
		snprintf(e->uri, sizeof(e->uri), "%s", getenv("MUGAI_TEST_PG_URI"));
		ts_pg_wipe();
	} else {
		snprintf(e->uri, sizeof(e->uri), "sqlite:%s/index/q.db", e->root);
	}
	e->s = open_store(e);
}

static void env_close(struct env *e)
{
	mq_close(e->s);
	e->s = NULL;
	tu_rm_tree(e->root);
}

static void put(mq_store *s, const char *id, const char *channel, const char *verdict,
                const char *subject, const char *content, int64_t received)
{
	const char *rcpts[] = { "a@lg.example.jp", "b@lg.example.jp" };
	mq_meta m = { .channel = channel, .sender = "x@example.com", .recipients = rcpts,
		      .nrecipients = 2, .subject = subject, .verdict = verdict,
		      .reasons = "macro removed", .received = received };
	char *err = NULL;
	int rc;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	rc = mq_put(s, &m, content, strlen(content), "{\"item\":\"report\"}", &err);
	ck_assert_msg(rc == MQ_OK, "mq_put %s: %s", id, err ? err : "?");
}

static void add_user(mq_store *s, const char *name, mq_role role)
{
	char *err = NULL;
	int rc = mq_user_add(s, NULL, name, role, PW, &err);

	ck_assert_msg(rc == MQ_OK, "user add %s: %s", name, err ? err : "?");
}

static void add_team(mq_store *s)
{
	add_user(s, "alice", MQ_ROLE_REVIEWER);
	add_user(s, "bob", MQ_ROLE_APPROVER);
	add_user(s, "carol", MQ_ROLE_APPROVER);
	add_user(s, "dana", MQ_ROLE_ADMIN);
}

static mq_status status_of(mq_store *s, const char *id)
{
	mq_item it;
	mq_status st;
	char *err = NULL;

	ck_assert_msg(mq_get(s, id, &it, &err) == MQ_OK, "get %s: %s", id, err ? err : "?");
	st = it.status;
	mq_item_free(&it);
	return st;
}

static void blob_path(const struct env *e, const char *content, char out[512])
{
	char sha[65];

	mq_sha256_hex(content, strlen(content), sha);
	snprintf(out, 512, "%s/%.2s/%s", e->dir, sha, sha);
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Files in the store that are not blobs: leftovers of a write. */
static int stray_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char sub[1024];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			n += stray_files(sub);
		else if (strlen(de->d_name) != 64 && strcmp(de->d_name, ".fanout-1") != 0)
			n++;
	}
	closedir(d);
	return n;
}

static void verify_whole(mq_store *s, uint64_t want_entries)
{
	mq_verify_result v;
	char *err = NULL;

	ck_assert_int_eq(mq_verify(s, &v, &err), MQ_OK);
	ck_assert_msg(v.bad_seq == 0, "chain broken at %llu: %s", (unsigned long long)v.bad_seq,
	              v.problem);
	if (want_entries)
		ck_assert_uint_eq(v.entries, want_entries);
	free(v.problem);
}

/* --- the store ---------------------------------------------------------- */

START_TEST(same_original_stored_once)
{
	struct env e;
	char path[512];
	unsigned char *back;
	size_t len;
	struct stat st;

	env_open(&e, _i);
	put(e.s, "item-1", "mail", "sanitised", "Invoice", "hello quarantine", 0);
	put(e.s, "item-2", "file", "blocked", "a.exe", "hello quarantine", 0);
	blob_path(&e, "hello quarantine", path);
	ck_assert_str_eq(strrchr(path, '/') + 1,
	                 "ff69d80a8031e541657f5123314465d72a3d959d2b91d01458954476bb49c46b");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(st.st_nlink, 1);
	back = tu_read(path, &len);
	ck_assert_uint_eq(len, 16);
	ck_assert_int_eq(memcmp(back, "hello quarantine", 16), 0);
	free(back);
	/* one blob for two items, and no temporary file left behind */
	ck_assert_int_eq(stray_files(e.dir), 0);
	{
		char d2[512];
		DIR *d;
		struct dirent *de;
		int n = 0;

		/* a new store: one fan-out level, ff/<sha>, and its marker */
		snprintf(d2, sizeof(d2), "%s/ff", e.dir);
		d = opendir(d2);
		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		ck_assert_int_eq(n, 1);
		snprintf(d2, sizeof(d2), "%s/ff/69", e.dir);
		ck_assert(!exists(d2));
		snprintf(d2, sizeof(d2), "%s/.fanout-1", e.dir);
		ck_assert(exists(d2));
		/* all 256 made up front: a later original makes no directory */
		snprintf(d2, sizeof(d2), "%s/00", e.dir);
		ck_assert(exists(d2));
		snprintf(d2, sizeof(d2), "%s/ff", e.dir);
		ck_assert(exists(d2));
	}
	env_close(&e);
}
END_TEST

static void age_file(const char *path, int64_t when);

static int count_blob(const char *sha, void *ctx)
{
	(void)sha;
	(*(int *)ctx)++;
	return 0;
}

/* A store an older version made (DIR/ab/cd/<sha>, no marker) keeps its
 * two levels: its originals are read, new ones go beside them, the walk
 * (purge, consistency) finds both, and it is never taken for a new store. */
START_TEST(older_two_level_store_keeps_its_layout)
{
	char root[] = "/tmp/mugai-q-XXXXXX", path[512], old_sha[65], new_sha[65];
	unsigned char *back = NULL;
	FILE *f;
	int n = 0;

	ck_assert_ptr_nonnull(mkdtemp(root));
	mq_sha256_hex("made by an older version", 24, old_sha);
	snprintf(path, sizeof(path), "%s/%.2s", root, old_sha);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s", root, old_sha, old_sha + 2);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", root, old_sha, old_sha + 2, old_sha);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("made by an older version", f);
	fclose(f);
	age_file(path, time(NULL) - DAY);

	ck_assert_int_eq(mq_blob_read(root, old_sha, 24, &back, NULL), 0);
	ck_assert_int_eq(memcmp(back, "made by an older version", 24), 0);
	free(back);
	mq_sha256_hex("stored by this one", 18, new_sha);
	ck_assert_int_eq(mq_blob_put(root, new_sha, "stored by this one", 18, NULL), 0);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", root, new_sha, new_sha + 2, new_sha);
	ck_assert(exists(path));
	ck_assert(mq_blob_present(root, new_sha, 18));
	snprintf(path, sizeof(path), "%s/.fanout-1", root);
	ck_assert(!exists(path));
	ck_assert_int_eq(mq_blob_walk(root, time(NULL) + 10, count_blob, &n), 0);
	ck_assert_int_eq(n, 2);
	tu_rm_tree(root);
}
END_TEST

START_TEST(bad_store_dir_is_an_error)
{
	char root[] = "/tmp/mugai-q-XXXXXX", file[300], dir[340], uri[400];
	char *err = NULL;
	mq_store *s;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(file, sizeof(file), "%s/plain", root);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/sub", file);
	snprintf(uri, sizeof(uri), "sqlite:%s/q.db", root);
	s = mq_open(dir, uri, &err);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "plain/sub"));
	free(err);
	err = NULL;
	ck_assert_ptr_null(mq_open(root, "mysql://nope", &err));
	ck_assert_ptr_nonnull(strstr(err, "expected sqlite:PATH"));
	free(err);
	err = NULL;
	ck_assert_ptr_null(mq_open(root, "postgresql://127.0.0.1:1/none?connect_timeout=2", &err));
	ck_assert_ptr_nonnull(strstr(err, "postgresql: connect"));
	free(err);
	unlink(file);
	rmdir(root);
}
END_TEST

START_TEST(store_gone_fails_the_put)
{
	struct env e;
	mq_meta m = { .item_id = "item-1", .channel = "mail", .verdict = "sanitised" };
	char *err = NULL;
	uint64_t n = 9;

	env_open(&e, _i);
	tu_rm_tree(e.dir);
	ck_assert_int_eq(mq_put(e.s, &m, "x", 1, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "cannot create"));
	free(err);
	/* nothing indexed, nothing logged without its original */
	ck_assert_int_eq(mq_count(e.s, NULL, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 0);
	verify_whole(e.s, 0);
	env_close(&e);
}
END_TEST

START_TEST(put_checks_its_input)
{
	struct env e;
	mq_meta m = { .item_id = "../../etc/x", .channel = "mail", .verdict = "sanitised" };
	char *err = NULL;

	env_open(&e, _i);
	ck_assert_int_eq(mq_put(e.s, &m, "x", 1, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "bad item id"));
	snprintf(m.item_id, sizeof(m.item_id), "ok-1");
	m.channel = "fax";
	ck_assert_int_eq(mq_put(e.s, &m, "x", 1, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "channel"));
	m.channel = "file";
	m.verdict = "fine";
	ck_assert_int_eq(mq_put(e.s, &m, "x", 1, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "verdict"));
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(put_again_is_idempotent)
{
	struct env e;
	mq_meta m = { .item_id = "item-1", .channel = "file", .verdict = "blocked" };
	char *err = NULL;
	uint64_t n;

	env_open(&e, _i);
	put(e.s, "item-1", "file", "blocked", "a.js", "alert(1)", 0);
	/* a retry after a crash: same id, same content */
	ck_assert_int_eq(mq_put(e.s, &m, "alert(1)", 8, "{}", &err), MQ_OK);
	ck_assert_int_eq(mq_count(e.s, NULL, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, 1);
	verify_whole(e.s, 1);
	ck_assert_int_eq(mq_put(e.s, &m, "alert(2)", 8, "{}", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "other content"));
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(put_list_show)
{
	struct env e;
	mq_item *items, it;
	size_t n;
	uint64_t count;
	int64_t now = time(NULL);
	char *err = NULL;
	mq_filter f = { 0 };

	env_open(&e, _i);
	put(e.s, "m-old", "mail", "sanitised", "見積書の送付", "mail one", now - 10 * DAY);
	put(e.s, "m-new", "mail", "malware", "Your parcel", "mail two", now - 60);
	put(e.s, "f-1", "file", "blocked", "請求書.docm", "file one", now);
	put(e.s, "f-2", "file", "encrypted", "secret.zip", "file two", now - 5);

	ck_assert_int_eq(mq_list(e.s, NULL, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 4);
	/* newest first */
	ck_assert_str_eq(items[0].item_id, "f-1");
	ck_assert_str_eq(items[1].item_id, "f-2");
	ck_assert_str_eq(items[3].item_id, "m-old");
	ck_assert_str_eq(items[3].subject, "見積書の送付");
	ck_assert_str_eq(items[3].recipients, "a@lg.example.jp, b@lg.example.jp");
	ck_assert_str_eq(items[3].sender, "x@example.com");
	ck_assert_uint_eq(items[3].size, 8);
	ck_assert_int_eq(items[3].received, now - 10 * DAY);
	ck_assert_int_eq(items[3].status, MQ_QUARANTINED);
	ck_assert_ptr_null(items[0].report_json);
	mq_items_free(items, n);

	f.channel = "file";
	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 2);
	mq_items_free(items, n);
	f = (mq_filter){ .verdict = "malware" };
	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].item_id, "m-new");
	mq_items_free(items, n);
	f = (mq_filter){ .since = now - DAY };
	ck_assert_int_eq(mq_count(e.s, &f, &count, &err), MQ_OK);
	ck_assert_uint_eq(count, 3);
	f = (mq_filter){ .search = "請求書" };
	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(items[0].item_id, "f-1");
	mq_items_free(items, n);
	f = (mq_filter){ .search = "PARCEL" };
	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 1);
	mq_items_free(items, n);
	/* LIKE's wildcards are searched for literally */
	f = (mq_filter){ .search = "%" };
	ck_assert_int_eq(mq_count(e.s, &f, &count, &err), MQ_OK);
	ck_assert_uint_eq(count, 0);
	f = (mq_filter){ .status = "released" };
	ck_assert_int_eq(mq_count(e.s, &f, &count, &err), MQ_OK);
	ck_assert_uint_eq(count, 0);
	f = (mq_filter){ .limit = 2, .offset = 1 };
	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(items[0].item_id, "f-2");
	ck_assert_str_eq(items[1].item_id, "m-new");
	mq_items_free(items, n);

	ck_assert_int_eq(mq_get(e.s, "m-old", &it, &err), MQ_OK);
	ck_assert_str_eq(it.report_json, "{\"item\":\"report\"}");
	ck_assert_str_eq(it.sha256, "a983f58ef9ef755c4e5e3755f10cf3e08d9b189b388bcb59d29b56d35d7d6b9d");
	ck_assert_uint_eq(it.naudit, 1);
	ck_assert_str_eq(it.audit[0].action, "store");
	ck_assert_str_eq(it.audit[0].actor, "system:mail");
	ck_assert_ptr_nonnull(strstr(it.audit[0].detail, it.sha256));
	mq_item_free(&it);
	ck_assert_int_eq(mq_get(e.s, "nope", &it, &err), MQ_E_NOTFOUND);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(delivery_is_noted)
{
	struct env e;
	mq_item it;
	char *err = NULL;

	env_open(&e, _i);
	put(e.s, "m-1", "mail", "sanitised", "hello", "a mail", 0);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-1", 0, "451 4.3.0 try later", &err), MQ_OK);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-1", 1, "250 2.0.0 Ok: queued", &err), MQ_OK);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-404", 1, "250", &err), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_get(e.s, "m-1", &it, &err), MQ_OK);
	ck_assert_uint_eq(it.naudit, 3);
	ck_assert_str_eq(it.audit[1].action, "deliver_failed");
	ck_assert_str_eq(it.audit[1].detail, "451 4.3.0 try later");
	ck_assert_str_eq(it.audit[2].action, "deliver");
	ck_assert_str_eq(it.audit[2].actor, "system:mail");
	ck_assert_int_eq(it.status, MQ_QUARANTINED);
	mq_item_free(&it);
	verify_whole(e.s, 3);
	{
		mq_items_check c;

		ck_assert_int_eq(mq_verify_items(e.s, 1, &c, NULL), MQ_OK);
		ck_assert_ptr_null(c.problem);
	}
	free(err);
	env_close(&e);
}
END_TEST

/* Delivery entries committed lazily (smtpd's way): the same entries, the
 * same chain; a refused one leaves the index as before; mq_sync and the
 * next ordinary commit work as ever. */
START_TEST(delivery_noted_lazily)
{
	struct env e;
	mq_item it;
	char *err = NULL;

	env_open(&e, _i);
	mq_set_lazy_notes(e.s, 1);
	put(e.s, "m-1", "mail", "sanitised", "hello", "a mail", 0);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-1", 1, "250 2.0.0 Ok: queued", &err), MQ_OK);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-404", 1, "250", &err), MQ_E_NOTFOUND);
	free(err);
	err = NULL;
	put(e.s, "m-2", "mail", "blocked", "other", "another", 0);
	ck_assert_int_eq(mq_note_delivery(e.s, "m-2", 0, "451 4.3.0 try later", &err), MQ_OK);
	ck_assert_int_eq(mq_sync(e.s, &err), MQ_OK);
	ck_assert_int_eq(mq_sync(e.s, &err), MQ_OK); /* nothing left to sync */
	ck_assert_int_eq(mq_get(e.s, "m-1", &it, &err), MQ_OK);
	ck_assert_uint_eq(it.naudit, 2);
	ck_assert_str_eq(it.audit[1].action, "deliver");
	mq_item_free(&it);
	ck_assert_int_eq(mq_get(e.s, "m-2", &it, &err), MQ_OK);
	ck_assert_uint_eq(it.naudit, 2);
	ck_assert_str_eq(it.audit[1].action, "deliver_failed");
	mq_item_free(&it);
	mq_set_lazy_notes(e.s, 0);
	put(e.s, "m-3", "mail", "sanitised", "third", "a third", 0);
	verify_whole(e.s, 5);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(texts_are_cleaned)
{
	struct env e;
	mq_item it;

	env_open(&e, _i);
	put(e.s, "t-1", "mail", "sanitised", "Hi \x1b[31mred\x1b[0m \xff\xfe end", "x", 0);
	ck_assert_int_eq(mq_get(e.s, "t-1", &it, NULL), MQ_OK);
	ck_assert_str_eq(it.subject,
	                 "Hi \xef\xbf\xbd[31mred\xef\xbf\xbd[0m \xef\xbf\xbd\xef\xbf\xbd end");
	mq_item_free(&it);
	env_close(&e);
}
END_TEST

/* --- users -------------------------------------------------------------- */

START_TEST(users_and_passwords)
{
	struct env e;
	mq_user u, *all;
	size_t n;
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	ck_assert_int_eq(mq_user_add(e.s, NULL, "alice", MQ_ROLE_ADMIN, PW, &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
	ck_assert_int_eq(mq_user_add(e.s, NULL, "eve", MQ_ROLE_ADMIN, "short", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_user_add(e.s, NULL, "bad name", MQ_ROLE_ADMIN, PW, &err), MQ_E_REFUSED);
	/* only an admin manages users */
	ck_assert_int_eq(mq_user_add(e.s, "bob", "eve", MQ_ROLE_ADMIN, PW, &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "needs the admin role"));
	ck_assert_int_eq(mq_user_add(e.s, "dana", "eve", MQ_ROLE_REVIEWER, PW, &err), MQ_OK);

	ck_assert_int_eq(mq_user_auth(e.s, "bob", PW, &u, &err), MQ_OK);
	ck_assert_str_eq(u.name, "bob");
	ck_assert_int_eq(u.role, MQ_ROLE_APPROVER);
	ck_assert_str_eq(u.lang, "ja");
	mq_user_free(&u);
	ck_assert_int_eq(mq_user_auth(e.s, "bob", "wrong password", &u, &err), MQ_E_REFUSED);
	ck_assert_str_eq(err, "refused: unknown user or wrong password");
	ck_assert_int_eq(mq_user_auth(e.s, "nobody", PW, NULL, &err), MQ_E_REFUSED);
	ck_assert_str_eq(err, "refused: unknown user or wrong password");

	ck_assert_int_eq(mq_user_set_lang(e.s, "bob", "bob", "en", &err), MQ_OK);
	ck_assert_int_eq(mq_user_set_lang(e.s, "alice", "bob", "en", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_user_set_lang(e.s, "bob", "bob", "fr", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_user_get(e.s, "bob", &u, &err), MQ_OK);
	ck_assert_str_eq(u.lang, "en");
	mq_user_free(&u);

	ck_assert_int_eq(mq_user_set_password(e.s, "bob", "bob", "a new secret", &err), MQ_OK);
	ck_assert_int_eq(mq_user_auth(e.s, "bob", PW, NULL, &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_user_auth(e.s, "bob", "a new secret", NULL, &err), MQ_OK);

	ck_assert_int_eq(mq_user_set_role(e.s, "dana", "alice", MQ_ROLE_APPROVER, &err), MQ_OK);
	ck_assert_int_eq(mq_user_set_disabled(e.s, NULL, "carol", 1, &err), MQ_OK);
	ck_assert_int_eq(mq_user_auth(e.s, "carol", PW, NULL, &err), MQ_E_REFUSED);

	ck_assert_int_eq(mq_user_list(e.s, &all, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(all[0].name, "alice");
	ck_assert_int_eq(all[0].role, MQ_ROLE_APPROVER);
	ck_assert_str_eq(all[2].name, "carol");
	ck_assert_int_eq(all[2].disabled, 1);
	mq_users_free(all, n);
	free(err);
	/* 4 local adds, eve, bob's password, alice's role, carol disabled; no entry for lang */
	verify_whole(e.s, 8);
	env_close(&e);
}
END_TEST

/* --- the two-person release --------------------------------------------- */

struct hook {
	int calls, fail;
	char approver[64], requester[64];
	char data[64];
	size_t len;
};

static int test_hook(void *ctx, const mq_item *it, const unsigned char *orig, size_t len,
                     const char *approver, char **err)
{
	struct hook *h = ctx;

	h->calls++;
	snprintf(h->approver, sizeof(h->approver), "%s", approver);
	snprintf(h->requester, sizeof(h->requester), "%s", it->requested_by);
	h->len = len < sizeof(h->data) ? len : sizeof(h->data);
	memcpy(h->data, orig, h->len);
	if (h->fail) {
		*err = strdup("next hop unreachable");
		return -1;
	}
	return 0;
}

START_TEST(two_person_rule)
{
	struct env e;
	struct hook h = { 0 };
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	mq_set_release_hook(e.s, test_hook, &h);
	put(e.s, "i-1", "mail", "sanitised", "contract", "original bytes", 0);

	/* an approver may not request, a reviewer may not approve */
	ck_assert_int_eq(mq_request(e.s, "bob", "i-1", "need it", &err), MQ_E_REFUSED);
	ck_assert_str_eq(err, "refused: bob has the approver role; requesting a release needs "
	                      "the reviewer or admin role");
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "  ", &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "needs a reason"));
	ck_assert_int_eq(mq_request(e.s, "mallory", "i-1", "please", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "only a requested release can be approved"));

	ck_assert_int_eq(mq_request(e.s, "dana", "i-1", "the contract is needed today", &err),
	                 MQ_OK);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_RELEASE_REQUESTED);
	ck_assert_int_eq(mq_approve(e.s, "alice", "i-1", &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "alice has the reviewer role"));
	/* dana is an admin, so she could approve: not her own request */
	ck_assert_int_eq(mq_approve(e.s, "dana", "i-1", &err), MQ_E_REFUSED);
	ck_assert_str_eq(err, "refused: dana requested this release; a different approver must "
	                      "approve it");
	ck_assert_int_eq(h.calls, 0);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_RELEASE_REQUESTED);

	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_OK);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_str_eq(h.approver, "bob");
	ck_assert_str_eq(h.requester, "dana");
	ck_assert_uint_eq(h.len, 14);
	ck_assert_int_eq(memcmp(h.data, "original bytes", 14), 0);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_RELEASED);
	ck_assert_int_eq(mq_approve(e.s, "carol", "i-1", &err), MQ_E_REFUSED);
	ck_assert_int_eq(h.calls, 1);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(released_only_when_the_hook_succeeds)
{
	struct env e;
	struct hook h = { .fail = 1 };
	mq_item it;
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	put(e.s, "i-1", "file", "blocked", "tool.exe", "MZ", 0);
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "vendor tool", &err), MQ_OK);
	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no release transport"));
	mq_set_release_hook(e.s, test_hook, &h);

	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "next hop unreachable"));
	ck_assert_ptr_nonnull(strstr(err, "stays release_requested"));
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_RELEASE_REQUESTED);

	h.fail = 0;
	ck_assert_int_eq(mq_approve(e.s, "carol", "i-1", &err), MQ_OK);
	ck_assert_int_eq(h.calls, 2);
	ck_assert_int_eq(mq_get(e.s, "i-1", &it, &err), MQ_OK);
	ck_assert_int_eq(it.status, MQ_RELEASED);
	ck_assert_str_eq(it.decided_by, "carol");
	ck_assert_str_eq(it.requested_by, "alice");
	ck_assert_str_eq(it.request_reason, "vendor tool");
	ck_assert_uint_eq(it.naudit, 6);
	ck_assert_str_eq(it.audit[0].action, "store");
	ck_assert_str_eq(it.audit[1].action, "request");
	ck_assert_str_eq(it.audit[2].action, "approve");
	ck_assert_str_eq(it.audit[3].action, "release_failed");
	ck_assert_str_eq(it.audit[3].detail, "next hop unreachable");
	ck_assert_str_eq(it.audit[4].action, "approve");
	ck_assert_str_eq(it.audit[4].actor, "carol");
	ck_assert_str_eq(it.audit[5].action, "release");
	mq_item_free(&it);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(deny_and_request_again)
{
	struct env e;
	struct hook h = { 0 };
	mq_item it;
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	mq_set_release_hook(e.s, test_hook, &h);
	put(e.s, "i-1", "mail", "blocked", "invoice", "PK", 0);
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "customer asks", &err), MQ_OK);
	ck_assert_int_eq(mq_deny(e.s, "alice", "i-1", "no", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_deny(e.s, "bob", "i-1", "", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_deny(e.s, "bob", "i-1", "macro from an unknown sender", &err), MQ_OK);
	ck_assert_int_eq(mq_get(e.s, "i-1", &it, &err), MQ_OK);
	ck_assert_int_eq(it.status, MQ_DENIED);
	ck_assert_str_eq(it.decided_by, "bob");
	ck_assert_str_eq(it.decision_reason, "macro from an unknown sender");
	mq_item_free(&it);
	ck_assert_int_eq(mq_approve(e.s, "carol", "i-1", &err), MQ_E_REFUSED);
	ck_assert_int_eq(h.calls, 0);
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "sender confirmed by phone", &err), MQ_OK);
	ck_assert_int_eq(mq_approve(e.s, "carol", "i-1", &err), MQ_OK);
	ck_assert_int_eq(h.calls, 1);
	free(err);
	env_close(&e);
}
END_TEST

/* PPAP pairing: a waiting item whose window passed goes back to
 * quarantined, once (a second process is refused); an item opened by a
 * password mail says so in its report (unlocked_by); the replayed chain
 * agrees with both rows. */
START_TEST(password_expiry_and_unlocked_by)
{
	struct env e;
	mq_item it;
	mq_items_check ic = { 0 };
	char *err = NULL;

	env_open(&e, _i);
	put(e.s, "z-1", "mail", "sanitised", "zip", "PK-one", 0);
	put(e.s, "z-2", "mail", "encrypted", "zip", "PK-two", 0);
	ck_assert_int_eq(mq_password_expired(e.s, "z-1", "too early", &err), MQ_E_REFUSED);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_await_password(e.s, "z-1", "ppap", &err), MQ_OK);
	ck_assert_int_eq(mq_await_password(e.s, "z-2", "ppap", &err), MQ_OK);
	ck_assert_int_eq(mq_password_expired(e.s, "z-1", "window over", &err), MQ_OK);
	ck_assert_int_eq(status_of(e.s, "z-1"), MQ_QUARANTINED);
	ck_assert_int_eq(mq_password_expired(e.s, "z-1", "again", &err), MQ_E_REFUSED);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_unlock_note(e.s, NULL, "z-2", "mail:m-7", 2, 1, "opened", &err), MQ_OK);
	ck_assert_int_eq(mq_password_expired(e.s, "z-2", "late", &err), MQ_E_REFUSED);
	free(err);
	err = NULL;
	ck_assert_int_eq(mq_get(e.s, "z-2", &it, &err), MQ_OK);
	ck_assert_ptr_nonnull(strstr(it.report_json, "\"unlocked_by\": \"mail:m-7\""));
	mq_item_free(&it);
	ck_assert_int_eq(mq_get(e.s, "z-1", &it, &err), MQ_OK);
	ck_assert_str_eq(it.audit[it.naudit - 1].action, "password_expired");
	ck_assert_str_eq(it.audit[it.naudit - 1].detail, "window over");
	mq_item_free(&it);
	ck_assert_int_eq(mq_verify_items(e.s, 1, &ic, &err), MQ_OK);
	ck_assert_msg(!ic.problem, "items disagree: %s", ic.problem ? ic.problem : "");
	free(err);
	env_close(&e);
}
END_TEST

/* PPAP: an encrypted item waits for its password, every attempt is in the
 * chain with its source and count but no password, one approver unlocks,
 * and the replayed chain agrees with the row. */
START_TEST(unlock_attempts_audited)
{
	struct env e;
	mq_item it;
	mq_items_check ic = { 0 };
	mq_filter f = { .status = "unlocked" };
	mq_item *items = NULL;
	size_t n = 0;
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	put(e.s, "p-1", "mail", "encrypted", "請求書", "PK-encrypted", 0);
	put(e.s, "p-2", "file", "encrypted", "memo.zip", "PK-other", 0);
	put(e.s, "p-3", "mail", "sanitised", "plain", "plain", 0);
	ck_assert_int_eq(mq_await_password(e.s, "p-2", "drop folder", &err), MQ_OK);
	ck_assert_int_eq(status_of(e.s, "p-2"), MQ_AWAITING_PASSWORD);
	ck_assert_str_eq(mq_status_name(MQ_AWAITING_PASSWORD), "awaiting_password");
	ck_assert_int_eq(mq_await_password(e.s, "p-2", "again", &err), MQ_E_REFUSED);

	/* a reviewer may not unlock; nor may anyone a sanitised item */
	ck_assert_int_eq(mq_unlock_check(e.s, "alice", "p-1", &it, NULL, &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_check(e.s, "bob", "p-3", &it, NULL, &err), MQ_E_REFUSED);
	{
		unsigned char *orig = NULL;

		ck_assert_int_eq(mq_unlock_check(e.s, "bob", "p-1", &it, &orig, &err), MQ_OK);
		ck_assert_str_eq(it.item_id, "p-1");
		ck_assert_mem_eq(orig, "PK-encrypted", 12);
		free(orig);
		mq_item_free(&it);
	}

	ck_assert_int_eq(mq_unlock_note(e.s, "bob", "p-1", "cli", 3, 0, "wrong password", &err),
	                 MQ_OK);
	ck_assert_int_eq(status_of(e.s, "p-1"), MQ_QUARANTINED);
	ck_assert_int_eq(mq_unlock_note(e.s, "alice", "p-1", "cli", 1, 1, NULL, &err),
	                 MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_note(e.s, "bob", "p-1", "cli", 1, 1, "delivered to 2", &err),
	                 MQ_OK);
	ck_assert_int_eq(mq_unlock_note(e.s, NULL, "p-2", "mail:p-9", 4, 1, NULL, &err), MQ_OK);
	/* dead after success: a second unlock is refused */
	ck_assert_int_eq(mq_unlock_check(e.s, "bob", "p-1", &it, NULL, &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_unlock_note(e.s, "carol", "p-1", "cli", 1, 1, NULL, &err),
	                 MQ_E_REFUSED);

	ck_assert_int_eq(mq_get(e.s, "p-1", &it, &err), MQ_OK);
	ck_assert_int_eq(it.status, MQ_UNLOCKED);
	ck_assert_str_eq(it.decided_by, "bob");
	ck_assert_uint_eq(it.naudit, 3);
	ck_assert_str_eq(it.audit[1].action, "unlock_failed");
	ck_assert_str_eq(it.audit[1].detail, "source=cli candidates=3 outcome=wrong password");
	ck_assert_str_eq(it.audit[2].action, "unlock");
	ck_assert_str_eq(it.audit[2].actor, "bob");
	mq_item_free(&it);
	ck_assert_int_eq(mq_get(e.s, "p-2", &it, &err), MQ_OK);
	ck_assert_str_eq(it.decided_by, "system:file");
	ck_assert_str_eq(it.audit[it.naudit - 1].detail,
	                 "source=mail:p-9 candidates=4 outcome=unlocked");
	mq_item_free(&it);

	ck_assert_int_eq(mq_list(e.s, &f, &items, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 2);
	mq_items_free(items, n);
	ck_assert_int_eq(mq_verify_items(e.s, 1, &ic, &err), MQ_OK);
	ck_assert_msg(!ic.problem, "items disagree: %s", ic.problem ? ic.problem : "");
	verify_whole(e.s, 4 + 3 + 1 + 2 + 1);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(one_release_at_a_time)
{
	struct env e;
	struct hook h = { 0 };
	char *err = NULL, sql[200];

	env_open(&e, _i);
	add_team(e.s);
	mq_set_release_hook(e.s, test_hook, &h);
	put(e.s, "i-1", "mail", "sanitised", "one", "content", 0);
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "needed", &err), MQ_OK);
	/* another approver's release is under way (its claim still valid) */
	snprintf(sql, sizeof(sql), "UPDATE mq_items SET claim_until = %lld WHERE item_id = 'i-1'",
	         (long long)time(NULL) + 200);
	ts_sql(e.uri, sql, NULL, 0);
	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "already under way"));
	ck_assert_int_eq(mq_deny(e.s, "carol", "i-1", "no", &err), MQ_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err, "being released right now"));
	ck_assert_int_eq(mq_delete(e.s, "dana", "i-1", "no", &err), MQ_E_REFUSED);
	ck_assert_int_eq(h.calls, 0);
	/* that approver crashed: the claim expires and the release can go on */
	snprintf(sql, sizeof(sql), "UPDATE mq_items SET claim_until = %lld WHERE item_id = 'i-1'",
	         (long long)time(NULL) - 1);
	ts_sql(e.uri, sql, NULL, 0);
	ck_assert_int_eq(mq_approve(e.s, "bob", "i-1", &err), MQ_OK);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_RELEASED);
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(read_original_by_role)
{
	struct env e;
	unsigned char *data;
	size_t len;
	char path[512];
	char *err = NULL;
	FILE *f;
	mq_item it;

	env_open(&e, _i);
	add_team(e.s);
	put(e.s, "i-1", "file", "blocked", "x.bin", "the original", 0);
	ck_assert_int_eq(mq_read_original(e.s, "alice", "i-1", &data, &len, &err), MQ_E_REFUSED);
	ck_assert_ptr_null(data);
	ck_assert_int_eq(mq_read_original(e.s, "bob", "i-1", &data, &len, &err), MQ_OK);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(memcmp(data, "the original", 12), 0);
	free(data);
	ck_assert_int_eq(mq_get(e.s, "i-1", &it, &err), MQ_OK);
	ck_assert_str_eq(it.audit[it.naudit - 1].action, "download");
	ck_assert_str_eq(it.audit[it.naudit - 1].actor, "bob");
	mq_item_free(&it);
	/* a changed blob is caught, never handed out */
	blob_path(&e, "the original", path);
	f = fopen(path, "w");
	fputs("the 0riginal", f);
	fclose(f);
	ck_assert_int_eq(mq_read_original(e.s, "bob", "i-1", &data, &len, &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "corrupt"));
	ck_assert_ptr_null(data);
	free(err);
	env_close(&e);
}
END_TEST

/* --- delete and purge --------------------------------------------------- */

START_TEST(delete_keeps_a_shared_blob)
{
	struct env e;
	char path[512];
	unsigned char *data;
	size_t len;
	char *err = NULL;
	mq_item it;

	env_open(&e, _i);
	add_team(e.s);
	put(e.s, "i-1", "mail", "sanitised", "one", "shared content", 0);
	put(e.s, "i-2", "mail", "sanitised", "two", "shared content", 0);
	blob_path(&e, "shared content", path);
	ck_assert_int_eq(mq_delete(e.s, "bob", "i-1", "spam", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_delete(e.s, "dana", "i-1", "", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_delete(e.s, "dana", "i-1", "spam", &err), MQ_OK);
	ck_assert_int_eq(status_of(e.s, "i-1"), MQ_DELETED);
	ck_assert(exists(path));
	ck_assert_int_eq(mq_read_original(e.s, "bob", "i-2", &data, &len, &err), MQ_OK);
	free(data);
	ck_assert_int_eq(mq_read_original(e.s, "bob", "i-1", &data, &len, &err), MQ_E_NOTFOUND);
	ck_assert_int_eq(mq_delete(e.s, "dana", "i-1", "again", &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_request(e.s, "alice", "i-1", "oops", &err), MQ_E_REFUSED);

	ck_assert_int_eq(mq_delete(e.s, "dana", "i-2", "spam too", &err), MQ_OK);
	ck_assert(!exists(path));
	ck_assert_int_eq(stray_files(e.dir), 0);
	ck_assert_int_eq(mq_get(e.s, "i-2", &it, &err), MQ_OK);
	ck_assert_str_eq(it.audit[it.naudit - 1].detail, "spam too (original removed)");
	mq_item_free(&it);
	ck_assert_int_eq(mq_get(e.s, "i-1", &it, &err), MQ_OK);
	ck_assert_str_eq(it.audit[it.naudit - 1].detail, "spam (original kept: other items use it)");
	mq_item_free(&it);
	/* the same content arriving again is stored again */
	put(e.s, "i-3", "mail", "sanitised", "three", "shared content", 0);
	ck_assert(exists(path));
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(purge_old_items)
{
	struct env e;
	int64_t now = time(NULL);
	char old_only[512], shared[512];
	uint64_t purged, n;
	mq_audit_entry *log;
	size_t nlog, purges = 0;
	char *err = NULL;

	env_open(&e, _i);
	add_team(e.s);
	put(e.s, "old-1", "mail", "sanitised", "a", "old only", now - 100 * DAY);
	put(e.s, "old-2", "file", "blocked", "b", "shared", now - 95 * DAY);
	put(e.s, "new-1", "file", "blocked", "c", "shared", now - DAY);
	blob_path(&e, "old only", old_only);
	blob_path(&e, "shared", shared);
	ck_assert_int_eq(mq_purge(e.s, "bob", now - 90 * DAY, &purged, &err), MQ_E_REFUSED);
	ck_assert_int_eq(mq_purge(e.s, "dana", now - 90 * DAY, &purged, &err), MQ_OK);
	ck_assert_uint_eq(purged, 2);
	ck_assert(!exists(old_only));
	ck_assert(exists(shared));
	ck_assert_int_eq(mq_count(e.s, NULL, &n, &err), MQ_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(status_of(e.s, "new-1"), MQ_QUARANTINED);
	ck_assert_int_eq(mq_audit_list(e.s, 0, 100, &log, &nlog, &err), MQ_OK);
	for (size_t i = 0; i < nlog; i++)
		if (strcmp(log[i].action, "purge") == 0) {
			purges++;
			ck_assert_str_eq(log[i].actor, "dana");
			ck_assert(strcmp(log[i].item_id, "old-1") == 0 ||
			          strcmp(log[i].item_id, "old-2") == 0);
		}
	mq_audit_free(log, nlog);
	ck_assert_uint_eq(purges, 2);
	/* local retention run: nothing left that old */
	ck_assert_int_eq(mq_purge(e.s, NULL, now - 90 * DAY, &purged, &err), MQ_OK);
	ck_assert_uint_eq(purged, 0);
	ck_assert_int_eq(mq_purge(e.s, NULL, now, &purged, &err), MQ_OK);
	ck_assert_uint_eq(purged, 1);
	ck_assert(!exists(shared));
	verify_whole(e.s, 4 + 3 + 3);
	free(err);
	env_close(&e);
}
END_TEST

static void age_file(const char *path, int64_t when)
{
	struct timespec t[2] = { { .tv_sec = when }, { .tv_sec = when } };

	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

START_TEST(purge_sweeps_orphans_and_leftovers)
{
	struct env e;
	int64_t now = time(NULL);
	char old_orphan[512], new_orphan[512], used[512], tmp[600], sha[65];
	uint64_t purged;
	mq_audit_entry *log;
	size_t nlog;
	FILE *f;

	env_open(&e, _i);
	put(e.s, "i-1", "file", "blocked", "kept", "in use", now - DAY);
	blob_path(&e, "in use", used);
	/* puts that crashed after the blob, before the commit */
	mq_sha256_hex("old orphan", 10, sha);
	ck_assert_int_eq(mq_blob_put(e.dir, sha, "old orphan", 10, NULL), 0);
	mq_sha256_hex("new orphan", 10, sha);
	ck_assert_int_eq(mq_blob_put(e.dir, sha, "new orphan", 10, NULL), 0);
	blob_path(&e, "old orphan", old_orphan);
	blob_path(&e, "new orphan", new_orphan);
	snprintf(tmp, sizeof(tmp), "%s/ff/69/.ff69.tmp.abcdef", e.dir);
	{
		char d1[512], d2[512];

		snprintf(d1, sizeof(d1), "%s/ff", e.dir);
		snprintf(d2, sizeof(d2), "%s/ff/69", e.dir);
		mkdir(d1, 0750);
		mkdir(d2, 0750);
	}
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs("half a blob", f);
	fclose(f);
	age_file(old_orphan, now - 100 * DAY);
	age_file(tmp, now - 100 * DAY);
	age_file(used, now - 100 * DAY);

	ck_assert_int_eq(mq_purge(e.s, NULL, now - 300 * DAY, &purged, NULL), MQ_OK);
	ck_assert_uint_eq(purged, 0);
	ck_assert(exists(old_orphan));
	ck_assert_int_eq(mq_purge(e.s, NULL, now - 90 * DAY, &purged, NULL), MQ_OK);
	ck_assert_uint_eq(purged, 0);
	ck_assert(!exists(old_orphan));
	ck_assert(!exists(tmp));
	ck_assert(exists(new_orphan));
	ck_assert(exists(used));
	ck_assert_int_eq(mq_audit_list(e.s, 0, 100, &log, &nlog, NULL), MQ_OK);
	ck_assert_uint_eq(nlog, 2);
	ck_assert_str_eq(log[1].action, "purge_orphan");
	ck_assert_ptr_nonnull(strstr(log[1].detail, strrchr(old_orphan, '/') + 1));
	mq_audit_free(log, nlog);
	verify_whole(e.s, 2);
	env_close(&e);
}
END_TEST

/* --- the audit chain ---------------------------------------------------- */

START_TEST(canonical_hash_is_stable)
{
	/* the serialisation is a contract with auditors: pinned here */
	mq_audit_entry en = { .seq = 7, .at = 1700000000, .actor = (char *)(uintptr_t)"alice",
		              .action = (char *)(uintptr_t)"request",
		              .item_id = (char *)(uintptr_t)"20261123T092645-abcdef012345",
		              .detail = (char *)(uintptr_t)"需要: 取引先の請求書",
		              .prev = MQ_AUDIT_GENESIS };
	char h[65];

	mq_audit_hash(&en, h);
	ck_assert_str_eq(h, "6cef8a351d20107937c08564f33e91052b4971c2478b5eee386cec6841b7239d");
}
END_TEST

static void some_history(mq_store *s)
{
	struct hook h = { 0 };

	add_team(s);                                              /* 1-4 */
	mq_set_release_hook(s, test_hook, &h);
	put(s, "i-1", "mail", "sanitised", "one", "content one", 0); /* 5 */
	put(s, "i-2", "mail", "blocked", "two", "content two", 0);   /* 6 */
	ck_assert_int_eq(mq_request(s, "alice", "i-1", "needed", NULL), MQ_OK); /* 7 */
	ck_assert_int_eq(mq_approve(s, "bob", "i-1", NULL), MQ_OK);            /* 8, 9 */
	ck_assert_int_eq(mq_deny(s, "carol", "i-2", "phishing", NULL), MQ_OK); /* 10 */
	mq_set_release_hook(s, NULL, NULL);
}

static void expect_broken(mq_store *s, uint64_t seq, const char *what)
{
	mq_verify_result v;

	ck_assert_int_eq(mq_verify(s, &v, NULL), MQ_OK);
	ck_assert_msg(v.bad_seq == seq, "expected entry %llu broken, got %llu (%s)",
	              (unsigned long long)seq, (unsigned long long)v.bad_seq,
	              v.problem ? v.problem : "whole");
	ck_assert_ptr_nonnull(v.problem);
	ck_assert_msg(strstr(v.problem, what), "problem '%s' lacks '%s'", v.problem, what);
	ck_assert_uint_eq(v.entries, seq - 1);
	free(v.problem);
}

START_TEST(verify_catches_an_edited_entry)
{
	struct env e;

	env_open(&e, _i);
	some_history(e.s);
	verify_whole(e.s, 10);
	ts_sql(e.uri, "UPDATE mq_audit SET detail = 'harmless' WHERE seq = 10", NULL, 0);
	expect_broken(e.s, 10, "entry 10 was altered");
	env_close(&e);
}
END_TEST

START_TEST(verify_catches_a_rehashed_entry)
{
	struct env e;

	env_open(&e, _i);
	some_history(e.s);
	/* an intruder who also fixes the entry's own hash breaks the next link */
	ts_sql(e.uri, "UPDATE mq_audit SET actor = 'carol', hash = '0000000000000000000000000000000"
	            "000000000000000000000000000000000' WHERE seq = 8", NULL, 0);
	expect_broken(e.s, 8, "altered");
	ts_sql(e.uri, "UPDATE mq_audit SET prev = '0000000000000000000000000000000000000000000000000"
	            "000000000000000' WHERE seq = 8", NULL, 0);
	expect_broken(e.s, 8, "does not follow entry 7");
	env_close(&e);
}
END_TEST

START_TEST(verify_catches_a_removed_entry)
{
	struct env e;

	env_open(&e, _i);
	some_history(e.s);
	ts_sql(e.uri, "DELETE FROM mq_audit WHERE seq = 6", NULL, 0);
	expect_broken(e.s, 6, "expected entry 6, found 7");
	env_close(&e);
}
END_TEST

static void expect_item_problem(mq_store *s, int blobs, const char *item, const char *what)
{
	mq_items_check c;

	ck_assert_int_eq(mq_verify_items(s, blobs, &c, NULL), MQ_OK);
	ck_assert_msg(c.problem && strstr(c.problem, what), "problem '%s' lacks '%s'",
	              c.problem ? c.problem : "(none)", what);
	ck_assert_str_eq(c.bad_item, item);
	free(c.problem);
}

START_TEST(verify_items_catches_an_edited_row)
{
	struct env e;
	mq_items_check c;

	env_open(&e, _i);
	some_history(e.s);
	ck_assert_int_eq(mq_verify_items(e.s, 1, &c, NULL), MQ_OK);
	ck_assert_ptr_null(c.problem);
	ck_assert_str_eq(c.bad_item, "");
	ck_assert_uint_eq(c.items, 2);
	/* a denied item flipped to released behind the store's back */
	ts_sql(e.uri, "UPDATE mq_items SET status = 'released' WHERE item_id = 'i-2'", NULL, 0);
	expect_item_problem(e.s, 0, "i-2", "item i-2: the index says released, the log says denied");
	ts_sql(e.uri, "UPDATE mq_items SET status = 'denied', decided_by = 'bob' WHERE item_id = 'i-2'",
	       NULL, 0);
	expect_item_problem(e.s, 0, "i-2", "decided by 'bob', the log says 'carol'");
	ts_sql(e.uri, "UPDATE mq_items SET decided_by = 'carol' WHERE item_id = 'i-2'", NULL, 0);
	/* another original slipped under an item */
	ts_sql(e.uri, "UPDATE mq_items SET sha256 = "
	            "'ff69d80a8031e541657f5123314465d72a3d959d2b91d01458954476bb49c46b'"
	            " WHERE item_id = 'i-1'", NULL, 0);
	expect_item_problem(e.s, 0, "i-1", "item i-1: the index names original ff69d8");
	env_close(&e);
}
END_TEST

START_TEST(verify_items_checks_the_originals)
{
	struct env e;
	char path[512];
	FILE *f;

	env_open(&e, _i);
	some_history(e.s);
	blob_path(&e, "content two", path);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("content 2wo", f);
	fclose(f);
	/* without --blobs the rows still agree; with it the change is named */
	{
		mq_items_check c;

		ck_assert_int_eq(mq_verify_items(e.s, 0, &c, NULL), MQ_OK);
		ck_assert_ptr_null(c.problem);
	}
	expect_item_problem(e.s, 1, "i-2", "is corrupt");
	unlink(path);
	expect_item_problem(e.s, 1, "i-2", "No such file");
	env_close(&e);
}
END_TEST

START_TEST(verify_items_catches_an_inserted_row)
{
	struct env e;

	env_open(&e, _i);
	some_history(e.s);
	ts_sql(e.uri, "INSERT INTO mq_items (item_id, sha256, channel, sender, recipients, subject,"
	            " verdict, reasons, size, received, status, report) SELECT 'i-0', sha256,"
	            " channel, sender, recipients, subject, verdict, reasons, size, received,"
	            " 'quarantined', report FROM mq_items WHERE item_id = 'i-1'", NULL, 0);
	expect_item_problem(e.s, 0, "i-0", "never stored by the log");
	env_close(&e);
}
END_TEST

/* --- concurrency -------------------------------------------------------- */

#define WRITERS 4
#define PUTS 50

static int writer(struct env *e, int w)
{
	char *err = NULL;
	mq_store *s = mq_open(e->dir, e->uri, &err);
	int bad = 0;

	if (!s) {
		fprintf(stderr, "writer %d: %s\n", w, err);
		return 1;
	}
	for (int i = 0; i < PUTS; i++) {
		mq_meta m = { .channel = "mail", .verdict = "sanitised", .subject = "load" };
		char content[64];

		snprintf(m.item_id, sizeof(m.item_id), "w%d-%03d", w, i);
		/* every tenth item has the same content as the other writers' */
		snprintf(content, sizeof(content), i % 10 == 0 ? "common %d" : "w%d item %d",
		         i % 10 == 0 ? i : w, i);
		if (mq_put(s, &m, content, strlen(content), "{}", &err) != MQ_OK) {
			fprintf(stderr, "writer %d put %d: %s\n", w, i, err);
			bad = 1;
		}
	}
	mq_close(s);
	free(err);
	return bad;
}

START_TEST(concurrent_writers_keep_one_chain)
{
	struct env e;
	pid_t pids[WRITERS];
	mq_audit_entry *log;
	size_t nlog;
	uint64_t n, seen = 0, after = 0;

	env_open(&e, _i);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0)
			_exit(writer(&e, w));
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;

		ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
	}
	ck_assert_int_eq(mq_count(e.s, NULL, &n, NULL), MQ_OK);
	ck_assert_uint_eq(n, WRITERS * PUTS);
	verify_whole(e.s, WRITERS * PUTS);
	/* sequence numbers 1..200, each once */
	do {
		ck_assert_int_eq(mq_audit_list(e.s, after, 64, &log, &nlog, NULL), MQ_OK);
		for (size_t i = 0; i < nlog; i++)
			ck_assert_uint_eq(log[i].seq, ++seen);
		if (nlog > 0)
			after = log[nlog - 1].seq;
		mq_audit_free(log, nlog);
	} while (nlog == 64);
	ck_assert_uint_eq(seen, WRITERS * PUTS);
	ck_assert_int_eq(stray_files(e.dir), 0);
	env_close(&e);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("quarantine");
	TCase *store = tcase_create("store");
	TCase *review = tcase_create("review");
	TCase *audit = tcase_create("audit");
	TCase *conc = tcase_create("concurrency");
	int nb = ts_backends();

	tcase_add_loop_test(store, same_original_stored_once, 0, nb);
	tcase_add_test(store, bad_store_dir_is_an_error);
	tcase_add_test(store, older_two_level_store_keeps_its_layout);
	tcase_add_loop_test(store, store_gone_fails_the_put, 0, nb);
	tcase_add_loop_test(store, put_checks_its_input, 0, nb);
	tcase_add_loop_test(store, put_again_is_idempotent, 0, nb);
	tcase_add_loop_test(store, put_list_show, 0, nb);
	tcase_add_loop_test(store, texts_are_cleaned, 0, nb);
	tcase_add_loop_test(store, delivery_is_noted, 0, nb);
	tcase_add_loop_test(store, delivery_noted_lazily, 0, nb);
	tcase_add_loop_test(review, users_and_passwords, 0, nb);
	tcase_add_loop_test(review, two_person_rule, 0, nb);
	tcase_add_loop_test(review, released_only_when_the_hook_succeeds, 0, nb);
	tcase_add_loop_test(review, deny_and_request_again, 0, nb);
	tcase_add_loop_test(review, one_release_at_a_time, 0, nb);
	tcase_add_loop_test(review, unlock_attempts_audited, 0, nb);
	tcase_add_loop_test(store, password_expiry_and_unlocked_by, 0, nb);
	tcase_add_loop_test(review, read_original_by_role, 0, nb);
	tcase_add_loop_test(review, delete_keeps_a_shared_blob, 0, nb);
	tcase_add_loop_test(review, purge_old_items, 0, nb);
	tcase_add_loop_test(review, purge_sweeps_orphans_and_leftovers, 0, nb);
	tcase_add_test(audit, canonical_hash_is_stable);
	tcase_add_loop_test(audit, verify_catches_an_edited_entry, 0, nb);
	tcase_add_loop_test(audit, verify_catches_a_rehashed_entry, 0, nb);
	tcase_add_loop_test(audit, verify_catches_a_removed_entry, 0, nb);
	tcase_add_loop_test(audit, verify_items_catches_an_edited_row, 0, nb);
	tcase_add_loop_test(audit, verify_items_checks_the_originals, 0, nb);
	tcase_add_loop_test(audit, verify_items_catches_an_inserted_row, 0, nb);
	tcase_add_loop_test(conc, concurrent_writers_keep_one_chain, 0, nb);
	tcase_set_timeout(conc, 120);
	suite_add_tcase(s, store);
	suite_add_tcase(s, review);
	suite_add_tcase(s, audit);
	suite_add_tcase(s, conc);
	return s;
}

/*
 * index_sqlite.c - the index in one SQLite file: one node.
 *
 * WAL mode so readers (the review UI) never block writers; synchronous=FULL
 * because a commit is what lets the gateway acknowledge a message; a busy
 * timeout so concurrent writers queue instead of failing; BEGIN IMMEDIATE
 * so a writer holds the one write lock from the start of its transaction
 * (the audit chain's head is read under it).  Statements are prepared once
 * and cached.
 */
#include <errno.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "index.h"
#include "util.h"

#define CACHE_SIZE 64
#define BUSY_TIMEOUT_MS 60000

struct cached {
	const char *sql;
	sqlite3_stmt *stmt;
};

typedef struct sqlite_index {
	mq_index base;
	sqlite3 *db;
	struct cached cache[CACHE_SIZE];
	size_t ncached;
	int lazy;     /* this transaction commits without an fsync */
	int unsynced; /* a lazy commit since the last fsync of the WAL */
} sqlite_index;

static int db_fail(sqlite_index *s, char **err, const char *what)
{
	return mq_fail(err, -1, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
}

/* Statements are literals of the callers: cache by text. */
static sqlite3_stmt *prepare(sqlite_index *s, const char *sql, char **err)
{
	sqlite3_stmt *st = NULL;

	for (size_t i = 0; i < s->ncached; i++)
		if (s->cache[i].sql == sql || strcmp(s->cache[i].sql, sql) == 0)
			return s->cache[i].stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(s, err, "prepare");
		return NULL;
	}
	if (s->ncached < CACHE_SIZE)
		s->cache[s->ncached++] = (struct cached){ sql, st };
	return st;
}

static void release(sqlite_index *s, sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0; i < s->ncached; i++)
		if (s->cache[i].stmt == st)
			return;
	sqlite3_finalize(st);
}

static int bind(sqlite_index *s, sqlite3_stmt *st, const mq_param *p, int n, char **err)
{
	if (sqlite3_bind_parameter_count(st) > n)
		return mq_fail(err, -1, "sqlite: statement wants %d parameters, got %d",
		               sqlite3_bind_parameter_count(st), n);
	for (int i = 0; i < n; i++) {
		char name[16];
		int idx, rc;

		snprintf(name, sizeof(name), "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue;
		if (p[i].type == MQ_P_TEXT)
			rc = sqlite3_bind_text(st, idx, p[i].text, -1, SQLITE_STATIC);
		else if (p[i].type == MQ_P_INT)
			rc = sqlite3_bind_int64(st, idx, p[i].i);
		else if (p[i].type == MQ_P_BYTES)
			rc = sqlite3_bind_blob64(st, idx, p[i].text, (sqlite3_uint64)p[i].i,
			                         SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return db_fail(s, err, "bind");
	}
	return 0;
}

static int collect(sqlite3_stmt *st, mq_rows *rows)
{
	size_t n = (size_t)sqlite3_column_count(st);
	const char *cells[32];
	size_t lens[32];

	if (n == 0 || n > 32)
		return -1;
	for (size_t c = 0; c < n; c++) {
		cells[c] = (const char *)sqlite3_column_text(st, (int)c);
		lens[c] = (size_t)sqlite3_column_bytes(st, (int)c);
	}
	return mq_rows_push(rows, n, cells, lens);
}

static int sq_exec(mq_index *ix, const char *sql, const mq_param *p, int n, mq_rows *rows,
                   char **err)
{
	sqlite_index *s = (sqlite_index *)ix;
	sqlite3_stmt *st = prepare(s, sql, err);
	int rc = -1, step;

	if (!st)
		return -1;
	if (bind(s, st, p, n, err) < 0)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (rows && collect(st, rows) < 0) {
			mq_fail(err, -1, "sqlite: out of memory reading a result");
			goto done;
		}
	if (step != SQLITE_DONE) {
		db_fail(s, err, "step");
		goto done;
	}
	rc = 0;
done:
	if (rc < 0 && rows)
		mq_rows_free(rows);
	release(s, st);
	return rc;
}

static int sq_simple(sqlite_index *s, const char *sql, char **err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		mq_fail(err, -1, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int sq_begin_write(mq_index *ix, char **err)
{
	return sq_simple((sqlite_index *)ix, "BEGIN IMMEDIATE", err);
}

/* synchronous=NORMAL in WAL mode: the commit is written to the WAL but
 * not fsynced; the next FULL commit's fsync of the WAL covers it. */
static int sq_begin_write_lazy(mq_index *ix, char **err)
{
	sqlite_index *s = (sqlite_index *)ix;

	if (sq_simple(s, "PRAGMA synchronous=NORMAL", err) < 0)
		return -1;
	s->lazy = 1;
	if (sq_simple(s, "BEGIN IMMEDIATE", err) == 0)
		return 0;
	s->lazy = 0;
	sq_simple(s, "PRAGMA synchronous=FULL", NULL);
	return -1;
}

/* Back to fsync on every commit after a lazy transaction. */
static void end_lazy(sqlite_index *s, int committed)
{
	if (!s->lazy)
		return;
	s->lazy = 0;
	s->unsynced |= committed;
	sq_simple(s, "PRAGMA synchronous=FULL", NULL);
}

static int sq_commit(mq_index *ix, char **err)
{
	sqlite_index *s = (sqlite_index *)ix;
	int lazy = s->lazy;

	if (sq_simple(s, "COMMIT", err) == 0) {
		if (!lazy)
			s->unsynced = 0;
		end_lazy(s, 1);
		return 0;
	}
	if (!sqlite3_get_autocommit(s->db))
		sq_simple(s, "ROLLBACK", NULL);
	end_lazy(s, 0);
	return -1;
}

static void sq_rollback(mq_index *ix)
{
	sqlite_index *s = (sqlite_index *)ix;

	if (!sqlite3_get_autocommit(s->db))
		sq_simple(s, "ROLLBACK", NULL);
	end_lazy(s, 0);
}

/* A checkpoint fsyncs the WAL before it copies it into the database. */
static int sq_sync(mq_index *ix, char **err)
{
	sqlite_index *s = (sqlite_index *)ix;

	if (!s->unsynced)
		return 0;
	if (sq_simple(s, "PRAGMA wal_checkpoint(PASSIVE)", err) < 0)
		return -1;
	s->unsynced = 0;
	return 0;
}

static void sq_close(mq_index *ix)
{
	sqlite_index *s = (sqlite_index *)ix;

	for (size_t i = 0; i < s->ncached; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	free(s);
}

/* BEGIN IMMEDIATE already holds SQLite's one write lock. */
static int sq_lock(mq_index *ix, char **err)
{
	return 0;
}

static const struct mq_index_ops sqlite_ops = {
	"sqlite", sq_exec, sq_begin_write, sq_commit, sq_rollback, sq_close, sq_begin_write_lazy,
	sq_sync, sq_begin_write, sq_lock, NULL,
};

/* The database's directory is made like the blob directory: private. */
static int make_parent(const char *path, char **err)
{
	char *copy = strdup(path);
	char *dir;
	int rc = 0;

	if (!copy)
		return mq_fail(err, -1, "out of memory");
	dir = dirname(copy);
	for (char *p = dir + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(dir, 0750) < 0 && errno != EEXIST)
		rc = -1;
	if (rc < 0)
		mq_fail(err, -1, "sqlite: cannot create %s: %s", dir, strerror(errno));
	free(copy);
	return rc;
}

mq_index *mq_index_sqlite_open(const char *path, char **err)
{
	sqlite_index *s;

	if (!*path) {
		mq_fail(err, -1, "quarantine.index: sqlite: needs a file path");
		return NULL;
	}
	if (make_parent(path, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		mq_fail(err, -1, "out of memory");
		return NULL;
	}
	s->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                    NULL) != SQLITE_OK) {
		mq_fail(err, -1, "sqlite: %s: %s", path,
		        s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (sq_simple(s, "PRAGMA journal_mode=WAL", err) < 0 ||
	    sq_simple(s, "PRAGMA synchronous=FULL", err) < 0)
		goto fail;
	return &s->base;
fail:
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

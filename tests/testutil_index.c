/* testutil_index.c - the quarantine's index reached behind the store's
 * back by the tests, on SQLite and (when MUGAI_TEST_PG_URI is set) on
 * PostgreSQL. */
#include <check.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil_store.h"

int ts_backends(void)
{
	const char *pg = getenv("MUGAI_TEST_PG_URI");

	return pg && *pg ? 2 : 1;
}

const char *ts_pg_uri(void)
{
	return getenv("MUGAI_TEST_PG_URI");
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static void pg_sql(const char *conninfo, const char *sql, char *out, size_t outlen)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "pg: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	              "pg: %s: %s", sql, PQresultErrorMessage(r));
	if (out && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
}

static void sqlite_sql(const char *path, const char *sql, char *out, size_t outlen)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const char *rest = sql;
	int rc;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	/* every statement of sql in turn; the first row's first cell is kept */
	while (rest && *rest) {
		ck_assert_msg(sqlite3_prepare_v2(db, rest, -1, &st, &rest) == SQLITE_OK, "sqlite: %s: %s",
		              sql, sqlite3_errmsg(db));
		if (!st)
			break;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (out && !out[0] && sqlite3_column_text(st, 0))
				snprintf(out, outlen, "%s", sqlite3_column_text(st, 0));
		ck_assert_msg(rc == SQLITE_DONE, "sqlite: %s: %s", sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

void ts_sql(const char *uri, const char *sql, char *out, size_t outlen)
{
	if (out && outlen)
		out[0] = 0;
	if (strncmp(uri, "sqlite:", 7) == 0)
		sqlite_sql(uri + 7, sql, out, outlen);
	else
		pg_sql(uri, sql, out, outlen);
}

void ts_pg_wipe(void)
{
	ts_sql(ts_pg_uri(), "DROP TABLE IF EXISTS mq_items, mq_audit, mq_users, mq_schema, mq_chunks, "
	                    "mq_unlock_tokens, mq_api_tokens, mq_drop_leases", NULL, 0);
}

/* testutil_store.h - helpers shared by the quarantine store's Check tests. */
#ifndef MUGAI_TESTUTIL_STORE_H
#define MUGAI_TESTUTIL_STORE_H

#include <stddef.h>

#include "quarantine.h"

/* Stores data as the original of a blocked file item named id; aborts
 * the test on failure. */
void ts_put_file(mq_store *s, const char *id, const void *data, size_t len);
/* An original made here, different on every run: random bytes opening
 * with a marker.  free() it. */
unsigned char *ts_random_original(size_t len);

/* How many index backends to run a test on: SQLite, and PostgreSQL too
 * when MUGAI_TEST_PG_URI names a database the tests may wipe. */
int ts_backends(void);
/* MUGAI_TEST_PG_URI, or NULL. */
const char *ts_pg_uri(void);
/* Runs sql on the index uri ("sqlite:PATH" or a PostgreSQL conninfo)
 * behind the store's back, as an operator or an intruder would; the first
 * row's first cell into out (when not NULL, "" when none).  Aborts the
 * test when a statement fails. */
void ts_sql(const char *uri, const char *sql, char *out, size_t outlen);
/* Drops every table of the quarantine in MUGAI_TEST_PG_URI. */
void ts_pg_wipe(void);

#endif

/*
 * index_pg.c - the index in PostgreSQL: several nodes share one database.
 *
 * Parameterised statements only (prepared once per connection, the values
 * sent apart from the text), so nothing an item carries ever becomes SQL.
 * The write lock is a transaction-scoped advisory lock: every node's
 * writers queue on it, so the audit chain's head is read and extended by
 * one writer at a time and the chain cannot fork.  A lost connection is
 * re-established before the next statement outside a transaction (the
 * statement that met the loss fails, so its caller answers "retry
 * later"); while the server stays away, attempts back off from a quarter
 * of a second to two seconds and the calls in between fail at once, so a
 * gateway answers 451 quickly instead of queueing on connect timeouts.
 * With a multi-host URI and target_session_attrs=read-write, a reconnect
 * finds whichever server is the primary now.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "util.h"

#define CACHE_SIZE 64
#define MAX_PARAMS 16
/* pg_advisory_xact_lock key: "mugai" in ASCII, the chain's one lock. */
#define CHAIN_LOCK "SELECT pg_advisory_xact_lock(469853382249)"
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define BACKOFF_MIN 0.25
#define BACKOFF_MAX 2.0

typedef struct pg_index {
	mq_index base;
	PGconn *conn;
	const char *cache[CACHE_SIZE]; /* statement i is prepared as "mq<i>" */
	size_t ncached;
	int in_tx;
	double retry_at;  /* monotonic seconds: no reconnect before */
	double backoff;   /* seconds until the next attempt after a failure */
} pg_index;

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void quiet(void *arg, const char *message)
{
	/* "relation already exists, skipping" and friends: not for the operator. */
}

static int pg_fail(char **err, const char *what, const char *msg)
{
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return mq_fail(err, -1, "postgresql: %s: %.*s", what, (int)n, msg);
}

static int ensure_connected(pg_index *s, char **err)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	if (s->in_tx)
		return pg_fail(err, "connection lost inside a transaction", PQerrorMessage(s->conn));
	if (now_mono() < s->retry_at)
		return mq_fail(err, -1, "postgresql: the server is unreachable; next attempt in "
		               "%.1f s", s->retry_at - now_mono());
	PQreset(s->conn);
	s->ncached = 0; /* prepared statements died with the session */
	if (PQstatus(s->conn) != CONNECTION_OK) {
		s->backoff = s->backoff < BACKOFF_MIN ? BACKOFF_MIN
		             : s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX
		                                            : s->backoff * 2;
		s->retry_at = now_mono() + s->backoff;
		return pg_fail(err, "reconnect", PQerrorMessage(s->conn));
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	s->backoff = 0;
	s->retry_at = 0;
	return 0;
}

/* Returns the statement's name, preparing it on first use. */
static int prepared(pg_index *s, const char *sql, int n, const Oid *types, char name[16],
                    char **err)
{
	PGresult *r;
	size_t i;

	for (i = 0; i < s->ncached; i++)
		if (s->cache[i] == sql || strcmp(s->cache[i], sql) == 0)
			break;
	snprintf(name, 16, "mq%zu", i);
	if (i < s->ncached)
		return 0;
	if (i == CACHE_SIZE)
		name[0] = 0; /* the unnamed statement: prepared again each time */
	r = PQprepare(s->conn, name, sql, n, types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail(err, "prepare", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if (i < CACHE_SIZE)
		s->cache[s->ncached++] = sql;
	return 0;
}

static int collect(PGresult *r, mq_rows *rows, char **err)
{
	int nr = PQntuples(r), nf = PQnfields(r);
	const char *cells[32];
	size_t lens[32];

	if (nf > 32)
		return mq_fail(err, -1, "postgresql: too many columns");
	for (int i = 0; i < nr; i++) {
		for (int c = 0; c < nf; c++) {
			cells[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
			lens[c] = (size_t)PQgetlength(r, i, c);
		}
		if (mq_rows_push(rows, (size_t)nf, cells, lens) < 0)
			return mq_fail(err, -1, "postgresql: out of memory reading a result");
	}
	return 0;
}

static int pq_exec(mq_index *ix, const char *sql, const mq_param *p, int n, mq_rows *rows,
                   char **err)
{
	pg_index *s = (pg_index *)ix;
	Oid types[MAX_PARAMS];
	const char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS], formats[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	char name[16];
	PGresult *r;
	int rc = -1;

	if (n > MAX_PARAMS)
		return mq_fail(err, -1, "postgresql: too many parameters");
	if (ensure_connected(s, err) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		types[i] = p[i].type == MQ_P_INT ? OID_INT8 : p[i].type == MQ_P_BYTES ? OID_BYTEA
		                                                                        : OID_TEXT;
		values[i] = p[i].type == MQ_P_TEXT || p[i].type == MQ_P_BYTES ? p[i].text : NULL;
		lengths[i] = p[i].type == MQ_P_BYTES ? (int)p[i].i : 0;
		formats[i] = p[i].type == MQ_P_BYTES; /* sent as they are, not escaped */
		if (p[i].type == MQ_P_BYTES && (p[i].i < 0 || p[i].i > 0x40000000))
			return mq_fail(err, -1, "postgresql: binary parameter too large");
		if (p[i].type == MQ_P_BYTES && !values[i])
			values[i] = "";
		if (p[i].type == MQ_P_INT) {
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)p[i].i);
			values[i] = ints[i];
		}
	}
	if (prepared(s, sql, n, types, name, err) < 0)
		return -1;
	r = PQexecPrepared(s->conn, name, n, values, lengths, formats, 0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		rc = rows ? collect(r, rows, err) : 0;
		break;
	case PGRES_COMMAND_OK:
		rc = 0;
		break;
	default:
		pg_fail(err, "execute", PQresultErrorMessage(r));
	}
	PQclear(r);
	if (rc < 0 && rows)
		mq_rows_free(rows);
	return rc;
}

static int simple(pg_index *s, const char *sql, char **err)
{
	PGresult *r = PQexec(s->conn, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_fail(err, sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int pq_begin(mq_index *ix, char **err)
{
	pg_index *s = (pg_index *)ix;

	if (ensure_connected(s, err) < 0 || simple(s, "BEGIN", err) < 0)
		return -1;
	s->in_tx = 1;
	return 0;
}

/* Inside pq_begin's transaction; rolls it back when the lock fails. */
static int pq_lock(mq_index *ix, char **err)
{
	pg_index *s = (pg_index *)ix;

	if (simple(s, CHAIN_LOCK, err) < 0) {
		simple(s, "ROLLBACK", NULL);
		s->in_tx = 0;
		return -1;
	}
	return 0;
}

static int pq_ping(mq_index *ix, char **err)
{
	pg_index *s = (pg_index *)ix;

	return s->in_tx ? 0 : ensure_connected(s, err);
}

static int pq_begin_write(mq_index *ix, char **err)
{
	return pq_begin(ix, err) < 0 ? -1 : pq_lock(ix, err);
}

/* synchronous_commit off for this transaction only: the server's WAL
 * writer flushes it within three wal_writer_delay, an ordinary commit
 * after it flushes it at once. */
static int pq_begin_write_lazy(mq_index *ix, char **err)
{
	pg_index *s = (pg_index *)ix;

	if (pq_begin_write(ix, err) < 0)
		return -1;
	if (simple(s, "SET LOCAL synchronous_commit = off", err) < 0) {
		simple(s, "ROLLBACK", NULL);
		s->in_tx = 0;
		return -1;
	}
	return 0;
}

static int pq_sync(mq_index *ix, char **err)
{
	return 0;
}

static int pq_commit(mq_index *ix, char **err)
{
	pg_index *s = (pg_index *)ix;
	PGresult *r = PQexec(s->conn, "COMMIT");
	int rc = 0;

	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK */
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_fail(err, "commit", PQresultErrorMessage(r));
	else if (strcmp(PQcmdStatus(r), "COMMIT") != 0)
		rc = mq_fail(err, -1, "postgresql: commit: the transaction was rolled back");
	PQclear(r);
	s->in_tx = 0;
	return rc;
}

static void pq_rollback(mq_index *ix)
{
	pg_index *s = (pg_index *)ix;

	if (s->in_tx)
		simple(s, "ROLLBACK", NULL);
	s->in_tx = 0;
}

static void pq_close(mq_index *ix)
{
	pg_index *s = (pg_index *)ix;

	PQfinish(s->conn);
	free(s);
}

static const struct mq_index_ops pg_ops = {
	"postgresql", pq_exec, pq_begin_write, pq_commit, pq_rollback, pq_close, pq_begin_write_lazy,
	pq_sync, pq_begin, pq_lock, pq_ping,
};

mq_index *mq_index_pg_open(const char *uri, char **err)
{
	pg_index *s = calloc(1, sizeof(*s));

	if (!s) {
		mq_fail(err, -1, "out of memory");
		return NULL;
	}
	s->base.ops = &pg_ops;
	s->conn = PQconnectdb(uri);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		pg_fail(err, "connect", s->conn ? PQerrorMessage(s->conn) : "out of memory");
		PQfinish(s->conn);
		free(s);
		return NULL;
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	return &s->base;
}

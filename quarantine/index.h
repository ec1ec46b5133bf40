/*
 * index.h - the quarantine's index behind one interface.
 *
 * A backend knows how to connect, run one parameterised statement and
 * take the write lock; everything else (the schema, every query, the
 * audit chain, the review rules) is one code path above it, so SQLite and
 * PostgreSQL behave alike.  Statements are written once with $1, $2 ...
 * placeholders, which both backends accept, and never built from input.
 */
#ifndef MUGAI_QUARANTINE_INDEX_H
#define MUGAI_QUARANTINE_INDEX_H

#include <stddef.h>
#include <stdint.h>

/* MQ_P_BYTES: binary data, text pointing at i bytes (a bytea / blob). */
typedef enum mq_ptype { MQ_P_NULL = 0, MQ_P_TEXT, MQ_P_INT, MQ_P_BYTES } mq_ptype;

typedef struct mq_param {
	mq_ptype type;
	const char *text;
	int64_t i;
} mq_param;

/* A text parameter (NULL becomes SQL NULL) and an integer one. */
static inline mq_param mq_text_param(const char *s)
{
	return (mq_param){ s ? MQ_P_TEXT : MQ_P_NULL, s, 0 };
}
#define MQ_TEXT(s) mq_text_param(s)
#define MQ_INT(v) ((mq_param){ MQ_P_INT, NULL, (int64_t)(v) })
#define MQ_BYTES(p, n) ((mq_param){ MQ_P_BYTES, (const char *)(p), (int64_t)(n) })

/* A result: every cell as text (NULL for SQL NULL), row-major. */
typedef struct mq_rows {
	size_t nrows, ncols, cap;
	char **cells;
} mq_rows;

typedef struct mq_index mq_index;

struct mq_index_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* Runs one statement; fills *rows when rows is not NULL. */
	int (*exec)(mq_index *ix, const char *sql, const mq_param *params, int nparams,
	            mq_rows *rows, char **err);
	/* Starts a transaction holding the one write lock (the audit chain's):
	 * writers on every process and node are serialised by it. */
	int (*begin_write)(mq_index *ix, char **err);
	int (*commit)(mq_index *ix, char **err);
	void (*rollback)(mq_index *ix);
	void (*close)(mq_index *ix);
	/* The same, but the commit need not be durable at once: it is made
	 * durable by the next ordinary commit (of any writer: SQLite's WAL
	 * and PostgreSQL's log are written in order) or by sync. */
	int (*begin_write_lazy)(mq_index *ix, char **err);
	/* Makes every lazy commit so far durable. */
	int (*sync)(mq_index *ix, char **err);
	/* begin_write in two steps: a transaction that does not hold the
	 * lock yet (writes that need no order, like an original's chunks, go
	 * in parallel), then the lock.  SQLite's begin takes it at once. */
	int (*begin)(mq_index *ix, char **err);
	int (*lock)(mq_index *ix, char **err);
	/* 0 unless the database is known to be unreachable: a lost
	 * connection is re-established here (within its backoff), no
	 * statement is sent.  NULL: always reachable (a local file). */
	int (*ping)(mq_index *ix, char **err);
};

struct mq_index {
	const struct mq_index_ops *ops;
	/* The node writing through this index (daemon.node): stamped on the
	 * audit entries it appends.  "" when the caller named none. */
	char node[65];
};

/* Opens by URI ("sqlite:PATH", "postgresql://", "postgres://") and creates
 * the schema when missing. */
mq_index *mq_index_open(const char *uri, char **err);
mq_index *mq_index_sqlite_open(const char *path, char **err);
mq_index *mq_index_pg_open(const char *uri, char **err);

/* Shorthands over ops. */
int mq_ix_exec(mq_index *ix, const char *sql, const mq_param *p, int n, mq_rows *rows, char **err);
static inline const char *mq_cell(const mq_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}
void mq_rows_free(mq_rows *r);
/* Appends one row of ncols cells (copied) to r; 0 or -1 (out of memory). */
int mq_rows_push(mq_rows *r, size_t ncols, const char *const *cells, const size_t *lens);

#endif

/*
 * index.c - choosing a backend by URI, the one schema both share, and the
 * result rows.
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "util.h"

/* The schema, written once for both backends (BIGINT is an integer in
 * SQLite, TEXT is TEXT everywhere).  Times are unix seconds. */
static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS mq_schema (version BIGINT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS mq_items ("
	" item_id TEXT PRIMARY KEY,"
	" sha256 TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" sender TEXT NOT NULL,"
	" recipients TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" verdict TEXT NOT NULL,"
	" reasons TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" received BIGINT NOT NULL,"
	" status TEXT NOT NULL,"
	" requested_by TEXT NOT NULL DEFAULT '',"
	" request_reason TEXT NOT NULL DEFAULT '',"
	" requested_at BIGINT NOT NULL DEFAULT 0,"
	" decided_by TEXT NOT NULL DEFAULT '',"
	" decision_reason TEXT NOT NULL DEFAULT '',"
	" decided_at BIGINT NOT NULL DEFAULT 0,"
	" claim_until BIGINT NOT NULL DEFAULT 0,"
	" report TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS mq_items_sha256 ON mq_items (sha256)",
	"CREATE INDEX IF NOT EXISTS mq_items_received ON mq_items (received, item_id)",
	"CREATE INDEX IF NOT EXISTS mq_items_status ON mq_items (status, received)",
	"CREATE TABLE IF NOT EXISTS mq_audit ("
	" seq BIGINT PRIMARY KEY,"
	" at BIGINT NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" item_id TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" prev TEXT NOT NULL,"
	" hash TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS mq_audit_item ON mq_audit (item_id, seq)",
	/* PPAP unlock links: only the token's hash (unlock_token.c) */
	"CREATE TABLE IF NOT EXISTS mq_unlock_tokens ("
	" token_sha256 TEXT PRIMARY KEY,"
	" item_id TEXT NOT NULL,"
	" recipient TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" expires BIGINT NOT NULL,"
	" used_at BIGINT NOT NULL DEFAULT 0)",
	"CREATE INDEX IF NOT EXISTS mq_unlock_tokens_item ON mq_unlock_tokens (item_id)",
	/* REST API clients: only the token's hash (api_token.c) */
	"CREATE TABLE IF NOT EXISTS mq_api_tokens ("
	" name TEXT PRIMARY KEY,"
	" token_sha256 TEXT NOT NULL UNIQUE,"
	" scopes BIGINT NOT NULL,"
	" created_by TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" revoked BIGINT NOT NULL DEFAULT 0)",
	"CREATE TABLE IF NOT EXISTS mq_users ("
	" name TEXT PRIMARY KEY,"
	" role TEXT NOT NULL,"
	" pwhash TEXT NOT NULL,"
	" lang TEXT NOT NULL DEFAULT 'ja',"
	" disabled BIGINT NOT NULL DEFAULT 0,"
	" created BIGINT NOT NULL)",
	/* the shared drop folder's claims (drop_lease.c): path is NODE/REL
	 * below inbox/.claims */
	"CREATE TABLE IF NOT EXISTS mq_drop_leases ("
	" path TEXT PRIMARY KEY,"
	" node TEXT NOT NULL,"
	" expires BIGINT NOT NULL)",
};

/* Upgrades, in order: upgrade[v - 2] takes an index from version v - 1 to
 * v.  A new index is created at version 1 and upgraded like an old one, so
 * both end with the same columns. */
static const char *const upgrade[] = {
	/* 2: the node (daemon.node) that stored an item or wrote an entry */
	"ALTER TABLE mq_items ADD COLUMN node TEXT NOT NULL DEFAULT ''",
	"ALTER TABLE mq_audit ADD COLUMN node TEXT NOT NULL DEFAULT ''",
};
static const int upgrade_version[] = { 2, 2 };

#define SCHEMA_VERSION 2

/* Runs the upgrades past version `from` and records SCHEMA_VERSION,
 * inside create_schema's transaction (which holds the write lock, so two
 * nodes starting at once upgrade once). */
static int upgrade_schema(mq_index *ix, int64_t from, char **err)
{
	mq_param v = MQ_INT(SCHEMA_VERSION);

	if (from >= SCHEMA_VERSION)
		return 0;
	for (size_t i = 0; i < sizeof(upgrade) / sizeof(upgrade[0]); i++)
		if (upgrade_version[i] > from && mq_ix_exec(ix, upgrade[i], NULL, 0, NULL, err) < 0)
			return -1;
	return mq_ix_exec(ix, "UPDATE mq_schema SET version = $1", &v, 1, NULL, err);
}

static int create_schema(mq_index *ix, char **err)
{
	mq_rows rows = { 0 };
	mq_param v = MQ_INT(1);
	int rc;

	if (ix->ops->begin_write(ix, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if (mq_ix_exec(ix, schema[i], NULL, 0, NULL, err) < 0)
			goto fail;
	if (mq_ix_exec(ix, "SELECT version FROM mq_schema", NULL, 0, &rows, err) < 0)
		goto fail;
	if (rows.nrows == 0)
		rc = mq_ix_exec(ix, "INSERT INTO mq_schema (version) VALUES ($1)", &v, 1, NULL, err) < 0
		             ? -1
		             : upgrade_schema(ix, 1, err);
	else if (mq_atoi64(mq_cell(&rows, 0, 0)) > SCHEMA_VERSION)
		rc = mq_fail(err, -1, "index schema version %s is newer than this mugai (%d)",
		             mq_cell(&rows, 0, 0), SCHEMA_VERSION);
	else
		rc = upgrade_schema(ix, mq_atoi64(mq_cell(&rows, 0, 0)), err);
	mq_rows_free(&rows);
	if (rc < 0)
		goto fail;
	return ix->ops->commit(ix, err);
fail:
	ix->ops->rollback(ix);
	return -1;
}

mq_index *mq_index_open(const char *uri, char **err)
{
	mq_index *ix;

	if (!uri || !*uri) {
		mq_fail(err, -1, "quarantine.index is empty");
		return NULL;
	}
	if (strncmp(uri, "sqlite:", 7) == 0)
		ix = mq_index_sqlite_open(uri + 7, err);
	else if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
		ix = mq_index_pg_open(uri, err);
	else {
		mq_fail(err, -1, "quarantine.index: expected sqlite:PATH or postgresql://..., got '%s'",
		        uri);
		return NULL;
	}
	if (ix && create_schema(ix, err) < 0) {
		ix->ops->close(ix);
		ix = NULL;
	}
	return ix;
}

int mq_ix_exec(mq_index *ix, const char *sql, const mq_param *p, int n, mq_rows *rows, char **err)
{
	if (rows)
		*rows = (mq_rows){ 0 };
	return ix->ops->exec(ix, sql, p, n, rows, err);
}

void mq_rows_free(mq_rows *r)
{
	if (!r || !r->cells)
		return;
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	*r = (mq_rows){ 0 };
}

int mq_rows_push(mq_rows *r, size_t ncols, const char *const *cells, const size_t *lens)
{
	char **row;

	if (r->nrows == 0)
		r->ncols = ncols;
	if (ncols != r->ncols || ncols == 0)
		return -1;
	if ((r->nrows + 1) * ncols > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16 * ncols;
		char **grown;

		if (cap > SIZE_MAX / sizeof(char *) / 2)
			return -1;
		grown = realloc(r->cells, cap * sizeof(char *));
		if (!grown)
			return -1;
		r->cells = grown;
		r->cap = cap;
	}
	row = &r->cells[r->nrows * ncols];
	for (size_t c = 0; c < ncols; c++) {
		row[c] = NULL;
		if (!cells[c])
			continue;
		row[c] = malloc(lens[c] + 1);
		if (!row[c]) {
			for (size_t k = 0; k < c; k++)
				free(row[k]);
			return -1;
		}
		memcpy(row[c], cells[c], lens[c]);
		row[c][lens[c]] = 0;
	}
	r->nrows++;
	return 0;
}

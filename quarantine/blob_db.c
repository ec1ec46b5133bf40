/*
 * blob_db.c - originals in the index's database (PostgreSQL or SQLite),
 * beside the index that names them.
 *
 * One table of chunks, mq_chunks (sha256, seq, data bytea): an original is
 * kept once per SHA-256, as rows of at most MQ_DB_CHUNK bytes, written in
 * the transaction that inserts its index row and audit entry, so the three
 * are committed together or not at all, on every node at once.  Chunks go
 * out one statement each, sent as binary parameters straight from the
 * caller's buffer, and come back one at a time, so no copy of a whole
 * original is ever made beside the caller's own.
 *
 * Why not large objects: they live outside the rows that name them (a
 * deleted item leaves its object behind until lo_unlink or vacuumlo),
 * logical replication and many backup tools skip them, and they carry
 * their own permissions.  Chunk rows are ordinary rows: deleted in the
 * deleting transaction, replicated and backed up like the index, their
 * size bounded per row.  Storage is EXTERNAL: originals are mostly
 * compressed already, and PostgreSQL need not try again.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob_db.h"
#include "util.h"

static const char *const pg_schema[] = {
	"CREATE TABLE IF NOT EXISTS mq_chunks ("
	" sha256 TEXT NOT NULL,"
	" seq BIGINT NOT NULL,"
	" data BYTEA NOT NULL,"
	" PRIMARY KEY (sha256, seq))",
	"ALTER TABLE mq_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
};

/* SQLite keeps a row's overflow in pages of its own: a chunk costs no
 * rewrite of its neighbours. */
static const char *const sqlite_schema[] = {
	"CREATE TABLE IF NOT EXISTS mq_chunks ("
	" sha256 TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" PRIMARY KEY (sha256, seq))",
};

static bool is_pg(const mq_index *ix)
{
	return strcmp(ix->ops->name, "postgresql") == 0;
}

int mq_dbblob_init(mq_index *ix, char **err)
{
	const char *const *schema = is_pg(ix) ? pg_schema : sqlite_schema;
	size_t n = is_pg(ix) ? sizeof(pg_schema) / sizeof(pg_schema[0])
	                     : sizeof(sqlite_schema) / sizeof(sqlite_schema[0]);

	if (ix->ops->begin_write(ix, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (mq_ix_exec(ix, schema[i], NULL, 0, NULL, err) < 0) {
			ix->ops->rollback(ix);
			return -1;
		}
	return ix->ops->commit(ix, err);
}

static uint64_t chunks_of(uint64_t len)
{
	return len == 0 ? 1 : (len + MQ_DB_CHUNK - 1) / MQ_DB_CHUNK;
}

int mq_dbblob_present(mq_index *ix, const char *sha, uint64_t len, char **err)
{
	mq_param p = MQ_TEXT(sha);
	mq_rows r;
	int rc;

	if (mq_ix_exec(ix,
	               is_pg(ix) ? "SELECT count(*), coalesce(sum(octet_length(data)), 0)"
	                           " FROM mq_chunks WHERE sha256 = $1"
	                         : "SELECT count(*), coalesce(sum(length(data)), 0)"
	                           " FROM mq_chunks WHERE sha256 = $1",
	               &p, 1, &r, err) < 0)
		return -1;
	rc = r.nrows == 1 && (uint64_t)mq_atoi64(mq_cell(&r, 0, 0)) == chunks_of(len) &&
	     (uint64_t)mq_atoi64(mq_cell(&r, 0, 1)) == len;
	mq_rows_free(&r);
	return rc;
}

int mq_dbblob_put_chunk(mq_index *ix, const char *sha, uint64_t seq, const void *data,
                        size_t n, char **err)
{
	mq_param p[] = { MQ_TEXT(sha), MQ_INT(seq), MQ_BYTES(data, n) };

	return mq_ix_exec(ix,
	                  "INSERT INTO mq_chunks (sha256, seq, data) VALUES ($1, $2, $3)"
	                  " ON CONFLICT (sha256, seq) DO NOTHING",
	                  p, 3, NULL, err);
}

int mq_dbblob_put(mq_index *ix, const char *sha, const void *data, uint64_t len, char **err)
{
	const unsigned char *b = data;
	uint64_t n = chunks_of(len);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = i * MQ_DB_CHUNK;
		size_t take = len - off < MQ_DB_CHUNK ? (size_t)(len - off) : MQ_DB_CHUNK;

		if (mq_dbblob_put_chunk(ix, sha, i, len ? b + off : (const void *)"", len ? take : 0,
		                        err) < 0)
			return -1;
	}
	return 0;
}

/* One chunk, hex from the server, into out; its length in *got. */
static int read_chunk(mq_index *ix, const char *sha, uint64_t seq, unsigned char *out,
                      size_t room, size_t *got, char **err)
{
	mq_param p[] = { MQ_TEXT(sha), MQ_INT(seq) };
	mq_rows r;
	const char *hex;
	int rc = 0;

	if (mq_ix_exec(ix,
	               is_pg(ix) ? "SELECT encode(data, 'hex') FROM mq_chunks"
	                           " WHERE sha256 = $1 AND seq = $2"
	                         : "SELECT hex(data) FROM mq_chunks WHERE sha256 = $1 AND seq = $2",
	               p, 2, &r, err) < 0)
		return -1;
	if (r.nrows != 1 || !(hex = mq_cell(&r, 0, 0)))
		rc = mq_fail(err, -1, "original %s: chunk %llu is missing", sha,
		             (unsigned long long)seq);
	else if (sodium_hex2bin(out, room, hex, strlen(hex), NULL, got, NULL) != 0 ||
	         *got != room)
		rc = mq_fail(err, -1, "original %s: chunk %llu has the wrong size", sha,
		             (unsigned long long)seq);
	mq_rows_free(&r);
	return rc;
}

/* Reads every chunk in order, into out (len bytes) or, when out is NULL,
 * through one chunk's buffer, and checks the hash. */
static int walk(mq_index *ix, const char *sha, uint64_t len, unsigned char *out, char **err)
{
	crypto_hash_sha256_state st;
	unsigned char digest[32], *tmp = NULL;
	char hex[65];
	uint64_t n = chunks_of(len);
	int rc = 0;

	if (mq_dbblob_present(ix, sha, len, err) != 1)
		return mq_fail(err, -1, "original %s is missing or has the wrong size", sha);
	if (!out && len > 0 && !(tmp = malloc(MQ_DB_CHUNK)))
		return mq_fail(err, -1, "out of memory");
	crypto_hash_sha256_init(&st);
	for (uint64_t i = 0; rc == 0 && i < n && len > 0; i++) {
		uint64_t off = i * MQ_DB_CHUNK;
		size_t want = len - off < MQ_DB_CHUNK ? (size_t)(len - off) : MQ_DB_CHUNK, got = 0;
		unsigned char *to = out ? out + off : tmp;

		rc = read_chunk(ix, sha, i, to, want, &got, err);
		if (rc == 0)
			crypto_hash_sha256_update(&st, to, got);
	}
	free(tmp);
	if (rc < 0)
		return -1;
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (strcmp(hex, sha) != 0)
		return mq_fail(err, -1, "original %s is damaged: its content hashes to %s", sha, hex);
	return 0;
}

int mq_dbblob_read(mq_index *ix, const char *sha, uint64_t len, unsigned char **data, char **err)
{
	unsigned char *buf;

	*data = NULL;
	if (len > SIZE_MAX - 1 || !(buf = malloc((size_t)len + 1)))
		return mq_fail(err, -1, "out of memory reading original %s", sha);
	if (walk(ix, sha, len, buf, err) < 0) {
		free(buf);
		return -1;
	}
	*data = buf;
	return 0;
}

int mq_dbblob_check(mq_index *ix, const char *sha, uint64_t len, char **err)
{
	return walk(ix, sha, len, NULL, err);
}

int mq_dbblob_delete(mq_index *ix, const char *sha, char **err)
{
	mq_param p = MQ_TEXT(sha);

	return mq_ix_exec(ix, "DELETE FROM mq_chunks WHERE sha256 = $1", &p, 1, NULL, err);
}

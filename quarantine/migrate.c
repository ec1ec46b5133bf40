/*
 * migrate.c - moving a node's blob directory into the index's database
 * (`mugai quarantine migrate-store --to postgresql`).
 *
 * Each original the index still needs is read from its file a chunk at a
 * time, hashed as it goes and inserted in one transaction that commits
 * only when the file hashed right; then it is read back from the database
 * and checked again.  Only originals are copied: rows and the audit chain
 * already live in the database, and the run itself is one audit entry.
 * Nodes may keep working meanwhile: chunk writes take no chain lock, and
 * an original already there is skipped.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "blob.h"
#include "blob_db.h"
#include "store.h"
#include "util.h"

#define PAGE 500

/* The file's chunks into the open transaction; -1 unless it hashed right. */
static int copy_chunks(mq_index *ix, int fd, const char *sha, uint64_t len, unsigned char *buf,
                       char **err)
{
	crypto_hash_sha256_state st;
	unsigned char digest[32];
	char hex[65];
	uint64_t off = 0, seq = 0;

	crypto_hash_sha256_init(&st);
	do {
		size_t take = len - off < MQ_DB_CHUNK ? (size_t)(len - off) : MQ_DB_CHUNK;

		if (mq_read_exact(fd, buf, take) < 0)
			return mq_fail(err, -1, "original %s: cannot read its file", sha);
		crypto_hash_sha256_update(&st, buf, take);
		if (mq_dbblob_put_chunk(ix, sha, seq++, buf, take, err) < 0)
			return -1;
		off += take;
	} while (off < len);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (strcmp(hex, sha) != 0)
		return mq_fail(err, -1, "original %s: its file is damaged (it hashes to %s); not copied",
		               sha, hex);
	return 0;
}

/* One original, under the store's mutex: 1 copied, 0 already there. */
static int migrate_one(mq_store *s, const char *dir, const char *sha, uint64_t len,
                       unsigned char *buf, char **err)
{
	mq_index *ix = s->ix;
	int present = mq_dbblob_present(ix, sha, len, err), fd, rc;

	if (present != 0)
		return present < 0 ? -1 : 0;
	if ((fd = mq_blob_open(dir, sha, (size_t)len, err)) < 0)
		return -1;
	rc = ix->ops->begin(ix, err);
	if (rc == 0 && copy_chunks(ix, fd, sha, len, buf, err) < 0) {
		ix->ops->rollback(ix);
		rc = -1;
	} else if (rc == 0) {
		rc = ix->ops->commit(ix, err);
	}
	close(fd);
	if (rc == 0 && mq_dbblob_check(ix, sha, len, err) < 0)
		rc = -1; /* read back: what the database holds hashes right */
	return rc < 0 ? -1 : 1;
}

/* The originals of one page of (sha256, size), after `after`. */
static int page(mq_store *s, const char *after, mq_rows *r, char **err)
{
	mq_param p[] = { MQ_TEXT(after), MQ_INT(PAGE) };

	return mq_ix_exec(s->ix,
	                  "SELECT sha256, max(size) FROM mq_items WHERE status <> 'deleted'"
	                  " AND sha256 > $1 GROUP BY sha256 ORDER BY sha256 LIMIT $2",
	                  p, 2, r, err);
}

static int note_run(mq_store *s, const char *dir, uint64_t moved, uint64_t skipped, char **err)
{
	char detail[600];

	snprintf(detail, sizeof(detail),
	         "%" PRIu64 " originals copied from %.400s into the index's database and checked, %" PRIu64
	         " already there",
	         moved, dir, skipped);
	if (s->ix->ops->begin_write(s->ix, err) < 0)
		return -1;
	return mq_finish(s,
	                 mq_audit_append(s->ix, mq_local_actor(), "migrate_store", "", detail, err),
	                 err);
}

int mq_migrate_store(mq_store *s, const char *dir, uint64_t *moved, uint64_t *skipped,
                     char **err)
{
	char last[65] = "";
	unsigned char *buf;
	mq_rows r = { 0 };
	int rc = MQ_OK;

	*moved = *skipped = 0;
	if (mq_dbblob_init(s->ix, err) < 0)
		return MQ_E_ERROR;
	if (!(buf = malloc(MQ_DB_CHUNK)))
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	pthread_mutex_lock(&s->lock);
	do {
		mq_rows_free(&r);
		if (page(s, last, &r, err) < 0) {
			rc = MQ_E_ERROR;
			break;
		}
		for (size_t i = 0; rc == MQ_OK && i < r.nrows; i++) {
			int one = migrate_one(s, dir, mq_cell(&r, i, 0),
			                      (uint64_t)mq_atoi64(mq_cell(&r, i, 1)), buf, err);

			if (one < 0)
				rc = MQ_E_ERROR;
			else
				++*(one ? moved : skipped);
			snprintf(last, sizeof(last), "%s", mq_cell(&r, i, 0));
		}
	} while (rc == MQ_OK && r.nrows == PAGE);
	mq_rows_free(&r);
	if (rc == MQ_OK && note_run(s, dir, *moved, *skipped, err) < 0)
		rc = MQ_E_ERROR;
	pthread_mutex_unlock(&s->lock);
	free(buf);
	return rc;
}

/*
 * originals.c - where the store keeps originals: files in the blob
 * directory (blob.c) or chunk rows in PostgreSQL (blob_pg.c), chosen by
 * quarantine.store.  The rest of the quarantine asks here and never knows
 * which.
 */
#include <stdlib.h>

#include "blob.h"
#include "blob_pg.h"
#include "originals.h"

int mq_orig_put_early(mq_store *s, const char *sha, const void *data, uint64_t len, char **err)
{
	if (s->pg_blobs)
		return mq_pgblob_put(s->ix, sha, data, len, err);
	return mq_blob_put(s->dir, sha, data, (size_t)len, err);
}

int mq_orig_ensure_locked(mq_store *s, const char *sha, const void *data, uint64_t len,
                          char **err)
{
	int present;

	if (!s->pg_blobs)
		return mq_blob_present(s->dir, sha, (size_t)len)
		               ? 0
		               : mq_blob_put(s->dir, sha, data, (size_t)len, err);
	present = mq_pgblob_present(s->ix, sha, len, err);
	if (present < 0)
		return -1;
	return present ? 0 : mq_pgblob_put(s->ix, sha, data, len, err);
}

int mq_orig_read_locked(mq_store *s, const char *sha, uint64_t len, unsigned char **data,
                        char **err)
{
	if (s->pg_blobs)
		return mq_pgblob_read(s->ix, sha, len, data, err);
	return mq_blob_read(s->dir, sha, (size_t)len, data, err);
}

int mq_orig_check_locked(mq_store *s, const char *sha, uint64_t len, char **err)
{
	unsigned char *data = NULL;
	int rc;

	if (s->pg_blobs)
		return mq_pgblob_check(s->ix, sha, len, err);
	rc = mq_blob_read(s->dir, sha, (size_t)len, &data, err);
	free(data);
	return rc;
}

int mq_orig_read(mq_store *s, const char *sha, uint64_t len, unsigned char **data, char **err)
{
	int rc;

	if (!s->pg_blobs)
		return mq_blob_read(s->dir, sha, (size_t)len, data, err);
	pthread_mutex_lock(&s->lock); /* the connection is the store's */
	rc = mq_pgblob_read(s->ix, sha, len, data, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int mq_orig_remove_locked(mq_store *s, const char *sha, char **aside, char **err)
{
	*aside = NULL;
	if (s->pg_blobs)
		return mq_pgblob_delete(s->ix, sha, err); /* undone by a rollback */
	return mq_blob_set_aside(s->dir, sha, aside, err);
}

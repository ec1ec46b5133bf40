/*
 * originals.c - where the store keeps originals: files in the blob
 * directory (blob.c) or chunk rows in the index's database (blob_db.c),
 * chosen by quarantine.store.  The rest of the quarantine asks here and
 * never knows which.
 *
 * With the index store, originals a dir store wrote before the switch
 * stay files: one the database does not hold is read from the directory
 * (dir_too), and removing it removes both.
 */
#include <stdlib.h>

#include "blob.h"
#include "blob_db.h"
#include "originals.h"

int mq_orig_put_early(mq_store *s, const char *sha, const void *data, uint64_t len, char **err)
{
	if (s->db_blobs)
		return mq_dbblob_put(s->ix, sha, data, len, err);
	return mq_blob_put(s->dir, sha, data, (size_t)len, err);
}

int mq_orig_ensure_locked(mq_store *s, const char *sha, const void *data, uint64_t len,
                          char **err)
{
	int present;

	if (!s->db_blobs)
		return mq_blob_present(s->dir, sha, (size_t)len)
		               ? 0
		               : mq_blob_put(s->dir, sha, data, (size_t)len, err);
	present = mq_dbblob_present(s->ix, sha, len, err);
	if (present < 0)
		return -1;
	return present ? 0 : mq_dbblob_put(s->ix, sha, data, len, err);
}

/* With the index store: the original is a file a dir store left (the
 * database holds none of it).  0 when it is in the database. */
static int left_in_dir(mq_store *s, const char *sha, uint64_t len)
{
	char *ignored = NULL;
	int in_db;

	if (!s->dir_too)
		return 0;
	in_db = mq_dbblob_present(s->ix, sha, len, &ignored);
	free(ignored);
	return in_db == 0 && mq_blob_present(s->dir, sha, (size_t)len);
}

int mq_orig_read_locked(mq_store *s, const char *sha, uint64_t len, unsigned char **data,
                        char **err)
{
	if (s->db_blobs && !left_in_dir(s, sha, len))
		return mq_dbblob_read(s->ix, sha, len, data, err);
	return mq_blob_read(s->dir, sha, (size_t)len, data, err);
}

int mq_orig_check_locked(mq_store *s, const char *sha, uint64_t len, char **err)
{
	unsigned char *data = NULL;
	int rc;

	if (s->db_blobs && !left_in_dir(s, sha, len))
		return mq_dbblob_check(s->ix, sha, len, err);
	rc = mq_blob_read(s->dir, sha, (size_t)len, &data, err);
	free(data);
	return rc;
}

int mq_orig_read(mq_store *s, const char *sha, uint64_t len, unsigned char **data, char **err)
{
	int rc;

	if (!s->db_blobs)
		return mq_blob_read(s->dir, sha, (size_t)len, data, err);
	pthread_mutex_lock(&s->lock); /* the connection is the store's */
	rc = mq_orig_read_locked(s, sha, len, data, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int mq_orig_remove_locked(mq_store *s, const char *sha, char **aside, char **err)
{
	*aside = NULL;
	if (!s->db_blobs)
		return mq_blob_set_aside(s->dir, sha, aside, err);
	if (s->dir_too && mq_blob_set_aside(s->dir, sha, aside, err) < 0)
		return -1;
	return mq_dbblob_delete(s->ix, sha, err); /* undone by a rollback */
}

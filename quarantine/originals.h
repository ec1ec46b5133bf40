/*
 * originals.h - the originals, in the blob directory or in PostgreSQL
 * (quarantine.store); see originals.c.  "_locked": the caller holds the
 * store's mutex (and, for writes, is inside a transaction).
 */
#ifndef MUGAI_QUARANTINE_ORIGINALS_H
#define MUGAI_QUARANTINE_ORIGINALS_H

#include <stdint.h>

#include "store.h"

/* Before the write lock: a durable file (dir), or the chunks inserted in
 * the transaction begun without the lock (postgresql). */
int mq_orig_put_early(mq_store *s, const char *sha, const void *data, uint64_t len, char **err);
/* Under the write lock: writes the original again if a concurrent delete
 * removed it since. */
int mq_orig_ensure_locked(mq_store *s, const char *sha, const void *data, uint64_t len,
                          char **err);
/* The original's bytes, hash checked; free() *data. */
int mq_orig_read_locked(mq_store *s, const char *sha, uint64_t len, unsigned char **data,
                        char **err);
/* 0 when the original is there and hashes right (read, not kept). */
int mq_orig_check_locked(mq_store *s, const char *sha, uint64_t len, char **err);
int mq_orig_read(mq_store *s, const char *sha, uint64_t len, unsigned char **data, char **err);
/* In a write transaction: removes the original.  A file is set aside
 * (*aside: restore it if the transaction fails, drop it once committed);
 * rows go with the transaction (*aside NULL). */
int mq_orig_remove_locked(mq_store *s, const char *sha, char **aside, char **err);

#endif

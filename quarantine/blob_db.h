/*
 * blob_db.h - originals as chunk rows in the PostgreSQL index (see
 * blob_pg.c).  Every call runs on the index's connection, inside the
 * caller's transaction when there is one.
 */
#ifndef MUGAI_QUARANTINE_BLOB_DB_H
#define MUGAI_QUARANTINE_BLOB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* Bytes per chunk row: the most held in memory beside the original. */
#define MQ_DB_CHUNK ((size_t)256 * 1024)

/* Creates mq_chunks when missing. */
int mq_dbblob_init(mq_index *ix, char **err);
/* 1 when every chunk of an original of len bytes is there, 0 when not. */
int mq_dbblob_present(mq_index *ix, const char *sha, uint64_t len, char **err);
/* Writes the chunks (those already there are kept). */
int mq_dbblob_put(mq_index *ix, const char *sha, const void *data, uint64_t len, char **err);
int mq_dbblob_put_chunk(mq_index *ix, const char *sha, uint64_t seq, const void *data,
                        size_t n, char **err);
/* Reads an original of len bytes chunk by chunk and checks its hash. */
int mq_dbblob_read(mq_index *ix, const char *sha, uint64_t len, unsigned char **data, char **err);
/* The same, through one chunk's buffer: 0 when whole and intact. */
int mq_dbblob_check(mq_index *ix, const char *sha, uint64_t len, char **err);
int mq_dbblob_delete(mq_index *ix, const char *sha, char **err);

#endif

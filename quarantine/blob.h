/*
 * blob.h - originals on disk, content-addressed: DIR/ab/<sha256> (a store
 * made before the one-level layout: DIR/ab/cd/<sha256>, still read and
 * written as such).
 *
 * A blob is written to a temporary name, fsynced, renamed into place and
 * its directory fsynced, so it is either whole and durable or absent; the
 * fan-out directory (directories) above it are fsynced into their parents the first
 * time a process uses them (they are never removed).
 * The same content is stored once, whoever writes it.
 */
#ifndef MUGAI_QUARANTINE_BLOB_H
#define MUGAI_QUARANTINE_BLOB_H

#include <stddef.h>
#include <stdint.h>

/* Lowercase hex SHA-256 into out[65]. */
void mq_sha256_hex(const void *data, size_t len, char out[65]);
/* Creates the store's top directory (private: 0750). */
int mq_blob_init(const char *dir, char **err);
/* Stores data under sha (which the caller computed from it) unless a blob
 * of that size is already there; durable on return 0. */
int mq_blob_put(const char *dir, const char *sha, const void *data, size_t len, char **err);
/* 1 when the blob is there with this size, 0 when not. */
int mq_blob_present(const char *dir, const char *sha, size_t len);
/* Reads a blob of the expected size and checks its hash. free() *data. */
int mq_blob_read(const char *dir, const char *sha, size_t len, unsigned char **data, char **err);
/* The blob opened for reading, its size checked: a descriptor, or -1. */
int mq_blob_open(const char *dir, const char *sha, size_t len, char **err);
/* Removing, in two steps so a failed transaction can undo it: the blob is
 * renamed aside (*aside to free()), then dropped or restored. */
int mq_blob_set_aside(const char *dir, const char *sha, char **aside, char **err);
void mq_blob_drop(const char *aside);
/* Calls fn for every blob last changed before `before` (unix seconds);
 * removes leftovers of interrupted writes and removals older than that.
 * Stops early when fn returns non-zero (and returns that). */
int mq_blob_walk(const char *dir, int64_t before, int (*fn)(const char *sha, void *ctx),
                 void *ctx);
int mq_blob_restore(const char *dir, const char *sha, const char *aside);

#endif

/*
 * audit.h - the hash-chained audit log.
 *
 * Entry n carries hash(n-1); hash(n) is the SHA-256 of the canonical
 * serialisation of entry n:
 *
 *   "mugai-audit-1\n" then, for seq, at, actor, action, item_id, detail,
 *   prev in that order, "<name>=<byte length>:<bytes>\n"
 *
 * (seq and at in decimal).  An entry that names its node (daemon.node)
 * is version 2: "mugai-audit-2\n", the same fields, then node last, so a
 * node's name cannot be changed or blanked without breaking the chain;
 * entries from before nodes were recorded keep version 1.
 * Lengths make the encoding unambiguous whatever
 * the fields contain.  The first entry's prev is 64 zeros.  Appends happen
 * inside the index's write transaction, whose lock serialises every writer,
 * so seq has no gaps and the chain no forks.
 */
#ifndef MUGAI_QUARANTINE_AUDIT_H
#define MUGAI_QUARANTINE_AUDIT_H

#include "index.h"
#include "quarantine.h"

#define MQ_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

void mq_audit_hash(const mq_audit_entry *e, char out[65]);
/* Appends one entry; only inside ops->begin_write .. commit. */
int mq_audit_append(mq_index *ix, const char *actor, const char *action, const char *item_id,
                    const char *detail, char **err);
int mq_audit_verify(mq_index *ix, mq_verify_result *res, char **err);
int mq_audit_for_item(mq_index *ix, const char *item_id, mq_audit_entry **entries, size_t *n,
                      char **err);
int mq_audit_range(mq_index *ix, uint64_t after, unsigned limit, mq_audit_entry **entries,
                   size_t *n, char **err);

#endif

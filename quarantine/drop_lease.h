/*
 * drop_lease.h - leases on the shared drop folder's claims (mq_drop_leases).
 *
 * A claim is a file renamed into inbox/.claims/NODE/ (gateway/dropd/
 * drop_claim.c); its lease, keyed by that path below .claims ("NODE/REL"),
 * says the node is alive and working on it until `expires`.  Another node
 * takes a claim over only when it is old and its lease absent or expired,
 * so a slow but live node keeps its work.  Every write takes the index's
 * one write lock, so two nodes never both win a takeover; SQLite and
 * PostgreSQL run the same statements (several nodes need PostgreSQL, or
 * one SQLite file on one host).
 */
#ifndef MUGAI_QUARANTINE_DROP_LEASE_H
#define MUGAI_QUARANTINE_DROP_LEASE_H

#include <stdint.h>

#include "quarantine.h"

/* Takes or renews node's lease on key until `expires` (unix seconds). */
int mq_drop_lease_hold(mq_store *s, const char *key, const char *node, int64_t expires,
                       char **err);
/* Drops the lease on key (the claim is done). */
int mq_drop_lease_release(mq_store *s, const char *key, char **err);
/* The takeover of the claim `from_key` (another node's) as `to_key` by
 * node `to`: 1 done (the old lease dropped, to's held until expires, one
 * "drop_takeover" audit entry), 0 refused (a live lease still holds it),
 * MQ_E_ERROR. */
int mq_drop_lease_takeover(mq_store *s, const char *from_key, const char *to_key,
                           const char *to, int64_t expires, char **err);

#endif

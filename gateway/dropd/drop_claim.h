/*
 * drop_claim.h - one inbox, several dropd: each file claimed by exactly one.
 *
 * A file is claimed by rename(2) into inbox/.claims/NODE/REL: on one file
 * system that is atomic, so of two nodes renaming the same file one wins
 * and the other sees ENOENT.  The item is processed from the claim and
 * the claim removed once its outputs are durable.  A node that dies
 * leaves its claims: another node takes over a claim whose age (its
 * ctime, which the rename set) passed drop.claim_timeout and whose lease
 * in the index (drop_lease.h) is absent or expired, again by rename into
 * its own claim folder, and audits it.  A node resumes its own claims at
 * start-up and at every rescan (a crash, or an item deferred).
 */
#ifndef MUGAI_DROP_CLAIM_H
#define MUGAI_DROP_CLAIM_H

#include <time.h>

#include "quarantine.h"

#define MG_CLAIMS_DIR ".claims"

typedef struct mg_claims {
	char *inbox;
	char *root;        /* inbox/.claims */
	char *mine;        /* inbox/.claims/NODE */
	char node[65];
	unsigned timeout;  /* drop.claim_timeout, seconds */
	mq_store *store;   /* the leases and the takeover's audit; NULL: none */
} mg_claims;

/* Makes inbox/.claims/NODE; 0 or -1 with errno. */
int mg_claims_open(mg_claims *c, const char *inbox, const char *node, unsigned timeout,
                   mq_store *store);
void mg_claims_close(mg_claims *c);

/* Claims inbox/REL: 1 claimed (*path: the claim, free() it), 0 not ours
 * (another node has it, or a claim of that name is still pending here),
 * -1 error (errno). */
int mg_claim(const mg_claims *c, const char *rel, char **path);
/* The claim's path for REL (free() it). */
char *mg_claim_path(const mg_claims *c, const char *rel);
/* Renews the lease while REL's item runs. */
void mg_claim_renew(const mg_claims *c, const char *rel);
/* REL's claim file is gone (output written or rejected): drops the lease
 * and the claim's emptied folders. */
void mg_claim_done(const mg_claims *c, const char *rel);

/* Takes over the other nodes' claims older than the timeout whose lease
 * is not live; returns how many. */
unsigned mg_claims_adopt(const mg_claims *c, time_t now);
/* Calls fn with the REL of each of this node's claims. */
void mg_claims_each_own(const mg_claims *c, void (*fn)(void *arg, const char *rel), void *arg);

#endif

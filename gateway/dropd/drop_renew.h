/*
 * drop_renew.h - keeps a claim's lease alive while its item runs.
 *
 * A lease (drop_lease.h) lasts drop.claim_timeout; an item may take
 * longer (a large Office file, a slow OCR pass).  Without renewal another
 * node would see the claim old and the lease expired, take it over and
 * process it a second time while this node is still at it.  A thread
 * renews the lease every third of the timeout until the item is done.
 * It touches only the store (under the store's own lock) and sleeps
 * otherwise, so a worker zygote dropd forks meanwhile inherits no lock it
 * would need: the child never uses the store.
 */
#ifndef MUGAI_DROP_RENEW_H
#define MUGAI_DROP_RENEW_H

#include <pthread.h>
#include <stdbool.h>

#include "drop_claim.h"

typedef struct mg_claim_renewer {
	const mg_claims *claims;
	char *rel;
	unsigned every;        /* seconds between renewals */
	unsigned renewals;     /* how many were written (for the tests) */
	bool stop, running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
} mg_claim_renewer;

/* Starts renewing REL's lease (no-op without an index: nothing to renew).
 * Fails soft: a lease not renewed only allows a takeover after the
 * timeout (at least once, never lost). */
void mg_claim_renew_start(mg_claim_renewer *r, const mg_claims *c, const char *rel);
/* Stops the renewals; returns how many there were. */
unsigned mg_claim_renew_stop(mg_claim_renewer *r);

#endif
